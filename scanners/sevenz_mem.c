/*
 * scanners/sevenz_mem.c - the memory a 7z archive's folders need to be
 * decoded, read from the archive's header (see sevenz_mem.h).
 *
 * Owns nothing past a call: the header's bytes are read into buffers freed
 * before it returns.  The layout followed is 7-Zip's 7zFormat.txt: a
 * 32-byte signature header points to the header at the end of the file;
 * that header is either plain (kHeader) or itself packed (kEncodedHeader:
 * a folder, usually LZMA, whose output is the plain header).  What leads
 * to the folders' coders and the count of files is read: archive
 * properties are skipped, and the file list past its count is not looked
 * at.  A packed header is decoded as far as needed, starting with 1 MiB
 * of its output and doubling.
 *
 * libarchive allocates a table entry for every count a header gives
 * (folders, streams, files, up to 100 million each) before it reads the
 * items, and walks some of those tables: a 700-byte archive saying 67
 * million folders cost it 7 GB of address space and 3 s; one saying 99
 * million streams in a folder, 500 MB.  So each count is checked against
 * the room the header has for what it counts (7-Zip writes at least a
 * byte per item), and what the tables take is added to the need.
 *
 * Fails (-1 and a reason) on what it does not read (an encrypted header,
 * an unknown header coder): the caller leaves those to libarchive.  A
 * header read whole that is damaged is SEVENZ_DAMAGED, which the caller
 * must not hand to libarchive.
 */
#include "scanners/sevenz_mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzma.h>

#include "scanners/file_bytes.h"

#define SIGNATURE_BYTES 32
#define FIRST_PREFIX (1u << 20)
#define MAX_HEADER (256u << 20)   /* a header longer is not read here */
#define MAX_CODERS 64     /* in a folder, as 7-Zip */
#define MAX_STREAMS 64    /* a complex coder's in or out streams */

enum {
	K_END = 0x00, K_HEADER = 0x01, K_ARCHIVE_PROPERTIES = 0x02, K_ADDITIONAL_STREAMS = 0x03,
	K_MAIN_STREAMS = 0x04, K_FILES_INFO = 0x05, K_PACK_INFO = 0x06, K_UNPACK_INFO = 0x07,
	K_SUBSTREAMS_INFO = 0x08, K_SIZE = 0x09, K_CRC = 0x0a, K_FOLDER = 0x0b,
	K_CODERS_UNPACK_SIZE = 0x0c, K_NUM_UNPACK_STREAM = 0x0d, K_ENCODED_HEADER = 0x17,
};

#define CODEC_COPY 0x00
#define CODEC_LZMA2 0x21
#define CODEC_LZMA 0x030101
#define CODEC_PPMD 0x030401

/* Where the bytes come from: a descriptor, or memory. */
struct input {
	int fd;
	const unsigned char *mem;
	uint64_t size;
};

/* A cursor over header bytes; `short_read` once a read went past the end
 * (the prefix was too short, or the header is damaged). */
struct cursor {
	const unsigned char *p;
	size_t n;
	bool short_read;
	bool bad;           /* a value no archive can have */
};

/* The first folder of a streams info, kept for a packed header. */
struct first_folder {
	uint64_t pack_pos, pack_size, unpack_size;
	uint64_t codec;
	unsigned char props[8];
	size_t props_len;
	unsigned coders;
	bool have_pack_size, have_unpack_size;
};

/* What a header holds, as far as memory goes: the most one folder's
 * coders need, and the counts libarchive makes a table entry for. */
struct header_tally {
	uint64_t need;
	uint64_t pack_streams, folders, coders, unpack_streams, files;
};

/* The folders' CRCs in an unpack info: all given, or a bit for each. */
struct folder_crcs {
	bool all;
	const unsigned char *bits;
};

static unsigned get_byte(struct cursor *c)
{
	if (!c->n) {
		c->short_read = true;
		return 0;
	}
	c->n--;
	return *c->p++;
}

static void skip(struct cursor *c, uint64_t n)
{
	if (n > c->n) {
		c->short_read = true;
		c->n = 0;
		return;
	}
	c->p += n;
	c->n -= (size_t)n;
}

/* 7z's variable-length number: the first byte's leading one bits say how
 * many bytes follow (little-endian); its other bits are the top ones. */
static uint64_t get_number(struct cursor *c)
{
	unsigned first = get_byte(c), extra = 0;
	while (extra < 8 && first & (0x80u >> extra))
		extra++;
	if (extra > c->n) {
		c->short_read = true;
		return 0;
	}
	uint64_t v = le_uint(c->p, extra);
	skip(c, extra);
	if (extra < 8)
		v |= (uint64_t)(first & ((0x80u >> extra) - 1)) << (8 * extra);
	return v;
}

/* A count of items of at least min_bytes each: more than what is left of
 * the header can hold means a short prefix (or a damaged count). */
static uint64_t get_count(struct cursor *c, unsigned min_bytes)
{
	uint64_t n = get_number(c);
	if (n > c->n / min_bytes)
		c->short_read = true;
	return n;
}

static void skip_digests(struct cursor *c, uint64_t count)
{
	uint64_t defined = count;
	if (!get_byte(c)) {
		defined = 0;
		for (uint64_t i = 0; i < count && !c->short_read; i += 8) {
			unsigned bits = get_byte(c);
			for (unsigned b = 0; b < 8 && i + b < count; b++)
				defined += (bits >> (7 - b)) & 1;
		}
	}
	skip(c, 4 * defined);
}

/* What one coder's decoder needs: the LZMA and LZMA2 ones as liblzma
 * counts them, PPMd its model.  Others need little whatever the archive
 * says (BZip2, Deflate, the branch filters): 0. */
static uint64_t coder_need(uint64_t codec, const unsigned char *props, size_t props_len)
{
	if (codec == CODEC_PPMD)
		return props_len >= 5 ? le_uint(props + 1, 4) : 0;
	if (codec != CODEC_LZMA && codec != CODEC_LZMA2)
		return 0;
	lzma_filter filters[2] = {
		{ .id = codec == CODEC_LZMA ? LZMA_FILTER_LZMA1 : LZMA_FILTER_LZMA2 },
		{ .id = LZMA_VLI_UNKNOWN },
	};
	if (lzma_properties_decode(&filters[0], NULL, props, props_len) != LZMA_OK) {
		/* libarchive refuses such a coder too; an LZMA one still says
		 * its dictionary. */
		return codec == CODEC_LZMA && props_len >= 5 ? le_uint(props + 1, 4) : 0;
	}
	uint64_t need = lzma_raw_decoder_memusage(filters);
	free(filters[0].options);
	return need == UINT64_MAX ? 0 : need;
}

/* One folder: its coders, bind pairs and packed streams.  Keeps the most
 * its coders need together in t->need, adds its coders to t->coders and
 * its output streams to *outs. */
static void parse_folder(struct cursor *c, struct header_tally *t, uint64_t *outs,
                         struct first_folder *ff)
{
	uint64_t coders = get_number(c), ins_total = 0, outs_total = 0, folder_need = 0;
	if (!coders || coders > MAX_CODERS) {
		c->bad = true;
		return;
	}
	t->coders += coders;
	if (ff)
		ff->coders = (unsigned)coders;
	for (uint64_t k = 0; k < coders && !c->short_read && !c->bad; k++) {
		unsigned flags = get_byte(c), id_len = flags & 0x0f;
		if (flags & 0x80 || id_len > 8 || id_len > c->n) {
			c->bad = c->bad || flags & 0x80 || id_len > 8;
			c->short_read = true;
			return;
		}
		uint64_t codec = 0;
		for (unsigned i = 0; i < id_len; i++)
			codec = codec << 8 | c->p[i];
		skip(c, id_len);
		uint64_t ins = 1, outs_here = 1;
		if (flags & 0x10) {
			ins = get_number(c);
			outs_here = get_number(c);
			if (ins > MAX_STREAMS || outs_here > MAX_STREAMS) {
				c->bad = true;
				return;
			}
		}
		const unsigned char *props = NULL;
		uint64_t props_len = 0;
		if (flags & 0x20) {
			props_len = get_number(c);
			props = c->p;
			skip(c, props_len);
			if (c->short_read)
				return;
		}
		folder_need += coder_need(codec, props, (size_t)props_len);
		if (ff && k == 0) {
			ff->codec = codec;
			ff->props_len = props_len <= sizeof(ff->props) ? (size_t)props_len : 0;
			if (ff->props_len)
				memcpy(ff->props, props, ff->props_len);
		}
		ins_total += ins;
		outs_total += outs_here;
	}
	if (!outs_total || ins_total < outs_total - 1) {
		c->bad = c->bad || !c->short_read;
		return;
	}
	uint64_t bind_pairs = outs_total - 1, packed = ins_total - bind_pairs;
	for (uint64_t k = 0; k < bind_pairs && !c->short_read; k++) {
		get_number(c);
		get_number(c);
	}
	for (uint64_t k = 0; packed > 1 && k < packed && !c->short_read; k++)
		get_number(c);
	if (folder_need > t->need)
		t->need = folder_need;
	*outs += outs_total;
}

/* Whether folder f's CRC was given in the unpack info. */
static bool folder_crc_defined(const struct folder_crcs *crcs, uint64_t f)
{
	if (crcs->all)
		return true;
	return crcs->bits && (crcs->bits[f / 8] >> (7 - f % 8)) & 1;
}

/* A substreams info (after its kSubStreamsInfo): how many files' streams
 * each folder holds, their sizes and CRCs.  7-Zip writes a size for each
 * stream but a folder's last, so a folder of n streams takes n - 1
 * numbers: a count the header has no room for is damage, found here
 * before libarchive allocates for it. */
static void parse_substreams(struct cursor *c, uint64_t folders, const struct folder_crcs *crcs,
                             struct header_tally *t)
{
	unsigned type = get_byte(c);
	struct cursor counts = { 0 };
	uint64_t streams = folders, sized = 0;
	if (type == K_NUM_UNPACK_STREAM) {
		counts = *c;
		streams = 0;
		for (uint64_t f = 0; f < folders && !c->short_read; f++) {
			uint64_t n = get_number(c);
			if (n > c->n + 1) {   /* not even its sizes fit */
				c->short_read = true;
				return;
			}
			streams += n;
			sized += n ? n - 1 : 0;
		}
		type = get_byte(c);
	}
	if (type == K_SIZE) {
		if (sized > c->n) {
			c->short_read = true;
			return;
		}
		for (uint64_t k = 0; k < sized && !c->short_read; k++)
			get_number(c);
		type = get_byte(c);
	} else if (sized) {
		c->bad = true;
		return;
	}
	/* A CRC for each stream but those alone in a folder whose CRC the
	 * unpack info gave (counted once: the CRCs may be given again). */
	uint64_t unknown = 0;
	for (uint64_t f = 0; f < folders && type == K_CRC; f++) {
		uint64_t n = counts.p ? get_number(&counts) : 1;
		if (n != 1 || !folder_crc_defined(crcs, f))
			unknown += n;
	}
	while (type != K_END && !c->short_read && !c->bad) {
		if (type != K_CRC) {
			c->bad = true;
			return;
		}
		skip_digests(c, unknown);
		type = get_byte(c);
	}
	t->unpack_streams += streams;
}

/* A streams info: its pack info, folders and substreams, counted into
 * *t; the first folder into *ff when given. */
static void parse_streams_info(struct cursor *c, struct header_tally *t, struct first_folder *ff)
{
	uint64_t folders = 0;
	struct folder_crcs crcs = { 0 };
	unsigned last_id = 0;
	for (;;) {
		unsigned id = get_byte(c);
		if (c->short_read || c->bad || id == K_END)
			return;
		/* Each part once, in order (as 7-Zip reads them): a part
		 * given again could make the folders be walked again. */
		if (id <= last_id) {
			c->bad = true;
			return;
		}
		last_id = id;
		if (id == K_PACK_INFO) {
			uint64_t pos = get_number(c), streams = get_count(c, 1);
			bool sized = false;
			if (ff)
				ff->pack_pos = pos;
			t->pack_streams += streams;
			for (unsigned type = get_byte(c); type != K_END && !c->short_read;
			     type = get_byte(c)) {
				if (type == K_SIZE) {
					sized = true;
					for (uint64_t k = 0; k < streams && !c->short_read; k++) {
						uint64_t size = get_number(c);
						if (ff && k == 0) {
							ff->pack_size = size;
							ff->have_pack_size = true;
						}
					}
				} else if (type == K_CRC) {
					skip_digests(c, streams);
				} else {
					c->bad = true;
					return;
				}
			}
			if (!sized && !c->short_read) {   /* 7-Zip always says them */
				c->bad = true;
				return;
			}
		} else if (id == K_UNPACK_INFO) {
			if (get_byte(c) != K_FOLDER) {
				c->bad = c->bad || !c->short_read;
				return;
			}
			uint64_t outs = 0;
			folders = get_count(c, 2);
			crcs = (struct folder_crcs){ 0 };
			t->folders += folders;
			if (get_byte(c) != 0) {   /* "external": folders elsewhere */
				c->bad = c->bad || !c->short_read;
				return;
			}
			for (uint64_t f = 0; f < folders && !c->short_read && !c->bad; f++)
				parse_folder(c, t, &outs, f == 0 ? ff : NULL);
			if (get_byte(c) != K_CODERS_UNPACK_SIZE) {
				c->bad = c->bad || !c->short_read;
				return;
			}
			if (outs > c->n) {
				c->short_read = true;
				return;
			}
			for (uint64_t k = 0; k < outs && !c->short_read; k++) {
				uint64_t size = get_number(c);
				if (ff && k == 0) {
					ff->unpack_size = size;
					ff->have_unpack_size = true;
				}
			}
			for (unsigned type = get_byte(c); type != K_END && !c->short_read;
			     type = get_byte(c)) {
				if (type != K_CRC) {
					c->bad = true;
					return;
				}
				crcs.all = c->n && c->p[0];
				crcs.bits = crcs.all ? NULL : c->p + 1;
				skip_digests(c, folders);
			}
		} else if (id == K_SUBSTREAMS_INFO) {
			parse_substreams(c, folders, &crcs, t);
		} else {
			c->bad = true;
			return;
		}
	}
}

/* A plain header, as far as its count of files: 0 with *t filled, 1 when
 * the bytes ran out first (a prefix too short, or counts the header has
 * no room for), -1 when it is not one. */
static int parse_header(const unsigned char *p, size_t n, struct header_tally *t)
{
	struct cursor c = { .p = p, .n = n };
	unsigned last_id = 0;
	memset(t, 0, sizeof(*t));
	if (get_byte(&c) != K_HEADER)
		return c.short_read ? 1 : -1;
	for (;;) {
		unsigned id = get_byte(&c);
		if (c.short_read)
			return 1;
		if (id != K_END && id <= last_id)   /* each part once, in order */
			return -1;
		last_id = id;
		if (id == K_ARCHIVE_PROPERTIES) {
			for (unsigned type = get_byte(&c); type && !c.short_read; type = get_byte(&c))
				skip(&c, get_number(&c));
		} else if (id == K_ADDITIONAL_STREAMS || id == K_MAIN_STREAMS) {
			parse_streams_info(&c, t, NULL);
		} else if (id == K_FILES_INFO) {
			/* A file without a stream takes at least a bit of the
			 * empty-stream vector; one with a stream, a stream. */
			uint64_t files = get_number(&c);
			if (c.short_read)
				return 1;
			if (files > t->unpack_streams && files - t->unpack_streams > 8 * (uint64_t)c.n)
				return 1;
			t->files = files;
			return 0;
		} else if (id == K_END) {
			return 0;
		} else {
			return -1;
		}
		if (c.bad)
			return -1;
		if (c.short_read)
			return 1;
	}
}

static ssize_t read_at(const struct input *in, uint64_t at, unsigned char *buf, size_t n)
{
	if (at >= in->size)
		return 0;
	if (n > in->size - at)
		n = (size_t)(in->size - at);
	if (!in->mem)
		return pread_at(in->fd, at, buf, n);
	memcpy(buf, in->mem + at, n);
	return (ssize_t)n;
}

/* The first `want` bytes of a packed header's output (fewer if it is
 * shorter): 0 with *out (malloc'd) and *out_len, or -1 with a reason. */
static int unpack_header(const struct input *in, const struct first_folder *ff, size_t want,
                         uint64_t memory_max, unsigned char **out, size_t *out_len, char *why,
                         size_t why_cap)
{
	*out = NULL;
	lzma_filter filters[2] = { { .id = LZMA_FILTER_LZMA1 }, { .id = LZMA_VLI_UNKNOWN } };
	if (ff->coders != 1 || (ff->codec != CODEC_LZMA && ff->codec != CODEC_LZMA2 &&
	                        ff->codec != CODEC_COPY)) {
		snprintf(why, why_cap, "its header is packed with a method not read here");
		return -1;
	}
	if (ff->codec != CODEC_COPY) {
		filters[0].id = ff->codec == CODEC_LZMA ? LZMA_FILTER_LZMA1 : LZMA_FILTER_LZMA2;
		if (lzma_properties_decode(&filters[0], NULL, ff->props, ff->props_len) != LZMA_OK) {
			snprintf(why, why_cap, "its header's coder is damaged");
			return -1;
		}
		uint64_t header_need = lzma_raw_decoder_memusage(filters);
		if (header_need > memory_max) {
			free(filters[0].options);
			snprintf(why, why_cap, "its header needs %llu MiB of memory to decode",
			         (unsigned long long)(header_need >> 20));
			return -1;
		}
	}
	if (want > ff->unpack_size)
		want = (size_t)ff->unpack_size;
	unsigned char *dst = malloc(want ? want : 1), *src = malloc(64u << 10);
	lzma_stream strm = LZMA_STREAM_INIT;
	int rc = -1;
	if (!dst || !src) {
		snprintf(why, why_cap, "out of memory");
		goto out;
	}
	uint64_t at = SIGNATURE_BYTES + ff->pack_pos, left = ff->pack_size;
	if (at < ff->pack_pos) {
		snprintf(why, why_cap, "its header is damaged");
		goto out;
	}
	if (ff->codec == CODEC_COPY) {
		ssize_t got = read_at(in, at, dst, want < left ? want : (size_t)left);
		if (got < 0) {
			snprintf(why, why_cap, "%s", strerror(errno));
			goto out;
		}
		*out_len = (size_t)got;
		rc = 0;
		goto out;
	}
	if (lzma_raw_decoder(&strm, filters) != LZMA_OK) {
		snprintf(why, why_cap, "its header cannot be decoded");
		goto out;
	}
	strm.next_out = dst;
	strm.avail_out = want;
	while (strm.avail_out) {
		if (!strm.avail_in) {
			if (!left)
				break;
			ssize_t got = read_at(in, at, src, left < (64u << 10) ? (size_t)left : (64u << 10));
			if (got <= 0) {
				if (got < 0)
					snprintf(why, why_cap, "%s", strerror(errno));
				else
					snprintf(why, why_cap, "its header is truncated");
				goto out;
			}
			at += (uint64_t)got;
			left -= (uint64_t)got;
			strm.next_in = src;
			strm.avail_in = (size_t)got;
		}
		lzma_ret ret = lzma_code(&strm, LZMA_RUN);
		if (ret == LZMA_STREAM_END)
			break;
		if (ret != LZMA_OK) {
			snprintf(why, why_cap, "its header is damaged");
			goto out;
		}
	}
	*out_len = want - strm.avail_out;
	rc = 0;
out:
	lzma_end(&strm);
	free(filters[0].options);
	free(src);
	if (rc)
		free(dst);
	else
		*out = dst;
	return rc;
}

/* What libarchive's 7z reader holds for a header besides its decoders:
 * the header decoded (and its names copied), and an entry in its tables
 * for each pack stream, folder, coder, file stream and file.  Measured
 * with libarchive 3.6 on x86-64 (peak RSS of a scan of headers made to
 * count a million files or streams): about 80 bytes a file, 13 a stream,
 * 104 a folder; rounded up here for malloc's own words. */
static uint64_t tables_need(const struct header_tally *t, uint64_t header_bytes)
{
	return 2 * header_bytes + 32 * t->pack_streams + 224 * t->folders + 80 * t->coders +
	       16 * t->unpack_streams + 96 * t->files;
}

/* A header read whole that is not one: the reason, and SEVENZ_DAMAGED. */
static int damaged(char *why, size_t why_cap, const char *what)
{
	snprintf(why, why_cap, "%s", what);
	return SEVENZ_DAMAGED;
}

static int decoder_need(const struct input *in, uint64_t memory_max, uint64_t *need, char *why,
                        size_t why_cap)
{
	unsigned char sig[SIGNATURE_BYTES];
	ssize_t got = read_at(in, 0, sig, sizeof(sig));
	if (got < 0) {
		snprintf(why, why_cap, "%s", strerror(errno));
		return -1;
	}
	if (got < SIGNATURE_BYTES || memcmp(sig, "7z\xbc\xaf\x27\x1c", 6)) {
		snprintf(why, why_cap, "not a 7z archive");
		return -1;
	}
	uint64_t next_at = le_uint(sig + 12, 8), next_size = le_uint(sig + 20, 8);
	*need = 0;
	if (!next_size)
		return 0;   /* an empty archive */
	/* libarchive reads the header whole into a buffer of that size, even
	 * past the end of the file: 287 bytes (fuzz_redact) asked 32 GiB. */
	if (next_size > MAX_HEADER)
		return damaged(why, why_cap, "its header claims to be more than 256 MiB long");
	if (next_at > in->size || next_size > in->size - next_at ||
	    SIGNATURE_BYTES + next_at + next_size > in->size) {
		snprintf(why, why_cap, "its header is past the end of the file");
		return -1;
	}
	next_at += SIGNATURE_BYTES;
	/* The header, or its description when packed: read in growing
	 * prefixes until its count of files is reached. */
	for (uint64_t prefix = FIRST_PREFIX;; prefix *= 2) {
		size_t len = (size_t)(prefix < next_size ? prefix : next_size);
		unsigned char *head = malloc(len);
		if (!head) {
			snprintf(why, why_cap, "out of memory");
			return -1;
		}
		got = read_at(in, next_at, head, len);
		if (got != (ssize_t)len) {
			free(head);
			snprintf(why, why_cap, "%s", got < 0 ? strerror(errno) : "its header is truncated");
			return -1;
		}
		struct header_tally tally;
		uint64_t header_bytes = next_size;
		int rc;
		if (len && head[0] == K_ENCODED_HEADER) {
			struct cursor c = { .p = head + 1, .n = len - 1 };
			struct first_folder ff = { 0 };
			struct header_tally packed_tally = { 0 };
			parse_streams_info(&c, &packed_tally, &ff);
			if (c.short_read && !c.bad && len < next_size) {
				free(head);
				continue;
			}
			free(head);
			if (c.short_read || c.bad || !ff.have_pack_size || !ff.have_unpack_size ||
			    !ff.coders)
				return damaged(why, why_cap, "its packed header is damaged");
			/* libarchive allocates the unpacked header whole, whatever
			 * the coder: a claim past any real header (287 bytes that
			 * asked 32 GiB, found by fuzz_redact) is refused here, even
			 * when the coder is one this cannot decode. */
			if (ff.unpack_size > MAX_HEADER)
				return damaged(why, why_cap, "its packed header claims to unpack to more than 256 MiB");
			header_bytes = ff.unpack_size;
			for (uint64_t want = FIRST_PREFIX;; want *= 2) {
				unsigned char *plain;
				size_t plain_len;
				if (unpack_header(in, &ff, (size_t)want, memory_max, &plain, &plain_len, why,
				                  why_cap))
					return -1;
				rc = parse_header(plain, plain_len, &tally);
				free(plain);
				if (rc == 1 && plain_len == want && want < ff.unpack_size) {
					if (want >= MAX_HEADER) {
						snprintf(why, why_cap, "its header is over %u MiB", MAX_HEADER >> 20);
						return -1;
					}
					continue;
				}
				break;
			}
		} else {
			rc = parse_header(head, len, &tally);
			free(head);
			if (rc == 1 && len < next_size)
				continue;
		}
		/* The whole header was read: what it lacks, it does not have. */
		if (rc)
			return damaged(why, why_cap,
			               rc > 0 ? "its header is damaged (it describes more than it holds)"
			                      : "its header is damaged");
		*need = tally.need + tables_need(&tally, header_bytes);
		return 0;
	}
}

int sevenz_decoder_need(int fd, uint64_t header_memory_max, uint64_t *need, char *why,
                        size_t why_cap)
{
	struct stat st;
	if (fstat(fd, &st)) {
		snprintf(why, why_cap, "%s", strerror(errno));
		return -1;
	}
	struct input in = { .fd = fd, .size = (uint64_t)st.st_size };
	return decoder_need(&in, header_memory_max, need, why, why_cap);
}

int sevenz_decoder_need_mem(const unsigned char *data, size_t len, uint64_t header_memory_max,
                            uint64_t *need, char *why, size_t why_cap)
{
	struct input in = { .fd = -1, .mem = data, .size = len };
	return decoder_need(&in, header_memory_max, need, why, why_cap);
}
