#!/usr/bin/env bash
# Secrets of our own: no raw value goes to a temporary file.  Every file
# that scan (with --store-values, and --resume), export, report
# --show-values and lookup open for writing is listed (strace), and only
# the database, its -wal/-shm/-journal, the key file (and the file beside
# it that a new key is written to before it is linked in place) and the
# named outputs may appear.  A database that holds raw values keeps SQLite's temporary
# data in memory (tests/unit/test_store_secrets.c checks the pragma), except
# the sort that builds the fingerprint index at the end of a scan: its keys
# (run, fingerprint, row id) spill to SQLITE_TMPDIR past about 16 MiB, some
# 200,000 findings, which these runs stay below.
. "$(dirname "$0")/lib.sh"
if ! command -v strace >/dev/null || ! strace -f -qq -o /dev/null true 2>/dev/null; then
	ok "# skip: strace is not available"
	finish; exit
fi
mkdir -p "$T/c" "$T/tmp"
python3 - "$T/c" <<'PY'
import os, sys
for i in range(6):
    with open(os.path.join(sys.argv[1], "f%d.txt" % i), "w") as f:
        f.write("".join("row %d mail raw.value%d.%d@secret%d.io card 4111 1111 1111 1111\n" % (j, i, j, j % 9)
                        for j in range(4000)))
PY
tar -C "$T" -czf "$T/c.tar.gz" c
export TMPDIR="$T/tmp" SQLITE_TMPDIR="$T/tmp"
# LeakSanitizer needs ptrace, which strace holds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
writes() { # writes LOG: the files opened for writing, one a line
	grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TMPFILE' "$1" | grep -o '"[^"]*"' | tr -d '"' | sort -u
}
traced() { # traced NAME command...: runs it under strace into $T/NAME.log
	local name=$1; shift
	strace -f -qq -e trace=open,openat,creat -o "$T/$name.log" "$@" >"$T/out" 2>"$T/err"
}
allowed() { # allowed LOG: only the database, key and outputs were written
	local bad
	bad=$(writes "$1" | grep -vE "^($T/v\.db(-wal|-shm|-journal)?|v\.db|$T/key(\.[A-Za-z0-9]{6})?|$T/r\.(md|json)(\.[A-Za-z0-9]+)?|/dev/null)\$")
	if [ -z "$bad" ]; then ok "$2: no other file written"
	else not_ok "$2: wrote other files" "$bad"; fi
}
cd "$T" || exit 1
traced scan "$PIIAUDIT" scan -q -j 2 --store-values --db "$T/v.db" "$T/c" "$T/c.tar.gz"
check "scan --store-values ran" test "$(sqlite3 "$T/v.db" 'select count(value) from findings')" -gt 20000
allowed "$T/scan.log" "scan --store-values"
sqlite3 "$T/v.db" "update runs set status = 'interrupted'; update sources set status = 'scanning' where path like '%c.tar.gz'"
traced resume "$PIIAUDIT" scan -q -j 2 --resume --store-values --db "$T/v.db" "$T/c" "$T/c.tar.gz"
check "scan --resume ran" test "$(sqlite3 "$T/v.db" 'select status from runs')" = ok
allowed "$T/resume.log" "scan --resume (temporary table of doomed sources)"
traced export "$PIIAUDIT" export --db "$T/v.db" --format csv
check "export ran" test "$(wc -l <"$T/out")" -gt 20000
allowed "$T/export.log" "export"
traced report "$PIIAUDIT" report --db "$T/v.db" --format json --show-values -o "$T/r.json"
check "report --show-values ran" test -s "$T/r.json"
allowed "$T/report.log" "report --show-values"
traced lookup "$PIIAUDIT" lookup --db "$T/v.db" --email raw.value1.7@secret7.io
check "lookup ran" grep -q 'raw\|r\*\*\*' "$T/out"
allowed "$T/lookup.log" "lookup"
check "the temporary folder is empty" test -z "$(ls -A "$T/tmp")"
finish
