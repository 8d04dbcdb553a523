#!/usr/bin/env bash
# Field mode never skips bytes: a JSON line or CSV row longer than
# --max-record-bytes, a JSON array larger than it, the rest of an array
# after invalid JSON and the part of a line before a read error are read as
# text, with the same findings (rule, offset, length, line) a text scan of
# those bytes gives, and the record number where there is one.
. "$(dirname "$0")/lib.sh"

# Rows of (record, field, rule, offset, length, line) of a database.
rows() {
	"$PIIAUDIT" export --db "$1" --format jsonl | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["record"], r["field"], r["rule"], r["offset"], r["length"], r["line"])' | sort
}
export -f rows; export PIIAUDIT

# One line of 3 MiB (three block-stream windows, values on both sides of
# each window's end), between two ordinary records.
python3 - "$T/long.jsonl" <<'PY'
import sys
filler = "lorem ipsum dolor sit amet " * 40
parts, n = [], 0
while sum(map(len, parts)) < 3 * 1024 * 1024:
    parts.append(filler + "mail%d@long.io call 415-555-%04d " % (n, n % 10000))
    n += 1
with open(sys.argv[1], "w") as f:
    f.write('{"text": "first@rec.io"}\n')
    f.write('{"text": "' + "".join(parts) + '"}\n')
    f.write('{"text": "third@rec.io", "other": "not@this.io"}\n')
PY
run 0 "$PIIAUDIT" scan -q --db "$T/long.db" --field text --max-record-bytes 64K "$T/long.jsonl"
check "the long line is counted and named" \
	grep -q 'long.jsonl: 1 of 3 records not valid JSON or too large (scanned as text), first at line 2$' "$T/err"
rows "$T/long.db" >"$T/long.rows"
check "the records around it keep their fields" \
	bash -c "grep -q '^1 text email.address ' '$T/long.rows' && grep -q '^3 text email.address ' '$T/long.rows'"
check "an unselected field is still not scanned" bash -c "[ \$(grep -c '^3 ' '$T/long.rows') = 1 ]"
# The same bytes scanned as text: line 2's findings must be the same.
run 0 "$PIIAUDIT" scan -q --db "$T/text.db" "$T/long.jsonl"
rows "$T/text.db" | awk '$6 == 2 { $1 = 2; print }' | sort >"$T/text.rows"
awk '$1 == 2' "$T/long.rows" | sort >"$T/long2.rows"
check "the long line's values are all found" test "$(wc -l <"$T/text.rows")" -gt 200
check "the same findings as a text scan, record 2 and no field" cmp -s "$T/text.rows" "$T/long2.rows"
check "bytes_scanned is the whole file" \
	test "$(sqlite3 "$T/long.db" 'select bytes_scanned from sources')" = "$(stat -c %s "$T/long.jsonl")"

# The same line held in the first read (smaller than the first block, longer
# than the limit), and the same line last, without a newline.
head -c 20000 "$T/long.jsonl" | head -n 1 >"$T/peek.jsonl"
python3 -c 'print("{\"text\": \"" + "x" * 3000 + " in@peek.io " + "y" * 3000 + "\"}", end="")' >>"$T/peek.jsonl"
run 0 "$PIIAUDIT" scan -q --db "$T/peek.db" --field text --max-record-bytes 4K "$T/peek.jsonl"
check "a long last line without a newline is read as text" \
	bash -c "rows '$T/peek.db' | grep -q '^2 None email.address 3036 10 2$'"

# CSV: a row longer than the limit, quoted newlines inside it.
python3 - "$T/c.csv" <<'PY'
import sys
big = "word " * 3000
with open(sys.argv[1], "w") as f:
    f.write("id,notes\n")
    f.write("1,a@b.io\n")
    f.write('2,"' + big + 'x@y.io\n' + big + 'z@w.io"\n')
    f.write("3,c@d.io\n")
PY
run 0 "$PIIAUDIT" scan -q --db "$T/c.db" --field notes --max-record-bytes 4K "$T/c.csv"
check "the long row is counted" grep -q 'c.csv: 1 of 3 CSV rows malformed or too large (scanned as text), first at row 2$' "$T/err"
rows "$T/c.db" | cut -d' ' -f1,2,6 | tr '\n' ';' >"$T/c.rows"
check "rows around it by field, its values by row and line" \
	test "$(cat "$T/c.rows")" = "1 notes 2;2 None 3;2 None 4;3 notes 5;"

# A JSON array larger than the limit (and than the first read): all of it
# read as text.
python3 - "$T/arr.json" <<'PY'
import json, sys
json.dump([{"text": "v%d@arr.io" % i, "pad": "p" * 2000} for i in range(1000)], open(sys.argv[1], "w"), indent=1)
PY
run 0 "$PIIAUDIT" scan -q --db "$T/arr.db" --field text --max-record-bytes 4K "$T/arr.json"
check "a large array is counted as one record too large" \
	grep -q 'arr.json: 1 of 1 records not valid JSON or too large (scanned as text), first at line 1$' "$T/err"
check "every value of the large array is found" test "$(rows "$T/arr.db" | grep -c ' email.address ')" = 1000
check "the large array is ok" test "$(sqlite3 "$T/arr.db" 'select status from sources')" = ok

# An array invalid half way: elements before by field, the rest as text.
printf '[{"text": "a1@arr.io"},\n {"text": "a2@arr.io"} oops {"text": "a3@arr.io"}]\n' >"$T/bad.json"
run 3 "$PIIAUDIT" scan -q --db "$T/bad.db" --field text "$T/bad.json"
check "the error says the rest was read as text" grep -q "bad.json: invalid JSON at byte .*; the rest read as text" "$T/err"
check "elements before by field, the rest as text" \
	test "$(rows "$T/bad.db" | cut -d' ' -f1,2,6 | tr '\n' ';')" = "1 text 1;2 text 2;None None 2;"

# A read error: the part of the last line before it is still read.
python3 -c '
import gzip, sys
body = "".join("{\"text\": \"r%d@gz.io\"}\n" % i for i in range(50)).encode()
body += b"{\"text\": \"" + b"q" * 200000 + b" partial@gz.io " + b"q" * 300000
open(sys.argv[1], "wb").write(gzip.compress(body, 1)[:-40])' "$T/t.jsonl.gz"
run 3 "$PIIAUDIT" scan -q --db "$T/t.db" --field text "$T/t.jsonl.gz"
check "the truncated input is an error" grep -q 't.jsonl.gz' "$T/err"
check "the records before are kept" test "$(rows "$T/t.db" | grep -c ' text email.address ')" = 50
check "the line cut by the error is read too" \
	bash -c "rows '$T/t.db' | grep -q '^51 None email.address 201101 13 51$'"
finish
