#!/usr/bin/env python3
"""Score piiaudit findings against the labels written by gen_corpus.py.

    score.py --labels DIR/labels.jsonl --findings findings.jsonl [--json]

findings.jsonl is `piiaudit export --format jsonl`: one object per finding with
source, member, record, field, line, offset, length, rule, category,
confidence, preview, fingerprint (and possibly "placeholder": true/false).
A finding's `source` is matched to a label's source by its path relative to
the corpus directory (everything up to and including "corpus/" is dropped).
Offsets are byte offsets into the file; for a JSONL finding (one with a
`record`) whose offset does not fall inside that record's line, the offset is
taken as relative to the start of the line (this needs the corpus beside the
labels, or --corpus).

Per finding, in this order:
  * "placeholder": true, or no positive match and overlapping a placeholder
    label                                     -> placeholder (neither TP nor FP)
  * overlaps an unmatched positive label of the same category -> true positive
    (each label is matched at most once, preferring the largest overlap)
  * overlaps only already-matched same-category labels       -> duplicate
  * anything else                                             -> false positive,
    annotated with the hard negative or other-category label it overlaps.
Positive labels no finding matched are false negatives.

Prints a per-category table (planted, found, TP, FP, FN, precision, recall,
F1), totals, the hard negatives reported for checksum categories, and the
first 10 false negatives and false positives per category; --json prints the
same as one JSON object.  Exit status 0, or 2 when an input is unreadable.
Standard library only.
"""

import argparse
import bisect
import json
import os
import sys

CATEGORIES = ["email", "phone", "credit_card", "iban", "ip_address", "mac_address", "us_ssn",
              "national_id", "crypto_wallet", "secret", "date_of_birth", "url"]
CHECKSUM_CATEGORIES = ["credit_card", "iban", "national_id", "crypto_wallet", "us_ssn"]
SHOW = 10        # false negatives / false positives listed per category
HN_SHOW = 25     # hard negatives listed per checksum category in the text report


class InputError(Exception):
    pass


def read_jsonl(path):
    rows = []
    try:
        with open(path, "r", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    raise InputError("%s: line %d: not JSON: %s" % (path, n, e))
                if not isinstance(obj, dict):
                    raise InputError("%s: line %d: not a JSON object" % (path, n))
                rows.append(obj)
    except OSError as e:
        raise InputError("%s: %s" % (path, e.strerror or e))
    except UnicodeDecodeError as e:
        raise InputError("%s: not UTF-8: %s" % (path, e))
    return rows


def rel_source(src, known):
    """The finding's path relative to the corpus dir, as the labels spell it."""
    src = str(src or "").replace("\\", "/")
    cands = []
    i = src.find("corpus/")
    while i >= 0:
        if i == 0 or src[i - 1] == "/":
            cands.append(src[i + len("corpus/"):])
        i = src.find("corpus/", i + 1)
    for c in cands:
        if c in known:
            return c
    if cands:
        return cands[-1]
    return src[2:] if src.startswith("./") else src


def short(v, n=60):
    v = str(v).replace("\n", "\\n")
    return v if len(v) <= n else v[:n - 3] + "..."


def ratio(a, b):
    return a / b if b else None


def f1(tp, fp, fn):
    """2PR/(P+R), written so that it is 0 (not undefined) when nothing was found."""
    return ratio(2 * tp, 2 * tp + fp + fn)


def fmt(x):
    return "    -" if x is None else "%.3f" % x


class LineStarts:
    """Byte offsets where each line of a corpus file starts (read on demand)."""

    def __init__(self, corpus_dir):
        self.dir = corpus_dir
        self.cache = {}

    def get(self, src, record):
        """(start, end) of line `record` (1-based) of src, or None."""
        if not self.dir or not isinstance(record, int) or record < 1:
            return None
        if src not in self.cache:
            starts = None
            try:
                with open(os.path.join(self.dir, src), "rb") as fh:
                    data = fh.read()
                starts = [0]
                i = data.find(b"\n")
                while i >= 0:
                    starts.append(i + 1)
                    i = data.find(b"\n", i + 1)
            except OSError:
                pass
            self.cache[src] = starts
        starts = self.cache[src]
        if not starts or record > len(starts):
            return None
        return starts[record - 1], (starts[record] if record < len(starts) else float("inf"))


def score(labels, findings, corpus_dir=None):
    for L in labels:
        for k in ("source", "offset", "length", "category", "kind", "type", "value"):
            if k not in L:
                raise InputError("label without %r: %s" % (k, short(json.dumps(L), 120)))
    by_src = {}
    for i, L in enumerate(labels):
        by_src.setdefault(L["source"], []).append(i)
    starts = {}
    for src, idx in by_src.items():
        idx.sort(key=lambda i: (labels[i]["offset"], labels[i]["length"]))
        starts[src] = [labels[i]["offset"] for i in idx]
    max_len = max([L["length"] for L in labels] + [1])

    def overlapping(src, off, length):
        """Indices of labels in src whose span overlaps [off, off+length)."""
        idx = by_src.get(src)
        if not idx or off is None:
            return []
        end = off + max(length or 0, 1)
        lo = bisect.bisect_left(starts[src], off - max_len)
        hi = bisect.bisect_left(starts[src], end)
        out = []
        for j in range(lo, hi):
            L = labels[idx[j]]
            if L["offset"] < end and off < L["offset"] + max(L["length"], 1):
                out.append(idx[j])
        return out

    known = set(by_src)
    line_starts = LineStarts(corpus_dir)
    matched = {}                     # label index -> finding index
    outcome = []                     # per finding: (kind, label index or None)
    unknown_sources = {}

    def fkey(i):
        f = findings[i]
        return (rel_source(f.get("source"), known), str(f.get("member") or ""),
                f.get("offset") if isinstance(f.get("offset"), int) else -1, i)

    order = sorted(range(len(findings)), key=fkey)
    outcome = [None] * len(findings)
    for fi in order:
        f = findings[fi]
        src = rel_source(f.get("source"), known)
        if f.get("member"):
            src = src + "!" + str(f["member"])
        if src not in known:
            unknown_sources[src] = unknown_sources.get(src, 0) + 1
        off = f.get("offset") if isinstance(f.get("offset"), int) else None
        length = f.get("length") if isinstance(f.get("length"), int) else 0
        cat = f.get("category")
        if off is not None and f.get("record") is not None:
            # JSONL field mode: an offset outside the record's line is taken
            # as relative to the start of that line
            span = line_starts.get(src, f.get("record"))
            if span and not span[0] <= off < span[1]:
                off += span[0]
        hits = overlapping(src, off, length)
        if f.get("placeholder") is True:
            outcome[fi] = ("placeholder", None)
            continue
        same = [i for i in hits if labels[i]["kind"] == "positive" and labels[i]["category"] == cat]
        free = [i for i in same if i not in matched]
        if free:
            def ov(i):
                L = labels[i]
                return min(off + max(length, 1), L["offset"] + L["length"]) - max(off, L["offset"])
            best = max(free, key=lambda i: (ov(i), -labels[i]["offset"]))
            matched[best] = fi
            outcome[fi] = ("tp", best)
        elif same:
            outcome[fi] = ("dup", same[0])
        elif any(labels[i]["kind"] == "placeholder" for i in hits):
            outcome[fi] = ("placeholder", next(i for i in hits if labels[i]["kind"] == "placeholder"))
        else:
            hn = [i for i in hits if labels[i]["kind"] == "hard_negative"]
            other = [i for i in hits if labels[i]["kind"] == "positive"]
            outcome[fi] = ("fp", hn[0] if hn else other[0] if other else None)

    cats = list(CATEGORIES)
    for f in findings:
        c = f.get("category")
        if c not in cats:
            cats.append(str(c))
    rows = {c: {"planted": 0, "found": 0, "tp": 0, "fp": 0, "fn": 0, "duplicates": 0,
                "placeholders": 0} for c in cats}
    for L in labels:
        if L["kind"] == "positive":
            rows.setdefault(L["category"], {"planted": 0, "found": 0, "tp": 0, "fp": 0, "fn": 0,
                                            "duplicates": 0, "placeholders": 0})
            rows[L["category"]]["planted"] += 1
    fps = {c: [] for c in rows}
    for fi in order:
        f = findings[fi]
        c = str(f.get("category"))
        kind, li = outcome[fi]
        r = rows[c]
        r["found"] += 1
        if kind == "tp":
            r["tp"] += 1
        elif kind == "dup":
            r["duplicates"] += 1
        elif kind == "placeholder":
            r["placeholders"] += 1
        else:
            r["fp"] += 1
            entry = {"rule": f.get("rule"), "source": rel_source(f.get("source"), known),
                     "offset": f.get("offset"), "length": f.get("length"),
                     "preview": f.get("preview")}
            if f.get("member"):
                entry["member"] = f.get("member")
            if li is not None:
                L = labels[li]
                entry["overlaps"] = {"kind": L["kind"], "category": L["category"],
                                     "type": L["type"], "value": L["value"]}
            fps[c].append(entry)
    fns = {c: [] for c in rows}
    by_type = {}
    for i, L in enumerate(labels):
        if L["kind"] != "positive":
            continue
        t = by_type.setdefault(L["type"], {"planted": 0, "tp": 0})
        t["planted"] += 1
        if i in matched:
            t["tp"] += 1
        else:
            rows[L["category"]]["fn"] += 1
            fns[L["category"]].append({"type": L["type"], "source": L["source"],
                                       "offset": L["offset"], "value": L["value"]})
    for t in by_type.values():
        t["recall"] = ratio(t["tp"], t["planted"])

    def finish(r):
        r["precision"] = ratio(r["tp"], r["tp"] + r["fp"])
        r["recall"] = ratio(r["tp"], r["planted"])
        r["f1"] = f1(r["tp"], r["fp"], r["fn"])
        return r

    for r in rows.values():
        finish(r)
    # macro average over the categories that have planted positives (precision: over
    # those that also have findings)
    planted = [r for c, r in rows.items() if r["planted"]]
    vals = {k: [r[k] for r in planted if r[k] is not None] for k in ("precision", "recall", "f1")}
    macro = {k: (sum(v) / len(v) if v else None) for k, v in vals.items()}
    total = finish({k: sum(r[k] for r in rows.values())
                    for k in ("planted", "found", "tp", "fp", "fn", "duplicates", "placeholders")})

    # hard negatives: which were reported (by a finding that counted as a false positive)
    hn_hit = {}
    for fi, (kind, li) in enumerate(outcome):
        if kind == "fp" and li is not None and labels[li]["kind"] == "hard_negative":
            hn_hit.setdefault(li, []).append(fi)
    hn_types = {}
    for i, L in enumerate(labels):
        if L["kind"] == "hard_negative":
            t = hn_types.setdefault(L["type"], {"category": L["category"], "planted": 0, "reported": 0})
            t["planted"] += 1
            if i in hn_hit:
                t["reported"] += 1
    hn_list = []
    for li in sorted(hn_hit, key=lambda i: (labels[i]["category"], labels[i]["type"],
                                            labels[i]["source"], labels[i]["offset"])):
        L = labels[li]
        if L["category"] not in CHECKSUM_CATEGORIES:
            continue
        f = findings[hn_hit[li][0]]
        hn_list.append({"category": L["category"], "type": L["type"], "source": L["source"],
                        "offset": L["offset"], "value": L["value"], "rule": f.get("rule"),
                        "finding_category": f.get("category")})
    kinds = {}
    for L in labels:
        kinds[L["kind"]] = kinds.get(L["kind"], 0) + 1
    return {
        "labels": {"total": len(labels), "by_kind": dict(sorted(kinds.items()))},
        "findings": len(findings),
        "categories": rows,
        "total": total,
        "macro": macro,
        "recall_by_type": dict(sorted(by_type.items())),
        "hard_negatives_by_type": dict(sorted(hn_types.items())),
        "hard_negatives_reported": hn_list,
        "false_negatives": {c: v[:SHOW] for c, v in fns.items() if v},
        "false_positives": {c: v[:SHOW] for c, v in fps.items() if v},
        "unknown_sources": dict(sorted(unknown_sources.items())),
    }


def print_text(res, out):
    w = out.write
    lk = res["labels"]["by_kind"]
    w("piiaudit eval: %d labels (%s), %d findings\n\n" % (
        res["labels"]["total"], ", ".join("%d %s" % (n, k) for k, n in lk.items()), res["findings"]))
    head = "%-14s %8s %7s %7s %6s %6s %5s %5s %9s %7s %7s\n"
    w(head % ("category", "planted", "found", "TP", "FP", "FN", "dup", "plc", "precision",
              "recall", "F1"))
    line = "%-14s %8d %7d %7d %6d %6d %5d %5d %9s %7s %7s\n"

    def row(name, r):
        w(line % (name, r["planted"], r["found"], r["tp"], r["fp"], r["fn"], r["duplicates"],
                  r["placeholders"], fmt(r["precision"]), fmt(r["recall"]), fmt(r["f1"])))
    for c, r in res["categories"].items():
        row(c, r)
    w("-" * 98 + "\n")
    row("TOTAL", res["total"])
    m = res["macro"]
    w("%-14s %61s %7s %7s\n" % ("MACRO AVG", fmt(m["precision"]), fmt(m["recall"]), fmt(m["f1"])))
    w("\n(dup: further findings on an already-matched label; plc: placeholder findings or "
      "findings on placeholder labels; neither counts as FP)\n")

    weak = sorted(((t, v) for t, v in res["recall_by_type"].items() if v["tp"] < v["planted"]),
                  key=lambda tv: (tv[1]["recall"], tv[0]))
    if weak:
        w("\nRecall below 1 by planted type, worst first (TP/planted):\n")
        cells = ["%-34s %4d/%-4d" % (t, v["tp"], v["planted"]) for t, v in weak]
        for i in range(0, len(cells), 2):
            w("  " + "   ".join(cells[i:i + 2]) + "\n")

    hit = [(t, v) for t, v in res["hard_negatives_by_type"].items() if v["reported"]]
    w("\nHard negatives reported, by type (reported/planted): ")
    w(", ".join("%s %d/%d" % (t, v["reported"], v["planted"]) for t, v in hit) if hit else "none")
    w("\n")
    w("\nHard negatives reported in checksum categories (%s): %d\n" % (
        ", ".join(CHECKSUM_CATEGORIES), len(res["hard_negatives_reported"])))
    shown = {}
    for h in res["hard_negatives_reported"]:
        shown[h["category"]] = shown.get(h["category"], 0) + 1
        if shown[h["category"]] == HN_SHOW + 1:
            n = sum(1 for x in res["hard_negatives_reported"] if x["category"] == h["category"])
            w("  ... %d more %s (all are in --json)\n" % (n - HN_SHOW, h["category"]))
        if shown[h["category"]] > HN_SHOW:
            continue
        w("  %-40s %-14s @%-8d %-34s rule=%s\n" % (h["type"], h["source"], h["offset"],
                                                   short(h["value"], 34), h["rule"]))

    for c in res["categories"]:
        fn = res["false_negatives"].get(c, [])
        fp = res["false_positives"].get(c, [])
        if not fn and not fp:
            continue
        w("\n== %s ==\n" % c)
        if fn:
            w("  false negatives (first %d of %d):\n" % (len(fn), res["categories"][c]["fn"]))
            for x in fn:
                w("    %-34s %-14s @%-8d %s\n" % (x["type"], x["source"], x["offset"], short(x["value"])))
        if fp:
            w("  false positives (first %d of %d):\n" % (len(fp), res["categories"][c]["fp"]))
            for x in fp:
                ov = x.get("overlaps")
                note = ("  [%s %s]" % (ov["kind"], ov["type"])) if ov else ""
                w("    %-34s %-14s @%-8s %s%s\n" % (short(x["rule"], 34), x["source"],
                                                    x["offset"], short(x["preview"], 40), note))
    if res["unknown_sources"]:
        w("\nwarning: findings in sources with no labels (path not under corpus/?): %s\n" %
          ", ".join("%s (%d)" % kv for kv in list(res["unknown_sources"].items())[:10]))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Score piiaudit findings against eval labels.")
    ap.add_argument("--labels", required=True, help="labels.jsonl from gen_corpus.py")
    ap.add_argument("--findings", required=True, help="piiaudit export --format jsonl output")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--corpus", help="the corpus directory (default: corpus/ beside the labels), "
                    "read only to resolve line-relative offsets of JSONL findings")
    a = ap.parse_args(argv)
    try:
        labels = read_jsonl(a.labels)
        findings = read_jsonl(a.findings)
        corpus = a.corpus or os.path.join(os.path.dirname(os.path.abspath(a.labels)), "corpus")
        res = score(labels, findings, corpus if os.path.isdir(corpus) else None)
    except InputError as e:
        print("score.py: %s" % e, file=sys.stderr)
        return 2
    try:
        if a.json:
            json.dump(res, sys.stdout, ensure_ascii=False, sort_keys=False)
            sys.stdout.write("\n")
        else:
            print_text(res, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:          # e.g. piped into head
        sys.stdout = None
    return 0


if __name__ == "__main__":
    sys.exit(main())
