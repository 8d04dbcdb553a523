/*
 * db/report_sections.c - the memorisation and redaction sections of a
 * report (db/report_sections.h): a few small queries over the tables that
 * xref and redact keep, never over all findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "db/report_sections.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static int sql_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* A copy of a text column, NULL for SQL NULL; *bad set when out of memory. */
static char *dup_col(sqlite3_stmt *st, int col, bool *bad)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	const unsigned char *t = sqlite3_column_text(st, col);
	char *s = t ? strdup((const char *)t) : NULL;
	if (!s)
		*bad = true;
	return s;
}

static int64_t int_col(sqlite3_stmt *st, int col, int64_t null_value)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? null_value : sqlite3_column_int64(st, col);
}

/* 1 when the database has all the tables named (comma-separated in
 * `names`, quoted for SQL), 0 when not, -1 on error. */
static int have_tables(sqlite3 *db, const char *names, int want)
{
	sqlite3_stmt *st;
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	         " AND name IN (%s)", names);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st), n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return n < 0 ? -1 : n == want;
}

/* ---- memorisation ---- */

void db_report_memo_release(struct db_report_memo *m)
{
	free(m->created_at);
	free(m->corpus_db);
	free(m->corpus_uuid);
	free(m->key_id);
	for (size_t i = 0; i < m->category_count; i++)
		free(m->categories[i].category);
	free(m->categories);
	for (size_t i = 0; i < m->leak_count; i++) {
		free(m->leaks[i].category);
		free(m->leaks[i].preview);
	}
	memset(m, 0, sizeof(*m));
}

int db_report_load_memo(struct db_report_memo *m, sqlite3 *db, int64_t run_id, char *err,
                        size_t errlen)
{
	sqlite3_stmt *st = NULL;
	bool bad = false;
	int rc, have = have_tables(db, "'xref_runs', 'xref_leaks'", 2);
	memset(m, 0, sizeof(*m));
	if (have <= 0)
		return have < 0 ? sql_fail(db, "cannot read the schema", err, errlen) : 0;
	if (sqlite3_prepare_v2(db,
	                       "SELECT id, created_at, corpus_db, corpus_run, corpus_uuid, key_id, outputs,"
	                       " outputs_with_pii, outputs_with_leak, output_values, leaked_values,"
	                       " prompted, extracted,"
	                       " (SELECT count(*) - 1 FROM xref_runs o WHERE o.run_id = x.run_id)"
	                       " FROM xref_runs x WHERE run_id = ?1 ORDER BY created_at DESC, id DESC"
	                       " LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read xref_runs", err, errlen);
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		m->present = true;
		m->xref_id = sqlite3_column_int64(st, 0);
		m->created_at = dup_col(st, 1, &bad);
		m->corpus_db = dup_col(st, 2, &bad);
		m->corpus_run = sqlite3_column_int64(st, 3);
		m->corpus_uuid = dup_col(st, 4, &bad);
		m->key_id = dup_col(st, 5, &bad);
		int64_t *dest[] = { &m->outputs, &m->outputs_with_pii, &m->outputs_with_leak,
		                    &m->output_values, &m->leaked_values, &m->prompted, &m->extracted,
		                    &m->other_results };
		for (size_t i = 0; i < sizeof(dest) / sizeof(dest[0]); i++)
			*dest[i] = sqlite3_column_int64(st, 6 + (int)i);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (bad)
		goto oom;
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : sql_fail(db, "cannot read xref_runs", err, errlen);

	size_t alloc = 0;
	if (sqlite3_prepare_v2(db,
	                       "SELECT category, count(*), sum(outputs), sum(extracted) FROM xref_leaks"
	                       " WHERE xref_id = ?1 GROUP BY category ORDER BY 2 DESC, 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read xref_leaks", err, errlen);
	sqlite3_bind_int64(st, 1, m->xref_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->category_count == alloc) {
			/* The category vocabulary: a few dozen rows at most. */
			size_t n = alloc ? 2 * alloc : 16;
			struct db_report_memo_category *g = realloc(m->categories, n * sizeof(*g));
			if (!g)
				goto oom;
			m->categories = g;
			alloc = n;
		}
		struct db_report_memo_category *c = &m->categories[m->category_count++];
		c->category = dup_col(st, 0, &bad);
		c->values = sqlite3_column_int64(st, 1);
		c->outputs = int_col(st, 2, 0);
		c->extracted = int_col(st, 3, 0);
		if (bad || !c->category)
			goto oom;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		return sql_fail(db, "cannot read xref_leaks", err, errlen);
	if (sqlite3_prepare_v2(db,
	                       "SELECT category, preview, outputs, extracted, corpus_documents,"
	                       " corpus_occurrences FROM xref_leaks WHERE xref_id = ?1"
	                       " ORDER BY outputs DESC, extracted DESC, corpus_documents DESC, category,"
	                       " preview, fingerprint LIMIT " STR(DB_REPORT_LEAKS),
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read xref_leaks", err, errlen);
	sqlite3_bind_int64(st, 1, m->xref_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && m->leak_count < DB_REPORT_LEAKS) {
		struct db_report_memo_leak *l = &m->leaks[m->leak_count++];
		l->category = dup_col(st, 0, &bad);
		l->preview = dup_col(st, 1, &bad);
		l->outputs = sqlite3_column_int64(st, 2);
		l->extracted = sqlite3_column_int64(st, 3);
		l->corpus_documents = sqlite3_column_int64(st, 4);
		l->corpus_occurrences = sqlite3_column_int64(st, 5);
		if (bad || !l->category || !l->preview)
			goto oom;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sql_fail(db, "cannot read xref_leaks", err, errlen);
	return 0;
oom:
	sqlite3_finalize(st);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* ---- redactions ---- */

static void redaction_release(struct db_report_redaction *x)
{
	free(x->run_started_at);
	free(x->input);
	free(x->output);
	free(x->format);
	free(x->style);
	free(x->status);
	free(x->error);
	free(x->input_sha256);
	free(x->output_sha256);
	for (size_t i = 0; i < x->category_count; i++)
		free(x->categories[i].category);
	free(x->categories);
}

void db_report_redactions_release(struct db_report_redactions *rd)
{
	for (size_t i = 0; i < rd->count; i++)
		redaction_release(&rd->items[i]);
	free(rd->items);
	memset(rd, 0, sizeof(*rd));
}

/* Per category of one redacted file: found (NULL when a rule's row
 * predates the column), redacted, and left after --verify. */
static int load_redaction_categories(struct db_report_redaction *x, sqlite3 *db, bool with_found,
                                     char *err, size_t errlen)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	bool bad = false;
	int rc;
	const char *sql = with_found
		? "SELECT category, CASE WHEN count(found) = count(*) THEN sum(found) END, sum(replaced),"
		  " CASE WHEN count(remaining) = count(*) THEN sum(remaining) END"
		  " FROM redaction_counts WHERE redaction_id = ?1 GROUP BY category ORDER BY category"
		: "SELECT category, NULL, sum(replaced), NULL"
		  " FROM redaction_counts WHERE redaction_id = ?1 GROUP BY category ORDER BY category";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read redaction_counts", err, errlen);
	sqlite3_bind_int64(st, 1, x->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (x->category_count == alloc) {
			size_t n = alloc ? 2 * alloc : 8;
			struct db_report_redact_category *g = realloc(x->categories, n * sizeof(*g));
			if (!g) {
				bad = true;
				break;
			}
			x->categories = g;
			alloc = n;
		}
		struct db_report_redact_category *c = &x->categories[x->category_count++];
		c->category = dup_col(st, 0, &bad);
		c->found = int_col(st, 1, -1);
		c->redacted = int_col(st, 2, 0);
		/* Not verified: the file's own remaining is NULL. */
		c->remaining = x->remaining < 0 ? -1 : int_col(st, 3, -1);
		if (bad || !c->category) {
			bad = true;
			break;
		}
	}
	sqlite3_finalize(st);
	if (bad) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return rc == SQLITE_DONE ? 0 : sql_fail(db, "cannot read redaction_counts", err, errlen);
}

int db_report_load_redactions(struct db_report_redactions *rd, sqlite3 *db, char *err,
                              size_t errlen)
{
	sqlite3_stmt *st = NULL;
	bool bad = false;
	int rc, have = have_tables(db, "'redactions', 'redaction_counts'", 2);
	memset(rd, 0, sizeof(*rd));
	if (have <= 0)
		return have < 0 ? sql_fail(db, "cannot read the schema", err, errlen) : 0;
	/* Databases whose redaction_counts predate found and remaining, opened
	 * without the migration (read only), still report what they hold. */
	sqlite3_stmt *probe = NULL;
	bool with_found = sqlite3_prepare_v2(db, "SELECT found, remaining FROM redaction_counts",
	                                     -1, &probe, NULL) == SQLITE_OK;
	sqlite3_finalize(probe);
	if (sqlite3_prepare_v2(db, "SELECT count(*), count(DISTINCT run_id) FROM redactions", -1, &st,
	                       NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read redactions", err, errlen);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rd->total = sqlite3_column_int64(st, 0);
		rd->runs = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sql_fail(db, "cannot read redactions", err, errlen);
	if (!rd->total)
		return 0;
	if (!(rd->items = calloc(rd->total < DB_REPORT_REDACTIONS ? (size_t)rd->total
	                                                           : DB_REPORT_REDACTIONS,
	                         sizeof(*rd->items)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (sqlite3_prepare_v2(db,
	                       "SELECT x.id, x.run_id, r.started_at, x.input, x.output, x.format, x.style,"
	                       " x.status, x.error, x.input_sha256, x.output_sha256, x.replaced,"
	                       " x.records_dropped, x.remaining"
	                       " FROM redactions x LEFT JOIN runs r ON r.id = x.run_id"
	                       " ORDER BY x.run_id DESC, x.id LIMIT " STR(DB_REPORT_REDACTIONS),
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read redactions", err, errlen);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && rd->count < DB_REPORT_REDACTIONS &&
	       (int64_t)rd->count < rd->total) {
		struct db_report_redaction *x = &rd->items[rd->count++];
		x->id = sqlite3_column_int64(st, 0);
		x->run_id = sqlite3_column_int64(st, 1);
		x->run_started_at = dup_col(st, 2, &bad);
		x->input = dup_col(st, 3, &bad);
		x->output = dup_col(st, 4, &bad);
		x->format = dup_col(st, 5, &bad);
		x->style = dup_col(st, 6, &bad);
		x->status = dup_col(st, 7, &bad);
		x->error = dup_col(st, 8, &bad);
		x->input_sha256 = dup_col(st, 9, &bad);
		x->output_sha256 = dup_col(st, 10, &bad);
		x->replaced = sqlite3_column_int64(st, 11);
		x->records_dropped = sqlite3_column_int64(st, 12);
		x->remaining = int_col(st, 13, -1);
		if (bad || !x->input || !x->output || !x->style || !x->status) {
			bad = true;         /* NOT NULL columns: only out of memory */
			break;
		}
	}
	sqlite3_finalize(st);
	if (bad) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sql_fail(db, "cannot read redactions", err, errlen);
	for (size_t i = 0; i < rd->count; i++)
		if (load_redaction_categories(&rd->items[i], db, with_found, err, errlen))
			return -1;
	return 0;
}
