#!/usr/bin/env bash
# t0750: a real Slurm job array (issue 7).  A single-node cluster (munged,
# slurmctld, slurmd, all in a temporary folder on 127.0.0.1) runs
#   sbatch --array=0-3 --wrap 'piiaudit scan --plan plan.txt
#          --shard $SLURM_ARRAY_TASK_ID --db shard-$SLURM_ARRAY_TASK_ID.db'
# with shard 2's database path impossible to create, so that task fails:
# merge names shard 2, the run is incomplete (exit 3).  Shard 2 is rerun as
# a one-task array, merged again, and the merged run has the same findings
# as one run over the corpus.  The daemons are stopped by PID in the exit
# trap, whatever happens.  No Slurm, no pass: a daemon that does not start
# is a failure, never a skip.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/cluster/lib.sh"
. "$TOP/tests/cluster/slurm.sh"
# munged wants every folder above its socket searchable by all: not $T.
C=$(mktemp -d "${TMPDIR:-/tmp}/piiaudit-slurm.XXXXXX") || exit 1
trap 'slurm_down "$C"; rm -rf "$C"; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$T" || exit 1
if cluster_setup >"$T/setup.err" 2>&1; then ok "corpus and key made"
else not_ok "corpus and key made" "$(cat "$T/setup.err")"; fi
run 0 "$PIIAUDIT" scan -q "${ENGINE[@]}" --db one.db corpus
run 0 "$PIIAUDIT" plan --shards 4 corpus
cp "$T/out" plan.txt

if slurm_up "$C" 2>"$T/slurm.err"; then
	ok "single-node Slurm up: munged, slurmctld, slurmd (node idle)"
else
	not_ok "single-node Slurm up: munged, slurmctld, slurmd" "$(cat "$T/slurm.err")"
	finish
	exit 1
fi

# The recipe of the README, with the binary's absolute path; the job
# inherits PIIAUDIT_KEY_FILE and PIIAUDIT_RULES_DIR (sbatch exports the
# environment by default).
job_cmd="$(printf %q "$PIIAUDIT") scan -q ${ENGINE[*]} --plan plan.txt --shard \$SLURM_ARRAY_TASK_ID --db shard-\$SLURM_ARRAY_TASK_ID.db"
# Shard 2 cannot create its database: the name leads into a missing folder.
ln -s no-such-folder/shard-2.db shard-2.db

# submit ARRAY: submits the job array, waits for it; $job and the states.
submit() {
	job=$(sbatch --parsable --array="$1" --chdir="$T" --output="$C/job-%A_%a.out" \
		--job-name=piiaudit-shards --wrap "$job_cmd" 2>"$T/sbatch.err")
	job=${job%%;*}
	if [ -z "$job" ]; then not_ok "sbatch --array=$1" "$(cat "$T/sbatch.err")"; return 1; fi
	ok "sbatch --array=$1: job $job"
	if slurm_wait "$job" 60; then ok "job $job finished"
	else not_ok "job $job finished within 60 s" "$(squeue 2>&1; tail -n 20 "$C/slurmctld.log")"; return 1; fi
	slurm_states "$job" >"$T/states"
}

if submit 0-3; then
	check "tasks 0, 1, 3 completed with exit 0" \
		test "$(grep -v '^2 ' "$T/states" | tr '\n' ' ')" = "0 COMPLETED 0:0 1 COMPLETED 0:0 3 COMPLETED 0:0 "
	check "task 2 failed with exit 2 (its database cannot be created)" \
		test "$(grep '^2 ' "$T/states")" = "2 FAILED 2:0"
	check "task 2's output names the database" grep -q 'shard-2.db' "$C/job-${job}_2.out"
fi
run 3 "$PIIAUDIT" merge --db audit.db shard-*.db
check "merge: the failed shard is named by number" grep -q '^piiaudit: shard 2 of 4: missing' "$T/err"
check "merge: the run is incomplete" test "$(run_status audit.db)" = incomplete

# What the README says to do: rerun that shard, merge again.
rm -f shard-2.db
if submit 2; then
	check "the rerun of task 2 completed with exit 0" test "$(cat "$T/states")" = "2 COMPLETED 0:0"
fi
run 0 "$PIIAUDIT" merge --db audit.db shard-*.db
check "merge again: shard 2 added to the same run, the others skipped" \
	test "$(grep -c 'skipped$' "$T/err"),$(grep -c 'shard 2 of 4: [0-9]* sources' "$T/err")" = "3,1"
check "merged run: ok, one run, 4 shards" \
	test "$(sqlite3 audit.db 'select status, shard_count, (select count(*) from runs) from runs')" = "ok|4|1"
same_run "Slurm array shards merged" one.db audit.db

if slurm_down "$C" 2>"$T/down.err"; then ok "Slurm daemons stopped by PID"
else not_ok "Slurm daemons stopped by PID" "$(cat "$T/down.err")"; fi
finish
