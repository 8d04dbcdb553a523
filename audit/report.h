/*
 * audit/report.h - piiaudit report: what the renderers share.
 *
 * cmd_report.c loads a struct db_report (db/report_queries.h), masks the
 * personal data that names of files and members may hold
 * (report_sanitize), derives what the report says in words
 * (report_facts_build: regimes, the HIPAA table, statements), renders one
 * format into memory (report_write_html/md/json), scans that output with
 * the built-in rules (report_self_check) and only then writes it.
 *
 * Renderers read the model and the facts and write to the caller's FILE;
 * they allocate nothing that outlives the call and never print elsewhere.
 * Integers they write go through report_put_int(), which remembers them,
 * so the self-check can tell the report's own numbers from corpus values.
 */
#ifndef PIIAUDIT_REPORT_H
#define PIIAUDIT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db/report_queries.h"
#include "db/review.h"
#include "rules/rule.h"

#define REPORT_SCHEMA "piiaudit-report/1"

/* The numbers and identifiers a report prints about itself. */
struct report_tokens {
	int64_t *numbers;
	size_t count, alloc;
	bool oom;
	const char *ids[32];        /* run uuid, digests, key id, times: borrowed */
	size_t id_count;
};

void report_tokens_release(struct report_tokens *t);
void report_tokens_add_id(struct report_tokens *t, const char *id);

/* ---- regimes and statements ---- */

enum report_regime_id {
	REGIME_GDPR_ART4, REGIME_GDPR_ART9, REGIME_CCPA, REGIME_PCI_DSS, REGIME_SECRETS,
	REGIME_COUNT
};

#define REPORT_REGIME_CATS 32

struct report_regime {
	const char *key;            /* JSON key: "gdpr_art4" ... */
	const char *name;           /* "GDPR Article 4(1): personal data" */
	const char *tag;            /* the rule tag that puts a rule in the regime */
	size_t rules;               /* rules of the run with the tag */
	int64_t findings, placeholders;
	struct {
		const char *category;   /* borrowed from the model */
		int64_t findings, placeholders;
	} cats[REPORT_REGIME_CATS];
	size_t cat_count;
	char *statement;            /* plain language, one paragraph */
};

enum report_hipaa_state {
	HIPAA_FOUND,                /* a rule looked for it and found some */
	HIPAA_NONE_FOUND,           /* a rule looked for it, none found */
	HIPAA_NOT_LOOKED_FOR,       /* detectable by a pattern, but no rule of this run is tagged */
	HIPAA_NOT_DETECTABLE,       /* names, biometrics, photos, any other code: not by patterns */
};

struct report_hipaa {
	char letter;                /* 'A' .. 'R' */
	const char *identifier;     /* 45 CFR 164.514(b)(2)(i)(X), shortened */
	enum report_hipaa_state state;
	size_t rules;
	int64_t findings, placeholders;
	const char *note;           /* why, for NOT_DETECTABLE and partial coverage; or NULL */
};

struct report_facts {
	struct report_regime regimes[REGIME_COUNT];
	struct report_hipaa hipaa[18];
	char *hipaa_statement;
	int64_t pan, pan_luhn;      /* PCI DSS: real card findings, of them from a Luhn-checked rule */
	size_t pan_rules;           /* card-number rules tagged pci-dss */
	int64_t real;               /* findings that are not placeholders */
	double density_mb;          /* findings per 10^6 bytes scanned; < 0: nothing scanned */
	bool complete;              /* every source read in full */
	char *summary;              /* the headline paragraph */
	char *coverage_statement;
	char *dataset_card;         /* "Personal and Sensitive Information", Markdown */
	char *gpai_paragraph;       /* for a public training-content summary */
	char **argv;                /* the run's command line, decoded */
	size_t argc;
	char *reproduce;            /* a shell command line that repeats the run */
	char *fields;               /* --field paths of the run, comma-joined, or NULL */
	char *excludes;             /* --exclude globs of the run, shell-quoted, comma-joined, or NULL */
	char *generated_at;         /* now, ISO 8601 UTC */
	char run_date[16];          /* the run's start date, as the paragraphs cite it */
	char digest_short[16];      /* the rule set digest, as the paragraphs cite it */
	bool show_values;
	size_t self_check_rules;    /* rules the self-check runs; 0 with --show-values */
};

/* Builds the facts from the model; -1 when out of memory. */
int report_facts_build(struct report_facts *f, const struct db_report *r, bool show_values,
                       size_t self_check_rules);
void report_facts_release(struct report_facts *f);

/* Whether a rule's space-separated tags hold `tag` exactly. */
bool report_rule_has_tag(const struct db_report_rule *ru, const char *tag);

/* Decodes a JSON array of strings (runs.argv); -1 when it is not one. */
int report_argv_decode(const char *json, char ***argv, size_t *argc);

/* ---- rendering ---- */

struct report_ctx {
	const struct db_report *r;
	const struct report_facts *f;
	struct report_tokens *tokens;
	/* Precision from human verdicts (piiaudit review); NULL when the
	 * database holds no verdicts table (nothing was ever reviewed). */
	const struct db_review_stats *review;
};

/* Writes v in decimal (with thousands separators when `human`) and
 * remembers it for the self-check. */
void report_put_int(const struct report_ctx *c, FILE *out, int64_t v, bool human);

/* The same into buf (human form), remembered too. */
void report_fmt_int(const struct report_ctx *c, char *buf, size_t cap, int64_t v);

/* "1.8 kB", "12.0 MB": SI units, for people. */
void report_put_bytes(FILE *out, int64_t bytes);

/* "Findings by field", and " (the 20 with the most, of 31)" when not all
 * are listed: the caption of the fields table, without its punctuation. */
void report_put_fields_caption(const struct report_ctx *c, FILE *out);

/* "e-mail addresses" for "email"; the category itself when unknown. */
const char *report_category_label(const char *category);

/* "found", "none found", "not looked for", "not detectable by this tool". */
const char *report_hipaa_state_name(enum report_hipaa_state st);

/* "path" or "path!member"; malloc'd, NULL when out of memory. */
char *report_location(const char *path, const char *member);

/* A label for a confidence bucket: "0.9-1.0". */
const char *report_bucket_label(size_t bucket);

int report_write_html(FILE *out, const struct report_ctx *c);
int report_write_md(FILE *out, const struct report_ctx *c);
int report_write_json(FILE *out, const struct report_ctx *c);

/* ---- sections on recorded evidence (report_sections.c) ---- */

/* The review figures of a rule or a category; NULL when nothing was
 * reviewed (no verdicts table, or the name is not in the statistics). */
const struct db_review_stat *report_review_rule(const struct report_ctx *c, const char *rule);
const struct db_review_stat *report_review_category(const struct report_ctx *c,
                                                    const char *category);

/* What the three precision columns say, for people: "12", "not
 * reviewed" (or "-" when there are no real findings); "91.7 % (64.6-98.5
 * %)", "unsure only" or "-"; "110 (78-118)" or "-".  Integers go through
 * report_fmt_int. */
struct report_precision_text {
	char reviewed[32], precision[64], estimate[96];
};
void report_precision_format(const struct report_ctx *c, const struct db_review_stat *st,
                             int64_t real, struct report_precision_text *t);
/* "measured", "unsure only", "not reviewed", or "no findings" when there
 * are no real findings to review. */
const char *report_review_status(const struct db_review_stat *st, int64_t real);

/* Leaked distinct values per 1,000 outputs scanned; < 0 when none scanned. */
double report_per_1000(int64_t n, int64_t outputs);

/* A --verify outcome in words: "clean", "3 left", "not verified". */
void report_verify_text(const struct report_ctx *c, int64_t remaining, char *buf, size_t cap);

/* ---- charts (inline SVG, for the HTML report) ---- */

struct report_bar {
	const char *label;
	double value;               /* drawn */
	double value2;              /* stacked on value in a lighter shade; 0: none */
	const char *text;           /* printed at the end of the bar */
};

/* A horizontal bar chart with a title, one bar per item. */
void report_svg_bars(FILE *out, const char *id, const char *title, const struct report_bar *bars,
                     size_t count, const char *legend1, const char *legend2);
/* A column chart (the confidence histogram). */
void report_svg_columns(FILE *out, const char *id, const char *title,
                        const struct report_bar *bars, size_t count);

/* ---- privacy of the report itself ---- */

/* Replaces, in every file name, member, reason, label, rule description
 * and the command line of the model, what the rules find (not
 * placeholders) with its masked form.  Previews are left alone: the
 * self-check judges them.  -1 when out of memory. */
int report_sanitize(struct db_report *r, struct rule_matcher *m);

/* One unmasked value found by the self-check. */
struct report_leak {
	const char *rule;           /* borrowed from the ruleset */
	size_t offset, line;        /* in the rendered report */
	char masked[96];            /* what it looks like masked */
};

/* Scans a rendered report with the rules: a hit that is not a
 * placeholder, holds no mask character and is not one of the report's own
 * numbers or identifiers is a leak.  Returns the number of leaks (the
 * first `cap` are described), -1 on a matcher error. */
long report_self_check(struct rule_matcher *m, struct report_tokens *t, const char *buf,
                       size_t len, struct report_leak *leaks, size_t cap);

#endif
