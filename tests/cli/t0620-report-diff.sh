#!/usr/bin/env bash
# t0620: report --since-run (issue 6): new, resolved and unchanged findings
# by category, matched by fingerprint, path, member and offset.  Run 1 has
# notes-b.txt (15 addresses), run 2 has notes-c.txt (9 others) instead;
# every other byte is the same.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"
sql() { sqlite3 -batch "$T/db" "$1" 2>&1; }

F=$T/f
make_corpus "$F" 1
cd "$F" || exit 1
run 3 scan_corpus "$T/db"
make_corpus "$F" 2
run 3 scan_corpus "$T/db"
check "notes-b.txt is gone from the corpus" test ! -e corpus/notes-b.txt

run 0 "$PIIAUDIT" report --db "$T/db" --since-run 1 -o "$T/d.json"
n1=$(sql 'select count(*) from findings where run_id = 1')
n2=$(sql 'select count(*) from findings where run_id = 2')
gone=$(sql "select count(*) from findings f join sources s on s.id = f.source_id where f.run_id = 1 and s.path = 'corpus/notes-b.txt'")
came=$(sql "select count(*) from findings f join sources s on s.id = f.source_id where f.run_id = 2 and s.path = 'corpus/notes-c.txt'")
check "the planted change: 15 gone, 9 new ($gone, $came)" test "$gone.$came" = "15.9"
got=$(jpy "$T/d.json" '[d["diff"][k] for k in ("since_run", "new", "resolved", "unchanged", "since_findings")]')
want="[1, $came, $gone, $((n2 - came)), $n1]"
check "diff: new, resolved, unchanged ($got)" test "$got" = "$want"
check "diff: new + unchanged = this run's total" \
	test "$(jpy "$T/d.json" 'd["diff"]["new"] + d["diff"]["unchanged"]')" = "$n2"
check "diff: resolved + unchanged = run 1's total" \
	test "$(jpy "$T/d.json" 'd["diff"]["resolved"] + d["diff"]["unchanged"]')" = "$n1"
check "diff: only e-mail changed" \
	test "$(jpy "$T/d.json" '[(c["category"], c["new"], c["resolved"]) for c in d["diff"]["by_category"] if c["new"] or c["resolved"]]')" = "[('email', $came, $gone)]"
check "diff: by category adds up" \
	test "$(jpy "$T/d.json" 'sum(c["unchanged"] for c in d["diff"]["by_category"]) == d["diff"]["unchanged"]')" = True
check "the report is on the latest run" test "$(jpy "$T/d.json" 'd["run"]["id"]')" = 2

# The other way round: run 1 since run 2.
run 0 "$PIIAUDIT" report --db "$T/db" --run 1 --since-run 2 -o "$T/r.json"
got=$(jpy "$T/r.json" '[d["diff"][k] for k in ("new", "resolved", "unchanged")]')
check "run 1 since run 2 is the mirror ($got)" test "$got" = "[$gone, $came, $((n2 - came))]"

for fmt in md html; do
	run 0 "$PIIAUDIT" report --db "$T/db" --since-run 1 -o "$T/d.$fmt"
done
check "md: a Changes section" grep -q '^## Changes since run 1' "$T/d.md"
check "md: the e-mail row" grep -qE "^\| email \| $came \| $gone \| " "$T/d.md"
check "html: a diff section" grep -q '<section id="diff">' "$T/d.html"
run 0 "$PIIAUDIT" report --db "$T/db" -o "$T/n.json"
check "without --since-run: no diff" test "$(jpy "$T/n.json" 'd["diff"]')" = None
check "diff: the runs share a key" test "$(jpy "$T/d.json" 'd["diff"]["same_key"]')" = True
# A run made with another key cannot be compared: said, not hidden.
PIIAUDIT_KEY_FILE=$T/other-key run 3 scan_corpus "$T/db"
run 0 "$PIIAUDIT" report --db "$T/db" --since-run 2 -o "$T/k.json"
check "another key: a warning on stderr" grep -q 'different fingerprint keys' "$T/err"
check "another key: same_key false, nothing unchanged" \
	test "$(jpy "$T/k.json" '[d["diff"]["same_key"], d["diff"]["unchanged"]]')" = "[False, 0]"
run 2 "$PIIAUDIT" report --db "$T/db" --since-run 4
check "--since-run of a missing run is named" grep -q "no run 4" "$T/err"
run 2 "$PIIAUDIT" report --db "$T/db" --since-run 3
check "--since-run of the run itself is a usage error" grep -q 'is the run reported on' "$T/err"
run 2 "$PIIAUDIT" report --db "$T/db" --since-run two
finish
