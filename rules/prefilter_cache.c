/*
 * rules/prefilter_cache.c - the prefilter's cache folder (see
 * prefilter_cache.h).  Owns nothing between calls.
 *
 * The folder is pruned after a file is written (a cache miss, so never on
 * a scan whose rules are cached), at most once a PRUNE_EVERY_SECONDS
 * (the time of the file PRUNE_STAMP in it): the files used longest ago
 * go first, until at most PRUNE_FILES files of at most PRUNE_BYTES
 * remain, but never one used in the last PRUNE_KEEP_SECONDS (this run's,
 * or a concurrent one's, even when larger than the limit; a temporary
 * file being written), and at most PRUNE_REMOVALS at a time, so that a
 * scan never waits on a large clean-up (a folder of 12,000 files took
 * seconds).  A file read is touched, so "used" is its modification time.
 * Another process may prune a file this one is about to read: the read
 * fails and the caller compiles, as on any miss.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rules/prefilter_cache.h"

#define PRUNE_FILES 256
#define PRUNE_BYTES (64L << 20)
#define PRUNE_KEEP_SECONDS 600
#define PRUNE_EVERY_SECONDS 60
#define PRUNE_REMOVALS 64
#define PRUNE_STAMP "prune.stamp"

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
	if (bytes)
		futimens(fd, NULL);     /* used now: pruned last */
	close(fd);
	return bytes;
}

struct cache_file {
	char *name;
	struct timespec used;
	off_t size;
};

static int newest_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct cache_file *)a)->used;
	const struct timespec *y = &((const struct cache_file *)b)->used;
	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? 1 : -1;
	return x->tv_nsec < y->tv_nsec ? 1 : x->tv_nsec > y->tv_nsec ? -1 : 0;
}

/* Whether the folder is due a pruning; if so, stamps it now.  A stamp in
 * the future (a clock set back) counts as old. */
static bool prune_due(int dir_fd, const struct timespec *now)
{
	struct stat st;
	if (fstatat(dir_fd, PRUNE_STAMP, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_mtim.tv_sec > now->tv_sec - PRUNE_EVERY_SECONDS && st.st_mtim.tv_sec <= now->tv_sec)
		return false;
	int fd = openat(dir_fd, PRUNE_STAMP, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	futimens(fd, NULL);
	close(fd);
	return true;
}

/* Removes, oldest first and at most PRUNE_REMOVALS of them, the hs-* files
 * of dir beyond the newest PRUNE_FILES, or beyond PRUNE_BYTES, unless
 * used recently; quietly does less when out of memory or a file vanishes. */
static void prune(const char *dir)
{
	struct timespec now;
	DIR *d = opendir(dir);
	struct cache_file *files = NULL;
	size_t count = 0, alloc = 0;
	clock_gettime(CLOCK_REALTIME, &now);
	if (!d)
		return;
	if (!prune_due(dirfd(d), &now)) {
		closedir(d);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (strncmp(e->d_name, "hs-", 3) || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (count == alloc) {
			size_t grown_alloc = alloc ? alloc * 2 : 64;
			struct cache_file *grown = realloc(files, grown_alloc * sizeof(*grown));
			if (!grown)
				break;
			files = grown;
			alloc = grown_alloc;
		}
		if (!(files[count].name = strdup(e->d_name)))
			break;
		files[count].used = st.st_mtim;
		files[count++].size = st.st_size;
	}
	if (count)
		qsort(files, count, sizeof(*files), newest_first);
	/* files[keep, count) are beyond the limits. */
	size_t keep = 0;
	for (long total = 0; keep < count && keep < PRUNE_FILES; keep++)
		if ((total += files[keep].size) > PRUNE_BYTES)
			break;
	size_t removed = 0;
	for (size_t i = count; i > keep && removed < PRUNE_REMOVALS; i--)
		if (files[i - 1].used.tv_sec < now.tv_sec - PRUNE_KEEP_SECONDS &&
		    unlinkat(dirfd(d), files[i - 1].name, 0) == 0)
			removed++;
	for (size_t i = 0; i < count; i++)
		free(files[i].name);
	free(files);
	closedir(d);
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
	else
		prune(dir);
}
