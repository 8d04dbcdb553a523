#!/usr/bin/env bash
# t0125: the scan pool (issue 4).  Windows of a source are matched by
# --jobs threads while the worker reads on, and their findings recorded in
# window order with lines counted on from each window's first line.  Three
# multi-MiB files (plain, .gz, and one with CRLF lines) scanned together
# with 1, 2, 3 and 8 jobs: every value found once, at its exact offset and
# line, the same rows whatever the number of jobs; probe's records (one
# per line) too.
. "$(dirname "$0")/lib.sh"

python3 - "$T" <<'PY'
import json, random, sys, gzip
out = sys.argv[1]
r = random.Random(125)
words = "the of and to in a is that for it as was with be by on not he this are or".split()
def build(name, eol, n_bytes):
    text, want, line, i = [], [], 1, 0
    size = 0
    while size < n_bytes:
        parts = []
        for _ in range(r.randint(1, 40)):
            if r.random() < 0.08:
                v = "user%06d.%s@mail%d.example.net" % (i, name[:1], i % 7)
                i += 1
                pre = size + sum(len(p) + 1 for p in parts)
                want.append((pre, line, v))
                parts.append(v)
            else:
                parts.append(r.choice(words))
        s = " ".join(parts) + eol
        text.append(s)
        size += len(s)
        line += 1
    data = "".join(text).encode()
    for off, ln, v in want:
        assert data[off:off + len(v)] == v.encode()
    return data, want
expect = {}
for name, eol, size, gz in (("plain.txt", "\n", 5 << 20, False),
                            ("crlf.txt", "\r\n", 3 << 20, False),
                            ("zipped.txt.gz", "\n", 4 << 20, True)):
    data, want = build(name, eol, size)
    if gz:
        with gzip.open("%s/%s" % (out, name), "wb", compresslevel=1) as f:
            f.write(data)
    else:
        open("%s/%s" % (out, name), "wb").write(data)
    expect[name] = [[o, l] for o, l, v in want]
json.dump(expect, open(out + "/expect.json", "w"))
PY

cd "$T" || exit 1
for j in 1 2 3 8; do
	rm -f "j$j.db"*
	run 0 "$PIIAUDIT" scan -q --only email --jobs "$j" --db "j$j.db" plain.txt crlf.txt zipped.txt.gz
	run 0 "$PIIAUDIT" export --db "j$j.db" --format jsonl
	python3 - "$T/out" expect.json >"j$j.rows" 2>"$T/err" <<'PY'
import json, sys
got = {}
for l in open(sys.argv[1]):
    o = json.loads(l)
    got.setdefault(o["source"], []).append([o["offset"], o["line"]])
want = json.load(open(sys.argv[2]))
bad = [p for p in want if sorted(got.get(p, [])) != want[p]]
print(json.dumps({p: sorted(v) for p, v in sorted(got.items())}))
sys.exit(1 if bad or set(got) != set(want) else 0)
PY
	rc=$?
	check "--jobs $j: every value once, offsets and lines exact" test "$rc" -eq 0
done
check "the same findings with 1, 2, 3 and 8 jobs" \
	sh -c 'cmp -s j1.rows j2.rows && cmp -s j1.rows j3.rows && cmp -s j1.rows j8.rows'
n=$(python3 -c 'import json; print(sum(len(v) for v in json.load(open("expect.json")).values()))')
got=$(sqlite3 j8.db 'select count(*) from findings')
check "--jobs 8: $n findings ($got)" test "$got" = "$n"

# probe: each line is an output; its record number is its line.
run 0 "$PIIAUDIT" probe -q --only email --jobs 2 --db p.db plain.txt
bad=$(sqlite3 p.db 'select count(*) from findings where record is null or record != line')
check "probe --jobs 2: record = line for every finding ($bad wrong)" test "$bad" = 0
lines=$(wc -l <plain.txt)
got=$(sqlite3 p.db "select records from sources where path = 'plain.txt'")
check "probe --jobs 2: the source's records are its lines ($got = $lines)" test "$got" = "$lines"

finish
