/*
 * scanners/zip_stream_mem.c.  Zip streams built here byte by byte, fed
 * whole and in pieces of 1 to 7 bytes (the answers must not depend on
 * where reads end): an LZMA entry's dictionary and where its data starts;
 * a stored entry's bytes that look like an LZMA local header passed over
 * by its size (zip32 and zip64); entries whose size comes after their
 * data (flag bit 3) passed by finding the next local header, also across
 * piece boundaries; an xz entry's block header; a zstd entry's frame
 * header; encrypted entries, a
 * central directory, a split marker, a truncated stream and junk.
 */
#include <lzma.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <stdio.h>
#include <string.h>

#include "scanners/zip_mem.h"
#include "scanners/zip_stream_mem.h"
#include "tests/unit/bytes_fixture.h"
#include "tests/unit/unit.h"

#define MIB (1ULL << 20)
#define FLAG_ENCRYPTED 0x1u
#define FLAG_SIZE_AFTER 0x8u

/* An LZMA entry's first 9 bytes: version, properties' size, properties
 * (lc=3 lp=0 pb=2) with this dictionary. */
static void put_lzma_head(struct bytes *o, uint32_t dict)
{
	put_le(o, 0x0914, 2);
	put_le(o, 5, 2);
	put_byte(o, 0x5d);
	put_le(o, dict, 4);
}

/* An xz stream header and a first block header with LZMA2 and this
 * dictionary (liblzma writes them). */
static void put_xz_head(struct bytes *o, uint32_t dict)
{
	unsigned char head[LZMA_STREAM_HEADER_SIZE + LZMA_BLOCK_HEADER_SIZE_MAX];
	lzma_stream_flags flags = { .version = 0, .check = LZMA_CHECK_CRC32 };
	lzma_options_lzma opt;
	lzma_lzma_preset(&opt, 1);
	opt.dict_size = dict;
	lzma_filter filters[2] = { { .id = LZMA_FILTER_LZMA2, .options = &opt },
		                   { .id = LZMA_VLI_UNKNOWN } };
	lzma_block block = { .version = 0, .check = LZMA_CHECK_CRC32, .filters = filters,
		             .compressed_size = LZMA_VLI_UNKNOWN, .uncompressed_size = LZMA_VLI_UNKNOWN };
	if (lzma_stream_header_encode(&flags, head) != LZMA_OK ||
	    lzma_block_header_size(&block) != LZMA_OK ||
	    lzma_block_header_encode(&block, head + LZMA_STREAM_HEADER_SIZE) != LZMA_OK) {
		printf("  cannot build an xz header\n");
		return;
	}
	put(o, head, LZMA_STREAM_HEADER_SIZE + block.header_size);
}

struct entry {
	unsigned method, flags;
	struct bytes data;
	bool zip64;            /* sizes saturated, in the extra field */
	size_t extra_junk;     /* an extra field of other records first */
};

/* A local header, its data, and a data descriptor when the size comes
 * after.  *data_at: where the data starts. */
static void put_entry(struct bytes *o, const struct entry *e, uint64_t *data_at)
{
	bool after = e->flags & FLAG_SIZE_AFTER;
	put_le(o, 0x04034b50, 4);
	put_le(o, 63, 2);
	put_le(o, e->flags, 2);
	put_le(o, e->method, 2);
	put_le(o, 0, 8);                                   /* time, date, CRC */
	put_le(o, after ? 0 : e->zip64 ? 0xffffffffu : e->data.n, 4);
	put_le(o, after ? 0 : e->zip64 ? 0xffffffffu : 1000, 4);
	put_le(o, 5, 2);
	put_le(o, (e->zip64 ? 20 : 0) + (e->extra_junk ? 4 + e->extra_junk : 0), 2);
	put(o, "a.txt", 5);
	if (e->extra_junk) {
		put_le(o, 0x5455, 2);
		put_le(o, e->extra_junk, 2);
		for (size_t k = 0; k < e->extra_junk; k++)
			put_byte(o, 'P');
	}
	if (e->zip64) {
		put_le(o, 1, 2);
		put_le(o, 16, 2);
		put_le(o, 1000, 8);
		put_le(o, e->data.n, 8);
	}
	*data_at = o->n;
	put(o, e->data.b, e->data.n);
	if (after) {
		put_le(o, 0x08074b50, 4);
		put_le(o, 0, 4);
		put_le(o, e->data.n, 4);
		put_le(o, 1000, 4);
	}
}

static void put_central(struct bytes *o)
{
	put_le(o, 0x02014b50, 4);
	put_le(o, 0, 42);
}

/* Fed whole, and in pieces of 1 to 7 bytes, resumed after each raise as
 * a caller does: the last need, where its data starts, and how many
 * times it rose (the same whatever the pieces, or *same is false). */
static uint64_t watch(const struct bytes *o, uint64_t *need_at, unsigned *raises, bool *same)
{
	uint64_t first_need = 0, first_at = 0;
	unsigned first_raises = 0;
	*same = true;
	for (size_t piece = 0; piece <= 7; piece++) {
		struct zip_watch w;
		zip_watch_init(&w);
		unsigned rose = 0;
		size_t at = 0;
		while (at < o->n) {
			size_t n = piece ? piece : o->n;
			if (n > o->n - at)
				n = o->n - at;
			size_t done = 0;
			while (done < n) {
				uint64_t before = w.need;
				size_t went = zip_watch_feed(&w, o->b + at + done, n - done);
				done += went;
				if (w.need != before) {
					rose++;
				} else if (done < n) {
					*same = false;   /* stopped short without a raise */
					break;
				}
			}
			at += n;
		}
		if (!piece) {
			first_need = w.need;
			first_at = w.need_at;
			first_raises = rose;
		} else if (w.need != first_need || w.need_at != first_at || rose != first_raises) {
			printf("  pieces of %zu: need %llu at %llu (%u raises), whole: %llu at %llu (%u)\n",
			       piece, (unsigned long long)w.need, (unsigned long long)w.need_at, rose,
			       (unsigned long long)first_need, (unsigned long long)first_at, first_raises);
			*same = false;
		}
	}
	*need_at = first_at;
	*raises = first_raises;
	return first_need;
}

static uint64_t lzma_need(uint32_t dict)
{
	struct bytes b = { .n = 0 };
	put_lzma_head(&b, dict);
	return zip_entry_data_need(ZIP_METHOD_LZMA, b.b, b.n);
}

int main(void)
{
	struct bytes o;
	uint64_t at, at2, need_at;
	unsigned raises;
	bool same;

	CHECK(lzma_need(64 * MIB) >= 64 * MIB && lzma_need(64 * MIB) < 66 * MIB);

	/* One LZMA entry. */
	struct entry lz = { .method = ZIP_METHOD_LZMA };
	put_lzma_head(&lz.data, 64 * MIB);
	put(&lz.data, "compressed bytes", 16);
	o.n = 0;
	put_entry(&o, &lz, &at);
	put_central(&o);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(64 * MIB));
	CHECK(need_at == at && raises == 1 && same);

	/* The feed stops just after the entry's first 9 bytes. */
	struct zip_watch w;
	zip_watch_init(&w);
	CHECK(zip_watch_feed(&w, o.b, o.n) == at + 9);
	CHECK(zip_watch_feed(&w, o.b + at + 9, o.n - at - 9) == o.n - at - 9);
	CHECK(w.need == lzma_need(64 * MIB));

	/* A stored entry holding what looks like an LZMA local header asking
	 * 1 GiB is passed over by its size; the 8 MiB entry after counts. */
	struct entry stored = { .method = 0 };
	struct entry fake = { .method = ZIP_METHOD_LZMA };
	put_lzma_head(&fake.data, 1u << 30);
	put_entry(&stored.data, &fake, &at);
	struct entry small = { .method = ZIP_METHOD_LZMA };
	put_lzma_head(&small.data, 8 * MIB);
	o.n = 0;
	put_entry(&o, &stored, &at);
	put_entry(&o, &small, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB));
	CHECK(need_at == at2 && raises == 1 && same);

	/* ... and so with zip64 sizes, behind another extra record. */
	stored.zip64 = true;
	stored.extra_junk = 9;
	o.n = 0;
	put_entry(&o, &stored, &at);
	put_entry(&o, &small, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB));
	CHECK(need_at == at2 && same);

	/* An extra field larger than the watch keeps: passed over whole
	 * (its size fields are then not read: the stored entry is passed
	 * by its local size). */
	struct entry big_extra = { .method = 0, .extra_junk = 2000 };
	put(&big_extra.data, "plain", 5);
	o.n = 0;
	put_entry(&o, &big_extra, &at);
	put_entry(&o, &small, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB) && need_at == at2 && same);

	/* ... but not when its sizes are saturated, in a zip64 field the
	 * watch did not keep: then the next header is looked for (not 4 GiB
	 * passed over unwatched). */
	big_extra.zip64 = true;
	o.n = 0;
	put_entry(&o, &big_extra, &at);
	put_entry(&o, &small, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB) && need_at == at2 && same);

	/* Sizes after the data: the deflate entry is passed by finding the
	 * next local header (its data holds a 'P', "PK" and "PK\3"), and an
	 * LZMA entry with its size after is read too. */
	struct entry deflated = { .method = 8, .flags = FLAG_SIZE_AFTER };
	put(&deflated.data, "xxPyyPKzzPK\003ww", 15);
	struct entry lz_after = { .method = ZIP_METHOD_LZMA, .flags = FLAG_SIZE_AFTER };
	put_lzma_head(&lz_after.data, 16 * MIB);
	put(&lz_after.data, "more", 4);
	struct entry lz_last = { .method = ZIP_METHOD_LZMA };
	put_lzma_head(&lz_last.data, 32 * MIB);
	o.n = 0;
	put_entry(&o, &deflated, &at);
	put_entry(&o, &lz_after, &at);
	put_entry(&o, &lz_last, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(32 * MIB));
	CHECK(need_at == at2 && raises == 2 && same);

	/* The larger need stays when a smaller entry follows. */
	o.n = 0;
	put_entry(&o, &lz_last, &at);
	put_entry(&o, &small, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(32 * MIB) && need_at == at && raises == 1);

	/* An xz entry: its block header's dictionary. */
	struct entry xz = { .method = ZIP_METHOD_XZ };
	put_xz_head(&xz.data, 1536 * MIB);
	put(&xz.data, "data", 4);
	o.n = 0;
	put_entry(&o, &small, &at);
	put_entry(&o, &xz, &at2);
	uint64_t xz_need = watch(&o, &need_at, &raises, &same);
	CHECK(xz_need >= 1536 * MIB && xz_need < 1540 * MIB);
	CHECK(need_at == at2 && raises == 2 && same);
	CHECK(xz_need == zip_entry_data_need(ZIP_METHOD_XZ, xz.data.b, xz.data.n));

	/* ... with its size after its data too. */
	xz.flags = FLAG_SIZE_AFTER;
	o.n = 0;
	put_entry(&o, &deflated, &at);
	put_entry(&o, &xz, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == xz_need && need_at == at2 && same);

	/* A zstd entry: its frame header's window (2^26), its size after its
	 * data too; a window over libzstd's limit counts nothing. */
	struct entry zst = { .method = ZIP_METHOD_ZSTD, .flags = FLAG_SIZE_AFTER };
	put_le(&zst.data, 0xfd2fb528, 4);
	put_byte(&zst.data, 0);
	put_byte(&zst.data, 16 << 3);
	put(&zst.data, "compressed blocks", 17);
	o.n = 0;
	put_entry(&o, &deflated, &at);
	put_entry(&o, &zst, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == ZSTD_estimateDStreamSize(64 * MIB));
	CHECK(need_at == at2 && raises == 1 && same);
	zst.data.b[5] = 18 << 3;
	o.n = 0;
	put_entry(&o, &zst, &at);
	put_entry(&o, &small, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB) && need_at == at2 && same);

	/* An entry shorter than its properties counts what it has (nothing
	 * readable), and the next is found. */
	struct entry cut = { .method = ZIP_METHOD_LZMA };
	put_le(&cut.data, 0x0914, 2);
	o.n = 0;
	put_entry(&o, &cut, &at);
	put_entry(&o, &small, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB) && need_at == at2 && same);

	/* Not counted: an encrypted entry; anything after a central
	 * directory. */
	struct entry secret = lz_last;
	secret.flags = FLAG_ENCRYPTED;
	o.n = 0;
	put_entry(&o, &secret, &at);
	put_entry(&o, &small, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB) && same);
	o.n = 0;
	put_entry(&o, &small, &at);
	put_central(&o);
	put_entry(&o, &lz_last, &at2);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB) && need_at == at && same);

	/* A split archive's marker first. */
	o.n = 0;
	put_le(&o, 0x08074b50, 4);
	put_entry(&o, &lz_last, &at);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(32 * MIB) && need_at == at && same);

	/* Junk, then a local header: found by the search. */
	o.n = 0;
	static const char junk[] = "PPPK\003PK\003\003not a zip at all";
	put(&o, junk, sizeof(junk) - 1);
	put_entry(&o, &small, &at);
	CHECK(watch(&o, &need_at, &raises, &same) == lzma_need(8 * MIB) && need_at == at && same);

	/* Truncated in the properties: nothing counted, no harm. */
	o.n = 0;
	put_entry(&o, &lz_last, &at);
	o.n = at + 6;
	CHECK(watch(&o, &need_at, &raises, &same) == 0 && raises == 0 && same);

	/* Empty. */
	o.n = 0;
	CHECK(watch(&o, &need_at, &raises, &same) == 0 && same);
	return unit_finish("zip_stream_mem");
}
