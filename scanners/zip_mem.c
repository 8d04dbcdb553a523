/*
 * scanners/zip_mem.c - the memory a zip archive's LZMA, xz and zstd
 * entries need to be decoded (see zip_mem.h).
 *
 * Owns nothing past a call.  The layout followed is PKWARE's APPNOTE: the
 * end of central directory record (within the last 64 KiB + 22 bytes),
 * its zip64 form when a field is saturated, then the central directory's
 * entries; for an entry of method 14 (LZMA), 95 (xz) or 93 (zstd), its
 * local header and the start of its data: LZMA's 5-byte properties (the
 * dictionary size), the xz stream's first block header (its filter
 * chain), or the zstd frame header (its window size).  Bytes
 * before the archive (a self-extractor's stub) shift every offset; that
 * shift is found as libarchive finds it, from where the directory ends.
 *
 * Fails (-1 and a reason) when there is no central directory to read;
 * an entry whose data cannot be understood counts for nothing (libarchive
 * then fails to read it, and says so).
 */
#include "scanners/zip_mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzma.h>
/* ZSTD_getFrameHeader() and ZSTD_estimateDStreamSize(): libzstd's
 * "static linking only" API, exported by Debian's shared libzstd. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "scanners/file_bytes.h"

#define EOCD_SIG 0x06054b50u
#define EOCD_BYTES 22u
#define Z64_LOCATOR_SIG 0x07064b50u
#define Z64_LOCATOR_BYTES 20u
#define Z64_EOCD_SIG 0x06064b50u
#define Z64_EOCD_BYTES 56u
#define CENTRAL_SIG 0x02014b50u
#define CENTRAL_BYTES 46u
#define LOCAL_SIG 0x04034b50u
#define LOCAL_BYTES 30u
#define XZ_STREAM_HEADER_BYTES 12u
#define DIR_BUF_BYTES (256u << 10)   /* more than one entry's 46 + 3 * 65535 */

uint64_t zip_entry_data_need(unsigned method, const unsigned char *data, size_t len)
{
	lzma_filter filters[LZMA_FILTERS_MAX + 1] = { { .id = LZMA_VLI_UNKNOWN } };
	if (method == ZIP_METHOD_LZMA) {
		/* Two bytes of version, two of properties' size (5), then the
		 * properties: lc/lp/pb, and the dictionary size. */
		if (len < 9 || le_uint(data + 2, 2) != 5)
			return 0;
		filters[0].id = LZMA_FILTER_LZMA1;
		if (lzma_properties_decode(&filters[0], NULL, data + 4, 5) != LZMA_OK)
			return le_uint(data + 5, 4);
		filters[1].id = LZMA_VLI_UNKNOWN;
	} else if (method == ZIP_METHOD_XZ) {
		lzma_stream_flags flags;
		if (len < XZ_STREAM_HEADER_BYTES + 1 ||
		    lzma_stream_header_decode(&flags, data) != LZMA_OK ||
		    data[XZ_STREAM_HEADER_BYTES] == 0)   /* no block: an index */
			return 0;
		lzma_block block = {
			.version = 1,
			.check = flags.check,
			.header_size = lzma_block_header_size_decode(data[XZ_STREAM_HEADER_BYTES]),
			.filters = filters,
		};
		if (len < XZ_STREAM_HEADER_BYTES + block.header_size ||
		    lzma_block_header_decode(&block, NULL, data + XZ_STREAM_HEADER_BYTES) != LZMA_OK)
			return 0;
	} else if (method == ZIP_METHOD_ZSTD) {
		/* libarchive's decoder keeps libzstd's default window limit. */
		ZSTD_frameHeader header;
		if (ZSTD_getFrameHeader(&header, data, len) != 0 ||
		    header.frameType == ZSTD_skippableFrame ||
		    header.windowSize > (1ull << ZSTD_WINDOWLOG_LIMIT_DEFAULT))
			return 0;
		return ZSTD_estimateDStreamSize((size_t)header.windowSize);
	} else {
		return 0;
	}
	uint64_t need = lzma_raw_decoder_memusage(filters);
	lzma_filters_free(filters, NULL);
	return need == UINT64_MAX ? 0 : need;
}

/* What the decoder of the entry whose local header is at `at` needs. */
static uint64_t entry_need(int fd, uint64_t at, unsigned method)
{
	unsigned char head[LOCAL_BYTES];
	if (pread_at(fd, at, head, sizeof(head)) != (ssize_t)sizeof(head) ||
	    le_uint(head, 4) != LOCAL_SIG)
		return 0;
	uint64_t data_at = at + LOCAL_BYTES + le_uint(head + 26, 2) + le_uint(head + 28, 2);
	unsigned char data[ZIP_ENTRY_PROBE_BYTES];
	ssize_t got = pread_at(fd, data_at, data, sizeof(data));
	return got < 0 ? 0 : zip_entry_data_need(method, data, (size_t)got);
}

/* The end of central directory record: the directory's offset and size
 * (zip64 when saturated) and the shift of bytes before the archive. */
static int find_directory(int fd, uint64_t size, uint64_t *dir_at, uint64_t *dir_size,
                          uint64_t *shift, char *why, size_t why_cap)
{
	size_t tail_len = size < EOCD_BYTES + 65535u ? (size_t)size : EOCD_BYTES + 65535u;
	unsigned char *tail = malloc(tail_len ? tail_len : 1);
	if (!tail) {
		snprintf(why, why_cap, "out of memory");
		return -1;
	}
	uint64_t tail_at = size - tail_len;
	int rc = -1;
	if (pread_at(fd, tail_at, tail, tail_len) != (ssize_t)tail_len) {
		snprintf(why, why_cap, "cannot read its end");
		goto out;
	}
	size_t i = tail_len >= EOCD_BYTES ? tail_len - EOCD_BYTES + 1 : 0;
	while (i-- > 0)
		if (le_uint(tail + i, 4) == EOCD_SIG &&
		    i + EOCD_BYTES + le_uint(tail + i + 20, 2) <= tail_len)
			break;
	if (i == (size_t)-1) {
		snprintf(why, why_cap, "no end of central directory");
		goto out;
	}
	uint64_t eocd_at = tail_at + i, end_at = eocd_at;
	*dir_size = le_uint(tail + i + 12, 4);
	*dir_at = le_uint(tail + i + 16, 4);
	if (*dir_size == 0xffffffffu || *dir_at == 0xffffffffu || le_uint(tail + i + 10, 2) == 0xffffu) {
		unsigned char loc[Z64_LOCATOR_BYTES], z64[Z64_EOCD_BYTES];
		if (eocd_at >= Z64_LOCATOR_BYTES &&
		    pread_at(fd, eocd_at - Z64_LOCATOR_BYTES, loc, sizeof(loc)) == (ssize_t)sizeof(loc) &&
		    le_uint(loc, 4) == Z64_LOCATOR_SIG) {
			uint64_t z64_at = le_uint(loc + 8, 8);
			if (pread_at(fd, z64_at, z64, sizeof(z64)) != (ssize_t)sizeof(z64) ||
			    le_uint(z64, 4) != Z64_EOCD_SIG) {
				snprintf(why, why_cap, "a damaged zip64 end of central directory");
				goto out;
			}
			*dir_size = le_uint(z64 + 40, 8);
			*dir_at = le_uint(z64 + 48, 8);
			end_at = z64_at;
		}
	}
	if (*dir_at > end_at || *dir_size > end_at - *dir_at) {
		snprintf(why, why_cap, "a central directory past its end");
		goto out;
	}
	*shift = end_at - (*dir_at + *dir_size);
	*dir_at += *shift;
	rc = 0;
out:
	free(tail);
	return rc;
}

int zip_decoder_need(int fd, uint64_t *need, char *why, size_t why_cap)
{
	struct stat st;
	*need = 0;
	if (fstat(fd, &st)) {
		snprintf(why, why_cap, "%s", strerror(errno));
		return -1;
	}
	uint64_t dir_at, dir_size, shift;
	if (find_directory(fd, (uint64_t)st.st_size, &dir_at, &dir_size, &shift, why, why_cap))
		return -1;
	unsigned char *buf = malloc(DIR_BUF_BYTES);
	if (!buf) {
		snprintf(why, why_cap, "out of memory");
		return -1;
	}
	/* The entries, through a window of the directory refilled as it is
	 * used: buf[0, len) holds the bytes from dir_at + at. */
	uint64_t at = 0;
	size_t len = 0, pos = 0;
	int rc = 0;
	while (at + pos + CENTRAL_BYTES <= dir_size) {
		if (len - pos < CENTRAL_BYTES + 3 * 65535u && at + len < dir_size) {
			memmove(buf, buf + pos, len - pos);
			at += pos;
			len -= pos;
			pos = 0;
			uint64_t left = dir_size - at - len;
			size_t want = DIR_BUF_BYTES - len < left ? DIR_BUF_BYTES - len : (size_t)left;
			ssize_t got = pread_at(fd, dir_at + at + len, buf + len, want);
			if (got != (ssize_t)want) {
				snprintf(why, why_cap, "cannot read its central directory");
				rc = -1;
				break;
			}
			len += want;
		}
		const unsigned char *e = buf + pos;
		if (le_uint(e, 4) != CENTRAL_SIG)
			break;   /* the directory's end, or damage: libarchive's to say */
		size_t name_len = le_uint(e + 28, 2), extra_len = le_uint(e + 30, 2), entry_len;
		entry_len = CENTRAL_BYTES + name_len + extra_len + le_uint(e + 32, 2);
		if (entry_len > len - pos)
			break;
		unsigned method = (unsigned)le_uint(e + 10, 2);
		if (ZIP_METHOD_COUNTED(method)) {
			uint64_t local_at = le_uint(e + 42, 4);
			if (local_at == 0xffffffffu) {
				/* zip64: the extra field 1 holds, in order, the sizes
				 * and offset whose fixed fields are saturated. */
				const unsigned char *x = e + CENTRAL_BYTES + name_len, *x_end = x + extra_len;
				while (x + 4 <= x_end && x + 4 + le_uint(x + 2, 2) <= x_end) {
					size_t skip = 0, field_len = le_uint(x + 2, 2);
					if (le_uint(x, 2) == 1) {
						skip += 8 * (le_uint(e + 24, 4) == 0xffffffffu);
						skip += 8 * (le_uint(e + 20, 4) == 0xffffffffu);
						if (skip + 8 <= field_len)
							local_at = le_uint(x + 4 + skip, 8);
						break;
					}
					x += 4 + field_len;
				}
			}
			uint64_t entry = entry_need(fd, local_at + shift, method);
			if (entry > *need)
				*need = entry;
		}
		pos += entry_len;
	}
	free(buf);
	return rc;
}
