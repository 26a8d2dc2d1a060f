// Validates IVMS101.2023 documents, one JSON document per line on stdin, with the `ivms101`
// npm package's schema (every constraint, C1 to C12). Prints each invalid document's issues and
// a closing count; exits 1 if any document is invalid, 2 if there is none to check.
import { IVMS101_2023Schema } from 'ivms101';
import { readFileSync } from 'node:fs';

const lines = readFileSync(0, 'utf8').split('\n').filter((line) => line.trim() !== '');
let invalid = 0;
for (const [index, line] of lines.entries()) {
  const result = IVMS101_2023Schema.safeParse(JSON.parse(line));
  if (!result.success) {
    invalid += 1;
    for (const issue of result.error.issues) {
      console.log(`document ${index + 1}: ${issue.path.join('.')}: ${issue.message}`);
    }
  }
}
console.log(`${lines.length - invalid} valid, ${invalid} invalid`);
process.exit(lines.length === 0 ? 2 : invalid > 0 ? 1 : 0);
