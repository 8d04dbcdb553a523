#!/usr/bin/env bash
# t0650: scan records the SHA-256 of each input's bytes on disk
# (sources.sha256, what sha256sum prints), taken while reading, in every
# read path: plain, gzip, tar (skipped binary member: the skip is read
# through), tar.gz, zip (read from its central directory, out of order),
# a truncated gzip (an error: the rest is hashed), a member over
# --max-member-bytes (a limit), standard input.  The report lists the
# hashes in every format (issue 6), and its coverage statement says
# whether every input, some or none has one.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"
sql() { sqlite3 -batch "$T/db" "$1" 2>&1; }

D=$T/in
mkdir -p "$D/tree" && cd "$D" || exit 1
python3 - <<'PY'
import os, random
random.seed(650)
with open("plain.txt", "w") as f:
    for i in range(20000):
        f.write("row %d contact user%d@example.org tel +44 20 7946 %04d\n" % (i, i, i % 10000))
with open("tree/bin.dat", "wb") as f:
    f.write(bytes(random.getrandbits(8) for _ in range(300000)) + b"\0")
with open("tree/notes.txt", "w") as f:
    f.write("write to ann.smith@example.com\n" * 3000)
with open("big.txt", "w") as f:
    f.write("x" * 200000 + " tail bob@example.net\n")
PY
gzip -kn plain.txt
tar cf plain.tar -C tree .
tar czf tree.tar.gz -C tree .
(cd tree && zip -q -X ../tree.zip notes.txt bin.dat)
head -c 40000 plain.txt.gz > cut.txt.gz
INPUTS="plain.txt plain.txt.gz plain.tar tree.tar.gz tree.zip cut.txt.gz big.txt tree"
# shellcheck disable=SC2086
run 3 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/db" --max-member-bytes 100K $INPUTS
check "the truncated gzip is an error" \
	test "$(sql "select status from sources where path = 'cut.txt.gz'")" = error
check "big.txt hit the limit" \
	grep -q 'max-member-bytes' <<<"$(sql "select error from sources where path = 'big.txt'")"
for f in plain.txt plain.txt.gz plain.tar tree.tar.gz tree.zip cut.txt.gz big.txt tree/bin.dat tree/notes.txt; do
	want=$(sha256sum "$f" | cut -d' ' -f1)
	got=$(sql "select sha256 from sources where path = '$f' and parent_id is null")
	check "sha256 of $f equals sha256sum" test "$got" = "$want"
done
check "members have no hash of their own" \
	test "$(sql "select count(*) from sources where parent_id is not null and sha256 is not null")" = 0
check "members were read" test "$(sql "select count(*) from sources where kind = 'member'")" -ge 6

# Standard input: the bytes read; a stream that fails has no hash.
run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/stdin.db" - <plain.txt.gz
check "stdin: sha256 equals sha256sum of what was piped" \
	test "$(sqlite3 "$T/stdin.db" "select sha256 from sources where kind = 'stdin'")" = \
	"$(sha256sum <plain.txt.gz | cut -d' ' -f1)"
run 3 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/stdin.db" - <cut.txt.gz
check "stdin that failed: no hash (NULL), not a wrong one" \
	test "$(sqlite3 "$T/stdin.db" "select count(*) from sources where run_id = 2 and sha256 is null")" = 1

# The report: every input with its hash, in every format.
run 0 "$PIIAUDIT" report --db "$T/db" -o "$T/r.json"
got=$(jpy "$T/r.json" '" ".join("%s=%s" % (i["path"], i["content_hash"]) for i in d["inputs"]["listed"])')
want=$(for f in big.txt cut.txt.gz plain.tar plain.txt plain.txt.gz tree.tar.gz tree.zip tree/bin.dat tree/notes.txt; do
	printf '%s=%s ' "$f" "$(sha256sum "$f" | cut -d' ' -f1)"; done)
check "json: content_hash of every input is its sha256sum" test "$got" = "${want% }"
check "json: content_hashes names the algorithm" \
	test "$(jpy "$T/r.json" 'd["inputs"]["content_hashes"]')" = sha256
check "json: the coverage statement says every input's hash is recorded" \
	grep -q "The SHA-256 of every input's bytes on disk is recorded" <<<"$(jpy "$T/r.json" 'd["coverage"]["statement"]')"
run 0 "$PIIAUDIT" report --db "$T/stdin.db" --run 2 -o "$T/none.json"
check "json: a run whose one input failed says no input has a hash" \
	grep -q "No input has a content hash" <<<"$(jpy "$T/none.json" 'd["coverage"]["statement"]')"
run 3 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/some.db" - plain.txt <cut.txt.gz
run 0 "$PIIAUDIT" report --db "$T/some.db" -o "$T/some.json"
check "json: a run with one of two inputs hashed says so" \
	grep -q "1 of 2 inputs have the SHA-256 of their bytes on disk recorded; the others were not read to their end" \
	<<<"$(jpy "$T/some.json" 'd["coverage"]["statement"]')"
h=$(sha256sum tree.zip | cut -d' ' -f1)
run 0 "$PIIAUDIT" report --db "$T/db" -o "$T/r.md"
check "md: the SHA-256 column" grep -q '| Not read in full | SHA-256 |' "$T/r.md"
check "md: the zip's row has its hash" grep -qE "^\| \`tree.zip\` \|.*\| \`$h\` \|$" "$T/r.md"
run 0 "$PIIAUDIT" report --db "$T/db" -o "$T/r.html"
check "html: the zip's hash in a cell" grep -q "<td class=\"hash\"><code>$h</code></td>" "$T/r.html"
check "html: says what the hash is" grep -q 'what <code>sha256sum</code> prints' "$T/r.html"

# A database made before the column: opened, migrated, its runs "not recorded".
cp "$T/stdin.db" "$T/old.db"
sqlite3 "$T/old.db" 'alter table sources drop column sha256'
run 0 "$PIIAUDIT" report --db "$T/old.db" --run 1 -o "$T/old.json"
check "old database: the column is added" \
	test "$(sqlite3 "$T/old.db" "select count(*) from pragma_table_info('sources') where name = 'sha256'")" = 1
check "old database: hashes not recorded" \
	test "$(jpy "$T/old.json" '[d["inputs"]["content_hashes"], d["inputs"]["listed"][0]["content_hash"]]')" = "['not recorded', None]"
run 0 "$PIIAUDIT" report --db "$T/old.db" --run 1 -o "$T/old.md"
check "old database, md: says not recorded" grep -q 'were \*\*not recorded\*\*' "$T/old.md"
check "old database, md: the coverage statement says no input has a hash" \
	grep -q "No input has a content hash: the database is from a version of scan" "$T/old.md"
run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/old.db" plain.txt
check "old database: a new scan records hashes" \
	test "$(sqlite3 "$T/old.db" "select sha256 from sources where path = 'plain.txt'")" = \
	"$(sha256sum plain.txt | cut -d' ' -f1)"
finish
