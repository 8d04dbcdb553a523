# Shared by the sharding tests tests/cli/t07xx-*.sh, sourced after
# tests/cli/lib.sh: the generated corpus, and the checks that a merged run
# holds what one run over the same corpus holds.
CLUSTER=$TOP/tests/cluster
# The scans here run with --engine pcre2: compiling the Hyperscan prefilter
# costs seconds of CPU in every process, and these tests start a dozen;
# both engines give the same findings (t0100 and the rules tests check it),
# and sharding does not depend on the engine.
ENGINE=(--engine "${PIIAUDIT_TEST_ENGINE:-pcre2}")

# cluster_setup: the rule packs copied into $T (a pack edited while the test
# runs would give the shards different rules), the key made once (shards
# started together would race to create it), and the corpus in $T/corpus.
cluster_setup() {
	mkdir -p "$T/packs" || return 1
	cp "$TOP"/rules/packs/*.yaml "$T/packs/" || return 1
	export PIIAUDIT_RULES_DIR="$T/packs"
	export PIIAUDIT_KEY_FILE="$T/key"
	(umask 077 && head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$T/key" && echo >>"$T/key") ||
		return 1
	python3 "$CLUSTER/corpus.py" "$T/corpus" "$@"
}

# findings_of DB [RUN]: the run's findings as sorted lines of source,
# member, line, offset, length, rule, fingerprint (from export).
findings_of() {
	"$PIIAUDIT" export --db "$1" ${2:+--run "$2"} --format jsonl | python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    o = json.loads(line)
    rows.append("\t".join(str(o[k]) for k in
                ("source", "member", "line", "offset", "length", "rule", "fingerprint")))
rows.sort()
sys.stdout.write("".join(r + "\n" for r in rows))'
}

# sources_of DB [RUN]: the run's sources with their parent, sorted.
sources_of() {
	local run=${2:-"(SELECT max(id) FROM runs)"}
	sqlite3 -batch -separator '	' "$1" "
		SELECT s.path, coalesce(s.member, '-'), s.kind, s.status, coalesce(s.format, '-'),
		       s.bytes_scanned, s.findings,
		       coalesce(p.path || '!' || coalesce(p.member, ''), '-')
		FROM sources s LEFT JOIN sources p ON p.id = s.parent_id
		WHERE s.run_id = $run" | sort
}

# same_run WHAT ONE.db MERGED.db [RUN]: checks the merged run against the
# single run: the same findings and the same sources, and some of them.
same_run() {
	local what=$1 one=$2 merged=$3 run=${4:-}
	findings_of "$one" >"$T/one.findings" 2>"$T/one.err"
	findings_of "$merged" "$run" >"$T/merged.findings" 2>"$T/merged.err"
	local n
	n=$(wc -l <"$T/one.findings")
	if [ "$n" -gt 100 ] && cmp -s "$T/one.findings" "$T/merged.findings"; then
		ok "$what: the same $n findings as one run"
	else
		not_ok "$what: the same findings as one run ($n in one run, $(wc -l <"$T/merged.findings") merged)" \
			"$(diff "$T/one.findings" "$T/merged.findings" | head -n 10; cat "$T/one.err" "$T/merged.err")"
	fi
	sources_of "$one" >"$T/one.sources"
	sources_of "$merged" "$run" >"$T/merged.sources"
	n=$(wc -l <"$T/one.sources")
	if [ "$n" -gt 20 ] && cmp -s "$T/one.sources" "$T/merged.sources"; then
		ok "$what: the same $n sources (status, sizes, parents) as one run"
	else
		not_ok "$what: the same sources as one run" \
			"$(diff "$T/one.sources" "$T/merged.sources" | head -n 10)"
	fi
}

# run_status DB [RUN]: the run's status.
run_status() {
	sqlite3 -batch "$1" "SELECT status FROM runs WHERE id = ${2:-(SELECT max(id) FROM runs)}"
}

# same_rows WHAT MERGED.db RUN SHARD.db...: every column of every source and
# finding of the shards' runs (ids aside: a source is named by its path and
# member, and by its parent's) is in merged run RUN, row for row.
same_rows() {
	local what=$1
	shift
	if python3 - "$@" >"$T/rows.out" 2>&1 <<'PY'
import sqlite3, sys
merged, run, shards = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def rows(path, run_ids):
    db = sqlite3.connect(path)
    out = {}
    for table, skip, ref in (("sources", {"id", "run_id", "parent_id"}, "parent_id"),
                             ("findings", {"id", "run_id", "source_id"}, "source_id")):
        cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % table) if r[1] not in skip]
        q = ("SELECT %s, r.path, r.member FROM %s t LEFT JOIN sources r ON r.id = t.%s"
             " WHERE t.run_id IN (%s)" % (", ".join("t." + c for c in cols), table, ref,
                                          ",".join(map(str, run_ids))))
        out[table] = sorted(repr(r) for r in db.execute(q))
    return out

want = {"sources": [], "findings": []}
for s in shards:
    db = sqlite3.connect(s)
    ids = [r[0] for r in db.execute("SELECT id FROM runs WHERE status IN ('ok', 'errors')"
                                    " ORDER BY id DESC LIMIT 1")]
    for k, v in rows(s, ids).items():
        want[k] += v
got = rows(merged, [run])
bad = [k for k in want if sorted(want[k]) != got[k]]
print("%d sources, %d findings" % (len(got["sources"]), len(got["findings"])))
if bad:
    print("differ:", bad)
    sys.exit(1)
PY
	then ok "$what: every column of every row copied ($(cat "$T/rows.out"))"
	else not_ok "$what: every column of every row copied" "$(cat "$T/rows.out")"; fi
}
