#!/usr/bin/env bash
# --field '*': every field without naming one.  Every JSON string and
# number at any depth (arrays transparent) and every key is matched, each
# value behind its own key as a named field is; every CSV column behind
# its header name.  A finding's field is the path it was found under
# (meta.author, messages.content, the column's name), made from the data,
# so a part that is not a plain name, or holds something the rules find
# (a key that is an e-mail address or a token), is recorded as "*": no
# raw value reaches the database through a path.  JSON lines find what
# text mode finds; CSV columns find what text mode cannot (the header is
# far from the cells).  redact --field '*' replaces them all, a number
# becoming a string, keys too, and --verify and a rescan find nothing.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

python3 - <<'PY'
import json, random
r = random.Random(5)
def card():
    d = [4, 5, 3, 9] + [r.randint(0, 9) for _ in range(11)]
    s = sum(x if i % 2 else (2 * x if 2 * x < 10 else 2 * x - 9) for i, x in enumerate(reversed(d)))
    return int("".join(map(str, d + [(10 - s % 10) % 10])))
def card_ok(n):
    d = [int(c) for c in str(n)][::-1]
    return sum(x if i % 2 == 0 else (2 * x if 2 * x < 10 else 2 * x - 9) for i, x in enumerate(d)) % 10 == 0
with open("corpus.jsonl", "w") as f:
    for i in range(3000):
        rec = {"id": i, "text": "note %d from u%d.writer@mail-host.io about nothing" % (i, i)}
        if i % 3 == 0:
            rec["meta"] = {"author": "a%d.b@corp-mail.net" % i, "phone": "06%08d" % r.randint(10**7, 10**8 - 1)}
        if i % 5 == 0:
            c = card()
            assert card_ok(c)
            rec["n"] = c
        if i % 7 == 0:
            rec["messages"] = [{"role": "user", "content": "card %s" % " ".join(
                str(card())[k:k + 4] for k in (0, 4, 8, 12))}, {"role": "assistant", "content": "ok"}]
        if i % 11 == 0:
            rec["k%d.key@mail-host.io" % i] = "write v%d@mail-host.io" % i
        if i % 13 == 0:
            rec["weird key"] = {"ssn": "536-22-%04d" % (1000 + i % 9000)}
        f.write(json.dumps(rec) + "\n")
    f.write(json.dumps(["top level c.top@mail-host.io"]) + "\n")
PY
printf 'name,SSN,Phone Number,e.mail,x.y@mail-host.io\nJoe,536221187,0612345678,joe@mail-host.io,1\nAnn,536221288,,ann@mail-host.io,2\n' >people.csv

rows() { # DB: value|rule|field of each finding, from the raw bytes at its offset
	"$PIIAUDIT" export --db "$1" --format jsonl | python3 -c '
import json, sys
raw = {p: open(p, "rb").read() for p in ("corpus.jsonl", "people.csv")}
for l in sys.stdin:
    r = json.loads(l)
    print(raw[r["source"].split("/")[-1]][r["offset"]:r["offset"] + r["length"]].decode(), r["rule"], r["field"], sep="|")' | sort
}

run 0 "$PIIAUDIT" scan -q --db text.db corpus.jsonl
run 0 "$PIIAUDIT" scan -q -j 2 --db every.db --field '*' corpus.jsonl
rows text.db | cut -d'|' -f1,2 >text.rows
rows every.db >every.rows
check "JSON lines: '*' finds what text mode finds, value for value" \
	test "$(cut -d'|' -f1,2 every.rows)" = "$(cat text.rows)"
check "... and that is more than a handful" test "$(wc -l <every.rows)" -gt 5000
for f in text meta.author meta.phone n messages.content; do
	check "a value under $f is recorded with that field" grep -q "|$f\$" every.rows
done
check "a key that is an address is found (a key is text too), recorded as *" \
	grep -q '^k11.key@mail-host.io|email.address|\*$' every.rows
check "a value under that key: its path part is * too" \
	grep -q '^v11@mail-host.io|email.address|\*$' every.rows
check "a value under a key that is no plain name (a space is fine, a dot is not): weird key.ssn" \
	grep -q '^536-22-[0-9]*|us_ssn.number|weird key.ssn$' every.rows
check "a string with no key above it: field *" grep -q '^c.top@mail-host.io|email.address|\*$' every.rows
check "no field holds an address or a number of the data" \
	test "$(sqlite3 every.db "select count(*) from findings where field like '%@%' or field glob '*[0-9][0-9][0-9]*'")" = 0
check "no raw value anywhere in the database (--store-values not given)" \
	test "$(sqlite3 every.db .dump | grep -c 'mail-host.io')" = 0
run 0 "$PIIAUDIT" scan -q -j 1 --db one.db --field '*' corpus.jsonl
check "one job (records matched in the worker) and two (in the pool) agree" test "$(rows one.db)" = "$(cat every.rows)"
run 0 "$PIIAUDIT" scan -q -j 2 --engine pcre2 --db pcre.db --field '*' corpus.jsonl
check "--engine pcre2 agrees" test "$(rows pcre.db)" = "$(cat every.rows)"
run 0 "$PIIAUDIT" scan -q --db both.db --field '*' --field meta corpus.jsonl
check "'*' with a named path: the same findings" \
	test "$(rows both.db | cut -d'|' -f1,2)" = "$(cut -d'|' -f1,2 every.rows)"
check "the run's settings say --field=*" \
	grep -q '"--field=\*"' <<<"$(sqlite3 every.db 'select settings from runs')"

# Long keys and deep paths are not kept: a raw path over 4096 bytes, or a
# recorded one over 512, is *; the values are still found.
python3 - <<'PY'
import json
deep = {}
node = deep
for i in range(20):
    node["level_%02d_of_a_rather_long_path" % i] = {}
    node = node["level_%02d_of_a_rather_long_path" % i]
node["mail"] = "deep.one@mail-host.io"
with open("long.jsonl", "w") as f:
    f.write(json.dumps({"k" * 5000: "long.key@mail-host.io"}) + "\n")
    f.write(json.dumps(deep) + "\n")
    f.write(json.dumps({"short": {"mail": "short.one@mail-host.io"}}) + "\n")
PY
run 0 "$PIIAUDIT" scan -q --db long.db --field '*' long.jsonl
check "a key over 4096 bytes, a path over 512: *, a short one kept; all three found" \
	test "$(sqlite3 long.db "select record || ':' || field from findings order by record")" = "$(printf '1:*\n2:*\n3:short.mail')"

# CSV: each column behind its header name; a header that is no plain name
# (an address) is recorded as *.
run 0 "$PIIAUDIT" scan -q --db csv.db --field '*' people.csv
rows csv.db >csv.rows
check "CSV: an SSN without dashes in a column named SSN is found (the column name is its word)" \
	test "$(grep -c '^53622[0-9]*|us_ssn.number_context|SSN$' csv.rows)" = 2
check "... a column with a space and one with a dot keep their names" \
	test "$(grep -c '|Phone Number$' csv.rows) $(grep -c '|e.mail$' csv.rows)" = "1 2"
check "... a column named by an address: * (its cells still read)" \
	test "$(sqlite3 csv.db "select count(*) from findings where field like '%@%'")" = 0
run 0 "$PIIAUDIT" scan -q --db csvtext.db people.csv
check "text mode misses the SSNs of the CSV: the header is too far" \
	test "$(rows csvtext.db | grep -c us_ssn)" = 0

# Resume compares the field selection.
cp every.db resume.db
sqlite3 resume.db "update runs set status = 'interrupted'"
run 2 "$PIIAUDIT" scan -q --resume --field text --db resume.db corpus.jsonl
check "resume of a '*' run with --field text is refused" grep -q -- '--field=\*' "$T/err"

# redact --field '*'
run 0 "$PIIAUDIT" redact -q --db red.db --field '*' --verify --out clean corpus.jsonl people.csv
check "redact --field '*' --verify: clean" grep -q . clean/corpus.jsonl
check "every line of the copy is JSON" python3 -c '
import json, sys
[json.loads(l) for l in open("clean/corpus.jsonl")]'
check "a card number held as a number became a string placeholder" \
	python3 -c '
import json, sys
recs = [json.loads(l) for l in open("clean/corpus.jsonl")]
ns = [r["n"] for r in recs if isinstance(r, dict) and "n" in r]
sys.exit(not (ns and all(n == "<CREDIT_CARD>" for n in ns)))'
check "keys that were addresses are replaced" test "$(grep -c 'key@mail-host' clean/corpus.jsonl)" = 0
check "the ids (numbers that are no values) stay numbers" \
	python3 -c '
import json, sys
recs = [json.loads(l) for l in open("clean/corpus.jsonl")]
sys.exit(not all(isinstance(r["id"], int) for r in recs if isinstance(r, dict)))'
check "the CSV's SSN cells are replaced, the header kept" \
	test "$(head -1 clean/people.csv)" = "name,SSN,Phone Number,e.mail,x.y@mail-host.io" -a "$(grep -c 53622 clean/people.csv)" = 0
run 0 "$PIIAUDIT" scan -q --db after.db clean/corpus.jsonl
check "a text-mode scan of the JSON copy finds nothing" test "$(sqlite3 after.db 'select count(*) from findings where placeholder = 0')" = 0
run 0 "$PIIAUDIT" scan -q --db after2.db --field '*' clean/corpus.jsonl clean/people.csv
check "a '*' scan of both copies finds nothing" test "$(sqlite3 after2.db 'select count(*) from findings where placeholder = 0')" = 0
run 0 "$PIIAUDIT" redact -q --db red2.db --field '*' --style mask --out masked corpus.jsonl
check "masked: numbers become masked strings" \
	python3 -c '
import json, sys
recs = [json.loads(l) for l in open("masked/corpus.jsonl")]
ns = [r["n"] for r in recs if isinstance(r, dict) and "n" in r]
sys.exit(not (ns and all(isinstance(n, str) and n.startswith("*") for n in ns)))'

# A number that is a whole array element (a JSON array file, or a JSON
# line that is an array) becomes a string too: the copies stay JSON.
printf '[4539148803436467, {"a": 4539148803436467}, "x 4539148803436467"]\n' >arr.json
printf '{"a": "x"}\n[4539148803436467, "y@mail-host.io"]\n' >arr.jsonl
run 0 "$PIIAUDIT" redact -q --db red3.db --field '*' --verify --out arr arr.json arr.jsonl
check "an array's number elements are quoted placeholders (a JSON array file)" \
	test "$(cat arr/arr.json)" = '["<CREDIT_CARD>", {"a": "<CREDIT_CARD>"}, "x <CREDIT_CARD>"]'
check "... and in a JSON line that is an array" \
	test "$(sed -n 2p arr/arr.jsonl)" = '["<CREDIT_CARD>", "<EMAIL>"]'
# With a named field, a JSON line that is an array is walked too: its
# records' other fields stay, as scan --field reads them (not as text).
printf '{"text": "x"}\n[{"text": "t@mail-host.io", "other": "o@mail-host.io"}]\n' >named.jsonl
run 0 "$PIIAUDIT" redact -q --db red4.db --field text --out named named.jsonl
check "a named field in a JSON line that is an array: only that field replaced" \
	test "$(sed -n 2p named/named.jsonl)" = '[{"text": "<EMAIL>", "other": "o@mail-host.io"}]'

run 0 "$PIIAUDIT" scan --help
check "scan --help tells of --field '*'" grep -q "'\*'" "$T/out"
finish
