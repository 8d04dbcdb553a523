/*
 * scanners/rewrite.c - the cursor of a rewritten stream (see rewrite.h).
 */
#include <assert.h>

#include "scanners/rewrite.h"

void rewrite_reset(struct rewrite *rw, rewrite_out_fn out, void *ctx)
{
	rw->out = out;
	rw->ctx = ctx;
	rw->pos = 0;
	rw->bytes_out = 0;
	rw->replaced = 0;
}

static int emit(struct rewrite *rw, const void *data, size_t n)
{
	if (!n)
		return 0;
	rw->bytes_out += n;
	return rw->out(rw->ctx, data, n);
}

int rewrite_copy_to(struct rewrite *rw, const struct scan_window *w, uint64_t upto)
{
	if (upto <= rw->pos)
		return 0;
	/* The cursor never falls behind a window: the previous window wrote
	 * up to its accept_end, which this window shows. */
	assert(rw->pos >= w->base && upto <= w->base + w->len);
	int rc = emit(rw, w->data + (rw->pos - w->base), (size_t)(upto - rw->pos));
	rw->pos = upto;
	return rc;
}

int rewrite_replace(struct rewrite *rw, const struct scan_window *w, uint64_t start, uint64_t end,
                    const void *text, size_t n)
{
	assert(start >= rw->pos && end >= start && end <= w->base + w->len);
	int rc = rewrite_copy_to(rw, w, start);
	if (!rc)
		rc = emit(rw, text, n);
	rw->pos = end;
	rw->replaced++;
	return rc;
}

int rewrite_window_done(struct rewrite *rw, const struct scan_window *w)
{
	return rewrite_copy_to(rw, w, w->base + (w->final ? w->len : w->accept_end));
}
