/*
 * rules/regex_repeats.c - the weight of a pattern's counted repeats
 * (regex_repeats.h says what for).
 *
 * One pass over the pattern's text, with a stack of open groups: each
 * group keeps the heaviest atom inside it so far; a quantifier multiplies
 * the atom (or closed group) just before it.  Owns nothing; never fails:
 * groups nested deeper than its stack count as one level, and products
 * saturate.
 */
#include "rules/regex_repeats.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define MAX_NESTING 256

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	if (a && b > UINT64_MAX / a)
		return UINT64_MAX;
	return a * b;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static uint64_t add_digit(uint64_t v, char d)
{
	uint64_t t = mul_sat(v, 10);
	return t > UINT64_MAX - 9 ? UINT64_MAX : t + (uint64_t)(d - '0');
}

/* At p[0] == '{': a quantifier {n}, {n,} or {n,m}?  Then its bound (m, or
 * n; at least 1) and its length. */
static bool quantifier(const char *p, uint64_t *bound, size_t *len)
{
	size_t i = 1;
	uint64_t n = 0, m = 0;
	if (!is_digit(p[i]))
		return false;
	while (is_digit(p[i]))
		n = add_digit(n, p[i++]);
	if (p[i] == ',')
		for (i++; is_digit(p[i]); i++)
			m = add_digit(m, p[i]);
	if (p[i] != '}')
		return false;
	*bound = m > n ? m : n ? n : 1;
	*len = i + 1;
	return true;
}

/* Past a character class that starts at p[0] == '['. */
static const char *skip_class(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')          /* a ']' first is a literal */
		p++;
	while (*p && *p != ']') {
		if (*p == '\\' && p[1]) {
			p += 2;
		} else if (*p == '[' && p[1] == ':') {
			const char *end = strstr(p + 2, ":]");
			p = end ? end + 2 : p + 1;
		} else {
			p++;
		}
	}
	return *p ? p + 1 : p;
}

/* Past an escape that starts at p[0] == '\\'; \x{...}, \o{...}, \p{...},
 * \P{...}, \N{...}, \g{...} and \k{...} with their braces. */
static const char *skip_escape(const char *p)
{
	if (!p[1])
		return p + 1;
	char c = p[1];
	p += 2;
	if (strchr("xopPNgk", c) && *p == '{') {
		const char *end = strchr(p, '}');
		return end ? end + 1 : p;
	}
	return p;
}

uint64_t regex_repeat_weight(const char *pattern)
{
	uint64_t inner[MAX_NESTING];   /* per open group: its heaviest atom */
	size_t depth = 0;              /* open groups (those past MAX_NESTING not kept) */
	uint64_t top = 1;              /* the whole pattern's heaviest atom */
	uint64_t last = 0;             /* the atom just before, 0: none (a quantifier
	                                * there is not one) */
	uint64_t *heaviest = &top;
	const char *p = pattern;
	while (*p) {
		char c = *p;
		uint64_t bound;
		size_t len;
		if (c == '\\' && p[1] == 'Q') {
			const char *end = strstr(p + 2, "\\E");
			p = end ? end + 2 : p + strlen(p);
			last = 1;
		} else if (c == '\\') {
			p = skip_escape(p);
			last = 1;
		} else if (c == '[') {
			p = skip_class(p);
			last = 1;
		} else if (c == '(' && p[1] == '?' && p[2] == '#') {
			const char *end = strchr(p, ')');
			p = end ? end + 1 : p + strlen(p);
			continue;
		} else if (c == '(') {
			if (depth < MAX_NESTING)
				inner[depth] = 1;
			depth++;
			heaviest = depth <= MAX_NESTING ? &inner[depth - 1] : heaviest;
			p++;
			last = 0;
			continue;
		} else if (c == ')') {
			uint64_t group = depth && depth <= MAX_NESTING ? inner[depth - 1] : 1;
			if (depth)
				depth--;
			heaviest = depth == 0 ? &top : depth <= MAX_NESTING ? &inner[depth - 1] : heaviest;
			p++;
			last = group;
		} else if (c == '{' && last && quantifier(p, &bound, &len)) {
			last = mul_sat(last, bound);
			p += len;
		} else {
			/* A literal, '.', an anchor, '|', or * + ? (loops, not
			 * unrolled; a lazy or possessive mark after them too). */
			if (c == '|' || c == '^' || c == '$')
				last = 0;
			else if (c != '*' && c != '+' && c != '?')
				last = 1;
			p++;
		}
		if (last > *heaviest)
			*heaviest = last;
	}
	while (depth > 0) {   /* an unclosed group: what it held counts */
		uint64_t group = depth <= MAX_NESTING ? inner[depth - 1] : 1;
		depth--;
		uint64_t *outer = depth == 0 ? &top : depth <= MAX_NESTING ? &inner[depth - 1] : &top;
		if (group > *outer)
			*outer = group;
	}
	return top;
}
