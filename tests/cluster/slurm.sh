#!/usr/bin/env bash
# A single-node Slurm cluster (Debian's slurm-wlm and munge) in one folder,
# on 127.0.0.1 with random ports, for the tests (../shared/SCALE-OUT.md has
# the facts this follows).  Everything it writes stays in the folder; the
# daemons are stopped by the PIDs in their pid files.
#
# Sourced:   . tests/cluster/slurm.sh; slurm_up DIR && ... ; slurm_down DIR
#            (slurm_up exports SLURM_CONF, which sbatch, squeue and scontrol read)
# Run:       tests/cluster/slurm.sh up DIR   (prints 'export SLURM_CONF=...')
#            tests/cluster/slurm.sh down DIR
#
# slurm_up fails loudly (status 1, the reason and the daemons' logs on
# stderr) when a package is missing or a daemon does not start: a test
# must never pass without the engine.
_slurm_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$_slurm_here/common.sh"

_slurm_logs() {
	local f
	for f in "$1"/munged.log "$1"/slurmctld.log "$1"/slurmd.log; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
	done
}

slurm_up() {
	local d=$1 p ports ctld_port slurmd_port node
	for p in munged mungekey slurmctld slurmd; do
		if [ -z "$(sbin "$p")" ]; then
			echo "slurm: $p is not installed (apt-get install slurm-wlm munge; make deps)" >&2
			return 1
		fi
	done
	for p in sbatch squeue scontrol sinfo; do
		if ! command -v "$p" >/dev/null; then
			echo "slurm: $p is not installed (apt-get install slurm-wlm; make deps)" >&2
			return 1
		fi
	done
	mkdir -p "$d/state" "$d/spool" || return 1
	# munged refuses a socket in a folder others cannot search.
	chmod 755 "$d" || return 1
	"$(sbin mungekey)" -c -k "$d/munge.key" 2>"$d/mungekey.log" || {
		echo "slurm: mungekey failed" >&2; cat "$d/mungekey.log" >&2; return 1; }
	"$(sbin munged)" -S "$d/munge.sock" --key-file="$d/munge.key" --log-file="$d/munged.log" \
		--pid-file="$d/munged.pid" --seed-file="$d/munged.seed" 2>>"$d/munged.log" || {
		echo "slurm: munged did not start" >&2; _slurm_logs "$d"; return 1; }
	wait_for 10 test -S "$d/munge.sock" || {
		echo "slurm: munged made no socket" >&2; _slurm_logs "$d"; return 1; }

	ports=$(free_ports 2) || return 1
	ctld_port=$(echo "$ports" | sed -n 1p)
	slurmd_port=$(echo "$ports" | sed -n 2p)
	# What slurmd finds on this machine (CPUs, sockets, memory), after its
	# own NodeName=.
	node=$("$(sbin slurmd)" -C 2>/dev/null | head -n 1 | sed 's/^NodeName=[^ ]* *//')
	if [ -z "$node" ]; then
		echo "slurm: 'slurmd -C' printed nothing" >&2
		return 1
	fi
	cat >"$d/slurm.conf" <<EOF
ClusterName=piiaudit
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge.sock
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MinJobAge=300
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 $node
PartitionName=debug Nodes=localhost Default=YES State=UP MaxTime=INFINITE
EOF
	export SLURM_CONF="$d/slurm.conf"
	"$(sbin slurmctld)" -f "$SLURM_CONF" 2>>"$d/slurmctld.log" || {
		echo "slurm: slurmctld did not start" >&2; _slurm_logs "$d"; return 1; }
	"$(sbin slurmd)" -f "$SLURM_CONF" -N localhost 2>>"$d/slurmd.log" || {
		echo "slurm: slurmd did not start" >&2; _slurm_logs "$d"; return 1; }
	if ! wait_for 30 _slurm_idle; then
		echo "slurm: the node did not become idle in 30 s (state: $(sinfo -h -n localhost -o %T 2>&1))" >&2
		_slurm_logs "$d"
		return 1
	fi
}

_slurm_idle() {
	[ "$(sinfo -h -n localhost -o %T 2>/dev/null)" = idle ]
}

# slurm_wait JOB SECONDS: until no task of JOB is pending or running.
slurm_wait() {
	wait_for "$2" _slurm_job_gone "$1"
}

_slurm_job_gone() {
	local out
	out=$(squeue -h -j "$1" 2>/dev/null) || return 1
	[ -z "$out" ]
}

# slurm_states JOB: one "TASK STATE EXITCODE" line per array task.
slurm_states() {
	scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' |
		awk -F= '$1 == "ArrayTaskId" { t = $2 } $1 == "JobState" { s = $2 }
		         $1 == "ExitCode" { print t, s, $2 }' | sort -n
}

slurm_down() {
	local d=$1 rc=0
	stop_pidfile "$d/slurmd.pid" slurmd || rc=1
	stop_pidfile "$d/slurmctld.pid" slurmctld || rc=1
	stop_pidfile "$d/munged.pid" munged || rc=1
	return $rc
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-} ${2:-}" in
	"up "?*)
		mkdir -p "$2" && d=$(cd "$2" && pwd) && slurm_up "$d" && echo "export SLURM_CONF=$d/slurm.conf" ;;
	"down "?*) slurm_down "$(cd "$2" && pwd)" ;;
	*) echo "usage: $0 up|down DIR" >&2; exit 2 ;;
	esac
fi
