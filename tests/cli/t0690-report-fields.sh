#!/usr/bin/env bash
# t0690: the report says where in the records the findings are: in field
# mode, the fields with the most findings (20 at most, ties by name), each
# with its findings by category, in Markdown, HTML and JSON (valid against
# the report schema); their counts equal select count(*) by field.  A text
# mode run has no such table.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"
cd "$T" || exit 1

python3 - <<'PY'
import json
with open("crm.jsonl", "w") as f:
    for i in range(60):
        rec = {"text": "hello from u%d@mail-host.io" % i,
               "meta": {"author": "a%d@corp-mail.net" % i, "phone": "06%08d" % (12345678 + i)}}
        if i % 3 == 0:
            rec["meta"]["notes"] = "call +33 6 12 34 %02d %02d or b%d@corp-mail.net" % (i, i, i)
        for k in range(25):          # 25 more fields, one finding each in record 0
            if i == 0:
                rec["extra_%02d" % k] = "x%d@mail-host.io" % k
        f.write(json.dumps(rec) + "\n")
PY
run 0 "$PIIAUDIT" scan -q --db f.db --field '*' crm.jsonl
run 0 "$PIIAUDIT" report --db f.db --format md -o r.md
run 0 "$PIIAUDIT" report --db f.db --format json -o r.json
run 0 "$PIIAUDIT" report --db f.db --format html -o r.html

check "Markdown: the fields table, 20 of the 29 fields" grep -q "^Findings by field (the 20 with the most, of 29):" r.md
check "... meta.author first (60 e-mails), with its category" \
	grep -q '^| `meta.author` | 60 | email 60 |$' r.md
check "... meta.notes: two categories, the larger first" \
	grep -qE '^\| `meta.notes` \| 40 \| (email 20, phone 20|phone 20, email 20) \|$' r.md
python3 - r.json <<'PY' >fields.txt
import json, sys
rec = json.load(open(sys.argv[1]))["coverage"]["records"]
print(rec["fields_total"])
for f in rec["fields"]:
    print(f["field"], f["findings"], ",".join("%s=%d" % kv for kv in sorted(f["categories"].items())))
PY
sqlite3 f.db "select field, count(*) from findings group by field order by 2 desc, 1 limit 20" | tr '|' ' ' >want.txt
check "JSON: fields_total is the number of fields with findings" \
	test "$(head -1 fields.txt)" = "$(sqlite3 f.db 'select count(distinct field) from findings')"
check "JSON: the 20 fields and counts equal select count(*) by field, in that order" \
	test "$(tail -n +2 fields.txt | cut -d' ' -f1,2)" = "$(cat want.txt)"
check "JSON: categories as counts" grep -q '^meta.notes 40 email=20,phone=20$' fields.txt
check "HTML: the table" grep -q '<td>meta.author</td><td class="num">60</td><td>email 60</td>' r.html
need_node ajv ajv-draft-04 ajv-formats
verdicts node "$RT/validate.js" "$TOP/tests/report/piiaudit-report-1.schema.json" r.json "the JSON report with fields is valid against its schema"

run 0 "$PIIAUDIT" scan -q --db t.db crm.jsonl
run 0 "$PIIAUDIT" report --db t.db --format json
check "text mode: no fields" python3 -c '
import json, sys
rec = json.load(open(sys.argv[1]))["coverage"]["records"]
sys.exit(not (rec["fields"] == [] and rec["fields_total"] == 0))' "$T/out"
run 0 "$PIIAUDIT" report --db t.db --format md
check "... nor a table in Markdown" test "$(grep -c 'Findings by field' "$T/out")" = 0
finish
