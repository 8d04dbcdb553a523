#!/usr/bin/env bash
# UTF-16 text with a byte order mark (what Windows tools write: Excel's
# "Unicode text", PowerShell 5's redirection) is decoded to UTF-8 and
# scanned, alone, compressed or in an archive; findings count offsets in
# the UTF-8 it decodes to; JSON and CSV field modes work on it.  redact
# does not rewrite it and says so.  Without a byte order mark it is still
# binary (NUL bytes), as before.
. "$(dirname "$0")/lib.sh"

enc() { # enc ENCODING OUT TEXT: TEXT with that encoding's byte order mark
	python3 -c 'import sys; open(sys.argv[2], "wb").write(sys.argv[3].encode(sys.argv[1]))' "$@"
}

TEXT=$'Grüße von Zoë,\r\nmail jane.doe@corp.io or call 415-555-0134.\r\nemoji \U0001F600 then bob@mail.org\r\n'
enc utf-16 "$T/le.txt" "$TEXT"                     # Python's utf-16: a BOM, little-endian
enc utf-16-be "$T/be.raw" "$TEXT"
{ printf '\xfe\xff'; cat "$T/be.raw"; } >"$T/be.txt"
printf '%s' "$TEXT" >"$T/utf8.txt"
run 0 "$PIIAUDIT" scan -q --db "$T/u8.db" "$T/utf8.txt"
finding_rows "$T/u8.db" | cut -d' ' -f3-6 >"$T/u8.rows"
check "the UTF-8 text has its findings" test "$(wc -l <"$T/u8.rows")" -ge 2

for f in le be; do
	run 0 "$PIIAUDIT" scan -q --db "$T/$f.db" "$T/$f.txt"
	finding_rows "$T/$f.db" | cut -d' ' -f3-6 >"$T/$f.rows"
	check "UTF-16 ($f): the same findings, offsets and lines as the UTF-8 text" cmp -s "$T/u8.rows" "$T/$f.rows"
done
check "the format says how it was read" \
	test "$(sqlite3 "$T/le.db" 'select format from sources')|$(sqlite3 "$T/be.db" 'select format from sources')" = 'utf-16le|utf-16be'
check "the source is ok, its bytes are the UTF-8 ones" \
	test "$(sqlite3 "$T/le.db" 'select status, bytes_scanned from sources')" = "ok|$(stat -c %s "$T/utf8.txt")"

run 0 "$PIIAUDIT" review sample --db "$T/le.db" --per-rule 5 -o "$T/sample.csv"
check "review's context is re-read decoded" grep -q 'Zoë,⏎mail >>>j\*\*\*@c\*\*\*.io<<<' "$T/sample.csv"

# Compressed and in an archive.
gzip -c "$T/le.txt" >"$T/le.txt.gz"
mkdir -p "$T/tree" && cp "$T/le.txt" "$T/tree/a.txt" && tar -C "$T/tree" -czf "$T/t.tgz" a.txt
run 0 "$PIIAUDIT" scan -q --db "$T/z.db" "$T/le.txt.gz" "$T/t.tgz"
check "in gzip and in a tar.gz too" test "$(sqlite3 "$T/z.db" "select count(*) from findings where rule = 'email.address'")" = 4

# JSON lines and CSV in UTF-16, read by field: as their UTF-8 forms are.
J=$'{"text": "mail ann@corp.io", "x": "no@pe.io"}\n{"text": "Zoë: zoe@corp.io"}\n'
enc utf-16 "$T/r.jsonl" "$J"
printf '%s' "$J" >"$T/r8.jsonl"
run 0 "$PIIAUDIT" scan -q --db "$T/j.db" --field text "$T/r.jsonl"
run 0 "$PIIAUDIT" scan -q --db "$T/j8.db" --field text "$T/r8.jsonl"
check "JSON lines in UTF-16: by field, as in UTF-8" \
	bash -c "[ \"\$(finding_rows '$T/j.db')\" = \"\$(finding_rows '$T/j8.db')\" ] && [ \$(finding_rows '$T/j.db' | grep -c ' text ') = 2 ]"
enc utf-16 "$T/c.csv" $'id,email\r\n1,carl@corp.io\r\n'
run 0 "$PIIAUDIT" scan -q --db "$T/c.db" --field email "$T/c.csv"
check "CSV in UTF-16: by column" test "$(finding_rows "$T/c.db" | cut -d' ' -f1,2 | tr '\n' ';')" = "1 email;"

# Broken UTF-16: a lone surrogate and an odd last byte are U+FFFD.
python3 -c '
import sys
b = b"\xff\xfe" + "a lone ".encode("utf-16-le") + b"\x00\xd8" + " x dan@corp.io".encode("utf-16-le") + b"z"
open(sys.argv[1], "wb").write(b)' "$T/bad.txt"
run 0 "$PIIAUDIT" scan -q --db "$T/bad.db" "$T/bad.txt"
check "broken UTF-16 still decodes" test "$(finding_rows "$T/bad.db" | cut -d' ' -f4,5)" = "13 11"

# Without a byte order mark UTF-16 is binary, as before.
cp "$T/be.raw" "$T/nobom.txt"
run 0 "$PIIAUDIT" scan -q --db "$T/nb.db" "$T/nobom.txt"
check "no byte order mark: skipped as binary" \
	test "$(sqlite3 "$T/nb.db" 'select status, error from sources')" = 'skipped|binary content (NUL bytes)'

# redact does not rewrite UTF-16 and does not copy it either.
mkdir -p "$T/in" && cp "$T/le.txt" "$T/in/w.txt" && cp "$T/utf8.txt" "$T/in/ok.txt"
run 3 "$PIIAUDIT" redact -q --db "$T/red.db" --out "$T/clean" "$T/in"
check "redact names the UTF-16 file" grep -q 'w.txt: UTF-16 text is not redacted' "$T/err"
check "redact does not copy it" test ! -e "$T/clean/w.txt"
check "the other file is redacted" bash -c "test -s '$T/clean/ok.txt' && ! grep -q jane.doe '$T/clean/ok.txt'"
finish
