#!/usr/bin/env bash
# Field mode never skips bytes: a JSON line or CSV row longer than
# --max-record-bytes, a JSON array larger than it, the rest of an array
# after invalid JSON and the part of a line before a read error are read as
# text, with the same findings (rule, offset, length, line) a text scan of
# those bytes gives, and the record number where there is one.
. "$(dirname "$0")/lib.sh"


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
finding_rows "$T/long.db" >"$T/long.rows"
check "the records around it keep their fields" \
	bash -c "grep -q '^1 text email.address ' '$T/long.rows' && grep -q '^3 text email.address ' '$T/long.rows'"
check "an unselected field is still not scanned" bash -c "[ \$(grep -c '^3 ' '$T/long.rows') = 1 ]"
# The same bytes scanned as text: line 2's findings must be the same.
run 0 "$PIIAUDIT" scan -q --db "$T/text.db" "$T/long.jsonl"
finding_rows "$T/text.db" | awk '$6 == 2 { $1 = 2; print }' | sort >"$T/text.rows"
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
	bash -c "finding_rows '$T/peek.db' | grep -q '^2 None email.address 3036 10 2$'"

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
finding_rows "$T/c.db" | cut -d' ' -f1,2,6 | tr '\n' ';' >"$T/c.rows"
check "rows around it by field, its values by row and line" \
	test "$(cat "$T/c.rows")" = "1 notes 2;2 None 3;2 None 4;3 notes 5;"

# A JSON array is read element by element, whatever its size: 20 MB with a
# 1K limit, every element by field.
python3 - "$T/arr.json" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    f.write("[\n")
    f.write(",\n".join(json.dumps({"text": "v%d@arr.io" % i, "pad": "p" * 150}) for i in range(100000)))
    f.write("\n]\n")
PY
run 0 "$PIIAUDIT" scan -q --db "$T/arr.db" --field text --max-record-bytes 1K "$T/arr.json"
check "a 20 MB array with a 1K limit: every element by field" \
	test "$(sqlite3 "$T/arr.db" "select count(*), count(distinct record), min(record), max(record), min(line), max(line) from findings where field = 'text'")" = '100000|100000|1|100000|2|100001'
check "the large array is ok, each element a record" \
	test "$(sqlite3 "$T/arr.db" 'select status, records, invalid_records from sources')" = 'ok|100000|0'
# An element longer than the limit: read as text, the others by field.
python3 - "$T/arr2.json" <<'PY'
import json, sys
items = [{"text": "a@arr.io"}, {"text": "big@arr.io " + "q" * 9000, "other": "o@arr.io"}, {"text": "c@arr.io"}]
open(sys.argv[1], "w").write(json.dumps(items, indent=1))
PY
run 0 "$PIIAUDIT" scan -q --db "$T/arr2.db" --field text --max-record-bytes 4K "$T/arr2.json"
check "an element longer than the limit is counted" \
	grep -q 'arr2.json: 1 of 3 records not valid JSON or too large (scanned as text), first at line 5$' "$T/err"
check "its values as text with its record number, the others by field" \
	test "$(finding_rows "$T/arr2.db" | cut -d' ' -f1,2,6 | tr '\n' ';')" = "1 text 2;2 None 6;2 None 7;3 text 9;"

# An element that is not valid JSON is read as text and counted, as a
# line of JSON lines would be; the elements after it by field.
printf '[{"text": "a1@arr.io"},\n {"text": "a2@arr.io"} oops {"text": "a3@arr.io"}, {"text": "a4@arr.io"}]\n' >"$T/bad.json"
run 0 "$PIIAUDIT" scan -q --db "$T/bad.db" --field text "$T/bad.json"
check "an invalid element is counted and named" \
	grep -q 'bad.json: 1 of 3 records not valid JSON or too large (scanned as text), first at line 2$' "$T/err"
check "elements by field, the invalid one as text with its record number" \
	test "$(finding_rows "$T/bad.db" | cut -d' ' -f1,2,6 | tr '\n' ';')" = "1 text 1;2 None 2;2 None 2;3 text 2;"
# What is wrong with the array itself: the rest is read as text, an error.
for bad in '[1,]' '[1, ,2]' '[1, 2' '[}' '[1] x@trail.io'; do
	printf '%s\n' "$bad" >"$T/b.json"
	run 3 "$PIIAUDIT" scan -q --db "$T/b.db" --field text "$T/b.json"
	check "not a valid array ($bad): one line naming it" \
		bash -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'b.json: invalid JSON at byte [0-9]*: .*; the rest read as text$' '$T/err'"
done
check "text after an array is read as text" test "$(finding_rows "$T/b.db" | cut -d' ' -f1,2,4)" = "None None 4"
# Error paths of an array read as it comes: an element longer than the
# limit that the file ends inside, and --max-member-bytes in text after it.
python3 -c 'print("[{\"text\": \"a@arr.io\"}, {\"text\": \"" + "x" * 200000 + " big@arr.io " + "y" * 100000, end="")' >"$T/open.json"
run 3 "$PIIAUDIT" scan -q --db "$T/open.db" --field text --max-record-bytes 1K "$T/open.json"
check "an unclosed array ending in a long element: one line naming it" \
	grep -q "open.json: invalid JSON at byte [0-9]*: the array is not closed$" "$T/err"
check "the long element was still read as text" \
	test "$(finding_rows "$T/open.db" | cut -d' ' -f1,2,4 | tr '\n' ';')" = "1 text 11;2 None 200034;"
python3 -c 'print("[1] " + "z" * 2000000 + " late@arr.io")' >"$T/lim.json"
run 3 "$PIIAUDIT" scan -q --db "$T/lim.db" --field text --max-member-bytes 1M "$T/lim.json"
check "--max-member-bytes stops text after an array" grep -q "lim.json: limit: more than 1048576 decompressed bytes" "$T/err"
check "nothing past the limit is found" test "$(sqlite3 "$T/lim.db" 'select count(*) from findings')" = 0

# A read error: the part of the last line before it is still read.
python3 -c '
import gzip, sys
body = "".join("{\"text\": \"r%d@gz.io\"}\n" % i for i in range(50)).encode()
body += b"{\"text\": \"" + b"q" * 200000 + b" partial@gz.io " + b"q" * 300000
open(sys.argv[1], "wb").write(gzip.compress(body, 1)[:-40])' "$T/t.jsonl.gz"
run 3 "$PIIAUDIT" scan -q --db "$T/t.db" --field text "$T/t.jsonl.gz"
check "the truncated input is an error" grep -q 't.jsonl.gz' "$T/err"
check "the records before are kept" test "$(finding_rows "$T/t.db" | grep -c ' text email.address ')" = 50
check "the line cut by the error is read too" \
	bash -c "finding_rows '$T/t.db' | grep -q '^51 None email.address 201101 13 51$'"
finish
