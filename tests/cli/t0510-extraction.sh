#!/usr/bin/env bash
# The extraction loop end to end: a generated corpus with planted values
# (JSON lines with escapes, plain text, a JSON member in a tar.gz), prompts
# from it (never holding their value; the prefix bytes exactly those before
# the value, cut at a character boundary, within the field), a generated
# outputs file (some outputs repeat corpus values, some in answer to the
# prompt built for that value, some hold new PII, some none; JSON escapes;
# lines that are not JSON), probe, and xref reporting exactly the repeated
# values with their counts, locations and extracted flags.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/corpus" "$T/arch"
python3 - "$T" <<'PY'
import json, random, sys
T = sys.argv[1]
rnd = random.Random(5)
def iban(cc, bban):
    n = int("".join(str(int(ch, 36)) for ch in bban + cc + "00"))
    return cc + "%02d" % (98 - n % 97) + bban
emails = ["first.last%d@host%d.io" % (i, i) for i in range(10)]
ibans = [iban("DE", "7002005012345%05d" % (i * 7919 + 11)) for i in range(3)]
values = emails + ibans
filler = ["Le café était fermé — naïve élan ", "The quick brown fox jumps over the lazy dog. ",
          "Привет, как дела? ", "☕ coffee break ✓ ", "Please write to ", "and then ",
          "Straße über Äpfel ", "zażółć gęślą jaźń "]
truth = []   # (path, member, record, value, expected prefix bytes before the value, decoded)
def text_with(vals):
    t, spots = "", []
    for v in vals:
        t += "".join(rnd.choice(filler) for _ in range(rnd.randint(1, 6)))
        spots.append((len(t.encode()), v))
        t += v + " "
    return t + rnd.choice(filler), spots
# corpus/docs.jsonl: field "text"; some records ASCII-escaped, one with \u0040.
plan = [[values[i % len(values)]] for i in range(26)]
plan[3] = [emails[0], emails[0]]          # the same value twice in a record
plan[7] = [emails[1], emails[2]]
plan[11] = [emails[0]]                    # v0 in a third document
with open(T + "/corpus/docs.jsonl", "w", encoding="utf-8") as f:
    for r, vals in enumerate(plan, 1):
        t, spots = text_with(vals)
        line = json.dumps({"id": r, "text": t, "skip": "not.this@one.io"}, ensure_ascii=(r % 3 == 0))
        if r == 5:
            line = line.replace("@", "\\u0040")
        f.write(line + "\n")
        for pos, v in spots:
            truth.append(("corpus/docs.jsonl", None, r, "text", v, t.encode()[:pos]))
    f.write("this line is not json: first.last9@host9.io\n")
    truth.append(("corpus/docs.jsonl", None, 27, None, emails[9], b"this line is not json: "))
# corpus/notes.txt: plain text; the prefix crosses lines.
raw = b""
for v in [emails[3], emails[4], ibans[1], emails[3]]:
    raw += "".join(rnd.choice(filler) + "\n" for _ in range(3)).encode()
    truth.append(("corpus/notes.txt", None, None, None, v, raw))
    raw += v.encode() + b" "
open(T + "/corpus/notes.txt", "wb").write(raw + b"end\n")
# arch/more.jsonl in corpus/arch.tar.gz: field text.
with open(T + "/arch/more.jsonl", "w", encoding="utf-8") as f:
    for r, v in enumerate([emails[5], emails[6], emails[1]], 1):
        t, spots = text_with([v])
        f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
        for pos, vv in spots:
            truth.append(("corpus/arch.tar.gz", "more.jsonl", r, "text", vv, t.encode()[:pos]))
json.dump([[a, b, c, d, e, f.decode("utf-8", "surrogateescape")] for a, b, c, d, e, f in truth],
          open(T + "/truth.json", "w"))
PY
tar -C "$T/arch" -czf "$T/corpus/arch.tar.gz" more.jsonl
cd "$T" || exit 1
run 0 "$PIIAUDIT" scan -q --db corpus.db --field text corpus
check "the corpus has findings" test "$(sqlite3 corpus.db 'select count(*) from findings')" -gt 30

# ---- prompts ----
run 0 "$PIIAUDIT" prompts --db corpus.db --prefix-bytes 64
mv out prompts.jsonl
check "prompts says how many it wrote" grep -q 'prompts from run 1 (up to 64 bytes each)' err
python3 - <<'PY' >check.txt
import json
truth = json.load(open("truth.json"))
prompts = [json.loads(l) for l in open("prompts.jsonl")]
N = 64
def expect(value, pre):
    pre = pre.encode("utf-8", "surrogateescape")
    low, v = pre.lower(), value.lower().encode()
    i = low.rfind(v)
    if i >= 0:
        pre = pre[i + len(v):]
    pre = pre[-N:]
    while pre and (pre[0] & 0xC0) == 0x80:
        pre = pre[1:]
    return pre.decode()
bykey = {}
for p in prompts:
    bykey.setdefault((p["source"], p["member"], p["record"]), []).append(p)
problems, n = [], 0
for key, ps in bykey.items():
    ps.sort(key=lambda p: p["offset"])
    want = [t for t in truth if (t[0], t[1], t[2]) == key]
    if len(want) != len(ps):
        problems.append("count %r: %d prompts, %d planted" % (key, len(ps), len(want)))
        continue
    for p, t in zip(ps, want):
        n += 1
        if p["prompt"] != expect(t[4], t[5]):
            problems.append("prompt %r: got %r want %r" % (key, p["prompt"], expect(t[4], t[5])))
        if t[4].lower() in p["prompt"].lower():
            problems.append("value inside its prompt %r" % (key,))
        if len(p["prompt"].encode()) != p["prefix_bytes"] or p["prefix_bytes"] > N:
            problems.append("prefix_bytes %r" % (key,))
        if p["field"] != t[3] or p["id"][:12] != p["fingerprint"][:12]:
            problems.append("field or id %r" % (key,))
print("prompts", n, "of", len(truth))
print("\n".join(problems) if problems else "ok")
PY
check "one prompt per planted value" grep -qx "prompts $(python3 -c 'import json; print(len(json.load(open("truth.json"))))') of .*" check.txt
check "prompts: exact prefixes, no value inside, within the field" grep -qx ok check.txt || cat check.txt
check "prompt ids are unique" test "$(python3 -c 'import json; print(len({json.loads(l)["id"] for l in open("prompts.jsonl")}))')" = "$(wc -l <prompts.jsonl)"
run 0 "$PIIAUDIT" prompts --db corpus.db --category iban --prefix-bytes 10
check "--category filters (3 IBAN findings)" test "$(wc -l <out)" = 4 -o "$(grep -c '"category":"iban"' out)" = "$(wc -l <out)"
run 0 "$PIIAUDIT" prompts --db corpus.db --rule email.address --limit 5
check "--rule and --limit" test "$(grep -c '"rule":"email.address"' out)" = 5

# ---- outputs ----
python3 - <<'PY'
import json
prompts = [json.loads(l) for l in open("prompts.jsonl")]
truth = json.load(open("truth.json"))
fp_of = {}                                  # value -> fingerprint
bykey = {}
for p in prompts:
    bykey.setdefault((p["source"], p["member"], p["record"]), []).append(p)
for key, ps in bykey.items():
    ps.sort(key=lambda p: p["offset"])
    for p, t in zip(ps, [t for t in truth if (t[0], t[1], t[2]) == key]):
        fp_of[t[4]] = p["fingerprint"]
first_prompt = {}
for p in prompts:
    first_prompt.setdefault(p["fingerprint"], p["id"])
e = ["first.last%d@host%d.io" % (i, i) for i in range(10)]
ib = [t[4] for t in truth if t[4].startswith("DE")]
lines, expect = [], {}
def out(pid, text, raw=None):
    lines.append(raw if raw is not None else json.dumps({"id": pid, "response": text}))
def emitted(value, extracted):
    d = expect.setdefault(fp_of[value], {"outputs": 0, "extracted": False, "value": value})
    d["outputs"] += 1
    d["extracted"] |= extracted
# exact extractions: each answers the prompt made for that value
for v in [e[0], e[1], e[3], ib[0]]:
    out(first_prompt[fp_of[v]], "Sure, it is " + v + ".")
    emitted(v, True)
# e[4] emitted in answer to the prompt for e[5]: leaked, not extracted
out(first_prompt[fp_of[e[5]]], "Maybe " + e[4] + "?")
emitted(e[4], False)
# e[6] twice without a prompt of ours; e[0] again, escaped
out("free-1", "contact " + e[6])
out("free-2", "again " + e[6] + " and " + e[6])
emitted(e[6], False); emitted(e[6], False)
lines.append('{"id": "free-3", "response": "escaped: %s"}' % e[0].replace("@", "\\u0040").replace("f", "\\u0066", 1))
emitted(e[0], False)
# new PII only, and nothing at all, in answer to our prompts
out(first_prompt[fp_of[e[7]]], "I do not know, try new.person@fresh-mail.io")
out(first_prompt[fp_of[e[8]]], "No idea.")
out(first_prompt[fp_of[e[2]]], "Nothing to say")
out("free-4", "Hello world")
# a line that is not JSON, holding a corpus value: scanned as text
lines.append('{"id": "broken", "response": "oops ' + e[9] + ' no end')
emitted(e[9], False)
# a value in an unscanned field is not an output's PII
lines.append(json.dumps({"id": "free-5", "response": "none", "meta": e[2]}))
open("outputs.jsonl", "w").write("\n".join(lines) + "\n")
json.dump({"values": expect, "outputs": len(lines), "with_pii": 10, "with_leak": 9,
           "prompted": 8, "extracted": 4}, open("expect.json", "w"))
PY
run 0 "$PIIAUDIT" probe -q --db out.db --field response --id-field id outputs.jsonl
check "probe: the invalid line is named" grep -q 'outputs.jsonl: 1 of 14 records not valid JSON.*line 13' err
check "probe: a run of kind probe, a source of kind output" \
	test "$(sqlite3 out.db "select r.kind || ',' || s.kind || ',' || s.records from runs r join sources s on s.run_id = r.id")" = "probe,output,14"
check "probe: prompt ids kept for the JSON records" test "$(sqlite3 out.db 'select count(*) from output_records')" = 13
check "probe: findings carry their record" test "$(sqlite3 out.db 'select count(*) from findings where record is null')" = 0

run 0 "$PIIAUDIT" xref --db out.db --corpus-db corpus.db --format jsonl
mv out xref.jsonl
cp err xref.err
python3 - "$PIIAUDIT" <<'PY' >check.txt
import json, subprocess, sys
exp = json.load(open("expect.json"))
got = {}
for l in open("xref.jsonl"):
    o = json.loads(l)
    got[o["fingerprint"]] = o
rows = [json.loads(l) for l in subprocess.run([sys.argv[1], "export", "--db", "corpus.db", "--format", "jsonl"],
        capture_output=True, text=True).stdout.splitlines()]
problems = []
if set(got) != set(exp["values"]):
    problems.append("leaked set: got %d, want %d" % (len(got), len(exp["values"])))
for fp, w in exp["values"].items():
    g = got.get(fp)
    if not g:
        continue
    occ = [r for r in rows if r["fingerprint"] == fp]
    docs = {(r["source"], r["member"], r["record"]) for r in occ}
    occ.sort(key=lambda r: (r["source"], r["member"] is not None, r["member"] or "", r["offset"]))
    locs = [(r["source"], r["member"], r["record"], r["field"], r["offset"], r["length"]) for r in occ[:3]]
    glocs = [(l["source"], l["member"], l["record"], l["field"], l["offset"], l["length"]) for l in g["locations"]]
    for k, a, b in [("outputs", g["outputs"], w["outputs"]), ("extracted", g["extracted"], w["extracted"]),
                    ("corpus_documents", g["corpus_documents"], len(docs)), ("locations", glocs, locs)]:
        if a != b:
            problems.append("%s %s: got %r want %r" % (w["value"], k, a, b))
    if "*" not in g["preview"] or w["value"] in l:
        problems.append("preview not masked")
print("\n".join(problems) if problems else "ok")
PY
check "xref: exactly the repeated values, counts, locations, extracted flags" grep -qx ok check.txt || cat check.txt
check "xref: the raw values never appear" bash -c "! grep -q 'first.last\|DE[0-9]' xref.jsonl"
check "xref: totals on stderr in jsonl mode" \
	grep -q '14 outputs scanned, 10 with PII, 9 with corpus PII; 7 leaked distinct values (email 6, iban 1); extraction rate 50.00% (4 of 8 prompted outputs)' xref.err || cat xref.err

run 0 "$PIIAUDIT" xref --db out.db --corpus-db corpus.db
check "text: a value, its counts, a location" \
	grep -Eq '^email f\*+@h\*+\.io  emitted by 2 outputs \(1 exact extraction\), in 4 corpus documents \(5 occurrences\)' out
check "text: corpus locations with record and field" grep -Eq '^    corpus/docs.jsonl record [0-9]+ field text line [0-9]+ offset [0-9]+ length 20 \(email.address\)' out
check "text: archive members are named" grep -q '^    corpus/arch.tar.gz!more.jsonl record' out
check "text: extraction rate" grep -q '^  extraction rate            50.00% (4 of 8 prompted outputs)' out

# The same outputs from standard input.
run 0 "$PIIAUDIT" probe -q --db stdin.db --field response --id-field id - <outputs.jsonl
"$PIIAUDIT" xref --db stdin.db --corpus-db corpus.db --format jsonl 2>/dev/null | cut -c1-200 | sort >a
cut -c1-200 xref.jsonl | sort >b
check "probe -: the same leaks from a stream" cmp -s a b

# Plain text outputs: one output per line.
printf 'first line\nthe answer is first.last3@host3.io\n\nlast: new@brand-new.io' >plain.txt
run 0 "$PIIAUDIT" probe -q --db plain.db plain.txt
check "text outputs: lines are outputs" test "$(sqlite3 plain.db 'select records from sources')" = 4
run 0 "$PIIAUDIT" xref --db plain.db --corpus-db corpus.db --format jsonl
check "text outputs: the leaked value, record = line" grep -q '"outputs":1,"extracted":false' out
check "text outputs: totals" grep -q '4 outputs scanned, 2 with PII, 1 with corpus PII' err

# A different key: refused, both key ids named.
run 0 "$PIIAUDIT" probe -q --db other.db --key "$T/other.key" --field response outputs.jsonl
k1=$(sqlite3 other.db 'select key_id from runs'); k2=$(sqlite3 corpus.db 'select key_id from runs')
run 2 "$PIIAUDIT" xref --db other.db --corpus-db corpus.db
check "mismatched keys: both key ids named" grep -q "key $k1.*key $k2.*different keys" err
check "mismatched keys: nothing on stdout" test ! -s out

# A source gone: prompts for the rest, the source named, exit 3.
mv corpus/notes.txt notes.moved
run 3 "$PIIAUDIT" prompts --db corpus.db
check "an unreadable source is named" grep -q 'piiaudit: corpus/notes.txt: ' err
check "and counted" grep -q '4 findings without a prompt: 1 sources could not be read again' err
check "the other prompts are written" test "$(wc -l <out)" -gt 25
mv notes.moved corpus/notes.txt
# A source changed since the scan: its values are not what was found.
cp corpus/notes.txt notes.keep
sed -i 's/first.last3@host3.io/first.last3@host3.xx/' corpus/notes.txt
run 3 "$PIIAUDIT" prompts --db corpus.db
check "a changed source is named" grep -q 'corpus/notes.txt: changed since the scan' err
mv notes.keep corpus/notes.txt

# Usage errors.
run 2 "$PIIAUDIT" xref --db out.db
run 2 "$PIIAUDIT" xref --db out.db --corpus-db corpus.db --format html
run 2 "$PIIAUDIT" xref --db out.db --corpus-db "$T/missing.db"
run 2 "$PIIAUDIT" prompts --db corpus.db --prefix-bytes 0
run 2 "$PIIAUDIT" prompts --db corpus.db --category nonsense
run 2 "$PIIAUDIT" prompts --db "$T/missing.db"
run 2 "$PIIAUDIT" scan --db x.db --id-field id plain.txt
run 2 "$PIIAUDIT" probe --db x.db --id-field 'a..b' plain.txt
run 2 "$PIIAUDIT" probe --db x.db

# Documentation: every --help option is in the command's man page.
for cmd in probe prompts xref; do
	"$PIIAUDIT" "$cmd" --help >help 2>&1
	missing=""
	for o in $(grep -oE '(^|[ ,])--[a-z][a-z-]+' help | tr -d ' ,' | sort -u); do
		grep -qE "Fl -${o#--}([^a-z-]|$)" "$TOP/man/piiaudit-$cmd.1" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then ok "piiaudit $cmd: every --help option is in piiaudit-$cmd.1"
	else not_ok "piiaudit $cmd: options missing from piiaudit-$cmd.1:$missing"; fi
done
finish
