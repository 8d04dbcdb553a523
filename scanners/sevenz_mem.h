/*
 * scanners/sevenz_mem.h - how much memory reading a 7z archive's content
 * will take, read from its header before libarchive opens it.
 *
 * libarchive's 7z reader gives each folder's decoder what the archive
 * asks: an LZMA or LZMA2 dictionary (up to 1.5 GiB; 7z -mx9 asks
 * 64 MiB), a PPMd model (up to 4 GiB); and tables for each count the
 * header gives.  The reader takes this much from
 * the decoder budget before libarchive reads the archive (mem_budget.h).
 *
 * Reads the file through the descriptor with pread() (the offset is left
 * alone); an LZMA-compressed header is decoded as far as needed, within
 * memory the caller allows.  The caller owns the descriptor.
 */
#ifndef PIIAUDIT_SEVENZ_MEM_H
#define PIIAUDIT_SEVENZ_MEM_H

#include <stddef.h>
#include <stdint.h>

/* A header read whole that is damaged: a count it has no room for, a
 * value no archive has.  libarchive would allocate for such counts
 * (gigabytes for a few hundred bytes), so the caller refuses the archive
 * itself. */
#define SEVENZ_DAMAGED (-2)

/* The most memory reading the archive takes at once: the largest
 * folder's coders (the folders are read one after another) and the
 * tables libarchive keeps for the header.  0 with *need set;
 * SEVENZ_DAMAGED with the reason in why; -1 when the header cannot be
 * read here (encrypted, an unknown header coder, a compressed header
 * whose decoder would need more than header_memory_max bytes, or one
 * over 256 MiB), with the reason in why. */
int sevenz_decoder_need(int fd, uint64_t header_memory_max, uint64_t *need, char *why,
                        size_t why_cap);

/* The same for a header already in memory (data, len: the whole file or
 * as much of it as read_at can give; for tests and fuzzing). */
int sevenz_decoder_need_mem(const unsigned char *data, size_t len, uint64_t header_memory_max,
                            uint64_t *need, char *why, size_t why_cap);

#endif
