#!/usr/bin/env bash
# redact --max-record-bytes below the 1 MiB line buffer: a JSON line (with
# --field) or a text line (drop-record) longer than the limit is refused,
# the file named and not written, wherever the line is in the buffer;
# a line of exactly the limit is redacted; a JSON array over it too.
# Lines cut by the buffer's refills come out whole.
. "$(dirname "$0")/lib.sh"

python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
def rec(i, size):
    r = {"id": i, "text": "write to user%d@corp-mail.io " % i}
    pad = size - len(json.dumps(r))
    r["text"] += "x" * pad
    line = json.dumps(r)
    assert len(line) == size, (len(line), size)
    return line
# The long line second, so that it sits inside the first buffer fill.
open(t + "/long.jsonl", "w").write(rec(1, 200) + "\n" + rec(2, 2048) + "\n" + rec(3, 200) + "\n")
# Exactly 1024 bytes before its newline, and last without one.
open(t + "/edge.jsonl", "w").write(rec(1, 200) + "\n" + rec(2, 1024) + "\n" + rec(3, 1024))
open(t + "/over.jsonl", "w").write(rec(1, 200) + "\n" + rec(2, 1025))
open(t + "/long.txt", "w").write("mail a@corp-mail.io\n" + "y" * 3000 + " b@corp-mail.io\nend\n")
open(t + "/arr.json", "w").write(json.dumps([{"text": "z" * 900 + " c@corp-mail.io"}, {"text": "z" * 900}]))
PY

run 3 "$PIIAUDIT" redact --field text --max-record-bytes 1K --db "$T/r.db" -o "$T/long.out.jsonl" "$T/long.jsonl"
check "a 2K JSON line over a 1K limit is named" \
	grep -q 'long.jsonl: line 2 is longer than 1024 bytes (--max-record-bytes): not redacted' "$T/err"
check "and not written" test ! -e "$T/long.out.jsonl"
check "recorded as an error" test \
	"$(sqlite3 "$T/r.db" "select status from redactions order by id desc limit 1")" = error

run 0 "$PIIAUDIT" redact --field text --max-record-bytes 1K --db "$T/r.db" -o "$T/edge.out.jsonl" "$T/edge.jsonl"
check "lines of exactly the limit are redacted" \
	bash -c "test \$(grep -c '<EMAIL>' '$T/edge.out.jsonl') = 3 && ! grep -q corp-mail '$T/edge.out.jsonl'"
check "the last line, without a newline, keeps its form" test "$(tail -c 1 "$T/edge.out.jsonl")" = '}'

run 3 "$PIIAUDIT" redact --field text --max-record-bytes 1K --db "$T/r.db" -o "$T/over.out.jsonl" "$T/over.jsonl"
check "a last line one byte over the limit is refused" \
	grep -q 'over.jsonl: line 2 is longer than 1024 bytes' "$T/err"

run 3 "$PIIAUDIT" redact --style drop-record --max-record-bytes 2K --db "$T/r.db" -o "$T/long.out.txt" "$T/long.txt"
check "drop-record: a text line over the limit is refused" \
	grep -q 'long.txt: line 2 is longer than 2048 bytes' "$T/err"
check "drop-record: not written" test ! -e "$T/long.out.txt"
run 0 "$PIIAUDIT" redact --style drop-record --db "$T/r.db" -o "$T/long.out.txt" "$T/long.txt"
check "drop-record: with the default limit the file is redacted" \
	test "$(cat "$T/long.out.txt")" = end

run 3 "$PIIAUDIT" redact --field text --max-record-bytes 1K --db "$T/r.db" -o "$T/arr.out.json" "$T/arr.json"
check "a JSON array over the limit is refused" \
	grep -q 'arr.json: JSON array larger than 1024 bytes (--max-record-bytes): not redacted' "$T/err"
run 0 "$PIIAUDIT" redact --field text --max-record-bytes 4K --db "$T/r.db" -o "$T/arr.out.json" "$T/arr.json"
check "under a 4K limit it is redacted" grep -q '<EMAIL>' "$T/arr.out.json"

# Many short lines over several buffer fills (lines cut by each read):
# every line kept, valid, its other fields unchanged, no value left.
python3 - "$T/many.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(40000):
        f.write(json.dumps({"id": i, "text": "line %d mail u%d@corp-mail.io end" % (i, i) + "." * (i % 97)}) + "\n")
PY
run 0 "$PIIAUDIT" redact --field text --db "$T/r.db" -o "$T/many.out.jsonl" "$T/many.jsonl"
check "every line of a file of several buffers redacted, the rest kept" python3 - "$T/many.jsonl" "$T/many.out.jsonl" <<'PY'
import json, sys
a = open(sys.argv[1]).read().splitlines()
b = open(sys.argv[2]).read().splitlines()
assert len(a) == len(b) == 40000, (len(a), len(b))
for x, y in zip(a, b):
    x, y = json.loads(x), json.loads(y)
    assert x["id"] == y["id"] and y["text"] == x["text"].replace("u%d@corp-mail.io" % x["id"], "<EMAIL>"), (x, y)
PY

# Without --field and drop-record, text streams in blocks: no line limit.
run 0 "$PIIAUDIT" redact --max-record-bytes 1K --db "$T/r.db" -o "$T/stream.out.txt" "$T/long.txt"
check "stream mode has no line limit" grep -q 'mail <EMAIL>' "$T/stream.out.txt"

finish
