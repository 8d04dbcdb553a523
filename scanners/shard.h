/*
 * scanners/shard.h - which sources belong to one shard of a split scan.
 *
 * Two ways to split, both deterministic on any machine:
 *  - a plan file (made by `piiaudit plan`): lines "K<TAB>BYTES<TAB>PATH"
 *    after a "# piiaudit plan v1 shards=N" header; shard K scans the
 *    paths of its lines;
 *  - K/N without a plan: a source belongs to shard K when the FNV-1a hash
 *    of its path, modulo N, is K.
 *
 * The caller owns the lists.  Errors: -1 with a message in err (the plan
 * file and line named).
 */
#ifndef PIIAUDIT_SHARD_H
#define PIIAUDIT_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "scanners/walk.h"

uint64_t shard_hash(const char *path);

/* Keeps only the entries of shard k of n (in place). */
void shard_filter(struct walk_list *list, unsigned k, unsigned n);

/* Reads the plan at path; adds the paths of shard k to list (walked as
 * given); *shards gets N and digest the plan file's SHA-256 in hex. */
int shard_plan_load(const char *path, unsigned k, struct walk_list *list, unsigned *shards,
                    char digest[65], char *err, size_t errlen);

#endif
