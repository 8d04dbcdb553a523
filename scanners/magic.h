/*
 * scanners/magic.h - what a stream is, from its first bytes: the one
 * recognition the scanner (reader.c) and the redactor (redact_io.c)
 * share, so that redact never copies as binary a format the scan reads
 * (a clean copy would keep the personal data inside it).
 *
 * Pure; nothing is allocated.
 */
#ifndef PIIAUDIT_MAGIC_H
#define PIIAUDIT_MAGIC_H

#include <stddef.h>

/* The format p[0, n) starts with: "gzip", "zstd", "xz", "bzip2", "lz4",
 * "lzma", "lzip", "compress" (.Z), "zip", "7z", "tar", "cpio" or "ar";
 * NULL for none of them.
 * A tar is known from 262 bytes, the rest from their first 13. */
const char *magic_sniff(const unsigned char *p, size_t n);

#endif
