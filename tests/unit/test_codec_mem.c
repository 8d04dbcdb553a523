/*
 * scanners/codec_mem.c.  What a redaction takes up front must cover what
 * its decoder then asks: xz at presets 0 and 3, .lzma at preset 1 and
 * lzip with a 1 MiB dictionary (made here with liblzma), and zstd with
 * 1 MiB and 8 MiB windows, are
 * decoded whole by xz_src and zstd_src holding exactly the predicted
 * need on a budget of exactly that size: the budget's peak stays there
 * (a prediction short of the decoder's need would make it take more).
 * The predictions are liblzma's and libzstd's own counts; bytes that say
 * nothing (too short, damaged, a skippable zstd frame, an lzip header
 * outside lzip's version or dictionary range, a format not counted)
 * count 0; an lzip dictionary byte is decoded as lzip's manual says; a zstd header asking a 2 GiB window counts libzstd's
 * estimate for it.  The encoders: the xz preset's and libzstd's level-3
 * counts, growing with the preset.
 */
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "scanners/byte_src.h"
#include "scanners/codec_mem.h"
#include "scanners/mem_budget.h"
#include "tests/unit/decoder_fixture.h"
#include "tests/unit/unit.h"

#define MIB (1ULL << 20)

static unsigned char *xz_encode(const unsigned char *in, size_t len, uint32_t preset, size_t *out_len)
{
	size_t cap = lzma_stream_buffer_bound(len);
	unsigned char *out = malloc(cap);
	*out_len = 0;
	if (out && lzma_easy_buffer_encode(preset, LZMA_CHECK_CRC64, NULL, in, len, out, out_len, cap) != LZMA_OK) {
		free(out);
		return NULL;
	}
	return out;
}

/* A frame keeping a 2^window_log window (the size is not told). */
static unsigned char *zstd_encode(const unsigned char *in, size_t len, int window_log, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len) + 4096;
	unsigned char *out = malloc(cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_outBuffer o = { out, cap, 0 };
	size_t left = 1;
	if (out && cctx && !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log))) {
		/* In pieces: given all at once, it would size the window to it. */
		for (size_t at = 0; at < len && !ZSTD_isError(left); at += 4096) {
			ZSTD_inBuffer i = { in + at, len - at < 4096 ? len - at : 4096, 0 };
			while (i.pos < i.size && !ZSTD_isError(left))
				left = ZSTD_compressStream2(cctx, &o, &i, ZSTD_e_continue);
		}
		ZSTD_inBuffer none = { NULL, 0, 0 };
		left = ZSTD_isError(left) ? left : 1;
		while (left && !ZSTD_isError(left))
			left = ZSTD_compressStream2(cctx, &o, &none, ZSTD_e_end);
	}
	ZSTD_freeCCtx(cctx);
	if (left) {
		free(out);
		return NULL;
	}
	*out_len = o.pos;
	return out;
}

/* Decodes data whole through the decoder kind asks, which holds `need`
 * of a budget of exactly `need` from the start: 1 when every byte of
 * text comes back and the budget never held more than need. */
static int decodes_within(enum codec_kind kind, const unsigned char *data, size_t len, uint64_t need,
                          const unsigned char *text)
{
	struct mem_budget *b = mem_budget_new(need);
	struct mem_src m;
	struct xz_src *xz = NULL;
	struct zstd_src *zs = NULL;
	struct byte_src *src = NULL;
	unsigned char *out = NULL;
	size_t out_len = 0;
	int ok = 0;
	mem_src_init(&m, data, len, 17);
	if (!b || mem_budget_take(b, need, false, NULL))
		goto out;
	if (kind == CODEC_ZSTD) {
		if ((zs = zstd_src_new(&m.base, b, false, NULL)))
			zstd_src_hold(zs, need);
		src = zs ? zstd_src_base(zs) : NULL;
	} else {
		enum xz_format format = kind == CODEC_LZMA ? XZ_FORMAT_LZMA
		                        : kind == CODEC_LZIP ? XZ_FORMAT_LZIP : XZ_FORMAT_XZ;
		if ((xz = xz_src_new(&m.base, format, b, false, NULL)))
			xz_src_hold(xz, need);
		src = xz ? xz_src_base(xz) : NULL;
	}
	if (src && decode_all(src, &out, &out_len, 5) == 0 && out_len == TEXT_BYTES &&
	    !memcmp(out, text, TEXT_BYTES) && mem_budget_peak(b) == need)
		ok = 1;
	xz_src_free(xz);
	zstd_src_free(zs);
	ok = ok && mem_budget_used(b) == 0;   /* the decoder gave back what it held */
out:
	free(out);
	mem_budget_free(b);
	return ok;
}

int main(void)
{
	unsigned char *text = make_text();
	CHECK(text != NULL);
	if (!text)
		return unit_finish("test_codec_mem");

	static const uint32_t xz_presets[] = { 0, 3 };
	for (size_t k = 0; k < 2; k++) {
		size_t len;
		unsigned char *xz = xz_encode(text, TEXT_BYTES, xz_presets[k], &len);
		CHECK(xz != NULL);
		uint64_t need = xz ? codec_decoder_need(CODEC_XZ, xz, len < 4096 ? len : 4096) : 0;
		CHECK(need == lzma_easy_decoder_memusage(xz_presets[k]));
		CHECK(xz && decodes_within(CODEC_XZ, xz, len, need, text));
		CHECK(xz && codec_decoder_need(CODEC_XZ, xz, 12) == 0);   /* the stream header only */
		free(xz);
	}

	size_t alen;
	unsigned char *alone = lzma_alone_encode(text, TEXT_BYTES, 1, &alen);
	CHECK(alone != NULL);
	uint64_t aneed = alone ? codec_decoder_need(CODEC_LZMA, alone, alen) : 0;
	CHECK(aneed >= 1 * MIB && aneed < 2 * MIB);     /* preset 1: a 1 MiB dictionary */
	CHECK(alone && decodes_within(CODEC_LZMA, alone, alen, aneed, text));
	CHECK(alone && codec_decoder_need(CODEC_LZMA, alone, 12) == 0);
	if (alone) {
		alone[0] = 0xff;   /* lc/lp/pb out of range */
		CHECK(codec_decoder_need(CODEC_LZMA, alone, alen) == 0);
	}
	free(alone);

	size_t zlen;
	unsigned char *lz = lzip_encode(text, TEXT_BYTES, 1, 20, &zlen);
	CHECK(lz != NULL);
	uint64_t zneed = lz ? codec_decoder_need(CODEC_LZIP, lz, zlen) : 0;
	CHECK(zneed >= 1 * MIB && zneed < 2 * MIB);     /* a 1 MiB dictionary */
	CHECK(lz && decodes_within(CODEC_LZIP, lz, zlen, zneed, text));
	CHECK(lz && codec_decoder_need(CODEC_LZIP, lz, 5) == 0);    /* no dictionary byte */
	if (lz) {
		lz[5] = 29;                                             /* 512 MiB, lzip's most */
		uint64_t big = codec_decoder_need(CODEC_LZIP, lz, zlen);
		CHECK(big >= 512 * MIB && big < 513 * MIB);
		lz[5] = 29 | (1 << 5);                                  /* less 1/16: 480 MiB */
		big = codec_decoder_need(CODEC_LZIP, lz, zlen);
		CHECK(big >= 480 * MIB && big < 481 * MIB);
		lz[5] = 30;                                             /* 1 GiB: not lzip */
		CHECK(codec_decoder_need(CODEC_LZIP, lz, zlen) == 0);
		lz[5] = 11;                                             /* 2 KiB: not lzip */
		CHECK(codec_decoder_need(CODEC_LZIP, lz, zlen) == 0);
		lz[5] = 20;
		lz[4] = 0;                                              /* version 0 */
		CHECK(codec_decoder_need(CODEC_LZIP, lz, zlen) == 0);
	}
	free(lz);

	static const int windows[] = { 20, 23 };
	for (size_t k = 0; k < 2; k++) {
		size_t len;
		unsigned char *z = zstd_encode(text, TEXT_BYTES, windows[k], &len);
		CHECK(z != NULL);
		uint64_t need = z ? codec_decoder_need(CODEC_ZSTD, z, len) : 0;
		CHECK(need == ZSTD_estimateDStreamSize((size_t)1 << windows[k]));
		CHECK(z && decodes_within(CODEC_ZSTD, z, len, need, text));
		CHECK(z && codec_decoder_need(CODEC_ZSTD, z, 4) == 0);
		CHECK(z && codec_decoder_need(CODEC_XZ, z, len) == 0);
		CHECK(z && codec_decoder_need(CODEC_OTHER, z, len) == 0);
		free(z);
	}
	/* A header only: a 2 GiB window (descriptor (31 - 10) << 3), and a
	 * skippable frame. */
	static const unsigned char huge[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8 };
	CHECK(codec_decoder_need(CODEC_ZSTD, huge, sizeof(huge)) == ZSTD_estimateDStreamSize((size_t)1 << 31));
	CHECK(codec_decoder_need(CODEC_ZSTD, huge, sizeof(huge)) > 2048 * MIB);
	static const unsigned char skippable[] = { 0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0 };
	CHECK(codec_decoder_need(CODEC_ZSTD, skippable, sizeof(skippable)) == 0);

	CHECK(codec_encoder_need(CODEC_XZ, 6) == lzma_easy_encoder_memusage(6));
	CHECK(codec_encoder_need(CODEC_LZMA, 6) == lzma_easy_encoder_memusage(6));
	CHECK(codec_encoder_need(CODEC_LZIP, 6) == lzma_easy_encoder_memusage(6));
	CHECK(codec_encoder_need(CODEC_XZ, 0) < codec_encoder_need(CODEC_XZ, 3));
	CHECK(codec_encoder_need(CODEC_XZ, 3) < codec_encoder_need(CODEC_XZ, 9));
	CHECK(codec_encoder_need(CODEC_XZ, 9) > 600 * MIB);
	CHECK(codec_encoder_need(CODEC_ZSTD, 6) == ZSTD_estimateCStreamSize(3));
	CHECK(codec_encoder_need(CODEC_OTHER, 9) == 0);
	free(text);
	return unit_finish("test_codec_mem");
}
