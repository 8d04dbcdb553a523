#!/usr/bin/env bash
# redact: an archive member that is a single compressed stream (a
# .jsonl.gz in a tar, a .zst in a zip) is decoded, its text redacted, and
# encoded again in its own compression, within the archive written back:
# gzip, bzip2, xz, .lzma, zstd, lz4, lzip and compress (.Z) members of a
# tar, a tar.gz and a zip.
# The decoded copy is the decoded input with the values replaced, every
# other byte the same; names and modes are kept; --verify reads it clean.
# Refused, naming the member, nothing written: two compression layers, a
# truncated stream, a member whose decoder and encoder need more than
# --max-codec-memory (a smaller --xz-level fits).
. "$(dirname "$0")/lib.sh"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/key"; chmod 600 "$T/key"
cd "$T" || exit 1

mkdir -p m
python3 - <<'PY'
import bz2, gzip, lzma
lines = []
for i in range(400):
    lines.append("row %d: write to user%d.name@corp-mail.io or call 555-867-%04d, thanks\n" % (i, i, 1000 + i))
    lines.append("row %d: nothing personal here, just words %s\n" % (i, "and " * (i % 9)))
text = "".join(lines).encode()
open("plain.txt", "wb").write(text)
open("m/a.txt.gz", "wb").write(gzip.compress(text, mtime=0))
open("m/b.txt.bz2", "wb").write(bz2.compress(text))
open("m/c.txt.xz", "wb").write(lzma.compress(text, format=lzma.FORMAT_XZ))
open("m/d.txt.lzma", "wb").write(lzma.compress(text, format=lzma.FORMAT_ALONE))
open("first-line.txt", "wb").write(text.split(b"\n")[0] + b"\n")
PY
python3 "$TOP/tests/cli/stream_fixtures.py" lz plain.txt m/h.txt.lz
# The .Z member holds the first line only: the generator writes 9-bit
# codes, not compress(1)'s wider ones.
python3 "$TOP/tests/cli/stream_fixtures.py" Z first-line.txt m/i.txt.Z
zstd -q -3 plain.txt -o m/e.txt.zst
lz4 -q plain.txt m/g.txt.lz4
cp plain.txt m/f.txt
chmod 640 m/c.txt.xz
sed -E 's/user[0-9]+\.name@corp-mail\.io/<EMAIL>/g; s/555-867-[0-9]{4}/<PHONE>/g' plain.txt >want.txt
members="a.txt.gz b.txt.bz2 c.txt.xz d.txt.lzma e.txt.zst f.txt g.txt.lz4 h.txt.lz i.txt.Z"
tar -C m -cf in.tar $members
tar -C m -czf in.tar.gz $members
(cd m && zip -q ../in.zip $members)

# Each member of the copy: the same compression (its magic), and decoded,
# the input decoded with the values replaced.
cat >members.py <<'PY'
import bz2, gzip, io, lzma, subprocess, sys, tarfile, zipfile
path, want = sys.argv[1], open("want.txt", "rb").read()
magic = {"gz": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ\x00", "lzma": b"\x5d\x00\x00",
         "zst": b"\x28\xb5\x2f\xfd", "lz4": b"\x04\x22\x4d\x18", "txt": b"row 0",
         "lz": b"LZIP\x01", "Z": b"\x1f\x9d"}
def decode(ext, data):
    if ext == "gz": return gzip.decompress(data)
    if ext == "bz2": return bz2.decompress(data)
    if ext in ("xz", "lzma"): return lzma.decompress(data)
    if ext == "zst": return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout
    if ext == "lz4": return subprocess.run(["lz4", "-dc"], input=data, capture_output=True, check=True).stdout
    if ext == "lz":
        body = lzma.decompress(data[6:-20], format=lzma.FORMAT_RAW, filters=[
            {"id": lzma.FILTER_LZMA1, "dict_size": 1 << data[5], "lc": 3, "lp": 0, "pb": 2}])
        return body if data[-16:-8] == len(body).to_bytes(8, "little") else b"lzip trailer: wrong size"
    if ext == "Z": return subprocess.run(["gzip", "-dc"], input=data, capture_output=True, check=True).stdout
    return data
if path.endswith(".zip"):
    z = zipfile.ZipFile(path)
    items = [(n, z.read(n), None) for n in z.namelist()]
else:
    t = tarfile.open(path)
    items = [(m.name, t.extractfile(m).read(), m.mode) for m in t.getmembers()]
bad = []
for name, data, mode in items:
    ext = name.rsplit(".", 1)[1]
    if not data.startswith(magic[ext]):
        bad.append(name + ": not " + ext)
    elif decode(ext, data) != (want.split(b"\n")[0] + b"\n" if ext == "Z" else want):
        bad.append(name + ": decoded text differs")
    if name == "c.txt.xz" and mode is not None and mode != 0o640:
        bad.append(name + ": mode %o" % mode)
print(len(items), "members;", "; ".join(bad) if bad else "all redacted in their compression")
sys.exit(1 if bad or len(items) != 9 else 0)
PY

for f in in.tar in.tar.gz in.zip; do
	run 0 "$PIIAUDIT" redact --db r.db --verify -o "out-$f" "$f"
	check "$f: every member redacted and written in its own compression" python3 members.py "out-$f"
	check "$f: read clean by --verify" grep -q 'verified clean' err
done
check "a tar.gz's copy is still a tar.gz" sh -c 'gzip -t out-in.tar.gz && tar -tzf out-in.tar.gz | grep -qx a.txt.gz'
run 0 "$PIIAUDIT" scan -q --db check.db out-in.tar out-in.tar.gz out-in.zip
check "scan finds nothing in the copies" test "$(sqlite3 check.db 'select count(*) from findings')" = 0
run 0 "$PIIAUDIT" scan -q --db orig.db in.tar
check "... where it found the values in the input" test "$(sqlite3 orig.db 'select count(*) from findings')" -gt 4000

# Refusals, each naming the member; no copy written.
mkdir -p bad
gzip -n -c m/a.txt.gz >bad/twice.gz
head -c 200 m/a.txt.gz >bad/cut.gz
printf 'BZh9not bzip2 at all, only its magic' >bad/fake.bz2
tar -C bad -cf twice.tar twice.gz
tar -C bad -cf cut.tar cut.gz
run 3 "$PIIAUDIT" redact --db r.db -o out-twice.tar twice.tar
check "a gzip inside a gzip member: named, refused" \
	grep -q 'twice.tar!twice.gz: more than one compression layer is not supported' err
check "... nothing written" test ! -e out-twice.tar
run 3 "$PIIAUDIT" redact --db r.db -o out-cut.tar cut.tar
check "a truncated gzip member: named, refused" grep -q 'cut.tar!cut.gz: .*truncated' err
check "... nothing written" test ! -e out-cut.tar
tar -C bad -cf fake.tar fake.bz2
run 3 "$PIIAUDIT" redact --db r.db -o out-fake.tar fake.tar
check "a member with bzip2's magic that libarchive will not decode: named, refused" \
	grep -q 'fake.tar!fake.bz2: damaged bzip2 data: not decoded' err
check "... nothing written" test ! -e out-fake.tar

# The budget: an xz -9 member needs 65 MiB to decode, --xz-level 6 94 MiB
# to encode again.
xz -9 -c plain.txt >m/big.txt.xz
tar -C m -cf big.tar big.txt.xz
run 3 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M -o out-big.tar big.tar
check "an xz -9 member over the budget: named with both needs and the option" \
	grep -qF "big.tar!big.txt.xz: limit: a member's xz data that needs 158 MiB of memory to decode and re-encode at --xz-level 6, more than --max-codec-memory (80 MiB)" err
check "... nothing written" test ! -e out-big.tar
run 0 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M --xz-level 0 -o out-big.tar big.tar
check "with --xz-level 0 it fits, written with a 256 KiB dictionary" \
	sh -c 'tar -xOf out-big.tar big.txt.xz >big.out.xz && xz --robot -lvv big.out.xz | grep -q "dict=256KiB" && xz -dc big.out.xz | cmp -s - want.txt'
finish
