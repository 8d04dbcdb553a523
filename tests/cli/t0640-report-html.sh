#!/usr/bin/env bash
# t0640: the HTML report in a real browser (issue 6): Debian's chromium,
# headless, driven by playwright-core (npm, into build/node).  The page
# loads without console errors and without fetching anything, has no
# script, its four SVG charts render with bars, and it prints; the test
# keeps a screenshot in its temporary folder (PIIAUDIT_KEEP_SHOTS=DIR
# copies the screenshots there to look at).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/report/lib-report.sh"

need_chromium
need_node playwright-core

F=$T/f
make_corpus "$F"
cd "$F" || exit 1
run 3 scan_corpus "$T/db"
make_corpus "$F" 2
run 3 scan_corpus "$T/db"
run 0 "$PIIAUDIT" report --db "$T/db" --since-run 1 --format html -o "$T/r.html"

# Self-contained: nothing that could fetch.
check "no script element" eval "! grep -qi '<script' '$T/r.html'"
check "no link, src, import or url()" eval "! grep -qiE '<link|src=|@import|url\\(' '$T/r.html'"
check "no http(s) reference but the SVG namespace" \
	test -z "$(grep -oE 'https?://[^\" ]+' "$T/r.html" | grep -v '^http://www.w3.org/2000/svg$')"
check "four inline SVG charts" test "$(grep -c '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' "$T/r.html")" = 4
check "print styles" grep -q '@media print' "$T/r.html"

verdicts node "$RT/browser-check.js" "$T/r.html" "$T/report.png" "$T/report.pdf"
check "the screenshot is a PNG" sh -c "head -c 8 '$T/report.png' | od -An -c | grep -q 'P   N   G'"
check "the chart screenshot is a PNG" test -s "$T/report-chart.png"
check "the printed PDF is a PDF" sh -c "head -c 5 '$T/report.pdf' | grep -q '%PDF-'"
if [ -n "${PIIAUDIT_KEEP_SHOTS:-}" ]; then
	mkdir -p "$PIIAUDIT_KEEP_SHOTS" && cp "$T"/report*.png "$T/report.pdf" "$T/r.html" "$PIIAUDIT_KEEP_SHOTS"/
fi
finish
