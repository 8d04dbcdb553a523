/*
 * scanners/mem_budget.h - memory the decoders of one scan share (an xz
 * dictionary is up to 1.5 GiB, and xz -9 asks 65 MiB of any file; a zstd
 * window up to 2 GiB, and `zstd --long` asks 128 MiB; a 7z folder's LZMA
 * dictionary or PPMd model, a zip entry's LZMA or xz dictionary), so
 * that what they hold together stays bounded however many jobs read at
 * once; redact's budget counts its xz and zstd encoders too.
 *
 * A counter of bytes under a limit, shared between threads.  A decoder
 * takes what it needs before it allocates; a need over the whole limit is
 * refused; a need that does not fit beside what others hold waits for
 * them, unless the caller already holds some (a decoder inside another):
 * then it is taken anyway, so that two holders never wait for each other.
 * Waiters are served first come, first served: a need that would fit is
 * not taken past one waiting for more.
 * The caller owns the budget (mem_budget_new/free) and gives back each
 * amount it took.
 */
#ifndef PIIAUDIT_MEM_BUDGET_H
#define PIIAUDIT_MEM_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct mem_budget;

/* NULL without memory. */
struct mem_budget *mem_budget_new(uint64_t limit);
/* The option refusals name (a static string; "--max-decoder-memory"
 * unless set). */
void mem_budget_set_option(struct mem_budget *b, const char *option);
void mem_budget_free(struct mem_budget *b);
uint64_t mem_budget_limit(const struct mem_budget *b);

/* Takes n bytes: 0 when taken; -1 when n is over the limit itself, or
 * when *cancel became non-zero while waiting (cancel may be NULL). */
int mem_budget_take(struct mem_budget *b, uint64_t n, bool may_wait, const volatile int *cancel);

/* mem_budget_take() that also stops waiting at *deadline (CLOCK_MONOTONIC;
 * NULL: never), returning MEM_BUDGET_LATE then: a source's time limit
 * ends its wait too. */
#define MEM_BUDGET_LATE (-2)
int mem_budget_take_until(struct mem_budget *b, uint64_t n, bool may_wait,
                          const volatile int *cancel, const struct timespec *deadline);
void mem_budget_give(struct mem_budget *b, uint64_t n);

/* mem_budget_take_until(), saying in why (why_cap bytes) why n was
 * refused: "interrupted" when *cancel was set; when the deadline passed,
 *   limit: --max-source-seconds ran out waiting for decoder memory; the
 *   rest not scanned
 * else the limit, as
 *   limit: xz data that needs 65 MiB of memory to decode, more than
 *   --max-decoder-memory (80 MiB)
 * with `what` naming the data, need what it needs in all (rounded up to
 * MiB; n may be part of it), detail (may be "") after "to decode", and
 * the budget's option (mem_budget_set_option()). */
int mem_budget_take_or_say(struct mem_budget *b, uint64_t n, bool may_wait,
                           const volatile int *cancel, const struct timespec *deadline,
                           const char *what, uint64_t need, const char *detail, char *why,
                           size_t why_cap);

/* What all holders hold now, and the most they held at once. */
uint64_t mem_budget_used(struct mem_budget *b);
uint64_t mem_budget_peak(struct mem_budget *b);

#endif
