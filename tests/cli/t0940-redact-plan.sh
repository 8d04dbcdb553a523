#!/usr/bin/env bash
# t0940: an erasure end to end (issues 9 and 10): a data subject's e-mail
# address and phone number are planted in a plain file, a gzip stream, a
# tar.gz member and a JSONL field (once JSON-escaped), next to other
# people's values.  scan, lookup --redact-plan, redact --plan: every
# planned place is replaced and no other byte changes (each output is
# compared with the input spliced at the planted offsets); a rescan of the
# output and a lookup on it find nothing of the subject and everything of
# the others; the run and each planned place are recorded.  Then what goes
# wrong: a file changed since the scan (the stale place is refused and
# named, exit 3, while the value that moved is still redacted by
# fingerprint), a plan made with another key, a bad plan, a source not
# given, -o, --verify, pseudonyms.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

python3 - <<'PY' || not_ok "corpus generated"
import gzip, io, json, os, tarfile
EMAIL, PHONE = "jane.roe@mailbox-test.org", "+39 06 1234 5678"
planted = {}                        # "file|member" -> [(offset, raw length, category)]
def place(text, key, marks):
    out, rest = b"", text
    while True:
        hits = [(rest.find(t), t) for t in marks if rest.find(t) >= 0]
        if not hits:
            break
        i, t = min(hits)
        out += rest[:i].encode()
        cat, form = marks[t]
        planted.setdefault(key, []).append((len(out), len(form.encode()), cat))
        out += form.encode()
        rest = rest[i + len(t):]
    return out + rest.encode()
others = "write to ann.other@corp-mail.net or call +44 20 7946 0018; cc bob.b@corp-mail.net\n"
marks = {"@E@": ("email", EMAIL), "@P@": ("phone", PHONE)}
os.makedirs("corpus/sub", exist_ok=True)
open("corpus/a.txt", "wb").write(place(others + "Jane: @E@, phone @P@.\n" + others + "again @E@\n",
                                       "corpus/a.txt|", marks))
open("corpus/sub/b.txt.gz", "wb").write(gzip.compress(place(others * 50 + "reply-to: @E@\n" + others,
                                                            "corpus/sub/b.txt.gz|", marks)))
with tarfile.open("corpus/pack.tar.gz", "w:gz") as tar:
    for name, text in [("docs/x.txt", "line one\ncall @P@ or mail @E@\n" + others),
                       ("docs/none.txt", others * 3)]:
        data = place(text, "corpus/pack.tar.gz|" + name, marks)
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 1700000000
        tar.addfile(ti, io.BytesIO(data))
esc = "jane.roe\\u0040mailbox-test.org"   # the same address, JSON-escaped
lines = [json.dumps({"id": 1, "text": "hi @E@ here", "meta": {"by": "ann.other@corp-mail.net"}}),
         json.dumps({"id": 2, "text": others.strip()}),
         '{"id": 3, "text": "escaped @X@ and @P@"}']
data = place("\n".join(lines) + "\n", "corpus/d.jsonl|",
             {"@E@": ("email", EMAIL), "@P@": ("phone", PHONE), "@X@": ("email", esc)})
open("corpus/d.jsonl", "wb").write(data)
open("corpus/clean.txt", "w").write(others)
json.dump({"email": EMAIL, "phone": PHONE, "planted": planted}, open("planted.json", "w"))
PY

# same_but_planted IN OUT [MEMBER]: OUT is IN with each planted place (and
# nothing else) replaced by its placeholder.
same_but_planted() {
	python3 - "$@" <<'PY'
import gzip, json, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
member = sys.argv[3] if len(sys.argv) > 3 else ""
def read(path):
    if path.endswith(".tar.gz"):
        with tarfile.open(path) as t:
            return t.extractfile(member).read()
    if path.endswith(".gz"):
        return gzip.open(path).read()
    return open(path, "rb").read()
orig, got = read(src), read(out)
ph = {"email": b"<EMAIL>", "phone": b"<PHONE>"}
want, at = b"", 0
for off, n, cat in sorted(json.load(open("planted.json"))["planted"].get(src + "|" + member, [])):
    want += orig[at:off] + ph[cat]
    at = off + n
want += orig[at:]
if got != want:
    print("differs:", got[:300], want[:300])
    sys.exit(1)
PY
}

run 0 "$PIIAUDIT" scan -q --db audit.db --field text corpus/
run 0 "$PIIAUDIT" lookup --db audit.db --email Jane.Roe@Mailbox-Test.org --phone "+39 06 1234 5678" \
	--redact-plan plan.json
check "lookup wrote 9 planned places" test "$(jsonl_count plan.json)" -eq 9
check "the plan names its key" grep -q '"key_id":"' plan.json

run 0 "$PIIAUDIT" redact --db audit.db --plan plan.json --field text --out clean corpus/
check "the summary: every planned place redacted" \
	grep -q 'plan.json: 9 of 9 planned locations redacted, 0 changed since the scan, 0 unread, 0 not among the inputs' "$T/err"
check "plain file: only the planned bytes changed" same_but_planted corpus/a.txt clean/a.txt
check "gzip stream: only the planned bytes changed" same_but_planted corpus/sub/b.txt.gz clean/sub/b.txt.gz
check "tar member: only the planned bytes changed" same_but_planted corpus/pack.tar.gz clean/pack.tar.gz docs/x.txt
check "tar member without the subject: unchanged" same_but_planted corpus/pack.tar.gz clean/pack.tar.gz docs/none.txt
check "JSONL field (escaped too): only the planned bytes changed" same_but_planted corpus/d.jsonl clean/d.jsonl
check "a file without the subject: byte-identical" cmp -s corpus/clean.txt clean/clean.txt
check "every JSONL line is still JSON" python3 -c '
import json, sys
[json.loads(l) for l in open("clean/d.jsonl")]'

# The proof: a rescan of the output and a lookup on it.
run 0 "$PIIAUDIT" scan -q --db check.db --field text clean/
run 0 "$PIIAUDIT" lookup --db check.db --email jane.roe@mailbox-test.org --phone "+39 06 1234 5678"
check "lookup on the rescanned output: nothing of the subject" \
	test "$(grep -c 'no occurrence' "$T/out")" -eq 2
"$PIIAUDIT" lookup --db audit.db --email ann.other@corp-mail.net | grep '^email' >before.txt
"$PIIAUDIT" lookup --db check.db --email ann.other@corp-mail.net | grep '^email' >after.txt
check "another person's address is all still there" \
	sh -c 'grep -q "59 occurrences in 6 sources" before.txt && cmp -s before.txt after.txt'

# The record of the erasure.
q() { sqlite3 audit.db "$1"; }
check "every planned place recorded as redacted" \
	test "$(q "select count(*) from redaction_plan_locations where status = 'redacted' and plan = 'plan.json'")" -eq 9
check "the redact run is recorded with its files" \
	test "$(q "select count(*) from redactions r join runs u on u.id = r.run_id where u.kind = 'redact' and r.status = 'ok'")" -eq 5
check "the plan's places hold no value" \
	test "$(q "select count(*) from redaction_plan_locations where fingerprint like '%@%' or reason like '%jane%'")" -eq 0

# A file changed since the scan: the stale places are refused and named,
# the value that moved is still redacted (found by fingerprint), and a file
# added since holds the value too.
cp -r corpus moved
python3 - <<'PY'
p = "moved/a.txt"
data = open(p, "rb").read()
open(p, "wb").write(b"A NEW FIRST LINE\n" + data)
open("moved/late.txt", "w").write("added later: jane.roe@mailbox-test.org\n")
PY
sed 's#"corpus/#"moved/#g' plan.json >moved.json
run 3 "$PIIAUDIT" redact --db audit.db --plan moved.json --field text --out clean2 moved/
check "a stale place is named with the file and the reason" \
	grep -q "^piiaudit: moved/a.txt: offset [0-9]* length 25 (email, plan line [0-9]*): the bytes there are not the planned value: not redacted there" "$T/err"
check "three stale places named, no more" test "$(grep -c 'not redacted there' "$T/err")" -eq 3
check "the summary counts them" grep -q 'moved.json: 6 of 9 planned locations redacted, 3 changed since the scan' "$T/err"
check "the moved values are still redacted (by fingerprint)" \
	sh -c '! grep -q "jane.roe\|1234 5678" clean2/a.txt && grep -q "^A NEW FIRST LINE" clean2/a.txt'
check "a file added since the scan: its occurrence redacted too" grep -qx 'added later: <EMAIL>' clean2/late.txt
check "the changed places are recorded" \
	test "$(q "select count(*) from redaction_plan_locations where plan = 'moved.json' and status = 'changed'")" -eq 3

# A plan made with another key cannot be checked: refused, nothing written.
(umask 077; printf '%064d\n' 7 >other.key)
run 2 "$PIIAUDIT" redact --db audit.db --key other.key --plan plan.json --out clean3 corpus/
check "another key: named, both ids" grep -q 'plan.json: made with key [0-9a-f]*, but other.key is key [0-9a-f]*' "$T/err"
check "another key: nothing written" test ! -e clean3
# A bad plan is refused whole, naming its line.
{ head -n 2 plan.json; echo '{"source":"corpus/a.txt","offset":"six"}'; } >bad.json
run 2 "$PIIAUDIT" redact --db audit.db --plan bad.json --out clean3 corpus/
check "a bad plan line is named" grep -q 'bad.json:3: a key with a value of the wrong type' "$T/err"
run 2 "$PIIAUDIT" redact --db audit.db --plan missing.json --out clean3 corpus/
check "a missing plan is named" grep -q 'missing.json: No such file or directory' "$T/err"
run 2 "$PIIAUDIT" redact --db audit.db --plan plan.json --style drop-record --max-findings 2 --out clean3 corpus/
check "drop-record with --max-findings is refused with a plan" test ! -e clean3

# One file with -o: the places of other sources are noted, not an error;
# --verify rescans for the planned values.
run 0 "$PIIAUDIT" redact --db audit.db --plan plan.json --verify -o one.txt corpus/a.txt
check "-o: only the planned bytes changed" same_but_planted corpus/a.txt one.txt
check "-o: the places of sources not given are noted" \
	grep -q 'plan.json: 6 planned locations in 3 sources not among the inputs' "$T/err"
check "-o --verify: verified clean" grep -q 'verified clean' "$T/err"
# Same file through another spelling of its path.
run 0 "$PIIAUDIT" redact --db audit.db --plan plan.json -o two.txt "$T/corpus/./a.txt"
check "a path spelled otherwise is the same source" cmp -s one.txt two.txt

# Pseudonyms: the subject's values become consistent fakes, others stay.
run 0 "$PIIAUDIT" redact -q --db audit.db --plan plan.json --style pseudonym --field text --out pseudo corpus/
check "pseudonym: the subject's address is gone" sh -c '! grep -rq "jane.roe@mailbox" pseudo/a.txt pseudo/d.jsonl'
check "pseudonym: the same fake for the same address" \
	test "$(grep -o '[a-z0-9.]*@[a-z0-9.-]*' pseudo/a.txt | grep -v corp-mail | sort -u | wc -l)" -eq 1
check "pseudonym: other people untouched" test "$(grep -c 'ann.other@corp-mail.net' pseudo/a.txt)" -eq 2

finish
