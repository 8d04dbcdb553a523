/*
 * scanners/zip_stream_mem.c - the memory a zip read as a stream will need
 * (see zip_stream_mem.h).
 *
 * A byte-driven state machine over PKWARE's APPNOTE layout: a signature;
 * a local header (30 bytes), its name and extra field; the entry's data,
 * of which an LZMA, xz or zstd entry's first bytes are kept (LZMA's 9
 * bytes of version and properties, xz's stream header and first block
 * header, zstd's frame header) and given to zip_entry_data_need(); then
 * the next signature, or, when
 * the local header does not give the size, a search for one.  Bytes are
 * only counted and compared: no state grows with the stream.
 */
#include "scanners/zip_stream_mem.h"

#include <stdbool.h>
#include <string.h>

#include "scanners/file_bytes.h"

#define LOCAL_SIG 0x04034b50u
#define DESCRIPTOR_SIG 0x08074b50u
#define LOCAL_BYTES 30u
#define LZMA_PROBE_BYTES 9u      /* version (2), properties' size (2), properties (5) */
#define XZ_HEAD_BYTES 13u        /* the stream header and a block header's size byte */
#define ZSTD_HEAD_BYTES 18u      /* the longest frame header (ZSTD_FRAMEHEADERSIZE_MAX) */
#define FLAG_ENCRYPTED 0x1u
#define FLAG_SIZE_AFTER 0x8u     /* sizes in a data descriptor after the data */

enum watch_state {
	W_SIGNATURE,   /* collecting 4 bytes */
	W_LOCAL,       /* collecting the rest of a local header */
	W_EXTRA,       /* collecting the extra field (want 0: passed over) */
	W_PROBE,       /* collecting the first bytes of an entry that is counted */
	W_SKIP,        /* passing `skip` bytes, then after_skip */
	W_SEARCH,      /* looking for a local header's signature */
	W_DONE,        /* a central directory: nothing more is read */
};

static const unsigned char local_sig[4] = { 'P', 'K', 3, 4 };

void zip_watch_init(struct zip_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->state = W_SIGNATURE;
	w->want = 4;
}

struct bytes_left {
	const unsigned char *p;
	size_t n;
};

static void pass(struct zip_watch *w, struct bytes_left *in, size_t k)
{
	in->p += k;
	in->n -= k;
	w->at += k;
}

/* Moves bytes into buf up to want: true once it holds them all. */
static bool collect(struct zip_watch *w, struct bytes_left *in)
{
	size_t k = w->want - w->have;
	if (k > in->n)
		k = in->n;
	memcpy(w->buf + w->have, in->p, k);
	w->have += k;
	pass(w, in, k);
	return w->have == w->want;
}

static void expect(struct zip_watch *w, int state, size_t want)
{
	w->state = state;
	w->have = 0;
	w->want = want;
}

static void skip_then(struct zip_watch *w, uint64_t skip, int state, size_t want)
{
	expect(w, state, want);
	if (skip) {
		w->skip = skip;
		w->after_skip = state;
		w->state = W_SKIP;
	}
}

/* Drops leading bytes of buf until what is left could begin a local
 * header's signature. */
static void trim_search(struct zip_watch *w)
{
	while (w->have && memcmp(w->buf, local_sig, w->have)) {
		memmove(w->buf, w->buf + 1, w->have - 1);
		w->have--;
	}
}

static void search_from(struct zip_watch *w, const unsigned char *kept, size_t n)
{
	memmove(w->buf, kept, n);
	w->state = W_SEARCH;
	w->have = n;
	trim_search(w);
}

/* After an entry's data: its end, when its size is known; else wherever
 * the next local header is. */
static void after_data(struct zip_watch *w, uint64_t read)
{
	if (w->csize == UINT64_MAX)
		search_from(w, w->buf, 0);
	else
		skip_then(w, w->csize > read ? w->csize - read : 0, W_SIGNATURE, 4);
}

static void start_data(struct zip_watch *w)
{
	w->data_at = w->at;
	if (!ZIP_METHOD_COUNTED(w->method) || (w->flags & FLAG_ENCRYPTED)) {
		after_data(w, 0);
		return;
	}
	size_t want = w->method == ZIP_METHOD_LZMA  ? LZMA_PROBE_BYTES
	              : w->method == ZIP_METHOD_XZ ? XZ_HEAD_BYTES
	                                           : ZSTD_HEAD_BYTES;
	if (w->csize < want)
		want = (size_t)w->csize;
	expect(w, W_PROBE, want);
	if (!want)
		after_data(w, 0);
}

/* Its zip64 sizes, in the order the local header's saturated fields give
 * them: the uncompressed size, then the compressed one. */
static void extra_field(struct zip_watch *w, bool usize_saturated, bool csize_saturated)
{
	const unsigned char *x = w->buf, *end = w->buf + w->have;
	while (x + 4 <= end) {
		size_t len = le_uint(x + 2, 2);
		if ((size_t)(end - x - 4) < len)
			break;
		if (le_uint(x, 2) == 1) {
			size_t at = usize_saturated ? 8 : 0;
			if (csize_saturated && at + 8 <= len)
				w->csize = le_uint(x + 4 + at, 8);
			break;
		}
		x += 4 + len;
	}
}

static void local_header(struct zip_watch *w)
{
	w->flags = (unsigned)le_uint(w->buf + 6, 2);
	w->method = (unsigned)le_uint(w->buf + 8, 2);
	w->csize = le_uint(w->buf + 18, 4);
	w->usize_saturated = le_uint(w->buf + 22, 4) == 0xffffffffu;
	uint64_t skip = le_uint(w->buf + 26, 2);   /* the name */
	size_t extra = le_uint(w->buf + 28, 2);
	if (extra > sizeof(w->buf)) {   /* more than any zip64 field needs */
		skip += extra;
		extra = 0;
		/* Its zip64 size not read: found by the search instead (not
		 * 4 GiB passed over unwatched). */
		if (w->csize == 0xffffffffu)
			w->csize = UINT64_MAX;
	}
	skip_then(w, skip, W_EXTRA, extra);
}

static void extra_done(struct zip_watch *w)
{
	if (w->have)
		extra_field(w, w->usize_saturated, w->csize == 0xffffffffu);
	if (w->flags & FLAG_SIZE_AFTER)
		w->csize = UINT64_MAX;
	start_data(w);
}

static void signature(struct zip_watch *w)
{
	uint64_t sig = le_uint(w->buf, 4);
	if (sig == LOCAL_SIG) {
		w->state = W_LOCAL;
		w->want = LOCAL_BYTES;
	} else if (sig == DESCRIPTOR_SIG) {
		/* A split archive's marker before the first header, or a data
		 * descriptor: the next signature follows, or the search finds
		 * it. */
		expect(w, W_SIGNATURE, 4);
	} else if ((sig & 0xffffu) == 0x4b50u && ((sig >> 16) == 0x0201u || (sig >> 16) == 0x0605u ||
	                                           (sig >> 16) == 0x0606u || (sig >> 16) == 0x0505u ||
	                                           (sig >> 16) == 0x0806u)) {
		/* The central directory, its end, a signature or archive
		 * extra data record: libarchive's streaming reader stops. */
		w->state = W_DONE;
	} else {
		search_from(w, w->buf + 1, 3);
	}
}

static void probe(struct zip_watch *w)
{
	if (w->method == ZIP_METHOD_XZ && w->have == XZ_HEAD_BYTES && w->buf[XZ_HEAD_BYTES - 1]) {
		/* The block header's size, in units of 4 with its size byte. */
		size_t full = XZ_HEAD_BYTES - 1 + ((size_t)w->buf[XZ_HEAD_BYTES - 1] + 1) * 4;
		if (w->csize < full)
			full = (size_t)w->csize;
		if (full > w->have) {
			w->want = full;
			return;
		}
	}
	uint64_t need = zip_entry_data_need(w->method, w->buf, w->have);
	if (need > w->need) {
		w->need = need;
		w->need_at = w->data_at;
	}
	after_data(w, w->have);
}

static void search(struct zip_watch *w, struct bytes_left *in)
{
	while (in->n) {
		if (w->have) {
			/* A signature begun in bytes before: one byte at a time. */
			w->buf[w->have++] = in->p[0];
			pass(w, in, 1);
			if (w->have == 4 && !memcmp(w->buf, local_sig, 4)) {
				w->state = W_LOCAL;
				w->want = LOCAL_BYTES;
				return;
			}
			trim_search(w);
			continue;
		}
		const unsigned char *q = memchr(in->p, 'P', in->n);
		if (!q) {
			pass(w, in, in->n);
			return;
		}
		pass(w, in, (size_t)(q - in->p));
		if (in->n < 4) {
			search_from(w, in->p, in->n);
			pass(w, in, in->n);
			return;
		}
		if (!memcmp(in->p, local_sig, 4)) {
			memcpy(w->buf, local_sig, 4);
			pass(w, in, 4);
			w->have = 4;
			w->state = W_LOCAL;
			w->want = LOCAL_BYTES;
			return;
		}
		pass(w, in, 1);
	}
}

size_t zip_watch_feed(struct zip_watch *w, const unsigned char *p, size_t n)
{
	struct bytes_left in = { p, n };
	uint64_t need_before = w->need;
	while (w->need == need_before && w->state != W_DONE) {
		if (w->state == W_EXTRA && w->have == w->want) {
			extra_done(w);   /* needs no more bytes when it has them */
			continue;
		}
		if (!in.n)
			break;
		switch (w->state) {
		case W_SIGNATURE:
			if (collect(w, &in))
				signature(w);
			break;
		case W_LOCAL:
			if (collect(w, &in))
				local_header(w);
			break;
		case W_EXTRA:
			collect(w, &in);
			break;
		case W_PROBE:
			if (collect(w, &in))
				probe(w);
			break;
		case W_SKIP: {
			size_t k = w->skip < in.n ? (size_t)w->skip : in.n;
			pass(w, &in, k);
			w->skip -= k;
			if (!w->skip)
				w->state = w->after_skip;
			break;
		}
		case W_SEARCH:
			search(w, &in);
			break;
		}
	}
	if (w->state == W_DONE)
		pass(w, &in, in.n);
	return n - in.n;
}
