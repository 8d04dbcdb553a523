#!/usr/bin/env bash
# Database paths SQLite could read as something else: '?', '#', '%',
# spaces, a newline, invalid UTF-8, and a relative name that starts with
# "file:" (a URI to SQLite).  piiaudit hands SQLite every database path as
# a URI with each such byte escaped, so the file it opens, creates, attaches
# (report --since-db, xref, merge) and reads read-only is the one named,
# and nothing else appears beside it.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 "$1" "$2"; }
cd "$T" || exit 1
printf 'write to maja.lind@nordpost.se\n' >a.txt
mkdir "d e"
names=("d e/odd ?#%41 name.db" "file:rel.db" "$(printf 'nl\nx.db')" "$(printf 'bad\xff.db')")
for i in "${!names[@]}"; do
	db=${names[$i]}
	shown=$(printf '%q' "$db")
	run 0 "$PIIAUDIT" scan -q --db "$db" a.txt
	check "$shown: the database is the file named" test -s "$db"
	check "$shown: it holds the finding" test "$("$PIIAUDIT" export --db "$db" --format csv | grep -c maja)" = 0 -a \
		"$("$PIIAUDIT" export --db "$db" --format csv | wc -l)" = 2
	run 0 "$PIIAUDIT" report --db "$db" --since-db "$db" --format json -o "r$i.json"
	run 0 "$PIIAUDIT" lookup --db "$db" --email maja.lind@nordpost.se
	check "$shown: lookup finds it" grep -q 'a.txt' "$T/out"
done
stray() {
	python3 - <<'PY'
import os
want = {b"a.txt", b"d e", b"key", b"out", b"err", b"file:rel.db", b"nl\nx.db", b"bad\xff.db"}
want |= {b"r%d.json" % i for i in range(4)}
extra = sorted(set(os.listdir(b".")) - want)
print(extra if extra else "none")
PY
}
check "no stray files beside them ($(stray))" test "$(stray)" = none
check "... and in the folder with spaces, only its database" test "$(ls -A "d e")" = "odd ?#%41 name.db"
# Shards with such names, merged.
run 0 "$PIIAUDIT" scan -q --shard 0/2 --db "d e/s ?0.db" a.txt
run 0 "$PIIAUDIT" scan -q --shard 1/2 --db "d e/s #1.db" a.txt
run 0 "$PIIAUDIT" merge -q --db "d e/m%20.db" "d e/s ?0.db" "d e/s #1.db"
check "merge of shards with such names: every finding" test "$(sql "d e/m%20.db" 'select count(*) from findings')" = 1
finish
