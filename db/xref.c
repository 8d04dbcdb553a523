/*
 * db/xref.c - prompt ids of model outputs, the corpus findings prompts are
 * built from, and the cross-database join of outputs with a corpus.
 *
 * Every query streams: aggregates are computed by SQLite (its sorter spills
 * to disk), per-value figures are index lookups by fingerprint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "db/review.h"
#include "db/schema.h"
#include "db/xref.h"

#define OUTREC_QUEUE 2048

static int sql_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* The part of the schema's text between "-- begin NAME" and "-- end NAME",
 * for databases made before it: one definition of each table. */
static int create_block(sqlite3 *db, const char *name, char *err, size_t errlen)
{
	char begin[64], end[64], *msg = NULL;
	snprintf(begin, sizeof(begin), "-- begin %s\n", name);
	snprintf(end, sizeof(end), "-- end %s", name);
	const char *a = strstr(db_schema_sql, begin), *b = a ? strstr(a, end) : NULL;
	if (!a || !b) {
		snprintf(err, errlen, "the schema has no %s table", name);
		return -1;
	}
	a += strlen(begin);
	char *sql = strndup(a, (size_t)(b - a));
	if (!sql) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	free(sql);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot create the %s table: %s", name,
		         msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int db_xref_init(struct db_store *s, char *err, size_t errlen)
{
	/* piiaudit_finding_id(), the prompt id, comes with review's init. */
	if (db_review_init(s, err, errlen))
		return -1;
	return create_block(db_handle(s), "output_records", err, errlen) ||
	       create_block(db_handle(s), "xref_runs", err, errlen) ? -1 : 0;
}

/* ---- the output_records writer ---- */

struct outrec_row {
	int64_t run_id, source_id, record;
	char id[DB_PROMPT_ID_MAX];
};

struct db_outrec_writer {
	sqlite3 *db;
	sqlite3_stmt *insert;
	struct outrec_row *rows;
	size_t count;
	char error[512];
};

int db_outrec_open(struct db_outrec_writer **out, const char *db_path, char *err, size_t errlen)
{
	struct db_outrec_writer *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w || !(w->rows = calloc(OUTREC_QUEUE, sizeof(*w->rows)))) {
		free(w);
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (sqlite3_open_v2(db_path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(w->db, 60000) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db,
	                       "INSERT OR REPLACE INTO output_records(run_id, source_id, record, prompt_id)"
	                       " VALUES (?, ?, ?, ?)",
	                       -1, &w->insert, NULL) != SQLITE_OK) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", db_path, w->db ? sqlite3_errmsg(w->db) : "cannot open");
		db_outrec_close(w);
		return -1;
	}
	*out = w;
	return 0;
}

const char *db_outrec_error(struct db_outrec_writer *w)
{
	return w->error;
}

int db_outrec_add(struct db_outrec_writer *w, int64_t run_id, int64_t source_id, int64_t record,
                  const char *id, size_t len)
{
	if (w->count == OUTREC_QUEUE && db_outrec_flush(w))
		return -1;
	struct outrec_row *r = &w->rows[w->count++];
	if (len > sizeof(r->id) - 1)
		len = sizeof(r->id) - 1;
	r->run_id = run_id;
	r->source_id = source_id;
	r->record = record;
	memcpy(r->id, id, len);
	r->id[len] = 0;
	return 0;
}

int db_outrec_flush(struct db_outrec_writer *w)
{
	if (!w->count)
		return 0;
	/* Short and on its own connection: the store's writer waits for it
	 * through the busy timeout, never the other way round. */
	if (sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < w->count; i++) {
		const struct outrec_row *r = &w->rows[i];
		sqlite3_bind_int64(w->insert, 1, r->run_id);
		sqlite3_bind_int64(w->insert, 2, r->source_id);
		sqlite3_bind_int64(w->insert, 3, r->record);
		sqlite3_bind_text(w->insert, 4, r->id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(w->insert);
		sqlite3_reset(w->insert);
		if (rc != SQLITE_DONE) {
			snprintf(w->error, sizeof(w->error), "cannot store prompt ids: %s", sqlite3_errmsg(w->db));
			sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	if (sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	w->count = 0;
	return 0;
fail:
	snprintf(w->error, sizeof(w->error), "cannot store prompt ids: %s", sqlite3_errmsg(w->db));
	sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

void db_outrec_close(struct db_outrec_writer *w)
{
	if (!w)
		return;
	if (w->db && w->insert)
		db_outrec_flush(w);
	sqlite3_finalize(w->insert);
	sqlite3_close(w->db);
	free(w->rows);
	free(w);
}

/* ---- runs ---- */

int db_xref_pick_run(struct db_store *s, const char *schema, const char *kind, int64_t want,
                     int64_t *run, char *key_id, size_t key_cap, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st;
	char sql[512];
	*run = 0;
	if (want)
		snprintf(sql, sizeof(sql), "SELECT id, key_id FROM %s.runs WHERE id = ?1", schema);
	else
		snprintf(sql, sizeof(sql),
		         "SELECT id, key_id FROM %s.runs ORDER BY kind = ?2 DESC, id DESC LIMIT 1", schema);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read the runs", err, errlen);
	sqlite3_bind_int64(st, 1, want);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(st, 1);
		*run = sqlite3_column_int64(st, 0);
		snprintf(key_id, key_cap, "%s", k ? (const char *)k : "");
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return sql_fail(db, "cannot read the runs", err, errlen);
	if (want)
		snprintf(err, errlen, "no run %lld", (long long)want);
	else
		snprintf(err, errlen, "no run in the database");
	return -1;
}

/* ---- prompts ---- */

struct db_prompt_cursor {
	sqlite3_stmt *st;
};

int db_prompt_cursor_open(struct db_store *s, int64_t run, const char *categories,
                          const char *rules, struct db_prompt_cursor **out, char *err,
                          size_t errlen)
{
	sqlite3 *db = db_handle(s);
	struct db_prompt_cursor *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Filters as ",a,b," lists: a run is read whole anyway. */
	if (sqlite3_prepare_v2(db,
	                       "SELECT f.fingerprint, s.path, s.member, f.offset, f.rule, f.category,"
	                       " f.field, f.preview, coalesce(f.record, 0), f.line, f.length, f.source_id"
	                       " FROM findings f JOIN sources s ON s.id = f.source_id"
	                       " WHERE f.run_id = ?1 AND f.placeholder = 0"
	                       " AND (?2 IS NULL OR instr(?2, ',' || f.category || ',') > 0)"
	                       " AND (?3 IS NULL OR instr(?3, ',' || f.rule || ',') > 0)"
	                       " ORDER BY s.path, f.source_id, f.offset, f.id",
	                       -1, &c->st, NULL) != SQLITE_OK) {
		free(c);
		return sql_fail(db, "cannot read the findings", err, errlen);
	}
	sqlite3_bind_int64(c->st, 1, run);
	char *cats = categories ? sqlite3_mprintf(",%s,", categories) : NULL;
	char *rls = rules ? sqlite3_mprintf(",%s,", rules) : NULL;
	if (cats)
		sqlite3_bind_text(c->st, 2, cats, -1, sqlite3_free);
	if (rls)
		sqlite3_bind_text(c->st, 3, rls, -1, sqlite3_free);
	*out = c;
	return 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int db_prompt_cursor_next(struct db_prompt_cursor *c, struct db_prompt_item *item, char *err,
                          size_t errlen)
{
	int rc = sqlite3_step(c->st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return sql_fail(sqlite3_db_handle(c->st), "cannot read the findings", err, errlen);
	*item = (struct db_prompt_item){
		.fingerprint = col_text(c->st, 0), .path = col_text(c->st, 1),
		.member = col_text(c->st, 2), .offset = sqlite3_column_int64(c->st, 3),
		.rule = col_text(c->st, 4), .category = col_text(c->st, 5),
		.field = col_text(c->st, 6), .preview = col_text(c->st, 7),
		.record = sqlite3_column_int64(c->st, 8), .line = sqlite3_column_int64(c->st, 9),
		.length = sqlite3_column_int64(c->st, 10), .source_id = sqlite3_column_int64(c->st, 11),
	};
	if (!item->fingerprint || !item->path || !item->rule || !item->category || !item->preview) {
		snprintf(err, errlen, "a finding without fingerprint, path, rule or preview");
		return -1;
	}
	db_finding_id(item->fingerprint, item->path, item->member, item->offset, item->rule, item->id);
	return 1;
}

void db_prompt_cursor_free(struct db_prompt_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->st);
	free(c);
}

/* ---- xref ---- */

int db_xref_attach(struct db_store *s, const char *corpus_path, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st;
	/* Read-only: xref writes only into the outputs database. */
	char *uri = db_read_uri(corpus_path);
	if (!uri) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (sqlite3_prepare_v2(db, "ATTACH DATABASE ? AS corpus", -1, &st, NULL) != SQLITE_OK) {
		free(uri);
		return sql_fail(db, "cannot attach the corpus database", err, errlen);
	}
	sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(uri);
	if (rc != SQLITE_DONE)
		return sql_fail(db, "cannot attach the corpus database", err, errlen);
	if (sqlite3_prepare_v2(db,
	                       "SELECT count(*) FROM corpus.sqlite_master WHERE type = 'table'"
	                       " AND name IN ('runs', 'sources', 'findings')",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "not a readable database", err, errlen);
	rc = sqlite3_step(st);
	int tables = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sql_fail(db, "not a readable database", err, errlen);
	if (tables != 3) {
		snprintf(err, errlen, "not a piiaudit database (no runs, sources and findings)");
		return -1;
	}
	return 0;
}

/* The corpus finding a prompt id names, found by the fingerprint's prefix
 * in the id (an index range) and confirmed by recomputing the id. */
#define PROMPT_OF(o, corpus_run)                                                         \
	"SELECT 1 FROM corpus.findings c JOIN corpus.sources cs ON cs.id = c.source_id"      \
	" WHERE c.run_id = " corpus_run                                                      \
	" AND c.fingerprint >= substr(" o ".prompt_id, 1, 12)"                               \
	" AND c.fingerprint < substr(" o ".prompt_id, 1, 12) || 'g'"                         \
	" AND piiaudit_finding_id(c.fingerprint, cs.path, cs.member, c.offset, c.rule) = " o \
	".prompt_id"

static int count_query(sqlite3 *db, const char *sql, int64_t a, int64_t b, const char *text,
                       int64_t *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot query", err, errlen);
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (text)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sql_fail(db, "cannot query", err, errlen);
	return 0;
}

#define IN_CORPUS(f) \
	" EXISTS (SELECT 1 FROM corpus.findings c WHERE c.fingerprint = " f ".fingerprint AND c.run_id = ?2)"

int db_xref_totals(struct db_store *s, int64_t output_run, int64_t corpus_run,
                   struct db_xref_totals *out, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st;
	memset(out, 0, sizeof(*out));
	static const char *const sql[] = {
		"SELECT coalesce(sum(records), 0) FROM sources WHERE run_id = ?1 AND records IS NOT NULL",
		"SELECT count(*) FROM (SELECT DISTINCT source_id, record FROM findings"
		" WHERE run_id = ?1 AND placeholder = 0 AND ?2 = ?2)",
		"SELECT count(*) FROM (SELECT DISTINCT source_id, record FROM findings f"
		" WHERE f.run_id = ?1 AND f.placeholder = 0 AND" IN_CORPUS("f") ")",
		"SELECT count(DISTINCT fingerprint) FROM findings WHERE run_id = ?1 AND placeholder = 0"
		" AND ?2 = ?2",
		"SELECT count(DISTINCT fingerprint) FROM findings f WHERE f.run_id = ?1"
		" AND f.placeholder = 0 AND" IN_CORPUS("f"),
		"SELECT count(*) FROM output_records o WHERE o.run_id = ?1 AND EXISTS (" PROMPT_OF("o", "?2") ")",
		/* The output emitted the value of the very finding its prompt was
		 * built from. */
		"SELECT count(*) FROM output_records o WHERE o.run_id = ?1 AND EXISTS ("
		PROMPT_OF("o", "?2")
		" AND EXISTS (SELECT 1 FROM findings f WHERE f.fingerprint = c.fingerprint"
		" AND f.run_id = o.run_id AND f.source_id = o.source_id AND f.record = o.record"
		" AND f.placeholder = 0))",
	};
	int64_t *dest[] = {
		&out->outputs, &out->outputs_with_pii, &out->outputs_with_leak, &out->output_values,
		&out->leaked_values, &out->prompted, &out->extracted,
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (count_query(db, sql[i], output_run, corpus_run, NULL, dest[i], err, errlen))
			return -1;
	if (sqlite3_prepare_v2(db,
	                       "SELECT category, count(DISTINCT fingerprint) FROM findings f"
	                       " WHERE f.run_id = ?1 AND f.placeholder = 0 AND" IN_CORPUS("f")
	                       " GROUP BY category ORDER BY category",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot query", err, errlen);
	sqlite3_bind_int64(st, 1, output_run);
	sqlite3_bind_int64(st, 2, corpus_run);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* At most the categories of the vocabulary: a few dozen rows. */
		struct db_xref_category *g = realloc(out->categories, (out->category_count + 1) * sizeof(*g));
		if (!g) {
			sqlite3_finalize(st);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		out->categories = g;
		const unsigned char *name = sqlite3_column_text(st, 0);
		snprintf(g[out->category_count].name, sizeof(g->name), "%s", name ? (const char *)name : "");
		g[out->category_count++].values = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sql_fail(db, "cannot query", err, errlen);
	return 0;
}

void db_xref_totals_release(struct db_xref_totals *t)
{
	free(t->categories);
	t->categories = NULL;
	t->category_count = 0;
}

struct db_xref_cursor {
	sqlite3_stmt *leaks, *documents, *extracted, *locations;
	int64_t output_run, corpus_run;
	char fingerprint[DB_FINGERPRINT_HEX];
};

int db_xref_open(struct db_store *s, int64_t output_run, int64_t corpus_run,
                 struct db_xref_cursor **out, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	struct db_xref_cursor *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->output_run = output_run;
	c->corpus_run = corpus_run;
	if (sqlite3_prepare_v2(db,
	                       "SELECT f.fingerprint, f.category, min(f.preview),"
	                       " count(DISTINCT f.source_id || ':' || coalesce(f.record, f.line))"
	                       " FROM findings f WHERE f.run_id = ?1 AND f.placeholder = 0 AND"
	                       IN_CORPUS("f")
	                       " GROUP BY f.fingerprint ORDER BY f.category, 4 DESC, f.fingerprint",
	                       -1, &c->leaks, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "SELECT count(*), count(DISTINCT c.source_id || ':' || coalesce(c.record, 0))"
	                       " FROM corpus.findings c WHERE c.fingerprint = ?3 AND c.run_id = ?2"
	                       " AND ?1 = ?1",
	                       -1, &c->documents, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "SELECT count(DISTINCT f.source_id || ':' || f.record) FROM findings f"
	                       " JOIN output_records o ON o.run_id = f.run_id AND o.source_id = f.source_id"
	                       " AND o.record = f.record"
	                       " WHERE f.fingerprint = ?3 AND f.run_id = ?1 AND f.placeholder = 0"
	                       " AND substr(o.prompt_id, 1, 12) = substr(f.fingerprint, 1, 12)"
	                       " AND EXISTS (" PROMPT_OF("o", "?2") " AND c.fingerprint = f.fingerprint)",
	                       -1, &c->extracted, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "SELECT s.path, s.member, coalesce(c.record, 0), c.field, c.line, c.offset,"
	                       " c.length, c.rule FROM corpus.findings c"
	                       " JOIN corpus.sources s ON s.id = c.source_id"
	                       " WHERE c.fingerprint = ?1 AND c.run_id = ?2"
	                       " ORDER BY s.path, s.member, c.offset LIMIT ?3",
	                       -1, &c->locations, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot query", err, errlen);
		db_xref_free(c);
		return -1;
	}
	sqlite3_bind_int64(c->leaks, 1, output_run);
	sqlite3_bind_int64(c->leaks, 2, corpus_run);
	*out = c;
	return 0;
}

static int count_for(sqlite3_stmt *st, const struct db_xref_cursor *c, int64_t *a, int64_t *b,
                     char *err, size_t errlen)
{
	sqlite3_bind_int64(st, 1, c->output_run);
	sqlite3_bind_int64(st, 2, c->corpus_run);
	sqlite3_bind_text(st, 3, c->fingerprint, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*a = sqlite3_column_int64(st, 0);
		if (b)
			*b = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return sql_fail(sqlite3_db_handle(st), "cannot query", err, errlen);
	return 0;
}

int db_xref_next(struct db_xref_cursor *c, struct db_xref_leak *leak, char *err, size_t errlen)
{
	int rc = sqlite3_step(c->leaks);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return sql_fail(sqlite3_db_handle(c->leaks), "cannot query", err, errlen);
	const char *fp = col_text(c->leaks, 0);
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", fp ? fp : "");
	*leak = (struct db_xref_leak){
		.fingerprint = c->fingerprint, .category = col_text(c->leaks, 1),
		.preview = col_text(c->leaks, 2), .outputs = sqlite3_column_int64(c->leaks, 3),
	};
	if (!leak->category || !leak->preview) {
		snprintf(err, errlen, "a finding without category or preview");
		return -1;
	}
	if (count_for(c->documents, c, &leak->corpus_occurrences, &leak->corpus_documents, err, errlen) ||
	    count_for(c->extracted, c, &leak->extracted, NULL, err, errlen))
		return -1;
	return 1;
}

int db_xref_locations(struct db_xref_cursor *c, unsigned max,
                      int (*fn)(void *ctx, const struct db_xref_location *loc), void *ctx,
                      char *err, size_t errlen)
{
	sqlite3_stmt *st = c->locations;
	int rc;
	sqlite3_bind_text(st, 1, c->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->corpus_run);
	sqlite3_bind_int64(st, 3, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_xref_location loc = {
			.path = col_text(st, 0), .member = col_text(st, 1),
			.record = sqlite3_column_int64(st, 2), .field = col_text(st, 3),
			.line = sqlite3_column_int64(st, 4), .offset = sqlite3_column_int64(st, 5),
			.length = sqlite3_column_int64(st, 6), .rule = col_text(st, 7),
		};
		if (!loc.path || !loc.rule)
			continue;
		if (fn(ctx, &loc))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(sqlite3_db_handle(st), "cannot query", err, errlen);
	return 0;
}

void db_xref_free(struct db_xref_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->leaks);
	sqlite3_finalize(c->documents);
	sqlite3_finalize(c->extracted);
	sqlite3_finalize(c->locations);
	free(c);
}

/* ---- the result, kept in the outputs database ---- */

struct db_xref_saver {
	sqlite3 *db;
	sqlite3_stmt *leak;
	int64_t xref_id;
	bool open;                  /* a transaction to end */
};

int db_xref_save_begin(struct db_store *s, int64_t output_run, int64_t corpus_run,
                       const char *corpus_path, const char *key_id,
                       const struct db_xref_totals *t, struct db_xref_saver **out, char *err,
                       size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	char now[32];
	time_t clock = time(NULL);
	struct tm tm;
	struct db_xref_saver *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->db = db;
	gmtime_r(&clock, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	w->open = true;
	/* A rerun against the same corpus run replaces its result. */
	if (sqlite3_prepare_v2(db,
	                       "DELETE FROM xref_leaks WHERE xref_id IN (SELECT x.id FROM xref_runs x"
	                       " WHERE x.run_id = ?1 AND x.corpus_uuid = (SELECT uuid FROM corpus.runs"
	                       " WHERE id = ?2))",
	                       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, output_run);
	sqlite3_bind_int64(st, 2, corpus_run);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO xref_runs (run_id, created_at, corpus_db, corpus_run,"
	                       " corpus_uuid, key_id, outputs, outputs_with_pii, outputs_with_leak,"
	                       " output_values, leaked_values, prompted, extracted)"
	                       " SELECT ?1, ?3, ?4, ?2, uuid, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12"
	                       " FROM corpus.runs WHERE id = ?2",
	                       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, output_run);
	sqlite3_bind_int64(st, 2, corpus_run);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, corpus_path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, key_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, t->outputs);
	sqlite3_bind_int64(st, 7, t->outputs_with_pii);
	sqlite3_bind_int64(st, 8, t->outputs_with_leak);
	sqlite3_bind_int64(st, 9, t->output_values);
	sqlite3_bind_int64(st, 10, t->leaked_values);
	sqlite3_bind_int64(st, 11, t->prompted);
	sqlite3_bind_int64(st, 12, t->extracted);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db) != 1)
		goto fail;
	w->xref_id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO xref_leaks (xref_id, fingerprint, category, preview, outputs,"
	                       " extracted, corpus_documents, corpus_occurrences)"
	                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	                       -1, &w->leak, NULL) != SQLITE_OK)
		goto fail;
	*out = w;
	return 0;
fail:
	sql_fail(db, "cannot record the cross-reference", err, errlen);
	sqlite3_finalize(st);
	db_xref_save_abort(w);
	return -1;
}

int64_t db_xref_save_id(const struct db_xref_saver *w)
{
	return w->xref_id;
}

int db_xref_save_leak(struct db_xref_saver *w, const struct db_xref_leak *l, char *err,
                      size_t errlen)
{
	sqlite3_stmt *st = w->leak;
	sqlite3_bind_int64(st, 1, w->xref_id);
	sqlite3_bind_text(st, 2, l->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, l->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, l->preview, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, l->outputs);
	sqlite3_bind_int64(st, 6, l->extracted);
	sqlite3_bind_int64(st, 7, l->corpus_documents);
	sqlite3_bind_int64(st, 8, l->corpus_occurrences);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return sql_fail(w->db, "cannot record the cross-reference", err, errlen);
	return 0;
}

int db_xref_save_commit(struct db_xref_saver *w, char *err, size_t errlen)
{
	sqlite3_finalize(w->leak);
	w->leak = NULL;
	if (sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(w->db, "cannot record the cross-reference", err, errlen);
		db_xref_save_abort(w);
		return -1;
	}
	w->open = false;
	db_xref_save_abort(w);
	return 0;
}

void db_xref_save_abort(struct db_xref_saver *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->leak);
	if (w->open)
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	free(w);
}
