/*
 * db/xref.h - model outputs against a corpus: the prompt ids of probed
 * outputs, the corpus findings prompts are built from, and the join of an
 * outputs database with a corpus database by keyed fingerprint.
 *
 * The corpus database is ATTACHed to the outputs database's connection as
 * schema "corpus", and every figure is one SQL query that SQLite answers
 * from the indexes (findings by fingerprint, output_records by key): rows
 * are streamed, never loaded whole, so memory does not grow with either
 * database.
 *
 * A prompt made by piiaudit prompts carries the id of the corpus finding it
 * was built for: db_finding_id() (db/review.h) over the fingerprint, source
 * path, member, offset and rule.  Its first 12 hex digits are those of the
 * fingerprint, so xref finds the candidate corpus findings by index and
 * recomputes their ids to tell an exact extraction.
 *
 * The caller owns the structs it passes; strings a *_next() call returns
 * are borrowed until the next call on the same cursor.  Errors: -1 with a
 * one-line message in the caller's err buffer (or db_outrec_error()).
 * Nothing prints or exits.
 */
#ifndef PIIAUDIT_DB_XREF_H
#define PIIAUDIT_DB_XREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/review.h"
#include "db/store.h"

/* The longest prompt id kept, NUL included; longer ids are cut. */
#define DB_PROMPT_ID_MAX 256

/* Creates the output_records, xref_runs and xref_leaks tables when the
 * database predates them (from the schema's own text) and registers piiaudit_prompt_id(fingerprint,
 * path, member, offset, rule) on the store's connection. */
int db_xref_init(struct db_store *s, char *err, size_t errlen);

/* ---- probe: prompt ids of output records ---- */

/* A writer of output_records on a connection of its own, so scan workers
 * write ids without a lock of the store: rows are held (at most a few
 * thousand) and written in one short transaction by db_outrec_flush(),
 * which the worker calls when it ends a source. */
struct db_outrec_writer;

int db_outrec_open(struct db_outrec_writer **out, const char *db_path, char *err, size_t errlen);
/* Queues one row (flushing when the queue is full).  id[0, len) is cut to
 * DB_PROMPT_ID_MAX - 1 bytes. */
int db_outrec_add(struct db_outrec_writer *w, int64_t run_id, int64_t source_id, int64_t record,
                  const char *id, size_t len);
int db_outrec_flush(struct db_outrec_writer *w);
const char *db_outrec_error(struct db_outrec_writer *w);
/* Flushes what is queued and closes; accepts NULL. */
void db_outrec_close(struct db_outrec_writer *w);

/* ---- runs ---- */

/* The run to use: `want` when non-zero (it must exist), else the newest
 * run of `kind` in schema ("main" or "corpus"), else the newest run of
 * any kind.  Its key id goes to key_id.  Returns 0 with *run set, or -1
 * (err says which run is missing). */
int db_xref_pick_run(struct db_store *s, const char *schema, const char *kind, int64_t want,
                     int64_t *run, char *key_id, size_t key_cap, char *err, size_t errlen);

/* ---- prompts: the corpus findings, by source ---- */

struct db_prompt_item {
	char id[DB_FINDING_ID_LEN];
	int64_t source_id;
	const char *path, *member;  /* member NULL for a file itself */
	const char *rule, *category, *field, *fingerprint, *preview;
	int64_t record;             /* 0: not in field mode */
	int64_t line, offset, length;
};

struct db_prompt_cursor;

/* The findings of run, placeholders aside, ordered by source path, source
 * row and offset.  categories and rules: comma-separated filters, or NULL
 * for all. */
int db_prompt_cursor_open(struct db_store *s, int64_t run, const char *categories,
                          const char *rules, struct db_prompt_cursor **out, char *err,
                          size_t errlen);
/* 1 with *item set (borrowed until the next call), 0 at the end, -1. */
int db_prompt_cursor_next(struct db_prompt_cursor *c, struct db_prompt_item *item, char *err,
                          size_t errlen);
void db_prompt_cursor_free(struct db_prompt_cursor *c);

/* ---- xref ---- */

/* Attaches corpus_path as schema "corpus" (read only by use: nothing is
 * written to it).  -1 when it is not a piiaudit database. */
int db_xref_attach(struct db_store *s, const char *corpus_path, char *err, size_t errlen);

struct db_xref_category {
	char name[32];
	int64_t values;             /* leaked distinct values */
};

struct db_xref_totals {
	int64_t outputs;            /* output records scanned */
	int64_t outputs_with_pii;   /* with any finding (placeholders aside) */
	int64_t outputs_with_leak;  /* with a finding whose value is in the corpus */
	int64_t output_values;      /* distinct values in the outputs */
	int64_t leaked_values;      /* of which in the corpus */
	int64_t prompted;           /* outputs whose prompt id is a corpus finding's */
	int64_t extracted;          /* of which emitted that very value */
	struct db_xref_category *categories;    /* malloc'd, by name */
	size_t category_count;
};

int db_xref_totals(struct db_store *s, int64_t output_run, int64_t corpus_run,
                   struct db_xref_totals *out, char *err, size_t errlen);
void db_xref_totals_release(struct db_xref_totals *t);

struct db_xref_leak {
	const char *fingerprint, *category, *preview;
	int64_t outputs;            /* distinct output records that emitted it */
	int64_t extracted;          /* of which answered the prompt built for it */
	int64_t corpus_documents;   /* distinct source + member + record */
	int64_t corpus_occurrences; /* findings in the corpus run */
};

struct db_xref_location {
	const char *path, *member, *field, *rule;   /* member, field may be NULL */
	int64_t record, line, offset, length;       /* record 0: not in field mode */
};

struct db_xref_cursor;

/* The leaked distinct values: output findings of output_run whose
 * fingerprint occurs in corpus_run, by category, then most emitted first. */
int db_xref_open(struct db_store *s, int64_t output_run, int64_t corpus_run,
                 struct db_xref_cursor **out, char *err, size_t errlen);
int db_xref_next(struct db_xref_cursor *c, struct db_xref_leak *leak, char *err, size_t errlen);
/* The first `max` corpus locations of the current leak, by path, member
 * and offset: fn is called for each; its non-zero return stops. */
int db_xref_locations(struct db_xref_cursor *c, unsigned max,
                      int (*fn)(void *ctx, const struct db_xref_location *loc), void *ctx,
                      char *err, size_t errlen);
void db_xref_free(struct db_xref_cursor *c);

/* ---- the result, kept in the outputs database ---- */

/*
 * xref_runs and xref_leaks (db/schema.sql): begin opens a transaction on
 * the store's connection, replaces the result of an earlier xref of the
 * same probe run against the same corpus run (by the corpus run's uuid)
 * and records the totals; save_leak adds one leaked value (its preview is
 * already masked; no raw value is ever written); commit ends the
 * transaction and frees the saver, abort rolls back and frees it (NULL
 * accepted).  A failed xref leaves the database as it was.  The corpus
 * must be attached (db_xref_attach) and the tables created (db_xref_init).
 */
struct db_xref_saver;

int db_xref_save_begin(struct db_store *s, int64_t output_run, int64_t corpus_run,
                       const char *corpus_path, const char *key_id,
                       const struct db_xref_totals *t, struct db_xref_saver **out, char *err,
                       size_t errlen);
/* The xref_runs.id of the result being written. */
int64_t db_xref_save_id(const struct db_xref_saver *w);
int db_xref_save_leak(struct db_xref_saver *w, const struct db_xref_leak *l, char *err,
                      size_t errlen);
int db_xref_save_commit(struct db_xref_saver *w, char *err, size_t errlen);
void db_xref_save_abort(struct db_xref_saver *w);

#endif
