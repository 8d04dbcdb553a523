/*
 * scanners/walk.c - expanding folders into files, deterministically.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "scanners/path_list.h"
#include "scanners/walk.h"

#define WALK_MAX_DEPTH 256

struct dir_id {
	dev_t dev;
	ino_t ino;
};

/* What one walk_add() call walks with. */
struct walk_ctx {
	struct walk_list *list;
	bool follow;
	const struct path_exclude *exclude;
	size_t rel;             /* where a found path's part under the named one starts */
	struct dir_id stack[WALK_MAX_DEPTH];
};

static int push(struct walk_list *list, const char *path, int64_t size, const char *problem,
                bool skipped)
{
	if (list->count == list->alloc) {
		size_t alloc = list->alloc ? list->alloc * 2 : 256;
		struct walk_entry *grown = realloc(list->items, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		list->items = grown;
		list->alloc = alloc;
	}
	struct walk_entry *e = &list->items[list->count];
	e->path = strdup(path);
	e->problem = problem ? strdup(problem) : NULL;
	e->size = size;
	e->skipped = skipped;
	if (!e->path || (problem && !e->problem)) {
		free(e->path);
		free(e->problem);
		return -1;
	}
	list->count++;
	if (size > 0)
		list->total_bytes += (uint64_t)size;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(struct walk_ctx *w, const char *path, size_t depth);

static int walk_path(struct walk_ctx *w, const char *path, bool top, size_t depth)
{
	struct walk_list *list = w->list;
	struct dir_id *stack = w->stack;
	if (!top && path_exclude_match(w->exclude, path + w->rel)) {
		list->excluded++;
		return 0;
	}
	struct stat st;
	int rc = top || w->follow ? stat(path, &st) : lstat(path, &st);
	if (rc)
		return push(list, path, -1, strerror(errno), false);
	if (S_ISLNK(st.st_mode))
		return push(list, path, -1, "symbolic link not followed (use --follow)", true);
	if (S_ISREG(st.st_mode))
		return push(list, path, st.st_size, NULL, false);
	if (S_ISDIR(st.st_mode)) {
		for (size_t i = 0; i < depth; i++)
			if (stack[i].dev == st.st_dev && stack[i].ino == st.st_ino)
				return push(list, path, -1, "symbolic link loop: folder already being walked", true);
		if (depth >= WALK_MAX_DEPTH)
			return push(list, path, -1, "folders nested too deep", false);
		stack[depth].dev = st.st_dev;
		stack[depth].ino = st.st_ino;
		if (top) {
			size_t plen = strlen(path);
			w->rel = plen + !(plen && path[plen - 1] == '/');
		}
		return walk_dir(w, path, depth + 1);
	}
	/* A FIFO or device named on the command line is read as a stream;
	 * one found in a folder is not opened (it could block forever). */
	if (top)
		return push(list, path, -1, NULL, false);
	return push(list, path, -1, "not a regular file", true);
}

static int walk_dir(struct walk_ctx *w, const char *path, size_t depth)
{
	struct walk_list *list = w->list;
	DIR *dir = opendir(path);
	char **names = NULL;
	size_t count = 0, alloc = 0;
	struct dirent *de;
	int rc = 0;
	if (!dir)
		return push(list, path, -1, strerror(errno), false);
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (count == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			char **grown = realloc(names, alloc * sizeof(*grown));
			if (!grown) {
				rc = -1;
				break;
			}
			names = grown;
		}
		if (!(names[count] = strdup(de->d_name))) {
			rc = -1;
			break;
		}
		count++;
	}
	closedir(dir);
	if (count)
		qsort(names, count, sizeof(*names), name_cmp);
	size_t plen = strlen(path);
	bool slash = plen && path[plen - 1] == '/';
	for (size_t i = 0; rc == 0 && i < count; i++) {
		size_t need = plen + strlen(names[i]) + 2;
		char *child = malloc(need);
		if (!child) {
			rc = -1;
			break;
		}
		snprintf(child, need, "%s%s%s", path, slash ? "" : "/", names[i]);
		rc = walk_path(w, child, false, depth);
		free(child);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Adds the path's SHA-256 to the sum: a multiset hash, so the digest of
 * the named paths needs no copy of them and no order. */
static void add_named(struct walk_list *list, const char *path)
{
	unsigned char sum[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(sum, (const unsigned char *)path, strlen(path));
	for (size_t lane = 0; lane < 4; lane++) {
		uint64_t v = 0;
		for (size_t k = 0; k < 8; k++)
			v |= (uint64_t)sum[8 * lane + k] << (8 * k);
		list->named_sum[lane] += v;
	}
	list->named_count++;
}

void walk_named_digest(const struct walk_list *list, char hex[65])
{
	/* Little-endian whatever the host, so a database moved between
	 * machines still resumes. */
	unsigned char state[40], sum[crypto_hash_sha256_BYTES];
	for (size_t k = 0; k < 8; k++)
		state[k] = (unsigned char)(list->named_count >> (8 * k));
	for (size_t lane = 0; lane < 4; lane++)
		for (size_t k = 0; k < 8; k++)
			state[8 + 8 * lane + k] = (unsigned char)(list->named_sum[lane] >> (8 * k));
	crypto_hash_sha256(sum, state, sizeof(state));
	sodium_bin2hex(hex, 65, sum, sizeof(sum));
}

int walk_add(struct walk_list *list, const char *path, bool follow_links,
             const struct path_exclude *exclude)
{
	add_named(list, path);
	if (!strcmp(path, "-"))
		return push(list, path, -1, NULL, false);
	struct walk_ctx *w = malloc(sizeof(*w));
	if (!w)
		return -1;
	w->list = list;
	w->follow = follow_links;
	w->exclude = exclude;
	w->rel = 0;
	int rc = walk_path(w, path, true, 0);
	free(w);
	return rc;
}

struct listed {
	struct walk_list *list;
	bool follow;
	const struct path_exclude *exclude;
	size_t count;
};

static int add_listed(void *ctx, const char *path)
{
	struct listed *l = ctx;
	l->count++;
	return walk_add(l->list, path, l->follow, l->exclude);
}

int walk_add_list(struct walk_list *list, const char *list_file, bool nul, bool follow_links,
                  const struct path_exclude *exclude, size_t *listed, char *err, size_t errlen)
{
	struct listed l = { .list = list, .follow = follow_links, .exclude = exclude };
	int rc = path_list_read(list_file, nul, add_listed, &l, err, errlen);
	*listed = l.count;
	return rc;
}

void walk_release(struct walk_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].path);
		free(list->items[i].problem);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}
