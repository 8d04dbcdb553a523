#!/usr/bin/env bash
# Content with NUL bytes is skipped as binary, unless -a/--binary: then it
# is scanned as text, alone or in an archive, at the right offsets.
. "$(dirname "$0")/lib.sh"

printf 'SQLite format 3\0\0\0\x01 row: ann@corp.io \0\0 4111 1111 1111 1111\0' >"$T/db.bin"
mkdir -p "$T/tree" && cp "$T/db.bin" "$T/tree/m.bin" && printf 'text bob@corp.io\n' >"$T/tree/t.txt"
tar -C "$T/tree" -czf "$T/t.tgz" m.bin t.txt

run 0 "$PIIAUDIT" scan -q --db "$T/skip.db" "$T/db.bin" "$T/t.tgz"
check "without -a: binary content is skipped" \
	test "$(sqlite3 "$T/skip.db" "select count(*) from sources where status = 'skipped' and error = 'binary content (NUL bytes)'")" = 2
check "without -a: only the text member's finding" test "$(sqlite3 "$T/skip.db" 'select count(*) from findings')" = 1

run 0 "$PIIAUDIT" scan -q --db "$T/a.db" -a "$T/db.bin" "$T/t.tgz"
check "-a: nothing skipped" test "$(sqlite3 "$T/a.db" "select count(*) from sources where status = 'skipped'")" = 0
check "-a: the values in the binary, at their offsets" \
	test "$(sqlite3 "$T/a.db" "select s.member is null, f.rule, f.offset, f.length from findings f join sources s on s.id = f.source_id where s.member is null or s.member = 'm.bin' order by s.member, f.offset" | tr '\n' ' ')" \
	= "1|email.address|25|11 1|credit_card.number|40|19 0|email.address|25|11 0|credit_card.number|40|19 "
run 0 "$PIIAUDIT" scan -q --db "$T/b.db" --binary "$T/db.bin"
check "--binary is -a" test "$(sqlite3 "$T/b.db" 'select count(*) from findings')" = 2
run 2 "$PIIAUDIT" probe --db "$T/p.db" -a "$T/db.bin"
check "probe has no -a" grep -q "unknown option '-a'" "$T/err"
finish
