/*
 * scanners/path_list.c - paths read from a list file (see path_list.h).
 * Owns the line buffer and the stream it opens, both freed before it
 * returns; standard input is read, never closed.
 */
#include "scanners/path_list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int path_list_read(const char *file, bool nul, int (*add)(void *ctx, const char *path), void *ctx,
                   char *err, size_t errlen)
{
	bool from_stdin = !strcmp(file, "-");
	char label[4096];
	snprintf(label, sizeof(label), "%s (--files-from)", from_stdin ? "standard input" : file);
	const char *name = label;
	FILE *in = from_stdin ? stdin : fopen(file, "rb");
	char *line = NULL;
	size_t cap = 0, entry = 0;
	ssize_t got;
	int rc = -1;
	if (!in) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	errno = 0;
	while ((got = getdelim(&line, &cap, nul ? '\0' : '\n', in)) > 0) {
		size_t n = (size_t)got;
		entry++;
		if (line[n - 1] == (nul ? '\0' : '\n'))
			line[--n] = '\0';
		if (!nul && memchr(line, '\0', n)) {
			snprintf(err, errlen, "%s: line %zu holds a NUL byte (a list from find -print0 needs --null)",
			         name, entry);
			goto out;
		}
		if (!n)
			continue;
		if (!strcmp(line, "-")) {
			snprintf(err, errlen, "%s: entry %zu is '-': name standard input on the command line, not in a list",
			         name, entry);
			goto out;
		}
		if (add(ctx, line)) {
			snprintf(err, errlen, "%s: out of memory", name);
			goto out;
		}
		errno = 0;
	}
	if (ferror(in) || (got < 0 && errno)) {
		snprintf(err, errlen, "%s: %s", name, errno ? strerror(errno) : "read error");
		goto out;
	}
	rc = 0;
out:
	free(line);
	if (!from_stdin)
		fclose(in);
	return rc;
}
