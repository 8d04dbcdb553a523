/*
 * The UTF-16 byte source (scanners/utf16_src.c) over an inner source that
 * hands its bytes out in chunks of a chosen size and may fail at a chosen
 * byte.  Checks: random valid text (astral code points included) decodes
 * to what glibc's iconv makes of it, in both byte orders, whatever the
 * chunk size (down to one byte, which splits code units and surrogate
 * pairs); the byte order mark is dropped once, a second one is text; a
 * lone surrogate, a low one first, a pair split by the end and an odd
 * last byte each become U+FFFD; an inner failure gives the bytes decoded
 * before it, then -1 with the inner reason, and -1 again after.
 */
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanners/byte_src.h"
#include "tests/unit/unit.h"

struct chunk_src {
	struct byte_src base;
	const unsigned char *data;
	size_t len, pos;
	size_t chunk;           /* at most this many bytes a read */
	size_t fail_at;         /* bytes before the failure; SIZE_MAX: never */
};

static ssize_t chunk_read(struct byte_src *src, void *buf, size_t n)
{
	struct chunk_src *c = (struct chunk_src *)src;
	if (c->pos >= c->fail_at) {
		snprintf(src->error, sizeof(src->error), "injected read error at byte %zu", c->fail_at);
		return -1;
	}
	size_t take = c->len - c->pos;
	if (take > c->chunk)
		take = c->chunk;
	if (take > n)
		take = n;
	if (c->fail_at != SIZE_MAX && c->pos + take > c->fail_at)
		take = c->fail_at - c->pos;
	memcpy(buf, c->data + c->pos, take);
	c->pos += take;
	return (ssize_t)take;
}

/* Everything the decoder gives over data in chunks: its bytes, and
 * whether it ended on an error (*failed, with the reason checked). */
static unsigned char *decode_all(const unsigned char *data, size_t len, bool big_endian,
                                 size_t chunk, size_t fail_at, size_t *out_len, bool *failed)
{
	struct chunk_src c = { .base.read = chunk_read, .data = data, .len = len, .chunk = chunk,
	                       .fail_at = fail_at };
	struct utf16_src *u = utf16_src_new(&c.base, big_endian);
	size_t cap = len * 2 + 64, have = 0;
	unsigned char *out = malloc(cap);
	if (!u || !out)
		abort();
	*failed = false;
	for (;;) {
		size_t want = chunk < cap - have ? chunk : cap - have;
		ssize_t got = byte_src_read(utf16_src_base(u), out + have, want ? want : 1);
		if (got < 0) {
			*failed = true;
			CHECK(strstr(utf16_src_base(u)->error, "injected read error") != NULL);
			CHECK(byte_src_read(utf16_src_base(u), out, 1) == -1);
			break;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		if (have == cap)
			abort();
	}
	utf16_src_free(u);
	*out_len = have;
	return out;
}

static size_t put16(unsigned char *p, unsigned v, bool be)
{
	p[0] = (unsigned char)(be ? v >> 8 : v & 0xff);
	p[1] = (unsigned char)(be ? v & 0xff : v >> 8);
	return 2;
}

/* Random valid UTF-16 with a byte order mark. */
static size_t random_utf16(unsigned char *p, size_t units, bool be, unsigned *seed)
{
	size_t n = put16(p, 0xfeff, be);
	for (size_t i = 0; i < units; i++) {
		*seed = *seed * 1103515245u + 12345u;
		unsigned r = *seed >> 8, kind = r % 8;
		unsigned cp = kind < 4 ? 0x20 + r % 0x5f : kind < 6 ? 0xa0 + r % 0x7000 : 0x10000 + r % 0xfffff;
		if (cp >= 0xd800 && cp < 0xe000)
			cp = 'x';
		if (cp >= 0x10000) {
			n += put16(p + n, 0xd800 + ((cp - 0x10000) >> 10), be);
			n += put16(p + n, 0xdc00 + ((cp - 0x10000) & 0x3ff), be);
		} else {
			n += put16(p + n, cp, be);
		}
	}
	return n;
}

static unsigned char *by_iconv(const unsigned char *in, size_t len, bool be, size_t *out_len)
{
	/* Without the byte order mark, in the order named. */
	iconv_t cd = iconv_open("UTF-8", be ? "UTF-16BE" : "UTF-16LE");
	if (cd == (iconv_t)-1)
		abort();
	size_t cap = len * 2 + 16, left = cap, in_left = len - 2;
	unsigned char *out = malloc(cap);
	char *ip = (char *)in + 2, *op = (char *)out;
	if (!out || iconv(cd, &ip, &in_left, &op, &left) == (size_t)-1)
		abort();
	iconv_close(cd);
	*out_len = cap - left;
	return out;
}

/* want: a string literal, NUL bytes and all. */
#define decodes_to(in, len, be, want) decodes_to_n(in, len, be, want, sizeof(want) - 1)

static bool decodes_to_n(const unsigned char *in, size_t len, bool be, const char *want,
                         size_t want_len)
{
	bool ok = true, failed;
	for (size_t chunk = 1; chunk <= 7; chunk++) {
		size_t n;
		unsigned char *got = decode_all(in, len, be, chunk, SIZE_MAX, &n, &failed);
		ok = ok && !failed && n == want_len && !memcmp(got, want, n);
		free(got);
	}
	return ok;
}

int main(void)
{
	static unsigned char in[1 << 20];
	unsigned seed = 7;
	for (int be = 0; be < 2; be++) {
		size_t len = random_utf16(in, 100000, be, &seed), want_len, n;
		unsigned char *want = by_iconv(in, len, be, &want_len);
		static const size_t chunks[] = { 1, 2, 3, 4095, 65536, 1 << 20 };
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			bool failed;
			unsigned char *got = decode_all(in, len, be, chunks[k], SIZE_MAX, &n, &failed);
			CHECK(!failed);
			CHECK(n == want_len && !memcmp(got, want, n));
			free(got);
		}
		/* A failure part way: a prefix of the text, then the error. */
		static const size_t fails[] = { 0, 1, 2, 3, 77777, 131072 };
		for (size_t k = 0; k < sizeof(fails) / sizeof(fails[0]); k++) {
			bool failed;
			unsigned char *got = decode_all(in, len, be, 4096, fails[k], &n, &failed);
			CHECK(failed);
			/* A code unit or pair the failure cut is U+FFFD. */
			if (n >= 3 && !memcmp(got + n - 3, "\xef\xbf\xbd", 3) && memcmp(got, want, n))
				n -= 3;
			CHECK(n <= want_len && !memcmp(got, want, n));
			/* All that came before the failing byte, but for a unit or
			 * pair it cut (at most 4 bytes of UTF-8, plus U+FFFD's 3). */
			CHECK(n + 8 >= (fails[k] < 2 ? 0 : fails[k] - 2) / 2);
			free(got);
		}
		free(want);
	}

	unsigned char b[64];
	size_t n;
	/* "a" then a second byte order mark, which is text (U+FEFF). */
	n = put16(b, 0xfeff, false);
	n += put16(b + n, 'a', false);
	n += put16(b + n, 0xfeff, false);
	CHECK(decodes_to(b, n, false, "a\xef\xbb\xbf"));
	/* No byte order mark: the first unit is text. */
	n = put16(b, 'h', true);
	n += put16(b + n, 'i', true);
	CHECK(decodes_to(b, n, true, "hi"));
	/* A lone high surrogate before text, a low one alone, a high one at the end. */
	n = put16(b, 0xfeff, false);
	n += put16(b + n, 0xd83d, false);
	n += put16(b + n, 'x', false);
	n += put16(b + n, 0xde00, false);
	n += put16(b + n, 'y', false);
	n += put16(b + n, 0xd83d, false);
	CHECK(decodes_to(b, n, false, "\xef\xbf\xbdx\xef\xbf\xbdy\xef\xbf\xbd"));
	/* Two high surrogates then a low one: U+FFFD, then the pair. */
	n = put16(b, 0xd83d, true);
	n += put16(b + n, 0xd83d, true);
	n += put16(b + n, 0xde00, true);
	CHECK(decodes_to(b, n, true, "\xef\xbf\xbd\xf0\x9f\x98\x80"));
	/* An odd last byte. */
	n = put16(b, 0xfeff, false);
	n += put16(b + n, 'z', false);
	b[n++] = 'q';
	CHECK(decodes_to(b, n, false, "z\xef\xbf\xbd"));
	/* A NUL code unit stays a NUL byte (the reader then calls it binary). */
	n = put16(b, 0xfeff, false);
	n += put16(b + n, 0, false);
	CHECK(decodes_to(b, n, false, "\0"));
	/* Empty, and the byte order mark alone. */
	CHECK(decodes_to(b, 0, false, ""));
	n = put16(b, 0xfeff, true);
	CHECK(decodes_to(b, n, true, ""));
	/* The byte order mark test. */
	bool order;
	CHECK(utf16_bom((const unsigned char *)"\xff\xfe", 2, &order) && !order);
	CHECK(utf16_bom((const unsigned char *)"\xfe\xff", 2, &order) && order);
	CHECK(!utf16_bom((const unsigned char *)"\xff", 1, &order));
	CHECK(!utf16_bom((const unsigned char *)"\xef\xbb\xbf", 3, &order));
	return unit_finish("test_utf16_src");
}
