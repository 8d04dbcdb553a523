/*
 * The built-in packs on text without the breaks their patterns expect:
 * each rule's own match examples run together (no separator, ',' and
 * 'x' between them, blanks taken out) and a run of URLs with a query
 * and nothing after them.  No rule may reach a PCRE2 match limit far
 * below the scan's (set->match_limit, 10 million): a pattern that
 * backtracks through every split of two overlapping classes costs about
 * the product of their bounds at each start.  The URL rule did
 * (`[^&;\s#"'<>]{2,256}[^\s#"'<>]{0,512}?` before its lookahead: 50 s for
 * 1 MB of URLs without a blank); its first part is now atomic.  The
 * work is bounded by the limit, not timed.
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

/* The examples joined by sep (blanks dropped), repeated to about
 * SUBJECT_BYTES; NULL when the rule has none.  The caller frees it. */
static char *run_together(const struct rule_strings *ex, const char *sep, size_t *len)
{
	size_t body = 0;
	for (size_t i = 0; i < ex->count; i++)
		body += strlen(ex->items[i]) + strlen(sep);
	if (!body)
		return NULL;
	char *out = malloc(SUBJECT_BYTES + body + 1);
	if (!out)
		abort();
	size_t n = 0;
	while (n < SUBJECT_BYTES)
		for (size_t i = 0; i < ex->count; i++) {
			for (const char *p = ex->items[i]; *p; p++)
				if (*p != ' ' && *p != '\t')
					out[n++] = *p;
			memcpy(out + n, sep, strlen(sep));
			n += strlen(sep);
		}
	out[n] = '\0';
	*len = n;
	return out;
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

	static const char *const seps[] = { "", ",", "x" };
	size_t subjects = 0;
	for (size_t i = 0; i < set.count; i++) {
		const struct rule *r = &set.rules[i];
		if (r->disabled)
			continue;
		for (size_t s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
			size_t len = 0;
			char *text = run_together(&r->match_examples, seps[s], &len);
			if (!text)
				continue;
			rule_matcher_scan(m, (const unsigned char *)text, len, 0, len, r, ignore, NULL);
			subjects++;
			free(text);
		}
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
	CHECK(subjects > set.count);
	CHECK(limited == 0);
	rule_matcher_free(m);
	ruleset_release(&set);
	return unit_finish("pack_backtracking");
}
