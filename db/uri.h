/*
 * db/uri.h - SQLite "file:" URIs for paths.
 *
 * A path becomes a URI that SQLite opens as that path, whatever bytes it
 * holds: every byte outside [A-Za-z0-9-._~/] is percent-encoded, an
 * absolute path gets an empty authority ("file:///x"), and the query
 * (e.g. "mode=ro"; none when NULL or empty) is appended after '?'.  The caller frees the result;
 * NULL when out of memory.  Such a URI is only read as one by
 * sqlite3_open_v2() with SQLITE_OPEN_URI, or by ATTACH on a connection
 * opened so or a library built with URIs on.
 */
#ifndef PIIAUDIT_DB_URI_H
#define PIIAUDIT_DB_URI_H

char *db_uri(const char *path, const char *query);

#endif
