/*
 * db/review.c - verdicts, samples and measured precision (db/review.h).
 *
 * Owns nothing between calls: every query is prepared, run and finalised
 * in the call that needs it, on the store's connection.  The two SQL
 * functions registered by db_review_init() hold no state.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "db/review.h"
#include "db/schema.h"

#define FP_PREFIX 12            /* fingerprint hex digits in a finding id */
#define SPAN_REACH 65536        /* no finding is longer: bounds the span query */

static int sql_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static char *dup_column(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	const unsigned char *t = sqlite3_column_text(st, col);
	return strdup(t ? (const char *)t : "");
}

/* ---- ids and hashes ---- */

void db_finding_id(const char *fingerprint, const char *path, const char *member,
                   int64_t offset, const char *rule, char out[DB_FINDING_ID_LEN])
{
	crypto_hash_sha256_state h;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char num[32];
	static const unsigned char nul = 0;
	int n = snprintf(num, sizeof(num), "%lld", (long long)offset);
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)"piiaudit finding v1", 20);
	crypto_hash_sha256_update(&h, (const unsigned char *)fingerprint, strlen(fingerprint) + 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)path, strlen(path) + 1);
	/* A member "" and no member are different places. */
	if (member) {
		crypto_hash_sha256_update(&h, (const unsigned char *)"m", 1);
		crypto_hash_sha256_update(&h, (const unsigned char *)member, strlen(member) + 1);
	} else {
		crypto_hash_sha256_update(&h, &nul, 1);
	}
	crypto_hash_sha256_update(&h, (const unsigned char *)num, (size_t)n + 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)rule, strlen(rule) + 1);
	crypto_hash_sha256_final(&h, digest);

	size_t fl = strlen(fingerprint);
	for (size_t i = 0; i < FP_PREFIX; i++)
		out[i] = i < fl ? (char)tolower((unsigned char)fingerprint[i]) : '0';
	out[FP_PREFIX] = '-';
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < FP_PREFIX / 2; i++) {
		out[FP_PREFIX + 1 + 2 * i] = hex[digest[i] >> 4];
		out[FP_PREFIX + 2 + 2 * i] = hex[digest[i] & 15];
	}
	out[DB_FINDING_ID_LEN - 1] = '\0';
}

bool db_finding_id_valid(const char *s)
{
	if (!s || strlen(s) != DB_FINDING_ID_LEN - 1)
		return false;
	for (size_t i = 0; i < DB_FINDING_ID_LEN - 1; i++) {
		if (i == FP_PREFIX) {
			if (s[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) {
			return false;
		}
	}
	return true;
}

/* SipHash-2-4 of text keyed by the seed: a seeded, platform-independent
 * random order. */
static int64_t seeded_rank(uint64_t seed, const unsigned char *text, size_t len)
{
	unsigned char key[crypto_shorthash_KEYBYTES] = { 0 };
	unsigned char out[crypto_shorthash_BYTES];
	for (int i = 0; i < 8; i++)
		key[i] = (unsigned char)(seed >> (8 * i));
	crypto_shorthash(out, text, len, key);
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)out[i] << (8 * i);
	return (int64_t)v;
}

static void sql_finding_id(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *fp = (const char *)sqlite3_value_text(argv[0]);
	const char *path = (const char *)sqlite3_value_text(argv[1]);
	const char *member = sqlite3_value_type(argv[2]) == SQLITE_NULL
	                     ? NULL : (const char *)sqlite3_value_text(argv[2]);
	int64_t offset = sqlite3_value_int64(argv[3]);
	const char *rule = (const char *)sqlite3_value_text(argv[4]);
	char id[DB_FINDING_ID_LEN];
	if (!fp || !path || !rule) {
		sqlite3_result_null(ctx);
		return;
	}
	db_finding_id(fp, path, member, offset, rule, id);
	sqlite3_result_text(ctx, id, -1, SQLITE_TRANSIENT);
}

static void sql_rank(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	uint64_t seed = (uint64_t)sqlite3_value_int64(argv[0]);
	const unsigned char *t = sqlite3_value_text(argv[1]);
	int len = sqlite3_value_bytes(argv[1]);
	sqlite3_result_int64(ctx, seeded_rank(seed, t ? t : (const unsigned char *)"", t ? (size_t)len : 0));
}

/* The verdicts part of the schema's text, for databases made before it. */
static int create_verdicts(sqlite3 *db, char *err, size_t errlen)
{
	static const char begin[] = "-- begin verdicts\n", end[] = "-- end verdicts";
	const char *a = strstr(db_schema_sql, begin), *b = a ? strstr(a, end) : NULL;
	char *msg = NULL;
	if (!a || !b) {
		snprintf(err, errlen, "the schema has no verdicts table");
		return -1;
	}
	a += sizeof(begin) - 1;
	char *sql = strndup(a, (size_t)(b - a));
	if (!sql) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	free(sql);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot create the verdicts table: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int db_review_init(struct db_store *s, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st;
	bool have = false;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (sqlite3_create_function_v2(db, "piiaudit_finding_id", 5,
	                               SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_finding_id,
	                               NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(db, "piiaudit_rank", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	                               NULL, sql_rank, NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot register SQL functions", err, errlen);
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'verdicts'",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read the schema", err, errlen);
	have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return have ? 0 : create_verdicts(db, err, errlen);
}

/* ---- the Wilson score interval ---- */

int db_wilson(uint64_t k, uint64_t n, double z, double *low, double *high)
{
	if (n == 0) {
		*low = 0.0;
		*high = 1.0;
		return -1;
	}
	if (k > n)
		k = n;
	double nn = (double)n, p = (double)k / nn, z2 = z * z;
	double denom = 1.0 + z2 / nn;
	double centre = (p + z2 / (2.0 * nn)) / denom;
	double half = z / denom * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
	double lo = centre - half, hi = centre + half;
	/* Exact at the ends: 0 successes cannot have a positive lower bound. */
	*low = k == 0 || lo < 0.0 ? 0.0 : lo;
	*high = k == n || hi > 1.0 ? 1.0 : hi;
	return 0;
}

/* ---- sampling ---- */

void db_sample_release(struct db_sample *sample)
{
	for (size_t i = 0; i < sample->count; i++) {
		struct db_sample_item *it = &sample->items[i];
		free(it->rule);
		free(it->category);
		free(it->path);
		free(it->member);
		free(it->field);
		free(it->preview);
		free(it->fingerprint);
		if (it->value) {
			explicit_bzero(it->value, strlen(it->value));
			free(it->value);
		}
	}
	free(sample->items);
	memset(sample, 0, sizeof(*sample));
}

/*
 * Sampling streams the run's findings once: each gets its finding id and
 * its seeded rank, and each stratum keeps the per_stratum smallest ranks in
 * a max-heap.  Time is linear in the findings, memory in strata x N; no
 * sort of the whole run.
 */
struct pick {
	int64_t rank;
	int64_t fid;                /* findings.id */
	char id[DB_FINDING_ID_LEN];
};

struct stratum {
	char *name;
	struct pick *heap;          /* max-heap on (rank, id), at most cap */
	size_t count;
	int64_t available;          /* unreviewed findings */
};

struct strata {
	struct stratum *items;
	size_t count, alloc;
	size_t *slots;              /* open addressing: index + 1, 0 empty */
	size_t nslots;
};

/* SQLite orders ranks as signed integers, then ids as text. */
static int pick_cmp(const struct pick *a, const struct pick *b)
{
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int pick_qsort_cmp(const void *a, const void *b)
{
	return pick_cmp(a, b);
}

static void heap_down(struct pick *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;
		if (l < n && pick_cmp(&h[l], &h[top]) > 0)
			top = l;
		if (r < n && pick_cmp(&h[r], &h[top]) > 0)
			top = r;
		if (top == i)
			return;
		struct pick t = h[i];
		h[i] = h[top];
		h[top] = t;
		i = top;
	}
}

static void heap_up(struct pick *h, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (pick_cmp(&h[i], &h[parent]) <= 0)
			return;
		struct pick t = h[i];
		h[i] = h[parent];
		h[parent] = t;
		i = parent;
	}
}

/* Keeps p when it is among the cap smallest; a finding id already kept
 * (the same file given twice to one scan) is not kept again. */
static void heap_offer(struct stratum *st, size_t cap, const struct pick *p)
{
	if (st->count == cap && pick_cmp(p, &st->heap[0]) >= 0)
		return;
	for (size_t i = 0; i < st->count; i++)
		if (!strcmp(st->heap[i].id, p->id))
			return;
	if (st->count < cap) {
		st->heap[st->count] = *p;
		heap_up(st->heap, st->count++);
	} else {
		st->heap[0] = *p;
		heap_down(st->heap, st->count, 0);
	}
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The stratum named name, added when new; NULL when out of memory. */
static struct stratum *strata_get(struct strata *ss, const char *name, size_t cap)
{
	if (ss->nslots) {
		for (size_t i = name_hash(name) & (ss->nslots - 1);; i = (i + 1) & (ss->nslots - 1)) {
			if (!ss->slots[i])
				break;
			if (!strcmp(ss->items[ss->slots[i] - 1].name, name))
				return &ss->items[ss->slots[i] - 1];
		}
	}
	if (2 * (ss->count + 1) > ss->nslots) {
		size_t n = ss->nslots ? ss->nslots * 2 : 64;
		size_t *slots = calloc(n, sizeof(*slots));
		if (!slots)
			return NULL;
		for (size_t k = 0; k < ss->count; k++) {
			size_t i = name_hash(ss->items[k].name) & (n - 1);
			while (slots[i])
				i = (i + 1) & (n - 1);
			slots[i] = k + 1;
		}
		free(ss->slots);
		ss->slots = slots;
		ss->nslots = n;
	}
	if (ss->count == ss->alloc) {
		size_t grow = ss->alloc ? ss->alloc * 2 : 32;
		struct stratum *g = realloc(ss->items, grow * sizeof(*g));
		if (!g)
			return NULL;
		ss->items = g;
		ss->alloc = grow;
	}
	struct stratum *st = &ss->items[ss->count];
	memset(st, 0, sizeof(*st));
	st->name = strdup(name);
	st->heap = malloc(cap * sizeof(*st->heap));
	if (!st->name || !st->heap) {
		free(st->name);
		free(st->heap);
		return NULL;
	}
	size_t i = name_hash(name) & (ss->nslots - 1);
	while (ss->slots[i])
		i = (i + 1) & (ss->nslots - 1);
	ss->slots[i] = ++ss->count;
	return st;
}

static void strata_release(struct strata *ss)
{
	for (size_t i = 0; i < ss->count; i++) {
		free(ss->items[i].name);
		free(ss->items[i].heap);
	}
	free(ss->items);
	free(ss->slots);
	memset(ss, 0, sizeof(*ss));
}

static int stratum_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stratum *)a)->name, ((const struct stratum *)b)->name);
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids that have a verdict, sorted: *ids malloc'd, each string too. */
static int load_reviewed(sqlite3 *db, char ***ids, size_t *count, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int step;
	*ids = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(db, "SELECT finding_id FROM verdicts", -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read verdicts", err, errlen);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count == alloc) {
			size_t grow = alloc ? alloc * 2 : 256;
			char **g = realloc(*ids, grow * sizeof(*g));
			if (!g)
				goto oom;
			*ids = g;
			alloc = grow;
		}
		if (!((*ids)[*count] = dup_column(st, 0)))
			goto oom;
		(*count)++;
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return sql_fail(db, "cannot read verdicts", err, errlen);
	if (*count)
		qsort(*ids, *count, sizeof(**ids), id_cmp);
	return 0;
oom:
	sqlite3_finalize(st);
	snprintf(err, errlen, "out of memory");
	return -1;
}

static void free_ids(char **ids, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(ids[i]);
	free(ids);
}

/* Fills a sample item from findings row fid. */
static int fetch_item(sqlite3 *db, sqlite3_stmt *st, int64_t fid, bool with_values,
                      struct db_sample_item *it, char *err, size_t errlen)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, fid);
	sqlite3_bind_int(st, 2, with_values);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		snprintf(err, errlen, "finding %lld vanished while sampling", (long long)fid);
		return -1;
	}
	if (step != SQLITE_ROW)
		return sql_fail(db, "cannot draw the sample", err, errlen);
	it->run_id = sqlite3_column_int64(st, 0);
	it->source_id = sqlite3_column_int64(st, 1);
	it->rule = dup_column(st, 2);
	it->category = dup_column(st, 3);
	it->path = dup_column(st, 4);
	it->member = dup_column(st, 5);
	it->field = dup_column(st, 6);
	it->record = sqlite3_column_int64(st, 7);
	it->line = sqlite3_column_int64(st, 8);
	it->offset = sqlite3_column_int64(st, 9);
	it->length = sqlite3_column_int64(st, 10);
	it->preview = dup_column(st, 11);
	it->fingerprint = dup_column(st, 12);
	it->value = dup_column(st, 13);
	if (!it->rule || !it->category || !it->path || !it->preview || !it->fingerprint ||
	    (sqlite3_column_type(st, 5) != SQLITE_NULL && !it->member) ||
	    (sqlite3_column_type(st, 13) != SQLITE_NULL && !it->value)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int db_review_sample(struct db_store *s, int64_t run_id, enum db_stratum by,
                     unsigned per_stratum, uint64_t seed, bool with_values,
                     struct db_sample *out, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *scan = NULL, *one = NULL;
	struct strata ss = { 0 };
	char **reviewed = NULL;
	size_t nreviewed = 0, total = 0;
	int rc = -1, step;
	memset(out, 0, sizeof(*out));
	if (!per_stratum) {
		snprintf(err, errlen, "a sample of 0 per stratum");
		return -1;
	}
	if (load_reviewed(db, &reviewed, &nreviewed, err, errlen))
		return -1;
	if (sqlite3_prepare_v2(db,
	                       "SELECT f.id, CASE WHEN ?2 THEN f.category ELSE f.rule END,"
	                       " f.fingerprint, s.path, s.member, f.offset, f.rule"
	                       " FROM findings f JOIN sources s ON s.id = f.source_id"
	                       " WHERE f.run_id = ?1 AND f.placeholder = 0",
	                       -1, &scan, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "SELECT f.run_id, f.source_id, f.rule, f.category, s.path, s.member,"
	                       " f.field, f.record, f.line, f.offset, f.length, f.preview,"
	                       " f.fingerprint, CASE WHEN ?2 THEN f.value END"
	                       " FROM findings f JOIN sources s ON s.id = f.source_id WHERE f.id = ?1",
	                       -1, &one, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot draw the sample", err, errlen);
		goto out;
	}
	sqlite3_bind_int64(scan, 1, run_id);
	sqlite3_bind_int(scan, 2, by == DB_STRATUM_CATEGORY);
	while ((step = sqlite3_step(scan)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(scan, 1);
		const char *fp = (const char *)sqlite3_column_text(scan, 2);
		const char *path = (const char *)sqlite3_column_text(scan, 3);
		const char *member = sqlite3_column_type(scan, 4) == SQLITE_NULL
		                     ? NULL : (const char *)sqlite3_column_text(scan, 4);
		const char *rule = (const char *)sqlite3_column_text(scan, 6);
		struct pick p = { .fid = sqlite3_column_int64(scan, 0) };
		if (!name || !fp || !path || !rule)
			continue;
		db_finding_id(fp, path, member, sqlite3_column_int64(scan, 5), rule, p.id);
		const char *key = p.id;
		if (nreviewed && bsearch(&key, reviewed, nreviewed, sizeof(*reviewed), id_cmp))
			continue;
		p.rank = seeded_rank(seed, (const unsigned char *)p.id, strlen(p.id));
		struct stratum *st = strata_get(&ss, name, per_stratum);
		if (!st) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		st->available++;
		heap_offer(st, per_stratum, &p);
	}
	if (step != SQLITE_DONE) {
		sql_fail(db, "cannot draw the sample", err, errlen);
		goto out;
	}

	/* By stratum name, then in rank order within each. */
	if (ss.count)
		qsort(ss.items, ss.count, sizeof(*ss.items), stratum_name_cmp);
	for (size_t i = 0; i < ss.count; i++)
		total += ss.items[i].count;
	out->items = calloc(total ? total : 1, sizeof(*out->items));
	if (!out->items) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ss.count; i++) {
		struct stratum *st = &ss.items[i];
		if (st->count)
			qsort(st->heap, st->count, sizeof(*st->heap), pick_qsort_cmp);
		out->strata++;
		out->short_strata += st->available < (int64_t)per_stratum;
		for (size_t k = 0; k < st->count; k++) {
			struct db_sample_item *it = &out->items[out->count++];
			memcpy(it->finding_id, st->heap[k].id, sizeof(it->finding_id));
			if (fetch_item(db, one, st->heap[k].fid, with_values, it, err, errlen))
				goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(scan);
	sqlite3_finalize(one);
	strata_release(&ss);
	free_ids(reviewed, nreviewed);
	if (rc)
		db_sample_release(out);
	return rc;
}

int db_review_spans(struct db_store *s, int64_t run_id, int64_t source_id, uint64_t from,
                    uint64_t to, struct db_span **spans, size_t *count, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int rc = -1, step;
	*spans = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(db,
	                       "SELECT offset, length, preview FROM findings"
	                       " WHERE run_id = ?1 AND source_id = ?2 AND offset >= ?3 AND offset < ?4"
	                       " AND offset + length > ?5 ORDER BY offset, length DESC",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read findings", err, errlen);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, source_id);
	sqlite3_bind_int64(st, 3, from > SPAN_REACH ? (sqlite3_int64)(from - SPAN_REACH) : 0);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)to);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)from);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count == alloc) {
			size_t grow = alloc ? alloc * 2 : 8;
			struct db_span *g = realloc(*spans, grow * sizeof(*g));
			if (!g) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			*spans = g;
			alloc = grow;
		}
		struct db_span *sp = &(*spans)[(*count)++];
		sp->offset = (uint64_t)sqlite3_column_int64(st, 0);
		sp->length = (uint64_t)sqlite3_column_int64(st, 1);
		const unsigned char *p = sqlite3_column_text(st, 2);
		snprintf(sp->preview, sizeof(sp->preview), "%s", p ? (const char *)p : "");
	}
	if (step != SQLITE_DONE) {
		sql_fail(db, "cannot read findings", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc) {
		free(*spans);
		*spans = NULL;
		*count = 0;
	}
	return rc;
}

/* ---- verdicts ---- */

bool db_verdict_valid(const char *verdict)
{
	return verdict && (!strcmp(verdict, "tp") || !strcmp(verdict, "fp") || !strcmp(verdict, "unsure"));
}

/* Where a finding id points: the newest finding with that id. */
struct finding_ref {
	char *fingerprint, *path, *member, *rule, *category;
	int64_t offset, run_id;
};

static void finding_ref_release(struct finding_ref *f)
{
	free(f->fingerprint);
	free(f->path);
	free(f->member);
	free(f->rule);
	free(f->category);
	memset(f, 0, sizeof(*f));
}

/* 1 found (ref filled when not NULL), 0 not found, -1 error. */
static int resolve(sqlite3 *db, const char *id, struct finding_ref *ref, char *err, size_t errlen)
{
	char lo[FP_PREFIX + 1], hi[FP_PREFIX + 2];
	sqlite3_stmt *st = NULL;
	int rc;
	if (!db_finding_id_valid(id))
		return 0;
	memcpy(lo, id, FP_PREFIX);
	lo[FP_PREFIX] = '\0';
	/* Every hex digit sorts before 'g': [lo, lo "g") holds the prefix. */
	snprintf(hi, sizeof(hi), "%sg", lo);
	if (sqlite3_prepare_v2(db,
	                       "SELECT f.fingerprint, s.path, s.member, f.offset, f.rule, f.category,"
	                       " f.run_id FROM runs r CROSS JOIN findings f ON f.run_id = r.id"
	                       " JOIN sources s ON s.id = f.source_id"
	                       " WHERE f.fingerprint >= ?1 AND f.fingerprint < ?2"
	                       " AND piiaudit_finding_id(f.fingerprint, s.path, s.member, f.offset,"
	                       " f.rule) = ?3 ORDER BY f.run_id DESC LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot look up a finding", err, errlen);
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = 1;
		if (ref) {
			ref->fingerprint = dup_column(st, 0);
			ref->path = dup_column(st, 1);
			ref->member = dup_column(st, 2);
			ref->offset = sqlite3_column_int64(st, 3);
			ref->rule = dup_column(st, 4);
			ref->category = dup_column(st, 5);
			ref->run_id = sqlite3_column_int64(st, 6);
			if (!ref->fingerprint || !ref->path || !ref->rule || !ref->category) {
				finding_ref_release(ref);
				snprintf(err, errlen, "out of memory");
				rc = -1;
			}
		}
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sql_fail(db, "cannot look up a finding", err, errlen);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The verdict already held for id: 1 (verdict and note copied out), 0
 * none, -1 error. */
static int existing_verdict(sqlite3 *db, const char *id, char **verdict, char **note,
                            char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc;
	*verdict = *note = NULL;
	if (sqlite3_prepare_v2(db, "SELECT verdict, note FROM verdicts WHERE finding_id = ?", -1, &st,
	                       NULL) != SQLITE_OK)
		return sql_fail(db, "cannot read verdicts", err, errlen);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*verdict = dup_column(st, 0);
		*note = dup_column(st, 1);
		rc = *verdict ? 1 : -1;
		if (rc < 0)
			snprintf(err, errlen, "out of memory");
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sql_fail(db, "cannot read verdicts", err, errlen);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_review_known(struct db_store *s, const char *finding_id, char *err, size_t errlen)
{
	char *verdict, *note;
	int rc = existing_verdict(db_handle(s), finding_id, &verdict, &note, err, errlen);
	free(verdict);
	free(note);
	if (rc)
		return rc;
	return resolve(db_handle(s), finding_id, NULL, err, errlen);
}

static bool same_text(const char *a, const char *b)
{
	if (!a || !*a)
		return !b || !*b;
	return b && !strcmp(a, b);
}

static int import_one(sqlite3 *db, sqlite3_stmt *ins, sqlite3_stmt *upd, const struct db_verdict *v,
                      const char *reviewed_at, size_t *added, size_t *changed, size_t *unchanged,
                      char *err, size_t errlen)
{
	char *old_verdict, *old_note;
	struct finding_ref ref = { 0 };
	const char *note = v->note && *v->note ? v->note : NULL;
	int rc = -1;
	if (!db_verdict_valid(v->verdict)) {
		snprintf(err, errlen, "finding %s: verdict '%s' is not tp, fp or unsure", v->finding_id,
		         v->verdict ? v->verdict : "");
		return -1;
	}
	int had = existing_verdict(db, v->finding_id, &old_verdict, &old_note, err, errlen);
	if (had < 0)
		return -1;
	int found = resolve(db, v->finding_id, &ref, err, errlen);
	if (found < 0)
		goto out;
	if (!found && !had) {
		snprintf(err, errlen, "unknown finding id '%s'", v->finding_id);
		goto out;
	}
	sqlite3_stmt *st = had ? upd : ins;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, v->finding_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->verdict, -1, SQLITE_STATIC);
	if (v->reviewer && *v->reviewer)
		sqlite3_bind_text(st, 3, v->reviewer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, reviewed_at, -1, SQLITE_STATIC);
	if (note)
		sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
	if (!had) {
		sqlite3_bind_text(st, 6, ref.fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, ref.path, -1, SQLITE_STATIC);
		if (ref.member)
			sqlite3_bind_text(st, 8, ref.member, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, ref.offset);
		sqlite3_bind_text(st, 10, ref.rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, ref.category, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 12, ref.run_id);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		sql_fail(db, "cannot record a verdict", err, errlen);
		goto out;
	}
	if (!had)
		(*added)++;
	else if (strcmp(old_verdict, v->verdict) || !same_text(old_note, note))
		(*changed)++;
	else
		(*unchanged)++;
	rc = 0;
out:
	free(old_verdict);
	free(old_note);
	finding_ref_release(&ref);
	return rc;
}

int db_review_import(struct db_store *s, const struct db_verdict *v, size_t count,
                     const char *reviewed_at, size_t *added, size_t *changed,
                     size_t *unchanged, char *err, size_t errlen)
{
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *ins = NULL, *upd = NULL;
	int rc = -1;
	*added = *changed = *unchanged = 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot begin a transaction", err, errlen);
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO verdicts(finding_id, verdict, reviewer, reviewed_at, note,"
	                       " fingerprint, path, member, offset, rule, category, run_id)"
	                       " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
	                       -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "UPDATE verdicts SET verdict = ?2, reviewer = ?3, reviewed_at = ?4,"
	                       " note = ?5 WHERE finding_id = ?1",
	                       -1, &upd, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot record verdicts", err, errlen);
		goto rollback;
	}
	for (size_t i = 0; i < count; i++)
		if (import_one(db, ins, upd, &v[i], reviewed_at, added, changed, unchanged, err, errlen))
			goto rollback;
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	ins = upd = NULL;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot commit the verdicts", err, errlen);
		goto rollback;
	}
	return 0;
rollback:
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	*added = *changed = *unchanged = 0;
	return rc;
}

/* ---- statistics ---- */

static void stat_measure(struct db_review_stat *st, double z)
{
	uint64_t n = (uint64_t)(st->tp + st->fp);
	st->measured = db_wilson((uint64_t)st->tp, n, z, &st->low, &st->high) == 0;
	if (!st->measured) {
		st->precision = 0.0;
		st->low = st->high = 0.0;
		st->true_est = st->true_low = st->true_high = 0.0;
		return;
	}
	st->precision = (double)st->tp / (double)n;
	st->true_est = (double)st->findings * st->precision;
	st->true_low = (double)st->findings * st->low;
	st->true_high = (double)st->findings * st->high;
	/* What the verdicts prove bounds the count whatever the sampling:
	 * at least the tp seen, at most all but the fp seen (a fully reviewed
	 * rule has its exact count). */
	if (st->true_low < (double)st->tp)
		st->true_low = (double)st->tp;
	if (st->true_high > (double)(st->findings - st->fp))
		st->true_high = (double)(st->findings - st->fp);
	if (st->true_high < st->true_low)
		st->true_high = st->true_low;
}

static void stat_release(struct db_review_stat *st)
{
	free(st->name);
	free(st->category);
}

void db_review_stats_release(struct db_review_stats *stats)
{
	for (size_t i = 0; i < stats->rule_count; i++)
		stat_release(&stats->rules[i]);
	for (size_t i = 0; i < stats->category_count; i++)
		stat_release(&stats->categories[i]);
	stat_release(&stats->total);
	free(stats->rules);
	free(stats->categories);
	memset(stats, 0, sizeof(*stats));
}

static int64_t count_query(sqlite3 *db, const char *sql, int64_t run_id)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (run_id)
		sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Adds a rule's figures into its category (rules come ordered by category). */
static int fold_category(struct db_review_stats *out, const struct db_review_stat *r, size_t *alloc)
{
	struct db_review_stat *c = out->category_count
	                           ? &out->categories[out->category_count - 1] : NULL;
	if (!c || strcmp(c->name, r->category)) {
		if (out->category_count == *alloc) {
			size_t grow = *alloc ? *alloc * 2 : 16;
			struct db_review_stat *g = realloc(out->categories, grow * sizeof(*g));
			if (!g)
				return -1;
			out->categories = g;
			*alloc = grow;
		}
		c = &out->categories[out->category_count];
		memset(c, 0, sizeof(*c));
		c->name = strdup(r->category);
		c->category = strdup(r->category);
		if (!c->name || !c->category) {
			free(c->name);
			free(c->category);
			return -1;
		}
		c->by_rules = true;
		out->category_count++;
	}
	c->findings += r->findings;
	c->reviewed += r->reviewed;
	c->tp += r->tp;
	c->fp += r->fp;
	c->unsure += r->unsure;
	if (r->findings > 0) {
		if (r->measured) {
			c->rules_true_est += r->true_est;
			c->rules_true_low += r->true_low;
			c->rules_true_high += r->true_high;
		} else {
			c->by_rules = false;
		}
	}
	return 0;
}

int db_review_stats(struct db_store *s, int64_t run_id, struct db_review_stats *out,
                    char *err, size_t errlen)
{
	/* Verdicts join the run's findings by fingerprint and location; one
	 * verdict counts once however many rows share its id. */
	static const char sql[] =
		"WITH rr AS ("
		"  SELECT id AS rule, category FROM rules WHERE run_id = ?1"
		"  UNION SELECT DISTINCT rule, category FROM findings WHERE run_id = ?1),"
		" fc AS (SELECT rule, count(*) AS n FROM findings"
		"  WHERE run_id = ?1 AND placeholder = 0 GROUP BY rule),"
		" vv AS (SELECT DISTINCT v.finding_id, v.rule, v.verdict FROM verdicts v"
		"  JOIN findings f ON f.fingerprint = v.fingerprint AND f.offset = v.offset"
		"   AND f.rule = v.rule"
		"  JOIN sources s ON s.id = f.source_id AND s.path = v.path AND s.member IS v.member"
		"  WHERE f.run_id = ?1 AND f.placeholder = 0),"
		" vc AS (SELECT rule, sum(verdict = 'tp') AS tp, sum(verdict = 'fp') AS fp,"
		"  sum(verdict = 'unsure') AS unsure FROM vv GROUP BY rule)"
		" SELECT rr.rule, rr.category, coalesce(fc.n, 0), coalesce(vc.tp, 0),"
		"  coalesce(vc.fp, 0), coalesce(vc.unsure, 0)"
		" FROM rr LEFT JOIN fc ON fc.rule = rr.rule LEFT JOIN vc ON vc.rule = rr.rule"
		" ORDER BY rr.category, rr.rule";
	sqlite3 *db = db_handle(s);
	sqlite3_stmt *st = NULL;
	size_t alloc = 0, cat_alloc = 0;
	int rc = -1, step;
	memset(out, 0, sizeof(*out));
	out->run_id = run_id;
	out->z = DB_WILSON_Z95;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "cannot compute review statistics", err, errlen);
	sqlite3_bind_int64(st, 1, run_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->rule_count == alloc) {
			size_t grow = alloc ? alloc * 2 : 32;
			struct db_review_stat *g = realloc(out->rules, grow * sizeof(*g));
			if (!g)
				goto oom;
			out->rules = g;
			alloc = grow;
		}
		struct db_review_stat *r = &out->rules[out->rule_count];
		memset(r, 0, sizeof(*r));
		r->name = dup_column(st, 0);
		r->category = dup_column(st, 1);
		out->rule_count++;
		if (!r->name || !r->category)
			goto oom;
		r->findings = sqlite3_column_int64(st, 2);
		r->tp = sqlite3_column_int64(st, 3);
		r->fp = sqlite3_column_int64(st, 4);
		r->unsure = sqlite3_column_int64(st, 5);
		r->reviewed = r->tp + r->fp + r->unsure;
		stat_measure(r, out->z);
		if (fold_category(out, r, &cat_alloc))
			goto oom;
		out->total.findings += r->findings;
		out->total.tp += r->tp;
		out->total.fp += r->fp;
		out->total.unsure += r->unsure;
		out->total.reviewed += r->reviewed;
	}
	if (step != SQLITE_DONE) {
		sql_fail(db, "cannot compute review statistics", err, errlen);
		goto out;
	}
	for (size_t i = 0; i < out->category_count; i++) {
		struct db_review_stat *c = &out->categories[i];
		stat_measure(c, out->z);
		if (!c->by_rules)
			c->rules_true_est = c->rules_true_low = c->rules_true_high = 0.0;
	}
	stat_measure(&out->total, out->z);
	out->verdicts = count_query(db, "SELECT count(*) FROM verdicts", 0);
	if (out->verdicts < 0) {
		sql_fail(db, "cannot count verdicts", err, errlen);
		goto out;
	}
	out->verdicts_elsewhere = out->verdicts - out->total.reviewed;
	if (out->verdicts_elsewhere < 0)
		out->verdicts_elsewhere = 0;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	sqlite3_finalize(st);
	if (rc)
		db_review_stats_release(out);
	return rc;
}
