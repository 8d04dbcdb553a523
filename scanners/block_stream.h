/*
 * scanners/block_stream.h - a member's bytes as overlapping windows.
 *
 * The stream owns one buffer of block + overlap + lookbehind bytes and
 * hands it out in windows.  Each window tells which match starts to accept
 * ([from, accept_end)): a match of up to `overlap` bytes that straddles two
 * blocks is reported by exactly one window, and every window shows
 * `lookbehind` bytes before `from` for lookbehinds and context words.
 * Memory stays fixed whatever the member's size.
 *
 * Line numbers: scan_stream_line_at() gives the 1-based line of a position
 * in the current window; positions asked for must not decrease within a
 * window, and must be >= from.
 *
 * The window callback's non-zero return stops the stream and is returned
 * by commit/finish.  Nothing here allocates after init.
 */
#ifndef PIIAUDIT_BLOCK_STREAM_H
#define PIIAUDIT_BLOCK_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scan_stream;

struct scan_window {
	const unsigned char *data;
	size_t len;
	size_t from, accept_end;   /* accepted match starts, indices into data */
	uint64_t base;             /* offset of data[0] in the member */
	bool final;
};

typedef int (*scan_window_fn)(void *ctx, struct scan_stream *s, const struct scan_window *w);

struct scan_stream {
	unsigned char *buf;
	size_t cap, len, from;
	size_t block, overlap, lookbehind;
	uint64_t base;             /* offset of buf[0] in the member */
	uint64_t total;            /* bytes committed so far */
	uint64_t line;             /* line number at line_pos */
	size_t line_pos;
	scan_window_fn fn;
	void *ctx;
};

#define SCAN_BLOCK_DEFAULT (1u << 20)
#define SCAN_OVERLAP_DEFAULT 8192u     /* longest match reported exactly */
#define SCAN_LOOKBEHIND_DEFAULT 1024u  /* context visible before a window */

int scan_stream_init(struct scan_stream *s, size_t block, size_t overlap, size_t lookbehind);
void scan_stream_release(struct scan_stream *s);

/* Starts a new member: offsets and lines from zero. */
void scan_stream_reset(struct scan_stream *s, scan_window_fn fn, void *ctx);

/* Starts a run of bytes that begins inside a member: at `base` in it, on
 * line `line` (a record too long to hold, read as text). */
void scan_stream_reset_at(struct scan_stream *s, scan_window_fn fn, void *ctx, uint64_t base,
                          uint64_t line);

/* Where to put the next bytes, and how many fit (always > 0). */
unsigned char *scan_stream_space(struct scan_stream *s, size_t *avail);

/* n bytes were written at the space; a full buffer is handed out. */
int scan_stream_commit(struct scan_stream *s, size_t n);

/* Copies bytes in (for data that is not read straight into the space). */
int scan_stream_write(struct scan_stream *s, const void *data, size_t n);

/* The member ended: the last window goes out. */
int scan_stream_finish(struct scan_stream *s);

uint64_t scan_stream_line_at(struct scan_stream *s, size_t pos);

/* The '\n' bytes in p[0, n). */
size_t scan_count_newlines(const unsigned char *p, size_t n);

#endif
