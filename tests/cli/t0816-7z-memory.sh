#!/usr/bin/env bash
# t0816: the decoders of a 7z archive take from --max-decoder-memory too.
# libarchive gives each folder's decoder what the archive's header asks:
# an LZMA dictionary up to 1.5 GiB, a PPMd model up to 4 GiB.  Now the need
# is read from the header first (scanners/sevenz_mem.c) and taken from the
# budget the jobs share: an archive needing more than the budget is
# recorded as not read, with the size, and the scan goes on (exit 3).
# Archives made here with 7z, their dictionary or model then raised in the
# plain header (7z itself shrinks them to fit a small input).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
sql() { sqlite3 "$1" "$2"; }

printf 'contact: jane.roe@sevenmail.io\nand more text\n' >plain.txt
7z a -bd -m0=LZMA -mhc=off lz.7z plain.txt >/dev/null
7z a -bd -m0=PPMd -mhc=off ppmd.7z plain.txt >/dev/null
7z a -bd -mx9 packed.7z plain.txt >/dev/null          # its header packed with LZMA
7z a -bd -mhe=on -psecret enc.7z plain.txt >/dev/null  # an encrypted header
# raise IN CODEC-HEX SIZE OUT: the coder's size field (bytes 1-4 of its
# properties) set to SIZE, the header's CRCs made right again.
raise() {
	python3 - "$@" <<'EOF'
import struct, sys, zlib
src, codec, size, out = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
d = bytearray(open(src, "rb").read())
off, n = struct.unpack_from("<QQ", d, 12)
h = 32 + off
i = d.find(b"\x23" + codec + b"\x05", h)
if i < 0:
    sys.exit("raise: no such coder in " + src)
p = i + 2 + len(codec)
d[p + 1:p + 5] = struct.pack("<I", size)
struct.pack_into("<I", d, 28, zlib.crc32(d[h:h + n]))
struct.pack_into("<I", d, 8, zlib.crc32(d[12:32]))
open(out, "wb").write(d)
EOF
}
raise lz.7z 030101 $((1 << 30)) lz1g.7z
raise lz.7z 030101 $((64 << 20)) lz64m.7z
cp lz64m.7z lz64m-2.7z
raise ppmd.7z 030401 $((256 << 20)) ppmd256m.7z
check "7z itself reads the raised archives" sh -c '7z t lz1g.7z >/dev/null && 7z t ppmd256m.7z >/dev/null'

run 3 timeout 120 "$PIIAUDIT" scan -q -j 2 --db d.db lz.7z packed.7z lz64m.7z lz64m-2.7z \
	lz1g.7z ppmd256m.7z enc.7z
check "a 1 GiB LZMA dictionary refused, with the sizes" \
	grep -q 'lz1g.7z: limit: 7z data that needs 1025 MiB of memory to decode, more than --max-decoder-memory (80 MiB)' "$T/err"
check "a 256 MiB PPMd model refused" grep -q 'ppmd256m.7z: limit: 7z data that needs 257 MiB' "$T/err"
check "the encrypted header is libarchive's to refuse" grep -q 'enc.7z: .*encrypted' "$T/err"
got=$(sql d.db "select group_concat(path || ':' || status, ' ') from (select path, status from sources where member is null order by path)")
check "the others read ($got)" test "$got" = \
	"enc.7z:error lz.7z:ok lz1g.7z:error lz64m-2.7z:ok lz64m.7z:ok packed.7z:ok ppmd256m.7z:error"
got=$(sql d.db "select count(*) from sources where member = 'plain.txt' and status = 'ok' and findings = 1")
check "... each with its finding, the two of 64 MiB with 2 jobs (one waits) ($got)" test "$got" = 4

run 0 "$PIIAUDIT" scan -q --max-decoder-memory 300M --db p.db ppmd256m.7z
check "read with a budget that holds it" test "$(sql p.db "select count(*) from findings")" = 1
run 0 "$PIIAUDIT" scan -q --max-decoder-memory 0 --db z.db lz1g.7z
check "read without a limit" test "$(sql z.db "select count(*) from findings")" = 1

# Headers that count more than they hold: libarchive allocates a table
# entry for each count first (67 million folders in a 700-byte file took
# it 3 s and 7 GB of address space; 99 million streams, 500 MB of RSS).
# Refused from the header, with or without a budget.  Real archives of
# the kinds 7z writes are still read.
# counted COUNT OUT: one folder of a stored file whose substreams say
# COUNT streams (without their sizes).
counted() {
	python3 - "$@" <<'EOF'
import struct, sys, zlib
count, out = int(sys.argv[1]), sys.argv[2]
data = b"contact: jane.roe@sevenmail.io\n"
h = bytes([1, 4, 6, 0, 1, 9, len(data), 0, 7, 0x0b, 1, 0, 1, 1, 0, 0x0c, len(data), 0, 8, 0x0d])
h += bytes([0xe0 | count >> 24]) + struct.pack("<I", count & 0xffffff)[:3] + bytes([0, 0])
name = "a.txt".encode("utf-16-le") + b"\0\0"
h += bytes([5, 1, 0x11, len(name) + 1, 0]) + name + bytes([0, 0])
start = struct.pack("<QQI", len(data), len(h), zlib.crc32(h))
sig = b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start
open(out, "wb").write(sig + data + h)
EOF
}
counted 99000000 streams99m.7z
counted 1 streams1.7z
cp "$TOP/tests/fuzz/regressions/fuzz_reader/7z-67m-folders-in-header.7z" folders67m.7z
mkdir -p tree/d/e tree/empty
for i in 1 2 3 4 5 6 7 8 9 10; do echo "row $i user$i@sevenmail.io" >"tree/d/f$i.txt"; done
: >tree/zero.txt
head -c 100000 /dev/urandom >tree/rand.bin
7z a -bd -ms=on kinds-solid.7z tree >/dev/null
7z a -bd -ms=off -mhc=off kinds-plain.7z tree >/dev/null
7z a -bd -mf=BCJ2 -mx9 kinds-bcj2.7z tree >/dev/null
7z a -bd -m0=bzip2 -ms=e kinds-bzip2.7z tree >/dev/null
7z a -bd -m0=Copy -mtc=on -mta=on kinds-copy.7z tree >/dev/null
for budget in 80M 0; do
	run 3 timeout 60 "$PIIAUDIT" scan -q --max-decoder-memory $budget --db "c$budget.db" \
		folders67m.7z streams99m.7z streams1.7z kinds-solid.7z kinds-plain.7z kinds-bcj2.7z \
		kinds-bzip2.7z kinds-copy.7z
	check "67 million folders refused from the header ($budget)" \
		grep -q 'folders67m.7z: damaged 7z archive: its header is damaged (it describes more than it holds)' "$T/err"
	check "99 million streams refused from the header ($budget)" \
		grep -q 'streams99m.7z: damaged 7z archive: its header is damaged' "$T/err"
	got=$(sql "c$budget.db" "select group_concat(path || ':' || n, ' ') from (select path, sum(findings) n from sources where path like 'kinds-%' or path like 'streams1%' group by path order by path)")
	check "the same saying one stream, and archives of every kind, read ($budget: $got)" test "$got" = \
		"kinds-bcj2.7z:10 kinds-bzip2.7z:10 kinds-copy.7z:10 kinds-plain.7z:10 kinds-solid.7z:10 streams1.7z:1"
done
finish
