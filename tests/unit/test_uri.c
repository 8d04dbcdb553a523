/*
 * db_uri() (db/uri.c): the exact text for a few paths, then a round trip
 * through SQLite: for paths of every byte from 1 to 255 (one byte each,
 * between letters) and the ones SQLite would read as something else ("?",
 * "#", "%41", "file:x", "//", a trailing "-wal"), the URI opens the file
 * of that very name, which sqlite3_db_filename() gives back, and creates
 * nothing else in the folder.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db/uri.h"
#include "tests/unit/unit.h"

static bool text_is(const char *path, const char *query, const char *want)
{
	char *got = db_uri(path, query);
	bool same = got && !strcmp(got, want);
	if (!same)
		printf("db_uri(\"%s\", %s%s%s): \"%s\", want \"%s\"\n", path, query ? "\"" : "",
		       query ? query : "NULL", query ? "\"" : "", got ? got : "(null)", want);
	free(got);
	return same;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Opens (creating) dir/name through its URI, writes a table, checks the
 * name SQLite reports and that the folder holds that one file after. */
static bool round_trip(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *uri = db_uri(path, NULL);
	sqlite3 *db = NULL;
	bool ok = uri && sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                                                SQLITE_OPEN_URI, NULL) == SQLITE_OK;
	ok = ok && sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL,
	                        NULL) == SQLITE_OK;
	const char *opened = ok ? sqlite3_db_filename(db, "main") : NULL;
	ok = ok && opened && !strcmp(opened, path);
	sqlite3_close(db);
	ok = ok && access(path, F_OK) == 0 && entries(dir) == 1;
	if (!ok)
		printf("round trip of \"%s\" through \"%s\" failed\n", path, uri ? uri : "(null)");
	unlink(path);
	free(uri);
	return ok;
}

int main(void)
{
	CHECK(text_is("/a/b.db", NULL, "file:///a/b.db"));
	CHECK(text_is("/a/b.db", "", "file:///a/b.db"));
	CHECK(text_is("b.db", "mode=ro", "file:b.db?mode=ro"));
	CHECK(text_is("file:x.db", NULL, "file:file%3Ax.db"));
	CHECK(text_is("//h/x", NULL, "file:////h/x"));
	CHECK(text_is("a b?c#d%41.db", "mode=ro&immutable=1",
	              "file:a%20b%3Fc%23d%2541.db?mode=ro&immutable=1"));
	CHECK(text_is("\xff\x01~-._", NULL, "file:%FF%01~-._"));

	const char *tmp = getenv("TMPDIR");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s/piiaudit-test-uri.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *folder = mkdtemp(buf);
	CHECK(folder != NULL);
	if (!folder)
		return unit_finish("test_uri");
	int failed_bytes = 0;
	for (int c = 1; c < 256; c++) {
		if (c == '/')
			continue;
		char name[8] = { 'a', (char)c, 'b', '.', 'd', 'b', 0 };
		failed_bytes += !round_trip(folder, name);
	}
	CHECK(failed_bytes == 0);
	static const char *const odd[] = {
		"x?mode=ro", "x#frag", "x%41", "file:x", "x-wal", "?", "#", "%", "%%", "a&b=c",
		"file:", "x?immutable=1",
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		CHECK(round_trip(folder, odd[i]));
	CHECK(entries(folder) == 0);
	rmdir(folder);
	return unit_finish("test_uri");
}
