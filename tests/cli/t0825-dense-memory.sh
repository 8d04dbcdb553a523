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
finish
