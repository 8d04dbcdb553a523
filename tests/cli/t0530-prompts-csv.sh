#!/usr/bin/env bash
# prompts on CSV field findings: the prompt is the text of the value's own
# cell before the value, doubled quotes undoubled, never a previous cell or
# row, never the value.  A generated corpus: values in quoted and unquoted
# cells, at a cell's start, after doubled quotes, inside cells with
# newlines (LF and CRLF) and separators, twice in a cell, after a long
# multibyte text (cut by --prefix-bytes at a character boundary); CSV and
# TSV by name, a CSV member of a tar.gz, and a .txt read with --format=csv
# (the run's format is read back from its command line).  Then a changed
# source is refused.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
mkdir -p corpus inner
python3 - <<'PY'
import json, tarfile
long_text = "Straße über Äpfel, café — naïve élan " * 9   # > 200 bytes, multibyte
def rows(sep):
    return [
        ["1", "n", "third@c.io", 'He said "hi" to first@a.io today'],
        ["2", "", "fourth@d.io", "contact%ssecond@b.io" % ("\t" if sep == "\t" else " ")],
        ["3", "x eighth@h.io", "", "y eighth@h.io"],
        ["4", 'multi\nline, "q"', "", "line one\r\nline two, with comma fifth@e.io"],
        ["5", "", "ninth@i.io", 'say "sixth@f.io"'],
        ["6", "", "", "a seventh@g.io b seventh@g.io"],
        ["7", "", "", long_text + "tenth@j.io"],
        ["8", "", "", '"quoted start" eleventh@k.io'],
        ["9", "x", "", "end twelfth@l.io"],
    ]
force_quote = {(2, 2)}   # row 2's email cell is quoted though it need not be
values = ["first@a.io", "second@b.io", "third@c.io", "fourth@d.io", "fifth@e.io", "sixth@f.io",
          "seventh@g.io", "eighth@h.io", "ninth@i.io", "tenth@j.io", "eleventh@k.io", "twelfth@l.io"]
selected = {2: "email", 3: "bio"}
truth = {}
def build(name, sep, member=None, source=None, bom=False):
    out = b"\xef\xbb\xbf" if bom else b""
    header = ["id", "note", "email", "bio"]
    out += sep.join(header).encode() + b"\r\n"
    data = rows(sep)
    for r, cells in enumerate(data, 1):
        for k, c in enumerate(cells):
            cb = c.encode()
            quoted = (r, k) in force_quote or any(ch in c for ch in (sep, '"', "\n", "\r"))
            raw = cb.replace(b'"', b'""')
            if quoted:
                out += b'"'
            start = len(out)
            out += raw + (b'"' if quoted else b"")
            if k in selected:
                for v in values:
                    vb, p = v.encode(), -1
                    while (p := cb.find(vb, p + 1)) >= 0:
                        pre = cb[:p]
                        i = pre.lower().rfind(vb)
                        if i >= 0:
                            pre = pre[i + len(vb):]
                        if len(pre) > 200:
                            pre = pre[-200:]
                        while pre and (pre[0] & 0xC0) == 0x80:
                            pre = pre[1:]
                        off = start + len(cb[:p].replace(b'"', b'""'))
                        truth["%s|%s|%d" % (source or name, member or "", off)] = {
                            "prompt": pre.decode(), "value": v, "record": r, "field": selected[k]}
            if k < len(cells) - 1:
                out += sep.encode()
        if r < len(data):
            out += b"\r\n" if r % 2 else b"\n"
    return out
open("corpus/people.csv", "wb").write(build("corpus/people.csv", ",", bom=True))
open("corpus/people.tsv", "wb").write(build("corpus/people.tsv", "\t"))
open("inner/people2.csv", "wb").write(build(None, ",", member="inner/people2.csv",
                                            source="corpus/arch.tar.gz"))
with tarfile.open("corpus/arch.tar.gz", "w:gz") as t:
    t.add("inner/people2.csv")
json.dump(truth, open("truth.json", "w"))
# The same rows in a .txt, read as CSV only by --format=csv.
t2 = {}
open("corpus/rows.txt", "wb").write(build("corpus/rows.txt", ","))
json.dump({k: v for k, v in truth.items() if k.startswith("corpus/rows.txt|")}, open("truth-txt.json", "w"))
json.dump({k: v for k, v in truth.items() if not k.startswith("corpus/rows.txt|")}, open("truth.json", "w"))
PY

compare() { # compare PROMPTS.jsonl TRUTH.json: every prompt exact, every planted value prompted
python3 - "$1" "$2" <<'PY'
import json, sys
truth = json.load(open(sys.argv[2]))
got, bad = {}, []
for line in open(sys.argv[1], encoding="utf-8"):
    p = json.loads(line)
    key = "%s|%s|%d" % (p["source"], p["member"] or "", p["offset"])
    got[key] = p
    t = truth.get(key)
    if t is None:
        bad.append("unexpected prompt %s %r" % (key, p["prompt"]))
    elif p["prompt"] != t["prompt"] or p["record"] != t["record"] or p["field"] != t["field"]:
        bad.append("%s: got %r (%s/%s) want %r (%s/%s)" % (key, p["prompt"], p["record"], p["field"],
                                                          t["prompt"], t["record"], t["field"]))
    if t and t["value"].lower() in p["prompt"].lower():
        bad.append("%s: the prompt holds its value" % key)
for k in truth:
    if k not in got:
        bad.append("no prompt for %s (%s)" % (k, truth[k]["value"]))
print("ok %d" % len(got) if not bad else "\n".join(bad))
PY
}

run 0 "$PIIAUDIT" scan -q --db c.db --field email --field bio corpus/people.csv corpus/people.tsv corpus/arch.tar.gz
run 0 "$PIIAUDIT" prompts --db c.db
cp "$T/out" p.jsonl
check "every finding in a CSV cell has a prompt" test "$(jsonl_count p.jsonl)" = "$(python3 -c 'import json; print(len(json.load(open("truth.json"))))')"
compare p.jsonl truth.json >cmp.txt
check "CSV, TSV and a tar.gz member: each prompt is exactly the cell's text before the value" grep -q '^ok ' cmp.txt
[ -s cmp.txt ] && ! grep -q '^ok ' cmp.txt && sed 's/^/#   /' cmp.txt
check "an unquoted cell's value at the cell's start: an empty prompt, not the previous cell" \
	python3 -c '
import json, sys
ps = [json.loads(l) for l in open("p.jsonl")]
sys.exit(not all(p["prompt"] == "" for p in ps if p["field"] == "email"))'
check "doubled quotes are undoubled in a prompt" grep -q '"prompt":"He said \\"hi\\" to "' p.jsonl
check "a newline and a comma inside quotes stay in the prompt" grep -q '"prompt":"line one\\r\\nline two, with comma "' p.jsonl
check "no prompt holds text of the row before" bash -c '! grep -q "multi\\|line, \\\\\"q" p.jsonl'

# --format=csv on a .txt: the run's format is read from its command line.
run 0 "$PIIAUDIT" scan -q --db t.db --field email --field bio --format=csv corpus/rows.txt
run 0 "$PIIAUDIT" prompts --db t.db
cp "$T/out" p2.jsonl
compare p2.jsonl truth-txt.json >cmp2.txt
check "--format=csv run: prompts read the .txt as CSV" grep -q '^ok ' cmp2.txt
[ -s cmp2.txt ] && ! grep -q '^ok ' cmp2.txt && sed 's/^/#   /' cmp2.txt

# --prefix-bytes cuts the cell's text at a character boundary.
run 0 "$PIIAUDIT" prompts --db c.db --prefix-bytes 7
check "--prefix-bytes 7: at most 7 bytes, whole characters, the cell's end of text" python3 -c '
import json, sys
ps = [json.loads(l) for l in open(sys.argv[1])]
long = [p for p in ps if p["record"] == 7]
ok = all(len(p["prompt"].encode()) <= 7 and p["prefix_bytes"] == len(p["prompt"].encode()) for p in ps)
ok = ok and long and all(p["prompt"] == " élan " for p in long)
sys.exit(not ok)' "$T/out"

# A changed source: the value in a cell is not what was scanned.
sed -i 's/second@b\.io/secXnd@b.io/' corpus/people.csv
run 3 "$PIIAUDIT" prompts --db c.db
check "a changed CSV source is named" grep -q 'corpus/people.csv: changed since the scan' "$T/err"
check "the other sources still give their prompts" test "$(jsonl_count "$T/out")" -gt 20

finish
