#!/usr/bin/env bash
# t0165: tests/bench/rule_cost (make bench-rules) times the Hyperscan
# prefilter without each rule in turn.  On a small pack and a small text:
# one line per rule of the shared database, the prefilter_alone rule
# timed apart, candidate ends counted per rule; then each rule's PCRE2
# searches, those that found nothing (a lookbehind Hyperscan drops) and
# its findings; and a usage error for a missing file.  Skipped when built
# without Hyperscan (RULE_COST unset).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
if [ -z "${RULE_COST:-}" ] || [ ! -x "$RULE_COST" ]; then
	ok "# SKIP rule_cost not built (no Hyperscan, or not run from make check)"
	finish; exit
fi
cat >p.yaml <<'YAML'
rules:
  - id: t.digits
    category: other
    pattern: '\b[0-9]{3}-[0-9]{4}\b'
  - id: t.word
    category: other
    pattern: 'zq[a-z]{3}'
  - id: t.alone
    category: other
    pattern: '[A-Z]{5}[0-9]'
    prefilter_alone: true
  - id: t.never
    category: other
    pattern: '(?<=#)[0-9]{3}-[0-9]{4}'
YAML
for i in $(seq 1 3000); do echo "line $i call 555-$(printf %04d $i) or zqabc, code ABCDE$((i % 10))"; done >t.txt
run 0 "$RULE_COST" --no-builtin-rules --rules p.yaml t.txt
check "the shared database: three rules" grep -q '^3 rules in the shared database over t.txt' "$T/out"
check "a line for each rule of it" test "$(grep -cE '^t\.(digits|word|never) +[-0-9.]+ +[-0-9.]+% +[0-9]+$' "$T/out")" = 3
check "candidate ends: at least one per match of t.digits" \
	test "$(awk '$1 == "t.digits" && NF == 4 { print $4 }' "$T/out")" -ge 3000
check "the prefilter_alone rule timed in the second database" \
	grep -q '^1 rule in the second database (prefilter_alone) over t.txt' "$T/out"
check "with its line and its ends" \
	test "$(awk '$1 == "t.alone" && NF == 4 { print $4 }' "$T/out")" -ge 3000
check "PCRE2's searches counted" grep -q '^PCRE2 searches over t.txt: [0-9]*, [0-9.]* ms$' "$T/out"
search() { awk -v r="$1" -v f="$2" '$1 == r && NF == 6 { print $f }' "$T/out"; }
check "t.digits: its 3,000 findings, a search for each, none in vain" \
	test "$(search t.digits 6)" = 3000 -a "$(search t.digits 2)" -ge 3000 -a "$(search t.digits 3)" = 0
check "t.never: a search for each candidate, every one in vain, no finding" \
	test "$(search t.never 2)" -ge 3000 -a "$(search t.never 3)" = "$(search t.never 2)" -a "$(search t.never 6)" = 0
check "t.alone's findings too" test "$(search t.alone 6)" = 3000
run 2 "$RULE_COST" --no-builtin-rules --rules p.yaml
check "no file: usage" grep -q 'usage: rule_cost' "$T/err"
run 2 "$RULE_COST" --no-builtin-rules --rules p.yaml missing.txt
check "a missing file is named" grep -q 'missing.txt: cannot read it' "$T/err"
finish
