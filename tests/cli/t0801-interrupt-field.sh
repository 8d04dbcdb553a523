#!/usr/bin/env bash
# t0801: SIGKILL in field mode (issue 8; t0800 does it for text).  Records
# are matched in batches in the pool and, over a megabyte, in the worker;
# a scan killed at random points and resumed must give the findings of an
# uninterrupted one, field and record included, and a database that
# passes its integrity check: JSON lines (escapes, records of 1.5 MB, one
# that is not JSON), a JSON array, a CSV, and the same in a .tar.gz.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/c"
python3 - "$T/c" <<'PY'
import gzip, json, os, random, sys
r = random.Random(801)
d = sys.argv[1]
def record(i, j):
    pad = "word \u00e9 \"q\" " * r.randint(0, 40)
    return {"id": j, "text": "%s mail u%d.%d@h%d.io %s" % (pad, i, j, j % 7, pad),
            "other": "skip%d@h.io" % j}
for i in range(16):
    recs = [record(i, j) for j in range(2500)]
    path = os.path.join(d, "f%03d" % i)
    if i % 5 == 0:
        with open(path + ".json", "w") as f:
            json.dump(recs, f)
    elif i % 5 == 1:
        with open(path + ".csv", "w") as f:
            f.write("id,text\n")
            for x in recs:
                f.write('%d,"%s"\n' % (x["id"], x["text"].replace('"', '""')))
    else:
        lines = "".join(json.dumps(x) + "\n" for x in recs)
        if i % 5 == 2:
            with gzip.open(path + ".jsonl.gz", "wt", compresslevel=1) as f:
                f.write(lines)
        else:
            with open(path + ".jsonl", "w") as f:
                f.write(lines)
with open(os.path.join(d, "big.jsonl"), "w") as f:
    for j in range(6):
        text = " ".join("mail b%d.%d@big.io \\n" % (j, k) if k % 500 == 0 else "filler\tword" for k in range(120000))
        f.write(json.dumps({"id": j, "text": text}) + "\n")
    f.write('{"id": 99, "text": "not closed b99@big.io\n')
PY
tar -C "$T" -czf "$T/c.tar.gz" c
q="select s.path, coalesce(s.member, ''), f.rule, f.offset, f.length, f.line, f.record, coalesce(f.field, ''), f.fingerprint
   from findings f join sources s on s.id = f.source_id order by 1, 2, 4, 3"

start=$(now_ms)
run 0 "$PIIAUDIT" scan -q -j 2 --field text --db "$T/full.db" "$T/c" "$T/c.tar.gz"
full_ms=$(( $(now_ms) - start ))
sqlite3 "$T/full.db" "$q" >"$T/full.txt"
check "the uninterrupted scan found the planted values" test "$(wc -l <"$T/full.txt")" -ge 80000
check "... in the big records too" test "$(grep -c '@big.io\|big.jsonl' "$T/full.txt")" -ge 2000

# Each kill comes after 10% to 50% of the uninterrupted scan's time (which
# may include compiling the rules); a round the scan outran halves that.
unfinished=0
soonest=$(( full_ms / 10 )) latest=$(( full_ms / 2 ))
for round in 1 2 3; do
	rm -f "$T/k.db"*
	"$PIIAUDIT" scan -q -j 2 --field text --db "$T/k.db" "$T/c" "$T/c.tar.gz" 2>/dev/null &
	pid=$!
	sleep_ms $(( soonest + RANDOM % (latest - soonest + 1) ))
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check "round $round: integrity_check after SIGKILL" test "$(sqlite3 "$T/k.db" 'pragma integrity_check' 2>&1)" = ok
	status=$(sqlite3 "$T/k.db" 'select status from runs' 2>&1)
	if [ "$status" != ok ]; then unfinished=$((unfinished + 1)); else latest=$(( latest / 2 > soonest ? latest / 2 : soonest )); fi
	tries=0
	while [ "$status" != ok ] && [ $tries -lt 3 ]; do
		"$PIIAUDIT" scan -q --resume -j 2 --field text --db "$T/k.db" "$T/c" "$T/c.tar.gz" 2>"$T/err"
		status=$(sqlite3 "$T/k.db" 'select status from runs')
		tries=$((tries + 1))
	done
	check "round $round: one run, completed by --resume" test "$status" = ok
	sqlite3 "$T/k.db" "$q" >"$T/k.txt"
	if cmp -s "$T/full.txt" "$T/k.txt"; then ok "round $round: findings equal the uninterrupted scan's"
	else not_ok "round $round: findings differ" "$(diff "$T/full.txt" "$T/k.txt" | head -5)"; fi
	check "round $round: integrity_check after resume" test "$(sqlite3 "$T/k.db" 'pragma integrity_check')" = ok
done
check "the kills came while scanning ($unfinished of 3 runs unfinished; full scan $full_ms ms)" test "$unfinished" -ge 1
finish
