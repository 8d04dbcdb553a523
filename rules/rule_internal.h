/*
 * rules/rule_internal.h - helpers shared by the files of rules/, not part of
 * the public API.  Same ownership as rule.h: a ruleset owns its rules.
 */
#ifndef PIIAUDIT_RULE_INTERNAL_H
#define PIIAUDIT_RULE_INTERNAL_H

#include "rules/rule.h"

#define RULE_CONTEXT_MAX 1024   /* largest context window, bytes each side */
#define RULE_CONTEXT_DEFAULT 64

/* The value of a hexadecimal digit, or -1. */
static inline int rule_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A new zeroed rule at the end of the set, with defaults; NULL on ENOMEM. */
struct rule *ruleset_add(struct ruleset *set);

/* Moves every rule of `from` into `set`; a rule whose id exists replaces it.
 * `from` is left empty.  -1 when out of memory (nothing moved). */
int ruleset_take(struct ruleset *set, struct ruleset *from);

#endif
