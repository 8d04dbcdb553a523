/*
 * scanners/archive_filters.c - in-process decompression filters only
 * (see archive_filters.h).  Owns nothing.
 *
 * A filter whose library libarchive lacks (its *_version() is NULL) is
 * left out rather than registered: libarchive would fall back to the
 * external program.  compress, uuencode and rpm are libarchive's own code.
 */
#include "scanners/archive_filters.h"

int archive_support_inprocess_filters(struct archive *a)
{
	int rc = ARCHIVE_OK;
#define ADD(call)                                   \
	do {                                        \
		int r = (call);                     \
		if (r != ARCHIVE_OK && rc == ARCHIVE_OK) \
			rc = r;                     \
	} while (0)
	ADD(archive_read_support_filter_compress(a));
	ADD(archive_read_support_filter_uu(a));
	ADD(archive_read_support_filter_rpm(a));
	if (archive_zlib_version())
		ADD(archive_read_support_filter_gzip(a));
	if (archive_bzlib_version())
		ADD(archive_read_support_filter_bzip2(a));
	if (archive_liblzma_version()) {
		ADD(archive_read_support_filter_xz(a));
		ADD(archive_read_support_filter_lzma(a));
		ADD(archive_read_support_filter_lzip(a));
	}
	if (archive_libzstd_version())
		ADD(archive_read_support_filter_zstd(a));
	if (archive_liblz4_version())
		ADD(archive_read_support_filter_lz4(a));
#undef ADD
	return rc;
}
