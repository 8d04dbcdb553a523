/*
 * rules/token_run.h - the `prefilter_token` of a rule: where a whole run of
 * bytes from one class, of a given length, ends.
 *
 * A rule whose every match is such a run (the Italian fiscal code: sixteen
 * letters or digits, with neither before nor after it) gets its candidate
 * ends from one plain pass over the window instead of from Hyperscan,
 * where sixteen letter-or-digit classes keep the automaton busy at every
 * word.  The matcher then confirms with PCRE2 as for any candidate end.
 *
 * Owns nothing: a struct rule_token is a value (a class table and two
 * lengths), parsed from text such as '[A-Za-z0-9]{16}' or
 * '[0-9A-F]{8,12}'.  Parsing fails with -1 and a message in the caller's
 * buffer; the scan cannot fail except through its callback.
 */
#ifndef PIIAUDIT_TOKEN_RUN_H
#define PIIAUDIT_TOKEN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rule_token {
	bool set;                   /* the rule has one */
	unsigned char in_class[256];
	uint32_t min, max;          /* 1 <= min <= max <= RULE_TOKEN_MAX */
	/* The class as up to RULE_TOKEN_RANGES byte ranges [lo, lo + span],
	 * for the vector path; 0 ranges: more than that, the table alone. */
	unsigned ranges;
	unsigned char range_lo[4], range_span[4];
};

#define RULE_TOKEN_RANGES 4

#define RULE_TOKEN_MAX 4096

/* '[' CLASS ']' '{' MIN [',' MAX] '}'; CLASS is bytes and ranges a-z, with
 * \\ \] \- \^ and \xHH escapes; no negation.  0, or -1 with *err set. */
int rule_token_parse(const char *text, struct rule_token *out, char *err, size_t errlen);

/* Calls emit(ctx, e) for every e in (0, len] where a run data[s, e) of
 * class bytes ends with min <= e - s <= max, data[s - 1] (if s > 0) and
 * data[e] (if e < len) outside the class; ascending.  Stops with emit's
 * non-zero return and returns it; 0 otherwise. */
int rule_token_scan(const struct rule_token *t, const unsigned char *data, size_t len,
                    int (*emit)(void *ctx, size_t end), void *ctx);

/* For tests: true makes rule_token_scan() take the portable path (SSE2 or
 * the table) even where the processor has AVX-512BW.  Not thread-safe. */
void rule_token_scan_portable(bool on);

#endif
