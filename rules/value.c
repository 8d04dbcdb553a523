/*
 * rules/value.c - what a matched value becomes before it is stored: its
 * normalised form (the input of the keyed fingerprint, so that the same
 * value written two ways joins) and its masked preview.
 *
 * Pure functions over caller buffers; nothing is allocated, nothing fails:
 * output that does not fit is truncated and always NUL-terminated.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rules/rule.h"

static bool is_cat(const char *category, const char *name)
{
	return category && !strcmp(category, name);
}

/* The longest obfuscated address rule_email_plain() reads; longer values
 * are taken as they are. */
#define EMAIL_OBFUSCATED_MAX 600

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* One obfuscation token at v[0, len): blanks (up to 3), then "[at]" or
 * "[dot]" in any case between any of [] () {} <> (blanks up to 2 inside),
 * "[@]", or the HTML character reference of '@' or '.' (&#64; &#x40;
 * &#46; &#x2e;, leading zeros allowed), then blanks (up to 3).  Its
 * length, with the character it stands for in *c; 0 when there is none. */
static size_t obfuscation_token(const char *v, size_t len, char *c)
{
	size_t i = 0, k;
	while (i < len && i < 3 && is_blank((unsigned char)v[i]))
		i++;
	if (i + 3 < len && v[i] == '&' && v[i + 1] == '#') {
		unsigned long code = 0;
		bool hex = v[i + 2] == 'x' || v[i + 2] == 'X';
		size_t digits = 0;
		for (k = i + 2 + hex; k < len && digits < 6 && isxdigit((unsigned char)v[k]) &&
		                      (hex || isdigit((unsigned char)v[k]));
		     k++, digits++)
			code = code * (hex ? 16 : 10) +
			       (unsigned long)(isdigit((unsigned char)v[k]) ? v[k] - '0'
			                                                   : tolower((unsigned char)v[k]) - 'a' + 10);
		if (!digits || k >= len || v[k] != ';' || (code != '@' && code != '.'))
			return 0;
		*c = (char)code;
		i = k + 1;
	} else if (i < len && strchr("[({<", v[i]) && v[i]) {
		k = i + 1;
		for (size_t b = 0; k < len && b < 2 && is_blank((unsigned char)v[k]); b++)
			k++;
		if (k < len && v[k] == '@') {
			*c = '@';
			k++;
		} else if (k + 1 < len && tolower((unsigned char)v[k]) == 'a' &&
		           tolower((unsigned char)v[k + 1]) == 't') {
			*c = '@';
			k += 2;
		} else if (k + 2 < len && tolower((unsigned char)v[k]) == 'd' &&
		           tolower((unsigned char)v[k + 1]) == 'o' && tolower((unsigned char)v[k + 2]) == 't') {
			*c = '.';
			k += 3;
		} else {
			return 0;
		}
		for (size_t b = 0; k < len && b < 2 && is_blank((unsigned char)v[k]); b++)
			k++;
		if (k >= len || !strchr("])}>", v[k]) || !v[k])
			return 0;
		i = k + 1;
	} else {
		return 0;
	}
	for (size_t b = 0; i < len && b < 3 && is_blank((unsigned char)v[i]); b++)
		i++;
	return i;
}

size_t rule_email_plain(const char *value, size_t len, char *out, size_t cap)
{
	size_t n = 0, tokens = 0;
	bool at = false;
	if (!value || !cap || len > EMAIL_OBFUSCATED_MAX)
		return 0;
	for (size_t i = 0; i < len && n + 1 < cap;) {
		char c;
		size_t used = obfuscation_token(value + i, len - i, &c);
		if (used) {
			out[n++] = c;
			at |= c == '@';
			tokens++;
			i += used;
		} else if (value[i] == '@') {
			return 0;   /* a plain address: as it is */
		} else {
			out[n++] = value[i++];
		}
	}
	out[n] = '\0';
	return tokens && at ? n : 0;
}

/* An e-mail value as what fingerprints and previews are made of: an
 * obfuscated one as the plain address (in plain, which must hold
 * EMAIL_OBFUSCATED_MAX + 1 bytes), anything else as it is. */
static const char *email_read_plain(const char *category, const char *value, size_t *len,
                                    char *plain)
{
	if (!is_cat(category, "email"))
		return value;
	size_t m = rule_email_plain(value, *len, plain, EMAIL_OBFUSCATED_MAX + 1);
	if (!m)
		return value;
	*len = m;
	return plain;
}

/* Categories whose values are numbers or codes written with separators. */
static bool is_code_category(const char *category)
{
	return is_cat(category, "credit_card") || is_cat(category, "iban") ||
	       is_cat(category, "us_ssn") || is_cat(category, "national_id");
}

size_t rule_normalize(const char *category, const char *value, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return 0;
	/* An obfuscated address joins the address it stands for. */
	char plain[EMAIL_OBFUSCATED_MAX + 1];
	value = email_read_plain(category, value, &len, plain);
	/* The category decides once, not per byte. */
	bool phone = is_cat(category, "phone"), code = !phone && is_code_category(category);
	bool lower = !phone && !code && (is_cat(category, "email") || is_cat(category, "ip_address") ||
	                                 is_cat(category, "mac_address"));
	for (size_t i = 0; i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)value[i];
		if (phone) {
			if (isdigit(c) || (c == '+' && n == 0))
				out[n++] = (char)c;
		} else if (code) {
			if (isalnum(c))
				out[n++] = (char)toupper(c);
		} else if (lower) {
			out[n++] = (char)tolower(c);
		} else {
			out[n++] = (char)c;
		}
	}
	/* 00 as international prefix and + are the same number. */
	if (phone && n > 2 && out[0] == '0' && out[1] == '0') {
		out[0] = '+';
		memmove(out + 1, out + 2, n - 2);
		n--;
	}
	out[n] = '\0';
	return n;
}

static size_t put(char *out, size_t cap, size_t n, char c)
{
	if (n + 1 < cap)
		out[n++] = c;
	return n;
}

/* j***@a***.io: first character of the local part and of the domain, the
 * top-level domain in clear. */
static size_t mask_email(const char *v, size_t len, char *out, size_t cap)
{
	const char *at = memchr(v, '@', len);
	size_t n = 0;
	if (!at)
		return 0;
	const char *dom = at + 1;
	size_t dlen = len - (size_t)(dom - v);
	const char *dot = NULL;
	for (size_t i = dlen; i > 0; i--)
		if (dom[i - 1] == '.') {
			dot = dom + i - 1;
			break;
		}
	n = put(out, cap, n, v[0]);
	for (int i = 0; i < 3; i++)
		n = put(out, cap, n, '*');
	n = put(out, cap, n, '@');
	if (dlen)
		n = put(out, cap, n, dom[0]);
	for (int i = 0; i < 3; i++)
		n = put(out, cap, n, '*');
	for (const char *p = dot; p && p < v + len; p++)
		n = put(out, cap, n, *p);
	return n;
}

/* Every letter and digit masked but the last `keep`; separators kept. */
static size_t mask_keep_tail(const char *v, size_t len, size_t keep, char *out, size_t cap)
{
	size_t alnum = 0, seen = 0, n = 0;
	for (size_t i = 0; i < len; i++)
		alnum += isalnum((unsigned char)v[i]) != 0;
	if (alnum <= keep * 2)
		keep = alnum / 4;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (isalnum(c)) {
			seen++;
			n = put(out, cap, n, seen > alnum - keep ? (char)c : '*');
		} else {
			n = put(out, cap, n, isprint(c) ? (char)c : '?');
		}
	}
	return n;
}

size_t rule_mask(const char *category, const char *value, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return 0;
	char plain[EMAIL_OBFUSCATED_MAX + 1];
	value = email_read_plain(category, value, &len, plain);
	if (len > 200)
		len = 200;
	if (is_cat(category, "email"))
		n = mask_email(value, len, out, cap);
	if (n == 0 && is_cat(category, "secret")) {
		/* Type comes from the rule; here: length and at most the last four. */
		size_t tail = len >= 16 ? 4 : 0;
		int w = snprintf(out, cap, "****%.*s (%zu chars)", (int)tail, value + len - tail, len);
		n = w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap - 1;
		for (size_t i = 4; i < 4 + tail && i < n; i++)
			if (!isprint((unsigned char)out[i]))
				out[i] = '?';
	} else if (n == 0) {
		n = mask_keep_tail(value, len, is_cat(category, "date_of_birth") ? 0 : 4, out, cap);
	}
	out[n < cap ? n : cap - 1] = '\0';
	return n;
}
