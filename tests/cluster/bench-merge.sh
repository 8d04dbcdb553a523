#!/usr/bin/env bash
# Times piiaudit merge on shards with synthetic findings made in SQL.
#
#   tests/cluster/bench-merge.sh [MILLIONS] [SHARDS]
#
# Builds SHARDS (default 1) shard databases holding MILLIONS (default 1)
# million findings between them (plus a real scan of a small file, so each
# is a genuine shard run), merges them into a new database, prints the wall
# and CPU time and the peak memory of the merge, checks the counts, and
# merges once more into the same output (every shard skipped).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
PIIAUDIT=${PIIAUDIT:-$top/piiaudit}
millions=${1:-1} shards=${2:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/piiaudit-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PIIAUDIT_KEY_FILE="$work/key" PIIAUDIT_RULES_DIR=${PIIAUDIT_RULES_DIR:-$top/rules/packs}
cd "$work"
printf 'write to someone.real@example-corp.io today\n' >seed.txt
for k in $(seq 0 $((shards - 1))); do
	"$PIIAUDIT" scan -q --engine pcre2 --shard "$k/$shards" --db "shard-$k.db" seed.txt
	per=$((millions * 1000 / shards))
	/usr/bin/time -f "shard $k: built in %e s" "$here/synth.sh" "shard-$k.db" 1 "$per" 10 100
done
ls -l shard-*.db | awk '{ s += $5 } END { printf "shards: %.0f MB on disk\n", s / 1e6 }'
/usr/bin/time -f "merge: %e s wall, %U s user, %S s system, %M kB peak memory" \
	"$PIIAUDIT" merge -q --db out.db shard-*.db
echo "merged: $(sqlite3 out.db 'select count(*) from findings') findings, $(sqlite3 out.db 'select count(*) from sources') sources, indexes: $(sqlite3 out.db "select count(*) from sqlite_master where type = 'index' and tbl_name = 'findings'")"
/usr/bin/time -f "merge again (all skipped): %e s wall" "$PIIAUDIT" merge -q --db out.db shard-*.db
