/*
 * db/checkpointer.c on its own.  It cannot start on a path that is not
 * there or not a database (NULL, and NULL is safe to kick and to stop);
 * started beside a writer whose own checkpoints are off, it copies each
 * committed transaction into the database file, which a copy of that file
 * alone (no -wal beside it) then shows, while the writer commits on; and
 * stopping it leaves the database whole.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "db/checkpointer.h"
#include "tests/unit/unit.h"

#define ROWS_PER_COMMIT 500
#define COMMITS 20

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char buf[65536];
	ssize_t got = 0;
	while (in >= 0 && out >= 0 && (got = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)got) != got) {
			got = -1;
			break;
		}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return in < 0 || out < 0 || got < 0 ? -1 : 0;
}

/* The rows a copy of the database file alone holds (-1: not readable). */
static long long rows_in_file_alone(const char *path, const char *copy)
{
	char wal[300];
	snprintf(wal, sizeof(wal), "%s-wal", copy);
	unlink(wal);
	if (copy_file(path, copy))
		return -1;
	sqlite3 *db;
	long long n = -1;
	if (sqlite3_open_v2(copy, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				n = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	sqlite3_close(db);
	return n;
}

static int insert_rows(sqlite3 *db, int from)
{
	sqlite3_stmt *st;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = 0;
	for (int i = 0; i < ROWS_PER_COMMIT && !rc; i++) {
		char v[64];
		snprintf(v, sizeof(v), "row %08d with some text to fill pages", from + i);
		sqlite3_bind_text(st, 1, v, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? rc : -1;
}

int main(void)
{
	char dir[] = "/tmp/piiaudit-unit.XXXXXX", path[256], copy[256], junk[256], missing[256];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/a.db", dir);
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	snprintf(junk, sizeof(junk), "%s/junk.db", dir);
	snprintf(missing, sizeof(missing), "%s/no/such/folder.db", dir);

	/* Cannot start: NULL, and the writer goes on alone. */
	CHECK(checkpointer_start(missing) == NULL);
	FILE *f = fopen(junk, "w");
	CHECK(f != NULL);
	if (f) {
		for (int i = 0; i < 200; i++)
			fputs("this is not a database file. ", f);
		fclose(f);
	}
	CHECK(checkpointer_start(junk) == NULL);
	checkpointer_kick(NULL);
	checkpointer_stop(NULL);

	/* A writer in WAL mode whose own checkpoints never run. */
	sqlite3 *db;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
	                   "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
	                   "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);",
	                   NULL, NULL, NULL) == SQLITE_OK);
	/* Without the checkpointer the file alone has no row (the table is
	 * in the WAL too). */
	CHECK(insert_rows(db, 0) == 0);
	CHECK(rows_in_file_alone(path, copy) <= 0);

	struct checkpointer *c = checkpointer_start(path);
	CHECK(c != NULL);
	for (int k = 1; k < COMMITS; k++) {
		CHECK(insert_rows(db, k * ROWS_PER_COMMIT) == 0);
		checkpointer_kick(c);
	}
	/* Each kick is served: within seconds the file alone holds all. */
	long long want = (long long)COMMITS * ROWS_PER_COMMIT, seen = -1;
	for (int tries = 0; tries < 200 && seen != want; tries++) {
		seen = rows_in_file_alone(path, copy);
		if (seen != want)
			nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
	}
	CHECK(seen == want);
	if (seen != want)
		printf("  the database file alone holds %lld rows of %lld\n", seen, want);
	/* A commit kicked just before the stop: the stop waits for the
	 * checkpoint under way, the database stays whole. */
	char wal[300];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK(insert_rows(db, COMMITS * ROWS_PER_COMMIT) == 0);
	checkpointer_kick(c);
	checkpointer_stop(c);

	sqlite3_stmt *st;
	long long n = -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	CHECK(n == want + ROWS_PER_COMMIT);
	char *ok = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			ok = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	CHECK(ok && !strcmp(ok, "ok"));
	free(ok);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	/* The writer's close checkpointed the rest: the file alone has all. */
	CHECK(rows_in_file_alone(path, copy) == want + ROWS_PER_COMMIT);

	char shm[300], copy_wal[300];
	snprintf(shm, sizeof(shm), "%s-shm", path);
	snprintf(copy_wal, sizeof(copy_wal), "%s-wal", copy);
	unlink(wal);
	unlink(shm);
	unlink(copy_wal);
	unlink(path);
	unlink(copy);
	unlink(junk);
	rmdir(dir);
	return unit_finish("checkpointer");
}
