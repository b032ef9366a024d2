// Converts an OpenAPI document into a Postman collection with Postman's own importer,
// the npm package openapi-to-postmanv2. Driven by tests/e2e/test_postman.py.
//
//   node to_postman.mjs <schema.json|schema.yaml>
//
// Prints {"result": true, "name": ..., "requests": [{"method", "path", "name"}, ...],
// "auth": [...]} with one entry per request of the collection (folders flattened), and
// exits 0; prints {"result": false, "reason": ...} and exits 1 when the converter
// refuses the document.
import { readFileSync } from 'node:fs';
import Converter from 'openapi-to-postmanv2';

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node to_postman.mjs <schema file>\n');
  process.exit(2);
}

const input = { type: 'string', data: readFileSync(file, 'utf8') };
const options = { folderStrategy: 'Paths', requestParametersResolution: 'Schema' };

const flatten = (items) =>
  items.flatMap((item) => (Array.isArray(item.item) ? flatten(item.item) : [item]));

Converter.convert(input, options, (err, conversion) => {
  if (err || !conversion.result) {
    const reason = err ? String(err) : conversion.reason;
    process.stdout.write(JSON.stringify({ result: false, reason }));
    process.exitCode = 1;
    return;
  }
  const collection = conversion.output.find((out) => out.type === 'collection').data;
  const requests = flatten(collection.item ?? []).map((item) => {
    const url = item.request.url;
    const path = typeof url === 'string' ? url : '/' + (url.path ?? []).join('/');
    return { method: item.request.method, path, name: item.name };
  });
  const auth = collection.auth ?? null;
  process.stdout.write(
    JSON.stringify({ result: true, name: collection.info?.name, requests, auth }),
  );
});
