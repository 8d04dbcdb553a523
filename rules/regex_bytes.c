/*
 * rules/regex_bytes.c - the bytes a pattern's matches can consume
 * (regex_bytes.h says what for).
 *
 * One pass over the pattern's text.  Every atom adds the bytes it can
 * match; structure (groups, alternation, quantifiers, anchors) adds none,
 * and what is read as an atom but is not one (a group's name, a
 * quantifier's digits) only adds bytes, which keeps the set an upper
 * bound.  Owns nothing; never fails, but gives up (every byte) on what it
 * does not know.
 */
#include "rules/regex_bytes.h"
#include "rules/rule_internal.h"

#include <stddef.h>
#include <string.h>

typedef unsigned char byteset[REGEX_BYTES_SET];

static void add(byteset s, unsigned c)
{
	s[c >> 3] |= (unsigned char)(1u << (c & 7));
}

static void add_range(byteset s, unsigned lo, unsigned hi)
{
	for (unsigned c = lo; c <= hi; c++)
		add(s, c);
}

static void add_complement(byteset s, const byteset of)
{
	for (size_t i = 0; i < REGEX_BYTES_SET; i++)
		s[i] |= (unsigned char)~of[i];
}

/* The classes of the C locale PCRE2's default tables describe, by name
 * (without the brackets and colons); false for a name it lacks. */
static bool posix_class(const char *name, size_t len, byteset s)
{
	static const struct { const char *name; const char *ranges; } classes[] = {
		{ "alpha", "AZaz" }, { "digit", "09" }, { "alnum", "AZaz09" },
		{ "upper", "AZ" }, { "lower", "az" }, { "xdigit", "09AFaf" },
		{ "word", "AZaz09__" }, { "space", "\t\r  " }, { "blank", "\t\t  " },
		{ "cntrl", "\x01\x1f\x7f\x7f" }, { "print", " ~" }, { "graph", "!~" },
		{ "punct", "!/:@[`{~" }, { "ascii", "\x01\x7f" },
	};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strlen(classes[i].name) != len || memcmp(classes[i].name, name, len))
			continue;
		for (const char *r = classes[i].ranges; r[0]; r += 2)
			add_range(s, (unsigned char)r[0], (unsigned char)r[1]);
		/* The ranges cannot hold a NUL: cntrl and ascii have it here. */
		if (!strcmp(classes[i].name, "cntrl") || !strcmp(classes[i].name, "ascii"))
			add(s, 0);
		return true;
	}
	return false;
}

/*
 * An escape, at p[0] == '\\'.  Adds what it matches to s; *single is the
 * byte when it stands for one byte (an end of a range), else -1.  Returns
 * the text after it, or NULL for one this reader does not know.  \b is a
 * backspace in a class and an assertion outside.
 */
static const char *escape(const char *p, bool in_class, byteset s, int *single)
{
	byteset set = { 0 };
	unsigned char c = (unsigned char)p[1];
	*single = -1;
	p += 2;
	switch (c) {
	case 'd': case 'D':
		add_range(set, '0', '9');
		break;
	case 'w': case 'W':
		add_range(set, 'A', 'Z');
		add_range(set, 'a', 'z');
		add_range(set, '0', '9');
		add(set, '_');
		break;
	case 's': case 'S':
		add_range(set, '\t', '\r');
		add(set, ' ');
		break;
	case 'h': case 'H':
		add(set, '\t');
		add(set, ' ');
		add(set, 0xa0);
		break;
	case 'v': case 'V': case 'R':
		if (c == 'R' && in_class)
			return NULL;
		add_range(set, '\n', '\r');
		add(set, 0x85);
		break;
	case 'n': *single = '\n'; break;
	case 'r': *single = '\r'; break;
	case 't': *single = '\t'; break;
	case 'f': *single = '\f'; break;
	case 'e': *single = 0x1b; break;
	case 'a': *single = 0x07; break;
	case 'b':
		if (!in_class)
			return p;
		*single = 0x08;
		break;
	case 'x': {
		unsigned v = 0;
		if (*p == '{') {
			const char *q = p + 1;
			for (; rule_hex_value((unsigned char)*q) >= 0; q++)
				if ((v = v * 16 + (unsigned)rule_hex_value((unsigned char)*q)) > 0xff)
					return NULL;
			if (*q != '}' || q == p + 1)
				return NULL;
			p = q + 1;
		} else {
			for (int i = 0; i < 2 && rule_hex_value((unsigned char)*p) >= 0; i++)
				v = v * 16 + (unsigned)rule_hex_value((unsigned char)*p++);
		}
		*single = (int)v;
		break;
	}
	/* Assertions: nothing consumed. */
	case 'A': case 'z': case 'Z': case 'G': case 'B': case 'K':
		if (in_class)
			return NULL;
		return p;
	case '\0':
		return NULL;
	default:
		/* Any other letter or digit has a meaning this reader does not
		 * take (\p, \X, \C, \N, \g, \k, \c, \o, back-references...); any
		 * other character stands for itself. */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			return NULL;
		*single = c;
		break;
	}
	if (*single >= 0)
		add(s, (unsigned)*single);
	else if (c >= 'A' && c <= 'Z' && c != 'R')
		add_complement(s, set);      /* \D \W \S \H \V */
	else
		for (size_t i = 0; i < REGEX_BYTES_SET; i++)
			s[i] |= set[i];
	return p;
}

/* \Q...\E, at p[0..1] == "\\Q": its bytes; the text after it. */
static const char *quoted(const char *p, byteset s)
{
	for (p += 2; *p && !(p[0] == '\\' && p[1] == 'E'); p++)
		add(s, (unsigned char)*p);
	return *p ? p + 2 : p;
}

/* One member of a class: a byte (or an escape for one), into *single;
 * an escape for several bytes or \Q...\E straight into s.  NULL when not
 * known. */
static const char *class_member(const char *p, byteset s, int *single)
{
	if (p[0] == '\\' && p[1] == 'Q') {
		*single = -1;
		return quoted(p, s);
	}
	if (p[0] == '\\')
		return escape(p, true, s, single);
	*single = (unsigned char)p[0];
	return p + 1;
}

/* A class, at p[0] == '['; adds its bytes to s; the text after it, or
 * NULL when not known. */
static const char *char_class(const char *p, byteset s)
{
	byteset members = { 0 };
	bool negated = *++p == '^';
	if (negated)
		p++;
	for (bool first = true;; first = false) {
		if (!*p)
			return NULL;
		if (*p == ']' && !first) {
			p++;
			break;
		}
		if (p[0] == '[' && (p[1] == '.' || p[1] == '='))
			return NULL;
		if (p[0] == '[' && p[1] == ':') {
			const char *name = p + 2, *close = strstr(name, ":]");
			if (!close)
				return NULL;
			byteset named = { 0 };
			bool not = *name == '^';
			if (not)
				name++;
			if (!posix_class(name, (size_t)(close - name), named))
				return NULL;
			if (not)
				add_complement(members, named);
			else
				for (size_t i = 0; i < REGEX_BYTES_SET; i++)
					members[i] |= named[i];
			p = close + 2;
			continue;
		}
		int lo, hi;
		if (!(p = class_member(p, members, &lo)))
			return NULL;
		if (lo < 0 || p[0] != '-' || p[1] == ']' || !p[1]) {
			if (lo >= 0)
				add(members, (unsigned)lo);
			continue;
		}
		/* A range lo-hi; a '-' before a class escape is itself. */
		if (p[1] == '[' || (p[1] == '\\' && p[2] == 'Q'))
			return NULL;
		byteset end = { 0 };
		const char *after = class_member(p + 1, end, &hi);
		if (!after)
			return NULL;
		if (hi < 0) {
			add(members, (unsigned)lo);
			add(members, '-');
			for (size_t i = 0; i < REGEX_BYTES_SET; i++)
				members[i] |= end[i];
		} else {
			if (hi < lo)
				return NULL;
			add_range(members, (unsigned)lo, (unsigned)hi);
		}
		p = after;
	}
	if (negated)
		add_complement(s, members);
	else
		for (size_t i = 0; i < REGEX_BYTES_SET; i++)
			s[i] |= members[i];
	return p;
}

/* At p[0] == '{' after something repeatable: a quantifier {n}, {n,} or
 * {n,m}, as every PCRE2 reads it?  Then the text after it, else NULL (the
 * brace is a literal, which only adds bytes). */
static const char *quantifier(const char *p)
{
	const char *q = p + 1;
	if (*q < '0' || *q > '9')
		return NULL;
	while (*q >= '0' && *q <= '9')
		q++;
	if (*q == ',')
		for (q++; *q >= '0' && *q <= '9'; q++)
			;
	return *q == '}' ? q + 1 : NULL;
}

/* Past what a group's opening "(?" at p (pointing after the '?') says
 * before its contents: a name, options, an assertion's sign.  *call when
 * it is a whole item that matches (a back-reference or a subroutine call:
 * bytes of other atoms); *caseless and *extended for options i and x.
 * NULL for what this reader does not know (callouts, conditions). */
static const char *group_opening(const char *q, bool *call, bool *caseless, bool *extended)
{
	const char *close;
	*call = false;
	switch (*q) {
	case ':': case '|': case '>': case '=': case '!':
		return q + 1;
	case '<':
		if (q[1] == '=' || q[1] == '!')
			return q + 2;
		close = strchr(q, '>');
		return close ? close + 1 : NULL;
	case '\'':
		close = strchr(q + 1, '\'');
		return close ? close + 1 : NULL;
	case 'P':
		if (q[1] == '<') {
			close = strchr(q, '>');
			return close ? close + 1 : NULL;
		}
		if (q[1] != '=' && q[1] != '>')
			return NULL;
		break;
	case '&': case '+':
		break;
	case 'R':
		if (q[1] != ')')
			return NULL;
		break;
	default:
		if ((*q >= '0' && *q <= '9') || (*q == '-' && q[1] >= '0' && q[1] <= '9'))
			break;
		/* Options: letters, '-' and '^', up to ':' or ')'. */
		close = q;
		while ((*close >= 'a' && *close <= 'z') || (*close >= 'A' && *close <= 'Z') ||
		       *close == '-' || *close == '^')
			close++;
		if (close == q || (*close != ':' && *close != ')'))
			return NULL;
		for (; q < close; q++) {
			*caseless |= *q == 'i';
			*extended |= *q == 'x';
		}
		return close + 1;
	}
	/* A back-reference or a call: up to its ')'. */
	close = strchr(q, ')');
	if (!close)
		return NULL;
	*call = true;
	return close + 1;
}

/* A back-reference or a subroutine call by escape, at p[0] == '\\': \1
 * to \9 (more digits may be an octal byte), \g{..}, \g<..>, \g'..',
 * \gN, \g-N, \g+N, \k<..>, \k'..', \k{..}.  It matches what other atoms
 * match, so it adds no byte.  The text after it, or NULL when p is not
 * one. */
static const char *reference(const char *p)
{
	if (p[1] >= '1' && p[1] <= '9')
		return p[2] >= '0' && p[2] <= '9' ? NULL : p + 2;
	if (p[1] != 'g' && p[1] != 'k')
		return NULL;
	const char *q = p + 2;
	char close = *q == '{' ? '}' : *q == '<' ? '>' : *q == '\'' ? '\'' : 0;
	if (close) {
		const char *end = strchr(q + 1, close);
		return end && end > q + 1 ? end + 1 : NULL;
	}
	if (p[1] == 'k')
		return NULL;
	if (*q == '-' || *q == '+')
		q++;
	if (*q < '0' || *q > '9')
		return NULL;
	while (*q >= '0' && *q <= '9')
		q++;
	return q;
}

/* Whether an escape (p[0] == '\\') asserts rather than matches. */
static bool assertion(const char *p)
{
	return p[1] && strchr("bBAzZGK", p[1]);
}

static bool read_pattern(const char *p, byteset s)
{
	bool caseless = false, extended = false;
	bool repeatable = false;          /* what came last can take a quantifier */
	while (*p) {
		unsigned char c = (unsigned char)*p;
		if (c == '\\' && p[1] == 'Q') {
			bool empty = !p[2] || (p[2] == '\\' && p[3] == 'E');
			p = quoted(p, s);
			repeatable = !empty;
			continue;
		}
		if (c == '\\' && reference(p)) {
			p = reference(p);
			repeatable = true;
			continue;
		}
		if (c == '\\') {
			int single;
			bool asserts = assertion(p);
			if (!(p = escape(p, false, s, &single)))
				return false;
			repeatable = !asserts;
			continue;
		}
		if (c == '[') {
			if (!(p = char_class(p, s)))
				return false;
			repeatable = true;
			continue;
		}
		if (c == '(' && p[1] == '*')
			return false;             /* (*UTF), (*CR), (*ACCEPT)... */
		if (c == '(' && p[1] == '?' && p[2] == '#') {
			const char *close = strchr(p, ')');
			if (!close)
				return false;
			p = close + 1;            /* a comment: what came before stays */
			continue;
		}
		if (c == '(' && p[1] == '?') {
			bool call;
			if (p[2] == 'C' || p[2] == '(')
				return false;         /* callouts, conditions */
			const char *after = group_opening(p + 2, &call, &caseless, &extended);
			if (!after || extended)
				return false;         /* extended: spaces and # comments */
			/* An option setting "(?i)" is not repeatable. */
			repeatable = call;
			p = after;
			continue;
		}
		if (c == '{' && repeatable) {
			const char *after = quantifier(p);
			if (after) {
				p = after;
				repeatable = false;
				continue;
			}
		}
		if (c == '.') {
			memset(s, 0xff, REGEX_BYTES_SET);
			repeatable = true;
		} else if (c == ')') {
			repeatable = true;
		} else if (c == '(' || c == '|' || c == '*' || c == '+' || c == '?' || c == '^' ||
		           c == '$') {
			repeatable = false;
		} else {
			add(s, c);
			repeatable = true;
		}
		p++;
	}
	if (caseless)
		for (unsigned u = 'A'; u <= 'Z'; u++)
			if (regex_bytes_has(s, (unsigned char)u) || regex_bytes_has(s, (unsigned char)(u + 32))) {
				add(s, u);
				add(s, u + 32);
			}
	return true;
}

bool regex_consumed_bytes(const char *pattern, unsigned char set[REGEX_BYTES_SET])
{
	memset(set, 0, REGEX_BYTES_SET);
	if (read_pattern(pattern, set))
		return true;
	memset(set, 0xff, REGEX_BYTES_SET);
	return false;
}
