#!/usr/bin/env bash
# Field mode matches records' fields in the pool, in batches of many
# records: every finding must still point at the raw bytes of its field
# (escapes and doubled quotes mapped back), with its record, field and
# line, across batch boundaries, with 1 or 2 jobs; a record that is not
# valid JSON is read as text once, its fields not counted twice (batched
# or not).
. "$(dirname "$0")/lib.sh"

# 6,000 records (several batches); the values written with escapes.
python3 - "$T/r.jsonl" "$T/want" <<'PY'
import json, sys
out, want = open(sys.argv[1], "w"), open(sys.argv[2], "w")
off = 0
for i in range(1, 6001):
    esc = i % 3
    local = "user%d" % i
    raw_value = {0: local + "@corp.io", 1: local + "\\u0040corp.io", 2: local + "@corp\\u002eio"}[esc]
    pad = "line one\\nline \\\"two\\\"\\t" * (i % 7)
    line = '{"id": %d, "text": "%s mail %s end", "other": "x%d@not.io"}\n' % (i, pad, raw_value, i)
    start = off + line.index(raw_value)
    want.write("%d text %d %d %d\n" % (i, start, len(raw_value), i))
    out.write(line)
    off += len(line.encode())
PY
sort "$T/want" >"$T/want.sorted"
for j in 1 2; do
	run 0 "$PIIAUDIT" scan -q --db "$T/r$j.db" -j $j --field text "$T/r.jsonl"
	sqlite3 "$T/r$j.db" "select record, field, offset, length, line from findings where rule = 'email.address'" |
		tr '|' ' ' | sort >"$T/got$j"
	check "-j $j: every value by field, at its raw bytes, record and line" cmp -s "$T/want.sorted" "$T/got$j"
done
check "no value of an unselected field" test "$(sqlite3 "$T/r1.db" "select count(*) from findings where field is null or field != 'text'")" = 0

# CSV: doubled quotes inside cells, many rows.
python3 - "$T/c.csv" "$T/cwant" <<'PY'
import sys
out, want = open(sys.argv[1], "w"), open(sys.argv[2], "w")
out.write("id,notes\n")
off = len("id,notes\n")
for i in range(1, 4001):
    cell = '"said ""hi"" to row%d@corp.io ""ok"""' % i
    line = "%d,%s\n" % (i, cell)
    want.write("%d notes %d %d %d\n" % (i, off + line.index("row%d@" % i), len("row%d@corp.io" % i), i + 1))
    out.write(line)
    off += len(line)
PY
run 0 "$PIIAUDIT" scan -q --db "$T/c.db" --field notes "$T/c.csv"
sqlite3 "$T/c.db" "select record, field, offset, length, line from findings" | tr '|' ' ' | sort >"$T/cgot"
sort "$T/cwant" >"$T/cwant.sorted"
check "CSV cells with doubled quotes: raw offsets across batches" cmp -s "$T/cwant.sorted" "$T/cgot"

# A record whose JSON goes wrong after its field: found once, as text.
printf '{"text": "jane@corp.io", "x": }\n{"text": "bob@corp.io"}\n' >"$T/inv.jsonl"
run 0 "$PIIAUDIT" scan -q --db "$T/inv.db" --field text "$T/inv.jsonl"
check "an invalid record's value is found once, as text" \
	test "$(sqlite3 "$T/inv.db" "select record, coalesce(field, '-'), offset from findings order by offset" | tr '\n' ' ')" = "1|-|10 2|text|42 "
# The same without batches (probe --id-field writes prompt ids in order).
printf '{"id": 1, "response": "jane@corp.io", "x": }\n{"id": 2, "response": "bob@corp.io"}\n' >"$T/pr.jsonl"
run 0 "$PIIAUDIT" probe -q --db "$T/pr.db" --field response --id-field id "$T/pr.jsonl"
check "probe --id-field: an invalid record's value is found once, as text" \
	test "$(sqlite3 "$T/pr.db" "select record, coalesce(field, '-'), offset from findings order by offset" | tr '\n' ' ')" = "1|-|23 2|response|68 "
finish
