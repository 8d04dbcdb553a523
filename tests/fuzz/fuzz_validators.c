/*
 * tests/fuzz/fuzz_validators.c - every validator, normaliser and mask.
 *
 * The input is a matched value.  Every validator of rule_validators() runs
 * on it and on two prefixes (all but the last byte; up to the first space
 * or dash), each copied to a heap block of exactly its length so that
 * AddressSanitizer sees a read one byte past the value (validators get
 * values that are not NUL-terminated).  rule_card_brand(),
 * and rule_normalize() and rule_mask() for one category of
 * rule_categories (or an unknown one, or none), chosen by the first byte,
 * with output buffers of several sizes, also exactly allocated, run on the
 * first VALUE_FUZZ_MAX bytes.
 *
 * Invariants: a validator gives the same answer twice and refuses values
 * over its length limit; rule_validator_find() finds every table entry;
 * "card" implies "luhn" and a brand; a brand needs only digits, spaces and
 * dashes; normalize and mask write a NUL-terminated string that fits, and
 * normalising twice gives what normalising once gave.
 */
#include <stdbool.h>

#include "rules/rule.h"
#include "rules/validators.h"
#include "tests/fuzz/fuzz_common.h"

#define VALUE_FUZZ_MAX 300

static const struct rule_validator *table;
static size_t table_count;
static const struct rule_validator *v_card, *v_luhn;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	table = rule_validators(&table_count);
	if (!table || !table_count)
		fuzz_die("rule_validators", "empty table");
	for (size_t i = 0; i < table_count; i++) {
		CHECK(table[i].name && table[i].fn && table[i].description);
		CHECK(rule_validator_find(table[i].name) == &table[i]);
	}
	CHECK(rule_validator_find(NULL) == NULL);
	CHECK(rule_validator_find("no such validator") == NULL);
	v_card = rule_validator_find("card");
	v_luhn = rule_validator_find("luhn");
	return 0;
}

static void run_validators(const char *v, size_t len, bool twice)
{
	for (size_t i = 0; i < table_count; i++) {
		bool ok = table[i].fn(v, len);
		if (twice)
			CHECK(table[i].fn(v, len) == ok);
		size_t max = strcmp(table[i].name, "jwt") ? RULE_VALIDATOR_MAX_LEN
		                                          : RULE_VALIDATOR_JWT_MAX_LEN;
		if (len > max || len == 0)
			CHECK(!ok);
	}
	if (v_card && v_card->fn(v, len)) {
		CHECK(!v_luhn || v_luhn->fn(v, len));
		CHECK(rule_card_brand(v, len) != NULL);
	}
	const char *brand = rule_card_brand(v, len);
	if (brand) {
		for (size_t i = 0; i < len; i++)
			CHECK((v[i] >= '0' && v[i] <= '9') || v[i] == ' ' || v[i] == '-');
	}
}

/* V[0, LEN) in a heap block of exactly LEN bytes (NULL when LEN is 0). */
static char *exact_copy(const void *v, size_t len)
{
	if (!len)
		return NULL;
	char *p = malloc(len);
	if (!p)
		fuzz_die("malloc", NULL);
	memcpy(p, v, len);
	return p;
}

static void run_values(const char *category, const char *v, size_t len)
{
	static const size_t caps[] = { 1, 17, 4096 };
	static char *outs[sizeof(caps) / sizeof(caps[0])], *again;
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		size_t cap = caps[c];
		if (!outs[c] && !(outs[c] = malloc(cap)))
			fuzz_die("malloc", NULL);
		char *out = outs[c];
		size_t n = rule_normalize(category, v, len, out, cap);
		CHECK(n < cap && out[n] == '\0' && n <= len);
		if (cap == 4096 && len < cap) {
			/* The normal form is a fixed point. */
			if (!again && !(again = malloc(cap)))
				fuzz_die("malloc", NULL);
			size_t m = rule_normalize(category, out, n, again, cap);
			if (m != n || memcmp(out, again, n)) {
				fprintf(stderr, "category %s: normal form '%s' normalises to '%s'\n",
				        category ? category : "(null)", out, again);
			}
			CHECK(m == n && !memcmp(out, again, n));
		}
		n = rule_mask(category, v, len, out, cap);
		CHECK(strlen(out) < cap);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > RULE_VALIDATOR_JWT_MAX_LEN + 64)
		return 0;
	const char *v = (const char *)data;
	run_validators(size ? v : NULL, size, true);
	if (!size)
		run_validators(v, 0, false);

	/* Prefixes (the fuzzer makes the others): all but the last byte, and
	 * up to the first space or dash. */
	size_t cuts[2] = { size ? size - 1 : 0, size };
	for (size_t i = 0; i < size; i++)
		if (v[i] == ' ' || v[i] == '-') {
			cuts[1] = i;
			break;
		}
	for (size_t i = 0; i < 2; i++) {
		if (cuts[i] == size || (i && cuts[i] == cuts[0]))
			continue;
		char *p = exact_copy(v, cuts[i]);
		run_validators(p, cuts[i], false);
		free(p);
	}

	/* One category per input, chosen by the first byte (the value is still
	 * the whole input): the normalise loop compares the category name at
	 * every byte, which the fuzzer's strcmp hooks make slow.  Masks stop
	 * at 200 bytes; past a few hundred, normalising is the same loop. */
	size_t ncat = 0;
	while (rule_categories[ncat])
		ncat++;
	size_t pick = size ? data[0] % (ncat + 2) : 0;
	const char *category = pick < ncat ? rule_categories[pick] : pick == ncat ? "no-such-category" : NULL;
	size_t vlen = size < VALUE_FUZZ_MAX ? size : VALUE_FUZZ_MAX;
	char *value = vlen < size ? exact_copy(v, vlen) : NULL;
	run_values(category, value ? value : size ? v : "", vlen);
	free(value);
	return 0;
}
