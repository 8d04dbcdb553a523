#!/usr/bin/env bash
# t0172: rules whose matches have no longest length (issue 4).  A match
# holds only bytes its pattern can consume, so PCRE2 starts no further back
# than the run of such bytes before a candidate end (rules/regex_bytes.h),
# where it used to search all the text since the last one.  Findings must
# be those of PCRE2 alone: unbounded user rules (an e-mail regex, caseless,
# back-references, classes, a lookbehind, a prefilter with ends that no
# match holds) over prose, runs longer than a window, values at the
# windows' edges, and runs of candidates one after another.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
cd "$T" || exit 1

cat >unbounded.yaml <<'EOF'
rules:
  - id: t.mail
    category: other
    pattern: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
    examples:
      match: ['write to a.b@c.io today']
  - id: t.key
    category: other
    pattern: '(?i)key-[a-z0-9/]+(?:_[a-z]+)*'
    examples:
      match: ['KEY-ab12_cd', 'key-x', 'key-a/1']
  - id: t.twice
    category: other
    pattern: '(?<w>[a-z]{2,})=\k<w>[0-9]+'
    examples:
      match: ['ab=ab12']
  - id: t.after
    category: other
    pattern: '(?<=id:)[0-9]{2,}(?:-[0-9]+)*'
    examples:
      match: ['id:12-345']
  - id: t.quoted
    category: other
    pattern: '"tok_[^"\s]+"'
    examples:
      match: ['"tok_a;b"']
  - id: t.passes
    category: other
    pattern: 'q[a-z]+[0-9]{3}(?![0-9])'
    prefilter: '(?:q[a-z]+|[;!])'
    examples:
      match: ['qabc123']
EOF
run 0 "$PIIAUDIT" rules test --no-builtin-rules --rules unbounded.yaml

python3 - <<'PY'
import random
r = random.Random(172)
L = "abcdefghijklmnopqrstuvwxyz"
W = L + L.upper() + "0123456789._%+-"
def word():
    return "".join(r.choice(L) for _ in range(r.randint(1, 12)))
def value():
    k = r.random()
    if k < 0.2:
        return "".join(r.choice(W) for _ in range(r.randint(1, 30))) + "@" + word() + "." + r.choice(["io", "org", "x", "Com"])
    if k < 0.3:
        return r.choice(["key-", "KEY-", "Key-"]) + "".join(r.choice(L + "0123456789_") for _ in range(r.randint(0, 20)))
    if k < 0.4:
        w = word()
        return w + "=" + r.choice([w, word()]) + str(r.randint(0, 999))
    if k < 0.5:
        return r.choice(["id:", "id: ", "xid:"]) + "-".join(str(r.randint(0, 999)) for _ in range(r.randint(1, 3)))
    if k < 0.6:
        return '"tok_' + "".join(r.choice(W + ";,'") for _ in range(r.randint(0, 15))) + '"'
    if k < 0.7:
        return "q" + word() + str(r.randint(10, 9999)) + r.choice(["", ";", "!"])
    return r.choice([word(), word(), ";", "!", "@", "a@", "@b.c"])
with open("prose.txt", "w") as f:
    for _ in range(30000):
        f.write(" ".join(value() for _ in range(r.randint(1, 20))) + "\n")
# Runs longer than a window (1 MiB): an address whose local part is 1.5 MB
# of run bytes, a key as long, values at every distance from the windows'
# edges, runs of '@' candidates one after another, and an address that
# ends just past a window's edge.  A match longer than the overlap between
# windows is cut where its window starts accepting, one that starts in a
# window where that window ends (both engines alike); ends.txt has where
# the addresses end and where the key starts.  The long runs are of bytes
# that no other unbounded rule's match could span (upper-case letters for
# t.twice, '/' for t.mail): PCRE2 alone tries a run once for each start
# in it, and such a run would cost it minutes.
with open("runs.txt", "w") as f, open("ends.txt", "w") as e:
    def put(s):
        f.write(s)
        return f.tell()
    put("X" * 1500000)
    e.write("mail %d\n" % put("@long.example.org"))
    e.write("key %d\n" % put(" and "))
    put("KEY-" + "a/" * 700000)
    put(" done\n")
    for i in range(1, 3000):
        put("." * (i % 97) + "u%d@h.io;" % i + "ab" * (i % 50) + "=ab7 ")
    put("\n" + "a@" * 200000 + "b.io\n")
    put("Y" * (2**22 + 2**20 - f.tell() - 3))
    e.write("edge %d\n" % put("@edge.io"))
    put(" q" + "z" * 30 + "123\n")
PY

same() { # same NAME FILE...: the default engine finds what PCRE2 alone finds
	local name=$1; shift
	rm -f hs.db pcre.db
	"$PIIAUDIT" scan -q --no-builtin-rules --rules unbounded.yaml --db hs.db "$@" 2>/dev/null
	"$PIIAUDIT" scan -q --engine pcre2 --no-builtin-rules --rules unbounded.yaml --db pcre.db "$@" 2>/dev/null
	local q="select s.path, f.rule, f.offset, f.length, f.fingerprint from findings f
	         join sources s on s.id = f.source_id order by 1, 3, 2"
	sql hs.db "$q" >hs.txt
	sql pcre.db "$q" >pcre.txt
	if cmp -s hs.txt pcre.txt; then ok "$name: the same findings as PCRE2 alone ($(wc -l <hs.txt))"
	else not_ok "$name: findings differ from PCRE2 alone" "$(diff hs.txt pcre.txt | head -5)"; fi
}
same "prose" prose.txt
check "... every rule found something" test "$(sql hs.db 'select count(distinct rule) from findings')" = 6
same "runs longer than a window" runs.txt
end_of() { awk -v k="$1" '$1 == k { print $2 }' ends.txt; }
ends_at() { # ends_at RULE END: a finding of RULE ends there
	test "$(sql hs.db "select count(*) from findings where rule = '$1' and offset + length = $2")" = 1
}
check "... the address after 1.5 MB of run bytes ends where it does" ends_at t.mail "$(end_of mail)"
starts_at() { # starts_at RULE OFFSET: a finding of RULE starts there
	test "$(sql hs.db "select count(*) from findings where rule = '$1' and offset = $2")" = 1
}
check "... the key 1.4 MB long is found where it starts" starts_at t.key "$(end_of key)"
check "... and the address across a window's edge" ends_at t.mail "$(end_of edge)"
python3 -c '
import json
with open("fields.jsonl", "w") as f:
    for line in open("prose.txt"):
        f.write(json.dumps({"text": line, "n": 1}) + "\n")'
same "fields" --field text fields.jsonl
finish
