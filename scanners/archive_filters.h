/*
 * scanners/archive_filters.h - the decompression filters libarchive may
 * use on what piiaudit reads: those it runs in-process, never one that
 * runs an external program.
 *
 * archive_read_support_filter_all() also registers lrzip and grzip (and
 * lzop, lz4 and zstd when libarchive was built without their libraries),
 * which libarchive decodes by starting `lrzip -d` and the like, found on
 * PATH, on the data: a crawled .bz2 holding an lrzip header made a scan
 * start a program on hostile bytes.  Data in those formats is read as
 * bytes instead (binary, so skipped or copied as such).
 *
 * The caller owns the archive; nothing is allocated here.
 */
#ifndef PIIAUDIT_ARCHIVE_FILTERS_H
#define PIIAUDIT_ARCHIVE_FILTERS_H

#include <archive.h>

/* Registers on a the filters whose library libarchive was built with:
 * gzip, bzip2, compress, xz, lzma, lzip, zstd, lz4, uuencode, rpm.
 * Returns ARCHIVE_OK, or what the first failing registration returned. */
int archive_support_inprocess_filters(struct archive *a);

#endif
