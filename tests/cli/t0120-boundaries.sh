#!/usr/bin/env bash
# t0120: block boundaries (issue 2).  Members of several MiB with a distinct
# value every 997 bytes (a prime: values straddle every internal block end,
# whatever the block size): plain, as a zip member, as a .jsonl.gz, and one
# line of 4 MiB in a tar.gz.  Each value is found exactly once, offsets and
# lines exact.  (--jobs 1 against --jobs 2: t0150.)
. "$(dirname "$0")/lib.sh"
FX="$TOP/tests/cli/fixtures.py"

# fx ARGS...: runs fixtures.py; its "ok/not_ok<TAB>what<TAB>detail" lines
# become checks.
fx() {
	local v what detail rc
	python3 "$FX" "$@" >"$T/fx.out" 2>"$T/fx.err"; rc=$?
	while IFS=$'\t' read -r v what detail; do
		case $v in
		ok) ok "$what" ;;
		not_ok) not_ok "$what" "$(printf '%b' "$detail")" ;;
		esac
	done <"$T/fx.out"
	[ "$rc" -eq 0 ] || not_ok "fixtures.py $1 ran" "$(tail -n 20 "$T/fx.err")"
}
# has_category CAT: a rule of that category is loaded.
has_category() { "$PIIAUDIT" rules list 2>/dev/null | awk -v c="$1" '$2 == c { f = 1 } END { exit !f }'; }
sql() { sqlite3 -batch "$T/db" "$@" 2>&1; }


F=$T/f
if python3 "$FX" build boundaries "$F" 2>"$T/err"; then ok "fixtures built"
else not_ok "fixtures built" "$(cat "$T/err")"; fi
cd "$F" || exit 1

run 0 "$PIIAUDIT" scan -q --db "$T/db" big.txt big.zip big.jsonl.gz long.tar.gz
run 0 "$PIIAUDIT" export --db "$T/db" --format jsonl
cp "$T/out" "$T/b.jsonl"
fx verify boundaries.json "$T/b.jsonl" --what boundaries

# Every byte was read: bytes_scanned is the member's size.
got=$(sql "select bytes_scanned from sources where path = 'big.txt'")
check "big.txt: bytes_scanned is its size ($got)" test "$got" = "$(stat -c %s big.txt)"
want=$(python3 "$FX" extract big.jsonl.gz | wc -c)
got=$(sql "select bytes_scanned from sources where path = 'big.jsonl.gz'")
check "big.jsonl.gz: bytes_scanned is its decompressed size ($got = $want)" test "$got" = "$want"
want=$(python3 "$FX" extract long.tar.gz one-line.txt | wc -c)
got=$(sql "select bytes_scanned from sources where member = 'one-line.txt'")
check "one-line.txt: bytes_scanned is its size ($got = $want)" test "$got" = "$want"
# The one long line: every value but the last is on line 1.
got=$(python3 -c '
import json, sys
ls = [o["line"] for o in map(json.loads, open(sys.argv[1])) if o["member"] == "one-line.txt"]
print(len(ls), sorted(set(ls)), ls[-1])' "$T/b.jsonl")
case $got in
*" [1, 2] 2") ok "one 4 MiB line: values on line 1, the last on line 2 ($got)" ;;
*) not_ok "one 4 MiB line: values on line 1, the last on line 2" "$got" ;;
esac

finish
