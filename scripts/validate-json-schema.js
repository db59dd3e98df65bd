#!/usr/bin/env node
// Validates JSON documents against a JSON Schema (draft-04, -07 or 2020-12 chosen from the schema's $schema) with
// ajv from build/tools (scripts/fetch-schemas.sh installs it).
// Usage: validate-json-schema.js TOOLS_DIR SCHEMA [--ref REF_SCHEMA]... DOCUMENT...
// Exit 0 when every document is valid, 1 when one is not, 2 on a usage or schema error.
'use strict';
const fs = require('fs');
const path = require('path');
const {createRequire} = require('module');

const args = process.argv.slice(2);
if (args.length < 3) {
  console.error('usage: validate-json-schema.js TOOLS_DIR SCHEMA [--ref REF]... DOCUMENT...');
  process.exit(2);
}
const toolsRequire = createRequire(path.join(path.resolve(args[0]), 'node_modules', 'x.js'));
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const schema = readJson(args[1]);
const refs = [];
const documents = [];
for (let i = 2; i < args.length; i++) {
  if (args[i] === '--ref') {
    // Schemas are referenced by file name relative to the main schema's $id (CycloneDX's npm copies are named
    // *.SNAPSHOT.schema.json while their $id says *.schema.json), so register each under that name.
    const file = args[++i];
    const ref = readJson(file);
    ref.$id = new URL(path.basename(file), schema.$id || 'file:///schemas/').href;
    refs.push(ref);
  }
  else documents.push(args[i]);
}
const dialect = String(schema.$schema || '');
let Ajv;
if (dialect.includes('draft-04')) Ajv = toolsRequire('ajv-draft-04');
else if (dialect.includes('2020-12')) Ajv = toolsRequire('ajv/dist/2020');
else Ajv = toolsRequire('ajv');
Ajv = Ajv.default || Ajv;
// unicodeRegExp: false because the SARIF rtm.5 schema's language pattern is invalid under the u flag.
const ajv = new Ajv({strict: false, allErrors: true, unicodeRegExp: false});
toolsRequire('ajv-formats')(ajv);
let validate;
try {
  for (const ref of refs) ajv.addSchema(ref);
  validate = ajv.compile(schema);
} catch (error) {
  console.error(`schema error: ${error.message}`);
  process.exit(2);
}
let failed = false;
for (const file of documents) {
  if (validate(readJson(file))) {
    console.log(`${file}: valid`);
  } else {
    failed = true;
    console.log(`${file}: INVALID`);
    for (const error of validate.errors.slice(0, 20)) {
      console.log(`  ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
    }
  }
}
process.exit(failed ? 1 : 0);
