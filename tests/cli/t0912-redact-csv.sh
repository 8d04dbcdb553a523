#!/usr/bin/env bash
# redact --field on CSV (*.csv, *.tsv, compressed or in an archive): the
# header names the columns, as scan --field reads them; only the selected
# columns' cells are rewritten, each matched behind its column's name (a
# bare national number in a Phone column is a phone), quotes doubled in a
# quoted cell; the header, the other columns, quoting, line breaks inside
# cells and CRLF stay as they were.  A row that is not valid CSV is
# redacted as text, as scan reads it; a --field column the header lacks
# fails the file, nothing written.  scan --field on the copy finds nothing
# (--verify says so too), and redact replaces what scan found, with 1 or 2
# jobs; drop-record drops whole rows; an erasure (--plan) reaches cells.
. "$(dirname "$0")/lib.sh"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/key"; chmod 600 "$T/key"
cd "$T" || exit 1

mkdir -p in
printf 'name,email,Phone,notes\r\n' >in/people.csv
printf 'Ana,ana.lopez@corp-mail.io,639005981,"call ""Ana"" at bob.ray@corp-mail.io\nor later"\r\n' >>in/people.csv
printf 'Bo,"bo.chan@corp-mail.io",0246409775,612345678\r\n' >>in/people.csv
printf 'Cy,"cy, ""the"" one <cy.doe@corp-mail.io>",962 173 359,plain\r\n' >>in/people.csv
printf 'bad"row,dee.moe@corp-mail.io,1,2\r\n' >>in/people.csv
printf 'Ed,ed.fox@corp-mail.io,,' >>in/people.csv
printf 'id\tmail\n1\tzed.kim@corp-mail.io\n' >t.tsv
gzip -n -c in/people.csv >in/people.csv.gz
fields="--field email --field Phone"

run 0 "$PIIAUDIT" scan -q --db scan.db $fields in/people.csv
found=$(sqlite3 scan.db 'select count(*) from findings')
check "scan --field finds 8: the e-mails and phones of the two columns, the malformed row's e-mail ($found)" test "$found" = 8

for j in 1 2; do
	run 0 "$PIIAUDIT" redact -j $j --db r.db $fields --verify --out "out$j" in/
	check "-j $j: verified clean" grep -q 'verified clean' err
	check "-j $j: the values scan found are the values replaced" \
		sqlite3 r.db "select 1 from redactions where input like '%/people.csv' and replaced = $found order by id desc limit 1" | grep -qx 1
done
cat >want.csv <<'CSV'
name,email,Phone,notes
Ana,<EMAIL>,<PHONE>,"call ""Ana"" at bob.ray@corp-mail.io
or later"
Bo,"<EMAIL>",<PHONE>,612345678
Cy,"cy, ""the"" one <<EMAIL>>",<PHONE>,plain
bad"row,<EMAIL>,1,2
Ed,<EMAIL>,,
CSV
python3 - <<'PY'
# want.csv as written above has LF; the input's rows end in CRLF, except
# the line break inside Ana's quoted note and the last row (no newline).
w = open("want.csv", "rb").read().split(b"\n")
rows = [w[0], w[1] + b"\n" + w[2], w[3], w[4], w[5], w[6]]
open("want.csv", "wb").write(b"\r\n".join(rows))
PY
check "the copy: selected cells replaced, quotes doubled, the rest byte for byte" cmp out1/people.csv want.csv
check "-j 2 wrote the same bytes" cmp out1/people.csv out2/people.csv
run 0 "$PIIAUDIT" redact --db r.db --field mail -o out.tsv t.tsv
check "a TSV column too" grep -q "$(printf '1\t<EMAIL>')" out.tsv
check "a .csv.gz the same, still gzip" sh -c 'gzip -dc out1/people.csv.gz | cmp -s - want.csv'
run 0 "$PIIAUDIT" scan -q --db check.db $fields out1/
check "scan --field finds nothing in the copies" test "$(sqlite3 check.db 'select count(*) from findings')" = 0

# drop-record: rows with a finding go, whatever their line breaks.
run 0 "$PIIAUDIT" redact --db r.db --style drop-record $fields -o dropped.csv in/people.csv
check "drop-record keeps the header and the row without findings" \
	test "$(cat dropped.csv)" = "$(printf 'name,email,Phone,notes\r')"

# An erasure reaches a cell.
run 0 "$PIIAUDIT" lookup --db scan.db --email bo.chan@corp-mail.io --redact-plan plan.json
run 0 "$PIIAUDIT" redact --db r.db --plan plan.json $fields -o erased.csv in/people.csv
check "an erasure replaces the planned cell only" \
	sh -c 'grep -q "^Bo,\"<EMAIL>\",0246409775,612345678" erased.csv && grep -q ana.lopez erased.csv'

# A column the header lacks: the file is not written.
run 3 "$PIIAUDIT" redact --db r.db --field e_mail -o missing.csv in/people.csv
check "a missing column is named, nothing written" \
	sh -c "grep -q \"people.csv: no column 'e_mail' in the CSV header\" err && test ! -e missing.csv"
# --format csv: a CSV by another name, as scan --format csv reads it.
cp in/people.csv export.txt
run 0 "$PIIAUDIT" scan -q --db fmt.db --format csv $fields export.txt
run 0 "$PIIAUDIT" redact --db r.db --format csv $fields --verify -o export-out.txt export.txt
check "--format csv: the same copy as the .csv, verified clean" \
	sh -c 'cmp -s export-out.txt want.csv && grep -q "verified clean" err'
check "... the values scan --format csv found" \
	test "$(sqlite3 fmt.db 'select count(*) from findings')" = "$found"
run 2 "$PIIAUDIT" redact --db r.db --format csv -o x.txt export.txt
check "--format without --field: a usage error" grep -q 'format needs --field' err

# A header that cannot be read (an unclosed quote runs to the end): scan
# and redact read it and the rows as text, nothing skipped.
printf 'id,"email\nBo,bo.chan@corp-mail.io\nCy,cy.doe@corp-mail.io\n' >badhead.csv
run 3 "$PIIAUDIT" scan -q --db badhead.db --field email badhead.csv
check "scan: a header not valid is named, and read as text (2 found)" \
	sh -c "grep -q 'CSV header not valid' err && test \$(sqlite3 badhead.db 'select count(*) from findings') = 2"
run 0 "$PIIAUDIT" redact --db r.db --field email --verify -o badhead-out.csv badhead.csv
check "redact: the same two replaced, verified clean" \
	sh -c "grep -q 'verified clean' err && test \$(grep -c '<EMAIL>' badhead-out.csv) = 2"

# A row longer than --max-record-bytes (a quoted cell of 2 KiB): not redacted.
{ printf 'id,email\n1,"'; head -c 2048 /dev/zero | tr '\0' 'x'; printf ' ann.lee@corp-mail.io"\n'; } >long.csv
run 3 "$PIIAUDIT" redact --db r.db --field email --max-record-bytes 1K -o long-out.csv long.csv
check "a row over --max-record-bytes is named, nothing written" \
	sh -c "grep -q 'long.csv: CSV row 1 is longer than 1024 bytes (--max-record-bytes): not redacted' err && test ! -e long-out.csv"
finish
