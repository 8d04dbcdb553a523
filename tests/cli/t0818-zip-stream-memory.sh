#!/usr/bin/env bash
# t0818: a zip read as a stream (inside a tar or a tar.gz, stored in
# another zip, on standard input) takes from --max-decoder-memory what its
# LZMA and xz entries ask, as their first bytes go by
# (scanners/zip_stream_mem.c): its central directory cannot be read
# first, as t0817's zips are.  An entry asking more than the budget stops
# that zip before libarchive decodes it, with the sizes; what came before
# it in the zip is kept, and the rest of the tar is read.
# Zips made by zip_fixtures.py: t0817's (LZMA by Python's zipfile, its
# dictionary raised; xz entries written by hand), and one written to a pipe
# by zipfile, so that every size comes after its entry's data (flag bit 3),
# whose LZMA entry between two deflated ones asks 1 GiB.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
sql() { sqlite3 "$1" "$2"; }

printf 'contact: jane.roe@zipmail.io\nand more text\n' >plain.txt
python3 "$TOP/tests/cli/zip_fixtures.py" || exit 1
tar cf t.tar plain.txt lz.zip lz1g.zip xz6.zip xz9.zip xzhuge.zip streamed1g.zip zst27.zip
gzip -c t.tar >t.tar.gz
check "7z reads the zips" sh -c 'for z in lz1g xzhuge streamed1g outer; do 7z t $z.zip >/dev/null || exit 1; done'

run 3 timeout 120 "$PIIAUDIT" scan -q -j 2 --db d.db t.tar t.tar.gz outer.zip
for top in t.tar t.tar.gz; do
	check "$top: an LZMA entry asking 1 GiB refused, with the sizes" \
		grep -q "^piiaudit: $top!lz1g.zip: limit: zip data that needs 1025 MiB of memory to decode, more than --max-decoder-memory (80 MiB)$" "$T/err"
	check "$top: an xz entry asking 1.5 GiB refused" \
		grep -q "^piiaudit: $top!xzhuge.zip: limit: zip data that needs 1537 MiB" "$T/err"
	check "$top: ... and an entry whose size comes after its data" \
		grep -q "^piiaudit: $top!streamed1g.zip: limit: zip data that needs 1025 MiB" "$T/err"
	check "$top: ... and a zstd entry with a 128 MiB window" \
		grep -q "^piiaudit: $top!zst27.zip: limit: zip data that needs 129 MiB" "$T/err"
	got=$(sql d.db "select group_concat(member || ':' || status || ':' || findings, ' ') from (select member, status, findings from sources where path = '$top' and member is not null order by member)")
	check "$top: the others read, what came before the refusal kept ($got)" test "$got" = \
		"lz.zip:ok:0 lz.zip!plain.txt:ok:1 lz1g.zip:error:0 plain.txt:ok:1 streamed1g.zip:error:0 streamed1g.zip!first.txt:ok:1 xz6.zip:ok:0 xz6.zip!plain.txt:ok:1 xz9.zip:ok:0 xz9.zip!plain.txt:ok:1 xzhuge.zip:error:0 zst27.zip:error:0"
done
check "a zip stored in a zip: the inner one refused" \
	grep -q '^piiaudit: outer.zip!xzhuge.zip: limit: zip data that needs 1537 MiB' "$T/err"
got=$(sql d.db "select group_concat(member || ':' || status, ' ') from (select member, status from sources where path = 'outer.zip' and member is not null order by member)")
check "... the rest of the outer one read ($got)" test "$got" = \
	"plain.txt:ok xz6.zip:ok xz6.zip!plain.txt:ok xzhuge.zip:error"

run 3 "$PIIAUDIT" scan -q --db s.db - <xzhuge.zip
check "standard input: refused too" grep -q 'limit: zip data that needs 1537 MiB' "$T/err"

run 3 "$PIIAUDIT" scan -q --max-decoder-memory 32M --db m.db t.tar
check "at 32M the xz -9 entry in the tar is refused" \
	grep -q '^piiaudit: t.tar!xz9.zip: limit: zip data that needs 65 MiB of memory to decode, more than --max-decoder-memory (32 MiB)$' "$T/err"
got=$(sql m.db "select status from sources where path = 't.tar' and member = 'xz6.zip!plain.txt'")
check "... the xz -6 one read ($got)" test "$got" = ok

# Two jobs, each with a tar holding an xz -9 zip (65 MiB), a budget that
# holds one: both are read (a guard against the two waiting for each
# other, under a timeout; it does not show that one waited).
cp t.tar u.tar
run 3 timeout 120 "$PIIAUDIT" scan -q -j 2 --max-decoder-memory 100M --db w.db t.tar u.tar
got=$(sql w.db "select count(*) from sources where member = 'xz9.zip!plain.txt' and status = 'ok' and findings = 1")
check "two jobs whose needs do not fit together: both xz -9 zips read, no deadlock ($got)" test "$got" = 2

run 3 "$PIIAUDIT" scan -q --max-decoder-memory 0 --db z.db t.tar
got=$(sql z.db "select group_concat(member, ' ') from (select member from sources where path = 't.tar' and status = 'error' order by member)")
check "without a limit nothing is refused: only libarchive's own error ($got)" \
	test "$got" = "streamed1g.zip!second.txt"
check "... (it cannot read LZMA sizes after the data from a stream)" \
	grep -q 'streamed1g.zip!second.txt: Truncated lzma data' "$T/err"
got=$(sql z.db "select count(*) from sources where path = 't.tar' and member in ('lz1g.zip!plain.txt', 'xzhuge.zip!plain.txt', 'streamed1g.zip!third.txt', 'zst27.zip!plain.txt') and findings = 1")
check "... and what was refused is read ($got)" test "$got" = 4
finish
