/*
 * audit/report_json.c - the report as one JSON object, schema
 * "piiaudit-report/1" (documented in piiaudit-report(1); a JSON Schema of
 * it is in tests/report/).  Additions keep the schema name; a change that
 * removes or redefines a key gets a new one.
 *
 * Absent values are null, counts are integers, densities are numbers
 * with two decimals, strings are valid UTF-8 (json_write_string).
 */
#include <stdlib.h>
#include <string.h>

#include "audit/cli.h"
#include "audit/report.h"

static void str(FILE *out, const char *s)
{
	if (!s)
		fputs("null", out);
	else
		json_write_string(out, s, strlen(s));
}

static void key(FILE *out, const char *k, bool first)
{
	fprintf(out, "%s\"%s\":", first ? "" : ",", k);
}

static void kstr(FILE *out, const char *k, const char *v, bool first)
{
	key(out, k, first);
	str(out, v);
}

static void kint(const struct report_ctx *c, FILE *out, const char *k, int64_t v, bool first)
{
	key(out, k, first);
	report_put_int(c, out, v, false);
}

static void kbool(FILE *out, const char *k, bool v, bool first)
{
	key(out, k, first);
	fputs(v ? "true" : "false", out);
}

/* A field's categories, "email 120, phone 3" (db_report's detail), as an
 * object {"email":120,"phone":3}; category names hold no space or comma. */
static void field_categories(const struct report_ctx *c, FILE *out, const char *detail)
{
	fputc('{', out);
	bool first = true;
	for (const char *at = detail ? detail : ""; *at;) {
		const char *space = strchr(at, ' ');
		if (!space)
			break;
		char *end;
		long long n = strtoll(space + 1, &end, 10);
		if (!first)
			fputc(',', out);
		json_write_string(out, at, (size_t)(space - at));
		fputc(':', out);
		report_put_int(c, out, (int64_t)n, false);
		first = false;
		at = end;
		while (*at == ',' || *at == ' ')
			at++;
	}
	fputc('}', out);
}

/* Findings per 10^6 bytes; null when nothing was scanned. */
static void kdensity(FILE *out, const char *k, int64_t n, int64_t bytes, bool first)
{
	key(out, k, first);
	if (bytes > 0)
		fprintf(out, "%.2f", (double)n * 1e6 / (double)bytes);
	else
		fputs("null", out);
}

/* Space-separated tags as an array. */
static void tags(FILE *out, const char *s)
{
	fputc('[', out);
	bool first = true;
	for (const char *p = s; p && *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n) {
			fputs(first ? "" : ",", out);
			json_write_string(out, p, n);
			first = false;
		}
		p += n;
	}
	fputc(']', out);
}

static void source(const struct report_ctx *c, FILE *out, const struct db_report_source *s, bool input)
{
	fputc('{', out);
	kstr(out, "path", s->path, true);
	if (!input)
		kstr(out, "member", s->member, false);
	kstr(out, "kind", s->kind, false);
	kstr(out, "format", s->format, false);
	key(out, "size", false);
	if (s->size < 0)
		fputs("null", out);
	else
		report_put_int(c, out, s->size, false);
	kint(c, out, "bytes_scanned", s->bytes_scanned, false);
	kstr(out, "status", s->status, false);
	kstr(out, "error", s->error, false);
	kint(c, out, "findings", s->findings, false);
	if (input) {
		kint(c, out, "members", s->members, false);
		kint(c, out, "not_read_in_full", s->problems, false);
		kstr(out, "content_hash", s->sha256, false);
	}
	if (s->top_category)
		kstr(out, "top_category", s->top_category, false);
	fputc('}', out);
}

static void run(const struct report_ctx *c, FILE *out)
{
	const struct db_report_run *r = &c->r->run;
	key(out, "run", false);
	fputc('{', out);
	kint(c, out, "id", r->id, true);
	kstr(out, "uuid", r->uuid, false);
	kstr(out, "kind", r->kind, false);
	kstr(out, "label", r->label, false);
	kstr(out, "started_at", r->started_at, false);
	kstr(out, "ended_at", r->ended_at, false);
	kstr(out, "status", r->status, false);
	key(out, "argv", false);
	fputc('[', out);
	for (size_t i = 0; i < c->f->argc; i++) {
		fputs(i ? "," : "", out);
		str(out, c->f->argv[i]);
	}
	fputc(']', out);
	kstr(out, "reproduce", c->f->reproduce, false);
	kstr(out, "tool_version", r->tool_version, false);
	kstr(out, "rules_digest", r->rules_digest, false);
	kstr(out, "key_id", r->key_id, false);
	kbool(out, "store_values", r->store_values, false);
	key(out, "shard", false);
	if (r->shard_count) {
		fputc('{', out);
		kint(c, out, "index", r->shard_index, true);
		kint(c, out, "count", r->shard_count, false);
		kstr(out, "plan_digest", r->plan_digest, false);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	fputc('}', out);
}

static void inputs(const struct report_ctx *c, FILE *out)
{
	const struct db_report *r = c->r;
	key(out, "inputs", false);
	fputc('{', out);
	kint(c, out, "count", r->inputs_total, true);
	kint(c, out, "size", r->inputs_size, false);
	kstr(out, "content_hashes", r->inputs_hashed ? "sha256" : "not recorded", false);
	kbool(out, "truncated", (int64_t)r->input_count < r->inputs_total, false);
	key(out, "listed", false);
	fputc('[', out);
	for (size_t i = 0; i < r->input_count; i++) {
		fputs(i ? "," : "", out);
		source(c, out, &r->inputs[i], true);
	}
	fputs("]}", out);
}

static void rules(const struct report_ctx *c, FILE *out)
{
	const struct db_report *r = c->r;
	key(out, "rules", false);
	fputc('[', out);
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		fputs(i ? ",\n{" : "\n{", out);
		kstr(out, "id", ru->id, true);
		kstr(out, "category", ru->category, false);
		kstr(out, "description", ru->description, false);
		kstr(out, "validator", ru->validator, false);
		key(out, "confidence", false);
		fprintf(out, "%.2f", ru->confidence);
		key(out, "tags", false);
		tags(out, ru->tags);
		kstr(out, "pack", ru->pack, false);
		kint(c, out, "findings", ru->findings, false);
		kint(c, out, "placeholders", ru->placeholders, false);
		fputc('}', out);
	}
	fputs("]", out);
}

static void coverage(const struct report_ctx *c, FILE *out)
{
	const struct db_report *r = c->r;
	key(out, "coverage", false);
	fputc('{', out);
	kbool(out, "complete", c->f->complete, true);
	kstr(out, "statement", c->f->coverage_statement, false);
	kint(c, out, "sources", r->sources_total, false);
	kint(c, out, "members", r->members_total, false);
	kint(c, out, "bytes_scanned", r->bytes_scanned, false);
	key(out, "by_kind_status", false);
	fputc('[', out);
	for (size_t i = 0; i < r->coverage_count; i++) {
		const struct db_report_coverage *cv = &r->coverage[i];
		fputs(i ? ",{" : "{", out);
		kstr(out, "kind", cv->kind, true);
		kstr(out, "status", cv->status, false);
		kint(c, out, "count", cv->count, false);
		kint(c, out, "bytes_scanned", cv->bytes_scanned, false);
		fputc('}', out);
	}
	fputs("]", out);
	key(out, "not_read_in_full", false);
	fputc('{', out);
	kint(c, out, "count", r->problems_total, true);
	key(out, "by_class", false);
	fputc('{', out);
	for (size_t i = 0; i < r->class_count; i++)
		kint(c, out, r->classes[i].name, r->classes[i].count, i == 0);
	fputc('}', out);
	key(out, "reasons", false);
	fputc('[', out);
	for (size_t i = 0; i < r->reason_count; i++) {
		fputs(i ? ",{" : "{", out);
		kstr(out, "class", r->reasons[i].cls, true);
		kstr(out, "status", r->reasons[i].status, false);
		kstr(out, "reason", r->reasons[i].reason, false);
		kint(c, out, "count", r->reasons[i].count, false);
		fputc('}', out);
	}
	fputs("]", out);
	kint(c, out, "distinct_reasons", r->reasons_total, false);
	key(out, "sources", false);
	fputc('[', out);
	for (size_t i = 0; i < r->problem_count; i++) {
		fputs(i ? "," : "", out);
		source(c, out, &r->problems[i], false);
	}
	fputs("]", out);
	kbool(out, "truncated", (int64_t)r->problem_count < r->problems_total, false);
	fputs("}", out);
	key(out, "formats", false);
	fputc('[', out);
	for (size_t i = 0; i < r->format_count; i++) {
		fputs(i ? ",{" : "{", out);
		kstr(out, "format", *r->formats[i].name ? r->formats[i].name : NULL, true);
		kstr(out, "kind", r->formats[i].detail, false);
		kint(c, out, "count", r->formats[i].count, false);
		fputc('}', out);
	}
	fputs("]", out);
	key(out, "records", false);
	fputc('{', out);
	kbool(out, "field_mode", r->has_records || r->field_findings > 0, true);
	key(out, "read", false);
	if (r->has_records)
		report_put_int(c, out, r->records, false);
	else
		fputs("null", out);
	kint(c, out, "invalid", r->invalid_records, false);
	kint(c, out, "with_findings", r->records_with_findings, false);
	kint(c, out, "findings", r->field_findings, false);
	key(out, "findings_per_1000_records", false);
	if (r->has_records && r->records > 0)
		fprintf(out, "%.2f", (double)r->field_findings * 1000 / (double)r->records);
	else
		fputs("null", out);
	kint(c, out, "fields_total", r->fields_total, false);
	key(out, "fields", false);
	fputc('[', out);
	for (size_t i = 0; i < r->field_count; i++) {
		fputs(i ? ",{" : "{", out);
		kstr(out, "field", r->fields[i].name, true);
		kint(c, out, "findings", r->fields[i].count, false);
		key(out, "categories", false);
		field_categories(c, out, r->fields[i].detail);
		fputc('}', out);
	}
	fputs("]}}", out);
}

static void samples(FILE *out, const struct db_report_category *cat, bool values)
{
	key(out, "samples", false);
	fputc('[', out);
	for (size_t k = 0; k < DB_REPORT_SAMPLES && cat->samples[k]; k++) {
		fputs(k ? ",{" : "{", out);
		kstr(out, "preview", cat->samples[k], true);
		kstr(out, "rule", cat->sample_rules[k], false);
		if (values)
			kstr(out, "value", cat->values[k], false);
		fputc('}', out);
	}
	fputc(']', out);
}

/* ---- precision from verdicts (piiaudit review) ---- */

static void knum(FILE *out, const char *k, bool set, double v)
{
	key(out, k, false);
	if (set)
		fprintf(out, "%.6g", v);
	else
		fputs("null", out);
}

/* "review": the verdicts on a rule's or a category's findings. */
static void review(const struct report_ctx *c, FILE *out, const struct db_review_stat *st,
                   int64_t real)
{
	bool m = st && st->measured;
	key(out, "review", false);
	fputc('{', out);
	kstr(out, "status", report_review_status(st, real), true);
	kint(c, out, "reviewed", st ? st->reviewed : 0, false);
	kint(c, out, "tp", st ? st->tp : 0, false);
	kint(c, out, "fp", st ? st->fp : 0, false);
	kint(c, out, "unsure", st ? st->unsure : 0, false);
	knum(out, "precision", m, m ? st->precision : 0);
	knum(out, "wilson_low", m, m ? st->low : 0);
	knum(out, "wilson_high", m, m ? st->high : 0);
	knum(out, "estimated_true", m, m ? st->true_est : 0);
	knum(out, "estimated_true_low", m, m ? st->true_low : 0);
	knum(out, "estimated_true_high", m, m ? st->true_high : 0);
	fputc('}', out);
}

static void review_totals(const struct report_ctx *c, FILE *out)
{
	const struct db_review_stat *t = c->review ? &c->review->total : NULL;
	key(out, "review", false);
	fputc('{', out);
	kstr(out, "interval", "wilson", true);
	key(out, "confidence", false);
	fputs("0.95", out);
	kint(c, out, "verdicts", c->review ? c->review->verdicts : 0, false);
	kint(c, out, "reviewed", t ? t->reviewed : 0, false);
	fputc('}', out);
}

static void inventory(const struct report_ctx *c, FILE *out)
{
	const struct db_report *r = c->r;
	key(out, "inventory", false);
	fputc('{', out);
	kint(c, out, "findings", r->total_findings, true);
	kint(c, out, "real", c->f->real, false);
	kint(c, out, "placeholders", r->placeholders, false);
	kdensity(out, "findings_per_mb", r->total_findings, r->bytes_scanned, false);
	key(out, "by_category", false);
	fputc('[', out);
	for (size_t i = 0; i < r->category_count; i++) {
		const struct db_report_category *cat = &r->categories[i];
		fputs(i ? ",\n{" : "\n{", out);
		kstr(out, "category", cat->name, true);
		kint(c, out, "findings", cat->findings, false);
		kint(c, out, "real", cat->findings - cat->placeholders, false);
		kint(c, out, "placeholders", cat->placeholders, false);
		kdensity(out, "findings_per_mb", cat->findings, r->bytes_scanned, false);
		samples(out, cat, c->f->show_values);
		review(c, out, report_review_category(c, cat->name), cat->findings - cat->placeholders);
		fputc('}', out);
	}
	fputs("]", out);
	key(out, "by_rule", false);
	fputc('[', out);
	bool first = true;
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		if (!ru->findings)
			continue;
		fputs(first ? "{" : ",{", out);
		first = false;
		kstr(out, "rule", ru->id, true);
		kstr(out, "category", ru->category, false);
		kint(c, out, "findings", ru->findings, false);
		kint(c, out, "placeholders", ru->placeholders, false);
		review(c, out, report_review_rule(c, ru->id), ru->findings - ru->placeholders);
		fputc('}', out);
	}
	fputs("]", out);
	review_totals(c, out);
	key(out, "top_sources", false);
	fputc('[', out);
	for (size_t i = 0; i < r->top_source_count; i++) {
		fputs(i ? "," : "", out);
		source(c, out, &r->top_sources[i], false);
	}
	fputs("]", out);
	key(out, "density_by_input", false);
	fputc('[', out);
	for (size_t i = 0; i < r->top_input_count; i++) {
		const struct db_report_source *s = &r->top_inputs[i];
		fputs(i ? ",{" : "{", out);
		kstr(out, "path", s->path, true);
		kint(c, out, "findings", s->findings, false);
		kint(c, out, "bytes_scanned", s->bytes_scanned, false);
		kdensity(out, "findings_per_mb", s->findings, s->bytes_scanned, false);
		fputc('}', out);
	}
	fputs("]", out);
	key(out, "confidence_histogram", false);
	fputc('[', out);
	for (size_t i = 0; i < DB_REPORT_BUCKETS; i++) {
		fprintf(out, "%s{\"from\":%.1f,\"to\":%.1f,", i ? "," : "", (double)i / 10, (double)(i + 1) / 10);
		kint(c, out, "findings", r->hist[i], true);
		fputc('}', out);
	}
	fputs("]}", out);
}

static void regimes(const struct report_ctx *c, FILE *out)
{
	const struct db_report *r = c->r;
	const struct report_facts *f = c->f;
	key(out, "regimes", false);
	fputc('{', out);
	for (int i = 0; i < REGIME_COUNT; i++) {
		const struct report_regime *g = &f->regimes[i];
		fprintf(out, "%s\n\"%s\":{", i ? "," : "", g->key);
		kstr(out, "name", g->name, true);
		kstr(out, "tag", g->tag, false);
		kint(c, out, "rules", (int64_t)g->rules, false);
		kint(c, out, "findings", g->findings - g->placeholders, false);
		kint(c, out, "placeholders", g->placeholders, false);
		key(out, "by_category", false);
		fputc('[', out);
		for (size_t k = 0; k < g->cat_count; k++) {
			fputs(k ? ",{" : "{", out);
			kstr(out, "category", g->cats[k].category, true);
			kint(c, out, "findings", g->cats[k].findings - g->cats[k].placeholders, false);
			kint(c, out, "placeholders", g->cats[k].placeholders, false);
			fputc('}', out);
		}
		fputc(']', out);
		if (i == REGIME_PCI_DSS) {
			kint(c, out, "pan", f->pan, false);
			kint(c, out, "pan_luhn_checked", f->pan_luhn, false);
			key(out, "by_brand", false);
			if (r->brands_known) {
				fputc('{', out);
				for (size_t k = 0; k < r->brand_count; k++)
					kint(c, out, r->brands[k].name, r->brands[k].count, k == 0);
				fputc('}', out);
			} else {
				fputs("null", out);
			}
		}
		kstr(out, "statement", g->statement, false);
		fputc('}', out);
	}
	fputs(",\n\"hipaa_safe_harbor\":{", out);
	kstr(out, "statement", f->hipaa_statement, true);
	key(out, "identifiers", false);
	fputc('[', out);
	static const char *const states[] = { "found", "none_found", "not_looked_for", "not_detectable" };
	for (size_t i = 0; i < 18; i++) {
		const struct report_hipaa *x = &f->hipaa[i];
		char letter[2] = { x->letter, 0 };
		fputs(i ? ",{" : "{", out);
		kstr(out, "letter", letter, true);
		kstr(out, "identifier", x->identifier, false);
		kstr(out, "status", states[x->state], false);
		kint(c, out, "rules", (int64_t)x->rules, false);
		kint(c, out, "findings", x->findings - x->placeholders, false);
		kstr(out, "note", x->note, false);
		fputc('}', out);
	}
	fputs("]}}", out);
}

/* ---- memorisation (piiaudit xref) ---- */

static void kper_1000(FILE *out, const char *k, int64_t n, int64_t outputs)
{
	double v = report_per_1000(n, outputs);
	key(out, k, false);
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%.2f", v);
}

static void memorisation(const struct report_ctx *c, FILE *out)
{
	const struct db_report_memo *m = &c->r->memo;
	key(out, "memorisation", false);
	if (!m->present) {
		fputs("null", out);
		return;
	}
	fputc('{', out);
	kbool(out, "readable", true, true);
	kint(c, out, "xref_id", m->xref_id, false);
	kstr(out, "created_at", m->created_at, false);
	kstr(out, "corpus_db", m->corpus_db, false);
	kint(c, out, "corpus_run", m->corpus_run, false);
	kstr(out, "corpus_run_uuid", m->corpus_uuid, false);
	kstr(out, "key_id", m->key_id, false);
	kint(c, out, "outputs", m->outputs, false);
	kint(c, out, "outputs_with_pii", m->outputs_with_pii, false);
	kint(c, out, "outputs_with_corpus_pii", m->outputs_with_leak, false);
	kint(c, out, "output_values", m->output_values, false);
	kint(c, out, "leaked_values", m->leaked_values, false);
	kper_1000(out, "values_per_1000_outputs", m->leaked_values, m->outputs);
	kint(c, out, "prompted", m->prompted, false);
	kint(c, out, "extracted", m->extracted, false);
	key(out, "extraction_rate", false);
	if (m->prompted > 0)
		fprintf(out, "%.4f", (double)m->extracted / (double)m->prompted);
	else
		fputs("null", out);
	key(out, "by_category", false);
	fputc('[', out);
	for (size_t i = 0; i < m->category_count; i++) {
		const struct db_report_memo_category *x = &m->categories[i];
		fputs(i ? ",{" : "{", out);
		kstr(out, "category", x->category, true);
		kint(c, out, "values", x->values, false);
		kint(c, out, "outputs", x->outputs, false);
		kper_1000(out, "per_1000_outputs", x->outputs, m->outputs);
		kper_1000(out, "values_per_1000_outputs", x->values, m->outputs);
		kint(c, out, "extracted", x->extracted, false);
		fputc('}', out);
	}
	fputc(']', out);
	key(out, "top_values", false);
	fputc('[', out);
	for (size_t i = 0; i < m->leak_count; i++) {
		const struct db_report_memo_leak *l = &m->leaks[i];
		fputs(i ? ",{" : "{", out);
		kstr(out, "category", l->category, true);
		kstr(out, "preview", l->preview, false);
		kint(c, out, "outputs", l->outputs, false);
		kint(c, out, "extracted", l->extracted, false);
		kint(c, out, "corpus_documents", l->corpus_documents, false);
		kint(c, out, "corpus_occurrences", l->corpus_occurrences, false);
		fputc('}', out);
	}
	fputc(']', out);
	kint(c, out, "other_results", m->other_results, false);
	fputc('}', out);
}

/* ---- redactions (piiaudit redact) ---- */

static void kcount_or_null(const struct report_ctx *c, FILE *out, const char *k, int64_t v)
{
	key(out, k, false);
	if (v < 0)
		fputs("null", out);
	else
		report_put_int(c, out, v, false);
}

static void redactions(const struct report_ctx *c, FILE *out)
{
	const struct db_report_redactions *rd = &c->r->redactions;
	key(out, "redactions", false);
	if (!rd->count) {
		fputs("null", out);
		return;
	}
	fputc('{', out);
	kint(c, out, "files", rd->total, true);
	kint(c, out, "runs", rd->runs, false);
	kbool(out, "truncated", (int64_t)rd->count < rd->total, false);
	key(out, "listed", false);
	fputc('[', out);
	for (size_t i = 0; i < rd->count; i++) {
		const struct db_report_redaction *x = &rd->items[i];
		fputs(i ? ",\n{" : "\n{", out);
		kint(c, out, "run", x->run_id, true);
		kstr(out, "run_started_at", x->run_started_at, false);
		kstr(out, "input", x->input, false);
		kstr(out, "output", x->output, false);
		kstr(out, "format", x->format, false);
		kstr(out, "style", x->style, false);
		kstr(out, "status", x->status, false);
		kstr(out, "error", x->error, false);
		kstr(out, "input_sha256", x->input_sha256, false);
		kstr(out, "output_sha256", x->output_sha256, false);
		kint(c, out, "redacted", x->replaced, false);
		kint(c, out, "records_dropped", x->records_dropped, false);
		kbool(out, "verified", x->remaining >= 0, false);
		kcount_or_null(c, out, "remaining", x->remaining);
		key(out, "by_category", false);
		fputc('[', out);
		for (size_t k = 0; k < x->category_count; k++) {
			const struct db_report_redact_category *g = &x->categories[k];
			fputs(k ? ",{" : "{", out);
			kstr(out, "category", g->category, true);
			kcount_or_null(c, out, "found", g->found);
			kint(c, out, "redacted", g->redacted, false);
			kcount_or_null(c, out, "remaining", g->remaining);
			fputc('}', out);
		}
		fputs("]}", out);
	}
	fputs("]}", out);
}

static void diff(const struct report_ctx *c, FILE *out)
{
	const struct db_report *r = c->r;
	key(out, "diff", false);
	if (!r->since_run) {
		fputs("null", out);
		return;
	}
	int64_t a = 0, b = 0, u = 0;
	fputc('{', out);
	kint(c, out, "since_run", r->since_run, true);
	kstr(out, "since_db", r->since_db, false);
	kstr(out, "since_started_at", r->since_started_at, false);
	kint(c, out, "since_findings", r->since_total, false);
	kstr(out, "matched_by", "fingerprint, path, member, offset", false);
	kbool(out, "same_key", r->since_same_key, false);
	key(out, "by_category", false);
	fputc('[', out);
	for (size_t i = 0; i < r->diff_count; i++) {
		const struct db_report_diff *d = &r->diff[i];
		fputs(i ? ",{" : "{", out);
		kstr(out, "category", d->category, true);
		kint(c, out, "new", d->added, false);
		kint(c, out, "resolved", d->resolved, false);
		kint(c, out, "unchanged", d->unchanged, false);
		fputc('}', out);
		a += d->added;
		b += d->resolved;
		u += d->unchanged;
	}
	fputc(']', out);
	kint(c, out, "new", a, false);
	kint(c, out, "resolved", b, false);
	kint(c, out, "unchanged", u, false);
	fputc('}', out);
}

int report_write_json(FILE *out, const struct report_ctx *c)
{
	const struct report_facts *f = c->f;
	fputc('{', out);
	kstr(out, "schema", REPORT_SCHEMA, true);
	kint(c, out, "total_findings", c->r->total_findings, false);
	kstr(out, "generated_at", f->generated_at, false);
	key(out, "tool", false);
	fputs("{\"name\":\"piiaudit\",\"version\":\"" PIIAUDIT_VERSION "\"}", out);
	key(out, "self_check", false);
	fputc('{', out);
	kbool(out, "performed", !f->show_values, true);
	kint(c, out, "rules", (int64_t)f->self_check_rules, false);
	fputc('}', out);
	kbool(out, "values_shown", f->show_values, false);
	kstr(out, "summary", f->summary, false);
	fputc('\n', out);
	run(c, out);
	fputc('\n', out);
	inputs(c, out);
	fputc('\n', out);
	rules(c, out);
	fputc('\n', out);
	coverage(c, out);
	fputc('\n', out);
	inventory(c, out);
	fputc('\n', out);
	regimes(c, out);
	fputc('\n', out);
	memorisation(c, out);
	fputc('\n', out);
	redactions(c, out);
	fputc('\n', out);
	diff(c, out);
	fputc('\n', out);
	key(out, "ready_to_paste", false);
	fputc('{', out);
	kstr(out, "dataset_card", f->dataset_card, true);
	kstr(out, "training_content_summary", f->gpai_paragraph, false);
	fputs("}}\n", out);
	return ferror(out) ? -1 : 0;
}
