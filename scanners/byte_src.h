/*
 * scanners/byte_src.h - where a unit's bytes come from, inside scanners/:
 * a file descriptor, an archive entry, a replay of peeked bytes in front of
 * another source, a gzip, xz or UTF-16 decoder over another source.
 *
 * read() returns the bytes read, 0 at the end, -1 on error with the reason
 * in error[].  A source borrows the source it wraps.
 */
#ifndef PIIAUDIT_BYTE_SRC_H
#define PIIAUDIT_BYTE_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct byte_src {
	ssize_t (*read)(struct byte_src *src, void *buf, size_t n);
	char error[512];
};

static inline ssize_t byte_src_read(struct byte_src *src, void *buf, size_t n)
{
	return src->read(src, buf, n);
}

/* Bytes already taken from `inner`, served again before it. */
struct replay_src {
	struct byte_src base;
	const unsigned char *data;
	size_t len, pos;
	struct byte_src *inner;
};

void replay_src_init(struct replay_src *r, const unsigned char *data, size_t len,
                     struct byte_src *inner);

/* A gzip decoder (all members of a multi-member file), with ISA-L when
 * built with HAVE_ISAL, zlib otherwise.  Every byte that could be decoded
 * before damage or truncation is delivered first; then the error.  The
 * CRC-32 of each member is checked. */
struct gzip_src;
struct gzip_src *gzip_src_new(struct byte_src *inner);
struct byte_src *gzip_src_base(struct gzip_src *g);
void gzip_src_free(struct gzip_src *g);

/* An xz decoder (all streams of a concatenated file), a .lzma one, or an
 * lzip one (all members; scanners/xz_src.c): the memory it needs is taken
 * from budget (NULL: no limit), waiting for other decoders when may_wait.
 * As gzip_src, every byte decoded before damage or truncation comes
 * first. */
enum xz_format { XZ_FORMAT_XZ, XZ_FORMAT_LZMA, XZ_FORMAT_LZIP };
struct mem_budget;
struct xz_src;
struct xz_src *xz_src_new(struct byte_src *inner, enum xz_format format, struct mem_budget *budget,
                          bool may_wait, const volatile int *cancel);
/* A wait for memory gives up at *deadline (CLOCK_MONOTONIC; the caller
 * keeps it alive; NULL, the default: never), failing with a "limit:". */
void xz_src_set_deadline(struct xz_src *x, const struct timespec *deadline);
/* n bytes the caller took from the budget for this decoder (before its
 * first read): it holds them from then on, decodes within them, and
 * gives them back when freed.  A block needing more takes the rest as
 * above. */
void xz_src_hold(struct xz_src *x, uint64_t n);
struct byte_src *xz_src_base(struct xz_src *x);
void xz_src_free(struct xz_src *x);

/* A zstd decoder (all frames of a concatenated file, skippable ones read
 * through; scanners/zstd_src.c): before each frame, the memory its window
 * needs is taken from budget (NULL: no limit), waiting for other decoders
 * when may_wait.  As gzip_src, every byte decoded before damage or
 * truncation comes first. */
struct zstd_src;
struct zstd_src *zstd_src_new(struct byte_src *inner, struct mem_budget *budget, bool may_wait,
                              const volatile int *cancel);
void zstd_src_set_deadline(struct zstd_src *z, const struct timespec *deadline);   /* as xz's */
void zstd_src_hold(struct zstd_src *z, uint64_t n);   /* as xz_src_hold() */
struct byte_src *zstd_src_base(struct zstd_src *z);
void zstd_src_free(struct zstd_src *z);

/* UTF-16 text with a byte order mark (FF FE little-endian, FE FF
 * big-endian): 1 and the order when p[0, n) starts with one, else 0. */
static inline int utf16_bom(const unsigned char *p, size_t n, bool *big_endian)
{
	if (n < 2 || !((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return 0;
	*big_endian = p[0] == 0xfe;
	return 1;
}

/* UTF-16 decoded to UTF-8 (scanners/utf16_src.c): the byte order mark
 * dropped, a lone surrogate or an odd last byte read as U+FFFD. */
struct utf16_src;
struct utf16_src *utf16_src_new(struct byte_src *inner, bool big_endian);
struct byte_src *utf16_src_base(struct utf16_src *u);
void utf16_src_free(struct utf16_src *u);

#endif
