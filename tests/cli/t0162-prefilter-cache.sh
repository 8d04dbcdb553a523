#!/usr/bin/env bash
# t0162: the Hyperscan cache ($PIIAUDIT_CACHE_DIR).  A scan keeps, under
# names made of what went into them, the compiled databases (hs-*.db) and
# what Hyperscan said of each rule's expressions (hs-*.info: taken or not,
# longest match), so that the next scan with the same rules compiles
# nothing (issue 4: 90 ms of every start).  Files 0600 in a 0700 folder;
# a damaged or foreign file is ignored and replaced, never trusted; an
# empty PIIAUDIT_CACHE_DIR writes nothing; an unwritable folder changes
# nothing but speed; a changed rule gets files of its own.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 -batch "$@" 2>&1; }
cd "$T" || exit 1

if ! "$PIIAUDIT" scan -q --engine hyperscan --db probe.db /dev/null >/dev/null 2>&1; then
	ok "# SKIP no Hyperscan engine in this build"
	finish
	exit
fi
python3 - <<'PY'
import random
r = random.Random(162)
with open("text.txt", "w") as f:
    for i in range(3000):
        f.write("row %d mail jane.doe%d@example.org tel +44 20 7946 %04d card 4111 1111 1111 1111 cf BNCGLI92E51F205S ip 81.2.69.%d\n"
                % (i, i, r.randint(0, 9999), i % 250))
PY
q="select offset, length, rule, confidence, fingerprint from findings order by 1, 3"
export PIIAUDIT_CACHE_DIR="$T/cache"

run 0 "$PIIAUDIT" scan -q --db a.db text.txt
check "a first scan leaves databases and expression info in the cache" \
	test "$(ls cache/hs-*.db | wc -l)" -ge 1 -a "$(ls cache/hs-*.info | wc -l)" = 1
check "the cache folder is 0700 and its files 0600" \
	test "$(stat -c %a cache)" = 700 -a "$(stat -c %a cache/hs-*.info cache/hs-*.db | sort -u)" = 600
before=$(ls -l --time-style=+%s.%N cache | md5sum)
run 0 "$PIIAUDIT" scan -q --db b.db text.txt
check "a second scan writes nothing new" test "$(ls -l --time-style=+%s.%N cache | md5sum)" = "$before"
check "and finds the same" test "$(sql a.db "$q" | md5sum)" = "$(sql b.db "$q" | md5sum)"
check "the findings are real (five kinds)" test "$(sql a.db 'select count(distinct rule) from findings')" -ge 5

info=$(ls cache/hs-*.info)
size=$(stat -c %s "$info")
for damage in truncate garbage magic count; do
	case $damage in
	truncate) head -c $((size - 3)) "$info" >x && mv x "$info" ;;
	garbage) head -c "$size" /dev/urandom >"$info" ;;
	magic) python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[0]^=1; open(sys.argv[1],'wb').write(b)" "$info" ;;
	count) python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[16]+=1; open(sys.argv[1],'wb').write(b)" "$info" ;;
	esac
	# Every rule's byte 'taken' set to 2 is refused too (see count/magic).
	rm -f c.db*
	run 0 "$PIIAUDIT" scan -q --db c.db text.txt
	check "a damaged info file ($damage) is ignored: the same findings" \
		test "$(sql a.db "$q" | md5sum)" = "$(sql c.db "$q" | md5sum)"
	check "and replaced by a good one ($damage)" test "$(stat -c %s "$info")" = "$size" -a \
		"$(head -c 16 "$info")" = "piiaudit hsinfo1"
done
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[24]=2; open(sys.argv[1],'wb').write(b)" "$info"
rm -f c.db*
run 0 "$PIIAUDIT" scan -q --db c.db text.txt
check "an info file with a flag other than 0 or 1 is ignored" \
	test "$(sql a.db "$q" | md5sum)" = "$(sql c.db "$q" | md5sum)" -a "$(od -An -tu1 -j24 -N1 "$info" | tr -d ' ')" != 2

for db in cache/hs-*.db; do head -c 100 /dev/urandom >"$db"; done
rm -f c.db*
run 0 "$PIIAUDIT" scan -q --db c.db text.txt
check "damaged databases are compiled again: the same findings" \
	test "$(sql a.db "$q" | md5sum)" = "$(sql c.db "$q" | md5sum)"

cat >one.yaml <<'EOF2'
rules:
  - id: t.word
    category: other
    pattern: 'zq[a-z]{3}'
EOF2
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db d.db text.txt
sed -i 's/{3}/{4}/' one.yaml
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db e.db text.txt
check "a changed rule gets its own info file" test "$(ls cache/hs-*.info | wc -l)" = 3

sed -i 's/{4}/{5}/' one.yaml
PIIAUDIT_CACHE_DIR= run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db f0.db text.txt
check "an empty PIIAUDIT_CACHE_DIR writes nothing" test "$(ls cache/hs-*.info | wc -l)" = 3
PIIAUDIT_CACHE_DIR= run 0 "$PIIAUDIT" scan -q --db f.db text.txt
mkdir ro && chmod 500 ro
if [ "$(id -u)" != 0 ]; then
	PIIAUDIT_CACHE_DIR="$T/ro/cache" run 0 "$PIIAUDIT" scan -q --db g.db text.txt
	check "an unwritable cache folder: the same findings, nothing written" \
		test "$(sql a.db "$q" | md5sum)" = "$(sql g.db "$q" | md5sum)" -a ! -e ro/cache
else
	ok "# SKIP root writes anywhere"
fi
check "an empty PIIAUDIT_CACHE_DIR: the same findings" test "$(sql a.db "$q" | md5sum)" = "$(sql f.db "$q" | md5sum)"
finish
