/*
 * rules/regex_bytes.c: the bytes a pattern's matches can consume.  Each
 * case names bytes that must be in the set (what the pattern matches) and
 * bytes that must not (so that "every byte" does not pass); patterns with
 * what the reader does not know give every byte.  Then PCRE2 itself
 * checks the bound: every match it finds, at every start, in random
 * subjects and in the built-in rules' own examples, lies within the set.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/regex_bytes.h"
#include "rules/rule.h"
#include "tests/unit/unit.h"

static size_t set_size(const unsigned char *set)
{
	size_t n = 0;
	for (unsigned c = 0; c < 256; c++)
		n += regex_bytes_has(set, (unsigned char)c);
	return n;
}

/* in: bytes that must be in the set; out: bytes that must not. */
static void expect(const char *pattern, const char *in, const char *out)
{
	unsigned char set[REGEX_BYTES_SET];
	bool known = regex_consumed_bytes(pattern, set);
	CHECK(known);
	for (const char *p = in; *p; p++)
		if (!regex_bytes_has(set, (unsigned char)*p)) {
			CHECK(!"a byte the pattern matches is missing");
			printf("  %s: 0x%02x missing\n", pattern, (unsigned char)*p);
		}
	for (const char *p = out; *p; p++)
		if (regex_bytes_has(set, (unsigned char)*p)) {
			CHECK(!"a byte the pattern cannot match is in");
			printf("  %s: 0x%02x in\n", pattern, (unsigned char)*p);
		}
}

static void unknown(const char *pattern)
{
	unsigned char set[REGEX_BYTES_SET];
	CHECK(!regex_consumed_bytes(pattern, set));
	CHECK(set_size(set) == 256);
	if (set_size(set) != 256)
		printf("  %s: taken as known\n", pattern);
}

/* Every match PCRE2 finds anchored at each start of subject lies in set. */
static size_t check_matches(const char *pattern, pcre2_code *code, pcre2_match_data *md,
                            const unsigned char *subject, size_t len, const unsigned char *set)
{
	size_t found = 0;
	for (size_t at = 0; at <= len; at++) {
		int rc = pcre2_match(code, subject, len, at, PCRE2_ANCHORED, md, NULL);
		if (rc < 0)
			continue;
		size_t end = pcre2_get_ovector_pointer(md)[1];
		found++;
		for (size_t i = at; i < end; i++)
			if (!regex_bytes_has(set, subject[i])) {
				CHECK(!"a match consumed a byte outside the set");
				printf("  %s: 0x%02x at %zu of a match from %zu\n", pattern, subject[i], i, at);
				return found;
			}
	}
	return found;
}

static pcre2_code *compile(const char *pattern)
{
	int err;
	PCRE2_SIZE at;
	return pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err, &at, NULL);
}

/* Random subjects, from the pattern's own bytes, their other case and a
 * few others, so that matches come often. */
static size_t random_matches(const char *pattern, unsigned seed)
{
	unsigned char set[REGEX_BYTES_SET];
	pcre2_code *code = compile(pattern);
	CHECK(code != NULL);
	if (!code)
		return 0;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	regex_consumed_bytes(pattern, set);
	unsigned char alphabet[512];
	size_t n = 0;
	for (const char *p = pattern; *p; p++) {
		alphabet[n++] = (unsigned char)*p;
		alphabet[n++] = (unsigned char)(*p ^ 0x20);
	}
	static const char extra[] = " \t\n@.-_:/,;\"'09aZ\x80\xa0\xff\x01";
	for (size_t i = 0; i < sizeof(extra) - 1; i++)
		alphabet[n++] = (unsigned char)extra[i];
	srand(seed);
	size_t found = 0;
	unsigned char subject[200];
	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)rand() % sizeof(subject);
		for (size_t i = 0; i < len; i++)
			subject[i] = (size_t)rand() % 8 ? alphabet[(size_t)rand() % n] : (unsigned char)rand();
		found += check_matches(pattern, code, md, subject, len, set);
	}
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return found;
}

int main(void)
{
	/* Literals, escapes, classes. */
	expect("abc", "abc", "ABCd \n");
	expect("(?i)abc", "abcABC", "dD ");
	expect("a(?i:b)c", "abcABC", "d ");
	expect("\\d{3}-\\d{4}", "0123456789-", "a ,{}");
	expect("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", "aZ09._%+-@", " ,{}\n\"'<>");
	expect("\\w+", "azAZ09_", " -.\x80");
	expect("\\s", " \t\n\r\f\v", "a_");
	expect("\\h\\v", "\t \xa0\n\r\x85", "a");
	expect("\\D", "a \x80\xff", "05");
	expect("\\W", " -\x80", "aZ5_");
	expect("\\S\\H\\V", "a", "");
	expect("[^0-9]", "a \n\xff", "05");
	expect("[^]a]", "b\n\xff", "a]");
	expect("[]a]", "]a", "b");
	expect("[a-]", "a-", "b");
	expect("[\\d-z]", "05-z", "a");
	expect("[\\x41-\\x43\\n]", "ABC\n", "D");
	expect("\\x{41}\\x42\\t\\e", "AB\t\x1b", "C");
	expect("[[:digit:][:upper:]]", "09AZ", "a ");
	expect("[[:^alpha:]]", "0 \xff", "aZ");
	expect("[[:space:]]", " \t\n\v\f\r", "a");
	expect("[[:punct:]]", "!/:@[`{~", "aZ0 ");
	expect("[\\b]", "\b", "b");
	expect("\\bx\\B\\Ay\\z\\Z\\G", "xy", "bBAzZG");
	expect("\\Q.*[\\E", ".*[", "a");
	expect("\\.\\-\\@\\ ", ".-@ ", "a");
	expect("a\\Kb", "ab", "K");
	/* Structure adds nothing: quantifiers, groups, names, lookarounds. */
	expect("a{2,5}b{3}c{4,}", "abc", "{},0123456789");
	expect("(?:a|b)*?c++d?+", "abcd", "()|:*?+");
	expect("(?<name>x)(?P<other>y)(?'third'z)", "xyz", "<>'Pnamethird");
	expect("(?=x)(?!y)(?<=z)(?<!w)q", "xyzwq", "=!<");
	expect("(?>a)(?|b|c)", "abc", ">|");
	expect("(?<n>x)(?P=n)?(?1)(?R)?(?&n)?(?-1)?", "x", "1RPn&<>=");
	expect("(x)\\1{2}(?<n>y)\\g{1}\\g{-1}\\g2\\g-1\\g+1\\g<n>\\g'n'\\k<n>\\k'n'\\k{n}", "xy",
	       "{}12<>'gkn-+");
	expect("(?#a comment (with [ and \\)x", "x", "[(comment");
	expect("(?i)", "", "aA");
	expect("(?-i:a)", "aA", "b");
	/* A brace that is no quantifier is itself. */
	expect("{2}x", "{2}x", "");
	expect("a|{5}", "a{5}", "");
	expect("x{5", "x{5", "");
	expect("x{,5}", "x{,5}", "");
	expect("(?i){2}", "{2}", "");
	expect("\\b{2}", "{2}", "");
	/* Every byte. */
	expect(".", "a\n\x80\xff", "");
	/* Not known. */
	unknown("(*UTF)a");
	unknown("(?x)a b");
	unknown("(?x: a )");
	unknown("\\p{Lu}");
	unknown("\\X");
	unknown("\\N");
	unknown("\\12");
	unknown("\\g");
	unknown("\\k1");
	unknown("\\cA");
	unknown("\\0");
	unknown("\\x{100}");
	unknown("(?C1)a");
	unknown("(?(1)a|b)");
	unknown("[[:nothing:]]");
	unknown("[a");
	unknown("a\\");
	unknown("[z-a]");

	/* PCRE2's matches lie within the sets. */
	static const char *const patterns[] = {
		"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}",
		"(?i)[a-f0-9]{8}(?:-[a-f0-9]{4}){3}",
		"\\b\\d{3}[- .]?\\d{2}\\b",
		"[^\\s\"']{3,}=[^,;]+",
		"(?i:key|token)\\s*[:=]\\s*\\S+",
		"\\Q+1 (\\E\\d+\\)",
		"(?<v>[[:alnum:]]+)\\.(?P=v)",
		"(?i)([a-c])(-?)\\1\\g{-1}\\k<v>(?<v>x)?",
		"(a|b\\Kc)+(?=d)",
		"[]x-]+[^]x-]",
		"\\W\\H\\V+",
		"a{2}{,3}\\{x",
	};
	size_t found = 0;
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		found += random_matches(patterns[i], 500 + (unsigned)i);
	CHECK(found > 1000);
	printf("  random subjects: %zu matches checked\n", found);

	/* The built-in rules' examples. */
	struct ruleset set;
	const char *dir = getenv("PIIAUDIT_RULES_DIR");
	ruleset_init(&set);
	CHECK(ruleset_load_path(&set, dir && *dir ? dir : "rules/packs") == 0);
	size_t examples = 0, known = 0;
	for (size_t i = 0; i < set.count; i++) {
		const struct rule *r = &set.rules[i];
		unsigned char bytes[REGEX_BYTES_SET];
		known += regex_consumed_bytes(r->pattern, bytes);
		pcre2_code *code = compile(r->pattern);
		CHECK(code != NULL);
		if (!code)
			continue;
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
		for (size_t k = 0; k < r->match_examples.count; k++) {
			const char *s = r->match_examples.items[k];
			examples += check_matches(r->pattern, code, md, (const unsigned char *)s, strlen(s),
			                          bytes) > 0;
		}
		pcre2_match_data_free(md);
		pcre2_code_free(code);
	}
	CHECK(examples > 100);
	printf("  the built-in packs: %zu rules, %zu read, %zu examples checked\n", set.count, known,
	       examples);
	ruleset_release(&set);
	return unit_finish("regex_bytes");
}
