// Checks a finsim evidence pack with Node.js's own SHA-256 and ed25519 (no finsim code):
// the manifest's hashes, every signature in messages.jsonl against keys.json, every user-signed
// transfer template in transfers.jsonl, every personal-data delivery's document, and every proof
// in proofs/ replayed as Chainpoint v4 operations to a block root of roots.jsonl whose
// transactions include the proof's hash. Prints a JSON summary; exits 0 when every file hash and
// every proof holds (signatures are counted per signer: the caller knows which signers forge).
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const read = (name) => readFileSync(join(dir, name));
const lines = (name) => read(name).toString('utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

const summary = { files_ok: 0, files_bad: [], signatures_ok: 0, signatures_bad: {}, proofs_ok: 0, proofs_bad: [], transfers_ok: 0, transfers_bad: [], personal_data: 0 };

const manifest = JSON.parse(read('manifest.json'));
for (const [name, hex] of Object.entries(manifest.files)) {
  if (existsSync(join(dir, name)) && sha256(read(name)).toString('hex') === hex) summary.files_ok += 1;
  else summary.files_bad.push(name);
}

// An ed25519 public key in SubjectPublicKeyInfo DER: the fixed prefix, then the 32 raw bytes.
const spki = (hex) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
const keys = Object.fromEntries(Object.entries(JSON.parse(read('keys.json'))).map(([actor, k]) => [actor, spki(k.public_key)]));
for (const m of lines('messages.jsonl')) {
  const key = keys[m.signer];
  const ok = key !== undefined && verify(null, Buffer.from(m.signed, 'hex'), key, Buffer.from(m.signature, 'hex'));
  if (ok) summary.signatures_ok += 1;
  else summary.signatures_bad[m.signer] = (summary.signatures_bad[m.signer] ?? 0) + 1;
}

// Each user-signed transfer: the template hash recomputed from its fields (the nonce as hex, the
// rest as UTF-8: SHA-256 of their concatenation is the group hash, SHA-256 of that the template
// hash), and the user's signature over the template hash's 32 bytes.
const transfers = lines('transfers.jsonl');
for (const t of transfers) {
  const bytes = t.fields.map((f, i) => (i === 0 ? Buffer.from(f, 'hex') : Buffer.from(f, 'utf8')));
  const hash = sha256(sha256(Buffer.concat(bytes)));
  const signed = t.public_key !== null && verify(null, Buffer.from(t.template_hash, 'hex'), spki(t.public_key), Buffer.from(t.signature, 'hex'));
  if (hash.toString('hex') === t.template_hash && signed) summary.transfers_ok += 1;
  else summary.transfers_bad.push(t.request_id);
}

// Every delivery of personal data names a document of the pack.
for (const p of lines('personal_data.jsonl')) {
  if (existsSync(join(dir, p.payload))) summary.personal_data += 1;
  else summary.files_bad.push(p.payload);
}

const roots = lines('roots.jsonl');
const proofsDir = join(dir, 'proofs');
for (const name of existsSync(proofsDir) ? readdirSync(proofsDir).sort() : []) {
  const proof = JSON.parse(read(join('proofs', name)));
  let current = Buffer.from(proof.hash, 'hex');
  let anchor = null;
  for (const op of proof.branches[0].ops) {
    if (op.l !== undefined) current = Buffer.concat([Buffer.from(op.l, 'hex'), current]);
    else if (op.r !== undefined) current = Buffer.concat([current, Buffer.from(op.r, 'hex')]);
    else if (op.op === 'sha-256') current = sha256(current);
    else if (op.anchors !== undefined) anchor = op.anchors[0].anchor_id;
  }
  const [cluster, height] = anchor ? [anchor.slice(0, anchor.lastIndexOf(':')), Number(anchor.slice(anchor.lastIndexOf(':') + 1))] : [null, null];
  const block = roots.find((b) => b.cluster === cluster && b.height === height);
  // Bound to its transfer: the proof starts from that transfer's own ledger transaction.
  const transfer = transfers.find((t) => `${t.request_id}.json` === name);
  const bound = transfer !== undefined && transfer.tx_hash === proof.hash;
  if (bound && block && block.root === current.toString('hex') && block.txs.includes(proof.hash)) summary.proofs_ok += 1;
  else summary.proofs_bad.push(name);
}

console.log(JSON.stringify(summary));
const holds = summary.files_bad.length === 0 && summary.proofs_bad.length === 0 && summary.transfers_bad.length === 0;
process.exit(holds ? 0 : 1);
