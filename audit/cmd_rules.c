/*
 * audit/cmd_rules.c - piiaudit rules list|test|lint.
 *
 * list: one line per rule.  test: every rule's examples through the real
 * matcher (prefilter, validator, allow list, context), so a pack that
 * passes finds what it says it finds.  lint: what a pack author should fix
 * that does not stop the pack from loading.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/cli.h"

static void rules_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit rules list [--category CAT] [rule options]\n"
	        "       piiaudit rules test [-v] [rule options]\n"
	        "       piiaudit rules lint [rule options]\n"
	        "\n"
	        "list   one line per rule: id, category, validator, confidence, tags\n"
	        "test   run every rule's examples: each 'match' text must give a finding of\n"
	        "       the rule, each 'no-match' text none\n"
	        "lint   report rules without examples, description or tags, context-gated\n"
	        "       rules without context words, rules a later pack overrides, rules\n"
	        "       that backtrack heavily on their 'match' texts run together, and\n"
	        "       rules Hyperscan does not take (each block then gets a full PCRE2 scan)\n"
	        "\n"
	        "rule options:\n"
	        "  --rules PATH            a pack file or folder (repeatable), after the built-in ones\n"
	        "  --no-builtin-rules      only the packs given with --rules\n"
	        "  --disable ID[,ID...]    leave these rules out\n"
	        "  --only CAT[,CAT...]     only rules of these categories\n"
	        "  --engine NAME           auto, hyperscan or pcre2 (test: run examples with it)\n"
	        "  --category CAT          (list) only this category\n"
	        "  -v, --verbose           (test) print every example checked\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "Exit status: 0 all good, 1 a test failed or lint found problems, 2 usage\n"
	        "error or a pack that does not load.\n");
}

#define EXAMPLE_HITS 64

struct example_ctx {
	const struct rule *rule;
	size_t real, placeholders;
	size_t count;
	struct rule_hit hits[EXAMPLE_HITS];
};

static int count_hit(void *ctx, const struct rule_hit *hit)
{
	struct example_ctx *e = ctx;
	if (hit->rule == e->rule) {
		if (hit->placeholder)
			e->placeholders++;
		else
			e->real++;
	}
	if (e->count < EXAMPLE_HITS)
		e->hits[e->count++] = *hit;
	return 0;
}

/* Both engines must agree, hit for hit. */
static bool same_hits(const struct example_ctx *a, const struct example_ctx *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->hits[i].start != b->hits[i].start || a->hits[i].len != b->hits[i].len ||
		    a->hits[i].placeholder != b->hits[i].placeholder)
			return false;
	return true;
}

static int run_tests(const struct ruleset *set, bool verbose)
{
	struct rule_matcher *m = rule_matcher_new(set);
	struct rule_matcher *plain = set->prefilter ? rule_matcher_new(set) : NULL;
	size_t passed = 0, failed = 0;
	if (!m || (set->prefilter && !plain)) {
		diag("out of memory");
		rule_matcher_free(m);
		rule_matcher_free(plain);
		return EXIT_USAGE;
	}
	if (plain)
		rule_matcher_without_prefilter(plain);
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		if (r->disabled)
			continue;
		for (int want = 1; want >= 0; want--) {
			const struct rule_strings *ex = want ? &r->match_examples : &r->nomatch_examples;
			for (size_t k = 0; k < ex->count; k++) {
				struct example_ctx e = { .rule = r };
				const char *text = ex->items[k];
				size_t len = strlen(text);
				rule_matcher_scan(m, (const unsigned char *)text, len, 0, len, r, count_hit, &e);
				bool ok = want ? e.real > 0 : e.real == 0;
				if (plain) {
					struct example_ctx pe = { .rule = r };
					rule_matcher_scan(plain, (const unsigned char *)text, len, 0, len, r,
					                  count_hit, &pe);
					if (!same_hits(&e, &pe)) {
						ok = false;
						printf("FAIL %s: hyperscan and pcre2 disagree on: %s\n", r->id, text);
					}
				}
				if (ok)
					passed++;
				else
					failed++;
				if (!ok || verbose)
					printf("%s %s: %s example: %s\n", ok ? "ok  " : "FAIL", r->id,
					       want ? "match" : "no-match", text);
			}
		}
	}
	rule_matcher_free(m);
	rule_matcher_free(plain);
	printf("rules test: %zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : EXIT_FINISHED;
}

#include "rules/prefilter.h"
#include "rules/regex_repeats.h"

/* The lint's PCRE2 match limit, far below the scan's (10 million): a
 * rule that reaches it on text of its own examples backtracks through
 * many ways of splitting one run of bytes, at every start that fails. */
#define LINT_MATCH_LIMIT 200000
#define LINT_TEXT_(n) #n
#define LINT_TEXT(n) LINT_TEXT_(n)
#define LINT_SUBJECT_BYTES 20000

static int ignore_hit(void *ctx, const struct rule_hit *hit)
{
	(void)ctx;
	(void)hit;
	return 0;
}

/* The match examples with their blanks taken out, joined by sep and
 * repeated to about LINT_SUBJECT_BYTES: text without the breaks (blanks,
 * line ends) that patterns end on, where a heavy backtracker shows.  NULL
 * when there are no examples or no memory. */
static char *examples_run_together(const struct rule_strings *ex, const char *sep, size_t *len)
{
	size_t body = 0, seplen = strlen(sep);
	for (size_t i = 0; i < ex->count; i++) {
		for (const char *p = ex->items[i]; *p; p++)
			body += *p != ' ' && *p != '\t' && *p != '\n';
		body += seplen;
	}
	/* Nothing but blanks: no text to run together. */
	char *out = body ? malloc(LINT_SUBJECT_BYTES + body + 1) : NULL;
	if (!out)
		return NULL;
	size_t n = 0;
	while (n < LINT_SUBJECT_BYTES)
		for (size_t i = 0; i < ex->count; i++) {
			for (const char *p = ex->items[i]; *p; p++)
				if (*p != ' ' && *p != '\t' && *p != '\n')
					out[n++] = *p;
			memcpy(out + n, sep, seplen);
			n += seplen;
		}
	*len = n;
	return out;
}

/* Whether rule i reaches LINT_MATCH_LIMIT on its examples run together
 * (no separator, ',' and 'x' between them). */
static bool backtracks_heavily(struct rule_matcher *m, const struct rule *r, size_t i)
{
	static const char *const seps[] = { "", ",", "x" };
	for (size_t k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
		size_t len = 0;
		char *text = examples_run_together(&r->match_examples, seps[k], &len);
		if (!text)
			break;
		rule_matcher_scan(m, (const unsigned char *)text, len, 0, len, r, ignore_hit, NULL);
		free(text);
	}
	return rule_matcher_limit_hits(m, i) != 0;
}

static int run_lint(const struct ruleset *set)
{
	size_t problems = 0;
	struct rule_matcher *m = rule_matcher_new(set);
	if (!m) {
		diag("out of memory");
		return EXIT_USAGE;
	}
	rule_matcher_set_match_limit(m, LINT_MATCH_LIMIT);
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		if (r->disabled)
			continue;
#define LINT(cond, msg) \
	do { \
		if (cond) { \
			printf("%s: rule %s: %s\n", r->pack_path, r->id, msg); \
			problems++; \
		} \
	} while (0)
		LINT(!r->match_examples.count, "no 'match' examples");
		LINT(!r->nomatch_examples.count, "no 'no-match' examples");
		LINT(!r->description || !*r->description, "no description");
		LINT(!r->tags.count, "no tags");
		LINT(r->context_required && !r->context.count, "context is required but has no words");
		LINT(!strchr(r->id, '.'), "id is not dotted (category.name)");
		LINT(strncmp(r->id, r->category, strlen(r->category)) || r->id[strlen(r->category)] != '.',
		     "id does not start with its category");
		if (set->prefilter) {
			uint64_t weight = regex_repeat_weight(r->prefilter ? r->prefilter : r->pattern);
			if (weight > PREFILTER_REPEAT_WEIGHT_MAX) {
				char msg[300];
				snprintf(msg, sizeof(msg),
				         "its counted repeats weigh %llu (counts multiplied through groups), over %d: "
				         "Hyperscan would take minutes to compile them and is not asked, so every block "
				         "gets a full PCRE2 scan; a prefilter: without them avoids that",
				         (unsigned long long)weight, PREFILTER_REPEAT_WEIGHT_MAX);
				LINT(true, msg);
			} else {
				LINT(!rule_prefilter_covers(set->prefilter, i),
				     "Hyperscan cannot take the pattern (or prefilter:): every block gets a full PCRE2 scan");
			}
			LINT(rule_prefilter_covers(set->prefilter, i) &&
			     rule_prefilter_width(set->prefilter, i) == SIZE_MAX,
			     "unbounded pattern (+, * or {n,}): bound its repeats so candidates are confirmed nearby");
		}
		LINT(backtracks_heavily(m, r, i),
		     "backtracks heavily: on its match examples run together (blanks taken out) it reaches a "
		     "PCRE2 match limit of " LINT_TEXT(LINT_MATCH_LIMIT) "; where two repeats can share bytes, make the first atomic "
		     "(?>...) or possessive (++, {n,m}+)");
#undef LINT
	}
	rule_matcher_free(m);
	printf("rules lint: %zu rules, %zu problems\n", set->count, problems);
	return problems ? 1 : EXIT_FINISHED;
}

static void run_list(const struct ruleset *set, const char *category)
{
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		if (r->disabled || (category && strcmp(category, r->category)))
			continue;
		printf("%-40s %-14s %-18s %.2f ", r->id, r->category,
		       r->validator_name ? r->validator_name : "-", r->confidence);
		for (size_t t = 0; t < r->tags.count; t++)
			printf("%s%s", t ? "," : "", r->tags.items[t]);
		putchar('\n');
	}
}

int cmd_rules(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "no-builtin-rules", no_argument, NULL, 'n' },
		{ "disable", required_argument, NULL, 'd' },
		{ "only", required_argument, NULL, 'o' },
		{ "category", required_argument, NULL, 'c' },
		{ "engine", required_argument, NULL, 'e' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rule_options o = {0};
	struct ruleset set;
	const char *category = NULL;
	bool verbose = false;
	int c, status = EXIT_USAGE;
	ruleset_init(&set);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': if (rule_strings_push(&o.packs, optarg)) goto out; break;
		case 'n': o.no_builtin = true; break;
		case 'd': if (split_list(&o.disable, optarg)) goto out; break;
		case 'o': if (split_list(&o.only, optarg)) goto out; break;
		case 'c': category = optarg; break;
		case 'e':
			if (parse_engine(optarg, &o.engine)) {
				status = usage_error("rules", "--engine is auto, hyperscan or pcre2, not '%s'", optarg);
				goto out;
			}
			break;
		case 'v': verbose = true; break;
		case 'h': rules_usage(stdout); status = EXIT_FINISHED; goto out;
		default: status = usage_bad_option("rules", c, argv); goto out;
		}
	}
	if (optind + 1 != argc) {
		status = usage_error("rules", optind < argc ? "one action: list, test or lint"
		                                             : "which action? list, test or lint");
		goto out;
	}
	const char *action = argv[optind];
	if (strcmp(action, "list") && strcmp(action, "test") && strcmp(action, "lint")) {
		status = usage_error("rules", "unknown action '%s' (list, test or lint)", action);
		goto out;
	}
	if (category && !rule_category_known(category)) {
		status = usage_error("rules", "unknown category '%s'", category);
		goto out;
	}
	if (load_rules(&set, &o))
		goto out;
	if (!strcmp(action, "list")) {
		run_list(&set, category);
		status = EXIT_FINISHED;
	} else if (!strcmp(action, "test")) {
		status = run_tests(&set, verbose);
	} else {
		status = run_lint(&set);
	}
out:
	ruleset_release(&set);
	rule_options_release(&o);
	return status;
}
