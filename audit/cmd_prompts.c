/*
 * audit/cmd_prompts.c - piiaudit prompts: training-data extraction prompts
 * made from a corpus run's findings.
 *
 * For each finding, the text that precedes it in the corpus is re-read
 * from the source (scanners/source_context.h: the file, or the archive
 * member, streamed to the finding's offset; nothing is stored in the
 * database), cut to --prefix-bytes at a UTF-8 character boundary and
 * written as one JSON line with the finding's fingerprint, category, rule
 * and location.  In field mode the prefix is the decoded text of the same
 * field before the value: a JSON string's escapes decoded, a CSV cell's
 * doubled quotes undoubled, never the cells before it in the row (or the
 * record's line, for a record that was scanned as text).  The prompt never
 * holds the value: it ends where the value begins, and when the value also
 * occurs earlier in the prefix, the prefix starts after that occurrence.
 *
 * A prompt's id is the finding's id (db_finding_id()): piiaudit xref
 * recomputes it from the corpus database to tell an exact extraction.
 *
 * Findings come from the database in source order and are read in
 * batches, each source once per batch: memory is bounded by the batch,
 * whatever the size of the corpus.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "db/key.h"
#include "db/review.h"
#include "db/store.h"
#include "db/xref.h"
#include "rules/rule.h"
#include "scanners/source_context.h"

#define BATCH_TARGETS 4096
#define BATCH_BYTES (64u << 20)
#define PREFIX_MAX 65536

struct target {
	/* The finding, copied from the cursor. */
	char id[DB_FINDING_ID_LEN];
	char *path, *member, *rule, *category, *field, *fingerprint;
	int64_t record, line, offset, length;
};

/* Where n bytes of s equal needle, ASCII case folded; the last one. */
static const unsigned char *last_occurrence(const unsigned char *s, size_t n,
                                            const unsigned char *needle, size_t len)
{
	if (!len || len > n)
		return NULL;
	for (size_t i = n - len + 1; i-- > 0;) {
		size_t k = 0;
		while (k < len && (s[i + k] | 0x20 * (s[i + k] >= 'A' && s[i + k] <= 'Z')) ==
		                      (needle[k] | 0x20 * (needle[k] >= 'A' && needle[k] <= 'Z')))
			k++;
		if (k == len)
			return s + i;
	}
	return NULL;
}

struct prompts_options {
	const char *db_path, *key_path, *root;
	long long run, prefix, limit;
	char *categories, *rules;   /* comma-separated, or NULL */
};

struct prompts_state {
	const struct prompts_options *opt;
	struct db_key key;
	bool have_key;
	int csv_format;             /* the run's --format, as scan_limits.csv */
	long long written, unavailable, changed;
	long long sources_unreadable;
};

static void write_prompt(const struct target *t, const unsigned char *p, size_t n)
{
	printf("{\"id\":\"%s\",\"prompt\":", t->id);
	json_write_string(stdout, (const char *)p, n);
	printf(",\"prefix_bytes\":%zu,\"fingerprint\":\"%s\",\"category\":", n, t->fingerprint);
	json_write_string(stdout, t->category, strlen(t->category));
	fputs(",\"rule\":", stdout);
	json_write_string(stdout, t->rule, strlen(t->rule));
	fputs(",\"source\":", stdout);
	json_write_string(stdout, t->path, strlen(t->path));
	fputs(",\"member\":", stdout);
	if (t->member)
		json_write_string(stdout, t->member, strlen(t->member));
	else
		fputs("null", stdout);
	if (t->record)
		printf(",\"record\":%lld,\"field\":", (long long)t->record);
	else
		fputs(",\"record\":null,\"field\":", stdout);
	if (t->field)
		json_write_string(stdout, t->field, strlen(t->field));
	else
		fputs("null", stdout);
	printf(",\"line\":%lld,\"offset\":%lld,\"length\":%lld}\n", (long long)t->line,
	       (long long)t->offset, (long long)t->length);
}

/*
 * The prompt of one target whose bytes are in: the decoded text before the
 * value in its field (JSON string or CSV cell), in its line (a record read
 * as text) or in the source.  Returns 0 written, 1 when the source changed
 * (the value is not what was scanned), -1 out of memory.
 */
static int make_prompt(struct prompts_state *st, const struct target *t, struct scan_context *c)
{
	if (scan_context_decode(c, t->record > 0))
		return -1;
	const unsigned char *p = c->text, *value = c->text + c->value_at;
	size_t n = c->value_at, vn = c->text_len - c->value_at;
	if (!value_is_finding(st->have_key ? &st->key : NULL, t->category, (const char *)value, vn,
	                      t->fingerprint, NULL))
		return 1;
	/* When the value also occurs earlier, the prompt starts after it. */
	const unsigned char *dup = last_occurrence(p, n, value, vn);
	if (dup) {
		n -= (size_t)(dup + vn - p);
		p = dup + vn;
	}
	/* Up to --prefix-bytes, starting on a character's first byte. */
	if (n > (size_t)st->opt->prefix) {
		p += n - (size_t)st->opt->prefix;
		n = (size_t)st->opt->prefix;
	}
	while (n && (*p & 0xc0) == 0x80) {
		p++;
		n--;
	}
	write_prompt(t, p, n);
	st->written++;
	return 0;
}

static void target_release(struct target *t, struct scan_context *c)
{
	scan_context_release(c);
	memset(c, 0, sizeof(*c));
	free(t->path);
	free(t->member);
	free(t->rule);
	free(t->category);
	free(t->field);
	free(t->fingerprint);
	memset(t, 0, sizeof(*t));
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Reads the batch's source (all targets share the path) and writes the
 * prompts.  -1 on out of memory. */
static int run_batch(struct prompts_state *st, struct target *targets, struct scan_context *places,
                     size_t count)
{
	char reason[512];
	const char *path = targets[0].path;
	int rc = 0;
	if (scan_context_read(st->opt->root, path, places, count, reason, sizeof(reason)) == -2)
		return -1;
	const char *first_problem = NULL, *problem_member = NULL;
	for (size_t i = 0; i < count && rc == 0; i++) {
		const struct target *t = &targets[i];
		const struct scan_context *c = &places[i];
		if (c->status == SCAN_CONTEXT_OK) {
			int r = make_prompt(st, t, &places[i]);
			if (r < 0)
				return -1;
			if (r == 0) {
				if (st->opt->limit && st->written >= st->opt->limit)
					rc = 1;
				continue;
			}
			st->changed++;
			if (!first_problem) {
				first_problem = "changed since the scan (a value is not what was found)";
				problem_member = t->member;
			}
		} else if (!first_problem) {
			first_problem = reason[0] ? reason
			                : c->status == SCAN_CONTEXT_NO_MEMBER ? "member not found (the source changed or moved)"
			                : "shorter than at the scan (the source changed)";
			problem_member = reason[0] ? NULL : t->member;
		}
		st->unavailable++;
	}
	if (first_problem) {
		diag_source(path, problem_member, first_problem);
		st->sources_unreadable++;
	}
	return rc;
}

static void prompts_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit prompts [options]\n"
	        "\n"
	        "Write training-data extraction prompts, one JSON line per finding of a\n"
	        "corpus run: the text that precedes the value in the corpus (re-read from\n"
	        "the source), never the value itself, with the finding's id, fingerprint,\n"
	        "category, rule and location.  Run them through the model, keeping each\n"
	        "prompt's id in its output, then: piiaudit probe --id-field id ... and\n"
	        "piiaudit xref.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE               the corpus database (default: ./piiaudit.db)\n"
	        "  --run ID                the run (default: the newest scan)\n"
	        "  --prefix-bytes N        bytes of text before the value, at most (default\n"
	        "                          200; 1 to 65536); cut at a character boundary and,\n"
	        "                          in field mode, within the value's JSON string or\n"
	        "                          CSV cell\n"
	        "  --category C[,C...]     only findings of these categories; repeatable\n"
	        "  --rule R[,R...]         only findings of these rules; repeatable\n"
	        "  --limit N               at most N prompts\n"
	        "  --root DIR              find relative source paths under DIR (a moved corpus)\n"
	        "  --key FILE              the run's key, to check that a source has not changed\n"
	        "                          (default: the usual key file, when it is the run's)\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "Exit status: 0 every prompt written, 2 usage or configuration error, 3 some\n"
	        "sources could not be read again (each is named on stderr).\n");
}

enum { OPT_DB = 256, OPT_RUN, OPT_PREFIX, OPT_CATEGORY, OPT_RULE, OPT_LIMIT, OPT_ROOT, OPT_KEY };

static const struct option prompts_longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "prefix-bytes", required_argument, NULL, OPT_PREFIX },
	{ "category", required_argument, NULL, OPT_CATEGORY },
	{ "rule", required_argument, NULL, OPT_RULE },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "key", required_argument, NULL, OPT_KEY },
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

/* Appends a comma-separated list to *list. */
static int append_list(char **list, const char *more)
{
	size_t a = *list ? strlen(*list) : 0, b = strlen(more);
	char *grown = realloc(*list, a + b + 2);
	if (!grown)
		return -1;
	if (a)
		grown[a++] = ',';
	memcpy(grown + a, more, b + 1);
	*list = grown;
	return 0;
}

int cmd_prompts(int argc, char **argv)
{
	struct prompts_options o = { .db_path = "piiaudit.db", .prefix = 200 };
	struct prompts_state st = { .opt = &o };
	struct db_store *db = NULL;
	struct db_prompt_cursor *cur = NULL;
	struct target *batch = NULL;
	struct scan_context *places = NULL;
	size_t count = 0, bytes = 0;
	char err[1024], key_id[64] = "";
	int64_t run = 0;
	int c, status = EXIT_USAGE;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", prompts_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: o.db_path = optarg; break;
		case OPT_KEY: o.key_path = optarg; break;
		case OPT_ROOT: o.root = optarg; break;
		case OPT_RUN:
			if (parse_number(optarg, 1, INT64_MAX, &o.run)) {
				status = usage_error("prompts", "--run takes a run id, not '%s'", optarg);
				goto out;
			}
			break;
		case OPT_PREFIX:
			if (parse_number(optarg, 1, PREFIX_MAX, &o.prefix)) {
				status = usage_error("prompts", "--prefix-bytes takes a number from 1 to %d, not '%s'",
				                     PREFIX_MAX, optarg);
				goto out;
			}
			break;
		case OPT_LIMIT:
			if (parse_number(optarg, 1, INT64_MAX, &o.limit)) {
				status = usage_error("prompts", "--limit takes a positive number, not '%s'", optarg);
				goto out;
			}
			break;
		case OPT_CATEGORY: {
			/* Check each name against the vocabulary. */
			char *copy = strdup(optarg), *save = NULL;
			bool bad = !copy;
			for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save))
				if (!rule_category_known(w)) {
					status = usage_error("prompts", "--category: unknown category '%s'", w);
					free(copy);
					goto out;
				}
			free(copy);
			if (bad || append_list(&o.categories, optarg)) {
				diag("out of memory");
				goto out;
			}
			break;
		}
		case OPT_RULE:
			if (append_list(&o.rules, optarg)) {
				diag("out of memory");
				goto out;
			}
			break;
		case 'h':
			prompts_usage(stdout);
			status = EXIT_FINISHED;
			goto out;
		default:
			status = usage_bad_option("prompts", c, argv);
			goto out;
		}
	}
	if (optind < argc) {
		status = usage_error("prompts", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (db_open(&db, o.db_path, false, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	if (db_xref_pick_run(db, "main", "scan", o.run, &run, key_id, sizeof(key_id), err, sizeof(err)) ||
	    db_prompt_cursor_open(db, run, o.categories, o.rules, &cur, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	st.have_key = load_check_key(&st.key, o.key_path, key_id, "sources are not checked for changes");
	st.csv_format = run_csv_format(db, run);
	batch = calloc(BATCH_TARGETS, sizeof(*batch));
	places = calloc(BATCH_TARGETS, sizeof(*places));
	if (!batch || !places) {
		diag("out of memory");
		goto out;
	}
	size_t window = (size_t)(6 * (o.prefix + 8));
	int more = 1, rc = 0;
	while (rc == 0) {
		struct db_prompt_item it;
		more = db_prompt_cursor_next(cur, &it, err, sizeof(err));
		if (more < 0) {
			diag("%s: %s", o.db_path, err);
			goto out;
		}
		/* A batch ends with its source, or when it is full. */
		if (count && (!more || strcmp(it.path, batch[0].path) || count == BATCH_TARGETS ||
		              bytes > BATCH_BYTES)) {
			rc = run_batch(&st, batch, places, count);
			for (size_t i = 0; i < count; i++)
				target_release(&batch[i], &places[i]);
			count = bytes = 0;
			if (rc)
				break;
		}
		if (!more)
			break;
		struct target *t = &batch[count];
		struct scan_context *place = &places[count];
		memcpy(t->id, it.id, sizeof(t->id));
		t->path = strdup(it.path);
		t->member = dup_or_null(it.member);
		t->rule = strdup(it.rule);
		t->category = strdup(it.category);
		t->field = dup_or_null(it.field);
		t->fingerprint = strdup(it.fingerprint);
		t->record = it.record;
		t->line = it.line;
		t->offset = it.offset;
		t->length = it.length;
		/* The window: for a field, enough raw bytes for --prefix-bytes of
		 * decoded text (an escape is up to 6 bytes for one). */
		place->member = t->member;
		place->offset = (uint64_t)it.offset;
		place->length = (uint64_t)it.length;
		place->before = it.field ? window : (uint64_t)o.prefix;
		place->csv_sep = it.field ? (unsigned char)scan_context_csv_sep(st.csv_format, it.path, it.member) : 0;
		place->kind = !it.field ? SCAN_CONTEXT_TEXT : place->csv_sep ? SCAN_CONTEXT_CSV : SCAN_CONTEXT_JSON;
		count++;
		bytes += (size_t)(place->before + place->length);
		if (!t->path || (it.member && !t->member) || !t->rule || !t->category ||
		    (it.field && !t->field) || !t->fingerprint) {
			diag("out of memory");
			goto out;
		}
	}
	if (rc < 0) {
		diag("out of memory");
		goto out;
	}
	if (fflush(stdout) || ferror(stdout)) {
		diag("standard output: write error");
		status = EXIT_UNREADABLE;
		goto out;
	}
	diag("%lld prompts from run %lld (up to %lld bytes each)%s", st.written, (long long)run,
	     o.prefix, st.have_key ? "" : "; sources not checked for changes (no key)");
	if (st.unavailable)
		diag("%lld findings without a prompt: %lld sources could not be read again or changed"
		     " (see --root)", st.unavailable, st.sources_unreadable);
	status = st.unavailable ? EXIT_UNREADABLE : EXIT_FINISHED;
out:
	if (batch && places)
		for (size_t i = 0; i < count; i++)
			target_release(&batch[i], &places[i]);
	free(batch);
	free(places);
	db_prompt_cursor_free(cur);
	db_close(db);
	if (st.have_key)
		db_key_wipe(&st.key);
	free(o.categories);
	free(o.rules);
	return status;
}
