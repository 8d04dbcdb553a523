#!/usr/bin/env bash
# t0790: the plan and merge pages stay in step with the program: every
# option --help prints is in the page, the pages are clean mdoc, the
# cluster recipes are in EXAMPLES, and the README has its cluster section.
. "$(dirname "$0")/lib.sh"

for cmd in plan merge; do
	page=$TOP/man/piiaudit-$cmd.1
	"$PIIAUDIT" "$cmd" --help >"$T/help" 2>&1
	opts=$(grep -oE '(^|[ ,])--[a-z][a-z-]+' "$T/help" | tr -d ' ,' | sort -u)
	missing=""
	for o in $opts; do
		grep -qE "Fl -${o#--}([^a-z-]|$)" "$page" || missing="$missing $o"
	done
	if [ -n "$opts" ] && [ -z "$missing" ]; then ok "piiaudit $cmd: every --help option is in piiaudit-$cmd.1"
	else not_ok "piiaudit $cmd: options missing from piiaudit-$cmd.1:${missing:- (no options read)}"; fi
	if ! command -v mandoc >/dev/null; then not_ok "mandoc is not installed (make deps)"; continue; fi
	out=$(mandoc -T lint -W warning "$page" 2>&1 | grep -v 'Xr not found\|referenced manual not found\|mandoc.db')
	if [ -z "$out" ]; then ok "mandoc -T lint piiaudit-$cmd.1"
	else not_ok "mandoc -T lint piiaudit-$cmd.1" "$out"; fi
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh SEE ALSO/p' "$page" >"$T/examples"
	check "piiaudit-$cmd.1: a Slurm job array in EXAMPLES" grep -q 'sbatch --array=' "$T/examples"
	check "piiaudit-$cmd.1: GNU parallel over ssh in EXAMPLES" grep -q 'parallel -S' "$T/examples"
done
check "piiaudit --help lists plan and merge" \
	test "$("$PIIAUDIT" --help | grep -cE '^  (plan|merge) ')" = 2
check "README: a section 'Scanning on a cluster'" grep -q '^## Scanning on a cluster' "$TOP/README.md"
finish
