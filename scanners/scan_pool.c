/*
 * scanners/scan_pool.c - threads matching windows of text (scan_pool.h).
 *
 * One queue under one mutex: a window is a megabyte of matching, so the
 * lock is taken a few hundred times a second and never contended for long.
 * Each thread owns a rule matcher (Hyperscan scratch, PCRE2 match data).
 * Out of memory while collecting hits is reported in the task (rc -1);
 * nothing here prints or exits.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "scanners/scan_pool.h"

struct pool_thread {
	struct scan_pool *pool;
	pthread_t thread;
	struct rule_matcher *matcher;
	bool started;
};

struct scan_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;          /* a task was queued, or the pool stops */
	pthread_cond_t done;          /* a task was matched */
	struct scan_task *head, *tail;
	bool stopping;
	size_t count;
	struct pool_thread *threads;
	const struct ruleset *rules;
};

static int collect(void *ctx, const struct rule_hit *hit)
{
	struct scan_task *t = ctx;
	if (t->hit_count == t->hit_alloc) {
		size_t alloc = t->hit_alloc ? t->hit_alloc * 2 : 256;
		struct rule_hit *grown = realloc(t->hits, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		t->hits = grown;
		t->hit_alloc = alloc;
	}
	t->hits[t->hit_count] = *hit;
	t->hits[t->hit_count++].start += t->seg_base;
	return 0;
}

static void *pool_main(void *arg)
{
	struct pool_thread *pt = arg;
	struct scan_pool *p = pt->pool;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->head)
			break;                /* stopping, and nothing left */
		struct scan_task *t = p->head;
		p->head = t->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		t->hit_count = 0;
		t->seg_base = 0;
		if (!t->seg_count)
			t->rc = rule_matcher_scan(pt->matcher, t->data, t->len, t->from, t->accept_end, NULL,
			                          collect, t) ? -1 : 0;
		for (size_t i = 0, start = 0; i < t->seg_count; start = t->seg_end[i++]) {
			t->seg_base = t->seg_text[i];
			t->rc = rule_matcher_scan_field(pt->matcher, t->data + start, t->seg_text[i] - start,
			                                t->seg_end[i] - start, collect, t) ? -1 : 0;
			t->seg_hits[i] = t->hit_count;
			if (t->rc)
				break;
		}
		pthread_mutex_lock(&p->lock);
		t->done = true;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct scan_pool *scan_pool_new(const struct ruleset *rules, unsigned threads)
{
	struct scan_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->threads = calloc(threads ? threads : 1, sizeof(*p->threads));
	p->rules = rules;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (!p->threads) {
		scan_pool_free(p);
		return NULL;
	}
	for (unsigned i = 0; i < threads; i++) {
		struct pool_thread *pt = &p->threads[i];
		pt->pool = p;
		p->count++;
		if (!(pt->matcher = rule_matcher_new(rules)) ||
		    pthread_create(&pt->thread, NULL, pool_main, pt)) {
			scan_pool_free(p);
			return NULL;
		}
		pt->started = true;
	}
	return p;
}

void scan_pool_free(struct scan_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; p->threads && i < p->count; i++) {
		if (p->threads[i].started)
			pthread_join(p->threads[i].thread, NULL);
		rule_matcher_free(p->threads[i].matcher);
	}
	free(p->threads);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void scan_pool_submit(struct scan_pool *p, struct scan_task *t)
{
	t->done = false;
	t->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = t;
	else
		p->head = t;
	p->tail = t;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void scan_pool_wait(struct scan_pool *p, struct scan_task *t)
{
	pthread_mutex_lock(&p->lock);
	while (!t->done)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

bool scan_pool_finished(struct scan_pool *p, struct scan_task *t)
{
	pthread_mutex_lock(&p->lock);
	bool done = t->done;
	pthread_mutex_unlock(&p->lock);
	return done;
}

int scan_task_fill(struct scan_task *t, const unsigned char *data, size_t len, size_t from,
                   size_t accept_end)
{
	if (len > t->cap) {
		unsigned char *grown = realloc(t->data, len);
		if (!grown)
			return -1;
		t->data = grown;
		t->cap = len;
	}
	memcpy(t->data, data, len);
	t->len = len;
	t->from = from;
	t->accept_end = accept_end;
	t->seg_count = 0;
	return 0;
}

void scan_task_clear(struct scan_task *t)
{
	t->len = t->from = t->accept_end = 0;
	t->seg_count = 0;
}

int scan_task_add_segment(struct scan_task *t, const unsigned char *text, size_t len,
                          size_t prefix)
{
	if (len > t->cap - t->len) {
		size_t cap = t->cap * 2 > t->len + len ? t->cap * 2 : t->len + len;
		unsigned char *grown = realloc(t->data, cap ? cap : 1);
		if (!grown)
			return -1;
		t->data = grown;
		t->cap = cap;
	}
	if (t->seg_count == t->seg_alloc) {
		size_t alloc = t->seg_alloc ? t->seg_alloc * 2 : 256;
		size_t *ends = realloc(t->seg_end, alloc * sizeof(*ends));
		if (ends)
			t->seg_end = ends;
		size_t *hits = realloc(t->seg_hits, alloc * sizeof(*hits));
		if (hits)
			t->seg_hits = hits;
		size_t *texts = realloc(t->seg_text, alloc * sizeof(*texts));
		if (texts)
			t->seg_text = texts;
		if (!ends || !hits || !texts)
			return -1;
		t->seg_alloc = alloc;
	}
	if (len)
		memcpy(t->data + t->len, text, len);
	t->seg_text[t->seg_count] = t->len + prefix;
	t->len += len;
	t->seg_end[t->seg_count++] = t->len;
	return 0;
}

void scan_task_release(struct scan_task *t)
{
	free(t->data);
	free(t->hits);
	free(t->seg_end);
	free(t->seg_hits);
	free(t->seg_text);
	memset(t, 0, sizeof(*t));
}

uint64_t scan_pool_limit_hits(const struct scan_pool *p, size_t rule_index)
{
	uint64_t total = 0;
	for (size_t i = 0; p && i < p->count; i++)
		if (p->threads[i].matcher)
			total += rule_matcher_limit_hits(p->threads[i].matcher, rule_index);
	return total;
}
