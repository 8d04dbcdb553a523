/*
 * audit/cmd_review.c - piiaudit review sample|import|stats: measured
 * precision from human verdicts.
 *
 * sample draws a seeded, stratified sample of a run's findings (db/review.c)
 * and writes it as CSV for a reviewer, each finding with a window of text
 * around it re-read from the source (scanners/source_context.h; the value
 * and every other finding in the window masked).  The context is never stored: it is read from the
 * file or archive member again, and only when the bytes at the recorded
 * offset still fingerprint (or mask) to what the scan recorded.
 *
 * import reads the reviewed CSV, checks all of it (CSV syntax, ids,
 * verdicts, duplicates) and writes the verdicts in one transaction, or
 * nothing.  stats prints precision per rule and category with Wilson
 * intervals.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "db/key.h"
#include "db/review.h"
#include "db/store.h"
#include "scanners/source_context.h"
#include "scanners/utf8.h"

#define CONTEXT_DEFAULT 80          /* bytes of context on each side */
#define CONTEXT_MAX 4096
#define IMPORT_MAX_BYTES (256u << 20)
#define IMPORT_FIELD_MAX (1u << 20)
#define IMPORT_ERRORS_SHOWN 20

static void review_usage(FILE *out)
{
	char key[4096];
	if (db_key_default_path(key, sizeof(key)))
		snprintf(key, sizeof(key), "(none: set HOME or PIIAUDIT_KEY_FILE)");
	fprintf(out,
	        "usage: piiaudit review sample [--db FILE] [--run ID] (--per-rule N | --per-category N)\n"
	        "                              [--seed S] [--context N] [--reveal] [--key FILE]\n"
	        "                              [--root DIR] [-o FILE]\n"
	        "       piiaudit review import [--db FILE] [--reviewer NAME] [--dry-run] FILE|-\n"
	        "       piiaudit review stats  [--db FILE] [--run ID] [--format text|json]\n"
	        "\n"
	        "Measure how many findings are real.  'sample' writes a seeded random sample of\n"
	        "a run's findings, stratified by rule or by category, as CSV: finding_id, rule,\n"
	        "category, source, member, line, offset, preview, context, verdict, note.  The\n"
	        "context is text around the finding re-read from the source, with the value and\n"
	        "every other finding in it masked.  A reviewer fills in verdict (tp, fp or\n"
	        "unsure) and note; 'import' checks the whole file and keeps the verdicts, or\n"
	        "imports nothing; 'stats' prints precision per rule and per category with its\n"
	        "95%% Wilson score interval and the number of true findings it implies.\n"
	        "Verdicts follow a finding across rescans (by fingerprint and location), and a\n"
	        "finding with a verdict is not sampled again.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE            the audit database (default: ./piiaudit.db)\n"
	        "  --run ID             the run to sample or measure (default: the latest)\n"
	        "  --per-rule N         sample: up to N unreviewed findings of each rule\n"
	        "  --per-category N     sample: up to N unreviewed findings of each category\n"
	        "  --seed S             sample: the random order (default 0); the same seed\n"
	        "                       gives the same sample\n"
	        "  --context N          sample: bytes of context on each side (default %d)\n"
	        "  --reveal             sample: add the raw value (columns value, value_from)\n"
	        "                       when the run stored values or the source can be re-read\n"
	        "  --key FILE           sample: the fingerprint key, to check a source has not\n"
	        "                       changed since the scan (default: %s)\n"
	        "  --root DIR           sample: resolve relative source paths under DIR\n"
	        "                       (default: the current directory)\n"
	        "  -o, --output FILE    sample: write the CSV to FILE, mode 0600 (default: stdout)\n"
	        "  --reviewer NAME      import: who reviewed, when the file has no reviewer\n"
	        "                       column (default: the login name)\n"
	        "  --dry-run            import: check the file, import nothing\n"
	        "  --format FORMAT      stats: text (default) or json\n"
	        "  -h, --help           this help\n"
	        "\n"
	        "Exit status: 0 done, 2 usage error, no such database or run, or a review file\n"
	        "with errors (each named with its line; nothing imported).\n",
	        CONTEXT_DEFAULT, key);
}

/* ---- small helpers ---- */

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *g = realloc(b->p, cap);
		if (!g) {
			b->failed = true;
			return;
		}
		b->p = g;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_release(struct buf *b)
{
	if (b->p)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int parse_count(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void now_utc(char *out, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Opens the database and readies the review tables; prints on failure. */
static struct db_store *open_db(const char *path)
{
	struct db_store *db;
	char err[1024];
	if (db_open(&db, path, false, err, sizeof(err))) {
		diag("%s", err);
		return NULL;
	}
	if (db_review_init(db, err, sizeof(err))) {
		diag("%s: %s", path, err);
		db_close(db);
		return NULL;
	}
	return db;
}

/* The run asked for, or the latest; 0 (after a message) when there is none. */
static int64_t pick_run(struct db_store *db, const char *db_path, long long run,
                        char *key_id, size_t key_id_cap, bool *store_values)
{
	sqlite3_stmt *st;
	int64_t id = run ? run : db_latest_run(db);
	if (id <= 0) {
		diag("%s: %s", db_path, id < 0 ? db_error(db) : "no runs in this database");
		return 0;
	}
	if (sqlite3_prepare_v2(db_handle(db), "SELECT key_id, store_values FROM runs WHERE id = ?",
	                       -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", db_path, sqlite3_errmsg(db_handle(db)));
		return 0;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		diag("%s: no run %lld", db_path, (long long)id);
		return 0;
	}
	if (key_id) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		snprintf(key_id, key_id_cap, "%s", k ? (const char *)k : "");
	}
	if (store_values)
		*store_values = sqlite3_column_int(st, 1) != 0;
	sqlite3_finalize(st);
	return id;
}

/* ---- sample: re-reading contexts ---- */

struct ctx_target {
	struct db_sample_item *item;
	struct scan_context *place; /* the window re-read (source_context.h) */
	const char *problem;        /* why there is no context, or NULL */
	bool verified;              /* the value's bytes are what the scan saw */
	const char *value;          /* then the value, decoded in place->text */
	size_t value_len;
};

/* One source read for the targets in it. */
struct ctx_source {
	char error[512];            /* the source itself could not be read */
};

/* Whether the bytes at the finding are the value the scan recorded: its
 * fingerprint with the key, or without one its masked preview.  In field
 * mode the scan matched the decoded text (JSON escapes, a CSV cell's
 * doubled quotes) while the offsets point at the raw bytes: the value is
 * decoded as its field is written.  Sets the target's value (what --reveal
 * shows). */
static void check_target(struct ctx_target *t, const struct ctx_source *src, const struct db_key *key)
{
	const struct db_sample_item *it = t->item;
	struct scan_context *c = t->place;
	if (!strcmp(it->path, "-")) {
		t->problem = "read from standard input";
	} else if (c->status == SCAN_CONTEXT_UNREAD || c->status == SCAN_CONTEXT_NO_MEMBER) {
		t->problem = src->error[0] ? src->error : "member not found";
	} else if (c->status == SCAN_CONTEXT_SHORT) {
		t->problem = "shorter than when it was scanned";
	} else if (scan_context_decode(c, false)) {
		t->problem = "out of memory";
	} else {
		t->value = (const char *)c->text + c->value_at;
		t->value_len = c->text_len - c->value_at;
		t->verified = value_is_finding(key, it->category, t->value, t->value_len, it->fingerprint,
		                               it->preview);
		if (!t->verified)
			t->problem = "changed since it was scanned";
	}
}

/*
 * The context of a verified target as display text: the finding itself as
 * >>>preview<<<, every other finding of the source in the window as
 * [preview], line ends as U+23CE, other control bytes and invalid UTF-8 as
 * '?', and an ellipsis where the window cuts the text.
 */
static void render_context(struct buf *out, const struct ctx_target *t, const struct db_span *spans,
                           size_t nspans)
{
	const struct db_sample_item *it = t->item;
	const struct scan_context *place = t->place;
	uint64_t from = place->raw_from, end = place->raw_end;
	size_t n = (size_t)(end - from);
	const unsigned char *p = place->raw;
	int *owner = malloc((n ? n : 1) * sizeof(*owner));
	if (!owner) {
		out->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		owner[i] = -1;
	for (size_t k = 0; k < nspans; k++) {
		uint64_t a = spans[k].offset > from ? spans[k].offset : from;
		uint64_t b = spans[k].offset + spans[k].length < end ? spans[k].offset + spans[k].length : end;
		for (uint64_t i = a; i < b; i++)
			owner[i - from] = (int)k;
	}
	/* The sampled finding wins over others at the same place. */
	for (uint64_t i = (uint64_t)it->offset; i < (uint64_t)(it->offset + it->length) && i < end; i++)
		owner[i - from] = -2;
	size_t i = 0;
	if (from > 0) {
		buf_str(out, "\xe2\x80\xa6");
		/* Do not start inside a character. */
		for (int k = 0; k < 3 && i < n && owner[i] == -1 && (p[i] & 0xc0) == 0x80; k++)
			i++;
	}
	while (i < n) {
		if (owner[i] != -1) {
			int o = owner[i];
			if (o == -2) {
				buf_str(out, ">>>");
				buf_str(out, it->preview);
				buf_str(out, "<<<");
			} else {
				buf_str(out, "[");
				buf_str(out, spans[o].preview);
				buf_str(out, "]");
			}
			while (i < n && owner[i] == o)
				i++;
			continue;
		}
		unsigned char c = p[i];
		if (c == '\n') {
			buf_str(out, "\xe2\x8f\x8e");
			i++;
		} else if (c == '\r') {
			i++;
		} else if (c == '\t') {
			buf_str(out, " ");
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_str(out, "?");
			i++;
		} else {
			size_t run = 1;
			while (i + run < n && owner[i + run] == -1 && run < 4)
				run++;
			size_t len = utf8_seq_len(p + i, run);
			bool cut = i + run == n && c >= 0xc2 && c <= 0xf4;
			for (size_t k = 1; cut && k < run; k++)
				cut = (p[i + k] & 0xc0) == 0x80;
			if (len) {
				buf_add(out, p + i, len);
				i += len;
			} else if (cut) {
				break; /* a character cut by the window's end */
			} else {
				buf_str(out, "?");
				i++;
			}
		}
	}
	if (place->member_end == 0 || end < place->member_end)
		buf_str(out, "\xe2\x80\xa6");
	free(owner);
}

static void csv_str(FILE *out, const char *s)
{
	if (s)
		csv_write_text(out, s, strlen(s));
}

struct sample_options {
	const char *db_path, *out_path, *key_path, *root;
	long long run, per, seed, context;
	enum db_stratum by;
	bool reveal;
};

static int cmp_target_path(const void *a, const void *b)
{
	const struct ctx_target *x = *(struct ctx_target *const *)a, *y = *(struct ctx_target *const *)b;
	return strcmp(x->item->path, y->item->path);
}

static int review_sample(const struct sample_options *o)
{
	struct db_store *db = open_db(o->db_path);
	struct db_sample sample = { 0 };
	struct ctx_target *targets = NULL, **order = NULL;
	struct ctx_source *sources = NULL;
	struct scan_context *places = NULL;
	size_t nsources = 0, unavailable = 0, revealed = 0;
	struct db_key key;
	bool have_key = false, store_values = false;
	char run_key[64] = "", err[1024];
	FILE *out = NULL;
	int status = EXIT_USAGE;
	if (!db)
		return EXIT_USAGE;
	int64_t run = pick_run(db, o->db_path, o->run, run_key, sizeof(run_key), &store_values);
	if (!run)
		goto out;
	if (db_review_sample(db, run, o->by, (unsigned)o->per, (uint64_t)o->seed, o->reveal,
	                     &sample, err, sizeof(err))) {
		diag("%s: %s", o->db_path, err);
		goto out;
	}
	have_key = load_check_key(&key, o->key_path, run_key,
	                          "sources are checked against the masked previews only");
	int csv_format = run_csv_format(db, run);

	/* Group the findings by source path: each source is read once. */
	targets = calloc(sample.count ? sample.count : 1, sizeof(*targets));
	order = calloc(sample.count ? sample.count : 1, sizeof(*order));
	sources = calloc(sample.count ? sample.count : 1, sizeof(*sources));
	places = calloc(sample.count ? sample.count : 1, sizeof(*places));
	if (!targets || !order || !sources || !places)
		goto oom;
	for (size_t i = 0; i < sample.count; i++) {
		targets[i].item = &sample.items[i];
		order[i] = &targets[i];
	}
	qsort(order, sample.count, sizeof(*order), cmp_target_path);
	/* The windows in path order: a source's places are side by side. */
	for (size_t i = 0; i < sample.count; i++) {
		const struct db_sample_item *it = order[i]->item;
		struct scan_context *c = &places[i];
		order[i]->place = c;
		c->member = it->member;
		c->offset = (uint64_t)it->offset;
		c->length = (uint64_t)it->length;
		c->before = c->after = (uint64_t)o->context;
		c->csv_sep = it->field ? (unsigned char)scan_context_csv_sep(csv_format, it->path, it->member) : 0;
		c->kind = !it->field ? SCAN_CONTEXT_TEXT : c->csv_sep ? SCAN_CONTEXT_CSV : SCAN_CONTEXT_JSON;
	}
	for (size_t i = 0; i < sample.count;) {
		size_t j = i;
		while (j < sample.count && !strcmp(order[j]->item->path, order[i]->item->path))
			j++;
		struct ctx_source *src = &sources[nsources++];
		if (scan_context_read(o->root, order[i]->item->path, places + i, j - i, src->error,
		                      sizeof(src->error)) == -2)
			goto oom;
		for (size_t k = i; k < j; k++)
			check_target(order[k], src, have_key ? &key : NULL);
		i = j;
	}

	if (o->out_path && strcmp(o->out_path, "-")) {
		int fd = open_output(o->out_path, true);
		if (fd < 0 || !(out = fdopen(fd, "w"))) {
			diag("%s: %s", o->out_path, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
	} else {
		out = stdout;
	}
	fputs("finding_id,rule,category,source,member,line,offset,preview,context", out);
	fputs(o->reveal ? ",value,value_from,verdict,note\n" : ",verdict,note\n", out);
	for (size_t i = 0; i < sample.count; i++) {
		struct ctx_target *t = &targets[i];
		const struct db_sample_item *it = t->item;
		struct buf ctx = { 0 };
		fprintf(out, "%s,", it->finding_id);
		csv_str(out, it->rule);
		fputc(',', out);
		csv_str(out, it->category);
		fputc(',', out);
		csv_str(out, it->path);
		fputc(',', out);
		csv_str(out, it->member);
		fprintf(out, ",%lld,%lld,", (long long)it->line, (long long)it->offset);
		csv_str(out, it->preview);
		fputc(',', out);
		if (t->verified) {
			struct db_span *spans = NULL;
			size_t nspans = 0;
			if (db_review_spans(db, it->run_id, it->source_id, t->place->raw_from, t->place->raw_end, &spans,
			                    &nspans, err, sizeof(err))) {
				diag("%s: %s", o->db_path, err);
				goto out;
			}
			render_context(&ctx, t, spans, nspans);
			free(spans);
		} else {
			buf_str(&ctx, "(source not available: ");
			buf_str(&ctx, t->problem);
			buf_str(&ctx, ")");
			unavailable++;
		}
		if (ctx.failed) {
			buf_release(&ctx);
			goto oom;
		}
		csv_write_text(out, ctx.p, ctx.len);
		buf_release(&ctx);
		if (o->reveal) {
			fputc(',', out);
			if (it->value) {
				csv_write_text(out, it->value, strlen(it->value));
				fputs(",database", out);
				revealed++;
			} else if (t->verified) {
				csv_write_text(out, t->value, t->value_len);
				fputs(",source", out);
				revealed++;
			} else {
				fputs(",unavailable", out);
			}
		}
		fputs(",,\n", out);
	}
	if (fflush(out) || ferror(out)) {
		diag("%s: write error", out == stdout ? "standard output" : o->out_path);
		goto out;
	}
	const char *name = out == stdout ? "standard output" : o->out_path;
	diag("%s: %zu findings of run %lld from %zu %s (up to %lld each, seed %lld)", name,
	     sample.count, (long long)run, sample.strata,
	     o->by == DB_STRATUM_RULE ? "rules" : "categories", o->per, o->seed);
	if (sample.short_strata)
		diag("%zu %s had fewer than %lld unreviewed findings: all of them are in", sample.short_strata,
		     o->by == DB_STRATUM_RULE ? "rules" : "categories", o->per);
	if (unavailable)
		diag("%zu contexts not available (the source is gone, moved or changed; see --root)",
		     unavailable);
	if (!have_key && sample.count)
		diag("no key: sources were checked against the masked previews only (--key FILE)");
	if (o->reveal)
		diag("%s holds %zu raw values (--reveal): keep it as safe as the corpus", name, revealed);
	if (!sample.count)
		diag("nothing to sample: every finding of run %lld has a verdict, or there are none",
		     (long long)run);
	status = EXIT_FINISHED;
	goto out;
oom:
	diag("out of memory");
out:
	if (out && out != stdout && fclose(out) && status == EXIT_FINISHED) {
		diag("%s: %s", o->out_path, strerror(errno));
		status = EXIT_UNREADABLE;
	}
	if (places)
		for (size_t i = 0; i < sample.count; i++)
			scan_context_release(&places[i]);
	free(places);
	free(targets);
	free(order);
	free(sources);
	if (have_key)
		db_key_wipe(&key);
	db_sample_release(&sample);
	db_close(db);
	return status;
}

/* ---- import: a strict RFC 4180 reader ---- */

struct csv_row {
	size_t line;                /* physical line where the row starts */
	char **fields;
	size_t count;
};

struct csv_file {
	struct csv_row *rows;
	size_t count, alloc;
};

static void csv_file_release(struct csv_file *f)
{
	for (size_t i = 0; i < f->count; i++) {
		for (size_t k = 0; k < f->rows[i].count; k++)
			free(f->rows[i].fields[k]);
		free(f->rows[i].fields);
	}
	free(f->rows);
	memset(f, 0, sizeof(*f));
}

static int row_push(struct csv_row *row, struct buf *field)
{
	char **g = realloc(row->fields, (row->count + 1) * sizeof(*g));
	if (!g)
		return -1;
	row->fields = g;
	row->fields[row->count++] = field->p ? field->p : strdup("");
	memset(field, 0, sizeof(*field));
	return row->fields[row->count - 1] ? 0 : -1;
}

/* Parses data into rows.  On a syntax error returns -1 with the line in
 * *bad_line and the reason in err; nothing else is parsed after it. */
static int csv_parse(const char *data, size_t len, struct csv_file *f, size_t *bad_line,
                     char *err, size_t errlen)
{
	size_t i = 0, line = 1;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3; /* a spreadsheet's byte order mark */
	while (i < len) {
		struct csv_row row = { .line = line };
		struct buf field = { 0 };
		bool row_end = false;
		while (!row_end) {
			if (i < len && data[i] == '"') {
				size_t open_line = line;
				i++;
				for (;;) {
					if (i >= len) {
						*bad_line = open_line;
						snprintf(err, errlen, "a quoted field is not closed");
						goto fail;
					}
					if (data[i] == '"') {
						if (i + 1 < len && data[i + 1] == '"') {
							buf_add(&field, "\"", 1);
							i += 2;
							continue;
						}
						i++;
						break;
					}
					if (data[i] == '\n')
						line++;
					buf_add(&field, data + i, 1);
					i++;
				}
				if (i < len && data[i] != ',' && data[i] != '\n' &&
				    !(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n') &&
				    !(data[i] == '\r' && i + 1 == len)) {
					*bad_line = line;
					snprintf(err, errlen, "text after the closing quote of a field");
					goto fail;
				}
			} else {
				while (i < len && data[i] != ',' && data[i] != '\n' &&
				       !(data[i] == '\r' && (i + 1 == len || data[i + 1] == '\n'))) {
					if (data[i] == '"') {
						*bad_line = line;
						snprintf(err, errlen, "a quote inside an unquoted field");
						goto fail;
					}
					buf_add(&field, data + i, 1);
					i++;
				}
			}
			if (field.len > IMPORT_FIELD_MAX) {
				*bad_line = line;
				snprintf(err, errlen, "a field longer than %u bytes", IMPORT_FIELD_MAX);
				goto fail;
			}
			if (i < len && data[i] == '\0') {
				*bad_line = line;
				snprintf(err, errlen, "a NUL byte");
				goto fail;
			}
			if (field.failed || row_push(&row, &field))
				goto oom;
			if (i >= len) {
				row_end = true;
			} else if (data[i] == ',') {
				i++;
			} else {
				i += data[i] == '\r' ? 2 : 1;
				if (i > len)
					i = len;
				line++;
				row_end = true;
			}
		}
		/* A blank line is no row. */
		if (row.count == 1 && !row.fields[0][0]) {
			free(row.fields[0]);
			free(row.fields);
			continue;
		}
		if (f->count == f->alloc) {
			size_t grow = f->alloc ? f->alloc * 2 : 64;
			struct csv_row *g = realloc(f->rows, grow * sizeof(*g));
			if (!g) {
				for (size_t k = 0; k < row.count; k++)
					free(row.fields[k]);
				free(row.fields);
				goto oom_row;
			}
			f->rows = g;
			f->alloc = grow;
		}
		f->rows[f->count++] = row;
		continue;
oom:
		for (size_t k = 0; k < row.count; k++)
			free(row.fields[k]);
		free(row.fields);
		buf_release(&field);
oom_row:
		*bad_line = 0;
		snprintf(err, errlen, "out of memory");
		return -1;
fail:
		for (size_t k = 0; k < row.count; k++)
			free(row.fields[k]);
		free(row.fields);
		buf_release(&field);
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Reads a whole file (or standard input) up to IMPORT_MAX_BYTES. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *data = NULL;
	size_t cap = 0, n = 0;
	if (!f) {
		diag("%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= IMPORT_MAX_BYTES) {
				diag("%s: larger than %u MiB", path, IMPORT_MAX_BYTES >> 20);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			char *g = realloc(data, cap + 1);
			if (!g) {
				diag("%s: out of memory", path);
				goto fail;
			}
			data = g;
		}
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		diag("%s: read error", path);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
fail:
	if (f != stdin)
		fclose(f);
	free(data);
	return NULL;
}

struct import_error {
	size_t line;
	char msg[512];
};

struct import_errors {
	struct import_error *items;
	size_t count, alloc;
	bool oom;
};

static void import_error(struct import_errors *e, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void import_error(struct import_errors *e, size_t line, const char *fmt, ...)
{
	va_list ap;
	if (e->count == e->alloc) {
		size_t grow = e->alloc ? e->alloc * 2 : 16;
		struct import_error *g = realloc(e->items, grow * sizeof(*g));
		if (!g) {
			e->oom = true;
			return;
		}
		e->items = g;
		e->alloc = grow;
	}
	struct import_error *it = &e->items[e->count++];
	it->line = line;
	va_start(ap, fmt);
	vsnprintf(it->msg, sizeof(it->msg), fmt, ap);
	va_end(ap);
}

/* A field as shown in a message: at most 40 bytes, control bytes as '?'. */
static const char *shown(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	for (; *s && n + 1 < cap && n < 40; s++)
		out[n++] = (unsigned char)*s < 0x20 ? '?' : *s;
	out[n] = '\0';
	if (*s && n + 4 < cap)
		memcpy(out + n, "...", 4);
	return out;
}

struct id_line {
	const char *id;
	size_t line;
};

static int id_line_cmp(const void *a, const void *b)
{
	const struct id_line *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

static const char *login_name(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : NULL;
}

static int review_import(const char *db_path, const char *file, const char *reviewer, bool dry_run)
{
	struct csv_file csv = { 0 };
	struct import_errors errs = { 0 };
	struct db_verdict *verdicts = NULL;
	size_t *lines = NULL, nverdicts = 0, skipped = 0, len = 0, bad_line = 0;
	char err[1024], tmp[64];
	int status = EXIT_USAGE;
	struct db_store *db = open_db(db_path);
	char *data = db ? slurp(file, &len) : NULL;
	if (!data)
		goto out;
	if (memchr(data, '\0', len)) {
		import_error(&errs, 0, "a NUL byte: not a CSV text file");
	} else if (csv_parse(data, len, &csv, &bad_line, err, sizeof(err))) {
		import_error(&errs, bad_line, "%s", err);
	} else if (!csv.count) {
		import_error(&errs, 0, "empty: no header line");
	}
	if (errs.count)
		goto report;

	/* The header names the columns; order and extra columns are free. */
	const struct csv_row *head = &csv.rows[0];
	int col_id = -1, col_verdict = -1, col_note = -1, col_reviewer = -1;
	for (size_t k = 0; k < head->count; k++) {
		char *name = trim(head->fields[k]);
		lower(name);
		int *slot = !strcmp(name, "finding_id") ? &col_id : !strcmp(name, "verdict") ? &col_verdict
		            : !strcmp(name, "note") ? &col_note : !strcmp(name, "reviewer") ? &col_reviewer : NULL;
		if (slot && *slot >= 0)
			import_error(&errs, head->line, "column '%s' appears twice", name);
		else if (slot)
			*slot = (int)k;
	}
	if (col_id < 0)
		import_error(&errs, head->line, "no finding_id column in the header");
	if (col_verdict < 0)
		import_error(&errs, head->line, "no verdict column in the header");
	if (errs.count)
		goto report;

	verdicts = calloc(csv.count, sizeof(*verdicts));
	lines = calloc(csv.count, sizeof(*lines));
	if (!verdicts || !lines) {
		diag("out of memory");
		goto out;
	}
	for (size_t r = 1; r < csv.count; r++) {
		struct csv_row *row = &csv.rows[r];
		if (row->count != head->count) {
			import_error(&errs, row->line, "%zu fields, the header has %zu", row->count, head->count);
			continue;
		}
		char *id = trim(row->fields[col_id]);
		char *verdict = trim(row->fields[col_verdict]);
		lower(id);
		lower(verdict);
		if (!*id && !*verdict) {
			bool blank = true;
			for (size_t k = 0; k < row->count; k++)
				blank &= !*trim(row->fields[k]);
			if (!blank)
				import_error(&errs, row->line, "no finding id");
			continue;
		}
		if (!*id) {
			import_error(&errs, row->line, "a verdict without a finding id");
			continue;
		}
		if (!db_finding_id_valid(id)) {
			import_error(&errs, row->line, "'%s' is not a finding id", shown(id, tmp, sizeof(tmp)));
			continue;
		}
		if (*verdict && !db_verdict_valid(verdict)) {
			import_error(&errs, row->line, "verdict '%s' is not tp, fp or unsure",
			             shown(verdict, tmp, sizeof(tmp)));
			continue;
		}
		int known = db_review_known(db, id, err, sizeof(err));
		if (known < 0) {
			diag("%s: %s", db_path, err);
			goto out;
		}
		if (!known) {
			import_error(&errs, row->line, "unknown finding id '%s' (not in %s)", id, db_path);
			continue;
		}
		/* Rows without a verdict are not reviewed yet; ids still checked. */
		lines[nverdicts] = row->line;
		verdicts[nverdicts++] = (struct db_verdict){
			.finding_id = id,
			.verdict = *verdict ? verdict : NULL,
			.reviewer = col_reviewer >= 0 && *trim(row->fields[col_reviewer])
			            ? trim(row->fields[col_reviewer]) : reviewer,
			.note = col_note >= 0 ? row->fields[col_note] : NULL,
		};
	}
	/* Duplicates: the ids sorted, each with its line. */
	{
		struct id_line *sorted = malloc((nverdicts ? nverdicts : 1) * sizeof(*sorted));
		if (!sorted) {
			diag("out of memory");
			goto out;
		}
		for (size_t i = 0; i < nverdicts; i++)
			sorted[i] = (struct id_line){ verdicts[i].finding_id, lines[i] };
		qsort(sorted, nverdicts, sizeof(*sorted), id_line_cmp);
		for (size_t i = 1; i < nverdicts; i++)
			if (!strcmp(sorted[i].id, sorted[i - 1].id)) {
				size_t a = sorted[i - 1].line, b = sorted[i].line;
				import_error(&errs, a > b ? a : b, "finding %s is also on line %zu",
				             sorted[i].id, a < b ? a : b);
			}
		free(sorted);
	}
	if (errs.count)
		goto report;

	/* Only the rows with a verdict are written. */
	size_t kept = 0;
	for (size_t i = 0; i < nverdicts; i++) {
		if (!verdicts[i].verdict) {
			skipped++;
			continue;
		}
		verdicts[kept++] = verdicts[i];
	}
	if (dry_run) {
		printf("%s: %zu verdicts, %zu rows without a verdict; nothing imported (--dry-run)\n",
		       file, kept, skipped);
		status = EXIT_FINISHED;
		goto out;
	}
	char when[32];
	size_t added, changed, unchanged;
	now_utc(when, sizeof(when));
	if (db_review_import(db, verdicts, kept, when, &added, &changed, &unchanged, err, sizeof(err))) {
		diag("%s: %s; nothing imported", db_path, err);
		goto out;
	}
	diag("%s: %zu verdicts imported (%zu new, %zu changed, %zu unchanged), %zu rows without a"
	     " verdict", file, kept, added, changed, unchanged, skipped);
	status = EXIT_FINISHED;
	goto out;
report:
	for (size_t i = 0; i < errs.count && i < IMPORT_ERRORS_SHOWN; i++) {
		if (errs.items[i].line)
			diag("%s:%zu: %s", file, errs.items[i].line, errs.items[i].msg);
		else
			diag("%s: %s", file, errs.items[i].msg);
	}
	if (errs.count > IMPORT_ERRORS_SHOWN)
		diag("%s: ... and %zu more errors", file, errs.count - IMPORT_ERRORS_SHOWN);
	diag("%s: %zu error%s; nothing imported", file, errs.count, errs.count == 1 ? "" : "s");
out:
	if (errs.oom)
		diag("out of memory");
	free(errs.items);
	free(verdicts);
	free(lines);
	csv_file_release(&csv);
	free(data);
	db_close(db);
	return status;
}

/* ---- stats ---- */

static const char *stat_status(const struct db_review_stat *s)
{
	if (s->measured)
		return "measured";
	if (s->reviewed)
		return "unsure only";
	return s->findings ? "never reviewed" : "no findings";
}

static void text_row(FILE *out, const char *name, const char *category, const struct db_review_stat *s)
{
	if (category)
		fprintf(out, "%-34s %-14s", name, category);
	else
		fprintf(out, "%-49s", name);
	fprintf(out, " %9lld %8lld", (long long)s->findings, (long long)s->reviewed);
	if (!s->measured) {
		if (s->reviewed)
			fprintf(out, " %5lld %5lld %6lld", (long long)s->tp, (long long)s->fp,
			        (long long)s->unsure);
		fprintf(out, "  %s\n", stat_status(s));
		return;
	}
	fprintf(out, " %5lld %5lld %6lld  %6.4f [%6.4f, %6.4f]  %9.1f [%.1f, %.1f]\n", (long long)s->tp,
	        (long long)s->fp, (long long)s->unsure, s->precision, s->low, s->high, s->true_est,
	        s->true_low, s->true_high);
}

static void text_header(FILE *out, const char *first, bool with_category)
{
	if (with_category)
		fprintf(out, "%-34s %-14s", first, "category");
	else
		fprintf(out, "%-49s", first);
	fprintf(out, " %9s %8s %5s %5s %6s  %-24s  %s\n", "findings", "reviewed", "tp", "fp",
	        "unsure", "precision [95% interval]", "est. true [95% interval]");
}

static void json_num(FILE *out, const char *key, bool set, double v)
{
	fprintf(out, ",\"%s\":", key);
	if (set)
		fprintf(out, "%.6g", v);
	else
		fputs("null", out);
}

static void json_stat(FILE *out, const char *name_key, const struct db_review_stat *s, bool category)
{
	fputc('{', out);
	if (name_key) {
		fprintf(out, "\"%s\":", name_key);
		json_write_string(out, s->name, strlen(s->name));
		if (!category) {
			fputs(",\"category\":", out);
			json_write_string(out, s->category, strlen(s->category));
		}
		fputc(',', out);
	}
	fprintf(out, "\"status\":\"%s\",\"findings\":%lld,\"reviewed\":%lld,\"tp\":%lld,\"fp\":%lld,"
	        "\"unsure\":%lld", stat_status(s), (long long)s->findings, (long long)s->reviewed,
	        (long long)s->tp, (long long)s->fp, (long long)s->unsure);
	json_num(out, "precision", s->measured, s->precision);
	json_num(out, "wilson_low", s->measured, s->low);
	json_num(out, "wilson_high", s->measured, s->high);
	json_num(out, "estimated_true", s->measured, s->true_est);
	json_num(out, "estimated_true_low", s->measured, s->true_low);
	json_num(out, "estimated_true_high", s->measured, s->true_high);
	if (category) {
		fputs(",\"from_rules\":", out);
		if (s->by_rules)
			fprintf(out, "{\"estimated_true\":%.6g,\"estimated_true_low\":%.6g,"
			        "\"estimated_true_high\":%.6g}", s->rules_true_est, s->rules_true_low,
			        s->rules_true_high);
		else
			fputs("null", out);
	}
	fputc('}', out);
}

static int review_stats(const char *db_path, long long run_arg, bool json)
{
	struct db_review_stats st;
	char err[1024];
	int status = EXIT_USAGE;
	struct db_store *db = open_db(db_path);
	if (!db)
		return EXIT_USAGE;
	int64_t run = pick_run(db, db_path, run_arg, NULL, 0, NULL);
	if (!run)
		goto out;
	if (db_review_stats(db, run, &st, err, sizeof(err))) {
		diag("%s: %s", db_path, err);
		goto out;
	}
	FILE *out = stdout;
	if (json) {
		fprintf(out, "{\"run\":%lld,\"z\":%.6f,\"confidence\":0.95,\"verdicts\":%lld,"
		        "\"verdicts_elsewhere\":%lld,\"total\":", (long long)st.run_id, st.z,
		        (long long)st.verdicts, (long long)st.verdicts_elsewhere);
		json_stat(out, NULL, &st.total, false);
		fputs(",\"rules\":[", out);
		for (size_t i = 0; i < st.rule_count; i++) {
			fputs(i ? ",\n" : "\n", out);
			json_stat(out, "rule", &st.rules[i], false);
		}
		fputs("],\"categories\":[", out);
		for (size_t i = 0; i < st.category_count; i++) {
			fputs(i ? ",\n" : "\n", out);
			json_stat(out, "category", &st.categories[i], true);
		}
		fputs("]}\n", out);
	} else {
		size_t idle = 0;
		fprintf(out, "run %lld: %lld findings (placeholders aside), %lld reviewed: %lld tp, %lld fp,"
		        " %lld unsure\n", (long long)st.run_id, (long long)st.total.findings,
		        (long long)st.total.reviewed, (long long)st.total.tp, (long long)st.total.fp,
		        (long long)st.total.unsure);
		fputs("precision = tp / (tp + fp), 95% Wilson score interval; est. true = findings x"
		      " precision\n\n", out);
		text_header(out, "rule", true);
		for (size_t i = 0; i < st.rule_count; i++) {
			if (!st.rules[i].findings && !st.rules[i].reviewed) {
				idle++;
				continue;
			}
			text_row(out, st.rules[i].name, st.rules[i].category, &st.rules[i]);
		}
		if (idle)
			fprintf(out, "(%zu more rules found nothing in this run)\n", idle);
		fputc('\n', out);
		text_header(out, "category", false);
		for (size_t i = 0; i < st.category_count; i++)
			if (st.categories[i].findings || st.categories[i].reviewed)
				text_row(out, st.categories[i].name, NULL, &st.categories[i]);
		text_row(out, "all", NULL, &st.total);
		if (st.verdicts_elsewhere)
			fprintf(out, "\n%lld verdicts in this database are on findings not in run %lld\n",
			        (long long)st.verdicts_elsewhere, (long long)st.run_id);
	}
	db_review_stats_release(&st);
	if (fflush(stdout) || ferror(stdout)) {
		diag("standard output: write error");
		status = EXIT_UNREADABLE;
		goto out;
	}
	status = EXIT_FINISHED;
out:
	db_close(db);
	return status;
}

/* ---- the command ---- */

enum {
	OPT_DB = 256, OPT_RUN, OPT_PER_RULE, OPT_PER_CATEGORY, OPT_SEED, OPT_CONTEXT, OPT_REVEAL,
	OPT_KEY, OPT_ROOT, OPT_REVIEWER, OPT_DRY_RUN, OPT_FORMAT,
};

int cmd_review(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "per-rule", required_argument, NULL, OPT_PER_RULE },
		{ "per-category", required_argument, NULL, OPT_PER_CATEGORY },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "context", required_argument, NULL, OPT_CONTEXT },
		{ "reveal", no_argument, NULL, OPT_REVEAL },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "output", required_argument, NULL, 'o' },
		{ "reviewer", required_argument, NULL, OPT_REVIEWER },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sample_options so = { .db_path = "piiaudit.db", .context = CONTEXT_DEFAULT, .per = -1 };
	const char *reviewer = NULL, *format = "text", *action;
	bool dry_run = false, per_rule = false, per_category = false;
	/* Which options each action takes, to refuse the others. */
	unsigned given = 0;
	int c;
	if (argc < 2) {
		review_usage(stderr);
		return EXIT_USAGE;
	}
	action = argv[1];
	if (!strcmp(action, "--help") || !strcmp(action, "-h")) {
		review_usage(stdout);
		return EXIT_FINISHED;
	}
	if (strcmp(action, "sample") && strcmp(action, "import") && strcmp(action, "stats"))
		return usage_error("review", "'%s' is not sample, import or stats", action);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":o:h", longopts, NULL)) != -1) {
		if (c >= OPT_DB && c <= OPT_FORMAT)
			given |= 1u << (c - OPT_DB);
		switch (c) {
		case OPT_DB: so.db_path = optarg; break;
		case OPT_RUN:
			if (parse_count(optarg, 1, INT64_MAX, &so.run))
				return usage_error("review", "--run takes a run id, not '%s'", optarg);
			break;
		case OPT_PER_RULE:
		case OPT_PER_CATEGORY:
			if (parse_count(optarg, 1, 1000000, &so.per))
				return usage_error("review", "--%s takes a number from 1 to 1000000, not '%s'",
				                   c == OPT_PER_RULE ? "per-rule" : "per-category", optarg);
			per_rule |= c == OPT_PER_RULE;
			per_category |= c == OPT_PER_CATEGORY;
			break;
		case OPT_SEED:
			if (parse_count(optarg, 0, INT64_MAX, &so.seed))
				return usage_error("review", "--seed takes a number, not '%s'", optarg);
			break;
		case OPT_CONTEXT:
			if (parse_count(optarg, 0, CONTEXT_MAX, &so.context))
				return usage_error("review", "--context takes a number from 0 to %d, not '%s'",
				                   CONTEXT_MAX, optarg);
			break;
		case OPT_REVEAL: so.reveal = true; break;
		case OPT_KEY: so.key_path = optarg; break;
		case OPT_ROOT: so.root = optarg; break;
		case 'o': so.out_path = optarg; given |= 1u << 31; break;
		case OPT_REVIEWER: reviewer = optarg; break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_FORMAT: format = optarg; break;
		case 'h': review_usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option("review", c, argv + 1);
		}
	}
	int first_arg = optind + 1;
#define GIVEN(o) (given & (1u << ((o) - OPT_DB)))
	if (!strcmp(action, "sample")) {
		if (GIVEN(OPT_REVIEWER) || GIVEN(OPT_DRY_RUN) || GIVEN(OPT_FORMAT))
			return usage_error("review", "sample takes no --reviewer, --dry-run or --format");
		if (first_arg < argc)
			return usage_error("review", "unexpected argument '%s'", argv[first_arg]);
		if (per_rule == per_category)
			return usage_error("review", "sample needs one of --per-rule N or --per-category N");
		so.by = per_rule ? DB_STRATUM_RULE : DB_STRATUM_CATEGORY;
		return review_sample(&so);
	}
	if (!strcmp(action, "import")) {
		if (given & ~((1u << (OPT_DB - OPT_DB)) | (1u << (OPT_REVIEWER - OPT_DB)) |
		              (1u << (OPT_DRY_RUN - OPT_DB))))
			return usage_error("review", "import takes only --db, --reviewer and --dry-run");
		if (first_arg >= argc)
			return usage_error("review", "import needs the reviewed CSV file (or - for stdin)");
		if (first_arg + 1 < argc)
			return usage_error("review", "import takes one file, not '%s' too", argv[first_arg + 1]);
		if (!reviewer)
			reviewer = login_name();
		return review_import(so.db_path, argv[first_arg], reviewer, dry_run);
	}
	if (given & ~((1u << (OPT_DB - OPT_DB)) | (1u << (OPT_RUN - OPT_DB)) | (1u << (OPT_FORMAT - OPT_DB))))
		return usage_error("review", "stats takes only --db, --run and --format");
	if (first_arg < argc)
		return usage_error("review", "unexpected argument '%s'", argv[first_arg]);
	if (strcmp(format, "text") && strcmp(format, "json"))
		return usage_error("review", "unknown format '%s' (text or json)", format);
	return review_stats(so.db_path, so.run, !strcmp(format, "json"));
#undef GIVEN
}
