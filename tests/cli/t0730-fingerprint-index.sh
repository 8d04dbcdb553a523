#!/usr/bin/env bash
# t0730: findings are indexed by (run_id, fingerprint), so that a scan only
# inserts into its own run's part of the index (issue 4: a scan into a
# database of 1.3 million findings took 1.9 times as long as into an empty
# one while the index was on the fingerprint alone).  A database made
# before, with the old index, gets the new one when it is opened, in one
# transaction; lookup (by fingerprint across runs) and a verdict lookup by
# finding id (review) still find every run's findings, through the index.
# Into a database without other runs' findings, scan builds the index at
# the end instead (killed, the next scan into it builds it, --resume or a
# new run; interrupted, on the way out).
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
indexes() { sql "$1" "select group_concat(name) from (select name from sqlite_master where type = 'index' and tbl_name = 'findings' order by 1)"; }

cd "$T" || exit 1
mkdir -p c1 c2
for i in $(seq 1 40); do echo "row $i: write to subject.person@mail-host.example.net or user$i@corp$i.io"; done >c1/a.txt
for i in $(seq 1 25); do echo "other $i: subject.person@mail-host.example.net, colleague$i@firm$i.de"; done >c2/b.txt

run 0 "$PIIAUDIT" scan -q --db new.db c1
check "a new database has the (run_id, fingerprint) index, not the old one" \
	test "$(indexes new.db)" = "findings_run_category,findings_run_fingerprint,findings_run_source"
check "a query by run and fingerprint uses it" \
	grep -q 'findings_run_fingerprint (run_id=? AND fingerprint=?)' \
	<<<"$(sql new.db "explain query plan select * from findings where run_id = 1 and fingerprint = 'x'")"

# A database as piiaudit made it before: the index on fingerprint alone.
cp new.db old.db
sql old.db "drop index findings_run_fingerprint; create index findings_fingerprint on findings(fingerprint);" >/dev/null
check "(the old database has the old index)" \
	test "$(indexes old.db)" = "findings_fingerprint,findings_run_category,findings_run_source"
run 0 "$PIIAUDIT" lookup --db old.db --email subject.person@mail-host.example.net
check "lookup on the old database finds the 40 occurrences" grep -q '40 occurrence' "$T/out"
check "opening it replaced the index" \
	test "$(indexes old.db)" = "findings_run_category,findings_run_fingerprint,findings_run_source"
check "the database is intact" test "$(sql old.db 'pragma integrity_check')" = ok

# A second run into it: lookup goes run by run through the index.
run 0 "$PIIAUDIT" scan -q --db old.db c2
run 0 "$PIIAUDIT" lookup --db old.db --format json --email subject.person@mail-host.example.net
check "lookup finds the value in both runs (40 + 25)" \
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
runs = {}
def walk(x):
    if isinstance(x, dict):
        if "run" in x and "offset" in x:
            runs[x["run"]] = runs.get(x["run"], 0) + 1
        for v in x.values(): walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(d)
sys.exit(0 if sorted(runs.values()) == [25, 40] else 1)' "$T/out"
plan=$(sql old.db "explain query plan SELECT r.id FROM runs r CROSS JOIN findings f ON f.run_id = r.id AND f.fingerprint = 'x' JOIN sources s ON s.id = f.source_id")
check "lookup's query searches the index run by run" grep -q 'SEARCH f USING INDEX findings_run_fingerprint' <<<"$plan"

# Two processes opening an old database at once: one replaces the index,
# the other finds it done; neither fails.
cp new.db race.db
sql race.db "drop index findings_run_fingerprint; create index findings_fingerprint on findings(fingerprint);" >/dev/null
"$PIIAUDIT" lookup --db race.db --email subject.person@mail-host.example.net >r1.out 2>&1 & p1=$!
"$PIIAUDIT" lookup --db race.db --email subject.person@mail-host.example.net >r2.out 2>&1 & p2=$!
wait $p1; rc1=$?; wait $p2; rc2=$?
check "two lookups opening the old database at once both succeed ($rc1, $rc2)" test "$rc1,$rc2" = 0,0
check "both found the 40 occurrences" grep -q '40 occurrence' r1.out r2.out
check "the index was replaced once" \
	test "$(indexes race.db)" = "findings_run_category,findings_run_fingerprint,findings_run_source"
# Into a database without other runs' findings, scan leaves the index out
# while it writes (a random insert per finding) and builds it at the end.
# The scan reads a FIFO that stays open, so it is surely in flight.
idx() { sql "$1" "select count(*) from sqlite_master where name = 'findings_run_fingerprint'"; }
wait_ok() { # db: until one source is recorded ok
	for _ in $(seq 100); do
		[ "$(sql "$1" "select count(*) from sources where status = 'ok'" 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
rm -f fifo && mkfifo fifo
( echo 'late line: subject.person@mail-host.example.net'; exec sleep 30 ) >fifo & writer=$!
"$PIIAUDIT" scan -q -j 1 --db fresh.db c1/a.txt fifo 2>"$T/err" & pid=$!
wait_ok fresh.db
check "a scan into a new database runs without the fingerprint index" test "$(idx fresh.db)" = 0
run 0 "$PIIAUDIT" lookup --db fresh.db --email subject.person@mail-host.example.net
check "lookup meanwhile still finds the recorded occurrences (by reading the table)" grep -q '40 occurrence' "$T/out"
kill -KILL "$pid"; wait "$pid" 2>/dev/null; kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
check "killed, the database is intact" test "$(sql fresh.db 'pragma integrity_check')" = ok
check "and the index is still missing" test "$(idx fresh.db)" = 0
# Another copy, killed the same way, then scanned into as a new run (not
# --resume): the missing index is noticed and built at that run's end.
cp fresh.db killed.db
run 0 "$PIIAUDIT" scan -q --db killed.db c2/b.txt
check "a new run into the killed run's database builds the missing index" test "$(idx killed.db)" = 1
check "(and it is used by lookups by run and fingerprint)" \
	grep -q 'findings_run_fingerprint (run_id=? AND fingerprint=?)' \
	<<<"$(sql killed.db "explain query plan select * from findings where run_id = 1 and fingerprint = 'x'")"
check "that database is intact" test "$(sql killed.db 'pragma integrity_check')" = ok
# Resumed with the same inputs: the FIFO, read again, gives b.txt's lines.
cat c2/b.txt >fifo & writer=$!
run 0 "$PIIAUDIT" scan -q --resume --db fresh.db c1/a.txt fifo
wait "$writer"
check "--resume finishes the run and builds the index" test "$(idx fresh.db)" = 1
check "the resumed run's findings: 40 + 25 of the value, 65 others" \
	test "$(sql fresh.db "select count(*) from findings")" = 130
run 0 "$PIIAUDIT" lookup --db fresh.db --email subject.person@mail-host.example.net
check "lookup finds all 65 through the index" grep -q '65 occurrence' "$T/out"

# Into a database that holds another run's findings the index stays, and
# the scan inserts into it as it goes.
( echo 'late line'; exec sleep 30 ) >fifo & writer=$!
"$PIIAUDIT" scan -q -j 1 --db fresh.db c2/b.txt fifo 2>"$T/err" & pid=$!
for _ in $(seq 100); do
	[ "$(sql fresh.db "select count(*) from runs where status = 'running'" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
sleep 0.5
check "a scan into a database with other runs keeps the index" test "$(idx fresh.db)" = 1
kill -INT "$pid"; wait "$pid" 2>/dev/null; kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
check "still there after" test "$(idx fresh.db)" = 1

# Interrupted (SIGINT) in a new database: the index is built on the way out.
rm -f int.db*
( echo 'late line'; exec sleep 30 ) >fifo & writer=$!
"$PIIAUDIT" scan -q -j 1 --db int.db c1/a.txt fifo 2>"$T/err" & pid=$!
wait_ok int.db
kill -INT "$pid"; wait "$pid"; rc=$?; kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
check "SIGINT: exit 130 ($rc)" test "$rc" = 130
check "SIGINT: the index is built before exiting" test "$(idx int.db)" = 1
finish
