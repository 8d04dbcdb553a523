/*
 * scanners/block_stream.c - fixed-size windows with an overlap tail.
 *
 * A window is handed out when the buffer is full; then the last
 * overlap + lookbehind bytes move to the front and the next window starts
 * searching `lookbehind` bytes in, just where the previous one stopped
 * accepting.  So every match start belongs to exactly one window.
 */
#include <stdlib.h>
#include <string.h>

#include "scanners/block_stream.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

int scan_stream_init(struct scan_stream *s, size_t block, size_t overlap, size_t lookbehind)
{
	memset(s, 0, sizeof(*s));
	if (block < overlap)
		block = overlap;
	s->block = block;
	s->overlap = overlap;
	s->lookbehind = lookbehind;
	s->cap = block + overlap + lookbehind;
	s->buf = malloc(s->cap);
	return s->buf ? 0 : -1;
}

void scan_stream_release(struct scan_stream *s)
{
	free(s->buf);
	s->buf = NULL;
}

void scan_stream_reset(struct scan_stream *s, scan_window_fn fn, void *ctx)
{
	s->len = s->from = 0;
	s->base = s->total = 0;
	s->line = 1;
	s->line_pos = 0;
	s->fn = fn;
	s->ctx = ctx;
}

void scan_stream_reset_at(struct scan_stream *s, scan_window_fn fn, void *ctx, uint64_t base,
                          uint64_t line)
{
	scan_stream_reset(s, fn, ctx);
	s->base = base;
	s->line = line;
}

unsigned char *scan_stream_space(struct scan_stream *s, size_t *avail)
{
	*avail = s->cap - s->len;
	return s->buf + s->len;
}

/* Every byte of the corpus passes here once: 16 at a time where SSE2 is
 * there (every x86-64), a byte at a time for the tail and elsewhere. */
size_t scan_count_newlines(const unsigned char *p, size_t n)
{
	size_t count = 0, i = 0;
#ifdef __SSE2__
	/* cmpeq gives 0xff (-1) per newline: subtracting it counts up to 255
	 * per byte lane; psadbw then adds the lanes. */
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	while (i + 16 <= n) {
		__m128i acc = zero;
		size_t stop = n - i >= 255 * 16 ? i + 255 * 16 : i + ((n - i) & ~(size_t)15);
		for (; i < stop; i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), nl));
		__m128i sums = _mm_sad_epu8(acc, zero);
		count += (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
	}
#endif
	for (; i < n; i++)
		count += p[i] == '\n';
	return count;
}

uint64_t scan_stream_line_at(struct scan_stream *s, size_t pos)
{
	if (pos > s->line_pos) {
		s->line += scan_count_newlines(s->buf + s->line_pos, pos - s->line_pos);
		s->line_pos = pos;
	}
	return s->line;
}

static int emit(struct scan_stream *s, bool final)
{
	struct scan_window w = {
		.data = s->buf, .len = s->len, .from = s->from,
		.accept_end = final ? s->len : s->len - s->overlap,
		.base = s->base, .final = final,
	};
	int rc = w.from < w.accept_end ? s->fn(s->ctx, s, &w) : 0;
	if (rc || final)
		return rc;
	/* Lines are counted up to where this window stopped accepting. */
	scan_stream_line_at(s, w.accept_end);
	size_t keep = s->overlap + s->lookbehind;
	size_t drop = s->len - keep;
	memmove(s->buf, s->buf + drop, keep);
	s->base += drop;
	s->len = keep;
	s->from = w.accept_end - drop;
	s->line_pos -= drop;
	return 0;
}

int scan_stream_commit(struct scan_stream *s, size_t n)
{
	s->len += n;
	s->total += n;
	return s->len == s->cap ? emit(s, false) : 0;
}

int scan_stream_write(struct scan_stream *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	while (n) {
		size_t avail;
		unsigned char *dst = scan_stream_space(s, &avail);
		size_t take = n < avail ? n : avail;
		memcpy(dst, p, take);
		p += take;
		n -= take;
		int rc = scan_stream_commit(s, take);
		if (rc)
			return rc;
	}
	return 0;
}

int scan_stream_finish(struct scan_stream *s)
{
	return s->len ? emit(s, true) : 0;
}
