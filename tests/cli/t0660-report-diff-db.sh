#!/usr/bin/env bash
# t0660: report --since-db (issue 6): the diff with a run of another
# database, attached: new, resolved and unchanged findings by category,
# matched by fingerprint, path, member and offset, as --since-run does
# within one database.  A run made with another key is refused, naming both
# key ids.  The corpus changes between the scans: a.txt loses its last 3
# addresses and gains 2 others at its end, c.txt (5 addresses) is new,
# b.txt (4 addresses and a card number) stays.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"

D=$T/c
mkdir -p "$D" && cd "$D" || exit 1
corpus() { # VARIANT
	python3 - "$1" <<'PY'
import sys
v = int(sys.argv[1])
a = ["line %d: write to person%d@example.org" % (i, i) for i in range(1, 11)]
if v == 2:
    a = a[:7] + ["line %d: write to newcomer%d@example.net" % (i, i) for i in (11, 12)]
open("a.txt", "w").write("\n".join(a) + "\n")
b = ["contact staff%d@example.com" % i for i in range(4)] + ["card 4929 1827 3645 1929 on file"]
open("b.txt", "w").write("\n".join(b) + "\n")
if v == 2:
    open("c.txt", "w").write("".join("c%d@example.co.uk\n" % i for i in range(5)))
PY
}
scan() { "$PIIAUDIT" scan -q --engine pcre2 --db "$1" a.txt b.txt $( [ -e c.txt ] && echo c.txt ); }
corpus 1
run 0 scan "$T/old.db"
run 0 scan "$T/both.db"
corpus 2
run 0 scan "$T/new.db"
run 0 scan "$T/both.db"
sq() { sqlite3 -batch "$1" "$2"; }
check "the planted change: old 15 e-mails and 1 card, new 18 and 1" \
	test "$(sq "$T/old.db" "select group_concat(n) from (select count(*) n from findings group by category order by category)")/$(sq "$T/new.db" "select group_concat(n) from (select count(*) n from findings group by category order by category)")" = "1,14/1,18"

run 0 "$PIIAUDIT" report --db "$T/new.db" --since-db "$T/old.db" -o "$T/d.json"
got=$(jpy "$T/d.json" '[d["diff"][k] for k in ("since_run", "new", "resolved", "unchanged", "since_findings")]')
check "diff: new 7, resolved 3, unchanged 12, old run's total 15 ($got)" test "$got" = "[1, 7, 3, 12, 15]"
got=$(jpy "$T/d.json" '[(c["category"], c["new"], c["resolved"], c["unchanged"]) for c in d["diff"]["by_category"]]')
check "diff by category ($got)" test "$got" = "[('credit_card', 0, 0, 1), ('email', 7, 3, 11)]"
check "diff: names the other database" test "$(jpy "$T/d.json" 'd["diff"]["since_db"]')" = "$T/old.db"
check "diff: same key" test "$(jpy "$T/d.json" 'd["diff"]["same_key"]')" = True

# The same two scans as runs 1 and 2 of one database: --since-run agrees.
run 0 "$PIIAUDIT" report --db "$T/both.db" --since-run 1 -o "$T/s.json"
check "--since-run in one database gives the same diff" \
	test "$(jpy "$T/s.json" '[d["diff"]["by_category"], d["diff"]["since_db"]]')" = \
	"$(jpy "$T/d.json" '[d["diff"]["by_category"], None]')"
# The other way round, and a run of the other database named.
run 0 "$PIIAUDIT" report --db "$T/old.db" --since-db "$T/both.db" --since-run 2 -o "$T/r.json"
check "old since new (run 2 of both.db) is the mirror" \
	test "$(jpy "$T/r.json" '[d["diff"][k] for k in ("since_run", "new", "resolved", "unchanged")]')" = "[2, 3, 7, 12]"
run 0 "$PIIAUDIT" report --db "$T/new.db" --since-db "$T/both.db" --since-run 2 -o "$T/z.json"
check "against the same scan: all unchanged" \
	test "$(jpy "$T/z.json" '[d["diff"][k] for k in ("new", "resolved", "unchanged")]')" = "[0, 0, 19]"

for fmt in md html; do
	run 0 "$PIIAUDIT" report --db "$T/new.db" --since-db "$T/old.db" -o "$T/d.$fmt"
done
check "md: the heading names the database" grep -qF "## Changes since run 1 of \`$T/old.db\`" "$T/d.md"
check "md: the e-mail row" grep -qE '^\| email \| 7 \| 3 \| 11 \|$' "$T/d.md"
check "md: the totals" grep -qE '^\| \*\*all\*\* \| 7 \| 3 \| 12 \|$' "$T/d.md"
check "html: the heading names the database" grep -qF "<h2>Changes since run 1 of <code>$T/old.db</code></h2>" "$T/d.html"
check "html: the e-mail row" grep -q '<tr><td>email</td><td class="num">7</td><td class="num">3</td><td class="num">11</td></tr>' "$T/d.html"

# Refusals.
PIIAUDIT_KEY_FILE=$T/other-key run 0 scan "$T/other.db"
run 2 "$PIIAUDIT" report --db "$T/new.db" --since-db "$T/other.db" -o "$T/k.json"
k1=$(sq "$T/new.db" 'select key_id from runs'); k2=$(sq "$T/other.db" 'select key_id from runs')
check "another key: refused, naming both key ids" grep -q "key $k1).*key $k2).*different keys" "$T/err"
check "another key: nothing written" test ! -e "$T/k.json"
run 2 "$PIIAUDIT" report --db "$T/new.db" --since-db "$T/missing.db"
check "a missing --since-db is named" grep -q "missing.db: No such file" "$T/err"
run 2 "$PIIAUDIT" report --db "$T/new.db" --since-db "$T/old.db" --since-run 5
check "--since-run of a run the other database lacks" grep -q 'old.db: no run 5 (--since-run)' "$T/err"
check "... the line names that database alone" test "$(cat "$T/err")" = "piiaudit: $T/old.db: no run 5 (--since-run)"
echo "not a database" >"$T/junk.db"
run 2 "$PIIAUDIT" report --db "$T/new.db" --since-db "$T/junk.db"
check "not a database: said" grep -q 'junk.db' "$T/err"
check "... in one line that starts with it ($(cat "$T/err"))" grep -q "^piiaudit: $T/junk.db: " "$T/err"
"$PIIAUDIT" report --help >"$T/help"
check "--help names --since-db" grep -q -- '--since-db FILE' "$T/help"
finish
