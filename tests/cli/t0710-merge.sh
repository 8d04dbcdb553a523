#!/usr/bin/env bash
# t0710: piiaudit merge (issue 7): a corpus with folders, a .tar.gz, a .zip
# and nested archives scanned as one run and as 4 shards (--plan and K/N)
# gives the same findings and sources once merged; merging again is a
# no-op; shards with another key, other rules or another plan are refused;
# a missing, failed or killed shard is named by number and the merged run is
# incomplete until it is rerun and merged again; every exit status.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/cluster/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
scan() { "$PIIAUDIT" scan -q "${ENGINE[@]}" "$@"; }
absent() { ! grep -q "$1" "$2"; }

cd "$T" || exit 1
if cluster_setup >"$T/setup.err" 2>&1; then ok "corpus and key made"
else not_ok "corpus and key made" "$(cat "$T/setup.err")"; fi
run 0 scan --db one.db corpus
run 0 "$PIIAUDIT" plan --shards 4 corpus
cp "$T/out" plan.txt
for k in 0 1 2 3; do
	run 0 scan --plan plan.txt --shard "$k" --db "s$k.db"
	run 0 scan --shard "$k/4" --db "h$k.db" corpus
done

# --plan shards, merged: the same findings and sources as one run.
run 0 "$PIIAUDIT" merge --db m.db s0.db s1.db s2.db s3.db
same_run "merge of 4 --plan shards" one.db m.db
same_rows "merge of 4 --plan shards" m.db 1 s0.db s1.db s2.db s3.db
check "merge: one line per shard, by number" grep -q '^piiaudit: s2.db: shard 2 of 4: [0-9]* sources, [0-9]* findings$' "$T/err"
check "merged run: kind scan, status ok, 4 shards, no shard index" \
	test "$(sql m.db 'select kind, status, shard_count, coalesce(shard_index, "-") from runs')" = "scan|ok|4|-"
check "merged run: the plan's digest" \
	test "$(sql m.db 'select plan_digest from runs')" = "$(sha256sum plan.txt | cut -d' ' -f1)"
check "merged run: the shards' key id and rules digest" \
	test "$(sql m.db 'select key_id, rules_digest from runs')" = "$(sql one.db 'select key_id, rules_digest from runs')"
check "merged run: the merge's command line" \
	grep -q '"merge","--db","m.db","s0.db"' <<<"$(sql m.db 'select argv from runs')"
check "merged run: started when the first shard started" \
	test "$(sql m.db 'select started_at from runs')" = "$(for k in 0 1 2 3; do sql s$k.db 'select started_at from runs'; done | sort | head -n 1)"
check "merged run: counts of sources and bytes" \
	test "$(sql m.db 'select sources_ok, sources_failed, bytes_scanned from runs')" = "$(sql one.db 'select sources_ok, sources_failed, bytes_scanned from runs')"
check "merged run: its rules" test "$(sql m.db 'select count(*) from rules')" = "$(sql one.db 'select count(*) from rules')"
want=$(for k in 0 1 2 3; do printf '%s|merged|s%s.db|%s\n' "$k" "$k" "$(sql s$k.db 'select uuid, key_id from runs')"; done)
check "run_shards: each shard's database, run uuid and key id" \
	test "$(sql m.db 'select shard_index, status, source_db, shard_uuid, key_id from run_shards order by 1')" = "$want"
check "merge: the output is mode 0600" test "$(stat -c %a m.db)" = 600

# K/N shards (no plan file), merged.
run 0 "$PIIAUDIT" merge -q --db mh.db h3.db h1.db h0.db h2.db
same_run "merge of 4 --shard K/4 shards" one.db mh.db
check "merge -q: nothing on stderr" test ! -s "$T/err"
check "merged K/N run: no plan digest" test "$(sql mh.db 'select coalesce(plan_digest, "-"), shard_count from runs')" = "-|4"

# Idempotence: the same shards again are skipped; nothing is copied twice.
before=$(sql m.db 'select count(*) from findings')
run 0 "$PIIAUDIT" merge --db m.db s0.db s1.db s2.db s3.db
check "merge again: every shard skipped" test "$(grep -c 'is already in run 1: skipped' "$T/err")" = 4
check "merge again: no new run, no new finding" \
	test "$(sql m.db 'select count(*) from runs'),$(sql m.db 'select count(*) from findings')" = "1,$before"
cp s1.db s1-copy.db
run 0 "$PIIAUDIT" merge --db m2.db s0.db s1.db s1.db s1-copy.db s2.db s3.db
check "the same shard run given three times is merged once" \
	test "$(grep -c 'the same run as in s1' "$T/err")" = 2
same_run "merge with duplicate shards" one.db m2.db
run 0 "$PIIAUDIT" merge -q --new-run --db m2.db s0.db s1.db s2.db s3.db
check "merge --new-run: a second merged run" test "$(sql m2.db 'select count(*) from runs')" = 2
same_run "the second merged run" one.db m2.db 2

# An output that already holds other runs: ids are remapped past them.
cp one.db pre.db
run 0 "$PIIAUDIT" merge -q --db pre.db s0.db s1.db s2.db s3.db --label merged
same_run "merge into a database with a run" one.db pre.db 2
check "merge --label: recorded" test "$(sql pre.db 'select label from runs where id = 2')" = merged
check "merge into it: the first run is untouched" \
	test "$(findings_of pre.db 1 | md5sum)" = "$(findings_of one.db | md5sum)"

# Keys: a shard made with another key is refused, both key ids and both
# files named; the output is not created.
(umask 077 && head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >other.key && echo >>other.key)
run 0 scan --key other.key --plan plan.txt --shard 1 --db k1.db
run 2 "$PIIAUDIT" merge --db mk.db s0.db k1.db s2.db s3.db
kid=$(sql k1.db 'select key_id from runs') sid=$(sql s0.db 'select key_id from runs')
check "different keys: refused, naming both key ids and files" \
	grep -q "^piiaudit: k1.db: fingerprint key $kid differs from key $sid of s0.db: every shard must be scanned with the same key file" "$T/err"
check "different keys: no output written" test ! -e mk.db

# Other rules, another plan, another split: refused.
run 0 scan --disable email.address --plan plan.txt --shard 2 --db r2.db
run 2 "$PIIAUDIT" merge --db mr.db s0.db s1.db r2.db s3.db
check "different rules: refused by name" grep -q '^piiaudit: r2.db: rules .* differ from rules .* of s0.db' "$T/err"
run 2 "$PIIAUDIT" merge --db mr.db s0.db s1.db h2.db s3.db
check "a K/N shard with --plan shards: refused" grep -q 'h2.db: scanned from no plan (--shard K/N), but s0.db from plan [0-9a-f]\{12\}$' "$T/err"
run 0 scan --shard 1/3 --db t1.db corpus
run 2 "$PIIAUDIT" merge --db mr.db h0.db t1.db
check "a shard of 3 with shards of 4: refused" grep -q 't1.db: shard 1 of 3, but h0.db is a shard of 4' "$T/err"
# Other scan options (limits, --exclude): refused, naming what differs;
# a shard made before runs recorded their options (NULL) is not compared.
run 0 scan --max-depth 2 --exclude '*.png' --plan plan.txt --shard 3 --db o3.db
run 2 "$PIIAUDIT" merge --db mr.db s0.db s1.db s2.db o3.db
check "different options: refused, naming each option and the file it is in" \
	grep -q "^piiaudit: o3.db: scanned with other options than s0.db (--max-depth=4 in s0.db only; --exclude=\*.png in o3.db only; --max-depth=2 in o3.db only): every shard must be scanned with the same options" "$T/err"
cp o3.db n3.db && sqlite3 n3.db "update runs set settings = NULL"
cp s0.db n0.db && sqlite3 n0.db "update runs set settings = NULL"
run 2 "$PIIAUDIT" merge --db mr.db n0.db s1.db s2.db o3.db
check "... compared with the first shard that recorded them" grep -q "o3.db: scanned with other options than s1.db" "$T/err"
run 0 "$PIIAUDIT" merge -q --db mn.db s0.db s1.db s2.db n3.db
check "a shard without recorded options merges; the merged run has the others'" \
	test "$(sql mn.db 'select settings from runs')" = "$(sql s0.db 'select settings from runs')"
run 0 "$PIIAUDIT" merge -q --plan plan.txt --db mp.db s0.db s1.db s2.db s3.db
"$PIIAUDIT" plan --shards 4 corpus/notes >other-plan.txt
run 2 "$PIIAUDIT" merge --plan other-plan.txt --db mr.db s0.db s1.db s2.db s3.db
check "merge --plan: shards of another plan refused" grep -q 'was not scanned from other-plan.txt' "$T/err"
check "refused merges wrote nothing" test ! -e mr.db

# A missing shard: named by number, the run incomplete, exit 3; rerun it
# (here: merge the shard that was left out) and merge again: the same run
# is completed.
run 3 "$PIIAUDIT" merge --db mi.db s0.db s1.db s3.db
check "a missing shard is named by number" grep -q '^piiaudit: shard 2 of 4: missing' "$T/err"
check "... and the run is incomplete" grep -q 'run 1 is incomplete: 1 of 4 shards not merged (2); rerun it and merge again' "$T/err"
check "merged run status: incomplete" test "$(run_status mi.db)" = incomplete
check "run_shards: shard 2 missing" test "$(sql mi.db 'select status from run_shards where shard_index = 2')" = missing
run 0 "$PIIAUDIT" merge --db mi.db s2.db
check "merge again with the missing shard: added to the same run" grep -q 'adding to merged run 1' "$T/err"
check "... which is now ok" test "$(run_status mi.db),$(sql mi.db 'select count(*) from runs')" = "ok,1"
same_run "incomplete run completed by a second merge" one.db mi.db

# A rerun of shard 2 that did not finish, after the run was complete: the
# merged run keeps the shard 2 it has.
cp s2.db g2.db
sql g2.db "update runs set status = 'interrupted', uuid = 'rerun-that-failed'" >/dev/null
run 0 "$PIIAUDIT" merge --db mi.db s0.db s1.db g2.db s3.db
check "an unfinished rerun of a merged shard: the run keeps its shard" \
	grep -q "g2.db: shard 2 of 4: run rerun-that-failed is 'interrupted'; run 1 keeps the one it has" "$T/err"
check "... still one run, ok" test "$(run_status mi.db),$(sql mi.db 'select count(*) from runs')" = "ok,1"

# A shard that did not finish (its run 'interrupted', here set by hand) is
# named with its status and not copied; a rerun into the same database
# (a newer run that finished) is the one merged.
cp s2.db f2.db
sql f2.db "update runs set status = 'interrupted'" >/dev/null
run 3 "$PIIAUDIT" merge --db mf.db s0.db s1.db f2.db s3.db
check "an interrupted shard is named by number and status" \
	grep -q "^piiaudit: f2.db: shard 2 of 4: run .* is 'interrupted', not finished: not merged" "$T/err"
check "... recorded as failed" \
	test "$(sql mf.db "select status, shard_status from run_shards where shard_index = 2")" = "failed|interrupted"
check "... and none of its findings copied" \
	test "$(sql mf.db 'select count(*) from findings')" = "$(($(sql m.db 'select count(*) from findings') - $(sql s2.db 'select count(*) from findings')))"
run 0 scan --plan plan.txt --shard 2 --db f2.db
run 0 "$PIIAUDIT" merge --db mf.db s0.db s1.db f2.db s3.db
check "the rerun shard is merged into the same run" test "$(run_status mf.db),$(sql mf.db 'select count(*) from runs')" = "ok,1"
same_run "interrupted shard rerun and merged again" one.db mf.db

# A shard killed outright: its run stays 'running'.  It waits on a FIFO
# (planned as a path of its own), is killed with SIGKILL, and is reported.
mkfifo "$T/fifo"
"$PIIAUDIT" plan --shards 2 corpus/notes "$T/fifo" >fifo-plan.txt
fk=$(awk -F'\t' -v f="$T/fifo" '$3 == f { print $1 }' fifo-plan.txt)
"$PIIAUDIT" scan -q "${ENGINE[@]}" --plan fifo-plan.txt --shard "$fk" --db "x$fk.db" &
pid=$!
wait_for_run() { [ "$(sql "x$fk.db" "select count(*) from runs where status = 'running'" 2>/dev/null)" = 1 ]; }
for i in $(seq 300); do wait_for_run && break; sleep 0.1; done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
run 0 scan --plan fifo-plan.txt --shard $((1 - fk)) --db "x$((1 - fk)).db"
run 3 "$PIIAUDIT" merge --db mx.db x0.db x1.db
check "a killed shard is named by number, its run 'running'" \
	grep -q "^piiaudit: x$fk.db: shard $fk of 2: run .* is 'running', not finished: not merged" "$T/err"
check "... and the merged run is incomplete" test "$(run_status mx.db)" = incomplete

# A shard whose scan could not read a source: merged, status errors, exit 3.
"$PIIAUDIT" plan --shards 2 corpus no-such-file >plan-err.txt 2>/dev/null
scan --plan plan-err.txt --shard 0 --db e0.db 2>/dev/null
scan --plan plan-err.txt --shard 1 --db e1.db 2>/dev/null
scan --db one-err.db corpus no-such-file 2>/dev/null
run 3 "$PIIAUDIT" merge --db me.db e0.db e1.db
check "a shard with an unreadable source: merged run status errors" test "$(run_status me.db)" = errors
check "... not called incomplete" absent incomplete "$T/err"
same_run "shards with an unreadable source" one-err.db me.db

# Files that are not shard databases.
echo "not a database" >junk.db
run 2 "$PIIAUDIT" merge --db mj.db s0.db junk.db
check "merge: a file that is not a database is refused by name" grep -q '^piiaudit: junk.db: ' "$T/err"
run 3 "$PIIAUDIT" merge --db mj.db s0.db s1.db no-such.db s3.db
check "merge: a missing database is named and passed over" grep -q '^piiaudit: no-such.db: No such file or directory: ignored' "$T/err"
check "... its shard reported missing, the run incomplete" \
	test "$(grep -c 'shard 2 of 4: missing' "$T/err"),$(run_status mj.db)" = "1,incomplete"
run 2 "$PIIAUDIT" merge --db mj2.db no-such.db
check "merge: no shard at all: refused" grep -q 'no shard run in the databases given' "$T/err"
run 2 "$PIIAUDIT" merge --db mj.db one.db
check "merge: a database without shard runs is refused" grep -q 'one.db: no shard run in this database' "$T/err"
: >empty.db
run 3 "$PIIAUDIT" merge --db mz.db empty.db s0.db s1.db s2.db
check "merge: an empty database (a shard stopped at once) is ignored, named" grep -q '^piiaudit: empty.db: empty .*: ignored' "$T/err"
check "... and its shard reported missing" grep -q 'shard 3 of 4: missing' "$T/err"
run 2 "$PIIAUDIT" merge --db m.db m.db
check "merge: the output as a shard is refused" grep -q 'm.db: is the output' "$T/err"

# Usage.
run 2 "$PIIAUDIT" merge s0.db
check "merge without --db: says so" grep -q -- '--db OUT is required' "$T/err"
run 2 "$PIIAUDIT" merge --db x.db
check "merge without shards: says so" grep -q 'no shard databases' "$T/err"
run 2 "$PIIAUDIT" merge --db x.db --frobnicate s0.db
check "merge: an unknown option is named" grep -q 'frobnicate' "$T/err"
run 0 "$PIIAUDIT" merge --help
check "merge --help: the usage" grep -q 'usage: piiaudit merge --db OUT' "$T/out"
finish
