#!/usr/bin/env bash
# Nothing piiaudit reads makes it start a program.  libarchive decodes
# lrzip and grzip (and lzop, without liblzo2) by running `lrzip -d` and
# the like from PATH; piiaudit registers only the filters libarchive runs
# in-process (scanners/archive_filters.c), so a compressed stream or a
# tar member holding such a header is read as bytes.  Fake lrzip, lzop
# and grzip first on PATH leave a mark if run: scan and redact, over those
# headers inside bzip2, gzip, xz and a tar.bz2, leave none, and record
# each input (binary content).
. "$(dirname "$0")/lib.sh"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/key"; chmod 600 "$T/key"
cd "$T" || exit 1
mkdir bin
for p in lrzip lzop grzip; do
	printf '#!/bin/sh\ntouch "%s/ran-%s"\ncat >/dev/null\nexit 1\n' "$T" "$p" >"bin/$p"
	chmod +x "bin/$p"
done
export PATH="$T/bin:$PATH"
pad() { head -c 64 /dev/zero; }
{ printf 'LRZI\000\006'; pad; } >h.lrz
{ printf '\211LZO\000\r\n\032\n\020\060\040\240\011\100\001\005\003'; pad; } >h.lzo
{ printf 'GRZipII\000\002\004:)'; pad; } >h.grz
bzip2 -c h.lrz >lrz.bz2; gzip -c h.lzo >lzo.gz; xz -c h.grz >grz.xz; bzip2 -c h.lzo >lzo.bz2
tar -cjf heads.tar.bz2 h.lrz h.lzo h.grz
check "the fakes run when called (the test can see a program run)" \
	sh -c 'echo | lrzip -d; test -e ran-lrzip && rm ran-lrzip'

run 0 "$PIIAUDIT" scan -q --db s.db lrz.bz2 lzo.gz grz.xz lzo.bz2 heads.tar.bz2
check "scan started no program" test -z "$(ls | grep '^ran-' || true)"
got=$(sqlite3 s.db "select count(*) from sources where status = 'skipped' and error like 'binary%'")
check "each header read as binary bytes ($got of 7: four streams, three members)" test "$got" = 7

mkdir clean
run 0 "$PIIAUDIT" redact -q --db r.db --out clean lrz.bz2 lzo.gz grz.xz lzo.bz2 heads.tar.bz2
check "redact started no program" test -z "$(ls | grep '^ran-' || true)"
check "... and copied each as binary" \
	sh -c 'test -s clean/lrz.bz2 -a -s clean/lzo.gz -a -s clean/grz.xz -a -s clean/lzo.bz2 -a -s clean/heads.tar.bz2'
finish
