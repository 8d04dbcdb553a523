#!/usr/bin/env bash
# An sshd on 127.0.0.1 (random port, throwaway host and client keys, all in
# one folder) for GNU parallel's -S, for the tests.  Logins are by the
# throwaway client key only, for the user running the test.
#
# Sourced:   . tests/cluster/sshd.sh; sshd_up DIR && ... ; sshd_down DIR
#            (sshd_up exports PARALLEL_SSH, with the port and the key, and
#            PARALLEL_HOME, in DIR; SSHD_LOGIN is USER@127.0.0.1, SSHD_PORT
#            the port)
# Run:       tests/cluster/sshd.sh up DIR   (prints the exports)
#            tests/cluster/sshd.sh down DIR
#
# sshd_up fails loudly (status 1, the reason and sshd's log on stderr) when
# a package is missing or sshd does not start.
_sshd_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$_sshd_here/common.sh"

sshd_up() {
	local d=$1 sshd port user
	sshd=$(sbin sshd)
	if [ -z "$sshd" ]; then
		echo "sshd: not installed (apt-get install openssh-server; make deps)" >&2
		return 1
	fi
	for p in ssh ssh-keygen parallel; do
		if ! command -v "$p" >/dev/null; then
			echo "sshd: $p is not installed (apt-get install openssh-client parallel; make deps)" >&2
			return 1
		fi
	done
	mkdir -p "$d/parallel" || return 1
	chmod 700 "$d/parallel"
	ssh-keygen -q -t ed25519 -N '' -C piiaudit-test-host -f "$d/host_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -C piiaudit-test-client -f "$d/client_key" || return 1
	cp "$d/client_key.pub" "$d/authorized_keys" && chmod 600 "$d/authorized_keys" || return 1
	port=$(free_ports 1) || return 1
	user=$(id -un)
	cat >"$d/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
AllowUsers $user
MaxStartups 50
MaxSessions 50
LogLevel ERROR
EOF
	# sshd insists on its privilege separation folder.
	[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
	"$sshd" -f "$d/sshd_config" -E "$d/sshd.log" || {
		echo "sshd: did not start" >&2; tail -n 20 "$d/sshd.log" >&2; return 1; }
	export PARALLEL_SSH="ssh -p $port -i $d/client_key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
	export PARALLEL_HOME="$d/parallel"
	export SSHD_LOGIN="$user@127.0.0.1" SSHD_PORT=$port
	if ! wait_for 15 $PARALLEL_SSH "$SSHD_LOGIN" true; then
		echo "sshd: no login on 127.0.0.1:$port in 15 s" >&2
		$PARALLEL_SSH "$SSHD_LOGIN" true 2>&1 | tail -n 5 >&2
		tail -n 20 "$d/sshd.log" >&2
		return 1
	fi
}

sshd_down() {
	stop_pidfile "$1/sshd.pid" sshd
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-} ${2:-}" in
	"up "?*)
		mkdir -p "$2" && d=$(cd "$2" && pwd) && sshd_up "$d" &&
			printf 'export PARALLEL_SSH=%q PARALLEL_HOME=%q SSHD_LOGIN=%q\n' \
				"$PARALLEL_SSH" "$PARALLEL_HOME" "$SSHD_LOGIN" ;;
	"down "?*) sshd_down "$(cd "$2" && pwd)" ;;
	*) echo "usage: $0 up|down DIR" >&2; exit 2 ;;
	esac
fi
