#!/usr/bin/env bash
# t0950: redact --field on JSON arrays of records (issue 9), which scan
# already reads element by element.  The output must stay a valid JSON
# array (checked with python's json) in which only the selected string
# fields changed, in a plain file, a gzip stream and a tar member, in every
# style; drop-record removes whole elements and keeps the array valid;
# --verify and an erasure (--plan) work on arrays; an array over
# --max-record-bytes fails its file and leaves the target untouched.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

python3 - <<'PY' || not_ok "corpus generated"
import gzip, io, json, os, tarfile
recs = []
for i in range(40):
    recs.append({"id": i, "text": "ticket %d from user%d@mail-host.org, call +39 06 1234 %04d" % (i, i, i),
                 "meta": {"author": "keep%d@mail-host.org" % i, "tags": ["a", "b"]},
                 "n": [1, 2.5, None, True]})
recs.append("a bare string with bare@mail-host.org")
recs.append({"id": 99, "text": "escaped jane\u00e9 \"quoted\" jane.doe@corp-x.org\nnew line"})
recs.append({"id": 100, "text": "nothing here"})
os.makedirs("in", exist_ok=True)
text = "\ufeff[\n" + ",\n".join("  " + json.dumps(r) for r in recs) + "\n]\n"
open("in/a.json", "w", encoding="utf-8").write(text)
open("in/compact.json", "w").write(json.dumps(recs, separators=(",", ":")))
open("in/b.json.gz", "wb").write(gzip.compress(json.dumps(recs, indent=2).encode()))
with tarfile.open("in/c.tar", "w") as tar:
    data = json.dumps(recs).encode()
    ti = tarfile.TarInfo("d/records.json"); ti.size = len(data)
    tar.addfile(ti, io.BytesIO(data))
    ti = tarfile.TarInfo("d/readme.txt"); ti.size = 6
    tar.addfile(ti, io.BytesIO(b"hello\n"))
open("in/empty.json", "w").write(" [ ] \n")
open("in/broken.json", "w").write('[{"text": "broken@mail-host.org"}, {"text": \n')
PY

# check_array IN OUT [drop]: OUT parses as a JSON array; every element is
# the input's with only "text" changed, and none of the e-mail addresses
# and phone numbers of its input text is left in it (a pseudonym may look
# like one: +39 06 comes out of a random key one time in a thousand).
# With drop: the kept elements are those of the input without findings, in
# order.
check_array() {
	python3 - "$@" <<'PY'
import gzip, io, json, re, sys, tarfile
def load(p):
    if p.endswith(".gz"):
        return json.loads(gzip.open(p).read().decode("utf-8-sig"))
    if p.endswith(".tar"):
        with tarfile.open(p) as t:
            return json.loads(t.extractfile("d/records.json").read())
    return json.loads(open(p, "rb").read().decode("utf-8-sig"))
a, b = load(sys.argv[1]), load(sys.argv[2])
assert isinstance(b, list), "not an array"
pii = re.compile(r"[\w.]+@[\w-]+\.org|\+39 06 1234 \d{4}")
if len(sys.argv) > 3:
    want = [x for x in a if not (isinstance(x, dict) and pii.search(x.get("text", "")))]
    assert b == want, "drop-record kept %d elements, not %d" % (len(b), len(want))
    sys.exit(0)
assert len(a) == len(b), "%d elements, not %d" % (len(b), len(a))
changed = 0
for x, y in zip(a, b):
    if not isinstance(x, dict):
        assert x == y, "a bare string changed"
        continue
    assert {k: v for k, v in x.items() if k != "text"} == {k: v for k, v in y.items() if k != "text"}, \
        "a field other than text changed: %r" % y
    left = [v for v in pii.findall(x["text"]) if v in y["text"]]
    assert not left, "left in text: %r" % left
    changed += x["text"] != y["text"]
assert changed == 41, "%d texts changed" % changed
PY
}

run 0 "$PIIAUDIT" redact --db r.db --field text --out red in/
check "plain array (BOM, indented): valid, only text changed" check_array in/a.json red/a.json
check "compact array: valid, only text changed" check_array in/compact.json red/compact.json
check "gzip array: valid, only text changed" check_array in/b.json.gz red/b.json.gz
check "tar member array: valid, only text changed" check_array in/c.tar red/c.tar
check "the BOM and the layout are kept" \
	sh -c 'head -c 5 red/a.json | od -An -c | grep -q "357 273 277   \[  \\\\n" && test "$(wc -l <red/a.json)" -eq "$(wc -l <in/a.json)"'
check "the replacement in an escaped string is in place" \
	grep -q '"escaped jane\\u00e9 \\"quoted\\" <EMAIL>\\nnew line"' red/a.json
check "an empty array is copied" cmp -s in/empty.json red/empty.json
check "an array that is not JSON is redacted as text" \
	sh -c 'grep -q "<EMAIL>" red/broken.json && ! grep -q "broken@" red/broken.json'
outside_text_same() {
	python3 - "$@" <<'PY'
import re, sys
strip = lambda s: re.sub(r'"text": "(?:[^"\\]|\\.)*"', "T", s)
a, b = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert strip(a) == strip(b) and strip(a) != a
PY
}
check "outside the text fields, byte-identical" outside_text_same in/a.json red/a.json

for style in mask pseudonym; do
	run 0 "$PIIAUDIT" redact --db r.db --field text --style "$style" --verify -o "a.$style.json" in/a.json
	check "$style: valid, only text changed" check_array in/a.json "a.$style.json"
	check "$style: --verify clean" grep -q 'verified clean' "$T/err"
done
run 0 "$PIIAUDIT" redact --db r.db --field text --style drop-record --verify -o a.drop.json in/a.json
check "drop-record: whole elements removed, the array valid" check_array in/a.json a.drop.json drop
check "drop-record: 41 records dropped" grep -q '41 records dropped' "$T/err"
run 0 "$PIIAUDIT" redact --db r.db --field text --style drop-record -o c.drop.json in/compact.json
check "drop-record on a compact array" check_array in/compact.json c.drop.json drop
run 0 "$PIIAUDIT" redact --db r.db --field meta.author -o meta.json in/compact.json
check "--field meta.author: only that field changed" python3 -c '
import json
a, b = json.load(open("in/compact.json")), json.load(open("meta.json"))
assert [x.get("text") for x in a if isinstance(x, dict)] == [x.get("text") for x in b if isinstance(x, dict)]
assert all("<EMAIL>" == x["meta"]["author"] for x in b if isinstance(x, dict) and "meta" in x)'

# An erasure on arrays: scan (field mode), lookup, redact --plan.
run 0 "$PIIAUDIT" scan -q --db audit.db --field text in/a.json in/b.json.gz
run 0 "$PIIAUDIT" lookup --db audit.db --email user7@mail-host.org --email jane.doe@corp-x.org \
	--redact-plan plan.json
check "the plan has the array places" test "$(jsonl_count plan.json)" -eq 4
run 0 "$PIIAUDIT" redact --db audit.db --plan plan.json --field text --out erased in/a.json in/b.json.gz
check "erasure: 4 of 4 places redacted" grep -q 'plan.json: 4 of 4 planned locations redacted' "$T/err"
check "erasure: the array is valid, the subject gone, the others kept" python3 -c '
import json
b = json.loads(open("erased/a.json", "rb").read().decode("utf-8-sig"))
t = json.dumps(b)
assert "user7@" not in t and "jane.doe@" not in t and t.count("<EMAIL>") == 2
assert "user8@mail-host.org" in t and "keep7@mail-host.org" in t'
check "erasure: every other byte unchanged" python3 -c '
a, b = open("in/a.json").read(), open("erased/a.json").read()
assert b == a.replace("user7@mail-host.org", "<EMAIL>").replace("jane.doe@corp-x.org", "<EMAIL>")'

# Too large to hold: the file fails, its target untouched.
run 3 "$PIIAUDIT" redact --db r.db --field text --max-record-bytes 1K -o big.json in/compact.json
check "an array over --max-record-bytes is named" \
	grep -q 'in/compact.json: JSON array larger than 1024 bytes (--max-record-bytes): not redacted' "$T/err"
check "and nothing is written" test ! -e big.json

finish
