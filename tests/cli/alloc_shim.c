/*
 * tests/cli/alloc_shim.c - memory that runs out, for t0835.
 *
 * An LD_PRELOAD library: malloc(), calloc() and realloc() of more than
 * $ALLOC_FAIL_ABOVE bytes return NULL with ENOMEM, as a process at its
 * address-space limit sees; smaller ones go to glibc.  Not for the
 * sanitizer build, whose runtime owns malloc.
 * Built at test time: cc -shared -fPIC -o alloc.so alloc_shim.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t size);

static size_t fail_above(void)
{
	static size_t limit;
	if (!limit) {
		const char *env = getenv("ALLOC_FAIL_ABOVE");
		unsigned long long v = env ? strtoull(env, NULL, 10) : 0;
		limit = v ? (size_t)v : SIZE_MAX;
	}
	return limit;
}

void *malloc(size_t size)
{
	if (size > fail_above()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
	if (size && count > fail_above() / size) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(count, size);
}

void *realloc(void *p, size_t size)
{
	if (size > fail_above()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, size);
}
