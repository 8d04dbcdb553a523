#!/usr/bin/env bash
# t0815: xz, .lzma and zstd decoders share --max-decoder-memory (default 80M).
# libarchive let each job's decoder take whatever a file's header asked
# (xz -9: 65 MiB; the format allows a 1.5 GiB dictionary).  Now a file
# needing more than the budget is recorded as not read, with both sizes,
# and the scan goes on (exit 3); two xz -9 files with two jobs are both
# read (one waits for the other's memory), and so is an xz -9 member
# inside a tar.xz -9 (a decoder inside another never waits).  Files made
# here with xz-utils.  zstd the same: libarchive's filter gave each job
# what a frame's window asked, up to 128 MiB (`zstd --long`), and refused
# larger windows outright; now a window is read when the budget allows it,
# whatever its size.
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

# zstd: a window of 8 MiB (-19), 128 MiB (--long=27 on a pipe, where the
# size is unknown) and 256 MiB (--long=28, which `zstd -d` itself refuses
# without --memory=256MB).
zstd -q -19 -c <plain.txt >small.txt.zst
zstd -q --long=27 -c <plain.txt >long.txt.zst
cp long.txt.zst long2.txt.zst
zstd -q --long=28 -c <plain.txt >huge.txt.zst
mkdir -p zbox && cp long.txt.zst zbox/inner.txt.zst && cp plain.txt zbox/outer.txt
tar -cf - zbox | zstd -q --long=27 -c >zbox.tar.zst
check "zstd says long.txt.zst has a 128 MiB window" sh -c 'zstd -lv long.txt.zst | grep -q "Window Size: 128 MiB"'
run 3 "$PIIAUDIT" scan -q -j 2 --db zd.db small.txt.zst long.txt.zst huge.txt.zst
check "long.txt.zst refused by the default budget, with the sizes" \
	grep -q 'long.txt.zst: limit: zstd data that needs 129 MiB of memory to decode (a 128 MiB window), more than --max-decoder-memory (80 MiB)' "$T/err"
check "huge.txt.zst too" grep -q 'huge.txt.zst: limit: zstd data that needs 257 MiB' "$T/err"
got=$(sql zd.db "select group_concat(path || ':' || status || ':' || findings, ' ') from (select * from sources order by path)")
check "the 8 MiB window read, the others recorded as not read ($got)" \
	test "$got" = "huge.txt.zst:error:0 long.txt.zst:error:0 small.txt.zst:ok:1"
run 3 timeout 120 "$PIIAUDIT" scan -q -j 2 --max-decoder-memory 200M --db zl.db long.txt.zst \
	long2.txt.zst huge.txt.zst zbox.tar.zst
check "at 200M, huge.txt.zst still refused" grep -q 'huge.txt.zst: limit: zstd data that needs 257 MiB.*(200 MiB)' "$T/err"
got=$(sql zl.db "select count(*) from sources where status = 'ok' and findings = 1")
check "... two 128 MiB windows with 2 jobs, and the tar.zst's two members, read ($got)" test "$got" = 4
got=$(sql zl.db "select format from sources where path = 'zbox.tar.zst' and member is null")
check "tar.zst keeps its format name ($got)" test "$got" = tar+zstd
got=$(sql zl.db "select status from sources where member = 'zbox/inner.txt.zst'")
check "a --long member inside a --long tar.zst is read ($got)" test "$got" = ok
run 0 "$PIIAUDIT" scan -q --max-decoder-memory 0 --db zz.db huge.txt.zst
check "--max-decoder-memory 0 reads a 256 MiB window" test "$(sql zz.db "select count(*) from findings")" = 1

# Documented.
run 0 "$PIIAUDIT" scan --help
check "--help names it" grep -q -- '--max-decoder-memory' "$T/out"
check "the man page names it" grep -q 'max-decoder-memory' "$TOP/man/piiaudit.1"
finish
