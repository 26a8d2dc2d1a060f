// Replays every proof of a finsim evidence pack with chainpoint-parse, Tierion's Chainpoint v4
// parser (it validates the proof against the Chainpoint JSON schema and computes the value each
// anchor must hold), and compares that value with the root of the block the anchor names in
// roots.jsonl. Prints {"<proof file>": {"anchor", "expected_value", "root"}} or an "error";
// exits 0 when every proof parses and replays to its block's root.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const chainpoint = createRequire(import.meta.url)('chainpoint-parse');
const dir = process.argv[2];
const roots = readFileSync(join(dir, 'roots.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
const proofs = join(dir, 'proofs');
const result = {};
let holds = true;
for (const name of existsSync(proofs) ? readdirSync(proofs).sort() : []) {
  try {
    const parsed = chainpoint.parse(JSON.parse(readFileSync(join(proofs, name), 'utf8')));
    const anchor = parsed.branches[0].anchors[0];
    const split = anchor.anchor_id.lastIndexOf(':');
    const block = roots.find((b) => b.cluster === anchor.anchor_id.slice(0, split) && b.height === Number(anchor.anchor_id.slice(split + 1)));
    result[name] = { anchor: anchor.anchor_id, expected_value: anchor.expected_value, root: block ? block.root : null };
    holds &&= block !== undefined && block.root === anchor.expected_value;
  } catch (error) {
    result[name] = { error: String(error.message ?? error) };
    holds = false;
  }
}
console.log(JSON.stringify(result));
process.exit(holds ? 0 : 1);
