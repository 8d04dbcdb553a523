/*
 * scanners/zip_stream_mem.h - the memory a zip read as a stream will need
 * for its LZMA, xz and zstd entries, found in its bytes as they go by.
 *
 * A zip inside a tar, a compressed stream or another archive cannot be
 * read from its central directory first (zip_mem.h does that for a zip
 * file); libarchive reads it from the front, local header after local
 * header, and gives each LZMA or xz entry's decoder the dictionary its
 * data asks (up to 1.5 GiB), each zstd entry's the window its frame asks
 * (up to 128 MiB).  The reader shows this watcher every byte it
 * hands libarchive, before libarchive sees it, and takes from the decoder
 * budget what a new entry asks before handing over that entry's data.
 *
 * Follows the stream as libarchive's streaming zip reader does: a local
 * header, its name and extra field (a zip64 size), the entry's data, then
 * the next signature.  An entry whose compressed size is not in its local
 * header (flag bit 3: the size comes after the data) is passed by looking
 * for the next local header's signature, so a local header inside stored
 * data (a zip stored in the zip) is read too: that can only count more.
 * A central directory ends the watch (libarchive stops there too).
 * Encrypted entries count for nothing: libarchive does not decode them.
 *
 * The caller owns the struct (no allocation); never fails.
 */
#ifndef PIIAUDIT_ZIP_STREAM_MEM_H
#define PIIAUDIT_ZIP_STREAM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanners/zip_mem.h"

struct zip_watch {
	/* Read by the caller: the most any entry seen so far needs, and the
	 * stream offset where the data of the entry that set it starts. */
	uint64_t need;
	uint64_t need_at;

	/* The watch's own. */
	int state;
	uint64_t at;                 /* stream offset of the next byte */
	unsigned char buf[ZIP_ENTRY_PROBE_BYTES];
	size_t have, want;           /* bytes in buf, bytes the state needs */
	uint64_t skip;               /* bytes to pass before the next state */
	int after_skip;              /* the state then */
	unsigned flags, method;      /* the current entry's */
	bool usize_saturated;        /* its zip64 extra field has that size first */
	uint64_t csize;              /* compressed size; UINT64_MAX: not known */
	uint64_t data_at;            /* where the current entry's data starts */
};

void zip_watch_init(struct zip_watch *w);

/* Follows the next bytes of the stream, p[0, n): returns how many it went
 * through, fewer than n just after an entry whose decoder needs more than
 * every entry before (w->need and w->need_at now say so); call again with
 * the rest. */
size_t zip_watch_feed(struct zip_watch *w, const unsigned char *p, size_t n);

#endif
