#!/usr/bin/env bash
# JSON field mode: only the selected string fields are scanned, escapes are
# decoded for matching, and every finding points at the raw bytes of its
# record, with record and field set.  Invalid lines are scanned as text and
# counted; JSON arrays of records work too, inside archives as well.
. "$(dirname "$0")/lib.sh"

cat >"$T/f.jsonl" <<'JSON'
{"id": 1, "text": "mail me: jane@corp.io", "meta": {"author": "bob@x.org"}, "skip": "not@scanned.io"}
{"id": 2, "text": "escaped: mario\u0040rossi.it and\njohn@acme.co.uk"}
not json at all, but ann@foo.de
{"id": 4, "messages": [{"content": "a is x@y.io"}, {"content": "b z@w.io"}]}
JSON
printf '\r\n{"text": "crlf@line.io"}\r\n' >>"$T/f.jsonl"
run 0 "$PIIAUDIT" scan -q --db "$T/f.db" --field text --field meta.author --field messages.content "$T/f.jsonl"
check "invalid lines are named on stderr" grep -q 'f.jsonl: 1 of 5 records not valid JSON.*line 3' "$T/err"
"$PIIAUDIT" export --db "$T/f.db" --format jsonl >"$T/f.out"
python3 - "$T/f.jsonl" "$T/f.out" >"$T/check" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
rows = [json.loads(l) for l in open(sys.argv[2])]
got = sorted((r["record"], r["field"], raw[r["offset"]:r["offset"] + r["length"]].decode()) for r in rows)
want = sorted([
    (1, "text", "jane@corp.io"), (1, "meta.author", "bob@x.org"),
    (2, "text", "mario\\u0040rossi.it"), (2, "text", "john@acme.co.uk"),
    (3, None, "ann@foo.de"), (4, "messages.content", "x@y.io"), (4, "messages.content", "z@w.io"),
    (6, "text", "crlf@line.io"),
])
print("ok" if got == want else "got %r" % got)
print("lines ok" if all(r["line"] == r["record"] for r in rows) else "lines wrong")
PY
check "fields found, raw offsets exact, record and field set" grep -qx ok "$T/check"
check "line is the record's line" grep -qx 'lines ok' "$T/check"
check "unselected fields are not scanned" bash -c "! grep -q 'n\\*\\*\\*@s\\*\\*\\*.io' '$T/f.out'"
sqlite3 "$T/f.db" "select records, invalid_records from sources" >"$T/counts"
check "records and invalid records are counted" grep -qx '5|1' "$T/counts"

# The same value written with an escape and without has one fingerprint.
printf '{"text": "same@val.io"}\n{"text": "same\\u0040val.io"}\n' >"$T/same.jsonl"
run 0 "$PIIAUDIT" scan -q --db "$T/same.db" --field text "$T/same.jsonl"
n=$("$PIIAUDIT" export --db "$T/same.db" --format csv | tail -n +2 | cut -d, -f12 | sort -u | wc -l)
check "escaped and plain values share a fingerprint" test "$n" = 1

# A JSON array of records, gzipped inside a tar.
mkdir -p "$T/arr"
printf '[{"text": "p@q.io"},\n {"text": "r@s.io", "x": 1}]' >"$T/arr/a.json"
gzip -k "$T/arr/a.json"
tar -C "$T/arr" -cf "$T/arr.tar" a.json.gz
run 0 "$PIIAUDIT" scan -q --db "$T/arr.db" --field text "$T/arr.tar"
"$PIIAUDIT" export --db "$T/arr.db" --format csv >"$T/arr.csv"
check "array elements are records (member, record, line)" grep -q '^.*arr.tar,a.json.gz,2,text,2,' "$T/arr.csv"
check "array element offsets are exact" python3 -c '
import csv, sys
raw = open(sys.argv[1], "rb").read()
rows = list(csv.DictReader(open(sys.argv[2])))
assert [raw[int(r["offset"]):int(r["offset"]) + int(r["length"])] for r in rows] == [b"p@q.io", b"r@s.io"]
' "$T/arr/a.json" "$T/arr.csv"

# Plain text in field mode is scanned as text.
printf 'plain text with t@u.io\n' >"$T/plain.txt"
run 0 "$PIIAUDIT" scan -q --db "$T/plain.db" --field text "$T/plain.txt"
check "plain text is still scanned" test "$("$PIIAUDIT" export --db "$T/plain.db" --format jsonl | wc -l)" = 1

# A line longer than --max-record-bytes is scanned as text and counted
# (t0505 has the rest).
python3 -c 'print("{\"text\": \"" + "a" * 5000 + " big@line.io\"}"); print("{\"text\": \"small@line.io\"}")' >"$T/long.jsonl"
run 0 "$PIIAUDIT" scan -q --db "$T/long.db" --field text --max-record-bytes 2K "$T/long.jsonl"
check "a too-long record is counted as invalid" grep -q '1 of 2 records' "$T/err"
check "the records after it are read" bash -c "'$PIIAUDIT' export --db '$T/long.db' --format csv | grep -q ',2,text,2,'"
check "the too-long record is read as text" bash -c "'$PIIAUDIT' export --db '$T/long.db' --format csv | grep -q ',1,,1,'"

run 2 "$PIIAUDIT" scan --db "$T/x.db" --field 'a..b' "$T/plain.txt"
run 2 "$PIIAUDIT" scan --db "$T/x.db" --field text --max-record-bytes 10 "$T/plain.txt"
finish
