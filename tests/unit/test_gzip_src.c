/*
 * The gzip byte source (scanners/gzip_src.c) over an inner source that
 * hands its bytes out in chunks of a chosen size and may fail at a chosen
 * byte, as a disk or a pipe can.  Members are made here with zlib, their
 * headers by hand (extra field, name, header CRC).  Checks: the output
 * does not depend on the chunk size, down to one byte; a damaged header
 * CRC fails however the header arrives (fuzz_gzip's bug 8); an inner
 * failure inside a member's header, inside its body, or inside the next
 * member's header gives the bytes decoded before it, then -1 with the
 * inner source's reason, and -1 again after.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "scanners/byte_src.h"
#include "tests/unit/unit.h"

struct chunk_src {
	struct byte_src base;
	const unsigned char *data;
	size_t len, pos;
	size_t chunk;           /* at most this many bytes a read */
	size_t fail_at;         /* a read that would pass this byte fails; SIZE_MAX: never */
};

static ssize_t chunk_read(struct byte_src *src, void *buf, size_t n)
{
	struct chunk_src *c = (struct chunk_src *)src;
	size_t take = c->len - c->pos;
	if (take > c->chunk)
		take = c->chunk;
	if (take > n)
		take = n;
	if (c->pos + take > c->fail_at || (take == 0 && c->fail_at <= c->len)) {
		if (c->pos < c->fail_at) {
			take = c->fail_at - c->pos;     /* up to the failing byte, then fail */
		} else {
			snprintf(src->error, sizeof(src->error), "injected read error at byte %zu", c->fail_at);
			return -1;
		}
	}
	memcpy(buf, c->data + c->pos, take);
	c->pos += take;
	return (ssize_t)take;
}

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

/* Grown geometrically: the output read a byte at a time made a realloc
 * (under ASan, a copy) per byte, minutes of check-asan. */
static void append(struct bytes *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* One gzip member of text: a header with an extra field, a name and a
 * header CRC (wrong when bad_hcrc), raw deflate, CRC-32 and length. */
static void member(struct bytes *out, const char *text, size_t extra_len, bool bad_hcrc)
{
	struct bytes h = {0};
	unsigned char fixed[10] = {0x1f, 0x8b, 8, 4 | 8 | 2, 0, 0, 0, 0, 0, 3};
	append(&h, fixed, sizeof(fixed));
	unsigned char xlen[2] = {(unsigned char)extra_len, (unsigned char)(extra_len >> 8)};
	append(&h, xlen, 2);
	for (size_t i = 0; i < extra_len; i++)
		append(&h, "x", 1);
	append(&h, "name.txt", 9);
	uLong hcrc = crc32(0L, h.p, (uInt)h.len) & 0xffff;
	if (bad_hcrc)
		hcrc ^= 1;
	unsigned char hc[2] = {(unsigned char)hcrc, (unsigned char)(hcrc >> 8)};
	append(&h, hc, 2);
	append(out, h.p, h.len);
	free(h.p);

	size_t n = strlen(text);
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	size_t cap = deflateBound(&z, (uLong)n);
	unsigned char *body = malloc(cap);
	z.next_in = (Bytef *)text;
	z.avail_in = (uInt)n;
	z.next_out = body;
	z.avail_out = (uInt)cap;
	if (!body || deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	append(out, body, cap - z.avail_out);
	deflateEnd(&z);
	free(body);
	uLong crc = crc32(0L, (const Bytef *)text, (uInt)n);
	unsigned char trailer[8];
	for (int i = 0; i < 4; i++) {
		trailer[i] = (unsigned char)(crc >> (8 * i));
		trailer[4 + i] = (unsigned char)(n >> (8 * i));
	}
	append(out, trailer, sizeof(trailer));
}

struct outcome {
	struct bytes out;
	bool failed;            /* a read returned -1 */
	bool stays_failed;      /* and the next one too */
	char error[512];
};

/* Reads the whole source in reads of read_size bytes. */
static struct outcome decode(const struct bytes *gz, size_t chunk, size_t fail_at, size_t read_size)
{
	struct chunk_src in = {.base.read = chunk_read, .data = gz->p, .len = gz->len, .chunk = chunk,
	                       .fail_at = fail_at};
	struct outcome o = {0};
	struct gzip_src *g = gzip_src_new(&in.base);
	if (!g)
		abort();
	struct byte_src *src = gzip_src_base(g);
	unsigned char *buf = malloc(read_size);
	for (;;) {
		ssize_t got = byte_src_read(src, buf, read_size);
		if (got < 0) {
			o.failed = true;
			snprintf(o.error, sizeof(o.error), "%s", src->error);
			o.stays_failed = byte_src_read(src, buf, read_size) < 0;
			break;
		}
		if (got == 0)
			break;
		append(&o.out, buf, (size_t)got);
	}
	free(buf);
	gzip_src_free(g);
	return o;
}

static bool same_text(const struct outcome *o, const char *text, size_t n)
{
	return o->out.len == n && (n == 0 || !memcmp(o->out.p, text, n));
}

int main(void)
{
	/* Text that compresses into several blocks' worth of output. */
	size_t text_len = 300000;
	char *text = malloc(text_len + 1);
	unsigned seed = 7;
	for (size_t i = 0; i < text_len; i++) {
		seed = seed * 1103515245u + 12345u;
		text[i] = (char)("abcdefghij klmnop\n"[(seed >> 16) % 18]);
	}
	text[text_len] = '\0';
	static const size_t extras[] = {0, 3, 2000, 70000};
	static const size_t chunks[] = {1, 2, 7, 10, 11, 4096, 1 << 20};

	/* Good members, however they arrive: the text, nothing else. */
	for (size_t e = 0; e < sizeof(extras) / sizeof(extras[0]); e++) {
		struct bytes gz = {0};
		member(&gz, text, extras[e], false);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			if (chunks[c] == 1 && extras[e] == 70000)
				continue;       /* 3 MB of one-byte reads: slow, and 2 stands in */
			struct outcome o = decode(&gz, chunks[c], SIZE_MAX, 65536);
			CHECK(!o.failed && same_text(&o, text, text_len));
			if (o.failed || !same_text(&o, text, text_len))
				printf("  extra %zu, chunks of %zu: %s, %zu bytes\n", extras[e], chunks[c],
				       o.failed ? o.error : "ok", o.out.len);
			free(o.out.p);
		}
		free(gz.p);
	}

	/* A wrong header CRC fails, whole or a byte at a time. */
	for (size_t e = 0; e < sizeof(extras) / sizeof(extras[0]) - 1; e++) {
		struct bytes gz = {0};
		member(&gz, text, extras[e], true);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			struct outcome o = decode(&gz, chunks[c], SIZE_MAX, 65536);
			CHECK(o.failed && o.out.len == 0 && o.stays_failed);
			if (!o.failed)
				printf("  bad header CRC passed: extra %zu, chunks of %zu\n", extras[e], chunks[c]);
			free(o.out.p);
		}
		free(gz.p);
	}

	/* The inner source fails: inside the header, inside the body, in the
	 * next member's header.  Two members, the text twice. */
	struct bytes gz = {0};
	member(&gz, text, 2000, false);
	size_t first = gz.len;
	member(&gz, text, 2000, false);
	size_t fail_points[] = {5, 11, 1500, 2015, first / 2, first + 4, first + 1000};
	for (size_t f = 0; f < sizeof(fail_points) / sizeof(fail_points[0]); f++)
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			size_t at = fail_points[f];
			struct outcome o = decode(&gz, chunks[c], at, 4096);
			bool in_second = at > first;
			char want[64];
			snprintf(want, sizeof(want), "injected read error at byte %zu", at);
			CHECK(o.failed && o.stays_failed && !strcmp(o.error, want));
			/* Never more than the text; all of the first member when the
			 * failure is in the second; a prefix of the text either way. */
			CHECK(o.out.len <= text_len && (!o.out.len || !memcmp(o.out.p, text, o.out.len)));
			if (in_second)
				CHECK(o.out.len == text_len);
			else if (at < 2023)       /* the first header: 10 + 2 + 2000 + 9 + 2 bytes */
				CHECK(o.out.len == 0);
			if (!o.failed || strcmp(o.error, want))
				printf("  fail at %zu, chunks of %zu: %s, %zu bytes\n", at, chunks[c],
				       o.failed ? o.error : "no failure", o.out.len);
			free(o.out.p);
		}
	struct outcome both = decode(&gz, 4096, SIZE_MAX, 4096);
	CHECK(!both.failed && both.out.len == 2 * text_len && !memcmp(both.out.p, text, text_len) &&
	      !memcmp(both.out.p + text_len, text, text_len));
	free(both.out.p);
	free(gz.p);
	free(text);
	return unit_finish("gzip_src");
}
