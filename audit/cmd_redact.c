/*
 * audit/cmd_redact.c - piiaudit redact: a copy of each input without the
 * personal data, in the same format, and the evidence that it is clean.
 *
 * scanners/redact_io.c opens each input and writes its copy (plain, single
 * compressed streams, tar in every compression, zip) through a temporary
 * file renamed on success; for each text unit it calls on_text() here.
 * A text unit is rewritten either as a stream of block-stream windows
 * (scanners/rewrite.c keeps the cursor, so a value across two blocks is
 * replaced once) or, for JSON lines with --field and for the drop-record
 * style, line by line, or, for a JSON array with --field, element by
 * element (the array held whole, as scan holds it): the selected string
 * fields are decoded, matched, and the matches mapped back to raw bytes
 * and replaced by JSON-escaped text, so every record stays valid JSON.
 *
 * With --plan (an erasure; audit/redact_plan.c reads the plan), only hits
 * whose keyed fingerprint is planned are kept, and each planned location
 * of the unit is checked (the bytes there must have the planned
 * fingerprint) and replaced, or marked changed; the outcome of every
 * location is recorded in redaction_plan_locations.
 *
 * What a value becomes is rules/pseudonym.c's: placeholder, mask, or a
 * pseudonym seeded by the value's keyed fingerprint.  Each file's run is
 * recorded in the redactions table; --verify rescans each output with the
 * scanner's own reader and the same rules.
 *
 * --jobs N workers take the next input from a shared index, as scan's do.
 * Each worker owns a redactor (matcher, block stream, line buffers, its
 * counts); the rules, the key and the plan are shared and read only,
 * except the plan's locations, which a file claims under the run's lock
 * and then alone sets.  The lock also serialises the database writes and
 * the run's totals.  What a value becomes depends only on the value and
 * the key, so the outputs are the same byte for byte whatever N.  The
 * workers' decoders and encoders share one memory budget
 * (--max-codec-memory; redact_io.h says how a file takes from it), which
 * --verify's reader uses too.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "audit/redact_plan.h"
#include "db/schema.h"
#include "db/store.h"
#include "rules/pseudonym.h"
#include "scanners/csv_fields.h"
#include "scanners/json_fields.h"
#include "scanners/mem_budget.h"
#include "scanners/reader.h"
#include "scanners/redact_io.h"
#include "scanners/rewrite.h"
#include "scanners/scan_pool.h"
#include "scanners/walk.h"

enum style { STYLE_PLACEHOLDER, STYLE_MASK, STYLE_PSEUDONYM, STYLE_DROP };
static const char *const style_names[] = { "placeholder", "mask", "pseudonym", "drop-record" };

#define REPL_MAX (SCAN_OVERLAP_DEFAULT * 6 + 64)   /* a value JSON-escaped, worst case */

struct redact_options {
	const char *db_path;
	const char *key_path;
	const char *out_dir;
	const char *out_file;
	struct rule_strings packs, only, except;
	bool no_builtin;
	enum style style;
	double min_confidence;
	bool placeholders;          /* --include-placeholders */
	struct json_paths fields;
	int csv;                    /* --format: 0 CSV by name, ',' or '\t' every input, -1 never */
	bool format_given;
	uint64_t max_findings;
	uint64_t max_record_bytes;
	bool force, verify, quiet, follow;
	bool binary;                /* -a: content with NUL bytes redacted as text */
	unsigned jobs;              /* --jobs: workers */
	int gzip_level;             /* --gzip-level, 0: redact_io's default */
	int xz_level;               /* --xz-level */
	uint64_t max_codec_memory;  /* --max-codec-memory; 0: no limit */
	const char *plan_path;      /* --plan: an erasure */
};

/* A set of 64-bit hashes: the pseudonyms written, for --verify. */
struct hash_set {
	uint64_t *slots;
	size_t cap, count;
};

struct span {
	size_t start, end;          /* raw offsets in the line */
	size_t text, len;           /* replacement in the arena */
	bool planned;               /* --plan: it is a planned location */
};

/* --plan, stream mode: a span to replace in a window. */
struct cand {
	uint64_t start, end;        /* member offsets */
	const struct rule *rule;    /* NULL: a planned location whose rule is not loaded */
	const char *category;
	struct plan_loc *loc;       /* the planned location it is, or NULL */
};

struct pairs;

/* The run, shared by the workers. */
struct redact_job {
	const struct redact_options *opt;
	struct ruleset *rules;
	const struct db_key *key;
	struct redact_plan *plan;   /* NULL without --plan */
	unsigned char *claimed;     /* --plan: per location, taken by a file */
	const struct pairs *pairs;
	struct db_store *db;
	int64_t run_id;
	atomic_size_t next;         /* the next pair to take */
	pthread_mutex_t lock;       /* the database, the claims, the totals below */
	uint64_t failed, left, replaced, dropped, done;
	uint64_t copied;            /* units of the files done copied as binary */
	struct scan_pool *pool;     /* matches stream windows; NULL: workers do */
	struct mem_budget *codec_budget;   /* --max-codec-memory; NULL: no limit */
};

/* Windows of a stream a worker may have in the pool at once (see
 * cmd_scan.c): matching overlaps with reading, rewriting and writing. */
#define REDACT_DEPTH 8

struct redact_pending {
	struct scan_task task;
	uint64_t base;
	bool final;
};

struct redactor {
	const struct redact_options *opt;
	struct redact_job *job;
	pthread_t thread;
	bool started;
	struct ruleset *rules;
	struct rule_matcher *matcher;
	const struct db_key *key;
	struct scan_stream stream;
	struct rewrite rw;
	struct redact_out *out;     /* of the unit being rewritten */
	struct rule_hit *hits;
	size_t hit_count, hit_alloc;
	struct redact_pending pending[REDACT_DEPTH];   /* stream windows in the pool, a ring */
	size_t pending_head, pending_count;
	uint64_t *counts;           /* per rule, this file: values replaced (drop-record:
	                             * findings removed with their records) */
	uint64_t *found;            /* per rule: selected findings met in the input */
	uint64_t *left;             /* per rule: findings --verify met in the output */
	size_t *rec_rules;          /* drop-record: the rules of the findings of the line */
	size_t rec_rule_count, rec_rule_alloc;
	uint64_t replaced, dropped, bytes_in, bytes_out;
	struct hash_set pseudonyms;
	char reason[512];
	/* Line mode. */
	unsigned char *line;
	size_t line_cap;
	unsigned char *decoded;
	uint32_t *map;
	size_t decoded_cap;
	struct span *spans;
	size_t span_count, span_alloc;
	char *arena;
	size_t arena_len, arena_cap;
	const unsigned char *rec;   /* the line being walked */
	struct json_keys keys;      /* --field '*': the keys above the value */
	uint64_t rec_findings;
	/* CSV with --field: the separator, and the header's columns (for
	 * rewriting, and for --verify's rescan); csv_text: rows as text (the
	 * header could not be read). */
	unsigned char csv_sep;
	struct csv_columns csv_cols, v_cols;
	bool csv_text, v_csv_text;
	/* Verify. */
	uint64_t remaining, verify_errors;
	uint64_t v_line, v_line_hits;
	/* --plan. */
	struct redact_plan *plan;   /* NULL without --plan */
	struct plan_loc **file_locs; /* the planned locations of the file being redacted */
	size_t file_loc_count, file_loc_alloc;
	struct plan_loc **unit_locs; /* of the text unit, by offset */
	size_t unit_loc_count, unit_loc_alloc, unit_loc_next;
	struct cand *cands;
	size_t cand_count, cand_alloc;
	uint64_t line_off;          /* line mode: member offset of the line */
	uint64_t plan_extra;        /* occurrences of planned values not in the plan */
	unsigned char loc_val[SCAN_OVERLAP_DEFAULT];
	uint32_t loc_map[SCAN_OVERLAP_DEFAULT + 1];
	char text[REPL_MAX], esc[REPL_MAX];   /* a replacement, and escaped */
};

/* Set by the handler, read by every worker (and by a wait for codec
 * memory: mem_budget takes an int). */
static volatile int got_signal;   /* sig_atomic_t is int here */

static void on_signal(int signo)
{
	int saved = errno;
	got_signal = signo;
	errno = saved;
}

/* ---- the pseudonym set ---- */

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

static int set_add(struct hash_set *s, uint64_t h)
{
	if (2 * (s->count + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		uint64_t *slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i])
				for (size_t k = s->slots[i] & (cap - 1);; k = (k + 1) & (cap - 1))
					if (!slots[k]) {
						slots[k] = s->slots[i];
						break;
					}
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	for (size_t k = h & (s->cap - 1);; k = (k + 1) & (s->cap - 1)) {
		if (s->slots[k] == h)
			return 0;
		if (!s->slots[k]) {
			s->slots[k] = h;
			s->count++;
			return 0;
		}
	}
}

static bool set_has(const struct hash_set *s, uint64_t h)
{
	if (!s->cap)
		return false;
	for (size_t k = h & (s->cap - 1); s->slots[k]; k = (k + 1) & (s->cap - 1))
		if (s->slots[k] == h)
			return true;
	return false;
}

/* ---- hits ---- */

static int collect_hit(void *ctx, const struct rule_hit *hit)
{
	struct redactor *r = ctx;
	/* An erasure redacts the planned values even where they look like
	 * documentation placeholders: the fingerprint decides. */
	if (hit->confidence < r->opt->min_confidence || (hit->placeholder && !r->opt->placeholders && !r->plan))
		return 0;
	if (r->hit_count == r->hit_alloc) {
		size_t alloc = r->hit_alloc ? r->hit_alloc * 2 : 256;
		struct rule_hit *grown = realloc(r->hits, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		r->hits = grown;
		r->hit_alloc = alloc;
	}
	r->hits[r->hit_count++] = *hit;
	return 0;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct rule_hit *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	return strcmp(x->rule->id, y->rule->id);
}

/* The keyed fingerprint of a value, as scan computes it. */
static void value_fingerprint(struct redactor *r, const char *cat, const unsigned char *value, size_t len,
                              char fp[DB_FINGERPRINT_HEX])
{
	char normal[4096];
	size_t nlen = rule_normalize(cat, (const char *)value, len, normal, sizeof(normal));
	db_key_fingerprint(r->key, cat, normal, nlen, fp);
	explicit_bzero(normal, nlen);
}

/* The selected hits of subject[from, accept_end), in order of start (the
 * longest first); with --plan, only those of a planned value.  -1 when out
 * of memory. */
/* The matcher's hits in r->hits, kept (--plan: planned values only) and
 * sorted. */
static void settle_hits(struct redactor *r, const unsigned char *s)
{
	if (r->plan) {
		size_t kept = 0;
		for (size_t i = 0; i < r->hit_count; i++) {
			char fp[DB_FINGERPRINT_HEX];
			value_fingerprint(r, r->hits[i].rule->category, s + r->hits[i].start, r->hits[i].len, fp);
			if (redact_plan_has(r->plan, r->hits[i].rule->category, fp))
				r->hits[kept++] = r->hits[i];
		}
		r->hit_count = kept;
	}
	if (r->hit_count > 1)
		qsort(r->hits, r->hit_count, sizeof(*r->hits), hit_cmp);
}

static int find_hits(struct redactor *r, const unsigned char *s, size_t len, size_t from, size_t end)
{
	r->hit_count = 0;
	if (rule_matcher_scan(r->matcher, s, len, from, end, NULL, collect_hit, r))
		return -1;
	settle_hits(r, s);
	return 0;
}

/* A selected field's raw content raw[0, raw_len) (a JSON string's, or a
 * CSV cell's when csv), decoded behind its name (rule_matcher_scan_field(),
 * as scan matches it; NULL: none) into r->decoded, r->map its raw offsets,
 * and matched: its text in *text.  -1 when out of memory. */
static int find_field_hits(struct redactor *r, const char *name, const unsigned char *raw,
                           size_t raw_len, bool csv, unsigned char **text)
{
	size_t prefix = rule_field_prefix_len(name);
	if (prefix + raw_len + 1 > r->decoded_cap) {
		size_t cap = prefix + raw_len + 1;
		unsigned char *d = realloc(r->decoded, cap);
		if (d)
			r->decoded = d;
		uint32_t *m = realloc(r->map, cap * sizeof(*m));
		if (m)
			r->map = m;
		if (!d || !m)
			return -1;
		r->decoded_cap = cap;
	}
	rule_field_prefix(name, r->decoded);
	*text = r->decoded + prefix;
	size_t n = csv ? csv_decode_cell(raw, raw_len, *text, r->map)
	           : json_decode_string(raw, raw_len, *text, r->map);
	r->hit_count = 0;
	if (rule_matcher_scan_field(r->matcher, r->decoded, prefix, prefix + n, collect_hit, r))
		return -1;
	settle_hits(r, *text);
	return 0;
}

/* The name a value of --field path_index is matched behind, as scan
 * matches it: a JSON field's last key, a CSV column's --field text; under
 * '*', the key or column it came with (its raw bytes, FIELD_NAME_MAX at
 * most, in buf), none for a key itself. */
#define FIELD_NAME_MAX 64
static const char *field_name(const struct redactor *r, const struct csv_columns *cols, size_t path_index,
                              char buf[FIELD_NAME_MAX + 1])
{
	const struct json_paths *paths = &r->opt->fields;
	if (path_index < paths->count)
		return cols ? paths->items[path_index].text : json_path_name(&paths->items[path_index]);
	const unsigned char *raw;
	size_t len;
	if (cols) {
		raw = (const unsigned char *)cols->name[path_index - paths->count];
		len = strlen((const char *)raw);
	} else if (path_index == JSON_PATH_EVERY && r->keys.count) {
		raw = r->rec + r->keys.start[r->keys.count - 1];
		len = r->keys.end[r->keys.count - 1] - r->keys.start[r->keys.count - 1];
	} else {
		return NULL;
	}
	if (!len || len > FIELD_NAME_MAX || memchr(raw, 0, len))
		return NULL;
	memcpy(buf, raw, len);
	buf[len] = 0;
	return buf;
}

/* The JSON string (under '*', also a number or a key) at
 * r->rec[start, end) of --field path_index. */
static int find_json_field_hits(struct redactor *r, size_t path_index, size_t start, size_t end,
                                unsigned char **text)
{
	char name[FIELD_NAME_MAX + 1];
	return find_field_hits(r, field_name(r, NULL, path_index, name), r->rec + start, end - start, false,
	                       text);
}

static bool field_mode(const struct redact_options *o)
{
	return o->fields.count || o->fields.every;
}

/* What the value becomes; returns its length (unescaped).  rule may be
 * NULL (a planned location whose rule is not loaded): counted in the
 * total only. */
static size_t replacement(struct redactor *r, const struct rule *rule, const char *cat,
                          const unsigned char *value, size_t len, char *out, size_t cap)
{
	size_t n;
	if (rule)
		r->counts[rule - r->rules->rules]++;
	r->replaced++;
	switch (r->opt->style) {
	case STYLE_MASK:
		return rule_mask_shape(cat, (const char *)value, len, out, cap);
	case STYLE_PSEUDONYM: {
		char fp[DB_FINGERPRINT_HEX];
		unsigned char seed[RULE_SEED_BYTES];
		value_fingerprint(r, cat, value, len, fp);
		rule_seed_from_hex(fp, seed);
		n = rule_pseudonym(cat, (const char *)value, len, seed, out, cap);
		if (r->opt->verify)
			set_add(&r->pseudonyms, hash_bytes(out, n));
		return n;
	}
	default:
		return rule_placeholder(cat, out, cap);
	}
}

/* The part of an overlapping hit past what was already replaced.  The
 * value is gone from the output with its neighbour: counted as redacted
 * for its rule, when it has one (not in the file's replaced total, which
 * counts replacements written). */
static size_t tail_replacement(struct redactor *r, const struct rule *rule, const unsigned char *v,
                               size_t n, char *out, size_t cap)
{
	if (rule)
		r->counts[rule - r->rules->rules]++;
	if (r->opt->style == STYLE_PLACEHOLDER)
		return 0;
	return rule_mask_shape("other", (const char *)v, n, out, cap);
}

/* ---- --plan: an erasure's planned locations ---- */

static size_t json_escape(const char *text, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 6 < cap; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '"' || c == '\\') {
			out[k++] = '\\';
			out[k++] = (char)c;
		} else if (c < 0x20) {
			k += (size_t)snprintf(out + k, cap - k, "\\u%04x", c);
		} else {
			out[k++] = (char)c;
		}
	}
	return k;
}

static void loc_changed(struct plan_loc *loc, const char *why)
{
	loc->status = PLAN_CHANGED;
	loc->why = why;
}

/* Whether raw[0, loc->length) holds loc's planned value, fingerprinted
 * with this key; *value and *vlen: the value, decoded when loc lies in a
 * JSON string. */
static bool loc_holds(struct redactor *r, const struct plan_loc *loc, const unsigned char *raw,
                      const unsigned char **value, size_t *vlen)
{
	char fp[DB_FINGERPRINT_HEX];
	*value = raw;
	*vlen = (size_t)loc->length;
	if (loc->record > 0) {
		*vlen = json_decode_string(raw, (size_t)loc->length, r->loc_val, r->loc_map);
		*value = r->loc_val;
	}
	value_fingerprint(r, loc->category, *value, *vlen, fp);
	return !strcmp(fp, loc->fingerprint);
}

/* The replacement of a planned location that holds its value: in r->text,
 * JSON-escaped into r->esc when it lies in a JSON string.  Its length, and
 * *out where it is. */
static size_t loc_replacement(struct redactor *r, const struct plan_loc *loc, const struct rule *rule,
                              const unsigned char *value, size_t vlen, const char **out)
{
	size_t n = replacement(r, rule, loc->category, value, vlen, r->text, REPL_MAX);
	explicit_bzero(r->loc_val, sizeof(r->loc_val));
	*out = r->text;
	if (loc->record > 0) {
		n = json_escape(r->text, n, r->esc, REPL_MAX);
		*out = r->esc;
	}
	return n;
}

static const struct rule *loc_rule(struct redactor *r, const struct plan_loc *loc)
{
	return loc->rule ? ruleset_find(r->rules, loc->rule) : NULL;
}

static int push_cand(struct redactor *r, uint64_t start, uint64_t end, const struct rule *rule,
                     const char *category, struct plan_loc *loc)
{
	if (r->cand_count == r->cand_alloc) {
		size_t alloc = r->cand_alloc ? 2 * r->cand_alloc : 64;
		struct cand *grown = realloc(r->cands, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		r->cands = grown;
		r->cand_alloc = alloc;
	}
	r->cands[r->cand_count++] = (struct cand){ start, end, rule, category, loc };
	return 0;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return (x->loc == NULL) - (y->loc == NULL);
}

/* Stream mode with --plan: the window's hits of planned values (found by
 * fingerprint, wherever they are) and its planned locations (each checked:
 * the bytes there must still have the planned fingerprint), replaced in
 * order of start. */
static int plan_window(struct redactor *r, const struct scan_window *w)
{
	uint64_t hi = w->base + w->accept_end;
	r->cand_count = 0;
	for (size_t i = 0; i < r->hit_count; i++) {
		const struct rule_hit *h = &r->hits[i];
		if (push_cand(r, w->base + h->start, w->base + h->start + h->len, h->rule, h->rule->category, NULL))
			goto oom;
	}
	size_t hits = r->cand_count;
	while (r->unit_loc_next < r->unit_loc_count && r->unit_locs[r->unit_loc_next]->offset < hi) {
		struct plan_loc *loc = r->unit_locs[r->unit_loc_next++];
		uint64_t end = loc->offset + loc->length;
		struct cand *same = NULL;
		for (size_t i = 0; i < hits && !same; i++)
			if (r->cands[i].start == loc->offset && r->cands[i].end == end)
				same = &r->cands[i];
		if (same) {
			same->loc = loc;
			loc->status = PLAN_REDACTED;
			continue;
		}
		if (loc->offset < w->base || loc->length > SCAN_OVERLAP_DEFAULT) {
			loc_changed(loc, "longer than a value can be");
			continue;
		}
		if (end > w->base + w->len) {
			loc_changed(loc, "the text ends before the planned value");
			continue;
		}
		const unsigned char *value;
		size_t vlen;
		if (!loc_holds(r, loc, w->data + (loc->offset - w->base), &value, &vlen)) {
			explicit_bzero(r->loc_val, sizeof(r->loc_val));
			loc_changed(loc, "the bytes there are not the planned value");
			continue;
		}
		explicit_bzero(r->loc_val, sizeof(r->loc_val));
		loc->status = PLAN_REDACTED;
		if (push_cand(r, loc->offset, end, loc_rule(r, loc), loc->category, loc))
			goto oom;
	}
	for (size_t i = 0; i < hits; i++)
		r->plan_extra += !r->cands[i].loc;
	if (r->cand_count > 1)
		qsort(r->cands, r->cand_count, sizeof(*r->cands), cand_cmp);
	for (size_t i = 0; i < r->cand_count; i++) {
		const struct cand *c = &r->cands[i];
		uint64_t pos = rewrite_pos(&r->rw);
		const char *text = r->text;
		size_t n;
		if (c->end <= pos)
			continue;
		if (c->start < pos) {
			n = tail_replacement(r, c->rule, w->data + (pos - w->base), (size_t)(c->end - pos), r->text,
			                     REPL_MAX);
		} else if (c->loc && c->loc->record > 0) {
			const unsigned char *value;
			size_t vlen;
			loc_holds(r, c->loc, w->data + (c->start - w->base), &value, &vlen);
			n = loc_replacement(r, c->loc, c->rule, value, vlen, &text);
		} else {
			n = replacement(r, c->rule, c->category, w->data + (c->start - w->base),
			                (size_t)(c->end - c->start), r->text, REPL_MAX);
		}
		if (rewrite_replace(&r->rw, w, c->start < pos ? pos : c->start, c->end, text, n))
			return 1;
	}
	return rewrite_window_done(&r->rw, w) ? 1 : 0;
oom:
	snprintf(r->reason, sizeof(r->reason), "out of memory");
	return 1;
}

/* ---- stream mode ---- */

static int stream_out(void *ctx, const void *data, size_t n)
{
	struct redactor *r = ctx;
	r->bytes_out += n;
	if (redact_out_write(r->out, data, n)) {
		snprintf(r->reason, sizeof(r->reason), "%s", r->out->error);
		return -1;
	}
	return 0;
}

/* A window matched (its hits in r->hits): the spans replaced, the rest
 * copied. */
static int rewrite_hits(struct redactor *r, const struct scan_window *w)
{
	char *text = r->text;
	if (r->plan)
		return plan_window(r, w);
	for (size_t i = 0; i < r->hit_count; i++) {
		const struct rule_hit *h = &r->hits[i];
		uint64_t start = w->base + h->start, end = start + h->len, pos = rewrite_pos(&r->rw);
		size_t n;
		if (end <= pos)
			continue;
		r->found[h->rule - r->rules->rules]++;
		if (start < pos)
			n = tail_replacement(r, h->rule, w->data + (pos - w->base), (size_t)(end - pos), text,
			                     REPL_MAX);
		else
			n = replacement(r, h->rule, h->rule->category, w->data + h->start, h->len, text, REPL_MAX);
		if (rewrite_replace(&r->rw, w, start < pos ? pos : start, end, text, n))
			return 1;
	}
	return rewrite_window_done(&r->rw, w) ? 1 : 0;
}

/* The oldest window in the pool: waited for, its hits taken, rewritten
 * from the task's copy of the window. */
static int retire_window(struct redactor *r, bool use)
{
	struct redact_pending *p = &r->pending[r->pending_head];
	struct scan_task *t = &p->task;
	scan_pool_wait(r->job->pool, t);
	r->pending_head = (r->pending_head + 1) % REDACT_DEPTH;
	r->pending_count--;
	if (!use)
		return 0;
	if (t->rc) {
		snprintf(r->reason, sizeof(r->reason), "out of memory");
		return 1;
	}
	r->hit_count = 0;
	for (size_t i = 0; i < t->hit_count; i++)
		if (collect_hit(r, &t->hits[i])) {
			snprintf(r->reason, sizeof(r->reason), "out of memory");
			return 1;
		}
	settle_hits(r, t->data);
	struct scan_window w = { .data = t->data, .len = t->len, .from = t->from,
	                         .accept_end = t->accept_end, .base = p->base, .final = p->final };
	return rewrite_hits(r, &w);
}

/* Every window in the pool rewritten (use), or only waited for after a
 * failure; non-zero when one could not be rewritten. */
static int drain_windows(struct redactor *r, bool use)
{
	int rc = 0;
	while (r->pending_count)
		rc |= retire_window(r, use && !rc);
	return rc;
}

static int on_window(void *ctx, struct scan_stream *s, const struct scan_window *w)
{
	struct redactor *r = ctx;
	(void)s;
	if (got_signal) {
		snprintf(r->reason, sizeof(r->reason), "interrupted");
		return 1;
	}
	if (r->job->pool) {
		if (r->pending_count == REDACT_DEPTH && retire_window(r, true))
			return 1;
		struct redact_pending *p = &r->pending[(r->pending_head + r->pending_count) % REDACT_DEPTH];
		if (scan_task_fill(&p->task, w->data, w->len, w->from, w->accept_end)) {
			snprintf(r->reason, sizeof(r->reason), "out of memory");
			return 1;
		}
		p->base = w->base;
		p->final = w->final;
		scan_pool_submit(r->job->pool, &p->task);
		r->pending_count++;
		return 0;
	}
	if (find_hits(r, w->data, w->len, w->from, w->accept_end)) {
		snprintf(r->reason, sizeof(r->reason), "out of memory");
		return 1;
	}
	return rewrite_hits(r, w);
}

static int redact_stream_windows(struct redactor *r, const struct redact_io_unit *u);

/* The stream's windows go to the pool as they fill; the ones still there at
 * the end (or after a failure) are waited for before the buffers are used
 * again. */
static int redact_stream(struct redactor *r, const struct redact_io_unit *u)
{
	int rc = redact_stream_windows(r, u);
	if (drain_windows(r, rc == 0))
		rc = -1;
	return rc;
}

static int redact_stream_windows(struct redactor *r, const struct redact_io_unit *u)
{
	struct scan_stream *s = &r->stream;
	int rc = 0;
	scan_stream_reset(s, on_window, r);
	rewrite_reset(&r->rw, stream_out, r);
	for (;;) {
		size_t avail;
		unsigned char *dst = scan_stream_space(s, &avail);
		ssize_t got = byte_src_read(u->src, dst, avail);
		if (got < 0) {
			snprintf(r->reason, sizeof(r->reason), "%s", u->src->error);
			return -1;
		}
		if (got == 0)
			break;
		r->bytes_in += (uint64_t)got;
		if ((rc = scan_stream_commit(s, (size_t)got)))
			return -1;
	}
	return scan_stream_finish(s) ? -1 : 0;
}

/* ---- line mode ---- */

/* Room for n more bytes in the arena (which may move). */
static int arena_reserve(struct redactor *r, size_t n)
{
	if (r->arena_len + n > r->arena_cap) {
		size_t cap = r->arena_cap ? r->arena_cap : 4096;
		while (cap < r->arena_len + n)
			cap *= 2;
		char *grown = realloc(r->arena, cap);
		if (!grown)
			return -1;
		r->arena = grown;
		r->arena_cap = cap;
	}
	return 0;
}

static int arena_put(struct redactor *r, const char *s, size_t n)
{
	if (arena_reserve(r, n))
		return -1;
	memcpy(r->arena + r->arena_len, s, n);
	r->arena_len += n;
	return 0;
}

/* Appends the replacement of raw [start, end), JSON-escaped if asked. */
/* How a replacement is written: as it is, as JSON string content, or in a
 * CSV cell (quotes doubled when the cell is quoted; in an unquoted cell a
 * separator, quote or line break would change the row, and is refused). */
enum span_text { SPAN_AS_IS, SPAN_JSON, SPAN_CSV_QUOTED, SPAN_CSV_BARE };

static int add_span(struct redactor *r, size_t start, size_t end, const char *text, size_t n,
                    enum span_text how)
{
	if (r->span_count == r->span_alloc) {
		size_t alloc = r->span_alloc ? 2 * r->span_alloc : 64;
		struct span *grown = realloc(r->spans, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		r->spans = grown;
		r->span_alloc = alloc;
	}
	struct span *sp = &r->spans[r->span_count++];
	sp->start = start;
	sp->end = end;
	sp->planned = false;
	sp->text = r->arena_len;
	if (how == SPAN_CSV_BARE) {
		for (size_t i = 0; i < n; i++)
			if (text[i] == (char)r->csv_sep || text[i] == '"' || text[i] == '\r' || text[i] == '\n') {
				snprintf(r->reason, sizeof(r->reason),
				         "a replacement holds a separator, quote or line break, which an unquoted CSV cell cannot");
				return -1;
			}
	}
	if (how == SPAN_CSV_QUOTED) {
		for (size_t i = 0; i < n; i++)
			if (arena_put(r, text + i, 1) || (text[i] == '"' && arena_put(r, "\"", 1)))
				return -1;
	} else if (how != SPAN_JSON) {
		if (arena_put(r, text, n))
			return -1;
	} else {
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)text[i];
			char esc[8];
			int rc;
			if (c == '"' || c == '\\') {
				esc[0] = '\\';
				esc[1] = (char)c;
				rc = arena_put(r, esc, 2);
			} else if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				rc = arena_put(r, esc, 6);
			} else {
				rc = arena_put(r, (const char *)&c, 1);
			}
			if (rc)
				return -1;
		}
	}
	sp->len = r->arena_len - sp->text;
	return 0;
}

/* drop-record: remembers the rule of a finding of the line, so a dropped
 * line's findings are counted per rule as removed. */
static int rec_rule_add(struct redactor *r, size_t rule)
{
	if (r->rec_rule_count == r->rec_rule_alloc) {
		size_t alloc = r->rec_rule_alloc ? 2 * r->rec_rule_alloc : 64;
		size_t *grown = realloc(r->rec_rules, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		r->rec_rules = grown;
		r->rec_rule_alloc = alloc;
	}
	r->rec_rules[r->rec_rule_count++] = rule;
	return 0;
}

/* Hits found in subject (decoded field, or raw line) become spans; map
 * (NULL for raw) turns decoded offsets into raw ones, base is added. */
static int hits_to_spans(struct redactor *r, const unsigned char *subject, const uint32_t *map,
                         size_t base, enum span_text how)
{
	char *text = r->text;
	size_t pos = 0;
	for (size_t i = 0; i < r->hit_count; i++) {
		const struct rule_hit *h = &r->hits[i];
		size_t start = h->start, end = h->start + h->len, n;
		if (end <= pos)
			continue;
		r->rec_findings++;
		r->found[h->rule - r->rules->rules]++;
		if (r->opt->style == STYLE_DROP) {
			if (rec_rule_add(r, (size_t)(h->rule - r->rules->rules)))
				return -1;
			pos = end;
			continue;
		}
		if (start < pos) {
			n = tail_replacement(r, h->rule, subject + pos, end - pos, text, REPL_MAX);
			start = pos;
		} else {
			n = replacement(r, h->rule, h->rule->category, subject + start, h->len, text, REPL_MAX);
		}
		pos = end;
		size_t raw_start = map ? map[start] : start, raw_end = map ? map[end] : end;
		if (add_span(r, base + raw_start, base + raw_end, text, n, how))
			return -1;
	}
	return 0;
}

/*
 * Under '*' a JSON number is a field too; one that holds a value becomes a
 * string, so the spans of its hits (from `first` on) are made one that
 * quotes the whole number with the values replaced (a number has nothing
 * to escape; the replacements are escaped already).
 */
static int quote_number(struct redactor *r, size_t first, size_t start, size_t end)
{
	if (r->span_count == first)
		return 0;
	/* The replacements are copied from the arena into it: room first. */
	size_t need = end - start + 2;
	for (size_t i = first; i < r->span_count; i++)
		need += r->spans[i].len;
	if (arena_reserve(r, need))
		return -1;
	size_t text = r->arena_len, at = start;
	if (arena_put(r, "\"", 1))
		return -1;
	for (size_t i = first; i < r->span_count; i++) {
		const struct span *sp = &r->spans[i];
		if (arena_put(r, (const char *)r->rec + at, sp->start - at) ||
		    arena_put(r, r->arena + sp->text, sp->len))
			return -1;
		at = sp->end;
	}
	if (arena_put(r, (const char *)r->rec + at, end - at) || arena_put(r, "\"", 1))
		return -1;
	r->span_count = first + 1;
	r->spans[first] = (struct span){ .start = start, .end = end, .text = text, .len = r->arena_len - text };
	return 0;
}

static int on_field(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct redactor *r = ctx;
	unsigned char *text;
	size_t first = r->span_count;
	if (find_json_field_hits(r, path_index, start, end, &text) ||
	    hits_to_spans(r, text, r->map, start, SPAN_JSON))
		return -2;
	/* A string's content follows its quote; a number never does (it may
	 * be a whole array element, at 0). */
	if (path_index == JSON_PATH_EVERY && (start == 0 || r->rec[start - 1] != '"') &&
	    quote_number(r, first, start, end))
		return -2;
	return 0;
}

/* A selected CSV cell of the row r->rec, its raw content [start, end)
 * (inside the quotes when quoted), behind its column's name. */
static int on_csv_cell(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct redactor *r = ctx;
	bool quoted = start > 0 && r->rec[start - 1] == '"';
	unsigned char *text;
	char name[FIELD_NAME_MAX + 1];
	if (find_field_hits(r, field_name(r, &r->csv_cols, path_index, name), r->rec + start, end - start, true,
	                    &text) ||
	    hits_to_spans(r, text, r->map, start, quoted ? SPAN_CSV_QUOTED : SPAN_CSV_BARE))
		return -2;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

/* Line mode with --plan: the planned locations in text[0, len) (at member
 * offset off), next to the spans of the hits already found: a location a
 * hit replaces already is marked; any other is checked (the bytes there
 * must still have the planned fingerprint) and becomes a span.  The spans
 * are left in order. */
static int plan_spans(struct redactor *r, const unsigned char *text, size_t len, uint64_t off)
{
	size_t hits = r->span_count;
	bool added = false;
	while (r->unit_loc_next < r->unit_loc_count && r->unit_locs[r->unit_loc_next]->offset < off + len) {
		struct plan_loc *loc = r->unit_locs[r->unit_loc_next++];
		if (loc->offset < off) {
			loc_changed(loc, "not inside a line any more");
			continue;
		}
		size_t start = (size_t)(loc->offset - off), end = start + (size_t)loc->length;
		struct span *same = NULL;
		for (size_t i = 0; i < hits && !same; i++)
			if (r->spans[i].start == start && r->spans[i].end == end)
				same = &r->spans[i];
		if (same) {
			same->planned = true;
			loc->status = PLAN_REDACTED;
			continue;
		}
		if (loc->length > SCAN_OVERLAP_DEFAULT) {
			loc_changed(loc, "longer than a value can be");
			continue;
		}
		if (end > len) {
			loc_changed(loc, "the line ends before the planned value");
			continue;
		}
		const unsigned char *value;
		size_t vlen;
		if (!loc_holds(r, loc, text + start, &value, &vlen)) {
			explicit_bzero(r->loc_val, sizeof(r->loc_val));
			loc_changed(loc, "the bytes there are not the planned value");
			continue;
		}
		loc->status = PLAN_REDACTED;
		r->rec_findings++;
		if (r->opt->style == STYLE_DROP) {
			explicit_bzero(r->loc_val, sizeof(r->loc_val));
			continue;
		}
		const char *repl;
		size_t n = loc_replacement(r, loc, loc_rule(r, loc), value, vlen, &repl);
		if (add_span(r, start, end, repl, n, SPAN_AS_IS))
			return -1;
		r->spans[r->span_count - 1].planned = true;
		added = true;
	}
	for (size_t i = 0; i < hits; i++)
		r->plan_extra += !r->spans[i].planned;
	if (added)
		qsort(r->spans, r->span_count, sizeof(*r->spans), span_cmp);
	return 0;
}

static int first_json_byte(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')
			continue;
		if (i == 0 && n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
			i += 2;
			continue;
		}
		return p[i];
	}
	return -1;
}

/* A record whose field walk failed is matched as text: what the walk met
 * before it failed is not counted twice. */
static void forget_fields(struct redactor *r)
{
	for (size_t i = 0; i < r->rec_rule_count; i++)
		r->found[r->rec_rules[i]]--;
	r->span_count = r->arena_len = 0;
	r->rec_findings = 0;
	r->rec_rule_count = 0;
}

/* The spans to replace in one record, at member offset off: a line, an
 * element of a JSON array (element), or a CSV data row without its line
 * end (in a CSV unit, r->csv_sep set).  With --field the selected fields,
 * or cells; a record that is not valid JSON or CSV (or a row after a CSV
 * header that could not be read) whole, as text, as scan reads it.  -1
 * with the reason. */
static int record_spans(struct redactor *r, const unsigned char *line, size_t len, uint64_t off, bool element)
{
	r->span_count = r->arena_len = 0;
	r->rec_findings = 0;
	r->rec_rule_count = 0;
	r->rec = line;
	r->reason[0] = '\0';
	int rc = -1;
	int first = first_json_byte(line, len);
	if (r->csv_sep ? !r->csv_text : field_mode(r->opt) && (element || first == '{' || first == '[')) {
		struct json_error err;
		struct csv_error cerr;
		rc = r->csv_sep ? csv_walk_row(line, len, r->csv_sep, &r->csv_cols, on_csv_cell, r, &cerr)
		     : json_walk_fields_keys(line, len, &r->opt->fields, on_field, r, &err, &r->keys);
		if (rc == -2)
			goto failed;
		if (rc)
			forget_fields(r);
	}
	if (rc && (find_hits(r, line, len, 0, len) || hits_to_spans(r, line, NULL, 0, SPAN_AS_IS)))
		goto failed;
	if (r->plan && plan_spans(r, line, len, off))
		goto failed;
	return 0;
failed:
	if (!r->reason[0])
		snprintf(r->reason, sizeof(r->reason), "out of memory");
	return -1;
}

/* The record written with its spans replaced. */
static int write_spans(struct redactor *r, const unsigned char *line, size_t len)
{
	size_t at = 0;
	for (size_t i = 0; i < r->span_count; i++) {
		const struct span *sp = &r->spans[i];
		if (sp->start < at)
			continue; /* inside a span already replaced */
		if (stream_out(r, line + at, sp->start - at) || stream_out(r, r->arena + sp->text, sp->len))
			return -1;
		at = sp->end;
	}
	return stream_out(r, line + at, len - at);
}

/* A record over drop-record's limit: its findings go with it, each counted
 * as redacted for its rule. */
static void drop_record(struct redactor *r)
{
	r->dropped++;
	for (size_t i = 0; i < r->rec_rule_count; i++)
		r->counts[r->rec_rules[i]]++;
}

/* One line (without its newline): matched, then written with its spans
 * replaced, or dropped. */
static int do_line(struct redactor *r, const unsigned char *line, size_t len, bool newline)
{
	if (record_spans(r, line, len, r->line_off, false))
		return -1;
	if (r->opt->style == STYLE_DROP && r->rec_findings > r->opt->max_findings) {
		drop_record(r);
		return 0;
	}
	if (write_spans(r, line, len) || (newline && stream_out(r, "\n", 1)))
		return -1;
	return 0;
}

/* ---- JSON arrays: each element a record ---- */

struct array_out {
	struct redactor *r;
	const unsigned char *data;  /* the whole unit */
	size_t bom;                 /* bytes before data of the array text */
	size_t prev_end;            /* end of the previous element, in data */
	size_t elements;
	bool kept_any;
	int failed;
};

static int count_element(void *ctx, size_t index, size_t start, size_t end)
{
	(void)ctx;
	(void)index;
	(void)start;
	(void)end;
	return 0;
}

/* An element: the bytes before it (the opening bracket, or the separator
 * from the previous element kept), then it with its spans replaced.  A
 * dropped element takes the separator before it along, so the array stays
 * valid JSON. */
static int array_element(void *ctx, size_t index, size_t start, size_t end)
{
	struct array_out *a = ctx;
	struct redactor *r = a->r;
	start += a->bom;
	end += a->bom;
	a->elements++;
	if (got_signal) {
		snprintf(r->reason, sizeof(r->reason), "interrupted");
		return a->failed = 1;
	}
	if (index == 0 && stream_out(r, a->data, start))
		return a->failed = 1;
	if (record_spans(r, a->data + start, end - start, start, true))
		return a->failed = 1;
	bool drop = r->opt->style == STYLE_DROP && r->rec_findings > r->opt->max_findings;
	if (drop) {
		drop_record(r);
	} else {
		if (a->kept_any && stream_out(r, a->data + a->prev_end, start - a->prev_end))
			return a->failed = 1;
		if (write_spans(r, a->data + start, end - start))
			return a->failed = 1;
		a->kept_any = true;
	}
	a->prev_end = end;
	return 0;
}


/* Reads more of the unit into r->line after its first len bytes, first
 * doubling the buffer (to at most max) when it is full; the bytes read, 0
 * at the end, -1 with the reason on an error. */
static ssize_t read_more(struct redactor *r, const struct redact_io_unit *u, size_t len, size_t max)
{
	if (len == r->line_cap) {
		size_t cap = 2 * r->line_cap < max ? 2 * r->line_cap : max;
		unsigned char *grown = realloc(r->line, cap);
		if (!grown) {
			snprintf(r->reason, sizeof(r->reason), "out of memory");
			return -1;
		}
		r->line = grown;
		r->line_cap = cap;
	}
	ssize_t got = byte_src_read(u->src, r->line + len, r->line_cap - len);
	if (got < 0)
		snprintf(r->reason, sizeof(r->reason), "%s", u->src->error);
	else
		r->bytes_in += (uint64_t)got;
	return got;
}

/* A JSON array read whole (up to --max-record-bytes, as scan does) and
 * rewritten element by element; one that is not valid JSON is redacted as
 * text, as one record. */
static int redact_array(struct redactor *r, const struct redact_io_unit *u)
{
	size_t len = 0;
	if (!r->line) {
		r->line_cap = 1u << 20;
		if (!(r->line = malloc(r->line_cap))) {
			snprintf(r->reason, sizeof(r->reason), "out of memory");
			return -1;
		}
	}
	for (;;) {
		if (len == r->line_cap && r->line_cap >= r->opt->max_record_bytes) {
			snprintf(r->reason, sizeof(r->reason),
			         "JSON array larger than %llu bytes (--max-record-bytes): not redacted",
			         (unsigned long long)r->opt->max_record_bytes);
			return -1;
		}
		ssize_t got = read_more(r, u, len, (size_t)r->opt->max_record_bytes);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > r->opt->max_record_bytes) {
			snprintf(r->reason, sizeof(r->reason),
			         "JSON array larger than %llu bytes (--max-record-bytes): not redacted",
			         (unsigned long long)r->opt->max_record_bytes);
			return -1;
		}
	}
	struct array_out a = { .r = r, .data = r->line };
	struct json_error err;
	a.bom = len >= 3 && !memcmp(r->line, "\xef\xbb\xbf", 3) ? 3 : 0;
	r->line_off = 0;
	/* Checked whole first: nothing is written of an array that is not one. */
	if (json_array_elements(r->line + a.bom, len - a.bom, count_element, NULL, &err))
		return do_line(r, r->line, len, false);
	if (json_array_elements(r->line + a.bom, len - a.bom, array_element, &a, &err) || a.failed)
		return -1;
	if (!a.elements)
		return stream_out(r, r->line, len);
	return stream_out(r, r->line + a.prev_end, len - a.prev_end);
}

/* ---- CSV with --field: each row a record ---- */

/* One row, number `number` (0: the header), without its LF: the header
 * read and written as it is; a data row rewritten or dropped.  A CR before
 * the LF is kept. */
static int do_csv_row(struct redactor *r, const unsigned char *row, size_t len, uint64_t number,
                      bool newline)
{
	size_t n = len && row[len - 1] == '\r' ? len - 1 : len;
	if (number == 0) {
		struct csv_error err;
		size_t missing = CSV_NO_PATH;
		int rc = csv_columns_read(&r->csv_cols, row, n, r->csv_sep, &r->opt->fields, &missing, &err);
		if (rc == -2) {
			snprintf(r->reason, sizeof(r->reason), "out of memory");
			return -1;
		}
		if (rc == 0 && missing != CSV_NO_PATH) {
			snprintf(r->reason, sizeof(r->reason), "no column '%.100s' in the CSV header",
			         r->opt->fields.items[missing].text);
			return -1;
		}
		/* A header that cannot be read is redacted as text with the rows,
		 * as scan reads them then. */
		if (rc == 0)
			return stream_out(r, row, len) || (newline && stream_out(r, "\n", 1)) ? -1 : 0;
		r->csv_text = true;
	}
	if (record_spans(r, row, n, r->line_off, false))
		return -1;
	if (r->opt->style == STYLE_DROP && r->rec_findings > r->opt->max_findings) {
		drop_record(r);
		return 0;
	}
	if (write_spans(r, row, n) || stream_out(r, row + n, len - n) || (newline && stream_out(r, "\n", 1)))
		return -1;
	return 0;
}

/* How a unit splits into records that each end at a LF: lines, or CSV rows
 * (whose quoted cells may hold a LF). */
struct record_split {
	const char *what;           /* "line", "CSV row": for the limit's message */
	uint64_t first;             /* the number the message gives the first record */
	struct csv_split csv;       /* CSV rows (r->csv_sep set) */
};

/* Where the record starting at data ends: the index of its LF in
 * [from, len), or len when it goes on (data[0, from) was seen already). */
static size_t record_end(const struct redactor *r, struct record_split *sp, const unsigned char *data,
                         size_t from, size_t len)
{
	if (r->csv_sep)
		return csv_split_scan(&sp->csv, data, from, len);
	const unsigned char *nl = memchr(data + from, '\n', len - from);
	return nl ? (size_t)(nl - data) : len;
}

static int do_record(struct redactor *r, const unsigned char *rec, size_t len, uint64_t number,
                     bool newline)
{
	return r->csv_sep ? do_csv_row(r, rec, len, number, newline) : do_line(r, rec, len, newline);
}

/* Records read into r->line: the unread ones are [start, len), moved to
 * the front only when more must be read (not after each record: a buffer
 * of short lines would be moved once per line). */
static int redact_records(struct redactor *r, const struct redact_io_unit *u, struct record_split *sp)
{
	size_t start = 0, len = 0, scan_from = 0;
	uint64_t number = 0;
	r->line_off = 0;
	if (!r->line) {
		r->line_cap = 1u << 20;
		if (!(r->line = malloc(r->line_cap))) {
			snprintf(r->reason, sizeof(r->reason), "out of memory");
			return -1;
		}
	}
	if (r->csv_sep)
		csv_split_begin(&sp->csv, r->csv_sep);
	for (;;) {
		if (got_signal) {
			snprintf(r->reason, sizeof(r->reason), "interrupted");
			return -1;
		}
		size_t end = start + record_end(r, sp, r->line + start, scan_from - start, len - start);
		/* The limit is the record's, whatever the buffer holds: a buffer
		 * grown for an earlier unit, or its first MiB, can hold many. */
		size_t rec_len = end - start;
		if (rec_len > r->opt->max_record_bytes) {
			snprintf(r->reason, sizeof(r->reason),
			         "%s %llu is longer than %llu bytes (--max-record-bytes): not redacted", sp->what,
			         (unsigned long long)(number + sp->first), (unsigned long long)r->opt->max_record_bytes);
			return -1;
		}
		if (end < len) {
			if (do_record(r, r->line + start, rec_len, number++, true))
				return -1;
			r->line_off += rec_len + 1;
			start = end + 1;
			scan_from = start;
			if (r->csv_sep)
				csv_split_begin(&sp->csv, r->csv_sep);
			continue;
		}
		if (start) {
			memmove(r->line, r->line + start, len - start);
			len -= start;
			start = 0;
		}
		scan_from = len;
		/* len <= the limit here: room for one byte more shows a record
		 * longer than it. */
		ssize_t got = read_more(r, u, len, (size_t)r->opt->max_record_bytes + 1);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		len += (size_t)got;
	}
	return len > start ? do_record(r, r->line + start, len - start, number, false) : 0;
}

static int loc_offset_cmp(const void *a, const void *b)
{
	const struct plan_loc *x = *(struct plan_loc *const *)a, *y = *(struct plan_loc *const *)b;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->length < y->length ? -1 : x->length > y->length;
}

/* The planned locations of the unit, from the file's, in order of offset. */
static int plan_unit(struct redactor *r, const char *member)
{
	r->unit_loc_count = r->unit_loc_next = 0;
	for (size_t i = 0; i < r->file_loc_count; i++) {
		struct plan_loc *loc = r->file_locs[i];
		if (!loc->member != !member || (member && strcmp(loc->member, member)))
			continue;
		if (r->unit_loc_count == r->unit_loc_alloc) {
			size_t alloc = r->unit_loc_alloc ? 2 * r->unit_loc_alloc : 16;
			struct plan_loc **grown = realloc(r->unit_locs, alloc * sizeof(*grown));
			if (!grown)
				return -1;
			r->unit_locs = grown;
			r->unit_loc_alloc = alloc;
		}
		r->unit_locs[r->unit_loc_count++] = loc;
	}
	if (r->unit_loc_count > 1)
		qsort(r->unit_locs, r->unit_loc_count, sizeof(*r->unit_locs), loc_offset_cmp);
	return 0;
}

static int on_text(void *ctx, const struct redact_io_unit *u, char *err, size_t errlen)
{
	struct redactor *r = ctx;
	int first = first_json_byte(u->peek, u->peek_len);
	bool array = field_mode(r->opt) && first == '[';
	bool lines = r->opt->style == STYLE_DROP || (field_mode(r->opt) && first == '{');
	r->out = u->out;
	r->reason[0] = '\0';
	if (r->plan && plan_unit(r, u->member)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int csv = !field_mode(r->opt) ? 0 : r->opt->csv ? r->opt->csv
	          : csv_separator_for(u->member ? u->member : u->path);
	struct record_split split = { .what = csv > 0 ? "CSV row" : "line", .first = csv > 0 ? 0 : 1 };
	r->csv_sep = csv > 0 ? (unsigned char)csv : 0;
	r->csv_text = false;
	csv_columns_release(&r->csv_cols);   /* each CSV unit reads its own header */
	int rc = csv > 0 || (lines && !array) ? redact_records(r, u, &split)
	         : array ? redact_array(r, u) : redact_stream(r, u);
	if (rc)
		snprintf(err, errlen, "%s", r->reason[0] ? r->reason : "cannot rewrite");
	for (size_t i = r->unit_loc_next; !rc && i < r->unit_loc_count; i++)
		loc_changed(r->unit_locs[i], "past the end of the text");
	return rc;
}

static int on_stop(void *ctx)
{
	(void)ctx;
	return got_signal != 0;
}

/* ---- verify: the output scanned by the scanner's reader ---- */

/* Findings that should not be there: selected, and not a pseudonym we
 * wrote ourselves. */
static uint64_t count_left(struct redactor *r, const unsigned char *s)
{
	uint64_t n = 0;
	for (size_t i = 0; i < r->hit_count; i++) {
		const struct rule_hit *h = &r->hits[i];
		if (r->opt->style == STYLE_PSEUDONYM && set_has(&r->pseudonyms, hash_bytes(s + h->start, h->len)))
			continue;
		n++;
		if (r->opt->style != STYLE_DROP)
			r->left[h->rule - r->rules->rules]++;
	}
	return n;
}

static void *v_begin(void *ctx, const struct scan_unit *unit, void *parent)
{
	(void)unit;
	(void)parent;
	return ctx;
}

static int v_window(void *ctx, void *handle, struct scan_stream *s, const struct scan_window *w)
{
	struct redactor *r = ctx;
	(void)handle;
	if (find_hits(r, w->data, w->len, w->from, w->accept_end))
		return 1;
	if (r->opt->style != STYLE_DROP) {
		r->remaining += count_left(r, w->data);
		return 0;
	}
	/* drop-record on text: lines with more than N findings. */
	for (size_t i = 0; i < r->hit_count; i++) {
		uint64_t line = scan_stream_line_at(s, r->hits[i].start);
		if (line != r->v_line) {
			r->v_line = line;
			r->v_line_hits = 0;
		}
		if (++r->v_line_hits == r->opt->max_findings + 1)
			r->remaining++;
	}
	return 0;
}

static int v_field(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct redactor *r = ctx;
	unsigned char *text;
	if (find_json_field_hits(r, path_index, start, end, &text))
		return -2;
	r->rec_findings += count_left(r, text);
	return 0;
}

static int v_csv_cell(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct redactor *r = ctx;
	unsigned char *text;
	char name[FIELD_NAME_MAX + 1];
	if (find_field_hits(r, field_name(r, &r->v_cols, path_index, name), r->rec + start, end - start, true,
	                    &text))
		return -2;
	r->rec_findings += count_left(r, text);
	return 0;
}

static int v_record(void *ctx, void *handle, const struct scan_record *rec)
{
	struct redactor *r = ctx;
	struct json_error err;
	(void)handle;
	if (rec->too_large) {
		r->verify_errors++;
		return 0;
	}
	r->rec = rec->data;
	r->rec_findings = 0;
	int rc;
	if (rec->csv_sep && rec->number == 0) {
		/* The header: the columns of the rows that follow. */
		struct csv_error cerr;
		size_t missing;
		csv_columns_release(&r->v_cols);
		rc = csv_columns_read(&r->v_cols, rec->data, rec->len, rec->csv_sep, &r->opt->fields, &missing,
		                      &cerr);
		if (rc == -2)
			return 1;
		r->v_csv_text = rc != 0;
		if (rc == 0)
			return 0;
	}
	if (rec->csv_sep) {
		struct csv_error cerr;
		rc = r->v_csv_text ? -1
		     : csv_walk_row(rec->data, rec->len, rec->csv_sep, &r->v_cols, v_csv_cell, r, &cerr);
	} else {
		rc = json_walk_fields_keys(rec->data, rec->len, &r->opt->fields, v_field, r, &err, &r->keys);
	}
	if (rc == -2)
		return 1;
	if (rc) {
		r->rec_findings = 0;
		if (find_hits(r, rec->data, rec->len, 0, rec->len))
			return 1;
		r->rec_findings = count_left(r, rec->data);
	}
	if (r->opt->style == STYLE_DROP)
		r->remaining += r->rec_findings > r->opt->max_findings;
	else
		r->remaining += r->rec_findings;
	return 0;
}

static void v_end(void *ctx, void *handle, enum scan_status status, const char *reason, uint64_t bytes,
                  const char *format)
{
	struct redactor *r = ctx;
	(void)handle;
	(void)bytes;
	(void)format;
	if (status == SCAN_ERROR || status == SCAN_STOPPED) {
		r->verify_errors++;
		if (reason)
			snprintf(r->reason, sizeof(r->reason), "%s", reason);
	}
}

/* Rescans out: -1 when it could not be read whole, else the number of
 * findings left (records over the limit, for drop-record). */
static int64_t verify_output(struct redactor *r, const char *out)
{
	struct scan_limits limits = {
		.max_depth = 4, .records = field_mode(r->opt), .csv = r->opt->csv,
		.max_record_bytes = r->opt->max_record_bytes, .binary = r->opt->binary,
		.decoder_budget = r->job->codec_budget, .cancel = &got_signal,
	};
	const struct scan_sink sink = {
		.ctx = r, .begin = v_begin, .window = v_window, .end = v_end,
		.record = limits.records ? v_record : NULL,
	};
	struct scan_reader *reader = scan_reader_new(&limits);
	if (!reader)
		return -1;
	r->remaining = r->verify_errors = 0;
	r->v_line = 0;
	r->reason[0] = '\0';
	scan_reader_run(reader, out, &sink);
	scan_reader_free(reader);
	return r->verify_errors ? -1 : (int64_t)r->remaining;
}

/* ---- the database ---- */

static int ensure_tables(sqlite3 *db)
{
	static const char begin[] = "-- begin redactions\n", end[] = "-- end redactions";
	const char *a = strstr(db_schema_sql, begin), *b = a ? strstr(a, end) : NULL;
	if (!a || !b)
		return -1;
	a += sizeof(begin) - 1;
	char *sql = strndup(a, (size_t)(b - a));
	if (!sql)
		return -1;
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	free(sql);
	return rc == SQLITE_OK ? 0 : -1;
}

struct file_record {
	const char *input, *output, *status, *error;
	const struct redact_io_result *res;
	int64_t remaining;          /* -2: not verified */
};

static int record_file(struct redactor *r, sqlite3 *db, int64_t run_id, const struct file_record *f)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO redactions (run_id, input, output, format, style, status, error,"
	                       " input_sha256, output_sha256, units, copied, bytes_in, bytes_out, replaced,"
	                       " records_dropped, remaining) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
	                       -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, f->input, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->output, -1, SQLITE_STATIC);
	if (f->res->format[0])
		sqlite3_bind_text(st, 4, f->res->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, style_names[r->opt->style], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, f->status, -1, SQLITE_STATIC);
	if (f->error)
		sqlite3_bind_text(st, 7, f->error, -1, SQLITE_STATIC);
	if (f->res->in_sha256[0])
		sqlite3_bind_text(st, 8, f->res->in_sha256, -1, SQLITE_STATIC);
	if (f->res->out_sha256[0])
		sqlite3_bind_text(st, 9, f->res->out_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, (int64_t)f->res->text_units);
	sqlite3_bind_int64(st, 11, (int64_t)f->res->copied_units);
	sqlite3_bind_int64(st, 12, (int64_t)r->bytes_in);
	sqlite3_bind_int64(st, 13, (int64_t)r->bytes_out);
	sqlite3_bind_int64(st, 14, (int64_t)r->replaced);
	sqlite3_bind_int64(st, 15, (int64_t)r->dropped);
	if (f->remaining >= 0)
		sqlite3_bind_int64(st, 16, f->remaining);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	int64_t id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO redaction_counts (redaction_id, rule, category, replaced,"
	                           " found, remaining) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	/* Per-rule findings left are known for the in-place styles; for
	 * drop-record only the file's count of records left over the limit. */
	bool per_rule_left = f->remaining >= 0 && r->opt->style != STYLE_DROP;
	for (size_t i = 0; i < r->rules->count; i++) {
		if (!r->counts[i] && !r->found[i] && !(per_rule_left && r->left[i]))
			continue;
		sqlite3_clear_bindings(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, r->rules->rules[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->rules->rules[i].category, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)r->counts[i]);
		sqlite3_bind_int64(st, 5, (int64_t)r->found[i]);
		if (per_rule_left)
			sqlite3_bind_int64(st, 6, (int64_t)r->left[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_reset(st);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* ---- options ---- */

static void redact_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit redact [options] (--out DIR | -o FILE) PATH...\n"
	        "\n"
	        "Write a copy of each input without the personal data it holds, in the same\n"
	        "format: plain text, single .gz .zst .xz .bz2 .lz4 .lz .Z streams, tar and cpio\n"
	        "in every compression, zip, ar, 7z (written with LZMA2).  Outputs are written\n"
	        "beside their target and renamed into place on success; on an error the target\n"
	        "is untouched.\n"
	        "\n"
	        "options:\n"
	        "  -o, --output FILE       the redacted copy of the one input file\n"
	        "  --out DIR               copies under DIR, mirroring each folder given\n"
	        "  --style STYLE           placeholder (<EMAIL>, the default), mask (same length,\n"
	        "                          separators kept), pseudonym (a consistent fake of the\n"
	        "                          same shape) or drop-record (remove records with more\n"
	        "                          than --max-findings findings)\n"
	        "  --only LIST             redact only these categories or rule ids (commas)\n"
	        "  --except LIST           redact all but these categories or rule ids\n"
	        "  --min-confidence X      leave findings below this confidence (0 to 1)\n"
	        "  --include-placeholders  redact documentation values too (example.com...)\n"
	        "  --field PATH            JSON lines and arrays: redact only this string field\n"
	        "                          (dotted, repeatable); other lines are redacted as text.\n"
	        "                          CSV (*.csv, *.tsv): only the column of that name.\n"
	        "                          '*': every string, number and key, every column\n"
	        "  --format FMT            with --field: auto (CSV by name, default), csv or\n"
	        "                          tsv (every input), json (never CSV), as in scan\n"
	        "  --plan FILE             an erasure: redact only the values of the plan that\n"
	        "                          'piiaudit lookup --redact-plan' wrote, at every planned\n"
	        "                          place (checked by fingerprint first: a place whose\n"
	        "                          bytes changed is left and named, exit 3) and wherever\n"
	        "                          else a rule finds them\n"
	        "  --max-findings N        drop-record: keep records with up to N findings (0)\n"
	        "  --max-record-bytes N    longest line or JSON array held (default 64M)\n"
	        "  --rules PATH            add a rule pack file or folder (repeatable)\n"
	        "  --no-builtin-rules      only the packs given with --rules\n"
	        "  --db FILE               record the run in FILE (default ./piiaudit.db)\n"
	        "  --key FILE              the fingerprint key, which seeds the pseudonyms\n"
	        "  --force                 replace outputs that exist (regular files only)\n"
	        "  --verify                rescan each output; exit 1 if a finding is left\n"
	        "  --follow                follow symbolic links inside folders\n"
	        "  -a, --binary            redact content with NUL bytes as text too, as scan -a\n"
	        "                          reads it (copied unchanged by default, and counted)\n"
	        "  --gzip-level N          gzip outputs, 1 to 9: 1 to 3 by ISA-L (fast; the default\n"
	        "                          is 1), 4 to 9 by zlib as gzip -N (several times slower)\n"
	        "  --xz-level N            xz, .lzma, lzip and 7z outputs, 0 to 9, as xz -N\n"
	        "                          (default 6)\n"
	        "  --max-codec-memory N    memory the decoders of xz, lzma, lzip, zstd, zip and\n"
	        "                          7z inputs and the encoders of xz, lzma, lzip, zstd\n"
	        "                          and 7z outputs of all jobs share (default 256M; 0:\n"
	        "                          no limit); an input that needs more fails, exit 3\n"
	        "  -j, --jobs N            files redacted at once, and threads matching their\n"
	        "                          text (default: the number of cores); the outputs\n"
	        "                          are the same whatever N\n"
	        "  -q, --quiet             errors only\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "Exit status: 0 every input redacted, 1 --verify found findings left, 2 usage\n"
	        "or configuration error (nothing written), 3 some inputs could not be redacted\n"
	        "(each is named on stderr; its target is untouched) or some planned places\n"
	        "were not (each named), 130/143 interrupted.\n");
}

enum {
	OPT_DB = 256, OPT_KEY, OPT_OUT, OPT_STYLE, OPT_ONLY, OPT_EXCEPT, OPT_MIN_CONF, OPT_PLACEHOLDERS,
	OPT_FIELD, OPT_MAX_FINDINGS, OPT_MAX_RECORD, OPT_RULES, OPT_NO_BUILTIN, OPT_FORCE, OPT_VERIFY,
	OPT_FOLLOW, OPT_PLAN, OPT_GZIP_LEVEL, OPT_XZ_LEVEL, OPT_MAX_CODEC_MEMORY, OPT_FORMAT,
};

static const struct option redact_longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "style", required_argument, NULL, OPT_STYLE },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "except", required_argument, NULL, OPT_EXCEPT },
	{ "min-confidence", required_argument, NULL, OPT_MIN_CONF },
	{ "include-placeholders", no_argument, NULL, OPT_PLACEHOLDERS },
	{ "field", required_argument, NULL, OPT_FIELD },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "max-findings", required_argument, NULL, OPT_MAX_FINDINGS },
	{ "max-record-bytes", required_argument, NULL, OPT_MAX_RECORD },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "no-builtin-rules", no_argument, NULL, OPT_NO_BUILTIN },
	{ "db", required_argument, NULL, OPT_DB },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "binary", no_argument, NULL, 'a' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "gzip-level", required_argument, NULL, OPT_GZIP_LEVEL },
	{ "xz-level", required_argument, NULL, OPT_XZ_LEVEL },
	{ "max-codec-memory", required_argument, NULL, OPT_MAX_CODEC_MEMORY },
	{ "plan", required_argument, NULL, OPT_PLAN },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -1;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_redact_options(int argc, char **argv, struct redact_options *o)
{
	int c;
	uint64_t num;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	o->db_path = "piiaudit.db";
	o->max_record_bytes = 64ULL << 20;
	o->jobs = cores > 0 ? (unsigned)cores : 1;
	o->xz_level = REDACT_XZ_LEVEL_DEFAULT;
	o->max_codec_memory = 256ULL << 20;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:j:qha", redact_longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (parse_count(optarg, &num) || num < 1 || num > 1024)
				return usage_error("redact", "--jobs takes a number from 1 to 1024, not '%s'", optarg);
			o->jobs = (unsigned)num;
			break;
		case OPT_GZIP_LEVEL:
			if (parse_count(optarg, &num) || num < 1 || num > 9)
				return usage_error("redact", "--gzip-level takes a number from 1 to 9, not '%s'", optarg);
			o->gzip_level = (int)num;
			break;
		case OPT_XZ_LEVEL:
			if (parse_count(optarg, &num) || num > 9)
				return usage_error("redact", "--xz-level takes a number from 0 to 9, not '%s'", optarg);
			o->xz_level = (int)num;
			break;
		case OPT_MAX_CODEC_MEMORY:
			if (parse_count(optarg, &o->max_codec_memory))
				return usage_error("redact", "--max-codec-memory takes a size such as 256M, or 0, not '%s'",
				                   optarg);
			break;
		case 'o': o->out_file = optarg; break;
		case OPT_OUT: o->out_dir = optarg; break;
		case OPT_STYLE: {
			size_t i;
			for (i = 0; i < sizeof(style_names) / sizeof(style_names[0]); i++)
				if (!strcmp(optarg, style_names[i]))
					break;
			if (i == sizeof(style_names) / sizeof(style_names[0]))
				return usage_error("redact", "--style is placeholder, mask, pseudonym or drop-record, not '%s'",
				                   optarg);
			o->style = (enum style)i;
			break;
		}
		case OPT_ONLY:
			if (split_list(&o->only, optarg))
				return usage_error("redact", "out of memory");
			break;
		case OPT_EXCEPT:
			if (split_list(&o->except, optarg))
				return usage_error("redact", "out of memory");
			break;
		case OPT_MIN_CONF: {
			char *end;
			o->min_confidence = strtod(optarg, &end);
			if (end == optarg || *end || o->min_confidence < 0 || o->min_confidence > 1)
				return usage_error("redact", "--min-confidence takes a number from 0 to 1, not '%s'", optarg);
			break;
		}
		case OPT_PLACEHOLDERS: o->placeholders = true; break;
		case OPT_FIELD:
			if (json_paths_add(&o->fields, optarg))
				return usage_error("redact", "--field takes a dotted path such as text or meta.author, not '%s'",
				                   optarg);
			break;
		case OPT_FORMAT:
			/* As scan --format: which inputs are CSV. */
			if (!strcmp(optarg, "auto"))
				o->csv = 0;
			else if (!strcmp(optarg, "csv"))
				o->csv = ',';
			else if (!strcmp(optarg, "tsv"))
				o->csv = '\t';
			else if (!strcmp(optarg, "json"))
				o->csv = -1;
			else
				return usage_error("redact", "--format is auto, csv, tsv or json, not '%s'", optarg);
			o->format_given = true;
			break;
		case OPT_MAX_FINDINGS:
			if (parse_count(optarg, &o->max_findings))
				return usage_error("redact", "--max-findings takes a number, not '%s'", optarg);
			break;
		case OPT_MAX_RECORD:
			if (parse_count(optarg, &o->max_record_bytes) || o->max_record_bytes < 1024 ||
			    o->max_record_bytes > (1ULL << 32) - 1)
				return usage_error("redact", "--max-record-bytes takes a size from 1K to 4G, not '%s'", optarg);
			break;
		case OPT_RULES:
			if (rule_strings_push(&o->packs, optarg))
				return usage_error("redact", "out of memory");
			break;
		case OPT_NO_BUILTIN: o->no_builtin = true; break;
		case OPT_DB: o->db_path = optarg; break;
		case OPT_KEY: o->key_path = optarg; break;
		case OPT_FORCE: o->force = true; break;
		case OPT_VERIFY: o->verify = true; break;
		case OPT_FOLLOW: o->follow = true; break;
		case OPT_PLAN: o->plan_path = optarg; break;
		case 'q': o->quiet = true; break;
		case 'a': o->binary = true; break;
		case 'h': redact_usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option("redact", c, argv);
		}
	}
	if (!o->out_dir == !o->out_file)
		return usage_error("redact", "give exactly one of --out DIR and -o FILE");
	if (o->plan_path && o->style == STYLE_DROP && o->max_findings)
		return usage_error("redact", "--plan drops every record holding a planned value: no --max-findings");
	if (optind >= argc)
		return usage_error("redact", "no paths to redact");
	if (o->format_given && !field_mode(o))
		return usage_error("redact", "--format needs --field: without it every input is redacted as text");
	if (o->out_file && argc - optind != 1)
		return usage_error("redact", "-o FILE takes one input; use --out DIR for several");
	if (o->out_file && !strcmp(o->out_file, "-"))
		return usage_error("redact", "-o -: the copy cannot go to standard output (it is a file renamed"
		                              " into place when complete): give a file");
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-"))
			return usage_error("redact", "standard input cannot be redacted (give a file)");
	return -1;
}

/* Loads the packs, checks --only/--except, and disables every rule not
 * selected before compiling (so unselected rules cost nothing). */
static int load_redact_rules(struct ruleset *set, const struct redact_options *o, const struct redact_plan *plan)
{
	if (!o->no_builtin) {
		const char *dir = ruleset_builtin_dir();
		if (!dir) {
			diag("no built-in rule packs found (set PIIAUDIT_RULES_DIR, or use --rules)");
			return -1;
		}
		if (ruleset_load_path(set, dir)) {
			diag("%s", ruleset_error(set));
			return -1;
		}
	}
	for (size_t i = 0; i < o->packs.count; i++)
		if (ruleset_load_path(set, o->packs.items[i])) {
			diag("%s", ruleset_error(set));
			return -1;
		}
	const struct rule_strings *lists[] = { &o->only, &o->except };
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->count; i++) {
			const char *x = lists[l]->items[i];
			if (!rule_category_known(x) && !ruleset_find(set, x)) {
				diag("--%s: '%s' is neither a category nor a rule id", l ? "except" : "only", x);
				return -1;
			}
		}
	size_t enabled = 0;
	for (size_t i = 0; i < set->count; i++) {
		struct rule *r = &set->rules[i];
		bool in_only = !o->only.count, in_except = false;
		for (size_t k = 0; k < o->only.count; k++)
			in_only |= !strcmp(o->only.items[k], r->category) || !strcmp(o->only.items[k], r->id);
		for (size_t k = 0; k < o->except.count; k++)
			in_except |= !strcmp(o->except.items[k], r->category) || !strcmp(o->except.items[k], r->id);
		if (!in_only || in_except || (plan && !redact_plan_has_category(plan, r->category)))
			r->disabled = true;
		enabled += !r->disabled;
	}
	if (!enabled && !plan) {
		diag("no rules selected to redact with");
		return -1;
	}
	if (ruleset_compile(set)) {
		diag("%s", ruleset_error(set));
		return -1;
	}
	return 0;
}

/* ---- the list of (input, output) pairs ---- */

struct pair {
	char *in, *out;
	const char *problem;        /* borrowed from the walk list */
	bool skipped;               /* the problem is a deliberate skip */
};

struct pairs {
	struct pair *items;
	size_t count, alloc;
};

static int pairs_add(struct pairs *p, const char *in, const char *out, const char *problem, bool skipped)
{
	if (p->count == p->alloc) {
		size_t alloc = p->alloc ? 2 * p->alloc : 16;
		struct pair *grown = realloc(p->items, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		p->items = grown;
		p->alloc = alloc;
	}
	struct pair *x = &p->items[p->count];
	x->in = strdup(in);
	x->out = strdup(out);
	x->problem = problem;
	x->skipped = skipped;
	if (!x->in || !x->out) {
		free(x->in);
		free(x->out);
		return -1;
	}
	p->count++;
	return 0;
}

static void pairs_release(struct pairs *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->items[i].in);
		free(p->items[i].out);
	}
	free(p->items);
}

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Lists every pair, real_out being --out's real path; a usage problem
 * returns the status, else -1. */
static int list_pairs_in(const struct redact_options *o, int argc, char **argv,
                         struct walk_list *walk, struct pairs *pairs, const char *real_out)
{
	char out[PATH_MAX * 2], real_in[PATH_MAX];
	for (int i = optind; i < argc; i++) {
		const char *arg = argv[i];
		struct stat st;
		if (stat(arg, &st)) {
			diag_source(arg, NULL, strerror(errno));
			return EXIT_USAGE;
		}
		if (S_ISDIR(st.st_mode)) {
			if (o->out_file)
				return usage_error("redact", "%s is a folder: use --out DIR", arg);
			size_t rl;
			if (realpath(arg, real_in) && (rl = strlen(real_in)) &&
			    !strncmp(real_out, real_in, rl) && (real_out[rl] == '/' || !real_out[rl]))
				return usage_error("redact", "--out %s is inside the input folder %s", o->out_dir, arg);
			size_t first = walk->count;
			if (walk_add(walk, arg, o->follow, NULL)) {
				diag("out of memory listing sources");
				return EXIT_USAGE;
			}
			size_t alen = strlen(arg);
			while (alen > 1 && arg[alen - 1] == '/')
				alen--;
			for (size_t k = first; k < walk->count; k++) {
				const struct walk_entry *e = &walk->items[k];
				const char *rel = e->path + alen;
				while (*rel == '/')
					rel++;
				snprintf(out, sizeof(out), "%s/%s", o->out_dir, rel);
				if (pairs_add(pairs, e->path, out, e->problem, e->skipped)) {
					diag("out of memory listing sources");
					return EXIT_USAGE;
				}
			}
		} else {
			if (o->out_file) {
				snprintf(out, sizeof(out), "%s", o->out_file);
			} else {
				const char *slash = strrchr(arg, '/');
				snprintf(out, sizeof(out), "%s/%s", o->out_dir, slash ? slash + 1 : arg);
			}
			if (pairs_add(pairs, arg, out, NULL, false)) {
				diag("out of memory listing sources");
				return EXIT_USAGE;
			}
		}
	}
	/* Checked before anything is written. */
	for (size_t i = 0; i < pairs->count; i++) {
		struct pair *p = &pairs->items[i];
		struct stat si, so;
		if (p->problem)
			continue;
		if (stat(p->in, &si) == 0 && stat(p->out, &so) == 0) {
			if (si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
				diag_source(p->in, NULL, "refusing to overwrite the input with its redacted copy");
				return EXIT_USAGE;
			}
			if (!o->force) {
				diag("%s: exists (--force replaces it)", p->out);
				return EXIT_USAGE;
			}
		}
		if (lstat(p->out, &so) == 0 && !S_ISREG(so.st_mode)) {
			diag("%s: not a regular file (the redacted copy is a file renamed into place)", p->out);
			return EXIT_USAGE;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(pairs->items[k].out, p->out)) {
				diag("%s and %s would both be written to %s", pairs->items[k].in, p->in, p->out);
				return EXIT_USAGE;
			}
	}
	return -1;
}

/* Lists every pair; a usage problem (exit 2, nothing written: a --out
 * folder made for the check that the inputs do not hold it is removed
 * again) returns the status, else -1. */
static int list_pairs(const struct redact_options *o, int argc, char **argv, struct walk_list *walk,
                      struct pairs *pairs)
{
	char real_out[PATH_MAX] = "";
	bool made = false;
	if (o->out_dir) {
		if (mkdir(o->out_dir, 0777) == 0) {
			made = true;
		} else if (errno != EEXIST) {
			diag("%s: %s", o->out_dir, strerror(errno));
			return EXIT_USAGE;
		}
		struct stat st;
		int why = 0;
		if (!realpath(o->out_dir, real_out) || stat(real_out, &st))
			why = errno;
		else if (!S_ISDIR(st.st_mode))
			why = ENOTDIR;
		if (why) {
			diag("--out %s: %s", o->out_dir, strerror(why));
			if (made)
				rmdir(o->out_dir);
			return EXIT_USAGE;
		}
	}
	int rc = list_pairs_in(o, argc, argv, walk, pairs, real_out);
	if (rc != -1 && made)
		rmdir(o->out_dir);
	return rc;
}

/* ---- --plan: the file's locations, their outcome, their record ---- */

/* The planned locations of input path (as given, or the same file by its
 * real path), claimed for this file: under the run's lock.  A location
 * claimed by an earlier file (the same file given twice) is its alone. */
static int plan_file(struct redactor *r, const char *path)
{
	char real[PATH_MAX];
	const char *rp = realpath(path, real) ? real : NULL;
	r->file_loc_count = r->unit_loc_count = r->unit_loc_next = 0;
	for (size_t i = 0; i < r->plan->count; i++) {
		struct plan_loc *loc = &r->plan->locs[i];
		if (r->job->claimed[i] || loc->status != PLAN_PENDING || !redact_plan_loc_in(loc, path, rp))
			continue;
		r->job->claimed[i] = 1;
		if (r->file_loc_count == r->file_loc_alloc) {
			size_t alloc = r->file_loc_alloc ? 2 * r->file_loc_alloc : 16;
			struct plan_loc **grown = realloc(r->file_locs, alloc * sizeof(*grown));
			if (!grown)
				return -1;
			r->file_locs = grown;
			r->file_loc_alloc = alloc;
		}
		r->file_locs[r->file_loc_count++] = loc;
	}
	return 0;
}

/* After the file: its locations not redacted are named, one line each. */
static void plan_file_done(struct redactor *r, const struct pair *p, bool ok)
{
	char msg[512];
	for (size_t i = 0; i < r->file_loc_count; i++) {
		struct plan_loc *loc = r->file_locs[i];
		if (!ok) {
			loc->status = PLAN_UNREAD;
			loc->why = "its file could not be redacted";
			continue;
		}
		/* Pending still: its unit never reached the text hook.  A file's
		 * own content was then copied as binary, unread; a member was
		 * too, or is gone since the scan (redact_io does not say which). */
		if (loc->status == PLAN_PENDING && loc->member) {
			loc_changed(loc, "not read as text: binary (redact -a rewrites it), or no such member any more");
		} else if (loc->status == PLAN_PENDING) {
			loc->status = PLAN_UNREAD;
			loc->why = "binary content (NUL bytes), copied unchanged (redact -a rewrites it)";
		} else if (loc->status != PLAN_CHANGED) {
			continue;
		}
		snprintf(msg, sizeof(msg), "offset %llu length %llu (%s, plan line %zu): %s: not redacted there",
		         (unsigned long long)loc->offset, (unsigned long long)loc->length, loc->category,
		         loc->plan_line, loc->why);
		diag_source(p->in, loc->member, msg);
	}
	r->file_loc_count = 0;
}

struct plan_tally {
	size_t redacted, changed, unread, not_given;
};

/* After every file: the locations of sources not given, and the counts. */
static struct plan_tally plan_finish(struct redactor *r, const char *plan_path)
{
	struct plan_tally t = {0};
	const char *first = NULL;
	size_t sources = 0;
	for (size_t i = 0; i < r->plan->count; i++) {
		struct plan_loc *loc = &r->plan->locs[i];
		if (loc->status == PLAN_PENDING) {
			loc->status = PLAN_NOT_GIVEN;
			loc->why = "its source is not among the inputs";
			sources += !first || strcmp(first, loc->source);
			first = loc->source;
		}
		t.redacted += loc->status == PLAN_REDACTED;
		t.changed += loc->status == PLAN_CHANGED;
		t.unread += loc->status == PLAN_UNREAD;
		t.not_given += loc->status == PLAN_NOT_GIVEN;
	}
	if (t.not_given)
		diag("%s: %zu planned locations in %zu sources not among the inputs, left as they are (the last: %s)",
		     plan_path, t.not_given, sources, first);
	return t;
}

/* Every planned location and what became of it, for the record of the
 * erasure: no value, only its fingerprint. */
static int record_plan(struct redactor *r, sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO redaction_plan_locations (run_id, plan, plan_line, source, member,"
	                       " offset, length, category, fingerprint, status, reason)"
	                       " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	                       -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < r->plan->count; i++) {
		const struct plan_loc *loc = &r->plan->locs[i];
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, r->opt->plan_path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)loc->plan_line);
		sqlite3_bind_text(st, 4, loc->source, -1, SQLITE_STATIC);
		if (loc->member)
			sqlite3_bind_text(st, 5, loc->member, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int64(st, 6, (int64_t)loc->offset);
		sqlite3_bind_int64(st, 7, (int64_t)loc->length);
		sqlite3_bind_text(st, 8, loc->category, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, loc->fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, redact_plan_status_name(loc->status), -1, SQLITE_STATIC);
		if (loc->status != PLAN_REDACTED && loc->why)
			sqlite3_bind_text(st, 11, loc->why, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 11);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_reset(st);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* ---- the workers ---- */

static void set_clear(struct hash_set *s)
{
	if (s->cap)
		memset(s->slots, 0, s->cap * sizeof(*s->slots));
	s->count = 0;
}

/* One input: redacted, verified, recorded, counted in the run. */
static void redact_pair(struct redactor *r, const struct pair *p)
{
	struct redact_job *job = r->job;
	const struct redact_options *o = r->opt;
	const struct redact_io_hooks hooks = {
		.ctx = r, .text = on_text, .stop = on_stop, .gzip_level = o->gzip_level,
		.xz_level = o->xz_level, .budget = job->codec_budget, .cancel = &got_signal,
		.binary_as_text = o->binary,
	};
	struct redact_io_result res;
	struct file_record fr = { .input = p->in, .output = p->out, .res = &res, .remaining = -2 };
	char err[1024];
	uint64_t failed = 0, left = 0;
	int claimed = 0;
	memset(&res, 0, sizeof(res));
	memset(r->counts, 0, 3 * r->rules->count * sizeof(*r->counts));
	r->replaced = r->dropped = r->bytes_in = r->bytes_out = 0;
	r->file_loc_count = 0;
	/* --verify tells our pseudonyms from findings left by those of this
	 * file only, so that what it finds does not depend on which files a
	 * worker did before. */
	set_clear(&r->pseudonyms);
	if (r->plan) {
		pthread_mutex_lock(&job->lock);
		claimed = plan_file(r, p->in);
		pthread_mutex_unlock(&job->lock);
	}
	if (claimed) {
		fr.status = "error";
		fr.error = "out of memory";
		diag_source(p->in, NULL, fr.error);
		failed++;
	} else if (p->problem && p->skipped) {
		fr.status = "skipped";
		fr.error = p->problem;
	} else if (p->problem) {
		fr.status = "error";
		fr.error = p->problem;
		diag_source(p->in, NULL, p->problem);
		failed++;
	} else if (mkdir_parents(p->out)) {
		snprintf(err, sizeof(err), "cannot create the folder of %s: %s", p->out, strerror(errno));
		fr.status = "error";
		fr.error = err;
		diag_source(p->in, NULL, err);
		failed++;
	} else if (redact_io_file(p->in, p->out, o->force, &hooks, &res, err, sizeof(err))) {
		fr.status = got_signal ? "interrupted" : "error";
		fr.error = err;
		if (!got_signal) {
			diag_source(p->in, res.err_member[0] ? res.err_member : NULL, err);
			failed++;
		}
	} else {
		fr.status = "ok";
		if (o->verify) {
			fr.remaining = verify_output(r, p->out);
			if (fr.remaining < 0) {
				diag_source(p->out, NULL, r->reason[0] ? r->reason : "cannot be read back to verify");
				failed++;
			} else if (fr.remaining > 0) {
				diag("%s: --verify: %lld %s left", p->out, (long long)fr.remaining,
				     o->style == STYLE_DROP ? "records over the limit" : "findings");
				left += (uint64_t)fr.remaining;
			}
		}
	}
	pthread_mutex_lock(&job->lock);
	if (r->plan)
		plan_file_done(r, p, !strcmp(fr.status, "ok"));
	if (record_file(r, db_handle(job->db), job->run_id, &fr)) {
		diag("%s: %s", o->db_path, sqlite3_errmsg(db_handle(job->db)));
		failed++;
	}
	if (!strcmp(fr.status, "ok")) {
		job->done++;
		job->copied += res.copied_units;
		job->replaced += r->replaced;
		job->dropped += r->dropped;
	}
	job->failed += failed;
	job->left += left;
	pthread_mutex_unlock(&job->lock);
}

static void *redact_worker(void *arg)
{
	struct redactor *r = arg;
	struct redact_job *job = r->job;
	while (!got_signal) {
		size_t i = atomic_fetch_add(&job->next, 1);
		if (i >= job->pairs->count)
			break;
		redact_pair(r, &job->pairs->items[i]);
	}
	return NULL;
}

/* A worker's own matcher, stream and counts; the rest is borrowed from
 * the job.  0, or -1 when out of memory (redactor_release() frees what
 * was taken). */
static int redactor_init(struct redactor *r, struct redact_job *job)
{
	r->opt = job->opt;
	r->job = job;
	r->rules = job->rules;
	r->key = job->key;
	r->plan = job->plan;
	r->matcher = rule_matcher_new(job->rules);
	/* One allocation: replaced, found and left, per rule. */
	r->counts = calloc(3 * (job->rules->count ? job->rules->count : 1), sizeof(*r->counts));
	r->found = r->counts ? r->counts + job->rules->count : NULL;
	r->left = r->counts ? r->counts + 2 * job->rules->count : NULL;
	if (!r->matcher || !r->counts ||
	    scan_stream_init(&r->stream, SCAN_BLOCK_DEFAULT, SCAN_OVERLAP_DEFAULT, SCAN_LOOKBEHIND_DEFAULT))
		return -1;
	return 0;
}

static void redactor_release(struct redactor *r)
{
	for (size_t k = 0; k < REDACT_DEPTH; k++)
		scan_task_release(&r->pending[k].task);
	rule_matcher_free(r->matcher);
	scan_stream_release(&r->stream);
	free(r->counts);
	free(r->rec_rules);
	free(r->hits);
	free(r->line);
	free(r->decoded);
	free(r->map);
	csv_columns_release(&r->csv_cols);
	csv_columns_release(&r->v_cols);
	free(r->spans);
	free(r->arena);
	free(r->pseudonyms.slots);
	free(r->file_locs);
	free(r->unit_locs);
	free(r->cands);
}

/* Runs min(--jobs, inputs) workers to the end; *plan_extra: their
 * occurrences of planned values outside the plan.  0, or -1 when no
 * worker could start (nothing was done). */
static int run_workers(struct redact_job *job, uint64_t *plan_extra)
{
	size_t n = job->opt->jobs < job->pairs->count ? job->opt->jobs : job->pairs->count;
	struct redactor *workers = calloc(n ? n : 1, sizeof(*workers));
	size_t started = 0;
	if (!workers)
		return -1;
	/* Without a pool (out of threads) the workers match their windows. */
	job->pool = scan_pool_new(job->rules, job->opt->jobs ? job->opt->jobs : 1);
	for (size_t i = 0; i < n; i++) {
		struct redactor *r = &workers[i];
		if (redactor_init(r, job) || pthread_create(&r->thread, NULL, redact_worker, r))
			break;
		r->started = true;
		started++;
	}
	*plan_extra = 0;
	for (size_t i = 0; i < n; i++) {
		if (workers[i].started)
			pthread_join(workers[i].thread, NULL);
		*plan_extra += workers[i].plan_extra;
		redactor_release(&workers[i]);
	}
	free(workers);
	scan_pool_free(job->pool);
	job->pool = NULL;
	return n && !started ? -1 : 0;
}

/* ---- the command ---- */

int cmd_redact(int argc, char **argv)
{
	struct redact_options o = {0};
	struct ruleset rules;
	struct db_key key = {0};
	struct walk_list walk = {0};
	struct pairs pairs = {0};
	struct redact_plan plan = {0};
	struct redact_job job = { .opt = &o, .rules = &rules, .key = &key, .pairs = &pairs };
	bool locked = false;
	char key_path[4096], err[1024];
	uint64_t plan_extra = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ruleset_init(&rules);
	int status = parse_redact_options(argc, argv, &o);
	if (status >= 0)
		goto out;
	status = EXIT_USAGE;
	if (o.plan_path) {
		if (redact_plan_load(&plan, o.plan_path, err, sizeof(err))) {
			diag("%s", err);
			goto out;
		}
		job.plan = &plan;
		if (!(job.claimed = calloc(plan.count ? plan.count : 1, 1))) {
			diag("out of memory");
			goto out;
		}
	}
	if (load_redact_rules(&rules, &o, job.plan))
		goto out;
	if (o.key_path)
		snprintf(key_path, sizeof(key_path), "%s", o.key_path);
	else if (db_key_default_path(key_path, sizeof(key_path))) {
		diag("no key file: give --key FILE or set PIIAUDIT_KEY_FILE");
		goto out;
	}
	if (db_key_load(&key, key_path, true, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	if (job.plan && plan.key_id[0] && strcmp(plan.key_id, key.id)) {
		diag("%s: made with key %s, but %s is key %s: its fingerprints cannot be checked (give --key)",
		     o.plan_path, plan.key_id, key_path, key.id);
		goto out;
	}
	int listed = list_pairs(&o, argc, argv, &walk, &pairs);
	if (listed >= 0) {
		status = listed;
		goto out;
	}
	if (pthread_mutex_init(&job.lock, NULL)) {
		diag("cannot start the workers");
		goto out;
	}
	locked = true;
	if (o.max_codec_memory) {
		if (!(job.codec_budget = mem_budget_new(o.max_codec_memory))) {
			diag("out of memory");
			goto out;
		}
		mem_budget_set_option(job.codec_budget, "--max-codec-memory");
	}
	if (db_open(&job.db, o.db_path, true, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	sqlite3 *db = db_handle(job.db);
	if (ensure_tables(db)) {
		diag("%s: cannot create the redactions tables: %s", o.db_path, sqlite3_errmsg(db));
		goto out;
	}
	char *argv_json = json_argv(argc + 1, argv - 1);
	struct db_run run = {
		.kind = "redact", .argv_json = argv_json ? argv_json : "[]", .tool_version = PIIAUDIT_VERSION,
		.rules_digest = rules.digest, .key_id = key.id,
	};
	int begun = db_run_begin(job.db, &run, &job.run_id);
	free(argv_json);
	for (size_t i = 0; !begun && i < rules.count; i++) {
		const struct rule *ru = &rules.rules[i];
		if (!ru->disabled)
			begun = db_run_rule(job.db, job.run_id, ru->id, ru->category, ru->description, ru->validator_name,
			                    ru->confidence, NULL, ru->pack_path);
	}
	if (begun) {
		diag("%s: %s", o.db_path, db_error(job.db));
		goto out;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (run_workers(&job, &plan_extra)) {
		diag("cannot start the workers: out of memory");
		job.failed++;
	}
	struct plan_tally tally = {0};
	if (job.plan && !got_signal) {
		struct redactor r = { .opt = &o, .job = &job, .plan = job.plan };
		tally = plan_finish(&r, o.plan_path);
		if (record_plan(&r, db, job.run_id)) {
			diag("%s: %s", o.db_path, sqlite3_errmsg(db));
			job.failed++;
		}
	}
	bool plan_left = tally.changed || tally.unread;
	const char *run_status = got_signal ? "interrupted" : job.failed || plan_left ? "errors" : "ok";
	if (db_run_end(job.db, job.run_id, run_status))
		diag("%s: %s", o.db_path, db_error(job.db));
	if (got_signal)
		status = got_signal == SIGINT ? EXIT_SIGINT : EXIT_SIGTERM;
	else if (job.failed || plan_left)
		status = EXIT_UNREADABLE;
	else if (job.left)
		status = EXIT_FAIL_ON;
	else
		status = EXIT_FINISHED;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!o.quiet) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		char dropped[64] = "", copied[96] = "";
		if (o.style == STYLE_DROP)
			snprintf(dropped, sizeof(dropped), ", %llu records dropped", (unsigned long long)job.dropped);
		/* Binary content is copied with whatever it holds: said, so that
		 * a clean run is not taken for a clean copy of it. */
		if (job.copied)
			snprintf(copied, sizeof(copied), ", %llu binary (NUL bytes) copied unchanged (-a redacts them)",
			         (unsigned long long)job.copied);
		diag("run %lld: %llu of %zu files redacted (%s) in %.1f s, %llu values replaced%s%s, %llu failed%s -> %s",
		     (long long)job.run_id, (unsigned long long)job.done, pairs.count, style_names[o.style], secs,
		     (unsigned long long)job.replaced, dropped, copied, (unsigned long long)job.failed,
		     o.verify ? (job.left ? ", verify: findings left" : ", verified clean") : "", o.db_path);
		if (job.plan && !got_signal)
			diag("%s: %zu of %zu planned locations redacted, %zu changed since the scan, %zu unread,"
			     " %zu not among the inputs; %llu other occurrences of the planned values redacted",
			     o.plan_path, tally.redacted, plan.count, tally.changed, tally.unread, tally.not_given,
			     (unsigned long long)plan_extra);
	}
out:
	db_close(job.db);
	if (locked)
		pthread_mutex_destroy(&job.lock);
	mem_budget_free(job.codec_budget);
	db_key_wipe(&key);
	free(job.claimed);
	redact_plan_release(&plan);
	pairs_release(&pairs);
	walk_release(&walk);
	ruleset_release(&rules);
	rule_strings_release(&o.packs);
	rule_strings_release(&o.only);
	rule_strings_release(&o.except);
	json_paths_release(&o.fields);
	return status;
}
