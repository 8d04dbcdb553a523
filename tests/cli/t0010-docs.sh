#!/usr/bin/env bash
# Documentation stays in step with the program: every option that --help
# prints appears in the man page, and the man pages are clean mdoc.
. "$(dirname "$0")/lib.sh"

for cmd in scan export rules; do
	"$PIIAUDIT" "$cmd" --help >"$T/help" 2>&1
	opts=$(grep -oE '(^|[ ,])--[a-z][a-z-]+' "$T/help" | tr -d ' ,' | sort -u)
	missing=""
	for o in $opts; do
		# mdoc writes --db as "Fl -db".
		grep -qE "Fl -${o#--}([^a-z-]|$)" "$TOP/man/piiaudit.1" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then ok "piiaudit $cmd: every --help option is in piiaudit.1"
	else not_ok "piiaudit $cmd: options missing from piiaudit.1:$missing"; fi
done

for page in "$TOP"/man/*.[1-8]; do
	if ! command -v mandoc >/dev/null; then not_ok "mandoc is not installed (make deps)"; break; fi
	out=$(mandoc -T lint -W warning "$page" 2>&1 | grep -v 'Xr not found\|referenced manual not found\|mandoc.db')
	if [ -z "$out" ]; then ok "mandoc -T lint $(basename "$page")"
	else not_ok "mandoc -T lint $(basename "$page")" "$out"; fi
done

"$PIIAUDIT" --help >"$T/out"
check "piiaudit --help names every command" grep -q 'scan' "$T/out"
run 0 "$PIIAUDIT" --version
check "--version prints the version" grep -qE '^piiaudit [0-9]+\.[0-9]+' "$T/out"
run 2 "$PIIAUDIT" frobnicate
check "an unknown command is named" grep -q "'frobnicate' is not a piiaudit command" "$T/err"
run 2 "$PIIAUDIT"
finish
