#!/usr/bin/env bash
# t0680: redact records per rule the findings it met (found) and, with
# --verify, those left in the output (remaining); the report shows each
# redacted file with its style, status and verify outcome, and per
# category found / redacted / left, equal to sqlite3 queries; older
# databases are migrated.  Issue 9 (and 6).
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
sql() { sqlite3 -batch "$T/db" "$1" 2>&1; }
jq_() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

python3 - <<'PY'
lines, values = [], []
for i in range(12):
    e, p = "writer%d@postbox%d.io" % (i, i), "+39 06 1234 57%02d" % i
    values += [e, p]
    lines.append("mail %s phone %s\n" % (e, p))
open("a.txt", "w").write("".join(lines))
open("values.txt", "w").write("\n".join(values) + "\n")
PY
mkdir -p red pack
run 0 "$PIIAUDIT" scan -q --store-values --db "$T/db" a.txt
run 0 "$PIIAUDIT" redact -q --db "$T/db" --verify -o red/clean.txt a.txt
run 0 "$PIIAUDIT" redact -q --db "$T/db" --only email --style mask -o red/mask.txt a.txt
cat >pack/angle.yaml <<'YAML'
rules:
  - id: other.angle_token
    category: other
    description: a token in angle brackets (test rule)
    pattern: '<[A-Z_]{3,}>'
    confidence: 0.9
YAML
printf 'x <EMAIL> y\nz <PHONE>\nmail writer1@postbox1.io\n' >b.txt
run 1 "$PIIAUDIT" redact -q --db "$T/db" --rules pack --verify -o red/left.txt b.txt

check "found and remaining recorded per rule (placeholder, verified clean)" \
	test "$(sql "select rule, found, replaced, remaining from redaction_counts where redaction_id = 1 order by rule")" = "email.address|12|12|0
phone.e164|12|12|0"
check "not verified: remaining NULL" test "$(sql "select count(*) from redaction_counts where redaction_id = 2 and remaining is null and found = 12")" = 1
check "verified with findings left: per rule (the three placeholders written are angle tokens)" \
	test "$(sql "select rule, found, replaced, remaining from redaction_counts where redaction_id = 3 order by rule")" = "email.address|1|1|0
other.angle_token|2|2|3"

run 0 "$PIIAUDIT" report --db "$T/db" -o r.json
check "the report is of the scan, not of a redaction run" test "$(jq_ r.json 'd["run"]["kind"]')" = scan
check "redactions: 3 files, 3 runs" test "$(jq_ r.json '(d["redactions"]["files"], d["redactions"]["runs"])')" = "(3, 3)"
want=$(sql "select x.run_id || ' ' || c.category || ' ' || coalesce(sum(c.found), 'None') || ' ' || sum(c.replaced) || ' ' || coalesce(sum(c.remaining), 'None') from redactions x join redaction_counts c on c.redaction_id = x.id group by x.id, c.category order by x.run_id desc, x.id, c.category")
check "redactions: per category found, redacted, left equal redaction_counts" \
	test "$(jq_ r.json '"\n".join("%d %s %s %d %s" % (x["run"], g["category"], g["found"], g["redacted"], g["remaining"]) for x in d["redactions"]["listed"] for g in x["by_category"])')" = "$want"
want=$(sql "select run_id || ' ' || style || ' ' || status || ' ' || replaced || ' ' || coalesce(remaining, 'None') || ' ' || input_sha256 from redactions order by run_id desc, id")
check "redactions: per file style, status, redacted, verify, input hash equal redactions" \
	test "$(jq_ r.json '"\n".join("%d %s %s %d %s %s" % (x["run"], x["style"], x["status"], x["redacted"], x["remaining"], x["input_sha256"]) for x in d["redactions"]["listed"])')" = "$want"

run 0 "$PIIAUDIT" report --db "$T/db" --format md -o r.md
check "Markdown: a Redactions section" grep -q '^## Redactions' r.md
check "Markdown: the verified file" grep -qF '| 2 | `a.txt` | `red/clean.txt` | placeholder | ok | 24 | 0 | verified clean |' r.md
check "Markdown: the file with findings left" grep -qF '| 4 | `b.txt` | `red/left.txt` | placeholder | ok | 3 | 0 | 3 left |' r.md
check "Markdown: before and after, verified" grep -qF '| 2 | `a.txt` | phone | 12 | 12 | 0 |' r.md
check "Markdown: before and after, not verified" grep -qF '| 3 | `a.txt` | email | 12 | 12 | not verified |' r.md
run 0 "$PIIAUDIT" report --db "$T/db" --format html -o r.html
check "HTML: a redactions section" grep -q '<section id="redactions">' r.html
for f in r.json r.md r.html; do
	check "$f: no raw value (database made with --store-values)" eval "! grep -qFf values.txt $f"
done

# No redaction: no section.
run 0 "$PIIAUDIT" scan -q --db none.db a.txt
run 0 "$PIIAUDIT" report --db none.db -o none.json
check "no redaction run: redactions is null" test "$(jq_ none.json 'd["redactions"]')" = None
run 0 "$PIIAUDIT" report --db none.db --format md -o none.md
check "no redaction run: no Redactions heading" eval "! grep -q '^## Redactions' none.md"

# A database whose redaction_counts predates found and remaining.
cp "$T/db" old.db
sqlite3 old.db "create table rc2 as select redaction_id, rule, category, replaced from redaction_counts;
	drop table redaction_counts; alter table rc2 rename to redaction_counts"
run 0 "$PIIAUDIT" report --db old.db -o old.json
check "older database: migrated (found and remaining added)" \
	test "$(sqlite3 old.db "select count(*) from pragma_table_info('redaction_counts') where name in ('found', 'remaining')")" = 2
check "older database: found not recorded (null), redacted kept" \
	test "$(jq_ old.json '[(g["found"], g["redacted"]) for g in d["redactions"]["listed"][-1]["by_category"]]')" = "[(None, 12), (None, 12)]"
finish
