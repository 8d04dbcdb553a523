#!/usr/bin/env bash
# t0164: `prefilter_reach: N` bounds how far before a candidate end PCRE2
# starts looking (issue 4: the e-mail rule searched 600 bytes before every
# '@' for a local part of at most 64).  With a right reach the engines
# agree, on a user pack and on the built-in e-mail rule with local parts
# of every length up to 64 and around long domains; with one byte too
# little, `rules test` catches the rule on its example at the limit; a
# reach without a prefilter, fractional or out of range is refused with
# the rule named.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
cd "$T" || exit 1

cat >reach.yaml <<'EOF2'
rules:
  - id: t.tagged
    category: other
    pattern: '(?<![a-z])[a-z]{1,20}=[0-9]{2,40}(?![0-9])'
    prefilter: '=[0-9]{2}'
    prefilter_reach: 23
    examples:
      match: ['abcdefghijklmnopqrst=12', 'x=99999']
EOF2
python3 - <<'PY'
import random
r = random.Random(164)
L = "abcdefghijklmnopqrstuvwxyz"
with open("text.txt", "w") as f:
    for i in range(20000):
        n = r.randint(1, 64)
        local = "".join(r.choice(L + "._+-0123") for _ in range(n - 1))
        local = r.choice(L) + local.replace("..", ".a")
        dom = ".".join("".join(r.choice(L) for _ in range(r.randint(1, 40))) for _ in range(r.randint(1, 6)))
        tag = "".join(r.choice(L) for _ in range(r.randint(1, 24))) + "=" + "%d" % r.randint(10, 10**r.randint(2, 30))
        f.write("%s mail %s@%s.org then %s %s\n" % ("x" * (i % 50), local, dom, tag, r.choice(["", "and b@c.io"])))
        if i % 100 == 0:   # the longest local part, with a 6-byte domain: 71 bytes
            f.write("to %s.%s@ab.org\n" % ("q" * 31, "".join(r.choice(L) for _ in range(32))))
PY
q="select offset, length, rule, confidence, fingerprint from findings order by 1, 3"
if "$PIIAUDIT" scan -q --engine hyperscan --db probe.db /dev/null >/dev/null 2>&1; then
	run 0 "$PIIAUDIT" scan -q --engine hyperscan --rules reach.yaml --db hs.db text.txt
	run 0 "$PIIAUDIT" scan -q --engine pcre2 --rules reach.yaml --db pc.db text.txt
	check "addresses with local parts up to 64 bytes and the tagged numbers are found" \
		test "$(sql pc.db "select count(*) from findings where rule = 'email.address'")" -ge 20000 -a \
		     "$(sql pc.db "select count(*) from findings where rule = 't.tagged'")" -ge 15000
	check "the 64-byte local parts among them" \
		test "$(sql hs.db "select count(*) from findings where rule = 'email.address' and length = 71")" -ge 200
	check "the same findings with the reach as with PCRE2 alone" \
		test "$(sql hs.db "$q" | md5sum)" = "$(sql pc.db "$q" | md5sum)"
	sed 's/prefilter_reach: 23/prefilter_reach: 22/' reach.yaml >short.yaml
	run 1 "$PIIAUDIT" rules test --engine hyperscan --no-builtin-rules --rules short.yaml
	check "rules test catches a reach one byte short" grep -q 'FAIL t.tagged.*abcdefghijklmnopqrst=12' "$T/out"
	run 0 "$PIIAUDIT" rules test --engine hyperscan --no-builtin-rules --rules reach.yaml
else
	ok "# SKIP no Hyperscan engine in this build"
fi

for bad in "0" "2.5" "65537" "x"; do
	sed "s/prefilter_reach: 23/prefilter_reach: $bad/" reach.yaml >bad.yaml
	run 2 "$PIIAUDIT" rules list --no-builtin-rules --rules bad.yaml
	check "a reach of '$bad' is refused with its rule named" grep -q 't.tagged.*prefilter_reach' "$T/err"
done
grep -v "prefilter: " reach.yaml >alone.yaml
run 2 "$PIIAUDIT" rules list --no-builtin-rules --rules alone.yaml
check "a reach without a prefilter is refused" grep -q 't.tagged.*prefilter_reach goes with a prefilter' "$T/err"
finish
