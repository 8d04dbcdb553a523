/*
 * audit/report_selfcheck.c - the report's own privacy: masking what the
 * rules find in file names and other text taken from the database, and
 * the self-check that scans a rendered report before it is written.
 *
 * Previews are never re-masked here: they were masked by scan, and a
 * preview that is not is a fault the self-check must catch, not hide.
 * What the self-check lets through, besides placeholders and masked
 * values, is only the report's own vocabulary: the numbers its renderers
 * printed (report_put_int) and the run's identifiers (uuid, digests, key
 * id, times), matched as whole tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/report.h"

#define SCAN_WINDOW (1u << 20)
#define SCAN_OVERLAP 4096u
#define MAX_HITS 256            /* per sanitised string; more are masked on a second pass */

/* ---- tokens ---- */

void report_tokens_release(struct report_tokens *t)
{
	free(t->numbers);
	memset(t, 0, sizeof(*t));
}

void report_tokens_add_id(struct report_tokens *t, const char *id)
{
	if (id && *id && t->id_count < sizeof(t->ids) / sizeof(t->ids[0]))
		t->ids[t->id_count++] = id;
}

static void tokens_add_number(struct report_tokens *t, int64_t v)
{
	if (t->count == t->alloc) {
		size_t n = t->alloc ? t->alloc * 2 : 256;
		int64_t *p = realloc(t->numbers, n * sizeof(*p));
		if (!p) {
			t->oom = true;
			return;
		}
		t->numbers = p;
		t->alloc = n;
	}
	t->numbers[t->count++] = v;
}

void report_put_int(const struct report_ctx *c, FILE *out, int64_t v, bool human)
{
	tokens_add_number(c->tokens, v);
	if (!human) {
		fprintf(out, "%lld", (long long)v);
		return;
	}
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? -v : v));
	if (v < 0)
		fputc('-', out);
	for (int i = 0; i < n; i++) {
		fputc(digits[i], out);
		if ((n - i - 1) % 3 == 0 && i != n - 1)
			fputc(',', out);
	}
}

void report_fmt_int(const struct report_ctx *c, char *buf, size_t cap, int64_t v)
{
	FILE *out = fmemopen(buf, cap, "w");
	if (!out) {
		snprintf(buf, cap, "%lld", (long long)v);
		tokens_add_number(c->tokens, v);
		return;
	}
	report_put_int(c, out, v, true);
	fclose(out);
	buf[cap - 1] = '\0';
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- hits ---- */

struct hits {
	struct rule_hit *items;
	size_t count, alloc;
	bool oom;
	size_t base;                /* added to each hit's start */
};

static int collect(void *ctx, const struct rule_hit *hit)
{
	struct hits *h = ctx;
	if (hit->placeholder)
		return 0;
	if (h->count == h->alloc) {
		size_t n = h->alloc ? h->alloc * 2 : 64;
		struct rule_hit *p = realloc(h->items, n * sizeof(*p));
		if (!p) {
			h->oom = true;
			return -1;
		}
		h->items = p;
		h->alloc = n;
	}
	h->items[h->count] = *hit;
	h->items[h->count].start += h->base;
	h->count++;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct rule_hit *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->len > y->len ? -1 : x->len < y->len;
}

/* Scans buf in overlapping windows, so a long report costs what a block
 * of a member costs. */
static int scan_all(struct rule_matcher *m, const char *buf, size_t len, struct hits *h)
{
	for (size_t from = 0; from < len || (from == 0 && len == 0); from += SCAN_WINDOW) {
		size_t ws = from > SCAN_OVERLAP ? from - SCAN_OVERLAP : 0;
		size_t accept_end = len - from > SCAN_WINDOW ? from + SCAN_WINDOW : len;
		size_t we = len - accept_end > SCAN_OVERLAP ? accept_end + SCAN_OVERLAP : len;
		h->base = ws;
		if (rule_matcher_scan(m, (const unsigned char *)buf + ws, we - ws, from - ws,
		                      accept_end - ws, NULL, collect, h))
			return -1;
		if (len == 0)
			break;
	}
	if (h->count)
		qsort(h->items, h->count, sizeof(*h->items), by_start);
	return 0;
}

/* ---- sanitising the model's text ---- */

/* A masked copy of s, or NULL (with *err set when out of memory) when the
 * rules find nothing in it.  Path separators are matched as spaces, so
 * that each file name is a token of its own: rules that will not start a
 * value after '/' (a URL's user:password@host) still find the address in
 * "mail/jane.roe@corp.io.txt". */
static char *mask_text(struct rule_matcher *m, const char *s, bool *err)
{
	struct hits h = {0};
	char *buf = NULL, *spaced = strdup(s);
	size_t blen = 0, len = strlen(s);
	if (!spaced) {
		*err = true;
		goto out;
	}
	for (char *p = spaced; *p; p++)
		if (*p == '/' || *p == '!' || *p == '\\')
			*p = ' ';
	if (scan_all(m, spaced, len, &h)) {
		*err = true;
		goto out;
	}
	if (!h.count)
		goto out;
	FILE *out = open_memstream(&buf, &blen);
	if (!out) {
		*err = true;
		goto out;
	}
	size_t at = 0;
	for (size_t i = 0; i < h.count; i++) {
		const struct rule_hit *hit = &h.items[i];
		if (hit->start < at)
			continue;   /* overlaps a hit already masked */
		char masked[256];
		rule_mask(hit->rule->category, s + hit->start, hit->len, masked, sizeof(masked));
		/* The mask keeps separators; none may break the JSON or markup around it. */
		for (char *p = masked; *p; p++)
			if (*p == '"' || *p == '\\' || *p == '<' || *p == '>' || *p == '&' || *p == '|')
				*p = '?';
		fwrite(s + at, 1, hit->start - at, out);
		fputs(masked, out);
		at = hit->start + hit->len;
	}
	fputs(s + at, out);
	if (fclose(out)) {
		free(buf);
		buf = NULL;
		*err = true;
	}
out:
	free(spaced);
	free(h.items);
	return buf;
}

static void sanitize(struct rule_matcher *m, char **s, bool *err)
{
	if (!*s || *err)
		return;
	char *masked = mask_text(m, *s, err);
	if (masked) {
		free(*s);
		*s = masked;
	}
}

static void sanitize_source(struct rule_matcher *m, struct db_report_source *src, bool *err)
{
	sanitize(m, &src->path, err);
	sanitize(m, &src->member, err);
	sanitize(m, &src->error, err);
	sanitize(m, &src->format, err);
}

int report_sanitize(struct db_report *r, struct rule_matcher *m)
{
	bool err = false;
	sanitize(m, &r->run.argv_json, &err);
	sanitize(m, &r->run.label, &err);
	for (size_t i = 0; i < r->rule_count; i++) {
		sanitize(m, &r->rules[i].description, &err);
		sanitize(m, &r->rules[i].pack, &err);
	}
	for (size_t i = 0; i < r->top_source_count; i++)
		sanitize_source(m, &r->top_sources[i], &err);
	for (size_t i = 0; i < r->top_input_count; i++)
		sanitize_source(m, &r->top_inputs[i], &err);
	for (size_t i = 0; i < r->input_count; i++)
		sanitize_source(m, &r->inputs[i], &err);
	for (size_t i = 0; i < r->problem_count; i++)
		sanitize_source(m, &r->problems[i], &err);
	for (size_t i = 0; i < r->reason_count; i++)
		sanitize(m, &r->reasons[i].reason, &err);
	for (size_t i = 0; i < r->format_count; i++)
		sanitize(m, &r->formats[i].name, &err);
	/* memorisation and redactions (db/report_sections.h) */
	sanitize(m, &r->memo.corpus_db, &err);
	for (size_t i = 0; i < r->redactions.count; i++) {
		struct db_report_redaction *x = &r->redactions.items[i];
		sanitize(m, &x->input, &err);
		sanitize(m, &x->output, &err);
		sanitize(m, &x->error, &err);
	}
	return err ? -1 : 0;
}

/* ---- the self-check ---- */

static bool token_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == ':' || c == '.' || c == ',' || c == '_';
}

/* Whether the hit lies in one of the report's own tokens: the whole run of
 * token characters around it is a run identifier, or a number (with
 * thousands separators) the renderers printed. */
static bool own_token(const struct report_tokens *t, const char *buf, size_t len,
                      size_t start, size_t hlen)
{
	size_t a = start, b = start + hlen;
	while (a > 0 && token_char(buf[a - 1]))
		a--;
	while (b < len && token_char(buf[b]))
		b++;
	/* A sentence's full stop or a list's comma is not part of the token. */
	while (b > start + hlen && (buf[b - 1] == '.' || buf[b - 1] == ','))
		b--;
	size_t n = b - a;
	for (size_t i = 0; i < t->id_count; i++)
		if (strlen(t->ids[i]) == n && !memcmp(t->ids[i], buf + a, n))
			return true;
	int64_t v = 0;
	size_t digits = 0;
	for (size_t i = a; i < b; i++) {
		if (buf[i] == ',' || (buf[i] == '-' && i == a))
			continue;
		if (buf[i] < '0' || buf[i] > '9' || digits >= 18)
			return false;
		v = v * 10 + (buf[i] - '0');
		digits++;
	}
	if (!digits || !t->count)
		return false;
	if (buf[a] == '-')
		v = -v;
	return bsearch(&v, t->numbers, t->count, sizeof(*t->numbers), cmp_i64) != NULL;
}

long report_self_check(struct rule_matcher *m, struct report_tokens *t, const char *buf,
                       size_t len, struct report_leak *leaks, size_t cap)
{
	struct hits h = {0};
	long found = 0;
	if (scan_all(m, buf, len, &h)) {
		free(h.items);
		return -1;
	}
	if (t->count)
		qsort(t->numbers, t->count, sizeof(*t->numbers), cmp_i64);
	size_t line = 1, line_at = 0;
	for (size_t i = 0; i < h.count; i++) {
		const struct rule_hit *hit = &h.items[i];
		if (memchr(buf + hit->start, '*', hit->len) || own_token(t, buf, len, hit->start, hit->len))
			continue;
		if ((size_t)found < cap) {
			struct report_leak *l = &leaks[found];
			for (; line_at < hit->start; line_at++)
				line += buf[line_at] == '\n';
			l->rule = hit->rule->id;
			l->offset = hit->start;
			l->line = line;
			rule_mask(hit->rule->category, buf + hit->start, hit->len, l->masked, sizeof(l->masked));
		}
		found++;
	}
	free(h.items);
	return found;
}
