/*
 * rules/prefilter_cache.c - the prefilter's cache folder (see
 * prefilter_cache.h).  Owns nothing between calls.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/prefilter_cache.h"

static int cache_dir(char *out, size_t cap)
{
	const char *env = getenv("PIIAUDIT_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (env)
		n = *env ? snprintf(out, cap, "%s", env) : -1; /* empty: no cache */
	else if (xdg && *xdg)
		n = snprintf(out, cap, "%s/piiaudit", xdg);
	else if (home && *home)
		n = snprintf(out, cap, "%s/.cache/piiaudit", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

void prefilter_cache_path(const unsigned char sum[32], const char *suffix, char out[PREFILTER_CACHE_PATH])
{
	char dir[4000];
	out[0] = '\0';
	if (cache_dir(dir, sizeof(dir)))
		return;
	int n = snprintf(out, PREFILTER_CACHE_PATH, "%s/hs-", dir);
	for (int i = 0; i < 16 && n > 0 && n + 3 < PREFILTER_CACHE_PATH; i++)
		n += snprintf(out + n, PREFILTER_CACHE_PATH - (size_t)n, "%02x", sum[i]);
	if (n <= 0 || snprintf(out + n, PREFILTER_CACHE_PATH - (size_t)n, ".%s", suffix) >= PREFILTER_CACHE_PATH - n)
		out[0] = '\0';
}

void *prefilter_cache_read(const char *path, size_t *len)
{
	struct stat st;
	char *bytes = NULL;
	int fd = path[0] ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (256 << 20) &&
	    (bytes = malloc((size_t)st.st_size))) {
		size_t got = 0;
		for (ssize_t n; got < (size_t)st.st_size &&
		                (n = read(fd, bytes + got, (size_t)st.st_size - got)) > 0;)
			got += (size_t)n;
		if (got != (size_t)st.st_size) {
			free(bytes);
			bytes = NULL;
		}
		*len = got;
	}
	close(fd);
	return bytes;
}

void prefilter_cache_write(const char *path, const void *bytes, size_t len)
{
	char tmp[PREFILTER_CACHE_PATH + 32], dir[PREFILTER_CACHE_PATH];
	char *slash;
	if (!path[0] || snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) || !(slash = strrchr(dir, '/')))
		return;
	*slash = '\0';
	/* mkdir -p, 0700. */
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	mkdir(dir, 0700);
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	bool ok = write(fd, bytes, len) == (ssize_t)len;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path))
		unlink(tmp);
}
