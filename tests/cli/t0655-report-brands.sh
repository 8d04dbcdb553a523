#!/usr/bin/env bash
# t0655: PCI DSS PANs by brand without --store-values (issue 6).  scan
# records findings.brand (rule_card_brand of the matched value, credit_card
# only); the report's PCI DSS section counts by it, with and without
# --store-values, and falls back to stored values for a run made before the
# column.  Card numbers are generated: Luhn-valid, random digits, several
# brands and layouts.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"

D=$T/in
mkdir -p "$D" && cd "$D" || exit 1
python3 - <<'PY'
import json, random
random.seed(655)

def luhn(body):
    s = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return body + str((10 - s % 10) % 10)

def card(prefix, length):
    return luhn(prefix + "".join(random.choice("0123456789") for _ in range(length - len(prefix) - 1)))

def grouped(n):
    if len(n) == 15:
        return "%s %s %s" % (n[:4], n[4:10], n[10:])
    return " ".join(n[i:i + 4] for i in range(0, len(n), 4))

want = {"visa": 5, "mastercard": 4, "amex": 3, "discover": 2, "jcb": 1}
prefixes = {"visa": ["4"], "mastercard": ["51", "55", "2221", "2720"], "amex": ["34", "37"],
            "discover": ["6011"], "jcb": ["3530"]}
lengths = {"amex": 15}
lines, raw = [], []
for brand, n in want.items():
    for k in range(n):
        num = card(prefixes[brand][k % len(prefixes[brand])], lengths.get(brand, 16))
        raw.append(num)
        shown = grouped(num) if k % 2 == 0 else num
        lines.append("order %d paid by card %s, thank you" % (len(lines) + 1, shown))
lines.append("documentation example: card 4111 1111 1111 1111")
lines.append("write to someone@example.org about it")
open("cards.txt", "w").write("\n".join(lines) + "\n")
open("want.json", "w").write(json.dumps(want, sort_keys=True))
open("raw.txt", "w").write("\n".join(raw) + "\n")
PY
want=$(cat want.json)

for mode in plain stored; do
	opt=; [ $mode = stored ] && opt=--store-values
	db=$T/$mode.db
	run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$db" $opt cards.txt
	got=$(sqlite3 "$db" "select brand, count(*) from findings where category = 'credit_card' and placeholder = 0 group by 1 order by 1" | tr '\n' ' ')
	check "$mode: findings.brand per real card ($got)" \
		test "$got" = "amex|3 discover|2 jcb|1 mastercard|4 visa|5 "
	check "$mode: only credit_card findings have a brand" \
		test "$(sqlite3 "$db" "select count(*) from findings where brand is not null and category != 'credit_card'")" = 0
	check "$mode: the e-mail was found (brand NULL)" \
		test "$(sqlite3 "$db" "select count(*) from findings where category = 'email' and brand is null")" = 1
	run 0 "$PIIAUDIT" report --db "$db" -o "$T/$mode.json"
	check "$mode: json by_brand" \
		test "$(jpy "$T/$mode.json" 'json.dumps(d["regimes"]["pci_dss"]["by_brand"], sort_keys=True)')" = "$want"
	check "$mode: json pan = 15" test "$(jpy "$T/$mode.json" 'd["regimes"]["pci_dss"]["pan"]')" = 15
	run 0 "$PIIAUDIT" report --db "$db" -o "$T/$mode.md"
	check "$mode: md brand table" grep -qE '^\| visa \| 5 \|$' "$T/$mode.md"
	check "$mode: md statement by brand" grep -q 'By brand: visa 5, mastercard 4, amex 3' "$T/$mode.md"
	run 0 "$PIIAUDIT" report --db "$T/$mode.db" -o "$T/$mode.html"
	check "$mode: html brand rows" grep -q '<tr><td>brand: amex</td><td></td><td class="num">3</td>' "$T/$mode.html"
	leaked=0
	while read -r n; do
		grep -q "$n" "$T/$mode.md" "$T/$mode.html" "$T/$mode.json" && leaked=$((leaked + 1))
	done <raw.txt
	check "$mode: no card number in the reports" test "$leaked" = 0
done
check "plain: no value stored" test "$(sqlite3 "$T/plain.db" 'select count(value) from findings')" = 0
check "stored: values stored" test "$(sqlite3 "$T/stored.db" "select count(value) from findings where category = 'credit_card'")" -ge 15

# Runs made before the column (db/store.c adds it, NULL in their rows): by
# stored values when there are some, else not counted, and the report says
# why.
for mode in plain stored; do
	cp "$T/$mode.db" "$T/old-$mode.db"
	sqlite3 "$T/old-$mode.db" 'update findings set brand = NULL'
	run 0 "$PIIAUDIT" report --db "$T/old-$mode.db" -o "$T/old-$mode.json"
done
check "old run with values: brands from the values" \
	test "$(jpy "$T/old-stored.json" 'json.dumps(d["regimes"]["pci_dss"]["by_brand"], sort_keys=True)')" = "$want"
check "old run without values: by_brand null" \
	test "$(jpy "$T/old-plain.json" 'd["regimes"]["pci_dss"]["by_brand"]')" = None
check "old run without values: the statement says why" \
	grep -q 'made before scan recorded the brand' "$T/old-plain.json"
finish
