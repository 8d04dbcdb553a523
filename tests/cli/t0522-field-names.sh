#!/usr/bin/env bash
# Field mode and the words before a value: many rules take a bare national
# phone number, an SSN written without dashes or a date of birth only after
# a word that says what it is ("phone:", "DOB"), and in JSON text the key
# before the value is that word.  With --field the field's name (a JSON
# path's last key, a CSV column) stands before its value in the same way,
# so field mode finds what text mode finds in JSON lines, and a CSV column
# named Phone or DOB gives its cells that word; a field named otherwise
# does not.  The value is the field's (offsets into the raw bytes).  scan
# with and without the pool and with --engine pcre2, a JSON array, and
# redact --field all agree.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

cat >people.jsonl <<'JSONL'
{"name":"Ana","phone":"639005981","dob":"1988-06-30","notes":"call me"}
{"name":"Bo","contact":{"telefono":"962 173 359","ssn":"536220178"},"notes":"612345678"}
{"name":"Cy","date_of_birth":"12/03/1975","notes":"no numbers"}
JSONL
fields="--field phone --field dob --field notes --field contact.telefono --field contact.ssn --field date_of_birth"
python3 -c '
import json, sys
print(json.dumps([json.loads(l) for l in open("people.jsonl")]))' >people.json
printf 'name,Phone,DOB,notes\nAna,0246409775,1988-06-30,\nBo,639005981,,612345678\n' >people.csv

# value, rule, record, field of each finding: the raw bytes at its offset.
rows() { # rows DB FILE
	"$PIIAUDIT" export --db "$1" --format jsonl | python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
for l in sys.stdin:
    r = json.loads(l)
    print(raw[r["offset"]:r["offset"] + r["length"]].decode(), r["rule"], r["record"], r["field"], sep="|")' "$2" | sort
}

run 0 "$PIIAUDIT" scan -q --db text.db people.jsonl
text=$("$PIIAUDIT" export --db text.db --format jsonl | python3 -c '
import json, sys
raw = open("people.jsonl", "rb").read()
print("\n".join(sorted("%s|%s" % (raw[r["offset"]:r["offset"] + r["length"]].decode(), r["rule"])
                       for r in map(json.loads, sys.stdin))))')
check "text mode finds the five values after their keys" test "$(printf '%s\n' "$text" | wc -l)" = 5

want='12/03/1975|date_of_birth.context|3|date_of_birth
1988-06-30|date_of_birth.context|1|dob
536220178|us_ssn.number_context|2|contact.ssn
639005981|phone.es|1|phone
962 173 359|phone.es|2|contact.telefono'
for opts in "-j 1" "-j 2" "-j 2 --engine pcre2"; do
	db="f$(echo "$opts" | tr -dc 0-9a-z).db"
	run 0 "$PIIAUDIT" scan -q $opts --db "$db" $fields people.jsonl
	got=$(rows "$db" people.jsonl)
	check "$opts: field mode finds the same five, each in its field" test "$got" = "$want"
	check "$opts: ... the same values and rules as text mode" \
		test "$(printf '%s\n' "$got" | cut -d'|' -f1-2)" = "$text"
done
check "the bare number in notes is no phone: its field's name is no phone word" \
	bash -c "! sqlite3 fj1.db \"select field from findings\" | grep -qx notes"

run 0 "$PIIAUDIT" scan -q --db arr.db $fields people.json
check "a JSON array: the same five" test "$(rows arr.db people.json | cut -d'|' -f1,2,4)" = \
	"$(printf '%s\n' "$want" | cut -d'|' -f1,2,4)"

run 0 "$PIIAUDIT" scan -q --db csv.db --field Phone --field DOB --field notes people.csv
check "CSV: the Phone and DOB columns give their cells the word; notes does not" \
	test "$(rows csv.db people.csv)" = "0246409775|phone.fr|1|Phone
1988-06-30|date_of_birth.context|1|DOB
639005981|phone.es|2|Phone"
run 0 "$PIIAUDIT" scan -q --db csvtext.db people.csv
check "... where text mode finds none of them" test "$(sqlite3 csvtext.db 'select count(*) from findings')" = 0
run 0 "$PIIAUDIT" redact --db r.db --field Phone --field DOB --field notes --verify -o clean.csv people.csv
check "redact --field replaces those three in the CSV, notes kept" test "$(cat clean.csv)" = "name,Phone,DOB,notes
Ana,<PHONE>,<DATE_OF_BIRTH>,
Bo,<PHONE>,,612345678"

# redact --field replaces what scan --field found, nothing else.
run 0 "$PIIAUDIT" redact --db r.db $fields --verify -o clean.jsonl people.jsonl
check "redact --field replaces the five, verified clean" \
	bash -c "grep -q 'verified clean' err && test \$(grep -o '<[A-Z_]*>' clean.jsonl | wc -l) = 5"
check "... the field named notes keeps its number" grep -q '"notes":"612345678"' clean.jsonl
check "... the keys and the rest are kept" \
	grep -qx '{"name":"Ana","phone":"<PHONE>","dob":"<DATE_OF_BIRTH>","notes":"call me"}' clean.jsonl
finish
