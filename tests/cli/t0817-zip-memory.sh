#!/usr/bin/env bash
# t0817: zip entries compressed with LZMA or xz (methods 14 and 95) take
# from --max-decoder-memory too.  libarchive gives each such entry's
# decoder the dictionary its data asks (up to 1.5 GiB); now the reader
# reads the central directory and each such entry's first bytes before
# libarchive opens the archive (scanners/zip_mem.c), and an archive whose
# entry needs more than the budget is recorded as not read, with the size.
# Archives made by zip_fixtures.py: LZMA by Python's zipfile (its
# dictionary then raised in the entry's properties), xz written entry by
# entry (plain zip32, a zip64 directory whose offset is in the extra field,
# and one behind 1000 bytes of junk, its offsets all shifted, found as
# libarchive finds them).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
sql() { sqlite3 "$1" "$2"; }

printf 'contact: jane.roe@zipmail.io\nand more text\n' >plain.txt
python3 "$TOP/tests/cli/zip_fixtures.py" || exit 1
check "7z reads the archives" sh -c 'for z in lz1g xzhuge xzhuge64 xz9-64 xz9-64s; do 7z t $z.zip >/dev/null || exit 1; done'

run 3 timeout 120 "$PIIAUDIT" scan -q -j 2 --db d.db lz.zip lz1g.zip xz6.zip xz9.zip xz9-64.zip \
	xzhuge.zip xzhuge64.zip xzhuge-sfx.zip
check "an LZMA entry with a 1 GiB dictionary refused, with the sizes" \
	grep -q 'lz1g.zip: limit: zip data that needs 1025 MiB of memory to decode, more than --max-decoder-memory (80 MiB)' "$T/err"
check "an xz entry with a 1.5 GiB dictionary refused" grep -q 'xzhuge.zip: limit: zip data that needs 1537 MiB' "$T/err"
check "... found through a zip64 directory" grep -q 'xzhuge64.zip: limit: zip data that needs 1537 MiB' "$T/err"
check "... and behind a stub" grep -q 'xzhuge-sfx.zip: limit: zip data that needs 1537 MiB' "$T/err"
got=$(sql d.db "select group_concat(path || ':' || status, ' ') from (select path, status from sources where member is null order by path)")
check "the others read ($got)" test "$got" = \
	"lz.zip:ok lz1g.zip:error xz6.zip:ok xz9-64.zip:ok xz9.zip:ok xzhuge-sfx.zip:error xzhuge.zip:error xzhuge64.zip:error"
got=$(sql d.db "select count(*) from sources where member = 'plain.txt' and status = 'ok' and findings = 1")
check "... each with its finding ($got)" test "$got" = 4

run 3 "$PIIAUDIT" scan -q --max-decoder-memory 32M --db s.db xz6.zip xz9.zip xz9-64.zip xz9-64s.zip
check "at 32M the xz -9 entries are refused" grep -q 'xz9.zip: limit: zip data that needs 65 MiB' "$T/err"
check "... through zip64 too" grep -q 'xz9-64.zip: limit: zip data that needs 65 MiB' "$T/err"
check "... and with its sizes in the extra field before the offset" \
	grep -q 'xz9-64s.zip: limit: zip data that needs 65 MiB' "$T/err"
got=$(sql s.db "select status from sources where path = 'xz6.zip' and member is null")
check "... the xz -6 one read ($got)" test "$got" = ok
run 0 "$PIIAUDIT" scan -q --max-decoder-memory 0 --db z.db lz1g.zip xzhuge.zip xz9-64s.zip
check "read without a limit" test "$(sql z.db "select count(*) from findings")" = 3

# zstd entries (method 93): libarchive gives each the window its frame asks
# (libzstd allows up to 128 MiB).
run 3 "$PIIAUDIT" scan -q --db zs.db zst.zip zst27.zip
check "a zstd entry with a 128 MiB window refused, with the sizes" \
	grep -q '^piiaudit: zst27.zip: limit: zip data that needs 129 MiB of memory to decode, more than --max-decoder-memory (80 MiB)$' "$T/err"
got=$(sql zs.db "select status || ':' || findings from sources where path = 'zst.zip' and member = 'plain.txt'")
check "... a zstd -19 one read ($got)" test "$got" = ok:1
run 0 "$PIIAUDIT" scan -q --max-decoder-memory 200M --db zb.db zst27.zip
check "... and the 128 MiB one with 200M" test "$(sql zb.db "select count(*) from findings")" = 1
finish
