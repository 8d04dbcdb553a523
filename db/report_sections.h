/*
 * db/report_sections.h - the report sections that read what other
 * subcommands recorded beside the findings: the memorisation figures of
 * `piiaudit xref` (tables xref_runs, xref_leaks) and the redaction runs of
 * `piiaudit redact` (redactions, redaction_counts).
 *
 * Both are small: one xref result with a per-category GROUP BY and its
 * top values (DB_REPORT_TOP), and at most DB_REPORT_REDACTIONS redacted
 * files with a per-category GROUP BY each.  A database made before these
 * tables simply has no such section (present false, count 0).
 *
 * The structs live inside struct db_report (db/report_queries.h), which
 * loads them in db_report_load() and frees them in db_report_release().
 * Errors: -1 with a one-line message in the caller's buffer.  Nothing
 * prints or exits.
 */
#ifndef PIIAUDIT_DB_REPORT_SECTIONS_H
#define PIIAUDIT_DB_REPORT_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;

#define DB_REPORT_LEAKS 10          /* leaked values listed, most emitted first */
#define DB_REPORT_REDACTIONS 50     /* redacted files listed, newest first */

/* ---- memorisation (xref) ---- */

struct db_report_memo_category {
	char *category;
	int64_t values;                 /* leaked distinct values */
	int64_t outputs;                /* outputs that emitted them, summed over the values */
	int64_t extracted;              /* of which answered the prompt built for the value */
};

struct db_report_memo_leak {
	char *category, *preview;       /* preview masked by scan */
	int64_t outputs, extracted, corpus_documents, corpus_occurrences;
};

struct db_report_memo {
	bool present;                   /* an xref result for the reported run exists */
	int64_t xref_id;
	char *created_at, *corpus_db, *corpus_uuid, *key_id;
	int64_t corpus_run;
	int64_t outputs, outputs_with_pii, outputs_with_leak;
	int64_t output_values, leaked_values, prompted, extracted;
	struct db_report_memo_category *categories;    /* by values, then name */
	size_t category_count;
	struct db_report_memo_leak leaks[DB_REPORT_LEAKS];
	size_t leak_count;
	int64_t other_results;          /* xref results of this run against other corpus runs */
};

/* The newest xref result of run_id (the probe run), if any. */
int db_report_load_memo(struct db_report_memo *m, struct sqlite3 *db, int64_t run_id,
                        char *err, size_t errlen);
void db_report_memo_release(struct db_report_memo *m);

/* ---- redactions ---- */

struct db_report_redact_category {
	char *category;
	int64_t found;                  /* selected findings in the input; -1: not recorded */
	int64_t redacted;               /* values replaced (or in dropped records) */
	int64_t remaining;              /* left in the output by --verify; -1: not verified */
};

struct db_report_redaction {        /* one input file rewritten */
	int64_t id, run_id;
	char *run_started_at, *input, *output, *format, *style, *status, *error;
	char *input_sha256, *output_sha256;
	int64_t replaced, records_dropped;
	int64_t remaining;              /* --verify: findings left; -1: not verified */
	struct db_report_redact_category *categories;  /* by name */
	size_t category_count;
};

struct db_report_redactions {
	struct db_report_redaction *items;  /* newest first, at most DB_REPORT_REDACTIONS */
	size_t count;
	int64_t total;                      /* redacted files in the database */
	int64_t runs;                       /* redaction runs */
};

/* Every redaction run in the database (they are runs of their own, kind
 * 'redact'), newest first. */
int db_report_load_redactions(struct db_report_redactions *rd, struct sqlite3 *db, char *err,
                              size_t errlen);
void db_report_redactions_release(struct db_report_redactions *rd);

#endif
