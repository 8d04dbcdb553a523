#!/usr/bin/env bash
# t0515: ar and cpio archives are read member by member: an ar as GNU ar
# writes it by default (D: each mode a bare 644, without the file type
# bits, which scan used to read as "not a file" and skip, every value in
# it missed) and with full modes (U), a .deb-like ar around a tar.gz,
# cpio newc and odc, and a gzipped cpio.  Each member is recorded by name
# with its findings at their lines; --exclude leaves members out; redact
# writes each back in its own format and --verify reads it clean, and
# refuses, saying why, an ar it cannot write back (a library's symbol
# table, GNU long names).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
printf 'header line\nmail kari.nordmann@postkontor.no now\n' >a.txt
printf 'one\ntwo\ncard 4556 7375 8689 9855 three\n' >b.txt
printf 'nothing here\n' >skip.log
ar rcD gnu.a a.txt b.txt skip.log
ar rcU full.a a.txt b.txt
mkdir -p pkg && cp a.txt pkg/ && tar -czf data.tar.gz pkg && printf '2.0\n' >debian-binary
ar rcD pkg.deb debian-binary data.tar.gz
python3 "$TOP/tests/cli/cpio_fixtures.py" . . a.txt b.txt
gzip -c t.newc.cpio >t.cpio.gz

run 0 "$PIIAUDIT" scan -q --db s.db gnu.a full.a pkg.deb t.newc.cpio t.odc.cpio t.cpio.gz
rows() { sqlite3 s.db "select s.path || '!' || coalesce(s.member, '') || ':' || f.line || ':' || f.rule
                       from findings f join sources s on s.id = f.source_id order by 1"; }
want='full.a!a.txt:2:email.address
full.a!b.txt:3:credit_card.number
gnu.a!a.txt:2:email.address
gnu.a!b.txt:3:credit_card.number
pkg.deb!data.tar.gz!pkg/a.txt:2:email.address
t.cpio.gz!a.txt:2:email.address
t.cpio.gz!b.txt:3:credit_card.number
t.newc.cpio!a.txt:2:email.address
t.newc.cpio!b.txt:3:credit_card.number
t.odc.cpio!a.txt:2:email.address
t.odc.cpio!b.txt:3:credit_card.number'
check "every member's values found, at their lines (GNU ar's bare 644 too)" test "$(rows)" = "$want"
check "the members are recorded by name, the ar's third too" \
	test "$(sqlite3 s.db "select group_concat(member, ' ') from sources where path = 'gnu.a' and member is not null")" = "a.txt b.txt skip.log"
check "formats recorded" test "$(sqlite3 s.db "select group_concat(format, ' ') from (select format from sources where member is null order by path)")" = "ar ar ar cpio+gzip cpio cpio"

run 0 "$PIIAUDIT" scan --db x.db --exclude '*.log' --exclude b.txt gnu.a t.odc.cpio
check "--exclude leaves ar and cpio members out" \
	test "$(sqlite3 x.db "select group_concat(path || '!' || member, ' ') from (select * from sources where member is not null order by path, member)")" = "gnu.a!a.txt t.odc.cpio!a.txt"
check "... and says how many" grep -q '3 excluded (--exclude)' err

mkdir clean
run 0 "$PIIAUDIT" redact -q --db r.db --verify --out clean gnu.a t.newc.cpio t.odc.cpio t.cpio.gz
check "redact: the ar's members, redacted, read by ar" \
	test "$(ar p clean/gnu.a a.txt b.txt skip.log | tr '\n' '|')" = "header line|mail <EMAIL> now|one|two|card <CREDIT_CARD> three|nothing here|"
# What libarchive cannot write back: refused by name, nothing written.
printf 'int f(void) { return 1; }\n' >f.c && cc -c f.c -o f.o
ar rcs lib.a f.o a.txt
cp a.txt a-name-of-sixteen-bytes-and-more.txt && ar rc long.a a.txt a-name-of-sixteen-bytes-and-more.txt
run 3 "$PIIAUDIT" redact -q --db r2.db --out clean2 lib.a long.a
check "redact: a library (its symbol table holds member offsets) is refused, saying why" \
	grep -q '^piiaudit: lib.a!/: an ar with a symbol table (a library) is not redacted' err
check "redact: a GNU ar name over 15 bytes is refused, saying why" \
	grep -q '^piiaudit: long.a!a-name-of-sixteen-bytes-and-more.txt: an ar member name longer than 15 bytes cannot be written back' err
check "... and neither is written" test ! -e clean2/lib.a -a ! -e clean2/long.a
check "redact: formats recorded" \
	test "$(sqlite3 r.db "select group_concat(format, ' ') from (select format from redactions order by input)")" = "ar cpio+gzip cpio cpio"
finish
