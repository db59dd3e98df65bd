#!/usr/bin/env node
// Validates JSON documents against schemas of an OpenAPI 3.0 document (components/schemas), with ajv from
// build/tools (scripts/fetch-schemas.sh installs it). OpenAPI's own keywords (nullable, example, ...) are not JSON
// Schema; ajv runs non-strict so they are ignored, while formats it knows (date-time, uri) are checked.
// Usage: validate_openapi.js TOOLS_DIR OPENAPI_JSON CASES_JSON
//   CASES_JSON: [{"schema": "HarborVulnerabilityReport", "file": "/path/doc.json", "expect": "valid"|"invalid"}]
// Prints one line per case; exit 0 when every case came out as expected, 1 otherwise, 2 on a usage error.
'use strict';
const fs = require('fs');
const path = require('path');
const {createRequire} = require('module');

const args = process.argv.slice(2);
if (args.length !== 3) {
  console.error('usage: validate_openapi.js TOOLS_DIR OPENAPI_JSON CASES_JSON');
  process.exit(2);
}
const toolsRequire = createRequire(path.join(path.resolve(args[0]), 'node_modules', 'x.js'));
let Ajv = toolsRequire('ajv');
Ajv = Ajv.default || Ajv;
const ajv = new Ajv({strict: false, allErrors: true, validateFormats: true});
toolsRequire('ajv-formats')(ajv);
const spec = JSON.parse(fs.readFileSync(args[1], 'utf8'));
ajv.addSchema({$id: 'openapi.json', components: spec.components});
const cases = JSON.parse(fs.readFileSync(args[2], 'utf8'));
let failed = false;
for (const c of cases) {
  const validate = ajv.compile({$ref: `openapi.json#/components/schemas/${c.schema}`});
  const document = JSON.parse(fs.readFileSync(c.file, 'utf8'));
  const valid = validate(document);
  const expected = (c.expect || 'valid') === 'valid';
  const ok = valid === expected;
  if (!ok) failed = true;
  console.log(`${ok ? 'ok' : 'FAIL'}: ${path.basename(c.file)} against ${c.schema}: ${valid ? 'valid' : 'invalid'}`);
  if (!valid && expected) {
    for (const error of validate.errors.slice(0, 20)) {
      console.log(`  ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
    }
  }
}
process.exit(failed ? 1 : 0);
