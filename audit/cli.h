/*
 * audit/cli.h - what the subcommands of the front end share: the command
 * signature, diagnostics on stderr, exit statuses, JSON and CSV writers,
 * and loading the rules a command runs with.
 *
 * Only audit/ prints and exits; the libraries below it return statuses.
 */
#ifndef PIIAUDIT_CLI_H
#define PIIAUDIT_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "db/key.h"
#include "rules/rule.h"

struct db_store;

#define PIIAUDIT_VERSION "0.1.0"

/* Exit statuses: DESIGN.md's contract. */
enum {
	EXIT_FINISHED = 0,
	EXIT_FAIL_ON = 1,
	EXIT_USAGE = 2,
	EXIT_UNREADABLE = 3,
	EXIT_SIGINT = 130,
	EXIT_SIGTERM = 143,
};

int cmd_scan(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_prompts(int argc, char **argv);
int cmd_xref(int argc, char **argv);
int cmd_redact(int argc, char **argv);
int cmd_runs(int argc, char **argv);

/* What distinguishes scan from probe, which share audit/cmd_scan.c's
 * workers and sinks. */
struct scan_mode {
	const char *command;        /* "scan" or "probe": in messages */
	const char *run_kind;       /* runs.kind */
	const char *leaf_kind;      /* sources.kind of text streams; NULL: by unit */
	bool probe;                 /* --id-field; a line of text is one output (record) */
	void (*usage)(FILE *out);   /* --help */
};
int scan_main(int argc, char **argv, const struct scan_mode *mode);

/* "piiaudit: <fmt>" and a newline on stderr; thread-safe. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "piiaudit: PATH[!MEMBER]: reason". */
void diag_source(const char *path, const char *member, const char *reason);
/* A usage error: the message, a hint to --help, and EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For getopt_long run with opterr = 0 and an optstring starting with ':':
 * names the unknown option or the one missing its value; EXIT_USAGE. */
int usage_bad_option(const char *cmd, int c, char **argv);

/* Opens path for a command's output, written through whatever it is (a
 * file, a link, /dev/null, a FIFO): created or truncated; with
 * private_file 0600, an existing regular file made so (audit/out_file.c).
 * The descriptor is the caller's; -1 with errno. */
int open_output(const char *path, bool private_file);

/* JSON string literal, quotes included.  Bytes that are not valid UTF-8
 * are written as U+FFFD, so the output is always valid JSON. */
void json_write_string(FILE *out, const char *s, size_t len);
/* CSV field per RFC 4180: quoted when it holds a comma, quote or newline. */
void csv_write_field(FILE *out, const char *s, size_t len);
/* csv_write_field() for text that may come from the corpus (names,
 * previews, values): one that a spreadsheet would run as a formula (it
 * starts with = + - @, a tab or a CR) is written behind a quote mark. */
void csv_write_text(FILE *out, const char *s, size_t len);
/* A byte count in decimal units, as the summaries print it: "88 B",
 * "1.2 MB", "3.4 TB". */
void format_bytes(char *out, size_t cap, double bytes);
/* The command line as a JSON array, malloc'd; NULL when out of memory. */
char *json_argv(int argc, char **argv);

/* Rule options shared by scan, rules and probe. */
struct rule_options {
	struct rule_strings packs;      /* --rules PATH, in order */
	struct rule_strings disable;    /* --disable ID */
	struct rule_strings only;       /* --only CATEGORY */
	bool no_builtin;                /* --no-builtin-rules */
	enum rule_engine engine;        /* --engine */
};

/* Parses --engine's argument; -1 when unknown. */
int parse_engine(const char *name, enum rule_engine *out);

/* Parses a comma-separated list into `list` (appending). */
int split_list(struct rule_strings *list, const char *csv);
/* Loads the built-in packs then each --rules path, filters and compiles.
 * Prints the error and returns -1 on failure. */
int load_rules(struct ruleset *set, const struct rule_options *o);
void rule_options_release(struct rule_options *o);

/* Whether the progress line and colour may be drawn on stderr. */
bool stderr_is_terminal(void);

/* Re-reading a run's sources (prompts, review): loads the key at key_path
 * (or the default key file) when it is there and is the run's, to check
 * that a source has not changed.  Otherwise says why (when a key was named
 * or is not the run's), followed by "; <otherwise>", and returns false. */
bool load_check_key(struct db_key *key, const char *key_path, const char *run_key_id,
                    const char *otherwise);
/* Whether value[0, len) is the finding's value: its keyed fingerprint with
 * a key, else its masked preview when one is given, else true (no check). */
bool value_is_finding(const struct db_key *key, const char *category, const char *value,
                      size_t len, const char *fingerprint, const char *preview);
/* How the run read CSV in field mode (its --format): as struct
 * scan_limits.csv, 0 by the file names (auto, or a run that does not say). */
int run_csv_format(struct db_store *db, int64_t run);

#endif
