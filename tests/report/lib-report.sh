# Shared by the report tests (tests/cli/t06xx-*.sh), sourced after lib.sh.
#
# The Node packages the checks need (ajv, ajv-draft-04, ajv-formats,
# playwright-core) are installed on first use into $TOP/build/node, a cache
# that `make clean` removes; Debian's chromium is installed with apt-get
# when missing and we are root.  A tool that cannot be had is a failed
# check, never a skipped one.
RT="$TOP/tests/report"
NODE_DIR="$TOP/build/node"
export NODE_PATH="$NODE_DIR/node_modules"

# need_node PACKAGE...: installs what is missing; returns 1 (after a failed
# check) when it cannot.
need_node() {
	local missing="" p
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		not_ok "node and npm are installed (apt-get install nodejs npm)"
		return 1
	fi
	for p in "$@"; do [ -d "$NODE_PATH/$p" ] || missing="$missing $p"; done
	[ -z "$missing" ] && return 0
	mkdir -p "$NODE_DIR"
	# shellcheck disable=SC2086
	if npm install --prefix "$NODE_DIR" --no-audit --no-fund --no-save --loglevel=error $missing \
		>"$T/npm.log" 2>&1; then
		ok "npm installed$missing into build/node"
	else
		not_ok "npm install$missing" "$(tail -n 20 "$T/npm.log")"
		return 1
	fi
}

# need_chromium: Debian's chromium, installed when missing (as root).
need_chromium() {
	command -v chromium >/dev/null && return 0
	if [ "$(id -u)" = 0 ] && { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium; } >"$T/apt.log" 2>&1 &&
		command -v chromium >/dev/null; then
		ok "apt-get installed chromium"
		return 0
	fi
	not_ok "chromium is installed (apt-get install chromium)" "$(tail -n 20 "$T/apt.log" 2>/dev/null)"
	return 1
}

# verdicts COMMAND...: runs a checker that prints "ok<TAB>what" or
# "not_ok<TAB>what<TAB>detail" lines, and turns them into checks.
verdicts() {
	local v what detail rc
	"$@" >"$T/verdicts.out" 2>"$T/verdicts.err"; rc=$?
	while IFS=$'\t' read -r v what detail; do
		case $v in
		ok) ok "$what" ;;
		not_ok) not_ok "$what" "$(printf '%b' "$detail")" ;;
		esac
	done <"$T/verdicts.out"
	[ "$rc" -eq 0 ] || not_ok "$(basename "$2") ran (exit $rc)" "$(tail -n 20 "$T/verdicts.err")"
}

# jpy FILE EXPR: a Python expression over d, the JSON document in FILE.
jpy() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>&1; }

# make_corpus DIR [VARIANT]: the report tests' corpus (tests/report/make-corpus.py).
make_corpus() {
	if python3 "$RT/make-corpus.py" "$1" --variant "${2:-1}" 2>"$T/corpus.err"; then
		ok "corpus ${2:-1} built"
	else
		not_ok "corpus ${2:-1} built" "$(cat "$T/corpus.err")"
	fi
}

# The scan every report test starts from: sources that are binary, corrupt,
# over a limit and nested too deep, so it exits 3.  PCRE2 alone: the same
# findings as Hyperscan (rules test checks it), without building its database.
SCAN_INPUTS="corpus bundle.tar.gz broken.txt.gz deep.tar"
scan_corpus() { # DB [extra scan options...]
	local db=$1; shift
	# shellcheck disable=SC2086
	"$PIIAUDIT" scan -q --engine pcre2 --db "$db" --max-depth 1 --max-member-bytes 64K "$@" $SCAN_INPUTS
}
