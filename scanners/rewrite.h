/*
 * scanners/rewrite.h - a stream rewritten as it goes through the block
 * stream: every byte is written once, except the spans that are replaced.
 *
 * The rewriter keeps one cursor, `pos`: every byte of the stream before it
 * has been written out or replaced.  The windows of a block stream accept
 * match starts in contiguous, non-overlapping ranges; after each window the
 * caller calls rewrite_window_done(), which writes the accepted bytes not
 * yet written.  A replaced span may run past the window's accepted range
 * (into the overlap): the cursor then stands past it, and the next window
 * copies from there, so a value across two blocks is replaced once and no
 * byte is written twice.  A caller whose next span starts before the
 * cursor (it overlaps what was already replaced) asks rewrite_pos() and
 * replaces only the part after the cursor, or skips it.
 *
 * Works as well for a record held whole: describe it as one final window.
 * The caller owns the output callback; nothing here allocates or prints.
 */
#ifndef PIIAUDIT_REWRITE_H
#define PIIAUDIT_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "scanners/block_stream.h"

/* Writes n bytes; non-zero stops the rewrite and is returned. */
typedef int (*rewrite_out_fn)(void *ctx, const void *data, size_t n);

struct rewrite {
	rewrite_out_fn out;
	void *ctx;
	uint64_t pos;           /* stream offset: everything before it is out */
	uint64_t bytes_out;     /* bytes written so far */
	uint64_t replaced;      /* spans replaced */
};

void rewrite_reset(struct rewrite *rw, rewrite_out_fn out, void *ctx);

static inline uint64_t rewrite_pos(const struct rewrite *rw)
{
	return rw->pos;
}

/* Writes the window's bytes from the cursor up to stream offset `upto`
 * (nothing when the cursor is already there or past it). */
int rewrite_copy_to(struct rewrite *rw, const struct scan_window *w, uint64_t upto);

/* Replaces stream bytes [start, end) (inside the window, start at or after
 * the cursor) by text[0, n): copies up to start, writes text, and moves the
 * cursor to end. */
int rewrite_replace(struct rewrite *rw, const struct scan_window *w, uint64_t start, uint64_t end,
                    const void *text, size_t n);

/* The window is done: its accepted bytes not yet out are written (all of
 * it for a final window). */
int rewrite_window_done(struct rewrite *rw, const struct scan_window *w);

#endif
