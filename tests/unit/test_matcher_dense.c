/*
 * Dense candidates in the matcher: a list of e-mail addresses, one a line,
 * where the prefilter `@[A-Za-z0-9.-]+` ends at every byte of every domain
 * and the ends of a whole block lie closer together than the rule's reach,
 * so that they form one run.  Every address is found, the same as PCRE2
 * alone finds and the same in windows; and the run is walked once, not
 * again after each match (that made a block of addresses quadratic: 200,000
 * lines took 14 s instead of 1.5).  The walk is counted, not timed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/rule.h"
#include "tests/unit/unit.h"

#define ADDRESSES 5000

static const char pack[] =
	"pack: dense\n"
	"rules:\n"
	"  - id: email.dense\n"
	"    category: email\n"
	"    pattern: '(?<![A-Za-z0-9._%+\\-])[A-Za-z0-9][A-Za-z0-9._%+\\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\\-])'\n"
	"    prefilter: '@[A-Za-z0-9.\\-]+'\n"
	"    prefilter_reach: 66\n"
	"    keywords: ['@']\n";

struct starts {
	size_t *at;
	size_t count;
};

static int collect(void *ctx, const struct rule_hit *hit)
{
	struct starts *s = ctx;
	if (s->count < ADDRESSES * 2)
		s->at[s->count] = hit->start;
	s->count++;
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

int main(void)
{
	char path[] = "/tmp/piiaudit-dense-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return unit_finish("matcher_dense");
	CHECK(write(fd, pack, sizeof(pack) - 1) == (ssize_t)(sizeof(pack) - 1));
	close(fd);

	struct ruleset set;
	ruleset_init(&set);
	int loaded = ruleset_load_path(&set, path);
	unlink(path);
	CHECK(loaded == 0);
	CHECK(loaded == 0 && ruleset_compile(&set) == 0);

	size_t cap = (size_t)ADDRESSES * 48, len = 0;
	char *text = malloc(cap);
	size_t *expected = malloc(ADDRESSES * sizeof(*expected));
	struct starts whole = { malloc(ADDRESSES * 2 * sizeof(size_t)), 0 };
	struct starts plain = { malloc(ADDRESSES * 2 * sizeof(size_t)), 0 };
	struct starts windows = { malloc(ADDRESSES * 2 * sizeof(size_t)), 0 };
	if (!text || !expected || !whole.at || !plain.at || !windows.at)
		abort();
	for (size_t i = 0; i < ADDRESSES; i++) {
		expected[i] = len;
		len += (size_t)snprintf(text + len, cap - len, "name%zu.x@host%zu.example.org\n", i, i % 13);
	}

	struct rule_matcher *m = rule_matcher_new(&set);
	struct rule_matcher *alone = rule_matcher_new(&set);
	CHECK(m && alone);
	if (m && alone) {
		rule_matcher_without_prefilter(alone);
		const unsigned char *subject = (const unsigned char *)text;
		CHECK(rule_matcher_scan(m, subject, len, 0, len, NULL, collect, &whole) == 0);
		CHECK(whole.count == ADDRESSES);
		CHECK(whole.count == ADDRESSES && !memcmp(whole.at, expected, ADDRESSES * sizeof(size_t)));

		CHECK(rule_matcher_scan(alone, subject, len, 0, len, NULL, collect, &plain) == 0);
		CHECK(plain.count == ADDRESSES && !memcmp(plain.at, expected, ADDRESSES * sizeof(size_t)));

		/* Windows of 1000 bytes over the whole subject: each address once,
		 * whichever window it starts in (a run cut by accept_end). */
		for (size_t from = 0; from < len; from += 1000)
			rule_matcher_scan(m, subject, len, from, from + 1000, NULL, collect, &windows);
		CHECK(windows.count == ADDRESSES);
		if (windows.count == ADDRESSES) {
			qsort(windows.at, windows.count, sizeof(size_t), by_offset);
			CHECK(!memcmp(windows.at, expected, ADDRESSES * sizeof(size_t)));
		}

		/* Each end is walked at most once per scan: the whole scan, and
		 * the windows (which see the ends of the rest of the subject). */
		if (set.prefilter) {
			uint64_t walked = rule_matcher_ends_walked(m);
			CHECK(walked > 0);
			CHECK(walked <= (uint64_t)len * 2 + (uint64_t)(len + 999) / 1000 * 4096);
			printf("matcher_dense: %zu addresses, %zu bytes, %llu ends walked\n", (size_t)ADDRESSES, len,
			       (unsigned long long)walked);
		} else {
			printf("matcher_dense: built without Hyperscan, the walk not checked\n");
		}
	}
	rule_matcher_free(m);
	rule_matcher_free(alone);
	ruleset_release(&set);
	free(text);
	free(expected);
	free(whole.at);
	free(plain.at);
	free(windows.at);
	return unit_finish("matcher_dense");
}
