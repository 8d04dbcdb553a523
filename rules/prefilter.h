/*
 * rules/prefilter.h - one pass over a window for every rule at once.
 *
 * With Hyperscan (built with HAVE_HYPERSCAN), every enabled rule's pattern
 * is compiled in prefilter mode into one block-mode database (the rules'
 * keywords are not in it: the matcher looks for a rule's keywords only
 * when the rule has candidates, rules/matcher.c).  One scan of a window
 * yields, for each rule, the offsets where a match may end.  The matcher
 * then runs PCRE2 only near those ends (see matcher.c), which finds
 * exactly what a full PCRE2 scan finds.
 *
 * A rule whose pattern Hyperscan cannot take even in prefilter mode is
 * marked as not covered; the matcher runs PCRE2 over the whole window for
 * it.  Without Hyperscan, nothing is covered and every call here is a
 * no-op.
 *
 * The prefilter (database) belongs to the ruleset and is shared read-only;
 * each thread owns a struct rule_prefilter_scratch.  Errors: -1 with a
 * message in the caller's buffer.
 */
#ifndef PIIAUDIT_PREFILTER_H
#define PIIAUDIT_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>

struct ruleset;
struct rule_prefilter;
struct rule_prefilter_scratch;

/* An expression for Hyperscan (a rule's prefilter, else its pattern)
 * whose counted repeats weigh more (rules/regex_repeats.h) is not taken:
 * its compile could take minutes (rules/prefilter.c). */
#define PREFILTER_REPEAT_WEIGHT_MAX 1500

/* Whether this build has Hyperscan. */
bool rule_prefilter_available(void);

/* Builds the database for the enabled rules of set.  NULL with *err set
 * on failure. */
struct rule_prefilter *rule_prefilter_build(const struct ruleset *set, char *err, size_t errlen);
void rule_prefilter_free(struct rule_prefilter *pf);

/* Whether rule i is in the database; its longest possible match (SIZE_MAX
 * when unbounded). */
bool rule_prefilter_covers(const struct rule_prefilter *pf, size_t rule_index);
size_t rule_prefilter_width(const struct rule_prefilter *pf, size_t rule_index);
/* The bytes a match of covered rule i can consume (rules/regex_bytes.h:
 * bit c of [c / 8]), or NULL when it may be any byte.  A match lies
 * within one run of such bytes, so no search need start before the run
 * around a candidate end. */
const unsigned char *rule_prefilter_run_bytes(const struct rule_prefilter *pf, size_t rule_index);

struct rule_prefilter_scratch *rule_prefilter_scratch_new(const struct rule_prefilter *pf);
void rule_prefilter_scratch_free(struct rule_prefilter_scratch *s);

/* Scans data[0, len).  Afterwards rule_prefilter_ends() lists, ascending
 * and without repeats, the offsets (relative to data) where rule i may end
 * a match. */
int rule_prefilter_scan(const struct rule_prefilter *pf, struct rule_prefilter_scratch *s,
                        const unsigned char *data, size_t len);
const size_t *rule_prefilter_ends(const struct rule_prefilter_scratch *s, size_t rule_index,
                                  size_t *count);

/* The rules that rule_prefilter_scan() gave candidate ends, ascending
 * (valid until the next scan): only these of the covered rules need
 * PCRE2, which matters for many small subjects (fields). */
const size_t *rule_prefilter_touched(struct rule_prefilter_scratch *s, size_t *count);

#endif
