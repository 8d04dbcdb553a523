/*
 * The built-in packs on a run of URLs with a query and nothing after
 * them: every rule, with a PCRE2 match limit far below the scan's
 * (set->match_limit, 10 million), must not reach it.  The URL rule did:
 * `[^&;\s#"'<>]{2,256}[^\s#"'<>]{0,512}?` before its lookahead backtracked
 * through every split of the two at each URL, 50 s for 1 MB; its first
 * part is now atomic.  `piiaudit rules lint` checks each rule on its own
 * examples run together the same way (t0169); this is the shape that was
 * seen.  The work is bounded by the limit, not timed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule.h"
#include "tests/unit/unit.h"

#define LIMIT 200000            /* PCRE2 match limit for this test */
#define SUBJECT_BYTES 20000

static int ignore(void *ctx, const struct rule_hit *hit)
{
	(void)ctx;
	(void)hit;
	return 0;
}

int main(void)
{
	const char *dir = getenv("PIIAUDIT_RULES_DIR");
	struct ruleset set;
	ruleset_init(&set);
	int loaded = ruleset_load_path(&set, dir && *dir ? dir : "rules/packs");
	CHECK(loaded == 0);
	if (loaded) {
		printf("  %s\n", ruleset_error(&set));
		return unit_finish("pack_backtracking");
	}
	CHECK(ruleset_compile(&set) == 0);
	set.match_limit = LIMIT;
	struct rule_matcher *m = rule_matcher_new(&set);
	CHECK(m != NULL);
	if (!m) {
		ruleset_release(&set);
		return unit_finish("pack_backtracking");
	}

	/* URLs with a query and no end: every one a start that fails. */
	static const char url[] = "http://a.b/?email=";
	size_t len = SUBJECT_BYTES / (sizeof(url) - 1) * (sizeof(url) - 1);
	char *urls = malloc(len + 1);
	if (!urls)
		abort();
	for (size_t n = 0; n < len; n += sizeof(url) - 1)
		memcpy(urls + n, url, sizeof(url) - 1);
	rule_matcher_scan(m, (const unsigned char *)urls, len, 0, len, NULL, ignore, NULL);
	free(urls);

	size_t limited = 0;
	for (size_t i = 0; i < set.count; i++)
		if (rule_matcher_limit_hits(m, i)) {
			printf("  rule %s: stopped by a match limit of %d in %llu searches\n", set.rules[i].id, LIMIT,
			       (unsigned long long)rule_matcher_limit_hits(m, i));
			limited++;
		}
	CHECK(limited == 0);
	rule_matcher_free(m);
	ruleset_release(&set);
	return unit_finish("pack_backtracking");
}
