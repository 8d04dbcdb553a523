#!/usr/bin/env bash
# An erasure with planned places inside archive members.  A member that is
# a compressed stream (a .gz inside a tar) is decoded, redacted and encoded
# again: its place is redacted.  A member that is itself an archive (a
# .tar.gz inside a tar) is refused: the outer archive is not written and its
# places come out 'unread', named, recorded, exit 3 (the man page's BUGS),
# whatever --jobs; the places of the other files are redacted.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

mkdir -p corpus inner deep
printf 'Jane: jane.roe@mailbox-test.org\nother: ann.other@corp-mail.net\n' >corpus/a.txt
printf 'reply-to jane.roe@mailbox-test.org\n' >inner/note.txt
gzip -n inner/note.txt
tar -C inner -cf corpus/n.tar note.txt.gz
printf 'cc jane.roe@mailbox-test.org\n' >deep/memo.txt
tar -C deep -czf inner/deep.tar.gz memo.txt
tar -C inner -cf corpus/m.tar deep.tar.gz
run 0 "$PIIAUDIT" scan -q --db audit.db corpus/
run 0 "$PIIAUDIT" lookup --db audit.db --email jane.roe@mailbox-test.org --redact-plan plan.json
check "the plan has a place inside the gzip member" grep -q '"source":"corpus/n.tar","member":"note.txt.gz"' plan.json
check "... and one inside the nested archive" \
	grep -q '"source":"corpus/m.tar","member":"deep.tar.gz!memo.txt"' plan.json

for n in 1 2; do
	run 3 "$PIIAUDIT" redact -j "$n" --db audit.db --plan plan.json --out "clean$n" corpus/
	check "-j $n: the nested archive is named" grep -q 'm.tar!deep.tar.gz: a nested tar is not redacted' "$T/err"
	check "-j $n: its place is unread, the others redacted" \
		grep -q 'plan.json: 2 of 3 planned locations redacted, 0 changed since the scan, 1 unread' "$T/err"
	check "-j $n: the outer archive of the nested one is not written" test ! -e "clean$n/m.tar"
	check "-j $n: the gzip member is redacted, and still gzip" \
		bash -c "tar -xOf 'clean$n/n.tar' note.txt.gz | gzip -dc | grep -qx 'reply-to <EMAIL>'"
	check "-j $n: the other file is" bash -c "grep -q '<EMAIL>' 'clean$n/a.txt' && ! grep -q jane 'clean$n/a.txt'"
	check "-j $n: recorded unread, with the reason" test "$(sqlite3 audit.db "select status, reason from
		redaction_plan_locations where member = 'deep.tar.gz!memo.txt' order by run_id desc limit 1")" \
		= "unread|its file could not be redacted"
	check "-j $n: the gzip member's place recorded redacted" test "$(sqlite3 audit.db "select status from
		redaction_plan_locations where member = 'note.txt.gz' order by run_id desc limit 1")" = redacted
done
finish
