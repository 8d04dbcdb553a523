#!/usr/bin/env bash
# t0166: context words are found, caseless, anywhere in the window around
# a value, as a plain reference search finds them (issue 4 made the search
# one pass over the folded window with the words bucketed by first byte):
# words that share first bytes, one-byte words, words at both edges of
# the window, cut by them, overlapping each other, and in mixed case.  Around a
# match longer than the matcher's folding buffer (8 KiB; each word is then
# looked for in the bytes as they are) the words count the same way.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
cd "$T" || exit 1

cat >ctx.yaml <<'EOF2'
rules:
  - id: t.num
    category: other
    pattern: '(?<![0-9])[0-9]{6}(?![0-9])'
    context:
      words: ['acct', 'account', 'ac/dc', 'zebra', 'zed', 'q', ' id', 'id:', '#no', 'acc', 'ZZ top']
      window: 20
      required: true
EOF2
python3 - <<'PY'
import random, re
r = random.Random(166)
words = ['acct', 'account', 'ac/dc', 'zebra', 'zed', 'q', ' id', 'id:', '#no', 'acc', 'zz top']
noise = ['ac', 'acx', 'zeb', 'ze', 'i d', 'id', '#n', 'ZZtop', 'zz to', 'a c c', 'xyz', 'hello', ' ', ',', '\n']
out = []
for i in range(6000):
    parts = []
    for _ in range(r.randint(1, 6)):
        x = r.random()
        if x < 0.15:
            w = r.choice(words)
            parts.append("".join(c.upper() if r.random() < 0.5 else c for c in w))
        elif x < 0.45:
            parts.append("%06d" % r.randint(0, 999999))
        else:
            parts.append(r.choice(noise) * r.randint(1, 3))
    out.append(r.choice(["", " ", "-"]).join(parts))
text = "\n".join(out) + "\n"
open("text.txt", "w").write(text)
low = text.lower()
want = []
for m in re.finditer(r'(?<![0-9])[0-9]{6}(?![0-9])', text):
    lo, hi = max(0, m.start() - 20), min(len(text), m.end() + 20)
    if any(w in low[lo:hi] for w in words):
        want.append(m.start())
open("want", "w").write("".join("%d\n" % o for o in want))
open("numbers", "w").write("%d\n" % len(re.findall(r'(?<![0-9])[0-9]{6}(?![0-9])', text)))
PY
check "the text is under one block (the window is the file)" test "$(stat -c %s text.txt)" -lt 1000000
for engine in pcre2 auto; do
	run 0 "$PIIAUDIT" scan -q --engine $engine --no-builtin-rules --rules ctx.yaml --db $engine.db text.txt
	sql $engine.db "select offset from findings order by 1" >got-$engine
	check "the values with a context word near them, and only those ($engine: $(wc -l <want) of $(cat numbers))" \
		cmp -s want got-$engine
done
check "some values have no word near them" test "$(wc -l <want)" -lt "$(cat numbers)"

cat >wide.yaml <<'EOF2'
rules:
  - id: t.long
    category: other
    pattern: 'Q[a-z]{9000}Q'
    context:
      words: ['acct', 'zebra', ' id', 'ZZ top']
      window: 100
      required: true
EOF2
python3 - <<'PY'
v = lambda c: "Q" + c * 9000 + "Q"
cases = [("Word " * 30 + "ZeBrA " + v("a"), True),       # before, mixed case
         (v("b") + " " * 90 + "aCcT", True),               # after, at the window's edge
         (v("c") + " " * 97 + "aCcT", False),              # cut by the edge
         ("Zz ToP" + " " * 101 + v("d"), False),           # 101 bytes before
         ("zz top" + " " * 94 + v("e"), True),             # 100 bytes before
         ("Q" + "f" * 4500 + "zebra" + "f" * 4495 + "Q", True)]   # inside the value
text, want = "", []
for body, found in cases:
    if found:
        want.append(len(text) + body.index("Q"))
    text += body + "\n" + "." * 300 + "\n"
open("wide.txt", "w").write(text)
open("want-wide", "w").write("".join("%d\n" % o for o in want))
PY
for engine in pcre2 auto; do
	run 0 "$PIIAUDIT" scan -q --engine $engine --no-builtin-rules --rules wide.yaml --db wide-$engine.db wide.txt
	sql wide-$engine.db "select offset from findings order by 1" >got-wide-$engine
	check "a match longer than the folding buffer: words around it as in a short one ($engine)" \
		cmp -s want-wide got-wide-$engine
done
finish
