/*
 * A field matched behind its name (rule_matcher_scan_field()): a rule that
 * wants a word before its value finds the value of a field with that name
 * ("phone" then "612345678"), as it finds `"phone": "612345678"` in text;
 * not without the name, nor with another; the value's offset is in the
 * field; a value that lies in the name is not a hit of the field; a class
 * [^...] or an escaped \^ is no start anchor, while a rule that asserts the
 * subject's start (^, \A) still matches the field alone.  With the
 * Hyperscan prefilter and with PCRE2 alone, the same hits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/rule.h"
#include "tests/unit/unit.h"

static const char pack[] =
	"pack: field\n"
	"rules:\n"
	"  - id: t.phone_word\n"
	"    category: phone\n"
	"    pattern: '(?i:phone)[ :]{1,3}(?<v>[6-9]\\d{8})(?!\\d)'\n"
	"    group: v\n"
	"  - id: t.tel_class\n"
	"    category: phone\n"
	"    pattern: '(?i:tel)\\^?[^0-9a-z]{1,3}(?<v>[6-9]\\d{5})(?!\\d)'\n"
	"    group: v\n"
	"  - id: t.whole_pin\n"
	"    category: other\n"
	"    pattern: '^\\d{4}$'\n"
	"  - id: t.whole_code\n"
	"    category: other\n"
	"    pattern: '\\A[A-Z]{3}-\\d{3}\\z'\n";

struct hits {
	char rule[8][32];
	size_t start[8], len[8];
	size_t count;
};

static int collect(void *ctx, const struct rule_hit *hit)
{
	struct hits *h = ctx;
	if (h->count < 8) {
		snprintf(h->rule[h->count], sizeof(h->rule[0]), "%s", hit->rule->id);
		h->start[h->count] = hit->start;
		h->len[h->count] = hit->len;
	}
	h->count++;
	return 0;
}

static struct hits field(struct rule_matcher *m, const char *name, const char *text)
{
	struct hits h;
	memset(&h, 0, sizeof(h));
	size_t prefix = rule_field_prefix_len(name), n = strlen(text);
	unsigned char *subject = malloc(prefix + n + 1);
	if (!subject)
		abort();
	CHECK(rule_field_prefix(name, subject) == prefix);
	memcpy(subject + prefix, text, n);
	CHECK(rule_matcher_scan_field(m, subject, prefix, prefix + n, collect, &h) == 0);
	free(subject);
	return h;
}

static bool one(const struct hits *h, const char *rule, size_t start, size_t len)
{
	return h->count == 1 && !strcmp(h->rule[0], rule) && h->start[0] == start && h->len[0] == len;
}

static void run(enum rule_engine engine, const char *path)
{
	struct ruleset set;
	ruleset_init(&set);
	set.engine = engine;
	CHECK(ruleset_load_path(&set, path) == 0);
	CHECK(ruleset_compile(&set) == 0);
	struct rule_matcher *m = rule_matcher_new(&set);
	CHECK(m != NULL);
	if (!m) {
		ruleset_release(&set);
		return;
	}
	struct hits h = field(m, "phone", "612345678");
	CHECK(one(&h, "t.phone_word", 0, 9));
	h = field(m, "Mobile_Phone", " 612345678 ");
	CHECK(one(&h, "t.phone_word", 1, 9));            /* offsets are the field's */
	h = field(m, NULL, "612345678");
	CHECK(h.count == 0);                              /* no name, no word */
	h = field(m, "notes", "612345678");
	CHECK(h.count == 0);
	h = field(m, "phone 712345678", "x");
	CHECK(h.count == 0);                              /* a value in the name is not the field's */
	h = field(m, "notes", "call phone: 912345678 today");
	CHECK(one(&h, "t.phone_word", 12, 9));            /* words in the field count as ever */
	h = field(m, "tel", "612345");
	CHECK(one(&h, "t.tel_class", 0, 6));              /* [^...] and \^ are no anchors */
	h = field(m, "pin", "1234");
	CHECK(one(&h, "t.whole_pin", 0, 4));              /* ^...$ on the field alone */
	h = field(m, "pin", "12345");
	CHECK(h.count == 0);
	h = field(m, "code", "ABC-123");
	CHECK(one(&h, "t.whole_code", 0, 7));             /* \A too */
	/* Without a name, the matcher is as before. */
	h = field(m, NULL, "1234");
	CHECK(one(&h, "t.whole_pin", 0, 4));
	rule_matcher_free(m);
	ruleset_release(&set);
}

int main(void)
{
	char path[] = "/tmp/piiaudit-field-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return unit_finish("matcher_field");
	CHECK(write(fd, pack, sizeof(pack) - 1) == (ssize_t)(sizeof(pack) - 1));
	close(fd);
	run(RULE_ENGINE_PCRE2, path);
	run(RULE_ENGINE_AUTO, path);
	unlink(path);
	return unit_finish("matcher_field");
}
