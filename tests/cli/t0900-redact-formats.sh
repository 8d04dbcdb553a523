#!/usr/bin/env bash
# piiaudit redact, round trips in every format: plain text, single gzip,
# zstd, xz and bzip2 streams, tar in each compression, zip, 7z, ar and
# cpio (newc, odc, gzipped).  The output has
# the same members (metadata too) and, member by member, exactly the input
# with each finding of `scan` replaced by its placeholder: every byte
# outside the replaced spans unchanged, values across the 1 MiB block
# boundary replaced once.  A python script reads the archives itself.
. "$(dirname "$0")/lib.sh"

cat >"$T/gen.py" <<'PY'
import random, sys
random.seed(9)
words = "the quick brown fox jumps over lazy dogs while auditors read corpora".split()
def luhn(prefix, n):
    d = [int(c) for c in prefix] + [random.randint(0, 9) for _ in range(n - len(prefix) - 1)]
    s = 0
    for i, x in enumerate(reversed(d)):
        if i % 2 == 0:
            x *= 2
            x -= 9 if x > 9 else 0
        s += x
    return "".join(map(str, d)) + str((10 - s % 10) % 10)
n = 0
def value():
    global n
    n += 1
    k = n % 3
    if k == 0:
        return "user%d.name@corp%d-mail.io" % (n, n % 7)
    if k == 1:
        return "+39 347 %03d %04d" % (random.randint(100, 999), random.randint(1000, 9999))
    return luhn("4556", 16)
def filler(size):
    out = []
    have = 0
    while have < size:
        w = random.choice(words)
        out.append(w)
        have += len(w) + 1
    return " ".join(out)
def text(size, boundary=None):
    parts, have = [], 0
    while have < size:
        line = filler(random.randint(20, 200))
        if random.random() < 0.5:
            line += " contact " + value() + " today"
        line += "\r\n" if random.random() < 0.1 else "\n"
        parts.append(line)
        have += len(line.encode())
    s = "".join(parts)
    if boundary:
        # values across the first window's accept end (1 MiB + 1024)
        for at in boundary:
            v = " mail straddle%d@boundary-corp.io " % at
            s = s[:at - 8] + v + s[at - 8 + len(v):]
    return s
which, path = sys.argv[1], sys.argv[2]
if which == "big":
    open(path, "w").write(text(2_400_000, boundary=[1049600, 1049600 + 12, 1048576 + 9216]))
elif which == "small":
    open(path, "w").write(text(int(sys.argv[3])))
PY

cat >"$T/check.py" <<'PY'
# check.py IN OUT EXPORT.jsonl SOURCE: OUT is IN with each non-placeholder
# finding of SOURCE replaced by <CATEGORY> (the earliest, then longest,
# wins an overlap; what overlaps a replaced span is dropped).
import bz2, datetime, gzip, io, json, lzma, subprocess, sys, tarfile, zipfile
def raw(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b": return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd": return subprocess.run(["zstd", "-dcq"], input=data, capture_output=True, check=True).stdout
    if data[:6] == b"\xfd7zXZ\x00": return lzma.decompress(data)
    if data[:3] == b"BZh": return bz2.decompress(data)
    return data
def sevenz_members(path):
    # 7z's own listing; bodies one by one (a link's body is its target).
    # libarchive's 7z writer orders folders after files and names them
    # with a '/': compared by name, sorted.
    listing = subprocess.run(["7z", "l", "-slt", path], capture_output=True, check=True, text=True).stdout
    out = []
    for block in listing.split("----------\n", 1)[1].split("\n\n"):
        f = dict(l.split(" = ", 1) for l in block.splitlines() if " = " in l)
        if "Path" not in f: continue
        name = f["Path"].rstrip("/")
        body = b"" if f["Attributes"].startswith("D") else subprocess.run(
            ["7z", "x", "-so", path, f["Path"]], capture_output=True, check=True).stdout
        out.append((name, body, (name, f["Attributes"], f["Modified"])))
    return sorted(out)
def ar_members(data):
    out, pos = [], 8
    while pos + 60 <= len(data):
        h = data[pos:pos + 60]
        name, size = h[:16].decode().rstrip().rstrip("/"), int(h[48:58])
        body = data[pos + 60:pos + 60 + size]
        # The type bits of the mode: added to GNU ar's bare 644.
        out.append((name, body, (name, int(h[40:48], 8) & 0o7777, int(h[16:28]))))
        pos += 60 + size + size % 2
    return out
def cpio_members(data):
    out, pos = [], 0
    while pos < len(data):
        if data[pos:pos + 6] == b"070701":
            f = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
            mode, mtime, size, namesize = f[1], f[5], f[6], f[11]
            name_at = pos + 110
            at = (name_at + namesize + 3) & ~3
            body = data[at:at + size]
            nxt = (at + size + 3) & ~3
        elif data[pos:pos + 6] == b"070707":
            h = data[pos:pos + 76]
            mode, mtime, namesize, size = int(h[18:24], 8), int(h[48:59], 8), int(h[59:65], 8), int(h[65:76], 8)
            name_at = pos + 76
            body = data[name_at + namesize:name_at + namesize + size]
            nxt = name_at + namesize + size
        else:
            break
        name = data[name_at:name_at + namesize - 1].decode()
        if name == "TRAILER!!!":
            break
        out.append((name, body, (name, mode, mtime)))
        pos = nxt
    return out
def members(path):
    data = raw(path)
    if data[:6] == b"7z\xbc\xaf\x27\x1c":
        return sevenz_members(path)
    if data[:8] == b"!<arch>\n":
        return ar_members(data)
    if data[:6] in (b"070701", b"070707"):
        return cpio_members(data)
    if data[:4] == b"PK\x03\x04":
        z = zipfile.ZipFile(path)
        # DOS times have a 2 s resolution (zip rounds up, libarchive down):
        # compared to the even second; the mode is the upper half of the
        # external attributes.
        class dos:
            def __init__(self, t): self.t = datetime.datetime(*t)
            def __eq__(self, o): return abs((self.t - o.t).total_seconds()) <= 2
            def __repr__(self): return str(self.t)
        return [(i.filename, z.read(i), (i.filename, i.is_dir(), dos(i.date_time), i.external_attr >> 16)) for i in z.infolist()]
    if data[257:262] == b"ustar":
        t = tarfile.open(fileobj=io.BytesIO(data))
        out = []
        for m in t.getmembers():
            body = t.extractfile(m).read() if m.isreg() else b""
            out.append((m.name, body, (m.name, m.type, m.mode, m.mtime, m.uid, m.gid, m.uname, m.gname, m.linkname)))
        return out
    return [(None, data, None)]
src_in, src_out, export, source = sys.argv[1:5]
finds = {}
for line in open(export):
    f = json.loads(line)
    if f["source"] == source and not f["placeholder"]:
        finds.setdefault(f["member"], []).append(f)
a, b = members(src_in), members(src_out)
problems = []
if [m[0] for m in a] != [m[0] for m in b]:
    problems.append("members differ: %r vs %r" % ([m[0] for m in a], [m[0] for m in b]))
replaced = 0
for (name, body, meta), (_, out, meta2) in zip(a, b):
    if meta != meta2:
        problems.append("%s: metadata %r -> %r" % (name, meta, meta2))
    fs = sorted(finds.get(name, []), key=lambda f: (f["offset"], -f["length"], -f["confidence"], f["rule"]))
    want, pos = bytearray(), 0
    for f in fs:
        s, e = f["offset"], f["offset"] + f["length"]
        if e <= pos: continue
        want += body[pos:min(s, e) if s >= pos else pos]
        if s >= pos:
            want += ("<%s>" % f["category"].upper()).encode()
            replaced += 1
        pos = e
    want += body[pos:]
    if bytes(want) != out:
        i = next((k for k in range(min(len(want), len(out))) if want[k] != out[k]), min(len(want), len(out)))
        problems.append("%s: differs at byte %d: want %r got %r" % (name, i, bytes(want[i-20:i+40]), out[i-20:i+40]))
print("ok %d" % replaced if not problems else "\n".join(problems[:5]))
PY

mkdir -p "$T/c/dir" "$T/tree"
python3 "$T/gen.py" big "$T/c/big.txt"
python3 "$T/gen.py" small "$T/tree/a.txt" 30000
python3 "$T/gen.py" small "$T/tree/b.txt" 20000
printf 'bin\0ary with mail bin@binary-corp.io\n' >"$T/tree/blob.bin"
mkdir -p "$T/tree/sub" && cp "$T/tree/b.txt" "$T/tree/sub/c.txt" && ln -s ../a.txt "$T/tree/sub/link"
chmod 640 "$T/tree/b.txt"
python3 "$T/gen.py" small "$T/c/s.txt" 50000
gzip -c "$T/c/s.txt" >"$T/c/s.txt.gz"
zstd -q -c "$T/c/s.txt" >"$T/c/s.txt.zst"
xz -c "$T/c/s.txt" >"$T/c/s.txt.xz"
bzip2 -c "$T/c/s.txt" >"$T/c/s.txt.bz2"
gzip -c "$T/c/big.txt" >"$T/c/big.txt.gz"
tar -C "$T/tree" -cf "$T/c/t.tar" .
tar -C "$T/tree" -czf "$T/c/t.tar.gz" .
tar -C "$T/tree" -cJf "$T/c/t.tar.xz" .
tar -C "$T/tree" -cjf "$T/c/t.tar.bz2" .
tar -C "$T/tree" -cf - . | zstd -q -c >"$T/c/t.tar.zst"
mkdir -p "$T/c/d" && (cd "$T/tree" && zip -qry "$T/c/d/z.zip" .)
(cd "$T/tree" && 7z a -bd -bso0 "$T/c/d/t.7z" . && 7z a -bd -bso0 -m0=PPMd "$T/c/d/ppmd.7z" .)
# ar as GNU ar writes it by default (D: modes as a bare 644, times 0);
# cpio newc and odc, written by cpio_fixtures.py.
(cd "$T/tree" && ar rcD "$T/c/d/l.a" a.txt b.txt blob.bin)
python3 "$TOP/tests/cli/cpio_fixtures.py" "$T/tree" "$T/c/d" a.txt sub/c.txt blob.bin
gzip -c "$T/c/d/t.newc.cpio" >"$T/c/d/t.newc.cpio.gz"

run 0 "$PIIAUDIT" scan -q --db "$T/scan.db" "$T/c"
"$PIIAUDIT" export --db "$T/scan.db" --format jsonl >"$T/find.jsonl"
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --out "$T/clean" --verify "$T/c"
for f in big.txt s.txt s.txt.gz s.txt.zst s.txt.xz s.txt.bz2 big.txt.gz t.tar t.tar.gz t.tar.xz t.tar.bz2 t.tar.zst d/z.zip d/t.7z d/ppmd.7z d/l.a d/t.newc.cpio d/t.odc.cpio d/t.newc.cpio.gz; do
	python3 "$T/check.py" "$T/c/$f" "$T/clean/$f" "$T/find.jsonl" "$T/c/$f" >"$T/check.out" 2>&1
	if grep -qE '^ok [1-9]' "$T/check.out"; then ok "$f: same members, findings replaced, other bytes unchanged ($(cut -d' ' -f2 "$T/check.out") values)"
	else not_ok "$f: round trip" "$(cat "$T/check.out")"; fi
done
check "the value across the block boundary is replaced once" \
	bash -c "! grep -q straddle '$T/clean/big.txt' && test \$(grep -o '<EMAIL> ' '$T/clean/big.txt' | wc -l) -gt 3"
check "the folder tree is mirrored" test -f "$T/clean/d/z.zip"
check "the output keeps the input's mode" test "$(stat -c %a "$T/c/t.tar")" = "$(stat -c %a "$T/clean/t.tar")"
check "a binary member is copied as it was" bash -c "tar -xOf '$T/clean/t.tar' ./blob.bin | cmp -s - '$T/tree/blob.bin'"
check "an ar keeps its last member unpadded (ar reads it)" \
	test "$(ar t "$T/clean/d/l.a" | tr '\n' ' ')" = "a.txt b.txt blob.bin "
check "a 7z is written as one LZMA2 7z, whatever its coder was" \
	bash -c "7z l -slt '$T/c/d/ppmd.7z' | grep -q '^Method = PPMD' &&
	         7z l -slt '$T/clean/d/ppmd.7z' | grep -q '^Method = LZMA2' &&
	         ! 7z l -slt '$T/clean/d/ppmd.7z' | grep '^Method = .' | grep -qv '^Method = LZMA2'"
check "no temporary file is left" bash -c "! find '$T/clean' -name '.*piiaudit-*' | grep -q ."

# The proof: a scan of the output finds nothing of what was redacted.
run 0 "$PIIAUDIT" scan -q --db "$T/check.db" "$T/clean"
check "a scan of the copy finds only placeholders" \
	test "$(sqlite3 "$T/check.db" 'select count(*) from findings where placeholder = 0')" = 0

# The run is recorded: per file, the content hashes and counts per rule.
sqlite3 "$T/r.db" "select input, input_sha256, output, output_sha256 from redactions where status = 'ok'" >"$T/rows"
bad=0
while IFS='|' read -r in ih out oh; do
	[ "$(sha256sum "$in" | cut -c1-64)" = "$ih" ] && [ "$(sha256sum "$out" | cut -c1-64)" = "$oh" ] || bad=1
done <"$T/rows"
check "every output is recorded with the SHA-256 of input and output" test "$(wc -l <"$T/rows")" = 19 -a "$bad" = 0
check "counts per rule are recorded" test "$(sqlite3 "$T/r.db" "select sum(replaced) from redaction_counts where rule = 'email.address'")" -gt 100
check "the run is a redact run, verified" test "$(sqlite3 "$T/r.db" "select kind, status from runs; select count(*) from redactions where remaining = 0")" = "redact|ok
19"

# mask and pseudonym keep every line and the length of what they mask.
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --style mask -o "$T/m.txt" --verify "$T/c/s.txt"
check "mask keeps the length and the lines" test "$(wc -c <"$T/m.txt") $(wc -l <"$T/m.txt")" = "$(wc -c <"$T/c/s.txt") $(wc -l <"$T/c/s.txt")"
check "mask keeps a card's last four digits" grep -qE '\*{16}[0-9]{0}|\*{12}[0-9]{4}' "$T/m.txt"
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --style pseudonym -o "$T/p.txt.zst" --verify "$T/c/s.txt.zst"
check "pseudonyms keep every line" test "$(zstd -dcq "$T/p.txt.zst" | wc -l)" = "$(wc -l <"$T/c/s.txt")"
finish
