#!/usr/bin/env bash
# t0100: every input format (issue 2): a folder tree, tar in every
# compression, zip, 7z, single compressed streams, standard input and nested
# archives.  Every planted value is found once, in the right source and
# member, at the right offset and line (read back by fixtures.py, which
# extracts the members itself).
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
sql() { sqlite3 -batch "$T/db" "$@" 2>&1; }

extras='' cats=email
"$PIIAUDIT" rules list >"$T/rules" 2>&1
if awk '$2 == "credit_card" { f = 1 } END { exit !f }' "$T/rules"; then extras=$extras,card; cats=$cats,credit_card; fi
if awk '$2 == "ip_address" { f = 1 } END { exit !f }' "$T/rules"; then extras=$extras,ip; cats=$cats,ip_address; fi

F=$T/f
if python3 "$FX" build formats "$F" --extras "${extras#,}" 2>"$T/err"; then ok "fixtures built"
else not_ok "fixtures built" "$(cat "$T/err")"; fi
cd "$F" || exit 1

# Every format in one run, and a zip on standard input (no seeking: read
# from its local headers).
run 0 "$PIIAUDIT" scan -q --db "$T/db" tree plain.tar t.tar.gz t.tar.bz2 t.tar.xz t.tar.zst \
	z.zip s.7z single.txt.gz single.txt.zst single.txt.xz single.txt.bz2 \
	nested1.tar nested2.tar.gz - nested3.tar nested4.tar <stdin.zip
check "-q: nothing on stderr for a clean scan" test ! -s "$T/err"
run 0 "$PIIAUDIT" export --db "$T/db" --format jsonl
cp "$T/out" "$T/formats.jsonl"
fx verify formats.json,stdin-zip.json "$T/formats.jsonl" --categories "$cats" --what formats
case $cats in
*credit_card*) ;;
*) ok "skipped: no credit_card rule loaded (cards not planted)" ;;
esac
case $cats in
*ip_address*) ;;
*) ok "skipped: no ip_address rule loaded (IPv4 addresses not planted)" ;;
esac

# Every format shows up in the export.
for want in tree/a.txt tree/sub/deeper/c.md tree/sub/d.txt.gz 'plain.tar!docs/sub/two.txt' \
	't.tar.gz!docs/one.txt' 't.tar.bz2!three.csv' 't.tar.xz!docs/one.txt' 't.tar.zst!two.txt' \
	'z.zip!dir/b.txt' 's.7z!sub/two.txt' single.txt.gz single.txt.zst single.txt.xz \
	single.txt.bz2 'nested1.tar!data/records.jsonl.gz' 'nested2.tar.gz!inner.zip!b/c.txt' \
	'nested3.tar!mid.zip!inner.tar!y/z.txt' 'nested3.tar!mid.zip!side.txt' \
	'nested4.tar!piped.zip!s1.txt' 'nested4.tar!piped.zip!d/d2.txt' 'nested4.tar!piped.zip!s3.txt'; do
	if python3 -c '
import json, sys
want = sys.argv[2]
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["source"] + ("!" + o["member"] if o["member"] else "") == want:
        sys.exit(0)
sys.exit(1)' "$T/formats.jsonl" "$want"; then ok "findings in $want"
	else not_ok "findings in $want"; fi
done

# The sources table: every unit read, members linked to their archive.
got=$(sql "select count(*) from sources where status != 'ok'")
check "every source read (status ok): $got not ok" test "$got" = 0
got=$(sql "select p.member || ' ' || p.kind from sources s join sources p on p.id = s.parent_id
	where s.path = 'nested3.tar' and s.member = 'mid.zip!inner.tar!x.txt'")
check "nested member's parent is the nested archive ($got)" test "$got" = "mid.zip!inner.tar archive"
got=$(sql "select kind || ' ' || coalesce(member, '-') from sources where path = 'nested3.tar' and parent_id is null")
check "the outer archive is one row of kind archive ($got)" test "$got" = "archive -"
got=$(sql "select count(*) from sources where kind = 'member' and member like '%/'")
check "folder entries of archives are not scanned as members" test "$got" = 0
got=$(sql "select count(*) from sources where path like 'tree/empty-dir%'")
check "an empty folder adds no source" test "$got" = 0
a=$(sql "select sum(findings) from sources")
b=$(sql "select count(*) from findings")
check "sources.findings add up to the findings ($a = $b)" test "$a" = "$b"

# Standard input: plain text, and a tar.gz through a pipe that is not a
# file (the zip on standard input is in the run above).
for kind in plain targz; do
	file=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"]["-"])' "stdin-$kind.json")
	rm -f "$T/stdin.db"
	cat "$file" | "$PIIAUDIT" scan -q --db "$T/stdin.db" - >"$T/out" 2>"$T/err"; rc=$?
	check "stdin ($kind): exit 0 (got $rc)" test "$rc" = 0
	"$PIIAUDIT" export --db "$T/stdin.db" --format jsonl >"$T/stdin.jsonl" 2>"$T/err"
	fx verify "stdin-$kind.json" "$T/stdin.jsonl" --categories "$cats" --what "stdin $kind"
done
got=$(sqlite3 "$T/stdin.db" "select count(*) from sources where path = '-' and kind = 'member'")
check "stdin from a pipe: the tar.gz members are read ($got)" test "$got" = 2
got=$(sqlite3 "$T/stdin.db" "select kind from sources where path = '-' and parent_id is null")
check "stdin's own row is kind archive or stdin ($got)" test "$got" = archive -o "$got" = stdin

finish
