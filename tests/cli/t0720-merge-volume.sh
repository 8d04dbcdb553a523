#!/usr/bin/env bash
# t0720: merge at volume (issue 7): a shard with 100,000 synthetic findings
# (made in SQL, on a real shard run) merged into a new database and then,
# as a second merged run, into one that already holds it: every row once,
# source and parent ids remapped consistently, the findings indexes there
# afterwards, in bounded time.  tests/cluster/bench-merge.sh times a
# million.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/cluster/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }

cd "$T" || exit 1
cluster_setup --files 4 >"$T/setup.err" 2>&1 || not_ok "corpus made" "$(cat "$T/setup.err")"
run 0 "$PIIAUDIT" scan -q "${ENGINE[@]}" --shard 0/2 --db a.db corpus
run 0 "$PIIAUDIT" scan -q "${ENGINE[@]}" --shard 1/2 --db b.db corpus
if "$CLUSTER/synth.sh" a.db 1 100 10 100 >"$T/synth.err" 2>&1; then ok "100,000 synthetic findings added to shard 0"
else not_ok "synthetic findings added" "$(cat "$T/synth.err")"; fi
want=$(sql a.db 'select count(*) from findings')
check "shard 0 holds more than 100,000 findings ($want)" test "$want" -gt 100000

start=$(date +%s)
run 0 "$PIIAUDIT" merge -q --db m.db a.db b.db
secs=$(($(date +%s) - start))
check "merge of $want + $(sql b.db 'select count(*) from findings') findings within 120 s ($secs s)" test "$secs" -le 120
total=$(( want + $(sql b.db 'select count(*) from findings') ))
check "every finding once" test "$(sql m.db 'select count(*) from findings')" = "$total"
check "every finding's source is a source of the merged run" \
	test "$(sql m.db 'select count(*) from findings f left join sources s on s.id = f.source_id where s.id is null or s.run_id != f.run_id')" = 0
check "every member's parent is an archive of the merged run, at the same path" \
	test "$(sql m.db "select count(*) from sources s left join sources p on p.id = s.parent_id where s.parent_id is not null and (p.id is null or p.run_id != s.run_id or p.path != s.path or p.kind != 'archive')")" = 0
q="select s.path, coalesce(s.member, ''), f.line, f.offset, f.fingerprint from findings f join sources s on s.id = f.source_id"
check "both shards' findings (positions, fingerprints) are the merged run's" \
	test "$({ sql a.db "$q"; sql b.db "$q"; } | sort | md5sum)" = "$(sql m.db "$q where f.run_id = 1" | sort | md5sum)"
# The schema's findings indexes, as a database made by scan has them.
indexes() { sql "$1" "select group_concat(name) from (select name from sqlite_master where type = 'index' and tbl_name = 'findings' order by 1)"; }
want_indexes=$(indexes b.db)
check "the findings indexes are there after the merge ($want_indexes)" \
	test -n "$want_indexes" -a "$(indexes m.db)" = "$want_indexes"
check "a query by fingerprint uses its index" \
	grep -q 'findings_run_fingerprint' <<<"$(sql m.db "explain query plan select * from findings where run_id = 1 and fingerprint = 'x'")"

# A merge that died after dropping the indexes (its state made by hand):
# the next merge into the output builds them first.
sql m.db "begin; insert into meta(key, value) select 'merge.deferred_index:' || name, sql
	from sqlite_master where type = 'index' and tbl_name = 'findings' and sql is not null;
	$(for i in ${want_indexes//,/ }; do echo "drop index $i;"; done) commit" >/dev/null
check "(the indexes are gone)" test -z "$(indexes m.db)"
run 0 "$PIIAUDIT" merge -q --db m.db a.db b.db
check "the next merge builds the indexes the dead one dropped" \
	test "$(indexes m.db),$(sql m.db "select count(*) from meta where key glob 'merge.*'")" = "$want_indexes,0"

# An output made before run_shards existed gets it.
sql old.db "$(sqlite3 m.db .schema | grep -v -i 'run_shards'); pragma user_version = 1" >/dev/null
run 0 "$PIIAUDIT" merge -q --db old.db b.db a.db
check "an output without run_shards: merged, run_shards added" \
	test "$(sql old.db 'select count(*) from run_shards'),$(sql old.db 'select count(*) from findings')" = "2,$total"

# A second merged run into the same output (which now holds as many rows):
# the ids of the second copy start past the first.
run 0 "$PIIAUDIT" merge -q --new-run --db m.db a.db b.db
check "the second merged run: every finding once more" \
	test "$(sql m.db 'select count(*) from findings where run_id = 2')" = "$total"
check "no source id shared between the runs" \
	test "$(sql m.db 'select count(*) from (select id from sources group by id having count(*) > 1)')" = 0
check "the two merged runs have the same findings" \
	test "$(sql m.db "$q where f.run_id = 1" | sort | md5sum)" = "$(sql m.db "$q where f.run_id = 2" | sort | md5sum)"
finish
