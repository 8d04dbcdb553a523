#!/usr/bin/env bash
# t0161: `prefilter_token: '[CLASS]{MIN,MAX}'` says every match of a rule
# is a whole run of class bytes, so its candidate ends come from a plain
# pass instead of Hyperscan (issue 4: the Italian fiscal code).  Findings
# must not change: the same rows with the Hyperscan engine as with PCRE2
# alone, for a user pack of token rules (fixed and ranged lengths, runs
# longer than 64 bytes, near misses one byte short or long, at the start
# and end of the file and across the scan's 1 MiB blocks) and for the
# built-in fiscal-code rule; a malformed token, or one beside prefilter,
# is refused with the rule named.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
cd "$T" || exit 1

cat >tokens.yaml <<'EOF2'
rules:
  - id: t.code16
    category: other
    pattern: '(?<![A-Za-z0-9])[A-Z]{4}[0-9]{12}(?![A-Za-z0-9])'
    prefilter_token: '[A-Za-z0-9]{16}'
  - id: t.hex
    category: other
    pattern: '(?<![0-9a-f])[0-9a-f]{8,12}(?![0-9a-f])'
    prefilter_token: '[0-9a-f]{8,12}'
  - id: t.long
    category: other
    pattern: '(?<![xy])x[xy]{69,99}(?![xy])'
    prefilter_token: '[xy]{70,100}'
  - id: t.plain
    category: other
    pattern: '\b[0-9]{3}-[0-9]{3}\b'
EOF2
python3 - <<'PY'
import random
r = random.Random(161)
U, D, H = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "0123456789abcdef"
def code(n):      # n = 16 is a hit; 15 and 17 are near misses
    return "".join(r.choice(U) for _ in range(4)) + "".join(r.choice(D) for _ in range(n - 4))
with open("text.txt", "w") as f:
    f.write(code(16) + " starts the file\n")
    size = 0
    while size < 2_300_000:     # past two block boundaries
        parts = []
        for _ in range(r.randint(3, 12)):
            x = r.random()
            if x < 0.04:
                parts.append(code(r.choice([15, 16, 16, 17])))
            elif x < 0.08:
                parts.append("".join(r.choice(H) for _ in range(r.randint(6, 14))))
            elif x < 0.09:
                parts.append("x" + "".join(r.choice("xy") for _ in range(r.randint(60, 110))))
            elif x < 0.11:
                parts.append("%03d-%03d" % (r.randint(0, 999), r.randint(0, 999)))
            else:
                parts.append(r.choice(["alpha", "beta", "Gamma", "deadbeef0", "x1", "y"]))
        line = r.choice([" ", "-", "/", "_"]).join(parts) + "\n"
        f.write(line)
        size += len(line)
    f.write("ends the file " + code(16))
codes = ["BNCGLI92E51F205S", "vrdlcu01a01h501p", "BNCGLI92E51F20RN", "VRDLCU01A01H501P"]
with open("fiscal.txt", "w") as f:
    for i in range(2000):
        f.write("cliente %d, codice fiscale %s, nato a Roma; %s\n" % (i, codes[i % 4], "x" * (i % 13)))
        f.write("quasi %sX e X%s e %s\n" % (codes[i % 4], codes[(i + 1) % 4], codes[i % 4][:15]))
PY

q="select f.offset, f.length, f.rule, f.confidence, f.fingerprint from findings f order by 1, 3"
if "$PIIAUDIT" scan -q --engine hyperscan --no-builtin-rules --rules tokens.yaml --db probe.db text.txt >/dev/null 2>&1; then
	run 0 "$PIIAUDIT" scan -q --engine hyperscan --no-builtin-rules --rules tokens.yaml --db hs.db text.txt
	run 0 "$PIIAUDIT" scan -q --engine pcre2 --no-builtin-rules --rules tokens.yaml --db pc.db text.txt
	check "the user pack finds something of each rule" \
		test "$(sql pc.db 'select count(distinct rule) from findings')" = 4
	check "a 16-character code at the very start and the very end of the file is found" \
		test "$(sql hs.db "select count(*) from findings where rule = 't.code16' and (offset = 0 or offset = (select max(offset) from findings))")" = 2
	check "the same findings from token runs as from PCRE2 alone" \
		test "$(sql hs.db "$q" | md5sum)" = "$(sql pc.db "$q" | md5sum)"
	run 0 "$PIIAUDIT" scan -q --engine hyperscan --db bhs.db fiscal.txt
	run 0 "$PIIAUDIT" scan -q --engine pcre2 --db bpc.db fiscal.txt
	check "the built-in fiscal-code rule finds each code once, no near miss" \
		test "$(sql bhs.db "select count(*) from findings where rule = 'national_id.it_fiscal_code'")" = 2000
	check "the built-in packs: the same findings with both engines" \
		test "$(sql bhs.db "$q" | md5sum)" = "$(sql bpc.db "$q" | md5sum)"
	# A token that is not true of the pattern: the engines disagree, and
	# `rules test` (which compares them on the examples) says so.
	cat >wrong.yaml <<'EOF2'
rules:
  - id: t.wrong
    category: other
    pattern: '[A-Z]{3}[0-9]{3}'
    prefilter_token: '[A-Z0-9]{6}'
    examples:
      match: ['ref ABC123 here', 'REFABC123']
EOF2
	run 1 "$PIIAUDIT" rules test --engine hyperscan --no-builtin-rules --rules wrong.yaml
	check "rules test names a token the pattern does not keep" grep -q 't.wrong' "$T/out" "$T/err"
else
	ok "# SKIP no Hyperscan engine in this build"
fi

for bad in "'A-Z{16}'" "'[^A-Z]{16}'" "'[A-Z]{0}'" "'[A-Z]{9,3}'" "'[A-Z]{16}x'" "'[Z-A]{3}'"; do
	sed "s/prefilter_token: '\[A-Za-z0-9\]{16}'/prefilter_token: $bad/" tokens.yaml >bad.yaml
	run 2 "$PIIAUDIT" rules list --no-builtin-rules --rules bad.yaml
	check "a malformed token ($bad) is refused with its rule named" grep -q 't.code16.*prefilter_token' "$T/err"
done
sed "s/    prefilter_token: '\[0-9a-f\]{8,12}'/&\n    prefilter: '[0-9a-f]'/" tokens.yaml >both.yaml
run 2 "$PIIAUDIT" rules list --no-builtin-rules --rules both.yaml
check "a token beside prefilter is refused" grep -q 't.hex.*prefilter_token replaces prefilter' "$T/err"
finish
