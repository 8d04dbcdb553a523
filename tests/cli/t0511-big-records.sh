#!/usr/bin/env bash
# Records of more than a megabyte in field mode are matched in the worker,
# not copied into a batch with their raw bytes (memory, issue 4), and
# their hits mapped back through the escapes without a map of the whole
# field: every finding must still point at the raw bytes of its value,
# with its record, field and line, between small records that go in
# batches, with 1 or 2 jobs; a big record that is not valid JSON is read
# as text once; a CSV row of more than a megabyte the same.
. "$(dirname "$0")/lib.sh"

python3 - "$T/r.jsonl" "$T/want" "$T/c.csv" "$T/cwant" <<'PY'
import sys
out, want = open(sys.argv[1], "w"), open(sys.argv[2], "w")
off = 0
for i in range(1, 41):
    big = i % 4 == 0
    # Escapes of every width before and among the values: 2 bytes for 1,
    # 6 for 1 or 2, 12 for 4.
    pad = "mot \\n \\\"x\\\" \\u00e9t\\u00e9 \\ud83d\\ude00 fin " * (40000 if big else 3)
    values = []
    text = pad
    for k in range(6 if big else 1):
        v = ["u%d_%d@corp.io" % (i, k), "u%d_%d\\u0040corp.io" % (i, k), "u%d_%d@corp\\u002eio" % (i, k)][k % 3]
        values.append((len(text) + len(" mail "), v))
        text += " mail " + v + " " + pad
    if i == 21:   # a big record that is not JSON: read as text, "other" too
        line = '{"id": %d, "text": "%s", "other": "x%d@not.io"\n' % (i, pad * 30 + " mail v21@corp.io", i)
        start = off + line.index("v21@corp.io")
        want.write("%d - %d %d %d\n" % (i, start, len("v21@corp.io"), i))
        want.write("%d - %d %d %d\n" % (i, off + line.index("x21@not.io"), len("x21@not.io"), i))
    else:
        head = '{"id": %d, "text": "' % i
        line = head + text + '", "other": "x%d@not.io"}\n' % i
        for at, v in values:
            want.write("%d text %d %d %d\n" % (i, off + len(head) + at, len(v), i))
    out.write(line)
    off += len(line.encode())

out, want = open(sys.argv[3], "w"), open(sys.argv[4], "w")
out.write("id,notes\n")
off = len("id,notes\n")
for i in range(1, 13):
    big = i % 3 == 0
    pad = 'say ""hi"" to them ' * (70000 if big else 2)
    cell = pad + " mail c%d@corp.io " % i + pad + ' and ""d%d@corp.io"" ok' % i
    row = '%d,"%s"\n' % (i, cell)
    for v in ("c%d@corp.io" % i, "d%d@corp.io" % i):
        want.write("%d notes %d %d %d\n" % (i, off + row.index(v), len(v), i + 1))
    out.write(row)
    off += len(row.encode())
PY
sort "$T/want" >"$T/want.sorted"
sort "$T/cwant" >"$T/cwant.sorted"
check "the input has records of more than a megabyte" \
	test "$(awk 'length($0) > 1048576' "$T/r.jsonl" | wc -l)" -ge 10 -a "$(awk 'length($0) > 1048576' "$T/c.csv" | wc -l)" -ge 4
for j in 1 2; do
	run 0 "$PIIAUDIT" scan -q --db "$T/r$j.db" -j $j --field text "$T/r.jsonl"
	sqlite3 "$T/r$j.db" "select record, coalesce(field, '-'), offset, length, line from findings where rule = 'email.address'" |
		tr '|' ' ' | sort >"$T/got$j"
	check "-j $j: every value by field, at its raw bytes, record and line" cmp -s "$T/want.sorted" "$T/got$j"
	check "-j $j: the record that is not JSON counted once" \
		test "$(sqlite3 "$T/r$j.db" "select invalid_records || '/' || records from sources")" = "1/40"
	run 0 "$PIIAUDIT" scan -q --db "$T/c$j.db" -j $j --field notes "$T/c.csv"
	sqlite3 "$T/c$j.db" "select record, field, offset, length, line from findings where rule = 'email.address'" |
		tr '|' ' ' | sort >"$T/cgot$j"
	check "-j $j: CSV cells of more than a megabyte, doubled quotes mapped back" cmp -s "$T/cwant.sorted" "$T/cgot$j"
done
finish
