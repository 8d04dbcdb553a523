#!/usr/bin/env bash
# t0140: errors and exit statuses (issue 2).  Sources that cannot be read
# (a missing path, an unreadable file, a truncated .gz, damaged members of a
# tar, a zip entry with a bad CRC, a truncated .tar.gz) are each named on
# one stderr line "piiaudit: PATH[!MEMBER]: reason", recorded in sources with
# status 'error' and the reason; the scan goes on and keeps what it read;
# the exit status is 3.  Binary members are skipped with a reason (exit 0).
# --fail-on, and usage errors (exit 2, no database created).
. "$(dirname "$0")/lib.sh"
FX="$TOP/tests/cli/fixtures.py"

# fx ARGS...: runs fixtures.py; its "ok/not_ok<TAB>what<TAB>detail" lines
# become checks.
fx() {
	local v what detail rc
	python3 "$FX" "$@" >"$T/fx.out" 2>"$T/fx.err"; rc=$?
	while IFS=$'\t' read -r v what detail; do
		case $v in
		ok) ok "$what" ;;
		not_ok) not_ok "$what" "$(printf '%b' "$detail")" ;;
		esac
	done <"$T/fx.out"
	[ "$rc" -eq 0 ] || not_ok "fixtures.py $1 ran" "$(tail -n 20 "$T/fx.err")"
}
# has_category CAT: a rule of that category is loaded.
has_category() { "$PIIAUDIT" rules list 2>/dev/null | awk -v c="$1" '$2 == c { f = 1 } END { exit !f }'; }
sql() { sqlite3 -batch "$T/db" "$@" 2>&1; }

# row PATH MEMBER: "status|error" of that source in the latest run
row() {
	sqlite3 -batch "$T/db" "select status || '|' || coalesce(error, '') from sources
		where run_id = (select max(id) from runs) and path = '$1'
		and coalesce(member, '') = '$2'" 2>&1
}
# err_lines PREFIX: stderr lines naming exactly PATH[!MEMBER] = PREFIX
err_lines() { grep -c "^piiaudit: $(printf '%s' "$1" | sed 's/[.[\*^$]/\\&/g'): ." "$T/err"; }
# error_case PATH MEMBER WHAT: one stderr line, an error row with a reason
error_case() {
	local name=$1${2:+!$2} n r
	n=$(err_lines "$name")
	check "$3: one stderr line 'piiaudit: $name: reason' (got $n)" test "$n" = 1
	r=$(row "$1" "$2")
	case $r in
	error\|?*) ok "$3: sources row has status error and the reason ($r)" ;;
	*) not_ok "$3: sources row has status error and the reason" "got: '$r'" ;;
	esac
}

F=$T/f
if python3 "$FX" build errors "$F" 2>"$T/err"; then ok "fixtures built"
else not_ok "fixtures built" "$(cat "$T/err")"; fi
cd "$F" || exit 1

# Only good input (binary content is skipped, not an error): exit 0, run
# status ok, binary sources skipped with a reason, nothing found in them.
run 0 "$PIIAUDIT" scan -q --db "$T/good.db" good.txt blob.bin with-binary.tar good2.txt
check "good input: nothing on stderr" test ! -s "$T/err"
got=$(sqlite3 "$T/good.db" 'select status from runs')
check "good input: runs.status is ok ($got)" test "$got" = ok
for r in "blob.bin|" "with-binary.tar|prog.bin"; do
	got=$(sqlite3 "$T/good.db" "select status || '|' || coalesce(error, '') from sources
		where path = '${r%%|*}' and coalesce(member, '') = '${r#*|}'")
	case $got in
	skipped\|?*) ok "binary ${r%|}: skipped, with a reason ($got)" ;;
	*) not_ok "binary ${r%|}: skipped, with a reason" "got: '$got'" ;;
	esac
done
"$PIIAUDIT" export --db "$T/good.db" --format jsonl >"$T/good.jsonl" 2>&1
fx verify good.json,binary.json "$T/good.jsonl" --what "good input, binary skipped, text member beside it read"

# Can this user still read a chmod 000 file (root can)?
cp good2.txt probe.txt; chmod 000 probe.txt
if cat probe.txt >/dev/null 2>&1; then unreadable=; else unreadable=locked.txt; chmod 000 locked.txt; fi
rm -f probe.txt

# Everything that goes wrong, in one run, between good files.
"$PIIAUDIT" scan -q --db "$T/db" good.txt nope.txt cut.txt.gz cut-small.txt.gz \
	bad-member.tar bad.zip cut.tar.gz with-7z.tar $unreadable good2.txt >"$T/out" 2>"$T/err"; rc=$?
check "some sources unreadable: exit 3 (got $rc)" test "$rc" = 3
cp "$T/err" "$T/scan.err"
bad=$(grep -Ev "^piiaudit: [^:]+: .+$" "$T/err")
check "every stderr line reads 'piiaudit: PATH[!MEMBER]: reason'" test -z "$bad"
[ -z "$bad" ] || printf '%s\n' "$bad" | head -5 | sed 's/^/#   /'
dups=$(sed -E 's/^(piiaudit: [^:]+): .*/\1/' "$T/err" | sort | uniq -d)
check "no source named twice on stderr" test -z "$dups"
[ -z "$dups" ] || printf '%s\n' "$dups" | sed 's/^/#   /'
got=$(sqlite3 "$T/db" 'select status from runs')
check "runs.status is 'errors' ($got)" test "$got" = errors
"$PIIAUDIT" export --db "$T/db" --format jsonl >"$T/all.jsonl" 2>/dev/null

# A missing path.
error_case nope.txt "" "missing path"
fx verify good.json "$T/all.jsonl" --only-planted-sources --what "good files around the errors"
# An unreadable file.
if [ -n "$unreadable" ]; then
	error_case locked.txt "" "unreadable file"
	case $(row locked.txt "") in
	*ermission*) ok "unreadable file: the reason says permission denied" ;;
	*) not_ok "unreadable file: the reason says permission denied" "$(row locked.txt "")" ;;
	esac
else
	ok "skipped: running as root (chmod 000 does not stop reads): unreadable file"
fi
# A truncated .gz of 3 MiB cut in the middle: what was before the cut is kept.
error_case cut.txt.gz "" "truncated .gz"
read -r recoverable required <trunc-gz.info
fx verify trunc-gz.json "$T/all.jsonl" --only-planted-sources \
	--what "truncated .gz ($recoverable bytes before the cut; values in the first $required required)"
got=$(sqlite3 "$T/db" "select bytes_scanned from sources where path = 'cut.txt.gz'")
check "truncated .gz: bytes_scanned reaches the last 128 KiB before the cut ($got >= $required)" \
	test "${got:-0}" -ge "$required"
# A small truncated .gz (40 kB before the cut).
error_case cut-small.txt.gz "" "small truncated .gz"
fx verify trunc-small-gz.json "$T/all.jsonl" --only-planted-sources \
	--what "small truncated .gz (values in the first 32 kB required)"
# A tar with damaged .gz members: each an error, the good members kept.
error_case bad-member.tar bad-inflate.txt.gz "tar member .gz that does not inflate"
error_case bad-member.tar bad-crc.txt.gz "tar member .gz with a bad CRC-32"
fx verify bad-member.json "$T/all.jsonl" --only-planted-sources --what "tar with damaged members"
got=$(row bad-member.tar sub/good2.txt)
check "tar with damaged members: the member after them read ok ($got)" test "$got" = "ok|"
# A zip entry with a bad CRC.
error_case bad.zip b.txt "zip entry with a bad CRC"
fx verify bad-zip.json "$T/all.jsonl" --only-planted-sources --what "zip with a damaged entry"
# A truncated .tar.gz: members wholly before the cut are kept.
n=$(grep -c '^piiaudit: cut\.tar\.gz[:!]' "$T/scan.err")
check "truncated .tar.gz: named on stderr ($n lines)" test "$n" -ge 1
got=$(sqlite3 "$T/db" "select count(*) from sources where path = 'cut.tar.gz' and status = 'error' and error != ''")
check "truncated .tar.gz: recorded as an error with a reason ($got rows)" test "$got" -ge 1
fx verify trunc-targz.json "$T/all.jsonl" --only-planted-sources --what "truncated .tar.gz"
# A 7z inside a tar (no seeking): read, or reported; never skipped silently.
n=$(sqlite3 "$T/db" "select count(*) from findings f join sources s on s.id = f.source_id
	where s.path = 'with-7z.tar' and s.member like 'inner.7z!%' and f.category = 'email'")
if [ "$n" = 5 ]; then
	ok "7z inside a tar: read (5 findings)"
	ok "7z inside a tar: read, so no error to report"
else
	error_case with-7z.tar inner.7z "7z inside a tar, not read ($n findings)"
fi
fx verify sevenz-in-tar.json "$T/all.jsonl" --only-planted-sources --what "tar with a 7z in it"

got=$(sqlite3 "$T/db" "select count(*) from sources where status = 'scanning'")
check "no source left in status 'scanning'" test "$got" = 0

# --fail-on: 1 when the category was found, 0 when not; placeholders do not count.
run 1 "$PIIAUDIT" scan -q --db "$T/f1.db" --fail-on email good.txt
run 0 "$PIIAUDIT" scan -q --db "$T/f2.db" --fail-on email placeholder-only.txt nothing.txt
got=$("$PIIAUDIT" export --db "$T/f2.db" --format jsonl | grep -c '"placeholder":true')
check "the placeholders were found, flagged (2 = $got)" test "$got" = 2
run 0 "$PIIAUDIT" scan -q --db "$T/f3.db" --fail-on iban,us_ssn,phone good.txt

# Usage errors: exit 2, nothing scanned, no database created.
usage() { # usage WHAT ARGS...: exit 2, no $T/u.db
	local what=$1; shift
	rm -f "$T/u.db"
	"$PIIAUDIT" "$@" >"$T/out" 2>"$T/err"; local rc=$?
	check "$what: exit 2 (got $rc)" test "$rc" = 2
	check "$what: no database file created" test ! -e "$T/u.db"
	check "$what: a message on stderr, nothing on stdout" test -s "$T/err" -a ! -s "$T/out"
	local bad
	bad=$(grep -Ev "^(piiaudit: |Try 'piiaudit)" "$T/err")
	check "$what: every stderr line starts with 'piiaudit: ' (or is the Try hint)" test -z "$bad"
	[ -z "$bad" ] || printf '%s\n' "$bad" | sed 's/^/#   /'
}
usage "scan unknown option" scan --db "$T/u.db" --no-such-option good.txt
usage "scan without paths" scan --db "$T/u.db"
usage "scan --jobs 0" scan --db "$T/u.db" --jobs 0 good.txt
usage "scan --jobs x" scan --db "$T/u.db" -j x good.txt
usage "scan --fail-on unknown category" scan --db "$T/u.db" --fail-on emial good.txt
usage "scan - given twice" scan --db "$T/u.db" - -
usage "export without --format" export --db "$T/u.db"
usage "export unknown format" export --db "$T/u.db" --format xml
usage "export of a missing database" export --db "$T/u.db" --format jsonl
cp "$T/good.db" "$T/g2.db"
run 2 "$PIIAUDIT" export --db "$T/g2.db" --run 99 --format jsonl
check "export --run 99: says there is no such run" grep -q "99" "$T/err"
run 2 "$PIIAUDIT" no-such-command
run 2 "$PIIAUDIT"

# --db that is not a database: SQLite's reason, in one line, the file kept.
printf 'notes, not a database\n' >"$T/notes.db"
run 2 "$PIIAUDIT" scan -q --db "$T/notes.db" good.txt
check "scan --db a text file: one line, SQLite's reason ($(head -c 200 "$T/err"))" \
	test "$(cat "$T/err")" = "piiaudit: $T/notes.db: file is not a database"
check "... the file is left as it was" test "$(cat "$T/notes.db")" = "notes, not a database"
run 2 "$PIIAUDIT" scan -q --db "$T" good.txt
check "scan --db a folder: one line" test "$(cat "$T/err")" = "piiaudit: $T: Is a directory"

finish
