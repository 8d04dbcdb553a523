#!/usr/bin/env python3
"""Fixtures and verdicts for piiaudit's CLI tests t0100-t0199 (stdlib only).

    fixtures.py build KIND DIR [--extras card,ip]
        writes the fixture files of KIND (formats, offsets, boundaries,
        errors, privacy, cli) into DIR, and one manifest per scan into
        DIR/*.json: the planted values with the source and member each is in.
    fixtures.py verify MANIFEST[,MANIFEST...] EXPORT.jsonl [--categories email,...] [--what TEXT]
                       [--only-planted-sources]
        checks a `piiaudit export --format jsonl` against a manifest: every
        planted value found once, in the right source and member, at the
        right offset/length/line (read back from the member, which this
        script decompresses and extracts itself, independently of
        piiaudit), no unexpected finding, the placeholder flag, masked
        previews, hex fingerprints.  --only-planted-sources: findings in
        sources the manifest does not name are not looked at.
    fixtures.py extract PATH [MEMBER]
        prints a (decompressed, nested) member's bytes, as verify reads them.

verify prints one verdict a line, "ok<TAB>what" or "not_ok<TAB>what<TAB>detail"
(detail with its newlines as \\n), for the shell to turn into ok/not_ok; it
exits 0 unless it could not run at all.

Planted e-mail addresses are unique (a counter) and use domains such as
example-corp.io: not example.com/org/net, which are documentation
placeholders.  Filler prose has no digits and no '@', so it cannot make a
finding of its own; it mixes LF and CRLF line ends and multi-byte UTF-8, so
byte offsets differ from character offsets.
"""

import bz2
import gzip
import io
import json
import lzma
import os
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

EXPORT_KEYS = ["source", "member", "record", "field", "line", "offset", "length", "rule",
               "category", "confidence", "preview", "fingerprint", "placeholder"]

# ---------------------------------------------------------------------------
# Values and prose
# ---------------------------------------------------------------------------

WORDS = ("the quarterly review was moved to larger room on third floor and everyone "
         "agreed that minutes should be shared before lunch while coffee machine "
         "remained broken despite several tickets").split()
UWORDS = ["café", "naïve", "Grüße", "Straße", "résumé", "日本語", "テキスト", "Ελληνικά",
          "🚀", "✨", "Zürich", "Ærøskøbing", "€", "—", "façade", "piñata", "Дмитрий"]
CONTEXTS = ["contact {v} today", "<{v}>", "mailto:{v}", "({v})", "«{v}»", "„{v}“",
            "{v}, then", "e-mail: {v}.", "\t{v}\t", "名前：{v}。", "\"{v}\"", "{v}"]
CARD_CONTEXTS = ["card number {v} was charged", "paid with {v}.", "cc: {v}"]
IP_CONTEXTS = ["request from {v} was blocked", "host {v}:", "client={v};"]


def email_value(n):
    styles = [
        "user{n:05d}.tag@host-{n:05d}.example-corp.io",
        "first.last{n:05d}+news@mail-{n:05d}.corp-mail.de",
        "j_smith{n:05d}@dept{n:05d}.uni-heidel.example-univ.ac.uk",
        "Ops-Team{n:05d}@Sub{n:05d}.Acme-Widgets.co",
    ]
    return styles[n % len(styles)].format(n=n)


def luhn_complete(partial):
    total = 0
    for i, ch in enumerate(reversed(partial + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return partial + str((10 - total % 10) % 10)


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


def card_value(n):
    # A Visa-shaped number, unique per n, with a valid Luhn digit.
    card = luhn_complete("45" + "%013d" % (n * 7919 + 1234567))
    assert len(card) == 16 and luhn_ok(card)
    return card


def ip_value(n):
    # Public unicast, outside the documentation and private ranges.
    return "81.%d.%d.%d" % (20 + (n // 62500) % 200, (n // 250) % 250, 1 + n % 250)


class Planter:
    """Hands out unique values and records where each went."""

    def __init__(self, seed=1, start=1, extras=()):
        self.n = start
        self.rng = random.Random(seed)
        self.extras = set(extras)

    def next_n(self):
        n = self.n
        self.n += 1
        return n


class Manifest:
    def __init__(self, planter, base, name):
        self.p = planter
        self.base = base
        self.name = name
        self.planted = []
        self.files = {}     # source -> file (relative to base) to extract from
        self.plain = {}     # "source\tmember" -> file holding the member's bytes

    def plant(self, source, member, category="email", value=None, required=True,
              placeholder=False):
        if value is None:
            n = self.p.next_n()
            value = {"email": email_value, "credit_card": card_value,
                     "ip_address": ip_value}[category](n)
        self.planted.append({"source": source, "member": member, "value": value,
                             "category": category, "required": required,
                             "placeholder": placeholder})
        return value

    def set_file(self, source, path):
        self.files[source] = path

    def set_plain(self, source, member, data):
        fname = "plain-%d.bin" % (len(self.plain) + 1)
        fname = "%s.%s" % (self.name, fname)
        with open(os.path.join(self.base, fname), "wb") as f:
            f.write(data)
        self.plain[source + "\t" + (member or "")] = fname

    def save(self):
        with open(os.path.join(self.base, self.name + ".json"), "w") as f:
            json.dump({"planted": self.planted, "files": self.files, "plain": self.plain}, f,
                      indent=1, ensure_ascii=False)


def prose(rng, words=None):
    k = rng.randint(4, 12) if words is None else words
    out = []
    for _ in range(k):
        out.append(rng.choice(UWORDS) if rng.random() < 0.25 else rng.choice(WORDS))
    return " ".join(out)


def eol(rng):
    return "\r\n" if rng.random() < 0.4 else "\n"


def text_member(m, source, member, nvalues, placeholders=0):
    """Prose lines with nvalues planted e-mail addresses (and the extras)."""
    rng = m.p.rng
    out = []
    for i in range(nvalues):
        for _ in range(rng.randint(0, 3)):
            out.append(prose(rng) + eol(rng))
        if rng.random() < 0.1:
            out.append(eol(rng))  # an empty line
        v = m.plant(source, member)
        out.append(prose(rng) + " " + rng.choice(CONTEXTS).format(v=v) + " " + prose(rng) + eol(rng))
        if "card" in m.p.extras and i % 3 == 0:
            c = m.plant(source, member, "credit_card")
            out.append(prose(rng) + " " + rng.choice(CARD_CONTEXTS).format(v=c) + eol(rng))
        if "ip" in m.p.extras and i % 3 == 1:
            a = m.plant(source, member, "ip_address")
            out.append(prose(rng) + " " + rng.choice(IP_CONTEXTS).format(v=a) + eol(rng))
    for i in range(placeholders):
        v = m.plant(source, member, value="someone%d@example.com" % (i + 1), placeholder=True)
        out.append("docs say write to " + v + " for help" + eol(rng))
    out.append(prose(rng) + eol(rng))
    return "".join(out).encode("utf-8")


def jsonl_member(m, source, member, nrecords):
    rng = m.p.rng
    out = []
    for i in range(nrecords):
        v = m.plant(source, member)
        rec = {"id": i + 1, "title": prose(rng), "author": {"name": prose(rng, 2), "email": v},
               "body": prose(rng) + "\n" + prose(rng)}
        out.append(json.dumps(rec, ensure_ascii=False) + "\n")
    return "".join(out).encode("utf-8")


# ---------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------

MTIME = 1700000000


def tar_bytes(members, mode="w", dirs=()):
    """members: list of (name, bytes).  mode: w, w:gz, w:bz2, w:xz."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as tf:
        for d in dirs:
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            ti.mtime = MTIME
            tf.addfile(ti)
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = MTIME
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(members, dirs=()):
    """members: list of (name, bytes, stored?)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for d in dirs:
            zf.writestr(zipfile.ZipInfo(d.rstrip("/") + "/", (2023, 11, 14, 22, 13, 20)), b"")
        for name, data, stored in members:
            zi = zipfile.ZipInfo(name, (2023, 11, 14, 22, 13, 20))
            zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return buf.getvalue()


class _NoSeek(io.RawIOBase):
    def __init__(self):
        super().__init__()
        self.data = bytearray()

    def writable(self):
        return True

    def seekable(self):
        return False

    def write(self, b):
        self.data += b
        return len(b)


def zip_bytes_streamed(members):
    """A zip as written to a pipe: general purpose bit 3, data descriptors."""
    out = _NoSeek()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data, stored in members:
            zi = zipfile.ZipInfo(name, (2023, 11, 14, 22, 13, 20))
            zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            with zf.open(zi, "w") as w:
                w.write(data)
    return bytes(out.data)


def zstd_bytes(data):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def seven_zip(path, members):
    """members: list of (name, bytes); made with the 7z CLI."""
    with tempfile.TemporaryDirectory() as stage:
        names = []
        for name, data in members:
            full = os.path.join(stage, name)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)
            names.append(name)
        if os.path.exists(path):
            os.unlink(path)
        subprocess.run(["7z", "a", "-bd", "-y", "-t7z", os.path.abspath(path)] + names, cwd=stage,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)


def write(base, rel, data):
    full = os.path.join(base, rel)
    os.makedirs(os.path.dirname(full) or ".", exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)
    return full


# ---------------------------------------------------------------------------
# Fixture sets
# ---------------------------------------------------------------------------

def build_formats(base, p):
    m = Manifest(p, base, "formats")
    # A folder tree, walked recursively (a compressed file in it too).
    for rel, n in [("tree/a.txt", 3), ("tree/sub/b.txt", 4), ("tree/sub/deeper/c.md", 2),
                   ("tree/sub/deeper/e.jsonl", 0)]:
        data = text_member(m, rel, None, n) if n else jsonl_member(m, rel, None, 3)
        write(base, rel, data)
    write(base, "tree/sub/d.txt.gz", gzip.compress(text_member(m, "tree/sub/d.txt.gz", None, 3), mtime=0))
    os.makedirs(os.path.join(base, "tree/empty-dir"), exist_ok=True)

    def members(src, names, n=3):
        return [(name, text_member(m, src, name, n)) for name in names]

    # Tar in every compression.
    for src, mode in [("plain.tar", "w"), ("t.tar.gz", "w:gz"), ("t.tar.bz2", "w:bz2"),
                      ("t.tar.xz", "w:xz")]:
        write(base, src, tar_bytes(members(src, ["docs/one.txt", "docs/sub/two.txt", "three.csv"]),
                                   mode, dirs=["docs/", "docs/sub/"]))
    src = "t.tar.zst"
    write(base, src, zstd_bytes(tar_bytes(members(src, ["docs/one.txt", "two.txt"]), dirs=["docs/"])))
    # Zip: deflated and stored entries, a folder entry.
    src = "z.zip"
    write(base, src, zip_bytes([("a.txt", text_member(m, src, "a.txt", 3), False),
                                ("dir/b.txt", text_member(m, src, "dir/b.txt", 3), True),
                                ("dir/c.jsonl", jsonl_member(m, src, "dir/c.jsonl", 4), False)],
                               dirs=["dir/"]))
    # 7z.
    src = "s.7z"
    seven_zip(os.path.join(base, src), members(src, ["one.txt", "sub/two.txt"]))
    # Single compressed streams.
    for src, comp in [("single.txt.gz", lambda d: gzip.compress(d, mtime=0)),
                      ("single.txt.zst", zstd_bytes), ("single.txt.xz", lzma.compress),
                      ("single.txt.bz2", bz2.compress)]:
        write(base, src, comp(text_member(m, src, None, 4)))
    # Nested: a .jsonl.gz inside a tar.
    src = "nested1.tar"
    inner = gzip.compress(jsonl_member(m, src, "data/records.jsonl.gz", 5), mtime=0)
    write(base, src, tar_bytes([("data/records.jsonl.gz", inner),
                                ("notes.txt", text_member(m, src, "notes.txt", 2))], dirs=["data/"]))
    # A zip inside a tar.gz.
    src = "nested2.tar.gz"
    z = zip_bytes([("a.txt", text_member(m, src, "inner.zip!a.txt", 2), False),
                   ("b/c.txt", text_member(m, src, "inner.zip!b/c.txt", 2), True)])
    write(base, src, tar_bytes([("inner.zip", z), ("top.txt", text_member(m, src, "top.txt", 2))],
                               "w:gz"))
    # A tar inside a zip inside a tar.
    src = "nested3.tar"
    t = tar_bytes([("x.txt", text_member(m, src, "mid.zip!inner.tar!x.txt", 3)),
                   ("y/z.txt", text_member(m, src, "mid.zip!inner.tar!y/z.txt", 2))], dirs=["y/"])
    z = zip_bytes([("inner.tar", t, False), ("side.txt", text_member(m, src, "mid.zip!side.txt", 2), False)])
    write(base, src, tar_bytes([("mid.zip", z)]))
    # A zip written to a pipe (sizes in data descriptors after the data,
    # stored and deflated entries) inside a tar: read from local headers.
    src = "nested4.tar"
    z = zip_bytes_streamed([("s1.txt", text_member(m, src, "piped.zip!s1.txt", 3), True),
                            ("d/d2.txt", text_member(m, src, "piped.zip!d/d2.txt", 3), False),
                            ("s3.txt", text_member(m, src, "piped.zip!s3.txt", 2), True)])
    write(base, src, tar_bytes([("piped.zip", z), ("after.txt", text_member(m, src, "after.txt", 2))]))
    m.save()

    # Standard input: plain text, a tar.gz, a zip (streamed: no seek), a gz.
    s = Manifest(p, base, "stdin-plain")
    write(base, "stdin.txt", text_member(s, "-", None, 5))
    s.set_file("-", "stdin.txt")
    s.save()
    s = Manifest(p, base, "stdin-targz")
    write(base, "stdin.tar.gz", tar_bytes(
        [(n, text_member(s, "-", n, 3)) for n in ["a.txt", "b/c.txt"]], "w:gz", dirs=["b/"]))
    s.set_file("-", "stdin.tar.gz")
    s.save()
    s = Manifest(p, base, "stdin-zip")
    write(base, "stdin.zip", zip_bytes([("a.txt", text_member(s, "-", "a.txt", 3), False),
                                        ("b.txt", text_member(s, "-", "b.txt", 2), True)]))
    s.set_file("-", "stdin.zip")
    s.save()
    s = Manifest(p, base, "stdin-gz")
    write(base, "stdin.txt.gz", gzip.compress(text_member(s, "-", None, 3), mtime=0))
    s.set_file("-", "stdin.txt.gz")
    s.save()


def build_offsets(base, p):
    m = Manifest(p, base, "offsets")
    rng = p.rng
    # Value at offset 0, CRLF lines, multi-byte UTF-8 just before values,
    # a value at the very end without a newline.
    parts = []
    v = m.plant("edges.txt", None)
    parts.append(v + " starts the file\r\n")
    parts.append("\r\n\r\n")
    for u in ["é", "日本", "🚀", "Ω", "\u00a0", "\u2028"]:
        v = m.plant("edges.txt", None)
        parts.append("prefix " + u * 3 + " " + v + " " + u + "\r\n")
    parts.append("\n" * 50)
    v = m.plant("edges.txt", None)
    parts.append("x\ty " + v + "\n")
    parts.append("the last line ends with ")
    v = m.plant("edges.txt", None)
    parts.append(v)
    write(base, "edges.txt", "".join(parts).encode("utf-8"))
    # Only CRLF lines, lots of non-ASCII.
    m2 = []
    for i in range(40):
        v = m.plant("crlf.txt", None)
        m2.append("Ελληνικά κείμενα " * (i % 5) + "日本語 " * (i % 3) + "mail " + v + " 🚀✨\r\n")
    write(base, "crlf.txt", "".join(m2).encode("utf-8"))
    # Two addresses on one line, separated by a comma or a semicolon.
    vs = [m.plant("same-line.txt", None) for _ in range(6)]
    write(base, "same-line.txt", ("to: " + vs[0] + ", " + vs[1] + ";" + vs[2] + "\r\ncc: " +
                                  " ".join(vs[3:]) + "\n").encode("utf-8"))
    # The same sort of text as members: in a tar.gz, a zip and a .gz, where
    # offsets count decompressed bytes of the member, not bytes of the archive.
    src = "pos.tar.gz"
    write(base, src, tar_bytes([("a/crlf-utf8.txt", text_member(m, src, "a/crlf-utf8.txt", 30)),
                                ("b.jsonl", jsonl_member(m, src, "b.jsonl", 20))], "w:gz"))
    src = "pos.zip"
    write(base, src, zip_bytes([("u.txt", text_member(m, src, "u.txt", 30), False),
                                ("inner.tar.gz", tar_bytes([("deep.txt", text_member(
                                    m, src, "inner.tar.gz!deep.txt", 15))], "w:gz"), True)]))
    src = "pos.txt.gz"
    write(base, src, gzip.compress(text_member(m, src, None, 40), mtime=0))
    src = "pos.7z"
    seven_zip(os.path.join(base, src), [("u8/t.txt", text_member(m, src, "u8/t.txt", 20))])
    # Placeholders are found, and flagged.
    src = "placeholders.txt"
    write(base, src, text_member(m, src, None, 3, placeholders=2))
    # Many empty lines before values, so that line counting crosses blocks.
    vs = []
    chunks = []
    for i in range(6):
        chunks.append("\n" * (300000 + i) + "\r\n" * 1000)
        v = m.plant("many-lines.txt", None)
        chunks.append("value " + v + " here")
    write(base, "many-lines.txt", "".join(chunks).encode())
    m.save()


def spaced_values(m, source, member, total, period=997, newline_every=None, rng=None):
    """total bytes of filler with a value every `period` bytes (exactly)."""
    rng = rng or m.p.rng
    filler_words = [w.encode("utf-8") for w in WORDS + UWORDS]
    out = bytearray()
    while len(out) + period <= total:
        start = len(out)
        v = m.plant(source, member).encode()
        seg = bytearray(b" caf\xc3\xa9 " + v + b" ")
        while len(seg) < period:
            w = rng.choice(filler_words)
            if newline_every and rng.random() < 1.0 / newline_every:
                w += b"\r\n" if rng.random() < 0.5 else b"\n"
            else:
                w += b" "
            seg += w
        # Trim to the period; a multi-byte character cut at the end
        # becomes spaces.
        while len(seg) > period:
            seg = seg[:-1]
        while seg and seg[-1] >= 0x80:
            seg[-1:] = b" "
        out += seg
        assert len(out) - start == period
    return bytes(out)


def build_boundaries(base, p):
    m = Manifest(p, base, "boundaries")
    MiB = 1 << 20
    big = spaced_values(m, "big.txt", None, 5 * MiB + 12345, newline_every=12)
    write(base, "big.txt", big)
    # The same bytes as a zip member (its own copy of the values).
    for e in list(m.planted):
        m.plant("big.zip", "d/big.txt", value=e["value"])
    write(base, "big.zip", zip_bytes([("d/big.txt", big, False)]))
    # JSON lines of exactly 997 bytes each, several MiB, gzipped.
    rng = p.rng
    lines = []
    total = 0
    rec = 0
    while total < 4 * MiB:
        rec += 1
        v = m.plant("big.jsonl.gz", None)
        obj = {"id": rec, "name": "Zoë Ærøskøbing", "email": v, "pad": ""}
        s = json.dumps(obj, ensure_ascii=False)
        pad = 997 - 1 - len(s.encode("utf-8"))
        obj["pad"] = prose(rng, 200).encode("utf-8")[:max(pad, 0)].decode("utf-8", "ignore")
        s = json.dumps(obj, ensure_ascii=False)
        s += " " * (997 - 1 - len(s.encode("utf-8")))
        lines.append(s + "\n")
        total += len(s.encode("utf-8")) + 1
    write(base, "big.jsonl.gz", gzip.compress("".join(lines).encode("utf-8"), compresslevel=1, mtime=0))
    # One line of several MiB (no newline in it at all), then a second line.
    long_line = spaced_values(m, "long.tar.gz", "one-line.txt", 4 * MiB + 777)
    v = m.plant("long.tar.gz", "one-line.txt")
    data = long_line + b"\n second line " + v.encode() + b"\n"
    write(base, "long.tar.gz", tar_bytes([("one-line.txt", data)], "w:gz"))
    m.save()


def damaged_gzip(data, inflates):
    """data gzipped, then damaged in the middle so that the deflate stream
    fails to inflate (inflates=False), or still inflates, to other bytes,
    and only the CRC-32 in the trailer tells (inflates=True)."""
    gz = gzip.compress(data, mtime=0)
    for start in range(len(gz) // 2, len(gz) - 100, 7):
        bad = bytearray(gz)
        for i in range(start, start + 16):
            bad[i] ^= 0x5A
        d = zlib.decompressobj(-15)
        try:
            out = d.decompress(bytes(bad[10:]))
            ok = d.eof
        except zlib.error:
            ok = False
        if inflates and ok and out != data:
            return bytes(bad)
        if not inflates and not ok:
            try:
                gzip.decompress(bytes(bad))
            except Exception:  # noqa: BLE001
                return bytes(bad)
    raise RuntimeError("no damage of the kind asked for")


def build_errors(base, p):
    # good.txt alone: exit 0.
    m = Manifest(p, base, "good")
    write(base, "good.txt", text_member(m, "good.txt", None, 4))
    write(base, "good2.txt", text_member(m, "good2.txt", None, 2))
    m.save()
    MARGIN = 128 << 10

    # A truncated .gz of several MiB: what comes before the cut is kept.
    m = Manifest(p, base, "trunc-gz")
    src = "cut.txt.gz"
    data = spaced_values(m, src, None, 3 * (1 << 20), newline_every=10)
    gz = gzip.compress(data, compresslevel=6, mtime=0)
    cut = gz[: len(gz) // 2]
    recoverable = len(zlib.decompressobj(31).decompress(cut))
    write(base, src, cut)
    m.set_plain(src, None, data)
    for e in m.planted:
        pos = data.find(e["value"].encode())
        e["required"] = pos + len(e["value"]) <= recoverable - MARGIN
        e["may_miss"] = True
    m.save()
    with open(os.path.join(base, "trunc-gz.info"), "w") as f:
        f.write("%d %d\n" % (recoverable, recoverable - MARGIN))

    # A small truncated .gz (cut at 60%, about 40 kB of text before the cut).
    m = Manifest(p, base, "trunc-small-gz")
    src = "cut-small.txt.gz"
    data = spaced_values(m, src, None, 70000, newline_every=10)
    gz = gzip.compress(data, compresslevel=6, mtime=0)
    cut = gz[: len(gz) * 6 // 10]
    recoverable = len(zlib.decompressobj(31).decompress(cut))
    write(base, src, cut)
    m.set_plain(src, None, data)
    for e in m.planted:
        pos = data.find(e["value"].encode())
        # Even a decompressor that only hands out whole 32 kB blocks has
        # the first one.
        e["required"] = pos + len(e["value"]) <= min(recoverable - 1024, 32768)
        e["may_miss"] = True
    m.save()

    # A tar with two damaged .gz members between good members: one whose
    # deflate data no longer inflates, one that inflates to other bytes
    # (caught only by the gzip trailer's CRC-32).
    m = Manifest(p, base, "bad-member")
    src = "bad-member.tar"
    good1 = text_member(m, src, "good1.txt", 3)
    bad1 = damaged_gzip(spaced_values(m, src, "bad-inflate.txt.gz", 300000, newline_every=10),
                        inflates=False)
    bad2 = damaged_gzip(spaced_values(m, src, "bad-crc.txt.gz", 300000, newline_every=10),
                        inflates=True)
    for e in m.planted:
        if e["member"].startswith("bad-"):
            e["required"] = False
            e["may_miss"] = True
            e["no_check"] = True   # the damaged stream's bytes are not known
    good2 = text_member(m, src, "sub/good2.txt", 3)
    write(base, src, tar_bytes([("good1.txt", good1), ("bad-inflate.txt.gz", bad1),
                                ("bad-crc.txt.gz", bad2), ("sub/good2.txt", good2)], dirs=["sub/"]))
    m.save()

    # A zip whose middle (stored) entry has damaged bytes: a bad CRC.
    m = Manifest(p, base, "bad-zip")
    src = "bad.zip"
    a = text_member(m, src, "a.txt", 3)
    b = text_member(m, src, "b.txt", 3)
    c = text_member(m, src, "c.txt", 3)
    z = bytearray(zip_bytes([("a.txt", a, True), ("b.txt", b, True), ("c.txt", c, True)]))
    # Damage b.txt's data in the middle of a prose word (not a value).
    hdr = z.find(b"b.txt")
    start = hdr + len(b"b.txt")
    pos = b.find(b" the ")
    if pos < 0:
        pos = len(b) // 2
    z[start + pos + 1] ^= 0x20
    for e in m.planted:
        if e["member"] == "b.txt":
            e["required"] = False
            e["may_miss"] = True
    write(base, src, bytes(z))
    damaged_b = bytearray(b)
    damaged_b[pos + 1] ^= 0x20
    m.set_plain(src, "b.txt", bytes(damaged_b))
    m.save()

    # A truncated .tar.gz: members wholly before the cut are kept.
    m = Manifest(p, base, "trunc-targz")
    src = "cut.tar.gz"
    mems = []
    for i in range(12):
        name = "part%02d.txt" % i
        mems.append((name, spaced_values(m, src, name, 200000, newline_every=10)))
    tgz = gzip.compress(tar_bytes(mems), mtime=0)
    cut = tgz[: len(tgz) // 2]
    recoverable = len(zlib.decompressobj(31).decompress(cut))
    write(base, src, cut)
    # Where each member's data sits in the tar stream.
    tf = tarfile.open(fileobj=io.BytesIO(tar_bytes(mems)))
    ends = {ti.name: ti.offset_data + ti.size for ti in tf.getmembers()}
    for name, data in mems:
        m.set_plain(src, name, data)
    for e in m.planted:
        e["required"] = ends[e["member"]] <= recoverable - MARGIN
        e["may_miss"] = True
    m.save()

    # A binary file and a binary member: skipped, with a reason.
    m = Manifest(p, base, "binary")
    bin_data = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64 + b" hidden binuser@host-bin.example-corp.io \x00\x01\x02"
    write(base, "blob.bin", bin_data)
    write(base, "with-binary.tar", tar_bytes([("prog.bin", bin_data),
                                              ("ok.txt", text_member(m, "with-binary.tar", "ok.txt", 2))]))
    m.save()

    # A 7z inside a tar: 7z keeps its directory at the end, and a member of
    # a tar cannot be seeked: read it, or report it; never skip it silently.
    m = Manifest(p, base, "sevenz-in-tar")
    src = "with-7z.tar"
    stage = os.path.join(base, "inner.7z")
    seven_zip(stage, [("a.txt", text_member(m, src, "inner.7z!a.txt", 3)),
                      ("b/c.txt", text_member(m, src, "inner.7z!b/c.txt", 2))])
    with open(stage, "rb") as f:
        inner = f.read()
    os.unlink(stage)
    for e in m.planted:
        e["required"] = False
        e["may_miss"] = True
    write(base, src, tar_bytes([("inner.7z", inner), ("after.txt", text_member(m, src, "after.txt", 2))]))
    m.save()

    # Placeholders only (--fail-on does not count them), and no e-mail at all.
    write(base, "placeholder-only.txt", b"write to someone@example.com or admin@mail.example.org\n")
    write(base, "nothing.txt", ("nothing to see " + prose(p.rng) + "\n").encode())

    # A file to make unreadable.
    m = Manifest(p, base, "unreadable")
    write(base, "locked.txt", text_member(m, "locked.txt", None, 2))
    m.save()


def build_privacy(base, p):
    m = Manifest(p, base, "privacy")
    shared = email_value(p.next_n())
    for src in ["p1.txt", "p2.txt"]:
        rng = p.rng
        lines = []
        for i in range(5):
            v = m.plant(src, None)
            lines.append(prose(rng) + " " + v + " " + prose(rng) + "\n")
        m.plant(src, None, value=shared)
        lines.append("both files name " + shared + " here\n")
        write(base, src, "".join(lines).encode())
    src = "p3.tar.gz"
    write(base, src, tar_bytes([("m.txt", text_member(m, src, "m.txt", 5))], "w:gz"))
    m.save()
    with open(os.path.join(base, "shared-value.txt"), "w") as f:
        f.write(shared + "\n")


def build_cli(base, p):
    m = Manifest(p, base, "cli")
    for i in range(6):
        src = "corpus/f%02d.txt" % i
        write(base, src, text_member(m, src, None, 3 + i))
    src = "corpus/arch.tar.gz"
    write(base, src, tar_bytes([("x%d.txt" % i, text_member(m, src, "x%d.txt" % i, 4)) for i in range(4)],
                               "w:gz"))
    src = "corpus/z.zip"
    write(base, src, zip_bytes([("q.txt", text_member(m, src, "q.txt", 4), False)]))
    m.save()
    # Awkward names: a comma and a quote, a newline, invalid UTF-8.
    m = Manifest(p, base, "names")
    for rel in ['odd/a,b "quoted".txt', "odd/new\nline.txt"]:
        write(base, rel, text_member(m, rel, None, 2))
    m.save()
    raw = os.path.join(base.encode(), b"odd", b"bad-\xff\xfe-utf8.txt")
    with open(raw, "wb") as f:
        f.write(text_member(Manifest(p, base, "unused"), "x", None, 2))


BUILDERS = {"formats": build_formats, "offsets": build_offsets, "boundaries": build_boundaries,
            "errors": build_errors, "privacy": build_privacy, "cli": build_cli}

# ---------------------------------------------------------------------------
# Independent extraction
# ---------------------------------------------------------------------------


def peel(data):
    """Takes off whole-stream compression layers."""
    for _ in range(8):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        elif data[:3] == b"BZh" and data[3:4].isdigit():
            data = bz2.decompress(data)
        elif data[:6] == b"\xfd7zXZ\x00":
            data = lzma.decompress(data)
        elif data[:4] == b"\x28\xb5\x2f\xfd":
            data = subprocess.run(["zstd", "-dcq"], input=data, stdout=subprocess.PIPE,
                                  check=True).stdout
        else:
            break
    return data


def member_of(data, name):
    data = peel(data)
    if data[257:262] == b"ustar":
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            return tf.extractfile(name).read()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.read(name)
    if data[:6] == b"7z\xbc\xaf\x27\x1c":
        with tempfile.NamedTemporaryFile(suffix=".7z") as tmp:
            tmp.write(data)
            tmp.flush()
            return subprocess.run(["7z", "x", "-so", "-bd", tmp.name, name], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, check=True).stdout
    raise ValueError("not an archive I know, looking for %r" % name)


def extract(path, member):
    with open(path, "rb") as f:
        data = f.read()
    for part in member.split("!") if member else []:
        data = member_of(data, part)
    return peel(data)


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------

def say(good, what, problems=()):
    if good:
        print("ok\t%s" % what)
    else:
        detail = "\n".join(str(x) for x in list(problems)[:8])
        if len(problems) > 8:
            detail += "\n... and %d more" % (len(problems) - 8)
        print("not_ok\t%s\t%s" % (what, detail.replace("\\", "\\\\").replace("\n", "\\n")))


def verify(manifest_path, export_path, categories, label, only_planted=False):
    # Several manifests (comma-separated) of one folder are merged.
    paths = manifest_path.split(",")
    base = os.path.dirname(os.path.abspath(paths[0]))
    man = {"planted": [], "files": {}, "plain": {}}
    for path in paths:
        with open(path) as f:
            one = json.load(f)
        man["planted"] += one["planted"]
        man["files"].update(one["files"])
        man["plain"].update(one["plain"])
    cats = set(categories)
    planted = {}      # (source, member) -> value -> entry
    for e in man["planted"]:
        if e["category"] in cats:
            planted.setdefault((e["source"], e["member"]), {})[e["value"]] = e
    planted_sources = {src for src, _ in planted}
    found = {}        # (source, member, value) -> count
    bad_json, bad_keys, wrong_place, bad_pos, bad_line, unexpected = [], [], [], [], [], []
    bad_flag, bad_preview, bad_fp, extract_fail = [], [], [], []
    cache = {}
    findings = []
    with open(export_path, "rb") as f:
        for no, raw in enumerate(f, 1):
            try:
                obj = json.loads(raw.decode("utf-8"))
            except Exception as ex:  # noqa: BLE001
                bad_json.append("line %d: %s: %r" % (no, ex, raw[:200]))
                continue
            if not isinstance(obj, dict) or set(obj) != set(EXPORT_KEYS) or list(obj) != EXPORT_KEYS:
                bad_keys.append("line %d: keys %s" % (no, list(obj) if isinstance(obj, dict) else obj))
            if isinstance(obj, dict) and obj.get("category") in cats and (
                    not only_planted or obj.get("source") in planted_sources):
                findings.append(obj)

    def member_bytes(source, member):
        key = (source, member)
        if key not in cache:
            plain = man["plain"].get(source + "\t" + (member or ""))
            try:
                if plain:
                    with open(os.path.join(base, plain), "rb") as pf:
                        cache[key] = pf.read()
                else:
                    path = man["files"].get(source, source)
                    cache[key] = extract(os.path.join(base, path), member)
            except Exception as ex:  # noqa: BLE001
                cache[key] = None
                extract_fail.append("%s!%s: %s" % (source, member, ex))
        return cache[key]

    no_check = {k for k, vals in planted.items() if any(e.get("no_check") for e in vals.values())}
    by_value = {}
    for (src, mem), vals in planted.items():
        for v in vals:
            by_value.setdefault(v, []).append((src, mem))
    lines_at = {}     # (source, member) -> (offset, line) of the last lookup

    def line_of(src, mem, data, off):
        # Findings come sorted by offset: count newlines incrementally.
        last_off, last_line = lines_at.get((src, mem), (0, 1))
        if off < last_off:
            last_off, last_line = 0, 1
        last_line += data.count(b"\n", last_off, off)
        lines_at[(src, mem)] = (off, last_line)
        return last_line

    findings.sort(key=lambda o: (str(o.get("source")), str(o.get("member")),
                                 o.get("offset") if isinstance(o.get("offset"), int) else -1))
    for obj in findings:
        src, mem = obj.get("source"), obj.get("member")
        off, length, line = obj.get("offset"), obj.get("length"), obj.get("line")
        where = "%s%s%s @%s+%s" % (src, "!" if mem else "", mem or "", off, length)
        fp = obj.get("fingerprint")
        if not (isinstance(fp, str) and re.fullmatch(r"[0-9a-f]{64}", fp)):
            bad_fp.append("%s: fingerprint %r" % (where, fp))
        vals = planted.get((src, mem))
        if vals is None:
            # Not a member we planted in: is the value planted elsewhere?
            unexpected.append("%s: %s finding in a member with nothing planted (preview %s)" %
                              (where, obj.get("rule"), obj.get("preview")))
            continue
        if (src, mem) in no_check:
            data = None
        else:
            data = member_bytes(src, mem)
        if data is None:
            # Damaged stream: match by the preview's shape only.
            continue
        if not (isinstance(off, int) and isinstance(length, int) and 0 <= off and length > 0
                and off + length <= len(data)):
            bad_pos.append("%s: outside the member (%d bytes)" % (where, len(data)))
            continue
        got = data[off:off + length].decode("utf-8", "replace")
        want_line = line_of(src, mem, data, off)
        if got in vals:
            found[(src, mem, got)] = found.get((src, mem, got), 0) + 1
            e = vals[got]
            if line != want_line:
                bad_line.append("%s: line %s, want %d (%s)" % (where, line, want_line, got))
            if bool(obj.get("placeholder")) != bool(e.get("placeholder")):
                bad_flag.append("%s: placeholder %s for %s" % (where, obj.get("placeholder"), got))
            pv = obj.get("preview") or ""
            if got in pv or "*" not in pv or got.split("@")[0] in pv and len(got.split("@")[0]) > 2:
                bad_preview.append("%s: preview %r not masked" % (where, pv))
        elif got in by_value:
            wrong_place.append("%s: reads back %r, planted in %s" % (where, got, by_value[got]))
        else:
            # Wrong offset, or a finding we did not plant.
            bad_pos.append("%s: reads back %r (line %s; preview %s)" %
                           (where, got[:80], line, obj.get("preview")))
    missing, twice = [], []
    nreq = 0
    for (src, mem), vals in planted.items():
        for v, e in vals.items():
            n = found.get((src, mem, v), 0)
            if e.get("required", True):
                nreq += 1
                if n == 0:
                    missing.append("%s%s%s: %s" % (src, "!" if mem else "", mem or "", v))
            if n > 1:
                twice.append("%s%s%s: %s found %d times" % (src, "!" if mem else "", mem or "", v, n))
    pre = label + ": " if label else ""
    say(not bad_json, pre + "export lines are valid JSON", bad_json)
    say(not bad_keys, pre + "export objects have exactly the contract keys, in order", bad_keys)
    say(not extract_fail, pre + "fixture members extract (test harness)", extract_fail)
    say(not missing, pre + "every planted value found (%d required, %d members)" %
        (nreq, len(planted)), missing)
    say(not twice, pre + "no value found twice", twice)
    say(not wrong_place, pre + "findings carry the right source and member", wrong_place)
    say(not bad_pos, pre + "offset/length read back the planted value (%d findings)" % len(findings),
        bad_pos)
    say(not bad_line, pre + "line is the 1-based line of the offset", bad_line)
    say(not unexpected, pre + "no finding where nothing was planted", unexpected)
    say(not bad_flag, pre + "placeholder flag right", bad_flag)
    say(not bad_preview and not bad_fp, pre + "previews masked, fingerprints 64 hex digits",
        bad_preview + bad_fp)


def main(argv):
    if len(argv) >= 3 and argv[0] == "build":
        extras = []
        if "--extras" in argv:
            extras = [x for x in argv[argv.index("--extras") + 1].split(",") if x]
        os.makedirs(argv[2], exist_ok=True)
        p = Planter(seed=sum(map(ord, argv[1])), extras=extras)
        BUILDERS[argv[1]](argv[2], p)
        return 0
    if len(argv) >= 3 and argv[0] == "verify":
        cats = ["email"]
        label = ""
        if "--categories" in argv:
            cats = argv[argv.index("--categories") + 1].split(",")
        if "--what" in argv:
            label = argv[argv.index("--what") + 1]
        verify(argv[1], argv[2], cats, label, "--only-planted-sources" in argv)
        return 0
    if len(argv) >= 2 and argv[0] == "extract":
        sys.stdout.buffer.write(extract(argv[1], argv[2] if len(argv) > 2 else None))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
