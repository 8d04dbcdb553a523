/*
 * scanners/zip_mem.c.  Zip archives built here byte by byte (local
 * header, data, central directory, end record) give what their entries'
 * decoders need: an LZMA entry asking 64 MiB, liblzma's count; a zstd
 * entry's window, libzstd's count (nothing past the 128 MiB libzstd
 * allows); a stored one, nothing; the larger of two.  A file without an end record, and a
 * descriptor that cannot be read (a folder's), are refused with a reason.
 * (The CLI test t0817 reads archives made by Python's zipfile, zip64 and
 * xz entries among them.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "scanners/zip_mem.h"
#include "tests/unit/bytes_fixture.h"
#include "tests/unit/unit.h"

#define MIB (1ULL << 20)

struct entry {
	unsigned method;
	unsigned char data[64];
	size_t data_len;
};

/* An archive of the given entries (named e0, e1, ...). */
static void put_zip(struct bytes *o, const struct entry *entries, unsigned count)
{
	uint64_t local_at[8];
	o->n = 0;
	for (unsigned k = 0; k < count; k++) {
		local_at[k] = o->n;
		put_le(o, 0x04034b50, 4);
		put_le(o, 63, 2);
		put_le(o, 0, 2);
		put_le(o, entries[k].method, 2);
		put_le(o, 0, 8);                       /* time, date, CRC */
		put_le(o, entries[k].data_len, 4);
		put_le(o, 1000, 4);
		put_le(o, 2, 2);
		put_le(o, 0, 2);
		char name[3] = { 'e', (char)('0' + k), 0 };
		put(o, name, 2);
		put(o, entries[k].data, entries[k].data_len);
	}
	uint64_t dir_at = o->n;
	for (unsigned k = 0; k < count; k++) {
		put_le(o, 0x02014b50, 4);
		put_le(o, 63, 2);
		put_le(o, 63, 2);
		put_le(o, 0, 2);
		put_le(o, entries[k].method, 2);
		put_le(o, 0, 8);
		put_le(o, entries[k].data_len, 4);
		put_le(o, 1000, 4);
		put_le(o, 2, 2);
		put_le(o, 0, 2 + 2 + 2 + 2 + 4);       /* extra, comment, disk, attributes */
		put_le(o, local_at[k], 4);
		char name[3] = { 'e', (char)('0' + k), 0 };
		put(o, name, 2);
	}
	uint64_t dir_size = o->n - dir_at;
	put_le(o, 0x06054b50, 4);
	put_le(o, 0, 4);
	put_le(o, count, 2);
	put_le(o, count, 2);
	put_le(o, dir_size, 4);
	put_le(o, dir_at, 4);
	put_le(o, 0, 2);
}

static int need_of(const struct bytes *zip, uint64_t *need, char *why)
{
	char path[] = "/tmp/piiaudit-zip-mem-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -2;
	unlink(path);
	int rc = -2;
	if (write(fd, zip->b, zip->n) == (ssize_t)zip->n) {
		*need = 0;
		why[0] = '\0';
		rc = zip_decoder_need(fd, need, why, 160);
	}
	close(fd);
	return rc;
}

int main(void)
{
	struct bytes zip = { .n = 0 };
	uint64_t need;
	char why[160];

	/* LZMA: two bytes of version, two of the properties' size, then
	 * lc/lp/pb and a 64 MiB dictionary. */
	struct entry lzma = { .method = 14, .data = { 9, 20, 5, 0, 0x5d, 0, 0, 0, 4, 'x' },
	                      .data_len = 10 };
	struct entry stored = { .method = 0, .data = "jane.roe@example.com", .data_len = 20 };
	struct entry small = { .method = 14, .data = { 9, 20, 5, 0, 0x5d, 0, 0, 1, 0, 'x' },
	                       .data_len = 10 };   /* 64 KiB */
	put_zip(&zip, &lzma, 1);
	CHECK(need_of(&zip, &need, why) == 0 && need > 64 * MIB && need < 66 * MIB);
	put_zip(&zip, &stored, 1);
	CHECK(need_of(&zip, &need, why) == 0 && need == 0 && why[0] == '\0');
	struct entry three[3] = { small, lzma, stored };
	put_zip(&zip, three, 3);
	CHECK(need_of(&zip, &need, why) == 0 && need > 64 * MIB && need < 66 * MIB);

	/* zstd: a frame header (magic, no flags, the window's exponent). */
	struct entry zstd = { .method = 93, .data = { 0x28, 0xb5, 0x2f, 0xfd, 0, 16 << 3, 'x' },
	                      .data_len = 7 };   /* 2^26: 64 MiB */
	put_zip(&zip, &zstd, 1);
	CHECK(need_of(&zip, &need, why) == 0 && need == ZSTD_estimateDStreamSize(64 * MIB));
	CHECK(need > 64 * MIB && need < 66 * MIB);
	zstd.data[5] = 18 << 3;                     /* 256 MiB: libzstd refuses it */
	put_zip(&zip, &zstd, 1);
	CHECK(need_of(&zip, &need, why) == 0 && need == 0);

	/* Not a zip: no end record. */
	zip.n = 0;
	put(&zip, "just some text, no archive at all", 33);
	CHECK(need_of(&zip, &need, why) == -1 && strstr(why, "no end of central directory"));

	/* A descriptor pread() fails on. */
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dir >= 0);
	if (dir >= 0) {
		why[0] = '\0';
		CHECK(zip_decoder_need(dir, &need, why, sizeof(why)) == -1 && why[0]);
		close(dir);
	}
	return unit_finish("zip_mem");
}
