/*
 * scanners/path_exclude.h - the --exclude globs: which files found under a
 * folder, and which archive members, are not read.
 *
 * A glob is tested against a path relative to what contains it: a file's
 * path under the folder named on the command line, or a member's path
 * inside its archive ("./" and "/" in front are dropped).  A path is
 * excluded when the glob matches it or any folder above it, so a glob
 * that names a folder leaves out everything in it.  A glob without '/'
 * is matched against single names ("*.png", ".git", "tmp*"); one with a
 * '/' against the path from the top ("docs/drafts", "data/tmp*.txt", "/tmp"),
 * where '*' and '?' do not match '/' (fnmatch(3) with FNM_PATHNAME).
 * Slashes at the end are dropped ("build/" is "build"), and slashes and
 * "./" at the start once the glob is known to be anchored ("/tmp" and
 * "./tmp" match "tmp" at the top only).  There is no "**".
 *
 * The list owns copies of its globs.  path_exclude_add fails only when
 * out of memory; a glob that is empty (or only slashes) is the caller's
 * to refuse first.  path_exclude_match allocates nothing for paths
 * shorter than PATH_EXCLUDE_STACK bytes, and fails only when out of
 * memory for a longer one (it then says "not excluded").
 */
#ifndef PIIAUDIT_PATH_EXCLUDE_H
#define PIIAUDIT_PATH_EXCLUDE_H

#include <stdbool.h>
#include <stddef.h>

#define PATH_EXCLUDE_STACK 4096

struct path_exclude_glob {
	char *text;             /* as given, without the slashes at its ends */
	bool anchored;          /* had a '/': matched against whole paths */
};

struct path_exclude {
	struct path_exclude_glob *globs;
	size_t count, alloc;
};

/* -1 when out of memory. */
int path_exclude_add(struct path_exclude *ex, const char *glob);

/* Whether path_exclude_add would keep the glob: not empty once the
 * slashes at its ends are removed. */
bool path_exclude_glob_ok(const char *glob);

/* The first glob that excludes rel (its text as kept), or NULL. */
const char *path_exclude_match(const struct path_exclude *ex, const char *rel);

void path_exclude_release(struct path_exclude *ex);

#endif
