/*
 * rules/regex_repeats.h - how much a regular expression's counted repeats
 * ask a compiler to unroll.
 *
 * Hyperscan compiles a bounded repeat by building it out: a user rule with
 * [1-9A-Za-z]{25234} (fuzz_engines found one) kept `piiaudit scan` in
 * hs_compile_multi() for more than ten minutes, {3000} for 8 s, {1000}
 * for 1.5 s, {300} for 0.1 s (rules/prefilter.c leaves such rules to
 * PCRE2, which runs them as loops).
 */
#ifndef PIIAUDIT_REGEX_REPEATS_H
#define PIIAUDIT_REGEX_REPEATS_H

#include <stdint.h>

/* The largest count that one atom of pattern (PCRE2 syntax) is repeated
 * by counted quantifiers, multiplied through nested groups: 1 for none,
 * 200 for (?:a{10}){20} and for x{5,200}; {n,} counts n, and * + ? count
 * 1 (loops are not unrolled).  Escapes, character classes, \Q...\E and
 * (?#...) are skipped; a '{' that does not start a quantifier is a
 * literal.  Never less than the real figure, so it may be used to refuse
 * (a brace read as a quantifier that is not one only counts more); it
 * saturates at UINT64_MAX. */
uint64_t regex_repeat_weight(const char *pattern);

#endif
