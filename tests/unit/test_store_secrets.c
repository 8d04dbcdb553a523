/*
 * Secrets of our own: the key is wiped by db_key_wipe and after a failed
 * load, a key file readable by others is refused, and a database that
 * holds raw values keeps SQLite's temporary data in memory (no temporary
 * file can receive a raw value), while one without keeps the default.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "db/key.h"
#include "db/store.h"
#include "tests/unit/unit.h"

static int all_zero(const void *bytes, size_t n)
{
	const unsigned char *p = bytes;
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int temp_store(struct db_store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db_handle(s), "PRAGMA temp_store", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static struct db_store *open_db(const char *path)
{
	struct db_store *s;
	char err[512];
	if (db_open(&s, path, true, err, sizeof(err))) {
		printf("  %s\n", err);
		return NULL;
	}
	return s;
}

int main(void)
{
	char dir[] = "/tmp/piiaudit-unit.XXXXXX", path[256], err[512];
	struct db_key key;
	if (!mkdtemp(dir))
		return 1;

	snprintf(path, sizeof(path), "%s/key", dir);
	CHECK(db_key_load(&key, path, 1, err, sizeof(err)) == 0);
	CHECK(!all_zero(key.secret, sizeof(key.secret)));
	CHECK(!all_zero(&key.keyed, sizeof(key.keyed)));
	db_key_wipe(&key);
	CHECK(all_zero(key.secret, sizeof(key.secret)));
	CHECK(all_zero(&key.keyed, sizeof(key.keyed)));
	chmod(path, 0640);
	memset(key.secret, 0xaa, sizeof(key.secret));
	memset(&key.keyed, 0xaa, sizeof(key.keyed));
	CHECK(db_key_load(&key, path, 0, err, sizeof(err)) != 0);
	CHECK(strstr(err, "readable by others") != NULL);
	CHECK(all_zero(key.secret, sizeof(key.secret)));
	CHECK(all_zero(&key.keyed, sizeof(key.keyed)));

	/* Without raw values: SQLite's default temporary storage. */
	struct db_run run = { .kind = "scan", .argv_json = "[]", .tool_version = "t",
	                      .rules_digest = "d", .key_id = "k" };
	int64_t id;
	snprintf(path, sizeof(path), "%s/plain.db", dir);
	struct db_store *s = open_db(path);
	CHECK(s && db_run_begin(s, &run, &id) == 0);
	CHECK(s && temp_store(s) == 0);
	db_close(s);
	s = open_db(path);
	CHECK(s && temp_store(s) == 0);
	CHECK(s && db_temp_in_memory(s) == 0 && temp_store(s) == 2);
	db_close(s);

	/* A database with a --store-values run: in memory whenever opened. */
	snprintf(path, sizeof(path), "%s/values.db", dir);
	run.store_values = true;
	s = open_db(path);
	CHECK(s && db_run_begin(s, &run, &id) == 0);
	db_close(s);
	s = open_db(path);
	CHECK(s && temp_store(s) == 2);
	/* The fingerprint index's sort (keys only) may spill to a file; the
	 * pragma is back to memory after it. */
	CHECK(s && db_fingerprint_index_build(s) == 0 && temp_store(s) == 2);
	db_close(s);
	snprintf(path, sizeof(path), "%s/plain.db", dir);
	s = open_db(path);
	CHECK(s && db_fingerprint_index_build(s) == 0 && temp_store(s) == 0);
	db_close(s);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("  could not remove %s\n", dir);
	return unit_finish("store_secrets");
}
