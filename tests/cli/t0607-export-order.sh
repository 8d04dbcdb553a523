#!/usr/bin/env bash
# t0607: the order of what export and report list does not depend on the
# order the scan's jobs happened to start the inputs in: findings go by
# path, then in reading order inside an input (an archive's members as
# they are stored), then offset; report's top sources and its list of
# inputs not read in full go by path where counts tie.  Two scans of the
# same inputs named in opposite orders export the same bytes.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p c m
printf 'mail zed.roe@corp.io\n' >c/z.txt
printf 'mail amy.roe@corp.io\nand amy.two@corp.io\n' >c/a.txt
printf 'mail bob.roe@corp.io\n' >m/b.txt
printf 'mail al.roe@corp.io\n' >m/a.txt
tar -C m -cf c/m.tar b.txt a.txt # stored b.txt first
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
	printf 'mail u%s@corp.io\n' "$i" >"c/t$i.txt"
done
printf 'not gzip' | gzip -c | head -c 12 >c/y.gz
printf 'not gzip' | gzip -c | head -c 12 >c/x.gz

# One job, so that the sources are started in the order named.
run 3 sh -c 'cd c && exec "$1" scan -q -j 1 --db ../one.db z.txt y.gz m.tar t12.txt t11.txt t10.txt \
	t09.txt t08.txt t07.txt t06.txt t05.txt t04.txt t03.txt t02.txt t01.txt a.txt x.gz' _ "$PIIAUDIT"
run 3 sh -c 'cd c && exec "$1" scan -q -j 1 --db ../two.db x.gz a.txt t01.txt t02.txt t03.txt t04.txt \
	t05.txt t06.txt t07.txt t08.txt t09.txt t10.txt t11.txt t12.txt m.tar y.gz z.txt' _ "$PIIAUDIT"

run 0 "$PIIAUDIT" export --db one.db --format jsonl
cp out one.jsonl
run 0 "$PIIAUDIT" export --db two.db --format jsonl
cp out two.jsonl
check "JSON lines: the same bytes whatever order the inputs were named in" cmp one.jsonl two.jsonl
# where: source!member a line, in the export's order
where() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print(r["source"] + ("!" + r["member"] if r["member"] else ""))' "$1"
}
check "findings go by path, an archive's members as stored" test "$(where one.jsonl | head -n 4 | tr '\n' ' ')" = \
	"a.txt a.txt m.tar!b.txt m.tar!a.txt "
check "the last finding is z.txt's" test "$(where one.jsonl | tail -n 1)" = z.txt
check "within a source, by offset" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][:2]
sys.exit(0 if rows[0]["offset"] < rows[1]["offset"] else 1)' one.jsonl

run 0 "$PIIAUDIT" export --db one.db --format csv
cp out one.csv
run 0 "$PIIAUDIT" export --db two.db --format csv
check "CSV: the same whatever order the inputs were named in" cmp one.csv out
run 0 "$PIIAUDIT" export --db one.db --format sarif
cp out one.sarif
run 0 "$PIIAUDIT" export --db two.db --format sarif
cp out two.sarif
# results F: a SARIF file's results, one a line (the invocation names the
# inputs in the order given, and differs)
results() {
	python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["runs"][0]["results"]:
    print(json.dumps(r, sort_keys=True))' "$1"
}
results one.sarif >one.results && results two.sarif >two.results
check "SARIF: the same results whatever order the inputs were named in" \
	sh -c 'test -s one.results && cmp one.results two.results'
check "SARIF results go by path" python3 -c '
import json, sys
res = json.load(open(sys.argv[1]))["runs"][0]["results"]
uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in res]
sys.exit(0 if uris[0].startswith("a.txt") and uris[-1].startswith("z.txt") else 1)' one.sarif

for db in one two; do
	run 0 "$PIIAUDIT" report --db $db.db --format json
	cp out $db.report.json
done
# listed FILE KEY WANT...: the report's list at KEY (dotted) is, as
# path!member, WANT...
listed() {
	python3 -c '
import json, sys
node = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    node = node[k]
got = [s["path"] + ("!" + s["member"] if s.get("member") else "") for s in node]
if got != sys.argv[3:]:
    print("got", got, file=sys.stderr)
    sys.exit(1)' "$@"
}
check "report: the inputs not read in full go by path" \
	listed one.report.json coverage.not_read_in_full.sources x.gz y.gz
for db in one two; do
	check "report ($db): top sources, tied at one finding, are the first by path" \
		listed $db.report.json inventory.top_sources a.txt m.tar!b.txt m.tar!a.txt \
		t01.txt t02.txt t03.txt t04.txt t05.txt t06.txt t07.txt
done
finish
