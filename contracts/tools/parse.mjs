// Parses an AsyncAPI document with the official JavaScript parser (@asyncapi/parser, what the
// generator and Studio load documents with) and prints one JSON object: whether a document came
// out, and every diagnostic (severity 0 = error, 1 = warning, 2 = info, 3 = hint).
//   node contracts/tools/parse.mjs contracts/asyncapi.yaml
// Exit status: 0 when there is a document and no error diagnostic, 1 otherwise.
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const path = process.argv[2];
if (!path) {
  console.error('usage: node parse.mjs ASYNCAPI_FILE');
  process.exit(2);
}
const { document, diagnostics } = await new Parser().parse(await readFile(path, 'utf8'), { source: path });
const report = {
  document: document !== undefined,
  diagnostics: diagnostics.map((d) => ({
    severity: d.severity, code: d.code, message: d.message, path: d.path.join('/'),
  })),
};
console.log(JSON.stringify(report, null, 2));
process.exit(report.document && !diagnostics.some((d) => d.severity === 0) ? 0 : 1);
