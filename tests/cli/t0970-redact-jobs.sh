#!/usr/bin/env bash
# piiaudit redact --jobs N: a pool of workers over the inputs.  Twenty
# generated files of mixed formats (plain, JSON lines, a JSON array, gz,
# zst, xz, bz2, lz4, tar.gz, tar.zst, zip) redacted with pseudonyms, the
# same values in many files: --jobs 1, 2 and 4 write the same output trees
# byte for byte and record the same counts, the run once.  A file that
# cannot be redacted is named and recorded whatever N, the others written.
# gzip outputs carry no time; --gzip-level changes the bytes, not the text.
# SIGINT with two workers: exit 130, no partial output, no temporary file.
. "$(dirname "$0")/lib.sh"

cat >"$T/gen.py" <<'PY'
import gzip, io, json, os, random, sys, tarfile, zipfile
random.seed(970)
root = sys.argv[1]
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
# A pool of values that come back in many files: the pseudonyms must agree.
pool = []
for i in range(60):
    k = i % 4
    if k == 0: pool.append("user%d.name@corp%d-mail.io" % (i, i % 7))
    elif k == 1: pool.append("+39 347 %03d %04d" % (random.randint(100, 999), random.randint(1000, 9999)))
    elif k == 2: pool.append(luhn("4556", 16))
    else: pool.append("10.%d.%d.%d" % (random.randint(1, 250), random.randint(1, 250), random.randint(1, 250)))
def sentence():
    out = [random.choice(words) for _ in range(random.randint(5, 15))]
    out.insert(random.randint(0, len(out)), random.choice(pool))
    return " ".join(out)
def text(lines):
    return "".join(sentence() + "\n" for _ in range(lines)).encode()
def jsonl(lines):
    return "".join(json.dumps({"id": i, "text": sentence(), "meta": {"n": i}}) + "\n"
                   for i in range(lines)).encode()
def write(name, data):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
def tar(name, mode):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for m, data in (("a.txt", text(300)), ("d/b.jsonl", jsonl(300))):
            ti = tarfile.TarInfo(m)
            ti.size = len(data)
            ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()
for i in range(4):
    write("plain/t%d.txt" % i, text(400 + 100 * i))
for i in range(4):
    write("jsonl/j%d.jsonl" % i, jsonl(400 + 100 * i))
write("jsonl/arr.json", json.dumps([{"text": sentence()} for _ in range(200)], indent=1).encode())
write("gz/t.txt.gz", gzip.compress(text(500), mtime=0))
write("gz/j.jsonl.gz", gzip.compress(jsonl(500), mtime=0))
for ext in ("zst", "xz", "bz2", "lz4"):
    write("c/t.txt.%s.raw" % ext, text(400))
write("c/j.jsonl.zst.raw", jsonl(400))
write("tar/a.tar.gz", gzip.compress(tar("a", "w"), mtime=0))
write("tar/b.tar.zst.raw", tar("b", "w"))
write("tar/c.tar", tar("c", "w"))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("x.txt", (2024, 1, 1, 0, 0, 0)), text(300))
    z.writestr(zipfile.ZipInfo("y.jsonl", (2024, 1, 1, 0, 0, 0)), jsonl(300))
write("zip/z.zip", buf.getvalue())
PY
python3 "$T/gen.py" "$T/in" || exit 1
for f in "$T"/in/c/*.zst.raw "$T"/in/tar/*.zst.raw; do zstd -q --rm "$f" -o "${f%.raw}"; done
for f in "$T"/in/c/*.xz.raw; do xz -c "$f" >"${f%.raw}" && rm "$f"; done
for f in "$T"/in/c/*.bz2.raw; do bzip2 -c "$f" >"${f%.raw}" && rm "$f"; done
for f in "$T"/in/c/*.lz4.raw; do lz4 -q "$f" "${f%.raw}" && rm "$f"; done
check "twenty generated inputs" test "$(find "$T/in" -type f | wc -l)" = 20

# The same run with 1, 2 and 4 workers.
for n in 1 2 4; do
	run 0 "$PIIAUDIT" redact --jobs "$n" --style pseudonym --field text --verify --db "$T/r$n.db" \
		--out "$T/o$n" "$T/in"
	check "--jobs $n: 20 of 20 files redacted, verified clean" \
		grep -q '20 of 20 files redacted (pseudonym).*verified clean' "$T/err"
	(cd "$T/o$n" && find . -type f | sort | xargs sha256sum) >"$T/sums$n"
done
check "every output written" test "$(wc -l <"$T/sums1")" = 20
check "values were replaced" bash -c "! cmp -s '$T/in/plain/t0.txt' '$T/o1/plain/t0.txt'"
check "--jobs 2: the same output tree as --jobs 1" cmp "$T/sums1" "$T/sums2"
check "--jobs 4: the same output tree as --jobs 1" cmp "$T/sums1" "$T/sums4"
check "cmp -r agrees" diff -r "$T/o1" "$T/o4"

counts() {
	sqlite3 "$1" "select r.input, r.status, r.format, r.units, r.copied, r.bytes_in, r.bytes_out, r.replaced,
	       r.remaining, r.input_sha256, r.output_sha256 from redactions r order by r.input;
	select r.input, c.rule, c.category, c.replaced from redactions r join redaction_counts c
	       on c.redaction_id = r.id order by r.input, c.rule;" | sed "s|$T/||g"
}
for n in 1 2 4; do counts "$T/r$n.db" >"$T/counts$n"; done
check "recorded counts: 20 files" test "$(grep -c '|ok|' "$T/counts1")" = 20
check "recorded counts per rule are there" grep -q '|email.address|email|' "$T/counts1"
check "--jobs 2 records the same counts" cmp "$T/counts1" "$T/counts2"
check "--jobs 4 records the same counts" cmp "$T/counts1" "$T/counts4"
for n in 2 4; do
	check "--jobs $n: the run recorded once, every file in it" test \
		"$(sqlite3 "$T/r$n.db" "select count(*), (select count(distinct run_id) from redactions),
		 (select count(*) from redactions where run_id = runs.id), status from runs where kind = 'redact'")" \
		= "1|1|20|ok"
done
total=$(sqlite3 "$T/r1.db" "select sum(replaced) from redactions")
check "the summary's total is the sum of the files'" grep -q "20 of 20 files redacted (pseudonym) in [0-9.]* s, $total values replaced" "$T/err"

# The same value gets the same pseudonym in every file, whichever worker.
check "a pool value is gone from every output" bash -c "! grep -rq 'user0.name@corp0-mail.io' '$T/o2'"
python3 - "$T/in/plain/t0.txt" "$T/o2/plain/t0.txt" "$T/in/plain/t3.txt" "$T/o2/plain/t3.txt" >"$T/pairs" <<'PY'
import re, sys
def emails(path):
    return re.findall(r"[\w.]+@[\w.-]+\.\w+", open(path).read())
m = {}
bad = 0
for src, dst in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    for a, b in zip(emails(src), emails(dst)):
        bad += m.setdefault(a, b) != b
print(len(m), bad)
PY
check "pseudonyms agree across files redacted by different workers" bash -c "read n bad <'$T/pairs'; test \$n -gt 5 -a \$bad = 0"

# One input that cannot be redacted: named, recorded, the others written,
# exit 3, whatever N.
cp -r "$T/in" "$T/in2"
head -c 300 "$T/in/gz/t.txt.gz" >"$T/in2/gz/t.txt.gz"
for n in 1 4; do
	run 3 "$PIIAUDIT" redact -j "$n" --style pseudonym --db "$T/e$n.db" --out "$T/e$n" "$T/in2"
	check "-j $n: the damaged file is named once" test "$(grep -c 'in2/gz/t.txt.gz: ' "$T/err")" = 1
	check "-j $n: 19 of 20 files redacted, 1 failed" grep -q '19 of 20 files redacted.*1 failed' "$T/err"
	check "-j $n: no output for it" test ! -e "$T/e$n/gz/t.txt.gz"
	check "-j $n: the error recorded" test \
		"$(sqlite3 "$T/e$n.db" "select count(*) from redactions where status = 'error' and input like '%gz/t.txt.gz'")" = 1
	check "-j $n: the run is marked errors" test "$(sqlite3 "$T/e$n.db" "select status from runs")" = errors
done
check "the other outputs are the same with -j 1 and -j 4" diff -r "$T/e1" "$T/e4"
check "and the same as without the damaged file" cmp "$T/e1/jsonl/j2.jsonl" "$T/o1/jsonl/j2.jsonl"

# --gzip-level: another compressor, the same content; deterministic too.
run 0 "$PIIAUDIT" redact -q -j 2 --gzip-level 6 --style pseudonym --field text --db "$T/g.db" --out "$T/g6" "$T/in/gz" "$T/in/tar"
run 0 "$PIIAUDIT" redact -q -j 1 --gzip-level 6 --style pseudonym --field text --db "$T/g.db" --out "$T/g6b" "$T/in/gz" "$T/in/tar"
check "--gzip-level 6: the same bytes with -j 1 and -j 2" diff -r "$T/g6" "$T/g6b"
run 0 "$PIIAUDIT" redact -q --gzip-level 1 --style pseudonym --field text --db "$T/g.db" --out "$T/g1" "$T/in/gz"
check "--gzip-level 6: not the bytes of level 1" bash -c "test -s '$T/g6/j.jsonl.gz' && ! cmp -s '$T/g6/j.jsonl.gz' '$T/g1/j.jsonl.gz'"
check "--gzip-level 6 and 1: the same content" bash -c "cmp <(zcat '$T/g6/j.jsonl.gz') <(zcat '$T/o1/gz/j.jsonl.gz') &&
	cmp <(tar -xOzf '$T/g6/a.tar.gz') <(tar -xOzf '$T/o1/tar/a.tar.gz')"
check "a gzip output has no time in its header" test "$(od -An -tx1 -j4 -N4 "$T/o1/gz/t.txt.gz" | tr -d ' ')" = 00000000
run 2 "$PIIAUDIT" redact --gzip-level 10 --db "$T/u.db" --out "$T/u" "$T/in"
check "--gzip-level 10 is refused" grep -q -- '--gzip-level takes a number from 1 to 9' "$T/err"

# Usage errors.
run 2 "$PIIAUDIT" redact --jobs 0 --db "$T/u.db" --out "$T/u" "$T/in"
check "--jobs 0 is refused" grep -q -- '--jobs takes a number from 1 to 1024' "$T/err"
run 2 "$PIIAUDIT" redact -j many --db "$T/u.db" --out "$T/u" "$T/in"
check "nothing written on a usage error" test ! -e "$T/u"

# SIGINT with two workers on two large files: exit 130, no partial output
# and no temporary file; an output that exists is whole.
mkdir -p "$T/big"
for i in $(seq 1 40); do cat "$T/in/plain/t3.txt"; done >"$T/big/a.txt"
for i in $(seq 1 40); do cat "$T/in/plain/t2.txt"; done >"$T/big/b.txt"
for i in $(seq 1 12); do cat "$T/big/a.txt"; done >"$T/big/c.txt"
for i in $(seq 1 12); do cat "$T/big/b.txt"; done >"$T/big/d.txt"
rm "$T/big/a.txt" "$T/big/b.txt"
"$PIIAUDIT" redact -q -j 2 --style pseudonym --db "$T/i.db" --out "$T/int" "$T/big" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do
	[ "$(ls -a "$T/int" 2>/dev/null | grep -c piiaudit-)" -ge 2 ] && break
	sleep 0.05
done
kill -INT "$pid"; wait "$pid"; rc=$?
check "SIGINT with two workers: exit 130" test "$rc" = 130
check "SIGINT: no temporary file left" bash -c "! ls -a '$T/int' | grep -q piiaudit-"
check "SIGINT: no output for the files in flight" bash -c "test ! -e '$T/int/c.txt' && test ! -e '$T/int/d.txt'"
check "SIGINT: the run is marked interrupted" test "$(sqlite3 "$T/i.db" "select status from runs")" = interrupted
check "SIGINT: both files in flight are recorded interrupted" test \
	"$(sqlite3 "$T/i.db" "select count(*) from redactions where status = 'interrupted'")" = 2

finish
