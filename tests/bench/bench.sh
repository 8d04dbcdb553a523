#!/usr/bin/env bash
# make bench: piiaudit against cat, zcat, igzip, zstd and ripgrep on one
# deterministic corpus, in one run, on this machine.  Prints one table:
# MB/s of uncompressed text, the ratio to the matching baseline, peak RSS
# and the number of findings (matches for rg).
#
#   tests/bench/bench.sh [MB]        (default 1024; BENCH_MB also works)
#   BENCH_DIR=/path keeps the corpus between runs.
#   BENCH_SAMPLE=FILE adds two rows: rg's ten regexes and piiaudit's
#   default packs over FILE (uncompressed text of your own).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PIIAUDIT=${PIIAUDIT:-$TOP/piiaudit}
MB=${1:-${BENCH_MB:-1024}}
DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/piiaudit-bench.XXXXXX")}
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$DIR"' EXIT
export PIIAUDIT_KEY_FILE="$DIR/key" PIIAUDIT_RULES_DIR="$TOP/rules/packs"
for tool in rg igzip zstd xz 7z /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps installs it)" >&2; exit 2; }
done

# The generated prose is not your text, and what the rules cost depends on
# the text (Hyperscan took four times as long on 20 MB of documentation
# as on the corpus's first 20 MB: tests/bench/README.md).
SAMPLE=${BENCH_SAMPLE:-}
if [ -n "$SAMPLE" ] && { [ ! -f "$SAMPLE" ] || [ ! -r "$SAMPLE" ]; }; then
	echo "bench: BENCH_SAMPLE=$SAMPLE: not a readable file" >&2
	exit 2
fi

mkdir -p "$DIR"
C="$DIR/corpus.jsonl"
if [ ! -s "$C" ] || [ "$(cat "$DIR/mb" 2>/dev/null)" != "$MB" ]; then
	echo "generating $MB MB of JSON lines in $DIR ..." >&2
	python3 "$TOP/tests/bench/gen_bench.py" "$C" "$MB"
	gzip -6 -c "$C" >"$C.gz"
	zstd -q -3 -f "$C" -o "$C.zst"
	rm -rf "$DIR/shards" "$DIR/small" "$DIR/long" "$DIR/dict" "$DIR/corpus.json" && mkdir -p "$DIR/shards"
	split -n l/64 -d -a 3 "$C" "$DIR/shards/part-"
	for f in "$DIR"/shards/part-*; do mv "$f" "$f.jsonl"; done
	tar -C "$DIR" -czf "$DIR/shards.tar.gz" shards
	python3 - "$DIR/many.yaml" <<'PY'
import random, sys
r = random.Random(3)
out = ["rules:"]
for i in range(490):
    lit = "".join(r.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(4))
    out += ["  - id: other.synthetic_%03d" % i, "    category: other",
            "    pattern: '\\b%s[0-9]{6,10}[A-Z]{2}\\b'" % lit]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
	echo "$MB" >"$DIR/mb"
fi
BYTES=$(stat -c %s "$C")
# Many small files (a crawl kept as one document a file): the corpus in
# 20,000 pieces of about 10 KB, where what each file costs shows.
if [ ! -d "$DIR/small" ]; then
	mkdir -p "$DIR/small"
	split -n l/20000 -d -a 5 "$C" "$DIR/small/doc-"
fi

# The ten regexes as a pack, for a like-for-like run against ripgrep.
awk 'BEGIN { print "rules:" } { gsub(/'"'"'/, "'"''"'"); printf "  - id: other.ten_%02d\n    category: other\n    pattern: '"'"'%s'"'"'\n", NR, $0 }' \
	"$TOP/tests/bench/ten.rg" >"$DIR/ten.yaml"

declare -A SECS RSS COUNT CPU
# Each command runs BENCH_RUNS times (3 unless set); a row shows the run of
# median wall time (its CPU and peak RSS with it): these machines are
# shared, and one run of a second or two can be off by a third.  $PREP,
# when set, runs before each of them (a fresh database).
RUNS=${BENCH_RUNS:-3}
measure() { # name command...
	local name=$1; shift
	local r secs rss user sys
	: >"$DIR/times"
	for ((r = 0; r < RUNS; r++)); do
		[ -n "${PREP:-}" ] && eval "$PREP"
		/usr/bin/time -f "%e %M %U %S" -o "$DIR/time" "$@" >"$DIR/out" 2>"$DIR/err" || true
		read -r secs rss user sys <"$DIR/time"
		awk -v e="$secs" -v m="$rss" -v u="$user" -v s="$sys" 'BEGIN { printf("%s %s %.2f\n", e, m, u + s) }' >>"$DIR/times"
	done
	read -r SECS[$name] RSS[$name] CPU[$name] < <(sort -n "$DIR/times" | sed -n "$(((RUNS + 1) / 2))p")
}
scan() { # name db args...
	local name=$1 db="$DIR/$2.db"; shift 2
	PREP="rm -f '$db'*" measure "$name" "$PIIAUDIT" scan -q --no-progress --db "$db" "$@"
	COUNT[$name]=$(sqlite3 "$db" 'select count(*) from findings' 2>/dev/null || echo "?")
}

# Compile (and cache) each rule set's Hyperscan databases before timing:
# a row must not pay for a compile the previous ones did not.
: >"$DIR/empty.txt"
for rules in "--no-builtin-rules --rules $DIR/ten.yaml" "" "--rules $DIR/many.yaml"; do
	rm -f "$DIR/warm.db"*
	# shellcheck disable=SC2086
	"$PIIAUDIT" scan -q --no-progress --db "$DIR/warm.db" $rules "$DIR/empty.txt" >/dev/null 2>&1 || true
done
rm -f "$DIR/warm.db"* "$DIR/empty.txt"

measure cat cat "$C"
measure zcat zcat "$C.gz"
measure igzip igzip -dc "$C.gz"
measure zstd zstd -dc "$C.zst"
measure rg_raw rg -c -f "$TOP/tests/bench/ten.rg" "$C"; COUNT[rg_raw]=$(cat "$DIR/out")
measure rg_gz rg -z -c -f "$TOP/tests/bench/ten.rg" "$C.gz"; COUNT[rg_gz]=$(cat "$DIR/out")
scan pa_raw_ten raw-ten -j 1 --no-builtin-rules --rules "$DIR/ten.yaml" "$C"
scan pa_raw raw -j 1 "$C"
scan pa_raw_many raw-many -j 1 --rules "$DIR/many.yaml" "$C"
scan pa_raw_pcre2 raw-pcre2 -j 1 --engine pcre2 "$C"
scan pa_gz1 gz1 -j 1 "$C.gz"
scan pa_gz gz -j 2 "$C.gz"
scan pa_zst zst -j 2 "$C.zst"
scan pa_tar1 tar1 -j 1 "$DIR/shards.tar.gz"
scan pa_dir1 dir1 -j 1 "$DIR/shards"
scan pa_dir2 dir2 -j 2 "$DIR/shards"
scan pa_small2 small2 -j 2 "$DIR/small"
# Field mode: only the text field of each JSON record, lines and one array.
scan pa_field field -j 1 --field text "$C"
# Every field, key and number, no name given (--field '*').
scan pa_every every -j 1 --field '*' "$C"
[ -s "$DIR/corpus.json" ] || { printf '['; sed '$!s/$/,/' "$C"; printf ']\n'; } >"$DIR/corpus.json"
scan pa_array array -j 1 --field text "$DIR/corpus.json"
# Memory (issue 4: under 128 MiB for 2 jobs on any corpus): the corpus as
# two files of one line each, as text; and as two files of JSON records of
# 15 MiB (the text of many lines, escaped) with --field text.
if [ ! -s "$DIR/long/b.json" ]; then
	mkdir -p "$DIR/long"
	python3 - "$C" "$DIR/long" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
text = data.replace(b"\\", b" ").replace(b'"', b"'")
half = len(text) // 2
for name, part in (("a", text[:half]), ("b", text[half:])):
    open("%s/%s.txt" % (sys.argv[2], name), "wb").write(part.replace(b"\n", b" ") + b"\n")
    esc = part.replace(b"\n", b"\\n")
    with open("%s/%s.json" % (sys.argv[2], name), "wb") as f:
        for i in range(0, len(esc), 15 << 20):
            chunk = esc[i:i + (15 << 20)]
            if chunk.endswith(b"\\"):
                chunk = chunk[:-1] + b" "
            f.write(b'{"text":"' + chunk + b'"}\n')
PY
fi
scan pa_long_text long-text -j 2 "$DIR/long/a.txt" "$DIR/long/b.txt"
# Memory of decoders with big dictionaries: two copies of the corpus's
# first 80 MB as xz -9 (a 64 MiB dictionary) and as 7z with a 64 MiB LZMA2
# dictionary, 2 jobs: with the default --max-decoder-memory one decoder
# waits for the other's memory.  Made once (minutes).
if [ ! -s "$DIR/dict/b.7z" ]; then
	echo "compressing $DIR/dict (xz -9, 7z -md=64m) ..." >&2
	rm -rf "$DIR/dict" && mkdir -p "$DIR/dict"
	head -c 80000000 "$C" >"$DIR/dict/part.jsonl"
	xz -9 -c "$DIR/dict/part.jsonl" >"$DIR/dict/a.jsonl.xz"
	cp "$DIR/dict/a.jsonl.xz" "$DIR/dict/b.jsonl.xz"
	(cd "$DIR/dict" && 7z a -bd -mx5 -md=64m a.7z part.jsonl >/dev/null && cp a.7z b.7z)
	rm "$DIR/dict/part.jsonl"
fi
DICT_BYTES=$((2 * $(head -c 80000000 "$C" | wc -c)))
scan pa_xz9 xz9 -j 2 "$DIR/dict/a.jsonl.xz" "$DIR/dict/b.jsonl.xz"
scan pa_7z64 7z64 -j 2 "$DIR/dict/a.7z" "$DIR/dict/b.7z"
scan pa_long_field long-field -j 2 --field text "$DIR/long/a.json" "$DIR/long/b.json"
# The same scan into a database that already holds a million more findings
# (tests/cluster/synth.sh, in SQL): the findings index is by run first, so
# it should cost what a scan into an empty database does.
sqlite3 "$DIR/raw.db" 'pragma wal_checkpoint(truncate)' >/dev/null
rm -f "$DIR/full0.db"* && cp "$DIR/raw.db" "$DIR/full0.db" &&
	"$TOP/tests/cluster/synth.sh" "$DIR/full0.db" 1 1000 10 100 >/dev/null &&
	sqlite3 "$DIR/full0.db" 'pragma wal_checkpoint(truncate)' >/dev/null
PREP="rm -f '$DIR/full.db'* && cp '$DIR/full0.db' '$DIR/full.db'" \
	measure pa_full "$PIIAUDIT" scan -q --no-progress --db "$DIR/full.db" -j 1 "$C"
COUNT[pa_full]=$(sqlite3 "$DIR/full.db" 'select count(*) from findings where run_id = 2' 2>/dev/null || echo "?")
rm -f "$DIR/full.db"* "$DIR/full0.db"*
# Dense findings: a contact list, an address and a phone number a line
# (an eighth of the corpus's size, its own MB/s).  Each line is a finding
# or two: what the matcher and the writer cost when findings are not sparse;
# with --store-values the database keeps its temporary data in memory, but
# the fingerprint index's sort may spill (its peak RSS should stay that of
# the run without).
D="$DIR/dense.txt"
if [ ! -s "$D" ] || [ "$(cat "$DIR/dense.mb" 2>/dev/null)" != "$MB" ]; then
	python3 - "$D" "$((MB * 1000000 / 8))" <<'PY'
import random, sys
r = random.Random(11)
first = "anna ben carla dev emma felix gina hugo ines jon kai lena".split()
out, size = [], 0
while size < int(sys.argv[2]):
    a = r.choice(first)
    line = "%s.%s%d@mail%d.example.org, +44 20 7946 %04d\n" % (a, r.choice(first), r.randrange(10**6), r.randrange(97), r.randrange(10**4))
    out.append(line)
    size += len(line)
open(sys.argv[1], "w").write("".join(out))
PY
	echo "$MB" >"$DIR/dense.mb"
fi
DENSE_BYTES=$(stat -c %s "$D")
scan pa_dense dense -j 2 "$D"
scan pa_dense_values dense-values -j 2 --store-values "$D"
# redact (issue #9): the same inputs rewritten; the count is values replaced.
redact() { # name args...
	local name=$1; shift
	PREP="rm -rf '$DIR/clean' '$DIR/redact.db'*" measure "$name" "$PIIAUDIT" redact -q --db "$DIR/redact.db" "$@"
	COUNT[$name]=$(sqlite3 "$DIR/redact.db" 'select sum(replaced) from redactions' 2>/dev/null || echo "?")
}
redact pa_redact_raw -j 1 -o "$DIR/clean/corpus.jsonl" "$C"
redact pa_redact_gz -j 2 -o "$DIR/clean/corpus.jsonl.gz" "$C.gz"
redact pa_redact_dir2 -j 2 --out "$DIR/clean" "$DIR/shards"
rm -rf "$DIR/clean"
if [ -n "$SAMPLE" ]; then
	SAMPLE_BYTES=$(stat -c %s "$SAMPLE")
	measure rg_sample rg -c -f "$TOP/tests/bench/ten.rg" "$SAMPLE"; COUNT[rg_sample]=$(cat "$DIR/out")
	scan pa_sample sample -j 1 "$SAMPLE"
fi
RULES=$("$PIIAUDIT" rules list | wc -l)

row() { # label name baseline [bytes]
	local s=${SECS[$2]} base=${3:-} bytes=${4:-$BYTES}
	local mbs ratio=""
	mbs=$(awk -v b="$bytes" -v s="$s" 'BEGIN { printf("%.0f", (s > 0) ? b / s / 1e6 : 0) }')
	[ -n "$base" ] && ratio=$(awk -v a="${SECS[$base]}" -v s="$s" -v n="$base" 'BEGIN { printf("%.2f x %s", (s > 0) ? a / s : 0, n) }')
	printf "| %-44s | %8s | %7s | %6s | %-16s | %7s MiB | %9s |\n" "$1" "$s" "${CPU[$2]}" "$mbs" "$ratio" "$((${RSS[$2]} / 1024))" "${COUNT[$2]:-}"
}
echo
echo "corpus: $((BYTES / 1000000)) MB of JSON lines ($(stat -c %s "$C.gz" | awk '{printf "%.0f", $1/1e6}') MB gz, $(stat -c %s "$C.zst" | awk '{printf "%.0f", $1/1e6}') MB zst), and $((DENSE_BYTES / 1000000)) MB of contacts; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo "each row: the median of $RUNS runs"
echo "default packs: $RULES rules; engine $("$PIIAUDIT" scan --help >/dev/null; ldd "$PIIAUDIT" | grep -q libhs && echo hyperscan || echo pcre2)"
echo
echo "| what | seconds | CPU s | MB/s | ratio | peak RSS | findings |"
echo "|---|---:|---:|---:|---|---:|---:|"
row "cat (page cache)" cat
row "zcat" zcat
row "igzip -dc" igzip
row "zstd -dc" zstd
row "rg, ten regexes, raw" rg_raw
row "rg -z, ten regexes, .gz" rg_gz
row "piiaudit, ten regexes, raw, 1 job" pa_raw_ten rg_raw
row "piiaudit, default packs, raw, 1 job" pa_raw rg_raw
row "piiaudit, default + 490 rules, raw, 1 job" pa_raw_many pa_raw
row "piiaudit, default packs, raw, --engine pcre2" pa_raw_pcre2 pa_raw
row "piiaudit, default packs, .gz, 1 job" pa_gz1 igzip
row "piiaudit, default packs, .gz, 2 jobs" pa_gz igzip
row "piiaudit, one .gz, 2 jobs against 1" pa_gz pa_gz1
row "piiaudit, default packs, .gz vs rg -z" pa_gz rg_gz
row "piiaudit, default packs, .zst, 2 jobs" pa_zst zstd
row "piiaudit, 64 shards in a .tar.gz, 1 job" pa_tar1 igzip
row "piiaudit, 64 shard files, 1 job" pa_dir1
row "piiaudit, 64 shard files, 2 jobs" pa_dir2 pa_dir1
row "piiaudit, 20,000 small files, 2 jobs" pa_small2 pa_dir2
row "piiaudit, raw, 1 job, into 1.1 M findings" pa_full pa_raw
row "piiaudit, --field text, raw, 1 job" pa_field pa_raw
row "piiaudit, --field '*', raw, 1 job" pa_every pa_field
row "piiaudit, --field text, a JSON array, 1 job" pa_array pa_field
row "piiaudit, two one-line files, 2 jobs" pa_long_text pa_raw
row "piiaudit, --field, 15 MiB records, 2 jobs" pa_long_field pa_field
row "piiaudit, two xz -9 files, 2 jobs" pa_xz9 "" "$DICT_BYTES"
row "piiaudit, two 7z, 64 MiB dictionary, 2 jobs" pa_7z64 "" "$DICT_BYTES"
row "piiaudit, dense: a contact a line, 2 jobs" pa_dense "" "$DENSE_BYTES"
row "piiaudit, dense, --store-values, 2 jobs" pa_dense_values pa_dense "$DENSE_BYTES"
# redact (issue #9): the ratio is scan's time over redact's.
row "piiaudit redact, default packs, raw, 1 job" pa_redact_raw pa_raw
row "piiaudit redact, .gz (ISA-L level 1), 2 jobs" pa_redact_gz pa_gz
row "piiaudit redact, 64 shard files, 2 jobs" pa_redact_dir2 pa_dir2
if [ -n "$SAMPLE" ]; then
	row "rg, ten regexes, BENCH_SAMPLE" rg_sample "" "$SAMPLE_BYTES"
	row "piiaudit, default packs, BENCH_SAMPLE, 1 job" pa_sample rg_sample "$SAMPLE_BYTES"
	echo
	echo "BENCH_SAMPLE: $SAMPLE ($((SAMPLE_BYTES / 1000000)) MB)"
fi
