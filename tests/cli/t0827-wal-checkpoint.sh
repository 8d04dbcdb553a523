#!/usr/bin/env bash
# t0827: while a scan writes, what it has committed is copied from the WAL
# into the database file beside it (db/checkpointer.c), not all of it by
# the close at the end, alone (issue 4: a quarter of a second of 1.3 on
# tests/bench's 200 MB .gz), nor by a 256 MiB checkpoint that holds the
# recording thread.  The scan reads a file, then a FIFO that stays open,
# so it is surely in flight while the database file is looked at: a copy
# of that file alone (no -wal) holds the findings committed so far.  The
# file is under 64 KiB, matched by the worker itself: a larger one's
# windows would wait in the pool until the FIFO's first window.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }

cd "$T" || exit 1
lines=1000
awk -v n=$lines 'BEGIN { for (i = 1; i <= n; i++) printf "row %d: mail person%d@host%d.example.org today\n", i, i, i % 97 }' >lines.txt
rm -f fifo && mkfifo fifo
( echo 'last: person0@host0.example.org'; exec sleep 60 ) >fifo & writer=$!
"$PIIAUDIT" scan -q -j 1 --db live.db lines.txt fifo >"$T/out" 2>"$T/err" & pid=$!
# The file alone: a copy without its -wal, counted (0 while nothing is
# there, or the copy caught a page being written).
file_count() {
	rm -f copy.db copy.db-wal copy.db-shm
	cp live.db copy.db 2>/dev/null || { echo 0; return; }
	local n; n=$(sql copy.db "select count(*) from findings")
	case $n in ''|*[!0-9]*) echo 0 ;; *) echo "$n" ;; esac
}
seen=0
for _ in $(seq 300); do
	seen=$(file_count)
	[ "$seen" -gt 0 ] && break
	sleep 0.1
done
check "while the scan runs, the database file alone holds findings ($seen)" test "$seen" -gt 0
check "the scan is still in flight then" kill -0 "$pid"
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
wait "$pid"; rc=$?
check "the scan ends once the FIFO closes (exit $rc)" test "$rc" = 0
check "every line's address is recorded" \
	test "$(sql live.db "select count(*) from findings where category = 'email'")" = $((lines + 1))
check "the database is intact" test "$(sql live.db 'pragma integrity_check')" = ok
check "no -wal file is left behind" test ! -s live.db-wal
# The close copies back what was left: the file alone is the whole run.
check "the file alone holds them all after the scan" test "$(file_count)" = $((lines + 1))
finish
