#!/usr/bin/env bash
# t0988: content with NUL bytes in its first 8 KiB (binary, for scan and
# redact alike) is never passed off as clean.  scan's summary counts what
# it skipped as binary; redact's counts what it copied unchanged, and
# --verify, which skips it as scan does, is not taken for a check of it;
# with -a (--binary) redact rewrites it as text, as `scan -a` reads it, in
# a plain file and in a zip member, and --verify reads it back the same way.
# An erasure's places in binary content are named, with -a as the way out.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p in
# A JSON line file with one stray NUL byte, and a zip whose member has one.
printf '{"note":"header\\u0000"}\0\n{"email":"jane.doe@corp.io"}\n' >in/stray.jsonl
printf 'plain: write to sam.lee@corp.io\n' >in/clean.txt
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("in/pack.zip", "w") as z:
    z.writestr("docs/log.txt", b"boot\0ok\nmail ann.roe@corp.io\n")
PY

run 0 "$PIIAUDIT" scan --db s.db in
check "scan's summary counts the two binary units it skipped" \
	grep -q '1 findings, 2 binary (NUL bytes) skipped (-a scans them), 0 unreadable' err
run 0 "$PIIAUDIT" scan -a --db s.db in
check "scan -a reads them: 3 findings, nothing skipped" \
	grep -q ' 3 findings, 0 unreadable' err

run 0 "$PIIAUDIT" redact --verify --db r.db --out clean in
check "redact's summary counts the two units copied unchanged" \
	grep -q '1 values replaced, 2 binary (NUL bytes) copied unchanged (-a redacts them), 0 failed, verified clean' err
check "(copied: the value is still in the plain file)" grep -q 'jane.doe@corp.io' clean/stray.jsonl

run 0 "$PIIAUDIT" redact -a --verify --db r.db --out out-a in
check "redact -a: 3 values replaced, nothing copied, verified clean" \
	grep -q '3 values replaced, 0 failed, verified clean' err
check "the file's value is replaced, its NUL byte kept" python3 -c '
import sys
d = open("out-a/stray.jsonl", "rb").read()
sys.exit(0 if b"corp.io" not in d and b"\0" in d and b"<EMAIL>" in d else 1)'
check "the zip member's value is replaced" python3 -c '
import zipfile, sys
d = zipfile.ZipFile("out-a/pack.zip").read("docs/log.txt")
sys.exit(0 if d == b"boot\0ok\nmail <EMAIL>\n" else 1)'
check "redact --help names -a" grep -q -- '-a, --binary' <("$PIIAUDIT" redact --help)
check "the output of -a passes scan -a: no finding left" \
	sh -c '"$1" scan -a -q --db v.db out-a; test "$(sqlite3 v.db "select count(*) from findings")" = 0' _ "$PIIAUDIT"

# An erasure (--plan) whose places lie in binary content: named, each with
# the way out, exit 3, recorded as not redacted; with -a all are redacted.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >key; chmod 600 key
run 0 "$PIIAUDIT" scan -a -q --db p.db --key key in
run 0 "$PIIAUDIT" lookup --db p.db --key key --email jane.doe@corp.io --email ann.roe@corp.io \
	--email sam.lee@corp.io --redact-plan erase.jsonl
run 3 "$PIIAUDIT" redact --db p.db --key key --plan erase.jsonl --out plan1 in
check "a place in a binary file: named, unread, -a offered" grep -qF \
	'in/stray.jsonl: offset 35 length 16 (email, plan line 3): binary content (NUL bytes), copied unchanged (redact -a rewrites it): not redacted there' err
check "a place in a binary member: named, -a offered" grep -qF \
	'in/pack.zip!docs/log.txt: offset 13 length 15 (email, plan line 2): not read as text: binary (redact -a rewrites it), or no such member any more: not redacted there' err
check "the tally: one redacted, one changed (the member), one unread (the file)" grep -qF \
	'erase.jsonl: 1 of 3 planned locations redacted, 1 changed since the scan, 1 unread,' err
check "the database says which, and why" test "$(sqlite3 p.db "select group_concat(status, ' ') from
	(select status from redaction_plan_locations where run_id = 2 order by status)")" = "changed redacted unread"
run 0 "$PIIAUDIT" redact -a --db p.db --key key --plan erase.jsonl --out plan2 in
check "with -a every planned place is redacted" grep -qF 'erase.jsonl: 3 of 3 planned locations redacted, 0 changed' err
finish
