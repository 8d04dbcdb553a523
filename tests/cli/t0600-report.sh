#!/usr/bin/env bash
# t0600: piiaudit report (issue 6): every exit status, the formats and their
# numbers (totals equal select count(*)), masking in every format (no raw
# value from a --store-values database, file names that hold an address
# masked), the self-check refusing an unmasked preview, --show-values, the
# memorisation section only with an xref table, and the man page.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"
sql() { sqlite3 -batch "$1" "$2" 2>&1; }

# --help and the man page.
run 0 "$PIIAUDIT" report --help
check "--help names --since-run" grep -q -- '--since-run' "$T/out"
missing=""
for o in $(grep -oE '(^|[ ,])--[a-z][a-z-]+' "$T/out" | tr -d ' ,' | sort -u); do
	grep -qE "Fl -${o#--}([^a-z-]|$)" "$TOP/man/piiaudit-report.1" || missing="$missing $o"
done
check "every --help option is in piiaudit-report.1${missing:+ (missing:$missing)}" test -z "$missing"
check "piiaudit.1 names piiaudit-report(1)" grep -q 'Xr piiaudit-report 1' "$TOP/man/piiaudit.1"
"$PIIAUDIT" --help >"$T/out" 2>&1
check "piiaudit --help lists report" grep -qE '^  report ' "$T/out"

F=$T/f
make_corpus "$F"
cd "$F" || exit 1
run 3 scan_corpus "$T/db" --store-values
DB=$T/db

# Usage errors and missing things: exit 2, nothing written.
run 2 "$PIIAUDIT" report --db "$DB" --bogus
check "an unknown option is named" grep -q -- '--bogus' "$T/err"
run 2 "$PIIAUDIT" report --db "$DB" --format pdf -o "$T/x.pdf"
check "an unknown format is refused, nothing written" test ! -e "$T/x.pdf"
run 2 "$PIIAUDIT" report --db "$DB" --run 0
run 2 "$PIIAUDIT" report --db "$DB" --run 7 -o "$T/x.md"
check "no run 7: named on stderr" grep -q 'no run 7' "$T/err"
check "no run 7: nothing written" test ! -e "$T/x.md"
run 2 "$PIIAUDIT" report --db "$DB" --since-run 1
run 2 "$PIIAUDIT" report --db "$DB" --since-run 9
run 2 "$PIIAUDIT" report --db "$DB" extra-argument
run 2 "$PIIAUDIT" report --db "$T/missing.db"
check "a missing database is not created" test ! -e "$T/missing.db"
sqlite3 "$T/empty.db" 'create table t(x)'
run 2 "$PIIAUDIT" report --db "$T/empty.db"

# Every format, to a file (the format from the suffix) and to stdout.
for fmt in html md json; do
	run 0 "$PIIAUDIT" report --db "$DB" -o "$T/r.$fmt"
	check "report -o r.$fmt: written, nothing on stdout" test -s "$T/r.$fmt" -a ! -s "$T/out"
done
run 0 "$PIIAUDIT" report --db "$DB" --format md
check "report to stdout is the same Markdown (but the time)" \
	test "$(grep -v '^Generated' "$T/out" | md5sum)" = "$(grep -v '^Generated' "$T/r.md" | md5sum)"
run 0 "$PIIAUDIT" report --db "$DB" --format json --run 1 -o -
check "-o - is standard output" test -s "$T/out"
check "the HTML starts as a page" grep -q '^<!DOCTYPE html>' "$T/r.html"
check "report files are not private by default (mode from umask)" \
	test "$(stat -c %a "$T/r.json")" = "$(printf '%o' $((0666 & ~$(umask))))"

# The numbers are the database's.
total=$(sql "$DB" 'select count(*) from findings where run_id = 1')
got=$(jpy "$T/r.json" 'd["total_findings"]')
check "json total_findings = select count(*) ($got = $total)" test "$got" = "$total"
got=$(jpy "$T/r.json" 'd["inventory"]["findings"]')
check "json inventory.findings = total ($got)" test "$got" = "$total"
want=$(sql "$DB" "select group_concat(category || '=' || n, ' ') from (select category, count(*) n from findings group by 1 order by 1)")
got=$(jpy "$T/r.json" '" ".join("%s=%d" % (c["category"], c["findings"]) for c in sorted(d["inventory"]["by_category"], key=lambda c: c["category"]) if c["findings"])')
check "json by_category = select category, count(*)" test "$got" = "$want"
want=$(sql "$DB" "select group_concat(rule || '=' || n, ' ') from (select rule, count(*) n from findings group by 1 order by 1)")
got=$(jpy "$T/r.json" '" ".join("%s=%d" % (c["rule"], c["findings"]) for c in sorted(d["inventory"]["by_rule"], key=lambda c: c["rule"]))')
check "json by_rule = select rule, count(*)" test "$got" = "$want"
want=$(sql "$DB" 'select count(*) from findings where placeholder = 1')
got=$(jpy "$T/r.json" 'd["inventory"]["placeholders"]')
check "json placeholders = select count(*) where placeholder ($got)" test "$got" = "$want"
got=$(jpy "$T/r.json" 'sum(b["findings"] for b in d["inventory"]["confidence_histogram"])')
check "the confidence histogram adds up to the total ($got)" test "$got" = "$total"
want=$(sql "$DB" 'select count(*) from sources')
got=$(jpy "$T/r.json" 'd["coverage"]["sources"]')
check "json coverage.sources = select count(*) from sources ($got)" test "$got" = "$want"
want=$(sql "$DB" "select coalesce(sum(bytes_scanned), 0) from sources where kind != 'archive'")
got=$(jpy "$T/r.json" 'd["coverage"]["bytes_scanned"]')
check "json bytes_scanned = the sources' sum ($got)" test "$got" = "$want"
want=$(sql "$DB" "select count(distinct path) from sources")
got=$(jpy "$T/r.json" 'd["inputs"]["count"]')
check "json inputs.count = distinct paths ($got)" test "$got" = "$want"
want=$(sql "$DB" "select count(*) from rules where run_id = 1")
got=$(jpy "$T/r.json" 'len(d["rules"])')
check "json rules = the rules table ($got)" test "$got" = "$want"
got=$(jpy "$T/r.json" 'd["inventory"]["top_sources"][0]["findings"]')
want=$(sql "$DB" 'select max(n) from (select count(*) n from findings group by source_id)')
check "the top source has the most findings ($got)" test "$got" = "$want"
human=$(printf "%'d" "$total" 2>/dev/null || echo "$total")
check "md summary table has the total" grep -qE "^\| $total \| " "$T/r.md"
check "html summary card has the total" grep -q "<div class=\"n\">$human</div><div class=\"l\">Findings" "$T/r.html"
check "json run.argv is the scan's command line" \
	test "$(jpy "$T/r.json" 'd["run"]["argv"][1:3]')" = "['scan', '-q']"
check "json reproduce repeats the scan" \
	test "$(jpy "$T/r.json" 'd["run"]["reproduce"]')" = "piiaudit scan -q --engine pcre2 --db $T/db --max-depth 1 --max-member-bytes 64K --store-values $SCAN_INPUTS"
check "content hashes are SHA-256 (t0650 checks their values)" \
	test "$(jpy "$T/r.json" 'd["inputs"]["content_hashes"]')" = "sha256"
for f in r.html r.md; do
	check "$f lists content hashes" grep -q 'SHA-256 of its bytes on disk' "$T/$f"
	check "$f has the HIPAA table and the regimes" grep -q 'Safe Harbor' "$T/$f"
	check "$f says it was self-checked" grep -qi 'self-checked' "$T/$f"
done
check "json: self_check performed" test "$(jpy "$T/r.json" 'd["self_check"]["performed"]')" = True
check "json: 18 HIPAA identifiers, names not detectable" \
	test "$(jpy "$T/r.json" '[len(d["regimes"]["hipaa_safe_harbor"]["identifiers"]), d["regimes"]["hipaa_safe_harbor"]["identifiers"][0]["status"]]')" = "[18, 'not_detectable']"
r_real=$(sql "$DB" "select count(*) from findings where category in ('national_id', 'crypto_wallet') and placeholder = 0")
check "json: HIPAA R is found when the rules that know such codes found some ($r_real)" \
	test "$(jpy "$T/r.json" '[(i["status"], i["findings"] > 0) for i in d["regimes"]["hipaa_safe_harbor"]["identifiers"] if i["letter"] == "R"]')" = "[('found', True)]"
check "md: R among the identifiers found" grep -q 'Found in the data: .*R\. Looked for' "$T/r.md"
mkdir -p "$T/mail" && printf 'write to ann.roe@corp.io\n' >"$T/mail/m.txt"
run 0 "$PIIAUDIT" scan -q --db "$T/mail.db" "$T/mail"
run 0 "$PIIAUDIT" report --db "$T/mail.db" -o "$T/mail.json"
check "json: HIPAA R with nothing found stays not detectable (not 'none found')" \
	test "$(jpy "$T/mail.json" '[i["status"] for i in d["regimes"]["hipaa_safe_harbor"]["identifiers"] if i["letter"] == "R"]')" = "['not_detectable']"
pan=$(sql "$DB" "select count(*) from findings where category = 'credit_card' and placeholder = 0")
check "json PCI DSS: pan = the card findings ($pan)" test "$(jpy "$T/r.json" 'd["regimes"]["pci_dss"]["pan"]')" = "$pan"
check "json PCI DSS: brands counted from stored values add up" \
	test "$(jpy "$T/r.json" 'sum(d["regimes"]["pci_dss"]["by_brand"].values())')" = "$pan"
check "md: the ready-to-paste dataset card" grep -q '^### Personal and Sensitive Information' "$T/r.md"
check "md: the training-content summary paragraph" grep -q '^Personal data. The training content was scanned' "$T/r.md"
check "no xref table: no memorisation section" test "$(jpy "$T/r.json" 'd["memorisation"]')" = None
check "no xref table: none in Markdown" eval "! grep -q '^## Memorisation' '$T/r.md'"

# No raw value in any format: every stored value is looked for.
sql "$DB" 'select distinct value from findings where placeholder = 0 and value is not null' >"$T/values"
check "the database holds raw values to look for ($(wc -l <"$T/values"))" test "$(wc -l <"$T/values")" -gt 20
"$PIIAUDIT" export --db "$DB" --format sarif >"$T/r.sarif" 2>"$T/err"
for f in r.html r.md r.json r.sarif; do
	leaks=$(grep -cxFf "$T/values" <(grep -oFf "$T/values" "$T/$f") 2>/dev/null)
	check "$f: no raw value (${leaks:-0} found)" test "${leaks:-0}" = 0
done
# The same with values from a database scanned without --store-values: the
# previews are all there is, and they are masked.
run 3 scan_corpus "$T/plain.db"
run 0 "$PIIAUDIT" report --db "$T/plain.db" -o "$T/plain.html"
leaks=$(grep -cxFf "$T/values" <(grep -oFf "$T/values" "$T/plain.html") 2>/dev/null)
check "plain database: no raw value in the HTML (${leaks:-0})" test "${leaks:-0}" = 0
check "plain database: PANs by brand without --store-values (t0655 checks the counts)" \
	grep -q 'By brand: ' "$T/plain.html"
# A file whose name is an address: the name is masked, the report written.
for f in r.html r.md r.json; do
	check "$f: the address in a file name is masked" eval "! grep -q 'jane.roe.1987@mailbox-corp.io' '$T/$f'"
done
check "the masked file name is there" grep -q 'corpus/c\*\*\*@m\*\*\*.txt' "$T/r.md"

# The self-check: a database whose previews were made unmasked.
cp "$DB" "$T/tampered.db"
sql "$T/tampered.db" "update findings set preview = value where rule = 'email.address' and placeholder = 0"
raw=$(sql "$T/tampered.db" "select value from findings where rule = 'email.address' and placeholder = 0 limit 1")
for fmt in html md json; do
	run 2 "$PIIAUDIT" report --db "$T/tampered.db" -o "$T/t.$fmt"
	check "self-check refuses the $fmt report: nothing written" test ! -e "$T/t.$fmt"
	check "self-check ($fmt): the rule and line are named" grep -qE 'self-check: an unmasked email.address value on line [0-9]+' "$T/err"
	check "self-check ($fmt): the diagnostic shows no raw value" eval "! grep -qF '$raw' '$T/err'"
	check "self-check ($fmt): no temporary file left" test -z "$(ls "$T" | grep "^t\.$fmt\.")"
done
run 2 "$PIIAUDIT" report --db "$T/tampered.db" --format md
check "self-check refuses standard output too: nothing on it" test ! -s "$T/out"

# --show-values: raw values, mode 0600, not self-checked.
run 0 "$PIIAUDIT" report --db "$T/tampered.db" --show-values -o "$T/v.json"
check "--show-values: written though previews are raw" test -s "$T/v.json"
check "--show-values: the file is 0600" test "$(stat -c %a "$T/v.json")" = 600
check "--show-values: self_check not performed" test "$(jpy "$T/v.json" '[d["self_check"]["performed"], d["values_shown"]]')" = "[False, True]"
check "--show-values: samples carry raw values" \
	test "$(jpy "$T/v.json" 'any(s.get("value") for c in d["inventory"]["by_category"] for s in c["samples"])')" = True
run 0 "$PIIAUDIT" report --db "$T/plain.db" --show-values --format md
check "--show-values on a run without values: still masked samples" grep -qE '`[a-z]\*\*\*@[a-z]\*\*\*\.[a-z]+`' "$T/out"
check "--show-values on a run without values: no raw value" eval "! grep -qFf '$T/values' '$T/out'"

# Memorisation: only with an xref result of the reported run (xref_runs,
# made by piiaudit xref; t0670 checks its numbers).
cp "$DB" "$T/xref.db"
R=$(sql "$T/xref.db" "select max(id) from runs")
sql "$T/xref.db" "insert into xref_runs (run_id, created_at, corpus_db, corpus_run, corpus_uuid, key_id,
	outputs, outputs_with_pii, outputs_with_leak, output_values, leaked_values, prompted, extracted)
	values ($R, '2026-01-01T00:00:00Z', 'c.db', 1, 'u', 'k', 1000, 9, 6, 5, 3, 0, 0);
	insert into xref_leaks values (1, 'a', 'email', 'a***@b***.io', 3, 0, 1, 1),
	(1, 'b', 'email', 'c***@d***.io', 1, 0, 1, 1), (1, 'c', 'phone', '+** **** 12', 2, 0, 1, 1)"
run 0 "$PIIAUDIT" report --db "$T/xref.db" -o "$T/x.json"
check "xref result: memorisation section read" \
	test "$(jpy "$T/x.json" '[d["memorisation"]["readable"], [(c["category"], c["values"], c["outputs"], c["values_per_1000_outputs"]) for c in d["memorisation"]["by_category"]]]')" = "[True, [('email', 2, 4, 2.0), ('phone', 1, 2, 1.0)]]"
run 0 "$PIIAUDIT" report --db "$T/xref.db" -o "$T/x.md"
check "xref result: a Memorisation section in Markdown" grep -q '^## Memorisation' "$T/x.md"

# A write error: exit 3.
if [ -w /dev/full ]; then
	run 3 sh -c "'$PIIAUDIT' report --db '$DB' --format md >/dev/full"
else
	ok "skipped: no /dev/full"
fi
finish
