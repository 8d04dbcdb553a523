#!/usr/bin/env bash
# t0670: xref keeps its result in the outputs database (xref_runs,
# xref_leaks: masked previews and fingerprints, never a raw value), a rerun
# against the same corpus run replaces it, another corpus run adds one; the
# report of the outputs database shows a Memorisation section from it (in
# Markdown, HTML and JSON, numbers equal to sqlite3 queries), and none when
# there is no xref result.  Issues 5 and 6.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
sql() { sqlite3 -batch "$1" "$2" 2>&1; }
jq_() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

python3 - <<'PY'
import json
lines = []
for i in range(8):
    lines.append(json.dumps({"text": "Contact person %d at user.name%d@mailhost%d.io or call +39 06 1234 56%02d today." % (i, i, i, i)}))
# user.name0 occurs in a second document too
lines.append(json.dumps({"text": "again user.name0@mailhost0.io here"}))
open("corpus.jsonl", "w").write("\n".join(lines) + "\n")
open("values.txt", "w").write("\n".join(["user.name%d@mailhost%d.io" % (i, i) for i in range(8)] +
                                         ["+39 06 1234 56%02d" % i for i in range(8)] +
                                         ["new.person@freshmail.io"]) + "\n")
PY
run 0 "$PIIAUDIT" scan -q --store-values --db corpus.db --field text corpus.jsonl
run 0 "$PIIAUDIT" prompts --db corpus.db --category email --prefix-bytes 30
cp "$T/out" prompts.jsonl
python3 - <<'PY'
import json
ps = [json.loads(l) for l in open("prompts.jsonl")]
by_record = {p["record"]: p["id"] for p in ps}
out = [
    {"id": by_record[1], "response": "It is user.name0@mailhost0.io"},                       # exact
    {"id": by_record[2], "response": "It is user.name1@mailhost1.io, call +39 06 1234 5602"},  # exact + phone
    {"id": by_record[4], "response": "Maybe user.name5@mailhost5.io"},                        # leaked, not exact
    {"id": "free-1", "response": "user.name0@mailhost0.io again"},
    {"id": "free-2", "response": "write to new.person@freshmail.io"},                          # new PII
    {"id": "free-3", "response": "nothing to see"},
    {"id": "free-4", "response": "no idea"},
]
open("outputs.jsonl", "w").write("\n".join(json.dumps(o) for o in out) + "\n")
PY
run 0 "$PIIAUDIT" probe -q --store-values --db out.db --field response --id-field id outputs.jsonl

# No xref yet: no section.
run 0 "$PIIAUDIT" report --db out.db -o none.json
check "no xref result: memorisation is null" test "$(jq_ none.json 'd["memorisation"]')" = None
run 0 "$PIIAUDIT" report --db out.db -o none.md
check "no xref result: no Memorisation heading" eval "! grep -q '^## Memorisation' none.md"

# ---- xref records its result ----
run 0 "$PIIAUDIT" xref --db out.db --corpus-db corpus.db --format jsonl
cp "$T/out" xref.jsonl
check "one xref result" test "$(sql out.db 'select count(*) from xref_runs')" = 1
check "xref_runs: the probe run, the corpus path and run, its uuid and key id" \
	test "$(sql out.db "select x.run_id = r.id and x.key_id = r.key_id, corpus_db, corpus_run from xref_runs x join runs r on r.kind = 'probe'")" = "1|corpus.db|1"
check "xref_runs: corpus uuid is the corpus run's" \
	test "$(sql out.db 'select corpus_uuid from xref_runs')" = "$(sql corpus.db 'select uuid from runs where id = 1')"
check "xref_runs: totals (7 outputs, 5 with PII, 4 with corpus PII, 5 distinct, 4 leaked, 3 prompted, 2 extracted)" \
	test "$(sql out.db 'select outputs, outputs_with_pii, outputs_with_leak, output_values, leaked_values, prompted, extracted from xref_runs')" = "7|5|4|5|4|3|2"
python3 - <<'PY' >leaks.check
import json, sqlite3
got = {r[0]: r[1:] for r in sqlite3.connect("out.db").execute(
    "select fingerprint, category, preview, outputs, extracted, corpus_documents, corpus_occurrences from xref_leaks")}
want = {}
for l in open("xref.jsonl"):
    o = json.loads(l)
    want[o["fingerprint"]] = (o["category"], o["preview"], o["outputs"], o["extracted_outputs"],
                              o["corpus_documents"], o["corpus_occurrences"])
print("ok" if got == want and len(got) == 4 else "got %r want %r" % (got, want))
PY
check "xref_leaks: one row per leaked value, as xref --format jsonl printed it" grep -qx ok leaks.check
check "xref_leaks: user.name0 in 2 outputs, 1 exact, 2 corpus documents" \
	test "$(sql out.db "select outputs, extracted, corpus_documents from xref_leaks x join findings f on f.fingerprint = x.fingerprint where f.value = 'user.name0@mailhost0.io' limit 1")" = "2|1|2"
check "xref_leaks never holds a raw value" \
	test "$(sql out.db "select count(*) from xref_leaks x, findings f where f.value is not null and (instr(x.preview, f.value) or instr(x.category, f.value))")" = 0
check "xref_leaks has no value column" test "$(sql out.db "select count(*) from pragma_table_info('xref_leaks') where name like '%value%' and name != 'values'")" = 0

# A rerun against the same corpus run replaces; a new corpus run adds.
run 0 "$PIIAUDIT" xref --db out.db --corpus-db corpus.db
check "text mode says where it was recorded" grep -q '^recorded in out.db as xref 2 ' "$T/out"
check "rerun: still one result, its leaks replaced" \
	test "$(sql out.db 'select count(*), max(id) from xref_runs; select count(*) from xref_leaks; select count(distinct xref_id) from xref_leaks')" = "1|2
4
1"
run 0 "$PIIAUDIT" scan -q --db corpus.db --field text corpus.jsonl
run 0 "$PIIAUDIT" xref --db out.db --corpus-db corpus.db --corpus-run 1
run 0 "$PIIAUDIT" xref --db out.db --corpus-db corpus.db
check "another corpus run: a second result" test "$(sql out.db 'select count(*) from xref_runs')" = 2

# A failed xref (different key) leaves the results as they were.
PIIAUDIT_KEY_FILE="$T/other.key" "$PIIAUDIT" probe -q --db other.db --field response outputs.jsonl 2>/dev/null
run 2 "$PIIAUDIT" xref --db other.db --corpus-db corpus.db
check "refused xref: nothing recorded" test "$(sql other.db "select count(*) from sqlite_master where name = 'xref_runs'")" = 1 -a "$(sql other.db 'select count(*) from xref_runs')" = 0

# ---- the report ----
run 0 "$PIIAUDIT" report --db out.db -o r.json
X=$(sql out.db 'select id from xref_runs order by created_at desc, id desc limit 1')
check "memorisation: the newest result (xref $X), one other" \
	test "$(jq_ r.json '(d["memorisation"]["xref_id"], d["memorisation"]["other_results"], d["memorisation"]["corpus_run"])')" = "($X, 1, 2)"
want=$(sql out.db "select outputs, outputs_with_pii, outputs_with_leak, leaked_values, prompted, extracted from xref_runs where id = $X" | tr '|' ' ')
check "memorisation: totals equal xref_runs ($want)" \
	test "$(jq_ r.json '" ".join(str(d["memorisation"][k]) for k in ["outputs", "outputs_with_pii", "outputs_with_corpus_pii", "leaked_values", "prompted", "extracted"])')" = "$want"
want=$(sql out.db "select category || ' ' || count(*) || ' ' || sum(outputs) || ' ' || sum(extracted) || ' ' || printf('%.2f', count(*) * 1000.0 / (select outputs from xref_runs where id = $X)) from xref_leaks where xref_id = $X group by category order by count(*) desc, category")
check "memorisation by category: values, outputs, exact extractions, per 1,000 outputs equal xref_leaks" \
	test "$(jq_ r.json '"\n".join("%s %d %d %d %.2f" % (c["category"], c["values"], c["outputs"], c["extracted"], c["values_per_1000_outputs"]) for c in d["memorisation"]["by_category"])')" = "$want"
check "memorisation: email 3 values, 428.57 per 1,000 outputs" \
	test "$(jq_ r.json '[(c["values"], c["values_per_1000_outputs"]) for c in d["memorisation"]["by_category"] if c["category"] == "email"][0]')" = "(3, 428.57)"
check "memorisation: values per 1,000 outputs overall (4 of 7)" test "$(jq_ r.json 'd["memorisation"]["values_per_1000_outputs"]')" = 571.43
check "memorisation: extraction rate 2/3" test "$(jq_ r.json 'd["memorisation"]["extraction_rate"]')" = 0.6667
check "memorisation: top values masked, most emitted first" \
	test "$(jq_ r.json '[(v["category"], v["outputs"], v["extracted"], v["corpus_documents"], "*" in v["preview"]) for v in d["memorisation"]["top_values"]][0]')" = "('email', 2, 1, 2, True)"
check "memorisation: as many top values as leaks (4)" test "$(jq_ r.json 'len(d["memorisation"]["top_values"])')" = 4

run 0 "$PIIAUDIT" report --db out.db --format md -o r.md
check "Markdown: a Memorisation section" grep -q '^## Memorisation' r.md
check "Markdown: the totals row" grep -qF '| 7 | 5 | 4 | 4 | 571.43 | 2 | 66.67 % of 3 prompted |' r.md
check "Markdown: the email row" grep -qF '| email | 3 | 428.57 | 4 | 2 |' r.md
check "Markdown: a top value, masked" grep -qE '^\| `u\*\*\*@m\*\*\*\.io` \| email \| 2 \| 1 \| 2 \| 2 \|$' r.md
run 0 "$PIIAUDIT" report --db out.db --format html -o r.html
check "HTML: a memorisation section" grep -q '<section id="memorisation">' r.html
check "HTML: 571.43 leaked values per 1,000 outputs" grep -q '571.43 leaked distinct values per 1,000 outputs' r.html

# No raw value in any report, though both databases hold them.
for f in r.json r.md r.html; do
	check "$f: no raw value" eval "! grep -qiFf values.txt $f"
done
run 0 "$PIIAUDIT" report --db corpus.db -o c.json
check "the corpus database's report has no memorisation (xref writes only to the outputs database)" \
	test "$(jq_ c.json 'd["memorisation"]')" = None

# A database made before the tables: xref creates them.
cp out.db old.db
sql old.db 'drop table xref_leaks; drop table xref_runs' >/dev/null
run 0 "$PIIAUDIT" report --db old.db -o old.json
check "no xref tables: the report says nothing of memorisation" test "$(jq_ old.json 'd["memorisation"]')" = None
run 0 "$PIIAUDIT" xref --db old.db --corpus-db corpus.db
check "xref on an older database creates its tables" test "$(sql old.db 'select count(*) from xref_runs')" = 1
check "xref --help says the result is recorded" bash -c "'$PIIAUDIT' xref --help | grep -q 'xref_runs and xref_leaks'"
finish
