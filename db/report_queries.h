/*
 * db/report_queries.h - the read-only queries behind `piiaudit report` and
 * the SARIF export: one run's scope, coverage, inventory and diff, and a
 * cursor over its findings.
 *
 * Every count is computed by SQLite (GROUP BY over the schema's indexes),
 * and every list handed back is capped (DB_REPORT_*), so memory does not
 * grow with the number of findings or sources: a report on millions of
 * findings holds a few hundred rows.  Raw values are read only when the
 * caller asks for them (options.values) or to derive a card brand in SQL
 * for a run made before findings.brand (options.card_brand), which never
 * leaves a value in the result.
 *
 * The caller owns struct db_report: db_report_init(), db_report_load()
 * (or db_report_load_run() for the run and its rules only), then
 * db_report_release(), which frees every string the struct holds.
 *
 * Errors: -1 with a one-line message in r->error (the cursor: in the
 * caller's buffer).  Nothing prints or exits.
 */
#ifndef PIIAUDIT_DB_REPORT_QUERIES_H
#define PIIAUDIT_DB_REPORT_QUERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/report_sections.h"

struct sqlite3;

#define DB_REPORT_BUCKETS 10        /* confidence histogram: [0,0.1) ... [0.9,1] */
#define DB_REPORT_TOP 10            /* top sources, top inputs */
#define DB_REPORT_INPUTS 200        /* inputs listed (all are counted) */
#define DB_REPORT_PROBLEMS 100      /* sources not read in full, listed */
#define DB_REPORT_REASONS 50        /* distinct reasons listed */
#define DB_REPORT_FORMATS 50
#define DB_REPORT_FIELDS 20         /* fields by findings, listed */
#define DB_REPORT_SAMPLES 3         /* masked samples per category */

struct db_report_run {
	int64_t id;
	char *uuid, *kind, *started_at, *ended_at, *argv_json, *tool_version;
	char *rules_digest, *key_id, *label, *plan_digest, *status;
	int64_t shard_index, shard_count;   /* shard_count 0: not a shard */
	bool store_values;
	int64_t bytes_scanned;              /* as the run recorded it */
};

struct db_report_rule {
	char *id, *category, *description, *validator, *tags, *pack;    /* or NULL */
	double confidence;
	int64_t findings, placeholders;     /* in this run; findings include placeholders */
	bool in_rules_table;                /* false: only seen in findings */
};

struct db_report_category {
	char *name;
	int64_t findings, placeholders;     /* findings include placeholders */
	int64_t hist[DB_REPORT_BUCKETS];
	char *samples[DB_REPORT_SAMPLES];   /* masked previews of real findings, or NULL */
	char *values[DB_REPORT_SAMPLES];    /* their raw values, with options.values, or NULL */
	char *sample_rules[DB_REPORT_SAMPLES];  /* the rule of each sample (a secret's type) */
};

/* A file or archive member (top sources, problems), or an input: every
 * row of one path (inputs). */
struct db_report_source {
	char *path, *member, *kind, *format, *status, *error;     /* or NULL */
	int64_t size;                       /* -1: unknown */
	int64_t bytes_scanned, findings;
	int64_t members, problems;          /* inputs: members read, rows not ok */
	char *top_category;                 /* top sources: the most frequent category */
	char *sha256;                       /* inputs: SHA-256 of the bytes on disk, hex, or NULL */
};

struct db_report_coverage {             /* sources by kind and status */
	char *kind, *status;
	int64_t count, bytes_scanned;
};

/* Why sources were not read in full.  cls is one of "binary",
 * "limit", "skipped", "error", "interrupted", "incomplete". */
struct db_report_reason {
	char *cls, *status, *reason;
	int64_t count;
};

struct db_report_count {                /* a name and a count: formats, brands, classes */
	char *name, *detail;
	int64_t count;
};

struct db_report_diff {
	char *category;
	int64_t added, resolved, unchanged;
};

struct db_report_options {
	int64_t run_id;                     /* must exist */
	int64_t since_run;                  /* 0: no diff (with since_db: its latest run) */
	/* Another database holding the run to compare with (attached as
	 * "since", read only); NULL: since_run is in this database.  Its run
	 * must have been fingerprinted with this run's key. */
	const char *since_db;
	bool values;                        /* read raw values for the samples */
	/* Card brand of a raw value, for runs made before findings.brand that
	 * stored values (NULL: none derived from values).  Called by SQLite
	 * inside a GROUP BY. */
	const char *(*card_brand)(const char *value, size_t len);
};

struct db_report {
	struct db_report_run run;
	struct db_report_rule *rules;
	size_t rule_count;

	/* inventory */
	int64_t total_findings, placeholders;
	int64_t hist[DB_REPORT_BUCKETS];
	struct db_report_category *categories;      /* by findings, then looked-for ones with none */
	size_t category_count;
	struct db_report_source top_sources[DB_REPORT_TOP];
	size_t top_source_count;
	struct db_report_source top_inputs[DB_REPORT_TOP];     /* inputs by findings */
	size_t top_input_count;

	/* scope */
	struct db_report_source *inputs;            /* by path, at most DB_REPORT_INPUTS */
	size_t input_count;
	int64_t inputs_total, inputs_size;          /* every input; size of those known */
	int64_t inputs_hashed;                      /* inputs with a content hash */

	/* coverage */
	struct db_report_coverage *coverage;
	size_t coverage_count;
	int64_t sources_total, members_total, bytes_scanned;
	struct db_report_count *classes;            /* reasons grouped by class */
	size_t class_count;
	struct db_report_reason *reasons;
	size_t reason_count;
	int64_t reasons_total;                      /* distinct reasons, all */
	struct db_report_source *problems;
	size_t problem_count;
	int64_t problems_total;
	struct db_report_count *formats;
	size_t format_count;
	bool has_records;                           /* the schema records field mode */
	int64_t records, invalid_records;           /* JSON records read, in field mode */
	int64_t field_findings, records_with_findings;
	/* Field mode: the fields with the most findings (name: the field,
	 * detail: "category n, ..." by count, count: findings), and how many
	 * fields have any. */
	struct db_report_count *fields;
	size_t field_count;
	int64_t fields_total;

	/* regimes: PCI DSS brands (findings.brand; for older runs, from stored
	 * values), a "not recorded" count for findings with neither */
	bool brands_known;
	struct db_report_count *brands;
	size_t brand_count;

	/* --since-run, --since-db */
	int64_t since_run;                          /* 0: none */
	char *since_db;                             /* the other database, or NULL */
	char *since_key_id;                         /* its run's key id, with since_db */
	char *since_started_at;
	bool since_same_key;                        /* both runs fingerprinted with one key */
	int64_t since_total;
	struct db_report_diff *diff;
	size_t diff_count;

	/* memorisation (the run's newest xref result) and redaction runs:
	 * db/report_sections.h */
	struct db_report_memo memo;
	struct db_report_redactions redactions;

	char error[512];
	/* error starts with the database it is about (the --since-db one),
	 * not the one reported on. */
	bool error_named;
};

void db_report_init(struct db_report *r);
void db_report_release(struct db_report *r);

/* The run and its rules (with their finding counts left at 0). */
int db_report_load_run(struct db_report *r, struct sqlite3 *db, int64_t run_id);

/* Everything: the run, its rules, inventory, scope, coverage, and the
 * diff with options->since_run when it is not 0, or with a run of
 * options->since_db.  A run of another database made with another key is
 * an error, naming both key ids. */
int db_report_load(struct db_report *r, struct sqlite3 *db, const struct db_report_options *o);

/* Whether a run exists: 1 yes, 0 no, -1 error. */
int db_report_run_exists(struct sqlite3 *db, int64_t run_id);

/* ---- a cursor over a run's findings, in source and offset order ---- */

struct db_report_finding {              /* borrowed until the next call */
	const char *path, *member, *rule, *category, *field, *preview, *fingerprint;
	const char *value;                  /* NULL unless stored and asked for */
	int64_t record;                     /* 0: not in field mode */
	int64_t line, offset, length;
	double confidence;
	bool placeholder;
};

struct db_findings_cursor;

int db_findings_open(struct db_findings_cursor **out, struct sqlite3 *db, int64_t run_id,
                     bool values, char *err, size_t errlen);
/* 1: a finding in *row, 0: no more, -1: error, with the message in
 * db_findings_error(). */
int db_findings_next(struct db_findings_cursor *c, struct db_report_finding *row);
const char *db_findings_error(const struct db_findings_cursor *c);
void db_findings_close(struct db_findings_cursor *c);

#endif
