#!/usr/bin/env bash
# t0169: `rules lint` runs each rule on its own match examples run
# together (blanks taken out; no separator, ',' and 'x' between them)
# with a PCRE2 match limit of 200,000, far below the scan's: a rule that
# reaches it backtracks through many splits of one run of bytes at every
# start that fails, which on real text without blanks (a line of URLs,
# minified text) costs minutes.  The URL rule's tail as it was reaches it
# and is named, with a hint, and lint exits 1; made atomic it passes; the
# built-in packs pass.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

# The URL rule of network.yaml as it is (atomic) and with its value's
# first part as it was (split).
python3 - "$TOP/rules/packs/network.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
start = text.index("  - id: url.with_personal_query\n")
end = text.find("\n  - id: ", start + 1)
rule = text[start:] if end < 0 else text[start:end + 1]
atomic = """(?>[^&;\\s#"''<>]{2,256})"""    # as the YAML writes it
assert atomic in rule, "network.yaml's URL rule has changed"
for name, body in (("atomic", rule), ("split", rule.replace(atomic, atomic[3:-1]))):
    open(name + ".yaml", "w").write("rules:\n" + body)
PY
check "the URL rule of network.yaml, as it is and as it was" test -s atomic.yaml -a -s split.yaml

"$PIIAUDIT" rules test --no-builtin-rules --rules split.yaml >test.out 2>&1
check "the rule as it was passes its examples" grep -Eq "rules test: [0-9]+ passed, 0 failed" test.out
"$PIIAUDIT" rules lint --no-builtin-rules --rules split.yaml >lint.out 2>&1
rc=$?
check "lint exits 1 on the backtracking rule" test "$rc" = 1
check "... names the rule and the limit" grep -q "split.yaml: rule url.with_personal_query: backtracks heavily: .* match limit of 200000" lint.out
check "... and says what to change" grep -q "make the first atomic (?>...) or possessive" lint.out
check "... one problem" grep -q "rules lint: 1 rules, 1 problems" lint.out

"$PIIAUDIT" rules test --no-builtin-rules --rules atomic.yaml >test.out 2>&1
check "made atomic, the examples still pass" grep -Eq "rules test: [0-9]+ passed, 0 failed" test.out
"$PIIAUDIT" rules lint --no-builtin-rules --rules atomic.yaml >lint.out 2>&1
rc=$?
check "made atomic, lint passes" test "$rc" = 0
check "... no problem" grep -q "rules lint: 1 rules, 0 problems" lint.out

"$PIIAUDIT" rules lint >lint.out 2>&1
rc=$?
check "the built-in packs pass lint" test "$rc" = 0
check "... every rule looked at" grep -Eq "rules lint: [0-9]+ rules, 0 problems" lint.out
# A match text of blanks only runs together into nothing: lint goes on.
cat >blank.yaml <<'EOF2'
rules:
  - id: other.blank
    category: other
    description: 'blank example'
    tags: [test]
    pattern: 'x{3}'
    examples:
      match: ['   ']
      no-match: ['y']
EOF2
timeout 60 "$PIIAUDIT" rules lint --no-builtin-rules --rules blank.yaml >lint.out 2>&1
rc=$?
check "a match text of blanks only: lint ends (exit 0, not a timeout)" test "$rc" = 0
check "... and looks at the rule" grep -q "rules lint: 1 rules, 0 problems" lint.out
finish
