/*
 * scanners/field_paths.h - the field paths of a scan with --field '*',
 * each kept once.
 *
 * With --field '*' a finding's field is the path it was found under
 * ("meta.author", a CSV column's name), made from the data, so it is
 * made once for each distinct raw path (the caller decides what is
 * recorded: scan writes a key that could hold personal data as "*") and
 * kept here, where findings may point at it until the table is freed.
 * One table serves all the threads of a scan (a mutex; lookups of known
 * paths are the common case).  Bounded: after FIELD_PATHS_MAX paths or
 * FIELD_PATHS_MAX_BYTES bytes, a new path is recorded as "*", so data
 * that makes up a new key in every record costs no more memory.
 *
 * The table owns its copies.  NULL from field_paths_new() or
 * field_paths_add() means out of memory.
 */
#ifndef PIIAUDIT_FIELD_PATHS_H
#define PIIAUDIT_FIELD_PATHS_H

#include <stddef.h>

#define FIELD_PATHS_MAX 65536
#define FIELD_PATHS_MAX_BYTES (16u << 20)

struct field_paths;

struct field_paths *field_paths_new(void);
void field_paths_free(struct field_paths *t);

/* The path recorded for the raw path key[0, len), or NULL when it has not
 * been added. */
const char *field_paths_find(struct field_paths *t, const void *key, size_t len);

/* Keeps `recorded` (copied) for the raw path key[0, len) and returns the
 * kept copy: the one another thread added meanwhile if there is one, "*"
 * once the table is full (the key is not kept then).  NULL: out of
 * memory. */
const char *field_paths_add(struct field_paths *t, const void *key, size_t len, const char *recorded);

#endif
