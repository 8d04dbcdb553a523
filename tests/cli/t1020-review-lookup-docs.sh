#!/usr/bin/env bash
# t1020: the review and lookup man pages (issue 10) keep up with --help:
# every option --help prints is described in the page (mdoc writes --db as
# "Fl -db"), and the pages name what is out of scope.  mandoc -T lint of
# every page is t0010's.
. "$(dirname "$0")/lib.sh"

for pair in review:piiaudit-review.1 lookup:piiaudit-lookup.1; do
	cmd=${pair%%:*} page=$TOP/man/${pair#*:}
	run 0 "$PIIAUDIT" "$cmd" --help
	opts=$(grep -oE '(^|[ ,])--[a-z][a-z-]+' "$T/out" | tr -d ' ,' | sort -u)
	missing=""
	for o in $opts; do
		grep -qE "Fl -${o#--}([^a-z-]|$)" "$page" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then ok "piiaudit $cmd: every --help option is in ${page##*/}"
	else not_ok "piiaudit $cmd: options missing from ${page##*/}:$missing"; fi
	check "piiaudit $cmd --help has options to check" test -n "$opts"
done
check "piiaudit-lookup.1 says names are out of scope" grep -q '^Names are out of scope' "$TOP/man/piiaudit-lookup.1"
check "piiaudit-review.1 gives the Wilson interval of 8/10" grep -q '0.4902, 0.9433' "$TOP/man/piiaudit-review.1"
"$PIIAUDIT" --help >"$T/out"
check "piiaudit --help lists review" grep -qE '^  review ' "$T/out"
check "piiaudit --help lists lookup" grep -qE '^  lookup ' "$T/out"
run 0 "$PIIAUDIT" help lookup
check "'piiaudit help lookup' is lookup --help" grep -q 'usage: piiaudit lookup' "$T/out"
finish
