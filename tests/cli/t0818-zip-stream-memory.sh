#!/usr/bin/env bash
# t0818: a zip read as a stream (inside a tar or a tar.gz, stored in
# another zip, on standard input) takes from --max-decoder-memory what its
# LZMA and xz entries ask, as their first bytes go by
# (scanners/zip_stream_mem.c): its central directory cannot be read
# first, as t0817's zips are.  An entry asking more than the budget stops
# that zip before libarchive decodes it, with the sizes; what came before
# it in the zip is kept, and the rest of the tar is read.
# Zips made here: t0817's (LZMA by Python's zipfile, its dictionary raised;
# xz entries written by hand), and one written to a pipe by zipfile, so
# that every size comes after its entry's data (flag bit 3), whose LZMA
# entry between two deflated ones asks 1 GiB.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
sql() { sqlite3 "$1" "$2"; }

printf 'contact: jane.roe@zipmail.io\nand more text\n' >plain.txt
python3 - <<'EOF'
import io, struct, subprocess, zipfile, zlib
plain = open("plain.txt", "rb").read()
with zipfile.ZipFile("lz.zip", "w", zipfile.ZIP_LZMA) as z:
    z.writestr("plain.txt", plain)
d = bytearray(open("lz.zip", "rb").read())
n, m = struct.unpack_from("<HH", d, 26)
at = 30 + n + m + 5                    # the dictionary size in the properties
d[at:at + 4] = struct.pack("<I", 1 << 30)
open("lz1g.zip", "wb").write(d)

def xz_zip(out, xz_args):
    xz = subprocess.run(["xz"] + xz_args + ["-c"], input=plain, stdout=subprocess.PIPE,
                        check=True).stdout
    name, crc = b"plain.txt", zlib.crc32(plain)
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 63, 0, 95, 0, 0, crc, len(xz), len(plain),
                        len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 63, 63, 0, 95, 0, 0, crc, len(xz),
                          len(plain), len(name), 0, 0, 0, 0, 0, 0) + name
    body = local + xz
    end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(central), len(body), 0)
    open(out, "wb").write(body + central + end)

xz_zip("xz6.zip", ["-6"])
xz_zip("xz9.zip", ["-9"])
xz_zip("xzhuge.zip", ["--lzma2=dict=1536MiB"])

class Pipe(io.RawIOBase):   # not seekable: zipfile writes data descriptors
    def __init__(self, f): self.f = f
    def writable(self): return True
    def write(self, b): return self.f.write(b)
with open("streamed.zip", "wb") as f:
    with zipfile.ZipFile(Pipe(f), "w") as z:
        z.writestr(zipfile.ZipInfo("first.txt"), b"first: ann.lee@zipmail.io\n", zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("second.txt"), plain, zipfile.ZIP_LZMA)
        z.writestr(zipfile.ZipInfo("third.txt"), b"third: bo.kim@zipmail.io\n", zipfile.ZIP_DEFLATED)
d = bytearray(open("streamed.zip", "rb").read())
i = d.index(b"PK\x03\x04", d.index(b"second.txt") - 40)
flags, method = struct.unpack_from("<HH", d, i + 6)
assert flags & 8 and method == 14, (flags, method)
n, m = struct.unpack_from("<HH", d, i + 26)
d[i + 30 + n + m + 5:i + 30 + n + m + 9] = struct.pack("<I", 1 << 30)
open("streamed1g.zip", "wb").write(d)

with zipfile.ZipFile("outer.zip", "w", zipfile.ZIP_STORED) as z:
    z.write("plain.txt")
    z.write("xzhuge.zip")
    z.write("xz6.zip")
EOF
tar cf t.tar plain.txt lz.zip lz1g.zip xz6.zip xz9.zip xzhuge.zip streamed1g.zip
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
	got=$(sql d.db "select group_concat(member || ':' || status || ':' || findings, ' ') from (select member, status, findings from sources where path = '$top' and member is not null order by member)")
	check "$top: the others read, what came before the refusal kept ($got)" test "$got" = \
		"lz.zip:ok:0 lz.zip!plain.txt:ok:1 lz1g.zip:error:0 plain.txt:ok:1 streamed1g.zip:error:0 streamed1g.zip!first.txt:ok:1 xz6.zip:ok:0 xz6.zip!plain.txt:ok:1 xz9.zip:ok:0 xz9.zip!plain.txt:ok:1 xzhuge.zip:error:0"
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
# holds one: the second waits for the first, and both are read.
cp t.tar u.tar
run 3 timeout 120 "$PIIAUDIT" scan -q -j 2 --max-decoder-memory 100M --db w.db t.tar u.tar
got=$(sql w.db "select count(*) from sources where member = 'xz9.zip!plain.txt' and status = 'ok' and findings = 1")
check "two jobs share the budget: both xz -9 zips read ($got)" test "$got" = 2

run 3 "$PIIAUDIT" scan -q --max-decoder-memory 0 --db z.db t.tar
got=$(sql z.db "select group_concat(member, ' ') from (select member from sources where path = 't.tar' and status = 'error' order by member)")
check "without a limit nothing is refused: only libarchive's own error ($got)" \
	test "$got" = "streamed1g.zip!second.txt"
check "... (it cannot read LZMA sizes after the data from a stream)" \
	grep -q 'streamed1g.zip!second.txt: Truncated lzma data' "$T/err"
got=$(sql z.db "select count(*) from sources where path = 't.tar' and member in ('lz1g.zip!plain.txt', 'xzhuge.zip!plain.txt', 'streamed1g.zip!third.txt') and findings = 1")
check "... and what was refused is read ($got)" test "$got" = 3
finish
