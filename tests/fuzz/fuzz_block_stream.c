/*
 * tests/fuzz/fuzz_block_stream.c - windows against one whole scan.
 *
 * Input: 8 header bytes, then the text.
 *   [0..1] block size, 1..4096 (below the overlap it is raised to it)
 *   [2]    overlap, OVERLAP_MIN..OVERLAP_MIN+63 (+ KEYWORD_REACH when far)
 *   [3]    bit 7: "far" mode; lookbehind, LOOKBEHIND_MIN..LOOKBEHIND_MIN+63
 *          (+ KEYWORD_REACH when far)
 *   [4..7] seed of the chunk sizes (1..2*block) and of the feeding call:
 *          scan_stream_write(), or scan_stream_space() + _commit()
 *
 * The text goes through a scan_stream in those chunks; every window is
 * scanned with a rule_matcher on [from, accept_end), hits are sorted and
 * their lines asked with scan_stream_line_at().  A matcher then scans the
 * whole text once.  The lists of (offset, length, rule, confidence, line)
 * must be equal.  All of it twice: the rules compiled for the default
 * engine (the Hyperscan prefilter when built in) and for PCRE2 alone; the
 * four lists must agree.
 *
 * That is exact only for rules whose hits cannot overlap one another and
 * depend on a bounded neighbourhood, so the rules are built for it:
 *  - e-mail-like: no match can start inside another (the lookbehind
 *    refuses a start after a letter, '.' or '@'), at most 21 bytes plus a
 *    1-byte lookahead, and context words within 8 bytes each side: exact
 *    when overlap >= 21 + 8 and lookbehind >= 8;
 *  - "id:NNNN": digits right after "id:", a 3-byte lookbehind, at most 6
 *    digits plus a 1-byte lookahead; its keyword "id:" stands in the
 *    lookbehind, before the match;
 *  - far mode only, "NNN-NNNN" with the keyword "tel" anywhere within
 *    KEYWORD_REACH (256) bytes of the match (rules/matcher.c: a keyword
 *    counts in the match or that close to it): exact when lookbehind >=
 *    256 and overlap >= 256 + 9, as the reader's 1024 and 8192 are.
 * The window invariants are checked too: from < accept_end <= len <= cap,
 * base + from is where the previous window stopped accepting, base only
 * grows, one final window, and the stream's byte count at the end.
 */
#include <stdbool.h>

#include "rules/rule.h"
#include "scanners/block_stream.h"
#include "tests/fuzz/fuzz_common.h"

#define OVERLAP_MIN 29u
#define LOOKBEHIND_MIN 8u
#define KEYWORD_REACH 256u   /* as rules/matcher.c */
#define MAX_HITS 8192
#define HEADER 8

/* The "id:" rule's keyword stands in its lookbehind, before the match
 * (once a bug: the keyword search started at `from`).  FUZZ_SKIP_KNOWN=1
 * in the environment leaves that keyword out. */
static const char rules_yaml_head[] =
	"rules:\n"
	"  - id: bs.email\n"
	"    category: email\n"
	"    pattern: '(?<![a-z.@])[a-z]{1,8}@[a-z]{1,8}\\.[a-z]{2,3}(?![a-z])'\n"
	"    keywords: ['@']\n"
	"    confidence: 0.5\n"
	"    context:\n"
	"      words: [mail, to]\n"
	"      window: 8\n"
	"      boost: 0.25\n"
	"  - id: bs.id\n"
	"    category: other\n"
	"    pattern: '(?<=id:)[0-9]{4,6}(?![0-9])'\n";
static const char rules_yaml_keyword[] = "    keywords: ['id:']\n";
static const char rules_yaml_far[] =
	"  - id: bs.tel\n"
	"    category: phone\n"
	"    pattern: '(?<![0-9-])[0-9]{3}-[0-9]{4}(?![0-9-])'\n"
	"    keywords: ['tel']\n";

/* [near/far][0]: the default engine, [1]: PCRE2 alone. */
static struct ruleset all_sets[2][2];
static struct rule_matcher *all_matchers[2][2];
static struct ruleset *sets;              /* the mode in use */
static struct rule_matcher **matchers;
static struct rule_matcher *matcher;      /* the one in use */

struct found {
	uint64_t start, line;
	size_t len;
	const struct rule *rule;
	double confidence;
};

struct run {
	struct found *list;
	size_t count;
	bool overflow;
	/* per window */
	const struct scan_window *w;
	size_t window_first;
	/* stream invariants */
	uint64_t accepted_to, last_base;
	unsigned windows;
	bool seen_final;
};

static struct found found_lists[4][MAX_HITS];

static int add_hit(void *ctx, const struct rule_hit *hit)
{
	struct run *r = ctx;
	if (r->count == MAX_HITS) {
		r->overflow = true;
		return 0;
	}
	r->list[r->count++] = (struct found){
		.start = (r->w ? r->w->base : 0) + hit->start, .len = hit->len,
		.rule = hit->rule, .confidence = hit->confidence,
	};
	return 0;
}

static int found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int on_window(void *ctx, struct scan_stream *s, const struct scan_window *w)
{
	struct run *r = ctx;
	CHECK(!r->seen_final);
	CHECK(w->data == s->buf);
	CHECK(w->from < w->accept_end);
	CHECK(w->accept_end <= w->len && w->len <= s->cap);
	if (r->windows)
		CHECK(w->base > r->last_base);
	else
		CHECK(w->base == 0);
	CHECK(w->base + w->from == r->accepted_to);
	if (!w->final)
		CHECK(w->len == s->cap && w->accept_end + s->overlap == w->len);
	else
		CHECK(w->accept_end == w->len);
	r->windows++;
	r->last_base = w->base;
	r->seen_final = w->final;
	r->accepted_to = w->base + w->accept_end;

	r->w = w;
	size_t first = r->count;
	CHECK(rule_matcher_scan(matcher, w->data, w->len, w->from, w->accept_end, NULL,
	                        add_hit, r) == 0);
	qsort(r->list + first, r->count - first, sizeof(r->list[0]), found_cmp);
	for (size_t i = first; i < r->count; i++) {
		size_t pos = (size_t)(r->list[i].start - w->base);
		CHECK(pos >= w->from && pos < w->accept_end);
		r->list[i].line = scan_stream_line_at(s, pos);
	}
	r->w = NULL;
	return 0;
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64], yaml[sizeof(rules_yaml_head) + sizeof(rules_yaml_keyword) + sizeof(rules_yaml_far)];
	const char *skip = getenv("FUZZ_SKIP_KNOWN");
	int fd = fuzz_memfd("fuzz-rules.yaml", path, sizeof(path));
	for (int far = 0; far < 2; far++) {
		snprintf(yaml, sizeof(yaml), "%s%s%s", rules_yaml_head,
		         skip && *skip && strcmp(skip, "0") ? "" : rules_yaml_keyword,
		         far ? rules_yaml_far : "");
		fuzz_memfd_set(fd, yaml, strlen(yaml));
		for (int i = 0; i < 2; i++) {
			struct ruleset *set = &all_sets[far][i];
			ruleset_init(set);
			set->match_limit = 1000000;
			set->engine = i ? RULE_ENGINE_PCRE2 : RULE_ENGINE_AUTO;
			if (ruleset_load_path(set, path) || ruleset_compile(set))
				fuzz_die("ruleset", ruleset_error(set));
			if (!(all_matchers[far][i] = rule_matcher_new(set)))
				fuzz_die("rule_matcher_new", NULL);
		}
	}
	fprintf(stderr, "fuzz_block_stream: engines %s and %s\n", ruleset_engine_name(&all_sets[0][0]),
	        ruleset_engine_name(&all_sets[0][1]));
	close(fd);
	return 0;
}

static size_t params_block, params_overlap, params_lookbehind;

static void report(const char *what, const struct run *a, const struct run *b)
{
	fprintf(stderr, "block %zu overlap %zu lookbehind %zu: %s: %zu hits and %zu\n", params_block,
	        params_overlap, params_lookbehind, what, a->count, b->count);
	for (size_t i = 0; i < a->count || i < b->count; i++) {
		for (int k = 0; k < 2; k++) {
			const struct run *r = k ? b : a;
			if (i < r->count)
				fprintf(stderr, "  %c %s at %llu+%zu line %llu conf %.3f\n", k ? 'b' : 'a',
				        r->list[i].rule->id, (unsigned long long)r->list[i].start,
				        r->list[i].len, (unsigned long long)r->list[i].line,
				        r->list[i].confidence);
		}
	}
}

/* The same hits; rules compared by id, as each set has its own. */
static void compare(const char *what, const struct run *a, const struct run *b)
{
	bool same = a->count == b->count;
	for (size_t i = 0; same && i < a->count; i++) {
		const struct found *x = &a->list[i], *y = &b->list[i];
		same = x->start == y->start && x->len == y->len && x->line == y->line &&
		       x->confidence == y->confidence && !strcmp(x->rule->id, y->rule->id);
	}
	if (!same)
		report(what, a, b);
	CHECK(same);
}

/* Feeds TEXT to a fresh stream in chunks drawn from SEED; R gets the
 * windows' hits. */
static void stream_windows(const unsigned char *text, size_t len, size_t block, size_t overlap,
                           size_t lookbehind, uint32_t seed, struct run *r, size_t *block_used)
{
	struct scan_stream s;
	if (scan_stream_init(&s, block, overlap, lookbehind))
		fuzz_die("scan_stream_init", NULL);
	CHECK(s.block >= s.overlap && s.cap == s.block + s.overlap + s.lookbehind);
	*block_used = s.block;
	scan_stream_reset(&s, on_window, r);
	size_t at = 0;
	while (at < len) {
		uint32_t x = xorshift(&seed);
		size_t chunk = 1 + x % (2 * s.block);
		if (chunk > len - at)
			chunk = len - at;
		if (x & 0x80000000u) {
			CHECK(scan_stream_write(&s, text + at, chunk) == 0);
		} else {
			size_t avail;
			unsigned char *dst = scan_stream_space(&s, &avail);
			CHECK(avail > 0 && avail <= s.cap);
			CHECK(dst >= s.buf && dst + avail == s.buf + s.cap);
			if (chunk > avail)
				chunk = avail;
			memcpy(dst, text + at, chunk);
			CHECK(scan_stream_commit(&s, chunk) == 0);
		}
		at += chunk;
	}
	CHECK(scan_stream_finish(&s) == 0);
	CHECK(s.total == len);
	CHECK(r->accepted_to == len);
	if (len)
		CHECK(r->seen_final);
	scan_stream_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER || size > (1u << 20))
		return 0;
	size_t block = 1 + (((size_t)data[0] << 8 | data[1]) % 4096);
	bool far = data[3] & 0x80;
	size_t overlap = OVERLAP_MIN + data[2] % 64 + (far ? KEYWORD_REACH : 0);
	size_t lookbehind = LOOKBEHIND_MIN + data[3] % 64 + (far ? KEYWORD_REACH : 0);
	sets = all_sets[far];
	matchers = all_matchers[far];
	uint32_t seed = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
	                (uint32_t)data[6] << 8 | data[7];
	if (!seed)
		seed = 0x9e3779b9u;
	const unsigned char *text = data + HEADER;
	size_t len = size - HEADER;

	struct run runs[4];
	size_t block_used = 0;
	static uint64_t limit_hits_seen;
	for (int e = 0; e < 2; e++) {
		struct run *r = &runs[2 * e], *ref = &runs[2 * e + 1];
		matcher = matchers[e];
		*r = (struct run){ .list = found_lists[2 * e] };
		*ref = (struct run){ .list = found_lists[2 * e + 1] };
		stream_windows(text, len, block, overlap, lookbehind, seed, r, &block_used);
		CHECK(rule_matcher_scan(matcher, text, len, 0, len, NULL, add_hit, ref) == 0);
		qsort(ref->list, ref->count, sizeof(ref->list[0]), found_cmp);
		uint64_t line = 1;
		size_t pos = 0;
		for (size_t i = 0; i < ref->count; i++) {
			const unsigned char *nl;
			while (pos < ref->list[i].start &&
			       (nl = memchr(text + pos, '\n', ref->list[i].start - pos))) {
				line++;
				pos = (size_t)(nl - text) + 1;
			}
			pos = ref->list[i].start;
			ref->list[i].line = line;
		}
	}
	/* A rule that hit PCRE2's limits gave up on part of a subject. */
	uint64_t limits = 0;
	for (size_t f = 0; f < 2; f++)
		for (size_t i = 0; i < 2; i++)
			for (size_t k = 0; k < all_sets[f][i].count; k++)
				limits += rule_matcher_limit_hits(all_matchers[f][i], k);
	if (limits != limit_hits_seen) {
		limit_hits_seen = limits;
		return 0;
	}
	for (int i = 0; i < 4; i++)
		if (runs[i].overflow)
			return 0;
	params_block = block_used, params_overlap = overlap, params_lookbehind = lookbehind;
	compare("windows, default engine / whole, default engine", &runs[0], &runs[1]);
	compare("windows, pcre2 / whole, pcre2", &runs[2], &runs[3]);
	compare("whole, default engine / whole, pcre2", &runs[1], &runs[3]);
	return 0;
}
