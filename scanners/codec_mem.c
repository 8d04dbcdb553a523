/*
 * scanners/codec_mem.c - the memory a redaction's decoder and encoder of
 * one stream take (see codec_mem.h).  Nothing is owned.
 *
 * An xz stream's first block is read as a zip entry of method 95 is
 * (zip_mem.c: stream header, then block header); a .lzma header is five
 * bytes of properties (lc/lp/pb, the dictionary size) and eight of size;
 * an lzip member header is "LZIP", version 1 and one byte coding the
 * dictionary size (lc/lp/pb are fixed at 3/0/2).  A zstd window up to the format's maximum counts, since zstd_src lets
 * the budget, not libzstd's default, bound it.
 */
#include "scanners/codec_mem.h"

#include <string.h>

#include <lzma.h>
/* ZSTD_getFrameHeader() and the estimates: libzstd's "static linking
 * only" API, exported by Debian's shared libzstd. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "scanners/zip_mem.h"

#define LZMA_ALONE_HEADER_BYTES 13u
#define LZIP_HEADER_BYTES 6u          /* "LZIP", version 1, the coded dictionary size */
#define LZIP_DICT_MIN (1u << 12)
#define LZIP_DICT_MAX (1u << 29)
#define ZSTD_LEVEL_LIBARCHIVE 3      /* archive_write_add_filter_zstd's default */

/* An lzip member's dictionary size (lzip's manual: a power of two, less
 * up to seven sixteenths of it), or 0 when outside what lzip allows. */
static uint32_t lzip_dict_size(unsigned char coded)
{
	uint32_t size = 1u << (coded & 0x1f);
	size -= (size / 16) * ((coded >> 5) & 7);
	return size >= LZIP_DICT_MIN && size <= LZIP_DICT_MAX ? size : 0;
}

uint64_t codec_decoder_need(enum codec_kind kind, const unsigned char *p, size_t n)
{
	switch (kind) {
	case CODEC_XZ:
		return zip_entry_data_need(ZIP_METHOD_XZ, p, n);
	case CODEC_LZMA: {
		if (n < LZMA_ALONE_HEADER_BYTES)
			return 0;
		lzma_filter filters[2] = { { .id = LZMA_FILTER_LZMA1 }, { .id = LZMA_VLI_UNKNOWN } };
		if (lzma_properties_decode(&filters[0], NULL, p, 5) != LZMA_OK)
			return 0;
		uint64_t need = lzma_raw_decoder_memusage(filters);
		lzma_filters_free(filters, NULL);
		return need == UINT64_MAX ? 0 : need;
	}
	case CODEC_LZIP: {
		if (n < LZIP_HEADER_BYTES || memcmp(p, "LZIP\x01", 5))
			return 0;
		lzma_options_lzma options = { .dict_size = lzip_dict_size(p[5]), .lc = 3, .lp = 0, .pb = 2 };
		if (!options.dict_size)
			return 0;
		lzma_filter filters[2] = { { .id = LZMA_FILTER_LZMA1, .options = &options },
			                   { .id = LZMA_VLI_UNKNOWN } };
		uint64_t need = lzma_raw_decoder_memusage(filters);
		return need == UINT64_MAX ? 0 : need;
	}
	case CODEC_ZSTD: {
		ZSTD_frameHeader header;
		if (ZSTD_getFrameHeader(&header, p, n) != 0 || header.frameType == ZSTD_skippableFrame ||
		    header.windowSize > (1ull << ZSTD_WINDOWLOG_MAX))
			return 0;
		return ZSTD_estimateDStreamSize((size_t)header.windowSize);
	}
	case CODEC_OTHER:
		break;
	}
	return 0;
}

uint64_t codec_encoder_need(enum codec_kind kind, int xz_level)
{
	switch (kind) {
	case CODEC_XZ:
	case CODEC_LZMA:
	case CODEC_LZIP: {
		uint64_t need = lzma_easy_encoder_memusage((uint32_t)xz_level);
		return need == UINT64_MAX ? 0 : need;
	}
	case CODEC_ZSTD:
		return ZSTD_estimateCStreamSize(ZSTD_LEVEL_LIBARCHIVE);
	case CODEC_OTHER:
		break;
	}
	return 0;
}
