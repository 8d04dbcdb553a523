/*
 * tests/unit/unit.h - the smallest test harness: CHECK() counts and
 * reports, unit_finish() prints "NAME: N passed, M failed" and gives the
 * exit status.
 */
#ifndef PIIAUDIT_UNIT_H
#define PIIAUDIT_UNIT_H

#include <stdio.h>

static int unit_passed, unit_failed;

#define CHECK(cond) \
	do { \
		if (cond) { \
			unit_passed++; \
		} else { \
			unit_failed++; \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

static inline int unit_finish(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
