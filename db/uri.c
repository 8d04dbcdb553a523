/*
 * db/uri.c - SQLite "file:" URIs for paths (see db/uri.h).
 *
 * Owns nothing; the returned string is the caller's.  Fails only when out
 * of memory (NULL).
 */
#include <stdlib.h>
#include <string.h>

#include "db/uri.h"

char *db_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path), qlen = query ? strlen(query) : 0;
	query = query ? query : "";
	char *out = malloc(3 * len + qlen + 16), *o = out;
	if (!out)
		return NULL;
	/* An empty authority before an absolute path: "//x" stays a path. */
	const char *scheme = path[0] == '/' ? "file://" : "file:";
	memcpy(o, scheme, strlen(scheme));
	o += strlen(scheme);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	if (qlen)
		*o++ = '?';
	memcpy(o, query, qlen + 1);
	return out;
}
