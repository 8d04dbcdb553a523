/*
 * The `prefilter_token` of a rule: parsing, and the run ends of
 * rule_token_scan() against a byte-by-byte reference on random data, with
 * runs across the 64-byte blocks, at both ends of the data and longer than
 * any power of two the scan tests with.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/token_run.h"
#include "tests/unit/unit.h"

struct ends {
	size_t *at;
	size_t count, cap;
	size_t stop_after;     /* emit returns 7 after this many; 0: never */
};

static int collect(void *ctx, size_t end)
{
	struct ends *e = ctx;
	if (e->count == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 256;
		e->at = realloc(e->at, e->cap * sizeof(*e->at));
		if (!e->at)
			abort();
	}
	e->at[e->count++] = end;
	return e->stop_after && e->count == e->stop_after ? 7 : 0;
}

/* What the header promises, byte by byte. */
static void reference(const struct rule_token *t, const unsigned char *d, size_t len, struct ends *out)
{
	size_t run = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && t->in_class[d[i]]) {
			run++;
			continue;
		}
		if (run >= t->min && run <= t->max)
			collect(out, i);
		run = 0;
	}
}

static int parses(const char *text, struct rule_token *t)
{
	char err[160];
	int rc = rule_token_parse(text, t, err, sizeof(err));
	if (rc)
		printf("  %s: %s\n", text, err);
	return rc == 0;
}

static int refused(const char *text)
{
	struct rule_token t;
	char err[160] = "";
	return rule_token_parse(text, &t, err, sizeof(err)) == -1 && err[0];
}

static unsigned next_random(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/* Random bytes, mostly of the class, with runs of every length: the ends
 * as the reference finds them, in each of the 660 rounds. */
static int random_rounds_agree(unsigned seed)
{
	struct rule_token t;
	static const char *const forms[] = {
		"[A-Za-z0-9]{16}", "[a-c]{1}", "[a-c]{2,3}", "[a-c]{5,9}", "[a-c]{31,33}",
		"[a-c]{64}", "[a-c]{63,65}", "[a-c]{100,300}", "[a-c]{1,4096}", "[\\x00-\\xff]{7}",
		"[aceAC0]{2,5}",     /* six ranges: the table, not the vector path */
	};
	int same = 1, rounds = 0;
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if (!parses(forms[f], &t)) {
			same = 0;
			continue;
		}
		for (int round = 0; round < 60; round++, rounds++) {
			size_t len = next_random(&seed) % 2000;
			unsigned char *d = malloc(len + 1);
			unsigned bias = next_random(&seed) % 100;   /* share of class bytes */
			/* The others include the bytes beside each range's ends. */
			for (size_t i = 0; i < len; i++)
				d[i] = next_random(&seed) % 100 < bias ? (unsigned char)("abcABC019"[next_random(&seed) % 9])
				                                        : (unsigned char)(" -.,\n\xe9@[`{/:"[next_random(&seed) % 12]);
			struct ends got = {0}, want = {0};
			rule_token_scan(&t, d, len, collect, &got);
			reference(&t, d, len, &want);
			if (got.count != want.count ||
			    (got.count && memcmp(got.at, want.at, got.count * sizeof(*got.at)))) {
				if (same)
					printf("  %s on %zu bytes: %zu ends, want %zu\n", forms[f], len, got.count, want.count);
				same = 0;
			}
			free(got.at);
			free(want.at);
			free(d);
		}
	}
	return same && rounds == 660;
}

int main(void)
{
	struct rule_token t;
	CHECK(parses("[A-Za-z0-9]{16}", &t) && t.min == 16 && t.max == 16 &&
	      t.in_class['a'] && t.in_class['Z'] && t.in_class['5'] && !t.in_class['-'] && !t.in_class[' ']);
	CHECK(parses("[0-9A-F]{8,12}", &t) && t.min == 8 && t.max == 12 && !t.in_class['a']);
	CHECK(parses("[\\-\\]\\\\x\\x00-\\x02]{1}", &t) && t.in_class['-'] && t.in_class[']'] &&
	      t.in_class['\\'] && t.in_class['x'] && t.in_class[0] && t.in_class[2] && !t.in_class[3]);
	CHECK(parses("[a-]{2}", &t) && t.in_class['a'] && t.in_class['-']);
	CHECK(parses("[0-9]{1,4096}", &t) && t.max == RULE_TOKEN_MAX);
	CHECK(parses("[A-Za-z0-9]{16}", &t) && t.ranges == 3 && t.range_lo[0] == '0' && t.range_span[0] == 9);
	CHECK(parses("[aceAC0]{2}", &t) && t.ranges == 0);
	CHECK(refused("A-Z{16}"));
	CHECK(refused("[^A-Z]{16}"));
	CHECK(refused("[]{16}"));
	CHECK(refused("[A-Z{16}"));
	CHECK(refused("[Z-A]{16}"));
	CHECK(refused("[A-Z]"));
	CHECK(refused("[A-Z]{}"));
	CHECK(refused("[A-Z]{0}"));
	CHECK(refused("[A-Z]{9,3}"));
	CHECK(refused("[A-Z]{4097}"));
	CHECK(refused("[A-Z]{16}x"));
	CHECK(refused("[A-Z]{16,}"));
	CHECK(refused("[\\q]{2}"));
	CHECK(refused("[\\x4]{2}"));

	/* Both paths: AVX-512BW where this processor has it, and the other. */
	for (int portable = 0; portable < 2; portable++) {
		rule_token_scan_portable(portable);
		CHECK(random_rounds_agree(4));
		CHECK(random_rounds_agree(1234567));
	}
	rule_token_scan_portable(false);


	/* A whole buffer of the class, and runs at both ends. */
	CHECK(parses("[a-c]{3}", &t));
	struct ends e = {0};
	rule_token_scan(&t, (const unsigned char *)"abc", 3, collect, &e);
	CHECK(e.count == 1 && e.at[0] == 3);
	e.count = 0;
	rule_token_scan(&t, (const unsigned char *)"abc abca cab", 12, collect, &e);
	CHECK(e.count == 2 && e.at[0] == 3 && e.at[1] == 12);
	e.count = 0;
	rule_token_scan(&t, (const unsigned char *)"", 0, collect, &e);
	CHECK(e.count == 0);

	/* The callback's non-zero return stops the scan and is returned. */
	e.count = 0;
	e.stop_after = 2;
	CHECK(rule_token_scan(&t, (const unsigned char *)"abc abc abc abc", 15, collect, &e) == 7 && e.count == 2);
	free(e.at);
	return unit_finish("token_run");
}
