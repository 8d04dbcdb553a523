#!/usr/bin/env bash
# probe --id-field keeps a record's prompt id as text exactly as written:
# JSON strings (decoded), numbers (integer, fraction, exponent) and
# booleans as their JSON text; null and a missing id keep none.  In a CSV
# the id column's cell, quotes undoubled.  The id field is kept, not
# scanned.
. "$(dirname "$0")/lib.sh"

cat >"$T/o.jsonl" <<'JSON'
{"id": 42, "response": "mail a@b.io"}
{"id": -7.50, "response": "mail c@d.io"}
{"id": 1e3, "response": "none"}
{"id": true, "response": "none"}
{"id": "p\u002d9", "response": "none"}
{"id": null, "response": "e@f.io"}
{"response": "g@h.io"}
{"id": {"n": 1}, "response": "none"}
{"id": 12345678901234567890123, "response": "none"}
JSON
run 0 "$PIIAUDIT" probe -q --db "$T/j.db" --field response --id-field id "$T/o.jsonl"
sqlite3 "$T/j.db" "select record || '=' || prompt_id from output_records order by record" | tr '\n' ' ' >"$T/ids"
check "jsonl ids: numbers, booleans and strings kept as written" \
	test "$(cat "$T/ids")" = "1=42 2=-7.50 3=1e3 4=true 5=p-9 9=12345678901234567890123 "
check "jsonl: the findings are still there" test "$(sqlite3 "$T/j.db" 'select count(*) from findings')" = 4

# Nested id path, numeric.
printf '{"meta": {"pid": 0}, "response": "x"}\n' >"$T/n.jsonl"
run 0 "$PIIAUDIT" probe -q --db "$T/n.db" --field response --id-field meta.pid "$T/n.jsonl"
check "a nested numeric id" test "$(sqlite3 "$T/n.db" 'select prompt_id from output_records')" = 0

# CSV: the id column, as written (quotes undoubled), not scanned.
printf 'pid,response\n7,"r1 i@j.io"\n"0042","r2"\n"say ""x""",k@l.io\n2.5e1,none\nid@mail.io,none\n,empty id\n' >"$T/o.csv"
run 0 "$PIIAUDIT" probe -q --db "$T/c.db" --field response --id-field pid "$T/o.csv"
sqlite3 "$T/c.db" "select record || '=' || prompt_id from output_records order by record" | tr '\n' '|' >"$T/ids"
check "csv ids kept as written; an empty cell keeps none" test "$(cat "$T/ids")" = '1=7|2=0042|3=say "x"|4=2.5e1|5=id@mail.io|'
check "csv: the id column is not scanned, the response column is" \
	test "$(sqlite3 "$T/c.db" "select group_concat(record || field, ' ') from findings")" = '1response 3response'
run 3 "$PIIAUDIT" probe -q --db "$T/m.db" --field response --id-field prompt "$T/o.csv"
check "csv: a missing id column is the source's error" grep -q "o.csv: no column 'prompt' in the CSV header" "$T/err"

# The ids join prompts to outputs in xref: a numeric id works as a string one.
check "output_records ids are text" test "$(sqlite3 "$T/j.db" "select typeof(prompt_id) from output_records group by 1")" = text
finish
