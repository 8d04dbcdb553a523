/*
 * scanners/shard.c - plan files and hash sharding.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "scanners/shard.h"

#define PLAN_LINE_MAX 65536

uint64_t shard_hash(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void shard_filter(struct walk_list *list, unsigned k, unsigned n)
{
	size_t kept = 0;
	list->total_bytes = 0;
	for (size_t i = 0; i < list->count; i++) {
		struct walk_entry *e = &list->items[i];
		if (shard_hash(e->path) % n == k) {
			list->items[kept++] = *e;
			if (e->size > 0)
				list->total_bytes += (uint64_t)e->size;
		} else {
			free(e->path);
			free(e->problem);
		}
	}
	list->count = kept;
}

int shard_plan_load(const char *path, unsigned k, struct walk_list *list, unsigned *shards,
                    char digest[65], char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *line = malloc(PLAN_LINE_MAX);
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	unsigned long lineno = 0;
	int rc = -1;
	*shards = 0;
	if (!f || !line) {
		snprintf(err, errlen, "%s: %s", path, f ? "out of memory" : strerror(errno));
		goto out;
	}
	crypto_hash_sha256_init(&st);
	while (fgets(line, PLAN_LINE_MAX, f)) {
		size_t n = strlen(line);
		lineno++;
		crypto_hash_sha256_update(&st, (const unsigned char *)line, n);
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(f)) {
			snprintf(err, errlen, "%s:%lu: line too long", path, lineno);
			goto out;
		}
		if (lineno == 1) {
			if (sscanf(line, "# piiaudit plan v1 shards=%u", shards) != 1 || *shards == 0) {
				snprintf(err, errlen, "%s:1: not a piiaudit plan (no '# piiaudit plan v1 shards=N')", path);
				goto out;
			}
			continue;
		}
		if (!n || line[0] == '#')
			continue;
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL, *end;
		unsigned long shard = strtoul(line, &end, 10);
		if (!tab2 || end != tab1 || shard >= *shards || !tab2[1]) {
			snprintf(err, errlen, "%s:%lu: expected SHARD<TAB>BYTES<TAB>PATH", path, lineno);
			goto out;
		}
		if (shard == k && walk_add(list, tab2 + 1, false, NULL)) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!*shards) {
		snprintf(err, errlen, "%s: empty plan", path);
		goto out;
	}
	if (k >= *shards) {
		snprintf(err, errlen, "%s: shard %u does not exist (the plan has %u)", path, k, *shards);
		goto out;
	}
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(digest, 65, sum, sizeof(sum));
	rc = 0;
out:
	if (f)
		fclose(f);
	free(line);
	return rc;
}
