/*
 * scanners/path_list.h - a list of paths read from a file, for
 * --files-from: one path a line, or NUL-terminated (find -print0).
 *
 * The caller's callback gets each path (borrowed for the call); empty
 * entries are skipped.  Nothing is kept.  Fails (-1, with a one-line
 * reason naming the list in err) when the list cannot be opened or read,
 * when a line holds a NUL byte (a -print0 list read as lines), when an
 * entry is "-" (standard input is named on the command line, not in a
 * list), or when the callback fails (taken for out of memory, walk_add()'s
 * only failure; it is told nothing more).
 */
#ifndef PIIAUDIT_PATH_LIST_H
#define PIIAUDIT_PATH_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* file: a path, or "-" for standard input.  nul: entries end with NUL
 * bytes rather than newlines. */
int path_list_read(const char *file, bool nul, int (*add)(void *ctx, const char *path), void *ctx,
                   char *err, size_t errlen);

#endif
