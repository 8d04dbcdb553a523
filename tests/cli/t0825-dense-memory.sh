#!/usr/bin/env bash
# t0825: memory stays bounded when findings are dense (issue 4).  The
# windows that the scan pool has matched wait to be recorded with their
# hits, and a window of dense findings holds several MiB of them: 16 such
# windows in flight took 101-106 MiB on 26 MB of an e-mail address and an
# IPv4 address a line, where 1.7 M findings are recorded in order.  Now
# the windows in flight are bounded by their hits too (PIPELINE_HIT_BYTES
# in audit/cmd_scan.c): 70-75 MiB.  The findings must not change: two a
# line, on every line.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

python3 - <<'PY'
import random
r = random.Random(825)
with open("dense.txt", "w") as f:
    for i in range(850000):
        f.write("u%d@mail%d.io 10.%d.%d.%d\n" % (r.randrange(10**6), r.randrange(100),
                r.randrange(256), r.randrange(256), r.randrange(1, 255)))
PY

if [ -n "${ASAN_OPTIONS:-}" ] || [ ! -x /usr/bin/time ]; then
	# Under the sanitizers the quarantine of freed memory dominates the
	# figure, and the scan takes minutes: the sampled check only.
	head -n 50000 dense.txt >small.txt
	run 0 "$PIIAUDIT" scan -q -j 2 --db s.db small.txt
	check "two findings a line" test "$(sqlite3 s.db 'select count(*) from findings')" = 100000
	finish
	exit
fi

run 0 /usr/bin/time -v "$PIIAUDIT" scan -q -j 2 --db d2.db dense.txt
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/err")
check "peak memory with dense findings, 2 jobs (${rss} KiB < 90000)" test "${rss:-9999999}" -lt 90000
check "two findings a line" test "$(sqlite3 d2.db 'select count(*) from findings')" = 1700000
check "an e-mail address and an IPv4 address on each line" \
	test "$(sqlite3 d2.db "select count(distinct line) || ' ' || sum(category = 'email') || ' ' || sum(category = 'ip_address') from findings")" = "850000 850000 850000"
# A second run of dense findings into the same database: the fingerprint
# index, kept live for a run into a database with others' findings, is
# dropped once this run has 200,000 findings (the database held no more
# than twelve times that) and built again at the end; live, each of these
# findings cost a random write (20 s instead of 8 for the bench's dense
# list; db/store.c, index_watch()).
head -n 300000 dense.txt >second.txt
run 0 "$PIIAUDIT" scan --progress -j 2 --db d2.db second.txt
check "the second run says it builds the index at its end" grep -q 'indexing 600000 findings by fingerprint' "$T/err"
check "the index is there after it" \
	test "$(sqlite3 d2.db "select count(*) from sqlite_master where name = 'findings_run_fingerprint'")" = 1
check "lookups by fingerprint use it" \
	grep -q findings_run_fingerprint <(sqlite3 d2.db "explain query plan select count(*) from findings where run_id = 2 and fingerprint = 'x'")
check "each of its findings has the same fingerprint in the first run" \
	test "$(sqlite3 d2.db "select count(*) from findings a where run_id = 2 and exists (select 1 from findings b where b.run_id = 1 and b.fingerprint = a.fingerprint and b.offset = a.offset)")" = 600000

# A small run into a big database keeps the index live: no rebuild.
head -n 1000 dense.txt >small.txt
run 0 "$PIIAUDIT" scan --progress -j 2 --db d2.db small.txt
check "a small run does not rebuild it" sh -c "! grep -q 'indexing' '$T/err'"
check "... and it is still there" \
	test "$(sqlite3 d2.db "select count(*) from sqlite_master where name = 'findings_run_fingerprint'")" = 1
finish
