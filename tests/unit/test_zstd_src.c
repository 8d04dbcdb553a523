/*
 * scanners/zstd_src.c.  zstd frames made here with libzstd (1 MiB and
 * 8 MiB windows, with and without checksums) decode to the bytes given,
 * fed and read in pseudo-random sizes; frames one after another, with a
 * skippable frame between, are one text; the decoder holds what a
 * frame's window needs from the budget while open (growing when a later
 * frame needs more) and gives it back when freed; a need over the budget
 * is refused with a reason that names the sizes, and a nested decoder
 * (may not wait) takes beyond the limit; a wait cut by the cancel flag
 * says "interrupted"; truncated data delivers what it holds, damaged data
 * the text before the damage, trailing junk all the text, then the error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zstd.h>

#include "scanners/byte_src.h"
#include "scanners/mem_budget.h"
#include "tests/unit/decoder_fixture.h"
#include "tests/unit/unit.h"

#define MIB (1ULL << 20)

/* One frame with a window of 2^window_log bytes: the text is given in
 * pieces, so the encoder does not know its size and keeps the window. */
static unsigned char *encode(const unsigned char *in, size_t len, int window_log, int checksum,
                             size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len) + 4096;
	unsigned char *out = malloc(cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	if (!out || !cctx ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum))) {
		ZSTD_freeCCtx(cctx);
		free(out);
		return NULL;
	}
	ZSTD_outBuffer o = { out, cap, 0 };
	size_t piece = 10000, at = 0;
	size_t rc = 0;
	do {
		size_t take = len - at < piece ? len - at : piece;
		ZSTD_inBuffer i = { in + at, take, 0 };
		ZSTD_EndDirective end = at + take == len ? ZSTD_e_end : ZSTD_e_continue;
		do
			rc = ZSTD_compressStream2(cctx, &o, &i, end);
		while (!ZSTD_isError(rc) && (end == ZSTD_e_end ? rc != 0 : i.pos < i.size));
		at += take;
	} while (!ZSTD_isError(rc) && at < len);
	ZSTD_freeCCtx(cctx);
	if (ZSTD_isError(rc)) {
		free(out);
		return NULL;
	}
	*out_len = o.pos;
	return out;
}

/* The concatenation of n pieces (NULL without memory). */
static unsigned char *join(const unsigned char *const *parts, const size_t *lens, int n, size_t *len)
{
	*len = 0;
	for (int k = 0; k < n; k++)
		*len += lens[k];
	unsigned char *all = malloc(*len);
	for (size_t at = 0, k = 0; all && k < (size_t)n; at += lens[k], k++)
		memcpy(all + at, parts[k], lens[k]);
	return all;
}

/* Decodes data (len bytes) through a budget: checks the text comes out
 * `copies` times and the budget is held while open, and given back. */
static void check_decodes(const unsigned char *data, size_t len, const unsigned char *text,
                          int copies, struct mem_budget *budget, uint64_t held_min,
                          uint64_t held_max, unsigned seed)
{
	struct mem_src m;
	mem_src_init(&m, data, len, seed);
	struct zstd_src *z = zstd_src_new(&m.base, budget, true, NULL);
	CHECK(z != NULL);
	if (!z)
		return;
	unsigned char *out;
	size_t out_len;
	ssize_t last = decode_all(zstd_src_base(z), &out, &out_len, seed);
	CHECK(last == 0 && out_len == copies * (size_t)TEXT_BYTES);
	for (int k = 0; out && k < copies && out_len == copies * (size_t)TEXT_BYTES; k++)
		CHECK(!memcmp(out + (size_t)k * TEXT_BYTES, text, TEXT_BYTES));
	if (last)
		printf("  error: %s\n", zstd_src_base(z)->error);
	if (budget)
		CHECK(mem_budget_used(budget) >= held_min && mem_budget_used(budget) <= held_max);
	free(out);
	zstd_src_free(z);
	if (budget)
		CHECK(mem_budget_used(budget) == 0);
}

int main(void)
{
	unsigned char *text = make_text();
	CHECK(text != NULL);
	if (!text)
		return unit_finish("zstd_src");
	size_t small_len = 0, big_len = 0;
	unsigned char *small = encode(text, TEXT_BYTES, 20, 1, &small_len);  /* 1 MiB window */
	unsigned char *big = encode(text, TEXT_BYTES, 23, 0, &big_len);      /* 8 MiB, no checksum */
	CHECK(small && big);
	if (!small || !big)
		return unit_finish("zstd_src");

	struct mem_budget *budget = mem_budget_new(16 * MIB);
	for (unsigned seed = 1; seed <= 4; seed++) {
		check_decodes(small, small_len, text, 1, budget, MIB, 2 * MIB, seed);
		check_decodes(big, big_len, text, 1, budget, 8 * MIB, 9 * MIB, seed);
		check_decodes(big, big_len, text, 1, NULL, 0, 0, seed);
	}

	/* Frames one after another, a skippable one between: one text; the
	 * held memory grows to the larger window. */
	{
		static const unsigned char skippable[] = "\x50\x2a\x4d\x18\x05\0\0\0" "hello";
		const unsigned char *parts[] = { small, skippable, big };
		size_t lens[] = { small_len, sizeof(skippable) - 1, big_len };
		size_t len;
		unsigned char *three = join(parts, lens, 3, &len);
		CHECK(three != NULL);
		if (three)
			check_decodes(three, len, text, 2, budget, 8 * MIB, 9 * MIB, 9);
		free(three);
	}

	/* A need over the budget: refused, nothing held; the next read says
	 * the same. */
	{
		struct mem_budget *tight = mem_budget_new(4 * MIB);
		struct mem_src m;
		mem_src_init(&m, big, big_len, 3);
		struct zstd_src *z = zstd_src_new(&m.base, tight, true, NULL);
		unsigned char buf[4096];
		CHECK(byte_src_read(zstd_src_base(z), buf, sizeof(buf)) == -1);
		const char *error = zstd_src_base(z)->error;
		CHECK(strstr(error, "limit: zstd data that needs 9 MiB") == error);
		CHECK(strstr(error, "(a 8 MiB window)") != NULL && strstr(error, "(4 MiB)") != NULL);
		CHECK(byte_src_read(zstd_src_base(z), buf, sizeof(buf)) == -1);
		zstd_src_free(z);
		CHECK(mem_budget_used(tight) == 0);

		/* Another holds 3 of the 4 MiB: a decoder inside it (may not
		 * wait) takes its 1.x MiB beyond the limit... */
		CHECK(mem_budget_take(tight, 3 * MIB, true, NULL) == 0);
		mem_src_init(&m, small, small_len, 4);
		z = zstd_src_new(&m.base, tight, false, NULL);
		unsigned char *out;
		size_t out_len;
		CHECK(decode_all(zstd_src_base(z), &out, &out_len, 4) == 0 && out_len == TEXT_BYTES);
		CHECK(mem_budget_peak(tight) > 4 * MIB);
		free(out);
		zstd_src_free(z);
		/* ...and one that may wait, its wait cut short, is interrupted. */
		static volatile int cancel = 1;
		mem_src_init(&m, small, small_len, 5);
		z = zstd_src_new(&m.base, tight, true, &cancel);
		CHECK(byte_src_read(zstd_src_base(z), buf, sizeof(buf)) == -1);
		CHECK(!strcmp(zstd_src_base(z)->error, "interrupted"));
		zstd_src_free(z);
		/* ...or, its input's time run out (--max-source-seconds), a
		 * limit. */
		struct timespec past;
		clock_gettime(CLOCK_MONOTONIC, &past);
		mem_src_init(&m, small, small_len, 6);
		z = zstd_src_new(&m.base, tight, true, NULL);
		zstd_src_set_deadline(z, &past);
		CHECK(byte_src_read(zstd_src_base(z), buf, sizeof(buf)) == -1);
		CHECK(strstr(zstd_src_base(z)->error, "limit: --max-source-seconds ran out") ==
		      zstd_src_base(z)->error);
		zstd_src_free(z);
		CHECK(mem_budget_used(tight) == 3 * MIB);
		mem_budget_give(tight, 3 * MIB);
		CHECK(mem_budget_used(tight) == 0);
		mem_budget_free(tight);
	}

	/* Truncated, damaged in the middle (with and without a checksum),
	 * junk after the data: the text's beginning first, then the error. */
	for (int kind = 0; kind < 4; kind++) {
		const unsigned char *from = kind == 2 ? big : small;
		size_t from_len = kind == 2 ? big_len : small_len;
		unsigned char *bad = malloc(from_len + 16);
		if (!bad)
			break;
		memcpy(bad, from, from_len);
		size_t len = from_len;
		if (kind == 0)
			len = from_len / 2;
		else if (kind == 3)
			memcpy(bad + from_len, "junk after data", 16), len += 16;
		else
			bad[from_len / 2] ^= 0x55;
		struct mem_src m;
		mem_src_init(&m, bad, len, 5);
		struct zstd_src *z = zstd_src_new(&m.base, budget, true, NULL);
		unsigned char *out;
		size_t out_len;
		CHECK(decode_all(zstd_src_base(z), &out, &out_len, 5) == -1);
		/* zstd blocks carry no check of their own: the damaged block's
		 * output may be wrong, but all that came before it is the text. */
		size_t sure = kind == 3 ? TEXT_BYTES : kind ? TEXT_BYTES / 4 : out_len;
		CHECK(out_len >= sure && out_len > 0 && out_len <= TEXT_BYTES && !memcmp(out, text, sure));
		const char *error = zstd_src_base(z)->error;
		if (kind == 0)
			CHECK(!strcmp(error, "zstd: truncated compressed data"));
		else if (kind == 3)
			CHECK(!strcmp(error, "trailing garbage after zstd data"));
		else
			CHECK(!strncmp(error, "zstd: ", 6));
		printf("  kind %d: %zu bytes, then: %s\n", kind, out_len, error);
		free(out);
		zstd_src_free(z);
		free(bad);
		CHECK(mem_budget_used(budget) == 0);
	}

	/* Only the magic number, then junk. */
	{
		static const unsigned char junk[] = "\x28\xb5\x2f\xfd this is no zstd frame, only its magic";
		struct mem_src m;
		mem_src_init(&m, junk, sizeof(junk) - 1, 1);
		struct zstd_src *z = zstd_src_new(&m.base, budget, true, NULL);
		unsigned char buf[64];
		CHECK(byte_src_read(zstd_src_base(z), buf, sizeof(buf)) == -1);
		CHECK(strncmp(zstd_src_base(z)->error, "zstd: ", 6) == 0);
		zstd_src_free(z);
	}
	CHECK(mem_budget_used(budget) == 0 && mem_budget_peak(budget) < 10 * MIB);
	mem_budget_free(budget);
	free(big);
	free(small);
	free(text);
	return unit_finish("zstd_src");
}
