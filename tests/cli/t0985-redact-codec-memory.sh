#!/usr/bin/env bash
# piiaudit redact --max-codec-memory and --xz-level: the decoders of xz,
# .lzma, zstd and zip inputs and the encoders of xz, .lzma and zstd
# outputs take their memory from one budget that the jobs share.  A file
# whose decoder and encoder need more than the budget is named with both
# sizes, exit 3, nothing written; a smaller preset makes it fit; an xz
# stream whose second part asks more than the first is held to the budget
# too (libarchive's decoder would take whatever it asks); a zstd header
# asking a 1 GiB window is refused before anything is decoded; a zip's
# largest entry counts; --xz-level sets the output's dictionary.  Also a
# .lzma written to a pipe (its size unknown, all ff), which redact used to
# copy unredacted as binary.  A 7z counts its largest folder's decoder and
# the LZMA2 encoder of its copy.
. "$(dirname "$0")/lib.sh"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/key"; chmod 600 "$T/key"
cd "$T" || exit 1

python3 - <<'PY'
import random
random.seed(985)
with open("plain.txt", "w") as f:
    for i in range(3000):
        f.write("row %d reach user%d.name@corp%d-mail.io about the audit %s\n"
                % (i, i, i % 7, "word " * random.randint(1, 30)))
PY
values=$(grep -c 'corp[0-9]-mail.io' plain.txt)
xz -9 -c plain.txt >x9.xz
xz --format=lzma -9 -c plain.txt >l9.lzma          # to a pipe: size unknown
# Two streams, one after the other: the first asks 256 KiB, the second 64 MiB.
{ head -n 1500 plain.txt | xz -0 -c; tail -n 1500 plain.txt | xz -9 -c; } >grow.xz
tar -cf - plain.txt | xz -9 -c >t9.tar.xz
# A zstd frame header asking a 1 GiB window (window descriptor 20 << 3),
# then a raw block: refused before a byte is decoded.
printf '\x28\xb5\x2f\xfd\x00\xa0\x01\x00\x00' >big-window.zst
python3 "$TOP/tests/cli/zip_fixtures.py" || exit 1

# The needs, as liblzma counts them: xz -9 decodes in 65 MiB, xz -6
# encodes in 94 MiB (158 in all, rounded up), xz -0 in 3 MiB.
run 3 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M -o out9.xz x9.xz
check "a need over the budget names the file, both sizes and the option" \
	grep -qF "x9.xz: limit: xz data that needs 158 MiB of memory to decode and re-encode at --xz-level 6, more than --max-codec-memory (80 MiB)" err
check "nothing written for it, no temporary file left" \
	test ! -e out9.xz -a -z "$(ls -A | grep piiaudit- || true)"
run 0 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M --xz-level 0 -o out9.xz x9.xz
check "xz -9 with --xz-level 0 fits 80M: written with a 256 KiB dictionary" \
	sh -c 'xz --robot -lvv out9.xz | grep -q "dict=256KiB"'
check "... every value replaced" \
	sh -c "xz -dc out9.xz | grep -c '<EMAIL>' | grep -qx $values && ! xz -dc out9.xz | grep -q 'mail.io'"
run 0 "$PIIAUDIT" redact --db r.db -o out9d.xz x9.xz
check "by default (256M, --xz-level 6): an 8 MiB dictionary" \
	sh -c 'xz --robot -lvv out9d.xz | grep -q "dict=8MiB"'

# .lzma to a pipe: recognised, redacted, counted.
run 3 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M -o outl.lzma l9.lzma
check ".lzma -9: refused at 80M with --xz-level 6" \
	grep -qF "l9.lzma: limit: lzma data that needs 158 MiB of memory to decode and re-encode at --xz-level 6" err
run 0 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M --xz-level 1 -o outl.lzma l9.lzma
check ".lzma of unknown size: redacted, not copied as binary" \
	sh -c "xz -dc outl.lzma | grep -c '<EMAIL>' | grep -qx $values && ! xz -dc outl.lzma | grep -q 'mail.io'"
check "... as .lzma, with --xz-level 1's 1 MiB dictionary" \
	sh -c 'test "$(od -An -tx1 -j1 -N4 outl.lzma | tr -d " ")" = 00001000'
check "... recorded as lzma" \
	sh -c "sqlite3 r.db \"select format from redactions where input like '%l9.lzma' and status = 'ok'\" | grep -qx lzma"

# The second stream's 64 MiB: within 80M it is taken as it comes, over
# 32M it is refused (libarchive would have allocated it).
run 0 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M --xz-level 0 -o outg.xz grow.xz
check "two xz streams, the second asking 64 MiB, fit 80M: both halves redacted" \
	sh -c "xz -dc outg.xz | grep -c '<EMAIL>' | grep -qx $values"
run 3 "$PIIAUDIT" redact --db r.db --max-codec-memory 32M --xz-level 0 -o outg32.xz grow.xz
check "... at 32M the second stream is refused with its own need" \
	grep -qF "grow.xz: limit: xz data that needs 65 MiB of memory to decode, more than --max-codec-memory (32 MiB)" err
check "... and nothing is written" test ! -e outg32.xz

run 3 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M -o outt.tar.xz t9.tar.xz
check "a tar.xz counts its xz layer" grep -qF "t9.tar.xz: limit: xz data that needs 158 MiB" err
run 0 "$PIIAUDIT" redact --db r.db -o outt.tar.xz t9.tar.xz
check "... and is redacted within the default" \
	sh -c "tar -xOJf outt.tar.xz plain.txt | grep -c '<EMAIL>' | grep -qx $values"

run 3 "$PIIAUDIT" redact --db r.db -o outz.zst big-window.zst
check "a zstd header asking 1 GiB is refused before decoding" \
	grep -qF "big-window.zst: limit: zstd data that needs 1028 MiB of memory to decode and re-encode, more than --max-codec-memory (256 MiB)" err

run 3 "$PIIAUDIT" redact --db r.db --max-codec-memory 32M -o outz.zip xz9.zip
check "a zip's xz -9 entry counts (65 MiB, nothing to encode)" \
	grep -qF "xz9.zip: limit: zip data that needs 65 MiB of memory to decode, more than --max-codec-memory (32 MiB)" err
run 0 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M -o outz.zip xz9.zip
check "... and is redacted at 80M" \
	sh -c "unzip -p outz.zip plain.txt | grep -q '<EMAIL>' && ! unzip -p outz.zip plain.txt | grep -q 'mail.io'"
# One after the other in a budget that holds one: the first gives its
# 65 MiB back (it once kept them, and the second waited for ever).
cp xz9.zip z1.zip; cp xz9.zip z2.zip; mkdir zips
run 0 timeout 120 "$PIIAUDIT" redact --db r.db -j 1 --max-codec-memory 80M --out zips z1.zip z2.zip
check "two such zips in turn, one job: both redacted" test -s zips/z1.zip -a -s zips/z2.zip

# Two jobs, each needing 102 MiB, in 150M: one waits for the other (a
# guard against the two waiting for each other; it does not show the wait).
cp x9.xz a.xz; cp x9.xz b.xz; mkdir both
run 0 "$PIIAUDIT" redact --db r.db -j 2 --max-codec-memory 150M --xz-level 3 --out both a.xz b.xz
check "two jobs whose needs do not fit together both finish" test -s both/a.xz -a -s both/b.xz

# A 7z: what libarchive's reader allocates for its largest folder (read
# from the header) and the LZMA2 encoder of the copy at --xz-level.
7z a -bd -bso0 -mx9 s9.7z plain.txt
run 3 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M -o out9.7z s9.7z
check "a 7z re-encoded at --xz-level 6 (94 MiB) does not fit 80M: refused, nothing written" \
	sh -c "grep -q 's9.7z: limit: 7z data that needs [0-9]* MiB of memory to decode and re-encode at --xz-level 6, more than --max-codec-memory (80 MiB)' err && test ! -e out9.7z"
run 0 "$PIIAUDIT" redact --db r.db --max-codec-memory 80M --xz-level 1 -o out9.7z s9.7z
check "... at --xz-level 1 it fits: LZMA2 with a 1 MiB dictionary, every value replaced" \
	sh -c "7z l -slt out9.7z | grep -qx 'Method = LZMA2:20' && test \$(7z x -so out9.7z plain.txt | grep -c '<EMAIL>') = $values && ! 7z x -so out9.7z plain.txt | grep -q 'mail.io'"
7z a -bd -bso0 -psecret -mhe=on enc.7z plain.txt
run 3 "$PIIAUDIT" redact --db r.db -o oute.7z enc.7z
check "a 7z with an encrypted header: one line naming it, nothing written" \
	sh -c "test \$(wc -l <err) = 2 && grep -q '^piiaudit: enc.7z: .*encrypted' err && test ! -e oute.7z"

# A 7z header counting 67 million folders: refused from the header, with
# or without a budget (libarchive would allocate for the count first).
cp "$TOP/tests/fuzz/regressions/fuzz_reader/7z-67m-folders-in-header.7z" f67m.7z
for budget in 256M 0; do
	run 3 timeout 60 "$PIIAUDIT" redact --db r.db --max-codec-memory $budget -o outf.7z f67m.7z
	check "a damaged 7z header is refused from the header ($budget), nothing written" \
		sh -c "grep -q '^piiaudit: f67m.7z: damaged 7z archive: its header is damaged' err && test ! -e outf.7z"
done

run 0 "$PIIAUDIT" redact --db r.db --max-codec-memory 0 -o outn.xz x9.xz
check "--max-codec-memory 0: no limit" test -s outn.xz
run 2 "$PIIAUDIT" redact --db r.db --xz-level 10 -o o.xz x9.xz
check "--xz-level 10 is a usage error" grep -q "xz-level takes a number from 0 to 9" err
run 2 "$PIIAUDIT" redact --db r.db --max-codec-memory lots -o o.xz x9.xz
check "--max-codec-memory lots is a usage error" grep -q "max-codec-memory takes a size" err
finish
