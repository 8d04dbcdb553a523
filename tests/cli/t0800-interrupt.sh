#!/usr/bin/env bash
# Interruption: SIGINT and SIGTERM mark the run interrupted and exit 130 and
# 143; scan --resume continues it; a scan killed with SIGKILL at random
# points and resumed gives the findings of an uninterrupted scan, and the
# database passes its integrity check every time.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/c"
python3 - "$T/c" <<'PY'
import gzip, os, random, sys
r = random.Random(7)
for i in range(20):
    lines = "".join("rec %d word %d mail u%d.%d@h%d.io\n" % (j, r.randint(0, 10**6), i, j, j % 7)
                    for j in range(2000))
    path = os.path.join(sys.argv[1], "f%03d.txt" % i)
    if i % 4 == 0:
        with gzip.open(path + ".gz", "wt", compresslevel=1) as f:
            f.write(lines)
    else:
        with open(path, "w") as f:
            f.write(lines)
PY
tar -C "$T" -czf "$T/c.tar.gz" c
keep() { "$PIIAUDIT" export --db "$1" --format csv | cut -d, -f1-9,12 | sort; }

start=$(now_ms)
run 0 "$PIIAUDIT" scan -q -j 2 --db "$T/full.db" "$T/c" "$T/c.tar.gz"
full_ms=$(( $(now_ms) - start ))
keep "$T/full.db" >"$T/full.csv"
check "the uninterrupted scan found the planted values" test "$(wc -l <"$T/full.csv")" -ge 80000

cp "$T/full.db" "$T/again.db"
run 0 "$PIIAUDIT" scan --no-progress --resume --db "$T/again.db" "$T/c"
check "resume with nothing unfinished starts a new run, and says so" grep -q 'no unfinished scan to resume: starting a new run' "$T/err"
check "... a second run" test "$(sqlite3 "$T/again.db" 'select count(*) from runs')" = 2

# SIGKILL at random points, then --resume until the run completes.  Each
# kill comes after 10% to 50% of the uninterrupted scan's time (which may
# include compiling the rules); a round the scan outran halves that.
unfinished=0
soonest=$(( full_ms / 10 )) latest=$(( full_ms / 2 ))
for round in 1 2 3; do
	rm -f "$T/k.db"*
	"$PIIAUDIT" scan -q -j 2 --db "$T/k.db" "$T/c" "$T/c.tar.gz" 2>/dev/null &
	pid=$!
	sleep_ms $(( soonest + RANDOM % (latest - soonest + 1) ))
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	integrity=$(sqlite3 "$T/k.db" 'pragma integrity_check' 2>&1)
	check "round $round: integrity_check after SIGKILL" test "$integrity" = ok
	status=$(sqlite3 "$T/k.db" 'select status from runs' 2>&1)
	if [ "$status" != ok ]; then unfinished=$((unfinished + 1)); else latest=$(( latest / 2 > soonest ? latest / 2 : soonest )); fi
	tries=0
	while [ "$status" != ok ] && [ $tries -lt 3 ]; do
		"$PIIAUDIT" scan -q --resume -j 2 --db "$T/k.db" "$T/c" "$T/c.tar.gz" 2>"$T/err"
		status=$(sqlite3 "$T/k.db" 'select status from runs')
		tries=$((tries + 1))
	done
	check "round $round: one run, completed by --resume" test "$status" = ok
	keep "$T/k.db" >"$T/k.csv"
	if cmp -s "$T/full.csv" "$T/k.csv"; then ok "round $round: findings equal the uninterrupted scan's"
	else not_ok "round $round: findings differ" "$(diff "$T/full.csv" "$T/k.csv" | head -5)"; fi
	check "round $round: integrity_check after resume" test "$(sqlite3 "$T/k.db" 'pragma integrity_check')" = ok
done
check "the kills came while scanning ($unfinished of 3 runs unfinished; full scan $full_ms ms)" test "$unfinished" -ge 1

# SIGINT and SIGTERM: exit 130 and 143, the run marked interrupted.  The
# scan reads a FIFO that stays open, so it is surely in flight.
for sig in INT TERM; do
	rm -f "$T/s.db"* "$T/fifo"
	mkfifo "$T/fifo"
	( printf 'first line a@b.io\n'; exec sleep 30 ) >"$T/fifo" &
	writer=$!
	"$PIIAUDIT" scan -q -j 1 --db "$T/s.db" "$T/c/f001.txt" "$T/fifo" 2>"$T/err" &
	pid=$!
	recorded=no
	for _ in $(seq 100); do
		[ "$(sqlite3 "$T/s.db" "select count(*) from sources where status = 'ok'" 2>/dev/null)" = 1 ] && recorded=yes && break
		sleep 0.1
	done
	# The worker waits on the FIFO; the source before it is committed
	# all the same (it used to wait, finished, behind the FIFO's read).
	check "SIG$sig: the source before the waiting FIFO is recorded meanwhile" test $recorded = yes
	sleep 0.2
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	# The writer holds the FIFO open for 30 s: a scan that stopped only
	# when its read returned would outlive it.
	check "SIG$sig: the scan stopped while the FIFO's writer still held it open" kill -0 "$writer"
	kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
	want=$([ $sig = INT ] && echo 130 || echo 143)
	check "SIG$sig: exit $want (got $rc)" test "$rc" = "$want"
	check "SIG$sig: run marked interrupted" test "$(sqlite3 "$T/s.db" 'select status from runs')" = interrupted
	check "SIG$sig: the finished source kept its findings" \
		test "$(sqlite3 "$T/s.db" "select findings from sources where status = 'ok'")" = 2000
	# The same inputs: the FIFO, written again and closed, is read anew.
	printf 'again a@b.io\n' >"$T/fifo" &
	writer=$!
	run 0 "$PIIAUDIT" scan -q --resume --db "$T/s.db" "$T/c/f001.txt" "$T/fifo"
	wait "$writer" 2>/dev/null
	check "SIG$sig: resume skips the completed source" \
		test "$(sqlite3 "$T/s.db" "select count(*) from sources where path like '%f001.txt'")" = 1
	check "SIG$sig: ... and reads the one in flight again" \
		test "$(sqlite3 "$T/s.db" "select status, findings from sources where path like '%fifo'; select status from runs")" = "$(printf 'ok|1\nok')"
done

# sigint_stops WHAT: SIGINT to the scan $pid, which must exit with 130
# within 10 s (it is killed if not).
sigint_stops() {
	kill -INT "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		not_ok "$1 (still running 10 s later)"
		kill -KILL "$pid"; wait "$pid" 2>/dev/null
		return
	fi
	wait "$pid"; local rc=$?
	check "$1: exit 130 (got $rc)" test "$rc" = 130
}

# SIGINT while open() waits for a FIFO's writer (none comes): the scan
# stops at once and the FIFO is marked interrupted, not unreadable.
rm -f "$T/w.db"* "$T/nowriter"
mkfifo "$T/nowriter"
"$PIIAUDIT" scan -q -j 1 --db "$T/w.db" "$T/nowriter" 2>"$T/err" &
pid=$!
for _ in $(seq 100); do
	[ "$(sqlite3 "$T/w.db" "select count(*) from runs where status = 'running'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
sleep 0.2
sigint_stops "SIGINT while waiting for a FIFO's writer stops the scan"
check "... the FIFO is marked interrupted, not unreadable" \
	test "$(sqlite3 "$T/w.db" "select status || '|' || coalesce(error, '') from sources")" = "interrupted|"

# SIGINT while a write waits for another process's lock (--wait, 30 s by
# default): the scan stops within a second or so, exit 130, and says why.
rm -f "$T/l.db"* "$T/lfifo" "$T/go" "$T/locked"
mkfifo "$T/lfifo"
( printf 'waiting line a@b.io\n'; while [ ! -e "$T/go" ]; do sleep 0.05; done ) >"$T/lfifo" &
writer=$!
"$PIIAUDIT" scan -q -j 1 --db "$T/l.db" "$T/c/f001.txt" "$T/lfifo" 2>"$T/err" &
pid=$!
for _ in $(seq 100); do
	[ "$(sqlite3 "$T/l.db" "select count(*) from sources where status = 'ok'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
# Another process takes the write lock and holds it for 30 s.
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(30)' "$T/l.db" "$T/locked" &
holder=$!
for _ in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.1; done
touch "$T/go"; wait "$writer"
sleep 1   # the FIFO's source ends; its commit waits for the lock
sigint_stops "SIGINT while waiting for another process's lock stops the scan"
check "... while the other process still held the lock" kill -0 "$holder"
check "... and says why in one line" grep -q 'database is locked (another process is writing it; stopped waiting: interrupted)' "$T/err"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check "... the database is intact" test "$(sqlite3 "$T/l.db" 'pragma integrity_check')" = ok
check "... and the first source's findings are kept" \
	test "$(sqlite3 "$T/l.db" "select findings from sources where path like '%f001.txt' and status = 'ok'")" = 2000
printf 'again a@b.io\n' >"$T/lfifo" &
writer=$!
run 0 "$PIIAUDIT" scan -q --resume --db "$T/l.db" "$T/c/f001.txt" "$T/lfifo"
wait "$writer" 2>/dev/null
check "... --resume then reads the source whose commit was cut short" \
	test "$(sqlite3 "$T/l.db" "select status, findings from sources where path like '%lfifo'; select status from runs")" = "$(printf 'ok|1\nok')"

# Resume refuses other rules or another key.
rm -f "$T/r.db"*
"$PIIAUDIT" scan -q --db "$T/r.db" "$T/c" &
pid=$!; sleep_ms $(( full_ms / 4 )); kill -KILL $pid; wait $pid 2>/dev/null
if [ "$(sqlite3 "$T/r.db" "select status from runs" 2>/dev/null)" = running ]; then
	run 2 "$PIIAUDIT" scan -q --resume --only email --db "$T/r.db" "$T/c"
	check "resume with other rules is refused" grep -q 'other rules' "$T/err"
	run 2 "$PIIAUDIT" scan -q --resume --key "$T/other.key" --db "$T/r.db" "$T/c"
	check "resume with another key is refused" grep -q 'another key' "$T/err"
else
	ok "skipped: the scan finished before it could be killed"
fi
# Resume refuses other settings: a run left interrupted after one source
# (the other's rows deleted and its status set as an interrupted scan
# leaves them) continues only with the options that decide what is read
# and recorded.
interrupt_after_f001() {
	sqlite3 "$1" "delete from findings where source_id in (select id from sources where path like '%f002%');
		delete from sources where path like '%f002%'; update runs set status = 'interrupted'"
}
rm -f "$T/o.db"*
"$PIIAUDIT" scan -q --exclude '*.bak' --exclude /c/old --db "$T/o.db" "$T/c/f001.txt" "$T/c/f002.txt"
interrupt_after_f001 "$T/o.db"
run 2 "$PIIAUDIT" scan -q --resume --exclude '*.bak' --db "$T/o.db" "$T/c/f001.txt" "$T/c/f002.txt"
check "resume without one of the run's --exclude globs is refused, naming it" \
	grep -q "o.db: run 1 was made with other options (--exclude=/c/old then, not now); resume with the same options" "$T/err"
run 2 "$PIIAUDIT" scan -q --resume --exclude '*.bak' --exclude /c/old --max-depth 2 --db "$T/o.db" "$T/c/f001.txt" "$T/c/f002.txt"
check "resume with another limit is refused, naming both values" \
	grep -q "(--max-depth=4 then, not now; --max-depth=2 now, not then)" "$T/err"
run 2 "$PIIAUDIT" scan -q --resume --store-values --exclude '*.bak' --exclude /c/old --db "$T/o.db" "$T/c/f001.txt" "$T/c/f002.txt"
check "resume with --store-values on a run without is refused" \
	grep -q "run 1 was made without --store-values, now with" "$T/err"
check "the refused resumes read nothing and stored no raw value" \
	test "$(sqlite3 "$T/o.db" "select count(*) from sources; select count(*) from findings where value is not null; select status, store_values from runs")" = "$(printf '1\n0\ninterrupted|0')"
run 0 "$PIIAUDIT" scan -q --resume -j 1 --engine pcre2 --exclude c/old/ --exclude '*.bak' --db "$T/o.db" "$T/c/f001.txt" "$T/c/f002.txt"
check "the same globs in another order and spelling, other --jobs and --engine: resumed" \
	test "$(sqlite3 "$T/o.db" "select count(*) from sources where status = 'ok'; select status from runs")" = "$(printf '2\nok')"
# A run recorded before settings and inputs were (NULL): only
# --store-values is compared.
rm -f "$T/o.db"*
"$PIIAUDIT" scan -q --db "$T/o.db" "$T/c/f001.txt"
sqlite3 "$T/o.db" "update runs set status = 'interrupted', settings = NULL, inputs = NULL"
run 2 "$PIIAUDIT" scan -q --resume --store-values --db "$T/o.db" "$T/c/f001.txt" "$T/c/f002.txt"
check "a run without recorded settings: --store-values still compared" grep -q "made without --store-values" "$T/err"
run 0 "$PIIAUDIT" scan -q --resume --max-depth 2 --db "$T/o.db" "$T/c/f001.txt" "$T/c/f002.txt"
check "... other options and inputs cannot be compared, so it resumes" \
	test "$(sqlite3 "$T/o.db" "select count(*) from sources where status = 'ok'")" = 2
finish
