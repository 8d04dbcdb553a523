/*
 * scanners/codec_mem.h - how much memory a redaction's decoder and
 * encoder of one compressed stream will take, known before either is
 * made, so that a job takes both from redact's budget at once
 * (mem_budget.h) and never waits for memory while holding some.
 *
 * A decoder's need is read from the stream's first bytes: an xz stream's
 * first block header (its filter chain), a .lzma file's properties or an
 * lzip member header (its dictionary), as liblzma counts them; a zstd
 * frame header (its window), as libzstd counts it.  The encoder's is what
 * the writer will ask: the xz, .lzma or lzip preset's, zstd's level 3
 * (libarchive's).  gzip, bzip2 and
 * lz4 take little whatever the data says, and count for nothing.
 *
 * Pure functions of their arguments; nothing is allocated or kept.
 */
#ifndef PIIAUDIT_CODEC_MEM_H
#define PIIAUDIT_CODEC_MEM_H

#include <stddef.h>
#include <stdint.h>

/* The compression of a stream, as redact_io sniffs it. */
enum codec_kind { CODEC_OTHER, CODEC_XZ, CODEC_LZMA, CODEC_LZIP, CODEC_ZSTD };

/* What decoding the stream that starts with p[0, n) needs at first: 0
 * when these bytes say nothing readable (the decoder then takes what it
 * asks, and damaged data fails there) or the kind is not counted.  A
 * later xz block or zstd frame may ask more. */
uint64_t codec_decoder_need(enum codec_kind kind, const unsigned char *p, size_t n);

/* What writing the stream takes: xz, .lzma and lzip at preset xz_level
 * (0 to 9), zstd at libarchive's level; 0 for the others. */
uint64_t codec_encoder_need(enum codec_kind kind, int xz_level);

#endif
