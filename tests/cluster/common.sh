# Shared by tests/cluster/slurm.sh and tests/cluster/sshd.sh: free ports,
# waiting, and stopping a daemon by the PID in its pid file.  Sourced.

# free_ports N: N distinct TCP ports free on 127.0.0.1 right now, one a line.
free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
}

# wait_for SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds.
wait_for() {
	local limit=$(($1 * 10)) i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -ge "$limit" ] && return 1
		sleep 0.1
	done
}

# pid_alive PID: the process exists and is not a zombie (a daemon's parent
# is PID 1, which may not reap it here).
pid_alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# stop_pidfile PIDFILE NAME: sends TERM to the PID in PIDFILE if that
# process is NAME (its /proc comm), waits up to 10 s, then KILL.  Never by
# name alone: only the PID this test started.
stop_pidfile() {
	local pidfile=$1 name=$2 pid i
	[ -s "$pidfile" ] || return 0
	pid=$(head -n 1 "$pidfile" | tr -dc 0-9)
	[ -n "$pid" ] || return 0
	pid_alive "$pid" || return 0
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do
		pid_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	for i in $(seq 20); do
		pid_alive "$pid" || return 0
		sleep 0.1
	done
	echo "cluster: $name (pid $pid) would not stop" >&2
	return 1
}

# sbin PROGRAM: the absolute path of a daemon (often in /usr/sbin, which a
# user's PATH may lack), or nothing.
sbin() {
	if [ -x "/usr/sbin/$1" ]; then echo "/usr/sbin/$1"
	elif [ -x "/usr/bin/$1" ]; then echo "/usr/bin/$1"
	else command -v "$1"
	fi
}
