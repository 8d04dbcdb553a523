/*
 * rules/regex_bytes.h - the bytes a regular expression's matches can
 * consume.
 *
 * For a pattern compiled as the rules are (PCRE2, byte mode, no options
 * but inline ones), the set of byte values that may appear inside any
 * match: the union of its literals, escapes and classes, with the other
 * case of each letter when (?i) appears anywhere.  A match lies within
 * one run of such bytes, so the matcher need not search further back than
 * where the run around a candidate end begins (rules/matcher.c).  Never
 * smaller than the truth: what this reader does not know (verbs such as
 * (*UTF), extended mode, \p, callouts, octal escapes) gives every byte.
 */
#ifndef PIIAUDIT_REGEX_BYTES_H
#define PIIAUDIT_REGEX_BYTES_H

#include <stdbool.h>

#define REGEX_BYTES_SET 32   /* bytes in a set: one bit per byte value */

/* Fills set (bit c of set[c / 8] for byte c) with the bytes a match of
 * pattern can consume.  False, with every bit set, when the pattern has
 * something this reader does not know. */
bool regex_consumed_bytes(const char *pattern, unsigned char set[REGEX_BYTES_SET]);

static inline bool regex_bytes_has(const unsigned char set[REGEX_BYTES_SET], unsigned char c)
{
	return set[c >> 3] >> (c & 7) & 1;
}

#endif
