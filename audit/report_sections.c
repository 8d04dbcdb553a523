/*
 * audit/report_sections.c - what the renderers share about the sections
 * built on recorded evidence: precision from human verdicts next to the
 * inventory (db_review_stats, db/review.h), memorisation (xref results)
 * and redaction runs (db/report_sections.h).  Formatting only: nothing
 * here allocates or prints outside the caller's buffers.
 */
#include <stdio.h>
#include <string.h>

#include "audit/report.h"

static const struct db_review_stat *find_stat(const struct db_review_stat *v, size_t n,
                                              const char *name)
{
	/* A few hundred rules at most, looked up once per table row. */
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

const struct db_review_stat *report_review_rule(const struct report_ctx *c, const char *rule)
{
	return c->review ? find_stat(c->review->rules, c->review->rule_count, rule) : NULL;
}

const struct db_review_stat *report_review_category(const struct report_ctx *c,
                                                    const char *category)
{
	return c->review ? find_stat(c->review->categories, c->review->category_count, category)
	                 : NULL;
}

const char *report_review_status(const struct db_review_stat *st, int64_t real)
{
	if (st && st->measured)
		return "measured";
	if (st && st->reviewed)
		return "unsure only";
	return real > 0 ? "not reviewed" : "no findings";
}

/* Rounds a non-negative estimate to the nearest integer. */
static int64_t round_count(double v)
{
	return v <= 0.0 ? 0 : (int64_t)(v + 0.5);
}

void report_precision_format(const struct report_ctx *c, const struct db_review_stat *st,
                             int64_t real, struct report_precision_text *t)
{
	char a[32], b[32], m[32];
	if (!st || !st->reviewed) {
		snprintf(t->reviewed, sizeof(t->reviewed), "%s", real > 0 ? "not reviewed" : "-");
		snprintf(t->precision, sizeof(t->precision), "-");
		snprintf(t->estimate, sizeof(t->estimate), "-");
		return;
	}
	report_fmt_int(c, t->reviewed, sizeof(t->reviewed), st->reviewed);
	if (!st->measured) {
		snprintf(t->precision, sizeof(t->precision), "unsure only");
		snprintf(t->estimate, sizeof(t->estimate), "-");
		return;
	}
	snprintf(t->precision, sizeof(t->precision), "%.1f %% (%.1f-%.1f %%)", 100.0 * st->precision,
	         100.0 * st->low, 100.0 * st->high);
	report_fmt_int(c, m, sizeof(m), round_count(st->true_est));
	report_fmt_int(c, a, sizeof(a), round_count(st->true_low));
	report_fmt_int(c, b, sizeof(b), round_count(st->true_high));
	snprintf(t->estimate, sizeof(t->estimate), "%s (%s-%s)", m, a, b);
}

double report_per_1000(int64_t n, int64_t outputs)
{
	return outputs > 0 ? (double)n * 1000.0 / (double)outputs : -1.0;
}

void report_verify_text(const struct report_ctx *c, int64_t remaining, char *buf, size_t cap)
{
	char n[32];
	if (remaining < 0) {
		snprintf(buf, cap, "not verified");
	} else if (remaining == 0) {
		snprintf(buf, cap, "verified clean");
	} else {
		report_fmt_int(c, n, sizeof(n), remaining);
		snprintf(buf, cap, "%s left", n);
	}
}
