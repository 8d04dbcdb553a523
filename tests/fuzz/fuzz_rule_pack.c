/*
 * tests/fuzz/fuzz_rule_pack.c - the input as a YAML rule pack.
 *
 * The input is written to a memfd and loaded with ruleset_load_path() into
 * two rulesets.  The first is loaded a second time (every id already
 * present: the replace-by-id path) and compiled for PCRE2 alone; the
 * second is compiled for the default engine (the Hyperscan prefilter when
 * built in), both with small PCRE2 limits.  When they compile, a
 * rule_matcher of each scans a fixed text whole and in windows, and each
 * rule's own examples with that rule only, as `piiaudit rules test` does;
 * the two engines must report the same hits (rule.h: "every engine finds
 * the same hits"), unless a PCRE2 limit was hit; rules with their own
 * `prefilter:` or `prefilter_token:` (promises the pack makes, which a
 * mutation breaks) are left out of that comparison.  Examples go
 * through rule_normalize() and rule_mask().  Everything is released;
 * LeakSanitizer checks that.
 *
 * Invariants: a failed load leaves the ruleset empty and says why; a
 * second load of the same pack keeps the count and the ids; every id is
 * found by ruleset_find(); a compiled rule has code and its validator;
 * the digest does not depend on the engine; hits lie inside the subject,
 * belong to the rule asked for and, for rules whose value is the whole
 * match, start in [from, accept_end).
 *
 * The engine comparison compiles a Hyperscan database per input, which
 * makes it ~40 times slower: it is built in only with FUZZ_PACK_ENGINE_DIFF
 * defined, as the fuzz_engines target (fuzz_engines.c).
 */
#include <stdbool.h>

#include "rules/rule.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_HITS 512

static int pack_fd = -1;
static char pack_path[64];

struct hit {
	size_t rule, start, len;
	double confidence;
	bool placeholder;
};

struct hit_list {
	const struct ruleset *set;
	const struct rule *only;
	size_t len, from, accept_end;
	struct hit hits[MAX_HITS];
	size_t count;
};

static int on_hit(void *ctx, const struct rule_hit *hit)
{
	struct hit_list *l = ctx;
	CHECK(hit->rule >= l->set->rules && hit->rule < l->set->rules + l->set->count);
	CHECK(!l->only || hit->rule == l->only);
	CHECK(hit->len > 0 && hit->start < l->len && hit->len <= l->len - hit->start);
	CHECK(hit->confidence >= 0.0 && hit->confidence <= 1.0);
	if (l->count == MAX_HITS)
		return 1; /* a stop is a legitimate answer too */
	l->hits[l->count++] = (struct hit){
		.rule = (size_t)(hit->rule - l->set->rules), .start = hit->start, .len = hit->len,
		.confidence = hit->confidence, .placeholder = hit->placeholder,
	};
	return 0;
}

/* One subject, one window of it, all rules or one; or, with a prefix, a
 * field: text[prefix, len) behind the "name" text[0, prefix)
 * (rule_matcher_scan_field(), all rules, the whole field). */
struct probe {
	const char *text;
	size_t len, from, accept_end;
	size_t only;    /* rule index, or SIZE_MAX for all */
	size_t prefix;
};

static uint64_t limit_hits(const struct rule_matcher *m, const struct ruleset *set)
{
	uint64_t n = 0;
	for (size_t i = 0; i < set->count; i++)
		n += rule_matcher_limit_hits(m, i);
	return n;
}

static void run_probe(struct rule_matcher *m, const struct ruleset *set, const struct probe *p,
                      struct hit_list *out)
{
	out->set = set;
	out->only = p->only == SIZE_MAX ? NULL : &set->rules[p->only];
	out->len = p->len;
	out->from = p->from;
	out->accept_end = p->accept_end;
	out->count = 0;
	if (p->prefix) {
		/* Hits are the field's: within text[prefix, len), counted from prefix. */
		out->len = p->len - p->prefix;
		out->from = 0;
		out->accept_end = out->len;
		rule_matcher_scan_field(m, (const unsigned char *)p->text, p->prefix, p->len, on_hit, out);
		return;
	}
	rule_matcher_scan(m, (const unsigned char *)p->text, p->len, p->from, p->accept_end,
	                  out->only, on_hit, out);
}

static void report(const struct ruleset *set, const struct probe *p, const struct hit_list *a,
                   const struct hit_list *b)
{
	fprintf(stderr, "engines differ on [%zu, %zu) of %zu bytes \"%.*s\"%s:\n", p->from,
	        p->accept_end, p->len, (int)(p->len > 200 ? 200 : p->len), p->text,
	        p->len > 200 ? "..." : "");
	for (size_t i = 0; i < set->count; i++)
		fprintf(stderr, "  rule %zu %s: /%s/\n", i, set->rules[i].id, set->rules[i].pattern);
	for (size_t i = 0; i < a->count || i < b->count; i++)
		for (int k = 0; k < 2; k++) {
			const struct hit_list *l = k ? b : a;
			if (i < l->count)
				fprintf(stderr, "  %-6s rule %zu at %zu+%zu \"%.*s\"\n", k ? "other" : "pcre2",
				        l->hits[i].rule, l->hits[i].start, l->hits[i].len,
				        (int)l->hits[i].len, p->text + l->hits[i].start);
		}
}

static void drop_prefiltered(const struct ruleset *set, struct hit_list *l)
{
	size_t kept = 0;
	for (size_t i = 0; i < l->count; i++)
		if (!set->rules[l->hits[i].rule].prefilter && !set->rules[l->hits[i].rule].token.set)
			l->hits[kept++] = l->hits[i];
	l->count = kept;
}

static void check_probe(struct rule_matcher *pm, const struct ruleset *pset,
                        struct rule_matcher *hm, const struct ruleset *hset, const struct probe *p)
{
	static struct hit_list a, b;
	uint64_t limits = limit_hits(pm, pset) + (hm ? limit_hits(hm, hset) : 0);
	run_probe(pm, pset, p, &a);
	/* The match starts in [from, accept_end); the value is the match only
	 * for group 0 (a group may end past accept_end, or stand in a
	 * lookbehind before `from`). */
	for (size_t i = 0; i < a.count; i++)
		if (pset->rules[a.hits[i].rule].value_group == 0 && !p->prefix)
			CHECK(a.hits[i].start >= p->from && a.hits[i].start < p->accept_end);
	if (!hm)
		return;
	run_probe(hm, hset, p, &b);
	for (size_t i = 0; i < b.count; i++)
		if (hset->rules[b.hits[i].rule].value_group == 0 && !p->prefix)
			CHECK(b.hits[i].start >= p->from && b.hits[i].start < p->accept_end);
	if (limit_hits(pm, pset) + limit_hits(hm, hset) != limits)
		return;
	/* A rule's own `prefilter:` expression is the pack's promise to match
	 * wherever the pattern ends a match; a fuzzed one breaks it, so those
	 * rules are not compared (fuzz_packs checks the built-in ones). */
	drop_prefiltered(pset, &a);
	drop_prefiltered(pset, &b);
	bool same = a.count == b.count;
	for (size_t i = 0; same && i < a.count; i++)
		same = a.hits[i].rule == b.hits[i].rule && a.hits[i].start == b.hits[i].start &&
		       a.hits[i].len == b.hits[i].len && a.hits[i].confidence == b.hits[i].confidence &&
		       a.hits[i].placeholder == b.hits[i].placeholder;
	if (!same)
		report(pset, p, &a, &b);
	CHECK(same);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	pack_fd = fuzz_memfd("fuzz-pack.yaml", pack_path, sizeof(pack_path));
	return 0;
}

static void scan_all(struct rule_matcher *pm, const struct ruleset *pset,
                     struct rule_matcher *hm, const struct ruleset *hset)
{
	static const size_t cuts[][2] = { { 0, SIZE_MAX }, { 1, SIZE_MAX }, { 40, 200 }, { 61, 62 },
	                                  { 137, 290 }, { 300, SIZE_MAX } };
	const size_t tlen = sizeof(fuzz_sample_text) - 1;
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		struct probe p = { fuzz_sample_text, tlen, cuts[c][0],
		                   cuts[c][1] > tlen ? tlen : cuts[c][1], SIZE_MAX, 0 };
		check_probe(pm, pset, hm, hset, &p);
	}
	/* The sample as a field behind its first words. */
	struct probe field = { fuzz_sample_text, tlen, 0, tlen, SIZE_MAX, tlen < 12 ? 0 : 12 };
	check_probe(pm, pset, hm, hset, &field);
	for (size_t i = 0; i < pset->count; i++) {
		const struct rule *r = &pset->rules[i];
		if (r->disabled)
			continue;
		const struct rule_strings *lists[] = { &r->match_examples, &r->nomatch_examples };
		for (size_t l = 0; l < 2; l++)
			for (size_t k = 0; k < lists[l]->count; k++) {
				const char *text = lists[l]->items[k];
				size_t len = strlen(text);
				struct probe whole = { text, len, 0, len, i, 0 };
				struct probe tail = { text, len, len / 2, len, SIZE_MAX, 0 };
				/* As a field behind its first word ("Phone: ..."). */
				const char *space = memchr(text, ' ', len);
				struct probe named = { text, len, 0, len, SIZE_MAX, space ? (size_t)(space - text) + 1 : 0 };
				check_probe(pm, pset, hm, hset, &whole);
				check_probe(pm, pset, hm, hset, &tail);
				if (named.prefix)
					check_probe(pm, pset, hm, hset, &named);
			}
		for (size_t k = 0; k < r->match_examples.count; k++) {
			const char *v = r->match_examples.items[k];
			char out[64];
			size_t n = rule_normalize(r->category, v, strlen(v), out, sizeof(out));
			CHECK(n < sizeof(out) && out[n] == '\0');
			rule_mask(r->category, v, strlen(v), out, sizeof(out));
			CHECK(strlen(out) < sizeof(out));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset set, other;
	struct rule_matcher *m = NULL, *om = NULL;
	if (size > (64u << 10))
		return 0;
	fuzz_memfd_set(pack_fd, data, size);
	ruleset_init(&set);
	ruleset_init(&other);
	set.match_limit = other.match_limit = 20000;
	set.depth_limit = other.depth_limit = 500;
	set.engine = RULE_ENGINE_PCRE2;
	other.engine = RULE_ENGINE_AUTO;
	if (ruleset_load_path(&set, pack_path)) {
		CHECK(set.count == 0);
		CHECK(ruleset_error(&set)[0] != '\0');
		goto out;
	}
	size_t count = set.count;
	for (size_t i = 0; i < set.count; i++) {
		const struct rule *r = &set.rules[i];
		CHECK(r->id && *r->id && r->category && r->pattern && r->pack_path);
		CHECK(rule_category_known(r->category));
		CHECK(ruleset_find(&set, r->id) == r);
	}
	/* Loaded again, every rule replaces itself. */
	CHECK(ruleset_load_path(&set, pack_path) == 0);
	CHECK(set.count == count);
	for (size_t i = 0; i < set.count; i++)
		CHECK(ruleset_find(&set, set.rules[i].id) == &set.rules[i]);
	if (ruleset_compile(&set)) {
		CHECK(ruleset_error(&set)[0] != '\0');
		goto out;
	}
	CHECK(strlen(set.digest) == 64);
	for (size_t i = 0; i < set.count; i++) {
		const struct rule *r = &set.rules[i];
		CHECK(r->disabled || r->code);
		CHECK(!r->validator_name || r->disabled || r->validator);
	}
	if (!(m = rule_matcher_new(&set)))
		goto out;
#ifdef FUZZ_PACK_ENGINE_DIFF
	CHECK(ruleset_load_path(&other, pack_path) == 0 && other.count == set.count);
	if (ruleset_compile(&other) == 0) {
		CHECK(!strcmp(set.digest, other.digest));
		om = rule_matcher_new(&other);
	}
#endif
	scan_all(m, &set, om, &other);
	for (size_t i = 0; i < set.count; i++)
		(void)rule_matcher_limit_hits(m, i);
out:
	rule_matcher_free(m);
	rule_matcher_free(om);
	ruleset_release(&set);
	ruleset_release(&other);
	return 0;
}
