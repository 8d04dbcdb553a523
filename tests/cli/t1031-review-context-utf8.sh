#!/usr/bin/env bash
# t1031: review sample's context is UTF-8 a spreadsheet can read: bytes
# that are not UTF-8 around a finding (a lone 0xff, an overlong '/', a
# UTF-16 surrogate written as UTF-8, a code point past U+10FFFF) are shown
# as '?', each byte of them; real UTF-8 (accents, CJK, emoji) is kept.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
mkdir -p corpus
# One finding per line, each line with one kind of bad bytes before it.
printf 'caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80 write to ana.ruiz@corp.io now\n' >corpus/a.txt
printf 'lone \xff byte, mail ben.ott@corp.io\n' >>corpus/a.txt
printf 'overlong \xc0\xaf and \xe0\x80\xaf, mail cy.ng@corp.io\n' >>corpus/a.txt
printf 'surrogate \xed\xa0\x80 here, mail di.li@corp.io\n' >>corpus/a.txt
printf 'past max \xf4\x90\x80\x80 here, mail ed.wu@corp.io\n' >>corpus/a.txt

run 0 "$PIIAUDIT" scan -q --db db corpus
check "the scan found the five addresses" \
	test "$(sqlite3 db "select count(*) from findings where rule = 'email.address'")" = 5
run 0 "$PIIAUDIT" review sample --db db --per-rule 10 --context 40 -o s.csv
check "the sample is valid UTF-8" python3 -c 'open("s.csv", "rb").read().decode("utf-8")'
# ctx N: the context of the finding on line N.
ctx() {
	python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(open("s.csv", newline="", encoding="utf-8")) if r["line"] == sys.argv[1]]
print(rows[0]["context"] if len(rows) == 1 else "no single row")' "$1"
}
check "accents, CJK and an emoji are kept" grep -q 'café 東京 😀 write' <(ctx 1)
check "a lone 0xff is one '?'" grep -q 'lone ? byte' <(ctx 2)
check "overlong forms are a '?' per byte" grep -q 'overlong ?? and ???,' <(ctx 3)
check "an encoded surrogate is a '?' per byte" grep -q 'surrogate ??? here' <(ctx 4)
check "a code point past U+10FFFF is a '?' per byte" grep -q 'past max ???? here' <(ctx 5)
finish
