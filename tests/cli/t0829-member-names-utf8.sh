#!/usr/bin/env bash
# Member names that are not ASCII, whatever the user's locale: a zip's
# UTF-8 names (flag bit 11, as Python and Info-ZIP write them), a 7z's
# UTF-16 ones, a pax tar's and a GNU tar's.  libarchive converts them to
# the locale's character set, which in the "C" locale failed: scan
# recorded "?" for the zip's and the 7z's, and redact crashed on the zip
# (libarchive's zip writer, given no name).  piiaudit now works in UTF-8
# (audit/main.c), so under LC_ALL=C too the names are recorded, exported
# and written back exactly; a zip whose "UTF-8" name is not UTF-8 is
# refused by redact with a reason (fuzz_redact's find), not a crash.
. "$(dirname "$0")/lib.sh"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/key"; chmod 600 "$T/key"
cd "$T" || exit 1
export LC_ALL=C; unset LANG LC_CTYPE
name='résumé-日本.txt'
printf 'write to marie.curie@institut-radium.fr today\n' >"$name"
python3 - "$name" <<'PY'
import sys, zipfile
with zipfile.ZipFile("names.zip", "w") as z:
    z.write(sys.argv[1])
PY
tar --format=pax -cf pax.tar "$name"
tar --format=gnu -cf gnu.tar "$name"
7z a -bso0 -bsp0 names.7z "$name" >/dev/null

run 0 "$PIIAUDIT" scan -q --db s.db names.zip names.7z pax.tar gnu.tar
for f in names.zip names.7z pax.tar gnu.tar; do
	got=$(sqlite3 s.db "select member || ' ' || findings from sources where path = '$f' and member is not null")
	check "$f: the member recorded by its name, its finding found ($got)" test "$got" = "$name 1"
done
"$PIIAUDIT" export --db s.db --format jsonl >s.jsonl
check "the JSON export carries the names as UTF-8" python3 -c '
import json, sys
names = {json.loads(l)["member"] for l in open("s.jsonl")}
sys.exit(names != {sys.argv[1]})' "$name"

mkdir clean
run 0 "$PIIAUDIT" redact -q --db r.db --out clean names.zip pax.tar
check "redact writes the zip with the name, the value replaced" python3 -c '
import sys, zipfile
z = zipfile.ZipFile("clean/names.zip")
sys.exit(z.namelist() != [sys.argv[1]] or b"<EMAIL>" not in z.read(sys.argv[1]))' "$name"
check "... and the pax tar" python3 -c '
import sys, tarfile
t = tarfile.open("clean/pax.tar")
sys.exit(t.getnames() != [sys.argv[1]] or b"<EMAIL>" not in t.extractfile(sys.argv[1]).read())' "$name"

# An old zip's name in CP437, unflagged (bytes 82 for the accents):
# written back with the same bytes and still unflagged, not flagged UTF-8
# (which readers such as Python's zipfile reject).
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("cp437.zip", "w") as z:
    z.writestr("rQsumQ.txt", "write to marie.curie@institut-radium.fr today\n")
d = open("cp437.zip", "rb").read().replace(b"rQsumQ", b"r\x82sum\x82")
open("cp437.zip", "wb").write(d)
PY
run 0 "$PIIAUDIT" redact -q --db r.db -o cp437-out.zip cp437.zip
check "an unflagged CP437 name keeps its bytes, unflagged" python3 -c '
import sys, zipfile
i = zipfile.ZipFile("cp437-out.zip").infolist()[0]
sys.exit(i.flag_bits & 0x800 or i.orig_filename.encode("cp437") != b"r\x82sum\x82.txt")'
got=$("$PIIAUDIT" scan -q --db c.db cp437.zip; sqlite3 c.db "select hex(member) from sources where member is not null")
check "... and scan records those bytes ($got)" test "$got" = 728273756D822E747874

cp "$TOP/tests/fuzz/regressions/fuzz_redact/zip-name-not-utf8.zip" bad.zip
run 3 "$PIIAUDIT" redact -q --db r.db -o bad-out.zip bad.zip
check "a zip whose UTF-8 name is not: refused with a reason, nothing written" \
	sh -c 'grep -q "bad.zip!?: a member whose name cannot be read" err && test ! -e bad-out.zip'
finish
