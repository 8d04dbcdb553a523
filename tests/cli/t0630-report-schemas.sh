#!/usr/bin/env bash
# t0630: schema validity (issue 6).  export --format sarif against the
# official SARIF 2.1.0 schema (draft-04: ajv-draft-04 and ajv-formats, from
# npm into build/node), and its contents: rules, one result per finding,
# levels, URIs of nested members, regions, fingerprints, no raw value.  The
# JSON report against tests/report/piiaudit-report-1.schema.json, with and
# without a diff and a memorisation section.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"
sql() { sqlite3 -batch "$T/db" "$1" 2>&1; }

SARIF_SCHEMA=$TOP/../shared/schemas/sarif-schema-2.1.0.json
check "the SARIF 2.1.0 schema is at ../shared/schemas" test -s "$SARIF_SCHEMA"
need_node ajv ajv-draft-04 ajv-formats
validate() { verdicts node "$RT/validate.js" "$@"; }

F=$T/f
make_corpus "$F" 1
cd "$F" || exit 1
run 3 scan_corpus "$T/db" --store-values
make_corpus "$F" 2
run 3 scan_corpus "$T/db"

# SARIF.
run 0 "$PIIAUDIT" export --db "$T/db" --run 1 --format sarif
cp "$T/out" "$T/r.sarif"
validate "$SARIF_SCHEMA" "$T/r.sarif" "SARIF of run 1 is valid SARIF 2.1.0"
python3 - "$T/r.sarif" "$T/bad.sarif" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
d["runs"][0]["results"][1]["level"] = "fatal"
json.dump(d, open(sys.argv[2], "w"))
PY
node "$RT/validate.js" "$SARIF_SCHEMA" "$T/bad.sarif" >"$T/bad.out" 2>&1
check "the validator is not vacuous: a SARIF with startLine 0 and level fatal fails" \
	grep -q '^not_ok.*startLine must be >= 1' "$T/bad.out"

py() { jpy "$T/r.sarif" "$1"; }
check "SARIF: version 2.1.0, tool piiaudit" test "$(py '[d["version"], d["runs"][0]["tool"]["driver"]["name"]]')" = "['2.1.0', 'piiaudit']"
want=$(sql 'select count(*) from findings where run_id = 1')
check "SARIF: one result per finding ($want)" test "$(py 'len(d["runs"][0]["results"])')" = "$want"
want=$(sql 'select count(*) from rules where run_id = 1')
check "SARIF: driver.rules = the run's rules ($want)" test "$(py 'len(d["runs"][0]["tool"]["driver"]["rules"])')" = "$want"
check "SARIF: rules carry descriptions and tags" \
	test "$(py 'all(r["shortDescription"]["text"] and r["fullDescription"]["text"] and isinstance(r["properties"]["tags"], list) for r in d["runs"][0]["tool"]["driver"]["rules"])')" = True
check "SARIF: email.address has its tags" \
	test "$(py '[r["properties"]["tags"] for r in d["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "email.address"][0]')" = "['gdpr:art4', 'ccpa', 'hipaa:safe-harbor-f']"
check "SARIF: ruleIndex points at ruleId" \
	test "$(py 'all(d["runs"][0]["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in d["runs"][0]["results"])')" = True
check "SARIF: level from confidence" \
	test "$(py 'all(r["level"] == ("error" if r["properties"]["confidence"] >= 0.9 else "warning" if r["properties"]["confidence"] >= 0.6 else "note") for r in d["runs"][0]["results"])')" = True
sql "select fingerprint from findings where run_id = 1 order by 1" >"$T/fp.db"
py '"\n".join(sorted(r["partialFingerprints"]["piiaudit/v1"] for r in d["runs"][0]["results"]))' >"$T/fp.sarif"
check "SARIF: partialFingerprints are the keyed fingerprints" cmp -s "$T/fp.db" "$T/fp.sarif"
uris=$(py '" ".join(sorted(set(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in d["runs"][0]["results"])))')
for u in 'bundle.tar.gz!/docs/a.txt' 'bundle.tar.gz!/inner.zip!/deep/inner.txt' 'deep.tar!/top.txt' \
	'corpus/users.jsonl' 'bundle.tar.gz!/dump/big.txt'; do
	case " $uris " in
	*" $u "*) ok "SARIF: uri $u" ;;
	*) not_ok "SARIF: uri $u" "$uris" ;;
	esac
done
# Offsets, lengths and lines are the export's.
"$PIIAUDIT" export --db "$T/db" --run 1 --format jsonl >"$T/r.jsonl"
python3 - "$T/r.jsonl" "$T/r.sarif" <<'PY' >"$T/cmp.out"
import json, sys
a = sorted((o["fingerprint"], o["line"], o["offset"], o["length"], o["rule"]) for o in map(json.loads, open(sys.argv[1])))
d = json.load(open(sys.argv[2]))
b = sorted((r["partialFingerprints"]["piiaudit/v1"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["byteOffset"],
            r["locations"][0]["physicalLocation"]["region"]["byteLength"], r["ruleId"]) for r in d["runs"][0]["results"])
print("same" if a == b else "differ")
PY
check "SARIF regions = the JSONL export's line, offset, length" grep -qx same "$T/cmp.out"
sql 'select distinct value from findings where placeholder = 0 and value is not null' >"$T/values"
check "SARIF: no raw value" eval "! grep -qFf '$T/values' '$T/r.sarif'"
check "SARIF: the message has the masked preview" \
	test "$(py 'any("***" in r["message"]["text"] for r in d["runs"][0]["results"])')" = True
run 0 "$PIIAUDIT" export --db "$T/db" --run 1 --format sarif --show-values
cp "$T/out" "$T/v.sarif"
check "SARIF --show-values: raw values in properties.value" \
	test "$(jpy "$T/v.sarif" 'sum(1 for r in d["runs"][0]["results"] if r["properties"].get("value"))')" -gt 0
validate "$SARIF_SCHEMA" "$T/v.sarif" "SARIF with values is valid SARIF 2.1.0"
run 0 "$PIIAUDIT" export --db "$T/db" --run 2 --format sarif --show-values
check "SARIF --show-values of a run without values: none" eval "! grep -q '\"value\"' '$T/out'"
# A path a URI cannot hold as it is.
mkdir -p "odd dir"
printf 'write to user00001.tag@host-00001.example-corp.io today\n' >"odd dir/100%#x!.txt"
run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/odd.db" "odd dir"
run 0 "$PIIAUDIT" export --db "$T/odd.db" --format sarif
cp "$T/out" "$T/odd.sarif"
check "SARIF: a path is percent-encoded" \
	test "$(jpy "$T/odd.sarif" 'd["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]')" = "odd%20dir/100%25%23x%21.txt"
validate "$SARIF_SCHEMA" "$T/odd.sarif" "SARIF with an odd path is valid"
run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/abs.db" "$F/odd dir"
run 0 "$PIIAUDIT" export --db "$T/abs.db" --format sarif
case $(jpy "$T/out" 'd["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]' 2>&1) in
file:///*) ok "SARIF: an absolute path is a file:// URI" ;;
*) not_ok "SARIF: an absolute path is a file:// URI" ;;
esac
run 2 "$PIIAUDIT" export --db "$T/db" --format sarif --run 9
run 2 "$PIIAUDIT" export --db "$T/db" --format sarifx

# The JSON report.
REPORT_SCHEMA=$RT/piiaudit-report-1.schema.json
run 0 "$PIIAUDIT" report --db "$T/db" --run 1 --format json -o "$T/r1.json"
validate "$REPORT_SCHEMA" "$T/r1.json" "report json (run 1, values stored) is valid piiaudit-report/1"
run 0 "$PIIAUDIT" report --db "$T/db" --since-run 1 --format json -o "$T/r2.json"
validate "$REPORT_SCHEMA" "$T/r2.json" "report json with a diff is valid piiaudit-report/1"
cp "$T/db" "$T/x.db"
sqlite3 "$T/x.db" "insert into xref_runs (run_id, created_at, corpus_db, corpus_run, corpus_uuid, key_id, outputs,
	outputs_with_pii, outputs_with_leak, output_values, leaked_values, prompted, extracted)
	values (1, '2026-01-01T00:00:00Z', 'c.db', 1, 'u', 'k', 10, 2, 1, 2, 1, 1, 1);
	insert into xref_leaks values (1, 'a', 'email', 'a***@b***.io', 2, 1, 1, 1);
	insert into redactions (run_id, input, output, style, status, replaced, remaining) values (1, 'a.txt', 'b.txt', 'mask', 'ok', 1, 0);
	insert into redaction_counts values (1, 'email.address', 'email', 1, 1, 0)"
run 0 "$PIIAUDIT" report --db "$T/x.db" --show-values --run 1 --format json -o "$T/r3.json"
validate "$REPORT_SCHEMA" "$T/r3.json" "report json with memorisation, redactions and values is valid piiaudit-report/1"
printf 'nothing here\n' >"$T/plain.txt"
run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/none.db" "$T/plain.txt"
run 0 "$PIIAUDIT" report --db "$T/none.db" --format json -o "$T/r4.json"
validate "$REPORT_SCHEMA" "$T/r4.json" "report json of a run with no findings is valid piiaudit-report/1"
python3 - "$T/r1.json" "$T/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); del d["total_findings"]; json.dump(d, open(sys.argv[2], "w"))
PY
node "$RT/validate.js" "$REPORT_SCHEMA" "$T/bad.json" >"$T/bad.out" 2>&1
check "the report schema is not vacuous: a report without total_findings fails" grep -q '^not_ok' "$T/bad.out"
finish
