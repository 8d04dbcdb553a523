/*
 * audit/cmd_export.c - piiaudit export: a run's findings as JSON lines or
 * CSV on stdout, with the keys of DESIGN.md's export contract.
 *
 * Reads the database with one streaming query (memory does not grow with
 * the number of findings).  Raw values are printed only with --show-values
 * and only when the run stored them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "audit/export_sarif.h"
#include "db/store.h"

enum export_format { FORMAT_JSONL, FORMAT_CSV, FORMAT_SARIF };

static const char *const export_keys[] = {
	"source", "member", "record", "field", "line", "offset", "length", "rule", "category",
	"confidence", "preview", "fingerprint", "placeholder",
};
#define EXPORT_KEYS (sizeof(export_keys) / sizeof(export_keys[0]))

static void export_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit export [--db FILE] [--run ID] --format jsonl|csv|sarif\n"
	        "                       [--show-values]\n"
	        "\n"
	        "Print the findings of a run (default: the latest) on stdout, one per line,\n"
	        "ordered by path, then as each input was read (an archive's members as\n"
	        "stored), then by offset, with the keys: source, member, record, field,\n"
	        "line, offset, length, rule, category, confidence, preview, fingerprint,\n"
	        "placeholder.  Previews are masked; fingerprints are keyed HMACs.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE          the audit database (default: ./piiaudit.db)\n"
	        "  --run ID           the run to export (default: the latest)\n"
	        "  --format FORMAT    jsonl, csv, or sarif (SARIF 2.1.0: one result per finding);\n"
	        "                     a CSV cell that starts with = + - @, tab or CR gets a\n"
	        "                     leading ' so that a spreadsheet does not run it (JSON\n"
	        "                     lines and SARIF keep the exact text)\n"
	        "  --show-values      add a 'value' key with the raw value, when the run was\n"
	        "                     made with --store-values (otherwise it is null)\n"
	        "  -h, --help         this help\n"
	        "\n"
	        "Exit status: 0 exported, 2 usage error or no such database or run.\n");
}

static void put_text_json(FILE *out, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		fputs("null", out);
	else
		json_write_string(out, (const char *)sqlite3_column_text(st, col),
		                  (size_t)sqlite3_column_bytes(st, col));
}

static void put_json(FILE *out, sqlite3_stmt *st, bool values)
{
	fputc('{', out);
	for (size_t k = 0; k < EXPORT_KEYS; k++) {
		int col = (int)k;
		fprintf(out, "%s\"%s\":", k ? "," : "", export_keys[k]);
		if (sqlite3_column_type(st, col) == SQLITE_NULL)
			fputs("null", out);
		else if (!strcmp(export_keys[k], "confidence"))
			fprintf(out, "%.2f", sqlite3_column_double(st, col));
		else if (!strcmp(export_keys[k], "placeholder"))
			fputs(sqlite3_column_int(st, col) ? "true" : "false", out);
		else if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
			fprintf(out, "%lld", (long long)sqlite3_column_int64(st, col));
		else
			put_text_json(out, st, col);
	}
	if (values) {
		fputs(",\"value\":", out);
		put_text_json(out, st, (int)EXPORT_KEYS);
	}
	fputs("}\n", out);
}

static void put_csv(FILE *out, sqlite3_stmt *st, bool values)
{
	for (size_t k = 0; k < EXPORT_KEYS + values; k++) {
		int col = (int)k;
		if (k)
			fputc(',', out);
		if (sqlite3_column_type(st, col) == SQLITE_NULL)
			continue;
		if (k < EXPORT_KEYS && !strcmp(export_keys[k], "confidence"))
			fprintf(out, "%.2f", sqlite3_column_double(st, col));
		else if (k < EXPORT_KEYS && !strcmp(export_keys[k], "placeholder"))
			fputs(sqlite3_column_int(st, col) ? "true" : "false", out);
		else
			csv_write_text(out, (const char *)sqlite3_column_text(st, col),
			               (size_t)sqlite3_column_bytes(st, col));
	}
	fputc('\n', out);
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "show-values", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_path = "piiaudit.db", *format = NULL;
	long long run = 0;
	bool values = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'r':
			run = strtoll(optarg, &end, 10);
			if (*end || run <= 0)
				return usage_error("export", "--run takes a run id, not '%s'", optarg);
			break;
		case 'f': format = optarg; break;
		case 'v': values = true; break;
		case 'h': export_usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option("export", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("export", "unexpected argument '%s'", argv[optind]);
	if (!format)
		return usage_error("export", "--format is required (jsonl, csv or sarif)");
	enum export_format fmt;
	if (!strcmp(format, "jsonl") || !strcmp(format, "json"))
		fmt = FORMAT_JSONL;
	else if (!strcmp(format, "csv"))
		fmt = FORMAT_CSV;
	else if (!strcmp(format, "sarif"))
		fmt = FORMAT_SARIF;
	else
		return usage_error("export", "unknown format '%s' (jsonl, csv or sarif)", format);

	struct db_store *db;
	char err[1024];
	if (db_open(&db, db_path, false, err, sizeof(err))) {
		diag("%s", err);
		return EXIT_USAGE;
	}
	int status = EXIT_USAGE;
	sqlite3_stmt *st = NULL;
	if (!run)
		run = db_latest_run(db);
	if (run <= 0) {
		diag("%s: %s", db_path, run < 0 ? db_error(db) : "no runs in this database");
		goto out;
	}
	if (sqlite3_prepare_v2(db_handle(db),
	                       "SELECT s.path, s.member, f.record, f.field, f.line, f.offset, f.length,"
	                       " f.rule, f.category, f.confidence, f.preview, f.fingerprint,"
	                       " f.placeholder, f.value"
	                       " FROM sources s CROSS JOIN findings f ON f.run_id = ?1 AND f.source_id = s.id"
	                       " WHERE s.run_id = ?1 ORDER BY s.path, s.id, f.offset, f.rule",
	                       -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", db_path, sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	sqlite3_bind_int64(st, 1, run);
	sqlite3_stmt *exists;
	bool found = false;
	if (sqlite3_prepare_v2(db_handle(db), "SELECT 1 FROM runs WHERE id = ?", -1, &exists, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(exists, 1, run);
		found = sqlite3_step(exists) == SQLITE_ROW;
		sqlite3_finalize(exists);
	}
	if (!found) {
		diag("%s: no run %lld", db_path, run);
		goto out;
	}
	if (fmt == FORMAT_SARIF) {
		if (export_sarif(stdout, db_handle(db), run, values, err, sizeof(err))) {
			diag("%s: %s", db_path, err);
			status = EXIT_UNREADABLE;
			goto out;
		}
		status = EXIT_FINISHED;
		goto out;
	}
	if (fmt == FORMAT_CSV) {
		for (size_t k = 0; k < EXPORT_KEYS; k++)
			printf("%s%s", k ? "," : "", export_keys[k]);
		puts(values ? ",value" : "");
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fmt == FORMAT_JSONL)
			put_json(stdout, st, values);
		else
			put_csv(stdout, st, values);
	}
	if (rc != SQLITE_DONE) {
		diag("%s: %s", db_path, sqlite3_errmsg(db_handle(db)));
		status = EXIT_UNREADABLE;
		goto out;
	}
	if (fflush(stdout) || ferror(stdout)) {
		diag("standard output: write error");
		status = EXIT_UNREADABLE;
		goto out;
	}
	status = EXIT_FINISHED;
out:
	sqlite3_finalize(st);
	db_close(db);
	return status;
}
