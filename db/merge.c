/*
 * db/merge.c - shard databases merged into one run (see merge.h).
 *
 * The copy is SQL from end to end: the shard database is ATTACHed to the
 * output's connection and each table is one INSERT ... SELECT, so rows
 * stream from one file to the other through SQLite's page cache and
 * memory stays bounded whatever the shard holds.  Source ids are remapped
 * by a constant: the shard run's smallest source id goes to one past the
 * largest id already in the output, and every other id (parent_id, and
 * findings.source_id) moves by the same amount, so no id table is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "db/merge.h"
#include "db/schema.h"

#define SHARD_SCHEMA "merge_shard"
#define MERGE_SHARDS_MAX 1000000u  /* as piiaudit plan --shards */
/* Page cache for the output while copying: bounded, and enough that the
 * findings indexes are not re-read from disk for every row. */
#define MERGE_CACHE_KIB 65536

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? strdup((const char *)s) : NULL;
}

static void shard_release(struct merge_shard *s)
{
	free(s->db_path);
	free(s->uuid);
	free(s->status);
	free(s->key_id);
	free(s->rules_digest);
	free(s->plan_digest);
	free(s->tool_version);
	free(s->label);
	free(s->started_at);
	free(s->ended_at);
	free(s->settings);
	memset(s, 0, sizeof(*s));
}

void merge_shard_list_release(struct merge_shard_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		shard_release(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

/* The columns of runs_sql, in order.  A shard database made before runs
 * had settings (it is read only, so not migrated) is read with
 * runs_sql_unset: its settings are NULL. */
#define RUNS_SQL(settings) \
	"SELECT id, uuid, status, key_id, rules_digest, plan_digest, tool_version, label," \
	" started_at, ended_at, shard_index, shard_count, store_values," \
	" (SELECT count(*) FROM findings f WHERE f.run_id = runs.id), " settings " FROM runs" \
	" WHERE kind = 'scan' AND shard_index IS NOT NULL AND shard_count > 0 ORDER BY id DESC"
static const char runs_sql[] = RUNS_SQL("settings");
static const char runs_sql_unset[] = RUNS_SQL("NULL");

static int shard_fill(struct merge_shard *s, sqlite3_stmt *st, const char *path)
{
	memset(s, 0, sizeof(*s));
	s->db_path = strdup(path);
	s->run_id = sqlite3_column_int64(st, 0);
	s->uuid = dup_col(st, 1);
	s->status = dup_col(st, 2);
	s->key_id = dup_col(st, 3);
	s->rules_digest = dup_col(st, 4);
	s->plan_digest = dup_col(st, 5);
	s->tool_version = dup_col(st, 6);
	s->label = dup_col(st, 7);
	s->started_at = dup_col(st, 8);
	s->ended_at = dup_col(st, 9);
	s->index = (unsigned)sqlite3_column_int64(st, 10);
	s->count = (unsigned)sqlite3_column_int64(st, 11);
	s->store_values = sqlite3_column_int(st, 12) != 0;
	s->findings = sqlite3_column_int64(st, 13);
	s->settings = dup_col(st, 14);
	if (!s->db_path || !s->uuid || !s->status || !s->key_id || !s->rules_digest ||
	    !s->tool_version || !s->started_at || (sqlite3_column_type(st, 14) != SQLITE_NULL && !s->settings)) {
		shard_release(s);
		return -1;
	}
	return 0;
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool merge_shard_finished(const struct merge_shard *s)
{
	return !strcmp(s->status, "ok") || !strcmp(s->status, "errors");
}

/* The integer a query returns; -1 on any error (the message is dropped:
 * callers say what they were looking for). */
static int query_one(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_merge_read(struct merge_shard_list *list, const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t first = list->count;
	struct stat sb;
	int rc = -1, step, version = -1;
	if (stat(path, &sb)) {
		/* A shard that failed before writing anything has no database;
		 * a script that lists every shard's file names it all the same. */
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? 1 : -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (sb.st_size == 0) {
		snprintf(err, errlen, "%s: empty (a shard stopped before it began?)", path);
		return 1;
	}
	/* Read only: a shard database is never written by a merge.  A shard
	 * killed mid-run leaves a WAL file; SQLite reads through it. */
	char *uri = db_read_uri(path);
	if (!uri) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	step = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (step != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(db, 30000);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > DB_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is newer than this piiaudit knows (%d)",
		         path, version, DB_SCHEMA_VERSION);
		goto out;
	}
	if (version < 1 || (sqlite3_prepare_v2(db, runs_sql, -1, &st, NULL) != SQLITE_OK &&
	                    sqlite3_prepare_v2(db, runs_sql_unset, -1, &st, NULL) != SQLITE_OK)) {
		int64_t tables = -1;
		if (query_one(db, "SELECT count(*) FROM sqlite_master", &tables) == 0 && tables == 0) {
			snprintf(err, errlen, "%s: no tables (a shard stopped before it began?)", path);
			rc = 1;
		} else {
			snprintf(err, errlen, "%s: not a piiaudit database", path);
		}
		goto out;
	}
	unsigned gen_count = 0;
	char *gen_plan = NULL;
	bool have_gen = false;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned index = (unsigned)sqlite3_column_int64(st, 10);
		unsigned count = (unsigned)sqlite3_column_int64(st, 11);
		const char *plan = (const char *)sqlite3_column_text(st, 5);
		if (count > MERGE_SHARDS_MAX) {
			snprintf(err, errlen, "%s: run %lld: %u shards, more than %u", path,
			         (long long)sqlite3_column_int64(st, 0), count, MERGE_SHARDS_MAX);
			goto out;
		}
		if (!have_gen) {
			/* The newest shard run says which plan this file is for;
			 * runs of an older plan in the same file are left alone. */
			gen_count = count;
			gen_plan = plan ? strdup(plan) : NULL;
			have_gen = true;
			if (plan && !gen_plan)
				goto oom;
		}
		if (count != gen_count || !same_text(plan, gen_plan))
			continue;
		if (sqlite3_column_int64(st, 10) < 0 || index >= count) {
			snprintf(err, errlen, "%s: run %lld: shard %lld of %u does not exist", path,
			         (long long)sqlite3_column_int64(st, 0),
			         (long long)sqlite3_column_int64(st, 10), count);
			free(gen_plan);
			goto out;
		}
		size_t j = first;
		while (j < list->count && list->items[j].index != index)
			j++;
		struct merge_shard row;
		if (j < list->count) {
			/* Rows come newest first: a later row only replaces a run
			 * that did not finish with one that did. */
			bool finished = !strcmp((const char *)sqlite3_column_text(st, 2), "ok") ||
			                !strcmp((const char *)sqlite3_column_text(st, 2), "errors");
			if (merge_shard_finished(&list->items[j]) || !finished)
				continue;
			if (shard_fill(&row, st, path))
				goto oom;
			shard_release(&list->items[j]);
			list->items[j] = row;
			continue;
		}
		if (list->count == list->alloc) {
			size_t alloc = list->alloc ? list->alloc * 2 : 16;
			struct merge_shard *grown = realloc(list->items, alloc * sizeof(*grown));
			if (!grown)
				goto oom;
			list->items = grown;
			list->alloc = alloc;
		}
		if (shard_fill(&row, st, path))
			goto oom;
		list->items[list->count++] = row;
	}
	free(gen_plan);
	if (step != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	int64_t runs = -1;
	if (list->count == first && query_one(db, "SELECT count(*) FROM runs", &runs) == 0 &&
	    runs == 0) {
		snprintf(err, errlen, "%s: no run (a shard stopped before it began?)", path);
		rc = 1;
		goto out;
	}
	if (list->count == first) {
		snprintf(err, errlen,
		         "%s: no shard run in this database (made by 'piiaudit scan --plan FILE "
		         "--shard K' or '--shard K/N')", path);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	free(gen_plan);
	snprintf(err, errlen, "%s: out of memory", path);
out:
	if (rc)
		while (list->count > first)
			shard_release(&list->items[--list->count]);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

const char *db_merge_mismatch(const struct merge_shard *a, const struct merge_shard *b)
{
	if (a->count != b->count)
		return "shard count";
	if (!same_text(a->plan_digest, b->plan_digest))
		return "plan";
	if (strcmp(a->key_id, b->key_id))
		return "fingerprint key";
	if (strcmp(a->rules_digest, b->rules_digest))
		return "rules";
	if (a->store_values != b->store_values)
		return "--store-values";
	return NULL;
}

static const char *when(const struct merge_shard *s)
{
	return s->ended_at ? s->ended_at : s->started_at;
}

void db_merge_choose(const struct merge_shard_list *list, unsigned n, long *chosen)
{
	for (unsigned k = 0; k < n; k++)
		chosen[k] = -1;
	for (size_t i = 0; i < list->count; i++) {
		const struct merge_shard *s = &list->items[i];
		if (s->index >= n)
			continue;
		long c = chosen[s->index];
		if (c < 0) {
			chosen[s->index] = (long)i;
			continue;
		}
		const struct merge_shard *o = &list->items[c];
		bool sf = merge_shard_finished(s), of = merge_shard_finished(o);
		int t = strcmp(when(s), when(o));
		if (!t)
			t = strcmp(s->started_at, o->started_at);
		/* Timestamps are ISO 8601 in UTC: they compare as strings. */
		if ((sf && !of) || (sf == of && t >= 0))
			chosen[s->index] = (long)i;
	}
}

static int sql_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* run_shards, in an output made by a piiaudit that did not have it yet:
 * the part of the schema's text between its begin and end lines. */
static int ensure_schema(sqlite3 *db, char *err, size_t errlen)
{
	static const char begin[] = "-- begin run_shards\n", end[] = "-- end run_shards";
	const char *a = strstr(db_schema_sql, begin), *b = a ? strstr(a, end) : NULL;
	char *msg = NULL, *sql;
	int64_t have = 0;
	if (query_one(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	                  " AND name = 'run_shards'", &have) == 0 && have)
		return 0;
	if (!a || !b) {
		snprintf(err, errlen, "the schema has no run_shards table");
		return -1;
	}
	a += sizeof(begin) - 1;
	if (!(sql = strndup(a, (size_t)(b - a)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	free(sql);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot create the run_shards table: %s",
		         msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int db_merge_find_run(struct db_store *s, const struct merge_shard *like, int64_t *run_id,
                      char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	int rc = -1, step;
	*run_id = 0;
	if (ensure_schema(db, err, errlen))
		return -1;
	if (sqlite3_prepare_v2(db,
	                       "SELECT id FROM runs WHERE kind = 'scan' AND shard_index IS NULL"
	                       " AND shard_count = ? AND plan_digest IS ? AND key_id = ?"
	                       " AND rules_digest = ? AND store_values = ?"
	                       " AND (settings IS ?6 OR settings IS NULL OR ?6 IS NULL) ORDER BY id DESC LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot look for a merged run", err, errlen);
	sqlite3_bind_int64(st, 1, like->count);
	bind_text(st, 2, like->plan_digest);
	bind_text(st, 3, like->key_id);
	bind_text(st, 4, like->rules_digest);
	sqlite3_bind_int(st, 5, like->store_values);
	bind_text(st, 6, like->settings);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*run_id = sqlite3_column_int64(st, 0);
	if (step == SQLITE_ROW || step == SQLITE_DONE)
		rc = 0;
	else
		sql_fail(db, "cannot look for a merged run", err, errlen);
	sqlite3_finalize(st);
	return rc;
}

int db_merge_new_run(struct db_store *s, const struct merge_shard *like, const char *argv_json,
                     const char *tool_version, const char *label, int64_t *run_id, char *err,
                     size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	unsigned char raw[16];
	char uuid[DB_UUID_CHARS];
	int rc = -1;
	if (ensure_schema(db, err, errlen))
		return -1;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "cannot initialise libsodium");
		return -1;
	}
	randombytes_buf(raw, sizeof(raw));
	raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x40);
	raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
	snprintf(uuid, sizeof(uuid),
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", raw[0],
	         raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10],
	         raw[11], raw[12], raw[13], raw[14], raw[15]);
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO runs(uuid, kind, started_at, argv, tool_version,"
	                       " rules_digest, key_id, label, shard_index, shard_count, plan_digest,"
	                       " store_values, settings, status) VALUES (?1, 'scan',"
	                       " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?2, ?3, ?4, ?5, ?6, NULL, ?7,"
	                       " ?8, ?9, ?10, 'running')",
	                       -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot record the merged run", err, errlen);
		goto out;
	}
	bind_text(st, 1, uuid);
	bind_text(st, 2, argv_json);
	bind_text(st, 3, tool_version);
	bind_text(st, 4, like->rules_digest);
	bind_text(st, 5, like->key_id);
	bind_text(st, 6, label);
	sqlite3_bind_int64(st, 7, like->count);
	bind_text(st, 8, like->plan_digest);
	sqlite3_bind_int(st, 9, like->store_values);
	bind_text(st, 10, like->settings);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sql_fail(db, "cannot record the merged run", err, errlen);
		goto out;
	}
	*run_id = sqlite3_last_insert_rowid(db);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int db_merge_state(struct db_store *s, int64_t run_id, unsigned k, struct merge_state *state,
                   char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	int step;
	memset(state, 0, sizeof(*state));
	if (sqlite3_prepare_v2(db,
	                       "SELECT status, shard_uuid FROM run_shards"
	                       " WHERE run_id = ? AND shard_index = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read the merged run's shards", err, errlen);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, k);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		snprintf(state->status, sizeof(state->status), "%s", v ? v : "");
		v = (const char *)sqlite3_column_text(st, 1);
		snprintf(state->uuid, sizeof(state->uuid), "%s", v ? v : "");
	}
	sqlite3_finalize(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sql_fail(db, "cannot read the merged run's shards", err, errlen);
	return 0;
}

static int exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* How a column is copied into the merged run: by its own value, unless
 * the map gives an expression (?1 the merged run, ?3 the source id delta),
 * or leaves it out (expr NULL: a new id). */
struct column_map {
	const char *name, *expr;
};

static const struct column_map rules_map[] = {
	{ "run_id", "?1" }, { NULL, NULL },
};
static const struct column_map sources_map[] = {
	{ "id", "id + ?3" }, { "run_id", "?1" }, { "parent_id", "parent_id + ?3" }, { NULL, NULL },
};
static const struct column_map findings_map[] = {
	{ "id", NULL }, { "run_id", "?1" }, { "source_id", "source_id + ?3" }, { NULL, NULL },
};

/* The INSERT ... SELECT copying the shard run's rows of table: every
 * column both databases have, so a column added to the schema is copied
 * without a change here, and a shard made before it leaves its default.
 * sqlite3_malloc'd. */
static char *copy_sql(sqlite3 *db, const char *verb, const char *table,
                      const struct column_map *map, const char *tail, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	sqlite3_str *cols = sqlite3_str_new(db), *vals = sqlite3_str_new(db);
	char *sql = NULL, *c = NULL, *v = NULL;
	int step, n = 0;
	if (sqlite3_prepare_v2(db,
	                       "SELECT m.name FROM pragma_table_info(?1, 'main') m WHERE m.name IN"
	                       " (SELECT name FROM pragma_table_info(?1, '" SHARD_SCHEMA "'))"
	                       " ORDER BY m.cid",
	                       -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read the tables' columns", err, errlen);
		goto out;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const struct column_map *m = map;
		while (m->name && strcmp(m->name, name))
			m++;
		if (m->name && !m->expr)
			continue;
		sqlite3_str_appendf(cols, "%s\"%w\"", n ? ", " : "", name);
		if (m->name)
			sqlite3_str_appendf(vals, "%s%s", n ? ", " : "", m->expr);
		else
			sqlite3_str_appendf(vals, "%s\"%w\"", n ? ", " : "", name);
		n++;
	}
	if (step != SQLITE_DONE) {
		sql_fail(db, "cannot read the tables' columns", err, errlen);
		goto out;
	}
	c = sqlite3_str_finish(cols);
	v = sqlite3_str_finish(vals);
	cols = vals = NULL;
	if (!n || !c || !v) {
		snprintf(err, errlen, "%s: no columns to copy", table);
		goto out;
	}
	sql = sqlite3_mprintf("%s INTO main.\"%w\"(%s) SELECT %s FROM " SHARD_SCHEMA ".\"%w\""
	                      " WHERE run_id = ?2%s", verb, table, c, v, table, tail);
	if (!sql)
		snprintf(err, errlen, "out of memory");
out:
	sqlite3_finalize(st);
	sqlite3_free(sqlite3_str_finish(cols));
	sqlite3_free(sqlite3_str_finish(vals));
	sqlite3_free(c);
	sqlite3_free(v);
	return sql;
}

/* Copies the shard run's rows of one table; binds ?1 the merged run, ?2
 * the shard run's id, ?3 the source id delta.  *rows gets the rows copied. */
static int copy_table(sqlite3 *db, const char *verb, const char *table,
                      const struct column_map *map, const char *tail, int64_t run_id,
                      int64_t shard_run, int64_t delta, int64_t *rows, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char what[64];
	int rc = -1;
	char *sql = copy_sql(db, verb, table, map, tail, err, errlen);
	if (!sql)
		return -1;
	snprintf(what, sizeof(what), "cannot copy the %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, what, err, errlen);
		goto out;
	}
	const int64_t values[] = { run_id, shard_run, delta };
	for (int i = 1; i <= sqlite3_bind_parameter_count(st) && i <= 3; i++)
		sqlite3_bind_int64(st, i, values[i - 1]);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sql_fail(db, what, err, errlen);
		goto out;
	}
	if (rows)
		*rows = sqlite3_changes64(db);
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return rc;
}

/* The single integer a query returns (0 for NULL); -1 on error. */
static int query_int(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t *out,
                     bool *is_null, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, what, err, errlen);
		goto out;
	}
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sql_fail(db, what, err, errlen);
		goto out;
	}
	if (is_null)
		*is_null = sqlite3_column_type(st, 0) == SQLITE_NULL;
	*out = sqlite3_column_int64(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int shard_row(sqlite3 *db, int64_t run_id, const struct merge_shard *shard,
                     const char *status, int64_t sources, int64_t findings, bool only_if_not_merged,
                     char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	char sql[1024];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO run_shards(run_id, shard_index, status, source_db, shard_uuid,"
	         " shard_status, key_id, shard_started_at, shard_ended_at, sources, findings,"
	         " merged_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
	         " strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 'now'))"
	         " ON CONFLICT(run_id, shard_index) DO UPDATE SET status = excluded.status,"
	         " source_db = excluded.source_db, shard_uuid = excluded.shard_uuid,"
	         " shard_status = excluded.shard_status, key_id = excluded.key_id,"
	         " shard_started_at = excluded.shard_started_at,"
	         " shard_ended_at = excluded.shard_ended_at, sources = excluded.sources,"
	         " findings = excluded.findings, merged_at = excluded.merged_at%s",
	         only_if_not_merged ? " WHERE run_shards.status != 'merged'" : "");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot record the shard", err, errlen);
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, shard->index);
	bind_text(st, 3, status);
	bind_text(st, 4, shard->db_path);
	bind_text(st, 5, shard->uuid);
	bind_text(st, 6, shard->status);
	bind_text(st, 7, shard->key_id);
	bind_text(st, 8, shard->started_at);
	bind_text(st, 9, shard->ended_at);
	sqlite3_bind_int64(st, 10, sources);
	sqlite3_bind_int64(st, 11, findings);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sql_fail(db, "cannot record the shard", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int db_merge_copy(struct db_store *s, int64_t run_id, const struct merge_shard *shard,
                  struct merge_counts *copied, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	bool attached = false, in_tx = false;
	int64_t base, smin, orphans;
	bool empty;
	char msg[1024];
	int rc = -1;
	memset(copied, 0, sizeof(*copied));

	char *name = db_read_uri(shard->db_path);
	if (!name) {
		snprintf(err, errlen, "%s: out of memory", shard->db_path);
		return -1;
	}
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA main.cache_size = -%d", MERGE_CACHE_KIB);
	if (exec(db, pragma, "cannot size the page cache", msg, sizeof(msg)))
		goto fail;
	if (sqlite3_prepare_v2(db, "ATTACH DATABASE ? AS " SHARD_SCHEMA, -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot attach", msg, sizeof(msg));
		goto fail;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sql_fail(db, "cannot attach", msg, sizeof(msg));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	attached = true;
	if (exec(db, "BEGIN IMMEDIATE", "cannot begin a transaction", msg, sizeof(msg)))
		goto fail;
	in_tx = true;

	/* Inside the transaction, so two merges into one output cannot both
	 * copy the same run. */
	if (sqlite3_prepare_v2(db,
	                       "SELECT status = 'merged', shard_uuid = ?3 FROM main.run_shards"
	                       " WHERE run_id = ?1 AND shard_index = ?2",
	                       -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read the merged run's shards", msg, sizeof(msg));
		goto fail;
	}
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, shard->index);
	sqlite3_bind_text(st, 3, shard->uuid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0)) {
		if (sqlite3_column_int(st, 1)) {
			copied->skipped = true;
			sqlite3_finalize(st);
			st = NULL;
			rc = 0;
			goto out;
		}
		snprintf(msg, sizeof(msg), "shard %u is already merged into run %lld from another run",
		         shard->index, (long long)run_id);
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;

	/* Remapping by a constant is only right when every parent is a source
	 * of the same run. */
	if (query_int(db,
	              "SELECT count(*) FROM " SHARD_SCHEMA ".sources c WHERE c.run_id = ?1"
	              " AND c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " SHARD_SCHEMA
	              ".sources p WHERE p.id = c.parent_id AND p.run_id = ?1)",
	              shard->run_id, 0, &orphans, NULL, "cannot read the shard's sources", msg,
	              sizeof(msg)))
		goto fail;
	if (orphans) {
		snprintf(msg, sizeof(msg), "run %s: %lld sources whose archive is not in the run",
		         shard->uuid, (long long)orphans);
		goto fail;
	}
	if (query_int(db, "SELECT coalesce(max(id), 0) FROM main.sources", 0, 0, &base, NULL,
	              "cannot read the output's sources", msg, sizeof(msg)) ||
	    query_int(db, "SELECT min(id) FROM " SHARD_SCHEMA ".sources WHERE run_id = ?1",
	              shard->run_id, 0, &smin, &empty, "cannot read the shard's sources", msg,
	              sizeof(msg)))
		goto fail;
	int64_t delta = empty ? 0 : base + 1 - smin;

	/* Every shard has the same rules (the digests match): the first
	 * shard's rows stand, the others' are the same. */
	if (copy_table(db, "INSERT OR IGNORE", "rules", rules_map, "", run_id, shard->run_id, delta,
	               NULL, msg, sizeof(msg)) ||
	    copy_table(db, "INSERT", "sources", sources_map, " ORDER BY id", run_id, shard->run_id,
	               delta, &copied->sources, msg, sizeof(msg)) ||
	    copy_table(db, "INSERT", "findings", findings_map, " ORDER BY id", run_id, shard->run_id,
	               delta, &copied->findings, msg, sizeof(msg)))
		goto fail;
	if (shard_row(db, run_id, shard, "merged", copied->sources, copied->findings, false, msg,
	              sizeof(msg)))
		goto fail;
	if (exec(db, "COMMIT", "cannot commit", msg, sizeof(msg)))
		goto fail;
	in_tx = false;
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "%s: %s", shard->db_path, msg);
	memset(copied, 0, sizeof(*copied));
out:
	sqlite3_finalize(st);
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (attached && exec(db, "DETACH DATABASE " SHARD_SCHEMA, "cannot detach", msg, sizeof(msg)) &&
	    rc == 0) {
		snprintf(err, errlen, "%s: %s", shard->db_path, msg);
		rc = -1;
	}
	free(name);
	return rc;
}

#define DEFER_MIN_ROWS 50000

/* Each index dropped is written to meta under this prefix, with its CREATE
 * statement, in the transaction that drops it: whoever restores them (this
 * merge at its end, or the next one at its start) builds exactly those. */
#define DEFERRED_KEY "merge.deferred_index:"

int db_merge_defer_indexes(struct db_store *s, int64_t incoming, bool *deferred, char *err,
                           size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	int64_t existing;
	int rc = -1, step;
	*deferred = false;
	if (incoming < DEFER_MIN_ROWS)
		return 0;
	/* max(id) - min(id) bounds the count without reading the table. */
	if (query_int(db, "SELECT coalesce(max(id) - min(id) + 1, 0) FROM findings", 0, 0, &existing,
	              NULL, "cannot count the findings", err, errlen))
		return -1;
	if (incoming <= existing)
		return 0;
	if (exec(db, "BEGIN IMMEDIATE", "cannot begin a transaction", err, errlen))
		return -1;
	if (exec(db,
	         "INSERT OR REPLACE INTO meta(key, value) SELECT '" DEFERRED_KEY "' || name, sql"
	         " FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings'"
	         " AND sql IS NOT NULL",
	         "cannot record the findings indexes", err, errlen))
		goto out;
	if (sqlite3_prepare_v2(db,
	                       "SELECT name FROM sqlite_master WHERE type = 'index'"
	                       " AND tbl_name = 'findings' AND sql IS NOT NULL LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot list the findings indexes", err, errlen);
		goto out;
	}
	/* One at a time: the schema changes under the statement. */
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		char *drop = sqlite3_mprintf("DROP INDEX main.\"%w\"",
		                             (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		int failed = !drop || exec(db, drop, "cannot drop a findings index", err, errlen);
		sqlite3_free(drop);
		if (failed)
			goto out;
	}
	if (step != SQLITE_DONE) {
		sql_fail(db, "cannot list the findings indexes", err, errlen);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (exec(db, "COMMIT", "cannot commit", err, errlen))
		goto out;
	*deferred = true;
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int db_merge_restore_indexes(struct db_store *s, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	char pragma[64];
	int rc = -1, step;
	snprintf(pragma, sizeof(pragma), "PRAGMA main.cache_size = -%d", MERGE_CACHE_KIB);
	if (exec(db, pragma, "cannot size the page cache", err, errlen) ||
	    exec(db, "BEGIN IMMEDIATE", "cannot begin a transaction", err, errlen))
		return -1;
	if (sqlite3_prepare_v2(db,
	                       "SELECT value FROM meta WHERE key GLOB '" DEFERRED_KEY "*'"
	                       " AND NOT EXISTS (SELECT 1"
	                       " FROM sqlite_master WHERE type = 'index'"
	                       " AND name = substr(key, length('" DEFERRED_KEY "') + 1))",
	                       -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read the deferred indexes", err, errlen);
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		/* CREATE INDEX reads findings once and sorts: far cheaper than the
		 * row-by-row upkeep it replaces. */
		if (exec(db, (const char *)sqlite3_column_text(st, 0), "cannot build a findings index",
		         err, errlen))
			goto out;
	}
	if (step != SQLITE_DONE) {
		sql_fail(db, "cannot read the deferred indexes", err, errlen);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (exec(db, "DELETE FROM meta WHERE key GLOB '" DEFERRED_KEY "*'",
	         "cannot record the indexes built", err, errlen) ||
	    exec(db, "COMMIT", "cannot commit", err, errlen))
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int db_merge_mark(struct db_store *s, int64_t run_id, unsigned k, const struct merge_shard *shard,
                  char *err, size_t errlen)
{
	struct merge_shard missing = { .index = k };
	return shard_row(db_handle(s), run_id, shard ? shard : &missing,
	                 shard ? "failed" : "missing", 0, 0, true, err, errlen);
}

int db_merge_finish(struct db_store *s, int64_t run_id, char status[16], char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	int64_t merged, count, errors;
	int rc = -1;
	if (query_int(db, "SELECT count(*) FROM run_shards WHERE run_id = ?1 AND status = 'merged'",
	              run_id, 0, &merged, NULL, "cannot count the shards", err, errlen) ||
	    query_int(db, "SELECT coalesce(shard_count, 0) FROM runs WHERE id = ?1", run_id, 0, &count,
	              NULL, "cannot read the merged run", err, errlen) ||
	    query_int(db,
	              "SELECT (SELECT count(*) FROM run_shards WHERE run_id = ?1 AND status = 'merged'"
	              " AND shard_status = 'errors') + (SELECT count(*) FROM sources"
	              " WHERE run_id = ?1 AND status = 'error')",
	              run_id, 0, &errors, NULL, "cannot count the errors", err, errlen))
		return -1;
	snprintf(status, 16, "%s", merged < count ? "incomplete" : errors ? "errors" : "ok");
	if (sqlite3_prepare_v2(db,
	                       "UPDATE runs SET status = ?2,"
	                       " started_at = coalesce((SELECT min(shard_started_at) FROM run_shards"
	                       "   WHERE run_id = ?1 AND status = 'merged'), started_at),"
	                       " ended_at = coalesce((SELECT max(shard_ended_at) FROM run_shards"
	                       "   WHERE run_id = ?1 AND status = 'merged'),"
	                       "   strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	                       " sources_ok = (SELECT count(*) FROM sources WHERE run_id = ?1"
	                       "   AND status IN ('ok','skipped') AND kind != 'archive'),"
	                       " sources_failed = (SELECT count(*) FROM sources WHERE run_id = ?1"
	                       "   AND status = 'error'),"
	                       " bytes_scanned = (SELECT coalesce(sum(bytes_scanned), 0) FROM sources"
	                       "   WHERE run_id = ?1 AND kind != 'archive')"
	                       " WHERE id = ?1",
	                       -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot close the merged run", err, errlen);
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sql_fail(db, "cannot close the merged run", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
