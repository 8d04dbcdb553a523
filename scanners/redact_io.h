/*
 * scanners/redact_io.h - one input file rewritten into a new file of the
 * same format, a text unit at a time.
 *
 * redact_io_file() recognises the input by its magic bytes: plain text, a
 * single gzip, zstd, xz, bzip2, lz4, lzma, lzip or compress stream, a
 * tar or a cpio (odc, newc; in any of those compressions), an ar, a zip
 * or a 7z (written as LZMA2).
 * Each text unit (the file itself, the
 * decompressed stream, an archive member) is handed to the caller's text
 * hook with a source of its bytes and an output for the rewritten ones.
 * Everything else is copied as it is: archive members that are binary
 * (NUL bytes in their first 8 KiB) with their data unchanged, unless the
 * caller asks them rewritten as text too (binary_as_text), and every
 * member's metadata (names, modes, owners, times, extended attributes)
 * and entries that are not regular files.  A member that is a single
 * compressed stream is decoded, its text unit rewritten, and encoded again
 * in the same compression (its decoder and encoder from the budget); a
 * member that is itself an archive, or a stream of two compressions, is
 * an error: it is not redacted, so the archive is not written either.
 *
 * The output is written to a temporary file beside the target (the input's
 * mode), then renamed over it on success: on any error the target is
 * untouched and no temporary file is left.  Memory is bounded: text units
 * stream, and a rewritten archive member (whose size is only known at its
 * end, and must be written before its data) is spooled to a temporary file
 * in $TMPDIR; the decoders' and encoders' memory comes from the caller's
 * budget (below).  SHA-256 of the input and of the output file bytes come with
 * the result.  A gzip output's header carries no time, so the same input
 * rewritten the same way gives the same bytes.  Thread-safe: one call per
 * file, any number of threads, no shared state.
 *
 * Never prints.  Errors: -1 with a one-line reason in err, and the member
 * it concerns (if any) in the result.
 */
#ifndef PIIAUDIT_REDACT_IO_H
#define PIIAUDIT_REDACT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanners/byte_src.h"

/* Where a text unit's rewritten bytes go. */
struct redact_out {
	int (*write)(struct redact_out *o, const void *data, size_t n);   /* 0 or -1 */
	char error[256];
};

static inline int redact_out_write(struct redact_out *o, const void *data, size_t n)
{
	return n ? o->write(o, data, n) : 0;
}

struct redact_io_unit {
	const char *path;            /* the input file */
	const char *member;          /* NULL for the file's own content */
	const unsigned char *peek;   /* its first bytes, to choose how to read it */
	size_t peek_len;
	struct byte_src *src;        /* every byte of the unit, the peek included */
	struct redact_out *out;
};

struct redact_io_hooks {
	void *ctx;
	/* Rewrites one text unit from src to out: 0, or -1 with the reason. */
	int (*text)(void *ctx, const struct redact_io_unit *u, char *err, size_t errlen);
	/* Polled while copying: non-zero stops the file ("interrupted"). */
	int (*stop)(void *ctx);
	/* gzip outputs (single streams and tar.gz): 1 to 9, 0 for
	 * REDACT_GZIP_LEVEL_DEFAULT.  Up to REDACT_GZIP_FAST_MAX, ISA-L
	 * writes them (many times faster than zlib, a little larger than
	 * zlib's level 6); above, zlib. */
	int gzip_level;
	/* xz, .lzma, lzip and 7z outputs: the preset, 0 to 9
	 * (REDACT_XZ_LEVEL_DEFAULT is xz's own default). */
	int xz_level;
	/* Memory that the decoders of xz, .lzma, lzip, zstd, zip and 7z
	 * inputs and the encoders of xz, .lzma, lzip, zstd and 7z outputs share with other calls
	 * (mem_budget.h; NULL: no limit).  Before either is made, a call
	 * takes both needs at once (codec_mem.h), waiting for others to give
	 * theirs back, and fails when they exceed the whole budget; a later
	 * xz block or zstd frame that asks more takes it without waiting.
	 * A compressed member's decoder and encoder are taken as it comes,
	 * waiting only when the call holds nothing yet (else failing, named).
	 * *cancel (may be NULL) non-zero ends a wait ("interrupted"). */
	struct mem_budget *budget;
	const volatile int *cancel;
	/* Content with NUL bytes in its first 8 KiB (a file, a stream's
	 * content, a member) goes to the text hook too, as `scan -a` reads
	 * it, rather than being copied unchanged. */
	bool binary_as_text;
};

#ifdef HAVE_ISAL
#define REDACT_GZIP_FAST_MAX 3
#define REDACT_GZIP_LEVEL_DEFAULT 1
#else
#define REDACT_GZIP_FAST_MAX 0
#define REDACT_GZIP_LEVEL_DEFAULT 6
#endif
#define REDACT_XZ_LEVEL_DEFAULT 6

struct redact_io_result {
	char format[64];             /* "text", "gzip", "tar+zstd", "zip" ... */
	char in_sha256[65], out_sha256[65];
	uint64_t text_units, copied_units;   /* copied: binary, unchanged */
	char err_member[1024];       /* the member an error concerns, or "" */
};

/* Refuses an output that is the input (same file), and an existing output
 * unless force.  Returns 0, or -1 with the reason in err. */
int redact_io_file(const char *in, const char *out, bool force, const struct redact_io_hooks *h,
                   struct redact_io_result *res, char *err, size_t errlen);

#endif
