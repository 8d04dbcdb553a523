/*
 * rules/prefilter_cache.h - files kept between runs for the Hyperscan
 * prefilter: compiled databases, and what hs_expression_info() said of
 * each rule, so that a scan with unchanged rules compiles nothing.
 *
 * Files are named by the SHA-256 of everything that went into them (the
 * caller's), in $PIIAUDIT_CACHE_DIR, else $XDG_CACHE_HOME/piiaudit, else
 * ~/.cache/piiaudit (folders made 0700, files 0600, written to a temporary
 * name and renamed), and pruned when one is added (prefilter_cache.c).
 * They hold only what patterns compile to, nothing from a corpus.  A cache that cannot be read or written is simply not
 * used: every function here fails quietly, and the caller computes.
 */
#ifndef PIIAUDIT_PREFILTER_CACHE_H
#define PIIAUDIT_PREFILTER_CACHE_H

#include <stddef.h>

#define PREFILTER_CACHE_PATH 4200

/* out = DIR/hs-HEX32.SUFFIX for the digest sum; "" when there is no cache
 * folder (PIIAUDIT_CACHE_DIR empty, no home). */
void prefilter_cache_path(const unsigned char sum[32], const char *suffix, char out[PREFILTER_CACHE_PATH]);

/* The file's bytes (malloc'd, the caller frees), or NULL: absent, empty,
 * unreadable or over 256 MiB. */
void *prefilter_cache_read(const char *path, size_t *len);

/* Writes bytes under path, atomically. */
void prefilter_cache_write(const char *path, const void *bytes, size_t len);

#endif
