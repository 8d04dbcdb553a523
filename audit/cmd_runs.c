/*
 * audit/cmd_runs.c - piiaudit runs: the runs a database holds, one a line
 * (a table for people, or JSON lines), oldest first.
 *
 * The ids are what export, report, review and prompts take with --run.
 * Reads only: the database is opened read only and never created.  One
 * query, a row per run; a scan's findings are counted from the index that
 * starts with the run (findings_run_source), a redaction's replaced values
 * summed from its redactions.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "db/store.h"

static void runs_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit runs [--db FILE] [--kind KIND] [-n N] [--format text|jsonl]\n"
	        "\n"
	        "List the runs of an audit database, oldest first: id (what --run takes),\n"
	        "kind, status, when it started and how long it took, inputs read and not\n"
	        "read, findings (values replaced, for redact), bytes read and label.  A\n"
	        "shard of a plan shows as scan K/N, a merged run as merged N.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE          the audit database (default: ./piiaudit.db)\n"
	        "  --kind KIND        only runs of this kind: scan, probe or redact (a merged\n"
	        "                     run is a scan)\n"
	        "  -n, --last N       only the N newest (still oldest first)\n"
	        "  --format FORMAT    text (default: a table) or jsonl (one object a run, with\n"
	        "                     its uuid, command line, settings, rules digest and key id)\n"
	        "  -h, --help         this help\n"
	        "\n"
	        "Exit status: 0 listed (also when there is no run), 2 usage error or no such\n"
	        "database.\n");
}

/* The columns of runs_sql, in order. */
enum {
	COL_ID, COL_UUID, COL_KIND, COL_STATUS, COL_STARTED, COL_ENDED, COL_SECONDS, COL_OK,
	COL_FAILED, COL_BYTES, COL_LABEL, COL_STORE_VALUES, COL_SHARD_INDEX, COL_SHARD_COUNT,
	COL_TOOL, COL_RULES, COL_KEY, COL_ARGV, COL_SETTINGS, COL_FINDINGS, COL_REPLACED,
	COL_ARGV_JSON, COL_SETTINGS_JSON,
};

/* settings: only in databases where scan recorded it (added later). */
/* A redact run keeps its counts in its redactions (one row a file). */
#define RUNS_SQL(settings) \
	"SELECT id, uuid, kind, status, started_at, ended_at," \
	" CAST(round((julianday(ended_at) - julianday(started_at)) * 86400) AS INTEGER)," \
	" CASE WHEN kind = 'redact' THEN (SELECT count(*) FROM redactions r" \
	"  WHERE r.run_id = runs.id AND r.status = 'ok') ELSE sources_ok END," \
	" CASE WHEN kind = 'redact' THEN (SELECT count(*) FROM redactions r" \
	"  WHERE r.run_id = runs.id AND r.status != 'ok') ELSE sources_failed END," \
	" CASE WHEN kind = 'redact' THEN (SELECT coalesce(sum(bytes_in), 0) FROM redactions r" \
	"  WHERE r.run_id = runs.id) ELSE bytes_scanned END," \
	" label, store_values, shard_index," \
	" shard_count, tool_version, rules_digest, key_id, argv, " settings "," \
	" CASE WHEN kind = 'redact' THEN NULL" \
	"  ELSE (SELECT count(*) FROM findings f WHERE f.run_id = runs.id) END," \
	" CASE WHEN kind = 'redact' THEN" \
	"  (SELECT coalesce(sum(replaced), 0) FROM redactions r WHERE r.run_id = runs.id) END," \
	" CASE WHEN json_valid(argv) AND json_type(argv) = 'array' THEN json(argv) END," \
	" CASE WHEN json_valid(" settings ") AND json_type(" settings ") = 'array'" \
	"  THEN json(" settings ") END" \
	" FROM runs WHERE (?1 IS NULL OR kind = ?1)" \
	" AND id > coalesce((SELECT id FROM runs WHERE (?1 IS NULL OR kind = ?1)" \
	"  ORDER BY id DESC LIMIT 1 OFFSET ?2), 0) ORDER BY id"

static const char *text_or(sqlite3_stmt *st, int col, const char *none)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s ? s : none;
}

static void put_text(sqlite3_stmt *st)
{
	char kind[40], took[32] = "-", found[32], bytes[32];
	const char *k = text_or(st, COL_KIND, "?");
	bool shard = sqlite3_column_type(st, COL_SHARD_INDEX) != SQLITE_NULL;
	long long count = sqlite3_column_int64(st, COL_SHARD_COUNT);
	if (shard)
		snprintf(kind, sizeof(kind), "%s %lld/%lld", k,
		         (long long)sqlite3_column_int64(st, COL_SHARD_INDEX), count);
	else if (count > 0)
		snprintf(kind, sizeof(kind), "merged %lld", count);
	else
		snprintf(kind, sizeof(kind), "%s", k);
	if (sqlite3_column_type(st, COL_SECONDS) != SQLITE_NULL) {
		long long secs = sqlite3_column_int64(st, COL_SECONDS);
		if (secs < 60)
			snprintf(took, sizeof(took), "%lld s", secs);
		else
			snprintf(took, sizeof(took), "%lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
	}
	if (sqlite3_column_type(st, COL_REPLACED) != SQLITE_NULL)
		snprintf(found, sizeof(found), "%lld replaced",
		         (long long)sqlite3_column_int64(st, COL_REPLACED));
	else
		snprintf(found, sizeof(found), "%lld", (long long)sqlite3_column_int64(st, COL_FINDINGS));
	format_bytes(bytes, sizeof(bytes), (double)sqlite3_column_int64(st, COL_BYTES));
	printf("%4lld  %-10s %-12s %-20s %8s %8lld %7lld %15s %9s",
	       (long long)sqlite3_column_int64(st, COL_ID), kind, text_or(st, COL_STATUS, "?"),
	       text_or(st, COL_STARTED, "?"), took, (long long)sqlite3_column_int64(st, COL_OK),
	       (long long)sqlite3_column_int64(st, COL_FAILED), found, bytes);
	/* A label is the user's text: its control bytes are not sent to the
	 * terminal. */
	const unsigned char *label = sqlite3_column_text(st, COL_LABEL);
	if (label && *label)
		fputs("  ", stdout);
	for (const unsigned char *p = label; p && *p; p++)
		putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
	putchar('\n');
}

static void put_json_text(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		fputs("null", stdout);
	else
		json_write_string(stdout, (const char *)sqlite3_column_text(st, col),
		                  (size_t)sqlite3_column_bytes(st, col));
}

static void put_json_int(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		fputs("null", stdout);
	else
		printf("%lld", (long long)sqlite3_column_int64(st, col));
}

/* A JSON array the database holds (argv, settings): as SQLite's json()
 * wrote it (json_col) when the text is one, else the text as a string
 * (a damaged database still gives valid JSON lines). */
static void put_json_array(sqlite3_stmt *st, int col, int json_col)
{
	const char *json = (const char *)sqlite3_column_text(st, json_col);
	if (json)
		fputs(json, stdout);
	else
		put_json_text(st, col);
}

static void put_jsonl(sqlite3_stmt *st)
{
	static const struct { const char *key; int col; char type; } keys[] = {
		{ "id", COL_ID, 'i' }, { "uuid", COL_UUID, 's' }, { "kind", COL_KIND, 's' },
		{ "status", COL_STATUS, 's' }, { "started_at", COL_STARTED, 's' },
		{ "ended_at", COL_ENDED, 's' }, { "seconds", COL_SECONDS, 'i' },
		{ "sources_ok", COL_OK, 'i' }, { "sources_failed", COL_FAILED, 'i' },
		{ "bytes_scanned", COL_BYTES, 'i' }, { "findings", COL_FINDINGS, 'i' },
		{ "replaced", COL_REPLACED, 'i' }, { "label", COL_LABEL, 's' },
		{ "store_values", COL_STORE_VALUES, 'b' }, { "shard_index", COL_SHARD_INDEX, 'i' },
		{ "shard_count", COL_SHARD_COUNT, 'i' }, { "tool_version", COL_TOOL, 's' },
		{ "rules_digest", COL_RULES, 's' }, { "key_id", COL_KEY, 's' },
		{ "argv", COL_ARGV, 'a' }, { "settings", COL_SETTINGS, 'a' },
	};
	putchar('{');
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		printf("%s\"%s\":", i ? "," : "", keys[i].key);
		int col = keys[i].col;
		switch (keys[i].type) {
		case 'i': put_json_int(st, col); break;
		case 's': put_json_text(st, col); break;
		case 'a': put_json_array(st, col, col == COL_ARGV ? COL_ARGV_JSON : COL_SETTINGS_JSON); break;
		case 'b': fputs(sqlite3_column_int(st, col) ? "true" : "false", stdout); break;
		}
	}
	puts("}");
}

int cmd_runs(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "kind", required_argument, NULL, 'k' },
		{ "last", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_path = "piiaudit.db", *kind = NULL, *format = "text";
	long long last = -1;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hn:", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'k':
			if (strcmp(optarg, "scan") && strcmp(optarg, "probe") && strcmp(optarg, "redact"))
				return usage_error("runs", "--kind takes scan, probe or redact, not '%s'", optarg);
			kind = optarg;
			break;
		case 'n':
			last = strtoll(optarg, &end, 10);
			if (*end || end == optarg || last <= 0)
				return usage_error("runs", "--last takes a number of runs, not '%s'", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "jsonl") && strcmp(optarg, "json"))
				return usage_error("runs", "unknown format '%s' (text or jsonl)", optarg);
			format = optarg;
			break;
		case 'h': runs_usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option("runs", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("runs", "unexpected argument '%s'", argv[optind]);
	bool text = !strcmp(format, "text");

	struct db_store *db;
	char err[1024];
	if (db_open(&db, db_path, false, err, sizeof(err))) {
		diag("%s", err);
		return EXIT_USAGE;
	}
	int status = EXIT_USAGE;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db_handle(db), RUNS_SQL("settings"), -1, &st, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db_handle(db), RUNS_SQL("NULL"), -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", db_path, sqlite3_errmsg(db_handle(db)));
		goto out;
	}
	if (kind)
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	/* Newest first, OFFSET N is the run just before the N newest, which
	 * are those after it; without -n an offset past every run finds none,
	 * so all are listed. */
	sqlite3_bind_int64(st, 2, last > 0 ? last : INT64_MAX);
	if (text)
		printf("%4s  %-10s %-12s %-20s %8s %8s %7s %15s %9s  %s\n", "ID", "KIND", "STATUS",
		       "STARTED", "TOOK", "SOURCES", "FAILED", "FINDINGS", "READ", "LABEL");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (text)
			put_text(st);
		else
			put_jsonl(st);
	}
	if (rc != SQLITE_DONE) {
		diag("%s: %s", db_path, sqlite3_errmsg(db_handle(db)));
		status = EXIT_UNREADABLE;
		goto out;
	}
	status = fflush(stdout) ? EXIT_UNREADABLE : EXIT_FINISHED;
out:
	sqlite3_finalize(st);
	db_close(db);
	return status;
}
