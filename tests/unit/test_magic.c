/*
 * scanners/magic.c.  Each format from its first bytes; the weak ones
 * checked further: "BZh" needs a block size digit; a .lzma header needs
 * an uncompressed size that is unknown (all ff: what xz writes to a pipe,
 * which redact once copied unredacted as binary) or below 2^56;
 * compress's 1f 9d needs a flags byte with 9 to 16 bits and bits 5 and 6
 * clear; lzip needs version 1; short buffers are nothing.
 */
#include <string.h>

#include "scanners/magic.h"
#include "tests/unit/unit.h"

static int is(const char *got, const char *want)
{
	return want ? got && !strcmp(got, want) : got == NULL;
}

int main(void)
{
	CHECK(is(magic_sniff((const unsigned char *)"\x1f\x8b\x08", 3), "gzip"));
	CHECK(is(magic_sniff((const unsigned char *)"\x28\xb5\x2f\xfd", 4), "zstd"));
	CHECK(is(magic_sniff((const unsigned char *)"\xfd" "7zXZ\0\0", 7), "xz"));
	CHECK(is(magic_sniff((const unsigned char *)"\xfd" "7zXZ", 5), NULL));
	CHECK(is(magic_sniff((const unsigned char *)"BZh9", 4), "bzip2"));
	CHECK(is(magic_sniff((const unsigned char *)"BZhx", 4), NULL));
	CHECK(is(magic_sniff((const unsigned char *)"BZh", 3), NULL));
	CHECK(is(magic_sniff((const unsigned char *)"PK\x03\x04", 4), "zip"));
	CHECK(is(magic_sniff((const unsigned char *)"7z\xbc\xaf\x27\x1c", 6), "7z"));
	CHECK(is(magic_sniff((const unsigned char *)"!<arch>\n", 8), "ar"));
	CHECK(is(magic_sniff((const unsigned char *)"plain text", 10), NULL));

	/* properties, a 64 MiB dictionary, then the size */
	unsigned char lzma[13] = { 0x5d, 0x00, 0x00, 0x00, 0x04 };
	memset(lzma + 5, 0xff, 8);
	CHECK(is(magic_sniff(lzma, 13), "lzma"));                 /* unknown size */
	CHECK(is(magic_sniff(lzma, 12), NULL));                   /* too short to tell */
	memset(lzma + 5, 0, 8);
	lzma[5] = 0x40;
	CHECK(is(magic_sniff(lzma, 13), "lzma"));                 /* 64 bytes */
	lzma[12] = 0x01;
	CHECK(is(magic_sniff(lzma, 13), NULL));                   /* 2^56 or more */
	memset(lzma + 5, 0xff, 8);
	lzma[11] = 0xfe;
	CHECK(is(magic_sniff(lzma, 13), NULL));                   /* neither */

	CHECK(is(magic_sniff((const unsigned char *)"LZIP\x01\x14", 6), "lzip"));
	CHECK(is(magic_sniff((const unsigned char *)"LZIP\x02\x14", 6), NULL));    /* version 2 */
	CHECK(is(magic_sniff((const unsigned char *)"\x1f\x9d\x90", 3), "compress")); /* block mode, 16 bits */
	CHECK(is(magic_sniff((const unsigned char *)"\x1f\x9d\x0c", 3), "compress")); /* 12 bits */
	CHECK(is(magic_sniff((const unsigned char *)"\x1f\x9d\x91", 3), NULL));    /* 17 bits */
	CHECK(is(magic_sniff((const unsigned char *)"\x1f\x9d\x88", 3), NULL));    /* 8 bits */
	CHECK(is(magic_sniff((const unsigned char *)"\x1f\x9d\xb0", 3), NULL));    /* bit 5 set */
	CHECK(is(magic_sniff((const unsigned char *)"\x1f\x9d", 2), NULL));         /* no flags byte */

	unsigned char tar[512] = { 0 };
	memcpy(tar + 257, "ustar", 5);
	CHECK(is(magic_sniff(tar, sizeof(tar)), "tar"));
	CHECK(is(magic_sniff(tar, 261), NULL));
	return unit_finish("test_magic");
}
