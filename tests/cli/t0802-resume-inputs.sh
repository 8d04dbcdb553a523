#!/usr/bin/env bash
# scan --resume continues a run only over the inputs it was asked to read:
# the paths named (operands and --files-from entries, in any order and
# either way), the plan and the shard.  Resumed with fewer paths, the run
# would end "ok" without the rest ever read; with others, it would hold
# sources its command line never named.  A file added under a named folder
# since is not a change of inputs: it is read with the rest.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/c/d"
for i in 1 2 3; do
	printf 'contact u%d.one@mail-host.io or u%d.two@mail-host.io\n' "$i" "$i" >"$T/c/f$i.txt"
done
printf 'write to d.one@mail-host.io\n' >"$T/c/d/a.txt"

# A run named f1, f2 and the folder d, left interrupted after f1: the
# rows of f2 and d's files deleted, as an interrupted scan leaves them.
interrupted() { # db
	rm -f "$1"*
	"$PIIAUDIT" scan -q --db "$1" "$T/c/f1.txt" "$T/c/f2.txt" "$T/c/d"
	sqlite3 "$1" "delete from findings where source_id in (select id from sources where path not like '%f1.txt');
		delete from sources where path not like '%f1.txt'; update runs set status = 'interrupted'"
}
state() { sqlite3 "$1" "select count(*) from sources where status = 'ok'; select status from runs"; }

interrupted "$T/a.db"
check "the run records what it was asked to read, as a SHA-256" \
	test "$(sqlite3 "$T/a.db" "select length(inputs) from runs")" = 64
run 2 "$PIIAUDIT" scan -q --resume --db "$T/a.db" "$T/c/f1.txt" "$T/c/f2.txt"
check "resume without one of the paths named is refused, naming the run" \
	grep -q "a.db: run 1 was made over other inputs (the paths named, --files-from's list, --plan or --shard differ); resume with the same inputs" "$T/err"
run 2 "$PIIAUDIT" scan -q --resume --db "$T/a.db" "$T/c/f1.txt" "$T/c/f2.txt" "$T/c/d" "$T/c/f3.txt"
check "resume with a path more is refused" grep -q "made over other inputs" "$T/err"
run 2 "$PIIAUDIT" scan -q --resume --db "$T/a.db" "$T/c/f1.txt" "$T/c/f3.txt" "$T/c/d"
check "resume with one path swapped for another is refused" grep -q "made over other inputs" "$T/err"
run 2 "$PIIAUDIT" scan -q --resume --db "$T/a.db" "$T/c/f1.txt" "$T/c/f2.txt" "$T/c/d" "$T/c/f2.txt"
check "resume with a path named twice (once in the run) is refused" grep -q "made over other inputs" "$T/err"
run 2 "$PIIAUDIT" scan -q --resume --shard 0/2 --db "$T/a.db" "$T/c/f1.txt" "$T/c/f2.txt" "$T/c/d"
check "resume as a shard of a run that was not one is refused" grep -q "made over other inputs" "$T/err"
check "the refused resumes read nothing and left the run interrupted" \
	test "$(state "$T/a.db")" = "$(printf '1\ninterrupted')"

printf 'one contact: f3.new@mail-host.io\n' >"$T/c/d/b.txt"
run 0 "$PIIAUDIT" scan -q --resume --db "$T/a.db" "$T/c/d" "$T/c/f2.txt" "$T/c/f1.txt"
check "the same paths in another order, a file added under the folder since: resumed" \
	test "$(state "$T/a.db")" = "$(printf '4\nok')"
check "... the file added under the folder was read" \
	test "$(sqlite3 "$T/a.db" "select count(*) from findings f join sources s on s.id = f.source_id where s.path like '%b.txt'")" = 1

# The same paths through --files-from (NUL-separated too) are the same inputs.
interrupted "$T/b.db"
printf '%s\n' "$T/c/d" "$T/c/f1.txt" "$T/c/f2.txt" >"$T/list"
run 0 "$PIIAUDIT" scan -q --resume --files-from "$T/list" --db "$T/b.db"
check "the run's paths from a --files-from list: resumed" test "$(state "$T/b.db")" = "$(printf '4\nok')"
interrupted "$T/b.db"
printf '%s\0' "$T/c/f2.txt" "$T/c/d" >"$T/list0"
run 0 "$PIIAUDIT" scan -q --resume --files-from "$T/list0" --null --db "$T/b.db" "$T/c/f1.txt"
check "part named, part listed with --null: resumed" test "$(state "$T/b.db")" = "$(printf '4\nok')"
interrupted "$T/b.db"
printf '%s\n' "$T/c/d" "$T/c/f1.txt" >"$T/list"
run 2 "$PIIAUDIT" scan -q --resume --files-from "$T/list" --db "$T/b.db"
check "a list without one of the run's paths is refused" grep -q "made over other inputs" "$T/err"

# Shards: the same path list, another shard, is another run's work.
rm -f "$T/s.db"*
"$PIIAUDIT" scan -q --shard 0/2 --db "$T/s.db" "$T/c"
sqlite3 "$T/s.db" "update runs set status = 'interrupted'"
run 2 "$PIIAUDIT" scan -q --resume --shard 1/2 --db "$T/s.db" "$T/c"
check "resume of shard 0/2 as shard 1/2 is refused" grep -q "made over other inputs" "$T/err"
run 0 "$PIIAUDIT" scan -q --resume --shard 0/2 --db "$T/s.db" "$T/c"
check "... as shard 0/2: resumed" test "$(sqlite3 "$T/s.db" "select status from runs")" = ok

# A database of an older version: runs has no inputs column; it is added,
# and a run without a digest resumes whatever the paths.
interrupted "$T/old.db"
sqlite3 "$T/old.db" "alter table runs drop column inputs"
run 0 "$PIIAUDIT" scan -q --resume --db "$T/old.db" "$T/c/f1.txt" "$T/c/f2.txt"
check "a run recorded before inputs were: not compared, resumed" \
	test "$(state "$T/old.db")" = "$(printf '2\nok')"
check "... the column was added to the older database" \
	test "$(sqlite3 "$T/old.db" "select count(*) from pragma_table_info('runs') where name = 'inputs'")" = 1
finish
