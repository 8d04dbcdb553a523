/*
 * rules/regex_repeats.c: the weight of counted repeats, multiplied through
 * nested groups, with escapes, classes, \Q...\E and comments skipped; and
 * the expression every built-in rule gives Hyperscan under the limit
 * rules/prefilter.c applies (so none is left to PCRE2 alone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/prefilter.h"
#include "rules/regex_repeats.h"
#include "rules/rule.h"
#include "tests/unit/unit.h"

/* Above it Hyperscan is not asked. */
#define PREFILTER_LIMIT PREFILTER_REPEAT_WEIGHT_MAX

static void expect(const char *pattern, uint64_t want)
{
	uint64_t got = regex_repeat_weight(pattern);
	CHECK(got == want);
	if (got != want)
		printf("  %s: %llu, want %llu\n", pattern, (unsigned long long)got, (unsigned long long)want);
}

int main(void)
{
	expect("", 1);
	expect("abc", 1);
	expect("a*b+c?", 1);
	expect("a{3}", 3);
	expect("a{3,}", 3);
	expect("a{3,7}", 7);
	expect("a{0}", 1);
	expect("a{2}{3}", 6);
	expect("a{5,200}?", 200);
	expect("(?:a{10}){20}", 200);
	expect("(?:(?:x{4}y){5}z){6}", 120);
	expect("(a{10}|b{30}){2}", 60);
	expect("(?<![A-Za-z0-9])([13][1-9A-HJ-NP-Za-km-z]{25234})(?![A-Za-z0-9])", 25234);
	expect("x(?:[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.){128}y", 61 * 128);
	/* Braces that are not quantifiers. */
	expect("\\x{1000}", 1);
	expect("\\p{Lu}{3}", 3);
	expect("[{]{1000}", 1000);
	expect("[a-z{}0-9]+", 1);
	expect("[]{50}]", 1);
	expect("[[:alpha:]{50}]", 1);
	expect("\\{50}", 1);
	expect("\\Q{5000}\\E", 1);
	expect("(?#{5000})a", 1);
	expect("{5000}", 1);
	expect("a|{5000}", 1);
	expect("x{,5}", 1);
	expect("x{5", 1);
	expect("(?i)a{40}", 40);
	/* Saturation, and groups left open. */
	expect("a{99999999999999999999999}", UINT64_MAX);
	expect("(?:(?:a{4294967296}){4294967296}){4}", UINT64_MAX);
	expect("((a{7}", 7);
	expect(")a{9}", 9);

	/* Every built-in rule's expression for Hyperscan (its prefilter, else
	 * its pattern) stays under the limit. */
	struct ruleset set;
	const char *dir = getenv("PIIAUDIT_RULES_DIR");
	ruleset_init(&set);
	CHECK(ruleset_load_path(&set, dir && *dir ? dir : "rules/packs") == 0);
	uint64_t most = 0;
	for (size_t i = 0; i < set.count; i++) {
		const struct rule *r = &set.rules[i];
		uint64_t w = regex_repeat_weight(r->prefilter ? r->prefilter : r->pattern);
		if (w > most)
			most = w;
		if (w > PREFILTER_LIMIT)
			printf("  %s weighs %llu\n", r->id, (unsigned long long)w);
	}
	CHECK(set.count > 50);
	CHECK(most <= PREFILTER_LIMIT);
	printf("  the built-in packs: %zu rules, heaviest repeat %llu\n", set.count, (unsigned long long)most);
	ruleset_release(&set);
	return unit_finish("regex_repeats");
}
