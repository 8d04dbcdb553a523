/*
 * scanners/zip_mem.h - how much memory reading a zip archive's entries
 * compressed with LZMA, xz or zstd (methods 14, 95 and 93) will take, read
 * from the archive before libarchive opens it.
 *
 * libarchive gives each LZMA or xz entry's decoder the dictionary its data
 * asks (up to 1.5 GiB), and each zstd entry's the window its frame asks
 * (libzstd refuses more than 128 MiB unless told); the reader takes this
 * much from the decoder budget first (mem_budget.h).  Deflate, bzip2 and
 * stored entries need little whatever the archive says, and are not
 * counted.
 *
 * Reads the central directory (zip64 too) and, for each such entry,
 * its local header and first bytes, with pread() (the offset is left
 * alone).  The caller owns the descriptor.  (A zip read as a stream is
 * followed by zip_stream_mem.h instead.)
 */
#ifndef PIIAUDIT_ZIP_MEM_H
#define PIIAUDIT_ZIP_MEM_H

#include <stddef.h>
#include <stdint.h>

#define ZIP_METHOD_LZMA 14
#define ZIP_METHOD_ZSTD 93
#define ZIP_METHOD_XZ 95

/* Whether entries of this method are counted. */
#define ZIP_METHOD_COUNTED(m) ((m) == ZIP_METHOD_LZMA || (m) == ZIP_METHOD_XZ || (m) == ZIP_METHOD_ZSTD)

/* How many bytes of an entry's data zip_entry_data_need() reads at most:
 * an xz stream header and its first block header. */
#define ZIP_ENTRY_PROBE_BYTES (12u + 1024u)

/* What the decoder of an entry of this method needs, from the first len
 * bytes of its data: an LZMA entry's properties (its dictionary), an xz
 * entry's first block header (its filter chain), as liblzma counts them;
 * a zstd entry's first frame header (its window), as libzstd counts it
 * (0 for a window over 128 MiB: libzstd refuses it before allocating).
 * 0 for other methods, and when these bytes say nothing readable. */
uint64_t zip_entry_data_need(unsigned method, const unsigned char *data, size_t len);

/* The most memory one entry's decoder takes (the entries are read one
 * after another): 0 with *need set (0 without such entries); -1 when the
 * central directory cannot be read here, with the reason in why. */
int zip_decoder_need(int fd, uint64_t *need, char *why, size_t why_cap);

#endif
