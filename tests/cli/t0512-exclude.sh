#!/usr/bin/env bash
# t0512: scan --exclude GLOB leaves out files and folders found under a
# folder, and archive members (tar.gz, zip), that GLOB matches: a name at
# any depth ('*.png', '.git'), a path from the top with a '/'
# ('docs/drafts'); a folder's glob leaves out what is in it; the paths
# named are always read; nothing left out gets a row; the summary and the
# archive's note count what was left out, the report's coverage statement
# names the globs; an empty glob is a usage error.
# plan --exclude leaves the same files out of the plan.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p c/.git c/docs/drafts c/img c/x/docs/drafts m/sub
printf 'git ann.git@corp.io\n' >c/.git/config
printf 'draft bob.draft@corp.io\n' >c/docs/drafts/d.txt
printf 'keep cy.keep@corp.io\n' >c/docs/keep.txt
printf 'deep di.deep@corp.io\n' >c/x/docs/drafts/deep.txt
printf 'png ed.png@corp.io\n' >c/img/x.png
printf 'top fi.top@corp.io\n' >c/top.txt
printf 'named gu.named@corp.io\n' >named.png
printf 'member hu.member@corp.io\n' >m/a.txt
printf 'member ivy.png@corp.io\n' >m/b.png
printf 'member jo.sub@corp.io\n' >m/sub/c.txt
tar -C m -czf c/pack.tar.gz .
(cd m && python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in ("a.txt", "b.png", "sub/c.txt"):
        z.write(n)' ../c/pack.zip)

# places DB: where the findings are, as source!member, one a line, sorted
places() {
	"$PIIAUDIT" export --db "$1" --format jsonl | python3 -c '
import json, sys
for r in sorted(json.loads(l)["source"] + "!" + (json.loads(l)["member"] or "") for l in sys.stdin):
    print(r)'
}

run 0 "$PIIAUDIT" scan --db all.db c named.png
check "without --exclude, everything is read" test "$(places all.db | wc -l)" = 13

run 0 "$PIIAUDIT" scan --db ex.db --exclude .git --exclude '*.png' --exclude docs/drafts \
	--exclude sub/ c named.png
check "the summary counts what was left out" grep -q ', 7 excluded (--exclude), 0 unreadable' err
places ex.db >got
printf '%s\n' 'c/docs/keep.txt!' 'c/pack.tar.gz!./a.txt' 'c/pack.zip!a.txt' 'c/top.txt!' \
	'c/x/docs/drafts/deep.txt!' 'named.png!' >want
check "only what no glob matches is read; a '/' glob is from the top only" cmp got want
check "a path named is read though a glob matches its name" grep -qx 'named.png!' got
check "nothing left out has a row" test "$(sqlite3 ex.db "select count(*) from sources
	where path like '%.git%' or path like '%.png' and path != 'named.png' or path like 'c/docs/drafts%'
	or member like '%png' or member like '%sub%'")" = 0
check "each archive's note counts its members left out" test "$(sqlite3 ex.db "select count(*) from sources
	where kind = 'archive' and note = '2 members excluded (--exclude)'")" = 2
check "the globs are in the run's command line" test "$(sqlite3 ex.db "select count(*) from runs
	where argv like '%--exclude%docs/drafts%'")" = 1

run 0 "$PIIAUDIT" report --db ex.db --format json
check "report: the coverage statement names the globs" python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))["coverage"]["statement"]
sys.exit(0 if "matching --exclude .git, '"'"'*.png'"'"', docs/drafts, sub/ were left out" in st else 1)' out
run 0 "$PIIAUDIT" report --db all.db --format json
check "report: no word of --exclude for a run without it" sh -c '! grep -q -- "--exclude" out'

run 0 "$PIIAUDIT" scan --db anchored.db --exclude /docs c
check "'/docs' leaves out docs at the top only" test "$(places anchored.db | grep -c docs/)" = 1
run 0 "$PIIAUDIT" scan --db folder.db --exclude c c
check "the folder named is read though a glob matches its name" test "$(places folder.db | wc -l)" = 12

run 2 "$PIIAUDIT" scan --db bad.db --exclude '' c
check "an empty glob is a usage error" grep -q -- "--exclude takes a glob" err
run 2 "$PIIAUDIT" scan --db bad.db --exclude / c
check "a glob of slashes is a usage error" grep -q -- "--exclude takes a glob" err
check "nothing was scanned" test ! -e bad.db

run 0 "$PIIAUDIT" plan --shards 2 --exclude .git --exclude '*.png' c
check "plan leaves the excluded files out" sh -c '! grep -v "^#" out | grep -q "\.git\|x\.png"'
check "plan names the globs and counts" grep -q '^# not in the plan: 2 files and folders excluded (--exclude .git, \*.png)' out
check "plan keeps the rest" test "$(grep -c '^[01]	' out)" = 6
run 2 "$PIIAUDIT" plan --shards 2 --exclude '' c
check "plan: an empty glob is a usage error" grep -q -- "--exclude takes a glob" err
finish
