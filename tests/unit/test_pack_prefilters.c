/*
 * The phone rules' prefilters in the built-in packs (rules/packs/phone.yaml)
 * consume the byte before a number, (?:^|[^\w+\-./#]), as their patterns'
 * lookbehind requires: digits inside a longer run (an IBAN, a card, an id
 * after letters) give no candidate end, and PCRE2 no search back from one.
 * That was most of these rules' cost (phone.it: 35,347 candidate ends per
 * 20 MB of the bench corpus, now 1,575).  The candidates are counted, not
 * timed; the numbers themselves are still candidates and still found.
 *
 * The national ids that take digits run together only after a word (the
 * CPF, CNPJ, RRN, NIR and Belgian NRN) have prefilters of the value after
 * the words, or alone in its printed form: a run of digits with no word
 * before it (a card number, an order number) gives them no candidate,
 * where the pattern itself, its lookarounds dropped, gave one in every
 * long digit run of the bench corpus (the digits of its IBANs: 2,162
 * PCRE2 calls per 20 MB each, none a match).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/prefilter.h"
#include "rules/rule.h"
#include "tests/unit/unit.h"

static const char *const phone_rules[] = {
	"phone.nanp", "phone.it", "phone.de", "phone.gb", "phone.es", "phone.nl",
};
#define PHONE_RULES (sizeof(phone_rules) / sizeof(phone_rules[0]))

/* Digits no phone rule may start in: each run follows a letter, a digit or
 * one of + - . / #. */
static const char inside_runs[] =
	"{\"iban\": \"DE49133184551668093990\", \"card\": \"4111-1111-1111-1111\",\n"
	"\"ref\": \"AB0612345678\", \"id\": \"x3471234567\", \"n\": \"n99034712345678\",\n"
	"path /srv/0612345678/0301234567 #3391234567 +0612345678 -347123456 .0201234567\n"
	"v2.0612345678 item_0712345678 ZZ07123456789 12-0612345678\n";

static const char *const worded_rules[] = {
	"national_id.br_cpf", "national_id.br_cnpj", "national_id.kr_rrn", "national_id.fr_nir",
	"national_id.be_nrn",
};
#define WORDED_RULES (sizeof(worded_rules) / sizeof(worded_rules[0]))

/* Their values' digits, with no word before them. */
static const char bare_runs[] =
	"card 4539148803436467 paid; order 52998224725 and 33910661000103 shipped\n"
	"ref 0305213456781, 185077512345608 and 85073003328; tel 4539 1488 0343 6467\n";

/* Each found after its word, or printed alone. */
static const char worded[] =
	"CPF: 529.982.247-25, CPF nº 39053344705, titular 390.533.447-05\n"
	"CNPJ nº 33910661000103, fornecedor 33.910.661/0001-03\n"
	"RRN: 850307-1234569, resident registration number 0305213456781\n"
	"NIR 292031304502123, carte vitale 2 92 03 13 045 021 23\n"
	"INSZ 01020304526, 85.07.30-033.28\n";

/* Hits counted for each of a list of rule ids. */
struct tally {
	const char *const *ids;
	size_t n;
	size_t *counts;
};

static int count_hits(void *ctx, const struct rule_hit *hit)
{
	struct tally *t = ctx;
	for (size_t k = 0; k < t->n; k++)
		if (!strcmp(hit->rule->id, t->ids[k]))
			t->counts[k]++;
	return 0;
}

/* A number each rule finds (some find more than theirs). */
static const char numbers[] =
	"call (212) 555-0134 today; Cellulare: 347 1234567; Tel. 030 1234567;\n"
	"phone 020 7946 0958; tel: 612 345 678; telefoon 06 12345678\n";


int main(void)
{
	if (!rule_prefilter_available()) {
		printf("  skipped: built without Hyperscan\n");
		return unit_finish("pack_prefilters");
	}
	const char *dir = getenv("PIIAUDIT_RULES_DIR");
	struct ruleset set;
	ruleset_init(&set);
	int loaded = ruleset_load_path(&set, dir && *dir ? dir : "rules/packs");
	CHECK(loaded == 0);
	if (loaded || ruleset_compile(&set)) {
		printf("  %s\n", ruleset_error(&set));
		ruleset_release(&set);
		return unit_finish("pack_prefilters");
	}
	char err[256];
	struct rule_prefilter *pf = rule_prefilter_build(&set, err, sizeof(err));
	struct rule_prefilter_scratch *scratch = pf ? rule_prefilter_scratch_new(pf) : NULL;
	CHECK(pf != NULL && scratch != NULL);
	if (!pf || !scratch) {
		printf("  %s\n", pf ? "out of memory" : err);
		rule_prefilter_free(pf);
		ruleset_release(&set);
		return unit_finish("pack_prefilters");
	}
	size_t index[PHONE_RULES];
	for (size_t k = 0; k < PHONE_RULES; k++) {
		const struct rule *r = ruleset_find(&set, phone_rules[k]);
		CHECK(r != NULL);
		index[k] = r ? (size_t)(r - set.rules) : 0;
		CHECK(r && rule_prefilter_covers(pf, index[k]));
	}

	CHECK(rule_prefilter_scan(pf, scratch, (const unsigned char *)inside_runs,
	                          sizeof(inside_runs) - 1) == 0);
	for (size_t k = 0; k < PHONE_RULES; k++) {
		size_t count = 0;
		const size_t *ends = rule_prefilter_ends(scratch, index[k], &count);
		for (size_t e = 0; e < count; e++)
			printf("  %s: a candidate end inside a digit run: %.12s|\n", phone_rules[k],
			       inside_runs + (ends[e] > 12 ? ends[e] - 12 : 0));
		CHECK(count == 0);
	}

	CHECK(rule_prefilter_scan(pf, scratch, (const unsigned char *)numbers,
	                          sizeof(numbers) - 1) == 0);
	for (size_t k = 0; k < PHONE_RULES; k++) {
		size_t count = 0;
		rule_prefilter_ends(scratch, index[k], &count);
		CHECK(count > 0);
	}
	struct rule_matcher *m = rule_matcher_new(&set);
	size_t hits[PHONE_RULES] = { 0 };
	CHECK(m != NULL);
	if (m)
		rule_matcher_scan(m, (const unsigned char *)numbers, sizeof(numbers) - 1, 0,
		                  sizeof(numbers) - 1, NULL, count_hits,
		                  &(struct tally){ phone_rules, PHONE_RULES, hits });
	for (size_t k = 0; k < PHONE_RULES; k++) {
		if (!hits[k])
			printf("  %s: no finding in the numbers\n", phone_rules[k]);
		CHECK(hits[k] > 0);
	}


	size_t windex[WORDED_RULES];
	for (size_t k = 0; k < WORDED_RULES; k++) {
		const struct rule *r = ruleset_find(&set, worded_rules[k]);
		CHECK(r != NULL && r->prefilter != NULL);
		windex[k] = r ? (size_t)(r - set.rules) : 0;
		CHECK(r && rule_prefilter_covers(pf, windex[k]));
	}
	CHECK(rule_prefilter_scan(pf, scratch, (const unsigned char *)bare_runs, sizeof(bare_runs) - 1) == 0);
	for (size_t k = 0; k < WORDED_RULES; k++) {
		size_t count = 0;
		const size_t *ends = rule_prefilter_ends(scratch, windex[k], &count);
		for (size_t e = 0; e < count; e++)
			printf("  %s: a candidate end in a bare digit run: %.12s|\n", worded_rules[k],
			       bare_runs + (ends[e] > 12 ? ends[e] - 12 : 0));
		CHECK(count == 0);
	}
	size_t whits[WORDED_RULES] = { 0 };
	if (m)
		rule_matcher_scan(m, (const unsigned char *)worded, sizeof(worded) - 1, 0, sizeof(worded) - 1, NULL,
		                  count_hits, &(struct tally){ worded_rules, WORDED_RULES, whits });
	for (size_t k = 0; k < WORDED_RULES; k++) {
		if (whits[k] < 2)
			printf("  %s: %zu findings in the worded values, not 2\n", worded_rules[k], whits[k]);
		CHECK(whits[k] >= 2);
	}

	/* The rules given candidate ends are listed, ascending, exactly those
	 * with ends; a scan after another leaves none of the first's. */
	const char *texts[] = { worded, "nothing here at all", numbers, "" };
	for (size_t k = 0; k < sizeof(texts) / sizeof(*texts); k++) {
		CHECK(rule_prefilter_scan(pf, scratch, (const unsigned char *)texts[k], strlen(texts[k])) == 0);
		size_t touched_count = 0, with_ends = 0, listed = 0;
		const size_t *touched = rule_prefilter_touched(scratch, &touched_count);
		for (size_t t = 1; t < touched_count; t++)
			CHECK(touched[t - 1] < touched[t]);
		for (size_t i = 0; i < set.count; i++) {
			size_t count = 0;
			rule_prefilter_ends(scratch, i, &count);
			with_ends += count > 0;
			for (size_t t = 0; t < touched_count; t++)
				listed += touched[t] == i && count > 0;
		}
		CHECK(with_ends == touched_count && listed == touched_count);
		CHECK(k % 2 ? touched_count == 0 : touched_count > 0);
	}

	rule_matcher_free(m);
	rule_prefilter_scratch_free(scratch);
	rule_prefilter_free(pf);
	ruleset_release(&set);
	return unit_finish("pack_prefilters");
}
