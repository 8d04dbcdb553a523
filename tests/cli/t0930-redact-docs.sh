#!/usr/bin/env bash
# The redact man page is clean mdoc and names every option of --help.
. "$(dirname "$0")/lib.sh"

page="$TOP/man/piiaudit-redact.1"
"$PIIAUDIT" redact --help >"$T/help" 2>&1
opts=$(grep -oE '(^|[ ,])--[a-z][a-z-]+' "$T/help" | tr -d ' ,' | sort -u)
missing=""
for o in $opts; do
	grep -qE "Fl -${o#--}([^a-z-]|$)" "$page" || missing="$missing $o"
done
if [ -z "$missing" ]; then ok "every redact --help option is in piiaudit-redact.1"
else not_ok "options missing from piiaudit-redact.1:$missing"; fi
if command -v mandoc >/dev/null; then
	out=$(mandoc -T lint -W warning "$page" 2>&1 | grep -v 'Xr not found\|referenced manual not found\|mandoc.db')
	if [ -z "$out" ]; then ok "mandoc -T lint piiaudit-redact.1"; else not_ok "mandoc -T lint piiaudit-redact.1" "$out"; fi
else
	not_ok "mandoc is not installed (make deps)"
fi
"$PIIAUDIT" --help >"$T/out"
check "piiaudit --help lists redact" grep -q '^  redact ' "$T/out"
finish
