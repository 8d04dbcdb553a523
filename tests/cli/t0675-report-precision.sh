#!/usr/bin/env bash
# t0675: the report's inventory shows, next to each rule and category, the
# precision measured from human verdicts (piiaudit review): the number
# reviewed, precision with its 95 % Wilson interval and the estimated true
# findings, the same figures as review stats; rules never reviewed are
# marked "not reviewed".  Issue 10 (and 6).
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
sql() { sqlite3 -batch "$T/db" "$1" 2>&1; }
jq_() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

python3 - <<'PY'
import random
rnd = random.Random(675)
lines, values = [], []
for i in range(60):
    e = "person%d.%s@mailbox%d.io" % (i, rnd.choice(["anna", "luca", "eva"]), i % 7)
    ip = "81.%d.%d.%d" % (rnd.randrange(1, 255), rnd.randrange(255), rnd.randrange(1, 255))
    values += [e, ip]
    lines.append("contact %s from %s\n" % (e, ip))
open("corpus.txt", "w").write("".join(lines))
open("values.txt", "w").write("\n".join(values) + "\n")
PY
run 0 "$PIIAUDIT" scan -q --store-values --db "$T/db" corpus.txt

# Nothing reviewed: every rule with findings says so.
run 0 "$PIIAUDIT" report --db "$T/db" --format md -o none.md
check "no verdicts: precision is not measured, said" grep -q '^\*\*Precision is not measured:\*\*' none.md
check "no verdicts: the e-mail rule is marked not reviewed" \
	grep -qE '^\| `email.address` \| email \| 60 \| 0 \| not reviewed \| - \| - \|$' none.md
run 0 "$PIIAUDIT" report --db "$T/db" -o none.json
check "no verdicts: JSON status not reviewed for every rule with findings" \
	test "$(jq_ none.json 'sorted({r["review"]["status"] for r in d["inventory"]["by_rule"]})')" = "['not reviewed']"
check "no verdicts: the report wrote none" test "$(sql 'select count(*) from verdicts')" = 0

# Review the e-mail rule only: 10 sampled, 8 tp, 2 fp.
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 10 --seed 7 -o s.csv
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("s.csv", newline="")))
n = 0
for r in rows:
    if r["rule"] == "email.address":
        r["verdict"] = "tp" if n < 8 else "fp"
        n += 1
w = csv.DictWriter(open("v.csv", "w", newline=""), fieldnames=list(rows[0].keys()), lineterminator="\n")
w.writeheader(); w.writerows(rows)
PY
run 0 "$PIIAUDIT" review import --db "$T/db" v.csv
check "10 verdicts" test "$(sql 'select count(*) from verdicts')" = 10
run 0 "$PIIAUDIT" review stats --db "$T/db" --format json
cp "$T/out" stats.json

run 0 "$PIIAUDIT" report --db "$T/db" -o r.json
python3 - <<'PY' >cmp.txt
import json
r = json.load(open("r.json")); s = json.load(open("stats.json"))
keys = ["reviewed", "tp", "fp", "unsure", "precision", "wilson_low", "wilson_high",
        "estimated_true", "estimated_true_low", "estimated_true_high"]
def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-5)
bad = []
rules = {x["rule"]: x for x in s["rules"]}
for x in r["inventory"]["by_rule"]:
    y = rules[x["rule"]]
    for k in keys:
        if not close(x["review"][k], y[k]):
            bad.append("rule %s %s: %r != %r" % (x["rule"], k, x["review"][k], y[k]))
cats = {x["category"]: x for x in s["categories"]}
for x in r["inventory"]["by_category"]:
    y = cats.get(x["category"])
    if y is None:
        if x["review"]["status"] not in ("no findings", "not reviewed"):
            bad.append("category %s without stats" % x["category"])
        continue
    for k in keys:
        if not close(x["review"][k], y[k]):
            bad.append("category %s %s: %r != %r" % (x["category"], k, x["review"][k], y[k]))
print("\n".join(bad) or "ok")
PY
check "JSON: every rule's and category's figures equal review stats" grep -qx ok cmp.txt || cat cmp.txt
check "JSON: email.address 10 reviewed, precision 0.8 [0.4902, 0.9433]" \
	test "$(jq_ r.json '[("%d %.4f %.4f %.4f" % (x["review"]["reviewed"], x["review"]["precision"], x["review"]["wilson_low"], x["review"]["wilson_high"])) for x in d["inventory"]["by_rule"] if x["rule"] == "email.address"][0]')" = "10 0.8000 0.4902 0.9433"
check "JSON: estimated true = 60 x 0.8 = 48" \
	test "$(jq_ r.json '[x["review"]["estimated_true"] for x in d["inventory"]["by_rule"] if x["rule"] == "email.address"][0]')" = 48
ip=$(sql "select rule from findings where category = 'ip_address' limit 1")
check "JSON: $ip is not reviewed" \
	test "$(jq_ r.json '[x["review"]["status"] for x in d["inventory"]["by_rule"] if x["rule"] == "'"$ip"'"][0]')" = "not reviewed"
check "JSON: 10 verdicts in the totals" test "$(jq_ r.json 'd["inventory"]["review"]["reviewed"]')" = 10

run 0 "$PIIAUDIT" report --db "$T/db" --format md -o r.md
# 60 x [0.4902, 0.9433] narrowed to [tp, findings - fp] = [29.4, 56.6] -> 29-57
check "Markdown: the email.address row" \
	grep -qE '^\| `email.address` \| email \| 60 \| 0 \| 10 \| 80.0 % \(49.0-94.3 %\) \| 48 \(29-57\) \|$' r.md
check "Markdown: the email category row carries the same figures" \
	grep -qE '^\| email \| 60 \| 0 \| 60 \| .* \| 10 \| 80.0 % \(49.0-94.3 %\) \| 48 \(29-57\) \|$' r.md
check "Markdown: the IP rule is marked not reviewed" grep -qxF "| \`$ip\` | ip\\_address | 60 | 0 | not reviewed | - | - |" r.md
check "Markdown: the verdicts are counted (8 true, 2 false, 0 unsure)" \
	grep -q '^Precision comes from 10 human verdicts on findings of this run (8 true, 2 false, 0 unsure)' r.md
run 0 "$PIIAUDIT" report --db "$T/db" --format html -o r.html
check "HTML: precision columns" grep -q '<td class="num">80.0 % (49.0-94.3 %)</td><td class="num">48 (29-57)</td>' r.html
check "HTML: not reviewed marked" grep -q 'not reviewed</span></td>' r.html
for f in r.json r.md r.html; do
	check "$f: no raw value (database made with --store-values)" eval "! grep -qFf values.txt $f"
done
finish
