/*
 * scanners/magic.c - formats known by their magic bytes (see magic.h).
 * Owns nothing.
 *
 * Three magics are weak and checked further: "BZh" must be followed by a
 * block size digit, a .lzma header (properties 0x5d, a dictionary size,
 * then the uncompressed size) must give a size that is unknown (all ff,
 * as xz-utils writes to a pipe or with -c) or below 2^56, and compress's
 * 1f 9d must be followed by a flags byte it could write.
 */
#include "scanners/magic.h"

#include <stdbool.h>
#include <string.h>

struct magic {
	const char *name;
	size_t at;
	const char *bytes;
	size_t len;
};

static const struct magic magics[] = {
	{ "gzip", 0, "\x1f\x8b", 2 },
	{ "zstd", 0, "\x28\xb5\x2f\xfd", 4 },
	{ "xz", 0, "\xfd\x37\x7a\x58\x5a\x00", 6 },
	{ "bzip2", 0, "BZh", 3 },
	{ "lz4", 0, "\x04\x22\x4d\x18", 4 },
	{ "lzma", 0, "\x5d\x00\x00", 3 },
	{ "lzip", 0, "LZIP\x01", 5 },
	{ "compress", 0, "\x1f\x9d", 2 },
	{ "zip", 0, "PK\x03\x04", 4 },
	{ "zip", 0, "PK\x05\x06", 4 },
	{ "zip", 0, "PK\x07\x08", 4 },
	{ "7z", 0, "7z\xbc\xaf\x27\x1c", 6 },
	{ "tar", 257, "ustar", 5 },
	{ "cpio", 0, "070701", 6 },
	{ "cpio", 0, "070702", 6 },
	{ "cpio", 0, "070707", 6 },
	{ "ar", 0, "!<arch>\n", 8 },
};

#define LZMA_HEADER_BYTES 13u

static bool lzma_size_plausible(const unsigned char *p, size_t n)
{
	if (n < LZMA_HEADER_BYTES)
		return false;
	bool unknown = true;
	for (size_t k = 5; unknown && k < LZMA_HEADER_BYTES; k++)
		unknown = p[k] == 0xff;
	return unknown || p[12] == 0;
}

/* compress(1)'s third byte: the largest code width, 9 to 16 bits, in the
 * low five bits, and nothing in bits 5 and 6 (bit 7 is block mode). */
static bool compress_flags_plausible(const unsigned char *p, size_t n)
{
	return n >= 3 && (p[2] & 0x60) == 0 && (p[2] & 0x1f) >= 9 && (p[2] & 0x1f) <= 16;
}

const char *magic_sniff(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		const struct magic *m = &magics[i];
		if (n < m->at + m->len || memcmp(p + m->at, m->bytes, m->len))
			continue;
		if (!strcmp(m->name, "bzip2") && (n < 4 || p[3] < '1' || p[3] > '9'))
			continue;
		if (!strcmp(m->name, "lzma") && !lzma_size_plausible(p, n))
			continue;
		if (!strcmp(m->name, "compress") && !compress_flags_plausible(p, n))
			continue;
		return m->name;
	}
	return NULL;
}
