#!/usr/bin/env bash
# t0171: a user rule with a large counted repeat ([13][base58]{25234}, as
# fuzz_engines found) no longer keeps `piiaudit scan` in Hyperscan's
# compile for more than ten minutes: an expression whose repeats weigh
# over 1500 (rules/regex_repeats.h) is left to PCRE2, with the findings
# --engine pcre2 gives, beside the built-in rules; nested groups count
# (t0170's {128} of a {0,61} group is left out the same way, before a
# compile that fails after seconds).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
export PIIAUDIT_CACHE_DIR="$T/cache"
python3 - <<'PY'
import random
r = random.Random(5)
b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
long_value = "1" + "".join(r.choice(b58) for _ in range(25234))
open("big.yaml", "w").write("""rules:
  - id: t.big_repeat
    category: other
    pattern: '(?<![A-Za-z0-9])([13][1-9A-HJ-NP-Za-km-z]{25234})(?![A-Za-z0-9])'
    group: 1
  - id: t.nested_repeat
    category: other
    pattern: '\\bid:(?:[A-Z]{3}[0-9]{0,40}-){60}end\\b'
""")
nested = "id:" + "".join("ABC" + "7" * r.randrange(41) + "-" for _ in range(60)) + "end"
open("big.txt", "w").write("before " + long_value + " after\nmail writea@example.org\n" + nested + "\n")
PY
q='select rule, offset, length from findings order by offset, rule'
run 0 timeout 300 "$PIIAUDIT" scan -q --rules big.yaml --db hs.db big.txt
check "no error" test ! -s "$T/err"
got=$(sqlite3 hs.db "select group_concat(rule, ' ') from (select rule from findings order by offset)")
check "the long value, the e-mail and the nested value found ($got)" \
	test "$got" = "t.big_repeat email.address t.nested_repeat"
run 0 "$PIIAUDIT" scan -q --engine pcre2 --rules big.yaml --db pcre2.db big.txt
check "the same as PCRE2 alone" test "$(sqlite3 hs.db "$q")" = "$(sqlite3 pcre2.db "$q")"
run 1 "$PIIAUDIT" rules lint --rules big.yaml
check "rules lint names the weight of each" grep -q 't.big_repeat: its counted repeats weigh 25234' "$T/out"
check "... nested groups multiplied" grep -q 't.nested_repeat: its counted repeats weigh 2400' "$T/out"
finish
