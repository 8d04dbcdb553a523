#!/usr/bin/env bash
# Runs every test: the unit test programs given as arguments, the rule
# packs' examples, the CLI tests in tests/cli/*.sh, and with FUZZ=1 the
# fuzz harnesses over their seeds and regressions (make check-fuzz).  Each test prints its own "N passed, M failed";
# this adds them up and ends with the overall line.  Exit 1 if any failed.
set -u
cd "$(dirname "$0")/.."
export PIIAUDIT="${PIIAUDIT:-./piiaudit}"
case "$PIIAUDIT" in /*) ;; *) PIIAUDIT="$PWD/${PIIAUDIT#./}" ;; esac
passed=0 failed=0
count() { # file with a test's output
	local line p f
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		echo "  (no result line: counted as 1 failure)"
		failed=$((failed + 1))
		return
	fi
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
	f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
	passed=$((passed + p)); failed=$((failed + f))
}
out=$(mktemp); times=$(mktemp); trap 'rm -f "$out" "$times"' EXIT
# Each test's wall time goes to $times; the slowest are listed at the end,
# so a suite that creeps towards CI's limit shows where the time went.
started_ms=0
start() { echo "== $1"; started_ms=$(date +%s%3N); }
took() { echo "$(( $(date +%s%3N) - started_ms )) $1" >>"$times"; }
for t in "$@"; do
	start "$t"
	"$t" >"$out" 2>&1; rc=$?
	took "$t"
	grep -E 'FAIL|passed, ' "$out"
	count "$out"
	# A crash after a clean result line still counts as a failure.
	if [ $rc -ne 0 ] && grep -qE ' 0 failed' "$out"; then
		echo "  exit status $rc"; failed=$((failed + 1))
	fi
done
start "rules test"
"$PIIAUDIT" rules test >"$out" 2>&1
took "rules test"
grep -E 'FAIL|passed, |piiaudit:' "$out"; count "$out"
# CLI_TESTS narrows the CLI tests (a glob), e.g. for the sanitizer build.
for t in ${CLI_TESTS:-tests/cli/t*.sh}; do
	start "$t"
	bash "$t" >"$out" 2>&1
	took "$t"
	grep -E '^(not ok|FAIL)|passed, ' "$out"
	count "$out"
done
if [ "${FUZZ:-0}" = 1 ]; then
	start "make check-fuzz"
	make --no-print-directory check-fuzz >"$out" 2>&1
	took "make check-fuzz"
	grep -E 'FAIL|passed, ' "$out"
	count "$out"
fi
echo "== slowest tests (seconds)"
sort -rn "$times" | head -n 12 | awk '{ ms = $1; $1 = ""; printf "  %6.1f%s\n", ms / 1000, $0 }'
awk '{ ms += $1 } END { printf "  %6.1f in all\n", ms / 1000 }' "$times"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
