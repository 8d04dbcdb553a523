#!/usr/bin/env bash
# t0514: lzip (.lz) and compress (.Z) inputs are read as the compressed
# streams they are, alone or around a tar: scan finds what is inside,
# lzip within the decoder memory budget (a header that asks a 512 MiB
# dictionary is refused with a "limit:" reason naming the format, and
# read with --max-decoder-memory 0), and redact writes a clean copy in
# the same format that --verify reads back.  They were skipped before as
# binary content, or read as text garbage.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p m in
printf 'write to ann.lzip@corp.io today\n' >m/a.txt
tar --format=ustar -b 1 -C m -cf t.tar a.txt
for k in lz Z; do
	python3 "$TOP/tests/cli/stream_fixtures.py" $k m/a.txt in/a.txt.$k
	python3 "$TOP/tests/cli/stream_fixtures.py" $k t.tar in/t.tar.$k
done
python3 -c '
d = bytearray(open("in/a.txt.lz", "rb").read()); d[5] = 29   # a 512 MiB dictionary
open("big.lz", "wb").write(d)'

run 0 "$PIIAUDIT" scan --db s.db in
check "each of the four holds its address" test "$(sqlite3 s.db "select count(*) from findings where preview = 'a***@c***.io'")" = 4
check "no source failed or was skipped" test "$(sqlite3 s.db "select count(*) from sources where status != 'ok'")" = 0
check "the single streams are named by format" test "$(sqlite3 s.db "select group_concat(format, ' ') from
	(select format from sources where path in ('in/a.txt.lz', 'in/a.txt.Z') order by path)")" = "compress lzip"
check "the tars inside are walked" test "$(sqlite3 s.db "select count(*) from sources where kind = 'member' and member = 'a.txt'")" = 2
check "nothing is called binary" sh -c '! grep -q binary err'

run 3 "$PIIAUDIT" scan --db big.db big.lz
check "an lzip dictionary over the budget is refused, named" \
	grep -q '^piiaudit: big.lz: limit: lzip data that needs 513 MiB of memory to decode, more than --max-decoder-memory' err
run 0 "$PIIAUDIT" scan --db big0.db --max-decoder-memory 0 big.lz
check "and read without a budget" test "$(sqlite3 big0.db "select count(*) from findings")" = 1

run 0 "$PIIAUDIT" redact --verify --db r.db --out clean in
check "redact verified the copies clean" grep -q 'verified clean' err
for f in a.txt.lz t.tar.lz; do
	check "$f: the copy is lzip" test "$(head -c 5 clean/$f | od -An -c | tr -d ' ')" = 'LZIP001'
done
for f in a.txt.Z t.tar.Z; do
	check "$f: the copy is compress" test "$(head -c 2 clean/$f | od -An -tx1 | tr -d ' ')" = 1f9d
done
run 0 "$PIIAUDIT" scan --db o.db clean
check "the copies hold no address, and are read" test "$(sqlite3 o.db "select count(*) from findings where category = 'email'")" = 0
check "the copies' content is there (the text around the placeholder)" \
	test "$(sqlite3 o.db "select count(*) from sources where kind != 'archive' and bytes_scanned > 20")" = 4
run 3 "$PIIAUDIT" redact --db r2.db --out clean2 big.lz
check "redact refuses the big dictionary too" grep -q 'big.lz: limit: lzip data that needs' err
finish
