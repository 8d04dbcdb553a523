#!/usr/bin/env bash
# piiaudit runs: the runs of a database, oldest first, with the ids --run
# takes: kind (a shard as scan K/N, a merged run as merged N), status,
# sources read and not, findings (values replaced for redact), bytes and
# label; --kind and -n select, --format jsonl gives every field, argv
# and settings as arrays.  The database is read only and never created;
# a label's control bytes do not reach the terminal.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir c
printf 'mail kari.nordmann@postkontor.no\ncard 4556 7375 8689 9855\n' >c/a.txt

run 0 "$PIIAUDIT" runs --db none.db --help
check "--help: the usage" grep -q '^usage: piiaudit runs' out
run 2 "$PIIAUDIT" runs --db none.db
check "a database that does not exist: named, and not created" \
	sh -c "grep -q 'none.db' err && test ! -e none.db"

run 3 "$PIIAUDIT" scan -q --db a.db --label "$(printf 'first\033[31m run')" c c/missing.txt
run 0 "$PIIAUDIT" redact -q --db a.db --out clean c/a.txt
run 0 "$PIIAUDIT" scan -q --db a.db --exclude '*.tmp' c/a.txt
run 0 "$PIIAUDIT" runs --db a.db
check "a header and one line a run, oldest first" \
	test "$(awk '{print $1, $2, $3}' out | tr '\n' '|')" = "ID KIND STATUS|1 scan errors|2 redact ok|3 scan ok|"
check "scan: sources read and not, findings, bytes, label" \
	grep -qE '^   1  scan +errors +[0-9T:Z-]+ +[0-9]+ s +1 +1 +2 +58 B  first\?\[31m run$' out
check "redact: files and values replaced" grep -qE '^   2  redact +ok .* +1 +0 +2 replaced +58 B$' out
check "no control byte of a label reaches the terminal" sh -c "! grep -q \"$(printf '\033')\" out"

run 0 "$PIIAUDIT" runs --db a.db --kind scan -n 1
check "--kind scan -n 1: the newest scan alone" test "$(sed 1d out | awk '{print $1}')" = 3
run 0 "$PIIAUDIT" runs --db a.db -n 2
check "-n 2: the two newest, oldest first" test "$(sed 1d out | awk '{print $1}' | tr '\n' ' ')" = "2 3 "
run 0 "$PIIAUDIT" runs --db a.db --kind probe
check "a kind without runs: the header alone" test "$(wc -l <out)" = 1

run 0 "$PIIAUDIT" runs --db a.db --format jsonl
python3 - out >check.txt <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
a, r, s = rows
ok = (len(rows) == 3 and a["kind"] == "scan" and a["status"] == "errors" and a["sources_ok"] == 1
      and a["sources_failed"] == 1 and a["findings"] == 2 and a["replaced"] is None
      and a["label"] == "first\x1b[31m run" and a["store_values"] is False
      and r["kind"] == "redact" and r["findings"] is None and r["replaced"] == 2 and r["settings"] is None
      and s["argv"][1:3] == ["scan", "-q"] and "--exclude=*.tmp" in s["settings"]
      and all(len(x["uuid"]) == 36 and isinstance(x["seconds"], int) for x in rows))
print("ok" if ok else rows)
PY
check "jsonl: every field, argv and settings as arrays" test "$(cat check.txt)" = ok
# A damaged argv (not a JSON array) is written as a string: still JSON.
cp a.db bad.db && sqlite3 bad.db "update runs set argv = '[\"x\" oops]' where id = 1"
run 0 "$PIIAUDIT" runs --db bad.db --format jsonl
check "a damaged argv: valid JSON lines, the text as a string" \
	test "$(python3 -c 'import json,sys; print([json.loads(l)["argv"] for l in open(sys.argv[1])][0])' out)" = '["x" oops]'

# Shards and their merge.
run 0 "$PIIAUDIT" scan -q --shard 0/2 --db s0.db c/a.txt
run 0 "$PIIAUDIT" scan -q --shard 1/2 --db s1.db c/a.txt
run 0 "$PIIAUDIT" merge -q --db m.db s0.db s1.db
run 0 "$PIIAUDIT" runs --db s1.db
check "a shard shows as scan K/N" grep -qE '^   1  scan 1/2 ' out
run 0 "$PIIAUDIT" runs --db m.db
check "a merged run as merged N" grep -qE '^   1  merged 2 +ok ' out

run 2 "$PIIAUDIT" runs --db a.db --kind merged
check "--kind merged: usage error" grep -q -- '--kind takes scan, probe or redact' err
run 2 "$PIIAUDIT" runs --db a.db -n 0
check "-n 0: usage error" grep -q -- '--last takes a number of runs' err
run 2 "$PIIAUDIT" runs --db a.db --format xml
check "--format xml: usage error" grep -q "unknown format 'xml'" err
run 2 "$PIIAUDIT" runs --db a.db extra
check "an argument: usage error" grep -q "unexpected argument 'extra'" err
finish
