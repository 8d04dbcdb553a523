/*
 * scanners/utf16_src.c - UTF-16 text decoded to UTF-8 as it is read.
 *
 * Owns its input and output buffers; borrows the source it wraps.  The
 * byte order comes from the caller (who saw the byte order mark); a byte
 * order mark at the start is dropped, surrogate pairs become one 4-byte
 * sequence, and a lone surrogate or a last odd byte becomes U+FFFD, so
 * any input decodes.  Every byte decoded before an error of the inner
 * source is delivered first; then the error, as the inner source gave it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanners/byte_src.h"

#define UTF16_IN_BYTES (64u << 10)
/* Each 2-byte code unit becomes at most 3 bytes; a pair (4) at most 4. */
#define UTF16_OUT_BYTES (UTF16_IN_BYTES / 2 * 3 + 16)

struct utf16_src {
	struct byte_src base;
	struct byte_src *inner;
	bool big_endian;
	bool started;                /* past the byte order mark */
	bool at_end;                 /* the inner source ended */
	bool failed;                 /* ...with an error, to give once out is empty */
	uint32_t high;               /* a high surrogate waiting for its pair, or 0 */
	size_t in_len;               /* bytes in `in` (an odd one waits for its pair) */
	size_t out_len, out_pos;
	unsigned char in[UTF16_IN_BYTES];
	unsigned char out[UTF16_OUT_BYTES];
};

static size_t put_utf8(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

#define REPLACEMENT 0xfffdu

/* Decodes the whole code units of `in` into `out`; an odd last byte stays. */
static void decode(struct utf16_src *u)
{
	size_t i = 0, o = 0;
	for (; i + 1 < u->in_len; i += 2) {
		uint32_t unit = u->big_endian ? (uint32_t)u->in[i] << 8 | u->in[i + 1]
		                              : (uint32_t)u->in[i + 1] << 8 | u->in[i];
		if (!u->started) {
			u->started = true;
			if (unit == 0xfeff)
				continue;
		}
		if (u->high) {
			if (unit >= 0xdc00 && unit <= 0xdfff) {
				o += put_utf8(0x10000 + ((u->high - 0xd800) << 10) + (unit - 0xdc00), u->out + o);
				u->high = 0;
				continue;
			}
			o += put_utf8(REPLACEMENT, u->out + o);
			u->high = 0;
		}
		if (unit >= 0xd800 && unit <= 0xdbff)
			u->high = unit;
		else if (unit >= 0xdc00 && unit <= 0xdfff)
			o += put_utf8(REPLACEMENT, u->out + o);
		else
			o += put_utf8(unit, u->out + o);
	}
	memmove(u->in, u->in + i, u->in_len - i);
	u->in_len -= i;
	if (u->at_end) {
		/* Nothing will complete a waiting surrogate or an odd byte. */
		if (u->high)
			o += put_utf8(REPLACEMENT, u->out + o);
		if (u->in_len)
			o += put_utf8(REPLACEMENT, u->out + o);
		u->high = 0;
		u->in_len = 0;
	}
	u->out_len = o;
	u->out_pos = 0;
}

static ssize_t utf16_read(struct byte_src *src, void *buf, size_t n)
{
	struct utf16_src *u = (struct utf16_src *)src;
	while (u->out_pos == u->out_len) {
		if (u->at_end) {
			if (u->failed) {
				memcpy(u->base.error, u->inner->error, sizeof(u->base.error));
				return -1;
			}
			return 0;
		}
		ssize_t got = byte_src_read(u->inner, u->in + u->in_len, sizeof(u->in) - u->in_len);
		if (got < 0)
			u->failed = true;
		if (got <= 0)
			u->at_end = true;
		else
			u->in_len += (size_t)got;
		decode(u);
	}
	size_t take = u->out_len - u->out_pos < n ? u->out_len - u->out_pos : n;
	memcpy(buf, u->out + u->out_pos, take);
	u->out_pos += take;
	return (ssize_t)take;
}

struct utf16_src *utf16_src_new(struct byte_src *inner, bool big_endian)
{
	struct utf16_src *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->base.read = utf16_read;
	u->inner = inner;
	u->big_endian = big_endian;
	return u;
}

struct byte_src *utf16_src_base(struct utf16_src *u)
{
	return &u->base;
}

void utf16_src_free(struct utf16_src *u)
{
	free(u);
}
