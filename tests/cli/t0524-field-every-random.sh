#!/usr/bin/env bash
# --field '*' on generated records (fixed seeds): nested objects and
# arrays, escaped strings and keys (\" \\ \n \u00e9 \ud83d\ude00), numbers
# of every JSON form, values planted in strings, keys and numbers.
#   - scan finds every planted value, at its raw offset, with a field made
#     of the keys above it, or * for a part that is no plain name;
#   - redact --field '*' --verify writes JSON lines whose records have the
#     same shape (objects, arrays, keys count, non-value leaves equal),
#     with every planted value gone and numbers that held one now strings;
#   - a '*' scan of the copy finds nothing.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

python3 - <<'PY'
import json, random
r = random.Random(11)
words = ["alpha", "beta", "gamma", "note", "x", "caf\u00e9", "emoji \U0001F600", 'quote "q"', "back\\slash", "line\nbreak"]
def card():
    d = [4, 5, 3, 9] + [r.randint(0, 9) for _ in range(11)]
    s = sum(x if i % 2 else (2 * x if 2 * x < 10 else 2 * x - 9) for i, x in enumerate(reversed(d)))
    return int("".join(map(str, d + [(10 - s % 10) % 10])))
planted = []
def mail():
    v = "p%d.%s@mail-host.io" % (len(planted), r.choice(["a", "bb", "c-d"]))
    planted.append(v)
    return v
def leaf(depth):
    k = r.random()
    if k < 0.25:
        return r.choice(words) + " " + mail() + " " + r.choice(words)
    if k < 0.35:
        c = card()
        planted.append(str(c))
        return c
    if k < 0.5:
        return r.choice([0, -1, 1.5, -2.5e-3, 12345, 3e10, True, False, None])
    if k < 0.6 and depth < 5:
        return [leaf(depth + 1) for _ in range(r.randint(0, 3))]
    if k < 0.75 and depth < 5:
        return obj(depth + 1)
    return r.choice(words)
def obj(depth):
    o = {}
    for _ in range(r.randint(1, 4)):
        if r.random() < 0.1:
            o[mail()] = leaf(depth)
        else:
            o[r.choice(["text", "meta", "a_b", "x-y", "k\u00e9y", "we ird", "q\"k", "$ref", "@id"]) + str(r.randint(0, 3))] = leaf(depth)
    return o
with open("gen.jsonl", "w") as f:
    for _ in range(400):
        f.write(json.dumps(obj(0), ensure_ascii=r.random() < 0.5) + "\n")
# A key drawn twice in one object kept its last value only.
text = open("gen.jsonl").read()
with open("planted.txt", "w") as f:
    f.write("\n".join(p for p in planted if p in text) + "\n")
PY
check "the generator planted values" test "$(wc -l <planted.txt)" -gt 200

run 0 "$PIIAUDIT" scan -q -j 2 --db s.db --field '*' gen.jsonl
"$PIIAUDIT" export --db s.db --format jsonl | python3 -c '
import json, sys
raw = open("gen.jsonl", "rb").read()
for l in sys.stdin:
    f = json.loads(l)
    print(raw[f["offset"]:f["offset"] + f["length"]].decode("utf-8", "replace"), f["rule"], f["field"], sep="\t")' >found.tsv
python3 - <<'PY' >missed.txt
# Every planted value found (at its raw bytes: no escapes in them).
found = {l.split("\t")[0] for l in open("found.tsv")}
for p in open("planted.txt").read().split():
    if p not in found:
        print(p)
PY
check "scan: every planted value is found at its raw offset ($(wc -l <missed.txt) missed)" test ! -s missed.txt
check "every field is a dotted path of plain names or *" \
	python3 -c '
import re, sys
ok = re.compile(r"^(\*|[A-Za-z_@$][\x20-\x7e]{0,63})$")
for l in open("found.tsv"):
    v, rule, field = l.rstrip("\n").split("\t")
    for part in field.split("."):
        if not ok.match(part) or "\\" in part or "\"" in part:
            sys.exit("bad part %r in %r" % (part, field))'
check "no planted value in any field" \
	test "$(sqlite3 s.db "select count(*) from findings where field like '%mail-host%' or field glob '*4539*'")" = 0

run 0 "$PIIAUDIT" redact -q --db r.db --field '*' --verify --out clean gen.jsonl
check "the copy has as many lines" test "$(wc -l <clean/gen.jsonl)" = "$(wc -l <gen.jsonl)"
check "every record of the copy has the shape of its original; the values are gone" python3 -c '
import json, sys
planted = set(open("planted.txt").read().split())
class Obj(list):
    pass
def same(a, b, path):
    if isinstance(a, Obj):
        # Pairs, not a dict: two keys replaced alike are still two.
        if not isinstance(b, Obj) or len(a) != len(b):
            sys.exit("%s: object differs" % path)
        for (ka, va), (kb, vb) in zip(a, b):
            if ka != kb and not any(p in ka for p in planted):
                sys.exit("%s: key %r became %r" % (path, ka, kb))
            same(va, vb, path + "." + ka)
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            sys.exit("%s: array differs" % path)
        for x, y in zip(a, b):
            same(x, y, path)
    elif isinstance(a, str):
        if not isinstance(b, str):
            sys.exit("%s: a string became %r" % (path, b))
        if not any(p in a for p in planted) and a != b:
            sys.exit("%s: %r changed to %r" % (path, a, b))
    elif isinstance(a, bool) or a is None:
        if a is not b:
            sys.exit("%s: %r changed" % (path, a))
    elif str(a) in planted:
        if not isinstance(b, str):
            sys.exit("%s: the number %r was kept" % (path, a))
    elif a != b:
        sys.exit("%s: %r changed to %r" % (path, a, b))
src = [json.loads(l, object_pairs_hook=Obj) for l in open("gen.jsonl")]
out = [json.loads(l, object_pairs_hook=Obj) for l in open("clean/gen.jsonl")]
for i, (a, b) in enumerate(zip(src, out)):
    same(a, b, "line %d" % (i + 1))
text = open("clean/gen.jsonl").read()
left = [p for p in planted if p in text]
if left:
    sys.exit("left: %s" % left[:3])'
run 0 "$PIIAUDIT" scan -q --db after.db --field '*' clean/gen.jsonl
check "a '*' scan of the copy finds nothing" test "$(sqlite3 after.db 'select count(*) from findings where placeholder = 0')" = 0
finish
