/*
 * audit/report_md.c - the report as Markdown (CommonMark with GitHub
 * tables): for a pull request, an issue, or a dataset card.  Values,
 * paths and identifiers go into code spans; other text is escaped, so
 * nothing taken from the database can turn into markup or a link.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/cli.h"
#include "audit/report.h"

/* Text: Markdown's punctuation escaped, line breaks as spaces. */
static void md(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (strchr("\\`*_[]<>|#!", c))
			fputc('\\', out);
		fputc(c < 0x20 ? ' ' : c, out);
	}
}

/* A code span long enough to hold any run of backticks in s; '|' escaped,
 * which GitHub's tables need even inside code. */
static void code(FILE *out, const char *s)
{
	size_t run = 0, longest = 0;
	s = s ? s : "";
	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (size_t i = 0; i <= longest; i++)
		fputc('`', out);
	bool pad = *s == '`' || (*s && s[strlen(s) - 1] == '`') || !*s;
	if (pad)
		fputc(' ', out);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '|')
			fputs("\\|", out);
		else
			fputc(c < 0x20 ? ' ' : c, out);
	}
	if (pad)
		fputc(' ', out);
	for (size_t i = 0; i <= longest; i++)
		fputc('`', out);
}

static void num(const struct report_ctx *c, FILE *out, int64_t v)
{
	report_put_int(c, out, v, true);
}

static void cell_num(const struct report_ctx *c, FILE *out, int64_t v)
{
	fputs(" | ", out);
	num(c, out, v);
}

static void cell_bytes(FILE *out, int64_t b)
{
	fputs(" | ", out);
	if (b < 0)
		fputs("unknown", out);
	else
		report_put_bytes(out, b);
}

static void density(FILE *out, int64_t n, int64_t bytes)
{
	if (bytes > 0)
		fprintf(out, "%.2f", (double)n * 1e6 / (double)bytes);
	else
		fputs("-", out);
}

/* A header row and its delimiter; align: 'l' or 'r' per column. */
static void table_head(FILE *out, const char *const *cols, const char *align)
{
	for (size_t i = 0; cols[i]; i++)
		fprintf(out, "| %s ", cols[i]);
	fputs("|\n", out);
	for (size_t i = 0; cols[i]; i++)
		fputs(align[i] == 'r' ? "|---:" : "|:---", out);
	fputs("|\n", out);
}

static void kv(FILE *out, const char *k, const char *v, bool as_code)
{
	fprintf(out, "| %s | ", k);
	if (!v)
		fputs("not recorded", out);
	else if (as_code)
		code(out, v);
	else
		md(out, v);
	fputs(" |\n", out);
}

/* Inputs' content hashes (sources.sha256): the sentence, and one cell. */
static void input_hashes_sentence(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	if (!r->inputs_hashed) {
		fputs(" Content hashes of the inputs were **not recorded** by the scan that made this "
		      "run.", out);
		return;
	}
	fputs(" Each input's content hash is the SHA-256 of its bytes on disk (of a compressed "
	      "file, the compressed bytes: what `sha256sum` prints); ", out);
	num(c, out, r->inputs_hashed);
	fputs(" of them have one. An input without one was not read to its end (an interrupted "
	      "scan, or a stream that failed).", out);
}

static void cell_hash(FILE *out, const char *sha256)
{
	fputs(" | ", out);
	if (sha256)
		code(out, sha256);
	else
		fputs("not recorded", out);
}

static void scope(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	const struct db_report_run *run = &r->run;
	char buf[64];
	fputs("## Scope and reproducibility\n\n| | |\n|:---|:---|\n", out);
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
	fputs("\nTo reproduce this run, from the same working directory, with piiaudit ", out);
	md(out, run->tool_version);
	fputs(", the same rule packs (same digest) and the same fingerprint key file (same key id):\n\n"
	      "```sh\n", out);
	for (const char *p = c->f->reproduce; *p; p++)
		fputc((unsigned char)*p < 0x20 ? ' ' : *p, out);
	fputs("\n```\n\n### Inputs\n\n", out);
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
	fputs("\n\n", out);
	static const char *const icols[] = { "Path", "Kind", "Format", "Size", "Scanned", "Members",
	                                     "Findings", "Not read in full", "SHA-256", NULL };
	table_head(out, icols, "lllrrrrrl");
	for (size_t i = 0; i < r->input_count; i++) {
		const struct db_report_source *s = &r->inputs[i];
		fputs("| ", out);
		code(out, s->path);
		fputs(" | ", out);
		md(out, s->kind);
		fputs(" | ", out);
		md(out, s->format ? s->format : "");
		cell_bytes(out, s->size);
		cell_bytes(out, s->bytes_scanned);
		cell_num(c, out, s->members);
		cell_num(c, out, s->findings);
		cell_num(c, out, s->problems);
		cell_hash(out, s->sha256);
		fputs(" |\n", out);
	}
	fputs("\n### Rules\n\n", out);
	static const char *const rcols[] = { "Rule", "Category", "Validator", "Confidence", "Tags",
	                                     "Findings", NULL };
	table_head(out, rcols, "lllrlr");
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		fputs("| ", out);
		code(out, ru->id);
		fputs(" | ", out);
		md(out, ru->category);
		fputs(" | ", out);
		md(out, ru->validator ? ru->validator : "");
		fprintf(out, " | %.2f | ", ru->confidence);
		if (ru->tags && *ru->tags)
			code(out, ru->tags);
		cell_num(c, out, ru->findings);
		fputs(" |\n", out);
	}
	fputs("\n", out);
}

static void coverage(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	fputs("## Coverage\n\n", out);
	md(out, c->f->coverage_statement);
	fputs("\n\n", out);
	static const char *const cols[] = { "Kind", "Status", "Sources", "Scanned", NULL };
	table_head(out, cols, "llrr");
	for (size_t i = 0; i < r->coverage_count; i++) {
		const struct db_report_coverage *cv = &r->coverage[i];
		fputs("| ", out);
		md(out, cv->kind);
		fputs(" | ", out);
		md(out, cv->status);
		cell_num(c, out, cv->count);
		if (strcmp(cv->kind, "archive"))
			cell_bytes(out, cv->bytes_scanned);
		else
			fputs(" | in its members", out);
		fputs(" |\n", out);
	}
	if (r->reason_count) {
		fputs("\n### Why sources were not read in full\n\n", out);
		static const char *const rc[] = { "Class", "Status", "Reason", "Sources", NULL };
		table_head(out, rc, "lllr");
		for (size_t i = 0; i < r->reason_count; i++) {
			fputs("| ", out);
			md(out, r->reasons[i].cls);
			fputs(" | ", out);
			md(out, r->reasons[i].status);
			fputs(" | ", out);
			md(out, r->reasons[i].reason);
			cell_num(c, out, r->reasons[i].count);
			fputs(" |\n", out);
		}
		fputs("\n### Sources not read in full\n\n", out);
		static const char *const pc[] = { "Source", "Status", "Reason", NULL };
		table_head(out, pc, "lll");
		for (size_t i = 0; i < r->problem_count; i++) {
			const struct db_report_source *s = &r->problems[i];
			char *loc = report_location(s->path, s->member);
			fputs("| ", out);
			code(out, loc ? loc : s->path);
			free(loc);
			fputs(" | ", out);
			md(out, s->status);
			fputs(" | ", out);
			md(out, s->error ? s->error : "");
			fputs(" |\n", out);
		}
		if (r->problems_total > (int64_t)r->problem_count) {
			fputs("\n", out);
			num(c, out, r->problems_total - (int64_t)r->problem_count);
			fputs(" more are in the database (`select path, member, status, error from sources "
			      "where status != 'ok'`).\n", out);
		}
	}
	fputs("\n**Records.** ", out);
	if (r->has_records) {
		fputs("Field mode read ", out);
		num(c, out, r->records);
		fputs(" JSON records; ", out);
		num(c, out, r->records_with_findings);
		fputs(" hold findings", out);
		if (r->records > 0)
			fprintf(out, " (%.2f findings per 1,000 records)", (double)r->field_findings * 1000 / (double)r->records);
		fputs(".\n\n", out);
	} else {
		fputs("Field mode was not used: whole texts were scanned.\n\n", out);
	}
	if (!r->field_count)
		return;
	report_put_fields_caption(c, out);
	fputs(":\n\n", out);
	static const char *const field_cols[] = { "Field", "Findings", "Categories", NULL };
	table_head(out, field_cols, "lrl");
	for (size_t i = 0; i < r->field_count; i++) {
		fputs("| ", out);
		code(out, r->fields[i].name);
		cell_num(c, out, r->fields[i].count);
		fputs(" | ", out);
		md(out, r->fields[i].detail ? r->fields[i].detail : "");
		fputs(" |\n", out);
	}
	fputs("\n", out);
}

/* ---- precision from verdicts (piiaudit review) ---- */

#define PRECISION_COLS "Reviewed", "Precision (95 % CI)", "Est. true findings (95 % CI)"
#define PRECISION_ALIGN "rrr"

static void precision_cells(FILE *out, const struct report_ctx *c, const struct db_review_stat *st,
                            int64_t real)
{
	struct report_precision_text t;
	report_precision_format(c, st, real, &t);
	fprintf(out, " | %s | %s | %s", t.reviewed, t.precision, t.estimate);
}

static void precision_note(FILE *out, const struct report_ctx *c)
{
	const struct db_review_stat *t = c->review ? &c->review->total : NULL;
	if (!t || !t->reviewed) {
		fputs("**Precision is not measured:** no finding of this run has been reviewed "
		      "(`piiaudit review sample`, then `review import`). Every rule is marked *not "
		      "reviewed*.\n\n", out);
		return;
	}
	fputs("Precision comes from ", out);
	num(c, out, t->reviewed);
	fputs(" human verdicts on findings of this run (", out);
	num(c, out, t->tp);
	fputs(" true, ", out);
	num(c, out, t->fp);
	fputs(" false, ", out);
	num(c, out, t->unsure);
	fputs(" unsure), with the Wilson score interval at 95 %; the estimated true findings are "
	      "the real findings times the precision, within what the verdicts prove. Rules never "
	      "reviewed are marked *not reviewed*.\n\n", out);
}

static void inventory(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	fputs("## Inventory\n\n", out);
	precision_note(out, c);
	static const char *const cc[] = { "Category", "Real", "Placeholders", "Total", "Per MB",
	                                  "Masked samples", PRECISION_COLS, NULL };
	table_head(out, cc, "lrrrrl" PRECISION_ALIGN);
	for (size_t i = 0; i < r->category_count; i++) {
		const struct db_report_category *cat = &r->categories[i];
		fputs("| ", out);
		md(out, cat->name);
		cell_num(c, out, cat->findings - cat->placeholders);
		cell_num(c, out, cat->placeholders);
		cell_num(c, out, cat->findings);
		fputs(" | ", out);
		density(out, cat->findings, r->bytes_scanned);
		fputs(" | ", out);
		for (size_t k = 0; k < DB_REPORT_SAMPLES && cat->samples[k]; k++) {
			fputs(k ? ", " : "", out);
			code(out, cat->samples[k]);
			if (cat->sample_rules[k]) {
				fputs(" (", out);
				md(out, cat->sample_rules[k]);
				fputs(")", out);
			}
			if (c->f->show_values && cat->values[k]) {
				fputs(" = ", out);
				code(out, cat->values[k]);
			}
		}
		if (!cat->findings)
			fputs("looked for, none found", out);
		precision_cells(out, c, report_review_category(c, cat->name), cat->findings - cat->placeholders);
		fputs(" |\n", out);
	}
	fputs("\n### By rule\n\n", out);
	static const char *const rc[] = { "Rule", "Category", "Real", "Placeholders", PRECISION_COLS,
	                                  NULL };
	table_head(out, rc, "llrr" PRECISION_ALIGN);
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		if (!ru->findings)
			continue;
		fputs("| ", out);
		code(out, ru->id);
		fputs(" | ", out);
		md(out, ru->category);
		cell_num(c, out, ru->findings - ru->placeholders);
		cell_num(c, out, ru->placeholders);
		precision_cells(out, c, report_review_rule(c, ru->id), ru->findings - ru->placeholders);
		fputs(" |\n", out);
	}
	fputs("\n### Sources with the most findings\n\n", out);
	static const char *const sc[] = { "Source", "Findings", "Scanned", "Per MB", "Mostly", NULL };
	table_head(out, sc, "lrrrl");
	for (size_t i = 0; i < r->top_source_count; i++) {
		const struct db_report_source *s = &r->top_sources[i];
		char *loc = report_location(s->path, s->member);
		fputs("| ", out);
		code(out, loc ? loc : s->path);
		free(loc);
		cell_num(c, out, s->findings);
		cell_bytes(out, s->bytes_scanned);
		fputs(" | ", out);
		density(out, s->findings, s->bytes_scanned);
		fputs(" | ", out);
		md(out, s->top_category ? s->top_category : "");
		fputs(" |\n", out);
	}
	fputs("\n### Confidence\n\n", out);
	static const char *const hc[] = { "Confidence", "Findings", NULL };
	table_head(out, hc, "lr");
	for (size_t i = 0; i < DB_REPORT_BUCKETS; i++) {
		fprintf(out, "| %s", report_bucket_label(i));
		cell_num(c, out, r->hist[i]);
		fputs(" |\n", out);
	}
	fputs("\n", out);
}

static void regimes(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	const struct report_facts *f = c->f;
	fputs("## Regimes\n\nRules carry compliance tags; each regime counts the findings of the "
	      "rules tagged for it. This is evidence for an assessment, not legal advice.\n\n", out);
	for (int i = 0; i < REGIME_COUNT; i++) {
		const struct report_regime *g = &f->regimes[i];
		fputs("### ", out);
		md(out, g->name);
		fputs("\n\n", out);
		md(out, g->statement);
		fputs("\n\n", out);
		if (g->cat_count) {
			static const char *const cols[] = { "Category", "Real", "Placeholders", NULL };
			table_head(out, cols, "lrr");
			for (size_t k = 0; k < g->cat_count; k++) {
				fputs("| ", out);
				md(out, report_category_label(g->cats[k].category));
				cell_num(c, out, g->cats[k].findings - g->cats[k].placeholders);
				cell_num(c, out, g->cats[k].placeholders);
				fputs(" |\n", out);
			}
			fputs("\n", out);
		}
		if (i == REGIME_PCI_DSS && r->brands_known && r->brand_count) {
			static const char *const cols[] = { "Brand", "PANs", NULL };
			table_head(out, cols, "lr");
			for (size_t k = 0; k < r->brand_count; k++) {
				fputs("| ", out);
				md(out, r->brands[k].name);
				cell_num(c, out, r->brands[k].count);
				fputs(" |\n", out);
			}
			fputs("\n", out);
		}
	}
	fputs("### HIPAA Safe Harbor: the 18 identifiers\n\n", out);
	md(out, f->hipaa_statement);
	fputs("\n\n", out);
	static const char *const cols[] = { "", "Identifier (45 CFR 164.514(b)(2)(i))", "Status",
	                                    "Found", NULL };
	table_head(out, cols, "lllr");
	for (size_t i = 0; i < 18; i++) {
		const struct report_hipaa *x = &f->hipaa[i];
		fprintf(out, "| %c | ", x->letter);
		md(out, x->identifier);
		if (x->note) {
			fputs(" (", out);
			md(out, x->note);
			fputs(")", out);
		}
		fputs(" | ", out);
		if (x->state == HIPAA_NOT_DETECTABLE || x->state == HIPAA_FOUND)
			fputs("**", out);
		md(out, report_hipaa_state_name(x->state));
		if (x->state == HIPAA_NOT_DETECTABLE || x->state == HIPAA_FOUND)
			fputs("**", out);
		if (x->rules)
			cell_num(c, out, x->findings - x->placeholders);
		else
			fputs(" | -", out);
		fputs(" |\n", out);
	}
	fputs("\n", out);
}

/* ---- memorisation (piiaudit xref) ---- */

static void per_1000(FILE *out, int64_t n, int64_t outputs)
{
	double v = report_per_1000(n, outputs);
	if (v < 0)
		fputs(" | -", out);
	else
		fprintf(out, " | %.2f", v);
}

static void memorisation(FILE *out, const struct report_ctx *c)
{
	const struct db_report_memo *m = &c->r->memo;
	if (!m->present)
		return;
	fputs("## Memorisation\n\nPersonal data in the model outputs of this run that also occurs "
	      "in the training corpus, as `piiaudit xref` found it by keyed fingerprint on ", out);
	md(out, m->created_at);
	fputs(": corpus database ", out);
	code(out, m->corpus_db);
	fprintf(out, ", run %lld (", (long long)m->corpus_run);
	code(out, m->corpus_uuid);
	fputs(").\n\n| Outputs scanned | With PII | With corpus PII | Leaked distinct values |"
	      " Per 1,000 outputs | Exact extractions | Extraction rate |\n"
	      "|---:|---:|---:|---:|---:|---:|---:|\n| ", out);
	num(c, out, m->outputs);
	cell_num(c, out, m->outputs_with_pii);
	cell_num(c, out, m->outputs_with_leak);
	cell_num(c, out, m->leaked_values);
	per_1000(out, m->leaked_values, m->outputs);
	cell_num(c, out, m->extracted);
	if (m->prompted > 0) {
		fprintf(out, " | %.2f %% of ", 100.0 * (double)m->extracted / (double)m->prompted);
		num(c, out, m->prompted);
		fputs(" prompted", out);
	} else {
		fputs(" | no prompted output", out);
	}
	fputs(" |\n\n", out);
	if (m->category_count) {
		static const char *const cols[] = { "Category", "Leaked distinct values",
		                                    "Per 1,000 outputs", "Outputs emitting them",
		                                    "Exact extractions", NULL };
		table_head(out, cols, "lrrrr");
		for (size_t i = 0; i < m->category_count; i++) {
			const struct db_report_memo_category *x = &m->categories[i];
			fputs("| ", out);
			md(out, x->category);
			cell_num(c, out, x->values);
			per_1000(out, x->values, m->outputs);
			cell_num(c, out, x->outputs);
			cell_num(c, out, x->extracted);
			fputs(" |\n", out);
		}
		fputs("\n### Most emitted leaked values (masked)\n\n", out);
		static const char *const lc[] = { "Value", "Category", "Outputs", "Exact extractions",
		                                  "Corpus documents", "Corpus occurrences", NULL };
		table_head(out, lc, "llrrrr");
		for (size_t i = 0; i < m->leak_count; i++) {
			const struct db_report_memo_leak *l = &m->leaks[i];
			fputs("| ", out);
			code(out, l->preview);
			fputs(" | ", out);
			md(out, l->category);
			cell_num(c, out, l->outputs);
			cell_num(c, out, l->extracted);
			cell_num(c, out, l->corpus_documents);
			cell_num(c, out, l->corpus_occurrences);
			fputs(" |\n", out);
		}
		fputs("\n", out);
	} else {
		fputs("No value in the outputs occurs in the corpus.\n\n", out);
	}
	if (m->other_results > 0) {
		num(c, out, m->other_results);
		fputs(" other cross-reference results of this run (against other corpus runs) are in the "
		      "database (`select * from xref_runs`).\n\n", out);
	}
}

/* ---- redactions (piiaudit redact) ---- */

static void count_or(const struct report_ctx *c, FILE *out, int64_t v, const char *none)
{
	fputs(" | ", out);
	if (v < 0)
		fputs(none, out);
	else
		num(c, out, v);
}

static void redactions(FILE *out, const struct report_ctx *c)
{
	const struct db_report_redactions *rd = &c->r->redactions;
	char verify[64];
	if (!rd->count)
		return;
	fputs("## Redactions\n\n", out);
	num(c, out, rd->total);
	fprintf(out, " %s redacted by ", rd->total == 1 ? "file was" : "files were");
	num(c, out, rd->runs);
	fprintf(out, " `piiaudit redact` %s in this database", rd->runs == 1 ? "run" : "runs");
	if ((int64_t)rd->count < rd->total) {
		fputs("; the newest ", out);
		num(c, out, (int64_t)rd->count);
		fputs(" are listed", out);
	}
	fputs(". *Found* counts the selected findings in the input, *redacted* the values replaced "
	      "(or removed with their records), *left* what `--verify` found in the output.\n\n", out);
	static const char *const cols[] = { "Run", "Input", "Output", "Style", "Status", "Redacted",
	                                    "Records dropped", "Verify", NULL };
	table_head(out, cols, "rllllrrl");
	for (size_t i = 0; i < rd->count; i++) {
		const struct db_report_redaction *x = &rd->items[i];
		fprintf(out, "| %lld | ", (long long)x->run_id);
		code(out, x->input);
		fputs(" | ", out);
		code(out, x->output);
		fputs(" | ", out);
		md(out, x->style);
		fputs(" | ", out);
		md(out, x->status);
		if (x->error) {
			fputs(": ", out);
			md(out, x->error);
		}
		cell_num(c, out, x->replaced);
		cell_num(c, out, x->records_dropped);
		report_verify_text(c, x->remaining, verify, sizeof(verify));
		fprintf(out, " | %s |\n", verify);
	}
	fputs("\n### Before and after, by category\n\n", out);
	static const char *const bc[] = { "Run", "Input", "Category", "Found", "Redacted",
	                                  "Left after verify", NULL };
	table_head(out, bc, "rllrrr");
	for (size_t i = 0; i < rd->count; i++) {
		const struct db_report_redaction *x = &rd->items[i];
		for (size_t k = 0; k < x->category_count; k++) {
			const struct db_report_redact_category *g = &x->categories[k];
			fprintf(out, "| %lld | ", (long long)x->run_id);
			code(out, x->input);
			fputs(" | ", out);
			md(out, g->category);
			count_or(c, out, g->found, "not recorded");
			cell_num(c, out, g->redacted);
			count_or(c, out, g->remaining, "not verified");
			fputs(" |\n", out);
		}
	}
	fputs("\n", out);
}

/* " of `old.db`" when the other run is in another database. */
static void diff_other_db(FILE *out, const struct db_report *r)
{
	if (!r->since_db)
		return;
	fputs(" of ", out);
	code(out, r->since_db);
}

static void diff(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	if (!r->since_run)
		return;
	int64_t a = 0, b = 0, u = 0;
	fprintf(out, "## Changes since run %lld", (long long)r->since_run);
	diff_other_db(out, r);
	fprintf(out, "\n\nRun %lld", (long long)r->since_run);
	diff_other_db(out, r);
	fputs(" had ", out);
	num(c, out, r->since_total);
	fputs(" findings. A finding is unchanged when its fingerprint, source path, member and "
	      "offset are the same in both runs.\n\n", out);
	if (!r->since_same_key)
		fputs("**The two runs were made with different fingerprint keys:** no finding can "
		      "match, so every finding shows as new or resolved.\n\n", out);
	static const char *const cols[] = { "Category", "New", "Resolved", "Unchanged", NULL };
	table_head(out, cols, "lrrr");
	for (size_t i = 0; i < r->diff_count; i++) {
		const struct db_report_diff *d = &r->diff[i];
		fputs("| ", out);
		md(out, d->category);
		cell_num(c, out, d->added);
		cell_num(c, out, d->resolved);
		cell_num(c, out, d->unchanged);
		fputs(" |\n", out);
		a += d->added;
		b += d->resolved;
		u += d->unchanged;
	}
	fputs("| **all**", out);
	cell_num(c, out, a);
	cell_num(c, out, b);
	cell_num(c, out, u);
	fputs(" |\n\n", out);
}

int report_write_md(FILE *out, const struct report_ctx *c)
{
	const struct db_report *r = c->r;
	fprintf(out, "# Personal data audit report: run %lld\n\n", (long long)r->run.id);
	if (r->run.label) {
		fputs("**", out);
		md(out, r->run.label);
		fputs("** · ", out);
	}
	fputs("Generated ", out);
	md(out, c->f->generated_at);
	fputs(" by piiaudit " PIIAUDIT_VERSION " · ", out);
	fputs(c->f->show_values ? "**contains raw values (--show-values), not self-checked**"
	                        : "self-checked: no unmasked value", out);
	fputs("\n\n## Summary\n\n", out);
	md(out, c->f->summary);
	fputs("\n\n| Findings | Real values | Placeholders | Sources | Not read in full | Scanned |"
	      " Per MB |\n|---:|---:|---:|---:|---:|---:|---:|\n| ", out);
	num(c, out, r->total_findings);
	cell_num(c, out, c->f->real);
	cell_num(c, out, r->placeholders);
	cell_num(c, out, r->sources_total);
	cell_num(c, out, r->problems_total);
	cell_bytes(out, r->bytes_scanned);
	fputs(" | ", out);
	density(out, r->total_findings, r->bytes_scanned);
	fputs(" |\n\n", out);
	scope(out, c);
	coverage(out, c);
	inventory(out, c);
	regimes(out, c);
	memorisation(out, c);
	redactions(out, c);
	diff(out, c);
	fputs("## Ready-to-paste text\n\n### For a dataset card\n\n```markdown\n", out);
	fputs(c->f->dataset_card, out);
	fputs("```\n\n### For the data-processing section of a public summary of training content\n\n"
	      "```markdown\n", out);
	fputs(c->f->gpai_paragraph, out);
	fputs("\n```\n\n## About this report\n\n", out);
	if (c->f->show_values) {
		fputs("Written with `--show-values`: it contains raw values from the database and was "
		      "not self-checked. Handle it as the data itself.\n", out);
	} else {
		fprintf(out, "Values are shown only masked (cards and accounts: at most the last four "
		        "digits; secrets: type, length and at most the last four characters), and file "
		        "names in which the rules find personal data are masked too. Before it was "
		        "written, this report was scanned with piiaudit's %zu built-in rules and no "
		        "unmasked value was found. The JSON form of this report follows the schema `"
		        REPORT_SCHEMA "` (see piiaudit-report(1)).\n", c->f->self_check_rules);
	}
	return ferror(out) ? -1 : 0;
}
