/*
 * scanners/field_paths.c - an append-only table from raw paths to the
 * paths recorded for them, shared by a scan's threads (field_paths.h).
 *
 * Open addressing on a 64-bit FNV-1a hash, grown at half full; each entry
 * is one allocation holding the key and the recorded text, never moved,
 * so what field_paths_add() returns stays valid until field_paths_free().
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanners/field_paths.h"

struct entry {
	uint64_t hash;
	size_t key_len;
	const char *recorded;       /* inside the same allocation */
	unsigned char key[];
};

struct field_paths {
	pthread_mutex_t lock;
	struct entry **slots;
	size_t slot_count;          /* a power of two */
	size_t count, bytes;
};

static uint64_t hash_of(const unsigned char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 0x100000001b3u;
	return h;
}

struct field_paths *field_paths_new(void)
{
	struct field_paths *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->slot_count = 64;
	t->slots = calloc(t->slot_count, sizeof(*t->slots));
	if (!t->slots || pthread_mutex_init(&t->lock, NULL)) {
		free(t->slots);
		free(t);
		return NULL;
	}
	return t;
}

void field_paths_free(struct field_paths *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->slot_count; i++)
		free(t->slots[i]);
	free(t->slots);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* The slot holding key, or the empty one where it would go. */
static size_t slot_of(const struct field_paths *t, uint64_t hash, const void *key, size_t len)
{
	size_t i = (size_t)hash & (t->slot_count - 1);
	for (;;) {
		const struct entry *e = t->slots[i];
		if (!e || (e->hash == hash && e->key_len == len && !memcmp(e->key, key, len)))
			return i;
		i = (i + 1) & (t->slot_count - 1);
	}
}

static int grow(struct field_paths *t)
{
	size_t count = t->slot_count * 2;
	struct entry **slots = calloc(count, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < t->slot_count; i++) {
		struct entry *e = t->slots[i];
		if (!e)
			continue;
		size_t k = (size_t)e->hash & (count - 1);
		while (slots[k])
			k = (k + 1) & (count - 1);
		slots[k] = e;
	}
	free(t->slots);
	t->slots = slots;
	t->slot_count = count;
	return 0;
}

const char *field_paths_find(struct field_paths *t, const void *key, size_t len)
{
	uint64_t hash = hash_of(key, len);
	pthread_mutex_lock(&t->lock);
	const struct entry *e = t->slots[slot_of(t, hash, key, len)];
	const char *recorded = e ? e->recorded : NULL;
	pthread_mutex_unlock(&t->lock);
	return recorded;
}

const char *field_paths_add(struct field_paths *t, const void *key, size_t len, const char *recorded)
{
	uint64_t hash = hash_of(key, len);
	size_t text_len = strlen(recorded);
	const char *out = NULL;
	pthread_mutex_lock(&t->lock);
	size_t i = slot_of(t, hash, key, len);
	if (t->slots[i]) {
		out = t->slots[i]->recorded;
		goto done;
	}
	size_t size = sizeof(struct entry) + len + text_len + 1;
	if (t->count >= FIELD_PATHS_MAX || t->bytes + size > FIELD_PATHS_MAX_BYTES) {
		out = "*";
		goto done;
	}
	if ((t->count + 1) * 2 > t->slot_count) {
		if (grow(t))
			goto done;
		i = slot_of(t, hash, key, len);
	}
	struct entry *e = malloc(size);
	if (!e)
		goto done;
	e->hash = hash;
	e->key_len = len;
	memcpy(e->key, key, len);
	char *text = (char *)e->key + len;
	memcpy(text, recorded, text_len + 1);
	e->recorded = text;
	t->slots[i] = e;
	t->count++;
	t->bytes += size;
	out = text;
done:
	pthread_mutex_unlock(&t->lock);
	return out;
}
