#!/usr/bin/env bash
# Storage faults: a disk that fills up (an LD_PRELOAD shim makes writes to
# the database fail with ENOSPC after N bytes, the real errno path) and a
# database locked by another writer.  Each gives one clear line and a
# database that passes its integrity check and holds no half-written
# source; scan --resume then completes the run with the findings of an
# undisturbed scan.  Two scans into one database at once both finish, also
# when both are creating it.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 "$1" "$2"; }
keep() { "$PIIAUDIT" export --db "$1" ${2:+--run "$2"} --format csv | cut -d, -f1-9,12 | sort; }

${CC:-cc} -shared -fPIC -o "$T/enospc.so" "$TOP/tests/cli/enospc_shim.c" -ldl 2>"$T/cc.err"
check "the ENOSPC shim builds" test -f "$T/enospc.so"
# A sanitizer build wants its runtime first; the shim only wraps libc.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

mkdir -p "$T/c/sub"
python3 - "$T/c" <<'PY'
import os, sys
for i in range(24):
    with open(os.path.join(sys.argv[1], "f%02d.txt" % i), "w") as f:
        f.write("".join("rec %d mail u%d.%d@h%d.io\n" % (j, i, j, j % 7) for j in range(1500)))
    if i % 3 == 0:
        with open(os.path.join(sys.argv[1], "sub", "s%02d.txt" % i), "w") as f:
            f.write("".join("sub %d mail s%d.%d@k%d.io\n" % (j, i, j, j % 5) for j in range(800)))
PY
tar -C "$T/c" -czf "$T/c/sub.tar.gz" sub && rm -r "$T/c/sub"
run 0 "$PIIAUDIT" scan -q -j 2 --db "$T/full.db" "$T/c"
keep "$T/full.db" >"$T/full.csv"
check "the undisturbed scan found the planted values" test "$(wc -l <"$T/full.csv")" -ge 40000

# -- the disk fills up at several points: before the schema, within the
# run's start, within the first sources, late in the scan.
for budget in 0 120000 600000 2500000; do
	rm -f "$T/f.db"*
	ENOSPC_PATH="$T/f.db" ENOSPC_AFTER=$budget LD_PRELOAD="$T/enospc.so" \
		"$PIIAUDIT" scan -q -j 2 --db "$T/f.db" "$T/c" >"$T/out" 2>"$T/err"
	rc=$?
	check "full after $budget bytes: exit 2 or 3 (got $rc)" test "$rc" = 2 -o "$rc" = 3
	check "... one clear line" test "$(grep -c 'f.db: .*database or disk is full' "$T/err")" = 1
	check "... nothing else on stderr" test "$(wc -l <"$T/err")" = 1
	check "... integrity_check passes" test "$(sql "$T/f.db" 'pragma integrity_check')" = ok
	if [ "$rc" = 3 ]; then
		check "... no finding without its source, no source without its parent" \
			test "$(sql "$T/f.db" "select (select count(*) from findings f where not exists
				(select 1 from sources s where s.id = f.source_id)) + (select count(*) from sources c
				where c.parent_id is not null and not exists (select 1 from sources p where p.id = c.parent_id))" 2>&1)" = 0
		check "... the run is not marked complete" test "$(sql "$T/f.db" "select count(*) from runs where status in ('ok', 'errors')")" = 0
		check "... no half-written source in a complete run" test "$(sql "$T/f.db" "select count(*) from sources s join runs r on r.id = s.run_id
			where s.status = 'scanning' and r.status in ('ok', 'errors')")" = 0
		check "... every recorded run has its rules" test "$(sql "$T/f.db" "select count(*) from runs r where not exists (select 1 from rules where run_id = r.id)")" = 0
		# When the disk had room again by the end, the run was marked
		# failed: that is resumable too.
		[ "$budget" = 2500000 ] && sql "$T/f.db" "update runs set status = 'failed'"
	fi
	run 0 "$PIIAUDIT" scan -q -j 2 --resume --db "$T/f.db" "$T/c"
	check "... --resume completes one run" test "$(sql "$T/f.db" "select group_concat(status) from runs")" = ok
	keep "$T/f.db" >"$T/f.csv"
	if cmp -s "$T/full.csv" "$T/f.csv"; then ok "... the findings equal the undisturbed scan's"
	else not_ok "... the findings differ" "$(diff "$T/full.csv" "$T/f.csv" | head -5)"; fi
	check "... integrity_check after resume" test "$(sql "$T/f.db" 'pragma integrity_check')" = ok
done

# -- a lock held by another writer.
hold() { # hold DB SECONDS|release: a write transaction open for that long,
	# or until the file $T/release exists
	rm -f "$T/release"
	( echo 'BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS hold(x); INSERT INTO hold VALUES (1);'
	  if [ "$2" = release ]; then
		for _ in $(seq 600); do [ -e "$T/release" ] && break; sleep 0.1; done
	  else
		sleep "$2"
	  fi
	  echo 'COMMIT;' ) | sqlite3 "$1" &
	holder=$!
	# Held once another writer cannot begin.
	for _ in $(seq 50); do sqlite3 "$1" 'begin immediate; rollback;' 2>/dev/null || break; sleep 0.1; done
}
cp "$T/full.db" "$T/l.db"
# Held until released (a busy machine once took more than the 3 s it was
# held for to start the first scan).
hold "$T/l.db" release
run 2 "$PIIAUDIT" scan -q --wait 0 --db "$T/l.db" "$T/c/f00.txt"
check "--wait 0 refuses a locked database, saying why" \
	grep -q 'l.db: .*database is locked (another process is writing it; waited 0 s, see --wait)' "$T/err"
check "... one line" test "$(wc -l <"$T/err")" = 1
check "... and adds no run" test "$(sql "$T/l.db" 'select count(*) from runs')" = 1
start=$(date +%s.%N)
( sleep 2; touch "$T/release" ) &
run 0 "$PIIAUDIT" scan -q --wait 20 --db "$T/l.db" "$T/c/f00.txt"
waited=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
check "--wait 20 waits for the lock ($waited s) and scans" test "$(sql "$T/l.db" "select status from runs where id = 2")" = ok
wait "$holder"
check "integrity_check after the lock" test "$(sql "$T/l.db" 'pragma integrity_check')" = ok

# Locked longer than --wait in the middle of a scan: the source in flight
# is not recorded, the run is resumable.
rm -f "$T/m.db"* "$T/fifo"
mkfifo "$T/fifo"
( exec 3>"$T/fifo"; printf 'fifo line fifo.mail@fifo.io\n' >&3; sleep 2; printf 'second line\n' >&3 ) &
writer=$!
"$PIIAUDIT" scan -q -j 1 --wait 1 --db "$T/m.db" "$T/c/f01.txt" "$T/fifo" >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 100); do
	[ "$(sql "$T/m.db" "select count(*) from sources where status = 'ok'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
hold "$T/m.db" 5
wait "$pid"; rc=$?
wait "$writer" "$holder"
check "locked mid-scan longer than --wait: exit 3 (got $rc)" test "$rc" = 3
check "... one clear line" grep -q 'm.db: .*database is locked (another process is writing it; waited 1 s, see --wait)' "$T/err"
check "... integrity_check passes" test "$(sql "$T/m.db" 'pragma integrity_check')" = ok
check "... the finished source kept" test "$(sql "$T/m.db" "select count(*) from sources where status = 'ok'")" = 1
check "... the run is not marked complete" test "$(sql "$T/m.db" "select status from runs")" != ok
printf 'fifo line fifo.mail@fifo.io\n' >"$T/fifo" & writer=$!
run 0 "$PIIAUDIT" scan -q --resume --db "$T/m.db" "$T/c/f01.txt" "$T/fifo"
wait "$writer"
check "... --resume with the same inputs completes it" test "$(sql "$T/m.db" "select group_concat(status) from runs")" = ok
check "... the FIFO read again" test "$(sql "$T/m.db" "select count(*) from findings f join sources s on s.id = f.source_id where s.path like '%fifo'")" = 1

# Two scans into one database at once: they take turns, both complete.
rm -f "$T/two.db"*
"$PIIAUDIT" scan -q -j 2 --db "$T/two.db" "$T/c" 2>"$T/err1" &
p1=$!
"$PIIAUDIT" scan -q -j 2 --db "$T/two.db" "$T/c" 2>"$T/err2" &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
check "two scans at once: both exit 0 ($r1 $r2)" test "$r1$r2" = 00
check "... two complete runs" test "$(sql "$T/two.db" "select group_concat(status) from runs")" = ok,ok
for id in 1 2; do
	keep "$T/two.db" $id >"$T/two$id.csv"
	check "... run $id has every finding" cmp -s "$T/full.csv" "$T/two$id.csv"
done
check "... integrity_check passes" test "$(sql "$T/two.db" 'pragma integrity_check')" = ok

# Two processes creating one database at once: this scan holds its shared
# lock on the new, empty file (paused by a shim) while another process
# switches the file to WAL.  SQLite then refuses this scan's own switch at
# once, without waiting; it asks again and goes on.
${CC:-cc} -shared -fPIC -o "$T/pause.so" "$TOP/tests/cli/pause_shim.c" -ldl 2>"$T/cc.err"
check "the pause shim builds" test -f "$T/pause.so"
rm -f "$T/race.db"* "$T/paused"
PAUSE_ON=reserved PAUSE_PATH="$T/race.db" PAUSE_FLAG="$T/paused" PAUSE_SECONDS=1 LD_PRELOAD="$T/pause.so" \
	"$PIIAUDIT" scan -q --db "$T/race.db" "$T/c/f00.txt" >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 100); do [ -e "$T/paused" ] && break; sleep 0.1; done
check "... the scan paused holding its shared lock" test -e "$T/paused"
mode=$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=20)
print(c.execute("pragma journal_mode = wal").fetchone()[0])' "$T/race.db" 2>&1)
wait "$pid"; rc=$?
check "... another process switched the new database to WAL ($mode)" test "$mode" = wal
check "a new database switched to WAL by another process meanwhile: exit 0 (got $rc: $(head -c 200 "$T/err"))" test "$rc" = 0
check "... the run is complete" test "$(sql "$T/race.db" "select group_concat(status) from runs")" = ok
check "... with its findings" test "$(sql "$T/race.db" "select count(*) from findings")" -ge 1500

# Two commands opening one database made by an older piiaudit at once:
# the first, adding the missing column, is paused on its first write to
# the WAL (its write lock held); the second, started meanwhile, found the
# column missing too.  It waits for the lock, looks again, and finds the
# column there instead of adding it twice.
cp "$T/full.db" "$T/old.db"
sqlite3 "$T/old.db" 'alter table sources drop column sha256'
rm -f "$T/paused"
PAUSE_ON=write PAUSE_PATH="$T/old.db-wal" PAUSE_FLAG="$T/paused" PAUSE_SECONDS=2 LD_PRELOAD="$T/pause.so" \
	"$PIIAUDIT" export --db "$T/old.db" --format csv >"$T/old1.csv" 2>"$T/err1" &
pid=$!
for _ in $(seq 100); do [ -e "$T/paused" ] && break; sleep 0.1; done
check "an older database: the first command paused in its upgrade" test -e "$T/paused"
"$PIIAUDIT" export --db "$T/old.db" --format csv >"$T/old2.csv" 2>"$T/err2"
r2=$?
wait "$pid"; r1=$?
check "two commands upgrading it at once: both exit 0 ($r1 $r2: $(cat "$T/err1" "$T/err2" | head -c 300))" \
	test "$r1$r2" = 00
check "... the column added once" \
	test "$(sql "$T/old.db" "select count(*) from pragma_table_info('sources') where name = 'sha256'")" = 1
check "... both exported every finding" \
	test "$(wc -l <"$T/old1.csv")" = "$(wc -l <"$T/old2.csv")" -a "$(wc -l <"$T/old1.csv")" -gt 40000

run 2 "$PIIAUDIT" scan --wait soon --db "$T/u.db" "$T/c/f00.txt"
check "a bad --wait is a usage error" grep -q -- '--wait takes a number of seconds' "$T/err"
finish
