#!/usr/bin/env bash
# t0130: the audit database must not leak (issue 2, DESIGN "The audit
# database must not leak").  No planted raw value in the bytes of the
# database (or its -wal/-shm); database and key file mode 0600 whatever the
# umask; the key file created on first use where PIIAUDIT_KEY_FILE or --key
# points, whole or not at all when two first scans race; a key file
# readable by others refused; --store-values as the
# explicit opt-in; fingerprints: same value same fingerprint, different
# values or keys different fingerprints.
. "$(dirname "$0")/lib.sh"
FX="$TOP/tests/cli/fixtures.py"

# fx ARGS...: runs fixtures.py; its "ok/not_ok<TAB>what<TAB>detail" lines
# become checks.
fx() {
	local v what detail rc
	python3 "$FX" "$@" >"$T/fx.out" 2>"$T/fx.err"; rc=$?
	while IFS=$'\t' read -r v what detail; do
		case $v in
		ok) ok "$what" ;;
		not_ok) not_ok "$what" "$(printf '%b' "$detail")" ;;
		esac
	done <"$T/fx.out"
	[ "$rc" -eq 0 ] || not_ok "fixtures.py $1 ran" "$(tail -n 20 "$T/fx.err")"
}
# has_category CAT: a rule of that category is loaded.
has_category() { "$PIIAUDIT" rules list 2>/dev/null | awk -v c="$1" '$2 == c { f = 1 } END { exit !f }'; }
sql() { sqlite3 -batch "$T/db" "$@" 2>&1; }

mode() { stat -c %a "$1" 2>/dev/null || echo missing; }
# planted_in FILE...: the planted raw values (or lowercased) found in the files' bytes
planted_in() {
	python3 - "$F/privacy.json" "$@" <<'PY'
import json, sys
vals = {e["value"] for e in json.load(open(sys.argv[1]))["planted"]}
hits = []
for path in sys.argv[2:]:
    try:
        data = open(path, "rb").read()
    except FileNotFoundError:
        continue
    for v in sorted(vals):
        for form in {v, v.lower()}:
            for enc in (form.encode(), form.encode("utf-16-le")):
                if enc in data:
                    hits.append("%s: %s" % (path, form))
        local = v.split("@")[0]
        if local.encode() in data:
            hits.append("%s: local part %s" % (path, local))
print("\n".join(sorted(set(hits))))
PY
}
fingerprints() { # DB -> "value-less" list: source member offset fingerprint
	"$PIIAUDIT" export --db "$1" --format jsonl | python3 -c '
import json, sys
for o in map(json.loads, sys.stdin):
    print(o["source"], o["member"], o["offset"], o["fingerprint"])'
}

F=$T/f
if python3 "$FX" build privacy "$F" 2>"$T/err"; then ok "fixtures built"
else not_ok "fixtures built" "$(cat "$T/err")"; fi
cd "$F" || exit 1
shared=$(cat shared-value.txt)

# The key file is created on first use where PIIAUDIT_KEY_FILE points, in
# folders that do not exist yet; umask 000 must not widen any mode.
export PIIAUDIT_KEY_FILE="$T/keys/a/b/key"
(umask 000; "$PIIAUDIT" scan -q --db "$T/db" p1.txt p2.txt p3.tar.gz) >"$T/out" 2>"$T/err"; rc=$?
check "scan with umask 000: exit 0 (got $rc)" test "$rc" = 0
check "key file created where PIIAUDIT_KEY_FILE points" test -f "$T/keys/a/b/key"
check "key file mode 0600 ($(mode "$T/keys/a/b/key"))" test "$(mode "$T/keys/a/b/key")" = 600
check "key folders created 0700 ($(mode "$T/keys/a"))" test "$(mode "$T/keys/a")" = 700
check "database mode 0600 ($(mode "$T/db"))" test "$(mode "$T/db")" = 600
for f in "$T/db-wal" "$T/db-shm"; do
	if [ -e "$f" ]; then check "${f##*/} mode 0600 ($(mode "$f"))" test "$(mode "$f")" = 600
	else ok "skipped: no ${f##*/} left after the scan"; fi
done
run 0 "$PIIAUDIT" export --db "$T/db" --format jsonl
cp "$T/out" "$T/p.jsonl"
fx verify privacy.json "$T/p.jsonl" --what privacy
hits=$(planted_in "$T/db" "$T/db-wal" "$T/db-shm" "$T/p.jsonl")
check "no planted raw value in the database, its -wal/-shm, or the export" test -z "$hits"
[ -z "$hits" ] || printf '%s\n' "$hits" | head -5 | sed 's/^/#   /'
# A second run into the same database: every file next to it looked at.
(umask 000; "$PIIAUDIT" scan -q --db "$T/db" p1.txt) >"$T/out" 2>"$T/err"; rc=$?
check "a second run into the same database: exit 0 (got $rc)" test "$rc" = 0
hits=$(planted_in "$T"/db*)
check "after a second run into the same database: still no raw value" test -z "$hits"
check "database mode still 0600 after reopening ($(mode "$T/db"))" test "$(mode "$T/db")" = 600
got=$(cat "$T/keys/a/b/key" | wc -c)
check "the key file holds a key (65 bytes: 64 hex digits and a newline; got $got)" test "$got" = 65

# Fingerprints: the same value in two files, one fingerprint; distinct
# values, distinct fingerprints (values read back from the plain files).
python3 - "$T/p.jsonl" "$shared" >"$T/fpcheck" 2>&1 <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
shared = sys.argv[2]
fp_of = {}
for o in objs:
    if o["member"] is None:
        v = open(o["source"], "rb").read()[o["offset"]:o["offset"] + o["length"]].decode()
        fp_of.setdefault(v, set()).add(o["fingerprint"])
bad = []
if len(fp_of.get(shared, ())) != 1:
    bad.append("shared value: fingerprints %s" % fp_of.get(shared))
seen = {}
for v, fps in fp_of.items():
    for fp in fps:
        if fp in seen and seen[fp] != v:
            bad.append("%s and %s share %s" % (v, seen[fp], fp))
        seen[fp] = v
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
rc=$?
check "same value in two files: one fingerprint; different values: different ones" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/fpcheck" | head -5
n1=$(grep -c . "$T/p.jsonl"); n2=$(python3 -c '
import json, sys
print(len({json.loads(l)["fingerprint"] for l in open(sys.argv[1])}))' "$T/p.jsonl")
check "distinct fingerprints = distinct values ($n2 = $n1 - 1)" test "$n2" = $((n1 - 1))
python3 -c '
import json, sys
for o in map(json.loads, open(sys.argv[1])):
    print(o["source"], o["member"], o["offset"], o["fingerprint"])' "$T/p.jsonl" >"$T/fp"

# The same key, a later run (the second run above, p1.txt only): the same
# fingerprints, so runs join.
fingerprints "$T/db" >"$T/fp2"
grep '^p1\.txt ' "$T/fp" | sort >"$T/fp1s"; sort "$T/fp2" >"$T/fp2s"
check "same key, a later run: same fingerprints ($(grep -c . "$T/fp2s") findings)" \
	test -s "$T/fp2s" -a "$(cat "$T/fp1s")" = "$(cat "$T/fp2s")"
# --key overrides PIIAUDIT_KEY_FILE, and a different key gives different fingerprints.
run 0 "$PIIAUDIT" scan -q --key "$T/other/key" --db "$T/db3" p1.txt p2.txt p3.tar.gz
check "--key: the key file created there" test -f "$T/other/key"
check "--key: its mode 0600 ($(mode "$T/other/key"))" test "$(mode "$T/other/key")" = 600
fingerprints "$T/db3" >"$T/fp3"
same=$(cut -d' ' -f4 "$T/fp3" | grep -cxFf <(cut -d' ' -f4 "$T/fp"))
check "a different key: no fingerprint in common ($same shared)" test "$same" = 0
check "a different key: the same findings (source, member, offset)" \
	cmp -s <(cut -d' ' -f1-3 "$T/fp" | sort) <(cut -d' ' -f1-3 "$T/fp3" | sort)
k1=$(sqlite3 "$T/db" 'select key_id from runs where id = 1'); k3=$(sqlite3 "$T/db3" 'select key_id from runs')
check "runs.key_id tells the keys apart ($k1 / $k3)" test -n "$k1" -a "$k1" != "$k3"
check "the key itself is not in the database" \
	test -z "$(grep -aoF "$(head -c 64 "$T/other/key")" "$T/db3" 2>/dev/null)" \
		-a -z "$(grep -aoF "$(head -c 64 "$T/keys/a/b/key")" "$T/db" 2>/dev/null)"

# A key file readable by others is refused: exit 2, no database made.
cp "$T/other/key" "$T/loose-key"; chmod 0644 "$T/loose-key"
run 2 "$PIIAUDIT" scan -q --key "$T/loose-key" --db "$T/db4" p1.txt
check "key mode 0644: the error names the key file" grep -q "loose-key" "$T/err"
check "key mode 0644: no database created" test ! -e "$T/db4"
check "key mode 0644: the key file is left as it was" test "$(mode "$T/loose-key")" = 644

# --store-values: the raw values are in the database, and export
# --show-values prints them; without --show-values, no value key.
run 0 "$PIIAUDIT" scan -q --store-values --db "$T/db5" p1.txt p2.txt p3.tar.gz
hits=$(planted_in "$T/db5")
check "--store-values: the raw values are in the database" test -n "$hits"
run 0 "$PIIAUDIT" export --db "$T/db5" --format jsonl --show-values
python3 - "$T/out" "$F/privacy.json" >"$T/sv" 2>&1 <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
want = sorted(e["value"] for e in json.load(open(sys.argv[2]))["planted"])
got = sorted(o.get("value") for o in objs)
bad = []
if got != want:
    bad.append("values %s, want %s" % (got[:3], want[:3]))
for o in objs:
    if open(o["source"], "rb").read()[o["offset"]:o["offset"] + o["length"]].decode() != o["value"] \
            if o["member"] is None else False:
        bad.append("value %s does not match the bytes at its offset" % o["value"])
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
rc=$?
check "export --show-values prints every planted value" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/sv" | head -5
run 0 "$PIIAUDIT" export --db "$T/db5" --format jsonl
check "export without --show-values: no value printed" test -z "$(planted_in "$T/out")"
run 0 "$PIIAUDIT" export --db "$T/db5" --format csv --show-values
check "csv --show-values: a value column with the values" test -n "$(planted_in "$T/out")"
check "csv --show-values: header ends with ,value" test "$(head -n 1 "$T/out" | sed 's/.*,//')" = value
run 0 "$PIIAUDIT" export --db "$T/db" --format jsonl --show-values
got=$(python3 -c '
import json, sys
print(sorted({repr(json.loads(l).get("value", "absent")) for l in open(sys.argv[1])}))' "$T/out")
check "--show-values on a run without stored values: value is null ($got)" test "$got" = "['None']"
v=$(sqlite3 "$T/db5" 'select store_values from runs'); w=$(sqlite3 "$T/db" 'select group_concat(store_values) from runs')
check "runs.store_values records the opt-in ($v; without: $w)" test "$v" = 1 -a "$w" = "0,0"

# Two first scans at once, neither finding a key file: one is paused just
# before it writes the key it made (a shim), the other makes and uses its
# own meanwhile.  A key file is never seen half-written: both scans finish,
# with the same key, and the file holds one whole key.
${CC:-cc} -shared -fPIC -o "$T/pause.so" "$TOP/tests/cli/pause_shim.c" -ldl 2>"$T/cc.err"
check "the pause shim builds" test -f "$T/pause.so"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
mkdir "$T/race"
PAUSE_ON=write PAUSE_PATH="$T/race/key" PAUSE_FLAG="$T/race/paused" PAUSE_SECONDS=2 LD_PRELOAD="$T/pause.so" \
	"$PIIAUDIT" scan -q --key "$T/race/key" --db "$T/race/a.db" p1.txt 2>"$T/race/a.err" &
first=$!
for _ in $(seq 100); do [ -e "$T/race/paused" ] && break; sleep 0.1; done
check "... the first scan paused before writing its key" test -e "$T/race/paused"
"$PIIAUDIT" scan -q --key "$T/race/key" --db "$T/race/b.db" p1.txt 2>"$T/race/b.err"
second=$?
wait "$first"
first=$?
check "two first scans at once: both exit 0 ($first $second: $(cat "$T/race/a.err" "$T/race/b.err" | head -c 300))" \
	test "$first$second" = 00
check "... with the same key" \
	test "$(sqlite3 "$T/race/a.db" 'select key_id from runs')" = "$(sqlite3 "$T/race/b.db" 'select key_id from runs')"
check "... the key file holds one whole key, mode 0600" \
	test "$(wc -c <"$T/race/key")" = 65 -a "$(mode "$T/race/key")" = 600
check "... and nothing else is left beside it" test "$(ls -A "$T/race" | grep -c key)" = 1

finish
