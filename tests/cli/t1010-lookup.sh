#!/usr/bin/env bash
# t1010: piiaudit lookup (issue 10).  A data subject's e-mail address (and,
# when the card rules are loaded, a card number) is planted in a plain
# file, a gzip stream, tar.gz and zip members and a zip inside a tar, in
# other letter cases and separators, and written against harvesters
# ([at] [dot], &#64;), next to near-misses.  lookup must list
# every planted occurrence and nothing else, on one database, on two shard
# databases and on their merge; say "no occurrence" for a value not
# planted; refuse a database made with another key, naming both key ids;
# write a redact plan; and leave no raw value anywhere.
. "$(dirname "$0")/lib.sh"

has_category() { "$PIIAUDIT" rules list 2>/dev/null | awk -v c="$1" '$2 == c { f = 1 } END { exit !f }'; }
cd "$T" || exit 1

python3 - <<'PY' || not_ok "corpus generated"
import gzip, io, json, os, tarfile, zipfile
EMAIL = "mario.rossi@posta-certa.it"
CARD = "4556737586899855"           # Luhn-valid
planted = []                        # (category, source, member, offset)
def place(text, source, member, marks):
    """marks: {token: (category, written form)}; replaces tokens, records offsets."""
    out = b""
    rest = text
    while True:
        hits = [(rest.find(t), t) for t in marks if rest.find(t) >= 0]
        if not hits:
            break
        i, t = min(hits)
        out += rest[:i].encode()
        cat, form = marks[t]
        planted.append({"category": cat, "source": source, "member": member, "offset": len(out)})
        out += form.encode()
        rest = rest[i + len(t):]
    return out + rest.encode()
noise = ("contact anna.bianchi@corp.io about mario.rossi@posta-certa.com and\n"
         "rossi@posta-certa.it (not him), or write to someone@example.com\n"
         "or to mario.rossi [at] posta-certa [dot] com (not him either)\n")
os.makedirs("corpus", exist_ok=True)
a = place("Dear customer,\nyour address is @E1@ and\nalso MARIO: @E2@\non the web: @E3@\n" + noise +
          "Visa card number: @C1@ (expires 12/29)\n",
          "corpus/a.txt", None,
          {"@E1@": ("email", EMAIL), "@E2@": ("email", "Mario.Rossi@Posta-Certa.IT"),
           # written against harvesters (email.obfuscated): the same value
           "@E3@": ("email", "mario.rossi [at] posta-certa [dot] it"),
           "@C1@": ("credit_card", "4556 7375 8689 9855")})
open("corpus/a.txt", "wb").write(a)
b = place(noise + "reply-to: @E1@\n<p>@E4@</p>\n", "corpus/b.txt.gz", None,
          {"@E1@": ("email", EMAIL), "@E4@": ("email", "mario.rossi&#64;posta-certa&#46;it")})
open("corpus/b.txt.gz", "wb").write(gzip.compress(b))
with tarfile.open("corpus/pack.tar.gz", "w:gz") as tar:
    for name, text, marks in [
        ("docs/x.txt", "line one\nemail: @E1@, card @C1@\n" + noise,
         {"@E1@": ("email", EMAIL), "@C1@": ("credit_card", "4556-7375-8689-9855")}),
        ("docs/none.txt", noise, {})]:
        data = place(text, "corpus/pack.tar.gz", name, marks)
        ti = tarfile.TarInfo(name); ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))
with zipfile.ZipFile("corpus/pack.zip", "w") as z:
    z.writestr("inner/y.txt", place(noise * 3 + "cc: @E1@\n", "corpus/pack.zip", "inner/y.txt",
                                    {"@E1@": ("email", EMAIL)}))
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w") as z:
    z.writestr("z.txt", place("from: @E1@\n", "corpus/outer.tar", "inner.zip!z.txt",
                              {"@E1@": ("email", EMAIL)}))
with tarfile.open("corpus/outer.tar", "w") as tar:
    data = inner.getvalue()
    ti = tarfile.TarInfo("inner.zip"); ti.size = len(data)
    tar.addfile(ti, io.BytesIO(data))
open("corpus/other.txt", "w").write(noise * 2)
json.dump({"email": EMAIL, "card": CARD, "planted": planted}, open("planted.json", "w"))
open("subject.txt", "w").write("# the data subject\nemail=Mario.Rossi@posta-certa.it\n"
                               "email\tnobody.here@nowhere-at-all.net\n\n")
PY

# expected CATEGORY: "source|member|offset" lines of the planted values
expected() {
	python3 -c '
import json, sys
for p in json.load(open("planted.json"))["planted"]:
    if p["category"] == sys.argv[1]:
        print("%s|%s|%d" % (p["source"], p["member"] or "", p["offset"]))' "$1" | sort
}
# found FILE CATEGORY: the same lines from lookup --format json output
found() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for v in d["values"]:
    if v["category"] == sys.argv[2]:
        for l in v["locations"]:
            print("%s|%s|%d" % (l["source"], l["member"] or "", l["offset"]))' "$1" "$2" | sort
}
EMAIL=$(python3 -c 'import json; print(json.load(open("planted.json"))["email"])')
expected email >want-email.txt
check "eight e-mail occurrences planted (two obfuscated)" test "$(wc -l <want-email.txt)" = 8

run 0 "$PIIAUDIT" scan -q --db "$T/db" corpus
run 0 "$PIIAUDIT" lookup --db "$T/db" --email "$EMAIL" --format json
cp "$T/out" one.json
found one.json email >got.txt
check "one database: every planted occurrence and nothing else" cmp -s got.txt want-email.txt
[ -s got.txt ] && ! cmp -s got.txt want-email.txt && not_ok "diff" "$(diff got.txt want-email.txt)"
check "JSON: each location has run, record, line, length and rule" test "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
keys = {"database", "run", "run_uuid", "source", "member", "record", "field", "line", "offset", "length", "rule", "category"}
print(all(keys <= set(l) for v in d["values"] for l in v["locations"]) and d["values"][0]["occurrences"] == 8)' one.json)" = True
run 0 "$PIIAUDIT" lookup --db "$T/db" --email "MARIO.ROSSI@POSTA-CERTA.IT"
check "the value is normalised as the scanner does: upper case finds all eight" grep -q "8 occurrences in 5 sources" "$T/out"
check "text lists archive members with '!'" grep -q 'corpus/outer.tar!inner.zip!z.txt line 1' "$T/out"
check "text shows the value masked, never raw" test "$(grep -ci "$EMAIL" "$T/out" "$T/err" | awk -F: '{ s += $2 } END { print s }')" = 0

run 0 "$PIIAUDIT" lookup --db "$T/db" --email nobody.here@nowhere-at-all.net --email mario.rossi@posta-certa.com
check "a value not planted: 'no occurrence'" grep -q '^email n\*\*\*@n\*\*\*.net: no occurrence$' "$T/out"
check "a near-miss (.com for .it) is a different value" test "$(grep -c 'occurrence' "$T/out")" = 2
run 0 "$PIIAUDIT" lookup --db "$T/db" --values-from subject.txt --format json
check "--values-from: CATEGORY=V and CATEGORY<TAB>V lines, comments skipped" test "$(python3 -c '
import json, sys
d = json.load(sys.stdin)
print([(v["category"], v["occurrences"]) for v in d["values"]])' <"$T/out")" = "[('email', 8), ('email', 0)]"
printf 'email=%s\n' "$EMAIL" | "$PIIAUDIT" lookup --db "$T/db" --values-from - >"$T/out" 2>"$T/err"
check "--values-from - reads stdin" grep -q '8 occurrences' "$T/out"

if has_category credit_card; then
	expected credit_card >want-card.txt
	run 0 "$PIIAUDIT" lookup --db "$T/db" --card 4556737586899855 --format json
	found "$T/out" credit_card >got-card.txt
	check "a card number without separators finds '4556 7375 ...' and '4556-7375-...'" cmp -s got-card.txt want-card.txt
	run 0 "$PIIAUDIT" lookup --db "$T/db" --value "credit_card=4556 7375 8689 9855"
	check "--value CATEGORY=V with separators: the same two" grep -q '2 occurrences in 2 sources' "$T/out"
else
	ok "no credit_card rules loaded: card lookup skipped"
fi

# ---- the redact plan ----
run 0 "$PIIAUDIT" lookup --db "$T/db" --email "$EMAIL" --redact-plan plan.jsonl
check "the redact plan is mode 0600" test "$(stat -c %a plan.jsonl)" = 600
check "the plan: one JSON line per planted location, with the keys redact needs" test "$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = sorted(l.strip() for l in open(sys.argv[2]))
got = sorted("%s|%s|%d" % (r["source"], r["member"] or "", r["offset"]) for r in rows)
keys = {"source", "member", "offset", "length", "category", "fingerprint"}
lengths = {len(sys.argv[3]), len("mario.rossi [at] posta-certa [dot] it"), len("mario.rossi&#64;posta-certa&#46;it")}
print(got == want and all(keys <= set(r) and r["length"] in lengths for r in rows))' plan.jsonl want-email.txt "$EMAIL")" = True

# ---- two shard databases, and their merge ----
run 0 "$PIIAUDIT" scan -q --db "$T/s0.db" --shard 0/2 corpus
run 0 "$PIIAUDIT" scan -q --db "$T/s1.db" --shard 1/2 corpus
check "both shards hold findings" test "$(sqlite3 "$T/s0.db" 'select count(*) > 0 from findings')$(sqlite3 "$T/s1.db" 'select count(*) > 0 from findings')" = 11
run 0 "$PIIAUDIT" lookup --db "$T/s0.db" --db "$T/s1.db" --email "$EMAIL" --format json
found "$T/out" email >got2.txt
check "two shard databases: every planted occurrence, each once" cmp -s got2.txt want-email.txt
run 0 "$PIIAUDIT" lookup --db "$T/s0.db" --db "$T/s1.db" --email "$EMAIL"
check "text names the database of each occurrence" grep -q "s0.db run 1: " "$T/out"
if "$PIIAUDIT" merge -q --db "$T/merged.db" "$T/s0.db" "$T/s1.db" >/dev/null 2>"$T/merge.err"; then
	run 0 "$PIIAUDIT" lookup --db "$T/merged.db" --email "$EMAIL" --format json
	found "$T/out" email >got3.txt
	check "the merged shards: every planted occurrence" cmp -s got3.txt want-email.txt
else
	not_ok "piiaudit merge of the two shards" "$(cat "$T/merge.err")"
fi

# ---- keys ----
PIIAUDIT_KEY_FILE="$T/other.key" "$PIIAUDIT" scan -q --db "$T/other.db" corpus 2>/dev/null
mine=$(sqlite3 "$T/db" 'select key_id from runs limit 1')
theirs=$(sqlite3 "$T/other.db" 'select key_id from runs limit 1')
check "two different keys ($mine, $theirs)" test "$mine" != "$theirs"
run 2 "$PIIAUDIT" lookup --db "$T/db" --db "$T/other.db" --email "$EMAIL"
check "a database made with another key is refused, naming both key ids" \
	grep -q "other.db: fingerprinted with key $theirs, but .* is key $mine" "$T/err"
check "nothing printed on stdout when refused" test ! -s "$T/out"
run 0 "$PIIAUDIT" lookup --db "$T/other.db" --key "$T/other.key" --email "$EMAIL"
check "--key with that database's key: found" grep -q '8 occurrences' "$T/out"
run 2 "$PIIAUDIT" lookup --db "$T/db" --key "$T/no-such.key" --email "$EMAIL"
check "a missing key file is an error" grep -q 'no-such.key' "$T/err"
check "... and is not created" test ! -e "$T/no-such.key"

# ---- nothing raw anywhere ----
leak=""
for f in "$T"/*.db "$T"/*.db-wal plan.jsonl one.json; do
	[ -e "$f" ] || continue
	grep -qai "mario.rossi@posta-certa.it" "$f" && leak="$leak $f"
done
check "no raw value in the databases, the plan or the JSON" test -z "$leak"

# ---- usage ----
run 2 "$PIIAUDIT" lookup --db "$T/db" --value name=Mario
check "names are out of scope, and said so" grep -q 'names are out of scope' "$T/err"
run 0 "$PIIAUDIT" lookup --help
check "--help says names are out of scope" grep -q 'Names are out of scope' "$T/out"
run 2 "$PIIAUDIT" lookup --db "$T/db" --value planet=Mars
check "an unknown category is named" grep -q "unknown category 'planet'" "$T/err"
run 2 "$PIIAUDIT" lookup --db "$T/db" --value "$EMAIL"
run 2 "$PIIAUDIT" lookup --db "$T/db"
check "no values: said" grep -q 'no values to look up' "$T/err"
run 2 "$PIIAUDIT" lookup --db "$T/db" --email "$EMAIL" --format xml
run 2 "$PIIAUDIT" lookup --db "$T/none.db" --email "$EMAIL"
check "a missing database is not created" test ! -e "$T/none.db"
run 2 "$PIIAUDIT" lookup --db "$T/db" --phone "call me"
check "a phone without digits: nothing to look up" grep -q 'nothing to look up' "$T/err"
printf 'email=%s\nbogus line\n' "$EMAIL" >bad-values.txt
run 2 "$PIIAUDIT" lookup --db "$T/db" --values-from bad-values.txt
check "a bad --values-from line is named with its line" grep -q 'bad-values.txt:2: expected CATEGORY=VALUE' "$T/err"
run 2 "$PIIAUDIT" lookup --db "$T/db" "$EMAIL"
finish
