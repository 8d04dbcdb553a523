/*
 * rules/matcher.c - running a compiled ruleset over a window of bytes.
 *
 * Owns: per-thread PCRE2 match data, a JIT stack, the keyword prefilter
 * tables and per-rule limit counters.  The ruleset is borrowed and must
 * outlive the matcher.  Subjects are bytes, not text: no UTF mode, so
 * invalid UTF-8 and NUL bytes are matched like any other byte.
 *
 * For each rule: the keyword prefilter (one of its literals must occur in
 * the window; with Hyperscan, looked for only once the rule has a
 * candidate, keyword_present()), the pattern, the value group, the
 * validator, the allow list (dropped), the placeholder list (kept,
 * marked), the context words (confidence, or no finding when context is
 * required).  A record's field
 * is matched behind its name (rule_matcher_scan_field()).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rules/rule.h"
#include "rules/rule_internal.h"
#include "rules/prefilter.h"
#include "rules/regex_bytes.h"

/* A rule's keyword must stand in its match or this close to it: a property
 * of the match, so whatever the windows, a hit is the same hit (the
 * stream's lookbehind and overlap are larger). */
#define KEYWORD_REACH 256

struct keyword {
	const char *text;   /* borrowed from the rule */
	size_t len;
};

/* A word searched near a match, folded to lower case (ASCII, as
 * strncasecmp() folds in the C locale). */
struct folded_word {
	char *text;         /* owned */
	size_t len;
	bool folds;         /* keywords: it has ASCII letters (else it is
	                     * found in the bytes as they are) */
};

/* Near a match, the bytes are folded once into a buffer of this size and
 * searched with memmem(); larger neighbourhoods take the slow path. */
#define FOLD_BUF 8192

struct rule_matcher {
	const struct ruleset *set;
	pcre2_match_data *md;
	pcre2_match_data *md_list;           /* for allow and placeholder lists */
	pcre2_match_context *mctx;
	pcre2_match_context *mctx_limited;   /* with an offset limit, for the prefilter path */
	struct rule_prefilter_scratch *pf_scratch;
	const struct rule_prefilter *prefilter; /* the ruleset's, unless turned off */
	pcre2_jit_stack *jit_stack;
	uint64_t *limit_hits;        /* per rule */
	struct rule_search_stats *stats; /* per rule, once profiling; else NULL */
	uint64_t ends_walked;        /* candidate ends walked to join searches */
	/* Keyword prefilter: every distinct keyword, and for each rule the
	 * range of its keywords in kw_of_rule. */
	struct keyword *kw;
	size_t kw_count;
	size_t *kw_of_rule;          /* indices into kw */
	size_t *kw_first, *kw_n;     /* per rule: start and count in kw_of_rule */
	unsigned char *kw_seen;      /* per keyword, for the current window: KW_* */
	size_t *by_byte_start;       /* 257 entries: keywords grouped by folded first byte */
	size_t *by_byte;
	/* Folded words: the keywords (as kw), then each rule's context words,
	 * ctx_n[i] of them from ctx_first[i], in the order of their first
	 * byte: those of rule i starting with byte b are ctx_first[i] +
	 * [ctx_by_byte[i][b], ctx_by_byte[i][b + 1]). */
	struct folded_word *kw_folded;
	struct folded_word *ctx;
	size_t ctx_count;
	size_t *ctx_first, *ctx_n;
	uint16_t (*ctx_by_byte)[257];
	unsigned char *fold;         /* FOLD_BUF bytes */
	/* Rules that assert the subject's start (^, \A, \G): a field's
	 * text is matched by them alone, without its name in front. */
	bool *start_anchored;        /* per rule */
	size_t start_anchored_count;
	/* The rules the prefilter does not cover (PCRE2 searches every
	 * window for them), ascending. */
	size_t *uncovered;
	size_t uncovered_count;
	enum { RULES_ALL, RULES_UNANCHORED, RULES_ANCHORED } which;
};

static unsigned char fold_byte(unsigned char c)
{
	return (unsigned char)((unsigned)(c - 'A') < 26u ? c + ('a' - 'A') : c);
}

static char *fold_copy(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)fold_byte((unsigned char)text[i]);
	out[len] = '\0';
	return out;
}

static int by_first_byte(const void *a, const void *b)
{
	const struct folded_word *x = a, *y = b;
	int fx = x->len ? (unsigned char)x->text[0] : -1, fy = y->len ? (unsigned char)y->text[0] : -1;
	return fx - fy;
}

static int build_folded(struct rule_matcher *m)
{
	const struct ruleset *set = m->set;
	size_t total = 0;
	for (size_t i = 0; i < set->count; i++)
		total += set->rules[i].context.count;
	m->kw_folded = calloc(m->kw_count + 1, sizeof(*m->kw_folded));
	m->ctx = calloc(total + 1, sizeof(*m->ctx));
	m->ctx_first = calloc(set->count + 1, sizeof(*m->ctx_first));
	m->ctx_n = calloc(set->count + 1, sizeof(*m->ctx_n));
	m->ctx_by_byte = calloc(set->count + 1, sizeof(*m->ctx_by_byte));
	m->fold = malloc(FOLD_BUF);
	if (!m->kw_folded || !m->ctx || !m->ctx_first || !m->ctx_n || !m->ctx_by_byte || !m->fold)
		return -1;
	for (size_t k = 0; k < m->kw_count; k++) {
		m->kw_folded[k].len = m->kw[k].len;
		if (!(m->kw_folded[k].text = fold_copy(m->kw[k].text, m->kw[k].len)))
			return -1;
		for (size_t b = 0; b < m->kw[k].len; b++)
			if ((unsigned)((m->kw[k].text[b] | 0x20) - 'a') < 26u)
				m->kw_folded[k].folds = true;
	}
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		m->ctx_first[i] = m->ctx_count;
		for (size_t w = 0; w < r->context.count; w++) {
			struct folded_word *f = &m->ctx[m->ctx_count];
			f->len = strlen(r->context.items[w]);
			if (!(f->text = fold_copy(r->context.items[w], f->len)))
				return -1;
			m->ctx_count++;
		}
		m->ctx_n[i] = m->ctx_count - m->ctx_first[i];
		if (m->ctx_n[i] > UINT16_MAX)
			return -1;
		/* Sorted by first byte; an empty word (never found) first, and
		 * in no byte's range. */
		struct folded_word *words = m->ctx + m->ctx_first[i];
		qsort(words, m->ctx_n[i], sizeof(*words), by_first_byte);
		uint16_t *start = m->ctx_by_byte[i];
		size_t w = 0;
		while (w < m->ctx_n[i] && !words[w].len)
			w++;
		for (unsigned b = 0; b < 256; b++) {
			start[b] = (uint16_t)w;
			while (w < m->ctx_n[i] && (unsigned char)words[w].text[0] == b)
				w++;
		}
		start[256] = (uint16_t)w;
	}
	return 0;
}

static size_t keyword_index(const struct ruleset *set, const char *text)
{
	for (size_t i = 0; i < set->keywords.count; i++)
		if (!strcasecmp(set->keywords.items[i], text))
			return i;
	return SIZE_MAX;
}

/* The keyword tables follow set->keywords, so keyword k here is keyword k
 * of the prefilter too. */
static int build_keywords(struct rule_matcher *m)
{
	const struct ruleset *set = m->set;
	size_t total = 0;
	for (size_t i = 0; i < set->count; i++)
		total += set->rules[i].keywords.count;
	m->kw = calloc(set->keywords.count + 1, sizeof(*m->kw));
	m->kw_of_rule = calloc(total + 1, sizeof(*m->kw_of_rule));
	m->kw_first = calloc(set->count + 1, sizeof(*m->kw_first));
	m->kw_n = calloc(set->count + 1, sizeof(*m->kw_n));
	m->kw_seen = calloc(set->keywords.count + 1, 1);
	m->by_byte_start = calloc(257, sizeof(*m->by_byte_start));
	m->by_byte = calloc(set->keywords.count + 1, sizeof(*m->by_byte));
	if (!m->kw || !m->kw_of_rule || !m->kw_first || !m->kw_n || !m->kw_seen ||
	    !m->by_byte_start || !m->by_byte)
		return -1;
	m->kw_count = set->keywords.count;
	for (size_t i = 0; i < m->kw_count; i++) {
		m->kw[i].text = set->keywords.items[i];
		m->kw[i].len = strlen(set->keywords.items[i]);
	}
	size_t at = 0;
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		m->kw_first[i] = at;
		for (size_t k = 0; !r->disabled && k < r->keywords.count; k++) {
			size_t idx = keyword_index(set, r->keywords.items[k]);
			if (idx != SIZE_MAX)
				m->kw_of_rule[at++] = idx;
		}
		m->kw_n[i] = at - m->kw_first[i];
	}
	/* Counting sort of the keywords by their folded first byte. */
	size_t counts[256] = {0};
	for (size_t i = 0; i < m->kw_count; i++)
		counts[(unsigned char)tolower((unsigned char)m->kw[i].text[0])]++;
	for (size_t b = 0; b < 256; b++)
		m->by_byte_start[b + 1] = m->by_byte_start[b] + counts[b];
	size_t fill[256];
	memcpy(fill, m->by_byte_start, sizeof(fill));
	for (size_t i = 0; i < m->kw_count; i++)
		m->by_byte[fill[(unsigned char)tolower((unsigned char)m->kw[i].text[0])]++] = i;
	return 0;
}

/* Whether a pattern asserts the subject's start somewhere: ^ (in any
 * mode), \A or \G outside a class and outside \Q...\E.  Over-telling is
 * harmless (such a rule is matched on a field without its name). */
static bool has_start_anchor(const char *p)
{
	bool in_class = false, quoted = false;
	for (; *p; p++) {
		if (quoted) {
			if (p[0] == '\\' && p[1] == 'E')
				quoted = false, p++;
			continue;
		}
		if (*p == '\\') {
			if (!p[1])
				break;
			if (p[1] == 'Q')
				quoted = true;
			else if (!in_class && (p[1] == 'A' || p[1] == 'G'))
				return true;
			p++;
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = false;
			continue;
		}
		if (*p == '[') {
			in_class = true;
			/* A ] first (after ^) is a member, not the end. */
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
		} else if (*p == '^') {
			return true;
		}
	}
	return false;
}

struct rule_matcher *rule_matcher_new(const struct ruleset *set)
{
	struct rule_matcher *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->set = set;
	m->md = pcre2_match_data_create(100, NULL);
	m->md_list = pcre2_match_data_create(1, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	m->mctx_limited = pcre2_match_context_create(NULL);
	m->jit_stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, NULL);
	m->limit_hits = calloc(set->count + 1, sizeof(*m->limit_hits));
	m->start_anchored = calloc(set->count + 1, sizeof(*m->start_anchored));
	for (size_t i = 0; m->start_anchored && i < set->count; i++)
		if (set->rules[i].pattern && has_start_anchor(set->rules[i].pattern)) {
			m->start_anchored[i] = true;
			m->start_anchored_count++;
		}
	if (!m->md || !m->md_list || !m->mctx || !m->mctx_limited || !m->limit_hits ||
	    !m->start_anchored || build_keywords(m) ||
	    build_folded(m) ||
	    (set->prefilter && !(m->pf_scratch = rule_prefilter_scratch_new(set->prefilter)))) {
		rule_matcher_free(m);
		return NULL;
	}
	m->prefilter = set->prefilter;
	if (set->prefilter) {
		m->uncovered = calloc(set->count + 1, sizeof(*m->uncovered));
		if (!m->uncovered) {
			rule_matcher_free(m);
			return NULL;
		}
		for (size_t i = 0; i < set->count; i++)
			if (!rule_prefilter_covers(set->prefilter, i))
				m->uncovered[m->uncovered_count++] = i;
	}
	pcre2_match_context *contexts[] = { m->mctx, m->mctx_limited };
	for (size_t i = 0; i < 2; i++) {
		pcre2_set_match_limit(contexts[i], (uint32_t)set->match_limit);
		pcre2_set_depth_limit(contexts[i], (uint32_t)set->depth_limit);
		if (m->jit_stack)
			pcre2_jit_stack_assign(contexts[i], NULL, m->jit_stack);
	}
	return m;
}

void rule_matcher_free(struct rule_matcher *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_data_free(m->md_list);
	pcre2_match_context_free(m->mctx);
	pcre2_match_context_free(m->mctx_limited);
	rule_prefilter_scratch_free(m->pf_scratch);
	free(m->uncovered);
	pcre2_jit_stack_free(m->jit_stack);
	free(m->limit_hits);
	free(m->stats);
	free(m->start_anchored);
	free(m->kw);
	free(m->kw_of_rule);
	free(m->kw_first);
	free(m->kw_n);
	free(m->kw_seen);
	free(m->by_byte_start);
	free(m->by_byte);
	if (m->kw_folded)
		for (size_t k = 0; k < m->kw_count; k++)
			free(m->kw_folded[k].text);
	free(m->kw_folded);
	if (m->ctx)
		for (size_t i = 0; i < m->ctx_count; i++)
			free(m->ctx[i].text);
	free(m->ctx);
	free(m->ctx_first);
	free(m->ctx_n);
	free(m->ctx_by_byte);
	free(m->fold);
	free(m);
}

void rule_matcher_without_prefilter(struct rule_matcher *m)
{
	m->prefilter = NULL;
}

void rule_matcher_set_match_limit(struct rule_matcher *m, uint32_t limit)
{
	pcre2_set_match_limit(m->mctx, limit);
	pcre2_set_match_limit(m->mctx_limited, limit);
}

size_t rule_field_prefix_len(const char *name)
{
	return name ? strlen(name) + 2 : 0;
}

size_t rule_field_prefix(const char *name, unsigned char *out)
{
	if (!name)
		return 0;
	size_t n = strlen(name);
	memcpy(out, name, n);
	memcpy(out + n, ": ", 2);
	return n + 2;
}

uint64_t rule_matcher_ends_walked(const struct rule_matcher *m)
{
	return m->ends_walked;
}

int rule_matcher_profile(struct rule_matcher *m)
{
	if (!m->stats)
		m->stats = calloc(m->set->count + 1, sizeof(*m->stats));
	return m->stats ? 0 : -1;
}

const struct rule_search_stats *rule_matcher_search_stats(const struct rule_matcher *m,
                                                          size_t rule_index)
{
	return m->stats && rule_index < m->set->count ? &m->stats[rule_index] : NULL;
}

/* pcre2_match(), counted and timed: out of the scan's way. */
__attribute__((noinline, cold)) static int search_profiled(struct rule_matcher *m, size_t index,
                                                           const struct rule *r,
                                                           const unsigned char *subject, size_t len,
                                                           size_t start, pcre2_match_context *mctx)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = pcre2_match(r->code, subject, len, start, 0, m->md, mctx);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct rule_search_stats *st = &m->stats[index];
	st->calls++;
	st->misses += rc == PCRE2_ERROR_NOMATCH;
	st->ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	return rc;
}

/* pcre2_match() for rule r from start, counted when profiling. */
static inline int search(struct rule_matcher *m, size_t index, const struct rule *r,
                         const unsigned char *subject, size_t len, size_t start,
                         pcre2_match_context *mctx)
{
	if (__builtin_expect(m->stats != NULL, 0))
		return search_profiled(m, index, r, subject, len, start, mctx);
	return pcre2_match(r->code, subject, len, start, 0, m->md, mctx);
}

uint64_t rule_matcher_limit_hits(const struct rule_matcher *m, size_t rule_index)
{
	return rule_index < m->set->count ? m->limit_hits[rule_index] : 0;
}

/* What is known of a keyword in the current window. */
enum { KW_UNKNOWN, KW_ABSENT, KW_PRESENT };

/* Marks which keywords occur in s[0, n): one pass for all, caseless; for
 * the windows matched without the prefilter, where every rule looks. */
static void find_keywords(struct rule_matcher *m, const unsigned char *s, size_t n)
{
	size_t left = m->kw_count;
	memset(m->kw_seen, KW_ABSENT, m->kw_count);
	for (size_t i = 0; i < n && left; i++) {
		unsigned b = (unsigned)tolower(s[i]);
		for (size_t j = m->by_byte_start[b]; j < m->by_byte_start[b + 1]; j++) {
			size_t k = m->by_byte[j];
			if (m->kw_seen[k] != KW_PRESENT && m->kw[k].len <= n - i &&
			    !strncasecmp((const char *)s + i, m->kw[k].text, m->kw[k].len)) {
				m->kw_seen[k] = KW_PRESENT;
				left--;
			}
		}
	}
}

/* Whether folded[0, len) (a word folded by fold_copy()) occurs in s[0, n)
 * with ASCII letters folded (as strncasecmp() folds in the C locale):
 * memchr() for its first byte in either case, then the rest compared
 * folded.  A rare word is a pass at memchr()'s speed. */
static bool contains_folded(const unsigned char *s, size_t n, const char *folded, size_t len)
{
	if (!len || len > n)
		return false;
	unsigned char lower = (unsigned char)folded[0];
	unsigned char upper = (unsigned)(lower - 'a') < 26u ? (unsigned char)(lower - ('a' - 'A')) : lower;
	const unsigned char *stop = s + (n - len + 1);   /* past the last start */
	const unsigned char *at_lower = memchr(s, lower, (size_t)(stop - s));
	const unsigned char *at_upper = upper != lower ? memchr(s, upper, (size_t)(stop - s)) : NULL;
	while (at_lower || at_upper) {
		bool take_lower = at_lower && (!at_upper || at_lower < at_upper);
		const unsigned char *p = take_lower ? at_lower : at_upper;
		size_t i = 1;
		while (i < len && fold_byte(p[i]) == (unsigned char)folded[i])
			i++;
		if (i == len)
			return true;
		const unsigned char *next = p + 1;
		const unsigned char *found = next < stop ? memchr(next, take_lower ? lower : upper,
		                                                  (size_t)(stop - next)) : NULL;
		if (take_lower)
			at_lower = found;
		else
			at_upper = found;
	}
	return false;
}

/* Whether keyword k occurs in s[0, n), caseless as in find_keywords();
 * one without letters ('@', ':', '+', '00') as it is. */
static bool keyword_present(const struct rule_matcher *m, size_t k, const unsigned char *s, size_t n)
{
	const struct folded_word *w = &m->kw_folded[k];
	if (!w->folds)
		return w->len && w->len <= n && memmem(s, n, w->text, w->len);
	return contains_folded(s, n, w->text, w->len);
}

/* Whether one of the rule's keywords occurs in s[0, n) (the window the
 * keywords of this call are looked for in); each keyword is looked for
 * once a call. */
static bool rule_keywords_present(struct rule_matcher *m, size_t rule_index, const unsigned char *s,
                                  size_t n)
{
	if (!m->kw_n[rule_index])
		return true;
	for (size_t i = 0; i < m->kw_n[rule_index]; i++) {
		size_t k = m->kw_of_rule[m->kw_first[rule_index] + i];
		if (m->kw_seen[k] == KW_UNKNOWN)
			m->kw_seen[k] = keyword_present(m, k, s, n) ? KW_PRESENT : KW_ABSENT;
		if (m->kw_seen[k] == KW_PRESENT)
			return true;
	}
	return false;
}

static bool in_valuelist(struct rule_matcher *m, const struct rule_valuelist *v,
                         const unsigned char *value, size_t len)
{
	for (size_t i = 0; i < v->exact.count; i++)
		if (strlen(v->exact.items[i]) == len && !strncasecmp(v->exact.items[i], (const char *)value, len))
			return true;
	for (size_t i = 0; i < v->regex_src.count; i++)
		if (pcre2_match(v->regex[i], value, len, 0, 0, m->md_list, m->mctx) >= 0)
			return true;
	return false;
}

/* Whether one of words[0, n) occurs, caseless, in s[lo, hi); by_byte
 * as ctx_by_byte (the words in the order of their first byte).  One pass
 * over the folded bytes, each looking only at the words that start with
 * it: a memmem() per word cost a shift table each (ip_address.v4 has 28
 * words), and was the matcher's largest cost after the engines. */
static bool any_word_near(struct rule_matcher *m, const unsigned char *s, size_t lo, size_t hi,
                          const struct folded_word *words, size_t n, const uint16_t by_byte[257])
{
	size_t span = hi - lo;
	if (span > FOLD_BUF) {
		for (size_t i = 0; i < n; i++)
			if (contains_folded(s + lo, span, words[i].text, words[i].len))
				return true;
		return false;
	}
	unsigned char *fold = m->fold;
	for (size_t i = 0; i < span; i++)
		fold[i] = fold_byte(s[lo + i]);
	for (size_t i = 0; i < span; i++)
		for (size_t k = by_byte[fold[i]]; k < by_byte[fold[i] + 1]; k++) {
			const struct folded_word *w = &words[k];
			/* The second byte before a call to memcmp(). */
			if (w->len <= span - i && (w->len < 2 || fold[i + 1] == (unsigned char)w->text[1]) &&
			    !memcmp(fold + i, w->text, w->len))
				return true;
		}
	return false;
}

/* Confidence from context words near the value; -1 when the rule requires
 * context and none is there. */
static double score_context(struct rule_matcher *m, const struct rule *r, const unsigned char *subject,
                            size_t len, size_t start, size_t end)
{
	size_t index = (size_t)(r - m->set->rules);
	if (!m->ctx_n[index])
		return r->context_required ? -1 : r->confidence;
	size_t lo = start > r->context_window ? start - r->context_window : 0;
	size_t hi = end + r->context_window < len ? end + r->context_window : len;
	if (any_word_near(m, subject, lo, hi, m->ctx + m->ctx_first[index], m->ctx_n[index],
	                  m->ctx_by_byte[index])) {
		double c = r->confidence + r->context_boost;
		return c > 1.0 ? 1.0 : c;
	}
	return r->context_required ? -1 : r->confidence;
}

static bool keyword_near(struct rule_matcher *m, size_t rule_index,
                         const unsigned char *subject, size_t len, size_t ms, size_t me)
{
	size_t lo = ms > KEYWORD_REACH ? ms - KEYWORD_REACH : 0;
	size_t hi = me + KEYWORD_REACH < len ? me + KEYWORD_REACH : len;
	size_t span = hi - lo;
	const size_t *ids = m->kw_of_rule + m->kw_first[rule_index];
	size_t n = m->kw_n[rule_index];
	bool letters = false;
	/* A keyword without letters ('@', ':', '+') folds to itself: it is
	 * looked for in the bytes as they are, and when it is there (an
	 * e-mail address holds its '@') the 512 bytes around the match need
	 * not be folded. */
	for (size_t i = 0; i < n; i++) {
		const struct folded_word *k = &m->kw_folded[ids[i]];
		if (k->folds)
			letters = true;
		else if (k->len && memmem(subject + lo, span, k->text, k->len))
			return true;
	}
	if (!letters)
		return false;
	if (span > FOLD_BUF) {
		for (size_t i = 0; i < n; i++) {
			const struct folded_word *k = &m->kw_folded[ids[i]];
			if (k->folds && contains_folded(subject + lo, span, k->text, k->len))
				return true;
		}
		return false;
	}
	for (size_t i = 0; i < span; i++)
		m->fold[i] = fold_byte(subject[lo + i]);
	for (size_t i = 0; i < n; i++) {
		const struct folded_word *k = &m->kw_folded[ids[i]];
		if (k->folds && memmem(m->fold, span, k->text, k->len))
			return true;
	}
	return false;
}

/* A match [ms, me) of rule r was found: the keywords, the value, the
 * validator, the lists and the context decide whether it is a hit. */
static int consider(struct rule_matcher *m, const struct rule *r, const unsigned char *subject,
                    size_t len, int rc, rule_hit_fn fn, void *ctx)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
	size_t index = (size_t)(r - m->set->rules);
	if (m->kw_n[index] && !keyword_near(m, index, subject, len, ov[0], ov[1]))
		return 0;
	if ((uint32_t)r->value_group >= (uint32_t)rc || ov[2 * r->value_group] == PCRE2_UNSET)
		return 0;
	size_t vs = ov[2 * r->value_group], ve = ov[2 * r->value_group + 1];
	if (ve <= vs)
		return 0;
	if (r->validator && !r->validator->fn((const char *)subject + vs, ve - vs))
		return 0;
	if (r->allow.exact.count + r->allow.regex_src.count &&
	    in_valuelist(m, &r->allow, subject + vs, ve - vs))
		return 0;
	double confidence = score_context(m, r, subject, len, vs, ve);
	if (confidence < 0)
		return 0;
	struct rule_hit hit = {
		.rule = r, .start = vs, .len = ve - vs, .confidence = confidence,
		.placeholder = r->placeholders.exact.count + r->placeholders.regex_src.count &&
		               in_valuelist(m, &r->placeholders, subject + vs, ve - vs),
	};
	return fn(ctx, &hit);
}

/* PCRE2 over the whole window, match after match. */
static int scan_rule(struct rule_matcher *m, size_t index, const unsigned char *subject,
                     size_t len, size_t from, size_t accept_end, rule_hit_fn fn, void *ctx)
{
	const struct rule *r = &m->set->rules[index];
	size_t off = from;
	while (off < accept_end) {
		int rc = search(m, index, r, subject, len, off, m->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			/* Match or depth limit, or JIT stack: this rule gives up on
			 * the rest of the window; the caller reports the count. */
			m->limit_hits[index]++;
			break;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
		size_t ms = ov[0], me = ov[1];
		if (ms >= accept_end)
			break;
		off = me > ms ? me : ms + 1;
		int stop = consider(m, r, subject, len, rc, fn, ctx);
		if (stop)
			return stop;
	}
	return 0;
}

/*
 * The same matches as scan_rule(), found from the prefilter's candidate
 * ends.  Every match [s, e) has a candidate end in (s, e] (rule.h, the
 * `prefilter` contract).  Let E be the first candidate end after `off` and
 * W the rule's longest match.  No match starts in [off, E - W): its
 * candidate would lie in (off, E).
 * So PCRE2 searches from max(off, E - W), with starts limited to <= E by
 * the offset limit; the subject is the whole window, so what PCRE2 matches
 * (lookarounds, greedy lengths) is what the full scan matches.
 *
 * A match [s, e) with s < E <= e holds the byte at E - 1 and every byte
 * from s to it, each one the rule's pattern can consume (its run bytes,
 * rules/regex_bytes.h).  So no match starts before the run of such bytes
 * that ends at E - 1 (run_start()), and where the byte at E - 1 is not one
 * of them, none holds E - 1 and the candidate is passed.  That bounds
 * rules whose W is unbounded (`[a-z0-9._%+-]+@...`), which searched from
 * `off`: through all the text between candidates.
 */
static size_t run_start(const unsigned char *run_bytes, const unsigned char *subject, size_t lo,
                        size_t end)
{
	while (end > lo && regex_bytes_has(run_bytes, subject[end - 1]))
		end--;
	return end;
}

/* Whether every byte of subject[from, to) is a run byte. */
static bool run_through(const unsigned char *run_bytes, const unsigned char *subject, size_t from,
                        size_t to)
{
	for (; from < to; from++)
		if (!regex_bytes_has(run_bytes, subject[from]))
			return false;
	return true;
}

static int scan_rule_candidates(struct rule_matcher *m, size_t index, const unsigned char *subject,
                                size_t len, size_t base, size_t from, size_t accept_end,
                                rule_hit_fn fn, void *ctx)
{
	const struct rule *r = &m->set->rules[index];
	size_t count, next = 0;
	const size_t *ends = rule_prefilter_ends(m->pf_scratch, index, &count);
	size_t width = rule_prefilter_width(m->prefilter, index);
	const unsigned char *run_bytes = rule_prefilter_run_bytes(m->prefilter, index);
	size_t off = from;
	size_t chain_last = 0, chain_limit = 0;   /* the run of close ends last walked */
	bool chained = false;
	while (off < accept_end) {
		/* Candidate ends are relative to `base`. */
		while (next < count && base + ends[next] <= off)
			next++;
		if (next == count)
			break;
		size_t end = base + ends[next];
		size_t start = width != SIZE_MAX && end - off > width ? end - width : off;
		if (run_bytes) {
			size_t run = run_start(run_bytes, subject, start, end);
			if (run == end) {
				off = end;    /* no match holds the byte before this end */
				continue;
			}
			start = run;
		}
		/* Ends no further apart than W: the search from the next one
		 * would start right after this one's limit, so one search with
		 * starts up to the last of them covers the same starts in one
		 * call (a prefilter like `@[A-Za-z0-9.-]+` ends at every byte of
		 * a run).  Starts at accept_end or later are of no use.  A run
		 * is walked once: after a match inside it, the rest of the run
		 * ends where it did (a list of addresses one per line is one
		 * run of a whole block, and walking it again after each match
		 * made a block quadratic). */
		if (!chained || next > chain_last) {
			size_t last = next;
			chain_limit = end;
			while (last + 1 < count && chain_limit + 1 < accept_end &&
			       (width != SIZE_MAX ? base + ends[last + 1] - chain_limit <= width
			        : !run_bytes || run_through(run_bytes, subject, chain_limit + 1,
			                                    base + ends[last + 1]))) {
				chain_limit = base + ends[++last];
				m->ends_walked++;
				if (chain_limit >= accept_end)
					chain_limit = accept_end - 1 > end ? accept_end - 1 : end;
			}
			chain_last = last;
			chained = true;
		}
		size_t limit = chain_limit > end ? chain_limit : end;
		pcre2_set_offset_limit(m->mctx_limited, limit);
		int rc = search(m, index, r, subject, len, start, m->mctx_limited);
		if (rc == PCRE2_ERROR_NOMATCH) {
			off = limit + 1;
			continue;
		}
		if (rc < 0) {
			m->limit_hits[index]++;
			break;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
		size_t ms = ov[0], me = ov[1];
		if (ms >= accept_end)
			break;
		off = me > ms ? me : ms + 1;
		int stop = consider(m, r, subject, len, rc, fn, ctx);
		if (stop)
			return stop;
	}
	return 0;
}

/* A field's hits, from the subject with its name in front: those whose
 * value lies in the field, as offsets into it. */
struct field_hits {
	rule_hit_fn fn;
	void *ctx;
	size_t prefix;
};

static int field_hit(void *ctx, const struct rule_hit *hit)
{
	struct field_hits *f = ctx;
	if (hit->start < f->prefix)
		return 0;
	struct rule_hit h = *hit;
	h.start -= f->prefix;
	return f->fn(f->ctx, &h);
}

int rule_matcher_scan_field(struct rule_matcher *m, const unsigned char *subject, size_t prefix,
                            size_t len, rule_hit_fn fn, void *ctx)
{
	if (!prefix)
		return rule_matcher_scan(m, subject, len, 0, len, NULL, fn, ctx);
	if (prefix > len)
		return -1;
	struct field_hits f = { fn, ctx, prefix };
	m->which = RULES_UNANCHORED;
	int rc = rule_matcher_scan(m, subject, len, 0, len, NULL, field_hit, &f);
	if (!rc && m->start_anchored_count && len > prefix) {
		m->which = RULES_ANCHORED;
		rc = rule_matcher_scan(m, subject + prefix, len - prefix, 0, len - prefix, NULL, fn, ctx);
	}
	m->which = RULES_ALL;
	return rc;
}

int rule_matcher_scan(struct rule_matcher *m, const unsigned char *subject, size_t len,
                      size_t from, size_t accept_end, const struct rule *only,
                      rule_hit_fn fn, void *ctx)
{
	const struct ruleset *set = m->set;
	if (accept_end > len)
		accept_end = len;
	if (from >= accept_end)
		return 0;
	/* Keywords count near a match, so look from KEYWORD_REACH before the
	 * first accepted start; Hyperscan starts there too, so that assertions
	 * on the byte before `from` (\b, \B) see it. */
	size_t base = from > KEYWORD_REACH ? from - KEYWORD_REACH : 0;
	bool prefiltered = m->prefilter &&
	                   rule_prefilter_scan(m->prefilter, m->pf_scratch, subject + base, len - base) == 0;
	/* Prefiltered, a few rules look, and a keyword is looked for when one
	 * of them has it; else every rule looks, and one pass finds them all. */
	if (prefiltered)
		memset(m->kw_seen, KW_UNKNOWN, m->kw_count);
	else
		find_keywords(m, subject + base, len - base);
	/* Prefiltered, only the covered rules with candidate ends and the
	 * rules not covered need a look, in the order of the rules as
	 * without (a field of a few bytes has candidates for none). */
	size_t touched_count = 0, u = 0, t = 0;
	const size_t *touched = prefiltered ? rule_prefilter_touched(m->pf_scratch, &touched_count) : NULL;
	for (size_t next = 0;; next++) {
		size_t i = next;
		if (prefiltered) {
			if (u < m->uncovered_count && (t == touched_count || m->uncovered[u] < touched[t]))
				i = m->uncovered[u++];
			else if (t < touched_count)
				i = touched[t++];
			else
				break;
		} else if (i >= set->count) {
			break;
		}
		const struct rule *r = &set->rules[i];
		if (r->disabled || !r->code || (only && only != r) ||
		    (m->which != RULES_ALL && m->start_anchored[i] != (m->which == RULES_ANCHORED)) ||
		    !rule_keywords_present(m, i, subject + base, len - base))
			continue;
		int stop = prefiltered && rule_prefilter_covers(m->prefilter, i)
		         ? scan_rule_candidates(m, i, subject, len, base, from, accept_end, fn, ctx)
		         : scan_rule(m, i, subject, len, from, accept_end, fn, ctx);
		if (stop)
			return stop;
	}
	return 0;
}
