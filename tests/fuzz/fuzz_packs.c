/*
 * tests/fuzz/fuzz_packs.c - the built-in rule packs on fuzzed text.
 *
 * Every pack of rules/packs/ is loaded twice, compiled for PCRE2 alone and
 * for the default engine (the Hyperscan prefilter when built in, with the
 * packs' own `prefilter:` expressions and `prefilter_token:` runs, each a
 * promise to match wherever its pattern ends a match).  The input is
 * text; both engines scan it whole and from a third of it on (a window
 * start with bytes before it), and must report the same hits (rule,
 * offset, length, confidence, placeholder), unless a PCRE2 limit was hit.
 * Hits also go through rule_normalize() and rule_mask().
 *
 * The packs are found as the program does (ruleset_builtin_dir():
 * $PIIAUDIT_RULES_DIR, else the source tree, FUZZ_SRCDIR at build time).
 */
#include <stdbool.h>

#include "rules/rule.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_HITS 2048

static struct ruleset sets[2];          /* [0] PCRE2 alone, [1] default */
static struct rule_matcher *matchers[2];

struct hit {
	size_t rule, start, len;
	double confidence;
	bool placeholder;
};

struct hit_list {
	const struct ruleset *set;
	size_t len;
	struct hit hits[MAX_HITS];
	size_t count;
};

static struct hit_list lists[2];

static int on_hit(void *ctx, const struct rule_hit *hit)
{
	struct hit_list *l = ctx;
	CHECK(hit->rule >= l->set->rules && hit->rule < l->set->rules + l->set->count);
	CHECK(hit->len > 0 && hit->start < l->len && hit->len <= l->len - hit->start);
	CHECK(hit->confidence >= 0.0 && hit->confidence <= 1.0);
	if (l->count == MAX_HITS)
		return 1;
	l->hits[l->count++] = (struct hit){
		.rule = (size_t)(hit->rule - l->set->rules), .start = hit->start, .len = hit->len,
		.confidence = hit->confidence, .placeholder = hit->placeholder,
	};
	return 0;
}

static uint64_t limit_hits(void)
{
	uint64_t n = 0;
	for (int e = 0; e < 2; e++)
		for (size_t i = 0; i < sets[e].count; i++)
			n += rule_matcher_limit_hits(matchers[e], i);
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
#ifdef FUZZ_SRCDIR
	if (!getenv("PIIAUDIT_RULES_DIR"))
		setenv("PIIAUDIT_RULES_DIR", FUZZ_SRCDIR "/rules/packs", 1);
#endif
	const char *dir = ruleset_builtin_dir();
	if (!dir)
		fuzz_die("no built-in packs", "set PIIAUDIT_RULES_DIR");
	for (int e = 0; e < 2; e++) {
		ruleset_init(&sets[e]);
		sets[e].match_limit = 200000;
		sets[e].engine = e ? RULE_ENGINE_AUTO : RULE_ENGINE_PCRE2;
		if (ruleset_load_path(&sets[e], dir) || ruleset_compile(&sets[e]))
			fuzz_die("built-in packs", ruleset_error(&sets[e]));
		if (!(matchers[e] = rule_matcher_new(&sets[e])))
			fuzz_die("rule_matcher_new", NULL);
	}
	fprintf(stderr, "fuzz_packs: %zu rules from %s, engines %s and %s\n", sets[0].count, dir,
	        ruleset_engine_name(&sets[0]), ruleset_engine_name(&sets[1]));
	return 0;
}

static void report(const unsigned char *text, size_t len, size_t from)
{
	fprintf(stderr, "engines differ on [%zu, %zu) of \"%.*s\"%s:\n", from, len,
	        (int)(len > 300 ? 300 : len), (const char *)text, len > 300 ? "..." : "");
	for (size_t i = 0; i < lists[0].count || i < lists[1].count; i++)
		for (int k = 0; k < 2; k++) {
			const struct hit_list *l = &lists[k];
			if (i < l->count)
				fprintf(stderr, "  %-6s %s at %zu+%zu \"%.*s\"\n", k ? "other" : "pcre2",
				        sets[k].rules[l->hits[i].rule].id, l->hits[i].start, l->hits[i].len,
				        (int)l->hits[i].len, (const char *)text + l->hits[i].start);
		}
}

static void probe(const unsigned char *text, size_t len, size_t from)
{
	uint64_t before = limit_hits();
	for (int e = 0; e < 2; e++) {
		lists[e].set = &sets[e];
		lists[e].len = len;
		lists[e].count = 0;
		rule_matcher_scan(matchers[e], text, len, from, len, NULL, on_hit, &lists[e]);
	}
	for (size_t i = 0; i < lists[1].count; i++) {
		const struct hit *h = &lists[1].hits[i];
		const char *category = sets[1].rules[h->rule].category;
		char normal[4096], preview[128];
		size_t n = rule_normalize(category, (const char *)text + h->start, h->len, normal,
		                          sizeof(normal));
		CHECK(n < sizeof(normal) && normal[n] == '\0');
		rule_mask(category, (const char *)text + h->start, h->len, preview, sizeof(preview));
		CHECK(strlen(preview) < sizeof(preview));
	}
	if (limit_hits() != before)
		return;
	bool same = lists[0].count == lists[1].count;
	for (size_t i = 0; same && i < lists[0].count; i++) {
		const struct hit *a = &lists[0].hits[i], *b = &lists[1].hits[i];
		same = a->rule == b->rule && a->start == b->start && a->len == b->len &&
		       a->confidence == b->confidence && a->placeholder == b->placeholder;
	}
	if (!same)
		report(text, len, from);
	CHECK(same);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (16u << 10))
		return 0;
	probe(data, size, 0);
	if (size >= 3)
		probe(data, size, size / 3);
	return 0;
}
