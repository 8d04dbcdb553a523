#!/usr/bin/env bash
# t0162: the Hyperscan cache ($PIIAUDIT_CACHE_DIR).  A scan keeps, under
# names made of what went into them, the compiled databases (hs-*.db) and
# what Hyperscan said of each rule's expressions (hs-*.info: taken or not,
# longest match), so that the next scan with the same rules compiles
# nothing (issue 4: 90 ms of every start).  Files 0600 in a 0700 folder;
# a damaged or foreign file is ignored and replaced, never trusted; an
# empty PIIAUDIT_CACHE_DIR writes nothing; an unwritable folder changes
# nothing but speed; a changed rule gets files of its own; the folder is
# pruned, the files used longest ago first; a full disk leaves no torn
# file, and a stamp that cannot be written only skips the pruning.
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
		"$(head -c 16 "$info")" = "piiaudit hsinfo2"
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

# Pruning, after a file is written and at most once a minute (the time of
# cache/prune.stamp): the files used longest ago go, at most 64 at a time,
# until at most 256 files of at most 64 MiB remain; a file read is
# touched; none used in the last ten minutes goes.
export PIIAUDIT_CACHE_DIR="$T/cache2"
due() { touch -d '2 minutes ago' "$PIIAUDIT_CACHE_DIR/prune.stamp"; }
newpack() { sed -i "s/{[0-9]*}/{$1}/" one.yaml; }     # a rule set not cached yet
hs() { ls "$PIIAUDIT_CACHE_DIR" | grep -c "^hs-${1:-}"; }
old() { printf "$PIIAUDIT_CACHE_DIR/hs-%032x.db" "$1"; }
run 0 "$PIIAUDIT" scan -q --db p1.db text.txt
real=$(cd cache2 && ls hs-*)
touch -d '3 days ago' cache2/hs-*
for i in $(seq 1 300); do
	echo "old $i" >"$(old "$i")"
	touch -d "$((400 - i)) hours ago" "$(old "$i")"      # 1 the oldest, 300 the newest
done
run 0 "$PIIAUDIT" scan -q --db p2.db text.txt
check "a scan whose files are cached prunes nothing" test "$(hs)" = $((300 + $(wc -w <<<"$real")))
check "but touches what it read" test -z "$(cd cache2 && find $real -mmin +5)"
due; newpack 6
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db p3.db text.txt
# The first file the scan writes prunes (to 256), the second one no more.
check "a written file prunes the folder to 256 files (257 with the scan's second)" \
	test "$(hs)" -ge 256 -a "$(hs)" -le 257
check "the files just used are kept" test "$(cd cache2 && ls $real 2>&1 | wc -l)" = "$(wc -w <<<"$real")"
check "the oldest went first" test ! -e "$(old 1)" -a -e "$(old 300)"
kept=$(hs 0000)
check "and only those: the newest $kept of the old ones stayed" \
	test -e "$(old $((301 - kept)))" -a ! -e "$(old $((300 - kept)))"
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db p4.db text.txt
check "the same rules again find their files" test "$(sql p3.db "$q" | md5sum)" = "$(sql p4.db "$q" | md5sum)"
newpack 7
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db p5.db text.txt
check "within a minute of the last pruning, a written file prunes nothing" test "$(hs)" -gt 256

# At most 64 files a pruning, the oldest.
for i in $(seq 1 200); do
	f=$(printf 'cache2/hs-old-%03d.db' "$i")
	echo "older $i" >"$f"
	touch -d "$((800 - i)) hours ago" "$f"              # older than all the rest
done
due; newpack 8
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db p6.db text.txt
check "a pruning removes at most 64 files, the oldest" \
	test "$(hs old)" = 136 -a ! -e cache2/hs-old-064.db -a -e cache2/hs-old-065.db
check "(the folder is still over its limit)" test "$(hs)" -gt 256

# Size: three old files of 40 MiB (sparse) beside this scan's: the two
# oldest go, since the newest 40 MiB and the small files fit in 64 MiB.
export PIIAUDIT_CACHE_DIR="$T/cache3"
run 0 "$PIIAUDIT" scan -q --db p7.db text.txt
for i in 1 2 3; do
	truncate -s 40M "cache3/hs-big$i.db"
	touch -d "$((10 - i)) hours ago" "cache3/hs-big$i.db"
done
due; newpack 9
run 0 "$PIIAUDIT" scan -q --no-builtin-rules --rules one.yaml --db p8.db text.txt
check "beyond 64 MiB the oldest large files go" test ! -e cache3/hs-big1.db -a ! -e cache3/hs-big2.db -a -e cache3/hs-big3.db

# Recent files are never pruned, whatever their number.
export PIIAUDIT_CACHE_DIR="$T/cache4"
mkdir cache4
for i in $(seq 1 300); do echo "new $i" >"$(printf 'cache4/hs-%032x.info' "$i")"; done
run 0 "$PIIAUDIT" scan -q --db p9.db text.txt
check "files used in the last ten minutes stay (300 + this scan's)" test "$(hs)" -gt 300

# A full disk under the cache (t0830's LD_PRELOAD shim: writes to the
# folder fail with ENOSPC after N bytes): the scan finds the same, and no
# cache file is left half-written under its name or as a temporary file;
# each one there is whole (the same bytes as an undisturbed scan's, whose
# names come from what went into them).
${CC:-cc} -shared -fPIC -o "$T/enospc.so" "$TOP/tests/cli/enospc_shim.c" -ldl 2>"$T/cc.err"
check "the ENOSPC shim builds" test -f "$T/enospc.so"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
PIIAUDIT_CACHE_DIR="$T/whole" run 0 "$PIIAUDIT" scan -q --db w.db text.txt
for budget in 0 300 200000; do
	rm -rf full
	ENOSPC_PATH="$T/full" ENOSPC_AFTER=$budget LD_PRELOAD="$T/enospc.so" PIIAUDIT_CACHE_DIR="$T/full" \
		run 0 "$PIIAUDIT" scan -q --db "f$budget.db" text.txt
	check "cache disk full after $budget bytes: the same findings" \
		test "$(sql a.db "$q" | md5sum)" = "$(sql "f$budget.db" "$q" | md5sum)"
	check "... no temporary file left" test -z "$(ls full 2>/dev/null | grep -F .tmp)"
	torn=0
	for f in full/hs-*; do
		[ -e "$f" ] || continue
		cmp -s "$f" "whole/${f#full/}" || torn=$((torn + 1))
	done
	check "... every cache file there is whole ($torn torn)" test "$torn" = 0
done
check "(the largest budget let some file through)" test -n "$(ls full/hs-* 2>/dev/null)"

# A prune stamp that cannot be written (a folder in its place): no pruning,
# the scan and the cache as usual.
mkdir -p cache6/prune.stamp
touch -d '2 hours ago' cache6/prune.stamp
PIIAUDIT_CACHE_DIR="$T/cache6" run 0 "$PIIAUDIT" scan -q --db s6.db text.txt
check "a prune stamp that cannot be written: the same findings" \
	test "$(sql a.db "$q" | md5sum)" = "$(sql s6.db "$q" | md5sum)"
check "... and the cache written" test "$(ls cache6/hs-* | wc -l)" -ge 2
finish
