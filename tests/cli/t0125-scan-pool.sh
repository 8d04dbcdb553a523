#!/usr/bin/env bash
# t0125: the scan pool (issue 4).  Windows of a source are matched by
# --jobs threads while the worker reads on, and their findings recorded in
# window order with lines counted on from each window's first line.  Three
# multi-MiB files (plain, .gz, and one with CRLF lines) scanned together
# with 1, 2, 3 and 8 jobs: every value found once, at its exact offset and
# line, the same rows whatever the number of jobs; probe's records (one
# per line) too.  A source's end waits behind its windows while the next
# source is read: tar members, JSON records (--field) and text files in a
# row keep their own findings, names and states.
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

# A source ends while its windows are still in the pool: its end waits
# behind them and the next source is read meanwhile.  Each member and each
# record's finding must still be the right source's, with the member's name
# (which the reader reuses for the next member) and its own status.
python3 - <<'PY'
import io, json, random, tarfile
r = random.Random(1251)
def text(tag, n_bytes):
    out, n, size = [], 0, 0
    while size < n_bytes:
        if r.random() < 0.1:
            w = "%s%05d@host.example.org" % (tag, n); n += 1
        else:
            w = r.choice("lorem ipsum dolor sit amet consectetur".split())
        out.append(w); size += len(w) + 1
    return (" ".join(out) + "\n").encode(), n
members, want = [], {}
for name, size in (("big-one.txt", 2 << 20), ("small.txt", 300), ("big-two.txt", 3 << 20),
                   ("tiny.txt", 80)):
    data, n = text(name.split(".")[0].replace("-", ""), size)
    members.append((name, data)); want["mixed.tar!" + name] = n
with tarfile.open("mixed.tar", "w") as t:
    for name, data in members:
        info = tarfile.TarInfo(name); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
with open("rec.jsonl", "w") as f:
    for i in range(500):
        f.write(json.dumps({"id": i, "text": "write to rec%04d@host.example.org" % i}) + "\n")
want["rec.jsonl"] = 500
json.dump(want, open("mixed.json", "w"))
PY
for j in 1 2; do
	rm -f "m$j.db"*
	run 0 "$PIIAUDIT" scan -q --only email --jobs "$j" --field text --db "m$j.db" plain.txt rec.jsonl mixed.tar crlf.txt
	got=$(sqlite3 "m$j.db" "select s.path || coalesce('!' || s.member, '') || '=' || count(f.id) from sources s left join findings f on f.source_id = s.id where s.path in ('mixed.tar', 'rec.jsonl') and s.kind != 'archive' group by s.id order by 1")
	want=$(python3 -c 'import json; print("\n".join(sorted("%s=%d" % kv for kv in json.load(open("mixed.json")).items())))')
	check "--jobs $j: each member's and the records' findings are their own source's" test "$got" = "$want"
	bad=$(sqlite3 "m$j.db" "select count(*) from findings f join sources s on s.id = f.source_id where s.member is not null and f.preview not like substr(replace(s.member, '-', ''), 1, 1) || '%'")
	check "--jobs $j: no member's finding recorded under another member ($bad)" test "$bad" = 0
	check "--jobs $j: every source ok, with its size" \
		test "$(sqlite3 "m$j.db" "select count(*) from sources where status != 'ok' or (kind != 'archive' and bytes_scanned <= 0)")" = 0
	check "--jobs $j: plain.txt and crlf.txt keep their findings" \
		test "$(sqlite3 "m$j.db" "select group_concat(findings) from (select findings from sources where path in ('plain.txt', 'crlf.txt') order by path)")" = \
		"$(sqlite3 j1.db "select group_concat(findings) from (select findings from sources where path in ('plain.txt', 'crlf.txt') order by path)")"
done

# probe: each line is an output; its record number is its line.
run 0 "$PIIAUDIT" probe -q --only email --jobs 2 --db p.db plain.txt
bad=$(sqlite3 p.db 'select count(*) from findings where record is null or record != line')
check "probe --jobs 2: record = line for every finding ($bad wrong)" test "$bad" = 0
lines=$(wc -l <plain.txt)
got=$(sqlite3 p.db "select records from sources where path = 'plain.txt'")
check "probe --jobs 2: the source's records are its lines ($got = $lines)" test "$got" = "$lines"

finish
