#!/usr/bin/env bash
# A tar of 100,000 empty members (the issue's million, scaled for make
# check): memory stays bounded, the database small, the scan quick.  Empty
# members are counted on their archive ("N empty members (not listed)"),
# not given a row each; members with content still are.  --max-entries
# stops such a tar when asked.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 "$T/m.db" "$1"; }
N=100000

python3 - "$T/many.tar" $N <<'PY'
import sys
# ustar headers written directly: python's tarfile takes minutes for this.
def header(name, size=0):
    h = bytearray(512)
    def put(off, b): h[off:off + len(b)] = b
    put(0, name.encode())
    put(100, b"0000644\0"); put(108, b"0000000\0"); put(116, b"0000000\0")
    put(124, b"%011o\0" % size); put(136, b"00000000000\0")
    put(148, b"        "); put(156, b"0"); put(257, b"ustar\x0000")
    put(148, b"%06o\0 " % sum(h))
    return bytes(h)
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    for i in range(n):
        if i in (0, n // 2, n - 1):   # three members with content among them
            body = b"member %d: holder%d@members.io\n" % (i, i)
            f.write(header("d%03d/full%07d.txt" % (i // 1000, i), len(body)))
            f.write(body + b"\0" * (-len(body) % 512))
        f.write(header("d%03d/e%07d" % (i // 1000, i)))
    f.write(b"\0" * 1024)
PY
start=$(date +%s)
if [ -x /usr/bin/time ]; then
	run 0 /usr/bin/time -v "$PIIAUDIT" scan -q -j 1 --db "$T/m.db" "$T/many.tar"
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/err")
	# Under the sanitizers the quarantine of freed memory dominates.
	limit=$([ -n "${ASAN_OPTIONS:-}" ] && echo 1000000 || echo 100000)
	check "peak memory is bounded (${rss} KiB < $limit)" test "${rss:-9999999}" -lt "$limit"
else
	run 0 "$PIIAUDIT" scan -q -j 1 --db "$T/m.db" "$T/many.tar"
fi
took=$(( $(date +%s) - start ))
check "$N empty members scanned in $took s" test "$took" -le 30
size=$(stat -c %s "$T/m.db")
check "the database stays small ($size bytes)" test "$size" -lt 4000000
check "the archive notes its empty members" \
	test "$(sql "select note from sources where parent_id is null")" = "$N empty members (not listed)"
check "members with content have their rows" test "$(sql "select count(*) from sources where kind = 'member'")" = 3
check "... and their findings" test "$(sql "select count(*) from findings")" = 3
check "the archive was read whole" test "$(sql "select status from sources where parent_id is null")" = ok

# The same archive compressed, read as a stream: the same result.
gzip -1 -c "$T/many.tar" >"$T/many.tar.gz"
run 0 "$PIIAUDIT" scan -q -j 1 --db "$T/z.db" "$T/many.tar.gz"
check "tar.gz: the empty members counted, no row each" \
	test "$(sqlite3 "$T/z.db" "select count(*) || ' ' || max(coalesce(note, '')) from sources")" = "4 $N empty members (not listed)"

run 3 "$PIIAUDIT" scan -q --db "$T/e.db" --max-entries 1000 "$T/many.tar"
check "--max-entries stops it, and says so" grep -q 'many.tar: limit: more than 1000 entries (--max-entries)' "$T/err"
check "... the member before the limit kept its finding" test "$(sqlite3 "$T/e.db" 'select count(*) from findings')" = 1

# An empty member directly: a tar holding only one empty file.
mkdir -p "$T/one" && : >"$T/one/empty.txt"
tar -C "$T/one" -cf "$T/one.tar" empty.txt
run 0 "$PIIAUDIT" scan -q --db "$T/one.db" "$T/one.tar"
check "a tar of one empty file: read, one row, noted" \
	test "$(sqlite3 "$T/one.db" "select status || ' ' || note from sources")" = "ok 1 empty members (not listed)"
finish
