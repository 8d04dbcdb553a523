#!/usr/bin/env python3
"""Regenerates the seed corpora in tests/fuzz/corpus/<target>/.

The seeds are committed; run this only to change them:
    python3 tests/fuzz/make_seeds.py
Needs gzip, zstd, xz, lzma, bzip2, lz4, 7z and ar on PATH (a seed whose tool
is missing is skipped with a message).  Every seed stays under 4 KiB.
"""
import base64
import io
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
ROOT = os.path.dirname(os.path.dirname(HERE))
MAX_SEED = 4096
MTIME = 1700000000

TEXT = (b"Contact: jane.doe@corp.io, mario.rossi+news@mail.provider.it\n"
        b"card 4111 1111 1111 1111 and 5500-0000-0000-0004\n"
        b"server 192.168.1.20, gateway 10.0.0.1, not 999.1.1.1\n"
        b"placeholder someone@example.com\n")


def write(target, name, data):
    if len(data) >= MAX_SEED:
        sys.exit(f"make_seeds: {target}/{name}: {len(data)} bytes, over {MAX_SEED}")
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tool(args, data):
    """Output of a compressor reading data on stdin, or None if missing."""
    if not shutil.which(args[0]):
        print(f"make_seeds: {args[0]} not found, seed skipped", file=sys.stderr)
        return None
    return subprocess.run(args, input=data, stdout=subprocess.PIPE, check=True).stdout


def tar_bytes(members, fmt=tarfile.USTAR_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = MTIME
            t.addfile(info, io.BytesIO(data))
    # Drop tarfile's padding to a 10 KiB record, keep the two zero blocks
    # of the end marker: seeds stay small.
    data = buf.getvalue().rstrip(b"\0")
    return data + b"\0" * ((512 - len(data) % 512) % 512 + 1024)


def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
            zi.compress_type = method
            z.writestr(zi, data)
    return buf.getvalue()


def streamed_zip_bytes(members, method=zipfile.ZIP_LZMA):
    """A zip written as to a pipe: each entry's sizes in a data descriptor
    after its data (flag bit 3), as a reader of a stream meets them."""
    class Pipe(io.RawIOBase):
        def __init__(self):
            self.buf = io.BytesIO()

        def writable(self):
            return True

        def write(self, b):
            return self.buf.write(b)
    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
            z.writestr(zi, data, method)
    return pipe.buf.getvalue()


def cpio_newc(members):
    out = b""
    ino = 1
    for name, data in members + [("TRAILER!!!", b"")]:
        nb = name.encode() + b"\0"
        hdr = b"070701" + b"".join(b"%08X" % v for v in (
            ino, 0o100644 if data or name != "TRAILER!!!" else 0, 0, 0, 1, MTIME, len(data),
            0, 0, 0, 0, len(nb), 0))
        out += hdr + nb
        out += b"\0" * ((4 - len(out) % 4) % 4)
        out += data
        out += b"\0" * ((4 - len(out) % 4) % 4)
        ino += 1
    return out


def cpio_odc(members):
    out = b""
    for name, data in members + [("TRAILER!!!", b"")]:
        nb = name.encode() + b"\0"
        out += b"070707" + b"%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o" % (
            0, 1, 0o100644, 0, 0, 1, 0, MTIME, len(nb), len(data)) + nb + data
    return out


def ar_bytes(members):
    out = b"!<arch>\n"
    for name, data in members:
        out += b"%-16s%-12d%-6d%-6d%-8o%-10d`\n" % ((name + "/").encode(), MTIME, 0, 0, 0o100644, len(data))
        out += data + (b"\n" if len(data) % 2 else b"")
    return out


def seven_zip(members, options=("-mx=9",)):
    if not shutil.which("7z"):
        print("make_seeds: 7z not found, seed skipped", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as d:
        names = []
        for name, data in members:
            os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            os.utime(os.path.join(d, name), (MTIME, MTIME))
            names.append(name)
        subprocess.run(["7z", "a", "-bd", "-y"] + list(options) + ["out.7z"] + names, cwd=d,
                       stdout=subprocess.DEVNULL, check=True)
        with open(os.path.join(d, "out.7z"), "rb") as f:
            return f.read()


def reader_seeds():
    t = "fuzz_reader"
    write(t, "plain.txt", TEXT)
    write(t, "crlf.txt", TEXT.replace(b"\n", b"\r\n"))
    write(t, "stop.txt", b"first a@corp.io\nthen stop@fuzz.test and c@corp.io\n")
    write(t, "binary.bin", b"\x7fELF\x02\x01\x01\0\0\0" + TEXT)
    write(t, "empty.txt", b"")
    write(t, "rows.csv-format", CSV)
    write(t, "long-row.csv-format", b'id,a\n1,"' + b"x" * 1500 + b'\n"\n2,b@corp.io\n')
    write(t, "csv-members.tar", tar_bytes([("d.csv", CSV), ("t.tsv", CSV.replace(b",", b"\t"))]))
    write(t, "records.jsonl", JSONL)
    write(t, "records.json", JSON_ARRAY)
    write(t, "bom-array.json", b"\xef\xbb\xbf" + JSON_ARRAY)
    write(t, "bom-lines.jsonl", b"\xef\xbb\xbf" + JSONL)
    write(t, "long-line.jsonl", b'{"text": "' + b"x" * 1100 + b' e@corp.io"}\n{"text": "f@corp.io"}\n')
    write(t, "bad-array.json", b'[{"text": "g@corp.io"}, {"text": ]')
    # UTF-16 with a byte order mark, decoded to UTF-8 (a pair, a lone surrogate).
    write(t, "utf16le.txt", "\ufeffGr\u00fc\u00dfe h@corp.io \U0001F600\n".encode("utf-16-le") + b"\x00\xd8")
    write(t, "utf16be.jsonl", "\ufeff".encode("utf-16-be") + JSONL.decode().encode("utf-16-be"))
    out = tool(["gzip", "-9n"], JSONL)
    if out:
        write(t, "records.jsonl.gz", out)
    for name, args in (("gz", ["gzip", "-9n"]), ("zst", ["zstd", "-19", "-q", "-c"]),
                       ("xz", ["xz", "-6", "-c"]), ("lzma", ["lzma", "-6", "-c"]),
                       ("bz2", ["bzip2", "-9", "-c"]), ("lz4", ["lz4", "-9", "-q", "-c"])):
        out = tool(args, TEXT)
        if out:
            write(t, "text." + name, out)
    # xz and lzma -6 need 9 MiB to decode, within fuzz_reader's decoder
    # budget (16 MiB); -9 needs 65 MiB, over it: refused before decoding.
    out = tool(["xz", "-9", "-c"], TEXT)
    if out:
        write(t, "text9.xz", out)
    # zstd --long on a pipe: a 128 MiB window, over the budget: refused.
    # Two frames with a skippable frame between: read through.
    out = tool(["zstd", "--long=27", "-q", "-c"], TEXT)
    if out:
        write(t, "textlong.zst", out)
    out = tool(["zstd", "-3", "-q", "-c"], TEXT)
    if out:
        write(t, "frames.zst", out + b"\x50\x2a\x4d\x18" + struct.pack("<I", 3) + b"skp" + out)
    gz_twice = tool(["gzip", "-9n"], tool(["gzip", "-9n"], TEXT) or b"")
    if gz_twice:
        write(t, "text.gz.gz", gz_twice)
    members = [("a.txt", TEXT), ("dir/b.csv", b"name,email\nann,ann@corp.io\n")]
    tar = tar_bytes(members)
    write(t, "two.tar", tar)
    write(t, "gnu.tar", tar_bytes([("long/" + "n" * 120 + ".txt", TEXT)], tarfile.GNU_FORMAT))
    write(t, "pax.tar", tar_bytes([("p\u00e9.txt", b"x@corp.io\n")], tarfile.PAX_FORMAT))
    write(t, "empty.tar", b"\0" * 1024)
    for name, args in (("tar.gz", ["gzip", "-9n"]), ("tar.bz2", ["bzip2", "-9", "-c"]),
                       ("tar.xz", ["xz", "-6", "-c"]), ("tar.zst", ["zstd", "-19", "-q", "-c"])):
        out = tool(args, tar)
        if out:
            write(t, "two." + name, out)
    write(t, "deflate.zip", zip_bytes(members))
    write(t, "stored.zip", zip_bytes(members, zipfile.ZIP_STORED))
    write(t, "bzip2.zip", zip_bytes(members[:1], zipfile.ZIP_BZIP2))
    # LZMA and xz entries: scanners/zip_mem.c reads their dictionaries.
    write(t, "lzma.zip", zip_bytes(members[:1], zipfile.ZIP_LZMA))
    xz = tool(["xz", "-6", "-c"], TEXT)
    if xz:
        write(t, "xz-zip64.zip", xz_zip("a.txt", xz, TEXT, zip64=True))
    write(t, "empty.zip", zip_bytes([]))
    # Zips in a tar are read as streams (scanners/zip_stream_mem.c watches
    # their LZMA entries go by), one with its sizes after each entry.
    write(t, "zips.tar", tar_bytes([("lzma.zip", zip_bytes(members[:1], zipfile.ZIP_LZMA)),
                                    ("streamed.zip", streamed_zip_bytes(members))]))
    seven = seven_zip(members[:1])
    if seven:
        write(t, "one.7z", seven)
    # Plain headers (scanners/sevenz_mem.c reads the coders' sizes there):
    # LZMA, PPMd, and two folders.
    for name, options in (("lzma-plainhdr.7z", ("-m0=LZMA", "-mhc=off")),
                          ("ppmd-plainhdr.7z", ("-m0=PPMd", "-mhc=off")),
                          ("two-folders.7z", ("-ms=off", "-mhc=off"))):
        seven = seven_zip(members if name == "two-folders.7z" else members[:1], options)
        if seven:
            write(t, name, seven)
    write(t, "newc.cpio", cpio_newc(members))
    write(t, "odc.cpio", cpio_odc(members[:1]))
    # Found by fuzz_reader: libarchive's cpio reader asks for a 4 GiB
    # read-ahead buffer (malloc returns, nothing is touched).
    write(t, "huge-namesize.cpio", base64.b64decode(
        "MDcwNzAxNzAwMDAwMDAwMDAwMTEwMDY0NDAwMDAwMDAwMDAwMDAwMDAwMTBiYmJiYmJiYmJiYmJiYmJiYmJi"
        "YmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJi"
        "YmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYjAwMDAwMUFJTEU3MCEhAA=="))
    write(t, "two.a", ar_bytes([("a.txt", TEXT[:80]), ("b.txt", b"b@corp.io\n")]))
    # Nested: a tar in a zip, a gzip member in a tar, a zip in a tar.gz.
    write(t, "tar-in.zip", zip_bytes([("inner.tar", tar_bytes(members[:1])), ("c.txt", b"c@corp.io\n")]))
    gz = tool(["gzip", "-9n"], TEXT)
    if gz:
        write(t, "gz-in.tar", tar_bytes([("a.txt.gz", gz), ("b.txt", b"1.2.3.4\n")]))
        zipped = zip_bytes([("z.txt", TEXT[:60])])
        out = tool(["gzip", "-9n"], tar_bytes([("in.zip", zipped)]))
        if out:
            write(t, "zip-in.tar.gz", out)
    # Deeper than the harness's max_depth (3): tar in tar in tar in tar in tar.
    deep = b"deep@corp.io\n"
    for i in range(5):
        deep = tar_bytes([("level%d%s" % (i, ".tar" if i else ".txt"), deep)])
    out = tool(["gzip", "-9n"], deep)
    if out:
        write(t, "deep.tar.gz", out)
    # A small compression bomb: 16 MiB of one byte.
    out = tool(["xz", "-6", "-c"], b"a" * (16 << 20))
    if out:
        write(t, "bomb.xz", out)


def block_stream_seeds():
    t = "fuzz_block_stream"

    def header(block, overlap, lookbehind, seed):
        return struct.pack(">HBBI", block - 1, overlap, lookbehind, seed)

    text = (b"mail to ann@corp.io, bob@ex.org.\nid:12345 id:1234567 id:99\n"
            b"x@y.zz a.b@c.de ab@cd.efg@hi.jk\n" * 3)
    write(t, "small-blocks", header(16, 0, 0, 1) + text)
    write(t, "odd-blocks", header(37, 5, 3, 0xdeadbeef) + text)
    write(t, "big-block", header(4096, 63, 63, 7) + text)
    write(t, "block-below-overlap", header(1, 0, 0, 42) + text)
    write(t, "boundary", header(29, 0, 0, 3) + b"a" * 20 + b"ann@corp.io id:4321\n" * 4)
    write(t, "empty", header(100, 1, 1, 5))
    write(t, "newlines", header(64, 2, 9, 11) + b"\n" * 70 + b"to x@y.io\n\n" * 20)
    # Far mode (bit 7 of byte 3): lookbehind and overlap 256 more, and a rule
    # whose keyword "tel" may stand up to 256 bytes from its match.
    far = (b"tel: 555-1234 " + b"." * 250 + b" 555-4321 " + b"," * 300 + b" 555-0000\n"
           b"555-1111 " + b"-" * 240 + b"TEL id:12345 ann@corp.io\n")
    write(t, "far-keywords", header(40, 0, 0x80, 9) + far)
    write(t, "far-big-block", header(1000, 5, 0x85, 77) + far * 2)


def rule_pack_seeds():
    t = "fuzz_rule_pack"
    for name in sorted(os.listdir(os.path.join(ROOT, "rules", "packs"))):
        path = os.path.join(ROOT, "rules", "packs", name)
        if name.endswith(".yaml") and os.path.getsize(path) < MAX_SEED:
            with open(path, "rb") as f:
                write(t, "pack-" + name, f.read())
    # prefilter_token rules (rules/token_run.c), one of each kind.
    write(t, "token.yaml", b"rules:\n  - id: t.code\n    category: national_id\n    pattern: '(?<![A-Za-z0-9])(?<v>(?i:[A-Z]{6}[0-9]{2}[A-Z][0-9]{2}[A-Z][0-9]{3}[A-Z]))(?![A-Za-z0-9])'\n    group: v\n    prefilter_token: '[A-Za-z0-9]{16}'\n    examples:\n      match: ['cf BNCGLI92E51F205S ok']\n      no-match: ['XBNCGLI92E51F205S']\n  - id: t.hex\n    category: secret\n    pattern: '(?<![0-9a-f])[0-9a-f]{8,12}(?![0-9a-f])'\n    prefilter_token: '[0-9a-f\\-\\x41]{8,12}'\n")
    write(t, "all-keys.yaml", b"""pack: all
description: every key a rule may have
rules:
  - id: t.card
    category: credit_card
    description: a card
    pattern: '(?<![0-9])(?<num>[0-9](?:[ -]?[0-9]){11,18})(?![0-9])'
    group: num
    validator: card
    keywords: [card, visa]
    context: {words: [card, pay], window: 16, boost: 0.3, required: false}
    confidence: 0.6
    allow: ['4111 1111 1111 1111', '/^5555/']
    placeholders: ['/^4242/']
    tags: [pci]
    examples:
      match: ['card 4111 1111 1111 1111']
      no-match: ['card 1234']
  - id: t.ip
    category: ip_address
    pattern: '\\b(?:[0-9]{1,3}\\.){3}[0-9]{1,3}\\b'
    group: 0
    validator: ipv4
  - id: t.secret
    category: secret
    pattern: '(?i)(?:password|token)\\s*[:=]\\s*(\\S{8,64})'
    group: 1
    validator: entropy
    context: [password]
""")
    write(t, "list.yaml", b"""- id: a.b
  category: email
  pattern: '[a-z]+@[a-z]+\\.[a-z]{2,}'
  context:
    words: mail
    required: true
- id: a.c
  category: phone
  pattern: '\\+[0-9]{6,15}'
  validator: phone_e164
  examples: {match: ['+390612345678'], no-match: ['+1']}
""")
    write(t, "anchors.yaml", b"""rules:
  - id: x.1
    category: other
    pattern: '\\Bid:[0-9]+|^start|end$|(?<=key=)[a-f0-9]{4,}'
    keywords: [id, start, end, key]
    examples: {match: ['key=abcd', 'xid:12'], no-match: ['id:']}
  - id: x.2
    category: other
    pattern: '(a|ab)(c|bcd)(d*)'
    group: 3
  - id: x.3
    category: other
    pattern: 'x*'
""")
    write(t, "bad-yaml.yaml", b"rules:\n  - id: [unclosed\n    category: email\n")
    write(t, "bad-regex.yaml", b"rules:\n  - id: r\n    category: email\n    pattern: '(['\n")
    write(t, "bad-category.yaml", b"rules:\n  - id: r\n    category: nope\n    pattern: a\n")
    write(t, "bad-validator.yaml", b"rules:\n  - id: r\n    category: email\n    pattern: a\n    validator: nope\n")
    write(t, "bad-group.yaml", b"rules:\n  - {id: r, category: email, pattern: '(a)', group: 5}\n"
                                b"  - {id: s, category: email, pattern: 'a', group: nope}\n")
    write(t, "duplicate.yaml", b"rules:\n  - {id: r, category: email, pattern: a}\n"
                                b"  - {id: r, category: email, pattern: b}\n")
    write(t, "aliases.yaml", b"words: &w [a, b]\nrules:\n  - &r {id: r, category: other, pattern: a, keywords: *w}\n")
    write(t, "self-alias.yaml", b"&a [*a]\n")
    write(t, "empty.yaml", b"")
    write(t, "scalar.yaml", b"just a string\n")
    write(t, "numbers.yaml", b"rules:\n  - id: r\n    category: email\n    pattern: a\n"
                             b"    confidence: 1e999\n")


def validator_seeds():
    t = "fuzz_validators"
    values = {
        "card": "4111 1111 1111 1111", "amex": "3782-822463-10005", "luhn": "79927398713",
        "iban": "GB82 WEST 1234 5698 7654 32", "bic": "DEUTDEFF500", "ipv4": "192.168.1.20",
        "ipv6": "2001:db8::ff00:42:8329", "ipv6-v4": "::ffff:192.0.2.128",
        "mac": "00:1a:2b:3c:4d:5e", "mac-dot": "001a.2b3c.4d5e", "ssn": "123-45-6789",
        "itin": "912-70-1234", "npi": "1234567893", "dea": "AB1234563",
        "it-cf": "RSSMRA85T10A562S", "it-vat": "07643520567", "es-dni": "12345678Z",
        "es-nie": "X1234567L", "es-cif": "B12345674", "fr-nir": "1 85 05 78 006 084 36",
        "de-steuer": "65929970489", "uk-nino": "AB 12 34 56 C", "uk-nhs": "943 476 5919",
        "nl-bsn": "111222333", "pl-pesel": "44051401359", "pt-nif": "123456789",
        "be-nrn": "85.07.30-033.28", "se-pnr": "19811218-9876", "fi-hetu": "131052-308T",
        "br-cpf": "111.444.777-35", "br-cnpj": "11.222.333/0001-81", "aadhaar": "2341 2341 2346",
        "pan": "ABCPE1234F", "ca-sin": "046 454 286", "au-tfn": "123 456 782",
        "au-medicare": "2123 45670 1", "sg-nric": "S1234567D", "kr-rrn": "800101-1234567",
        "cn-id": "11010519491231002X", "btc-legacy": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "btc-bech32": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "eth": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
        "entropy": "Zx9!kq2Lm#Rt7vB", "email": "jane.doe+x@mail.corp.io",
        "email-idn": "user@xn--bcher-kva.ch", "phone-e164": "+39 06 1234 5678",
        "phone-nanp": "(415) 555-2671", "phone-it": "06 1234 5678", "phone-de": "030 12345678",
        "phone-fr": "01 23 45 67 89", "phone-gb": "020 7946 0018", "phone-es": "912 345 678",
        "phone-nl": "020-1234567", "phone-in": "+91 98765 43210", "phone-br": "(11) 91234-5678",
        "date-iso": "1985-12-10", "date-text": "10th December 1985", "date-us": "December 10, 1985",
        "phone-00": "0039 06 1234 5678",
    }
    for name, value in values.items():
        write(t, name, value.encode())
    write(t, "long-jwt", b"eyJhbGciOiJub25lIn0." + b"eyJ" + b"a" * 3000 + b".")
    write(t, "bytes", bytes(range(256)))
    write(t, "max-len", b"4" * 256)


JSONL = (b'{"text": "mail jane.doe@corp.io", "user": {"email": "ann@corp.io"}}\n'
         b'{"messages": [{"content": "card 4111 1111 1111 1111"}, {"content": "ip 10.0.0.1"}]}\n'
         b'\n'
         b'not json, but b@corp.io\r\n'
         b'{"text": "esc\\u0040aped x\\u0040corp.io \\ud83d\\ude00 \\n\\"q\\""}\n'
         b'{"text": "stop@fuzz.test"}\n')
JSON_ARRAY = (b'[\n  {"text": "jane.doe@corp.io"},\n  {"user": {"email": "c@corp.io"}},\n'
              b'  [1, 2.5e3, true, null, "s"],\n  "plain d@corp.io"\n]\n')


def json_seeds():
    t = "fuzz_json"
    for name, data in (("jsonl-line", JSONL.split(b"\n")[0]), ("messages", JSONL.split(b"\n")[1]),
                       ("escapes", JSONL.split(b"\n")[4]), ("array", JSON_ARRAY),
                       ("deep", b"[" * 127 + b"]" * 127), ("too-deep", b"[" * 130 + b"]" * 130),
                       ("keys-deep", b'{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":{"m":{"n":{"o":{"p":"x"}}}}}}}}}}}}}}}}'),
                       ("numbers", b"[0, -0, 1.5, -2e-3, 1E+9, 01, 1., .5, -]"),
                       ("literals", b'{"k": [true, false, null, tru]}'),
                       ("surrogates", b'{"text": "\\ud800 \\udc00 \\ud800\\udc00 \\uD83D\\uDE00 \\u00e9 \\u0000"}'),
                       ("bad-escape", b'{"text": "\\x \\u12 \\"}'),
                       ("utf8-key", b'{"\xc3\xa9": "v@corp.io"}'),
                       ("empty", b""), ("ws", b" \t\r\n{} \n"), ("trailing", b"{} {}")):
        write(t, name, data)


CSV = (b'id,email,notes\r\n'
       b'1,jane.doe@corp.io,"call ""bob@corp.io"" now"\r\n'
       b'2,"a@corp.io","multi\nline c@corp.io, with a comma"\r\n'
       b'3,x"y@corp.io,stray quote\r\n'
       b'\r\n'
       b'4,too,many,cells\r\n'
       b'5,,"unclosed d@corp.io\n')


def csv_seeds():
    """The first byte picks the separator (even: comma, odd: tab)."""
    t = "fuzz_csv"
    for name, data in (("rows", b"\x00" + CSV),
                       ("tsv", b"\x01" + CSV.replace(b",", b"\t")),
                       ("bom-quoted-header", b"\x02\xef\xbb\xbf\"email\",\"x\"\"y\",\"\xc3\xa9\"\ne@corp.io,1,2\n"),
                       ("empty-cells", b"\x04a,,b\n,,\n\"\",\"\",\"\"\n"),
                       ("only-header", b"\x06email"),
                       ("quotes", b'\x08a,b\n"""",""""""\n"x"y,1\n"x""\n,"\n"a\rb",c\r\n'),
                       ("lf-in-quotes", b'\x0anotes\n"' + b"\n" * 40 + b'"\n"' + b"x\n" * 30 + b'"\n'),
                       ("empty", b"")):
        write(t, name, data)


def gzip_seeds():
    t = "fuzz_gzip"
    gz = tool(["gzip", "-9n"], TEXT)
    if not gz:
        return
    write(t, "text.gz", gz)
    write(t, "two-members.gz", gz + tool(["gzip", "-1n"], b"second member b@corp.io\n"))
    write(t, "zero-padding.gz", gz + b"\0" * 100)
    write(t, "trailing-garbage.gz", gz + b"garbage")
    write(t, "truncated.gz", gz[:len(gz) // 2])
    bad = bytearray(gz)
    bad[-8] ^= 1
    write(t, "bad-crc.gz", bytes(bad))
    write(t, "empty-member.gz", tool(["gzip", "-9n"], b""))
    write(t, "stored.gz", tool(["gzip", "-1n"], os.urandom(0) + bytes(range(256)) * 4))
    # Header with FEXTRA, FNAME, FCOMMENT and FHCRC.
    import zlib
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = body.compress(TEXT) + body.flush()
    hdr = b"\x1f\x8b\x08\x1e" + struct.pack("<I", MTIME) + b"\x00\x03"
    hdr += struct.pack("<H", 4) + b"ab\x00\x00" + b"name.txt\x00" + b"a comment\x00"
    hdr += struct.pack("<H", zlib.crc32(hdr) & 0xffff)
    write(t, "all-flags.gz", hdr + deflated + struct.pack("<II", zlib.crc32(TEXT), len(TEXT)))
    tgz = tool(["gzip", "-9n"], tar_bytes([("a.txt", TEXT)]))
    write(t, "tar.gz", tgz)
    write(t, "bomb.gz", tool(["gzip", "-9n"], b"\0" * (2 << 20)))


def packs_seeds():
    """Each built-in pack's examples, as text for fuzz_packs."""
    t = "fuzz_packs"
    import re
    write(t, "sample.txt", TEXT + JSONL)
    # Values whose rules' prefilters match inside them (IPv6, MAC, NINO).
    write(t, "prefilter-inside-match.txt", b'ping 2a02:8071:b80:3c40:1d34:9a2b:5f11:70c4 and 2a00:1450:4001:82a::200e, remote_addr=::ffff:81.2.69.160\ninet6 fe80::1ce2:9bff:fe42:7d1a%en0; fe80:: ::1 a:: 2a02:8071:b80:3c40:1d34:9a2b:81.2.69.160 std::vector 12:34:56\nmac b8:27:eb:4f:1a:9c 3C-5A-B4-01-9E-77 0c29.4fa1.22b0 b8:27-eb:4f:1a:9c 2023.1122.0001\nNINO JG103772A ni_number=PZ987654D National Insurance number: JG 10 37 72 A; JG 10 37 72A 1234567B AB12C\n')
    packs = os.path.join(ROOT, "rules", "packs")
    for name in sorted(os.listdir(packs)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(packs, name), "rb") as f:
            lines = f.read().split(b"\n")
        examples, inside = [], False
        for line in lines:
            if re.match(rb"\s+(match|no-match):\s*$", line):
                inside = True
                continue
            m = re.match(rb"\s+- '(.*)'\s*$", line) if inside else None
            if m:
                examples.append(m.group(1).replace(b"''", b"'"))
            elif inside and not re.match(rb"\s+- ", line):
                inside = False
        chunk, n = b"", 0
        for ex in examples:
            if len(chunk) + len(ex) + 1 >= MAX_SEED:
                write(t, "%s.%d" % (name[:-5], n), chunk)
                chunk, n = b"", n + 1
            chunk += ex + b"\n"
        if chunk:
            write(t, "%s.%d" % (name[:-5], n), chunk)


def xz_zip(entry_name, xz_data, plain, zip64=False, method=95):
    """A zip of one entry compressed with xz (method 95; zipfile writes
    none), or zstd (93), its directory zip32 or zip64 (the entry's offset
    then in the extra field)."""
    name, crc = entry_name.encode(), zlib.crc32(plain)
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 63, 0, method, 0, 0, crc, len(xz_data),
                        len(plain), len(name), 0) + name
    extra = struct.pack("<HHQ", 1, 8, 0) if zip64 else b""
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 63, 63, 0, method, 0, 0, crc,
                          len(xz_data), len(plain), len(name), len(extra), 0, 0, 0, 0,
                          0xffffffff if zip64 else 0) + name + extra
    body = local + xz_data
    if not zip64:
        return body + central + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(central),
                                            len(body), 0)
    end = struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 63, 63, 0, 0, 1, 1, len(central), len(body))
    end += struct.pack("<IIQI", 0x07064b50, 0, len(body) + len(central), 1)
    end += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xffffffff, 0)
    return body + central + end


def archive_mem_seeds():
    """fuzz_archive_mem: 7z archives with packed and plain headers, each
    method; zips with LZMA and xz entries, zip32 and zip64."""
    t = "fuzz_archive_mem"
    members = [("a.txt", TEXT), ("dir/b.csv", b"name,email\nann,ann@corp.io\n")]
    for name, options in (("lzma2-packedhdr.7z", ("-mx=9",)),
                          ("lzma-plainhdr.7z", ("-m0=LZMA", "-mhc=off")),
                          ("ppmd-plainhdr.7z", ("-m0=PPMd", "-mhc=off")),
                          ("bzip2.7z", ("-m0=BZip2",)),
                          ("copy.7z", ("-mx=0",)),
                          ("two-folders.7z", ("-ms=off", "-mhc=off")),
                          ("bcj-lzma2.7z", ("-mf=BCJ", "-mhc=off")),
                          ("encrypted-header.7z", ("-mhe=on", "-psecret"))):
        seven = seven_zip(members, options)
        if seven:
            write(t, name, seven)
    empty = seven_zip([("empty.txt", b"")], ("-mhc=off",))
    if empty:
        write(t, "empty-file.7z", empty)
    write(t, "lzma.zip", zip_bytes(members, zipfile.ZIP_LZMA))
    write(t, "deflate.zip", zip_bytes(members))
    write(t, "streamed-lzma.zip", streamed_zip_bytes(members))
    zst = tool(["zstd", "--long=24", "-19", "-q", "-c"], TEXT)
    if zst:
        write(t, "zstd.zip", xz_zip("a.txt", zst, TEXT, method=93))
    xz = tool(["xz", "-6", "-c"], TEXT)
    if xz:
        write(t, "xz.zip", xz_zip("a.txt", xz, TEXT))
        write(t, "xz-zip64.zip", xz_zip("a.txt", xz, TEXT, zip64=True))


def main():
    for target in ("fuzz_reader", "fuzz_block_stream", "fuzz_rule_pack", "fuzz_validators",
                   "fuzz_json", "fuzz_gzip", "fuzz_packs", "fuzz_csv", "fuzz_archive_mem"):
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
    reader_seeds()
    block_stream_seeds()
    rule_pack_seeds()
    validator_seeds()
    json_seeds()
    csv_seeds()
    gzip_seeds()
    packs_seeds()
    archive_mem_seeds()
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        print(f"{target}: {len(files)} seeds")


if __name__ == "__main__":
    main()
