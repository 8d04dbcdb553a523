#!/usr/bin/env bash
# An erasure with planned places inside a nested archive (a .gz inside a
# tar): redact refuses nested archives, so the outer archive is not written
# and its places come out 'unread', named, recorded, exit 3 (the man
# page's BUGS), whatever --jobs; the places of the other files are redacted.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

mkdir -p corpus inner
printf 'Jane: jane.roe@mailbox-test.org\nother: ann.other@corp-mail.net\n' >corpus/a.txt
printf 'reply-to jane.roe@mailbox-test.org\n' >inner/note.txt
gzip -n inner/note.txt
tar -C inner -cf corpus/n.tar note.txt.gz
run 0 "$PIIAUDIT" scan -q --db audit.db corpus/
run 0 "$PIIAUDIT" lookup --db audit.db --email jane.roe@mailbox-test.org --redact-plan plan.json
check "the plan has a place inside the nested gzip" grep -q '"source":"corpus/n.tar","member":"note.txt.gz"' plan.json

for n in 1 2; do
	run 3 "$PIIAUDIT" redact -j "$n" --db audit.db --plan plan.json --out "clean$n" corpus/
	check "-j $n: the nested archive is named" grep -q 'n.tar!note.txt.gz: a nested gzip is not redacted' "$T/err"
	check "-j $n: its place is unread, the other redacted" \
		grep -q 'plan.json: 1 of 2 planned locations redacted, 0 changed since the scan, 1 unread' "$T/err"
	check "-j $n: the outer archive is not written" test ! -e "clean$n/n.tar"
	check "-j $n: the other file is" bash -c "grep -q '<EMAIL>' 'clean$n/a.txt' && ! grep -q jane 'clean$n/a.txt'"
	check "-j $n: recorded unread, with the reason" test "$(sqlite3 audit.db "select status, reason from
		redaction_plan_locations where member = 'note.txt.gz' order by run_id desc limit 1")" \
		= "unread|its file could not be redacted"
done
finish
