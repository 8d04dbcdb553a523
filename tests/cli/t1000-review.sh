#!/usr/bin/env bash
# t1000: piiaudit review (issue 10).  A generated corpus (folder, tar.gz,
# zip) with e-mail addresses and IP addresses is scanned; a seeded sample is
# checked for its size per stratum (rule, category), for being the same
# for a seed and different for another, for its masked context (no planted
# value in the file), --reveal, and for saying when a source is gone or
# changed; imports with errors are refused whole, each error named with its
# line; a good import gives the Wilson intervals of known counts; verdicts
# survive a rescan and reviewed findings are not sampled again.
. "$(dirname "$0")/lib.sh"

sql() { sqlite3 -batch "$T/db" "$@" 2>&1; }
# csvq FILE EXPR: python over the rows of a CSV (list of dicts in `rows`)
csvq() {
	python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(eval(sys.argv[2]))' "$1" "$2"
}

cd "$T" || exit 1
python3 - <<'PY' || not_ok "corpus generated"
import io, json, random, tarfile, zipfile, os
rnd = random.Random(1000)
first = ["anna", "luca", "marta", "paolo", "ines", "jonas", "eva", "omar", "lena", "theo"]
last = ["rossi", "bianchi", "novak", "schmidt", "dupont", "garcia", "okafor", "larsen"]
doms = ["posta.it", "corp.io", "uni-heidelberg.de", "seznam.cz", "mail.fr"]
values = []
def line():
    kind = rnd.random()
    if kind < 0.45:
        v = "%s.%s%d@%s" % (rnd.choice(first), rnd.choice(last), rnd.randrange(100), rnd.choice(doms))
        values.append(v)
        return "contact %s for the invoice\n" % v, v
    if kind < 0.75:
        v = "%d.%d.%d.%d" % (rnd.choice([81, 93, 151, 185]), rnd.randrange(1, 255), rnd.randrange(255), rnd.randrange(1, 255))
        values.append(v)
        return "client address %s connected\n" % v, v
    return "nothing personal on this line, just words and numbers 12 34\n", None
def text(n):
    return "".join(line()[0] for _ in range(n))
os.makedirs("corpus", exist_ok=True)
for i in range(6):
    open("corpus/notes-%d.txt" % i, "w").write(text(25))
buf = io.BytesIO()
with tarfile.open("corpus/archive.tar.gz", "w:gz") as tar:
    for name in ("docs/a.txt", "docs/b.txt"):
        data = text(20).encode()
        ti = tarfile.TarInfo(name); ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))
with zipfile.ZipFile("corpus/bundle.zip", "w") as z:
    z.writestr("inner/c.txt", text(20))
# A placeholder: found, flagged, never sampled.
open("corpus/doc.txt", "w").write("write to someone@example.com\n")
json.dump(sorted(set(values)), open("planted.json", "w"))
PY

run 0 "$PIIAUDIT" scan -q --db "$T/db" corpus
# Findings per rule and per category, placeholders aside.
sql "select rule, count(*) from findings where placeholder = 0 group by rule order by rule" >per-rule.txt
sql "select category, count(*) from findings where placeholder = 0 group by category order by 1" >per-cat.txt
nrules=$(wc -l <per-rule.txt)
check "the corpus gives findings of at least two rules ($nrules)" test "$nrules" -ge 2
nemail=$(sql "select count(*) from findings where rule = 'email.address' and placeholder = 0")
check "at least 12 e-mail findings ($nemail)" test "$nemail" -ge 12

# ---- sample ----
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 12 --seed 42 -o s1.csv
check "the sample file is mode 0600" test "$(stat -c %a s1.csv)" = 600
check "the sample's size is named on stderr" grep -q 's1.csv: [0-9]* findings of run 1 from' "$T/err"
check "CSV header" test "$(head -n 1 s1.csv)" = \
	"finding_id,rule,category,source,member,line,offset,preview,context,verdict,note"
# Each rule: min(12, its findings).
want=$(awk -F'|' '{ n = $2 < 12 ? $2 : 12; printf "%s=%d ", $1, n }' per-rule.txt)
got=$(csvq s1.csv '" ".join("%s=%d" % (r, sum(1 for x in rows if x["rule"] == r)) for r in sorted({x["rule"] for x in rows})) + " "')
check "per rule: min(12, findings) of each rule ($got)" test "$got" = "$want"
check "a placeholder (someone@example.com) is never sampled" \
	test "$(csvq s1.csv 'sum(1 for r in rows if r["source"] == "corpus/doc.txt")')" = 0
check "finding ids are distinct" test "$(csvq s1.csv 'len({r["finding_id"] for r in rows}) == len(rows)')" = True
check "verdict and note are empty" test "$(csvq s1.csv 'all(r["verdict"] == "" and r["note"] == "" for r in rows)')" = True
check "every context shows the finding masked" \
	test "$(csvq s1.csv 'all(">>>" + r["preview"] + "<<<" in r["context"] for r in rows)')" = True
leaks=$(python3 -c '
import json, sys
data = open(sys.argv[1]).read()
print(" ".join(v for v in json.load(open(sys.argv[2])) if v in data))' s1.csv planted.json)
check "no planted value in the sample file, contexts included" test -z "$leaks"
check "contexts of archive members are read (tar.gz and zip)" \
	test "$(csvq s1.csv 'sum(1 for r in rows if r["member"] and "source not available" not in r["context"]) > 0')" = True

run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 12 --seed 42 -o s1b.csv
check "the same seed gives the same sample" cmp -s s1.csv s1b.csv
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 12 --seed 43 -o s2.csv
check "another seed gives another sample" test "$(csvq s2.csv '[r["finding_id"] for r in rows]')" != \
	"$(csvq s1.csv '[r["finding_id"] for r in rows]')"
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 12 --seed 42
check "without -o the CSV goes to stdout" cmp -s "$T/out" s1.csv

run 0 "$PIIAUDIT" review sample --db "$T/db" --per-category 5 -o c.csv
want=$(awk -F'|' '{ n = $2 < 5 ? $2 : 5; printf "%s=%d ", $1, n }' per-cat.txt)
got=$(csvq c.csv '" ".join("%s=%d" % (c, sum(1 for x in rows if x["category"] == c)) for c in sorted({x["category"] for x in rows})) + " "')
check "per category: min(5, findings) of each category ($got)" test "$got" = "$want"

# --reveal: the value, from the source (the run did not store values).
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 3 --reveal -o r.csv
check "--reveal adds value and value_from" test "$(head -n 1 r.csv)" = \
	"finding_id,rule,category,source,member,line,offset,preview,context,value,value_from,verdict,note"
check "--reveal: every value re-read from the source and planted" test "$(python3 -c '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
planted = set(json.load(open(sys.argv[2])))
print(all(r["value_from"] == "source" and r["value"] in planted for r in rows) and len(rows) > 0)' r.csv planted.json)" = True
check "--reveal says so on stderr" grep -q 'raw values (--reveal)' "$T/err"

# A moved source: said, and found again with --root.
mv corpus moved
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 12 --seed 42 -o gone.csv
check "a moved source: context says 'source not available'" \
	test "$(csvq gone.csv 'all(r["context"].startswith("(source not available") for r in rows)')" = True
check "stderr counts the unavailable contexts" grep -q 'contexts not available' "$T/err"
mkdir -p elsewhere && mv moved elsewhere/corpus
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 12 --seed 42 --root "$T/elsewhere" -o root.csv
check "--root DIR finds the sources again (same file as before)" cmp -s root.csv s1.csv
mv elsewhere/corpus corpus
# A changed source: the bytes at the offset are not the value any more.
cp corpus/notes-0.txt notes-0.bak
printf 'a new first line shifts every offset\n' | cat - notes-0.bak >corpus/notes-0.txt
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 12 --seed 42 -o changed.csv
check "a changed source: 'changed since it was scanned'" \
	test "$(csvq changed.csv 'all(("changed since" in r["context"]) == (r["source"] == "corpus/notes-0.txt") for r in rows)')" = True
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 12 --seed 42 --reveal -o changed-r.csv
check "--reveal of a changed source: value_from unavailable, no value" \
	test "$(csvq changed-r.csv 'all(r["value_from"] == "unavailable" and r["value"] == "" for r in rows if r["source"] == "corpus/notes-0.txt")')" = True
cp notes-0.bak corpus/notes-0.txt

# ---- import: errors refuse the whole file ----
# v.csv: s1 with verdicts: the first 10 e-mail rows 8 tp then 2 fp, the
# first 10 rows of the other rules 10 tp; the rest left empty.
python3 - s1.csv v.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
seen = {}
for r in rows:
    k = seen.get(r["rule"], 0)
    seen[r["rule"]] = k + 1
    if k < 10:
        r["verdict"] = ("tp" if k < 8 else "fp") if r["rule"] == "email.address" else "tp"
rows[0]["note"] = 'a note, with "quotes",\nand a new line'
w = csv.DictWriter(open(sys.argv[2], "w", newline=""), fieldnames=list(rows[0].keys()))
w.writeheader(); w.writerows(rows)
PY
nv=$(csvq v.csv 'sum(1 for r in rows if r["verdict"])')
# bad.csv: four errors on known lines (the first row's note spans two lines).
python3 - v.csv bad.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
rows[2]["verdict"] = "yes"                      # line 5
rows[3]["finding_id"] = "0123456789ab-0123456789ab"   # line 6: unknown
rows[5]["finding_id"] = rows[4]["finding_id"]   # line 8: duplicate of line 7
rows[6]["finding_id"] = "not-an-id"             # line 9
w = csv.DictWriter(open(sys.argv[2], "w", newline=""), fieldnames=list(rows[0].keys()), lineterminator="\n")
w.writeheader(); w.writerows(rows)
PY
run 2 "$PIIAUDIT" review import --db "$T/db" bad.csv
check "bad verdict named with its line" grep -q "bad.csv:5: verdict 'yes' is not tp, fp or unsure" "$T/err"
check "unknown id named with its line" grep -q "bad.csv:6: unknown finding id '0123456789ab-0123456789ab'" "$T/err"
check "duplicate named with both lines" grep -qE "bad.csv:8: finding [0-9a-f-]+ is also on line 7" "$T/err"
check "malformed id named with its line" grep -q "bad.csv:9: 'not-an-id' is not a finding id" "$T/err"
check "'4 errors; nothing imported'" grep -q "bad.csv: 4 errors; nothing imported" "$T/err"
check "nothing imported: no verdicts" test "$(sql 'select count(*) from verdicts')" = 0
printf 'finding_id,verdict\n"%s,tp\n' "$(sed -n 2p s1.csv | cut -d, -f1)" >quote.csv
run 2 "$PIIAUDIT" review import --db "$T/db" quote.csv
check "malformed CSV: an unclosed quote, named with its line" grep -q 'quote.csv:2: a quoted field is not closed' "$T/err"
printf 'finding_id,verdict\n%s,tp,extra\n' "$(sed -n 2p s1.csv | cut -d, -f1)" >fields.csv
run 2 "$PIIAUDIT" review import --db "$T/db" fields.csv
check "malformed CSV: a row with more fields than the header" grep -q 'fields.csv:2: 3 fields, the header has 2' "$T/err"
printf 'id,verdict\nx,tp\n' >nohead.csv
run 2 "$PIIAUDIT" review import --db "$T/db" nohead.csv
check "no finding_id column: said" grep -q 'nohead.csv:1: no finding_id column' "$T/err"
check "still no verdicts after the bad files" test "$(sql 'select count(*) from verdicts')" = 0
run 0 "$PIIAUDIT" review import --db "$T/db" --dry-run v.csv
check "--dry-run checks and imports nothing" test "$(sql 'select count(*) from verdicts')" = 0

# ---- a good import ----
run 0 "$PIIAUDIT" review import --db "$T/db" --reviewer ann v.csv
check "the import counts its verdicts ($nv)" grep -q "v.csv: $nv verdicts imported ($nv new" "$T/err"
check "verdicts stored ($nv)" test "$(sql 'select count(*) from verdicts')" = "$nv"
check "reviewer and time kept" test "$(sql "select count(*) from verdicts where reviewer = 'ann' and reviewed_at glob '20[0-9][0-9]-[01][0-9]-[0-3][0-9]T*Z'")" = "$nv"
check "a multi-line note kept" test "$(sql "select count(*) from verdicts where note like '%quotes%new line'")" = 1
check "no context in the database" test "$(sql "select count(*) from pragma_table_info('verdicts') where name like '%context%'")" = 0
run 0 "$PIIAUDIT" review import --db "$T/db" --reviewer ann v.csv
check "importing again: all unchanged" grep -q "(0 new, 0 changed, $nv unchanged)" "$T/err"

# ---- stats ----
run 0 "$PIIAUDIT" review stats --db "$T/db" --format json
cp "$T/out" stats.json
jq_() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' stats.json "$1"; }
check "stats JSON is valid, for run 1" test "$(jq_ 'd["run"]')" = 1
check "email.address: 10 reviewed, 8 tp, 2 fp" test "$(jq_ '[(r["reviewed"], r["tp"], r["fp"]) for r in d["rules"] if r["rule"] == "email.address"][0]')" = "(10, 8, 2)"
check "email.address: precision 0.8, Wilson 95% [0.4902, 0.9433]" \
	test "$(jq_ '[("%.4f %.4f %.4f" % (r["precision"], r["wilson_low"], r["wilson_high"])) for r in d["rules"] if r["rule"] == "email.address"][0]')" = "0.8000 0.4902 0.9433"
check "email.address: estimated true = findings x 0.8 [x 0.4902, x 0.9433]" \
	test "$(jq_ '[abs(r["estimated_true"] - 0.8 * r["findings"]) < 1e-6 and abs(r["estimated_true_low"] - 0.490165 * r["findings"]) < 0.01 * r["findings"] for r in d["rules"] if r["rule"] == "email.address"][0]')" = True
check "a rule with 10/10: Wilson [0.7225, 1]" \
	test "$(jq_ 'sorted({"%.4f %.4f" % (r["wilson_low"], r["wilson_high"]) for r in d["rules"] if r["status"] == "measured" and r["tp"] == 10 and r["fp"] == 0})')" = "['0.7225 1.0000']"
check "rules without findings: 'no findings', precision null" \
	test "$(jq_ 'all(r["precision"] is None for r in d["rules"] if r["status"] == "no findings")')" = True
check "categories carry pooled figures and from_rules" \
	test "$(jq_ '[("%.4f" % c["precision"], c["from_rules"] is not None) for c in d["categories"] if c["category"] == "email"][0]')" = "('0.8000', True)"
run 0 "$PIIAUDIT" review stats --db "$T/db"
check "text stats: the email.address line" grep -qE '^email.address +email +[0-9]+ +10 +8 +2 +0 +0.8000 \[0.4902, 0.9433\]' "$T/out"
# A rule found but never reviewed, in a run of its own (a rescan whose
# findings have no verdict: a new IP address in a new file).
printf 'client address 151.101.1.69 connected\n' >corpus/zz-new.txt
run 0 "$PIIAUDIT" scan -q --db "$T/db" corpus
run 0 "$PIIAUDIT" review stats --db "$T/db" --format json
cp "$T/out" stats2.json
check "a rescan keeps the verdicts (same reviewed counts in run 2)" \
	test "$(python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print(b["run"] == 2 and [(r["rule"], r["reviewed"], r["tp"]) for r in a["rules"]] == [(r["rule"], r["reviewed"], r["tp"]) for r in b["rules"]])' stats.json stats2.json)" = True
run 0 "$PIIAUDIT" review sample --db "$T/db" --per-rule 1000 -o after.csv
check "reviewed findings are not sampled again" test "$(python3 -c '
import csv, sys
done = {r["finding_id"] for r in csv.DictReader(open(sys.argv[1])) if r["verdict"]}
again = [r["finding_id"] for r in csv.DictReader(open(sys.argv[2])) if r["finding_id"] in done]
print(len(again))' v.csv after.csv)" = 0
check "the rest are: every unreviewed finding of run 2" \
	test "$(csvq after.csv 'len(rows)')" = "$(( $(sql 'select count(*) from findings where run_id = 2 and placeholder = 0') - nv ))"
# Never reviewed: the text says so (a fresh database of the same corpus).
run 0 "$PIIAUDIT" scan -q --db "$T/fresh.db" corpus
run 0 "$PIIAUDIT" review stats --db "$T/fresh.db"
check "never-reviewed rules are marked as such" grep -qE '^email.address .*never reviewed' "$T/out"
run 0 "$PIIAUDIT" review stats --db "$T/fresh.db" --format json
check "JSON: status 'never reviewed', precision null" test "$(python3 -c '
import json, sys
d = json.load(sys.stdin)
print([(r["status"], r["precision"]) for r in d["rules"] if r["rule"] == "email.address"][0])' <"$T/out")" = "('never reviewed', None)"

# JSON mode: the scan matched the decoded string, the offset points at the
# raw bytes ("\u0040"): the context and the value are still given.
if "$PIIAUDIT" scan --help 2>/dev/null | grep -q -- '--field'; then
	printf '{"text":"write to jane.doe\\u0040corp.io now"}\n{"text":"or bob.smith@corp.io"}\n' >f.jsonl
	run 0 "$PIIAUDIT" scan -q --db "$T/f.db" --field text f.jsonl
	run 0 "$PIIAUDIT" review sample --db "$T/f.db" --per-rule 5 --reveal -o f.csv
	check "JSON mode: an escaped value is re-read, decoded and checked" \
		test "$(csvq f.csv 'sorted(r["value"] for r in rows if ">>>" in r["context"])')" = "['bob.smith@corp.io', 'jane.doe@corp.io']"
fi

# --reveal on a run made with --store-values: from the database, even with
# the source gone.
run 0 "$PIIAUDIT" scan -q --db "$T/sv.db" --store-values corpus/notes-1.txt
mv corpus/notes-1.txt notes-1.away
run 0 "$PIIAUDIT" review sample --db "$T/sv.db" --per-rule 2 --reveal -o sv.csv
check "--reveal with --store-values: value_from database, source gone" test "$(python3 -c '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
planted = set(json.load(open(sys.argv[2])))
print(len(rows) > 0 and all(r["value_from"] == "database" and r["value"] in planted and
      r["context"].startswith("(source not available") for r in rows))' sv.csv planted.json)" = True
mv notes-1.away corpus/notes-1.txt

# ---- usage ----
run 2 "$PIIAUDIT" review
run 2 "$PIIAUDIT" review frobnicate
check "an unknown action is named" grep -q "'frobnicate' is not sample, import or stats" "$T/err"
run 2 "$PIIAUDIT" review sample --db "$T/db"
check "sample needs --per-rule or --per-category" grep -q 'one of --per-rule N or --per-category N' "$T/err"
run 2 "$PIIAUDIT" review sample --db "$T/db" --per-rule 3 --per-category 3
run 2 "$PIIAUDIT" review sample --db "$T/db" --per-rule 0
run 2 "$PIIAUDIT" review sample --db "$T/db" --per-rule 3 --run 99
check "no such run: named" grep -q 'no run 99' "$T/err"
run 2 "$PIIAUDIT" review sample --db "$T/none.db" --per-rule 3
check "a missing database is not created" test ! -e "$T/none.db"
run 2 "$PIIAUDIT" review stats --db "$T/db" --format xml
run 2 "$PIIAUDIT" review stats --db "$T/db" --reviewer x
run 2 "$PIIAUDIT" review import --db "$T/db"
run 2 "$PIIAUDIT" review import --db "$T/db" "$T/missing.csv"
run 2 "$PIIAUDIT" review sample --db "$T/db" --per-rule 3 --bogus
check "an unknown option is named" grep -q "unknown option '--bogus'" "$T/err"
run 0 "$PIIAUDIT" review --help
check "review --help names the three actions" grep -q 'review sample' "$T/out"
finish
