#!/usr/bin/env bash
# t0815: xz and .lzma decoders share --max-decoder-memory (default 80M).
# libarchive let each job's decoder take whatever a file's header asked
# (xz -9: 65 MiB; the format allows a 1.5 GiB dictionary).  Now a file
# needing more than the budget is recorded as not read, with both sizes,
# and the scan goes on (exit 3); two xz -9 files with two jobs are both
# read (one waits for the other's memory), and so is an xz -9 member
# inside a tar.xz -9 (a decoder inside another never waits).  Files made
# here with xz-utils.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
sql() { sqlite3 "$1" "$2"; }

printf 'contact: jane.roe@xzmail.io\nand more text\n' >plain.txt
xz -6 -c plain.txt >six.txt.xz
xz -9 -c plain.txt >nine.txt.xz
cp nine.txt.xz nine2.txt.xz
xz --lzma2=dict=1536MiB -c plain.txt >huge.txt.xz
lzma -9 -c plain.txt >nine.txt.lzma
mkdir -p box && xz -9 -c plain.txt >box/inner.txt.xz && cp plain.txt box/outer.txt
tar -cf - box | xz -9 -c >box.tar.xz
check "xz says huge.txt.xz needs 1537 MiB" sh -c 'xz -lvv huge.txt.xz | grep -q "Memory needed: *1537 MiB"'

# The default budget: everything but the 1.5 GiB dictionary is read.
run 3 timeout 120 "$PIIAUDIT" scan -q -j 2 --db d.db six.txt.xz nine.txt.xz nine2.txt.xz \
	huge.txt.xz nine.txt.lzma box.tar.xz
check "huge.txt.xz named on stderr with both sizes" \
	grep -q 'huge.txt.xz: limit: xz data that needs 1537 MiB of memory to decode, more than --max-decoder-memory (80 MiB)' "$T/err"
got=$(sql d.db "select status || ' ' || findings from sources where path = 'huge.txt.xz'")
check "... and recorded as not read ($got)" test "$got" = "error 0"
got=$(sql d.db "select count(*) from sources where status = 'ok' and findings = 1 and path != 'huge.txt.xz'")
check "the four other files and the tar.xz's two members each have their finding ($got)" test "$got" = 6
got=$(sql d.db "select format from sources where path = 'nine.txt.lzma'")
check ".lzma keeps its format name ($got)" test "$got" = lzma
got=$(sql d.db "select format from sources where path = 'box.tar.xz' and member is null")
check "tar.xz keeps its format name ($got)" test "$got" = tar+xz
got=$(sql d.db "select status from sources where member = 'box/inner.txt.xz'")
check "an xz -9 member inside a tar.xz -9 is read ($got)" test "$got" = ok

# A smaller budget: the -9 files are not read, the -6 one is.
run 3 "$PIIAUDIT" scan -q -j 1 --max-decoder-memory 32M --db s.db six.txt.xz nine.txt.xz nine.txt.lzma
check "nine.txt.xz refused at 32 MiB" \
	grep -q 'nine.txt.xz: limit: xz data that needs 65 MiB of memory to decode, more than --max-decoder-memory (32 MiB)' "$T/err"
check "nine.txt.lzma too" grep -q 'nine.txt.lzma: limit: lzma data that needs 65 MiB' "$T/err"
got=$(sql s.db "select group_concat(path || ':' || status, ' ') from (select path, status from sources order by path)")
check "the -6 file read, the -9 ones not ($got)" \
	test "$got" = "nine.txt.lzma:error nine.txt.xz:error six.txt.xz:ok"

# 0: no limit (xz -9 read at 1M would be refused).
run 0 "$PIIAUDIT" scan -q --max-decoder-memory 0 --db z.db nine.txt.xz
check "--max-decoder-memory 0 reads xz -9" test "$(sql z.db "select count(*) from findings")" = 1
run 2 "$PIIAUDIT" scan -q --max-decoder-memory lots --db bad.db plain.txt
check "a bad value is a usage error" grep -q "max-decoder-memory takes a size" "$T/err"

# Documented.
run 0 "$PIIAUDIT" scan --help
check "--help names it" grep -q -- '--max-decoder-memory' "$T/out"
check "the man page names it" grep -q 'max-decoder-memory' "$TOP/man/piiaudit.1"
finish
