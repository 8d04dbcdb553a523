#!/usr/bin/env bash
# t0606: export --format csv never hands a spreadsheet a formula: a cell
# that starts with = + - @ (a file name from the corpus, a masked phone
# number's "+** ...") is written behind a quote mark, as review sample's
# are; other cells are as they were, and JSON lines keep the exact text.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p c
printf 'mail ann.roe@corp.io\n' >'c/=HYPERLINK("x","y").txt'
printf 'mail ben.ott@corp.io\n' >'c/+plus.txt'
printf 'mail cy.ng@corp.io\n' >'c/-minus.txt'
printf 'mail di.li@corp.io\n' >'c/@at.txt'
printf 'call +39 347 281 9034 today\n' >c/phone.txt

# Scanned by name from inside the folder, so that the names start the cells.
run 0 sh -c 'cd c && exec "$1" scan -q --db ../db -- *' _ "$PIIAUDIT"
run 0 "$PIIAUDIT" export --db db --format csv
cp out e.csv
# col NAME: the column's cells, one a line, sorted
col() {
	python3 -c '
import csv, sys
print("\n".join(sorted(r[sys.argv[2]] for r in csv.DictReader(open(sys.argv[1], newline="")))))' e.csv "$1"
}
check "formula-like file names are behind a quote mark" test "$(col source)" = "$(printf '%s\n' \
	"'+plus.txt" "'-minus.txt" "'=HYPERLINK(\"x\",\"y\").txt" "'@at.txt" phone.txt)"
check "a preview that starts with + is behind a quote mark" test "$(col preview | grep -c "^'+")" = 1
check "other previews are as they were" test "$(col preview | grep -cx 'a\*\*\*@c\*\*\*.io')" = 1
check "the header is as it was" test "$(head -n 1 e.csv | cut -d, -f1-3)" = "source,member,record"
run 0 "$PIIAUDIT" export --db db --format jsonl
check "JSON lines keep the names exactly" python3 -c '
import json, sys
names = sorted(json.loads(l)["source"] for l in open(sys.argv[1]))
sys.exit(0 if names[0] == "+plus.txt" and names[2].startswith("=HYPERLINK") else 1)' out
run 0 "$PIIAUDIT" export --help
check "export --help tells of the quote mark" grep -q "starts with = + - @, tab or CR gets a" out
run 0 "$PIIAUDIT" --help
check "piiaudit --help lists SARIF among export's formats" grep -q "JSON lines, CSV or SARIF" out
finish
