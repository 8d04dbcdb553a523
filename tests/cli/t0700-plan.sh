#!/usr/bin/env bash
# t0700: piiaudit plan (issue 7): the plan format scan --plan reads, the
# size-balanced greedy split (largest first, to the lightest shard, ties to
# the lowest number), determinism, paths a plan cannot hold, unreadable and
# skipped paths, and every exit status.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/cluster/lib.sh"

# mkfile PATH BYTES
mkfile() { mkdir -p "$(dirname "$1")" && head -c "$2" /dev/zero | tr '\0' 'x' >"$1"; }
# body: the plan lines without comments.
body() { grep -v '^#' "$1"; }

cd "$T" || exit 1
mkfile d/a 100; mkfile d/b 90; mkfile d/c 80; mkfile d/sub/d 70; mkfile d/sub/e 60
mkfile d/f 50; mkfile d/g 40; mkfile d/y 40

run 0 "$PIIAUDIT" plan --shards 3 d
cp "$T/out" "$T/plan3"
check "plan: the header scan --plan reads" test "$(head -n 1 "$T/plan3")" = "# piiaudit plan v1 shards=3"
check "plan: nothing on stderr" test ! -s "$T/err"
# Largest first, each to the lightest shard, the lowest number on a tie:
# 100->0, 90->1, 80->2, 70->2, 60->1, 50->0, 40 (d/g, by path before d/y)->0
# (all at 150), 40 d/y->1 (0 has 190).
printf '0\t100\td/a\n0\t50\td/f\n0\t40\td/g\n1\t90\td/b\n1\t60\td/sub/e\n1\t40\td/y\n2\t80\td/c\n2\t70\td/sub/d\n' >"$T/want"
if body "$T/plan3" | cmp -s - "$T/want"; then ok "plan: the greedy split, grouped by shard, largest first"
else not_ok "plan: the greedy split" "$(body "$T/plan3" | diff "$T/want" - )"; fi
check "plan: per-shard totals as comments" grep -qx '# shard 0: 3, 190' "$T/plan3"
check "plan: the total as a comment" grep -qx '# 8 sources, 530 bytes; per shard: sources, bytes' "$T/plan3"

# Deterministic: the same plan again, and whatever order the paths are
# given in (they are sorted by size and path, not by argument order).
run 0 "$PIIAUDIT" plan --shards 3 d/sub d/a d/b d/c d/f d/g d/y
check "plan: the same plan from the paths in another order" cmp -s "$T/out" "$T/plan3"
run 0 "$PIIAUDIT" plan --shards 3 d
check "plan: the same plan twice" cmp -s "$T/out" "$T/plan3"

# Relative paths stay relative, absolute ones absolute.
run 0 "$PIIAUDIT" plan --shards 2 "$T/d/sub" d/a
check "plan: an absolute path stays absolute" grep -q "	$T/d/sub/d\$" "$T/out"
check "plan: a relative path stays relative" grep -q '	d/a$' "$T/out"

# More shards than files: empty shards are fine, and scan one of them.
run 0 "$PIIAUDIT" plan --shards 12 d
check "plan: 12 shards, 8 files: four empty shards" grep -qx '# shard 11: 0, 0' "$T/out"
cp "$T/out" "$T/plan12"
run 0 "$PIIAUDIT" scan -q "${ENGINE[@]}" --plan "$T/plan12" --shard 11 --db "$T/empty-shard.db"
check "scan of an empty shard: a run with no sources" \
	test "$(sqlite3 "$T/empty-shard.db" 'select status, shard_index, shard_count, (select count(*) from sources) from runs')" = "ok|11|12|0"

# Every file exactly once, and the shards' totals add up.
python3 "$CLUSTER/corpus.py" "$T/corpus" --files 40 >/dev/null
run 0 "$PIIAUDIT" plan --shards 5 corpus
cp "$T/out" "$T/plan5"
find corpus -type f | sort >"$T/files"
body "$T/plan5" | cut -f3 | sort >"$T/planned"
check "plan: every file of the walk once" cmp -s "$T/files" "$T/planned"
if body "$T/plan5" | awk -F'\t' -v plan="$T/plan5" '
	{ bytes[$1] += $2; n[$1]++; if ($2 > max) max = $2 }
	END {
		while ((getline l < plan) > 0)
			if (l ~ /^# shard /) { split(l, w, /[ :,]+/); if (n[w[3]] + 0 != w[4] || bytes[w[3]] + 0 != w[5]) exit 1 }
		lo = -1; hi = 0
		for (k = 0; k < 5; k++) { if (lo < 0 || bytes[k] < lo) lo = bytes[k]; if (bytes[k] > hi) hi = bytes[k] }
		# Greedy to the lightest: the spread is at most the largest file.
		exit !(hi - lo <= max)
	}'; then ok "plan: comment totals match the lines; spread within the largest file"
else not_ok "plan: comment totals match the lines; spread within the largest file" "$(head -n 8 "$T/plan5")"; fi
# Each line's bytes are the file's size.
bad=$(body "$T/plan5" | while IFS=$'\t' read -r k b p; do [ "$(stat -c %s "$p")" = "$b" ] || echo "$p"; done)
check "plan: BYTES is the file's size" test -z "$bad"

# Paths a plan cannot hold: refused, named, nothing on stdout.
mkdir -p tabs && mkfile "tabs/a	b.txt" 10 && mkfile tabs/ok.txt 10
run 2 "$PIIAUDIT" plan --shards 2 tabs
check "plan: a path with a tab is refused by name" grep -q 'tabs/a\\tb.txt: a path with a tab or newline cannot be written in a plan' "$T/err"
check "plan: nothing printed when refused" test ! -s "$T/out"
mkdir -p nl && mkfile "nl/x
y.txt" 10
run 2 "$PIIAUDIT" plan --shards 2 nl
check "plan: a path with a newline is refused by name" grep -q 'nl/x\\ny.txt: a path with' "$T/err"

# An unreadable path: named, kept in the plan (0 bytes), exit 3; the shard
# that gets it records the error as one run would.
run 3 "$PIIAUDIT" plan --shards 2 d/a no-such-file
cp "$T/out" "$T/plan-missing"
check "plan: a missing path is named on stderr" grep -q '^piiaudit: no-such-file: No such file or directory' "$T/err"
check "plan: ... and kept in the plan with 0 bytes" grep -qP '^\d\t0\tno-such-file$' "$T/plan-missing"
k=$(awk -F'\t' '$3 == "no-such-file" { print $1 }' "$T/plan-missing")
run 3 "$PIIAUDIT" scan -q "${ENGINE[@]}" --plan "$T/plan-missing" --shard "$k" --db "$T/missing.db"
check "scan of that shard records the missing source" \
	test "$(sqlite3 "$T/missing.db" "select status from sources where path = 'no-such-file'")" = error

# Symbolic links inside folders: skipped (a comment), unless --follow.
mkdir -p links && mkfile links/real.txt 20 && ln -s real.txt links/link.txt
run 0 "$PIIAUDIT" plan --shards 2 links
check "plan: a symbolic link in a folder is a comment, not a line" \
	test "$(body "$T/out" | cut -f3)" = "links/real.txt"
check "plan: ... named as skipped" grep -q '^#   links/link.txt: symbolic link not followed' "$T/out"
run 0 "$PIIAUDIT" plan --shards 2 --follow links
check "plan --follow: the link is planned" grep -q '	links/link.txt$' "$T/out"

# Usage errors.
run 2 "$PIIAUDIT" plan d
check "plan without --shards: says so" grep -q -- '--shards N is required' "$T/err"
run 2 "$PIIAUDIT" plan --shards 0 d
run 2 "$PIIAUDIT" plan --shards -3 d
run 2 "$PIIAUDIT" plan --shards 2x d
check "plan --shards 2x: names the value" grep -q "not '2x'" "$T/err"
run 2 "$PIIAUDIT" plan --shards 2
check "plan without paths: says so" grep -q 'no paths' "$T/err"
run 2 "$PIIAUDIT" plan --shards 2 -
check "plan -: standard input cannot be planned" grep -q 'standard input' "$T/err"
run 2 "$PIIAUDIT" plan --shards 2 --frobnicate d
check "plan: an unknown option is named" grep -q "frobnicate" "$T/err"
run 0 "$PIIAUDIT" plan --help
check "plan --help: the usage" grep -q 'usage: piiaudit plan --shards N' "$T/out"
run 0 "$PIIAUDIT" help plan
finish
