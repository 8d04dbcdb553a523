/*
 * rules/pseudonym.c - placeholders, length-keeping masks and consistent
 * pseudonyms for redaction (see pseudonym.h).
 *
 * A pseudonym's randomness is a splitmix64 sequence seeded from the 256
 * bits of the keyed fingerprint: deterministic, so the same value gets the
 * same fake in every file, and as unpredictable without the key as the
 * fingerprint itself.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rules/pseudonym.h"

static int is_cat(const char *category, const char *name)
{
	return category && !strcmp(category, name);
}

/* Appends c when there is room (always leaving room for the NUL). */
static size_t put(char *out, size_t cap, size_t n, char c)
{
	if (n + 1 < cap)
		out[n++] = c;
	return n;
}

static size_t puts_n(char *out, size_t cap, size_t n, const char *s)
{
	while (*s)
		n = put(out, cap, n, *s++);
	return n;
}

static size_t finish(char *out, size_t cap, size_t n)
{
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n < cap ? n : (cap ? cap - 1 : 0);
}

size_t rule_placeholder(const char *category, char *out, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return 0;
	n = put(out, cap, n, '<');
	for (const char *p = category ? category : "other"; *p; p++)
		n = put(out, cap, n, (char)toupper((unsigned char)*p));
	n = put(out, cap, n, '>');
	return finish(out, cap, n);
}

/* ---- mask ---- */

static size_t mask_email(const char *v, size_t len, char *out, size_t cap)
{
	const char *at = memchr(v, '@', len);
	size_t n = 0, at_i = (size_t)(at - v), last_dot = len;
	for (size_t i = len; i > at_i + 1; i--)
		if (v[i - 1] == '.') {
			last_dot = i - 1;
			break;
		}
	/* A first character is kept only when something of its part is left
	 * to mask: x@y.io becomes *@*.io. */
	size_t label_end = at_i + 1;
	while (label_end < len && v[label_end] != '.')
		label_end++;
	bool keep_local = at_i >= 2, keep_domain = label_end - at_i - 1 >= 2;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		bool keep = (i == 0 && keep_local) || i == at_i || (i == at_i + 1 && keep_domain) ||
		            i >= last_dot || !isalnum(c);
		n = put(out, cap, n, keep ? (char)c : '*');
	}
	return n;
}

size_t rule_mask_shape(const char *category, const char *value, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return 0;
	if (is_cat(category, "email") && len > 2 && memchr(value, '@', len)) {
		n = mask_email(value, len, out, cap);
		return finish(out, cap, n);
	}
	size_t keep_tail = 0, digits = 0, seen = 0;
	if (is_cat(category, "credit_card")) {
		for (size_t i = 0; i < len; i++)
			digits += isdigit((unsigned char)value[i]) != 0;
		keep_tail = digits > 8 ? 4 : 0;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (isalnum(c)) {
			seen += isdigit(c) != 0;
			bool keep = keep_tail && isdigit(c) && seen > digits - keep_tail;
			n = put(out, cap, n, keep ? (char)c : '*');
		} else {
			n = put(out, cap, n, (char)c);
		}
	}
	return finish(out, cap, n);
}

/* ---- pseudonyms ---- */

struct prng {
	uint64_t s;
};

static uint64_t next(struct prng *p)
{
	uint64_t z = (p->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(struct prng *p, unsigned n)
{
	return (unsigned)(next(p) % n);
}

static void prng_seed(struct prng *p, const unsigned char seed[RULE_SEED_BYTES])
{
	uint64_t s = 0;
	for (size_t i = 0; i < RULE_SEED_BYTES; i++)
		s = (s << 8 | s >> 56) ^ seed[i] ^ (s >> 29);
	p->s = s;
	next(p);
}

static char rand_digit(struct prng *p)
{
	return (char)('0' + below(p, 10));
}

static char rand_lower(struct prng *p)
{
	return (char)('a' + below(p, 26));
}

/* Every letter and digit replaced by one of the same kind and case. */
static size_t same_shape(struct prng *p, const char *v, size_t len, char *out, size_t cap, size_t n)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (isdigit(c))
			n = put(out, cap, n, rand_digit(p));
		else if (islower(c))
			n = put(out, cap, n, rand_lower(p));
		else if (isupper(c))
			n = put(out, cap, n, (char)toupper(rand_lower(p)));
		else if (c >= 0x80)
			n = put(out, cap, n, rand_lower(p));   /* no stray UTF-8 fragments */
		else
			n = put(out, cap, n, (char)c);
	}
	return n;
}

static size_t fake_email(struct prng *p, const char *v, size_t len, char *out, size_t cap)
{
	const char *at = memchr(v, '@', len);
	size_t local = at ? (size_t)(at - v) : 8, n = 0;
	if (local < 6)
		local = 6;
	if (local > 16)
		local = 16;
	n = put(out, cap, n, rand_lower(p));
	for (size_t i = 1; i < local; i++) {
		unsigned r = below(p, 36);
		n = put(out, cap, n, (char)(r < 26 ? 'a' + r : '0' + r - 26));
	}
	return puts_n(out, cap, n, "@example.com");
}

/* The digits of the value, in place: separators kept, a Luhn-valid number
 * starting 400000 (or as much of it as fits). */
static size_t fake_card(struct prng *p, const char *v, size_t len, char *out, size_t cap)
{
	char d[64];
	size_t digits = 0, n = 0, k = 0;
	for (size_t i = 0; i < len; i++)
		digits += isdigit((unsigned char)v[i]) != 0;
	if (digits < 2 || digits > sizeof(d))
		return same_shape(p, v, len, out, cap, 0);
	for (size_t i = 0; i + 1 < digits; i++)
		d[i] = i < 6 && digits >= 12 ? "400000"[i] : rand_digit(p);
	/* Luhn: double every second digit from the right, the check digit
	 * being the rightmost. */
	unsigned sum = 0;
	for (size_t i = 0; i + 1 < digits; i++) {
		unsigned x = (unsigned)(d[digits - 2 - i] - '0');
		if (i % 2 == 0) {
			x *= 2;
			if (x > 9)
				x -= 9;
		}
		sum += x;
	}
	d[digits - 1] = (char)('0' + (10 - sum % 10) % 10);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		n = put(out, cap, n, isdigit(c) ? d[k++] : (char)c);
	}
	return n;
}

/* The last seven digits become 555 01xx; the digit after a leading '+' or
 * the first digit is kept, the others are random; separators kept. */
static size_t fake_phone(struct prng *p, const char *v, size_t len, char *out, size_t cap)
{
	static const char tail[] = "55501";
	size_t digits = 0, seen = 0, n = 0;
	for (size_t i = 0; i < len; i++)
		digits += isdigit((unsigned char)v[i]) != 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!isdigit(c)) {
			n = put(out, cap, n, (char)c);
			continue;
		}
		size_t from_end = digits - seen;   /* 7 for the first of the last seven */
		char o;
		if (digits >= 7 && from_end <= 7 && from_end > 2)
			o = tail[7 - from_end];
		else if (seen == 0 && digits > 7)
			o = (char)c;
		else
			o = rand_digit(p);
		seen++;
		n = put(out, cap, n, o);
	}
	return n;
}

static size_t fake_ip(struct prng *p, const char *v, size_t len, char *out, size_t cap)
{
	static const char *const v4[] = { "192.0.2.", "198.51.100.", "203.0.113." };
	char num[16];
	size_t n = 0;
	if (memchr(v, ':', len)) {
		static const char hex[] = "0123456789abcdef";
		n = puts_n(out, cap, n, "2001:db8:");
		for (int g = 0; g < 4; g++) {
			unsigned x = 1 + below(p, 0xffff);
			bool lead = true;
			n = put(out, cap, n, ':');
			for (int s = 12; s >= 0; s -= 4) {
				unsigned h = (x >> s) & 15;
				if (lead && h == 0 && s)
					continue;
				lead = false;
				n = put(out, cap, n, hex[h]);
			}
		}
		return n;
	}
	n = puts_n(out, cap, n, v4[below(p, 3)]);
	unsigned last = 1 + below(p, 254);
	size_t k = 0;
	do
		num[k++] = (char)('0' + last % 10);
	while ((last /= 10) && k < sizeof(num));
	while (k)
		n = put(out, cap, n, num[--k]);
	return n;
}

static size_t fake_mac(struct prng *p, const char *v, size_t len, char *out, size_t cap)
{
	char sep = ':';
	bool upper = false;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '-' || v[i] == ':' || v[i] == '.') {
			sep = v[i];
			break;
		}
	}
	for (size_t i = 0; i < len; i++)
		upper |= v[i] >= 'A' && v[i] <= 'F';
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned last = below(p, 256);
	const unsigned octet[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, last };
	for (int i = 0; i < 6; i++) {
		if (i)
			n = put(out, cap, n, sep);
		n = put(out, cap, n, hex[octet[i] >> 4]);
		n = put(out, cap, n, hex[octet[i] & 15]);
	}
	return n;
}

/* A URL keeps its scheme, host and path; the query's values change. */
static size_t fake_url(struct prng *p, const char *v, size_t len, char *out, size_t cap)
{
	const char *q = memchr(v, '?', len);
	size_t n = 0, head = q ? (size_t)(q - v) + 1 : 0;
	for (size_t i = 0; i < head; i++)
		n = put(out, cap, n, v[i]);
	bool in_value = head == 0;
	for (size_t i = head; i < len; i++) {
		char c = v[i];
		if (c == '=' || c == '&' || c == ';' || c == '#') {
			in_value = c == '=';
			n = put(out, cap, n, c);
		} else if (in_value) {
			n = same_shape(p, &c, 1, out, cap, n);
		} else {
			n = put(out, cap, n, c);
		}
	}
	return n;
}

size_t rule_pseudonym(const char *category, const char *value, size_t len,
                      const unsigned char seed[RULE_SEED_BYTES], char *out, size_t cap)
{
	struct prng p;
	size_t n;
	if (!cap)
		return 0;
	prng_seed(&p, seed);
	if (is_cat(category, "email"))
		n = fake_email(&p, value, len, out, cap);
	else if (is_cat(category, "credit_card"))
		n = fake_card(&p, value, len, out, cap);
	else if (is_cat(category, "phone"))
		n = fake_phone(&p, value, len, out, cap);
	else if (is_cat(category, "ip_address"))
		n = fake_ip(&p, value, len, out, cap);
	else if (is_cat(category, "mac_address"))
		n = fake_mac(&p, value, len, out, cap);
	else if (is_cat(category, "url"))
		n = fake_url(&p, value, len, out, cap);
	else
		n = same_shape(&p, value, len, out, cap, 0);
	return finish(out, cap, n);
}

int rule_seed_from_hex(const char *hex, unsigned char seed[RULE_SEED_BYTES])
{
	for (size_t i = 0; i < RULE_SEED_BYTES; i++) {
		unsigned v = 0;
		for (size_t k = 0; k < 2; k++) {
			char c = hex[2 * i + k];
			unsigned x;
			if (c >= '0' && c <= '9')
				x = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				x = (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				x = (unsigned)(c - 'A' + 10);
			else
				return -1;
			v = v << 4 | x;
		}
		seed[i] = (unsigned char)v;
	}
	return 0;
}
