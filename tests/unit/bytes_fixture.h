/*
 * tests/unit/bytes_fixture.h - a buffer that the tests of the archive
 * header readers (test_sevenz_mem.c, test_zip_mem.c) build files in, byte
 * by byte.  Header-only: each test is one translation unit.  Writes past
 * its 4 KiB are dropped (the tests' files are far smaller).
 */
#ifndef PIIAUDIT_BYTES_FIXTURE_H
#define PIIAUDIT_BYTES_FIXTURE_H

#include <stdint.h>
#include <string.h>

struct bytes {
	unsigned char b[4096];
	size_t n;
};

static void put(struct bytes *o, const void *p, size_t n)
{
	if (o->n + n <= sizeof(o->b)) {
		memcpy(o->b + o->n, p, n);
		o->n += n;
	}
}

static void put_byte(struct bytes *o, unsigned v)
{
	unsigned char c = (unsigned char)v;
	put(o, &c, 1);
}

/* v in `bytes` bytes, least significant first (zeros past the eighth). */
static void put_le(struct bytes *o, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		put_byte(o, i < 8 ? (unsigned)(v >> (8 * i)) & 0xff : 0);
}

#endif
