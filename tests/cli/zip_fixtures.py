#!/usr/bin/env python3
"""Zips whose LZMA, xz and zstd entries ask for memory, for the CLI tests of
--max-decoder-memory (t0817 reads them as files, t0818 as streams).

    zip_fixtures.py        writes them all into the current folder, beside
                           the plain.txt it reads (one finding in it)

lz.zip          an LZMA entry, as Python's zipfile writes it
lz1g.zip        the same, its properties' dictionary raised to 1 GiB
xz6.zip ...     one xz entry written by hand (`xz -6`, `-9`, a 1.5 GiB
                dictionary), plain zip32
xzhuge64.zip    ... with a zip64 directory (the offset in the extra field)
xzhuge-sfx.zip  ... behind 1000 bytes of junk, every offset shifted
xz9-64.zip      `xz -9`, zip64; xz9-64s.zip: its sizes saturated too
zst.zip ...     one zstd entry written by hand (`zstd -19`: an 8 MiB
                window; zst27.zip: `--long=27`, 128 MiB)
streamed1g.zip  written to a pipe, so every size comes after its entry's
                data (flag bit 3): deflated, LZMA asking 1 GiB, deflated
outer.zip       stored: plain.txt, xzhuge.zip, xz6.zip
"""
import io
import struct
import subprocess
import zipfile
import zlib

plain = open("plain.txt", "rb").read()


def raise_lzma_dictionary(d, at, size):
    """The LZMA entry whose local header is at `at` asks `size`."""
    n, m = struct.unpack_from("<HH", d, at + 26)
    prop = at + 30 + n + m + 5     # version (2), properties' size (2), lc/lp/pb
    d[prop:prop + 4] = struct.pack("<I", size)


def xz_zip(out, xz_args, zip64=False, stub=b"", sizes64=False, tool="xz", method=95):
    xz = subprocess.run([tool] + xz_args + ["-c"], input=plain, stdout=subprocess.PIPE,
                        check=True).stdout
    name, crc = b"plain.txt", zlib.crc32(plain)
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 63, 0, method, 0, 0, crc, len(xz), len(plain),
                        len(name), 0) + name
    extra = struct.pack("<HHQ", 1, 8, 0) if zip64 else b""
    csize, usize = len(xz), len(plain)
    if sizes64:   # the sizes saturated too: in the extra field before the offset
        extra = struct.pack("<HHQQQ", 1, 24, usize, csize, 0)
        csize = usize = 0xffffffff
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 63, 63, 0, method, 0, 0, crc, csize,
                          usize, len(name), len(extra), 0, 0, 0, 0,
                          0xffffffff if zip64 else 0) + name + extra
    body = local + xz
    if zip64:
        z64_at = len(body) + len(central)
        end = struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 63, 63, 0, 0, 1, 1, len(central),
                          len(body))
        end += struct.pack("<IIQI", 0x07064b50, 0, z64_at, 1)
        end += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff,
                           0xffffffff, 0)
    else:
        end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(central), len(body), 0)
    open(out, "wb").write(stub + body + central + end)


class Pipe(io.RawIOBase):
    """Not seekable: zipfile writes data descriptors."""
    def __init__(self, f):
        self.f = f

    def writable(self):
        return True

    def write(self, b):
        return self.f.write(b)


with zipfile.ZipFile("lz.zip", "w", zipfile.ZIP_LZMA) as z:
    z.writestr("plain.txt", plain)
d = bytearray(open("lz.zip", "rb").read())
raise_lzma_dictionary(d, 0, 1 << 30)
open("lz1g.zip", "wb").write(d)

xz_zip("xz6.zip", ["-6"])
xz_zip("xz9.zip", ["-9"])
xz_zip("xzhuge.zip", ["--lzma2=dict=1536MiB"])
xz_zip("xzhuge64.zip", ["--lzma2=dict=1536MiB"], zip64=True)
xz_zip("xzhuge-sfx.zip", ["--lzma2=dict=1536MiB"], stub=b"PK\x03\x04" + b"\0" * 996)
xz_zip("xz9-64.zip", ["-9"], zip64=True)
xz_zip("xz9-64s.zip", ["-9"], zip64=True, sizes64=True)
# zstd from a pipe keeps the window it is told (the input's size unknown).
xz_zip("zst.zip", ["-19", "-q"], tool="zstd", method=93)
xz_zip("zst27.zip", ["--long=27", "-19", "-q"], tool="zstd", method=93)

with open("streamed.zip", "wb") as f:
    with zipfile.ZipFile(Pipe(f), "w") as z:
        z.writestr(zipfile.ZipInfo("first.txt"), b"first: ann.lee@zipmail.io\n", zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("second.txt"), plain, zipfile.ZIP_LZMA)
        z.writestr(zipfile.ZipInfo("third.txt"), b"third: bo.kim@zipmail.io\n", zipfile.ZIP_DEFLATED)
d = bytearray(open("streamed.zip", "rb").read())
second = d.index(b"PK\x03\x04", d.index(b"second.txt") - 40)
flags, method = struct.unpack_from("<HH", d, second + 6)
assert flags & 8 and method == 14, (flags, method)
raise_lzma_dictionary(d, second, 1 << 30)
open("streamed1g.zip", "wb").write(d)

with zipfile.ZipFile("outer.zip", "w", zipfile.ZIP_STORED) as z:
    z.write("plain.txt")
    z.write("xzhuge.zip")
    z.write("xz6.zip")
