#!/usr/bin/env bash
# t0167: candidate ends that come at every byte (issue 4).  A prefilter
# such as `q[a-z]+` ends at each letter of a run; the matcher searches
# once up to the last of a run of ends no further apart than the rule's
# width, instead of once an end.  The findings must be those of PCRE2
# alone: a user rule whose matches sit inside dense runs, on short lines
# and on one long line; and the built-in dates of birth and passwords
# among words that start their prefilters (French 'né', Spanish 'nac',
# German 'geb', 'key', 'token', 'passage') on lines of every length.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
cd "$T" || exit 1

cat >dense.yaml <<'EOF2'
rules:
  - id: t.dense
    category: other
    pattern: '(?<![a-z])q[a-z]{1,30}[0-9]{3}(?![0-9])'
    prefilter: 'q[a-z]+'
    examples:
      match: ['qabc123', 'see qzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz999 here']
      no-match: ['q123', 'qab12']
EOF2
python3 - <<'PY'
import random
r = random.Random(167)
L = "abcdefghijklmnopqrstuvwxyz"
def run():
    k = r.random()
    if k < 0.4:
        return "q" + "".join(r.choice(L) for _ in range(r.randint(1, 40))) + str(r.choice([r.randint(100, 999), r.randint(100, 999), r.randint(10, 99), r.randint(1000, 9999)]))
    if k < 0.6:
        return "".join(r.choice(L + "q") for _ in range(r.randint(1, 80)))
    return str(r.randint(0, 9999))
with open("lines.txt", "w") as f:
    for i in range(20000):
        f.write(" ".join(run() for _ in range(r.randint(1, 30))) + "\n")
with open("long.txt", "w") as f:
    f.write(" ".join(run() for _ in range(200000)) + "\n")
words = ["données", "année", "nacional", "nación", "gegeben", "Gebäude", "nascer", "natale",
         "renaissance", "born", "birth", "key", "monkey", "token", "passage", "secretary",
         "credentials", "pwd", "=", ":", "2019", "12", "né", "le", "about", "the"]
values = ["DOB: 03/14/1985", "né le 12/03/1971", "fecha de nacimiento 07/02/1955",
          "Geburtsdatum: 24.12.1968", "born on 5th March 1990.", "nato a Roma il 03/04/1977",
          "password=Zk81qPm2Lx90Rt", "api_key: 'h7Gq2LmP9xWv4Rt1'", "token = 8Hs2kLq9Xm1Pz3Vb",
          "the password is now Q2w8EzR4tY6u ok", "key\tvalue", "secret: changeme"]
with open("words.txt", "w") as f:
    for i in range(6000):
        line = [r.choice(words) for _ in range(r.randint(1, 400 if i % 50 == 0 else 40))]
        for _ in range(r.randint(0, 3)):
            line.insert(r.randrange(len(line) + 1), r.choice(values))
        f.write(" ".join(line) + ("\n" if i % 7 else " "))
PY
q="select s.path, f.offset, f.length, f.rule, f.confidence, f.line from findings f join sources s on s.id = f.source_id order by 1, 2, 4"
if "$PIIAUDIT" scan -q --engine hyperscan --db probe.db /dev/null >/dev/null 2>&1; then
	run 0 "$PIIAUDIT" scan -q -j 1 --engine hyperscan --rules dense.yaml --db hs.db lines.txt long.txt words.txt
	run 0 "$PIIAUDIT" scan -q -j 1 --engine pcre2 --rules dense.yaml --db pc.db lines.txt long.txt words.txt
	check "the user rule is found inside runs, on short lines and on the long one" \
		test "$(sql pc.db "select count(*) from findings f join sources s on s.id = f.source_id where rule = 't.dense' and s.path like '%lines.txt'")" -ge 20000 -a \
		     "$(sql pc.db "select count(*) from findings f join sources s on s.id = f.source_id where rule = 't.dense' and s.path like '%long.txt'")" -ge 20000
	check "dates of birth and passwords among the words" \
		test "$(sql pc.db "select count(*) from findings where category = 'date_of_birth'")" -ge 3000 -a \
		     "$(sql pc.db "select count(*) from findings where rule = 'secret.password_assignment'")" -ge 2000
	check "the same findings as PCRE2 alone" \
		test "$(sql hs.db "$q" | md5sum)" = "$(sql pc.db "$q" | md5sum)"
	sed 's/\[a-z\]{1,30}/[a-z]{1,31}/' dense.yaml >wide.yaml
	run 0 "$PIIAUDIT" scan -q -j 1 --engine hyperscan --rules wide.yaml --db hs2.db long.txt
	run 0 "$PIIAUDIT" scan -q -j 1 --engine pcre2 --rules wide.yaml --db pc2.db long.txt
	check "and with a rule one byte wider" test "$(sql hs2.db "$q" | md5sum)" = "$(sql pc2.db "$q" | md5sum)"
else
	ok "# SKIP no Hyperscan engine in this build"
fi
finish
