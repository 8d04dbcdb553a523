/*
 * db/review.h - human verdicts on findings, and the precision measured
 * from them.
 *
 * A reviewer judges a random sample of findings: tp (a true finding), fp
 * (not personal data or not a secret) or unsure.  Verdicts live in the
 * `verdicts` table, keyed by a finding id made from the finding's
 * fingerprint and location (db_finding_id()), not by a row id: a rescan of
 * the same corpus into the same database gives the same ids, so a finding
 * reviewed once keeps its verdict and is not sampled again.
 *
 * The statistics are per rule and per category of one run: how many
 * findings, how many reviewed, the precision tp / (tp + fp) with its
 * Wilson score interval, and the number of true findings it implies
 * (findings x precision, with the interval).  A report calls
 * db_review_stats() and renders what it returns.
 *
 * Every function works on a store opened with db_open() after
 * db_review_init() has been called on it once.  The caller owns the
 * structs; *_release() frees what they own.  Errors: -1 with a one-line
 * message in the caller's err buffer.  Nothing prints or exits.
 */
#ifndef PIIAUDIT_DB_REVIEW_H
#define PIIAUDIT_DB_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

/* 12 hex digits of the fingerprint, '-', 12 hex digits of a SHA-256 over
 * fingerprint, source path, member, offset and rule; and a NUL. */
#define DB_FINDING_ID_LEN 26

/* The normal quantile for a two-sided 95 % interval. */
#define DB_WILSON_Z95 1.959964

/* Creates the verdicts table when the database predates it (from the
 * schema's own text, so there is one definition) and registers the SQL
 * functions the queries below use on the store's connection:
 * piiaudit_finding_id(fingerprint, path, member, offset, rule) and
 * piiaudit_rank(seed, text). */
int db_review_init(struct db_store *s, char *err, size_t errlen);

/* The stable id of a finding.  member is NULL for a file itself. */
void db_finding_id(const char *fingerprint, const char *path, const char *member,
                   int64_t offset, const char *rule, char out[DB_FINDING_ID_LEN]);

/* Whether s has the shape of a finding id (lower-case hex). */
bool db_finding_id_valid(const char *s);

/*
 * The Wilson score interval for k successes in n trials at normal quantile
 * z (DB_WILSON_Z95 for 95 %).  Returns 0 with the bounds in [0, 1]; with
 * n == 0 (nothing measured) returns -1 and sets the whole range [0, 1].
 * k > n is clamped to n.
 */
int db_wilson(uint64_t k, uint64_t n, double z, double *low, double *high);

/* ---- sampling ---- */

enum db_stratum { DB_STRATUM_RULE, DB_STRATUM_CATEGORY };

struct db_sample_item {
	char finding_id[DB_FINDING_ID_LEN];
	int64_t run_id, source_id;
	char *rule, *category;
	char *path;
	char *member;               /* NULL for a file itself */
	char *field;                /* NULL unless in field mode */
	char *preview;
	char *fingerprint;
	char *value;                /* raw, NULL unless the run stored values */
	int64_t record;             /* 0: not in field mode */
	int64_t line, offset, length;
};

struct db_sample {
	struct db_sample_item *items;   /* by stratum, then in sample order */
	size_t count;
	size_t strata;                  /* rules (or categories) with unreviewed findings */
	size_t short_strata;            /* of which fewer than asked for were left */
};

/*
 * Draws up to per_stratum findings of run_id from each rule (or category)
 * that have no verdict yet, placeholders aside.  Within a stratum the
 * findings are ordered by a SipHash keyed with the seed over their finding
 * id (in SQL: ORDER BY piiaudit_rank(seed, finding_id), finding_id), so a
 * seed always gives the same order, whatever the row ids; the next sample
 * after an import continues down the same order.  One pass over the run,
 * memory for strata x per_stratum findings.  Raw values (with_values) come
 * only from runs made with --store-values.
 */
int db_review_sample(struct db_store *s, int64_t run_id, enum db_stratum by,
                     unsigned per_stratum, uint64_t seed, bool with_values,
                     struct db_sample *out, char *err, size_t errlen);
void db_sample_release(struct db_sample *sample);

/* A finding's place in a source, for masking it in a context window. */
struct db_span {
	uint64_t offset, length;
	char preview[DB_PREVIEW_MAX];
};

/* The findings of run_id in source_id that overlap [from, to), by offset.
 * *spans is malloc'd (NULL when none); the caller frees it. */
int db_review_spans(struct db_store *s, int64_t run_id, int64_t source_id, uint64_t from,
                    uint64_t to, struct db_span **spans, size_t *count, char *err, size_t errlen);

/* ---- verdicts ---- */

struct db_verdict {
	const char *finding_id;
	const char *verdict;        /* "tp", "fp" or "unsure" */
	const char *reviewer;       /* or NULL */
	const char *note;           /* or NULL */
};

/* Whether a verdict word is one of tp, fp, unsure (exactly, lower case). */
bool db_verdict_valid(const char *verdict);

/* 1 when finding_id names a finding in the database (any run), 0 when it
 * does not, -1 on error. */
int db_review_known(struct db_store *s, const char *finding_id, char *err, size_t errlen);

/* Writes the verdicts in one transaction: all or nothing.  A finding that
 * already has a verdict gets the new one (counted in *changed when the
 * verdict or note differ, else in *unchanged).  Unknown ids fail the
 * whole import.  reviewed_at is an ISO 8601 UTC time. */
int db_review_import(struct db_store *s, const struct db_verdict *v, size_t count,
                     const char *reviewed_at, size_t *added, size_t *changed,
                     size_t *unchanged, char *err, size_t errlen);

/* ---- statistics ---- */

struct db_review_stat {
	char *name;                 /* the rule id, or the category */
	char *category;
	int64_t findings;           /* in the run, placeholders aside */
	int64_t reviewed;           /* verdicts on them: tp + fp + unsure */
	int64_t tp, fp, unsure;
	bool measured;              /* tp + fp > 0: the fields below are set */
	double precision;           /* tp / (tp + fp) */
	double low, high;           /* its Wilson interval */
	/* findings x precision, and findings x low .. findings x high narrowed
	 * to what the verdicts prove: [tp, findings - fp]. */
	double true_est, true_low, true_high;
	/* Categories only: the sum of their rules' estimates, set when every
	 * rule of the category with findings is measured.  Unlike the pooled
	 * figure above it does not depend on how the sample was stratified;
	 * its interval (sum of the rules' bounds) is conservative. */
	bool by_rules;
	double rules_true_est, rules_true_low, rules_true_high;
};

struct db_review_stats {
	int64_t run_id;
	double z;
	struct db_review_stat *rules;       /* by category, then id */
	size_t rule_count;
	struct db_review_stat *categories;  /* by name */
	size_t category_count;
	struct db_review_stat total;        /* the whole run, pooled */
	int64_t verdicts;                   /* in the database, all runs */
	int64_t verdicts_elsewhere;         /* of which on no finding of this run */
};

/* Precision per rule and per category of run_id at z = DB_WILSON_Z95.
 * Every rule the run used or found is listed, reviewed or not. */
int db_review_stats(struct db_store *s, int64_t run_id, struct db_review_stats *out,
                    char *err, size_t errlen);
void db_review_stats_release(struct db_review_stats *stats);

#endif
