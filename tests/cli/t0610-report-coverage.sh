#!/usr/bin/env bash
# t0610: the coverage statement (issue 6) after a scan with a binary file, a
# binary archive member, a truncated gzip, a member over --max-member-bytes
# and an archive nested deeper than --max-depth: never silent, each class
# counted, each source named with its reason, in every format; and a clean
# scan says every source was read.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"
sql() { sqlite3 -batch "$T/db" "$1" 2>&1; }

F=$T/f
make_corpus "$F"
cd "$F" || exit 1
run 3 scan_corpus "$T/db"
for fmt in html md json; do
	run 0 "$PIIAUDIT" report --db "$T/db" -o "$T/r.$fmt"
done

want=$(sql "select count(*) from sources where status != 'ok'")
check "json: not read in full = the sources not ok ($want)" \
	test "$(jpy "$T/r.json" 'd["coverage"]["not_read_in_full"]["count"]')" = "$want"
check "json: coverage is not complete" test "$(jpy "$T/r.json" 'd["coverage"]["complete"]')" = False
check "json: by class: 2 binary, 2 limits, 1 error" \
	test "$(jpy "$T/r.json" 'sorted(d["coverage"]["not_read_in_full"]["by_class"].items())')" = "[('binary', 2), ('error', 1), ('limit', 2)]"
check "json: every problem source is listed" \
	test "$(jpy "$T/r.json" 'len(d["coverage"]["not_read_in_full"]["sources"])')" = "$want"
check "json: kinds and statuses add up to every source" \
	test "$(jpy "$T/r.json" 'sum(c["count"] for c in d["coverage"]["by_kind_status"])')" = "$(sql 'select count(*) from sources')"

# Each source not read in full, with its reason, in each format.
while IFS='|' read -r path member status reason; do
	loc=$path${member:+!$member}
	for f in r.md r.html; do
		check "$f names $loc" grep -qF "$loc" "$T/$f"
		check "$f gives its reason ($reason)" grep -qF "$reason" "$T/$f"
	done
	check "r.json lists $loc as $status" test "$(jpy "$T/r.json" \
		"any(s['path'] == '$path' and (s['member'] or '') == '$member' and s['status'] == '$status' and s['error'] == '''$reason''' for s in d['coverage']['not_read_in_full']['sources'])")" = True
done < <(sql "select path, coalesce(member, ''), status, error from sources where status != 'ok'")

statement=$(jpy "$T/r.json" 'd["coverage"]["statement"]')
for words in "5 sources were not read in full" "binary content, skipped: 2" \
	"stopped at a size, depth or entry limit: 2" "unreadable, corrupt or unsupported: 1" \
	"The SHA-256 of every input's bytes on disk is recorded"; do
	case $statement in
	*"$words"*) ok "the statement says: $words" ;;
	*) not_ok "the statement says: $words" "$statement" ;;
	esac
done
check "md: the statement is there" grep -qF "5 sources were not read in full" "$T/r.md"
check "html: the coverage badge warns" grep -q 'Coverage: some sources not read in full' "$T/r.html"
check "md: reasons grouped by class" grep -qE '^\| binary \| skipped \| binary content' "$T/r.md"
check "json: the truncated gzip is an error" \
	test "$(jpy "$T/r.json" '[r["count"] for r in d["coverage"]["not_read_in_full"]["reasons"] if r["class"] == "error"]')" = "[1]"
check "json: field mode not used" test "$(jpy "$T/r.json" 'd["coverage"]["records"]["field_mode"]')" = False

# A clean run: complete, said so.
run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/clean.db" corpus/notes-a.txt corpus/users.jsonl
run 0 "$PIIAUDIT" report --db "$T/clean.db" -o "$T/c.json"
check "clean run: complete" test "$(jpy "$T/c.json" '[d["coverage"]["complete"], d["coverage"]["not_read_in_full"]["count"]]')" = "[True, 0]"
case $(jpy "$T/c.json" 'd["coverage"]["statement"]') in
*"Every source was read in full."*) ok "clean run: the statement says every source was read" ;;
*) not_ok "clean run: the statement says every source was read" ;;
esac
# JSON field mode: records read, findings per 1,000 records, the fields.
if "$PIIAUDIT" scan --help 2>&1 | grep -q -- '--field'; then
	run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/field.db" --field email --field note corpus/users.jsonl
	run 0 "$PIIAUDIT" report --db "$T/field.db" -o "$T/fm.json"
	want=$(sqlite3 "$T/field.db" 'select sum(records) from sources')
	n=$(sqlite3 "$T/field.db" 'select count(*) from findings')
	check "field mode: records read ($want) and per 1,000 records" \
		test "$(jpy "$T/fm.json" '[d["coverage"]["records"][k] for k in ("field_mode", "read", "findings")]')" = "[True, $want, $n]"
	case $(jpy "$T/fm.json" 'd["coverage"]["statement"]') in
	*"only the fields email, note were scanned"*) ok "field mode: the statement names the fields scanned" ;;
	*) not_ok "field mode: the statement names the fields scanned" ;;
	esac
else
	not_ok "scan has --field (JSON field mode)"
fi

# An empty run (nothing found) still reports.
printf 'nothing personal here\n' >"$T/plain.txt"
run 0 "$PIIAUDIT" scan -q --engine pcre2 --db "$T/none.db" "$T/plain.txt"
for fmt in html md json; do
	run 0 "$PIIAUDIT" report --db "$T/none.db" -o "$T/n.$fmt"
done
check "no findings: total 0" test "$(jpy "$T/n.json" 'd["total_findings"]')" = 0
check "no findings: the dataset card says so" grep -q 'It found no value that looks like personal data' "$T/n.md"
finish
