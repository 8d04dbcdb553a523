/*
 * scanners/zstd_src.c - zstd decoding (libzstd) as a byte source.
 *
 * Owns its input buffer and decoder; borrows the source it wraps and the
 * memory budget.  Decoding here rather than in libarchive's filter gives
 * a bound on memory: a zstd frame's window is what its header says, up to
 * 128 MiB under libarchive (`zstd --long`, `--ultra -22`) and 2 GiB in the
 * format, and each job took its own.  Here each frame's header is read
 * before the frame is decoded; what the decoder needs for that window
 * (ZSTD_estimateDStreamSize()) is taken from the budget the scan's readers
 * share, waiting for other decoders to give theirs back if need be; a need
 * over the whole budget fails the source with a reason that says so.
 * Without a budget (NULL) there is no limit: windows up to the format's
 * 2 GiB are decoded.
 *
 * As gzip_src: every byte decoded before damage or truncation is
 * delivered first, then the error.  Concatenated and skippable frames are
 * read through; a frame's checksum, when it has one, is checked.  A tar
 * inside is read by libarchive from this source.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ZSTD_getFrameHeader() and ZSTD_estimateDStreamSize(): libzstd's
 * "static linking only" API, exported by Debian's shared libzstd. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include "scanners/byte_src.h"
#include "scanners/mem_budget.h"

#define ZSTD_IN_BYTES (128u << 10)

struct zstd_src {
	struct byte_src base;
	struct byte_src *inner;
	ZSTD_DStream *ds;
	struct mem_budget *budget;  /* NULL: no limit */
	bool may_wait;              /* for the budget: holds none through another */
	const volatile int *cancel;
	const struct timespec *deadline;   /* of a wait for memory; NULL: none */
	uint64_t held;              /* taken from the budget */
	size_t in_pos, in_len;      /* in[in_pos, in_len) not yet decoded */
	bool in_eof;                /* the inner source ended */
	bool at_frame;              /* the next input byte starts a frame */
	bool had_frame;             /* a frame was read: what follows may be junk */
	bool done;                  /* the end of the data was decoded */
	bool failed;                /* base.error says why; given once out is empty */
	unsigned char in[ZSTD_IN_BYTES];
};

static const char *zstd_reason(size_t code)
{
	switch (ZSTD_getErrorCode(code)) {
	case ZSTD_error_prefix_unknown: return "not a zstd frame";
	case ZSTD_error_checksum_wrong: return "checksum mismatch";
	case ZSTD_error_corruption_detected: return "damaged compressed data";
	case ZSTD_error_memory_allocation: return "out of memory";
	case ZSTD_error_frameParameter_windowTooLarge: return "a window larger than the format allows";
	default: return ZSTD_getErrorName(code);
	}
}

/* Reads until in[] holds at least want bytes from in_pos, or the inner
 * source ends: 0, or -1 with base.error set. */
static int fill(struct zstd_src *z, size_t want)
{
	if (z->in_pos && z->in_len - z->in_pos < want) {
		memmove(z->in, z->in + z->in_pos, z->in_len - z->in_pos);
		z->in_len -= z->in_pos;
		z->in_pos = 0;
	}
	while (!z->in_eof && z->in_len - z->in_pos < want) {
		ssize_t got = byte_src_read(z->inner, z->in + z->in_len, sizeof(z->in) - z->in_len);
		if (got < 0) {
			snprintf(z->base.error, sizeof(z->base.error), "%s", z->inner->error);
			return -1;
		}
		z->in_eof = got == 0;
		z->in_len += (size_t)got;
	}
	return 0;
}

/* At a frame's start: reads its header and takes from the budget what
 * decoding its window needs.  1 when there is no frame left (the data
 * ended), 0 when the frame may be decoded, -1 with base.error set. */
static int start_frame(struct zstd_src *z)
{
	if (fill(z, ZSTD_FRAMEHEADERSIZE_MAX))
		return -1;
	size_t avail = z->in_len - z->in_pos;
	if (!avail)
		return 1;
	ZSTD_frameHeader header;
	size_t rc = ZSTD_getFrameHeader(&header, z->in + z->in_pos, avail);
	if (ZSTD_isError(rc)) {
		if (z->had_frame && ZSTD_getErrorCode(rc) == ZSTD_error_prefix_unknown)
			snprintf(z->base.error, sizeof(z->base.error), "trailing garbage after zstd data");
		else
			snprintf(z->base.error, sizeof(z->base.error), "zstd: %s", zstd_reason(rc));
		return -1;
	}
	if (rc) {
		snprintf(z->base.error, sizeof(z->base.error), "zstd: truncated compressed data");
		return -1;
	}
	z->at_frame = false;
	z->had_frame = true;
	if (header.frameType == ZSTD_skippableFrame)
		return 0;
	if (header.windowSize > (1ull << ZSTD_WINDOWLOG_MAX)) {
		snprintf(z->base.error, sizeof(z->base.error), "zstd: %s",
		         zstd_reason((size_t)-ZSTD_error_frameParameter_windowTooLarge));
		return -1;
	}
	uint64_t need = ZSTD_estimateDStreamSize((size_t)header.windowSize);
	if (!z->budget || need <= z->held)
		return 0;
	/* A decoder that holds memory never waits for more (two that did
	 * could wait for each other); nor does one inside another's. */
	char window[40];
	snprintf(window, sizeof(window), " (a %llu MiB window)",
	         (unsigned long long)((header.windowSize + (1u << 20) - 1) >> 20));
	if (mem_budget_take_or_say(z->budget, need - z->held, z->may_wait && !z->held, z->cancel,
	                           z->deadline, "zstd", need, window, z->base.error,
	                           sizeof(z->base.error)))
		return -1;
	z->held = need;
	return 0;
}

static ssize_t zstd_read(struct byte_src *src, void *buf, size_t n)
{
	struct zstd_src *z = (struct zstd_src *)src;
	if (z->failed)
		return -1;
	if (z->done || !n)
		return 0;
	ZSTD_outBuffer out = { buf, n, 0 };
	while (!out.pos) {
		if (z->at_frame) {
			int rc = start_frame(z);
			if (rc > 0) {
				z->done = true;
				break;
			}
			if (rc < 0) {
				z->failed = true;
				return -1;
			}
		}
		if (z->in_pos == z->in_len && !z->in_eof) {
			z->in_pos = z->in_len = 0;
			if (fill(z, 1)) {
				z->failed = true;
				return -1;
			}
		}
		ZSTD_inBuffer in = { z->in, z->in_len, z->in_pos };
		size_t rc = ZSTD_decompressStream(z->ds, &out, &in);
		z->in_pos = in.pos;
		if (ZSTD_isError(rc)) {
			snprintf(z->base.error, sizeof(z->base.error), "zstd: %s", zstd_reason(rc));
			z->failed = true;
			break;
		}
		if (!rc) {
			z->at_frame = true;   /* this frame is complete */
			continue;
		}
		/* A frame not complete, all input given and nothing more out: the
		 * data stops short.  (With room left in out, the decoder has
		 * flushed everything it could.) */
		if (z->in_eof && z->in_pos == z->in_len && out.pos < out.size) {
			snprintf(z->base.error, sizeof(z->base.error), "zstd: truncated compressed data");
			z->failed = true;
			break;
		}
	}
	/* What was decoded before an error goes first. */
	if (z->failed && !out.pos)
		return -1;
	return (ssize_t)out.pos;
}

struct zstd_src *zstd_src_new(struct byte_src *inner, struct mem_budget *budget, bool may_wait,
                              const volatile int *cancel)
{
	struct zstd_src *z = malloc(sizeof(*z));
	if (!z)
		return NULL;
	memset(z, 0, offsetof(struct zstd_src, in));
	z->base.read = zstd_read;
	z->inner = inner;
	z->budget = budget;
	z->may_wait = may_wait;
	z->cancel = cancel;
	z->at_frame = true;
	z->ds = ZSTD_createDStream();
	/* The budget, not libzstd's default of 128 MiB, bounds the window. */
	if (!z->ds || ZSTD_isError(ZSTD_DCtx_setParameter(z->ds, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX))) {
		ZSTD_freeDStream(z->ds);
		free(z);
		return NULL;
	}
	return z;
}

void zstd_src_set_deadline(struct zstd_src *z, const struct timespec *deadline)
{
	z->deadline = deadline;
}

void zstd_src_hold(struct zstd_src *z, uint64_t n)
{
	if (z->budget && n > z->held)
		z->held = n;
}

struct byte_src *zstd_src_base(struct zstd_src *z)
{
	return &z->base;
}

void zstd_src_free(struct zstd_src *z)
{
	if (!z)
		return;
	ZSTD_freeDStream(z->ds);
	if (z->held)
		mem_budget_give(z->budget, z->held);
	free(z);
}
