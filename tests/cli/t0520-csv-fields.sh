#!/usr/bin/env bash
# CSV field mode: the header names the columns, --field NAME selects them;
# RFC 4180 quoting (doubled quotes, separators and newlines inside quotes,
# CRLF); every finding points at the raw bytes of its cell, with record
# (the data row, header excluded) and field (the column).  Malformed rows
# are scanned as text and counted; a missing column is the source's error.
# .csv.gz, CSV members of archives, TSV, standard input with --format csv,
# probe, and the exports.  Without --field a CSV is plain text.
. "$(dirname "$0")/lib.sh"

# Data rows: 1 doubled quotes, 2 a newline and a comma inside quotes, 3 a
# quote inside an unquoted field (malformed), a blank line (skipped, not
# counted), 4 quoted cells, 5 too many cells (malformed), 6 an empty cell
# and no newline at the end.
printf 'id,email,notes,other\r\n' >"$T/d.csv"
printf '1,jane@corp.io,"call ""bob@x.org"" now",skip@me.io\r\n' >>"$T/d.csv"
printf '2,"a@b.io","multi\r\nline c@d.io, with ""q"" and e@f.io",\r\n' >>"$T/d.csv"
printf '3,x"y@z.io,plain,\r\n' >>"$T/d.csv"
printf '\r\n' >>"$T/d.csv"
printf '4,"g@h.io","""i@j.io""",""\r\n' >>"$T/d.csv"
printf '5,k@l.io,too,many,cells\r\n' >>"$T/d.csv"
printf '6,,m@n.io,o@p.io' >>"$T/d.csv"

verify() { # verify CSVFILE DB WANT_PYTHON_LIST: record, field, raw bytes, line
python3 - "$1" "$2" "$3" <<'PY'
import json, subprocess, sys, os
raw = open(sys.argv[1], "rb").read()
out = subprocess.run([os.environ["PIIAUDIT"], "export", "--db", sys.argv[2], "--format", "jsonl"],
                     stdout=subprocess.PIPE, check=True).stdout.decode()
rows = [json.loads(l) for l in out.splitlines()]
got = sorted((r["record"], r["field"], raw[r["offset"]:r["offset"] + r["length"]].decode(), r["line"])
             for r in rows)
want = sorted(eval(sys.argv[3]))
print("ok" if got == want else "got  %r\nwant %r" % (got, want))
PY
}
export PIIAUDIT
WANT='[(1, "email", "jane@corp.io", 2), (1, "notes", "bob@x.org", 2),
 (2, "email", "a@b.io", 3), (2, "notes", "c@d.io", 3), (2, "notes", "e@f.io", 3),
 (3, None, "y@z.io", 5),
 (4, "email", "g@h.io", 7), (4, "notes", "i@j.io", 7),
 (5, None, "k@l.io", 8),
 (6, "notes", "m@n.io", 9)]'
WANT=${WANT//$'\n'/}
run 0 "$PIIAUDIT" scan -q --db "$T/d.db" --field email --field notes "$T/d.csv"
check "malformed rows are counted and named by row number" \
	grep -q 'd.csv: 2 of 6 CSV rows malformed or too large (scanned as text), first at row 3, 5$' "$T/err"
verify "$T/d.csv" "$T/d.db" "$WANT" >"$T/check"
check "cells found, raw offsets exact, record, field and line set" grep -qx ok "$T/check"
check "unselected columns are not scanned" bash -c "! '$PIIAUDIT' export --db '$T/d.db' --format csv | grep -q 's\\*\\*\\*@m\\*\\*\\*.io'"
check "the header is not a record; malformed rows counted" \
	test "$(sqlite3 "$T/d.db" 'select records, invalid_records, status from sources')" = '6|2|ok'

# Exports carry record and field: CSV and SARIF too.
"$PIIAUDIT" export --db "$T/d.db" --format csv >"$T/d.export.csv"
check "csv export: record and field" grep -q '^.*d.csv,,4,notes,7,' "$T/d.export.csv"
"$PIIAUDIT" export --db "$T/d.db" --format sarif >"$T/d.sarif"
check "sarif export: record and field" python3 -c '
import json, sys
res = json.load(open(sys.argv[1]))["runs"][0]["results"]
props = sorted((r["properties"].get("record"), r["properties"].get("field")) for r in res)
assert (4, "notes") in props and (1, "email") in props and (3, None) in props, props
' "$T/d.sarif"

# The same value quoted and unquoted has one fingerprint.
printf 'e\nsame@val.io\n"same@val.io"\n' >"$T/same.csv"
run 0 "$PIIAUDIT" scan -q --db "$T/same.db" --field e "$T/same.csv"
check "quoted and plain cells share a fingerprint" \
	test "$(sqlite3 "$T/same.db" 'select count(*), count(distinct fingerprint) from findings')" = '2|1'

# Without --field a CSV is plain text, as before: every column, no record.
run 0 "$PIIAUDIT" scan -q --db "$T/plain.db" "$T/d.csv"
check "without --field: scanned as text (unselected column found, no record or field)" \
	test "$(sqlite3 "$T/plain.db" "select count(*), count(record), count(field), sum(preview = 's***@m***.io') from findings")" = '12|0|0|1'

# A missing column: a one-line error for that source, the others scanned.
cp "$T/d.csv" "$T/other.csv"
run 3 "$PIIAUDIT" scan -q --db "$T/miss.db" --field email --field phone "$T/d.csv" "$T/other.csv"
check "missing column: one line per source naming the column" \
	test "$(grep -c "no column 'phone' in the CSV header" "$T/err")" = 2
check "missing column: the source is an error, its present columns scanned" \
	test "$(sqlite3 "$T/miss.db" "select status, error, (select count(*) from findings f where f.source_id = s.id and field = 'email') from sources s limit 1")" = "error|no column 'phone' in the CSV header|3"

# .csv.gz, and CSV members (plain and gzipped) in a tar and a zip.
mkdir -p "$T/a/sub"
cp "$T/d.csv" "$T/a/sub/d.csv"
cp "$T/d.csv" "$T/a/z.csv"; gzip -n "$T/a/z.csv"
printf '{"email": "json@line.io"}\n' >"$T/a/j.jsonl"
tar -C "$T/a" -cf "$T/a.tar" sub/d.csv z.csv.gz j.jsonl
(cd "$T/a" && python3 -c 'import zipfile; z = zipfile.ZipFile("../a.zip", "w"); z.write("sub/d.csv"); z.close()')
gzip -nc "$T/d.csv" >"$T/d.csv.gz"
run 0 "$PIIAUDIT" scan -q --db "$T/arch.db" --field email --field notes "$T/a.tar" "$T/a.zip" "$T/d.csv.gz"
sqlite3 "$T/arch.db" "select s.member, count(*) from findings f join sources s on s.id = f.source_id where f.field is not null group by s.path, s.member order by s.path, s.member" >"$T/arch"
check "csv in tar, gzipped csv in tar, csv in zip, .csv.gz: all in field mode" \
	test "$(tr '\n' ' ' <"$T/arch")" = "j.jsonl|1 sub/d.csv|8 z.csv.gz|8 sub/d.csv|8 |8 "
for m in sub/d.csv z.csv.gz; do
	"$PIIAUDIT" export --db "$T/arch.db" --format jsonl | python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
rows = [r for r in map(json.loads, sys.stdin) if r["member"] == sys.argv[2] and r["source"].endswith("a.tar")]
assert len(rows) == 10
assert all(raw[r["offset"]:r["offset"] + r["length"]].decode().count("@") == 1 for r in rows)
' "$T/d.csv" "$m" && ok "offsets exact in member $m" || not_ok "offsets exact in member $m"
done

# TSV by name; standard input with --format csv; --format json turns it off.
printf 'name\tmail\nann\tann@tab.io\n"x\ty"\t"q@tab.io"\n' >"$T/t.tsv"
run 0 "$PIIAUDIT" scan -q --db "$T/t.db" --field mail "$T/t.tsv"
check "tsv: tab-separated, quoted tab inside a cell" \
	test "$(sqlite3 "$T/t.db" "select group_concat(record || field || offset, ' ') from findings")" = "1mail14 2mail32"
run 0 "$PIIAUDIT" scan -q --db "$T/in.db" --field email --format csv - <"$T/d.csv"
check "stdin with --format csv: field mode" \
	test "$(sqlite3 "$T/in.db" "select count(*) from findings where field is not null")" = 3
run 0 "$PIIAUDIT" scan -q --db "$T/nj.db" --field email --format json "$T/d.csv"
check "--format json: a .csv is not read as CSV" \
	test "$(sqlite3 "$T/nj.db" "select count(*), count(field) from findings")" = '12|0'
printf 'x,email\n1,u@v.io\n' >"$T/notcsv.txt"
run 0 "$PIIAUDIT" scan -q --db "$T/fc.db" --field email --format csv "$T/notcsv.txt"
check "--format csv: any name" test "$(sqlite3 "$T/fc.db" "select record, field from findings")" = '1|email'

# BOM and quoted header names; a row over --max-record-bytes; a bad header.
printf '\xef\xbb\xbf"e-mail","n"\n"w@x.io",1\n' >"$T/bom.csv"
run 0 "$PIIAUDIT" scan -q --db "$T/bom.db" --field e-mail "$T/bom.csv"
check "byte order mark and quoted header" test "$(sqlite3 "$T/bom.db" "select record, field, offset from findings")" = '1|e-mail|17'
python3 -c '
print("a,b")
print("1,\"" + "x" * 3000 + "\ny1@big.io\"")
print("2,small@row.io")' >"$T/long.csv"
run 0 "$PIIAUDIT" scan -q --db "$T/long.db" --field b --max-record-bytes 2K "$T/long.csv"
check "a too-long row is counted and read as text, the rows after it read with the right row and line" \
	test "$(sqlite3 "$T/long.db" "select s.records, s.invalid_records, f.record, f.field is null, f.line from sources s join findings f on f.source_id = s.id order by f.offset" | tr '\n' ' ')" = '2|1|1|1|3 2|1|2|0|4 '
printf '"a,b\nc@d.io\n' >"$T/badhead.csv"
run 3 "$PIIAUDIT" scan -q --db "$T/bh.db" --field b "$T/badhead.csv"
check "an unreadable header: error, rows scanned as text" grep -q 'badhead.csv: CSV header not valid at byte 0: a quoted field is not closed' "$T/err"

# probe on a CSV: each data row an output.
run 0 "$PIIAUDIT" probe -q --db "$T/p.db" --field notes "$T/d.csv"
check "probe: data rows are outputs, findings carry the row" \
	test "$(sqlite3 "$T/p.db" "select s.kind, s.records, group_concat(distinct f.record) from sources s join findings f on f.source_id = s.id")" = 'output|6|1,2,3,4,5,6'

run 2 "$PIIAUDIT" scan --db "$T/x.db" --format xml --field a "$T/d.csv"
check "bad --format: one line" grep -q "^piiaudit: --format is auto, csv, tsv or json, not 'xml'$" "$T/err"
run 2 "$PIIAUDIT" scan --db "$T/x.db" --format csv "$T/d.csv"
check "--format without --field is refused" grep -q 'format needs --field' "$T/err"
finish
