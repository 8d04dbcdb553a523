#!/usr/bin/env bash
# piiaudit redact never leaves a half-written output: a damaged input or an
# interrupted run leaves the target untouched and no temporary file; the
# input is never overwritten; a refused run makes no --out folder, and
# --out must be a folder; existing outputs need --force; --verify fails
# (exit 1) when findings are left; every exit status.
. "$(dirname "$0")/lib.sh"

printf 'mail jane@corp.io\ncall +39 347 281 9034\n' >"$T/a.txt"
cp "$T/a.txt" "$T/keep.txt"
mkdir -p "$T/o"

# Refusing to overwrite the input, whatever the flags.
run 2 "$PIIAUDIT" redact -q --db "$T/r.db" -o "$T/a.txt" "$T/a.txt"
check "the input is named" grep -q 'a.txt: refusing to overwrite the input' "$T/err"
run 2 "$PIIAUDIT" redact -q --db "$T/r.db" --force --out "$T" "$T/a.txt"
check "the input is unchanged" cmp -s "$T/a.txt" "$T/keep.txt"
ln -s a.txt "$T/alias.txt"
run 2 "$PIIAUDIT" redact -q --db "$T/r.db" --force -o "$T/alias.txt" "$T/a.txt"
check "a link to the input is the input" cmp -s "$T/a.txt" "$T/keep.txt"
mkdir -p "$T/tree/x" && cp "$T/a.txt" "$T/tree/x/"
run 2 "$PIIAUDIT" redact -q --db "$T/r.db" --out "$T/tree/clean" "$T/tree"
check "an output folder inside the input folder is refused" grep -q 'inside the input folder' "$T/err"
check "and not left behind: nothing is written" test ! -e "$T/tree/clean"
run 2 "$PIIAUDIT" redact -q --db "$T/r.db" --out "$T/new-out" "$T/a.txt" "$T/no-such-file"
check "a missing input: --out not made either" test ! -e "$T/new-out"
run 2 sh -c 'cd "$1" && exec "$2" redact -q --db r.db -o - keep.txt' _ "$T" "$PIIAUDIT"
check "-o - is refused" grep -q 'the copy cannot go to standard output' "$T/err"
check "(no file named '-' written)" test ! -e "$T/-"
run 2 "$PIIAUDIT" redact -q --db "$T/r.db" --out "$T/a.txt" "$T/keep.txt"
check "--out that is a file is refused before anything is read" grep -qF -- "--out $T/a.txt: Not a directory" "$T/err"

# Existing outputs: refused (nothing written), replaced with --force.
echo old >"$T/o/a.txt"
run 2 "$PIIAUDIT" redact -q --db "$T/r.db" --out "$T/o" "$T/a.txt"
check "an existing output is named and kept" bash -c "grep -q 'o/a.txt: exists (--force replaces it)' '$T/err' && grep -qx old '$T/o/a.txt'"
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --force --out "$T/o" "$T/a.txt"
check "--force replaces it" grep -qx 'mail <EMAIL>' "$T/o/a.txt"

# A damaged input: exit 3, named, the target untouched, no temporary file.
python3 -c '
import random
random.seed(1)
print("\n".join("line %d mail user%d@corp.io filler %s" % (i, i, "x" * random.randint(1, 80)) for i in range(200000)))' >"$T/big.txt"
gzip -c "$T/big.txt" | head -c 300000 >"$T/cut.txt.gz"
run 3 "$PIIAUDIT" redact -q --db "$T/r.db" --force --out "$T/o" "$T/cut.txt.gz" "$T/a.txt"
check "the damaged source is named" grep -q 'cut.txt.gz: .*' "$T/err"
check "no output for it, and no temporary file" bash -c "test ! -e '$T/o/cut.txt.gz' && ! ls -a '$T/o' | grep -q piiaudit-"
mkdir -p "$T/tr" && cp "$T/big.txt" "$T/tr/one.txt" && cp "$T/a.txt" "$T/tr/two.txt"
tar -C "$T/tr" -czf "$T/t.tar.gz" one.txt two.txt
head -c 200000 "$T/t.tar.gz" >"$T/cut.tar.gz"
echo previous >"$T/o/cut.tar.gz"
run 3 "$PIIAUDIT" redact -q --db "$T/r.db" --force -o "$T/o/cut.tar.gz" "$T/cut.tar.gz"
check "a damaged archive names its member" grep -q 'cut.tar.gz!one.txt: ' "$T/err"
check "the previous output is untouched" bash -c "grep -qx previous '$T/o/cut.tar.gz' && ! ls -a '$T/o' | grep -q piiaudit-"
check "the failure is recorded" test "$(sqlite3 "$T/r.db" "select status from redactions where input like '%cut.tar.gz'")" = error
printf 'PK\005\006garbage' >"$T/bad.zip"
run 3 "$PIIAUDIT" redact -q --db "$T/r.db" --out "$T/o" "$T/bad.zip"
check "a damaged zip writes nothing" test ! -e "$T/o/bad.zip"

# A nested archive is not redacted, so not written (a compressed file
# member is: t0977).
tar -C "$T/tr" -czf "$T/tr/inner.tar.gz" two.txt
tar -C "$T/tr" -cf "$T/nested.tar" two.txt inner.tar.gz
run 3 "$PIIAUDIT" redact -q --db "$T/r.db" --out "$T/o" "$T/nested.tar"
check "a nested archive is named and nothing written" \
	bash -c "grep -q 'nested.tar!inner.tar.gz: a nested tar is not redacted' '$T/err' && test ! -e '$T/o/nested.tar'"

# Interrupted: exit 143, no output, no temporary file.
for i in 1 2 3 4 5 6; do cat "$T/big.txt"; done >"$T/huge.txt"
"$PIIAUDIT" redact -q --db "$T/r.db" --out "$T/int" "$T/huge.txt" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do ls -a "$T/int" 2>/dev/null | grep -q piiaudit- && break; sleep 0.1; done
kill -TERM "$pid"; wait "$pid"; rc=$?
check "SIGTERM: exit 143" test "$rc" = 143
check "SIGTERM: no output and no temporary file" bash -c "test ! -e '$T/int/huge.txt' && ! ls -a '$T/int' | grep -q piiaudit-"

# --verify: findings left (here a rule that matches the placeholders) exit 1.
mkdir -p "$T/pack"
cat >"$T/pack/angle.yaml" <<'YAML'
rules:
  - id: other.angle_token
    category: other
    description: a token in angle brackets (test rule)
    pattern: '<[A-Z_]{3,}>'
    confidence: 0.9
YAML
run 1 "$PIIAUDIT" redact --db "$T/r.db" --rules "$T/pack" --out "$T/v" --verify "$T/a.txt"
check "--verify names the output and the count" grep -q 'v/a.txt: --verify: 2 findings left' "$T/err"
check "--verify count is recorded" test "$(sqlite3 "$T/r.db" "select remaining from redactions order by id desc limit 1")" = 2
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --only email --style mask -o "$T/v/only.txt" --verify "$T/a.txt"
check "--only email leaves the phone" bash -c "grep -qx 'mail j\*\*\*@c\*\*\*.io' '$T/v/only.txt' && grep -q '9034' '$T/v/only.txt'"
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --except phone.e164 -o "$T/v/except.txt" "$T/a.txt"
check "--except a rule id" bash -c "grep -q '<EMAIL>' '$T/v/except.txt' && grep -q 9034 '$T/v/except.txt'"
printf 'doc jane@example.com\n' >"$T/doc.txt"
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" -o "$T/v/doc.txt" "$T/doc.txt"
check "documentation placeholders are left alone" grep -q 'jane@example.com' "$T/v/doc.txt"
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --include-placeholders -o "$T/v/doc2.txt" "$T/doc.txt"
check "--include-placeholders redacts them" grep -qx 'doc <EMAIL>' "$T/v/doc2.txt"

# Usage errors: exit 2, nothing written.
run 2 "$PIIAUDIT" redact --style shout -o "$T/u.txt" "$T/a.txt"
check "an unknown style is named" grep -q "not 'shout'" "$T/err"
run 2 "$PIIAUDIT" redact "$T/a.txt"
run 2 "$PIIAUDIT" redact -o "$T/u.txt" --out "$T/u" "$T/a.txt"
run 2 "$PIIAUDIT" redact -o "$T/u.txt" "$T/a.txt" "$T/doc.txt"
run 2 "$PIIAUDIT" redact --only nonsense -o "$T/u.txt" "$T/a.txt"
run 2 "$PIIAUDIT" redact -o "$T/u.txt" -
run 2 "$PIIAUDIT" redact -o "$T/u.txt" "$T/missing.txt"
check "nothing was written" test ! -e "$T/u.txt" -a ! -e "$T/u"
run 0 "$PIIAUDIT" redact --help
check "--help shows the usage" grep -q 'usage: piiaudit redact' "$T/out"
finish
