#!/usr/bin/env bash
# t0162: the Hyperscan cache ($PIIAUDIT_CACHE_DIR).  A scan keeps, under
# names made of what went into them, the compiled databases (hs-*.db) and
# what Hyperscan said of each rule's expressions (hs-*.info: taken or not,
# longest match), so that the next scan with the same rules compiles
# nothing (issue 4: 90 ms of every start).  Files 0600 in a 0700 folder;
# a damaged or foreign file is ignored and replaced, never trusted; an
# empty PIIAUDIT_CACHE_DIR writes nothing; an unwritable folder changes
# nothing but speed; a changed rule gets files of its own; the folder is
# pruned, the files used longest ago first.
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
files() { (cd "$1" && stat -c '%n %i %s' *); }
before=$(files cache | md5sum)
run 0 "$PIIAUDIT" scan -q --db b.db text.txt
check "a second scan writes nothing new" test "$(files cache | md5sum)" = "$before"
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
# A folder that cannot be made, even by root: under a plain file.
echo x >plain
PIIAUDIT_CACHE_DIR="$T/plain/cache" run 0 "$PIIAUDIT" scan -q --db g.db text.txt
check "a cache folder that cannot be made: the same findings" \
	test "$(sql a.db "$q" | md5sum)" = "$(sql g.db "$q" | md5sum)"
mkdir ro && chmod 500 ro
if [ "$(id -u)" != 0 ]; then
	PIIAUDIT_CACHE_DIR="$T/ro/cache" run 0 "$PIIAUDIT" scan -q --db g2.db text.txt
	check "an unwritable cache folder: the same findings, nothing written" \
		test "$(sql a.db "$q" | md5sum)" = "$(sql g2.db "$q" | md5sum)" -a ! -e ro/cache
else
	ok "# SKIP root writes anywhere (the folder under a plain file stands in)"
fi
check "an empty PIIAUDIT_CACHE_DIR: the same findings" test "$(sql a.db "$q" | md5sum)" = "$(sql f.db "$q" | md5sum)"

# Pruning, after a file is written: the files used longest ago go until at
# most 256 files of at most 64 MiB remain; a file read is touched; none
# used in the last ten minutes goes.
export PIIAUDIT_CACHE_DIR="$T/cache2"
run 0 "$PIIAUDIT" scan -q --db p1.db text.txt
real=$(cd cache2 && ls hs-*)
touch -d '3 days ago' cache2/hs-*
for i in $(seq 1 300); do
	f=$(printf 'cache2/hs-%032x.db' "$i")
	echo "old $i" >"$f"
	touch -d "$((400 - i)) hours ago" "$f"    # 1 the oldest, 300 the newest
done
run 0 "$PIIAUDIT" scan -q --db p2.db text.txt
check "a scan whose files are cached prunes nothing" test "$(ls cache2 | wc -l)" = $((300 + $(wc -w <<<"$real")))
check "but touches what it read" test -z "$(cd cache2 && find $real -mmin +5)"
sed -i 's/{5}/{6}/' one.yaml
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db p3.db text.txt
check "a written file prunes the folder to 256 files" test "$(ls cache2 | wc -l)" = 256
check "the files just used are kept" test "$(cd cache2 && ls $real 2>&1 | wc -l)" = "$(wc -w <<<"$real")"
check "the oldest went first" test ! -e "$(printf 'cache2/hs-%032x.db' 1)" -a -e "$(printf 'cache2/hs-%032x.db' 300)"
kept=$(ls cache2 | grep -c '^hs-0000')
check "and only those: the newest $kept of the old ones stayed" \
	test -e "$(printf 'cache2/hs-%032x.db' $((301 - kept)))" -a ! -e "$(printf 'cache2/hs-%032x.db' $((300 - kept)))"
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db p4.db text.txt
check "the same rules again find their files" test "$(sql p3.db "$q" | md5sum)" = "$(sql p4.db "$q" | md5sum)"

# Size: three old files of 40 MiB (sparse) and the rest small: the two
# oldest big ones go, and every file older than them.
for i in 1 2 3; do
	truncate -s 40M "cache2/hs-big$i.db"
	touch -d "$((10 - i)) hours ago" "cache2/hs-big$i.db"
done
sed -i 's/{6}/{7}/' one.yaml
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db p5.db text.txt
check "beyond 64 MiB the oldest large files go" test ! -e cache2/hs-big1.db -a ! -e cache2/hs-big2.db -a -e cache2/hs-big3.db
check "and the older small ones" test "$(ls cache2 | grep -c '^hs-0000')" = 0

# Recent files are never pruned, whatever their number.
rm -rf cache2 && mkdir cache2
for i in $(seq 1 300); do echo "new $i" >"$(printf 'cache2/hs-%032x.info' "$i")"; done
run 0 "$PIIAUDIT" scan -q --db p6.db text.txt
check "files used in the last ten minutes stay (300 + this scan's)" test "$(ls cache2 | wc -l)" -gt 300
finish
