/*
 * scanners/mem_budget.c - a byte budget that decoders on several threads
 * share (mem_budget.h says what it is for).
 *
 * Owns its lock and condition variable.  Waiters are served in the order
 * they came: each waits in a queue (a node on its own stack) until it is
 * first and its need fits, and a newcomer does not pass them even when
 * its own need would fit, so that many small decoders cannot starve a
 * large one.  A waiter wakes when something is given back or the queue
 * moves, at its deadline, and at least every 100 ms to look at its cancel
 * flag (a signal handler sets it; it cannot signal a condition variable).
 * Fails only by refusing: a need over the limit, a cancelled wait, or one
 * that reached its deadline.
 */
#include "scanners/mem_budget.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* A waiter in the queue. */
struct waiter {
	struct waiter *next;
};

struct mem_budget {
	pthread_mutex_t lock;
	pthread_cond_t freed;    /* memory given back, or the queue moved */
	uint64_t limit, used, peak;
	struct waiter *first, *last;
	const char *option;      /* that sets the limit, for refusals */
};

struct mem_budget *mem_budget_new(uint64_t limit)
{
	struct mem_budget *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&b->freed, &attr);
	pthread_condattr_destroy(&attr);
	b->limit = limit;
	b->option = "--max-decoder-memory";
	return b;
}

void mem_budget_set_option(struct mem_budget *b, const char *option)
{
	b->option = option;
}

void mem_budget_free(struct mem_budget *b)
{
	if (!b)
		return;
	pthread_cond_destroy(&b->freed);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

uint64_t mem_budget_limit(const struct mem_budget *b)
{
	return b->limit;
}

/* Removes w from the queue (anywhere in it: a cancelled waiter leaves
 * from its place); the lock is held. */
static void leave_queue(struct mem_budget *b, struct waiter *w)
{
	struct waiter **at = &b->first, *before = NULL;
	while (*at && *at != w) {
		before = *at;
		at = &(*at)->next;
	}
	if (!*at)
		return;
	*at = w->next;
	if (b->last == w)
		b->last = before;
	pthread_cond_broadcast(&b->freed);
}

static bool passed(const struct timespec *t, const struct timespec *now)
{
	return now->tv_sec > t->tv_sec || (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

int mem_budget_take_until(struct mem_budget *b, uint64_t n, bool may_wait,
                          const volatile int *cancel, const struct timespec *deadline)
{
	if (n > b->limit)
		return -1;
	int rc = 0;
	pthread_mutex_lock(&b->lock);
	if (may_wait && (b->first || b->used > b->limit - n)) {
		struct waiter self = { NULL };
		if (b->last)
			b->last->next = &self;
		else
			b->first = &self;
		b->last = &self;
		while (b->first != &self || b->used > b->limit - n) {
			if (cancel && *cancel) {
				rc = -1;
				break;
			}
			struct timespec now, until;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (deadline && passed(deadline, &now)) {
				rc = MEM_BUDGET_LATE;
				break;
			}
			until = now;
			until.tv_nsec += 100 * 1000 * 1000;
			if (until.tv_nsec >= 1000 * 1000 * 1000) {
				until.tv_sec++;
				until.tv_nsec -= 1000 * 1000 * 1000;
			}
			if (deadline && passed(deadline, &until))
				until = *deadline;
			pthread_cond_timedwait(&b->freed, &b->lock, &until);
		}
		leave_queue(b, &self);
	}
	if (!rc) {
		b->used += n;
		if (b->used > b->peak)
			b->peak = b->used;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int mem_budget_take(struct mem_budget *b, uint64_t n, bool may_wait, const volatile int *cancel)
{
	return mem_budget_take_until(b, n, may_wait, cancel, NULL);
}

void mem_budget_give(struct mem_budget *b, uint64_t n)
{
	pthread_mutex_lock(&b->lock);
	b->used = n < b->used ? b->used - n : 0;
	pthread_cond_broadcast(&b->freed);
	pthread_mutex_unlock(&b->lock);
}

uint64_t mem_budget_used(struct mem_budget *b)
{
	pthread_mutex_lock(&b->lock);
	uint64_t used = b->used;
	pthread_mutex_unlock(&b->lock);
	return used;
}

uint64_t mem_budget_peak(struct mem_budget *b)
{
	pthread_mutex_lock(&b->lock);
	uint64_t peak = b->peak;
	pthread_mutex_unlock(&b->lock);
	return peak;
}

int mem_budget_take_or_say(struct mem_budget *b, uint64_t n, bool may_wait,
                           const volatile int *cancel, const struct timespec *deadline,
                           const char *what, uint64_t need, const char *detail, char *why,
                           size_t why_cap)
{
	int rc = mem_budget_take_until(b, n, may_wait, cancel, deadline);
	if (!rc)
		return 0;
	if (cancel && *cancel)
		snprintf(why, why_cap, "interrupted");
	else if (rc == MEM_BUDGET_LATE)
		snprintf(why, why_cap,
		         "limit: --max-source-seconds ran out waiting for decoder memory; the rest not"
		         " scanned");
	else
		snprintf(why, why_cap,
		         "limit: %s data that needs %llu MiB of memory to decode%s, more than"
		         " %s (%llu MiB)",
		         what, (unsigned long long)((need + (1u << 20) - 1) >> 20), detail, b->option,
		         (unsigned long long)(mem_budget_limit(b) >> 20));
	return -1;
}
