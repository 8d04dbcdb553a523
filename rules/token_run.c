/*
 * rules/token_run.c - parsing a `prefilter_token` and finding the runs it
 * describes (see token_run.h).
 *
 * The scan works on 64 bytes at a time: one bit per byte in the class
 * (with AVX-512BW where the processor has it, the 64 bytes per compare of
 * each of at most four ranges; with SSE2, sixteen bytes per compare; else
 * from the table), then, by doubling, the bytes where a run of at least P class bytes ends
 * (P the largest power of two not above min, at most 64), carried across
 * blocks.  Only a run end that passes that test is measured byte by byte,
 * and in prose that is rare; no branch depends on each byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_internal.h"
#include "rules/token_run.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TOKEN_RUN_AVX512 1
#endif

/* One byte of the class at *p, escapes decoded; -1 when malformed. */
static int class_byte(const char **p)
{
	const char *s = *p;
	if (*s != '\\') {
		*p = s + 1;
		return (unsigned char)*s;
	}
	if (s[1] && strchr("\\]-^[", s[1])) {
		*p = s + 2;
		return (unsigned char)s[1];
	}
	if (s[1] == 'x' && rule_hex_value((unsigned char)s[2]) >= 0 && rule_hex_value((unsigned char)s[3]) >= 0) {
		*p = s + 4;
		return rule_hex_value((unsigned char)s[2]) * 16 + rule_hex_value((unsigned char)s[3]);
	}
	return -1;
}

static int parse_count(const char **p, uint32_t *out)
{
	const char *s = *p;
	unsigned long v = 0;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (unsigned long)(*s - '0')) > RULE_TOKEN_MAX)
			return -1;
	*p = s;
	*out = (uint32_t)v;
	return 0;
}

int rule_token_parse(const char *text, struct rule_token *out, char *err, size_t errlen)
{
	struct rule_token t;
	const char *p = text;
	memset(&t, 0, sizeof(t));
	t.set = true;
	if (*p++ != '[') {
		snprintf(err, errlen, "must be a class and a length, as '[A-Za-z0-9]{16}'");
		return -1;
	}
	if (*p == '^') {
		snprintf(err, errlen, "a negated class ([^...]) cannot be a token");
		return -1;
	}
	bool empty = true;
	while (*p && *p != ']') {
		int lo = class_byte(&p), hi = lo;
		if (lo >= 0 && *p == '-' && p[1] && p[1] != ']') {
			p++;
			hi = class_byte(&p);
		}
		if (lo < 0 || hi < 0) {
			snprintf(err, errlen, "bad escape in the class (\\\\ \\] \\- \\^ \\[ \\xHH)");
			return -1;
		}
		if (hi < lo) {
			snprintf(err, errlen, "range out of order in the class");
			return -1;
		}
		for (int c = lo; c <= hi; c++)
			t.in_class[c] = 1;
		empty = false;
	}
	if (*p++ != ']' || empty) {
		snprintf(err, errlen, "the class is %s", empty && p[-1] == ']' ? "empty" : "not closed with ]");
		return -1;
	}
	if (*p++ != '{' || parse_count(&p, &t.min)) {
		snprintf(err, errlen, "the class needs a length: {N} or {MIN,MAX}, at most %d", RULE_TOKEN_MAX);
		return -1;
	}
	t.max = t.min;
	if (*p == ',' && (p++, parse_count(&p, &t.max))) {
		snprintf(err, errlen, "the class needs a length: {N} or {MIN,MAX}, at most %d", RULE_TOKEN_MAX);
		return -1;
	}
	if (*p++ != '}' || *p) {
		snprintf(err, errlen, "nothing may follow the length {...}");
		return -1;
	}
	if (t.min < 1 || t.max < t.min) {
		snprintf(err, errlen, "the length must be at least 1 and MIN <= MAX");
		return -1;
	}
	for (int c = 0; c < 256;) {
		if (!t.in_class[c]) {
			c++;
			continue;
		}
		int lo = c;
		while (c < 256 && t.in_class[c])
			c++;
		if (t.ranges == RULE_TOKEN_RANGES) {
			t.ranges = 0;
			break;
		}
		t.range_lo[t.ranges] = (unsigned char)lo;
		t.range_span[t.ranges++] = (unsigned char)(c - 1 - lo);
	}
	*out = t;
	return 0;
}

/* Bit j: data[j] is in the class, for j < n <= 64. */
struct class_test {
	const unsigned char *in_class;
#ifdef __SSE2__
	bool vector;
	__m128i lo[RULE_TOKEN_RANGES], span[RULE_TOKEN_RANGES];
#endif
};

static void class_test_init(struct class_test *c, const struct rule_token *t)
{
	c->in_class = t->in_class;
#ifdef __SSE2__
	/* Unused ranges repeat the first: the same bytes again. */
	c->vector = t->ranges > 0;
	for (unsigned r = 0; r < RULE_TOKEN_RANGES; r++) {
		unsigned from = r < t->ranges ? r : 0;
		c->lo[r] = _mm_set1_epi8((char)t->range_lo[from]);
		c->span[r] = _mm_set1_epi8((char)t->range_span[from]);
	}
#endif
}

static inline uint64_t class_bits(const struct class_test *c, const unsigned char *data, size_t n)
{
	uint64_t bits = 0;
#ifdef __SSE2__
	if (c->vector && n == 64) {
		/* b in [lo, lo + span]: (b - lo) wraps to at most span. */
		for (unsigned q = 0; q < 4; q++) {
			__m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)(data + 16 * q));
			__m128i in = _mm_setzero_si128();
			for (unsigned r = 0; r < RULE_TOKEN_RANGES; r++) {
				__m128i off = _mm_sub_epi8(bytes, c->lo[r]);
				in = _mm_or_si128(in, _mm_cmpeq_epi8(_mm_min_epu8(off, c->span[r]), off));
			}
			bits |= (uint64_t)(uint16_t)_mm_movemask_epi8(in) << (16 * q);
		}
		return bits;
	}
#endif
	for (size_t j = 0; j < n; j++)
		bits |= (uint64_t)c->in_class[data[j]] << j;
	return bits;
}

/* 2^power: the largest power of two not above min, at most 64. */
static unsigned run_power(const struct rule_token *t)
{
	unsigned power = 0;
	while (power < 6 && (2u << power) <= t->min)
		power++;
	return power;
}

/* The run ends of the block data[at, at + 64) (less at the end), given
 * its class bits; before[] carries the runs of the block before to the
 * next.  emit's non-zero return, or 0. */
static inline int block_run_ends(const struct rule_token *t, const unsigned char *data, size_t len,
                                 size_t at, uint64_t bits, unsigned power, uint64_t before[7],
                                 int (*emit)(void *ctx, size_t end), void *ctx)
{
	const unsigned char *in_class = t->in_class;
	/* at_least[k], bit j: the 2^k bytes up to j are all in the class;
	 * before[k]: the same for the previous block (none before data). */
	uint64_t at_least[7];
	uint64_t next_in = at + 64 < len ? in_class[data[at + 64]] : 0;
	uint64_t run_ends = bits & ~((bits >> 1) | (next_in << 63));
	at_least[0] = bits;
	for (unsigned k = 0; k < power; k++) {
		unsigned shift = 1u << k;
		at_least[k + 1] = at_least[k] & ((at_least[k] << shift) | (before[k] >> (64 - shift)));
	}
	memcpy(before, at_least, sizeof(before[0]) * (power + 1));
	for (uint64_t cand = run_ends & at_least[power]; cand; cand &= cand - 1) {
		size_t end = at + (size_t)__builtin_ctzll(cand) + 1, run = 0;
		while (run <= t->max && run < end && in_class[data[end - 1 - run]])
			run++;
		if (run >= t->min && run <= t->max) {
			int stop = emit(ctx, end);
			if (stop)
				return stop;
		}
	}
	return 0;
}

static int scan_portable(const struct rule_token *t, const unsigned char *data, size_t len,
                         int (*emit)(void *ctx, size_t end), void *ctx)
{
	struct class_test test;
	class_test_init(&test, t);
	unsigned power = run_power(t);
	uint64_t before[7] = {0};
	for (size_t at = 0; at < len; at += 64) {
		size_t n = len - at < 64 ? len - at : 64;
		int stop = block_run_ends(t, data, len, at, class_bits(&test, data + at, n), power, before,
		                          emit, ctx);
		if (stop)
			return stop;
	}
	return 0;
}

#ifdef TOKEN_RUN_AVX512
/* The same with AVX-512BW: one compare per range gives a block's 64 bits
 * (about half the portable scan's time on the bench corpus). */
__attribute__((target("avx512bw"))) static int scan_avx512(const struct rule_token *t,
                                                           const unsigned char *data, size_t len,
                                                           int (*emit)(void *ctx, size_t end),
                                                           void *ctx)
{
	__m512i lo[RULE_TOKEN_RANGES], span[RULE_TOKEN_RANGES];
	for (unsigned r = 0; r < t->ranges; r++) {
		lo[r] = _mm512_set1_epi8((char)t->range_lo[r]);
		span[r] = _mm512_set1_epi8((char)t->range_span[r]);
	}
	unsigned power = run_power(t);
	uint64_t before[7] = {0};
	for (size_t at = 0; at < len; at += 64) {
		uint64_t bits = 0;
		if (len - at >= 64) {
			__m512i bytes = _mm512_loadu_si512((const void *)(data + at));
			for (unsigned r = 0; r < t->ranges; r++)
				bits |= _mm512_cmple_epu8_mask(_mm512_sub_epi8(bytes, lo[r]), span[r]);
		} else {
			for (size_t j = 0; j < len - at; j++)
				bits |= (uint64_t)t->in_class[data[at + j]] << j;
		}
		int stop = block_run_ends(t, data, len, at, bits, power, before, emit, ctx);
		if (stop)
			return stop;
	}
	return 0;
}
#endif

static bool portable_only;

void rule_token_scan_portable(bool on)
{
	portable_only = on;
}

int rule_token_scan(const struct rule_token *t, const unsigned char *data, size_t len,
                    int (*emit)(void *ctx, size_t end), void *ctx)
{
#ifdef TOKEN_RUN_AVX512
	if (t->ranges && !portable_only && __builtin_cpu_supports("avx512bw"))
		return scan_avx512(t, data, len, emit, ctx);
#endif
	return scan_portable(t, data, len, emit, ctx);
}
