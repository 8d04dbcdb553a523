/*
 * rules/rule.h - rules, rule sets and the matcher.
 *
 * A ruleset owns its rules and everything they hold (strings, compiled
 * PCRE2 code).  It is loaded from YAML packs (rule_pack.c), compiled once,
 * then shared read-only between threads.  Each thread matching text owns a
 * struct rule_matcher, which holds PCRE2 match data and per-rule counters.
 *
 * Errors: functions return 0 on success and -1 on failure, with a one-line
 * message on the ruleset (ruleset_error()) naming the pack file, the rule id
 * and the reason.  Nothing here prints or exits.
 */
#ifndef PIIAUDIT_RULE_H
#define PIIAUDIT_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules/token_run.h"
#include "rules/validators.h"

/* The stable category vocabulary of DESIGN.md. */
extern const char *const rule_categories[];
bool rule_category_known(const char *category);

/* A string list owned by its holder. */
struct rule_strings {
	char **items;
	size_t count;
};

/* Appends a copy of s; -1 when out of memory. */
int rule_strings_push(struct rule_strings *list, const char *s);
void rule_strings_release(struct rule_strings *list);

/* Values that are not findings (allow) or are documentation placeholders:
 * exact strings, or /regex/ written between slashes. */
struct rule_valuelist {
	struct rule_strings exact;
	struct rule_strings regex_src;
	pcre2_code **regex;
};

#define RULE_REACH_MAX 65536

struct rule {
	char *id;           /* dotted, unique in a ruleset: "email.address" */
	char *category;     /* one of rule_categories */
	char *description;
	char *pattern;      /* PCRE2 source */
	char *prefilter;    /* optional Hyperscan expression that, for every
	                     * match [s, e) of `pattern`, ends a match in
	                     * (s, e] (e.g. the pattern's suffix from a rare
	                     * byte); the pattern itself when NULL */
	unsigned prefilter_reach;   /* with prefilter: a match's first candidate
	                             * end is at most this far from its start
	                             * (0: the pattern's longest match) */
	bool prefilter_alone;   /* its expression in a Hyperscan database of its own */
	char *prefilter_token;  /* or: every match is a whole run of a class
	                         * ('[A-Za-z0-9]{16}'), found without Hyperscan */
	struct rule_token token;    /* parsed from prefilter_token */
	char *group_name;   /* capture holding the value: a name, or NULL */
	int group;          /* ... or a number (0: the whole match) */
	char *validator_name;
	const struct rule_validator *validator;
	struct rule_strings keywords;   /* prefilter: one must occur (caseless) */
	struct rule_strings context;    /* words that raise confidence */
	unsigned context_window;        /* bytes on each side searched for them */
	double context_boost;
	bool context_required;          /* no context word, no finding */
	double confidence;
	struct rule_valuelist allow;
	struct rule_valuelist placeholders;
	struct rule_strings tags;
	struct rule_strings match_examples;
	struct rule_strings nomatch_examples;
	char *pack_path;    /* the pack file it came from */
	bool disabled;

	pcre2_code *code;   /* set by ruleset_compile() */
	int value_group;    /* resolved capture number */
};

/* How rules are run over a window; every engine finds the same hits. */
enum rule_engine {
	RULE_ENGINE_AUTO,       /* Hyperscan prefilter when built in, else PCRE2 */
	RULE_ENGINE_PCRE2,      /* PCRE2 alone, rule after rule */
	RULE_ENGINE_HYPERSCAN,  /* Hyperscan prefilter, PCRE2 confirms; an error without it */
};

struct rule_prefilter;

struct ruleset {
	struct rule *rules;
	size_t count, alloc;
	char digest[65];    /* SHA-256 of every rule's definition, hex */
	char error[1024];
	unsigned long match_limit, depth_limit;
	enum rule_engine engine;            /* set before ruleset_compile() */
	struct rule_strings keywords;       /* distinct (caseless) keywords of enabled rules */
	struct rule_prefilter *prefilter;   /* built by ruleset_compile(), or NULL */
};

void ruleset_init(struct ruleset *set);
/* Frees every rule; the struct can be reused after ruleset_init(). */
void ruleset_release(struct ruleset *set);
const char *ruleset_error(const struct ruleset *set);

/* Loads a YAML pack file, or every *.yaml file of a folder in name order.
 * A rule whose id is already present replaces it (user packs override the
 * built-in ones).  Fails on unreadable files, YAML errors and malformed
 * rules; the message names the file and the rule. */
int ruleset_load_path(struct ruleset *set, const char *path);

/* The folder holding the built-in packs: $PIIAUDIT_RULES_DIR, the source
 * tree's rules/packs next to the running binary, or the installed DATADIR.
 * Returns a static string, or NULL when none exists. */
const char *ruleset_builtin_dir(void);

/* Marks rules disabled: ids listed in `disable`, and with `only_categories`
 * non-empty every rule whose category is not listed. */
void ruleset_filter(struct ruleset *set, const struct rule_strings *disable,
                    const struct rule_strings *only_categories);

/* Compiles every enabled rule (JIT where available), resolves validators
 * and value groups, computes the digest and builds the prefilter the
 * engine asks for.  The first failure is returned, naming pack, rule,
 * PCRE2's message and offset. */
int ruleset_compile(struct ruleset *set);

/* The engine that ruleset_compile() set up: "hyperscan" or "pcre2". */
const char *ruleset_engine_name(const struct ruleset *set);

/* Finds a rule by id, or NULL. */
const struct rule *ruleset_find(const struct ruleset *set, const char *id);

/* ---- matching ---- */

/* One finding in a subject: [start, start+len) is the value. */
struct rule_hit {
	const struct rule *rule;
	size_t start, len;
	double confidence;
	bool placeholder;
};

/* Called for each hit; a non-zero return stops the scan and is returned. */
typedef int (*rule_hit_fn)(void *ctx, const struct rule_hit *hit);

struct rule_matcher;

struct rule_matcher *rule_matcher_new(const struct ruleset *set);
void rule_matcher_free(struct rule_matcher *m);

/* Scan without the ruleset's prefilter, PCRE2 rule after rule (to compare
 * engines).  Call before the first scan. */
void rule_matcher_without_prefilter(struct rule_matcher *m);

/*
 * Reports every hit whose match starts in [from, accept_end) of
 * subject[0, len).  Bytes before `from` are visible to lookbehinds and
 * context words, bytes after accept_end to lookaheads; so a caller
 * streaming blocks passes overlapping windows and gets each hit once.
 * Hits of one rule come in order; rules come one after another.
 * `only` restricts the scan to one rule (NULL: all enabled rules).
 */
int rule_matcher_scan(struct rule_matcher *m, const unsigned char *subject,
                      size_t len, size_t from, size_t accept_end,
                      const struct rule *only, rule_hit_fn fn, void *ctx);

/*
 * A field of a record (a JSON value, a CSV cell) matched behind its name,
 * as a key stands before its value in text: subject[0, prefix) holds
 * "name: " (rule_field_prefix()), subject[prefix, len) the field's text.
 * So the words a rule wants before a value (a phone word, DOB, SSN) can
 * be the field's name: with `--field phone` the cell "639005981" is read
 * as "phone: 639005981".  A match may start in the name; hits are those
 * whose value lies in the field, with starts counted from its first byte.
 * Rules that assert the subject's start (^, \A, \G) match the field's
 * text alone.  prefix 0: rule_matcher_scan() of the whole subject.
 */
int rule_matcher_scan_field(struct rule_matcher *m, const unsigned char *subject, size_t prefix,
                            size_t len, rule_hit_fn fn, void *ctx);

/* The prefix of a field named name (NULL: none, 0 bytes): its length, and
 * written to out (room for rule_field_prefix_len(name) bytes). */
size_t rule_field_prefix_len(const char *name);
size_t rule_field_prefix(const char *name, unsigned char *out);

/* Times a rule hit PCRE2's match or depth limit (for reporting, then the
 * rule goes on after the block it stopped in). */
uint64_t rule_matcher_limit_hits(const struct rule_matcher *m, size_t rule_index);

/* A PCRE2 match limit other than the ruleset's, for this matcher (rules
 * lint looks for rules that backtrack heavily with a far lower one). */
void rule_matcher_set_match_limit(struct rule_matcher *m, uint32_t limit);

/* What a rule's PCRE2 searches cost one matcher (rule_matcher_profile()):
 * searches made, those that found no match, and their time. */
struct rule_search_stats {
	uint64_t calls, misses, ns;
};

/* From now on, counts and times each rule's PCRE2 searches (a clock read
 * around each: for tests/bench/rule_cost, not for scans).  -1 when out of
 * memory.  rule_matcher_search_stats() is NULL until then. */
int rule_matcher_profile(struct rule_matcher *m);
const struct rule_search_stats *rule_matcher_search_stats(const struct rule_matcher *m,
                                                          size_t rule_index);

/* Candidate ends the Hyperscan path has walked so far to join close ends
 * into one PCRE2 search: at most one for each end the prefilter reports
 * (a test of that bound keeps dense findings linear). */
uint64_t rule_matcher_ends_walked(const struct rule_matcher *m);

/* ---- values ---- */

/* Writes the normalised form of a value (what fingerprints are made of):
 * e-mail lower-cased (an obfuscated one as its plain address), phone digits with a leading '+', card and id numbers
 * without separators and upper-cased.  Returns the length written, at most
 * cap - 1, NUL-terminated. */
size_t rule_normalize(const char *category, const char *value, size_t len,
                      char *out, size_t cap);

/* An obfuscated e-mail address as the plain one it stands for: "jane [at]
 * corp [dot] io", "jane(at)corp.io", "hans[@]firma.de" and "jane&#64;corp.io"
 * give "jane@corp.io" (case kept).  Its length, 0 (and out unspecified)
 * when value holds an '@' of its own (outside brackets) or no "at" token.  rule_normalize and
 * rule_mask read an e-mail value through it. */
size_t rule_email_plain(const char *value, size_t len, char *out, size_t cap);

/* Writes a masked preview safe to store and show: j***@a***.io,
 * ************1234, ****...WXYZ (40).  NUL-terminated, truncated to cap. */
size_t rule_mask(const char *category, const char *value, size_t len,
                 char *out, size_t cap);

#endif
