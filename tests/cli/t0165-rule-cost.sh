#!/usr/bin/env bash
# t0165: tests/bench/rule_cost (make bench-rules) times the Hyperscan
# prefilter without each rule in turn.  On a small pack and a small text:
# one line per rule of the shared database, the prefilter_alone rule
# timed apart, candidate ends counted per rule, and a usage error for a
# missing file.  Skipped when built without Hyperscan (RULE_COST unset).
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
YAML
for i in $(seq 1 3000); do echo "line $i call 555-$(printf %04d $i) or zqabc, code ABCDE$((i % 10))"; done >t.txt
run 0 "$RULE_COST" --no-builtin-rules --rules p.yaml t.txt
check "the shared database: two rules" grep -q '^2 rules in the shared database over t.txt' "$T/out"
check "a line for each rule of it" test "$(grep -cE '^t\.(digits|word) +[-0-9.]+ +[-0-9.]+% +[0-9]+$' "$T/out")" = 2
check "candidate ends: at least one per match of t.digits" \
	test "$(awk '$1 == "t.digits" { print $4 }' "$T/out")" -ge 3000
check "the prefilter_alone rule timed in the second database" \
	grep -q '^1 rule in the second database (prefilter_alone) over t.txt' "$T/out"
check "with its line and its ends" \
	test "$(awk '$1 == "t.alone" { print $4 }' "$T/out")" -ge 3000
run 2 "$RULE_COST" --no-builtin-rules --rules p.yaml
check "no file: usage" grep -q 'usage: rule_cost' "$T/err"
run 2 "$RULE_COST" --no-builtin-rules --rules p.yaml missing.txt
check "a missing file is named" grep -q 'missing.txt: cannot read it' "$T/err"
finish
