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
check "a 256 MiB PPMd model refused" grep -q 'ppmd256m.7z: limit: 7z data that needs 256 MiB' "$T/err"
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
finish
