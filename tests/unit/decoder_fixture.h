/*
 * tests/unit/decoder_fixture.h - what the tests of the decoding byte
 * sources (test_xz_src.c, test_zstd_src.c) share: a source serving bytes
 * in pseudo-random pieces, a reader that decodes all it can in
 * pseudo-random read sizes, a text of TEXT_BYTES made of words with
 * values in them, and a .lzma encoder (test_codec_mem.c uses them too).
 * Header-only: each test is one translation unit.
 */
#ifndef PIIAUDIT_DECODER_FIXTURE_H
#define PIIAUDIT_DECODER_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include <lzma.h>

#include "scanners/byte_src.h"

#define TEXT_BYTES (300u << 10)

/* Bytes served in pseudo-random pieces. */
struct mem_src {
	struct byte_src base;
	const unsigned char *data;
	size_t len, pos;
	unsigned seed;
};

static inline unsigned next_rand(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

static inline ssize_t mem_read(struct byte_src *src, void *buf, size_t n)
{
	struct mem_src *m = (struct mem_src *)src;
	size_t take = 1 + next_rand(&m->seed) % 5000;
	if (take > n)
		take = n;
	if (take > m->len - m->pos)
		take = m->len - m->pos;
	memcpy(buf, m->data + m->pos, take);
	m->pos += take;
	return (ssize_t)take;
}

static inline void mem_src_init(struct mem_src *m, const unsigned char *data, size_t len, unsigned seed)
{
	memset(m, 0, sizeof(*m));
	m->base.read = mem_read;
	m->data = data;
	m->len = len;
	m->seed = seed;
}

/* Decodes all it can: the bytes (in *out, *out_len) and the last read's
 * return (0 at the end, -1 on error). */
static inline ssize_t decode_all(struct byte_src *src, unsigned char **out, size_t *out_len, unsigned seed)
{
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap);
	ssize_t got = -1;
	while (buf) {
		if (cap - len < 70000) {
			unsigned char *grown = realloc(buf, cap * 2);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		size_t ask = 1 + next_rand(&seed) % 65536;
		got = byte_src_read(src, buf + len, ask);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	*out = buf;
	*out_len = len;
	return got;
}

static inline unsigned char *make_text(void)
{
	unsigned char *t = malloc(TEXT_BYTES);
	unsigned seed = 7;
	static const char *const words[] = { "alice ", "bob@example.org ", "4111 1111 1111 1111 ",
	                                     "the ", "record ", "\n", "quick ", "2026-12-01 " };
	size_t n = 0;
	while (t && n < TEXT_BYTES) {
		const char *w = words[next_rand(&seed) % 8];
		size_t k = strlen(w);
		if (k > TEXT_BYTES - n)
			k = TEXT_BYTES - n;
		memcpy(t + n, w, k);
		n += k;
	}
	return t;
}

/* in[0, len) as a .lzma file at preset (its size not told: all ff), in
 * a buffer the caller frees; NULL on failure. */
static inline unsigned char *lzma_alone_encode(const unsigned char *in, size_t len, uint32_t preset,
                                               size_t *out_len)
{
	lzma_options_lzma opt;
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = len + 4096;
	unsigned char *out = malloc(cap);
	if (!out || lzma_lzma_preset(&opt, preset) || lzma_alone_encoder(&s, &opt) != LZMA_OK) {
		free(out);
		return NULL;
	}
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = cap;
	lzma_ret ret;
	while ((ret = lzma_code(&s, LZMA_FINISH)) == LZMA_OK)
		;
	*out_len = cap - s.avail_out;
	lzma_end(&s);
	if (ret != LZMA_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

/* An lzip member of in at a preset whose dictionary is 2^dict_log bytes
 * (preset 1: 20): a .lzma stream (its end marker written, as lzip's is)
 * with lzip's header and trailer in place of the .lzma header. */
static inline unsigned char *lzip_encode(const unsigned char *in, size_t len, uint32_t preset,
                                         unsigned dict_log, size_t *out_len)
{
	size_t alen;
	unsigned char *alone = lzma_alone_encode(in, len, preset, &alen);
	unsigned char *out = alone ? malloc(alen - 13 + 6 + 20) : NULL;
	if (!out) {
		free(alone);
		return NULL;
	}
	memcpy(out, "LZIP\x01", 5);
	out[5] = (unsigned char)dict_log;
	memcpy(out + 6, alone + 13, alen - 13);
	size_t at = 6 + alen - 13;
	uint64_t fields[3] = { lzma_crc32(in, len, 0), len, at + 20 };
	unsigned widths[3] = { 4, 8, 8 };
	for (int f = 0; f < 3; f++)
		for (unsigned b = 0; b < widths[f]; b++)
			out[at++] = (unsigned char)(fields[f] >> (8 * b));
	free(alone);
	*out_len = at;
	return out;
}

#endif
