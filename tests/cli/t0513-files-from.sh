#!/usr/bin/env bash
# t0513: scan --files-from FILE scans the paths FILE lists, one a line, as
# if they were named on the command line (folders walked, --exclude
# applied under them, a missing one recorded as unreadable, exit 3), with
# the paths named too; '-' reads the list from standard input; --null
# reads a find -print0 list.  A list that cannot be read, a NUL byte in a
# line list, a '-' entry, --null alone, or standard input as both the list
# and a source are usage errors (exit 2) before any database is made.
# plan --files-from plans the same paths.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p d/sub d/.git
printf 'mail ann.list@corp.io\n' >d/a.txt
printf 'mail bob.space@corp.io\n' >'d/b c.txt'
printf 'mail cy.sub@corp.io\n' >d/sub/c.txt
printf 'mail di.git@corp.io\n' >d/.git/config
printf 'mail ed.named@corp.io\n' >named.txt
printf 'mail fi.unlisted@corp.io\n' >unlisted.txt
printf 'd/a.txt\n\nd/b c.txt\nd/sub\n' >list
# sources DB: the paths of the findings, sorted, one a line
sources() { sqlite3 "$1" "select distinct s.path from findings f join sources s on s.id = f.source_id order by 1"; }

run 0 "$PIIAUDIT" scan --db one.db --files-from list named.txt
check "the listed paths and the named one are scanned, no other" test "$(sources one.db | tr '\n' '|')" = \
	"d/a.txt|d/b c.txt|d/sub/c.txt|named.txt|"
check "the summary counts them" grep -q 'run 1: 4 sources' err

printf 'd\n' >dirlist
run 0 "$PIIAUDIT" scan --db ex.db --files-from dirlist --exclude .git
check "a listed folder is walked, --exclude applied under it" test "$(sources ex.db | tr '\n' '|')" = \
	"d/a.txt|d/b c.txt|d/sub/c.txt|"

printf 'd/a.txt\nmissing.txt\n' >badlist
run 3 "$PIIAUDIT" scan --db miss.db --files-from badlist
check "a listed path that is missing is named on stderr" grep -q '^piiaudit: missing.txt: No such file or directory' err
check "and recorded as an error" test "$(sqlite3 miss.db "select status from sources where path = 'missing.txt'")" = error

run 0 sh -c 'printf "d/a.txt\n" | exec "$1" scan --db stdin.db --files-from -' _ "$PIIAUDIT"
check "--files-from - reads the list from standard input" test "$(sources stdin.db)" = d/a.txt

find d -name '*.txt' -print0 >nul.list
run 0 "$PIIAUDIT" scan --db nul.db --files-from nul.list --null
check "--null reads a find -print0 list (a name with a space too)" test "$(sources nul.db | tr '\n' '|')" = \
	"d/a.txt|d/b c.txt|d/sub/c.txt|"

run 2 "$PIIAUDIT" scan --db bad.db --files-from nul.list
check "a -print0 list read as lines is refused, saying --null" grep -q 'holds a NUL byte.*--null' err
run 2 "$PIIAUDIT" scan --db bad.db --files-from no-such-list
check "a list that cannot be read is named" grep -q '^piiaudit: no-such-list (--files-from): No such file or directory' err
printf 'd/a.txt\n-\n' >dashlist
run 2 "$PIIAUDIT" scan --db bad.db --files-from dashlist
check "a '-' entry is refused" grep -q "entry 2 is '-'" err
run 2 "$PIIAUDIT" scan --db bad.db --null named.txt
check "--null without --files-from is refused" grep -q -- '--null needs --files-from' err
run 2 sh -c 'exec "$1" scan --db bad.db --files-from - - </dev/null' _ "$PIIAUDIT"
check "standard input as list and source is refused" grep -q 'cannot be both scanned' err
run 2 "$PIIAUDIT" scan --db bad.db --files-from list --files-from list
check "--files-from twice is refused" grep -q -- '--files-from can be given once' err
check "no database was made by a refused run" test ! -e bad.db

run 0 "$PIIAUDIT" plan --shards 2 --files-from list named.txt
check "plan: the listed paths and the named one are planned" test \
	"$(grep -v '^#' out | cut -f3 | sort | tr '\n' '|')" = "d/a.txt|d/b c.txt|d/sub/c.txt|named.txt|"
run 0 "$PIIAUDIT" plan --shards 2 --files-from nul.list --null
check "plan: --null" test "$(grep -vc '^#' out)" = 3
run 2 "$PIIAUDIT" plan --shards 2 --files-from nul.list
check "plan: a -print0 list read as lines is refused" grep -q 'holds a NUL byte' err

# A list that names nothing (find matched nothing): no error, but said.
: >empty.list
run 0 "$PIIAUDIT" scan --db empty.db --files-from empty.list
check "an empty list: said, and nothing scanned" \
	sh -c "grep -q '^piiaudit: empty.list: the list names no paths$' err && grep -q ': 0 sources' err"
run 0 sh -c 'printf "\n\n" | exec "$1" scan -q --db empty.db --files-from -' _ "$PIIAUDIT"
check "... not with -q" test ! -s err
run 0 sh -c 'exec "$1" plan --shards 2 --files-from - --null </dev/null' _ "$PIIAUDIT"
check "plan: an empty list from standard input is said" grep -q '^piiaudit: standard input: the list names no paths$' err
run 0 "$PIIAUDIT" scan --db empty.db --files-from list
check "a list of paths is not said to be empty" sh -c "! grep -q 'names no paths' err"
finish
