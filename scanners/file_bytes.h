/*
 * scanners/file_bytes.h - the two primitives the readers of archive
 * headers share (sevenz_mem.c, zip_mem.c): a little-endian number from
 * bytes, and a read at an offset that does not stop short.
 *
 * Owns nothing; the caller owns the buffers and the descriptor (whose
 * offset is left alone).
 */
#ifndef PIIAUDIT_FILE_BYTES_H
#define PIIAUDIT_FILE_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The number in the first `bytes` bytes of p (at most 8), least
 * significant first. */
uint64_t le_uint(const unsigned char *p, unsigned bytes);

/* Up to n bytes at offset `at`: how many were read (fewer only at the end
 * of the file), -1 on a read error (errno set).  Interrupted reads are
 * resumed. */
ssize_t pread_at(int fd, uint64_t at, unsigned char *buf, size_t n);

#endif
