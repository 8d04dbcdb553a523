#!/usr/bin/env python3
"""cpio archives for the CLI tests of ar and cpio (t0515 scans them, t0900
redacts them): no cpio program is needed.

    cpio_fixtures.py SRC OUT NAME...   writes OUT/t.newc.cpio and
                                       OUT/t.odc.cpio holding SRC/NAME...
                                       under their NAMEs (mode 100644,
                                       mtime 1700000000)
"""
import os
import sys

MTIME = 1700000000


def main():
    src, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    files = [(n, open(os.path.join(src, n), "rb").read()) for n in names]
    newc = odc = b""
    for ino, (name, data) in enumerate(files + [("TRAILER!!!", b"")], 1):
        nb = name.encode() + b"\0"
        mode = 0o100644 if name != "TRAILER!!!" else 0
        newc += b"070701" + b"".join(b"%08X" % v for v in (
            ino, mode, 0, 0, 1, MTIME, len(data), 0, 0, 0, 0, len(nb), 0)) + nb
        newc += b"\0" * (-len(newc) % 4) + data
        newc += b"\0" * (-len(newc) % 4)
        odc += b"070707" + b"%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o" % (
            0, ino, mode, 0, 0, 1, 0, MTIME, len(nb), len(data)) + nb + data
    with open(os.path.join(out, "t.newc.cpio"), "wb") as f:
        f.write(newc)
    with open(os.path.join(out, "t.odc.cpio"), "wb") as f:
        f.write(odc)


if __name__ == "__main__":
    main()
