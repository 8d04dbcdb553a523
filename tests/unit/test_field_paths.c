/*
 * The table of --field '*' paths: one kept copy per raw path, stable
 * pointers, the bound, and threads adding the same paths at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "scanners/field_paths.h"
#include "tests/unit/unit.h"

struct racer {
	struct field_paths *table;
	const char *seen[64];
	int failed;
};

/* Each thread adds the same 64 raw paths (the recorded text differs by
 * thread): all must come back with the first adder's copy. */
static void *race(void *arg)
{
	struct racer *r = arg;
	for (int round = 0; round < 200; round++)
		for (int i = 0; i < 64; i++) {
			char key[16], text[32];
			int n = snprintf(key, sizeof(key), "J%d", i);
			snprintf(text, sizeof(text), "p%d-%p", i, (void *)r);
			const char *got = field_paths_find(r->table, key, (size_t)n);
			if (!got)
				got = field_paths_add(r->table, key, (size_t)n, text);
			if (!got || (r->seen[i] && r->seen[i] != got))
				r->failed = 1;
			r->seen[i] = got;
		}
	return NULL;
}

int main(void)
{
	struct field_paths *t = field_paths_new();
	CHECK(t != NULL);
	CHECK(field_paths_find(t, "Ja\0b", 4) == NULL);
	const char *ab = field_paths_add(t, "Ja\0b", 4, "a.b");
	CHECK(ab && !strcmp(ab, "a.b"));
	/* Keys are bytes: a NUL inside counts, another kind byte is another key. */
	CHECK(field_paths_find(t, "Ja\0b", 4) == ab);
	CHECK(field_paths_find(t, "Ja", 2) == NULL && field_paths_find(t, "Ca\0b", 4) == NULL);
	/* Added again: the first copy, not the new text. */
	CHECK(field_paths_add(t, "Ja\0b", 4, "other") == ab);

	/* Past FIELD_PATHS_MAX paths a new one is "*" and not kept; the old
	 * ones are still found, at the same place. */
	const char *first = NULL;
	size_t kept = 1;
	for (size_t i = 0; i < FIELD_PATHS_MAX + 10; i++) {
		char key[32];
		int n = snprintf(key, sizeof(key), "Jk%zu", i);
		const char *got = field_paths_add(t, key, (size_t)n, key + 1);
		if (!got)
			break;
		if (!i)
			first = got;
		kept += strcmp(got, "*") != 0;
	}
	CHECK(kept == FIELD_PATHS_MAX);
	CHECK(field_paths_find(t, "Jk0", 3) == first && !strcmp(first, "k0"));
	CHECK(field_paths_find(t, "Ja\0b", 4) == ab);
	CHECK(!strcmp(field_paths_add(t, "Jnew", 4, "new"), "*") && !field_paths_find(t, "Jnew", 4));
	field_paths_free(t);

	/* The byte bound: one long path fills it. */
	t = field_paths_new();
	static char big[FIELD_PATHS_MAX_BYTES / 2];
	memset(big, 'x', sizeof(big) - 1);
	CHECK(field_paths_add(t, "J1", 2, big) != NULL);
	CHECK(!strcmp(field_paths_add(t, "J2", 2, big), "*"));
	field_paths_free(t);
	field_paths_free(NULL);

	t = field_paths_new();
	struct racer racers[4] = { { .table = t }, { .table = t }, { .table = t }, { .table = t } };
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, race, &racers[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	int same = 1;
	for (int i = 0; i < 4; i++) {
		CHECK(!racers[i].failed);
		for (int k = 0; k < 64; k++)
			same &= racers[i].seen[k] == racers[0].seen[k];
	}
	CHECK(same);
	field_paths_free(t);
	return unit_finish("test_field_paths");
}
