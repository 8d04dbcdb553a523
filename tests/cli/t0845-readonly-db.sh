#!/usr/bin/env bash
# A database that cannot be written: another user's, kept as evidence in a
# folder of its own, or on a read-only mount.  The commands that only read
# it (export, report and its --since-db, lookup, merge of shards, xref's
# corpus) work, and
# leave the folder as it was (no -wal or -shm file); a database made by an
# older piiaudit, which opening would upgrade, is refused in one line, as
# is a scan into it.  A WAL that still holds changes (a scan killed) is
# read through its -shm file, or refused saying why.
#
# Run as root (as CI does), the reader is the user nobody, with its own
# copy of the program and packs; otherwise the files are made read-only.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 "$1" "$2"; }

cd "$T" || exit 1
python3 - <<'PY'
with open("a.txt", "w") as f:
    for i in range(300):
        f.write("row %d mail r%d@example.org card 4111 1111 1111 1111\n" % (i, i))
with open("b.txt", "w") as f:
    f.write("contact lena.berg@nordpost.se\n")
PY
run 0 "$PIIAUDIT" scan -q --db w.db a.txt
run 0 "$PIIAUDIT" scan -q --db w.db a.txt b.txt
cp w.db prev.db
run 0 "$PIIAUDIT" scan -q --shard 0/2 --db s0.db a.txt b.txt
run 0 "$PIIAUDIT" scan -q --shard 1/2 --db s1.db a.txt b.txt
cp w.db old.db
sql old.db 'alter table sources drop column sha256'
# The last release's: runs without settings, which only scan writes.
cp w.db last.db
sql last.db 'alter table runs drop column settings'
cp s1.db last-s1.db
sql last-s1.db 'alter table runs drop column settings'

mkdir ro nb
cp w.db s0.db s1.db old.db last.db last-s1.db ro/
if [ "$(id -u)" = 0 ]; then
	if ! id nobody >/dev/null 2>&1 || ! command -v runuser >/dev/null; then
		echo "no user nobody or no runuser: cannot test a read-only database as root"
		finish
		exit
	fi
	mkdir bin
	cp "$PIIAUDIT" bin/piiaudit
	cp -r "$PIIAUDIT_RULES_DIR" packs
	cp "$PIIAUDIT_KEY_FILE" nb/key
	chown -R nobody nb
	chmod 711 "$T"
	chmod -R a+rX bin packs
	reader() {
		runuser -u nobody -- env PIIAUDIT_RULES_DIR="$T/packs" PIIAUDIT_KEY_FILE="$T/nb/key" \
			PIIAUDIT_CACHE_DIR="$T/nb/cache" "$T/bin/piiaudit" "$@"
	}
	# The folders above $T must let nobody through (they do under /tmp).
	if ! runuser -u nobody -- test -x "$T/bin/piiaudit" 2>/dev/null; then
		echo "nobody cannot reach $T (TMPDIR): cannot test a read-only database as root"
		finish
		exit
	fi
else
	reader() { "$PIIAUDIT" "$@"; }
fi
chmod 444 ro/*.db
chmod 555 ro
listing() { stat -c "%n %s %Y" ro ro/*; sha256sum ro/*.db; }

# export: the same rows as from the writable copy.
"$PIIAUDIT" export --db w.db --format csv >want.csv
reader export --db "$T/ro/w.db" --format csv >got.csv 2>err.txt
rc=$?
check "export from a read-only database: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
check "... the same rows as from a writable copy" cmp -s want.csv got.csv
check "... nothing on stderr" test ! -s err.txt

# A file others may write, in a folder they may not, reached through a link
# from a folder they may: SQLite would put the -wal and -shm files beside
# the link's target, so it is read read-only too.
chmod 755 ro
cp w.db ro/open.db
chmod 666 ro/open.db
chmod 555 ro
ln -s "$T/ro/open.db" nb/link.db
reader export --db "$T/nb/link.db" --format csv >got-link.csv 2>err.txt
rc=$?
check "export through a link into a folder that cannot be written: exit 0 (got $rc: $(head -c 300 err.txt))" \
	test "$rc" = 0
check "... the same rows" cmp -s want.csv got-link.csv
listing >before.txt

# report: the same figures.
"$PIIAUDIT" report --db w.db --format json -o want.json
reader report --db "$T/ro/w.db" --format json -o - >got.json 2>err.txt
rc=$?
check "report from a read-only database: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
same_report() {
	python3 - "$1" "$2" <<'PY'
import json, sys
def load(p):
    d = json.load(open(p))
    d.pop("generated_at", None)
    d.get("report", {}).pop("generated_at", None)
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if a == b else 1)
PY
}
check "... the same report as from a writable copy" same_report want.json got.json

# report --since-db: an earlier run's database that cannot be written.
cp w.db nb/now.db
[ "$(id -u)" = 0 ] && chown nobody nb/now.db
reader report --db "$T/nb/now.db" --since-db "$T/ro/w.db" --format json -o - >since.json 2>err.txt
rc=$?
check "report --since-db a read-only database: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
check "... compared with its latest run" \
	test "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("since_db" in json.dumps(d))' since.json)" = True

# lookup: a value's occurrences.
reader lookup --db "$T/ro/w.db" --email lena.berg@nordpost.se >look.txt 2>err.txt
rc=$?
check "lookup in a read-only database: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
check "... finds the value in b.txt" grep -q 'b.txt' look.txt

# merge: shards that cannot be written, merged into a database that can.
reader merge -q --db "$T/nb/m.db" "$T/ro/s0.db" "$T/ro/s1.db" >out.txt 2>err.txt
rc=$?
check "merge of read-only shards: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
check "... every finding of both" \
	test "$(sql nb/m.db 'select count(*) from findings')" = \
	"$(( $(sql s0.db 'select count(*) from findings') + $(sql s1.db 'select count(*) from findings') ))"

# xref: a corpus database that cannot be written.
printf '{"id": "o1", "response": "It is lena.berg@nordpost.se"}\n' >outputs.jsonl
"$PIIAUDIT" probe -q --db nb/out.db --field response --id-field id outputs.jsonl 2>err.txt
[ "$(id -u)" = 0 ] && chown -R nobody nb
reader xref --db "$T/nb/out.db" --corpus-db "$T/ro/w.db" --format jsonl >xref.jsonl 2>err.txt
rc=$?
check "xref against a read-only corpus database: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
check "... finds the value the corpus holds" grep -q 'b.txt' xref.jsonl

# An older schema: upgrading would write it.
reader report --db "$T/ro/old.db" --format md -o - >out.txt 2>err.txt
rc=$?
check "a read-only database of an older schema: exit 2 (got $rc)" test "$rc" = 2
check "... one line that says why" \
	grep -q "ro/old.db: made by an older piiaudit and read-only here: it must be upgraded, which writes it" err.txt
check "... and only that line" test "$(wc -l <err.txt)" = 1

# Without only the column scan alone uses (runs.settings): read as it is.
reader report --db "$T/ro/last.db" --format md -o - >out.txt 2>err.txt
rc=$?
check "a read-only database without runs.settings reports: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
reader merge -q --db "$T/nb/m2.db" "$T/ro/s0.db" "$T/ro/last-s1.db" >out.txt 2>err.txt
rc=$?
check "... and merges as a shard: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
reader runs --db "$T/ro/last.db" --format jsonl >out.txt 2>err.txt
rc=$?
check "... and lists its runs, settings null: exit 0 (got $rc: $(head -c 300 err.txt))" \
	sh -c "test $rc = 0 && test \$(grep -c '\"settings\":null}' out.txt) = 2"

# A scan into it: refused, naming the file.
reader scan -q --db "$T/ro/w.db" "$T/b.txt" >out.txt 2>err.txt
rc=$?
check "a scan into a read-only database: exit 2 (got $rc)" test "$rc" = 2
check "... one line naming it ($(head -c 200 err.txt))" \
	grep -q "ro/w.db: Permission denied" err.txt

listing >after.txt
check "the read-only folder is as it was (no -wal, no -shm, the same bytes)" cmp -s before.txt after.txt

# A WAL that holds changes (a scan killed, or running): read through the
# -shm file beside it; without one, refused saying why.
chmod 755 ro
python3 - <<'PY'
import shutil, sqlite3
c = sqlite3.connect("w.db", isolation_level=None)
c.execute("pragma wal_autocheckpoint = 0")
c.execute("update findings set confidence = 0.25")
for suffix in ("", "-wal", "-shm"):
    shutil.copy("w.db" + suffix, "ro/p.db" + suffix)
c.close()
PY
chmod 444 ro/p.db*
chmod 555 ro
reader export --db "$T/ro/p.db" --format csv >p.csv 2>err.txt
rc=$?
check "a read-only database with changes in its WAL: exit 0 (got $rc: $(head -c 300 err.txt))" test "$rc" = 0
check "... the changes are read" test "$(grep -c ',0.25,' p.csv)" = "$(($(wc -l <p.csv) - 1))"
chmod 755 ro
rm -f ro/p.db-shm
chmod 555 ro
reader export --db "$T/ro/p.db" --format csv >p.csv 2>err.txt
rc=$?
check "... without its -shm file: exit 2 (got $rc)" test "$rc" = 2
check "... saying why" grep -q "ro/p.db: .*its -wal file holds changes that need the -shm file" err.txt
chmod 755 ro
finish
