#!/usr/bin/env bash
# make demo: scan the bundled sample corpus, as a folder and packed into
# archives, and show what piiaudit found.  Writes only to a temporary folder.
set -euo pipefail
PIIAUDIT=${1:-./piiaudit}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case "$PIIAUDIT" in /*) ;; *) PIIAUDIT="$PWD/$PIIAUDIT" ;; esac
D=$(mktemp -d "${TMPDIR:-/tmp}/piiaudit-demo.XXXXXX")
trap 'rm -rf "$D"' EXIT
export PIIAUDIT_KEY_FILE="$D/key"
export PIIAUDIT_RULES_DIR="$TOP/rules/packs"

cp -r "$TOP/tests/sample-corpus" "$D/corpus"
tar -C "$D" -czf "$D/corpus.tar.gz" corpus
(cd "$D" && zip -qr corpus.zip corpus 2>/dev/null) || python3 -c '
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk(sys.argv[2]):
        for f in sorted(files):
            p = os.path.join(root, f); z.write(p, os.path.relpath(p, os.path.dirname(sys.argv[2])))
' "$D/corpus.zip" "$D/corpus"
zstd -q "$D/corpus/users.jsonl" -o "$D/users.jsonl.zst"

echo "\$ piiaudit scan --db audit.db corpus/ corpus.tar.gz corpus.zip users.jsonl.zst"
(cd "$D" && "$PIIAUDIT" scan --no-progress --db audit.db corpus/ corpus.tar.gz corpus.zip users.jsonl.zst)
echo
echo "\$ sqlite3 audit.db 'select category, count(*) from findings group by 1'"
sqlite3 -column -header "$D/audit.db" \
	"select category, count(*) as findings, sum(placeholder) as placeholders from findings group by 1 order by 2 desc"
echo
echo "\$ piiaudit export --db audit.db --format jsonl   # the folder's findings (masked)"
"$PIIAUDIT" export --db "$D/audit.db" --format jsonl |
	python3 -c '
import json, sys
rows = [r for r in map(json.loads, sys.stdin) if not r["member"]]
w = max(len(r["source"].split("/", 1)[-1]) for r in rows) if rows else 10
for r in rows:
    src = r["source"].split("/", 1)[-1]
    print("%-*s line %3s  %-36s %s" % (w, src, r["line"], r["rule"], r["preview"]))'
echo
echo "Nothing raw is stored: the database holds masked previews and keyed fingerprints."
echo "Try: piiaudit scan --help, piiaudit export --help, man man/piiaudit.1"
