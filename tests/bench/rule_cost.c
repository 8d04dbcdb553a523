/*
 * tests/bench/rule_cost.c - what each rule costs the Hyperscan prefilter
 * and PCRE2.
 *
 *   build/tests/rule_cost [--no-builtin-rules] [--rules PATH]... FILE
 *   make bench-rules [RULE_COST_FILE=FILE]
 *
 * A Hyperscan database of every rule runs about as fast as its slowest
 * parts allow: one expression that can start at any letter keeps the whole
 * database from skipping ahead.  This loads the packs as scan does and,
 * for each of the two databases scan builds (the shared one, and the one
 * of the rules marked `prefilter_alone`), times it over FILE (in 1 MiB
 * blocks, best of three), then the same database without each rule in
 * turn, and prints one line per rule: what leaving it out saves, in
 * milliseconds and as a share, and how many candidate ends it gave (each
 * a PCRE2 call, unless a match covered it).  The rules whose cost stands
 * out want a `prefilter:` (a part of every match, ending inside it),
 * `prefilter_token:` (every match a whole run of one class) or
 * `prefilter_alone: true` (piiaudit-rules(5)); the passes of
 * `prefilter_token` rules are timed on their own.  Last, the matcher runs
 * the rules over FILE (1 MiB windows, none overlapping) counting each
 * rule's PCRE2 searches: how many, how many found nothing, and their time
 * (a rule whose searches cost much has candidates that are not matches,
 * or a wide search around each).
 *
 * Owns everything it allocates; exits 2 on a usage, pack or file error.
 * Flags as rules/prefilter.c compiles them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs.h>

#include "rules/rule.h"

#define BLOCK (1u << 20)
#define FLAGS (HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY)

struct corpus {
	unsigned char *data;
	size_t len;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int count_end(unsigned int id, unsigned long long from, unsigned long long to,
                     unsigned int flags, void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	((size_t *)ctx)[id]++;
	return 0;
}

static int count_token_end(void *ctx, size_t end)
{
	(void)end;
	++*(size_t *)ctx;
	return 0;
}

/* Milliseconds for a prefilter_token's pass, best of three, as the
 * scan makes it: block after block. */
static double time_token(const struct rule_token *t, const struct corpus *c, size_t *ends)
{
	double best = -1;
	for (int round = 0; round < 3; round++) {
		size_t count = 0;
		double start = now();
		for (size_t at = 0; at < c->len; at += BLOCK)
			rule_token_scan(t, c->data + at, c->len - at < BLOCK ? c->len - at : BLOCK,
			                count_token_end, &count);
		double ms = (now() - start) * 1e3;
		if (best < 0 || ms < best)
			best = ms;
		*ends = count;
	}
	return best;
}

/* Milliseconds for the expressions [0, n) but `skip` (SIZE_MAX: none),
 * best of three; ends[rule] counted when given.  -1 when it won't compile. */
static double time_database(const char *const *exprs, const unsigned *ids, size_t n, size_t skip,
                            const struct corpus *c, size_t *ends)
{
	const char **use = malloc((n + 1) * sizeof(*use));
	unsigned *flags = malloc((n + 1) * sizeof(*flags)), *use_ids = malloc((n + 1) * sizeof(*use_ids));
	size_t k = 0;
	double best = -1;
	hs_database_t *db = NULL;
	hs_scratch_t *scratch = NULL;
	hs_compile_error_t *err = NULL;
	if (!use || !flags || !use_ids)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (i != skip) {
			use[k] = exprs[i];
			flags[k] = FLAGS;
			use_ids[k++] = ids[i];
		}
	if (!k) {
		best = 0;
		goto out;
	}
	if (hs_compile_multi(use, flags, use_ids, (unsigned)k, HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS ||
	    hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
		goto out;
	for (int round = 0; round < 3; round++) {
		double t0 = now();
		for (size_t off = 0; off < c->len; off += BLOCK) {
			size_t len = c->len - off < BLOCK ? c->len - off : BLOCK;
			/* Ends counted in the first round only; no callback after. */
			bool count = ends && round == 0;
			hs_scan(db, (const char *)c->data + off, (unsigned)len, 0, scratch,
			        count ? count_end : NULL, count ? ends : NULL);
		}
		double ms = (now() - t0) * 1e3;
		if (best < 0 || ms < best)
			best = ms;
	}
out:
	hs_free_compile_error(err);
	hs_free_scratch(scratch);
	hs_free_database(db);
	free(use);
	free(flags);
	free(use_ids);
	return best;
}

static int read_file(const char *path, struct corpus *c)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0;
	c->data = NULL;
	c->len = 0;
	if (!f)
		return -1;
	for (;;) {
		if (c->len == cap) {
			size_t grown_cap = cap ? cap * 2 : BLOCK;
			unsigned char *grown = realloc(c->data, grown_cap);
			if (!grown)
				break;
			c->data = grown;
			cap = grown_cap;
		}
		size_t got = fread(c->data + c->len, 1, cap - c->len, f);
		c->len += got;
		if (!got)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	return bad ? -1 : 0;
}

struct line {
	const char *id;
	double saved;
	size_t ends;
};

static int by_saved(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	return x->saved < y->saved ? 1 : x->saved > y->saved ? -1 : strcmp(x->id, y->id);
}

/* Times the database of exprs [0, n) over the corpus, then without each
 * expression in turn, and prints a line per rule.  -1 when it won't compile. */
static int report_database(const char *label, const char *const *exprs, const unsigned *ids, size_t n,
                           const struct ruleset *set, const struct corpus *c, const char *file,
                           size_t *ends, struct line *lines)
{
	if (!n)
		return 0;
	double all = time_database(exprs, ids, n, SIZE_MAX, c, ends);
	if (all < 0) {
		fprintf(stderr, "rule_cost: %s does not compile\n", label);
		return -1;
	}
	printf("%zu rule%s in %s over %s (%.1f MB): %.1f ms, %.0f MB/s\n", n, n == 1 ? "" : "s", label, file,
	       (double)c->len / 1e6, all, all > 0 ? (double)c->len / 1e3 / all : 0.0);
	for (size_t k = 0; k < n; k++) {
		double without = time_database(exprs, ids, n, k, c, NULL);
		lines[k] = (struct line){ .id = set->rules[ids[k]].id, .saved = without < 0 ? 0 : all - without,
		                          .ends = ends[ids[k]] };
	}
	qsort(lines, n, sizeof(*lines), by_saved);
	printf("%-40s %10s %7s %12s\n", "rule", "saved ms", "share", "ends");
	for (size_t k = 0; k < n; k++)
		printf("%-40s %10.1f %6.1f%% %12zu\n", lines[k].id, lines[k].saved,
		       all > 0 ? 100.0 * lines[k].saved / all : 0.0, lines[k].ends);
	return 0;
}

struct search_line {
	const char *id;
	struct rule_search_stats st;
	size_t found;
};

static int by_ns(const void *a, const void *b)
{
	const struct search_line *x = a, *y = b;
	return x->st.ns < y->st.ns ? 1 : x->st.ns > y->st.ns ? -1 : strcmp(x->id, y->id);
}

struct hit_counts {
	const struct ruleset *set;
	size_t *found;              /* per rule */
};

static int count_hit(void *ctx, const struct rule_hit *hit)
{
	struct hit_counts *h = ctx;
	h->found[hit->rule - h->set->rules]++;
	return 0;
}

/* The matcher over the corpus, each rule's PCRE2 searches counted and
 * timed; a line per rule that searched.  -1 on a compile or memory error. */
static int report_searches(struct ruleset *set, const struct corpus *c, const char *file)
{
	int status = -1;
	struct rule_matcher *m = NULL;
	struct search_line *lines = calloc(set->count + 1, sizeof(*lines));
	struct hit_counts hits = { set, calloc(set->count + 1, sizeof(size_t)) };
	if (!lines || !hits.found || ruleset_compile(set)) {
		fprintf(stderr, "rule_cost: %s\n", lines && hits.found ? ruleset_error(set) : "out of memory");
		goto out;
	}
	if (!(m = rule_matcher_new(set)) || rule_matcher_profile(m)) {
		fprintf(stderr, "rule_cost: out of memory\n");
		goto out;
	}
	for (size_t off = 0; off < c->len; off += BLOCK) {
		size_t len = c->len - off < BLOCK ? c->len - off : BLOCK;
		if (rule_matcher_scan(m, c->data + off, len, 0, len, NULL, count_hit, &hits) < 0) {
			fprintf(stderr, "rule_cost: the matcher failed\n");
			goto out;
		}
	}
	size_t n = 0;
	uint64_t calls = 0, ns = 0;
	for (size_t i = 0; i < set->count; i++) {
		const struct rule_search_stats *st = rule_matcher_search_stats(m, i);
		if (!st || !st->calls)
			continue;
		calls += st->calls;
		ns += st->ns;
		lines[n++] = (struct search_line){ .id = set->rules[i].id, .st = *st, .found = hits.found[i] };
	}
	qsort(lines, n, sizeof(*lines), by_ns);
	printf("PCRE2 searches over %s: %llu, %.1f ms\n", file, (unsigned long long)calls, (double)ns / 1e6);
	printf("%-40s %10s %10s %9s %9s %9s\n", "rule", "searches", "nothing", "ms", "us each", "findings");
	for (size_t k = 0; k < n; k++)
		printf("%-40s %10llu %10llu %9.1f %9.2f %9zu\n", lines[k].id,
		       (unsigned long long)lines[k].st.calls, (unsigned long long)lines[k].st.misses,
		       (double)lines[k].st.ns / 1e6, (double)lines[k].st.ns / 1e3 / (double)lines[k].st.calls,
		       lines[k].found);
	status = 0;
out:
	rule_matcher_free(m);
	free(hits.found);
	free(lines);
	return status;
}

int main(int argc, char **argv)
{
	struct ruleset set;
	struct corpus c = { 0 };
	bool builtin = true;
	const char *file = NULL;
	int status = 2;
	ruleset_init(&set);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-builtin-rules")) {
			builtin = false;
		} else if (!strcmp(argv[i], "--rules") && i + 1 < argc) {
			i++;
		} else if (argv[i][0] == '-' || file) {
			fprintf(stderr, "usage: rule_cost [--no-builtin-rules] [--rules PATH]... FILE\n");
			return 2;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		fprintf(stderr, "usage: rule_cost [--no-builtin-rules] [--rules PATH]... FILE\n");
		return 2;
	}
	const char *dir = builtin ? ruleset_builtin_dir() : NULL;
	if (builtin && (!dir || ruleset_load_path(&set, dir))) {
		fprintf(stderr, "rule_cost: %s\n", dir ? ruleset_error(&set) : "no built-in packs (set PIIAUDIT_RULES_DIR)");
		goto out;
	}
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--rules") && ruleset_load_path(&set, argv[++i])) {
			fprintf(stderr, "rule_cost: %s\n", ruleset_error(&set));
			goto out;
		}
	if (read_file(file, &c)) {
		fprintf(stderr, "rule_cost: %s: cannot read it\n", file);
		goto out;
	}
	size_t n = 0, alone = 0;
	const char **exprs = calloc(set.count + 1, sizeof(*exprs));
	const char **alone_exprs = calloc(set.count + 1, sizeof(*alone_exprs));
	unsigned *ids = calloc(set.count + 1, sizeof(*ids));
	unsigned *alone_ids = calloc(set.count + 1, sizeof(*alone_ids));
	size_t *ends = calloc(set.count + 1, sizeof(*ends));
	struct line *lines = calloc(set.count + 1, sizeof(*lines));
	if (!exprs || !alone_exprs || !ids || !alone_ids || !ends || !lines) {
		fprintf(stderr, "rule_cost: out of memory\n");
		goto free_all;
	}
	/* The two databases scan builds: the shared one and the one of the
	 * rules marked prefilter_alone. */
	for (size_t i = 0; i < set.count; i++) {
		const struct rule *r = &set.rules[i];
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *err = NULL;
		const char *expr = r->prefilter ? r->prefilter : r->pattern;
		if (r->token.set)
			continue;   /* its own pass, below */
		if (r->disabled || hs_expression_info(expr, FLAGS, &info, &err) != HS_SUCCESS) {
			hs_free_compile_error(err);
			continue;   /* PCRE2 alone runs it, outside the prefilter */
		}
		free(info);
		if (r->prefilter_alone) {
			alone_exprs[alone] = expr;
			alone_ids[alone++] = (unsigned)i;
		} else {
			exprs[n] = expr;
			ids[n++] = (unsigned)i;
		}
	}
	if (report_database("the shared database", exprs, ids, n, &set, &c, file, ends, lines) ||
	    report_database("the second database (prefilter_alone)", alone_exprs, alone_ids, alone,
	                    &set, &c, file, ends, lines))
		goto free_all;
	for (size_t i = 0; i < set.count; i++)
		if (set.rules[i].token.set && !set.rules[i].disabled) {
			size_t count = 0;
			double ms = time_token(&set.rules[i].token, &c, &count);
			printf("%-40s %10.1f ms in a pass of its own (prefilter_token), %zu ends\n",
			       set.rules[i].id, ms, count);
		}
	if (report_searches(&set, &c, file))
		goto free_all;
	status = 0;
free_all:
	free(exprs);
	free(alone_exprs);
	free(ids);
	free(alone_ids);
	free(ends);
	free(lines);
out:
	free(c.data);
	ruleset_release(&set);
	return status;
}
