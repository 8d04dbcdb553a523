# Shared by the CLI tests (tests/cli/tNNNN-*.sh), in the manner of git's
# t/test-lib.sh: each check prints "ok N - what" or "not ok N - what", and
# finish prints "N passed, M failed" and sets the exit status.
set -u
PIIAUDIT=${PIIAUDIT:-$(cd "$(dirname "$0")/../.." && pwd)/piiaudit}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/piiaudit-test.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
export PIIAUDIT_KEY_FILE="$T/key"
export PIIAUDIT_RULES_DIR="$TOP/rules/packs"
unset NO_COLOR
_n=0 _pass=0 _fail=0

ok() { _n=$((_n + 1)); _pass=$((_pass + 1)); echo "ok $_n - $1"; }
not_ok() { _n=$((_n + 1)); _fail=$((_fail + 1)); echo "not ok $_n - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'; return 0; }
check() { # check "what" command...
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# run EXPECTED_STATUS command... : runs with stdout in $T/out, stderr in $T/err
run() {
	local want=$1; shift
	"$@" >"$T/out" 2>"$T/err"; local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "exit $want: $*"
	else not_ok "exit $want (got $rc): $*" "$(head -c 2000 "$T/err")"; fi
}
# Milliseconds since the epoch, and a sleep of so many milliseconds: a
# test that kills a scan "while it runs" times the scan first and sleeps a
# fraction of it, so a faster machine does not finish before the kill.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))"; }
finish() { echo "$_pass passed, $_fail failed"; [ "$_fail" -eq 0 ]; }
# A database's findings, one per line, sorted: record field rule offset
# length line (None where a record or field is null).
finding_rows() {
	"$PIIAUDIT" export --db "$1" --format jsonl | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["record"], r["field"], r["rule"], r["offset"], r["length"], r["line"])' | sort
}
export -f finding_rows; export PIIAUDIT
# jq-free JSON lines helpers, through python3.
jsonl_count() { python3 -c 'import sys,json; print(sum(1 for l in open(sys.argv[1]) if l.strip()))' "$1"; }
