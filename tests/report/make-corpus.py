#!/usr/bin/env python3
"""A corpus for the report tests (t06xx), stdlib only.

    make-corpus.py DIR [--variant 1|2]

Writes into DIR a folder of text files with personal data (the sample
corpus's kinds of values, and generated e-mail addresses), a .tar.gz whose
members include a binary file, a member larger than the test's
--max-member-bytes limit and a nested zip, a truncated .gz, a tar nested
deeper than --max-depth 1, a file whose *name* holds an e-mail address, and
a PNG.  Variant 2 (for --since-run) drops one file and adds another, and
leaves every other byte the same.
"""

import gzip
import io
import os
import sys
import tarfile
import zipfile

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sample-corpus")


def email(n):
    return "user%05d.tag@host-%05d.example-corp.io" % (n, n)


def prose(n, start):
    lines = []
    for i in range(n):
        lines.append("Meeting notes %d: please write to %s about the quarterly review." % (i, email(start + i)))
    return "\n".join(lines) + "\n"


def tar_add(t, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1700000000
    t.addfile(info, io.BytesIO(data))


def tar_bytes(members, compress=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:" + (compress or "")) as t:
        for name, data in members:
            tar_add(t, name, data)
    return buf.getvalue()


def main():
    out = sys.argv[1]
    variant = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--variant" else "1"
    os.makedirs(os.path.join(out, "corpus"), exist_ok=True)

    def write(rel, data):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())

    for name in sorted(os.listdir(SAMPLE)):
        with open(os.path.join(SAMPLE, name), "rb") as f:
            write("corpus/" + name, f.read())
    write("corpus/notes-a.txt", prose(40, 100))
    if variant == "1":
        write("corpus/notes-b.txt", prose(15, 200))
    else:
        if os.path.exists(os.path.join(out, "corpus/notes-b.txt")):
            os.unlink(os.path.join(out, "corpus/notes-b.txt"))
        write("corpus/notes-c.txt", prose(9, 300))
    # A file name that is itself personal data.
    write("corpus/contact-jane.roe.1987@mailbox-corp.io.txt", prose(2, 400))
    write("corpus/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("deep/inner.txt", prose(5, 500))
    members = [
        ("docs/a.txt", prose(6, 600).encode()),
        ("bin/tool.bin", b"\x7fELF\x02\x01\x01" + b"\x00" * 600),
        ("dump/big.txt", (prose(3, 700) + "filler without digits or at signs\n" * 4000).encode()),
        ("inner.zip", inner.getvalue()),
    ]
    write("bundle.tar.gz", tar_bytes(members, "gz"))

    whole = gzip.compress((prose(30, 800)).encode(), mtime=0)
    write("broken.txt.gz", whole[: len(whole) // 2])

    level2 = tar_bytes([("x.txt", prose(2, 900).encode())])
    level1 = tar_bytes([("level2.tar", level2)])
    write("deep.tar", tar_bytes([("level1.tar", level1), ("top.txt", prose(2, 950).encode())]))


if __name__ == "__main__":
    main()
