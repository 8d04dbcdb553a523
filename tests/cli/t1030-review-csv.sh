#!/usr/bin/env bash
# review sample and import on a CSV field scan: the value of a finding in a
# CSV cell is checked as the cell decodes (doubled quotes undoubled, a
# backslash is just a byte: no JSON decoding), so every context of an
# unchanged corpus is verified, with the key and with the masked previews
# only; --reveal gives the decoded value; only the source that really
# changed is flagged; the sample imports and is not asked again.
. "$(dirname "$0")/lib.sh"

# csvq FILE EXPR: python over the rows of a CSV (list of dicts in `rows`)
csvq() {
	python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(eval(sys.argv[2]))' "$1" "$2"
}

cd "$T" || exit 1
mkdir -p corpus
# A rule whose values can hold a quote and a backslash.
cat >ticket.yaml <<'EOF'
pack: tickets
description: Ticket references (test pack)
rules:
  - id: other.ticket
    category: other
    description: 'A ticket reference: TKT: and anything up to a space or comma'
    pattern: '(TKT:[^ ,\r\n]+)'
    group: 1
    keywords: ["TKT:"]
    confidence: 0.9
EOF
python3 - <<'PY'
import json
def csv_file(path, rows, sep=","):
    out = "id%stext\r\n" % sep
    for i, t in enumerate(rows, 1):
        q = any(c in t for c in (sep, '"', "\n", "\r"))
        out += str(i) + sep + ('"%s"' % t.replace('"', '""') if q else t) + "\r\n"
    open(path, "w", newline="").write(out)
csv_file("corpus/a.csv", ['He said "hi" to first@a.io today', 'ticket TKT:a"b\\c here',
                          "plain second@b.io", "line one\nline, two third@c.io",
                          'back\\slash "q" TKT:x\\y\\z'])
csv_file("corpus/b.csv", ["call fourth@d.io", 'say "fifth@e.io"', 'ref TKT:""p\\q""'])
json.dump(["first@a.io", "second@b.io", "third@c.io",
           'TKT:a"b\\c', "TKT:x\\y\\z", "fourth@d.io", "fifth@e.io", 'TKT:""p\\q""'],
          open("values.json", "w"))
PY

run 0 "$PIIAUDIT" scan -q --db db --rules ticket.yaml --field text corpus
check "the scan found the 8 planted values" test "$(sqlite3 db 'select count(*) from findings')" = 8
run 0 "$PIIAUDIT" review sample --db db --per-rule 20 --reveal -o s.csv
check "every CSV context is verified (none 'source not available')" \
	test "$(csvq s.csv 'sum(1 for r in rows if r["context"].startswith("(source not"))')" = 0
check "--reveal: each value is the cell's decoded text, from the source" \
	test "$(csvq s.csv 'sorted(r["value"] for r in rows if r["value_from"] == "source") == sorted(__import__("json").load(open("values.json")))')" = True
check "the context marks the value and keeps its row" \
	test "$(csvq s.csv 'all(">>>" + r["preview"] + "<<<" in r["context"] for r in rows)')" = True
check "the context holds no planted value" \
	test "$(csvq s.csv 'any(v in r["context"] for r in rows for v in __import__("json").load(open("values.json")))')" = False

# Without the key: checked against the masked previews, still verified.
run 0 "$PIIAUDIT" review sample --db db --per-rule 20 --key "$T/no-such-key" -o p.csv
check "without the key the previews verify every CSV value" \
	test "$(csvq p.csv 'sum(1 for r in rows if r["context"].startswith("(source not"))')" = 0

# A really changed source: only its findings are flagged.
cp corpus/b.csv b.bak
sed -i 's/fourth@d\.io/fourXh@d.io/' corpus/b.csv
run 0 "$PIIAUDIT" review sample --db db --per-rule 20 -o c.csv
want=$(python3 -c 'print([("corpus/b.csv", str(open("b.bak", "rb").read().find(b"fourth@d.io")))])')
check "only the changed value is 'changed since it was scanned'" \
	test "$(csvq c.csv '[(r["source"], r["offset"]) for r in rows if "changed since" in r["context"]]')" = "$want"
check "one context of the changed file flagged, the others verified" \
	test "$(csvq c.csv 'sum(1 for r in rows if r["context"].startswith("(source not"))')" = 1
cp b.bak corpus/b.csv

# Import the verdicts; the reviewed findings are not sampled again.
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("s.csv", newline="")))
with open("v.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    for r in rows:
        r["verdict"] = "tp"
        w.writerow(r)
PY
run 0 "$PIIAUDIT" review import --db db --reviewer tester v.csv
check "the CSV sample's verdicts are kept" test "$(sqlite3 db 'select count(*) from verdicts')" = 8
run 0 "$PIIAUDIT" review sample --db db --per-rule 20 -o again.csv
check "nothing left to sample" grep -q 'nothing to sample' "$T/err"
run 0 "$PIIAUDIT" review stats --db db --format json
check "stats: 8 reviewed true findings" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (sum(r["tp"] for r in d["rules"]) == 8))' "$T/out"

finish
