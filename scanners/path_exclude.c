/*
 * scanners/path_exclude.c - the --exclude globs (see path_exclude.h).
 * The list owns its globs' copies.
 */
#include "scanners/path_exclude.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* The glob without the slashes at its ends, nor "./" in front:
 * [*start, *start + *len). */
static void trim(const char *glob, const char **start, size_t *len)
{
	size_t n = strlen(glob);
	for (;;) {
		if (n && *glob == '/') {
			glob++;
			n--;
		} else if (n >= 2 && glob[0] == '.' && glob[1] == '/') {
			glob += 2;
			n -= 2;
		} else {
			break;
		}
	}
	while (n && glob[n - 1] == '/')
		n--;
	*start = glob;
	*len = n;
}

bool path_exclude_glob_ok(const char *glob)
{
	const char *start;
	size_t len;
	trim(glob, &start, &len);
	return len > 0;
}

int path_exclude_add(struct path_exclude *ex, const char *glob)
{
	const char *start;
	size_t len;
	trim(glob, &start, &len);
	if (ex->count == ex->alloc) {
		size_t alloc = ex->alloc ? ex->alloc * 2 : 8;
		struct path_exclude_glob *grown = realloc(ex->globs, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		ex->globs = grown;
		ex->alloc = alloc;
	}
	char *text = strndup(start, len);
	if (!text)
		return -1;
	/* Anchored when a '/' is left inside, or there was one in front. */
	ex->globs[ex->count++] = (struct path_exclude_glob){
		.text = text, .anchored = memchr(start, '/', len) || start != glob,
	};
	return 0;
}

/* Tests every glob against the folder or file that ends at path[end]
 * (path is writable; its name starts at path[name]). */
static const char *match_at(const struct path_exclude *ex, char *path, size_t name, size_t end)
{
	char saved = path[end];
	const char *hit = NULL;
	path[end] = '\0';
	for (size_t i = 0; !hit && i < ex->count; i++) {
		const struct path_exclude_glob *g = &ex->globs[i];
		if (!fnmatch(g->text, g->anchored ? path : path + name, FNM_PATHNAME))
			hit = g->text;
	}
	path[end] = saved;
	return hit;
}

const char *path_exclude_match(const struct path_exclude *ex, const char *rel)
{
	if (!ex || !ex->count)
		return NULL;
	for (;;) {
		if (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		else if (rel[0] == '/')
			rel++;
		else
			break;
	}
	size_t n = strlen(rel);
	char stack[PATH_EXCLUDE_STACK];
	char *path = n < sizeof(stack) ? stack : malloc(n + 1);
	if (!path)
		return NULL;
	memcpy(path, rel, n + 1);
	const char *hit = NULL;
	size_t name = 0;
	for (size_t i = 0; !hit && i <= n; i++) {
		if (i < n && path[i] != '/')
			continue;
		if (i > name)   /* "a//b": no empty names */
			hit = match_at(ex, path, name, i);
		name = i + 1;
	}
	if (path != stack)
		free(path);
	return hit;
}

void path_exclude_release(struct path_exclude *ex)
{
	for (size_t i = 0; i < ex->count; i++)
		free(ex->globs[i].text);
	free(ex->globs);
	memset(ex, 0, sizeof(*ex));
}
