#!/usr/bin/env bash
# t0987: redact spools rewritten archive members in $TMPDIR, as its man
# page says (glibc's tmpfile(), used before, ignores TMPDIR and wrote them
# to /tmp): a TMPDIR that does not exist fails each archive, naming the
# folder and the member, exit 3, nothing written, while a plain file (no
# spool) is still redacted; a TMPDIR that exists is used and left empty;
# without O_TMPFILE (a shim) the spools are named files unlinked at once.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p in spool
python3 - <<'PY'
import io, tarfile, zipfile
text = "".join("line %d: write to person%d@corp.io today\n" % (i, i) for i in range(200)).encode()
open("in/notes.txt", "wb").write(text)
with zipfile.ZipFile("in/pack.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("docs/notes.txt", text)
with tarfile.open("in/pack.tar.gz", "w:gz") as t:
    ti = tarfile.TarInfo("docs/notes.txt"); ti.size = len(text)
    t.addfile(ti, io.BytesIO(text))
PY

TMPDIR="$T/none" run 3 "$PIIAUDIT" redact --db r1.db --out out1 in
for f in pack.zip pack.tar.gz; do
	check "$f: the spool's folder and reason are named" \
		grep -qF "in/$f!docs/notes.txt: temporary spool file in $T/none: No such file or directory" err
	check "$f: nothing written" test ! -e "out1/$f"
done
check "the plain file is still redacted" test -s out1/notes.txt
check "no address left in the plain file" test "$(grep -c @corp.io out1/notes.txt)" = 0

TMPDIR="$T/spool" run 0 "$PIIAUDIT" redact -q --db r2.db --out out2 in
check "with TMPDIR there, the zip is written" python3 -c '
import zipfile, sys
d = zipfile.ZipFile("out2/pack.zip").read("docs/notes.txt").decode()
sys.exit(0 if d.count("\n") == 200 and "@corp.io" not in d else 1)'
check "and the tar.gz" python3 -c '
import tarfile, sys
d = tarfile.open("out2/pack.tar.gz").extractfile("docs/notes.txt").read().decode()
sys.exit(0 if d.count("\n") == 200 and "@corp.io" not in d else 1)'
check "nothing is left in TMPDIR" test -z "$(ls -A spool)"

# A file system without O_TMPFILE (a shim refuses it, as such a file system
# does): the spool is a named file in TMPDIR, unlinked at once, so it is
# gone however the run ends, and the copies are the same.
${CC:-cc} -shared -fPIC -o "$T/no_tmpfile.so" "$TOP/tests/cli/no_tmpfile_shim.c" -ldl 2>"$T/cc.err"
check "the no-O_TMPFILE shim builds" test -f "$T/no_tmpfile.so"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
mkdir -p spool3
TMPDIR="$T/spool3" SHIM_LOG="$T/unlinked" LD_PRELOAD="$T/no_tmpfile.so" \
	run 0 "$PIIAUDIT" redact -q --db r3.db --out out3 in
check "without O_TMPFILE the spools were named files in TMPDIR, unlinked" \
	test "$(grep -c "^$T/spool3/piiaudit-spool\.......\$" unlinked)" -ge 2
check "nothing is left in TMPDIR" test -z "$(ls -A spool3)"
for f in pack.zip pack.tar.gz notes.txt; do
	check "$f: the same copy as with O_TMPFILE" cmp out2/$f out3/$f
done
finish
