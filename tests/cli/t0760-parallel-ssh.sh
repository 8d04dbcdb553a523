#!/usr/bin/env bash
# t0760: GNU parallel over ssh (issue 7).  An sshd on 127.0.0.1 (random
# port, throwaway host and client keys, in a temporary folder) is the
# "cluster"; parallel runs the shards on it:
#   parallel -S 2/USER@127.0.0.1 piiaudit scan --plan plan.txt --shard {}
#            --db shard-{}.db ::: 0 1 2 3
# with shard 1's database path impossible to create, so that job fails:
# parallel's exit status counts it, merge names shard 1 and the run is
# incomplete.  Shard 1 is rerun, merged again, and the merged run has the
# same findings as one run; then the same with --shard K/4 and no plan.
# sshd is stopped by PID in the exit trap.  No sshd, no pass: it fails
# loudly, never skips.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/cluster/lib.sh"
. "$TOP/tests/cluster/sshd.sh"
C=$T/sshd
mkdir -p "$C"
trap 'sshd_down "$C"; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$T" || exit 1
if cluster_setup >"$T/setup.err" 2>&1; then ok "corpus and key made"
else not_ok "corpus and key made" "$(cat "$T/setup.err")"; fi
run 0 "$PIIAUDIT" scan -q "${ENGINE[@]}" --db one.db corpus
run 0 "$PIIAUDIT" plan --shards 4 corpus
cp "$T/out" plan.txt

if sshd_up "$C" 2>"$T/sshd.err"; then
	ok "sshd up on 127.0.0.1, a login with the throwaway key works"
else
	not_ok "sshd up on 127.0.0.1" "$(cat "$T/sshd.err")"
	finish
	exit 1
fi

# pshards ARGS...: parallel over the ssh "node", two jobs at a time; the
# remote shell gets the key file and rule packs through --env and runs in
# this folder (a shared filesystem, as on a cluster).
pshards() {
	parallel --will-cite -S "2/$SSHD_LOGIN" --env PIIAUDIT_KEY_FILE --env PIIAUDIT_RULES_DIR \
		--workdir "$T" "$@"
}

run 0 pshards 'echo "$SSH_CONNECTION" job' {} ::: 1
check "parallel -S runs its jobs through this sshd" grep -qx "127.0.0.1 [0-9]* 127.0.0.1 $SSHD_PORT job 1" "$T/out"

ln -s no-such-folder/shard-1.db shard-1.db
run 1 pshards "$PIIAUDIT" scan -q "${ENGINE[@]}" --plan plan.txt --shard {} --db shard-{}.db ::: 0 1 2 3
check "parallel: one job failed (exit status 1), shard 1's database named" grep -q 'shard-1.db' "$T/err"
check "shards 0, 2, 3 were written over ssh" test -s shard-0.db -a -s shard-2.db -a -s shard-3.db
run 3 "$PIIAUDIT" merge --db audit.db shard-*.db
check "merge: the failed shard is named by number" grep -q '^piiaudit: shard 1 of 4: missing' "$T/err"
check "merge: the run is incomplete" test "$(run_status audit.db)" = incomplete

rm -f shard-1.db
run 0 pshards "$PIIAUDIT" scan -q "${ENGINE[@]}" --plan plan.txt --shard {} --db shard-{}.db ::: 1
run 0 "$PIIAUDIT" merge --db audit.db shard-*.db
check "merge again: shard 1 added to the same run" \
	test "$(grep -c 'shard 1 of 4: [0-9]* sources' "$T/err"),$(sqlite3 audit.db 'select count(*) from runs')" = "1,1"
check "merged run: ok" test "$(run_status audit.db)" = ok
same_run "parallel --plan shards merged" one.db audit.db

# Without a plan file: each node walks the corpus and keeps its K of 4.
run 0 pshards "$PIIAUDIT" scan -q "${ENGINE[@]}" --shard {}/4 --db hash-{}.db corpus ::: 0 1 2 3
run 0 "$PIIAUDIT" merge -q --db audit-hash.db hash-*.db
same_run "parallel --shard K/4 shards merged" one.db audit-hash.db

if sshd_down "$C" 2>"$T/down.err"; then ok "sshd stopped by PID"
else not_ok "sshd stopped by PID" "$(cat "$T/down.err")"; fi
finish
