/*
 * audit/cmd_scan.c - piiaudit scan: read sources, match rules, record.
 *
 * The main thread parses options, loads rules, the key and the database,
 * lists the sources, then runs --jobs workers and draws progress.  Each
 * worker owns a reader (block stream, libarchive handles), a matcher and a
 * batch of findings; it takes the next source from a shared index.  The
 * store serialises writes, so SQLite sees one writer; a source's findings
 * and its final state commit together (in a transaction that groups the
 * sources of a second: db_grouping(); WAL checkpoints run beside it on a
 * thread of the store's, db/checkpointer.c).  Windows
 * go to a pool of matching threads (scanners/scan_pool.h), up to
 * pipeline_depth() per worker, and their findings are recorded in order.
 * A source's end waits in that ring behind its windows while the worker
 * reads the next source (unit_end()).  With --field, records' fields go
 * to the pool in batches of segments; a record over RECORD_NOW_BYTES is
 * matched in the worker (match_now()), so memory stays bounded whatever
 * --max-record-bytes allows.
 *
 * SIGINT or SIGTERM stops the workers at the next window, or at once
 * where one waits for a pipe or FIFO (WAKE_SIGNAL); the sources in flight
 * are marked interrupted, the run too, and the exit status is 130/143.
 * A second SIGINT exits at once.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "db/settings.h"
#include "db/store.h"
#include "db/xref.h"
#include "scanners/csv_fields.h"
#include "scanners/field_paths.h"
#include "rules/validators.h"
#include "scanners/json_fields.h"
#include "scanners/mem_budget.h"
#include "scanners/reader.h"
#include "scanners/scan_pool.h"
#include "scanners/shard.h"
#include "scanners/walk.h"

#define BATCH_FINDINGS 4096

/* Windows a worker may have in the scan pool at once: enough that reading,
 * inflating and recording (a batch commit takes tens of milliseconds) keep
 * overlapping with matching.  About PIPELINE_WINDOWS windows of a megabyte
 * in all, shared by the workers, each between the two bounds: 3 windows
 * in flight gave 2.95 s on one .gz with 2 jobs, 8 gave 2.65 s, 16 2.45 s
 * (tests/bench corpus, 200 MB); with several workers, each reading its own
 * source, depth gains little and costs memory. */
#define PIPELINE_DEPTH 16
#define PIPELINE_MIN 3
#define PIPELINE_WINDOWS 16

static size_t pipeline_depth(size_t workers)
{
	size_t depth = PIPELINE_WINDOWS / (workers ? workers : 1);
	return depth < PIPELINE_MIN ? PIPELINE_MIN : depth > PIPELINE_DEPTH ? PIPELINE_DEPTH : depth;
}

/* The hits of the windows in the pool take memory in proportion to how
 * dense the findings are: a 70 MB file of an e-mail address and an IPv4
 * address a line (2 jobs) held 118-175 MiB, most of it the hits of 16
 * matched windows waiting to be recorded (pipeline_full() now: 77 MiB).
 * So no window goes to the pool while those in it would hold more than
 * PIPELINE_HIT_BYTES of hits (shared by the workers), unless fewer than
 * PIPELINE_MIN are in flight; and a task's hit array above
 * HITS_KEPT_BYTES is freed once recorded, so that each slot of the ring
 * does not keep one.  Where sparse text turns dense, the windows already
 * queued may still hold more, once. */
#define PIPELINE_HIT_BYTES (16u << 20)
#define HITS_KEPT_BYTES (256u << 10)
#define POOL_MIN_WINDOW (64 << 10)

struct scan_options {
	const char *db_path;
	const char *key_path;
	const char *label;
	struct rule_options rules;
	struct rule_strings fail_on;
	unsigned jobs;
	bool store_values;
	bool quiet;
	int progress;               /* -1: when stderr is a terminal */
	bool follow;
	bool resume;                /* --resume: continue the unfinished run */
	unsigned wait;              /* --wait: seconds to wait for a locked database */
	uint64_t max_decoder_memory; /* --max-decoder-memory; 0: no limit */
	struct scan_limits limits;
	struct json_paths fields;   /* --field: JSON record mode when any */
	struct path_exclude exclude; /* --exclude: files and members not read */
	const char *files_from;     /* --files-from: a list of paths ("-": stdin) */
	bool null_list;             /* --null: that list is NUL-separated */
	const char *plan_path;      /* --plan */
	long shard_index;           /* --shard K[/N]; -1: none */
	unsigned shard_count;       /* N of K/N, 0 with a plan */
	const char *id_field;       /* probe --id-field: its index in fields is id_index */
	size_t id_index;
};

struct scan_job {
	const struct scan_options *opt;
	const struct scan_mode *mode;
	struct ruleset *rules;
	struct db_store *db;
	struct field_paths *field_paths;    /* --field '*': the paths recorded */
	struct scan_pool *pool;             /* matches windows; NULL: workers match */
	struct db_key key;
	int64_t run_id;
	struct walk_list files;
	atomic_size_t next;
	atomic_uint_fast64_t bytes_read;     /* decompressed, all workers */
	atomic_uint_fast64_t disk_bytes_done;/* sizes of the files finished */
	atomic_uint_fast64_t findings;
	atomic_uint_fast64_t sources_failed;
	atomic_uint_fast64_t skipped_binary; /* files and members with NUL bytes */
	atomic_uint_fast64_t excluded_members; /* archive members left out by --exclude */
	atomic_uint workers_done;
	atomic_bool db_failed;
	pthread_mutex_t done_lock;          /* with done_cond: a worker finished */
	pthread_cond_t done_cond;
};

/* Field mode: one segment of a batch, a selected field of a record (or a
 * record read as text), with what its findings need. */
struct segment {
	int64_t record;
	uint64_t line;              /* where the record starts */
	uint64_t raw_base;          /* member offset of the raw bytes */
	size_t raw_at, raw_len;     /* the raw bytes in raw[] when they differ from
	                             * the text matched (escapes; 0: they do not),
	                             * to map hits back through (map_hits()) */
	const char *field;          /* NULL: the record read as text */
	size_t prefix;              /* bytes before the text: its field's name
	                             * (rule_matcher_scan_field()) */
	unsigned char csv_sep;      /* how raw decodes: 0 JSON, else a CSV cell */
};

/* A window in the scan pool, with what its findings need; a batch of
 * fields of one unit's records (the task's segments); or the end of a
 * unit whose windows are ahead of it in the ring (unit_end()). */
struct pending_window {
	struct scan_task task;
	struct unit_state *unit;
	uint64_t base;              /* of the window in the member */
	uint64_t line_from;         /* line of the first accepted byte */
	int64_t record;             /* the findings' record number, 0: none */
	bool unit_end;              /* no window: finish `unit` */
	bool batch;                 /* segments, described in segs */
	struct segment *segs;
	size_t seg_alloc;
	unsigned char *raw;         /* raw bytes of segments with escapes */
	size_t raw_len, raw_cap;
};

/* Field mode hands the pool a batch once its text reaches this. */
#define BATCH_TEXT_BYTES (256u << 10)
/* A record longer than this is matched in the worker (match_now()), not
 * copied into a batch with its raw bytes: a batch slot then holds at most
 * about BATCH_TEXT_BYTES + RECORD_NOW_BYTES, twice (text and raw), and
 * the worker's buffers are the record and its decoded field, whatever
 * --max-record-bytes allows. */
#define RECORD_NOW_BYTES (1u << 20)

struct worker {
	struct scan_job *job;
	pthread_t thread;
	struct rule_matcher *matcher;       /* records, and windows without a pool */
	struct pending_window pending[PIPELINE_DEPTH];   /* a ring of depth, oldest first */
	size_t depth;                                    /* pipeline_depth() */
	size_t pending_head, pending_count;
	size_t hit_budget;                  /* PIPELINE_HIT_BYTES, this worker's share */
	size_t last_hit_bytes;              /* the hits of the last window recorded */
	/* Field mode: the batch being filled, the slot after the pending ones
	 * (not yet submitted, not counted); NULL when none. */
	struct pending_window *open_batch;
	/* map_hits(): the decoded positions of a text's hits (start and end
	 * of each), sorted, and their raw offsets, in one block. */
	void *positions;
	size_t position_bytes;
	struct scan_reader *reader;
	struct rule_hit *hits;
	size_t hit_count, hit_alloc;
	struct db_finding *batch;
	size_t batch_count;
	int failed_to_start;
	/* Field mode: a record's decoded field (hits are mapped back to raw
	 * offsets by map_hits()). */
	unsigned char *decoded;
	size_t decoded_alloc;
	/* --field '*': the keys above the value handed out, and its raw path. */
	struct json_keys keys;
	unsigned char *field_key;
	size_t field_key_alloc;
	bool record_now;                    /* its fields matched here: match_now() */
	const struct scan_record *record;   /* the record being walked */
	struct unit_state *record_unit;
	/* probe --id-field: the record's prompt id, and where ids are written. */
	struct db_outrec_writer *outrec;
	char prompt_id[DB_PROMPT_ID_MAX];
	size_t prompt_id_len;
	bool have_prompt_id;
};

#define INVALID_LINES_NOTED 5

/* One unit the reader told us about: its source row. */
struct unit_state {
	struct db_source src;
	struct unit_state *parent;  /* the enclosing archive, or NULL */
	bool container;
	bool member;
	uint64_t empty_members;     /* containers: empty members not listed */
	uint64_t excluded_members;  /* containers: members left out by --exclude */
	uint64_t invalid_lines[INVALID_LINES_NOTED];
	char note[256];
	uint64_t newlines;          /* probe, text: each line is one output */
	unsigned char last_byte;
	/* CSV in field mode: the header's columns, and what was wrong with
	 * it (a named column missing, or no usable header): the source's
	 * error.  invalid_lines holds row numbers for CSV. */
	struct csv_columns csv;
	bool csv_rows, csv_header_bad;
	char csv_problem[200];
	char sha256[65];            /* the input's content hash, top-level units */
	/* Field mode: the record too long to hold whose bytes come as
	 * windows now (read as text); 0 when none. */
	int64_t text_record;
	/* An end waiting behind the unit's windows in the ring: what the
	 * reader said, with copies of the strings it owns. */
	enum scan_status end_status;
	uint64_t end_bytes;
	char *kept[4];              /* path, member, format, reason */
};

static volatile int got_signal;   /* sig_atomic_t is int here; the reader takes an int */

static void on_signal(int signo)
{
	if (got_signal == SIGINT && signo == SIGINT)
		_exit(EXIT_SIGINT);
	got_signal = signo;
}

/* SIGINT lands on whichever thread the kernel picks, mostly the main one,
 * while a worker may sit in read() on a pipe or FIFO that sends nothing.
 * Once a stop is asked the main thread sends the workers WAKE_SIGNAL,
 * whose handler does nothing and is installed without SA_RESTART: the
 * read returns EINTR, the reader sees the cancel flag and the worker
 * stops at once instead of when the writer next writes or closes.
 * SIGURG is ignored by default, so one sent from outside stays harmless. */
#define WAKE_SIGNAL SIGURG

static void on_wake(int signo)
{
	(void)signo;
}

static bool stopping(const struct scan_job *job)
{
	return got_signal || atomic_load(&job->db_failed);
}

static const char *kind_name(enum scan_unit_kind kind)
{
	switch (kind) {
	case SCAN_UNIT_STDIN: return "stdin";
	case SCAN_UNIT_ARCHIVE: return "archive";
	case SCAN_UNIT_MEMBER: return "member";
	default: return "file";
	}
}

/* A database error, with what to do about a lock held too long. */
static void db_diag(const struct scan_job *job)
{
	const char *msg = db_error(job->db);
	if (strstr(msg, "database is locked")) {
		if (got_signal)
			diag("%s: %s (another process is writing it; stopped waiting: interrupted)",
			     job->opt->db_path, msg);
		else
			diag("%s: %s (another process is writing it; waited %u s, see --wait)",
			     job->opt->db_path, msg, job->opt->wait);
	} else {
		diag("%s: %s", job->opt->db_path, msg);
	}
}

static void db_failure(struct scan_job *job)
{
	if (!atomic_exchange(&job->db_failed, true))
		db_diag(job);
}

static int drain_pending(struct worker *w);
static int retire_oldest(struct worker *w);
static int retire_batch(struct worker *w, struct pending_window *p);
static int retire_window(struct worker *w, struct pending_window *p);
static void finish_unit(struct worker *w, struct unit_state *us, enum scan_status status,
                        const char *reason, uint64_t bytes, const char *format);

static void *unit_begin(void *ctx, const struct scan_unit *unit, void *parent)
{
	struct worker *w = ctx;
	/* Prompt ids are written as their outputs are recorded: in order. */
	if (w->outrec)
		drain_pending(w);
	struct unit_state *us = calloc(1, sizeof(*us));
	if (!us)
		return NULL;
	us->container = unit->container;
	us->member = unit->kind == SCAN_UNIT_MEMBER;
	us->parent = parent;
	us->src = (struct db_source){
		.run_id = w->job->run_id,
		.parent_id = parent ? ((struct unit_state *)parent)->src.id : 0,
		.path = unit->path, .member = unit->member, .kind = kind_name(unit->kind),
		.format = unit->format, .size = unit->size, .status = "scanning", .records = -1,
	};
	if (!unit->container && w->job->mode->leaf_kind)
		us->src.kind = w->job->mode->leaf_kind;
	/* Prompt ids name their source row: it must exist before them. */
	if ((unit->container || w->outrec) && db_source_insert(w->job->db, &us->src))
		db_failure(w->job);
	return us;
}

static int collect_hit(void *ctx, const struct rule_hit *hit)
{
	struct worker *w = ctx;
	if (w->hit_count == w->hit_alloc) {
		size_t alloc = w->hit_alloc ? w->hit_alloc * 2 : 1024;
		struct rule_hit *grown = realloc(w->hits, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		w->hits = grown;
		w->hit_alloc = alloc;
	}
	w->hits[w->hit_count++] = *hit;
	return 0;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct rule_hit *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return strcmp(x->rule->id, y->rule->id);
}

/* Of two overlapping hits in one category, the weaker says nothing new:
 * keep the more confident (then the longer).  Returns the kept count. */
static size_t drop_overlaps(struct rule_hit *hits, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct rule_hit *h = &hits[i];
		bool drop = false;
		for (size_t j = kept; j > 0 && kept - j < 16; j--) {
			struct rule_hit *k = &hits[j - 1];
			if (k->start + k->len <= h->start || strcmp(k->rule->category, h->rule->category))
				continue;
			if (h->confidence > k->confidence) {
				*k = *h; /* the new one replaces the old */
			}
			drop = true;
			break;
		}
		if (!drop)
			hits[kept++] = *h;
	}
	return kept;
}

static void batch_clear(struct worker *w)
{
	for (size_t i = 0; i < w->batch_count; i++) {
		/* --store-values: the raw value goes to the database, and no
		 * copy of it stays behind in freed memory. */
		if (w->batch[i].value)
			explicit_bzero(w->batch[i].value, strlen(w->batch[i].value));
		free(w->batch[i].value);
		w->batch[i].value = NULL;
	}
	w->batch_count = 0;
}

static int flush(struct worker *w, struct unit_state *us)
{
	int rc = db_source_commit(w->job->db, &us->src, w->batch, w->batch_count);
	batch_clear(w);
	if (rc)
		db_failure(w->job);
	return rc;
}

/* Sorts hits, drops overlaps within a category; returns the kept count. */
static size_t settle(struct rule_hit *hits, size_t count)
{
	if (!count)
		return 0;
	qsort(hits, count, sizeof(*hits), hit_cmp);
	size_t n = drop_overlaps(hits, count);
	/* A replacement can move a hit: line numbers need positions in order. */
	qsort(hits, n, sizeof(*hits), hit_cmp);
	return n;
}

static size_t settle_hits(struct worker *w)
{
	return settle(w->hits, w->hit_count);
}

/* One finding into the batch: value is the matched (decoded) text. */
static int add_finding(struct worker *w, struct unit_state *us, const struct rule_hit *h,
                       const char *value, uint64_t line, uint64_t offset, uint64_t length,
                       int64_t record, const char *field)
{
	struct scan_job *job = w->job;
	char normal[4096];
	struct db_finding *f = &w->batch[w->batch_count];
	size_t nlen = rule_normalize(h->rule->category, value, h->len, normal, sizeof(normal));
	f->rule = h->rule->id;
	f->category = h->rule->category;
	f->record = record;
	f->field = field;
	f->line = line;
	f->offset = offset;
	f->length = length;
	f->confidence = h->confidence;
	f->placeholder = h->placeholder;
	rule_mask(h->rule->category, value, h->len, f->preview, sizeof(f->preview));
	db_key_fingerprint(&job->key, h->rule->category, normal, nlen, f->fingerprint);
	explicit_bzero(normal, nlen);
	f->value = job->opt->store_values ? strndup(value, h->len) : NULL;
	f->brand = NULL;
	if (!strcmp(h->rule->category, "credit_card")) {
		/* PCI DSS counts PANs by brand: derived now, so no value need be kept. */
		const char *brand = rule_card_brand(value, h->len);
		f->brand = brand ? brand : "unknown";
	}
	w->batch_count++;
	us->src.findings++;
	atomic_fetch_add(&job->findings, 1);
	if (w->batch_count == BATCH_FINDINGS && flush(w, us))
		return 1;
	return 0;
}

/* The oldest window in the pool: waits for it, then records its findings
 * (in window order, so lines count on from the window's first line). */
static int retire_oldest(struct worker *w)
{
	struct scan_job *job = w->job;
	struct pending_window *p = &w->pending[w->pending_head];
	struct scan_task *t = &p->task;
	w->pending_head = (w->pending_head + 1) % w->depth;
	w->pending_count--;
	if (p->unit_end) {
		struct unit_state *us = p->unit;
		p->unit_end = false;
		finish_unit(w, us, us->end_status, us->kept[3], us->end_bytes, us->kept[2]);
		return 0;
	}
	scan_pool_wait(job->pool, t);
	if (t->rc)
		return 1;
	w->last_hit_bytes = t->hit_alloc * sizeof(*t->hits);
	int rc = p->batch ? retire_batch(w, p) : retire_window(w, p);
	if (t->hit_alloc * sizeof(*t->hits) > HITS_KEPT_BYTES) {
		free(t->hits);
		t->hits = NULL;
		t->hit_alloc = t->hit_count = 0;
	}
	return rc;
}

/* Whether the next window (or batch) must wait for the oldest to be
 * recorded: the ring is full, or its windows' hits would take more than
 * the worker's share of PIPELINE_HIT_BYTES.  Those the pool has matched
 * count what they hold; the others as much as the largest of those, or
 * as the last one recorded when none is matched yet. */
static bool pipeline_full(struct worker *w)
{
	if (w->pending_count == w->depth)
		return true;
	if (w->pending_count < PIPELINE_MIN)
		return false;
	size_t held = 0, largest = 0, matched = 0, windows = 0;
	for (size_t i = 0; i < w->pending_count; i++) {
		struct pending_window *p = &w->pending[(w->pending_head + i) % w->depth];
		if (p->unit_end)
			continue;
		windows++;
		if (scan_pool_finished(w->job->pool, &p->task)) {
			size_t bytes = p->task.hit_alloc * sizeof(*p->task.hits);
			held += bytes;
			largest = bytes > largest ? bytes : largest;
			matched++;
		}
	}
	size_t each = matched ? largest : w->last_hit_bytes;
	return held + (windows - matched) * each > w->hit_budget;
}

/* A window's findings, recorded in order. */
static int retire_window(struct worker *w, struct pending_window *p)
{
	struct scan_job *job = w->job;
	struct scan_task *t = &p->task;
	bool lines_are_outputs = job->mode->probe;
	size_t n = settle(t->hits, t->hit_count), at = t->from;
	uint64_t line = p->line_from;
	for (size_t i = 0; i < n; i++) {
		const struct rule_hit *h = &t->hits[i];
		line += scan_count_newlines(t->data + at, h->start - at);
		at = h->start;
		if (add_finding(w, p->unit, h, (const char *)t->data + h->start, line, p->base + h->start,
		                h->len, p->record ? p->record : lines_are_outputs ? (int64_t)line : 0, NULL))
			return 1;
	}
	return 0;
}

/* Room for `need` elements of `size` bytes in *buf (grown to at least
 * twice its size); -1 when out of memory. */
static int room_for(void **buf, size_t *alloc, size_t need, size_t size)
{
	if (need <= *alloc)
		return 0;
	size_t grown_to = need > 2 * *alloc ? need : 2 * *alloc;
	if (grown_to > SIZE_MAX / size)
		return -1;
	void *b = realloc(*buf, grown_to * size);
	if (!b)
		return -1;
	*buf = b;
	*alloc = grown_to;
	return 0;
}

/* Field mode: records' fields are matched in the pool, in batches (a
 * segment each), unless prompt ids must be written as outputs are
 * recorded. */
static bool use_batches(const struct worker *w)
{
	return w->job->pool && !w->outrec;
}

/* The open batch goes to the pool (one with nothing in it is dropped). */
static void close_batch(struct worker *w)
{
	struct pending_window *p = w->open_batch;
	if (!p)
		return;
	w->open_batch = NULL;
	if (!p->task.seg_count) {
		p->batch = false;
		return;
	}
	scan_pool_submit(w->job->pool, &p->task);
	w->pending_count++;
}

/* A text to match alone joins its unit's open batch (one is opened in the
 * ring's next slot).  raw: its raw bytes when they differ from the text
 * (escapes), read again by map_hits() if it has hits; NULL when the text is
 * the raw bytes.  Non-zero when out of memory or a finding could not be
 * recorded. */
static int add_segment(struct worker *w, struct unit_state *us, const unsigned char *text,
                       size_t len, const struct segment *info, const unsigned char *raw,
                       size_t raw_len)
{
	struct pending_window *p = w->open_batch;
	if (p && p->unit != us) {
		close_batch(w);
		p = NULL;
	}
	if (!p) {
		while (pipeline_full(w))
			if (retire_oldest(w))
				return 1;
		p = &w->pending[(w->pending_head + w->pending_count) % w->depth];
		scan_task_clear(&p->task);
		p->unit = us;
		p->unit_end = false;
		p->batch = true;
		p->raw_len = 0;
		w->open_batch = p;
	}
	if (p->task.seg_count == p->seg_alloc) {
		size_t alloc = p->seg_alloc ? p->seg_alloc * 2 : 256;
		struct segment *grown = realloc(p->segs, alloc * sizeof(*grown));
		if (!grown)
			return 1;
		p->segs = grown;
		p->seg_alloc = alloc;
	}
	if (raw && raw_len > p->raw_cap - p->raw_len) {
		size_t cap = p->raw_cap * 2 > p->raw_len + raw_len ? p->raw_cap * 2 : p->raw_len + raw_len;
		unsigned char *grown = realloc(p->raw, cap);
		if (!grown)
			return 1;
		p->raw = grown;
		p->raw_cap = cap;
	}
	struct segment *m = &p->segs[p->task.seg_count];
	*m = *info;
	m->raw_at = p->raw_len;
	m->raw_len = raw ? raw_len : 0;
	if (raw) {
		memcpy(p->raw + p->raw_len, raw, raw_len);
		p->raw_len += raw_len;
	}
	return scan_task_add_segment(&p->task, text - info->prefix, info->prefix + len, info->prefix) ? 1 : 0;
}

/* Where the open batch stood before a record's fields were added, so that
 * they can be taken back when the record turns out not to be valid JSON
 * (it is then read as text, once). */
struct batch_mark {
	const struct pending_window *batch;
	size_t segs, len, raw_len;
};

static void batch_mark(const struct worker *w, struct batch_mark *m)
{
	const struct pending_window *p = w->open_batch;
	*m = (struct batch_mark){ p, p ? p->task.seg_count : 0, p ? p->task.len : 0,
	                          p ? p->raw_len : 0 };
}

static void batch_rollback(struct worker *w, const struct batch_mark *m)
{
	struct pending_window *p = w->open_batch;
	if (!p)
		return;
	/* A batch opened since holds this record's fields only. */
	bool same = p == m->batch;
	p->task.seg_count = same ? m->segs : 0;
	p->task.len = same ? m->len : 0;
	p->raw_len = same ? m->raw_len : 0;
}

/* A batch goes to the pool between records, once it holds enough text. */
static void batch_full(struct worker *w)
{
	if (w->open_batch && w->open_batch->task.len >= BATCH_TEXT_BYTES)
		close_batch(w);
}

/* A decoded position wanted in raw offsets: the start (2k) or end
 * (2k + 1) of hit k. */
struct hit_position {
	size_t at;
	size_t slot;
};

static int position_cmp(const void *a, const void *b)
{
	const struct hit_position *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* The raw offsets of the starts and ends of hits[0, n), found in a text
 * (from text_start) that decodes raw[0, raw_len) (csv_sep: a CSV cell,
 * else a JSON string): *raw_at gets 2n offsets, [2k] hit k's start and
 * [2k + 1] its end.  The decoder's map at these positions only: a field
 * of many MiB needs no map of 4 bytes a byte.  Non-zero when out of
 * memory. */
static int map_hits(struct worker *w, const unsigned char *raw, size_t raw_len, unsigned char csv_sep,
                    const struct rule_hit *hits, size_t n, size_t text_start, const uint64_t **raw_at)
{
	size_t count = 2 * n;
	size_t each = sizeof(struct hit_position) + sizeof(size_t) + 2 * sizeof(uint64_t);
	if (count > SIZE_MAX / each || room_for(&w->positions, &w->position_bytes, count * each, 1))
		return 1;
	struct hit_position *pos = w->positions;
	size_t *sorted = (size_t *)(pos + count);
	uint64_t *raw_sorted = (uint64_t *)(sorted + count), *by_slot = raw_sorted + count;
	for (size_t k = 0; k < n; k++) {
		size_t at = hits[k].start - text_start;
		pos[2 * k] = (struct hit_position){ at, 2 * k };
		pos[2 * k + 1] = (struct hit_position){ at + hits[k].len, 2 * k + 1 };
	}
	qsort(pos, count, sizeof(*pos), position_cmp);
	for (size_t j = 0; j < count; j++)
		sorted[j] = pos[j].at;
	if (csv_sep)
		csv_decode_offsets(raw, raw_len, sorted, count, raw_sorted);
	else
		json_decode_offsets(raw, raw_len, sorted, count, raw_sorted);
	for (size_t j = 0; j < count; j++)
		by_slot[pos[j].slot] = raw_sorted[j];
	*raw_at = by_slot;
	return 0;
}

/* The findings of hits[0, n) in a text (from text_start) that is segment
 * info's; raw as add_segment() takes it. */
static int record_segment_hits(struct worker *w, struct unit_state *us, const struct segment *info,
                               const unsigned char *raw, const struct rule_hit *hits, size_t n,
                               const unsigned char *text, size_t text_start)
{
	const uint64_t *map = NULL;
	if (raw && map_hits(w, raw, info->raw_len, info->csv_sep, hits, n, text_start, &map))
		return 1;
	for (size_t k = 0; k < n; k++) {
		const struct rule_hit *h = &hits[k];
		size_t at = h->start - text_start;
		uint64_t raw_start = map ? map[2 * k] : at, raw_end = map ? map[2 * k + 1] : at + h->len;
		if (add_finding(w, us, h, (const char *)text + h->start, info->line,
		                info->raw_base + raw_start, raw_end - raw_start, info->record, info->field))
			return 1;
	}
	return 0;
}

/* A batch's findings: each segment's hits settled alone and mapped back
 * to the raw bytes of its field (through the escapes it had). */
static int retire_batch(struct worker *w, struct pending_window *p)
{
	struct scan_task *t = &p->task;
	size_t h0 = 0, start = 0;
	for (size_t i = 0; i < t->seg_count; h0 = t->seg_hits[i], i++) {
		if (t->seg_hits[i] == h0)
			continue;
		start = t->seg_text[i];
		const struct segment *m = &p->segs[i];
		size_t n = settle(t->hits + h0, t->seg_hits[i] - h0);
		if (record_segment_hits(w, p->unit, m, m->raw_len ? p->raw + m->raw_at : NULL, t->hits + h0, n,
		                        t->data, start))
			return 1;
	}
	return 0;
}

/* A text matched here in the worker, its findings recorded at once:
 * the fields of a record when prompt ids are written in order, or of one
 * too large to copy into a batch (RECORD_NOW_BYTES), after what the pool
 * holds.  raw as add_segment() takes it.  Non-zero when out of memory or
 * a finding could not be recorded. */
static int match_now(struct worker *w, struct unit_state *us, const unsigned char *text, size_t len,
                     const struct segment *info, const unsigned char *raw, size_t raw_len)
{
	struct segment seg = *info;
	seg.raw_len = raw ? raw_len : 0;
	w->hit_count = 0;
	if (rule_matcher_scan_field(w->matcher, text - info->prefix, info->prefix, info->prefix + len,
	                            collect_hit, w))
		return 1;
	size_t n = settle_hits(w);
	return n ? record_segment_hits(w, us, &seg, raw, w->hits, n, text, 0) : 0;
}

/* Every window in the pool recorded; non-zero when one could not be. */
static int drain_pending(struct worker *w)
{
	int rc = 0;
	close_batch(w);
	while (w->pending_count)
		rc |= retire_oldest(w);
	return rc;
}

static int unit_window(void *ctx, void *handle, struct scan_stream *s, const struct scan_window *win)
{
	struct worker *w = ctx;
	struct unit_state *us = handle;
	struct scan_job *job = w->job;
	if (!us || stopping(job))
		return 1;
	close_batch(w);
	if (db_group_tick(job->db))
		db_failure(job);
	bool lines_are_outputs = job->mode->probe;
	if (lines_are_outputs && win->accept_end > win->from) {
		us->newlines += scan_count_newlines(win->data + win->from, win->accept_end - win->from);
		us->last_byte = win->data[win->accept_end - 1];
	}
	/* A small unit is matched here: handing it over would cost more than
	 * matching it.  Behind windows in the pool, order says the pool. */
	if (job->pool && (win->len >= POOL_MIN_WINDOW || w->pending_count)) {
		while (pipeline_full(w))
			if (retire_oldest(w))
				return 1;
		struct pending_window *p = &w->pending[(w->pending_head + w->pending_count) % w->depth];
		if (scan_task_fill(&p->task, win->data, win->len, win->from, win->accept_end))
			return 1;
		p->unit = us;
		p->batch = false;
		p->base = win->base;
		p->line_from = scan_stream_line_at(s, win->from);
		p->record = us->text_record;
		scan_pool_submit(job->pool, &p->task);
		w->pending_count++;
		atomic_fetch_add(&job->bytes_read, win->accept_end - win->from);
		return 0;
	}
	w->hit_count = 0;
	if (rule_matcher_scan(w->matcher, win->data, win->len, win->from, win->accept_end, NULL,
	                      collect_hit, w))
		return 1;
	atomic_fetch_add(&job->bytes_read, win->accept_end - win->from);
	size_t n = settle_hits(w);
	for (size_t i = 0; i < n; i++) {
		const struct rule_hit *h = &w->hits[i];
		uint64_t line = scan_stream_line_at(s, h->start);
		if (add_finding(w, us, h, (const char *)win->data + h->start, line, win->base + h->start,
		                h->len, us->text_record ? us->text_record : lines_are_outputs ? (int64_t)line : 0,
		                NULL))
			return 1;
	}
	return 0;
}

/* A field's raw content decoded for matching: JSON escapes, or the
 * doubled quotes of a CSV cell; map as json_decode_string() keeps it. */
static size_t decode_field(const struct scan_record *rec, const unsigned char *raw, size_t n,
                           unsigned char *out, uint32_t *map)
{
	return rec->csv_sep ? csv_decode_cell(raw, n, out, map) : json_decode_string(raw, n, out, map);
}

/*
 * --field '*': a value's field is the path of keys it was found under
 * (arrays add none), or its CSV column's name, made from the data: so a
 * part is recorded only when it is a plain name (FIELD_NAME_MAX bytes at
 * most, a letter, '_', '@' or '$' first, printable ASCII without '\' or
 * '"', nor '.' in a key, and nothing the rules find in it), "*" otherwise,
 * and the whole path is "*" past FIELD_PATH_MAX bytes (or raw keys past
 * FIELD_KEY_MAX).  A key that is itself an e-mail address or a card
 * number is never written to the database.  Each raw path is judged once
 * per scan (job->field_paths).
 */
#define FIELD_NAME_MAX 64
#define FIELD_PATH_MAX 512
#define FIELD_KEY_MAX 4096

static int any_hit(void *ctx, const struct rule_hit *hit)
{
	(void)hit;
	*(bool *)ctx = true;
	return 1;
}

static bool plain_name(struct worker *w, const unsigned char *s, size_t n, bool dots)
{
	if (!n || n > FIELD_NAME_MAX ||
	    !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_' || s[0] == '@' ||
	      s[0] == '$'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || (s[i] == '.' && !dots) || s[i] == '\\' || s[i] == '"')
			return false;
	bool found = false;
	rule_matcher_scan(w->matcher, s, n, 0, n, NULL, any_hit, &found);
	return !found;
}

/* The recorded path of raw key[0, len) (parts separated by NUL bytes,
 * after a kind byte), made and kept on first sight. */
static const char *recorded_path(struct worker *w, const unsigned char *key, size_t len, bool column)
{
	const char *known = field_paths_find(w->job->field_paths, key, len);
	if (known)
		return known;
	char path[FIELD_PATH_MAX + FIELD_NAME_MAX + 2];
	size_t n = 0;
	for (size_t at = 1; at <= len;) {
		const unsigned char *part = key + at;
		const unsigned char *end = memchr(part, 0, len - at);
		size_t part_len = end ? (size_t)(end - part) : len - at;
		const char *text = plain_name(w, part, part_len, column) ? (const char *)part : "*";
		size_t text_len = text == (const char *)part ? part_len : 1;
		if (n + (n > 0) + text_len > FIELD_PATH_MAX) {
			n = 0;
			text = "*";
			text_len = 1;
			at = len + 1;
		} else {
			at += part_len + 1;
		}
		if (n)
			path[n++] = '.';
		memcpy(path + n, text, text_len);
		n += text_len;
	}
	if (!n)
		path[n++] = '*';
	path[n] = 0;
	return field_paths_add(w->job->field_paths, key, len, path);
}

/* A '*' value's recorded field, and the name to match it behind (in
 * name_buf, FIELD_NAME_MAX + 1 bytes, or NULL); NULL: out of memory. */
static const char *every_field(struct worker *w, size_t path_index, char *name_buf, const char **name)
{
	const struct scan_record *rec = w->record;
	const struct json_keys *keys = &w->keys;
	const char *column = NULL;
	const unsigned char *raw_name = NULL;
	size_t raw_len = 0, key_len = 1;
	if (rec->csv_sep) {
		column = w->record_unit->csv.name[path_index - w->job->opt->fields.count];
		raw_name = (const unsigned char *)column;
		raw_len = strlen(column);
		key_len += raw_len;
	} else {
		for (size_t k = 0; k < keys->count; k++)
			key_len += (k > 0) + keys->end[k] - keys->start[k];
		if (keys->count) {
			raw_name = rec->data + keys->start[keys->count - 1];
			raw_len = keys->end[keys->count - 1] - keys->start[keys->count - 1];
		}
	}
	/* Matched behind its name as any field is, whatever is recorded; a
	 * name too long for a word before a value goes without. */
	*name = NULL;
	if (raw_len && raw_len <= FIELD_NAME_MAX && !memchr(raw_name, 0, raw_len)) {
		memcpy(name_buf, raw_name, raw_len);
		name_buf[raw_len] = 0;
		*name = name_buf;
	}
	/* Keys this long are no names: not kept, whatever their number. */
	if (key_len > FIELD_KEY_MAX)
		return "*";
	if (room_for((void **)&w->field_key, &w->field_key_alloc, key_len, 1))
		return NULL;
	unsigned char *key = w->field_key;
	if (column) {
		key[0] = 'C';
		memcpy(key + 1, column, raw_len);
	} else {
		key[0] = 'J';
		size_t at = 1;
		for (size_t k = 0; k < keys->count; k++) {
			if (k)
				key[at++] = 0;
			memcpy(key + at, rec->data + keys->start[k], keys->end[k] - keys->start[k]);
			at += keys->end[k] - keys->start[k];
		}
	}
	return recorded_path(w, key, key_len, column != NULL);
}

/* A selected string field of the current record: decode, match, and map
 * each hit back to the raw bytes of the record. */
static int on_field(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct worker *w = ctx;
	const struct scan_record *rec = w->record;
	size_t raw_len = end - start;
	if (w->job->opt->id_field && path_index == w->job->opt->id_index) {
		/* The prompt id is kept, not scanned: decoded, at most a bound. */
		unsigned char idbuf[DB_PROMPT_ID_MAX * 2];
		uint32_t idmap[DB_PROMPT_ID_MAX * 2 + 1];
		size_t take = raw_len < sizeof(idbuf) ? raw_len : sizeof(idbuf);
		size_t n = decode_field(rec, rec->data + start, take, idbuf, idmap);
		w->prompt_id_len = n < sizeof(w->prompt_id) - 1 ? n : sizeof(w->prompt_id) - 1;
		memcpy(w->prompt_id, idbuf, w->prompt_id_len);
		w->prompt_id[w->prompt_id_len] = 0;
		/* An empty CSV cell is a missing value, not an id. */
		w->have_prompt_id = n > 0 || !rec->csv_sep;
		return 0;
	}
	/* The field's name goes before its text (rule_matcher_scan_field()),
	 * as redact --field matches it: a CSV column's is the whole --field
	 * text, dots and all; a JSON field's its last key.  Under '*', the
	 * key or column the value came with, and the field recorded is made
	 * from the data (every_field()). */
	const struct json_paths *paths = &w->job->opt->fields;
	char every_name[FIELD_NAME_MAX + 1];
	const char *name, *field;
	if (path_index < paths->count) {
		name = rec->csv_sep ? paths->items[path_index].text : json_path_name(&paths->items[path_index]);
		field = paths->items[path_index].text;
	} else if (!(field = every_field(w, path_index, every_name, &name))) {
		return -2;
	} else if (path_index == JSON_PATH_EVERY_KEY) {
		name = NULL;    /* a key is matched alone */
	}
	size_t prefix = rule_field_prefix_len(name);
	if (room_for((void **)&w->decoded, &w->decoded_alloc, prefix + raw_len + 1, 1))
		return -2;
	rule_field_prefix(name, w->decoded);
	unsigned char *text = w->decoded + prefix;
	size_t n = decode_field(rec, rec->data + start, raw_len, text, NULL);
	/* Decoding never grows: the same length means no escapes. */
	struct segment info = { .record = (int64_t)rec->number, .line = rec->line,
	                        .raw_base = rec->offset + start, .field = field,
	                        .prefix = prefix, .csv_sep = rec->csv_sep };
	const unsigned char *raw = n == raw_len ? NULL : rec->data + start;
	int rc = w->record_now ? match_now(w, w->record_unit, text, n, &info, raw, raw_len)
	         : add_segment(w, w->record_unit, text, n, &info, raw, raw_len);
	return rc ? -2 : 0;
}

/* A record that is not JSON is still read: as text, so nothing in it is
 * missed, and it is counted and noted. */
static int scan_record_as_text(struct worker *w, struct unit_state *us, const struct scan_record *rec)
{
	struct segment info = { .record = (int64_t)rec->number, .line = rec->line,
	                        .raw_base = rec->offset };
	return w->record_now ? match_now(w, us, rec->data, rec->len, &info, NULL, 0)
	                     : add_segment(w, us, rec->data, rec->len, &info, NULL, 0);
}

/* A CSV header row: which columns the --field names select.  A named
 * column that is missing, or a header that cannot be read, makes the
 * source an error (the columns there are still scanned; without a usable
 * header every row is scanned as text). */
static int csv_header(struct worker *w, struct unit_state *us, const struct scan_record *rec)
{
	const struct json_paths *paths = &w->job->opt->fields;
	struct csv_error err = { 0, NULL };
	size_t missing = CSV_NO_PATH;
	atomic_fetch_add(&w->job->bytes_read, rec->len + 1);
	if (us->src.records < 0)
		us->src.records = us->src.invalid_records = 0;
	int rc = rec->too_large ? -1
	         : csv_columns_read(&us->csv, rec->data, rec->len, rec->csv_sep, paths, &missing, &err);
	if (rc == -2)
		return 1;
	if (rc < 0) {
		us->csv_header_bad = true;
		if (rec->too_large)
			snprintf(us->csv_problem, sizeof(us->csv_problem),
			         "CSV header longer than --max-record-bytes; rows scanned as text");
		else
			snprintf(us->csv_problem, sizeof(us->csv_problem),
			         "CSV header not valid at byte %zu: %s; rows scanned as text", err.offset,
			         err.reason);
		/* Nor is the header itself skipped: an unclosed quote makes it run
		 * to the end of the file.  (One too large comes next as text.) */
		if (!rec->too_large) {
			if (scan_record_as_text(w, us, rec))
				return 1;
			batch_full(w);
		}
	} else if (missing != CSV_NO_PATH) {
		snprintf(us->csv_problem, sizeof(us->csv_problem), "no column '%.100s' in the CSV header",
		         paths->items[missing].text);
	}
	return 0;
}

static int unit_record(void *ctx, void *handle, const struct scan_record *rec)
{
	struct worker *w = ctx;
	struct unit_state *us = handle;
	struct json_error err;
	struct csv_error cerr;
	if (!us || stopping(w->job))
		return 1;
	/* Records are matched in the pool, in batches that take their place
	 * in the ring; without it here, once the windows of the sources before
	 * this one are recorded, so that a batch holds one source's findings. */
	w->record_now = !use_batches(w) || rec->len > RECORD_NOW_BYTES;
	if (w->record_now)
		drain_pending(w);
	if (db_group_tick(w->job->db))
		db_failure(w->job);
	/* A record too long to hold comes next as windows, read as text. */
	us->text_record = rec->too_large ? (int64_t)rec->number : 0;
	if (rec->csv_sep && rec->number == 0)
		return csv_header(w, us, rec);
	us->csv_rows = rec->csv_sep != 0;
	if (us->src.records < 0)
		us->src.records = us->src.invalid_records = 0;
	us->src.records++;
	atomic_fetch_add(&w->job->bytes_read, rec->len + 1);
	int rc = 0;
	if (!rec->too_large) {
		struct batch_mark mark;
		batch_mark(w, &mark);
		w->record = rec;
		w->record_unit = us;
		w->have_prompt_id = false;
		/* Matched as it is walked (no pool, or prompt ids written in
		 * order), a record is checked first, so that the fields of one
		 * that goes wrong later are not found as well as its text. */
		if (!rec->csv_sep && w->record_now &&
		    json_walk_fields(rec->data, rec->len, NULL, NULL, NULL, &err))
			rc = -1;
		else if (!rec->csv_sep)
			rc = json_walk_fields_keys(rec->data, rec->len, &w->job->opt->fields, on_field, w, &err,
			                           &w->keys);
		else if (us->csv_header_bad)
			rc = -3;
		else
			rc = csv_walk_row(rec->data, rec->len, rec->csv_sep, &us->csv, on_field, w, &cerr);
		if (rc == -2)
			return 1;
		if (rc == 0 && w->have_prompt_id && w->outrec &&
		    db_outrec_add(w->outrec, w->job->run_id, us->src.id, (int64_t)rec->number,
		                  w->prompt_id, w->prompt_id_len)) {
			diag("%s: %s", w->job->opt->db_path, db_outrec_error(w->outrec));
			atomic_store(&w->job->db_failed, true);
			return 1;
		}
		if (rc == 0) {
			batch_full(w);
			return 0;
		}
		/* Fields walked before the JSON went wrong are found again as text. */
		batch_rollback(w, &mark);
		if (scan_record_as_text(w, us, rec))
			return 1;
		batch_full(w);
		if (rc == -3)
			return 0; /* the header's problem is the source's error */
	}
	if ((uint64_t)us->src.invalid_records < INVALID_LINES_NOTED)
		us->invalid_lines[us->src.invalid_records] = rec->csv_sep ? rec->number : rec->line;
	us->src.invalid_records++;
	return 0;
}

/* "3 records not valid JSON (scanned as text), first at lines 4, 9, 12". */
static void note_invalid(struct unit_state *us)
{
	size_t n = 0;
	int wrote = snprintf(us->note, sizeof(us->note),
	                     us->csv_rows ? "%lld of %lld CSV rows malformed or too large (scanned as text), first at row"
	                     : "%lld of %lld records not valid JSON or too large (scanned as text), first at line",
	                     (long long)us->src.invalid_records, (long long)us->src.records);
	n = wrote > 0 ? (size_t)wrote : 0;
	for (int64_t i = 0; i < us->src.invalid_records && i < INVALID_LINES_NOTED && n < sizeof(us->note); i++) {
		wrote = snprintf(us->note + n, sizeof(us->note) - n, "%s %llu", i ? "," : "",
		                 (unsigned long long)us->invalid_lines[i]);
		n += wrote > 0 ? (size_t)wrote : 0;
	}
	us->src.note = us->note;
}

static void unit_digest(void *ctx, void *handle, const char *sha256)
{
	struct unit_state *us = handle;
	(void)ctx;
	if (!us)
		return;
	snprintf(us->sha256, sizeof(us->sha256), "%s", sha256);
	us->src.sha256 = us->sha256;
}

static void unit_state_free(struct unit_state *us)
{
	csv_columns_release(&us->csv);
	for (size_t i = 0; i < sizeof(us->kept) / sizeof(us->kept[0]); i++)
		free(us->kept[i]);
	free(us);
}

/* Keeps a copy of what the reader owns and the end needs; *field points
 * at it.  False when out of memory. */
static bool keep(struct unit_state *us, size_t slot, const char **field, const char *text)
{
	if (!text)
		return true;
	if (!(us->kept[slot] = strdup(text)))
		return false;
	*field = us->kept[slot];
	return true;
}

/*
 * A unit ends.  With its windows still in the pool, the end goes into the
 * ring behind them and the worker reads on: the next file's windows are
 * matched while this one's are recorded, and the unit is finished when
 * the ring reaches it.  Without windows in flight, or when prompt ids are
 * written as outputs are recorded, it is finished now.
 */
static void unit_end(void *ctx, void *handle, enum scan_status status, const char *reason,
                     uint64_t bytes, const char *format)
{
	struct worker *w = ctx;
	struct unit_state *us = handle;
	if (!us) {
		drain_pending(w);
		db_failure(w->job);
		return;
	}
	close_batch(w);
	if (w->pending_count && !w->outrec) {
		const char *unused = NULL;
		if (keep(us, 0, &us->src.path, us->src.path) && keep(us, 1, &us->src.member, us->src.member) &&
		    keep(us, 2, &unused, format ? format : us->src.format) && keep(us, 3, &unused, reason) &&
		    (w->pending_count < w->depth || !retire_oldest(w))) {
			struct pending_window *p =
				&w->pending[(w->pending_head + w->pending_count) % w->depth];
			us->end_status = status;
			us->end_bytes = bytes;
			p->unit = us;
			p->unit_end = true;
			p->batch = false;
			w->pending_count++;
			return;
		}
	}
	/* Finished here, in order (also when a copy could not be made). */
	drain_pending(w);
	finish_unit(w, us, status, reason, bytes, format);
}

static void finish_unit(struct worker *w, struct unit_state *us, enum scan_status status,
                        const char *reason, uint64_t bytes, const char *format)
{
	us->src.bytes_scanned = bytes;
	if (format)
		us->src.format = format;
	if (us->csv_problem[0] && status == SCAN_OK) {
		status = SCAN_ERROR;
		reason = us->csv_problem;
	}
	switch (status) {
	case SCAN_OK: us->src.status = "ok"; break;
	case SCAN_SKIPPED: us->src.status = "skipped"; break;
	case SCAN_STOPPED: us->src.status = "interrupted"; break;
	default: us->src.status = "error"; break;
	}
	if (status == SCAN_SKIPPED)   /* the reader skips binary content only */
		atomic_fetch_add(&w->job->skipped_binary, 1);
	us->src.error = reason;
	/* An empty member read whole has nothing to say but that it exists: it
	 * is counted on its archive, not given a row (a tar of a million empty
	 * members would otherwise cost a million rows and transactions). */
	if (us->member && !us->container && status == SCAN_OK && bytes == 0 && !us->src.id &&
	    !us->src.findings && us->parent && !w->job->mode->probe && !w->outrec) {
		us->parent->empty_members++;
		unit_state_free(us);
		return;
	}
	if (us->container && (us->empty_members || us->excluded_members)) {
		char empty[64] = "", excluded[64] = "";
		if (us->empty_members)
			snprintf(empty, sizeof(empty), "%llu empty members (not listed)",
			         (unsigned long long)us->empty_members);
		if (us->excluded_members)
			snprintf(excluded, sizeof(excluded), "%llu members excluded (--exclude)",
			         (unsigned long long)us->excluded_members);
		snprintf(us->note, sizeof(us->note), "%s%s%s", empty, *empty && *excluded ? "; " : "",
		         excluded);
		us->src.note = us->note;
	}
	if (w->job->mode->probe && us->src.records < 0 && !us->container)
		us->src.records = (int64_t)(us->newlines + (bytes > 0 && us->last_byte != '\n'));
	if (us->src.invalid_records > 0) {
		note_invalid(us);
		diag_source(us->src.path, us->src.member, us->note);
	}
	if (status == SCAN_ERROR) {
		diag_source(us->src.path, us->src.member, reason);
		atomic_fetch_add(&w->job->sources_failed, 1);
	}
	if (!atomic_load(&w->job->db_failed))
		flush(w, us);
	/* The prompt ids go through a connection of their own, which would
	 * wait for the open group. */
	if (w->outrec && db_group_commit(w->job->db))
		db_failure(w->job);
	if (w->outrec && !atomic_load(&w->job->db_failed) && db_outrec_flush(w->outrec)) {
		diag("%s: %s", w->job->opt->db_path, db_outrec_error(w->outrec));
		atomic_store(&w->job->db_failed, true);
	}
	batch_clear(w);
	unit_state_free(us);
}

/* sink.excluded: counted on the archive (its note) and for the summary;
 * a member left out is given no row. */
static void unit_excluded(void *ctx, void *handle, const char *member, const char *glob)
{
	struct worker *w = ctx;
	struct unit_state *us = handle;
	(void)member;
	(void)glob;
	if (us)
		us->excluded_members++;
	atomic_fetch_add(&w->job->excluded_members, 1);
}

static void record_listing_problem(struct worker *w, const struct walk_entry *e)
{
	struct db_source src = {
		.run_id = w->job->run_id, .path = e->path, .kind = "file", .size = e->size,
		.status = e->skipped ? "skipped" : "error", .error = e->problem, .records = -1,
	};
	if (!e->skipped) {
		diag_source(e->path, NULL, e->problem);
		atomic_fetch_add(&w->job->sources_failed, 1);
	}
	if (db_source_commit(w->job->db, &src, NULL, 0))
		db_failure(w->job);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct scan_job *job = w->job;
	const struct scan_sink sink = {
		.ctx = w, .begin = unit_begin, .window = unit_window, .end = unit_end,
		.record = job->opt->fields.count || job->opt->fields.every ? unit_record : NULL,
		.digest = unit_digest,
		.excluded = unit_excluded,
	};
	while (!stopping(job)) {
		size_t i = atomic_fetch_add(&job->next, 1);
		if (i >= job->files.count)
			break;
		const struct walk_entry *e = &job->files.items[i];
		if (e->problem) {
			record_listing_problem(w, e);
		} else {
			/* Standard input, a FIFO or a device may wait long for
			 * data: the sources before it are recorded first, so
			 * none sits finished but uncommitted behind the wait. */
			if (e->size < 0)
				drain_pending(w);
			scan_reader_run(w->reader, e->path, &sink);
		}
		if (e->size > 0)
			atomic_fetch_add(&job->disk_bytes_done, (uint64_t)e->size);
	}
	/* The last sources' ends wait behind their windows. */
	drain_pending(w);
	pthread_mutex_lock(&job->done_lock);
	atomic_fetch_add(&job->workers_done, 1);
	pthread_cond_signal(&job->done_cond);
	pthread_mutex_unlock(&job->done_lock);
	return NULL;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void draw_progress(struct scan_job *job, const struct timespec *t0, bool last)
{
	double secs = seconds_since(t0);
	double read = (double)atomic_load(&job->bytes_read);
	double done = (double)atomic_load(&job->disk_bytes_done);
	double total = (double)job->files.total_bytes;
	char rb[32], eta[32] = "";
	format_bytes(rb, sizeof(rb), read);
	if (total > 0 && done > 0 && done < total && secs > 1) {
		double left = secs * (total - done) / done;
		snprintf(eta, sizeof(eta), ", ETA %d:%02d", (int)left / 60, (int)left % 60);
	}
	fprintf(stderr, "\r\033[Kpiiaudit: %s read, %.0f MB/s, %zu/%zu sources%s, %llu findings%s",
	        rb, secs > 0 ? read / secs / 1e6 : 0.0,
	        atomic_load(&job->next) < job->files.count ? atomic_load(&job->next) : job->files.count,
	        job->files.count, eta, (unsigned long long)atomic_load(&job->findings),
	        last ? "\n" : "");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mult = 1;
	if (end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	case 't': case 'T': mult = 1ULL << 40; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' ? (end[1] == 'B' ? 2 : 1) : 1;
	if (*end || (mult > 1 && v > UINT64_MAX / mult))
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}

static void scan_usage(FILE *out)
{
	char key[4096];
	if (db_key_default_path(key, sizeof(key)))
		snprintf(key, sizeof(key), "(none: set HOME or PIIAUDIT_KEY_FILE)");
	fprintf(out,
	        "usage: piiaudit scan [options] PATH... | -\n"
	        "       piiaudit scan [options] --files-from FILE [--null] [PATH...]\n"
	        "       piiaudit scan [options] --plan FILE --shard K\n"
	        "\n"
	        "Scan files, folders (recursively), archives (tar, zip, 7z, cpio, ar; nested ones\n"
	        "too) and compressed streams (gz, zst, xz, bz2, lz4, lz, Z) for personal data and\n"
	        "secrets; '-' reads standard input.  Text is read as UTF-8 (any bytes); text\n"
	        "with a UTF-16 byte-order mark is decoded, its offsets in UTF-8 bytes.  Findings\n"
	        "go to an SQLite database, masked and fingerprinted: no raw value is stored\n"
	        "unless --store-values.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE               the audit database (default: ./piiaudit.db)\n"
	        "  --key FILE              fingerprint key file, created 0600 when missing\n"
	        "                          (default: %s)\n"
	        "  --rules PATH            a rule pack file or folder; repeatable; extends and\n"
	        "                          overrides the built-in packs by rule id\n"
	        "  --no-builtin-rules      only the packs given with --rules\n"
	        "  --disable ID[,ID...]    do not run these rules\n"
	        "  --only CAT[,CAT...]     only rules of these categories\n"
	        "  -j, --jobs N            sources read at once, and threads matching their\n"
	        "                          text (default: the number of cores)\n"
	        "  --field PATH            JSON lines and JSON arrays: scan only this string field\n"
	        "                          (dotted path, e.g. text or meta.author; arrays are\n"
	        "                          transparent); repeatable.  Escapes are decoded for\n"
	        "                          matching; offsets still point into the raw bytes.\n"
	        "                          A field's name (key, column) is read as the word\n"
	        "                          before its value (phone: 639005981), as in text.\n"
	        "                          CSV (*.csv, *.tsv, also .gz and in archives): the\n"
	        "                          column of that name in the header row; record is\n"
	        "                          the data row (header not counted).  Other content\n"
	        "                          is scanned as text.  '*': every field, key and\n"
	        "                          column, each behind its own name, the path it was\n"
	        "                          found under recorded (a key that is no plain name,\n"
	        "                          or holds a finding, as *)\n"
	        "  --format FMT            with --field: auto (CSV by name, default), csv or\n"
	        "                          tsv (every input, stdin too), json (never CSV)\n"
	        "  --max-record-bytes N    longest JSON record or CSV row held in memory\n"
	        "                          (default 16M); a longer one is scanned as text\n"
	        "  --resume                continue the database's unfinished run (interrupted\n"
	        "                          or killed) with the same inputs (the paths named,\n"
	        "                          in any order; --plan, --shard), rules and options\n"
	        "                          (limits, --exclude, --field, --store-values...):\n"
	        "                          sources already complete are skipped, those in\n"
	        "                          flight redone\n"
	        "  --wait SECONDS          how long to wait for a database another process is\n"
	        "                          writing (default 30; 0: refuse at once)\n"
	        "  --label TEXT            a label stored with the run\n"
	        "  --store-values          also store raw matched values (opt-in; a leak risk)\n"
	        "  --fail-on CAT[,CAT...]  exit 1 when the run found any of these categories\n"
	        "                          ('any' for all); placeholders do not count\n"
	        "  --max-depth N           archives nested deeper are not opened (default 4)\n"
	        "  --max-member-bytes N    stop a member after N decompressed bytes (K, M, G\n"
	        "                          suffixes; default: no limit)\n"
	        "  --max-entries N         stop an archive after N entries (default: no limit)\n"
	        "  --max-source-bytes N    stop an input (all its members and nested archives\n"
	        "                          together) after N decompressed bytes (default 1T;\n"
	        "                          0: no limit)\n"
	        "  --max-ratio N           stop an input whose decompressed bytes exceed N times\n"
	        "                          the bytes read from it, checked from 16 MiB on\n"
	        "                          (default 200; 0: no limit)\n"
	        "  --max-source-seconds N  stop an input after N seconds (default: no limit)\n"
	        "  --max-decoder-memory N  memory the xz, lzma, lzip, zstd, 7z and zip decoders of\n"
	        "                          all jobs share; one needing more is not read\n"
	        "                          (default 80M; xz -9 needs 65M, zstd in long mode\n"
	        "                          129M; 0: no limit)\n"
	        "  --files-from FILE       also scan the paths listed in FILE, one a line ('-':\n"
	        "                          standard input); --null: NUL-separated, as from\n"
	        "                          find -print0\n"
	        "  --follow                follow symbolic links inside folders\n"
	        "  --exclude GLOB          leave out files and folders found under a folder, and\n"
	        "                          archive members, that GLOB matches: a name ('*.png',\n"
	        "                          '.git') at any depth, or with a '/' a path from the\n"
	        "                          folder or archive top ('docs/drafts'); repeatable.\n"
	        "                          Paths named here are always read\n"
	        "  -a, --binary            scan content with NUL bytes as text too (skipped by\n"
	        "                          default as binary)\n"
	        "  --plan FILE --shard K   scan shard K of a plan made by 'piiaudit plan'\n"
	        "  --shard K/N             scan shard K of N: the sources whose path hashes to K\n"
	        "  --engine NAME           auto (default), hyperscan (multi-pattern prefilter,\n"
	        "                          PCRE2 confirms) or pcre2 (PCRE2 alone); the same\n"
	        "                          findings either way\n"
	        "  --progress, --no-progress\n"
	        "                          force the progress line on or off (default: on when\n"
	        "                          stderr is a terminal)\n"
	        "  -q, --quiet             no progress and no summary; errors only\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "Exit status: 0 every source read, 1 --fail-on matched, 2 usage or configuration\n"
	        "error (nothing scanned), 3 some sources could not be read (each is named on\n"
	        "stderr and recorded) or the database could not be written (disk full, locked\n"
	        "too long: the run can be continued with --resume), 130/143 interrupted.\n",
	        key);
}

enum {
	OPT_DB = 256, OPT_KEY, OPT_RULES, OPT_NO_BUILTIN, OPT_DISABLE, OPT_ONLY, OPT_LABEL,
	OPT_STORE_VALUES, OPT_FAIL_ON, OPT_MAX_DEPTH, OPT_MAX_MEMBER, OPT_MAX_ENTRIES, OPT_FOLLOW,
	OPT_PROGRESS, OPT_NO_PROGRESS, OPT_ENGINE, OPT_PLAN, OPT_SHARD, OPT_FIELD, OPT_MAX_RECORD, OPT_ID_FIELD,
	OPT_RESUME, OPT_FORMAT, OPT_WAIT, OPT_MAX_SOURCE_BYTES, OPT_MAX_RATIO, OPT_MAX_SOURCE_SECONDS,
	OPT_BINARY, OPT_MAX_DECODER_MEMORY, OPT_EXCLUDE, OPT_FILES_FROM, OPT_NULL,
};

static const struct option scan_longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "no-builtin-rules", no_argument, NULL, OPT_NO_BUILTIN },
	{ "disable", required_argument, NULL, OPT_DISABLE },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "jobs", required_argument, NULL, 'j' },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "store-values", no_argument, NULL, OPT_STORE_VALUES },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "max-member-bytes", required_argument, NULL, OPT_MAX_MEMBER },
	{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
	{ "max-source-bytes", required_argument, NULL, OPT_MAX_SOURCE_BYTES },
	{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
	{ "max-source-seconds", required_argument, NULL, OPT_MAX_SOURCE_SECONDS },
	{ "max-decoder-memory", required_argument, NULL, OPT_MAX_DECODER_MEMORY },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "files-from", required_argument, NULL, OPT_FILES_FROM },
	{ "null", no_argument, NULL, OPT_NULL },
	{ "binary", no_argument, NULL, 'a' },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "plan", required_argument, NULL, OPT_PLAN },
	{ "field", required_argument, NULL, OPT_FIELD },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "max-record-bytes", required_argument, NULL, OPT_MAX_RECORD },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "id-field", required_argument, NULL, OPT_ID_FIELD },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, or the exit status. */
static int parse_scan_options(int argc, char **argv, struct scan_options *o,
                              const struct scan_mode *mode)
{
	const char *cmd = mode->command;
	int c;
	uint64_t num;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	bool format_given = false;
	o->db_path = "piiaudit.db";
	o->jobs = cores > 0 ? (unsigned)cores : 1;
	o->progress = -1;
	o->limits.max_depth = 4;
	/* Each job holds a record and its decoded field: 2 jobs at 16 MiB
	 * stay under issue 4's 128 MiB with the rest (about 107 MiB peak for
	 * two files of 15 MiB records, 98 MiB for two 200 MB one-line JSON
	 * files; 189 MiB at 64M).  Longer records are scanned as text. */
	o->limits.max_record_bytes = 16ULL << 20;
	/* Against bombs: a legitimate corpus file expands 3 to 20 times (gzip
	 * of JSON lines about 5 to 10), zeros about 1000 times.  Together the
	 * ratio and the byte limit bound the work an input can cause to 200
	 * times its size, and at most 1 TiB. */
	o->limits.max_ratio = 200;
	o->limits.max_source_bytes = 1ULL << 40;
	o->limits.cancel = &got_signal;
	/* An xz dictionary is up to 1.5 GiB, a zstd window up to 2 GiB, and
	 * libarchive would let each job take what a file asks.  xz -9 asks
	 * 65 MiB: one such decoder at a time (others wait), or several of the
	 * default -6 (9 MiB each) or of zstd -19 (8 MiB).  A zstd --long
	 * window (128 MiB) does not fit under the 128 MiB the whole scan is to
	 * stay within (tests/bench/README.md):
	 * refused unless the user gives more. */
	o->max_decoder_memory = 80ULL << 20;
	o->wait = 30;
	o->shard_index = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:qha", scan_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: o->db_path = optarg; break;
		case OPT_KEY: o->key_path = optarg; break;
		case OPT_RULES:
			if (rule_strings_push(&o->rules.packs, optarg))
				return usage_error(cmd, "out of memory");
			break;
		case OPT_NO_BUILTIN: o->rules.no_builtin = true; break;
		case OPT_DISABLE:
			if (split_list(&o->rules.disable, optarg))
				return usage_error(cmd, "out of memory");
			break;
		case OPT_ONLY:
			if (split_list(&o->rules.only, optarg))
				return usage_error(cmd, "out of memory");
			break;
		case 'j':
			if (parse_size(optarg, &num) || num < 1 || num > 1024)
				return usage_error(cmd, "--jobs takes a number from 1 to 1024, not '%s'", optarg);
			o->jobs = (unsigned)num;
			break;
		case OPT_LABEL: o->label = optarg; break;
		case OPT_STORE_VALUES: o->store_values = true; break;
		case OPT_FAIL_ON:
			if (split_list(&o->fail_on, optarg))
				return usage_error(cmd, "out of memory");
			break;
		case OPT_MAX_DEPTH:
			if (parse_size(optarg, &num) || num > 64)
				return usage_error(cmd, "--max-depth takes a number from 0 to 64, not '%s'", optarg);
			o->limits.max_depth = (unsigned)num;
			break;
		case OPT_MAX_MEMBER:
			if (parse_size(optarg, &o->limits.max_member_bytes) || !o->limits.max_member_bytes)
				return usage_error(cmd, "--max-member-bytes takes a size such as 10G, not '%s'", optarg);
			break;
		case OPT_MAX_ENTRIES:
			if (parse_size(optarg, &o->limits.max_entries) || !o->limits.max_entries)
				return usage_error(cmd, "--max-entries takes a positive number, not '%s'", optarg);
			break;
		case OPT_MAX_SOURCE_BYTES:
			if (parse_size(optarg, &o->limits.max_source_bytes))
				return usage_error(cmd, "--max-source-bytes takes a size such as 100G, or 0, not '%s'", optarg);
			break;
		case OPT_MAX_RATIO:
			if (parse_size(optarg, &num) || num > 1000000)
				return usage_error(cmd, "--max-ratio takes a number from 0 to 1000000, not '%s'", optarg);
			o->limits.max_ratio = (unsigned)num;
			break;
		case OPT_MAX_SOURCE_SECONDS:
			if (parse_size(optarg, &num) || num > 10000000)
				return usage_error(cmd, "--max-source-seconds takes a number of seconds, or 0, not '%s'", optarg);
			o->limits.max_source_seconds = (unsigned)num;
			break;
		case OPT_MAX_DECODER_MEMORY:
			if (parse_size(optarg, &o->max_decoder_memory))
				return usage_error(cmd, "--max-decoder-memory takes a size such as 256M, or 0, not '%s'", optarg);
			break;
		case OPT_FOLLOW: o->follow = true; break;
		case OPT_EXCLUDE:
			if (!path_exclude_glob_ok(optarg))
				return usage_error(cmd, "--exclude takes a glob such as '*.png', '.git' or 'docs/drafts', not '%s'",
				                   optarg);
			if (path_exclude_add(&o->exclude, optarg))
				return usage_error(cmd, "out of memory");
			o->limits.exclude = &o->exclude;
			break;
		case OPT_FILES_FROM:
			if (o->files_from)
				return usage_error(cmd, "--files-from can be given once");
			o->files_from = optarg;
			break;
		case OPT_NULL: o->null_list = true; break;
		case 'a':
			if (mode->probe)
				return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
			o->limits.binary = true;
			break;
		case OPT_PLAN: o->plan_path = optarg; break;
		case OPT_RESUME: o->resume = true; break;
		case OPT_WAIT:
			if (parse_size(optarg, &num) || num > 86400)
				return usage_error(cmd, "--wait takes a number of seconds from 0 to 86400, not '%s'", optarg);
			o->wait = (unsigned)num;
			break;
		case OPT_FIELD:
			if (json_paths_add(&o->fields, optarg))
				return usage_error(cmd, "--field takes a dotted path such as text or meta.author, not '%s'", optarg);
			o->limits.records = true;
			break;
		case OPT_ID_FIELD:
			if (!mode->probe)
				return usage_error(cmd, "unknown option '--id-field'");
			o->id_field = optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "auto"))
				o->limits.csv = 0;
			else if (!strcmp(optarg, "csv"))
				o->limits.csv = ',';
			else if (!strcmp(optarg, "tsv"))
				o->limits.csv = '\t';
			else if (!strcmp(optarg, "json"))
				o->limits.csv = -1;
			else
				return usage_error(cmd, "--format is auto, csv, tsv or json, not '%s'", optarg);
			format_given = true;
			break;
		case OPT_MAX_RECORD:
			if (parse_size(optarg, &o->limits.max_record_bytes) || o->limits.max_record_bytes < 1024 ||
			    o->limits.max_record_bytes > (1ULL << 32) - 1)
				return usage_error(cmd, "--max-record-bytes takes a size from 1K to 4G, not '%s'", optarg);
			break;
		case OPT_SHARD: {
			unsigned k, n;
			char tail;
			if (sscanf(optarg, "%u/%u%c", &k, &n, &tail) == 2 && n > 0 && k < n) {
				o->shard_index = k;
				o->shard_count = n;
			} else if (sscanf(optarg, "%u%c", &k, &tail) == 1) {
				o->shard_index = k;
				o->shard_count = 0;
			} else {
				return usage_error(cmd, "--shard is K (with --plan) or K/N with K < N, not '%s'", optarg);
			}
			break;
		}
		case OPT_ENGINE:
			if (parse_engine(optarg, &o->rules.engine))
				return usage_error(cmd, "--engine is auto, hyperscan or pcre2, not '%s'", optarg);
			break;
		case OPT_PROGRESS: o->progress = 1; break;
		case OPT_NO_PROGRESS: o->progress = 0; break;
		case 'q': o->quiet = true; break;
		case 'h': mode->usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option(cmd, c, argv);
		}
	}
	if (o->id_field) {
		/* The id rides the same walk as the scanned fields, as the last path. */
		o->id_index = o->fields.count;
		if (json_paths_add(&o->fields, o->id_field))
			return usage_error(cmd, "--id-field takes a dotted path such as id or meta.prompt_id, not '%s'", o->id_field);
		/* Numbers and booleans are ids too, kept as written. */
		o->fields.items[o->id_index].scalars = true;
		o->limits.records = true;
	}
	if (format_given && !o->limits.records)
		return usage_error(cmd, "--format needs --field%s: without it every input is scanned as text",
		                   mode->probe ? " or --id-field" : "");
	if (o->plan_path && (o->shard_index < 0 || o->shard_count))
		return usage_error(cmd, "--plan needs --shard K (the shard's number in the plan)");
	if (!o->plan_path && o->shard_index >= 0 && !o->shard_count)
		return usage_error(cmd, "--shard K needs --plan FILE; without a plan use --shard K/N");
	if (o->plan_path && (optind < argc || o->files_from))
		return usage_error(cmd, "with --plan the paths come from the plan, not the command line");
	if (!o->plan_path && optind >= argc && !o->files_from)
		return usage_error(cmd, "no paths to scan (give files, folders, or - for stdin)");
	if (o->null_list && !o->files_from)
		return usage_error(cmd, "--null needs --files-from (the list it describes)");
	for (size_t i = 0; i < o->fail_on.count; i++)
		if (strcmp(o->fail_on.items[i], "any") && !rule_category_known(o->fail_on.items[i]))
			return usage_error(cmd, "--fail-on: unknown category '%s'", o->fail_on.items[i]);
	int stdin_count = 0;
	for (int i = optind; i < argc; i++)
		stdin_count += !strcmp(argv[i], "-");
	if (stdin_count > 1)
		return usage_error(cmd, "'-' (standard input) can be given once");
	if (stdin_count && o->files_from && !strcmp(o->files_from, "-"))
		return usage_error(cmd, "standard input cannot be both scanned ('-') and the --files-from list");
	if (stdin_count && o->shard_count)
		return usage_error(cmd, "standard input cannot be sharded");
	return -1;
}

static int record_rules(struct scan_job *job)
{
	for (size_t i = 0; i < job->rules->count; i++) {
		const struct rule *r = &job->rules->rules[i];
		char tags[1024] = "";
		size_t n = 0;
		if (r->disabled)
			continue;
		for (size_t t = 0; t < r->tags.count && n < sizeof(tags); t++) {
			int wrote = snprintf(tags + n, sizeof(tags) - n, "%s%s", t ? " " : "", r->tags.items[t]);
			n += wrote > 0 ? (size_t)wrote : 0;
		}
		if (db_run_rule(job->db, job->run_id, r->id, r->category, r->description,
		                r->validator_name, r->confidence, tags, r->pack_path))
			return -1;
	}
	return 0;
}

/* The run and its rules in one transaction: a database that fills up or
 * is locked here holds no run without its rules. */
static int start_run(struct scan_job *job, const struct db_run *run)
{
	if (run->store_values && db_temp_in_memory(job->db))
		return -1;
	if (db_begin(job->db))
		return -1;
	if (db_run_begin(job->db, run, &job->run_id) || record_rules(job)) {
		db_rollback(job->db);
		return -1;
	}
	return db_commit(job->db);
}

/* Findings of the --fail-on categories in this run, placeholders aside. */
static long long fail_on_count(struct scan_job *job)
{
	const struct rule_strings *cats = &job->opt->fail_on;
	bool any = false;
	long long total = 0;
	for (size_t i = 0; i < cats->count; i++)
		any |= !strcmp(cats->items[i], "any");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db_handle(job->db),
	                       "SELECT count(*) FROM findings WHERE run_id = ?1 AND placeholder = 0"
	                       " AND (?2 OR category = ?3)",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < (any ? 1 : cats->count); i++) {
		sqlite3_bind_int64(st, 1, job->run_id);
		sqlite3_bind_int(st, 2, any);
		sqlite3_bind_text(st, 3, cats->items[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			total += sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return total;
}

/* One option string of the settings list, formatted; NULL when out of memory. */
static char *setting(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *setting(const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : text;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The options that decide what a run reads and records, as a JSON array
 * of option strings in one order (lists sorted), stored with the run:
 * scan --resume refuses to continue a run with other settings, and merge
 * to join shards made with different ones (two sets of findings made
 * under other limits or globs are not one run).  Not here: what changes
 * no finding (--jobs, --engine, --label, --fail-on, --wait, progress),
 * the rules and key (the run's rules_digest and key_id), and the inputs.
 * NULL when out of memory; the caller frees it.
 */
static char *scan_settings(const struct scan_options *o)
{
	const struct scan_limits *l = &o->limits;
	size_t cap = 17 + o->fields.count + o->exclude.count, n = 0, sorted_from;
	char **items = calloc(cap, sizeof(*items)), *json = NULL;
	if (!items)
		return NULL;
	if (o->store_values)
		items[n++] = setting("--store-values");
	if (l->binary)
		items[n++] = setting("--binary");
	if (o->follow)
		items[n++] = setting("--follow");
	items[n++] = setting("--max-depth=%u", l->max_depth);
	items[n++] = setting("--max-member-bytes=%llu", (unsigned long long)l->max_member_bytes);
	items[n++] = setting("--max-entries=%llu", (unsigned long long)l->max_entries);
	items[n++] = setting("--max-source-bytes=%llu", (unsigned long long)l->max_source_bytes);
	items[n++] = setting("--max-ratio=%u", l->max_ratio);
	items[n++] = setting("--max-source-seconds=%u", l->max_source_seconds);
	items[n++] = setting("--max-decoder-memory=%llu", (unsigned long long)o->max_decoder_memory);
	if (l->records) {
		items[n++] = setting("--format=%s", l->csv == 0 ? "auto" : l->csv == ',' ? "csv"
		                                    : l->csv == '\t' ? "tsv" : "json");
		items[n++] = setting("--max-record-bytes=%llu", (unsigned long long)l->max_record_bytes);
	}
	if (o->id_field)
		items[n++] = setting("--id-field=%s", o->id_field);
	sorted_from = n;
	for (size_t i = 0; i < o->fields.count; i++)
		if (!o->id_field || i != o->id_index)
			items[n++] = setting("--field=%s", o->fields.items[i].text);
	if (o->fields.every)
		items[n++] = setting("--field=*");
	for (size_t i = 0; i < o->exclude.count; i++) {
		const struct path_exclude_glob *g = &o->exclude.globs[i];
		items[n++] = setting("--exclude=%s%s", g->anchored ? "/" : "", g->text);
	}
	bool complete = true;
	for (size_t i = 0; i < n; i++)
		complete &= items[i] != NULL;
	if (complete) {
		qsort(items + sorted_from, n - sorted_from, sizeof(*items), by_text);
		json = json_argv((int)n, items);
	}
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
	return json;
}

/*
 * What the run is asked to read, as one SHA-256 in hex: the paths named
 * (operands and --files-from entries, in any order: walk.h), the plan's
 * digest and the shard.  Not what was found under a folder: a file added
 * there since does not stop a resume, it is read with the rest.
 */
static void scan_inputs_digest(const struct scan_options *o, const struct walk_list *files,
                               const char *plan_digest, char hex[65])
{
	char named[65], text[256];
	unsigned char sum[crypto_hash_sha256_BYTES];
	walk_named_digest(files, named);
	int n = snprintf(text, sizeof(text), "named %s plan %s shard %ld/%u", named,
	                 plan_digest, o->shard_index, o->shard_count);
	crypto_hash_sha256(sum, (const unsigned char *)text, (unsigned long long)n);
	sodium_bin2hex(hex, 65, sum, sizeof(sum));
}

/* --resume: the newest unfinished run continues, if it was made with the
 * same rules, key, settings and inputs; sources it completed are taken
 * off the list. */
static int resume_run(struct scan_job *job, const struct db_run *run)
{
	struct db_unfinished_run then;
	char differs[1024];
	if (db_run_unfinished(job->db, "scan", &then)) {
		db_diag(job);
		return -1;
	}
	int64_t id = then.id;
	bool same_settings = db_settings_same(then.settings, run->settings, "then, not now",
	                                       "now, not then", differs, sizeof(differs));
	free(then.settings);
	if (id == 0) {
		if (!job->opt->quiet)
			diag("%s: no unfinished scan to resume: starting a new run", job->opt->db_path);
		if (start_run(job, run)) {
			db_diag(job);
			return -1;
		}
		return 0;
	}
	if (strcmp(then.rules_digest, run->rules_digest)) {
		diag("%s: run %lld was made with other rules (digest %.12s, now %.12s); resume with the same rules",
		     job->opt->db_path, (long long)id, then.rules_digest, run->rules_digest);
		return -1;
	}
	if (strcmp(then.key_id, run->key_id)) {
		diag("%s: run %lld was made with another key (key id %s, now %s)", job->opt->db_path,
		     (long long)id, then.key_id, run->key_id);
		return -1;
	}
	/* Checked on its own too: runs made before settings were recorded
	 * have none, and raw values in a run that says it has none would
	 * escape every place that keeps them in (temp_store, exports). */
	if (then.store_values != run->store_values) {
		diag("%s: run %lld was made %s --store-values, now %s; resume with the same options",
		     job->opt->db_path, (long long)id, then.store_values ? "with" : "without",
		     run->store_values ? "with" : "without");
		return -1;
	}
	if (!same_settings) {
		diag("%s: run %lld was made with other options (%s); resume with the same options",
		     job->opt->db_path, (long long)id, differs);
		return -1;
	}
	/* A run of an older version recorded none: not compared. */
	if (then.inputs[0] && run->inputs && strcmp(then.inputs, run->inputs)) {
		diag("%s: run %lld was made over other inputs (the paths named, --files-from's list, "
		     "--plan or --shard differ); resume with the same inputs",
		     job->opt->db_path, (long long)id);
		return -1;
	}
	int64_t dropped = db_run_reopen(job->db, id);
	if (dropped < 0) {
		db_diag(job);
		return -1;
	}
	job->run_id = id;
	size_t kept = 0, skipped = 0;
	for (size_t i = 0; i < job->files.count; i++) {
		struct walk_entry *e = &job->files.items[i];
		int done = db_source_completed(job->db, id, e->path);
		if (done < 0) {
			db_diag(job);
			return -1;
		}
		if (done) {
			if (e->size > 0)
				job->files.total_bytes -= (uint64_t)e->size;
			free(e->path);
			free(e->problem);
			skipped++;
		} else {
			job->files.items[kept++] = *e;
		}
	}
	job->files.count = kept;
	if (!job->opt->quiet)
		diag("resuming run %lld: %zu sources done, %lld in flight redone, %zu to go", (long long)id,
		     skipped, (long long)dropped, kept);
	return 0;
}

static int run_workers(struct scan_job *job, bool show_progress)
{
	const struct scan_options *o = job->opt;
	size_t nworkers = o->jobs < job->files.count ? o->jobs : job->files.count;
	struct worker *workers = calloc(nworkers ? nworkers : 1, sizeof(*workers));
	struct timespec t0;
	size_t started = 0;
	int rc = 0;
	if (!workers)
		return -1;
	/* Without a pool (out of threads) the workers match their windows. */
	job->pool = scan_pool_new(job->rules, o->jobs);
	struct scan_limits limits = o->limits;
	if (o->max_decoder_memory && !(limits.decoder_budget = mem_budget_new(o->max_decoder_memory))) {
		free(workers);
		scan_pool_free(job->pool);
		job->pool = NULL;
		return -1;
	}
	bool index_deferred = false;
	if (db_fingerprint_index_defer(job->db, job->run_id, &index_deferred))
		db_failure(job);
	db_grouping(job->db, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		w->job = job;
		w->depth = pipeline_depth(nworkers);
		w->hit_budget = PIPELINE_HIT_BYTES / (nworkers ? nworkers : 1);
		/* Until a window is matched its hits are not known: as if dense. */
		w->last_hit_bytes = w->hit_budget / PIPELINE_MIN;
		w->matcher = rule_matcher_new(job->rules);
		w->reader = scan_reader_new(&limits);
		w->batch = calloc(BATCH_FINDINGS, sizeof(*w->batch));
		if (o->id_field && db_outrec_open(&w->outrec, o->db_path, NULL, 0))
			w->outrec = NULL;
		if (!w->matcher || !w->reader || !w->batch || (o->id_field && !w->outrec) ||
		    pthread_create(&w->thread, NULL, worker_main, w)) {
			rc = -1;
			w->failed_to_start = 1;
			break;
		}
		started++;
	}
	/* Wake for each finished worker, and every 200 ms for the progress line. */
	pthread_mutex_lock(&job->done_lock);
	while (atomic_load(&job->workers_done) < started) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&job->done_cond, &job->done_lock, &until);
		/* Sent again at every tick: a worker that was between its check
		 * of the flag and read() when the last one came is in read() now. */
		if (got_signal)
			for (size_t i = 0; i < started; i++)
				pthread_kill(workers[i].thread, WAKE_SIGNAL);
		/* A group must not hold the database while the workers wait for
		 * input (a FIFO, a slow disk): commit it once it is old. */
		if (db_group_tick(job->db))
			db_failure(job);
		if (show_progress && atomic_load(&job->workers_done) < started)
			draw_progress(job, &t0, false);
	}
	pthread_mutex_unlock(&job->done_lock);
	if (show_progress)
		draw_progress(job, &t0, true);
	for (size_t i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		if (i < started)
			pthread_join(w->thread, NULL);
		for (size_t r = 0; r < job->rules->count; r++) {
			uint64_t hits = w->matcher ? rule_matcher_limit_hits(w->matcher, r) : 0;
			if (i == 0)
				hits += scan_pool_limit_hits(job->pool, r);
			if (hits)
				diag("rule %s: stopped by the PCRE2 match limit in %llu blocks",
				     job->rules->rules[r].id, (unsigned long long)hits);
		}
		rule_matcher_free(w->matcher);
		for (size_t k = 0; k < PIPELINE_DEPTH; k++) {
			scan_task_release(&w->pending[k].task);
			free(w->pending[k].segs);
			free(w->pending[k].raw);
		}
		free(w->positions);
		scan_reader_free(w->reader);
		free(w->batch);
		free(w->hits);
		free(w->decoded);
		free(w->field_key);
		db_outrec_close(w->outrec);
	}
	free(workers);
	mem_budget_free(limits.decoder_budget);
	scan_pool_free(job->pool);
	job->pool = NULL;
	if (db_grouping(job->db, false))
		db_failure(job);
	/* Built even when interrupted; a second SIGINT leaves it to --resume.
	 * It takes a few seconds per ten million findings: said on a terminal. */
	if (index_deferred || db_fingerprint_index_dropped(job->db)) {
		if (show_progress)
			fprintf(stderr, "piiaudit: indexing %llu findings by fingerprint...",
			        (unsigned long long)atomic_load(&job->findings));
		if (db_fingerprint_index_build(job->db))
			db_failure(job);
		if (show_progress)
			fprintf(stderr, "\r\033[K");
	}
	if (rc)
		diag("cannot start the scan workers: out of memory");
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	static const struct scan_mode mode = {
		.command = "scan", .run_kind = "scan", .usage = scan_usage,
	};
	return scan_main(argc, argv, &mode);
}

int scan_main(int argc, char **argv, const struct scan_mode *mode)
{
	struct scan_options o = {0};
	struct ruleset rules;
	struct scan_job job = {
		.opt = &o, .mode = mode,
		.done_lock = PTHREAD_MUTEX_INITIALIZER, .done_cond = PTHREAD_COND_INITIALIZER,
	};
	char key_path[4096], err[1024];
	int status = parse_scan_options(argc, argv, &o, mode);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ruleset_init(&rules);
	job.rules = &rules;
	if (status >= 0)
		goto out;
	status = EXIT_USAGE;
	if (load_rules(&rules, &o.rules))
		goto out;
	if (o.key_path)
		snprintf(key_path, sizeof(key_path), "%s", o.key_path);
	else if (db_key_default_path(key_path, sizeof(key_path))) {
		diag("no key file: give --key FILE or set PIIAUDIT_KEY_FILE");
		goto out;
	}
	if (db_key_load(&job.key, key_path, true, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	char plan_digest[65] = "";
	unsigned plan_shards = 0;
	if (o.plan_path) {
		if (shard_plan_load(o.plan_path, (unsigned)o.shard_index, &job.files, &plan_shards,
		                    plan_digest, err, sizeof(err))) {
			diag("%s", err);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		if (walk_add(&job.files, argv[i], o.follow, &o.exclude)) {
			diag("out of memory listing sources");
			goto out;
		}
	if (o.files_from) {
		size_t listed;
		if (walk_add_list(&job.files, o.files_from, o.null_list, o.follow, &o.exclude, &listed,
		                  err, sizeof(err))) {
			diag("%s", err);
			goto out;
		}
		/* An empty list (find matched nothing) is no error; said all the
		 * same, since a scan of nothing looks like a clean corpus. */
		if (!listed && !o.quiet)
			diag("%s: the list names no paths", strcmp(o.files_from, "-") ? o.files_from
			                                                              : "standard input");
	}
	if (o.shard_count)
		shard_filter(&job.files, (unsigned)o.shard_index, o.shard_count);
	if (db_open(&job.db, o.db_path, true, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	db_set_wait(job.db, o.wait, &got_signal);
	if (o.fields.every && !(job.field_paths = field_paths_new())) {
		diag("out of memory");
		goto out;
	}
	if (o.id_field && db_xref_init(job.db, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	char *argv_json = json_argv(argc + 1, argv - 1);
	char *settings = scan_settings(&o);
	char inputs[65];
	scan_inputs_digest(&o, &job.files, plan_digest, inputs);
	if (!argv_json || !settings) {
		diag("out of memory recording the run");
		free(argv_json);
		free(settings);
		goto out;
	}
	struct db_run run = {
		.kind = mode->run_kind, .argv_json = argv_json, .settings = settings,
		.tool_version = PIIAUDIT_VERSION, .rules_digest = rules.digest, .key_id = job.key.id,
		.label = o.label, .store_values = o.store_values,
		.shard_index = (int)o.shard_index, .shard_count = o.plan_path ? (int)plan_shards : (int)o.shard_count,
		.plan_digest = o.plan_path ? plan_digest : NULL, .inputs = inputs,
	};
	int begun;
	if (o.resume) {
		begun = resume_run(&job, &run);
		free(argv_json);
		free(settings);
		if (begun)
			goto out;
	} else {
		begun = start_run(&job, &run);
		free(argv_json);
		free(settings);
		if (begun) {
			db_diag(&job);
			goto out;
		}
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct sigaction wake = { .sa_handler = on_wake };
	sigemptyset(&wake.sa_mask);
	sigaction(WAKE_SIGNAL, &wake, NULL);

	bool show_progress = o.progress == 1 || (o.progress == -1 && !o.quiet && stderr_is_terminal());
	if (run_workers(&job, show_progress)) {
		status = EXIT_USAGE;
		goto out;
	}
	const char *run_status = got_signal ? "interrupted"
	                         : atomic_load(&job.db_failed) ? "failed"
	                         : atomic_load(&job.sources_failed) ? "errors" : "ok";
	if (db_run_end(job.db, job.run_id, run_status))
		db_failure(&job);

	if (got_signal)
		status = got_signal == SIGINT ? EXIT_SIGINT : EXIT_SIGTERM;
	else if (atomic_load(&job.db_failed) || atomic_load(&job.sources_failed))
		status = EXIT_UNREADABLE;
	else
		status = EXIT_FINISHED;
	if (status == EXIT_FINISHED && o.fail_on.count) {
		long long n = fail_on_count(&job);
		if (n < 0) {
			diag("%s: %s", o.db_path, sqlite3_errmsg(db_handle(job.db)));
			status = EXIT_UNREADABLE;
		} else if (n > 0) {
			status = EXIT_FAIL_ON;
		}
	}
	if (!o.quiet) {
		char rb[32], skipped[80] = "", excluded[64] = "";
		format_bytes(rb, sizeof(rb), (double)atomic_load(&job.bytes_read));
		/* Said, so that a run with nothing found is not taken for a
		 * clean corpus when some of it was not read. */
		uint64_t binary = atomic_load(&job.skipped_binary);
		if (binary)
			snprintf(skipped, sizeof(skipped), ", %llu binary (NUL bytes) skipped (-a scans them)",
			         (unsigned long long)binary);
		uint64_t left_out = job.files.excluded + atomic_load(&job.excluded_members);
		if (left_out)
			snprintf(excluded, sizeof(excluded), ", %llu excluded (--exclude)",
			         (unsigned long long)left_out);
		diag("run %lld: %zu sources, %s read in %.1f s, %llu findings%s%s, %llu unreadable -> %s%s",
		     (long long)job.run_id, job.files.count, rb, seconds_since(&t0),
		     (unsigned long long)atomic_load(&job.findings), skipped, excluded,
		     (unsigned long long)atomic_load(&job.sources_failed), o.db_path,
		     atomic_load(&job.db_failed) ? " (not all recorded: the database could not be"
		                                  " written; continue with --resume)" : "");
	}
out:
	db_close(job.db);
	field_paths_free(job.field_paths);
	db_key_wipe(&job.key);
	walk_release(&job.files);
	ruleset_release(&rules);
	rule_options_release(&o.rules);
	rule_strings_release(&o.fail_on);
	json_paths_release(&o.fields);
	path_exclude_release(&o.exclude);
	return status;
}
