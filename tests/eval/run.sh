#!/usr/bin/env bash
# Accuracy evaluation: generate the labelled corpus (seed 42), scan it with
# piiaudit, export the findings and score them against the labels.
#
#   tests/eval/run.sh [gen_corpus.py options, e.g. --docs 500 or --seed 7]
#
# Environment:
#   PIIAUDIT     binary to evaluate (default: piiaudit at the repository root)
#   PYTHON       Python 3 interpreter (default: python3)
#   SCORE_ARGS   extra arguments for score.py (e.g. --json)
#   EVAL_KEEP=1  keep the temporary directory (corpus, labels, db, findings)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PIIAUDIT="${PIIAUDIT:-$root/piiaudit}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$PIIAUDIT" ]; then
    echo "eval: piiaudit binary not found or not executable: $PIIAUDIT (run make first, or set PIIAUDIT)" >&2
    exit 2
fi

T="$(mktemp -d "${TMPDIR:-/tmp}/piiaudit-eval.XXXXXX")"
cleanup() {
    if [ "${EVAL_KEEP:-0}" = 1 ]; then
        echo "eval: kept $T" >&2
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT

"$PYTHON" "$here/gen_corpus.py" --out "$T" --seed 42 "$@"
bytes=$(cat "$T"/corpus/* | wc -c)
echo "eval: corpus $(( bytes / 1024 )) KiB in $(find "$T/corpus" -type f | wc -l) files, $(wc -l < "$T/labels.jsonl") labels" >&2

start=$(date +%s%N)
rc=0
"$PIIAUDIT" scan -q --db "$T/eval.db" --key "$T/key" "$T/corpus" || rc=$?
end=$(date +%s%N)
if [ "$rc" -ne 0 ]; then
    echo "eval: piiaudit scan exited $rc" >&2
    exit "$rc"
fi
ms=$(( (end - start) / 1000000 ))
echo "eval: scan took ${ms} ms" >&2

# export reads fingerprints from the database; pass --key only to a build that takes it
export_key=()
if "$PIIAUDIT" export --help 2>&1 | grep -q -e '--key'; then
    export_key=(--key "$T/key")
fi
"$PIIAUDIT" export --db "$T/eval.db" "${export_key[@]}" --format jsonl > "$T/findings.jsonl"
echo "eval: $(wc -l < "$T/findings.jsonl") findings" >&2

# Field mode on the JSON lines (crm.jsonl, chat.jsonl), every string field
# selected: it must find what text mode finds there, where a key stands
# before each value (a bare phone number after "phone").
fields=(--field customer.name --field customer.email --field customer.phone --field customer.notes
        --field identity.document --field identity.value --field payment.iban --field payment.card
        --field payment_ref --field body --field tags --field opened --field segment --field id
        --field lang --field messages.role --field messages.content --field source_url)
"$PIIAUDIT" scan -q --db "$T/field.db" --key "$T/key" "${fields[@]}" "$T/corpus/crm.jsonl" "$T/corpus/chat.jsonl"
"$PIIAUDIT" export --db "$T/field.db" "${export_key[@]}" --format jsonl > "$T/field.jsonl"
# ... and with --field '*' (every field, key and number without naming one).
"$PIIAUDIT" scan -q --db "$T/every.db" --key "$T/key" --field '*' "$T/corpus/crm.jsonl" "$T/corpus/chat.jsonl"
"$PIIAUDIT" export --db "$T/every.db" "${export_key[@]}" --format jsonl > "$T/every.jsonl"
"$PYTHON" - "$T" <<'PY' >&2
import json, os, sys
t = sys.argv[1]
jsonl = ("crm.jsonl", "chat.jsonl")
labels = [l for l in open(t + "/labels.jsonl")
          if json.loads(l)["kind"] == "positive" and json.loads(l)["source"] in jsonl]
def found(path):
    spans = {}
    for l in open(path):
        f = json.loads(l)
        src = os.path.basename(f["source"])
        if src in jsonl:
            spans.setdefault(src, []).append((f["offset"], f["offset"] + f["length"]))
    hit = 0
    for l in labels:
        l = json.loads(l)
        a, b = l["offset"], l["offset"] + l["length"]
        hit += any(s < b and a < e for s, e in spans.get(l["source"], []))
    return hit
text, field = found(t + "/findings.jsonl"), found(t + "/field.jsonl")
print("eval: JSON lines, every field with --field: %d of %d planted values found (text mode: %d)%s"
      % (field, len(labels), text, "" if field == text else "  <-- field mode differs"))
every = found(t + "/every.jsonl")
print("eval: JSON lines, --field '*': %d of %d planted values found (text mode: %d)%s"
      % (every, len(labels), text, "" if every == text else "  <-- field mode differs"))
PY

# shellcheck disable=SC2086  # SCORE_ARGS is a word list on purpose
"$PYTHON" "$here/score.py" --labels "$T/labels.jsonl" --findings "$T/findings.jsonl" ${SCORE_ARGS:-}
