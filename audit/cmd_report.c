/*
 * audit/cmd_report.c - piiaudit report: a run of the audit database as
 * evidence a privacy officer can hand on, in HTML, Markdown or JSON.
 *
 * The numbers come from db/report_queries.c (SQL aggregations, bounded
 * memory); the words from report_facts.c; the layout from report_html.c,
 * report_md.c and report_json.c.  The report is rendered into memory,
 * scanned with the built-in rules (report_selfcheck.c), and written only
 * when no unmasked value is found in it, to a temporary file renamed into
 * place, so a refused or failed report never leaves a partial file (a
 * device, FIFO or symbolic link given as -o is written through instead,
 * never replaced).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "audit/report.h"
#include "db/report_queries.h"
#include "db/store.h"
#include "rules/validators.h"

#define LEAKS_SHOWN 5

enum report_format { REPORT_HTML, REPORT_MD, REPORT_JSON };

static void report_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit report [--db FILE] [--format html|md|json] [-o FILE] [--run ID]\n"
	        "                       [--since-run N] [--since-db FILE] [--show-values]\n"
	        "\n"
	        "Write a compliance report of a run (default: the latest that is not a\n"
	        "redaction): scope and how to reproduce it, coverage (what was and was not\n"
	        "read, and why), an inventory of the findings with the precision measured by\n"
	        "piiaudit review next to each rule and category, GDPR, CCPA, PCI DSS, HIPAA\n"
	        "Safe Harbor and secrets sections, memorisation (when piiaudit xref recorded a\n"
	        "result for the run), redactions before and after (when the database holds\n"
	        "piiaudit redact runs), and with --since-run or --since-db what changed.\n"
	        "Values are masked.  Before writing, the report is scanned with the built-in\n"
	        "rules and refused if an unmasked value is in it.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE          the audit database (default: ./piiaudit.db)\n"
	        "  --format FORMAT    html (one self-contained page), md (Markdown) or json\n"
	        "                     (schema piiaudit-report/1); default: from the -o file's\n"
	        "                     suffix, else md\n"
	        "  -o, --output FILE  write the report to FILE (default: standard output)\n"
	        "  --run ID           the run to report on (default: the latest that is not a\n"
	        "                     redaction)\n"
	        "  --since-run N      add new, resolved and unchanged findings since run N\n"
	        "  --since-db FILE    compare with a run of another database instead: its\n"
	        "                     latest, or run N of it with --since-run N; both runs\n"
	        "                     must have been made with the same fingerprint key\n"
	        "  --show-values      show raw values next to the masked samples, when the run\n"
	        "                     stored them (--store-values); the report is then not\n"
	        "                     self-checked and is as sensitive as the data\n"
	        "  -h, --help         this help\n"
	        "\n"
	        "Exit status: 0 written, 2 usage error, no such database or run, or the\n"
	        "self-check refused the report (nothing written), 3 the report could not be\n"
	        "written.\n");
}

static int parse_format(const char *s, enum report_format *out)
{
	if (!strcmp(s, "html"))
		*out = REPORT_HTML;
	else if (!strcmp(s, "md") || !strcmp(s, "markdown"))
		*out = REPORT_MD;
	else if (!strcmp(s, "json"))
		*out = REPORT_JSON;
	else
		return -1;
	return 0;
}

static enum report_format format_from_name(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;
	enum report_format f = REPORT_MD;
	if (dot && !strcmp(dot, ".htm"))
		return REPORT_HTML;
	if (dot)
		parse_format(dot + 1, &f);
	return f;
}

static int parse_id(const char *s, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v <= 0)
		return -1;
	*out = v;
	return 0;
}

static int write_all(int fd, const char *path, const char *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			diag("%s: %s", path, n < 0 ? strerror(errno) : "short write");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Writes buf into path as it is: a device (/dev/null), a FIFO or a
 * pipe's /dev/fd/N, a symbolic link (/dev/stdout, or a link to a file),
 * which a rename would replace instead of writing to.  A regular file it
 * leads to is truncated, and made 0600 when the report holds raw values. */
static int write_through(const char *path, const char *buf, size_t len, bool sensitive)
{
	int fd = open_output(path, sensitive);
	if (fd < 0) {
		diag("%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = write_all(fd, path, buf, len);
	if (close(fd) && !rc) {
		diag("%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Writes buf to path through a temporary file in the same folder and a
 * rename; with raw values the file is 0600, otherwise as umask allows.
 * A path that exists and is not a regular file is written as it is
 * (write_through()). */
static int write_file(const char *path, const char *buf, size_t len, bool sensitive)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_through(path, buf, len, sensitive);
	char *tmp = NULL;
	int fd = -1, rc = -1;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		diag("%s: out of memory", path);
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		diag("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!sensitive) {
		mode_t mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask)) {
			diag("%s: %s", tmp, strerror(errno));
			goto out;
		}
	}
	if (write_all(fd, path, buf, len))
		goto out;
	if (close(fd)) {
		fd = -1;
		diag("%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		diag("%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp)
		unlink(tmp);
	free(tmp);
	return rc;
}

struct report_job {
	const char *db_path, *output, *since_db;
	enum report_format format;
	long long run, since;
	bool show_values;
};

static int parse_options(int argc, char **argv, struct report_job *j)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "run", required_argument, NULL, 'r' },
		{ "since-run", required_argument, NULL, 's' },
		{ "since-db", required_argument, NULL, 'B' },
		{ "show-values", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': j->db_path = optarg; break;
		case 'f': format = optarg; break;
		case 'o': j->output = strcmp(optarg, "-") ? optarg : NULL; break;
		case 'r':
			if (parse_id(optarg, &j->run))
				return usage_error("report", "--run takes a run id, not '%s'", optarg);
			break;
		case 's':
			if (parse_id(optarg, &j->since))
				return usage_error("report", "--since-run takes a run id, not '%s'", optarg);
			break;
		case 'B': j->since_db = optarg; break;
		case 'v': j->show_values = true; break;
		case 'h': report_usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option("report", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (format && parse_format(format, &j->format))
		return usage_error("report", "unknown format '%s' (html, md or json)", format);
	if (!format)
		j->format = format_from_name(j->output);
	return -1;
}

static void add_ids(struct report_tokens *t, const struct db_report *r, const struct report_facts *f)
{
	report_tokens_add_id(t, r->run.uuid);
	report_tokens_add_id(t, r->run.rules_digest);
	report_tokens_add_id(t, r->run.key_id);
	report_tokens_add_id(t, r->run.plan_digest);
	report_tokens_add_id(t, r->run.started_at);
	report_tokens_add_id(t, r->run.ended_at);
	report_tokens_add_id(t, r->run.tool_version);
	report_tokens_add_id(t, r->since_started_at);
	report_tokens_add_id(t, f->generated_at);
	report_tokens_add_id(t, f->run_date);
	report_tokens_add_id(t, f->digest_short);
	report_tokens_add_id(t, r->memo.created_at);
	report_tokens_add_id(t, r->memo.corpus_uuid);
	report_tokens_add_id(t, r->memo.key_id);
}

/* Precision from verdicts, when the database has a verdicts table (made
 * by piiaudit review; a report never creates it).  -1 on error. */
static int load_review(struct db_store *db, int64_t run, struct db_review_stats *stats,
                       bool *loaded, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	*loaded = false;
	if (sqlite3_prepare_v2(db_handle(db), "SELECT 1 FROM sqlite_master WHERE type = 'table'"
	                       " AND name = 'verdicts'", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the schema: %s", sqlite3_errmsg(db_handle(db)));
		return -1;
	}
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return 0;
	if (db_review_stats(db, run, stats, err, errlen))
		return -1;
	*loaded = true;
	return 0;
}

/* The newest run that read data (scan, probe, merge), not a redaction
 * run, which has no findings of its own and is reported in the Redactions
 * section; the newest run of any kind when there is no other.  -1 on
 * error. */
static int64_t latest_audit_run(struct db_store *db)
{
	sqlite3_stmt *st;
	int64_t id = -1;
	if (sqlite3_prepare_v2(db_handle(db), "SELECT id FROM runs ORDER BY kind != 'redact' DESC,"
	                       " id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return db_latest_run(db);
	int rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return id < 0 ? db_latest_run(db) : id;
}

/* Renders into memory: *buf, *len (malloc'd). */
static int render(const struct report_job *j, const struct report_ctx *ctx, char **buf, size_t *len)
{
	FILE *out = open_memstream(buf, len);
	if (!out)
		return -1;
	int rc;
	switch (j->format) {
	case REPORT_HTML: rc = report_write_html(out, ctx); break;
	case REPORT_JSON: rc = report_write_json(out, ctx); break;
	default: rc = report_write_md(out, ctx); break;
	}
	if (fclose(out))
		rc = -1;
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct report_job j = { .db_path = "piiaudit.db" };
	int status = parse_options(argc, argv, &j);
	if (status >= 0)
		return status;
	status = EXIT_USAGE;

	struct db_store *db = NULL;
	struct ruleset set;
	struct rule_matcher *m = NULL;
	struct db_report r;
	struct report_facts f = {0};
	struct report_tokens tokens = {0};
	struct db_review_stats review = {0};
	bool reviewed = false;
	char *buf = NULL;
	size_t len = 0;
	char err[1024];
	ruleset_init(&set);
	db_report_init(&r);

	if (db_open(&db, j.db_path, false, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	sqlite3 *h = db_handle(db);
	if (!j.run)
		j.run = latest_audit_run(db);
	if (j.run <= 0) {
		diag("%s: %s", j.db_path, j.run < 0 ? db_error(db) : "no runs in this database");
		goto out;
	}
	int exists = db_report_run_exists(h, j.run);
	if (exists <= 0) {
		diag("%s: %s %lld", j.db_path, exists < 0 ? "cannot read run" : "no run", j.run);
		goto out;
	}
	if (j.since_db && access(j.since_db, R_OK)) {
		diag("%s: %s (--since-db)", j.since_db, strerror(errno));
		goto out;
	}
	if (j.since && !j.since_db) {
		if (j.since == j.run) {
			status = usage_error("report", "--since-run %lld is the run reported on", j.since);
			goto out;
		}
		exists = db_report_run_exists(h, j.since);
		if (exists <= 0) {
			diag("%s: %s %lld (--since-run)", j.db_path, exists < 0 ? "cannot read run" : "no run",
			     j.since);
			goto out;
		}
	}
	size_t check_rules = 0;
	if (!j.show_values) {
		/* PCRE2 alone: a report is small, and a Hyperscan database of
		 * every rule costs more to build than the scan saves. */
		struct rule_options ro = { .engine = RULE_ENGINE_PCRE2 };
		int lr = load_rules(&set, &ro);
		rule_options_release(&ro);
		if (lr) {
			diag("report: the self-check needs the built-in rules; nothing written");
			goto out;
		}
		for (size_t i = 0; i < set.count; i++)
			check_rules += !set.rules[i].disabled;
		if (!(m = rule_matcher_new(&set))) {
			diag("out of memory");
			goto out;
		}
	}
	struct db_report_options opt = {
		.run_id = j.run, .since_run = j.since, .values = j.show_values,
		.card_brand = rule_card_brand, .since_db = j.since_db,
	};
	if (db_report_load(&r, h, &opt)) {
		if (r.error_named)
			diag("%s", r.error);
		else
			diag("%s: %s", j.db_path, r.error);
		goto out;
	}
	if (load_review(db, j.run, &review, &reviewed, err, sizeof(err))) {
		diag("%s: %s", j.db_path, err);
		goto out;
	}
	if (j.since && !r.since_same_key)
		diag("report: runs %lld and %lld were made with different fingerprint keys; "
		     "no finding can match between them", j.run, j.since);
	if (m && report_sanitize(&r, m)) {
		diag("report: cannot mask file names (out of memory)");
		goto out;
	}
	if (report_facts_build(&f, &r, j.show_values, check_rules)) {
		diag("out of memory");
		goto out;
	}
	add_ids(&tokens, &r, &f);
	struct report_ctx ctx = { .r = &r, .f = &f, .tokens = &tokens,
	                          .review = reviewed ? &review : NULL };
	if (render(&j, &ctx, &buf, &len) || tokens.oom) {
		diag("report: cannot render the report (out of memory)");
		goto out;
	}
	if (m) {
		struct report_leak leaks[LEAKS_SHOWN];
		long n = report_self_check(m, &tokens, buf, len, leaks, LEAKS_SHOWN);
		if (n < 0) {
			diag("report: the self-check could not run; nothing written");
			goto out;
		}
		for (long i = 0; i < n && i < LEAKS_SHOWN; i++)
			diag("report: self-check: an unmasked %s value on line %zu of the report (%s)",
			     leaks[i].rule, leaks[i].line, leaks[i].masked);
		if (n > 0) {
			diag("report: self-check found %ld unmasked %s; nothing written", n,
			     n == 1 ? "value" : "values");
			goto out;
		}
	}
	status = EXIT_UNREADABLE;
	if (j.output) {
		if (write_file(j.output, buf, len, j.show_values))
			goto out;
	} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout)) {
		diag("standard output: write error");
		goto out;
	}
	status = EXIT_FINISHED;
out:
	if (buf && j.show_values)
		explicit_bzero(buf, len);
	free(buf);
	report_tokens_release(&tokens);
	if (reviewed)
		db_review_stats_release(&review);
	report_facts_release(&f);
	db_report_release(&r);
	rule_matcher_free(m);
	ruleset_release(&set);
	db_close(db);
	return status;
}
