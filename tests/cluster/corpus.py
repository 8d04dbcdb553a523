#!/usr/bin/env python3
"""A generated corpus for the sharding tests (t07xx), stdlib only.

    corpus.py DIR [--seed N] [--files N]

writes, deterministically for a seed, under DIR:
  - folders of text files of very different sizes (a few bytes to a few
    hundred kB), so that a plan has something to balance;
  - docs.tar.gz (a folder of text files), bundle.zip (text files and a
    nested tar.gz), nested.tar (a zip holding a tar.gz holding text), and
    a single gzip stream;
  - an empty file and a file with no findings.
Every text mixes e-mail addresses, IPv4 addresses and Luhn-valid card
numbers with prose, on LF and CRLF lines, so every shard has findings.
"""

import argparse
import gzip
import io
import os
import random
import tarfile
import zipfile

WORDS = ("the quarterly review was moved to larger room on third floor and everyone "
         "agreed that minutes should be shared before lunch while coffee machine "
         "remained broken despite several tickets").split()


def luhn(partial):
    total = 0
    for i, ch in enumerate(reversed(partial + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return partial + str((10 - total % 10) % 10)


class Text:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.n = 0

    def value(self):
        self.n += 1
        n, kind = self.n, self.rng.randrange(6)
        if kind == 0:
            return "card %s was charged" % luhn("45" + "%013d" % (n * 7919 + 1234567))
        if kind == 1:
            return "request from 81.%d.%d.%d was blocked" % (20 + n % 200, (n // 7) % 250, 1 + n % 250)
        return "write to user%05d.tag@host-%05d.example-corp.io today" % (n, n)

    def text(self, size):
        out, total = [], 0
        while total < size:
            words = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(3, 14)))
            if self.rng.random() < 0.3:
                words += " " + self.value()
            line = words + ("\r\n" if self.rng.random() < 0.3 else "\n")
            out.append(line)
            total += len(line)
        return "".join(out).encode()


def tar_bytes(members, compress):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if compress else "w") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2023, 11, 14, 0, 0, 0)), data)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--files", type=int, default=24)
    a = ap.parse_args()
    t = Text(a.seed)
    rng = random.Random(a.seed + 1)

    def write(rel, data):
        path = os.path.join(a.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    for i in range(a.files):
        folder = ["notes", "notes/2023", "mail/archive", "logs"][i % 4]
        write("%s/f%03d.txt" % (folder, i), t.text(rng.choice([200, 2000, 9000, 40000, 150000])))
    write("docs.tar.gz", tar_bytes([("docs/a.txt", t.text(30000)), ("docs/sub/b.md", t.text(5000)),
                                    ("docs/c.csv", t.text(12000))], True))
    inner = tar_bytes([("inner/x.txt", t.text(8000))], True)
    write("bundle.zip", zip_bytes([("z/one.txt", t.text(20000)), ("z/two.log", t.text(3000)),
                                   ("z/inner.tar.gz", inner)]))
    deep = tar_bytes([("deep/y.txt", t.text(6000))], True)
    mid = zip_bytes([("mid/side.txt", t.text(4000)), ("mid/deep.tar.gz", deep)])
    write("nested.tar", tar_bytes([("top.txt", t.text(2500)), ("mid.zip", mid)], False))
    write("stream.txt.gz", gzip.compress(t.text(25000), mtime=0))
    write("empty.txt", b"")
    write("logs/clean.txt", b"nothing to see here\n" * 50)


if __name__ == "__main__":
    main()
