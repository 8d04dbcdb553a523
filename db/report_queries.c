/*
 * db/report_queries.c - the aggregations of db/report_queries.h.
 *
 * Each section is one or two GROUP BY queries whose result has a bounded
 * number of rows (rules x placeholder x confidence bucket; sources by kind
 * and status; top N by count), so the C side only copies small results.
 * The heaviest work, over all findings of a run, is the inventory
 * (findings_run_category), the per-source counts (findings_run_source,
 * covering) and the diff, a single sort over both runs' location keys that
 * SQLite spills to temporary files rather than holding in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "db/report_queries.h"
#include "db/store.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define MAX_RULES 100000        /* a sanity bound; real rule sets hold hundreds */

static int fail(struct db_report *r, sqlite3 *db, const char *what)
{
	snprintf(r->error, sizeof(r->error), "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

static int oom(struct db_report *r)
{
	snprintf(r->error, sizeof(r->error), "out of memory");
	return -1;
}

/* A copy of a text column, NULL for SQL NULL; *bad set when out of memory. */
static char *col_dup(sqlite3_stmt *st, int col, bool *bad)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t) {
		*bad = true;
		return NULL;
	}
	char *s = strdup((const char *)t);
	if (!s)
		*bad = true;
	return s;
}

static int64_t col_int(sqlite3_stmt *st, int col, int64_t null_value)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return null_value;
	return sqlite3_column_int64(st, col);
}

static int prepare(struct db_report *r, sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return fail(r, db, "cannot query the database");
	}
	return 0;
}

/* Binds ?1 to the run, ?2 to a second run when given. */
static void bind_runs(sqlite3_stmt *st, int64_t run, int64_t other)
{
	sqlite3_bind_int64(st, 1, run);
	if (other && sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, other);
}

/* Whether `sql` prepares: tells which optional tables and columns exist. */
static bool sql_ok(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
	sqlite3_finalize(st);
	return ok;
}

static void source_release(struct db_report_source *s)
{
	free(s->path);
	free(s->member);
	free(s->kind);
	free(s->format);
	free(s->status);
	free(s->error);
	free(s->top_category);
	free(s->sha256);
	memset(s, 0, sizeof(*s));
}

static void counts_free(struct db_report_count *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].detail);
	}
	free(c);
}

void db_report_init(struct db_report *r)
{
	memset(r, 0, sizeof(*r));
}

void db_report_release(struct db_report *r)
{
	struct db_report_run *run = &r->run;
	free(run->uuid);
	free(run->kind);
	free(run->started_at);
	free(run->ended_at);
	free(run->argv_json);
	free(run->tool_version);
	free(run->rules_digest);
	free(run->key_id);
	free(run->label);
	free(run->plan_digest);
	free(run->status);
	for (size_t i = 0; i < r->rule_count; i++) {
		struct db_report_rule *ru = &r->rules[i];
		free(ru->id);
		free(ru->category);
		free(ru->description);
		free(ru->validator);
		free(ru->tags);
		free(ru->pack);
	}
	free(r->rules);
	for (size_t i = 0; i < r->category_count; i++) {
		free(r->categories[i].name);
		for (size_t k = 0; k < DB_REPORT_SAMPLES; k++) {
			free(r->categories[i].samples[k]);
			free(r->categories[i].sample_rules[k]);
			if (r->categories[i].values[k])
				explicit_bzero(r->categories[i].values[k], strlen(r->categories[i].values[k]));
			free(r->categories[i].values[k]);
		}
	}
	free(r->categories);
	for (size_t i = 0; i < r->top_source_count; i++)
		source_release(&r->top_sources[i]);
	for (size_t i = 0; i < r->top_input_count; i++)
		source_release(&r->top_inputs[i]);
	for (size_t i = 0; i < r->input_count; i++)
		source_release(&r->inputs[i]);
	free(r->inputs);
	for (size_t i = 0; i < r->coverage_count; i++) {
		free(r->coverage[i].kind);
		free(r->coverage[i].status);
	}
	free(r->coverage);
	counts_free(r->classes, r->class_count);
	for (size_t i = 0; i < r->reason_count; i++) {
		free(r->reasons[i].cls);
		free(r->reasons[i].status);
		free(r->reasons[i].reason);
	}
	free(r->reasons);
	for (size_t i = 0; i < r->problem_count; i++)
		source_release(&r->problems[i]);
	free(r->problems);
	counts_free(r->formats, r->format_count);
	counts_free(r->fields, r->field_count);
	counts_free(r->brands, r->brand_count);
	free(r->since_started_at);
	free(r->since_db);
	free(r->since_key_id);
	for (size_t i = 0; i < r->diff_count; i++)
		free(r->diff[i].category);
	free(r->diff);
	db_report_memo_release(&r->memo);
	db_report_redactions_release(&r->redactions);
	db_report_init(r);
}

/* Grows *items (of `size` bytes each) to hold one more; -1 when out of memory. */
static int grow(void **items, size_t count, size_t *alloc, size_t size)
{
	if (count < *alloc)
		return 0;
	size_t n = *alloc ? *alloc * 2 : 16;
	void *p = realloc(*items, n * size);
	if (!p)
		return -1;
	memset((char *)p + *alloc * size, 0, (n - *alloc) * size);
	*items = p;
	*alloc = n;
	return 0;
}

int db_report_run_exists(sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- the run and its rules ---- */

static int load_run_row(struct db_report *r, sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st;
	bool bad = false;
	if (prepare(r, db,
	            "SELECT id, uuid, kind, started_at, ended_at, argv, tool_version, rules_digest,"
	            " key_id, label, plan_digest, status, shard_index, shard_count, store_values,"
	            " bytes_scanned FROM runs WHERE id = ?", &st))
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			snprintf(r->error, sizeof(r->error), "no run %lld", (long long)run_id);
		else
			fail(r, db, "cannot read the run");
		sqlite3_finalize(st);
		return -1;
	}
	struct db_report_run *run = &r->run;
	run->id = sqlite3_column_int64(st, 0);
	run->uuid = col_dup(st, 1, &bad);
	run->kind = col_dup(st, 2, &bad);
	run->started_at = col_dup(st, 3, &bad);
	run->ended_at = col_dup(st, 4, &bad);
	run->argv_json = col_dup(st, 5, &bad);
	run->tool_version = col_dup(st, 6, &bad);
	run->rules_digest = col_dup(st, 7, &bad);
	run->key_id = col_dup(st, 8, &bad);
	run->label = col_dup(st, 9, &bad);
	run->plan_digest = col_dup(st, 10, &bad);
	run->status = col_dup(st, 11, &bad);
	run->shard_index = col_int(st, 12, 0);
	run->shard_count = col_int(st, 13, 0);
	run->store_values = sqlite3_column_int(st, 14) != 0;
	run->bytes_scanned = col_int(st, 15, 0);
	sqlite3_finalize(st);
	return bad ? oom(r) : 0;
}

static int load_rules(struct db_report *r, sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	bool bad = false;
	int rc;
	if (prepare(r, db,
	            "SELECT id, category, description, validator, confidence, tags, pack"
	            " FROM rules WHERE run_id = ? ORDER BY category, id", &st))
		return -1;
	sqlite3_bind_int64(st, 1, r->run.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->rule_count < MAX_RULES) {
		if (grow((void **)&r->rules, r->rule_count, &alloc, sizeof(*r->rules))) {
			bad = true;
			break;
		}
		struct db_report_rule *ru = &r->rules[r->rule_count++];
		ru->id = col_dup(st, 0, &bad);
		ru->category = col_dup(st, 1, &bad);
		ru->description = col_dup(st, 2, &bad);
		ru->validator = col_dup(st, 3, &bad);
		ru->confidence = sqlite3_column_double(st, 4);
		ru->tags = col_dup(st, 5, &bad);
		ru->pack = col_dup(st, 6, &bad);
		ru->in_rules_table = true;
		if (!ru->id || !ru->category)
			bad = true;
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(r, db, "cannot read the rules");
	return 0;
}

int db_report_load_run(struct db_report *r, sqlite3 *db, int64_t run_id)
{
	if (load_run_row(r, db, run_id) || load_rules(r, db))
		return -1;
	return 0;
}

/* ---- inventory ---- */

static struct db_report_rule *find_rule(struct db_report *r, const char *id)
{
	for (size_t i = 0; i < r->rule_count; i++)
		if (!strcmp(r->rules[i].id, id))
			return &r->rules[i];
	return NULL;
}

static struct db_report_category *find_category(struct db_report *r, const char *name,
                                                size_t *alloc)
{
	for (size_t i = 0; i < r->category_count; i++)
		if (!strcmp(r->categories[i].name, name))
			return &r->categories[i];
	if (!alloc || grow((void **)&r->categories, r->category_count, alloc, sizeof(*r->categories)))
		return NULL;
	struct db_report_category *c = &r->categories[r->category_count];
	if (!(c->name = strdup(name)))
		return NULL;
	r->category_count++;
	return c;
}

static int by_findings_desc(const void *a, const void *b)
{
	const struct db_report_category *x = a, *y = b;
	if (x->findings != y->findings)
		return x->findings < y->findings ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* One pass over the run's findings grouped by rule, placeholder, bucket
 * and field mode: the totals, per category, per rule, the histogram. */
static int load_inventory(struct db_report *r, sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t rule_alloc = r->rule_count, cat_alloc = 0;
	int rc;
	if (prepare(r, db,
	            "SELECT category, rule, placeholder,"
	            " max(0, min(CAST(confidence * 10 AS INTEGER), 9)), record IS NOT NULL, count(*)"
	            " FROM findings WHERE run_id = ? GROUP BY 1, 2, 3, 4, 5", &st))
		return -1;
	sqlite3_bind_int64(st, 1, r->run.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cat = (const char *)sqlite3_column_text(st, 0);
		const char *rule = (const char *)sqlite3_column_text(st, 1);
		bool placeholder = sqlite3_column_int(st, 2) != 0;
		int bucket = sqlite3_column_int(st, 3);
		bool field = sqlite3_column_int(st, 4) != 0;
		int64_t n = sqlite3_column_int64(st, 5);
		if (!cat || !rule)
			continue;
		struct db_report_rule *ru = find_rule(r, rule);
		if (!ru && r->rule_count < MAX_RULES) {
			/* A rule the rules table does not list (an older or merged database). */
			if (grow((void **)&r->rules, r->rule_count, &rule_alloc, sizeof(*r->rules)))
				goto nomem;
			ru = &r->rules[r->rule_count];
			ru->id = strdup(rule);
			ru->category = strdup(cat);
			r->rule_count++;
			if (!ru->id || !ru->category)
				goto nomem;
		}
		struct db_report_category *c = find_category(r, cat, &cat_alloc);
		if (!c)
			goto nomem;
		if (ru) {
			ru->findings += n;
			ru->placeholders += placeholder ? n : 0;
		}
		c->findings += n;
		c->placeholders += placeholder ? n : 0;
		c->hist[bucket] += n;
		r->hist[bucket] += n;
		r->total_findings += n;
		r->placeholders += placeholder ? n : 0;
		r->field_findings += field ? n : 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(r, db, "cannot count the findings");
	if (r->category_count)
		qsort(r->categories, r->category_count, sizeof(*r->categories), by_findings_desc);
	/* Categories the rules looked for and found nothing of: evidence too. */
	for (size_t i = 0; i < r->rule_count; i++)
		if (!find_category(r, r->rules[i].category, &cat_alloc))
			return oom(r);
	return 0;
nomem:
	sqlite3_finalize(st);
	return oom(r);
}

/* A few distinct masked previews of real findings per category; the
 * inner LIMIT bounds the work when every preview is the same. */
static int load_samples(struct db_report *r, sqlite3 *db, bool values)
{
	sqlite3_stmt *st;
	bool bad = false;
	if (prepare(r, db,
	            values ? "SELECT preview, max(value), min(rule) FROM (SELECT preview, value, rule"
	                     " FROM findings WHERE run_id = ? AND category = ? AND placeholder = 0"
	                     " LIMIT 2000) GROUP BY preview ORDER BY preview LIMIT " STR(DB_REPORT_SAMPLES)
	                   : "SELECT preview, NULL, min(rule) FROM (SELECT preview, rule FROM findings"
	                     " WHERE run_id = ? AND category = ? AND placeholder = 0 LIMIT 2000)"
	                     " GROUP BY preview ORDER BY preview LIMIT " STR(DB_REPORT_SAMPLES), &st))
		return -1;
	for (size_t i = 0; i < r->category_count && !bad; i++) {
		struct db_report_category *c = &r->categories[i];
		if (c->findings == c->placeholders)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, r->run.id);
		sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
		int rc;
		for (size_t k = 0; k < DB_REPORT_SAMPLES && (rc = sqlite3_step(st)) == SQLITE_ROW; k++) {
			c->samples[k] = col_dup(st, 0, &bad);
			c->values[k] = col_dup(st, 1, &bad);
			c->sample_rules[k] = col_dup(st, 2, &bad);
		}
	}
	sqlite3_finalize(st);
	return bad ? oom(r) : 0;
}

/* Copies a sources row laid out as: path, member, kind, format, size,
 * bytes_scanned, status, error, then `n` counts into findings, members,
 * problems. */
static void read_source(sqlite3_stmt *st, struct db_report_source *s, bool *bad)
{
	s->path = col_dup(st, 0, bad);
	s->member = col_dup(st, 1, bad);
	s->kind = col_dup(st, 2, bad);
	s->format = col_dup(st, 3, bad);
	s->size = col_int(st, 4, -1);
	s->bytes_scanned = col_int(st, 5, 0);
	s->status = col_dup(st, 6, bad);
	s->error = col_dup(st, 7, bad);
	s->findings = col_int(st, 8, 0);
	s->members = col_int(st, 9, 0);
	s->problems = col_int(st, 10, 0);
	if (!s->path)
		*bad = true;
}

static int load_top_sources(struct db_report *r, sqlite3 *db)
{
	sqlite3_stmt *st;
	bool bad = false;
	int rc;
	if (prepare(r, db,
	            "SELECT s.path, s.member, s.kind, s.format, s.size, s.bytes_scanned, s.status,"
	            " s.error, c.n, 0, 0,"
	            " (SELECT category FROM findings g WHERE g.run_id = ?1 AND g.source_id = c.source_id"
	            "   GROUP BY category ORDER BY count(*) DESC, category LIMIT 1)"
	            " FROM (SELECT g.source_id, g.n FROM (SELECT source_id, count(*) AS n FROM findings"
	            "       WHERE run_id = ?1 GROUP BY source_id) g JOIN sources t ON t.id = g.source_id"
	            "       ORDER BY g.n DESC, t.path, t.id LIMIT " STR(DB_REPORT_TOP) ") c"
	            " JOIN sources s ON s.id = c.source_id ORDER BY c.n DESC, s.path, s.id", &st))
		return -1;
	bind_runs(st, r->run.id, 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->top_source_count < DB_REPORT_TOP) {
		struct db_report_source *s = &r->top_sources[r->top_source_count++];
		read_source(st, s, &bad);
		s->top_category = col_dup(st, 11, &bad);
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(r, db, "cannot rank the sources");
}

/* Every row of a path (the file or archive given, and its members),
 * summed: an input. */
#define INPUTS_SQL \
	"WITH f AS (SELECT source_id, count(*) AS n FROM findings WHERE run_id = ?1" \
	"           GROUP BY source_id)" \
	" SELECT s.path, NULL," \
	"  max(CASE WHEN s.parent_id IS NULL THEN s.kind END)," \
	"  max(CASE WHEN s.parent_id IS NULL THEN s.format END)," \
	"  max(CASE WHEN s.parent_id IS NULL THEN s.size END)," \
	"  sum(CASE WHEN s.kind != 'archive' THEN s.bytes_scanned ELSE 0 END)," \
	"  max(CASE WHEN s.parent_id IS NULL THEN s.status END)," \
	"  max(CASE WHEN s.parent_id IS NULL THEN s.error END)," \
	"  coalesce(sum(f.n), 0) AS n, sum(s.kind = 'member'), sum(s.status != 'ok')," \
	"  max(CASE WHEN s.parent_id IS NULL THEN s.sha256 END)" \
	" FROM sources s LEFT JOIN f ON f.source_id = s.id WHERE s.run_id = ?1" \
	" GROUP BY s.path"

static int load_inputs(struct db_report *r, sqlite3 *db)
{
	sqlite3_stmt *st;
	bool bad = false;
	size_t alloc = 0;
	int rc;
	if (prepare(r, db,
	            "SELECT count(DISTINCT path),"
	            " coalesce(sum(CASE WHEN parent_id IS NULL THEN size END), 0),"
	            " count(DISTINCT CASE WHEN parent_id IS NULL THEN path || '/' || sha256 END)"
	            " FROM sources WHERE run_id = ?", &st))
		return -1;
	sqlite3_bind_int64(st, 1, r->run.id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->inputs_total = sqlite3_column_int64(st, 0);
		r->inputs_size = sqlite3_column_int64(st, 1);
		r->inputs_hashed = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);

	if (prepare(r, db, INPUTS_SQL " ORDER BY s.path LIMIT " STR(DB_REPORT_INPUTS), &st))
		return -1;
	bind_runs(st, r->run.id, 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->input_count < DB_REPORT_INPUTS) {
		if (grow((void **)&r->inputs, r->input_count, &alloc, sizeof(*r->inputs))) {
			bad = true;
			break;
		}
		read_source(st, &r->inputs[r->input_count], &bad);
		r->inputs[r->input_count++].sha256 = col_dup(st, 11, &bad);
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(r, db, "cannot list the inputs");

	if (prepare(r, db, INPUTS_SQL " HAVING n > 0 ORDER BY n DESC, s.path LIMIT " STR(DB_REPORT_TOP),
	            &st))
		return -1;
	bind_runs(st, r->run.id, 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->top_input_count < DB_REPORT_TOP)
		read_source(st, &r->top_inputs[r->top_input_count++], &bad);
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(r, db, "cannot rank the inputs");
}

/* ---- coverage ---- */

#define REASON_CLASS \
	"CASE WHEN status = 'skipped' AND error LIKE 'binary%' THEN 'binary'" \
	" WHEN error LIKE 'limit:%' THEN 'limit'" \
	" WHEN status = 'skipped' THEN 'skipped'" \
	" WHEN status = 'interrupted' THEN 'interrupted'" \
	" WHEN status = 'scanning' THEN 'incomplete'" \
	" ELSE 'error' END"

/* (name, detail, count) rows of sql into *items, at most max; `failed`
 * says what could not be read. */
static int load_counts(struct db_report *r, sqlite3 *db, const char *sql,
                       struct db_report_count **items, size_t *count, size_t max, const char *failed)
{
	sqlite3_stmt *st;
	bool bad = false;
	size_t alloc = 0;
	int rc;
	if (prepare(r, db, sql, &st))
		return -1;
	bind_runs(st, r->run.id, 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *count < max) {
		if (grow((void **)items, *count, &alloc, sizeof(**items))) {
			bad = true;
			break;
		}
		struct db_report_count *c = &(*items)[(*count)++];
		c->name = col_dup(st, 0, &bad);
		c->detail = col_dup(st, 1, &bad);
		c->count = sqlite3_column_int64(st, 2);
		if (!c->name && !bad && !(c->name = strdup("")))
			bad = true;
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(r, db, failed);
}

static int load_coverage(struct db_report *r, sqlite3 *db)
{
	sqlite3_stmt *st;
	bool bad = false;
	size_t alloc = 0;
	int rc;
	if (prepare(r, db,
	            "SELECT kind, status, count(*), sum(bytes_scanned) FROM sources WHERE run_id = ?"
	            " GROUP BY kind, status ORDER BY kind, status", &st))
		return -1;
	sqlite3_bind_int64(st, 1, r->run.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&r->coverage, r->coverage_count, &alloc, sizeof(*r->coverage))) {
			bad = true;
			break;
		}
		struct db_report_coverage *c = &r->coverage[r->coverage_count++];
		c->kind = col_dup(st, 0, &bad);
		c->status = col_dup(st, 1, &bad);
		c->count = sqlite3_column_int64(st, 2);
		c->bytes_scanned = col_int(st, 3, 0);
		r->sources_total += c->count;
		if (c->kind && !strcmp(c->kind, "member"))
			r->members_total += c->count;
		/* An archive's bytes are its members' bytes: count them once. */
		if (!c->kind || strcmp(c->kind, "archive"))
			r->bytes_scanned += c->bytes_scanned;
		if (!c->kind || !c->status)
			bad = true;
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	if (rc != SQLITE_DONE)
		return fail(r, db, "cannot read the sources");

	if (load_counts(r, db,
	                "SELECT " REASON_CLASS ", NULL, count(*) FROM sources"
	                " WHERE run_id = ?1 AND status != 'ok' GROUP BY 1 ORDER BY 3 DESC, 1",
	                &r->classes, &r->class_count, 16, "cannot read the sources"))
		return -1;

	if (prepare(r, db,
	            "SELECT " REASON_CLASS ", status, coalesce(error, ''), count(*) FROM sources"
	            " WHERE run_id = ? AND status != 'ok' GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 3", &st))
		return -1;
	sqlite3_bind_int64(st, 1, r->run.id);
	alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->reasons_total++;
		if (r->reason_count >= DB_REPORT_REASONS)
			continue;
		if (grow((void **)&r->reasons, r->reason_count, &alloc, sizeof(*r->reasons))) {
			bad = true;
			break;
		}
		struct db_report_reason *e = &r->reasons[r->reason_count++];
		e->cls = col_dup(st, 0, &bad);
		e->status = col_dup(st, 1, &bad);
		e->reason = col_dup(st, 2, &bad);
		e->count = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	if (rc != SQLITE_DONE)
		return fail(r, db, "cannot read the sources");

	if (prepare(r, db, "SELECT count(*) FROM sources WHERE run_id = ? AND status != 'ok'", &st))
		return -1;
	sqlite3_bind_int64(st, 1, r->run.id);
	if (sqlite3_step(st) == SQLITE_ROW)
		r->problems_total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (prepare(r, db,
	            "SELECT path, member, kind, format, size, bytes_scanned, status, error, findings, 0, 0"
	            " FROM sources WHERE run_id = ? AND status != 'ok' ORDER BY path, id LIMIT "
	            STR(DB_REPORT_PROBLEMS), &st))
		return -1;
	sqlite3_bind_int64(st, 1, r->run.id);
	alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->problem_count < DB_REPORT_PROBLEMS) {
		if (grow((void **)&r->problems, r->problem_count, &alloc, sizeof(*r->problems))) {
			bad = true;
			break;
		}
		read_source(st, &r->problems[r->problem_count++], &bad);
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(r, db, "cannot read the sources");

	if (load_counts(r, db,
	                "SELECT coalesce(format, ''), kind, count(*) FROM sources WHERE run_id = ?1"
	                " AND kind != 'archive' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
	                &r->formats, &r->format_count, DB_REPORT_FORMATS, "cannot read the sources"))
		return -1;

	/* Field mode: the records column came with JSONL field scanning. */
	r->has_records = sql_ok(db, "SELECT records, invalid_records FROM sources LIMIT 0");
	if (r->has_records) {
		if (prepare(r, db,
		            "SELECT coalesce(sum(records), 0), coalesce(sum(invalid_records), 0),"
		            " count(records) FROM sources WHERE run_id = ?", &st))
			return -1;
		sqlite3_bind_int64(st, 1, r->run.id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			r->records = sqlite3_column_int64(st, 0);
			r->invalid_records = sqlite3_column_int64(st, 1);
			if (sqlite3_column_int64(st, 2) == 0)
				r->has_records = false;     /* no source was read in field mode */
		}
		sqlite3_finalize(st);
	}
	if (r->field_findings) {
		if (prepare(r, db,
		            "SELECT count(*) FROM (SELECT DISTINCT source_id, record FROM findings"
		            " WHERE run_id = ? AND record IS NOT NULL)", &st))
			return -1;
		sqlite3_bind_int64(st, 1, r->run.id);
		if (sqlite3_step(st) == SQLITE_ROW)
			r->records_with_findings = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		/* Where they are: by field, each with its categories. */
		if (load_counts(r, db,
		                "SELECT field, group_concat(category || ' ' || n, ', '), sum(n) FROM"
		                " (SELECT field, category, count(*) AS n FROM findings"
		                "  WHERE run_id = ?1 AND field IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2)"
		                " GROUP BY 1 ORDER BY 3 DESC, 1",
		                &r->fields, &r->field_count, DB_REPORT_FIELDS, "cannot read the findings"))
			return -1;
		if (prepare(r, db, "SELECT count(DISTINCT field) FROM findings WHERE run_id = ?", &st))
			return -1;
		sqlite3_bind_int64(st, 1, r->run.id);
		if (sqlite3_step(st) == SQLITE_ROW)
			r->fields_total = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return 0;
}

/* ---- PCI DSS brands ---- */

/* The brand of a stored raw value, for runs made before findings.brand;
 * NULL (not recorded) without a value. */
static void brand_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *(*card_brand)(const char *, size_t) =
		(const char *(*)(const char *, size_t))sqlite3_user_data(ctx);
	const char *v = (const char *)sqlite3_value_text(argv[0]);
	const char *brand = v ? card_brand(v, (size_t)sqlite3_value_bytes(argv[0])) : NULL;
	if (v)
		sqlite3_result_text(ctx, brand ? brand : "unknown", -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

/* PANs by brand: findings.brand, recorded by scan for every credit_card
 * finding; for an older run, the brand of the stored value when the run
 * stored values; else the finding counts as "not recorded".  The brands
 * are known when any finding has one, or when none lacks one. */
static int load_brands(struct db_report *r, sqlite3 *db, const struct db_report_options *o)
{
	bool values = o->card_brand && r->run.store_values;
	if (values && sqlite3_create_function(db, "piiaudit_card_brand", 1,
	                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	                                      (void *)o->card_brand, brand_fn, NULL, NULL) != SQLITE_OK)
		return fail(r, db, "cannot register the card brand function");
	if (load_counts(r, db,
	                values ? "SELECT coalesce(brand, piiaudit_card_brand(value), 'not recorded'),"
	                         " NULL, count(*) FROM findings WHERE run_id = ?1"
	                         " AND category = 'credit_card' AND placeholder = 0"
	                         " GROUP BY 1 ORDER BY 3 DESC, 1"
	                       : "SELECT coalesce(brand, 'not recorded'), NULL, count(*) FROM findings"
	                         " WHERE run_id = ?1 AND category = 'credit_card' AND placeholder = 0"
	                         " GROUP BY 1 ORDER BY 3 DESC, 1",
	                &r->brands, &r->brand_count, 32, "cannot read the findings"))
		return -1;
	r->brands_known = r->brand_count == 0 || r->brand_count > 1 ||
	                  strcmp(r->brands[0].name, "not recorded");
	if (!r->brands_known) {
		counts_free(r->brands, r->brand_count);
		r->brands = NULL;
		r->brand_count = 0;
	}
	return 0;
}

/* ---- diff ---- */

/* Both runs' findings keyed by location and fingerprint, counted per key
 * on each side; multiset arithmetic gives new, resolved and unchanged, so
 * new + unchanged is the run's total and resolved + unchanged the older
 * run's. */
static int load_diff(struct db_report *r, sqlite3 *db, int64_t since)
{
	sqlite3_stmt *st;
	bool bad = false;
	size_t alloc = 0;
	int rc;
	if (prepare(r, db, "SELECT started_at, (SELECT count(*) FROM findings WHERE run_id = ?1),"
	                   " key_id IS (SELECT key_id FROM runs WHERE id = ?2)"
	                   " FROM runs WHERE id = ?1", &st))
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, r->run.id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->since_started_at = col_dup(st, 0, &bad);
		r->since_total = sqlite3_column_int64(st, 1);
		r->since_same_key = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		snprintf(r->error, sizeof(r->error), "no run %lld to compare with", (long long)since);
		return -1;
	}
	if (bad)
		return oom(r);
	r->since_run = since;
	if (prepare(r, db,
	            "SELECT category, sum(max(a - b, 0)), sum(max(b - a, 0)), sum(min(a, b)) FROM ("
	            "  SELECT f.category AS category, sum(f.run_id = ?1) AS a, sum(f.run_id = ?2) AS b"
	            "  FROM findings f JOIN sources s ON s.id = f.source_id"
	            "  WHERE f.run_id IN (?1, ?2)"
	            "  GROUP BY f.category, f.fingerprint, s.path, s.member, f.offset)"
	            " GROUP BY category ORDER BY category", &st))
		return -1;
	bind_runs(st, r->run.id, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&r->diff, r->diff_count, &alloc, sizeof(*r->diff))) {
			bad = true;
			break;
		}
		struct db_report_diff *d = &r->diff[r->diff_count++];
		d->category = col_dup(st, 0, &bad);
		d->added = sqlite3_column_int64(st, 1);
		d->resolved = sqlite3_column_int64(st, 2);
		d->unchanged = sqlite3_column_int64(st, 3);
		if (!d->category)
			bad = true;
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	return rc == SQLITE_DONE ? 0 : fail(r, db, "cannot compare the runs");
}

/* ---- diff with a run of another database (--since-db) ---- */

/* Attaches path as "since" and picks its run: `want`, or its latest. */
static int attach_since(struct db_report *r, sqlite3 *db, const char *path, int64_t want)
{
	sqlite3_stmt *st;
	bool bad = false;
	/* Read-only: an earlier run's database may be evidence kept where
	 * it cannot be written. */
	char *uri = db_read_uri(path);
	if (!uri)
		return oom(r);
	if (prepare(r, db, "ATTACH DATABASE ? AS since", &st)) {
		free(uri);
		return -1;
	}
	sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(uri);
	if (rc != SQLITE_DONE) {
		r->error_named = true;
		snprintf(r->error, sizeof(r->error), "%s: cannot attach it (--since-db): %s", path,
		         sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_prepare_v2(db,
	                       "SELECT id, started_at, key_id,"
	                       " (SELECT count(*) FROM since.findings f WHERE f.run_id = runs.id)"
	                       " FROM since.runs WHERE ?1 = 0 OR id = ?1 ORDER BY id DESC LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK) {
		r->error_named = true;
		snprintf(r->error, sizeof(r->error), "%s: not a piiaudit database (%s)", path,
		         sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, want);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->since_run = sqlite3_column_int64(st, 0);
		r->since_started_at = col_dup(st, 1, &bad);
		r->since_key_id = col_dup(st, 2, &bad);
		r->since_total = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		r->error_named = true;
		if (want)
			snprintf(r->error, sizeof(r->error), "%s: no run %lld (--since-run)", path,
			         (long long)want);
		else
			snprintf(r->error, sizeof(r->error), "%s: no runs in this database", path);
		return -1;
	}
	if (rc != SQLITE_ROW)
		return fail(r, db, "cannot read the --since-db runs");
	if (bad || !(r->since_db = strdup(path)))
		return oom(r);
	return 0;
}

/* The same multiset arithmetic as load_diff, over this database's run
 * and the attached one's, matched by fingerprint, path, member and
 * offset.  Fingerprints are keyed: runs made with different keys cannot
 * match, so they are refused, as xref and merge refuse them. */
static int load_diff_db(struct db_report *r, sqlite3 *db, const char *path, int64_t want)
{
	sqlite3_stmt *st;
	bool bad = false;
	size_t alloc = 0;
	int rc;
	if (attach_since(r, db, path, want))
		return -1;
	if (!r->since_key_id || !r->run.key_id || strcmp(r->since_key_id, r->run.key_id)) {
		snprintf(r->error, sizeof(r->error),
		         "run %lld (key %s) and %s run %lld (key %s) were fingerprinted with different"
		         " keys: their findings cannot be compared; scan again with the same key file"
		         " (--key)", (long long)r->run.id, r->run.key_id ? r->run.key_id : "?", path,
		         (long long)r->since_run, r->since_key_id ? r->since_key_id : "?");
		return -1;
	}
	r->since_same_key = true;
	if (prepare(r, db,
	            "SELECT category, sum(max(a - b, 0)), sum(max(b - a, 0)), sum(min(a, b)) FROM ("
	            "  SELECT category, sum(a) AS a, sum(b) AS b FROM ("
	            "    SELECT f.category AS category, f.fingerprint AS fp, s.path AS path,"
	            "     s.member AS member, f.offset AS offset, 1 AS a, 0 AS b"
	            "    FROM main.findings f JOIN main.sources s ON s.id = f.source_id"
	            "    WHERE f.run_id = ?1"
	            "    UNION ALL"
	            "    SELECT f.category, f.fingerprint, s.path, s.member, f.offset, 0, 1"
	            "    FROM since.findings f JOIN since.sources s ON s.id = f.source_id"
	            "    WHERE f.run_id = ?2)"
	            "  GROUP BY category, fp, path, member, offset)"
	            " GROUP BY category ORDER BY category", &st))
		return -1;
	bind_runs(st, r->run.id, r->since_run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&r->diff, r->diff_count, &alloc, sizeof(*r->diff))) {
			bad = true;
			break;
		}
		struct db_report_diff *d = &r->diff[r->diff_count++];
		d->category = col_dup(st, 0, &bad);
		d->added = sqlite3_column_int64(st, 1);
		d->resolved = sqlite3_column_int64(st, 2);
		d->unchanged = sqlite3_column_int64(st, 3);
		if (!d->category)
			bad = true;
	}
	sqlite3_finalize(st);
	if (bad)
		return oom(r);
	return rc == SQLITE_DONE ? 0 : fail(r, db, "cannot compare the runs");
}

int db_report_load(struct db_report *r, sqlite3 *db, const struct db_report_options *o)
{
	if (db_report_load_run(r, db, o->run_id) || load_inventory(r, db) ||
	    load_samples(r, db, o->values && r->run.store_values) || load_top_sources(r, db) ||
	    load_inputs(r, db) || load_coverage(r, db) || load_brands(r, db, o))
		return -1;
	if (db_report_load_memo(&r->memo, db, o->run_id, r->error, sizeof(r->error)) ||
	    db_report_load_redactions(&r->redactions, db, r->error, sizeof(r->error)))
		return -1;
	if (o->since_db)
		return load_diff_db(r, db, o->since_db, o->since_run);
	if (o->since_run && load_diff(r, db, o->since_run))
		return -1;
	return 0;
}

/* ---- the findings cursor ---- */

struct db_findings_cursor {
	sqlite3 *db;
	sqlite3_stmt *st;
	bool values;
	char error[512];
};

int db_findings_open(struct db_findings_cursor **out, sqlite3 *db, int64_t run_id, bool values,
                     char *err, size_t errlen)
{
	struct db_findings_cursor *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->db = db;
	c->values = values;
	if (sqlite3_prepare_v2(db,
	                       "SELECT s.path, s.member, f.rule, f.category, f.field, f.preview,"
	                       " f.fingerprint, f.value, f.record, f.line, f.offset, f.length,"
	                       " f.confidence, f.placeholder"
	                       " FROM sources s CROSS JOIN findings f ON f.run_id = ?1 AND f.source_id = s.id"
	                       " WHERE s.run_id = ?1 ORDER BY s.path, s.id, f.offset, f.rule",
	                       -1, &c->st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot query the findings: %s", sqlite3_errmsg(db));
		free(c);
		return -1;
	}
	sqlite3_bind_int64(c->st, 1, run_id);
	*out = c;
	return 0;
}

static const char *text_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL
	                                                   : (const char *)sqlite3_column_text(st, col);
}

int db_findings_next(struct db_findings_cursor *c, struct db_report_finding *row)
{
	int rc = sqlite3_step(c->st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		snprintf(c->error, sizeof(c->error), "cannot read the findings: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	sqlite3_stmt *st = c->st;
	row->path = text_or_null(st, 0);
	row->member = text_or_null(st, 1);
	row->rule = text_or_null(st, 2);
	row->category = text_or_null(st, 3);
	row->field = text_or_null(st, 4);
	row->preview = text_or_null(st, 5);
	row->fingerprint = text_or_null(st, 6);
	row->value = c->values ? text_or_null(st, 7) : NULL;
	row->record = col_int(st, 8, 0);
	row->line = col_int(st, 9, 0);
	row->offset = col_int(st, 10, 0);
	row->length = col_int(st, 11, 0);
	row->confidence = sqlite3_column_double(st, 12);
	row->placeholder = sqlite3_column_int(st, 13) != 0;
	if (!row->path || !row->rule || !row->category || !row->preview || !row->fingerprint) {
		snprintf(c->error, sizeof(c->error), "a finding with a missing column");
		return -1;
	}
	return 1;
}

const char *db_findings_error(const struct db_findings_cursor *c)
{
	return c->error;
}

void db_findings_close(struct db_findings_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->st);
	free(c);
}
