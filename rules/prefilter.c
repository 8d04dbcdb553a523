/*
 * rules/prefilter.c - the Hyperscan multi-pattern prefilter.
 *
 * Owns the Hyperscan database and per-thread scratch with the candidate
 * end offsets of each rule.  Patterns go in with HS_FLAG_PREFILTER, so
 * Hyperscan may report more ends than PCRE2 would match (lookarounds and
 * back-references relaxed), never fewer.  Patterns are byte-oriented, as
 * PCRE2's are here (no UTF mode).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/prefilter.h"
#include "rules/prefilter_cache.h"
#include "rules/regex_bytes.h"
#include "rules/regex_repeats.h"
#include "rules/rule.h"

#ifdef HAVE_HYPERSCAN
#include <hs/hs.h>
#include <sodium.h>

/* Compiling the database takes a second or two for the default packs, so
 * it is kept, serialised, in the cache (prefilter_cache.h) under the
 * SHA-256 of everything that goes into it (expressions, flags, ids and the
 * Hyperscan version). */
static void database_cache_path(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                                size_t n, char out[PREFILTER_CACHE_PATH])
{
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	const char *version = hs_version();
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)version, strlen(version) + 1);
	for (size_t i = 0; i < n; i++) {
		crypto_hash_sha256_update(&st, (const unsigned char *)exprs[i], strlen(exprs[i]) + 1);
		crypto_hash_sha256_update(&st, (const unsigned char *)&flags[i], sizeof(flags[i]));
		crypto_hash_sha256_update(&st, (const unsigned char *)&ids[i], sizeof(ids[i]));
	}
	crypto_hash_sha256_final(&st, sum);
	prefilter_cache_path(sum, "db", out);
}

static hs_database_t *database_cache_load(const char *path)
{
	hs_database_t *db = NULL;
	size_t len;
	char *bytes = prefilter_cache_read(path, &len);
	if (bytes && hs_deserialize_database(bytes, len, &db) != HS_SUCCESS)
		db = NULL;
	free(bytes);
	return db;
}

static void database_cache_store(const char *path, const hs_database_t *db)
{
	char *bytes = NULL;
	size_t len = 0;
	if (path[0] && hs_serialize_database(db, &bytes, &len) == HS_SUCCESS)
		prefilter_cache_write(path, bytes, len);
	free(bytes);
}

/* Rules marked prefilter_alone are scanned in a database of their own:
 * an expression that can start at every letter (the Italian fiscal code:
 * 16 letter-or-digit classes) keeps Hyperscan from skipping ahead in a
 * database of every rule, and costs less in a pass of its own.  Each
 * rule is in exactly one database, so its ends stay in ascending order. */
struct rule_prefilter {
	hs_database_t *db;          /* the other rules */
	hs_database_t *alone_db;    /* the rules marked prefilter_alone, or NULL */
	size_t rule_count;
	bool *covered;
	size_t *width;
	/* The bytes a match of each covered rule can consume; NULL where
	 * any byte can (rules/regex_bytes.h). */
	unsigned char (*run_bytes)[REGEX_BYTES_SET];
	bool *has_run_bytes;
	size_t *token_rules;        /* rules with a prefilter_token, ... */
	size_t token_count;         /* ... found by rule_token_scan() instead */
	struct rule_token *tokens;   /* copies */
};

struct end_list {
	size_t *ends;
	size_t count, alloc;
};

struct rule_prefilter_scratch {
	hs_scratch_t *hs;
	size_t rule_count;
	struct end_list *lists;
	size_t *touched;            /* the rules whose list is not empty */
	size_t touched_count;
	bool failed;
};

bool rule_prefilter_available(void)
{
	return hs_valid_platform() == HS_SUCCESS;
}

static unsigned pattern_flags(void)
{
	return HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY;
}

/*
 * Hyperscan builds counted repeats out when it compiles, and a compile
 * cannot be stopped.  Alone, a user rule with [13][1-9A-HJ-NP-Za-km-z]{25234}
 * (found by fuzz_engines) compiles in 1.3 s; in the database with the
 * built-in packs, {1000} of that class added 1 s, {2000} 3.3 s, {3000}
 * 7.7 s, and {25234} kept `piiaudit scan` there for more than ten minutes.
 * So an expression whose counted repeats weigh more than
 * PREFILTER_REPEAT_WEIGHT_MAX (rules/regex_repeats.h) is not taken: PCRE2 searches every window for
 * that rule, with the same findings.  The heaviest expression of the
 * built-in packs that goes to Hyperscan weighs 1200 (PEM header lines,
 * [^\r\n\\]{0,200} six times, in secret.private_key_partial;
 * tests/unit/test_regex_repeats.c checks them all).
 */
/* Hyperscan wants the pattern alone; PCRE2's inline options it knows. */
static bool try_expression(const char *pattern, unsigned *width)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;
	if (hs_expression_info(pattern, pattern_flags(), &info, &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		return false;
	}
	*width = info->max_width;
	free(info);
	return true;
}

/*
 * What Hyperscan says of each rule before a database is built: whether it
 * takes the rule's expression (prefilter, else pattern) and the longest
 * match of its pattern.  hs_expression_info() parses and analyses each
 * one, about 90 ms for the default packs, so this too is cached, under
 * the SHA-256 of every rule's expressions: a file of EXPR_INFO_MAGIC, the
 * rule count (8 bytes) and 5 bytes a rule (taken, width; native order).
 */
struct expr_info {
	bool taken;
	unsigned width;     /* UINT_MAX: unbounded, or the pattern not taken */
};

/* hsinfo2: expressions whose counted repeats weigh over REPEAT_WEIGHT_MAX
 * are not taken (hsinfo1 took them). */
static const char EXPR_INFO_MAGIC[16] = "piiaudit hsinfo2";

static void expr_info_cache_path(const struct ruleset *set, char out[PREFILTER_CACHE_PATH])
{
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	const char *version = hs_version();
	unsigned flags = pattern_flags();
	uint64_t count = set->count;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)EXPR_INFO_MAGIC, sizeof(EXPR_INFO_MAGIC));
	crypto_hash_sha256_update(&st, (const unsigned char *)version, strlen(version) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)&flags, sizeof(flags));
	crypto_hash_sha256_update(&st, (const unsigned char *)&count, sizeof(count));
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		const char *expr = r->prefilter ? r->prefilter : r->pattern;
		crypto_hash_sha256_update(&st, (const unsigned char *)expr, strlen(expr) + 1);
		crypto_hash_sha256_update(&st, (const unsigned char *)r->pattern, strlen(r->pattern) + 1);
	}
	crypto_hash_sha256_final(&st, sum);
	prefilter_cache_path(sum, "info", out);
}

static bool expr_info_cache_load(const char *path, struct expr_info *info, size_t count)
{
	size_t len = 0;
	unsigned char *bytes = prefilter_cache_read(path, &len);
	uint64_t stored = 0;
	bool ok = bytes && len == sizeof(EXPR_INFO_MAGIC) + 8 + 5 * count &&
	          !memcmp(bytes, EXPR_INFO_MAGIC, sizeof(EXPR_INFO_MAGIC)) &&
	          (memcpy(&stored, bytes + sizeof(EXPR_INFO_MAGIC), 8), stored == count);
	for (size_t i = 0; ok && i < count; i++) {
		const unsigned char *at = bytes + sizeof(EXPR_INFO_MAGIC) + 8 + 5 * i;
		info[i].taken = at[0] == 1;
		memcpy(&info[i].width, at + 1, 4);
		ok = at[0] <= 1;
	}
	free(bytes);
	return ok;
}

static void expr_info_cache_store(const char *path, const struct expr_info *info, size_t count)
{
	size_t len = sizeof(EXPR_INFO_MAGIC) + 8 + 5 * count;
	unsigned char *bytes = path[0] ? malloc(len) : NULL;
	uint64_t stored = count;
	if (!bytes)
		return;
	memcpy(bytes, EXPR_INFO_MAGIC, sizeof(EXPR_INFO_MAGIC));
	memcpy(bytes + sizeof(EXPR_INFO_MAGIC), &stored, 8);
	for (size_t i = 0; i < count; i++) {
		unsigned char *at = bytes + sizeof(EXPR_INFO_MAGIC) + 8 + 5 * i;
		at[0] = info[i].taken;
		memcpy(at + 1, &info[i].width, 4);
	}
	prefilter_cache_write(path, bytes, len);
	free(bytes);
}

/* info[i] for every rule, from the cache or from Hyperscan (then cached). */
static void expr_info_all(const struct ruleset *set, struct expr_info *info)
{
	char cached[PREFILTER_CACHE_PATH];
	expr_info_cache_path(set, cached);
	if (expr_info_cache_load(cached, info, set->count))
		return;
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		unsigned ignored;
		const char *expr = r->prefilter ? r->prefilter : r->pattern;
		info[i].taken = regex_repeat_weight(expr) <= PREFILTER_REPEAT_WEIGHT_MAX &&
		                try_expression(expr, &ignored);
		if (!info[i].taken || !try_expression(r->pattern, &info[i].width))
			info[i].width = UINT_MAX;
	}
	expr_info_cache_store(cached, info, set->count);
}

/* One database from n expressions, from the cache or compiled (and then
 * cached).  None when n is 0.  On a compile error *bad is the expression
 * at fault, when Hyperscan says (else -1). */
static int build_database(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                          size_t n, hs_database_t **db, char *err, size_t errlen, int *bad)
{
	*bad = -1;
	char cached[PREFILTER_CACHE_PATH];
	if (!n)
		return 0;
	database_cache_path(exprs, flags, ids, n, cached);
	if ((*db = database_cache_load(cached)))
		return 0;
	hs_compile_error_t *cerr = NULL;
	if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, db, &cerr) != HS_SUCCESS) {
		*db = NULL;
		snprintf(err, errlen, "hyperscan: %s (expression %d)",
		         cerr ? cerr->message : "compile failed", cerr ? cerr->expression : -1);
		*bad = cerr ? cerr->expression : -1;
		hs_free_compile_error(cerr);
		return -1;
	}
	database_cache_store(cached, *db);
	return 0;
}

/* build_database(), leaving out each rule's expression that Hyperscan
 * accepts alone (hs_expression_info()) but cannot compile ("Pattern is
 * too large": a bounded repeat of a group, 128 times): that rule is then
 * not covered, and PCRE2 searches each window for it, as for any rule
 * Hyperscan does not take.  exprs, flags and ids shrink with *n. */
static int build_leaving_out(struct rule_prefilter *pf, const char **exprs, unsigned *flags,
                             unsigned *ids, size_t *n, hs_database_t **db, char *err, size_t errlen)
{
	int bad;
	while (build_database(exprs, flags, ids, *n, db, err, errlen, &bad)) {
		if (bad < 0 || (size_t)bad >= *n || ids[bad] >= pf->rule_count)
			return -1;
		pf->covered[ids[bad]] = false;
		pf->width[ids[bad]] = SIZE_MAX;
		size_t after = *n - (size_t)bad - 1;
		memmove(exprs + bad, exprs + bad + 1, after * sizeof(*exprs));
		memmove(flags + bad, flags + bad + 1, after * sizeof(*flags));
		memmove(ids + bad, ids + bad + 1, after * sizeof(*ids));
		(*n)--;
		err[0] = '\0';
	}
	return 0;
}

struct rule_prefilter *rule_prefilter_build(const struct ruleset *set, char *err, size_t errlen)
{
	struct rule_prefilter *pf = calloc(1, sizeof(*pf));
	size_t max = set->count;
	const char **exprs = calloc(max + 1, sizeof(*exprs));
	unsigned *flags = calloc(max + 1, sizeof(*flags));
	unsigned *ids = calloc(max + 1, sizeof(*ids));
	struct expr_info *info = calloc(set->count + 1, sizeof(*info));
	size_t n = 0, alone = 0;   /* the alone ones at the end of the arrays */
	if (!pf || !exprs || !flags || !ids || !info)
		goto nomem;
	expr_info_all(set, info);
	pf->rule_count = set->count;
	pf->covered = calloc(set->count + 1, sizeof(*pf->covered));
	pf->width = calloc(set->count + 1, sizeof(*pf->width));
	pf->token_rules = calloc(set->count + 1, sizeof(*pf->token_rules));
	pf->tokens = calloc(set->count + 1, sizeof(*pf->tokens));
	pf->run_bytes = calloc(set->count + 1, sizeof(*pf->run_bytes));
	pf->has_run_bytes = calloc(set->count + 1, sizeof(*pf->has_run_bytes));
	if (!pf->covered || !pf->width || !pf->token_rules || !pf->tokens || !pf->run_bytes ||
	    !pf->has_run_bytes)
		goto nomem;
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		if (r->disabled || !r->code)
			continue;
		static const unsigned char every[REGEX_BYTES_SET] = {
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		};
		pf->has_run_bytes[i] = regex_consumed_bytes(r->pattern, pf->run_bytes[i]) &&
		                       memcmp(pf->run_bytes[i], every, sizeof(every));
		if (r->token.set) {
			/* Every match is a whole run: at most max bytes. */
			pf->covered[i] = true;
			pf->width[i] = r->token.max;
			pf->tokens[pf->token_count] = r->token;
			pf->token_rules[pf->token_count++] = i;
			continue;
		}
		if (!info[i].taken)
			continue;
		/* The search window comes from the real pattern's longest match. */
		pf->covered[i] = true;
		pf->width[i] = info[i].width == UINT_MAX ? SIZE_MAX : info[i].width;
		/* A reach the pack vouches for narrows where PCRE2 starts. */
		if (r->prefilter_reach && r->prefilter_reach < pf->width[i])
			pf->width[i] = r->prefilter_reach;
		size_t at = r->prefilter_alone ? max - ++alone : n++;
		exprs[at] = r->prefilter ? r->prefilter : r->pattern;
		flags[at] = pattern_flags();
		ids[at] = (unsigned)i;
	}
	size_t alone_at = max - alone;
	if (build_leaving_out(pf, exprs, flags, ids, &n, &pf->db, err, errlen) ||
	    build_leaving_out(pf, exprs + alone_at, flags + alone_at, ids + alone_at, &alone,
	                      &pf->alone_db, err, errlen))
		goto fail;
	free(exprs);
	free(flags);
	free(ids);
	free(info);
	return pf;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(exprs);
	free(flags);
	free(ids);
	free(info);
	rule_prefilter_free(pf);
	return NULL;
}

void rule_prefilter_free(struct rule_prefilter *pf)
{
	if (!pf)
		return;
	hs_free_database(pf->db);
	hs_free_database(pf->alone_db);
	free(pf->covered);
	free(pf->width);
	free(pf->run_bytes);
	free(pf->has_run_bytes);
	free(pf->token_rules);
	free(pf->tokens);
	free(pf);
}

bool rule_prefilter_covers(const struct rule_prefilter *pf, size_t i)
{
	return pf && i < pf->rule_count && pf->covered[i];
}

size_t rule_prefilter_width(const struct rule_prefilter *pf, size_t i)
{
	return pf && i < pf->rule_count ? pf->width[i] : SIZE_MAX;
}

const unsigned char *rule_prefilter_run_bytes(const struct rule_prefilter *pf, size_t i)
{
	return pf && i < pf->rule_count && pf->covered[i] && pf->has_run_bytes[i] ? pf->run_bytes[i]
	                                                                           : NULL;
}

struct rule_prefilter_scratch *rule_prefilter_scratch_new(const struct rule_prefilter *pf)
{
	struct rule_prefilter_scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->rule_count = pf->rule_count;
	s->lists = calloc(pf->rule_count + 1, sizeof(*s->lists));
	s->touched = calloc(pf->rule_count + 1, sizeof(*s->touched));
	/* One scratch serves both databases. */
	if (!s->lists || !s->touched || (pf->db && hs_alloc_scratch(pf->db, &s->hs) != HS_SUCCESS) ||
	    (pf->alone_db && hs_alloc_scratch(pf->alone_db, &s->hs) != HS_SUCCESS)) {
		rule_prefilter_scratch_free(s);
		return NULL;
	}
	return s;
}

void rule_prefilter_scratch_free(struct rule_prefilter_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	if (s->lists)
		for (size_t i = 0; i < s->rule_count; i++)
			free(s->lists[i].ends);
	free(s->lists);
	free(s->touched);
	free(s);
}

static int push_end(struct rule_prefilter_scratch *s, struct end_list *l, size_t end)
{
	if (!l->count)
		s->touched[s->touched_count++] = (size_t)(l - s->lists);
	if (l->count == l->alloc) {
		size_t alloc = l->alloc ? l->alloc * 2 : 64;
		size_t *grown = realloc(l->ends, alloc * sizeof(*grown));
		if (!grown) {
			s->failed = true;
			return 1;
		}
		l->ends = grown;
		l->alloc = alloc;
	}
	l->ends[l->count++] = end;
	return 0;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
	struct rule_prefilter_scratch *s = ctx;
	(void)from;
	(void)flags;
	struct end_list *l = &s->lists[id];
	if (l->count && l->ends[l->count - 1] == (size_t)to)
		return 0;
	return push_end(s, l, (size_t)to);
}

struct token_ends {
	struct rule_prefilter_scratch *s;
	struct end_list *list;
};

static int on_token_end(void *ctx, size_t end)
{
	struct token_ends *t = ctx;
	return push_end(t->s, t->list, end);
}

int rule_prefilter_scan(const struct rule_prefilter *pf, struct rule_prefilter_scratch *s,
                        const unsigned char *data, size_t len)
{
	/* Only the lists the last scan filled: a field of a few bytes costs no
	 * pass over every rule. */
	for (size_t t = 0; t < s->touched_count; t++)
		s->lists[s->touched[t]].count = 0;
	s->touched_count = 0;
	s->failed = false;
	/* Hyperscan takes at most 4 GiB at once; windows are far smaller. */
	if (len > UINT32_MAX)
		return -1;
	hs_error_t rc = HS_SUCCESS;
	if (pf->db)
		rc = hs_scan(pf->db, (const char *)data, (unsigned)len, 0, s->hs, on_match, s);
	if (rc == HS_SUCCESS && !s->failed && pf->alone_db)
		rc = hs_scan(pf->alone_db, (const char *)data, (unsigned)len, 0, s->hs, on_match, s);
	for (size_t t = 0; t < pf->token_count && rc == HS_SUCCESS && !s->failed; t++) {
		struct token_ends to = {s, &s->lists[pf->token_rules[t]]};
		rule_token_scan(&pf->tokens[t], data, len, on_token_end, &to);
	}
	return rc == HS_SUCCESS && !s->failed ? 0 : -1;
}

const size_t *rule_prefilter_ends(const struct rule_prefilter_scratch *s, size_t i, size_t *count)
{
	*count = s->lists[i].count;
	return s->lists[i].ends;
}

const size_t *rule_prefilter_touched(struct rule_prefilter_scratch *s, size_t *count)
{
	/* In the order the databases reported them: a few, sorted here. */
	for (size_t t = 1; t < s->touched_count; t++) {
		size_t v = s->touched[t], k = t;
		for (; k > 0 && s->touched[k - 1] > v; k--)
			s->touched[k] = s->touched[k - 1];
		s->touched[k] = v;
	}
	*count = s->touched_count;
	return s->touched;
}

#else /* no Hyperscan: nothing is covered, the matcher scans with PCRE2 */

bool rule_prefilter_available(void)
{
	return false;
}

struct rule_prefilter *rule_prefilter_build(const struct ruleset *set, char *err, size_t errlen)
{
	(void)set;
	snprintf(err, errlen, "this piiaudit was built without Hyperscan");
	return NULL;
}

void rule_prefilter_free(struct rule_prefilter *pf)
{
	(void)pf;
}

bool rule_prefilter_covers(const struct rule_prefilter *pf, size_t i)
{
	(void)pf;
	(void)i;
	return false;
}

size_t rule_prefilter_width(const struct rule_prefilter *pf, size_t i)
{
	(void)pf;
	(void)i;
	return SIZE_MAX;
}

const unsigned char *rule_prefilter_run_bytes(const struct rule_prefilter *pf, size_t i)
{
	(void)pf;
	(void)i;
	return NULL;
}

struct rule_prefilter_scratch *rule_prefilter_scratch_new(const struct rule_prefilter *pf)
{
	(void)pf;
	return NULL;
}

void rule_prefilter_scratch_free(struct rule_prefilter_scratch *s)
{
	(void)s;
}

int rule_prefilter_scan(const struct rule_prefilter *pf, struct rule_prefilter_scratch *s,
                        const unsigned char *data, size_t len)
{
	(void)pf;
	(void)s;
	(void)data;
	(void)len;
	return -1;
}

const size_t *rule_prefilter_ends(const struct rule_prefilter_scratch *s, size_t i, size_t *count)
{
	(void)s;
	(void)i;
	*count = 0;
	return NULL;
}

const size_t *rule_prefilter_touched(struct rule_prefilter_scratch *s, size_t *count)
{
	(void)s;
	*count = 0;
	return NULL;
}

#endif
