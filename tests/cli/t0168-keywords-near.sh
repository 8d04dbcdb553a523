#!/usr/bin/env bash
# t0168: a rule's keywords count within 256 bytes before or after a match
# (piiaudit-rules(5)): caseless for words with letters, as they are for
# the rest ('#', '+00'), in the match or beside it, on both engines; a
# keyword 257 bytes away does not count; a match longer than the matcher's
# folding buffer (8 KiB) takes the other path and agrees.  Each file of
# the second set is a window of its own, so the search for a keyword in the
# whole window (made only once a rule has a candidate there) is what
# decides: the keyword as the window's last bytes, after false starts in
# either case, cut short by the end, and absent.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
cd "$T" || exit 1

cat >kw.yaml <<'EOF2'
rules:
  - id: t.hash
    category: other
    pattern: '(?<![0-9])7[0-9]{6}(?![0-9])'
    keywords: ['#']
  - id: t.word
    category: other
    pattern: '(?<![0-9])8[0-9]{6}(?![0-9])'
    keywords: ['Ref']
  - id: t.both
    category: other
    pattern: '(?<![0-9])9[0-9]{6}(?![0-9])'
    keywords: ['+00', 'acct']
  - id: t.long
    category: other
    pattern: 'Q[a-z]{9000}Q'
    keywords: ['%', 'zz']
EOF2
python3 - <<'PY'
lines, want = [], []
def put(line, rule=None):
    lines.append(line)
    lines.append("." * 600)   # keeps each case's keywords to itself
    if rule:
        want.append(rule)
gap = lambda n: "_" * n
put("#" + gap(254) + " 7000001", "t.hash")          # 256 bytes before the match
put("#" + gap(255) + " 7000002")                     # 257: too far
put("7000003" + gap(255) + "#", "t.hash")            # ends 256 bytes after it
put("7000004" + gap(256) + "#")
put("REF " + gap(200) + " 8000005", "t.word")        # caseless
put("rEf" + gap(252) + " 8000006", "t.word")
put("ref" + gap(253) + " 8000007")
put("8000008 " + gap(100) + "ReF", "t.word")
put("+00 9000009", "t.both")
put("ACCT 9000010", "t.both")
put("+0 0 9000011")
put("+00" + gap(300) + " 9000012 " + gap(300) + "acct")
put("Q" + "a" * 9000 + "Q %", "t.long")              # longer than the folding buffer
put("Q" + "b" * 9000 + "Q" + gap(200) + "ZZ", "t.long")
put("Q" + "c" * 9000 + "Q" + gap(300) + "zz %")
open("kw.txt", "w").write("\n".join(lines) + "\n")
open("want", "w").write("\n".join(sorted(want)) + "\n")
PY
for engine in hyperscan pcre2; do
	if [ $engine = hyperscan ] && ! "$PIIAUDIT" scan -q --engine hyperscan --db probe.db /dev/null >/dev/null 2>&1; then
		ok "# SKIP no Hyperscan engine in this build"
		continue
	fi
	run 0 "$PIIAUDIT" scan -q --engine $engine --no-builtin-rules --rules kw.yaml --db $engine.db kw.txt
	sql $engine.db "select rule from findings order by rule" >got.$engine
	check "$engine: a match counts where a keyword is within 256 bytes, not further" cmp -s want got.$engine
	rm -rf own && mkdir own
	printf '8000020 ReF' >own/end.txt
	printf 'r R rE Re rr RR 8000021 rEf ...' >own/false-starts.txt
	printf '9000022 acc' >own/cut-short.txt
	printf '9000023 +0\n' >own/plus-zero.txt
	printf '7000024 +00 acct ref\n' >own/absent.txt
	printf '9000025 xx+00' >own/last-bytes.txt
	run 0 "$PIIAUDIT" scan -q --engine $engine --no-builtin-rules --rules kw.yaml --db own-$engine.db own
	sql own-$engine.db "select s.path || ' ' || f.rule from findings f join sources s on s.id = f.source_id order by 1" |
		sed 's|.*/||' >got.own.$engine
	printf '%s\n' 'end.txt t.word' 'false-starts.txt t.word' 'last-bytes.txt t.both' >want.own
	check "$engine: a keyword is found in a window of its own: at its end, after false starts, not cut short" \
		cmp -s want.own got.own.$engine
done
finish
