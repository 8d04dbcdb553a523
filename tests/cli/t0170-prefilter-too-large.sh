#!/usr/bin/env bash
# t0170: a rule Hyperscan accepts alone (hs_expression_info()) but cannot
# compile into the database ("Pattern is too large": a group repeated 128
# times, as fuzz_engines found) no longer stops the scan with exit 2: it
# is left out of the prefilter and PCRE2 searches every window for it,
# with the findings --engine pcre2 gives, beside the built-in rules.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
export PIIAUDIT_CACHE_DIR="$T/cache"
python3 - <<'PY'
ex = "x" + "a." * 128 + "y"
open("big.yaml", "w").write(f"""rules:
  - id: t.too_large
    category: other
    pattern: 'x(?:[A-Za-z0-9](?:[A-Za-z0-9\\-]{{0,61}}[A-Za-z0-9])?\\.){{128}}y'
    examples:
      match: ['{ex}']
      no-match: ['x{"a." * 127}y']
""")
open("big.txt", "w").write("before " + ex + " after\nand writea@example.org here\n")
PY
q='select rule, offset, length from findings order by offset'
run 0 "$PIIAUDIT" scan -q --rules big.yaml --db hs.db big.txt
check "no Hyperscan error" test ! -s "$T/err"
check "the rule's finding and the built-in one" \
	test "$(sqlite3 hs.db "$q" | tr '\n' ' ')" = "t.too_large|7|258 email.address|276|18 "
run 0 "$PIIAUDIT" scan -q --engine pcre2 --rules big.yaml --db pcre2.db big.txt
check "the same as PCRE2 alone" test "$(sqlite3 hs.db "$q")" = "$(sqlite3 pcre2.db "$q")"
run 0 "$PIIAUDIT" rules test --rules big.yaml
check "its examples pass" grep -q ', 0 failed' "$T/out"
finish
