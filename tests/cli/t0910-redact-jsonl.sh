#!/usr/bin/env bash
# piiaudit redact on JSON lines: with --field only the selected string
# fields change, every line stays valid JSON (replacements escaped, offsets
# mapped from decoded text back to raw bytes), lines that are not JSON are
# redacted as text; drop-record removes records over --max-findings and
# counts them; pseudonyms are the same for the same value in every file.
. "$(dirname "$0")/lib.sh"

cat >"$T/f.jsonl" <<'JSON'
{"id": 1, "text": "mail me: jane@corp.io", "meta": {"author": "bob@x.org"}, "skip": "not@scanned.io"}
{"id": 2, "text": "escaped: mario\u0040rossi.it and\njohn@acme.co.uk \"quoted\" +39 347 281 9034"}
not json at all, but ann@foo.de
{"id": 4, "messages": [{"content": "a is x@y.io"}, {"content": "b z@w.io"}]}
{"id": 5, "text": "clean", "n": [1, 2.5e3, null, true]}
JSON
printf '\r\n{"text": "crlf@line.io"}\r\n' >>"$T/f.jsonl"
gzip -k "$T/f.jsonl"

cat >"$T/jcheck.py" <<'PY'
import json, sys
src, out, fields = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
a = open(src, "rb").read().split(b"\n")
b = open(out, "rb").read().split(b"\n")
assert len(a) == len(b), "line count %d -> %d" % (len(a), len(b))
for x, y in zip(a, b):
    if not x.strip().startswith(b"{"):
        continue
    jx, jy = json.loads(x), json.loads(y)          # every JSON line still valid
    def strip(o, path=""):
        if isinstance(o, dict):
            return {k: strip(v, path + "." + k if path else k) for k, v in o.items()}
        if isinstance(o, list):
            return [strip(v, path) for v in o]
        return "<selected>" if path in fields and isinstance(o, str) else o
    assert strip(jx) == strip(jy), "unselected content changed: %r -> %r" % (x, y)
print("ok")
PY

for style in placeholder mask pseudonym; do
	run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --style "$style" --field text --field messages.content \
		-o "$T/$style.jsonl.gz" --verify "$T/f.jsonl.gz"
	gzip -dc "$T/$style.jsonl.gz" >"$T/$style.jsonl"
	check "$style: valid JSON lines, only the selected fields changed" \
		bash -c "python3 '$T/jcheck.py' '$T/f.jsonl' '$T/$style.jsonl' text,messages.content | grep -qx ok"
	check "$style: no selected value left" \
		bash -c "! grep -qE 'jane@corp|rossi|john@acme|9034|ann@foo|x@y.io|crlf@line' '$T/$style.jsonl'"
	check "$style: unselected fields kept" grep -q '"author": "bob@x.org"' "$T/$style.jsonl"
done
check "placeholder in a field" grep -q '"text": "escaped: <EMAIL> and\\n<EMAIL> \\"quoted\\" <PHONE>"' "$T/placeholder.jsonl"
check "a line that is not JSON is redacted as text" grep -qx 'not json at all, but <EMAIL>' "$T/placeholder.jsonl"
check "CRLF line ends are kept" grep -q $'^{"text": "<EMAIL>"}\r$' "$T/placeholder.jsonl"
check "mask keeps the length of a decoded value" grep -q '"text": "mail me: j\*\*\*@c\*\*\*.io"' "$T/mask.jsonl"

# drop-record: records with more than N findings are removed and counted.
run 0 "$PIIAUDIT" redact --db "$T/r.db" --style drop-record --field text --max-findings 1 -o "$T/drop.jsonl" --verify "$T/f.jsonl"
check "drop-record removes the record with 3 findings only" \
	test "$(grep -c . "$T/drop.jsonl") $(grep -c 'mario' "$T/drop.jsonl")" = "6 0"
check "drop-record counts the dropped records" grep -q '1 records dropped' "$T/err"
check "drop-record is recorded" test "$(sqlite3 "$T/r.db" "select records_dropped from redactions order by id desc limit 1")" = 1
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --style drop-record --field text -o "$T/drop0.jsonl" "$T/f.jsonl"
check "drop-record with 0 keeps only clean records" \
	test "$(grep -c . "$T/drop0.jsonl")" = 3

# Pseudonyms: the same value (as normalised) gets the same fake in every
# file, of the same shape; another value another fake.
printf 'first Alice.W@Corp.io and card 4556 7375 8689 9855 at 10.20.30.40\n' >"$T/p1.txt"
printf '{"text": "again alice.w@corp.io, 4556737586899855 and bob@corp.io"}\n' >"$T/p2.jsonl"
run 0 "$PIIAUDIT" redact -q --db "$T/r.db" --style pseudonym --out "$T/ps" --verify "$T/p1.txt" "$T/p2.jsonl"
a1=$(grep -oE '[a-z0-9]+@example.com' "$T/ps/p1.txt")
a2=$(grep -oE '[a-z0-9]+@example.com' "$T/ps/p2.jsonl" | head -1)
b2=$(grep -oE '[a-z0-9]+@example.com' "$T/ps/p2.jsonl" | tail -1)
check "the same address has the same pseudonym across files ($a1)" test -n "$a1" -a "$a1" = "$a2"
check "another address has another pseudonym" test "$b2" != "$a1"
card=$(grep -oE '[0-9]{4} [0-9]{4} [0-9]{4} [0-9]{4}' "$T/ps/p1.txt")
check "a card pseudonym keeps its layout and passes Luhn ($card)" python3 -c '
import sys
d = [int(c) for c in sys.argv[1] if c.isdigit()]
s = sum(x if i % 2 == 0 else (2 * x - 9 if 2 * x > 9 else 2 * x) for i, x in enumerate(reversed(d)))
assert len(d) == 16 and s % 10 == 0 and sys.argv[1].startswith("4000 00")' "$card"
check "the same card written without spaces has the same digits" grep -q "${card// /}" "$T/ps/p2.jsonl"
check "an IPv4 address becomes a documentation address" grep -qE ' at (192\.0\.2|198\.51\.100|203\.0\.113)\.[0-9]+$' "$T/ps/p1.txt"
finish
