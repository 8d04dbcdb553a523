#!/usr/bin/env bash
# t0110: exact positions (issue 2).  offset/length are bytes of the
# decompressed member, line is the 1-based line of the offset: CRLF lines,
# multi-byte UTF-8 just before values (so byte and character offsets
# differ), a value at offset 0 and one at the very end without a newline,
# members of a tar.gz, a zip (a tar.gz in it too), a .gz and a 7z, and
# placeholders (found, and flagged).
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
if python3 "$FX" build offsets "$F" 2>"$T/err"; then ok "fixtures built"
else not_ok "fixtures built" "$(cat "$T/err")"; fi
cd "$F" || exit 1

run 0 "$PIIAUDIT" scan -q --db "$T/db" edges.txt crlf.txt same-line.txt pos.tar.gz pos.zip \
	pos.txt.gz pos.7z placeholders.txt many-lines.txt
run 0 "$PIIAUDIT" export --db "$T/db" --format jsonl
cp "$T/out" "$T/offsets.jsonl"
fx verify offsets.json "$T/offsets.jsonl" --what offsets

# A few positions spelled out, independently of the manifest.
pos() { # pos SOURCE: "offset:length:line ..." of its findings
	python3 -c '
import json, sys
print(" ".join("%d:%d:%d" % (o["offset"], o["length"], o["line"])
               for o in map(json.loads, open(sys.argv[1])) if o["source"] == sys.argv[2]))' \
		"$T/offsets.jsonl" "$1"
}
got=$(pos edges.txt)
case " $got " in
*" 0:44:1 "*) ok "a value at offset 0 is at line 1 ($got)" ;;
*) not_ok "a value at offset 0 is at line 1" "$got" ;;
esac
size=$(stat -c %s edges.txt)
last=${got##* }
case $last in *:*:*) ;; *) last=0:0:0 ;; esac
end=$(( ${last%%:*} + $(echo "$last" | cut -d: -f2) ))
check "the value ending the file (no newline) ends at its size ($end = $size)" test "$end" = "$size"
# edges.txt line 4: "prefix ééé <value> é\r\n": the value's byte offset is
# 80 (the CR of each CRLF counts), its character offset would be 77.
case " $got " in
*" 80:52:4 "*) ok "offset counts bytes, CR and UTF-8 included (80, line 4)" ;;
*) not_ok "offset counts bytes, CR and UTF-8 included (80, line 4)" "$got" ;;
esac
got=$(pos same-line.txt)
n=$(echo "$got" | wc -w)
check "six values on two lines: six findings ($got)" test "$n" = 6
lines=$(echo "$got" | tr ' ' '\n' | cut -d: -f3 | tr '\n' ' ')
check "same-line.txt: lines 1 1 1 2 2 2 ($lines)" test "$lines" = "1 1 1 2 2 2 "
# many-lines.txt: before value i, 300000+i LF and 1000 CRLF, across block ends.
got=$(pos many-lines.txt | tr ' ' '\n' | cut -d: -f3 | tr '\n' ' ')
check "line numbers past a million lines (301001 ...) ($got)" \
	test "$got" = "301001 602002 903004 1204007 1505011 1806016 "
# Placeholders: exported, flagged, and --fail-on does not count them.
got=$(python3 -c '
import json, sys
print(sum(1 for o in map(json.loads, open(sys.argv[1])) if o["source"] == "placeholders.txt" and o["placeholder"]))' "$T/offsets.jsonl")
check "placeholders (someone1@example.com) are exported with placeholder true ($got)" test "$got" = 2

# The CSV export has the same rows as the JSONL export.
run 0 "$PIIAUDIT" export --db "$T/db" --format csv
if python3 - "$T/out" "$T/offsets.jsonl" >"$T/cmp" 2>&1 <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
objs = [json.loads(l) for l in open(sys.argv[2])]
def norm(v):
    if v is None: return ""
    if v is True: return "true"
    if v is False: return "false"
    if isinstance(v, float): return "%.2f" % v
    return str(v)
a = sorted(tuple(r[k] for k in rows[0]) for r in rows) if rows else []
b = sorted(tuple(norm(o[k]) for k in rows[0]) for o in objs) if rows else []
if a != b or len(rows) != len(objs):
    print(len(rows), len(objs), [x for x in a if x not in b][:3], [x for x in b if x not in a][:3])
    sys.exit(1)
PY
then ok "csv rows = jsonl objects"; else not_ok "csv rows = jsonl objects" "$(cat "$T/cmp")"; fi

finish
