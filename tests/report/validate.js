#!/usr/bin/env node
// Validates JSON documents against a JSON Schema and prints one verdict a
// line for the shell tests: "ok<TAB>what" or "not_ok<TAB>what<TAB>errors".
//
//   node validate.js SCHEMA.json DOCUMENT.json [WHAT]
//
// A schema that declares draft-04 (SARIF 2.1.0's) is compiled with
// ajv-draft-04, any other with Ajv (draft-07); ajv-formats checks the
// formats either declares (uri-reference, date-time...).
'use strict';
const fs = require('fs');
const addFormats = require('ajv-formats');

const [schemaPath, docPath, what] = process.argv.slice(2);
const say = (ok, detail) => console.log([ok ? 'ok' : 'not_ok', what || ('valid: ' + docPath),
	ok ? '' : String(detail).replace(/\n/g, '\\n')].join('\t'));
try {
	const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
	const draft04 = /draft-04/.test(schema.$schema || '');
	const Ajv = draft04 ? require('ajv-draft-04') : require('ajv');
	const ajv = new Ajv({ allErrors: true, strict: false });
	addFormats(ajv);
	const validate = ajv.compile(schema);
	const doc = JSON.parse(fs.readFileSync(docPath, 'utf8'));
	const ok = validate(doc);
	say(ok, ok ? '' : ajv.errorsText(validate.errors.slice(0, 10), { separator: '\n' }));
} catch (e) {
	say(false, e.stack || e);
	process.exit(1);
}
