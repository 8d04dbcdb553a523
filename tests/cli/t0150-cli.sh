#!/usr/bin/env bash
# t0150: the CLI and the database (issue 2).  --help and --version; -q;
# --jobs 1 and 2 give the same export; the CSV header, one row per finding
# and its quoting (a comma and a quote in a path, a newline); --run ID;
# JSONL valid with exactly the contract keys, also for names with a newline
# or invalid UTF-8; the export's order.  The database: user_version 1, its
# tables, runs (tool_version, rules_digest, argv, label, status),
# count(findings) = exported lines, integrity_check.
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


# --help on the top level and every subcommand it lists: exit 0, usage on stdout.
cmds=$("$PIIAUDIT" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
check "piiaudit --help lists scan, export and rules ($(echo $cmds))" \
	test -n "$(echo "$cmds" | grep -x scan)" -a -n "$(echo "$cmds" | grep -x export)" -a -n "$(echo "$cmds" | grep -x rules)"
for c in "" $cmds; do
	for h in --help -h; do
		"$PIIAUDIT" $c $h >"$T/out" 2>"$T/err"; rc=$?
		if [ "$rc" = 0 ] && head -n 1 "$T/out" | grep -q "^usage: piiaudit${c:+ $c}" && [ ! -s "$T/err" ]; then
			ok "piiaudit${c:+ $c} $h: exit 0, usage on stdout, nothing on stderr"
		else
			not_ok "piiaudit${c:+ $c} $h: exit 0, usage on stdout, nothing on stderr" \
				"rc=$rc; stdout: $(head -n 2 "$T/out"); stderr: $(head -n 2 "$T/err")"
		fi
	done
done
run 0 "$PIIAUDIT" --version
version=$(cat "$T/out")
check "--version prints 'piiaudit X.Y.Z' ($version)" test -n "$(echo "$version" | grep -Ex 'piiaudit [0-9]+\.[0-9]+\.[0-9]+.*')"

F=$T/f
if python3 "$FX" build cli "$F" 2>"$T/err"; then ok "fixtures built"
else not_ok "fixtures built" "$(cat "$T/err")"; fi
cd "$F" || exit 1

# Run 1: the corpus with two jobs, a label; stderr is not a terminal: the
# summary only, no progress line (no CR, no escape sequence).
run 0 "$PIIAUDIT" scan --jobs 2 --label "first run" --db "$T/db" corpus
check "not a terminal: no progress line on stderr (no CR or ESC)" test -z "$(tr -d '\n' <"$T/err" | tr -cd '\r\033')"
n=$(grep -c . "$T/err")
check "without -q: a summary line on stderr ($n line)" test "$n" = 1
# On a terminal (script(1) gives one): the progress line, then, in a new
# database, the fingerprint index being built, erased before the summary.
if command -v script >/dev/null 2>&1; then
	script -qec "'$PIIAUDIT' scan --jobs 2 --db '$T/tty.db' corpus" /dev/null >"$T/tty.out" 2>&1
	check "on a terminal: a progress line" grep -q 'sources.*findings' "$T/tty.out"
	check "on a terminal: the fingerprint index being built is said" \
		grep -q 'indexing [0-9]* findings by fingerprint\.\.\.' "$T/tty.out"
	check "... and erased before the summary" grep -q $'\r\033\[Kpiiaudit: run 1:' "$T/tty.out"
else
	ok "# SKIP script(1) missing: no terminal to test the progress line on"
fi
"$PIIAUDIT" export --db "$T/db" --format jsonl >"$T/run1.jsonl"
fx verify cli.json "$T/run1.jsonl" --what "run 1 (--jobs 2)"
# Run 2: the same with one job.
run 0 "$PIIAUDIT" scan -q --jobs 1 --db "$T/db" corpus
"$PIIAUDIT" export --db "$T/db" --format jsonl >"$T/run2.jsonl"
check "--jobs 1 and --jobs 2 give the same export (sorted)" cmp -s <(sort "$T/run1.jsonl") <(sort "$T/run2.jsonl")
# Run 3: awkward names.
run 0 "$PIIAUDIT" scan -q --db "$T/db" odd
"$PIIAUDIT" export --db "$T/db" --format jsonl >"$T/run3.jsonl"
fx verify names.json "$T/run3.jsonl" --only-planted-sources --what "a comma, a quote, a newline in names"
got=$(python3 - "$T/run3.jsonl" <<'PY'
import json, sys
srcs = set()
for l in open(sys.argv[1], "rb"):
    srcs.add(json.loads(l.decode("utf-8"))["source"])   # strict UTF-8, strict JSON
print(len(srcs), sorted(s for s in srcs if "bad-" in s))
PY
)
case $got in
"3 ['odd/bad-"*) ok "a name with invalid UTF-8 is exported as valid UTF-8 JSON ($got)" ;;
*) not_ok "a name with invalid UTF-8 is exported as valid UTF-8 JSON" "$got" ;;
esac
check "JSONL: one object per line, no line break inside one" \
	test "$(grep -c . "$T/run3.jsonl")" = "$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(b"\n"))' "$T/run3.jsonl")"

# --run ID picks an older run; the default is the latest.
run 0 "$PIIAUDIT" export --db "$T/db" --run 1 --format jsonl
check "--run 1 exports the first run" cmp -s "$T/out" "$T/run1.jsonl"
run 0 "$PIIAUDIT" export --db "$T/db" --format jsonl
check "without --run: the latest run" cmp -s "$T/out" "$T/run3.jsonl"
run 0 "$PIIAUDIT" export --db "$T/db" --run 2 --format jsonl
check "--run 2 exports the second run" cmp -s "$T/out" "$T/run2.jsonl"

# CSV: the header, one row per finding, quoting.
run 0 "$PIIAUDIT" export --db "$T/db" --run 3 --format csv
cp "$T/out" "$T/run3.csv"
check "csv header" test "$(head -n 1 "$T/run3.csv" | tr -d '\r')" = \
	"source,member,record,field,line,offset,length,rule,category,confidence,preview,fingerprint,placeholder"
python3 - "$T/run3.csv" "$T/run3.jsonl" >"$T/cmp" 2>&1 <<'PY'
import csv, json, sys
# A name with invalid UTF-8 keeps its raw bytes in CSV; JSON has U+FFFD.
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="replace")))
objs = [json.loads(l) for l in open(sys.argv[2])]
head, rows = rows[0], rows[1:]
bad = []
if len(rows) != len(objs):
    bad.append("%d rows, %d findings" % (len(rows), len(objs)))
if any(len(r) != len(head) for r in rows):
    bad.append("rows with the wrong number of fields")
def norm(v):
    return "" if v is None else ("true" if v is True else "false" if v is False else
                                 "%.2f" % v if isinstance(v, float) else str(v))
a = sorted(tuple(r) for r in rows)
b = sorted(tuple(norm(o[k]) for k in head) for o in objs)
if a != b:
    bad.append("csv %s\njsonl %s" % ([x for x in a if x not in b][:2], [x for x in b if x not in a][:2]))
srcs = {r[0] for r in rows}
for want in ['odd/a,b "quoted".txt', "odd/new\nline.txt"]:
    if want not in srcs:
        bad.append("source %r not read back from the csv (got %r)" % (want, sorted(srcs)))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
rc=$?
check "csv: one row per finding, the same values as JSONL, names quoted (comma, quote, newline)" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/cmp" | head -8
run 0 "$PIIAUDIT" export --db "$T/db" --run 1 --format csv
n=$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline=""))))-1)' "$T/out")
m=$(grep -c . "$T/run1.jsonl")
check "csv of run 1: one row per finding ($n = $m)" test "$n" = "$m"

# The export is ordered by source, then offset.
python3 - "$T/run1.jsonl" >"$T/ord" <<'PY'
import json, sys
last = {}
seen_done = set()
prev = None
for l in open(sys.argv[1]):
    o = json.loads(l)
    key = (o["source"], o["member"])
    if key != prev and key in seen_done:
        print("findings of %s are not together" % (key,))
    if key == prev and o["offset"] < last[key]:
        print("%s: offset %d after %d" % (key, o["offset"], last[key]))
    if prev is not None and key != prev:
        seen_done.add(prev)
    last[key] = o["offset"]
    prev = key
PY
check "export: a source's findings together, in offset order" test ! -s "$T/ord"
[ -s "$T/ord" ] && head -n 3 "$T/ord" | sed 's/^/#   /'

# The database.
got=$(sql 'pragma user_version')
check "pragma user_version is 1 ($got)" test "$got" = 1
got=$(sql "select group_concat(name, ' ') from (select name from sqlite_master where type = 'table' and name in ('runs', 'sources', 'findings', 'rules') order by name)")
check "tables findings, rules, runs, sources ($got)" test "$got" = "findings rules runs sources"
got=$(sql 'pragma integrity_check')
check "pragma integrity_check is ok ($got)" test "$got" = ok
got=$(sql 'select count(*) from runs')
check "three runs ($got)" test "$got" = 3
for r in 1 2 3; do
	a=$(sql "select count(*) from findings where run_id = $r")
	b=$(grep -c . "$T/run$r.jsonl")
	check "run $r: count(findings) = exported lines ($a = $b)" test "$a" = "$b"
done
got=$(sql "select status from runs where id = 1")
check "runs.status of a clean run is ok ($got)" test "$got" = ok
got=$(sql "select count(*) from runs where ended_at is null or ended_at not like '____-__-__T%'")
check "runs.ended_at is a timestamp for finished runs ($(sql 'select group_concat(ended_at) from runs'))" test "$got" = 0
got=$(sql "select tool_version from runs where id = 1")
check "runs.tool_version matches --version ($got)" test "piiaudit $got" = "$version"
got=$(sql "select rules_digest from runs where id = 1")
check "runs.rules_digest is set ($got)" test -n "$(echo "$got" | grep -Ex '[0-9a-f]{16,}')"
got=$(sql "select count(distinct rules_digest) from runs")
check "the same rules: the same rules_digest in every run ($got)" test "$got" = 1
got=$(sql "select argv from runs where id = 1")
python3 -c '
import json, sys
a = json.loads(sys.argv[1])
want = ["scan", "--jobs", "2", "--label", "first run", "--db", sys.argv[2], "corpus"]
sys.exit(0 if a[1:] == want and a[0].endswith("piiaudit") else 1)' "$got" "$T/db"
check "runs.argv is the command line as a JSON array ($got)" test $? = 0
got=$(sql "select coalesce(label, '') from runs where id = 1")
check "runs.label ($got)" test "$got" = "first run"
got=$(sql "select count(*) from rules where run_id = 1 and id = 'email.address' and category = 'email'")
check "the rules table has the rules of the run (email.address)" test "$got" = 1
got=$(sql "select count(*) from findings f left join rules r on r.run_id = f.run_id and r.id = f.rule where r.id is null")
check "every finding's rule is in the rules table" test "$got" = 0
got=$(sql "select count(*) from findings f join sources s on s.id = f.source_id where s.run_id != f.run_id")
check "findings belong to sources of their run" test "$got" = 0

finish
