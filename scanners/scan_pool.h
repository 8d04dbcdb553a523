/*
 * scanners/scan_pool.h - threads that run the rules over windows of text, so
 * that reading and inflating a source overlap with matching it, and one
 * large source keeps every core busy.
 *
 * The pool owns its threads and one rule matcher per thread; the ruleset
 * is borrowed and must outlive the pool.  A task is owned by its submitter:
 * between scan_pool_submit() and the scan_pool_wait() that returns it, the
 * pool reads its window and fills its hits, and the submitter must not
 * touch it.  Tasks are matched in any order, by any thread; the submitter
 * decides the order in which results are used.
 */
#ifndef PIIAUDIT_SCAN_POOL_H
#define PIIAUDIT_SCAN_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rule.h"

struct scan_pool;

struct scan_task {
	unsigned char *data;          /* the window, owned by the task */
	size_t cap, len;
	size_t from, accept_end;      /* as struct scan_window */
	struct rule_hit *hits;        /* filled by the pool, owned by the task */
	size_t hit_count, hit_alloc;
	int rc;                       /* rule_matcher_scan()'s: -1 out of memory */
	/* Segments, when seg_count > 0 (scan_task_add_segment()): data holds
	 * them end to end, segment i ending at seg_end[i], its text starting
	 * at seg_text[i] behind its field's name (rule_matcher_scan_field(),
	 * from the end of the one before); each is matched alone (nothing
	 * before it visible), instead of the window.  Its hits end at
	 * seg_hits[i] in hits, with starts that are indices into data. */
	size_t *seg_end, *seg_text, *seg_hits;
	size_t seg_count, seg_alloc;
	/* The pool's. */
	size_t seg_base;
	bool done;
	struct scan_task *next;
};

/* threads >= 1.  NULL when a thread or a matcher cannot be made. */
struct scan_pool *scan_pool_new(const struct ruleset *rules, unsigned threads);

/* Waits for the tasks submitted, stops the threads, frees the matchers.
 * Accepts NULL. */
void scan_pool_free(struct scan_pool *pool);

/* Queues a task whose window is in data[0, len). */
void scan_pool_submit(struct scan_pool *pool, struct scan_task *task);

/* Returns once the task has been matched: its hits are the matcher's, in
 * the order it found them. */
void scan_pool_wait(struct scan_pool *pool, struct scan_task *task);

/* Whether a submitted task has been matched (scan_pool_wait() would not
 * wait); once true, the submitter may read the task again. */
bool scan_pool_finished(struct scan_pool *pool, struct scan_task *task);

/* Copies a window into a task, growing its buffer; -1 when out of memory. */
int scan_task_fill(struct scan_task *task, const unsigned char *data, size_t len, size_t from,
                   size_t accept_end);

/* Appends a text to match alone (a record's field): text[prefix, len),
 * behind its field's name in text[0, prefix) (rule_field_prefix(); 0: no
 * name); the first one after a window or scan_task_clear() starts the
 * list.  -1 when out of memory. */
int scan_task_add_segment(struct scan_task *task, const unsigned char *text, size_t len,
                          size_t prefix);

/* Empties a task's window and segments (keeping its buffers). */
void scan_task_clear(struct scan_task *task);

/* Frees what a task owns and zeroes it. */
void scan_task_release(struct scan_task *task);

/* Windows in which rule rule_index gave up at a PCRE2 limit, all threads. */
uint64_t scan_pool_limit_hits(const struct scan_pool *pool, size_t rule_index);

#endif
