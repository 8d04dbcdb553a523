#!/usr/bin/env python3
"""lzip and compress (.Z) streams for the CLI tests (t0514 scans and
redacts them, t0977 redacts them as archive members): neither program is
needed.

    stream_fixtures.py lz|Z SRC DST   writes SRC compressed to DST

A .Z is written with 9-bit codes only, so SRC must be short (at most 254
new codes: a line or two); compress(1)'s wider codes are not made.
"""
import lzma
import struct
import sys
import zlib


def lzip(data, dict_log=20):
    body = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[
        {"id": lzma.FILTER_LZMA1, "dict_size": 1 << dict_log, "lc": 3, "lp": 0, "pb": 2}])
    head = b"LZIP\x01" + bytes([dict_log])
    return head + body + struct.pack("<IQQ", zlib.crc32(data), len(data), len(head) + len(body) + 20)


def compress_z(data):
    """compress(1) output, block mode, with 9-bit codes only (short inputs)."""
    table = {bytes([i]): i for i in range(256)}
    nxt, codes, w = 257, [], b""
    for c in data:
        if w + bytes([c]) in table:
            w += bytes([c])
            continue
        codes.append(table[w])
        table[w + bytes([c])] = nxt
        nxt += 1
        w = bytes([c])
    if w:
        codes.append(table[w])
    assert nxt < 511, "input too long for 9-bit codes"
    acc = nbits = 0
    out = bytearray(b"\x1f\x9d\x90")
    for code in codes:
        acc |= code << nbits
        nbits += 9
        while nbits >= 8:
            out.append(acc & 0xff)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xff)
    return bytes(out)


def main():
    kind, src, dst = sys.argv[1:4]
    data = open(src, "rb").read()
    open(dst, "wb").write(lzip(data) if kind == "lz" else compress_z(data))


if __name__ == "__main__":
    main()
