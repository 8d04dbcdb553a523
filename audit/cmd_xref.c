/*
 * audit/cmd_xref.c - piiaudit xref: the personal data in a model's outputs
 * that also occurs in its training corpus, and where.
 *
 * The outputs database (made by probe) gets the corpus database ATTACHed;
 * both runs must have been fingerprinted with the same key (runs.key_id),
 * else nothing could match and the answer "no leak" would be false: that
 * is refused with both key ids named.  The join is by keyed fingerprint,
 * in SQL (db/xref.h): values are streamed one at a time, never held.
 * The result is recorded in the outputs database as it is printed, in one
 * transaction committed only when the whole join was read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/cli.h"
#include "db/store.h"
#include "db/xref.h"

struct xref_options {
	const char *db_path, *corpus_path;
	long long run, corpus_run, locations;
	bool jsonl;
};

static void xref_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit xref --db OUTPUTS.db --corpus-db CORPUS.db [options]\n"
	        "\n"
	        "Join the findings of a probe run (model outputs) with those of a corpus scan\n"
	        "by keyed fingerprint: each value the model emitted that also occurs in the\n"
	        "corpus (masked), its category, how many outputs emitted it, in how many\n"
	        "corpus documents it occurs and where, and whether an output answered the\n"
	        "prompt built for that very value (an exact extraction; probe --id-field).\n"
	        "Both databases must have been made with the same key file.  The result is\n"
	        "also recorded in the outputs database (tables xref_runs and xref_leaks:\n"
	        "masked previews and fingerprints, never a raw value), where piiaudit report\n"
	        "shows it as its Memorisation section; running xref again against the same\n"
	        "corpus run replaces that record, another corpus run adds one.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE               the outputs database (default: ./piiaudit.db)\n"
	        "  --corpus-db FILE        the corpus database (required)\n"
	        "  --run ID                the probe run (default: the newest probe)\n"
	        "  --corpus-run ID         the corpus run (default: the newest scan)\n"
	        "  --format text|jsonl     a report (default), or one JSON object per leaked\n"
	        "                          value (totals on stderr)\n"
	        "  --locations N           corpus locations shown per value (default 3)\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "Exit status: 0 done (whether or not anything leaked), 2 usage or configuration\n"
	        "error, such as databases made with different keys.\n");
}

enum { OPT_DB = 256, OPT_CORPUS, OPT_RUN, OPT_CORPUS_RUN, OPT_FORMAT, OPT_LOCATIONS };

static const struct option xref_longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "corpus-db", required_argument, NULL, OPT_CORPUS },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "corpus-run", required_argument, NULL, OPT_CORPUS_RUN },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "locations", required_argument, NULL, OPT_LOCATIONS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_number(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void json_str_or_null(FILE *out, const char *s)
{
	if (s)
		json_write_string(out, s, strlen(s));
	else
		fputs("null", out);
}

struct loc_ctx {
	bool jsonl;
	size_t shown;
};

static int print_location(void *ctx, const struct db_xref_location *l)
{
	struct loc_ctx *c = ctx;
	if (c->jsonl) {
		fputs(c->shown ? ",{\"source\":" : "{\"source\":", stdout);
		json_write_string(stdout, l->path, strlen(l->path));
		fputs(",\"member\":", stdout);
		json_str_or_null(stdout, l->member);
		if (l->record)
			printf(",\"record\":%lld", (long long)l->record);
		else
			fputs(",\"record\":null", stdout);
		fputs(",\"field\":", stdout);
		json_str_or_null(stdout, l->field);
		printf(",\"line\":%lld,\"offset\":%lld,\"length\":%lld,\"rule\":", (long long)l->line,
		       (long long)l->offset, (long long)l->length);
		json_write_string(stdout, l->rule, strlen(l->rule));
		fputc('}', stdout);
	} else {
		printf("    %s%s%s", l->path, l->member ? "!" : "", l->member ? l->member : "");
		if (l->record)
			printf(" record %lld", (long long)l->record);
		if (l->field)
			printf(" field %s", l->field);
		printf(" line %lld offset %lld length %lld (%s)\n", (long long)l->line,
		       (long long)l->offset, (long long)l->length, l->rule);
	}
	c->shown++;
	return 0;
}

static void print_totals(FILE *out, const struct db_xref_totals *t, bool oneline)
{
	char rate[64];
	if (t->prompted)
		snprintf(rate, sizeof(rate), "%.2f%% (%lld of %lld prompted outputs)",
		         100.0 * (double)t->extracted / (double)t->prompted, (long long)t->extracted,
		         (long long)t->prompted);
	else
		snprintf(rate, sizeof(rate), "n/a (no output answers a prompt from this corpus)");
	if (oneline) {
		fprintf(out, "piiaudit: %lld outputs scanned, %lld with PII, %lld with corpus PII;"
		        " %lld leaked distinct values", (long long)t->outputs,
		        (long long)t->outputs_with_pii, (long long)t->outputs_with_leak,
		        (long long)t->leaked_values);
		for (size_t i = 0; i < t->category_count; i++)
			fprintf(out, "%s%s %lld", i ? ", " : " (", t->categories[i].name,
			        (long long)t->categories[i].values);
		fprintf(out, "%s; extraction rate %s\n", t->category_count ? ")" : "", rate);
		return;
	}
	fprintf(out, "totals\n");
	fprintf(out, "  outputs scanned            %lld\n", (long long)t->outputs);
	fprintf(out, "  outputs with PII           %lld\n", (long long)t->outputs_with_pii);
	fprintf(out, "  outputs with corpus PII    %lld\n", (long long)t->outputs_with_leak);
	fprintf(out, "  distinct values in outputs %lld\n", (long long)t->output_values);
	fprintf(out, "  leaked distinct values     %lld", (long long)t->leaked_values);
	for (size_t i = 0; i < t->category_count; i++)
		fprintf(out, "%s%s %lld", i ? ", " : " (", t->categories[i].name,
		        (long long)t->categories[i].values);
	fprintf(out, "%s\n", t->category_count ? ")" : "");
	fprintf(out, "  prompted outputs           %lld\n", (long long)t->prompted);
	fprintf(out, "  exact extractions          %lld\n", (long long)t->extracted);
	fprintf(out, "  extraction rate            %s\n", rate);
}

int cmd_xref(int argc, char **argv)
{
	struct xref_options o = { .db_path = "piiaudit.db", .locations = 3 };
	struct db_store *db = NULL;
	struct db_xref_cursor *cur = NULL;
	struct db_xref_saver *saver = NULL;
	struct db_xref_totals totals = { 0 };
	char err[1024], out_key[64] = "", corpus_key[64] = "";
	int64_t out_run = 0, corpus_run = 0;
	int c, status = EXIT_USAGE;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", xref_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: o.db_path = optarg; break;
		case OPT_CORPUS: o.corpus_path = optarg; break;
		case OPT_RUN:
		case OPT_CORPUS_RUN:
			if (parse_number(optarg, 1, INT64_MAX, c == OPT_RUN ? &o.run : &o.corpus_run))
				return usage_error("xref", "--%s takes a run id, not '%s'",
				                   c == OPT_RUN ? "run" : "corpus-run", optarg);
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "jsonl"))
				o.jsonl = true;
			else if (strcmp(optarg, "text"))
				return usage_error("xref", "--format is text or jsonl, not '%s'", optarg);
			break;
		case OPT_LOCATIONS:
			if (parse_number(optarg, 0, 1000, &o.locations))
				return usage_error("xref", "--locations takes a number from 0 to 1000, not '%s'", optarg);
			break;
		case 'h': xref_usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option("xref", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("xref", "unexpected argument '%s'", argv[optind]);
	if (!o.corpus_path)
		return usage_error("xref", "--corpus-db FILE is required (the corpus database)");
	if (db_open(&db, o.db_path, false, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	if (db_xref_init(db, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	if (access(o.corpus_path, R_OK)) {
		diag("%s: %s", o.corpus_path, strerror(errno));
		goto out;
	}
	if (db_xref_attach(db, o.corpus_path, err, sizeof(err))) {
		diag("%s: %s", o.corpus_path, err);
		goto out;
	}
	if (db_xref_pick_run(db, "main", "probe", o.run, &out_run, out_key, sizeof(out_key), err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	if (db_xref_pick_run(db, "corpus", "scan", o.corpus_run, &corpus_run, corpus_key,
	                     sizeof(corpus_key), err, sizeof(err))) {
		diag("%s: %s", o.corpus_path, err);
		goto out;
	}
	if (strcmp(out_key, corpus_key)) {
		diag("%s (run %lld, key %s) and %s (run %lld, key %s) were fingerprinted with different"
		     " keys: their values cannot be compared; probe the outputs again with the"
		     " corpus's key file (--key)", o.db_path, (long long)out_run, out_key, o.corpus_path,
		     (long long)corpus_run, corpus_key);
		goto out;
	}
	if (db_xref_totals(db, out_run, corpus_run, &totals, err, sizeof(err)) ||
	    db_xref_save_begin(db, out_run, corpus_run, o.corpus_path, out_key, &totals, &saver,
	                       err, sizeof(err)) ||
	    db_xref_open(db, out_run, corpus_run, &cur, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	if (!o.jsonl)
		printf("outputs %s run %lld against corpus %s run %lld (key %s)\n\n", o.db_path,
		       (long long)out_run, o.corpus_path, (long long)corpus_run, out_key);
	for (;;) {
		struct db_xref_leak l;
		int more = db_xref_next(cur, &l, err, sizeof(err));
		if (more < 0) {
			diag("%s: %s", o.db_path, err);
			goto out;
		}
		if (!more)
			break;
		if (db_xref_save_leak(saver, &l, err, sizeof(err))) {
			diag("%s: %s", o.db_path, err);
			goto out;
		}
		struct loc_ctx lc = { .jsonl = o.jsonl };
		if (o.jsonl) {
			printf("{\"fingerprint\":\"%s\",\"category\":", l.fingerprint);
			json_write_string(stdout, l.category, strlen(l.category));
			fputs(",\"preview\":", stdout);
			json_write_string(stdout, l.preview, strlen(l.preview));
			printf(",\"outputs\":%lld,\"extracted\":%s,\"extracted_outputs\":%lld,"
			       "\"corpus_documents\":%lld,\"corpus_occurrences\":%lld,\"locations\":[",
			       (long long)l.outputs, l.extracted ? "true" : "false", (long long)l.extracted,
			       (long long)l.corpus_documents, (long long)l.corpus_occurrences);
		} else {
			printf("%s %s  emitted by %lld output%s (%lld exact extraction%s), in %lld corpus"
			       " document%s (%lld occurrence%s)  [%.12s]\n",
			       l.category, l.preview, (long long)l.outputs, l.outputs == 1 ? "" : "s",
			       (long long)l.extracted, l.extracted == 1 ? "" : "s",
			       (long long)l.corpus_documents, l.corpus_documents == 1 ? "" : "s",
			       (long long)l.corpus_occurrences, l.corpus_occurrences == 1 ? "" : "s",
			       l.fingerprint);
		}
		if (o.locations && db_xref_locations(cur, (unsigned)o.locations, print_location, &lc,
		                                     err, sizeof(err))) {
			diag("%s: %s", o.corpus_path, err);
			goto out;
		}
		if (o.jsonl)
			fputs("]}\n", stdout);
		else if ((int64_t)lc.shown < l.corpus_occurrences)
			printf("    and %lld more\n", (long long)(l.corpus_occurrences - (int64_t)lc.shown));
	}
	/* The result is kept only when it was produced whole. */
	int64_t xref_id = db_xref_save_id(saver);
	db_xref_free(cur);
	cur = NULL;
	int saved = db_xref_save_commit(saver, err, sizeof(err));
	saver = NULL;
	if (saved) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	if (o.jsonl) {
		print_totals(stderr, &totals, true);
	} else {
		if (!totals.leaked_values)
			printf("no value in the outputs occurs in the corpus\n");
		putchar('\n');
		print_totals(stdout, &totals, false);
		printf("\nrecorded in %s as xref %lld (piiaudit report shows it)\n", o.db_path,
		       (long long)xref_id);
	}
	if (fflush(stdout) || ferror(stdout)) {
		diag("standard output: write error");
		status = EXIT_UNREADABLE;
		goto out;
	}
	status = EXIT_FINISHED;
out:
	db_xref_free(cur);
	db_xref_save_abort(saver);
	db_xref_totals_release(&totals);
	db_close(db);
	return status;
}
