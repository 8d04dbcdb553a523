/*
 * scanners/xz_src.c and scanners/mem_budget.c.  xz (one stream, two
 * concatenated) and .lzma made here with liblzma decode to the bytes given,
 * fed and read in pseudo-random sizes; the decoder holds what liblzma says
 * it needs from the budget while open and gives it back when freed; a need
 * over the budget is refused with a reason that names both sizes;
 * truncated data delivers what it holds, damaged data the text before the
 * damage (and what LZMA made of the rest until it noticed), then the error.
 * The budget: a need over the limit is refused, a holder that may not
 * wait takes beyond the limit, a waiter wakes when memory is given back or
 * when its cancel flag is set; waiters are served in the order they came
 * (a need that would fit waits behind a larger one; a cancelled waiter
 * leaves from the middle of the queue).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lzma.h>

#include "scanners/byte_src.h"
#include "scanners/mem_budget.h"
#include "tests/unit/decoder_fixture.h"
#include "tests/unit/unit.h"

#define MIB (1ULL << 20)

struct waiter {
	struct mem_budget *budget;
	uint64_t n;
	const volatile int *cancel;
	int rc;
};

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 }, NULL);
}

static void *wait_for_memory(void *arg)
{
	struct waiter *w = arg;
	__atomic_store_n(&w->rc, mem_budget_take(w->budget, w->n, true, w->cancel), __ATOMIC_SEQ_CST);
	return NULL;
}

static int rc_of(struct waiter *w)
{
	return __atomic_load_n(&w->rc, __ATOMIC_SEQ_CST);
}

/* Joins a waiter that should get its memory within 2 s: true when it
 * did; else its wait is cancelled (so a broken budget fails the test
 * instead of hanging it) and false. */
static bool joined(pthread_t t, struct waiter *w, volatile int *cancel)
{
	for (int i = 0; i < 200 && rc_of(w) == 99; i++)
		sleep_ms(10);
	bool got = rc_of(w) == 0;
	*cancel = 1;
	pthread_join(t, NULL);
	return got;
}

static void test_budget(void)
{
	struct mem_budget *b = mem_budget_new(100);
	CHECK(b != NULL);
	if (!b)
		return;
	CHECK(mem_budget_take(b, 101, true, NULL) == -1);
	CHECK(mem_budget_take(b, 60, true, NULL) == 0);
	/* A holder that may not wait takes beyond the limit. */
	CHECK(mem_budget_take(b, 60, false, NULL) == 0);
	CHECK(mem_budget_used(b) == 120 && mem_budget_peak(b) == 120);
	mem_budget_give(b, 60);

	/* A waiter wakes when enough is given back. */
	struct waiter w = { b, 50, NULL, 99 };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, wait_for_memory, &w) == 0);
	sleep_ms(150);
	CHECK(rc_of(&w) == 99);            /* still waiting: 60 + 50 > 100 */
	mem_budget_give(b, 60);
	pthread_join(t, NULL);
	CHECK(rc_of(&w) == 0 && mem_budget_used(b) == 50);

	/* ...or when cancelled. */
	static volatile int cancel;
	CHECK(mem_budget_take(b, 40, true, NULL) == 0);
	struct waiter w2 = { b, 80, &cancel, 99 };
	CHECK(pthread_create(&t, NULL, wait_for_memory, &w2) == 0);
	sleep_ms(150);
	CHECK(rc_of(&w2) == 99);
	cancel = 1;
	pthread_join(t, NULL);
	CHECK(rc_of(&w2) == -1 && mem_budget_used(b) == 90);
	mem_budget_give(b, 90);
	CHECK(mem_budget_used(b) == 0);

	/* First come, first served: with 60 held, A waits for 80; B asks 30,
	 * which would fit, but waits behind A; C behind B gives up (cancelled)
	 * and leaves from the middle.  60 given back: A takes 80, B still
	 * waits (80 + 30 > 100); A's 80 back: B takes its 30. */
	CHECK(mem_budget_take(b, 60, true, NULL) == 0);
	static volatile int cancel_a, cancel_b, cancel_c, cancel_d;
	struct waiter wa = { b, 80, &cancel_a, 99 }, wb = { b, 30, &cancel_b, 99 },
	              wc = { b, 5, &cancel_c, 99 };
	pthread_t ta, tb, tc;
	CHECK(pthread_create(&ta, NULL, wait_for_memory, &wa) == 0);
	sleep_ms(100);
	CHECK(pthread_create(&tb, NULL, wait_for_memory, &wb) == 0);
	sleep_ms(100);
	CHECK(pthread_create(&tc, NULL, wait_for_memory, &wc) == 0);
	sleep_ms(150);
	CHECK(rc_of(&wa) == 99 && rc_of(&wb) == 99 && rc_of(&wc) == 99);
	cancel_c = 1;
	pthread_join(tc, NULL);
	CHECK(rc_of(&wc) == -1 && rc_of(&wb) == 99);
	mem_budget_give(b, 60);
	CHECK(joined(ta, &wa, &cancel_a));
	sleep_ms(150);
	CHECK(rc_of(&wb) == 99);
	mem_budget_give(b, 80);
	CHECK(joined(tb, &wb, &cancel_b));
	mem_budget_give(b, mem_budget_used(b));
	/* A holder that may not wait still passes the queue. */
	CHECK(mem_budget_take(b, 90, true, NULL) == 0);
	struct waiter wd = { b, 50, &cancel_d, 99 };
	CHECK(pthread_create(&ta, NULL, wait_for_memory, &wd) == 0);
	sleep_ms(100);
	CHECK(mem_budget_take(b, 20, false, NULL) == 0 && mem_budget_used(b) == 110);
	mem_budget_give(b, 110);
	CHECK(joined(ta, &wd, &cancel_d) && mem_budget_used(b) == 50);
	mem_budget_give(b, mem_budget_used(b));
	CHECK(mem_budget_used(b) == 0);

	/* A wait with a deadline (a source's --max-source-seconds) ends at
	 * it, nothing taken, and leaves the queue: a newcomer whose need
	 * fits then takes it without waiting (its own deadline is past, so
	 * a wait would fail it at once rather than hang the test). */
	CHECK(mem_budget_take(b, 60, true, NULL) == 0);
	struct timespec deadline, past;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	past = deadline;
	deadline.tv_nsec += 200 * 1000 * 1000;
	if (deadline.tv_nsec >= 1000 * 1000 * 1000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000 * 1000 * 1000;
	}
	CHECK(mem_budget_take_until(b, 80, true, NULL, &deadline) == MEM_BUDGET_LATE);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	CHECK(now.tv_sec > deadline.tv_sec ||
	      (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec));
	CHECK(mem_budget_used(b) == 60);
	CHECK(mem_budget_take_until(b, 40, true, NULL, &past) == 0 && mem_budget_used(b) == 100);
	char why[200];
	CHECK(mem_budget_take_or_say(b, 10, true, NULL, &past, "xz", 10, "", why, sizeof(why)) == -1);
	CHECK(strstr(why, "limit: --max-source-seconds ran out waiting for decoder memory") == why);
	CHECK(mem_budget_take_or_say(b, 200, true, NULL, &past, "xz", 200 << 20, "", why,
	                             sizeof(why)) == -1);
	CHECK(strstr(why, "limit: xz data that needs 200 MiB of memory to decode") == why);
	mem_budget_give(b, 100);
	mem_budget_free(b);
}

int main(void)
{
	test_budget();

	unsigned char *text = make_text();
	CHECK(text != NULL);
	if (!text)
		return unit_finish("xz_src");
	size_t xz_cap = lzma_stream_buffer_bound(TEXT_BYTES) * 2, xz_len = 0;
	unsigned char *xz = malloc(xz_cap);
	CHECK(xz && lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, text, TEXT_BYTES, xz, &xz_len,
	                                    xz_cap) == LZMA_OK);
	size_t alone_len = 0;
	unsigned char *alone = lzma_alone_encode(text, TEXT_BYTES, 6, &alone_len);
	CHECK(alone != NULL);

	struct mem_budget *budget = mem_budget_new(16 * MIB);
	for (unsigned seed = 1; seed <= 4; seed++) {
		/* Whole, through the budget or without one; .lzma too. */
		for (int kind = 0; kind < 3; kind++) {
			struct mem_src m;
			if (kind == 2)
				mem_src_init(&m, alone, alone_len, seed);
			else
				mem_src_init(&m, xz, xz_len, seed);
			struct xz_src *x = xz_src_new(&m.base, kind == 2 ? XZ_FORMAT_LZMA : XZ_FORMAT_XZ, kind == 1 ? NULL : budget, true, NULL);
			CHECK(x != NULL);
			unsigned char *out;
			size_t out_len;
			ssize_t last = decode_all(xz_src_base(x), &out, &out_len, seed);
			CHECK(last == 0 && out_len == TEXT_BYTES && !memcmp(out, text, TEXT_BYTES));
			/* xz -6: an 8 MiB dictionary, about 9 MiB in all. */
			if (kind != 1)
				CHECK(mem_budget_used(budget) > 8 * MIB && mem_budget_used(budget) < 10 * MIB);
			free(out);
			xz_src_free(x);
			CHECK(mem_budget_used(budget) == 0);
		}
	}

	/* Two streams one after the other are one text. */
	unsigned char *two = malloc(2 * xz_len);
	if (two) {
		memcpy(two, xz, xz_len);
		memcpy(two + xz_len, xz, xz_len);
		struct mem_src m;
		mem_src_init(&m, two, 2 * xz_len, 9);
		struct xz_src *x = xz_src_new(&m.base, XZ_FORMAT_XZ, budget, true, NULL);
		unsigned char *out;
		size_t out_len;
		CHECK(decode_all(xz_src_base(x), &out, &out_len, 9) == 0);
		CHECK(out_len == 2 * TEXT_BYTES && !memcmp(out, text, TEXT_BYTES) &&
		      !memcmp(out + TEXT_BYTES, text, TEXT_BYTES));
		free(out);
		xz_src_free(x);
		free(two);
	}

	/* A need over the budget: refused, nothing held. */
	struct mem_budget *small = mem_budget_new(4 * MIB);
	for (int kind = 0; kind < 2; kind++) {
		struct mem_src m;
		if (kind)
			mem_src_init(&m, alone, alone_len, 3);
		else
			mem_src_init(&m, xz, xz_len, 3);
		struct xz_src *x = xz_src_new(&m.base, kind == 1 ? XZ_FORMAT_LZMA : XZ_FORMAT_XZ, small, true, NULL);
		unsigned char buf[4096];
		CHECK(byte_src_read(xz_src_base(x), buf, sizeof(buf)) == -1);
		CHECK(strstr(xz_src_base(x)->error, "limit: ") == xz_src_base(x)->error);
		CHECK(strstr(xz_src_base(x)->error, "needs 9 MiB") != NULL);
		CHECK(strstr(xz_src_base(x)->error, "(4 MiB)") != NULL);
		CHECK(byte_src_read(xz_src_base(x), buf, sizeof(buf)) == -1);
		xz_src_free(x);
		CHECK(mem_budget_used(small) == 0);
	}
	mem_budget_free(small);

	/* A decoder whose input's time ran out while it waited for memory
	 * (all of a 16 MiB budget held by another): a limit, nothing held. */
	struct mem_budget *busy = mem_budget_new(16 * MIB);
	CHECK(mem_budget_take(busy, 16 * MIB, true, NULL) == 0);
	{
		struct mem_src m;
		mem_src_init(&m, xz, xz_len, 5);
		struct xz_src *x = xz_src_new(&m.base, XZ_FORMAT_XZ, busy, true, NULL);
		struct timespec past;
		clock_gettime(CLOCK_MONOTONIC, &past);
		xz_src_set_deadline(x, &past);
		unsigned char buf[4096];
		CHECK(byte_src_read(xz_src_base(x), buf, sizeof(buf)) == -1);
		CHECK(strstr(xz_src_base(x)->error, "limit: --max-source-seconds ran out") ==
		      xz_src_base(x)->error);
		xz_src_free(x);
		CHECK(mem_budget_used(busy) == 16 * MIB);
	}
	mem_budget_free(busy);

	/* Truncated, then damaged in the middle: what comes first is the
	 * text's beginning, then the error. */
	for (int damaged = 0; damaged < 2; damaged++) {
		unsigned char *bad = malloc(xz_len);
		if (!bad)
			break;
		memcpy(bad, xz, xz_len);
		size_t len = xz_len;
		if (damaged)
			bad[xz_len / 2] ^= 0x55;
		else
			len = xz_len / 2;
		struct mem_src m;
		mem_src_init(&m, bad, len, 5);
		struct xz_src *x = xz_src_new(&m.base, XZ_FORMAT_XZ, budget, true, NULL);
		unsigned char *out;
		size_t out_len;
		CHECK(decode_all(xz_src_base(x), &out, &out_len, 5) == -1);
		/* LZMA data carries no check of its own before the block's end:
		 * after the damaged byte the output may be wrong, but all that
		 * came before it is the text. */
		size_t sure = damaged ? TEXT_BYTES / 4 : out_len;
		CHECK(out_len >= sure && out_len > 0 && out_len < 2 * TEXT_BYTES && !memcmp(out, text, sure));
		CHECK(strstr(xz_src_base(x)->error, damaged ? "xz: damaged" : "xz: truncated") != NULL);
		if (!strstr(xz_src_base(x)->error, "xz: "))
			printf("  error: %s\n", xz_src_base(x)->error);
		free(out);
		xz_src_free(x);
		free(bad);
		CHECK(mem_budget_used(budget) == 0);
	}

	/* Not xz at all. */
	{
		static const unsigned char junk[] = "\xfd" "7zXZ\0 this is no xz stream at all, only its magic";
		struct mem_src m;
		mem_src_init(&m, junk, sizeof(junk), 1);
		struct xz_src *x = xz_src_new(&m.base, XZ_FORMAT_XZ, budget, true, NULL);
		unsigned char buf[64];
		CHECK(byte_src_read(xz_src_base(x), buf, sizeof(buf)) == -1);
		CHECK(strncmp(xz_src_base(x)->error, "xz: ", 4) == 0);
		xz_src_free(x);
	}
	CHECK(mem_budget_peak(budget) < 10 * MIB);
	mem_budget_free(budget);
	free(alone);
	free(xz);
	free(text);
	return unit_finish("xz_src");
}
