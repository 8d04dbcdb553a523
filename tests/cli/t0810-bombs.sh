#!/usr/bin/env bash
# Bombs and limits, built at test time: a gigabyte of zeros gzipped (the
# expansion ratio), an archive nested 30 deep (the depth), a tar over the
# bytes of an input (--max-source-bytes), overlapping zip entries, and
# inputs that take too long (--max-source-seconds).  Each hit records the
# input with the limit and its numbers, keeps the findings read before it,
# lets the scan go on with the other inputs, and exits 3.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 "$1" "$2"; }
emails() { "$PIIAUDIT" export --db "$1" --format csv | grep -c "$2"; }

printf 'clean line, contact ok.file@okmail.io\n' >"$T/ok.txt"

# -- the expansion ratio: a planted value, 64 KiB of text, then 1 GiB of
# zeros, as a multi-member gzip (16 members of 64 MiB of zeros each, made
# once: fast, and about 1 MB).
{ printf 'first: jane.bomb@bombmail.io\n'
  python3 -c 'import sys; sys.stdout.write("".join("lorem ipsum line %d\n" % i for i in range(3500)))'
} | gzip -9 >"$T/bomb.gz"
head -c 64M /dev/zero | gzip -9 >"$T/zeros.gz"
for _ in $(seq 16); do cat "$T/zeros.gz"; done >>"$T/bomb.gz"
check "the bomb is small ($(stat -c %s "$T/bomb.gz") bytes)" test "$(stat -c %s "$T/bomb.gz")" -lt 2000000
start=$(date +%s)
run 3 "$PIIAUDIT" scan -q -j 1 --db "$T/r.db" "$T/bomb.gz" "$T/ok.txt"
check "stopped quickly ($(( $(date +%s) - start )) s)" test $(( $(date +%s) - start )) -le 20
err=$(sql "$T/r.db" "select error from sources where path like '%bomb.gz'")
check "the ratio and the numbers are recorded ($err)" \
	grep -qE '^limit: expansion ratio [0-9]{3,4}:1 over 200:1 after [0-9.]+ MiB from [0-9.]+ KiB \(--max-ratio\)' <<<"$err"
check "... and named on stderr" grep -q "bomb.gz: limit: expansion ratio" "$T/err"
check "... less than 256 MiB of zeros were read" \
	test "$(sql "$T/r.db" "select bytes_scanned from sources where path like '%bomb.gz'")" -lt $((256 << 20))
check "the value planted before the zeros is kept" test "$(emails "$T/r.db" 'j\*\*\*@b')" = 1
check "the other input was read" test "$(sql "$T/r.db" "select status from sources where path like '%ok.txt'")" = ok
check "... and its finding kept" test "$(emails "$T/r.db" 'o\*\*\*@o')" = 1
check "the run ended with errors" test "$(sql "$T/r.db" 'select status from runs')" = errors
run 3 "$PIIAUDIT" scan -q --db "$T/r2.db" --max-ratio 0 --max-source-bytes 100M "$T/bomb.gz"
check "--max-ratio 0: the byte limit stops it instead" \
	grep -q 'limit: more than 100.0 MiB decompressed from this input (--max-source-bytes)' "$T/err"
# The zeros as a binary member of a .tar.gz: skipped as binary, but
# skipping is decompressing, and that is counted too.
python3 - "$T/tarbomb.gz" <<'PY'
import gzip, sys
def header(name, size):
    h = bytearray(512)
    def put(off, b): h[off:off + len(b)] = b
    put(0, name.encode()); put(100, b"0000644\0"); put(108, b"0000000\0"); put(116, b"0000000\0")
    put(124, b"%011o\0" % size); put(136, b"00000000000\0"); put(148, b"        "); put(156, b"0")
    put(257, b"ustar\x0000"); put(148, b"%06o\0 " % sum(h))
    return bytes(h)
body = b"before: hidden.bin@tarbomb.io\n"
head = header("a.txt", len(body)) + body + b"\0" * (512 - len(body)) + header("big.bin", 1 << 30)
open(sys.argv[1], "wb").write(gzip.compress(head, 9))
PY
for _ in $(seq 17); do cat "$T/zeros.gz"; done >>"$T/tarbomb.gz"
run 3 "$PIIAUDIT" scan -q --db "$T/tb.db" "$T/tarbomb.gz"
check "a binary member of zeros in a .tar.gz hits the ratio" \
	grep -q 'tarbomb.gz: limit: expansion ratio [0-9]*:1 over 200:1' "$T/err"
check "... the member is recorded as binary" test "$(sql "$T/tb.db" "select status from sources where member = 'big.bin'")" = skipped
check "... the member before it kept its finding" test "$(emails "$T/tb.db" 'h\*\*\*@t')" = 1

# A legitimate compressed corpus (ratio well under 200) is not stopped.
python3 - "$T/legit.jsonl" <<'PY'
import random, sys
r = random.Random(3)
words = ["alpha", "beta", "gamma", "delta", "record", "value", "text", "user", "query", "answer"]
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        f.write('{"id": %d, "text": "%s"}\n' % (i, " ".join(r.choice(words) for _ in range(12))))
PY
gzip -1 "$T/legit.jsonl"
run 0 "$PIIAUDIT" scan -q --db "$T/legit.db" "$T/legit.jsonl.gz"
check "a 20 MiB gzip of JSON lines is read whole" test "$(sql "$T/legit.db" 'select status from sources')" = ok

# -- depth: a zip in a zip ... 30 deep, a value at each level.
python3 - "$T/deep.zip" <<'PY'
import io, sys, zipfile
inner = None
for level in reversed(range(30)):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lvl%02d.txt" % level, "level %d: deep%d@example.org\n" % (level, level))
        if inner is not None:
            z.writestr("inner.zip", inner)
    inner = buf.getvalue()
open(sys.argv[1], "wb").write(inner)
PY
run 3 "$PIIAUDIT" scan -q --db "$T/d.db" "$T/deep.zip" "$T/ok.txt"
check "the nesting is stopped at --max-depth 4" grep -q 'limit: archive nested deeper than 4 levels (--max-depth)' "$T/err"
check "the five levels above it are read" test "$(sql "$T/d.db" "select count(*) from findings f join sources s on s.id = f.source_id where s.path like '%deep.zip'")" = 5
check "the other input was read" test "$(sql "$T/d.db" "select status from sources where path like '%ok.txt'")" = ok

# -- bytes per input: a tar of five 4 MiB members, 10M allowed in all.
mkdir -p "$T/tar"
for i in 0 1 2 3 4; do
	{ printf 'member %d: m%d.tar@tarmail.io\n' $i $i; head -c 4M /dev/zero | tr '\0' 'x'; echo; } >"$T/tar/m$i.txt"
done
tar -C "$T/tar" -cf "$T/five.tar" m0.txt m1.txt m2.txt m3.txt m4.txt
run 3 "$PIIAUDIT" scan -q --db "$T/t.db" --max-source-bytes 10M "$T/five.tar" "$T/ok.txt"
check "the tar is recorded with the byte limit" test "$(sql "$T/t.db" "select error from sources where path like '%five.tar' and parent_id is null")" = \
	'limit: more than 10.0 MiB decompressed from this input (--max-source-bytes); the rest not scanned'
check "members before the limit kept their findings" test "$(emails "$T/t.db" 'm\*\*\*@t')" = 3
check "no member after the limit was read" test "$(sql "$T/t.db" "select count(*) from sources where member = 'm3.txt' or member = 'm4.txt'")" = 0
check "the other input was read" test "$(sql "$T/t.db" "select status from sources where path like '%ok.txt'")" = ok
run 0 "$PIIAUDIT" scan -q --db "$T/t2.db" --max-source-bytes 30M "$T/five.tar"
check "under the limit the tar is read whole" test "$(emails "$T/t2.db" 'm\*\*\*@t')" = 5

# -- overlapping zip entries: each entry's data runs from its own header to
# the end of a shared kernel, over the headers of the entries after it, so
# 300 entries in 3.6 MB expand to about 700 MB.  The ratio stays near 1
# (each entry is read again from disk); the byte limit bounds it.
python3 - "$T/overlap.zip" 300 <<'PY'
import struct, sys, zlib
path, n = sys.argv[1], int(sys.argv[2])
kernel = b"mail over.lap@lapmail.io\n" + b"".join(b"filler line %d of the shared kernel\n" % i for i in range(30000))
pad = b"".join(b"padding line %04d\n" % i for i in range(460))   # > 8 KiB: text, not binary
names = [b"copy%05d.txt" % i for i in range(n)]
blob, datas = kernel, [None] * n
for i in reversed(range(n)):
    datas[i] = pad + blob
    hdr = struct.pack("<IHHHHHIIIHH", 0x04034b50, 10, 0, 0, 0, 0, zlib.crc32(datas[i]),
                      len(datas[i]), len(datas[i]), len(names[i]), 0) + names[i]
    blob = hdr + datas[i]
cd, off = b"", 0
for i in range(n):
    d = datas[i]
    cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 10, 0, 0, 0, 0, zlib.crc32(d), len(d),
                      len(d), len(names[i]), 0, 0, 0, 0, 0, off) + names[i]
    off += 30 + len(names[i]) + len(pad)
end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, len(cd), len(blob), 0)
open(path, "wb").write(blob + cd + end)
PY
run 3 "$PIIAUDIT" scan -q --db "$T/o.db" --max-source-bytes 20M "$T/overlap.zip" "$T/ok.txt"
check "overlapping entries are stopped by the byte limit" \
	grep -q 'overlap.zip: limit: more than 20.0 MiB decompressed from this input' "$T/err"
got=$(sql "$T/o.db" "select sum(bytes_scanned) from sources where path like '%overlap.zip' and kind = 'member'")
check "... after about 20 MiB ($got bytes)" test "$got" -lt $((22 << 20))
check "... the entries read kept their findings" test "$(emails "$T/o.db" 'o\*\*\*@l')" -ge 6
check "the other input was read" test "$(sql "$T/o.db" "select status from sources where path like '%ok.txt'")" = ok

# -- time per input: a FIFO that trickles, a FIFO that sends nothing, and
# a huge sparse file.
mkfifo "$T/trickle" "$T/silent"
( while :; do echo "tick tock.fifo@fifomail.io"; sleep 0.2; done ) >"$T/trickle" &
w1=$!
sleep 60 >"$T/silent" &
w2=$!
{ printf 'sparse head: sparse.file@sparsemail.io\n'; head -c 70000 /dev/zero | tr '\0' 'y'; echo; } >"$T/sparse.txt"
truncate -s 200G "$T/sparse.txt"
start=$(date +%s)
run 3 "$PIIAUDIT" scan -q -j 3 --db "$T/s.db" --max-source-seconds 1 "$T/trickle" "$T/silent" "$T/sparse.txt" "$T/ok.txt"
took=$(( $(date +%s) - start ))
kill "$w1" "$w2" 2>/dev/null; wait "$w1" "$w2" 2>/dev/null
check "three slow inputs stopped after about a second ($took s)" test "$took" -le 6
for f in trickle silent sparse.txt; do
	check "$f: recorded with the time limit" test "$(sql "$T/s.db" "select error from sources where path like '%/$f'")" = \
		'limit: more than 1 s reading this input (--max-source-seconds); the rest not scanned'
done
check "the trickle's findings before the limit are kept" test "$(emails "$T/s.db" 't\*\*\*@f')" -ge 1
check "the sparse file's head is kept" test "$(emails "$T/s.db" 's\*\*\*@s')" = 1
check "the other input was read" test "$(sql "$T/s.db" "select status from sources where path like '%ok.txt'")" = ok
rm -f "$T/sparse.txt"

run 2 "$PIIAUDIT" scan --db "$T/u.db" --max-ratio lots "$T/ok.txt"
check "a bad --max-ratio is a usage error" grep -q -- "--max-ratio takes a number" "$T/err"
run 2 "$PIIAUDIT" scan --db "$T/u.db" --max-source-seconds -1 "$T/ok.txt"
run 2 "$PIIAUDIT" scan --db "$T/u.db" --max-source-bytes 1X "$T/ok.txt"
finish
