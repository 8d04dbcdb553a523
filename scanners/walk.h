/*
 * scanners/walk.h - the list of sources named by the command line.
 *
 * Folders are walked recursively in byte order of names, so a walk is
 * deterministic.  Symbolic links inside folders are not followed unless
 * asked; when they are, a folder already on the current path is not
 * entered twice (no loops).  FIFOs, sockets and devices inside folders are
 * listed with a skip reason rather than opened.  Unreadable folders are
 * listed with their error.  A file or folder found under a folder that
 * the --exclude globs match (scanners/path_exclude.h, its path relative to
 * the folder named) is neither listed nor entered, only counted; a path
 * named itself is never excluded.
 *
 * The list also keeps a digest of the paths named (walk_add()'s and the
 * list file's, not what was found under them) that does not depend on
 * their order: scan --resume compares it.
 *
 * The list owns its strings.  Errors other than out-of-memory are entries,
 * not failures.
 */
#ifndef PIIAUDIT_WALK_H
#define PIIAUDIT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanners/path_exclude.h"

struct walk_entry {
	char *path;
	int64_t size;           /* -1 when unknown */
	char *problem;          /* NULL, or why it cannot be scanned */
	bool skipped;           /* problem is a deliberate skip, not an error */
};

struct walk_list {
	struct walk_entry *items;
	size_t count, alloc;
	uint64_t total_bytes;   /* of the regular files listed */
	uint64_t excluded;      /* files and folders left out by the globs */
	uint64_t named_count;   /* paths named to walk_add() */
	uint64_t named_sum[4];  /* their SHA-256s added up, lane by lane */
};

/* Adds path (a file, a folder walked recursively, or "-"), leaving out
 * what exclude matches under a folder (exclude may be NULL; it is
 * borrowed for the call).  -1 only when out of memory. */
int walk_add(struct walk_list *list, const char *path, bool follow_links,
             const struct path_exclude *exclude);
/* Adds each path listed in list_file (scanners/path_list.h: one a line,
 * or NUL-separated with nul; "-" is standard input) as walk_add() would;
 * *listed gets how many paths the list named.  -1 with a one-line reason
 * in err. */
int walk_add_list(struct walk_list *list, const char *list_file, bool nul, bool follow_links,
                  const struct path_exclude *exclude, size_t *listed, char *err, size_t errlen);
void walk_release(struct walk_list *list);

/* The SHA-256, in hex, of the paths named so far as a set with repeats
 * (the same paths in any order give the same digest). */
void walk_named_digest(const struct walk_list *list, char hex[65]);

#endif
