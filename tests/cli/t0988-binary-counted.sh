#!/usr/bin/env bash
# t0988: content with NUL bytes in its first 8 KiB (binary, for scan and
# redact alike) is never passed off as clean.  scan's summary counts what
# it skipped as binary; redact's counts what it copied unchanged, and
# --verify, which skips it as scan does, is not taken for a check of it;
# with -a (--binary) redact rewrites it as text, as `scan -a` reads it, in
# a plain file and in a zip member, and --verify reads it back the same way.
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
finish
