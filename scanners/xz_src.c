/*
 * scanners/xz_src.c - xz, .lzma and lzip decoding (liblzma) as a byte
 * source.
 *
 * Owns its input buffer and decoder; borrows the source it wraps and the
 * memory budget.  Decoding here rather than in libarchive's filter gives
 * a bound on memory: libarchive lets liblzma take whatever a file's header
 * asks (xz -9 asks 65 MiB, and the format allows a 1.5 GiB dictionary),
 * once per job.  Here the decoder starts with no memory allowed; when
 * liblzma says how much the next block needs (LZMA_MEMLIMIT_ERROR), that
 * much is taken from the budget the scan's readers share, waiting for
 * other decoders to give theirs back if need be, and the limit is raised;
 * a need over the whole budget fails the source with a reason that says
 * so.  Without a budget (NULL) there is no limit.
 *
 * As gzip_src: every byte decoded before damage or truncation is
 * delivered first, then the error.  A tar inside is read by libarchive
 * from this source.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>

#include "scanners/byte_src.h"
#include "scanners/mem_budget.h"

#define XZ_IN_BYTES (64u << 10)

struct xz_src {
	struct byte_src base;
	struct byte_src *inner;
	lzma_stream strm;
	const char *name;           /* "xz" or "lzma", for messages */
	struct mem_budget *budget;  /* NULL: no limit */
	bool may_wait;              /* for the budget: holds none through another */
	const volatile int *cancel;
	const struct timespec *deadline;   /* of a wait for memory; NULL: none */
	uint64_t held;              /* taken from the budget */
	bool in_eof;                /* the inner source ended */
	bool done;                  /* the end of the data was decoded */
	bool failed;                /* base.error says why; given once out is empty */
	unsigned char in[XZ_IN_BYTES];
};

static const char *lzma_reason(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_FORMAT_ERROR: return "not in the format its magic number says";
	case LZMA_OPTIONS_ERROR: return "compression options this decoder does not support";
	case LZMA_DATA_ERROR: return "damaged compressed data";
	case LZMA_BUF_ERROR: return "truncated compressed data";
	case LZMA_UNSUPPORTED_CHECK: return "an integrity check of an unknown kind";
	case LZMA_MEMLIMIT_ERROR: return "needs more memory than allowed";
	default: return "decoder error";
	}
}

/* liblzma wants more memory than it is allowed: take it from the budget
 * and raise the limit, or say why not. */
static int grow(struct xz_src *x)
{
	uint64_t need = lzma_memusage(&x->strm);
	if (need <= x->held) {
		snprintf(x->base.error, sizeof(x->base.error), "%s: the decoder's memory limit is inconsistent",
		         x->name);
		return -1;
	}
	uint64_t more = need - x->held;
	/* A decoder that holds memory never waits for more (two that did
	 * could wait for each other); nor does one inside another's. */
	if (mem_budget_take_or_say(x->budget, more, x->may_wait && !x->held, x->cancel, x->deadline,
	                           x->name, need, "", x->base.error, sizeof(x->base.error)))
		return -1;
	x->held = need;
	if (lzma_memlimit_set(&x->strm, need) != LZMA_OK) {
		snprintf(x->base.error, sizeof(x->base.error), "%s: cannot raise the decoder's memory limit",
		         x->name);
		return -1;
	}
	return 0;
}

static ssize_t xz_read(struct byte_src *src, void *buf, size_t n)
{
	struct xz_src *x = (struct xz_src *)src;
	if (x->failed)
		return -1;
	if (x->done || !n)
		return 0;
	x->strm.next_out = buf;
	x->strm.avail_out = n;
	while (x->strm.avail_out == n) {
		if (!x->strm.avail_in && !x->in_eof) {
			ssize_t got = byte_src_read(x->inner, x->in, sizeof(x->in));
			if (got < 0) {
				snprintf(x->base.error, sizeof(x->base.error), "%s", x->inner->error);
				x->failed = true;
				return -1;
			}
			x->in_eof = got == 0;
			x->strm.next_in = x->in;
			x->strm.avail_in = (size_t)got;
		}
		lzma_ret ret = lzma_code(&x->strm, x->in_eof ? LZMA_FINISH : LZMA_RUN);
		if (ret == LZMA_OK)
			continue;
		if (ret == LZMA_STREAM_END) {
			x->done = true;
			break;
		}
		if (ret == LZMA_MEMLIMIT_ERROR && x->budget) {
			if (!grow(x))
				continue;
		} else {
			snprintf(x->base.error, sizeof(x->base.error), "%s: %s", x->name, lzma_reason(ret));
		}
		x->failed = true;
		/* What was decoded before the error goes first. */
		if (x->strm.avail_out < n)
			break;
		return -1;
	}
	return (ssize_t)(n - x->strm.avail_out);
}

struct xz_src *xz_src_new(struct byte_src *inner, enum xz_format format, struct mem_budget *budget,
                          bool may_wait, const volatile int *cancel)
{
	struct xz_src *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->base.read = xz_read;
	x->inner = inner;
	x->name = format == XZ_FORMAT_LZMA ? "lzma" : format == XZ_FORMAT_LZIP ? "lzip" : "xz";
	x->budget = budget;
	x->may_wait = may_wait;
	x->cancel = cancel;
	lzma_stream init = LZMA_STREAM_INIT;
	x->strm = init;
	/* With a budget, no memory until liblzma says what it needs (0 is
	 * taken as 1 byte: nothing fits). */
	uint64_t limit = budget ? 1 : UINT64_MAX;
	lzma_ret ret = format == XZ_FORMAT_LZMA ? lzma_alone_decoder(&x->strm, limit)
	               : format == XZ_FORMAT_LZIP ? lzma_lzip_decoder(&x->strm, limit, LZMA_CONCATENATED)
	                                          : lzma_stream_decoder(&x->strm, limit, LZMA_CONCATENATED);
	if (ret != LZMA_OK) {
		free(x);
		return NULL;
	}
	return x;
}

void xz_src_set_deadline(struct xz_src *x, const struct timespec *deadline)
{
	x->deadline = deadline;
}

void xz_src_hold(struct xz_src *x, uint64_t n)
{
	if (!x->budget || n <= x->held)
		return;
	x->held = n;
	/* Below what liblzma already uses it refuses: then grow() takes
	 * what is missing when asked. */
	lzma_memlimit_set(&x->strm, n);
}

struct byte_src *xz_src_base(struct xz_src *x)
{
	return &x->base;
}

void xz_src_free(struct xz_src *x)
{
	if (!x)
		return;
	lzma_end(&x->strm);
	if (x->held)
		mem_budget_give(x->budget, x->held);
	free(x);
}
