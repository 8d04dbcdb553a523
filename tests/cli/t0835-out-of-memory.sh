#!/usr/bin/env bash
# Memory that runs out (an LD_PRELOAD shim fails allocations above a size):
# a source whose record or buffers cannot be had is an error ("out of
# memory", one line naming it, exit 3), the other sources are scanned in
# full, nothing crashes and the database passes its integrity check, in
# text and field mode, with 1 and 2 jobs, at limits from the rule packs'
# loading to the largest buffers.  At start-up, the pack that could not be
# loaded is named, and out of memory is not called invalid YAML.
. "$(dirname "$0")/lib.sh"
sql() { sqlite3 "$1" "$2" 2>&1; }
cd "$T" || exit 1

if nm -D "$PIIAUDIT" 2>/dev/null | grep -q __asan_init; then
	ok "# SKIP the sanitizer runtime owns malloc"
	finish
	exit
fi
${CC:-cc} -shared -fPIC -o alloc.so "$TOP/tests/cli/alloc_shim.c" 2>cc.err
check "the allocation shim builds" test -f alloc.so

python3 - <<'PY'
import json
with open("big.jsonl", "w") as f:   # one record of 3 MB, then a small one
    f.write(json.dumps({"text": "mail a@corp.io " + "x" * 3000000 + " b@corp.io"}) + "\n")
    f.write(json.dumps({"text": "small c@corp.io"}) + "\n")
with open("many.jsonl", "w") as f:
    for i in range(3000):
        f.write(json.dumps({"text": "line %d e%d@corp.io \u00e9 \"q\" " % (i, i) + "w" * (i % 500)}) + "\n")
with open("last.jsonl", "w") as f:
    f.write(json.dumps({"text": "other d@corp.io"}) + "\n")
PY
oom() { # limit jobs db args...
	local limit=$1 jobs=$2 db=$3; shift 3
	ALLOC_FAIL_ABOVE=$limit LD_PRELOAD="$T/alloc.so" "$PIIAUDIT" scan -q -j "$jobs" --db "$db" "$@" \
		>"$T/out" 2>"$T/err"
}

# The 3 MB record cannot be held (limits between it and the next buffers).
for limit in 2100000 3500000; do
	for j in 1 2; do
		rm -f f.db*
		oom $limit $j f.db --field text big.jsonl many.jsonl last.jsonl; rc=$?
		check "field mode, $limit bytes, -j $j: exit 3" test $rc = 3
		check "field mode, $limit bytes, -j $j: one line names the source" \
			grep -qx "piiaudit: big.jsonl: out of memory" err
		check "field mode, $limit bytes, -j $j: it is the source's error" \
			test "$(sql f.db "select status || ' ' || error from sources where path like '%big.jsonl'")" = "error out of memory"
		check "field mode, $limit bytes, -j $j: the other sources in full" \
			test "$(sql f.db "select group_concat(status || ':' || findings, ' ') from (select * from sources where path not like '%big.jsonl' order by path)")" = "ok:1 ok:3000"
		check "field mode, $limit bytes, -j $j: integrity" test "$(sql f.db 'pragma integrity_check')" = ok
	done
done

# Every limit from the packs' loading up: never a crash, always a sound
# database; a run either completes or names what ran out.
for limit in 30000 300000 1000000 1500000 2100000 5000000 20000000; do
	for mode in text field; do
		rm -f s.db*
		args=(big.jsonl many.jsonl last.jsonl)
		[ $mode = field ] && args=(--field text "${args[@]}")
		oom $limit 2 s.db "${args[@]}"; rc=$?
		case $rc in
		0) check "$mode, $limit bytes: complete, every source ok" \
			test "$(sql s.db "select count(*) from sources where status != 'ok'")" = 0 ;;
		2) check "$mode, $limit bytes: refused at start, what ran out named" \
			grep -Eqi 'out of memory|allocate memory' err
		   check "$mode, $limit bytes: never called invalid YAML" sh -c "! grep -q 'invalid YAML' '$T/err'" ;;
		3) check "$mode, $limit bytes: an error named, the rest scanned" grep -Eqi 'out of memory|allocate memory' err
		   check "$mode, $limit bytes: integrity" test "$(sql s.db 'pragma integrity_check')" = ok ;;
		*) not_ok "$mode, $limit bytes: exit $rc" "$(cat err)" ;;
		esac
	done
done
finish
