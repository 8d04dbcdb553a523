/*
 * db/settings.c - comparing the settings two runs were made with.
 *
 * The lists are JSON arrays that SQLite's json_each reads, on a private
 * in-memory connection opened for the comparison (only when the two texts
 * differ, so an identical resume or merge opens none).  A list that cannot
 * be read (not JSON, out of memory) is reported as different.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "db/settings.h"

/* Appends to msg the items of `from` that `other` lacks, each followed by
 * `tail`; returns how many, or -1 when the lists cannot be read. */
static int missing_items(sqlite3 *db, const char *from, const char *other, const char *tail,
                         char *msg, size_t msglen)
{
	sqlite3_stmt *st;
	int count = 0, step;
	if (sqlite3_prepare_v2(db,
	                       "SELECT value FROM json_each(?1) WHERE type = 'text' EXCEPT"
	                       " SELECT value FROM json_each(?2) WHERE type = 'text' ORDER BY 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, other, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		size_t used = strlen(msg);
		snprintf(msg + used, msglen - used, "%s%s %s", used ? "; " : "",
		         (const char *)sqlite3_column_text(st, 0), tail);
		count++;
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? count : -1;
}

bool db_settings_same(const char *a, const char *b, const char *a_only, const char *b_only,
                      char *msg, size_t msglen)
{
	msg[0] = '\0';
	if (!a || !b || !strcmp(a, b))
		return true;
	sqlite3 *db = NULL;
	int gone = -1, added = -1;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) ==
	    SQLITE_OK) {
		gone = missing_items(db, a, b, a_only, msg, msglen);
		if (gone >= 0)
			added = missing_items(db, b, a, b_only, msg, msglen);
	}
	sqlite3_close(db);
	if (gone < 0 || added < 0) {
		snprintf(msg, msglen, "settings unreadable");
		return false;
	}
	/* The same items in another order (a list written by hand): the same. */
	return gone + added == 0;
}
