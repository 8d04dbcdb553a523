/*
 * scanners/sevenz_mem.c.  7z headers built here byte by byte (plain, and
 * packed with the Copy method and with LZMA by liblzma) give the memory
 * their folders' coders need: an LZMA dictionary of 64 MiB, LZMA2, PPMd's
 * model, the larger of two folders, a folder of two coders summed, a
 * complex coder with bind pairs, numbers of several bytes; archive
 * properties are skipped; an archive with no streams needs nothing.  A
 * header past the end of the file, a damaged count, a packed header whose
 * decoder would need more than allowed, and every truncation of the file
 * are refused, never read past.  Counts a header read whole has no room
 * for (folders, streams, files) make it damaged (SEVENZ_DAMAGED), and
 * what libarchive's tables take for many streams and files is counted.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lzma.h>

#include "scanners/sevenz_mem.h"
#include "tests/unit/bytes_fixture.h"
#include "tests/unit/unit.h"

#define MIB (1ULL << 20)

/* 7z's number: a first byte of 1 bits saying how many follow. */
static void put_number(struct bytes *o, uint64_t v)
{
	if (v < 0x80) {
		put_byte(o, (unsigned)v);
	} else if (v < 0x4000) {
		put_byte(o, 0x80 | (unsigned)(v >> 8));
		put_byte(o, (unsigned)v & 0xff);
	} else {
		put_byte(o, 0xff);
		put_le(o, v, 8);
	}
}

/* A coder: its id (big-endian, id_len bytes) and properties. */
static void put_coder(struct bytes *o, uint64_t id, unsigned id_len, const unsigned char *props,
                      size_t props_len)
{
	put_byte(o, id_len | (props_len ? 0x20 : 0));
	for (unsigned i = id_len; i-- > 0;)
		put_byte(o, (unsigned)(id >> (8 * i)) & 0xff);
	if (props_len) {
		put_number(o, props_len);
		put(o, props, props_len);
	}
}

static const unsigned char lzma_64m[5] = { 0x5d, 0, 0, 0, 0x04 };   /* lc3 lp0 pb2, 64 MiB */
static const unsigned char lzma2_16m[1] = { 0x18 };                 /* 2 << 23: 16 MiB */
static const unsigned char ppmd_200m[5] = { 6, 0, 0, 0x80, 0x0c };  /* order 6, 200 MiB */

/* A main-streams header: a pack info of `folders` streams, then the
 * folders' own bytes (given), their unpack sizes. */
static void put_streams(struct bytes *o, const struct bytes *folder_bytes, unsigned folders,
                        unsigned outs)
{
	put_byte(o, 0x06);          /* kPackInfo */
	put_number(o, 0);
	put_number(o, folders);
	put_byte(o, 0x09);          /* kSize */
	for (unsigned k = 0; k < folders; k++)
		put_number(o, 10);
	put_byte(o, 0x0a);          /* kCRC: all defined */
	put_byte(o, 1);
	for (unsigned k = 0; k < folders; k++)
		put_le(o, 0x12345678, 4);
	put_byte(o, 0x00);
	put_byte(o, 0x07);          /* kUnPackInfo */
	put_byte(o, 0x0b);          /* kFolder */
	put_number(o, folders);
	put_byte(o, 0);             /* not external */
	put(o, folder_bytes->b, folder_bytes->n);
	put_byte(o, 0x0c);          /* kCodersUnPackSize */
	for (unsigned k = 0; k < outs; k++)
		put_number(o, 300 + k * 20000);   /* one of two bytes, then longer */
	put_byte(o, 0x0a);          /* kCRC: some defined */
	put_byte(o, 0);
	put_byte(o, 0x80);
	put_le(o, 1, 4);
	put_byte(o, 0x00);
	put_byte(o, 0x08);          /* kSubStreamsInfo: a stream in each */
	put_byte(o, 0x0d);
	for (unsigned k = 0; k < folders; k++)
		put_number(o, 1);
	put_byte(o, 0x00);
	put_byte(o, 0x00);
}

static void put_header(struct bytes *o, const struct bytes *folder_bytes, unsigned folders,
                       unsigned outs)
{
	put_byte(o, 0x01);          /* kHeader */
	put_byte(o, 0x02);          /* kArchiveProperties: one, skipped */
	put_byte(o, 0x42);
	put_number(o, 3);
	put(o, "abc", 3);
	put_byte(o, 0x00);
	put_byte(o, 0x04);          /* kMainStreamsInfo */
	put_streams(o, folder_bytes, folders, outs);
	put_byte(o, 0x05);          /* kFilesInfo: its count, one a stream */
	put_number(o, folders);
	put_byte(o, 0x00);
}

/* A whole file: signature header, `packed` bytes of data, the header. */
static void put_file(struct bytes *o, const struct bytes *header, size_t packed)
{
	o->n = 0;
	put(o, "7z\xbc\xaf\x27\x1c\x00\x04", 8);
	put_le(o, 0, 4);            /* start header CRC: not checked here */
	put_le(o, packed, 8);
	put_le(o, header->n, 8);
	put_le(o, 0, 4);
	for (size_t k = 0; k < packed; k++)
		put_byte(o, 'p');
	put(o, header->b, header->n);
}

/* A need of `coders` and the little a small header's tables take. */
static bool near(uint64_t need, uint64_t coders)
{
	return need >= coders && need < coders + 64 * 1024;
}

static int need_of(const struct bytes *file, uint64_t *need, char *why)
{
	*need = 0;
	why[0] = '\0';
	return sevenz_decoder_need_mem(file->b, file->n, 80 * MIB, need, why, 160);
}

/* Every truncation of the file is refused (the header is at the end),
 * none read past (ASan says so). */
static void check_truncations(const struct bytes *file)
{
	unsigned refused = 0;
	for (size_t len = 0; len < file->n; len++) {
		unsigned char *copy = malloc(len ? len : 1);
		if (!copy)
			return;
		memcpy(copy, file->b, len);
		uint64_t need;
		char why[160];
		refused += sevenz_decoder_need_mem(copy, len, 80 * MIB, &need, why, sizeof(why)) == -1 &&
		           why[0];
		free(copy);
	}
	CHECK(refused == file->n);
}

/* The header packed as a folder of one coder (Copy, or LZMA by liblzma):
 * the encoded header describing it, at the end of the file. */
static int put_packed_file(struct bytes *o, const struct bytes *plain, int method)
{
	unsigned char packed[4096], props[5];
	size_t packed_len = 0;
	if (method == 0 || method == 3) {
		memcpy(packed, plain->b, plain->n);
		packed_len = plain->n;
	} else {
		lzma_options_lzma opt;
		if (lzma_lzma_preset(&opt, 1))
			return -1;
		/* Method 2 is encoded with a small dictionary and said to have
		 * a big one (decoding would work; it is refused before). */
		opt.dict_size = 1u << 16;
		lzma_filter filters[2] = { { LZMA_FILTER_LZMA1, &opt }, { LZMA_VLI_UNKNOWN, NULL } };
		if (lzma_raw_buffer_encode(filters, NULL, plain->b, plain->n, packed, &packed_len,
		                           sizeof(packed)) != LZMA_OK ||
		    lzma_properties_encode(filters, props) != LZMA_OK)
			return -1;
		if (method == 2) {      /* 200 MiB */
			props[1] = props[2] = 0;
			props[3] = 0x80;
			props[4] = 0x0c;
		}
	}
	struct bytes enc = { .n = 0 };
	put_byte(&enc, 0x17);         /* kEncodedHeader */
	put_byte(&enc, 0x06);
	put_number(&enc, 0);
	put_number(&enc, 1);
	put_byte(&enc, 0x09);
	put_number(&enc, packed_len);
	put_byte(&enc, 0x00);
	put_byte(&enc, 0x07);
	put_byte(&enc, 0x0b);
	put_number(&enc, 1);
	put_byte(&enc, 0);
	put_number(&enc, 1);
	if (method == 0)
		put_coder(&enc, 0x00, 1, NULL, 0);
	else if (method == 3)         /* Deflate, which is not decoded here */
		put_coder(&enc, 0x040108, 3, NULL, 0);
	else
		put_coder(&enc, 0x030101, 3, props, 5);
	put_byte(&enc, 0x0c);
	/* Method 3 claims 32 GiB unpacked (libarchive allocates that much). */
	put_number(&enc, method == 3 ? (uint64_t)1 << 35 : plain->n);
	put_byte(&enc, 0x00);
	put_byte(&enc, 0x00);
	o->n = 0;
	put(o, "7z\xbc\xaf\x27\x1c\x00\x04", 8);
	put_le(o, 0, 4);
	put_le(o, packed_len, 8);
	put_le(o, enc.n, 8);
	put_le(o, 0, 4);
	put(o, packed, packed_len);
	put(o, enc.b, enc.n);
	return 0;
}

/* A header of one LZMA folder (one packed stream, 64 MiB) whose folder
 * count, substreams info and file count are given as bytes. */
static void put_counted(struct bytes *o, uint64_t folder_count, const struct bytes *substreams,
                        uint64_t files)
{
	put(o, "\x01\x04\x06\x00\x01\x09\x0a\x00\x07\x0b", 10);
	put_number(o, folder_count);
	put_byte(o, 0);
	put_number(o, 1);
	put_coder(o, 0x030101, 3, lzma_64m, 5);
	put_byte(o, 0x0c);
	put_number(o, 300);
	put_byte(o, 0x00);
	if (substreams) {
		put_byte(o, 0x08);
		put(o, substreams->b, substreams->n);
	}
	put_byte(o, 0x00);
	put_byte(o, 0x05);
	put_number(o, files);
	put_byte(o, 0x00);
}

/* A header read whole that counts more than it holds: damaged, and said. */
static void check_damaged(const struct bytes *header, const char *what)
{
	struct bytes file = { .n = 0 };
	uint64_t need;
	char why[160];
	put_file(&file, header, 10);
	int rc = need_of(&file, &need, why);
	CHECK(rc == SEVENZ_DAMAGED && strstr(why, "damaged"));
	if (rc != SEVENZ_DAMAGED)
		printf("  %s: %d %s\n", what, rc, why);
}

int main(void)
{
	struct bytes folders = { .n = 0 }, header = { .n = 0 }, file = { .n = 0 };
	uint64_t need;
	char why[160];

	/* One LZMA folder, 64 MiB: liblzma's count, a little over. */
	put_number(&folders, 1);
	put_coder(&folders, 0x030101, 3, lzma_64m, 5);
	put_header(&header, &folders, 1, 1);
	put_file(&file, &header, 10);
	CHECK(need_of(&file, &need, why) == 0);
	CHECK(need > 64 * MIB && need < 66 * MIB);
	if (need_of(&file, &need, why))
		printf("  %s\n", why);
	check_truncations(&file);

	/* Two folders, LZMA2 16 MiB then PPMd 200 MiB: the larger. */
	folders.n = header.n = 0;
	put_number(&folders, 1);
	put_coder(&folders, 0x21, 1, lzma2_16m, 1);
	put_number(&folders, 1);
	put_coder(&folders, 0x030401, 3, ppmd_200m, 5);
	put_header(&header, &folders, 2, 2);
	put_file(&file, &header, 10);
	CHECK(need_of(&file, &need, why) == 0 && near(need, 200 * MIB));

	/* One folder of two coders (a branch filter then LZMA2), and one of
	 * a complex coder (BCJ2: four in, one out) with LZMA beside it, bound
	 * by pairs: each folder's coders summed, the larger kept. */
	folders.n = header.n = 0;
	put_number(&folders, 2);
	put_coder(&folders, 0x03030103, 4, NULL, 0);   /* x86 BCJ */
	put_coder(&folders, 0x21, 1, lzma2_16m, 1);
	put_number(&folders, 0);                        /* bind pair 0 <- 0 */
	put_number(&folders, 0);
	put_number(&folders, 3);
	put_byte(&folders, 0x14);                       /* complex, id of 4 bytes */
	put_le(&folders, 0x1b010303, 4);                /* 0303011B, big-endian */
	put_number(&folders, 4);
	put_number(&folders, 1);
	put_coder(&folders, 0x030101, 3, lzma_64m, 5);
	put_coder(&folders, 0x030101, 3, lzma_64m, 5);
	for (unsigned k = 0; k < 2; k++) {              /* bind pairs */
		put_number(&folders, k + 1);
		put_number(&folders, k + 1);
	}
	for (unsigned k = 0; k < 4; k++)                /* packed streams */
		put_number(&folders, k);
	put_header(&header, &folders, 2, 5);
	put_file(&file, &header, 10);
	CHECK(need_of(&file, &need, why) == 0 && need > 128 * MIB && need < 132 * MIB);
	if (need_of(&file, &need, why))
		printf("  %s\n", why);
	check_truncations(&file);

	/* No streams (empty files only): no coders, a few bytes of tables;
	 * an empty archive needs nothing. */
	header.n = 0;
	put(&header, "\x01\x05\x00\x00", 4);
	put_file(&file, &header, 0);
	CHECK(need_of(&file, &need, why) == 0 && near(need, 0) && need > 0);
	header.n = 0;
	put_file(&file, &header, 0);
	CHECK(need_of(&file, &need, why) == 0 && need == 0);

	/* Damage: the header past the file's end; a folder count beyond
	 * anything; no 7z signature. */
	folders.n = header.n = 0;
	put_number(&folders, 1);
	put_coder(&folders, 0x030101, 3, lzma_64m, 5);
	put_header(&header, &folders, 1, 1);
	put_file(&file, &header, 10);
	file.b[20] += 1;              /* the header one byte longer than there is */
	CHECK(need_of(&file, &need, why) == -1 && strstr(why, "past the end"));
	file.b[20] -= 1;
	unsigned char *count = memmem(file.b, file.n, "\x07\x0b\x01", 3);
	CHECK(count != NULL);
	if (count) {
		count[2] = 0xfe;          /* a count in 7 bytes... */
		CHECK(need_of(&file, &need, why) == SEVENZ_DAMAGED);
		count[2] = 0x01;
	}
	file.b[0] = '8';
	CHECK(need_of(&file, &need, why) == -1 && strstr(why, "not a 7z"));

	/* Packed headers: Copy, LZMA, and LZMA whose dictionary is more than
	 * the caller allows for the header. */
	folders.n = header.n = 0;
	put_number(&folders, 1);
	put_coder(&folders, 0x030401, 3, ppmd_200m, 5);
	put_header(&header, &folders, 1, 1);
	for (int method = 0; method < 3; method++) {
		CHECK(put_packed_file(&file, &header, method) == 0);
		int rc = need_of(&file, &need, why);
		if (method < 2)
			CHECK(rc == 0 && near(need, 200 * MIB));
		else
			CHECK(rc == -1 && strstr(why, "its header needs 200 MiB"));
		if (rc && method < 2)
			printf("  method %d: %s\n", method, why);
		check_truncations(&file);
	}
	/* A packed header claiming 32 GiB, in a coder not decoded here, and a
	 * header said to be 32 GiB long: both damaged (287 bytes from
	 * fuzz_redact made libarchive ask for 32 GiB). */
	CHECK(put_packed_file(&file, &header, 3) == 0);
	CHECK(need_of(&file, &need, why) == SEVENZ_DAMAGED && strstr(why, "more than 256 MiB"));
	CHECK(put_packed_file(&file, &header, 0) == 0);
	CHECK(need_of(&file, &need, why) == 0);
	file.b[24] = 0x08;            /* next header size: 2^35 */
	CHECK(need_of(&file, &need, why) == SEVENZ_DAMAGED && strstr(why, "more than 256 MiB long"));
	/* Counts a header has no room for, which libarchive would allocate a
	 * table entry for each of before reading them: 67 million folders in
	 * a header of 40 bytes (found by fuzz_reader: 7 GB of address space
	 * and 3 s in libarchive); 99 million streams in a folder, or three
	 * without their sizes, or four with two; more files than streams
	 * and empty-stream bits could say.  The well-formed header beside
	 * them is read. */
	struct bytes sub = { .n = 0 };
	header.n = 0;
	put_counted(&header, 1, NULL, 1);
	put_file(&file, &header, 10);
	CHECK(need_of(&file, &need, why) == 0 && need > 64 * MIB && need < 66 * MIB);
	header.n = 0;
	put_counted(&header, 67234085, NULL, 1);
	check_damaged(&header, "folders");
	put_byte(&sub, 0x0d);
	put_number(&sub, 99000000);
	put_byte(&sub, 0x00);
	header.n = 0;
	put_counted(&header, 1, &sub, 1);
	check_damaged(&header, "streams");
	sub.n = 0;
	put(&sub, "\x0d\x03\x00", 3);
	header.n = 0;
	put_counted(&header, 1, &sub, 3);
	check_damaged(&header, "streams without sizes");
	sub.n = 0;
	put(&sub, "\x0d\x04\x09\x05\x06\x00", 6);
	header.n = 0;
	put_counted(&header, 1, &sub, 4);
	check_damaged(&header, "streams with two sizes");
	header.n = 0;
	put_counted(&header, 1, NULL, 10000000);
	check_damaged(&header, "files");

	/* Many streams and files: what libarchive's tables take is counted
	 * (3000 streams in the folder, each but the last sized, then their
	 * CRCs; 3000 files). */
	sub.n = 0;
	put_byte(&sub, 0x0d);
	put_number(&sub, 3000);
	put_byte(&sub, 0x09);
	for (unsigned k = 0; k < 2999; k++)
		put_byte(&sub, 0);
	put_byte(&sub, 0x0a);
	put_byte(&sub, 0);             /* CRCs: some defined (none here) */
	for (unsigned k = 0; k < 375; k++)
		put_byte(&sub, 0);
	put_byte(&sub, 0x00);
	header.n = 0;
	put_counted(&header, 1, &sub, 3000);
	put_file(&file, &header, 10);
	CHECK(need_of(&file, &need, why) == 0);
	uint64_t coders_need = 0;
	header.n = 0;
	put_counted(&header, 1, NULL, 1);
	put_file(&file, &header, 10);
	CHECK(need_of(&file, &coders_need, why) == 0);
	CHECK(need > coders_need + 3000 * 100 && need < coders_need + 1 * MIB);

	/* Two streams whose CRCs are given twice: each time skipped (the
	 * streams are counted once, not once a time). */
	sub.n = 0;
	put(&sub, "\x0d\x02\x09\x05", 4);
	for (unsigned k = 0; k < 2; k++) {
		put(&sub, "\x0a\x01", 2);
		put_le(&sub, 0x11111111, 4);
		put_le(&sub, 0x22222222, 4);
	}
	put_byte(&sub, 0x00);
	header.n = 0;
	put_counted(&header, 1, &sub, 2);
	put_file(&file, &header, 10);
	CHECK(need_of(&file, &need, why) == 0 && need > 64 * MIB && need < 66 * MIB);

	/* A part given twice (a substreams info each time walking the
	 * folders): damaged, as for 7-Zip. */
	sub.n = 0;
	put(&sub, "\x00\x08\x00", 3);
	header.n = 0;
	put_counted(&header, 1, &sub, 1);
	check_damaged(&header, "substreams twice");

	/* A packed header whose plain header is damaged: read whole, so
	 * damaged too. */
	header.n = 0;
	put_counted(&header, 67234085, NULL, 1);
	CHECK(put_packed_file(&file, &header, 1) == 0);
	CHECK(need_of(&file, &need, why) == SEVENZ_DAMAGED);

	/* A descriptor pread() fails on (a folder's): refused, the system's
	 * reason given. */
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dir >= 0);
	if (dir >= 0) {
		why[0] = '\0';
		CHECK(sevenz_decoder_need(dir, 80 * MIB, &need, why, sizeof(why)) == -1 && why[0]);
		close(dir);
	}
	return unit_finish("sevenz_mem");
}
