/*
 * audit/report_html.c - the report as one self-contained HTML page:
 * inline CSS, inline SVG charts, no script and no external reference, so
 * it opens offline, prints cleanly (A4, charts in colour) and can be
 * attached to a ticket as evidence.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/cli.h"
#include "audit/report.h"

static const char css[] =
	":root{--ink:#1c2733;--muted:#5a6877;--line:#d9dfe6;--bg:#f4f6f9;--accent:#2c5b87;"
	"--accent2:#a8c0d8;--ok:#2e7d4f;--warn:#a05a00;--bad:#b3261e}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:14px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",Arial,"
	"sans-serif;color:var(--ink);background:var(--bg)}\n"
	"header{background:#1d3a56;color:#fff;padding:26px 0 22px}\n"
	"header .in,main{max-width:1060px;margin:0 auto;padding:0 36px}\n"
	"header h1{margin:0 0 4px;font-size:24px;font-weight:600;letter-spacing:.01em}\n"
	"header .sub{color:#c8d5e2;font-size:13px}\n"
	"header .badges{margin-top:12px}\n"
	"main{padding-top:8px;padding-bottom:48px}\n"
	"section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:18px 24px;"
	"margin:18px 0}\n"
	"h2{font-size:18px;margin:0 0 12px;padding-bottom:6px;border-bottom:2px solid var(--accent)}\n"
	"h3{font-size:15px;margin:20px 0 6px}\n"
	"p{margin:6px 0 10px}\n"
	".muted{color:var(--muted)}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;"
	"margin:12px 0}\n"
	".card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:#fafbfc}\n"
	".card .n{font-size:21px;font-weight:600;font-variant-numeric:tabular-nums}\n"
	".card .l{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.05em}\n"
	"table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:13px}\n"
	"th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}\n"
	"th{background:#edf1f5;font-weight:600;white-space:nowrap}\n"
	"tr:nth-child(even) td{background:#fbfcfd}\n"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"table.kv th{width:190px;background:none;white-space:normal}\n"
	"table.narrow{width:auto;min-width:460px}\n"
	"code,pre,.mono{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:12px}\n"
	"td code{overflow-wrap:anywhere}\n"
	"pre{background:#f3f5f8;border:1px solid var(--line);border-radius:4px;padding:10px 12px;"
	"white-space:pre-wrap;word-break:break-word}\n"
	".badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;font-weight:600;"
	"white-space:nowrap}\n"
	"header .badge{background:#fff;color:#1d3a56;margin-right:6px}\n"
	"header .badge.warn{background:#ffe2b8;color:#6b3d00}\n"
	".s-found{background:#fbe4e1;color:var(--bad)}\n"
	".s-none{background:#e2f2e8;color:var(--ok)}\n"
	".s-not{background:#eceff3;color:var(--muted)}\n"
	".s-nd{background:#fff0d6;color:var(--warn)}\n"
	".st-ok{color:var(--ok)}.st-bad{color:var(--bad)}\n"
	"figure{margin:10px 0 16px}\n"
	"figcaption{font-size:12px;color:var(--muted);margin-top:2px}\n"
	"svg.chart{max-width:100%;height:auto;display:block}\n"
	"svg.chart .bar1{fill:var(--accent)}svg.chart .bar2{fill:var(--accent2)}\n"
	"svg.chart .lbl{font-size:12px;fill:var(--ink);font-family:inherit}\n"
	"svg.chart .val{font-size:12px;fill:var(--muted);font-family:inherit}\n"
	"svg.chart .axis{stroke:#9aa6b2;stroke-width:1}\n"
	".note{border-left:3px solid var(--accent);padding:4px 12px;background:#f5f8fb}\n"
	"footer{color:var(--muted);font-size:12px;text-align:center;padding:10px 0 30px}\n"
	"@page{size:A4;margin:14mm}\n"
	"@media print{body{background:#fff;font-size:11px}"
	"header{background:#fff;color:#000;border-bottom:2px solid #000;padding:0 0 10px}"
	"header .sub{color:#333}header .badge{border:1px solid #000}"
	"header .in,main{max-width:none;padding:0}"
	"section{border:none;padding:0;margin:14px 0}"
	"figure,.cards,tr,.note,pre{break-inside:avoid}"
	"h2,h3{break-after:avoid}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* Text into HTML: escaped, control bytes shown as '?'. */
static void h(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(c < 0x20 && c != '\n' ? '?' : c, out); break;
		}
	}
}

static void num(const struct report_ctx *c, FILE *out, int64_t v)
{
	report_put_int(c, out, v, true);
}

static void td_num(const struct report_ctx *c, FILE *out, int64_t v)
{
	fputs("<td class=\"num\">", out);
	num(c, out, v);
	fputs("</td>", out);
}

static void td_code(FILE *out, const char *s)
{
	fputs("<td><code>", out);
	h(out, s ? s : "");
	fputs("</code></td>", out);
}

static void td_text(FILE *out, const char *s)
{
	fputs("<td>", out);
	h(out, s ? s : "");
	fputs("</td>", out);
}

static void td_bytes(FILE *out, int64_t b)
{
	fputs("<td class=\"num\">", out);
	if (b < 0)
		fputs("<span class=\"muted\">unknown</span>", out);
	else
		report_put_bytes(out, b);
	fputs("</td>", out);
}

static void th_row(FILE *out, const char *const *cols, const char *nums)
{
	fputs("<thead><tr>", out);
	for (size_t i = 0; cols[i]; i++)
		fprintf(out, "<th%s>%s</th>", nums[i] == 'n' ? " class=\"num\"" : "", cols[i]);
	fputs("</tr></thead>\n<tbody>\n", out);
}

static void kv(FILE *out, const char *k, const char *v, bool code)
{
	fprintf(out, "<tr><th>%s</th><td>%s", k, code ? "<code>" : "");
	h(out, v ? v : "not recorded");
	fprintf(out, "%s</td></tr>\n", code ? "</code>" : "");
}

static void card(const struct report_ctx *c, FILE *out, const char *label, int64_t v)
{
	fputs("<div class=\"card\"><div class=\"n\">", out);
	num(c, out, v);
	fprintf(out, "</div><div class=\"l\">%s</div></div>\n", label);
}

static void put_density(FILE *out, int64_t n, int64_t bytes)
{
	if (bytes > 0)
		fprintf(out, "%.2f", (double)n * 1e6 / (double)bytes);
	else
		fputs("&ndash;", out);
}

/* ---- sections ---- */

static void header(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	fputs("<header><div class=\"in\">\n<h1>Personal data audit report</h1>\n<div class=\"sub\">", out);
	if (r->run.label) {
		h(out, r->run.label);
		fputs(" &middot; ", out);
	}
	fprintf(out, "run %lld", (long long)r->run.id);
	if (r->run.started_at) {
		fputs(" of ", out);
		h(out, r->run.started_at);
	}
	fputs(" &middot; generated ", out);
	h(out, c->f->generated_at);
	fputs(" by piiaudit " PIIAUDIT_VERSION "</div>\n<div class=\"badges\">", out);
	if (c->f->show_values)
		fputs("<span class=\"badge warn\">Contains raw values (--show-values): not self-checked</span>", out);
	else
		fputs("<span class=\"badge\">Self-checked: no unmasked value</span>", out);
	fprintf(out, "<span class=\"badge%s\">%s</span>", c->f->complete ? "" : " warn",
	        c->f->complete ? "Coverage: every source read" : "Coverage: some sources not read in full");
	fputs("</div>\n</div></header>\n<main>\n", out);
}

static void summary(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	size_t cats = 0;
	for (size_t i = 0; i < r->category_count; i++)
		cats += r->categories[i].findings > r->categories[i].placeholders;
	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n<p>", out);
	h(out, c->f->summary);
	fputs("</p>\n<div class=\"cards\">\n", out);
	card(c, out, "Findings", r->total_findings);
	card(c, out, "Real values", c->f->real);
	card(c, out, "Placeholders", r->placeholders);
	card(c, out, "Categories", (int64_t)cats);
	card(c, out, "Sources read", r->sources_total);
	card(c, out, "Not read in full", r->problems_total);
	fputs("<div class=\"card\"><div class=\"n\">", out);
	report_put_bytes(out, r->bytes_scanned);
	fputs("</div><div class=\"l\">Scanned</div></div>\n<div class=\"card\"><div class=\"n\">", out);
	put_density(out, r->total_findings, r->bytes_scanned);
	fputs("</div><div class=\"l\">Findings per MB</div></div>\n</div>\n</section>\n", out);
}

/* Inputs' content hashes (sources.sha256): the sentence, and one cell. */
static void input_hashes_sentence(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	if (!r->inputs_hashed) {
		fputs(" Content hashes of the inputs were <strong>not recorded</strong> by the scan "
		      "that made this run; sizes were.", out);
		return;
	}
	fputs(" Each input's content hash is the SHA-256 of its bytes on disk (of a compressed "
	      "file, the compressed bytes: what <code>sha256sum</code> prints); ", out);
	num(c, out, r->inputs_hashed);
	fputs(" of them have one. An input without one was not read to its end (an interrupted "
	      "scan, or a stream that failed).", out);
}

static void td_hash(FILE *out, const char *sha256)
{
	if (sha256) {
		fputs("<td class=\"hash\"><code>", out);
		h(out, sha256);
		fputs("</code></td>", out);
	} else {
		fputs("<td class=\"muted\">not recorded</td>", out);
	}
}

static void scope(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	const struct db_report_run *run = &r->run;
	char buf[64];
	fputs("<section id=\"scope\">\n<h2>Scope and reproducibility</h2>\n<table class=\"kv\">\n", out);
	snprintf(buf, sizeof(buf), "%lld", (long long)run->id);
	kv(out, "Run", buf, false);
	kv(out, "Run uuid", run->uuid, true);
	kv(out, "Kind", run->kind, false);
	kv(out, "Label", run->label ? run->label : "none", false);
	kv(out, "Started", run->started_at, false);
	kv(out, "Ended", run->ended_at, false);
	kv(out, "Status", run->status, false);
	kv(out, "Tool version", run->tool_version, false);
	kv(out, "Rule set digest", run->rules_digest, true);
	kv(out, "Fingerprint key id", run->key_id, true);
	kv(out, "Raw values stored", run->store_values ? "yes (--store-values)" : "no", false);
	if (run->shard_count) {
		snprintf(buf, sizeof(buf), "%lld of %lld", (long long)run->shard_index,
		         (long long)run->shard_count);
		kv(out, "Shard", buf, false);
		kv(out, "Plan digest", run->plan_digest, true);
	}
	fputs("<tr><th>Command line</th><td><code>", out);
	for (size_t i = 0; i < c->f->argc; i++) {
		fputs(i ? " " : "", out);
		h(out, c->f->argv[i]);
	}
	fputs("</code></td></tr>\n</table>\n", out);
	fputs("<h3>To reproduce this run</h3>\n<pre>", out);
	h(out, c->f->reproduce);
	fputs("</pre>\n<p class=\"muted\">Run it from the same working directory with piiaudit ", out);
	h(out, run->tool_version);
	fputs(", the same rule packs (the digest above must match) and the same fingerprint key "
	      "file (key id above), so that fingerprints compare across runs.</p>\n", out);

	fputs("<h3>Inputs</h3>\n<p>", out);
	num(c, out, r->inputs_total);
	fprintf(out, " %s, ", r->inputs_total == 1 ? "input" : "inputs");
	report_put_bytes(out, r->inputs_size);
	fputs(" on disk.", out);
	input_hashes_sentence(out, c);
	if ((int64_t)r->input_count < r->inputs_total) {
		fputs(" The first ", out);
		num(c, out, (int64_t)r->input_count);
		fputs(" by path are listed.", out);
	}
	fputs("</p>\n<table>\n", out);
	static const char *const icols[] = { "Path", "Kind", "Format", "Size", "Scanned", "Members",
	                                     "Findings", "Not read in full", "SHA-256", NULL };
	th_row(out, icols, "...nnnnn.");
	for (size_t i = 0; i < r->input_count; i++) {
		const struct db_report_source *s = &r->inputs[i];
		fputs("<tr>", out);
		td_code(out, s->path);
		td_text(out, s->kind);
		td_text(out, s->format ? s->format : "");
		td_bytes(out, s->size);
		td_bytes(out, s->bytes_scanned);
		td_num(c, out, s->members);
		td_num(c, out, s->findings);
		td_num(c, out, s->problems);
		td_hash(out, s->sha256);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);

	fputs("<h3>Rules</h3>\n<p>", out);
	num(c, out, (int64_t)r->rule_count);
	fputs(" rules ran; the rule set digest above identifies them exactly.</p>\n<table>\n", out);
	static const char *const rcols[] = { "Rule", "Category", "Validator", "Confidence", "Tags",
	                                     "Findings", "Placeholders", NULL };
	th_row(out, rcols, "...n.nn");
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		fputs("<tr><td><code>", out);
		h(out, ru->id);
		fputs("</code>", out);
		if (ru->description) {
			fputs("<br><span class=\"muted\">", out);
			h(out, ru->description);
			fputs("</span>", out);
		}
		fputs("</td>", out);
		td_text(out, ru->category);
		td_text(out, ru->validator ? ru->validator : "");
		fprintf(out, "<td class=\"num\">%.2f</td>", ru->confidence);
		td_code(out, ru->tags ? ru->tags : "");
		td_num(c, out, ru->findings);
		td_num(c, out, ru->placeholders);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n</section>\n", out);
}

static void coverage(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	fputs("<section id=\"coverage\">\n<h2>Coverage</h2>\n<p class=\"note\">", out);
	h(out, c->f->coverage_statement);
	fputs("</p>\n<h3>Sources by kind and status</h3>\n<table class=\"narrow\">\n", out);
	static const char *const cols[] = { "Kind", "Status", "Sources", "Scanned", NULL };
	th_row(out, cols, "..nn");
	for (size_t i = 0; i < r->coverage_count; i++) {
		const struct db_report_coverage *cv = &r->coverage[i];
		fputs("<tr>", out);
		td_text(out, cv->kind);
		fprintf(out, "<td class=\"%s\">", strcmp(cv->status, "ok") ? "st-bad" : "st-ok");
		h(out, cv->status);
		fputs("</td>", out);
		td_num(c, out, cv->count);
		if (strcmp(cv->kind, "archive"))
			td_bytes(out, cv->bytes_scanned);
		else
			fputs("<td class=\"num muted\">in its members</td>", out);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n<p class=\"muted\">An archive's bytes are counted in its members.</p>\n", out);
	if (r->reason_count) {
		fputs("<h3>Why sources were not read in full</h3>\n<table>\n", out);
		static const char *const rc[] = { "Class", "Status", "Reason", "Sources", NULL };
		th_row(out, rc, "...n");
		for (size_t i = 0; i < r->reason_count; i++) {
			fputs("<tr>", out);
			td_text(out, r->reasons[i].cls);
			td_text(out, r->reasons[i].status);
			td_text(out, r->reasons[i].reason);
			td_num(c, out, r->reasons[i].count);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
		if (r->reasons_total > (int64_t)r->reason_count) {
			fputs("<p class=\"muted\">", out);
			num(c, out, r->reasons_total - (int64_t)r->reason_count);
			fputs(" more distinct reasons are in the database.</p>\n", out);
		}
		fputs("<h3>Sources not read in full</h3>\n<table>\n", out);
		static const char *const pc[] = { "Source", "Status", "Reason", "Scanned", NULL };
		th_row(out, pc, "...n");
		for (size_t i = 0; i < r->problem_count; i++) {
			const struct db_report_source *s = &r->problems[i];
			char *loc = report_location(s->path, s->member);
			fputs("<tr>", out);
			td_code(out, loc ? loc : s->path);
			free(loc);
			td_text(out, s->status);
			td_text(out, s->error ? s->error : "");
			td_bytes(out, s->bytes_scanned);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
		if (r->problems_total > (int64_t)r->problem_count) {
			fputs("<p class=\"muted\">", out);
			num(c, out, r->problems_total - (int64_t)r->problem_count);
			fputs(" more are in the database: <code>sqlite3 DB \"select path, member, status, error "
			      "from sources where status != 'ok'\"</code>.</p>\n", out);
		}
	}
	if (r->format_count) {
		fputs("<h3>Formats read</h3>\n<table class=\"narrow\">\n", out);
		static const char *const fc[] = { "Format", "Kind", "Sources", NULL };
		th_row(out, fc, "..n");
		for (size_t i = 0; i < r->format_count; i++) {
			fputs("<tr>", out);
			td_text(out, *r->formats[i].name ? r->formats[i].name : "plain (not compressed)");
			td_text(out, r->formats[i].detail);
			td_num(c, out, r->formats[i].count);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
	}
	fputs("<h3>Records</h3>\n<p>", out);
	if (r->has_records) {
		fputs("Field mode read ", out);
		num(c, out, r->records);
		fputs(" JSON records; ", out);
		num(c, out, r->records_with_findings);
		fputs(" of them hold findings (", out);
		if (r->records > 0)
			fprintf(out, "%.2f findings per 1,000 records", (double)r->field_findings * 1000 / (double)r->records);
		else
			fputs("no records", out);
		fputs(").", out);
	} else if (r->field_findings) {
		num(c, out, r->field_findings);
		fputs(" findings carry a record number (", out);
		num(c, out, r->records_with_findings);
		fputs(" distinct records); the number of records read is not recorded.", out);
	} else {
		fputs("Field mode was not used: whole texts were scanned, so findings per 1,000 records "
		      "do not apply.", out);
	}
	fputs("</p>\n", out);
	if (r->field_count) {
		fputs("<p>", out);
		report_put_fields_caption(c, out);
		fputs(":</p>\n<table>\n", out);
		static const char *const field_cols[] = { "Field", "Findings", "Categories", NULL };
		th_row(out, field_cols, "tnt");
		for (size_t i = 0; i < r->field_count; i++) {
			fputs("<tr>", out);
			td_text(out, r->fields[i].name);
			td_num(c, out, r->fields[i].count);
			td_text(out, r->fields[i].detail ? r->fields[i].detail : "");
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
	}
	fputs("</section>\n", out);
}

/* ---- precision from verdicts (piiaudit review) ---- */

#define PRECISION_COLS "Reviewed", "Precision (95&nbsp;% CI)", "Est. true findings (95&nbsp;% CI)"
#define PRECISION_NUMS "nnn"

static void precision_cells(FILE *out, const struct report_ctx *c, const struct db_review_stat *st,
                            int64_t real)
{
	struct report_precision_text t;
	report_precision_format(c, st, real, &t);
	bool measured = st && st->measured;
	fprintf(out, "<td class=\"num\">%s%s%s</td>", measured || (st && st->reviewed) ? "" :
	        "<span class=\"muted\">", t.reviewed, measured || (st && st->reviewed) ? "" : "</span>");
	fprintf(out, "<td class=\"num\">%s</td><td class=\"num\">%s</td>", t.precision, t.estimate);
}

static void precision_note(FILE *out, const struct report_ctx *c)
{
	const struct db_review_stat *t = c->review ? &c->review->total : NULL;
	if (!t || !t->reviewed) {
		fputs("<p class=\"note\"><strong>Precision is not measured:</strong> no finding of this "
		      "run has been reviewed (<code>piiaudit review sample</code>, then <code>review "
		      "import</code>). Every rule is marked <em>not reviewed</em>.</p>\n", out);
		return;
	}
	fputs("<p>Precision comes from ", out);
	num(c, out, t->reviewed);
	fputs(" human verdicts on findings of this run (", out);
	num(c, out, t->tp);
	fputs(" true, ", out);
	num(c, out, t->fp);
	fputs(" false, ", out);
	num(c, out, t->unsure);
	fputs(" unsure), with the Wilson score interval at 95&nbsp;%; the estimated true findings "
	      "are the real findings times the precision, within what the verdicts prove. Rules "
	      "never reviewed are marked <em>not reviewed</em>.</p>\n", out);
}

static void inventory(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	struct report_bar bars[32];
	char texts[32][48];
	size_t n = 0;
	fputs("<section id=\"inventory\">\n<h2>Inventory</h2>\n", out);
	for (size_t i = 0; i < r->category_count && n < 32; i++) {
		const struct db_report_category *cat = &r->categories[i];
		if (!cat->findings)
			continue;
		char a[24];
		report_fmt_int(c, a, sizeof(a), cat->findings);
		snprintf(texts[n], sizeof(texts[n]), "%s", a);
		bars[n] = (struct report_bar){ cat->name, (double)(cat->findings - cat->placeholders),
		                               (double)cat->placeholders, texts[n] };
		n++;
	}
	fputs("<figure>\n", out);
	report_svg_bars(out, "chart-category", "Findings by category", bars, n, "real values",
	                "placeholders");
	fputs("<figcaption>Findings by category: real values and documentation placeholders.</figcaption>\n"
	      "</figure>\n", out);

	precision_note(out, c);
	fputs("<h3>By category</h3>\n<table>\n", out);
	static const char *const cc[] = { "Category", "Real", "Placeholders", "Total", "Per MB",
	                                  "Masked samples", PRECISION_COLS, NULL };
	th_row(out, cc, ".nnnn." PRECISION_NUMS);
	for (size_t i = 0; i < r->category_count; i++) {
		const struct db_report_category *cat = &r->categories[i];
		fputs("<tr><td>", out);
		h(out, cat->name);
		fputs("<br><span class=\"muted\">", out);
		h(out, report_category_label(cat->name));
		fputs("</span></td>", out);
		td_num(c, out, cat->findings - cat->placeholders);
		td_num(c, out, cat->placeholders);
		td_num(c, out, cat->findings);
		fputs("<td class=\"num\">", out);
		put_density(out, cat->findings, r->bytes_scanned);
		fputs("</td><td>", out);
		for (size_t k = 0; k < DB_REPORT_SAMPLES && cat->samples[k]; k++) {
			fputs(k ? "<br>" : "", out);
			fputs("<code>", out);
			h(out, cat->samples[k]);
			fputs("</code>", out);
			if (cat->sample_rules[k]) {
				fputs(" <span class=\"muted\">", out);
				h(out, cat->sample_rules[k]);
				fputs("</span>", out);
			}
			if (c->f->show_values && cat->values[k]) {
				fputs(" = <code>", out);
				h(out, cat->values[k]);
				fputs("</code>", out);
			}
		}
		if (!cat->findings)
			fputs("<span class=\"muted\">looked for, none found</span>", out);
		fputs("</td>", out);
		precision_cells(out, c, report_review_category(c, cat->name), cat->findings - cat->placeholders);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);

	fputs("<h3>By rule</h3>\n<table>\n", out);
	static const char *const rc[] = { "Rule", "Category", "Real", "Placeholders", "Total",
	                                  PRECISION_COLS, NULL };
	th_row(out, rc, "..nnn" PRECISION_NUMS);
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		if (!ru->findings)
			continue;
		fputs("<tr>", out);
		td_code(out, ru->id);
		td_text(out, ru->category);
		td_num(c, out, ru->findings - ru->placeholders);
		td_num(c, out, ru->placeholders);
		td_num(c, out, ru->findings);
		precision_cells(out, c, report_review_rule(c, ru->id), ru->findings - ru->placeholders);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);

	/* Top sources. */
	char *locs[DB_REPORT_TOP] = {0};
	n = 0;
	for (size_t i = 0; i < r->top_source_count; i++) {
		const struct db_report_source *s = &r->top_sources[i];
		locs[i] = report_location(s->path, s->member);
		char a[24];
		report_fmt_int(c, a, sizeof(a), s->findings);
		snprintf(texts[n], sizeof(texts[n]), "%s", a);
		bars[n] = (struct report_bar){ locs[i] ? locs[i] : s->path, (double)s->findings, 0, texts[n] };
		n++;
	}
	fputs("<h3>Sources with the most findings</h3>\n<figure>\n", out);
	report_svg_bars(out, "chart-source", "Sources with the most findings", bars, n, NULL, NULL);
	fputs("<figcaption>Files and archive members with the most findings.</figcaption>\n</figure>\n"
	      "<table>\n", out);
	static const char *const sc[] = { "Source", "Findings", "Scanned", "Per MB", "Mostly", NULL };
	th_row(out, sc, ".nnn.");
	for (size_t i = 0; i < r->top_source_count; i++) {
		const struct db_report_source *s = &r->top_sources[i];
		fputs("<tr>", out);
		td_code(out, locs[i] ? locs[i] : s->path);
		td_num(c, out, s->findings);
		td_bytes(out, s->bytes_scanned);
		fputs("<td class=\"num\">", out);
		put_density(out, s->findings, s->bytes_scanned);
		fputs("</td>", out);
		td_text(out, s->top_category);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	for (size_t i = 0; i < DB_REPORT_TOP; i++)
		free(locs[i]);

	/* Density by input. */
	n = 0;
	for (size_t i = 0; i < r->top_input_count; i++) {
		const struct db_report_source *s = &r->top_inputs[i];
		double d = s->bytes_scanned > 0 ? (double)s->findings * 1e6 / (double)s->bytes_scanned : 0;
		snprintf(texts[n], sizeof(texts[n]), "%.1f per MB", d);
		bars[n] = (struct report_bar){ s->path, d, 0, texts[n] };
		n++;
	}
	fputs("<h3>Density</h3>\n<p>", out);
	if (r->bytes_scanned > 0)
		fprintf(out, "%.2f findings per MB (10<sup>6</sup> bytes) of scanned content overall. ",
		        (double)r->total_findings * 1e6 / (double)r->bytes_scanned);
	fputs("Below, the inputs with the most findings, by findings per MB.</p>\n<figure>\n", out);
	report_svg_bars(out, "chart-density", "Findings per MB, inputs with the most findings", bars, n,
	                NULL, NULL);
	fputs("<figcaption>Findings per MB of decompressed content, for the inputs with the most "
	      "findings.</figcaption>\n</figure>\n", out);

	/* Confidence. */
	n = 0;
	for (size_t i = 0; i < DB_REPORT_BUCKETS; i++) {
		char a[24];
		report_fmt_int(c, a, sizeof(a), r->hist[i]);
		snprintf(texts[n], sizeof(texts[n]), "%s", a);
		bars[n] = (struct report_bar){ report_bucket_label(i), (double)r->hist[i], 0, texts[n] };
		n++;
	}
	fputs("<h3>Confidence</h3>\n<figure>\n", out);
	report_svg_columns(out, "chart-confidence", "Findings by confidence", bars, n);
	fputs("<figcaption>Findings by confidence: the rule's base confidence, raised by context words "
	      "near the value.</figcaption>\n</figure>\n</section>\n", out);
}

static const char *hipaa_class(enum report_hipaa_state st)
{
	switch (st) {
	case HIPAA_FOUND: return "s-found";
	case HIPAA_NONE_FOUND: return "s-none";
	case HIPAA_NOT_LOOKED_FOR: return "s-not";
	default: return "s-nd";
	}
}

static void regimes(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	const struct report_facts *f = c->f;
	fputs("<section id=\"regimes\">\n<h2>Regimes</h2>\n<p class=\"muted\">Rules carry compliance "
	      "tags; each regime below counts the findings of the rules tagged for it. This is "
	      "evidence for an assessment, not legal advice.</p>\n", out);
	for (int i = 0; i < REGIME_COUNT; i++) {
		const struct report_regime *g = &f->regimes[i];
		fprintf(out, "<h3 id=\"regime-%s\">", g->key);
		h(out, g->name);
		fputs("</h3>\n<p>", out);
		h(out, g->statement);
		fputs("</p>\n", out);
		if (g->cat_count) {
			fputs("<table class=\"narrow\">\n", out);
			static const char *const cols[] = { "Category", "Real", "Placeholders", NULL };
			th_row(out, cols, ".nn");
			for (size_t k = 0; k < g->cat_count; k++) {
				fputs("<tr>", out);
				td_text(out, report_category_label(g->cats[k].category));
				td_num(c, out, g->cats[k].findings - g->cats[k].placeholders);
				td_num(c, out, g->cats[k].placeholders);
				fputs("</tr>\n", out);
			}
			fputs("</tbody></table>\n", out);
		}
		if (i == REGIME_PCI_DSS && g->rules) {
			fputs("<table class=\"narrow\">\n", out);
			static const char *const cols[] = { "PAN rule", "Validator", "PANs", NULL };
			th_row(out, cols, "..n");
			for (size_t k = 0; k < r->rule_count; k++) {
				const struct db_report_rule *ru = &r->rules[k];
				if (strcmp(ru->category, "credit_card") || !report_rule_has_tag(ru, "pci-dss"))
					continue;
				fputs("<tr>", out);
				td_code(out, ru->id);
				td_text(out, ru->validator ? ru->validator : "none");
				td_num(c, out, ru->findings - ru->placeholders);
				fputs("</tr>\n", out);
			}
			for (size_t k = 0; k < r->brand_count; k++) {
				fputs("<tr><td>brand: ", out);
				h(out, r->brands[k].name);
				fputs("</td><td></td>", out);
				td_num(c, out, r->brands[k].count);
				fputs("</tr>\n", out);
			}
			fputs("</tbody></table>\n", out);
		}
	}
	fputs("<h3 id=\"regime-hipaa\">HIPAA Safe Harbor: the 18 identifiers</h3>\n<p>", out);
	h(out, f->hipaa_statement);
	fputs("</p>\n<table>\n", out);
	static const char *const cols[] = { "", "Identifier (45 CFR 164.514(b)(2)(i))", "Status", "Rules",
	                                    "Found", NULL };
	th_row(out, cols, "...nn");
	for (size_t i = 0; i < 18; i++) {
		const struct report_hipaa *x = &f->hipaa[i];
		fprintf(out, "<tr><td><strong>%c</strong></td><td>", x->letter);
		h(out, x->identifier);
		if (x->note) {
			fputs("<br><span class=\"muted\">", out);
			h(out, x->note);
			fputs("</span>", out);
		}
		fprintf(out, "</td><td><span class=\"badge %s\">", hipaa_class(x->state));
		h(out, report_hipaa_state_name(x->state));
		fputs("</span></td>", out);
		td_num(c, out, (int64_t)x->rules);
		if (x->rules)
			td_num(c, out, x->findings - x->placeholders);
		else
			fputs("<td class=\"num\">&ndash;</td>", out);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n</section>\n", out);
}

/* ---- memorisation (piiaudit xref) ---- */

static void td_per_1000(FILE *out, int64_t n, int64_t outputs)
{
	double v = report_per_1000(n, outputs);
	if (v < 0)
		fputs("<td class=\"num\">&ndash;</td>", out);
	else
		fprintf(out, "<td class=\"num\">%.2f</td>", v);
}

static void memorisation(FILE *out, const struct report_ctx *c)
{
	const struct db_report_memo *m = &c->r->memo;
	if (!m->present)
		return;
	fputs("<section id=\"memorisation\">\n<h2>Memorisation</h2>\n<p>Personal data in the model "
	      "outputs of this run that also occurs in the training corpus, as <code>piiaudit "
	      "xref</code> found it by keyed fingerprint on ", out);
	h(out, m->created_at);
	fputs(": corpus database <code>", out);
	h(out, m->corpus_db);
	fprintf(out, "</code>, run %lld (<code>", (long long)m->corpus_run);
	h(out, m->corpus_uuid);
	fputs("</code>).</p>\n<div class=\"cards\">\n", out);
	card(c, out, "outputs scanned", m->outputs);
	card(c, out, "outputs with PII", m->outputs_with_pii);
	card(c, out, "with corpus PII", m->outputs_with_leak);
	card(c, out, "leaked distinct values", m->leaked_values);
	card(c, out, "exact extractions", m->extracted);
	fputs("</div>\n<p>", out);
	double v = report_per_1000(m->leaked_values, m->outputs);
	if (v >= 0)
		fprintf(out, "%.2f leaked distinct values per 1,000 outputs. ", v);
	if (m->prompted > 0) {
		fprintf(out, "Extraction rate %.2f&nbsp;%%: ", 100.0 * (double)m->extracted / (double)m->prompted);
		num(c, out, m->extracted);
		fputs(" of ", out);
		num(c, out, m->prompted);
		fputs(" outputs that answered a prompt built from a corpus value emitted that very value.", out);
	} else {
		fputs("No output answered a prompt built from this corpus: no extraction rate.", out);
	}
	fputs("</p>\n", out);
	if (!m->category_count) {
		fputs("<p>No value in the outputs occurs in the corpus.</p>\n", out);
	} else {
		fputs("<table class=\"narrow\">\n", out);
		static const char *const cols[] = { "Category", "Leaked distinct values", "Per 1,000 outputs",
		                                    "Outputs emitting them", "Exact extractions", NULL };
		th_row(out, cols, ".nnnn");
		for (size_t i = 0; i < m->category_count; i++) {
			const struct db_report_memo_category *x = &m->categories[i];
			fputs("<tr>", out);
			td_text(out, x->category);
			td_num(c, out, x->values);
			td_per_1000(out, x->values, m->outputs);
			td_num(c, out, x->outputs);
			td_num(c, out, x->extracted);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n<h3>Most emitted leaked values (masked)</h3>\n<table>\n", out);
		static const char *const lc[] = { "Value", "Category", "Outputs", "Exact extractions",
		                                  "Corpus documents", "Corpus occurrences", NULL };
		th_row(out, lc, "..nnnn");
		for (size_t i = 0; i < m->leak_count; i++) {
			const struct db_report_memo_leak *l = &m->leaks[i];
			fputs("<tr>", out);
			td_code(out, l->preview);
			td_text(out, l->category);
			td_num(c, out, l->outputs);
			td_num(c, out, l->extracted);
			td_num(c, out, l->corpus_documents);
			td_num(c, out, l->corpus_occurrences);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
	}
	if (m->other_results > 0) {
		fputs("<p class=\"muted\">", out);
		num(c, out, m->other_results);
		fputs(" other cross-reference results of this run (against other corpus runs) are in the "
		      "database (table <code>xref_runs</code>).</p>\n", out);
	}
	fputs("</section>\n", out);
}

/* ---- redactions (piiaudit redact) ---- */

static void td_count_or(const struct report_ctx *c, FILE *out, int64_t v, const char *none)
{
	if (v < 0)
		fprintf(out, "<td class=\"num\"><span class=\"muted\">%s</span></td>", none);
	else
		td_num(c, out, v);
}

static void redactions(FILE *out, const struct report_ctx *c)
{
	const struct db_report_redactions *rd = &c->r->redactions;
	char verify[64];
	if (!rd->count)
		return;
	fputs("<section id=\"redactions\">\n<h2>Redactions</h2>\n<p>", out);
	num(c, out, rd->total);
	fprintf(out, " %s redacted by ", rd->total == 1 ? "file was" : "files were");
	num(c, out, rd->runs);
	fprintf(out, " <code>piiaudit redact</code> %s in this database", rd->runs == 1 ? "run" : "runs");
	if ((int64_t)rd->count < rd->total) {
		fputs("; the newest ", out);
		num(c, out, (int64_t)rd->count);
		fputs(" are listed", out);
	}
	fputs(". <em>Found</em> counts the selected findings in the input, <em>redacted</em> the "
	      "values replaced (or removed with their records), <em>left</em> what "
	      "<code>--verify</code> found in the output.</p>\n<table>\n", out);
	static const char *const cols[] = { "Run", "Input", "Output", "Style", "Status", "Redacted",
	                                    "Records dropped", "Verify", NULL };
	th_row(out, cols, "n....nn.");
	for (size_t i = 0; i < rd->count; i++) {
		const struct db_report_redaction *x = &rd->items[i];
		fprintf(out, "<tr><td class=\"num\">%lld</td>", (long long)x->run_id);
		td_code(out, x->input);
		td_code(out, x->output);
		td_text(out, x->style);
		fprintf(out, "<td class=\"%s\">", strcmp(x->status, "ok") ? "st-bad" : "st-ok");
		h(out, x->status);
		if (x->error) {
			fputs(": ", out);
			h(out, x->error);
		}
		fputs("</td>", out);
		td_num(c, out, x->replaced);
		td_num(c, out, x->records_dropped);
		report_verify_text(c, x->remaining, verify, sizeof(verify));
		fprintf(out, "<td class=\"%s\">%s</td></tr>\n",
		        x->remaining < 0 ? "muted" : x->remaining ? "st-bad" : "st-ok", verify);
	}
	fputs("</tbody></table>\n<h3>Before and after, by category</h3>\n<table>\n", out);
	static const char *const bc[] = { "Run", "Input", "Category", "Found", "Redacted",
	                                  "Left after verify", NULL };
	th_row(out, bc, "n..nnn");
	for (size_t i = 0; i < rd->count; i++) {
		const struct db_report_redaction *x = &rd->items[i];
		for (size_t k = 0; k < x->category_count; k++) {
			const struct db_report_redact_category *g = &x->categories[k];
			fprintf(out, "<tr><td class=\"num\">%lld</td>", (long long)x->run_id);
			td_code(out, x->input);
			td_text(out, g->category);
			td_count_or(c, out, g->found, "not recorded");
			td_num(c, out, g->redacted);
			td_count_or(c, out, g->remaining, "not verified");
			fputs("</tr>\n", out);
		}
	}
	fputs("</tbody></table>\n</section>\n", out);
}

/* " of <code>old.db</code>" when the other run is in another database. */
static void diff_other_db(FILE *out, const struct db_report *r)
{
	if (!r->since_db)
		return;
	fputs(" of <code>", out);
	h(out, r->since_db);
	fputs("</code>", out);
}

static void diff(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	if (!r->since_run)
		return;
	int64_t a = 0, b = 0, u = 0;
	fprintf(out, "<section id=\"diff\">\n<h2>Changes since run %lld", (long long)r->since_run);
	diff_other_db(out, r);
	fputs("</h2>\n<p>", out);
	fprintf(out, "Run %lld", (long long)r->since_run);
	diff_other_db(out, r);
	if (r->since_started_at) {
		fputs(" (", out);
		h(out, r->since_started_at);
		fputs(")", out);
	}
	fputs(" had ", out);
	num(c, out, r->since_total);
	fputs(" findings. A finding is the same in both runs when its fingerprint, source path, "
	      "member and offset are the same; fingerprints compare only between runs made with the "
	      "same key.</p>\n", out);
	if (!r->since_same_key)
		fputs("<p class=\"note\"><strong>The two runs were made with different fingerprint "
		      "keys:</strong> no finding can match, so every finding shows as new or "
		      "resolved.</p>\n", out);
	fputs("<table class=\"narrow\">\n", out);
	static const char *const cols[] = { "Category", "New", "Resolved", "Unchanged", NULL };
	th_row(out, cols, ".nnn");
	for (size_t i = 0; i < r->diff_count; i++) {
		const struct db_report_diff *d = &r->diff[i];
		fputs("<tr>", out);
		td_text(out, d->category);
		td_num(c, out, d->added);
		td_num(c, out, d->resolved);
		td_num(c, out, d->unchanged);
		fputs("</tr>\n", out);
		a += d->added;
		b += d->resolved;
		u += d->unchanged;
	}
	fputs("<tr><th>all</th>", out);
	td_num(c, out, a);
	td_num(c, out, b);
	td_num(c, out, u);
	fputs("</tr>\n</tbody></table>\n</section>\n", out);
}

static void paste_blocks(FILE *out, const struct report_ctx *c)
{
	fputs("<section id=\"paste\">\n<h2>Ready-to-paste text</h2>\n<h3>Dataset card</h3>\n<pre>", out);
	h(out, c->f->dataset_card);
	fputs("</pre>\n<h3>Public summary of training content: personal data</h3>\n<pre>", out);
	h(out, c->f->gpai_paragraph);
	fputs("</pre>\n</section>\n", out);
}

static void about(FILE *out, const struct report_ctx *c)
{
	fputs("<section id=\"about\">\n<h2>About this report</h2>\n<p>", out);
	if (c->f->show_values) {
		fputs("This report was written with <code>--show-values</code> and contains raw values "
		      "from the database: handle it as the data itself. It was not self-checked.", out);
	} else {
		fputs("Values are shown only masked: e-mail addresses as their first characters and "
		      "top-level domain, card and account numbers as at most their last four digits, "
		      "secrets as their type, length and at most their last four characters. File names "
		      "in which the rules find personal data are masked the same way. Before it was "
		      "written, this report was scanned with piiaudit's own ", out);
		fprintf(out, "%zu built-in rules", c->f->self_check_rules);
		fputs(" and no unmasked value was found (a report in which one is found is not "
		      "written).", out);
	}
	fputs(" The same report as JSON follows the schema <code>" REPORT_SCHEMA "</code> "
	      "(<code>piiaudit report --format json</code>; see piiaudit-report(1)).</p>\n</section>\n", out);
}

int report_write_html(FILE *out, const struct report_ctx *c)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"piiaudit " PIIAUDIT_VERSION "\">\n"
	      "<title>Personal data audit report: run ", out);
	fprintf(out, "%lld</title>\n<style>\n%s</style>\n</head>\n<body>\n", (long long)c->r->run.id, css);
	header(out, c);
	summary(out, c);
	scope(out, c);
	coverage(out, c);
	inventory(out, c);
	regimes(out, c);
	memorisation(out, c);
	redactions(out, c);
	diff(out, c);
	paste_blocks(out, c);
	about(out, c);
	fputs("</main>\n<footer>piiaudit " PIIAUDIT_VERSION " &middot; " REPORT_SCHEMA "</footer>\n"
	      "</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}
