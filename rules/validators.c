/*
 * validators.c - checksum and format validators for matched values
 *
 * Every validator follows the same shape: refuse NULL and over-long input
 * first, copy the significant characters (digits, letters) into a small
 * stack buffer while checking that every other byte is a separator the
 * format allows at that place, then check structure and check digits on
 * the copy.  All arithmetic is unsigned or bounded well below INT_MAX, all
 * indexing is checked against the buffer, so no input can make a validator
 * read outside its value, overflow, or crash.
 *
 * Sources of the rules are named next to each validator; test values are in
 * tests/unit/test_validators.c.
 */
#include "validators.h"
#include "rules/rule_internal.h"

#include <stdint.h>
#include <string.h>

#define MAX_LEN RULE_VALIDATOR_MAX_LEN
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* Character classes.  Locale-free on purpose: <ctype.h> depends on the
 * locale and is undefined for negative chars, and corpus bytes are anything. */

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static bool is_alpha(unsigned char c) { return is_upper(c) || is_lower(c); }
static bool is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }
static bool is_upper_alnum(unsigned char c) { return is_digit(c) || is_upper(c); }
static unsigned char to_upper(unsigned char c) { return is_lower(c) ? (unsigned char)(c - 'a' + 'A') : c; }
static unsigned char to_lower(unsigned char c) { return is_upper(c) ? (unsigned char)(c - 'A' + 'a') : c; }

/* strchr() would match the terminating NUL, and a NUL byte in a value is
 * never a separator. */
static bool in_set(unsigned char c, const char *set)
{
	if (c == 0)
		return false;
	for (; *set; set++)
		if ((unsigned char)*set == c)
			return true;
	return false;
}

/* The common entry check: a value, not empty, not longer than MAX. */
static bool len_ok(const char *v, size_t len, size_t max)
{
	return v != NULL && len > 0 && len <= max;
}

/* Value of N decimal digit characters (N small enough not to overflow). */
static unsigned num(const unsigned char *d, size_t n)
{
	unsigned x = 0;

	for (size_t i = 0; i < n; i++)
		x = x * 10 + (unsigned)(d[i] - '0');
	return x;
}

static bool all_same(const unsigned char *d, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (d[i] != d[0])
			return false;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Getting the digits out of a formatted value. */

/*
 * Digits of V with separators from SEPS skipped.  A separator must stand
 * between two digits (no leading, trailing or doubled separators), so that
 * "--1" or "1  2" are not numbers.  Fails on any other byte or when more
 * than CAP digits are found.
 */
static bool strip_digits(const char *v, size_t len, const char *seps,
                         unsigned char *out, size_t cap, size_t *n)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		if (is_digit(s[i])) {
			if (k == cap)
				return false;
			out[k++] = s[i];
		} else if (in_set(s[i], seps)) {
			if (i == 0 || i + 1 == len || !is_digit(s[i - 1]) || !is_digit(s[i + 1]))
				return false;
		} else {
			return false;
		}
	}
	*n = k;
	return true;
}

/*
 * Digits of V laid out in GROUPS: either all digits run together (LEN is
 * the sum of the groups) or the groups separated by one separator from SEPS;
 * with SAME the separators must all be the same byte ("123-45 6789" is not
 * an SSN).  OUT must hold the sum of GROUPS.
 */
static bool grouped_digits(const char *v, size_t len, const char *seps, bool same,
                           const unsigned char *groups, size_t ngroups, unsigned char *out)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t total = 0, pos = 0, k = 0;
	unsigned char sep = 0;

	for (size_t g = 0; g < ngroups; g++)
		total += groups[g];
	if (len == total) {
		for (size_t i = 0; i < len; i++) {
			if (!is_digit(s[i]))
				return false;
			out[i] = s[i];
		}
		return true;
	}
	if (ngroups < 2 || len != total + ngroups - 1)
		return false;
	for (size_t g = 0; g < ngroups; g++) {
		if (g > 0) {
			if (!in_set(s[pos], seps) || (same && sep && s[pos] != sep))
				return false;
			sep = s[pos++];
		}
		for (size_t j = 0; j < groups[g]; j++, pos++) {
			if (!is_digit(s[pos]))
				return false;
			out[k++] = s[pos];
		}
	}
	return true;
}

/*
 * V against a fixed picture: '#' a digit, '@' an upper-case letter, any
 * other byte itself.  The digits and letters go to OUT, which must hold as
 * many as the picture has; returns how many, or 0 when V does not fit.
 */
static size_t picture(const char *v, size_t len, const char *pic, unsigned char *out)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t k = 0;

	if (strlen(pic) != len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (pic[i] == '#') {
			if (!is_digit(s[i]))
				return 0;
			out[k++] = s[i];
		} else if (pic[i] == '@') {
			if (!is_upper(s[i]))
				return 0;
			out[k++] = s[i];
		} else if ((unsigned char)pic[i] != s[i]) {
			return 0;
		}
	}
	return k;
}

/* ---------------------------------------------------------------------- */
/* Dates. */

/* The years the "date" validator accepts; also the last year a number
 * that encodes a birth year can stand for. */
#define DATE_MIN_YEAR 1900
#define DATE_MAX_YEAR 2026

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && leap(y) ? 29 : mdays[m - 1];
}

static bool date_ok(unsigned y, unsigned m, unsigned d)
{
	return d >= 1 && d <= days_in_month(y, m);
}

/* For two-digit years whose century is unknown: 29 February is possible
 * when some century makes the year leap. */
static bool date_ok_yy(unsigned yy, unsigned m, unsigned d)
{
	return date_ok(yy % 4 == 0 ? 2000 : 1900 + yy, m, d);
}

/* ---------------------------------------------------------------------- */
/* Check-digit schemes shared by several validators. */

/* Luhn mod 10 over N digit characters, the last being the check digit. */
static bool luhn_digits(const unsigned char *d, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned x = (unsigned)(d[n - 1 - i] - '0');

		if (i % 2 == 1) {
			x *= 2;
			if (x > 9)
				x -= 9;
		}
		sum += x;
	}
	return sum % 10 == 0;
}

/* Verhoeff: multiplication in the dihedral group D5, and the permutation
 * (1 5 7 6 2 8 3 0 9 4) applied i times at position i from the right; a
 * valid number comes out 0 (Verhoeff 1969). */
static const unsigned char verhoeff_d[10][10] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 },
	{ 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 }, { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 },
	{ 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
	{ 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 },
	{ 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 }, { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
};
static const unsigned char verhoeff_p[8][10] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 },
	{ 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 }, { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 },
	{ 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
	{ 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
};

static bool verhoeff_digits(const unsigned char *d, size_t n)
{
	unsigned c = 0;

	for (size_t i = 0; i < n; i++)
		c = verhoeff_d[c][verhoeff_p[i % 8][d[n - 1 - i] - '0']];
	return c == 0;
}

/* ---------------------------------------------------------------------- */
/* SHA-256 (FIPS 180-4), for Base58Check.  Small and unrolled nowhere: it
 * hashes 21 and 32 bytes per address. */

struct sha256 {
	uint32_t h[8];
	unsigned char block[64];
	size_t fill;
	uint64_t total;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(struct sha256 *c, const unsigned char *p)
{
	uint32_t w[64], a, b, d, e, f, g, h, cc;

	for (size_t i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (size_t i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (size_t i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		              ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		              ((a & b) ^ (a & cc) ^ (b & cc));

		h = g, g = f, f = e, e = d + t1;
		d = cc, cc = b, b = a, a = t1 + t2;
	}
	c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
	c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

static void sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, iv, sizeof(iv));
	c->fill = 0;
	c->total = 0;
}

static void sha256_update(struct sha256 *c, const unsigned char *p, size_t n)
{
	c->total += n;
	while (n > 0) {
		size_t take = 64 - c->fill < n ? 64 - c->fill : n;

		memcpy(c->block + c->fill, p, take);
		c->fill += take, p += take, n -= take;
		if (c->fill == 64) {
			sha256_block(c, c->block);
			c->fill = 0;
		}
	}
}

static void sha256_final(struct sha256 *c, unsigned char out[32])
{
	uint64_t bits = c->total * 8;
	unsigned char pad = 0x80;

	sha256_update(c, &pad, 1);
	pad = 0;
	while (c->fill != 56)
		sha256_update(c, &pad, 1);
	for (int i = 7; i >= 0; i--) {
		unsigned char b = (unsigned char)(bits >> (8 * i));

		sha256_update(c, &b, 1);
	}
	for (size_t i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

static void sha256(const unsigned char *p, size_t n, unsigned char out[32])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, out);
}

/* ---------------------------------------------------------------------- */
/* Keccak-256 (the original Keccak submission, padding 0x01, as Ethereum
 * uses it; SHA3-256 pads with 0x06 and gives other digests). */

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
	0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
	0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
	0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
	0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};
/* Rotation offsets and lane order of the combined rho and pi steps,
 * walking the lanes from (1,0); none is 0, so the shifts stay defined. */
static const unsigned char keccak_rot[24] = {
	1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};
static const unsigned char keccak_lane[24] = {
	10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};

static uint64_t rol64(uint64_t x, unsigned n) { return (x << n) | (x >> (64 - n)); }

static void keccak_f1600(uint64_t st[25])
{
	uint64_t bc[5], t;

	for (size_t round = 0; round < 24; round++) {
		for (size_t i = 0; i < 5; i++)
			bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
		for (size_t i = 0; i < 5; i++) {
			t = bc[(i + 4) % 5] ^ rol64(bc[(i + 1) % 5], 1);
			for (size_t j = 0; j < 25; j += 5)
				st[j + i] ^= t;
		}
		t = st[1];
		for (size_t i = 0; i < 24; i++) {
			uint64_t next = st[keccak_lane[i]];

			st[keccak_lane[i]] = rol64(t, keccak_rot[i]);
			t = next;
		}
		for (size_t j = 0; j < 25; j += 5) {
			for (size_t i = 0; i < 5; i++)
				bc[i] = st[j + i];
			for (size_t i = 0; i < 5; i++)
				st[j + i] ^= ~bc[(i + 1) % 5] & bc[(i + 2) % 5];
		}
		st[0] ^= keccak_rc[round];
	}
}

static void keccak256(const unsigned char *p, size_t n, unsigned char out[32])
{
	enum { RATE = 136 };
	uint64_t st[25] = { 0 };
	unsigned char block[RATE];

	for (;;) {
		size_t take = n < RATE ? n : RATE;

		memset(block, 0, sizeof(block));
		memcpy(block, p, take);
		if (take < RATE) {
			block[take] ^= 0x01;
			block[RATE - 1] ^= 0x80;
		}
		for (size_t i = 0; i < RATE / 8; i++)
			for (size_t b = 0; b < 8; b++)
				st[i] ^= (uint64_t)block[8 * i + b] << (8 * b);
		keccak_f1600(st);
		if (take < RATE)
			break;
		p += take, n -= take;
	}
	for (size_t i = 0; i < 32; i++)
		out[i] = (unsigned char)(st[i / 8] >> (8 * (i % 8)));
}

/* ---------------------------------------------------------------------- */
/* Luhn and payment cards. */

static bool v_luhn(const char *v, size_t len)
{
	unsigned char d[MAX_LEN];
	size_t n;

	if (!len_ok(v, len, MAX_LEN) || !strip_digits(v, len, " -", d, sizeof(d), &n))
		return false;
	return n >= 2 && luhn_digits(d, n);
}

/* Card networks by IIN range and permitted lengths (bit N set: N digits
 * allowed).  First match wins, so the specific ranges come first.
 * Discover also routes 622126-622925, but those cards are UnionPay's (the
 * 62 range, same lengths), so they are reported as such. */
#define LEN_BITS(lo, hi) ((((uint32_t)1 << ((hi) + 1)) - 1) & ~(((uint32_t)1 << (lo)) - 1))
#define LEN_BIT(n) ((uint32_t)1 << (n))

static const struct card_range {
	const char *brand;
	unsigned char prefix_len;
	uint32_t lo, hi;
	uint32_t lengths;
} card_ranges[] = {
	{ "amex", 2, 34, 34, LEN_BIT(15) },
	{ "amex", 2, 37, 37, LEN_BIT(15) },
	{ "visa", 1, 4, 4, LEN_BIT(13) | LEN_BIT(16) | LEN_BIT(19) },
	{ "mastercard", 2, 51, 55, LEN_BIT(16) },
	{ "mastercard", 4, 2221, 2720, LEN_BIT(16) },
	{ "discover", 4, 6011, 6011, LEN_BITS(16, 19) },
	{ "discover", 3, 644, 649, LEN_BITS(16, 19) },
	{ "discover", 2, 65, 65, LEN_BITS(16, 19) },
	{ "jcb", 4, 3528, 3589, LEN_BITS(16, 19) },
	{ "diners", 3, 300, 305, LEN_BITS(14, 19) },
	{ "diners", 2, 36, 36, LEN_BITS(14, 19) },
	{ "diners", 2, 38, 39, LEN_BITS(14, 19) },
	{ "unionpay", 2, 62, 62, LEN_BITS(16, 19) },
	{ "maestro", 4, 5018, 5018, LEN_BITS(12, 19) },
	{ "maestro", 4, 5020, 5020, LEN_BITS(12, 19) },
	{ "maestro", 4, 5038, 5038, LEN_BITS(12, 19) },
	{ "maestro", 4, 5893, 5893, LEN_BITS(12, 19) },
	{ "maestro", 4, 6304, 6304, LEN_BITS(12, 19) },
	{ "maestro", 4, 6759, 6759, LEN_BITS(12, 19) },
	{ "maestro", 4, 6761, 6763, LEN_BITS(12, 19) },
};

static const char *card_brand_digits(const unsigned char *d, size_t n)
{
	if (n < 12 || n > 19)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(card_ranges); i++) {
		const struct card_range *r = &card_ranges[i];
		unsigned prefix = num(d, r->prefix_len);

		if (prefix >= r->lo && prefix <= r->hi && (r->lengths & LEN_BIT(n)))
			return r->brand;
	}
	return NULL;
}

const char *rule_card_brand(const char *value, size_t len)
{
	const unsigned char *s = (const unsigned char *)value;
	unsigned char d[19];
	size_t n = 0;

	if (!len_ok(value, len, MAX_LEN))
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (is_digit(s[i])) {
			if (n == sizeof(d))
				return NULL;
			d[n++] = s[i];
		} else if (s[i] != ' ' && s[i] != '-') {
			return NULL;
		}
	}
	return card_brand_digits(d, n);
}

/*
 * Cards are printed run together or in groups: 4-4-4-4(-3), the last group
 * shorter for 13/14/15-digit numbers, or 4-6-5 / 4-6-4 for Amex and Diners.
 * One separator, space or dash, used throughout.
 */
static bool v_card(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned char d[19];
	size_t n = 0, groups[8], ng = 0, run = 0;
	unsigned char sep = 0;

	if (!len_ok(v, len, 19 + 7))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (is_digit(s[i])) {
			if (n == sizeof(d))
				return false;
			d[n++] = s[i];
			run++;
		} else if (s[i] == ' ' || s[i] == '-') {
			if (run == 0 || (sep && s[i] != sep) || ng == ARRAY_SIZE(groups) - 1)
				return false;
			sep = s[i];
			groups[ng++] = run;
			run = 0;
		} else {
			return false;
		}
	}
	if (run == 0)
		return false;
	groups[ng++] = run;
	if (ng > 1) {
		bool fours = true;

		for (size_t g = 0; g + 1 < ng; g++)
			fours = fours && groups[g] == 4;
		fours = fours && groups[ng - 1] <= 4;
		bool amex_like = ng == 3 && groups[0] == 4 && groups[1] == 6 &&
		                 (groups[2] == 5 || groups[2] == 4);
		if (!fours && !amex_like)
			return false;
	}
	return card_brand_digits(d, n) != NULL && luhn_digits(d, n);
}

/* ---------------------------------------------------------------------- */
/* Banking: IBAN and BIC. */

/* SWIFT IBAN registry: country and total IBAN length, every country of the
 * registry as of 2025 (89 countries); territories that use another country's
 * IBAN (GF, PF, IM, AX...) write that country's code. */
static const struct iban_country {
	char cc[3];
	unsigned char len;
} iban_countries[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 }, { "BA", 20 },
	{ "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BI", 27 }, { "BR", 29 }, { "BY", 28 },
	{ "CH", 21 }, { "CR", 22 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DJ", 27 },
	{ "DK", 18 }, { "DO", 28 }, { "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 },
	{ "FK", 18 }, { "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 }, { "GI", 23 },
	{ "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HN", 28 }, { "HR", 21 }, { "HU", 28 },
	{ "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 }, { "IT", 27 }, { "JO", 30 },
	{ "KW", 30 }, { "KZ", 20 }, { "LB", 28 }, { "LC", 32 }, { "LI", 21 }, { "LT", 20 },
	{ "LU", 20 }, { "LV", 21 }, { "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 },
	{ "MK", 19 }, { "MN", 20 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 },
	{ "NL", 18 }, { "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 }, { "PS", 29 },
	{ "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "RS", 22 }, { "RU", 33 }, { "SA", 24 },
	{ "SC", 31 }, { "SD", 18 }, { "SE", 24 }, { "SI", 19 }, { "SK", 24 }, { "SM", 27 },
	{ "SO", 23 }, { "ST", 25 }, { "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 },
	{ "UA", 29 }, { "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 },
};

_Static_assert(ARRAY_SIZE(iban_countries) == 89, "one row per registry country");

static unsigned iban_length(const unsigned char *cc)
{
	for (size_t i = 0; i < ARRAY_SIZE(iban_countries); i++)
		if (iban_countries[i].cc[0] == cc[0] && iban_countries[i].cc[1] == cc[1])
			return iban_countries[i].len;
	return 0;
}

/* ISO 7064 MOD 97-10 over the IBAN moved round (BBAN, country, check),
 * letters as 10..35, computed piecewise so nothing overflows. */
static unsigned iban_mod97(const unsigned char *s, size_t n)
{
	unsigned r = 0;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = s[(k + 4) % n];

		if (is_digit(c))
			r = (r * 10 + (unsigned)(c - '0')) % 97;
		else
			r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return r;
}

/* Upper-case IBAN, electronic form or the print form with single spaces
 * between groups. */
static bool v_iban(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned char b[34];
	size_t n = 0;

	if (!len_ok(v, len, MAX_LEN))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ') {
			if (i == 0 || i + 1 == len || s[i + 1] == ' ')
				return false;
		} else if (is_upper_alnum(s[i])) {
			if (n == sizeof(b))
				return false;
			b[n++] = s[i];
		} else {
			return false;
		}
	}
	if (n < 15 || !is_upper(b[0]) || !is_upper(b[1]) || !is_digit(b[2]) || !is_digit(b[3]))
		return false;
	if (iban_length(b) != n)
		return false;
	return iban_mod97(b, n) == 1;
}

/* ISO 3166-1 alpha-2, all 249 officially assigned codes, plus XK (Kosovo,
 * user-assigned, but SWIFT issues BICs with it). */
static const char iso3166[] =
	"ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ"
	"CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFR"
	"GAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJO"
	"JPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMR"
	"MSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERO"
	"RSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTV"
	"TWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZWXK";

_Static_assert(sizeof(iso3166) == 2 * 250 + 1, "249 ISO codes and XK");

static bool iso3166_known(unsigned char a, unsigned char b)
{
	for (size_t i = 0; i + 1 < sizeof(iso3166); i += 2)
		if ((unsigned char)iso3166[i] == a && (unsigned char)iso3166[i + 1] == b)
			return true;
	return false;
}

/* ISO 9362: bank (4 letters), country, location (2), optional branch (3). */
static bool v_swift_bic(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;

	if (!len_ok(v, len, MAX_LEN) || (len != 8 && len != 11))
		return false;
	for (size_t i = 0; i < 4; i++)
		if (!is_upper(s[i]))
			return false;
	if (!iso3166_known(s[4], s[5]))
		return false;
	for (size_t i = 6; i < len; i++)
		if (!is_upper_alnum(s[i]))
			return false;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Network addresses. */

/* One decimal octet at S[*pos]: 0..255, no leading zeros ("01" is octal to
 * some parsers and not a plain address). */
static bool ipv4_octet(const unsigned char *s, size_t len, size_t *pos, unsigned *val)
{
	size_t i = *pos, start = i;
	unsigned x = 0;

	while (i < len && is_digit(s[i]) && i - start < 3)
		x = x * 10 + (unsigned)(s[i++] - '0');
	if (i == start || (i < len && is_digit(s[i])))
		return false;
	if (i - start > 1 && s[start] == '0')
		return false;
	if (x > 255)
		return false;
	*pos = i;
	*val = x;
	return true;
}

/* A whole dotted quad; the sum of the octets says whether it is 0.0.0.0
 * (0) or 255.255.255.255 (1020). */
static bool ipv4_parse(const unsigned char *s, size_t len, unsigned *sum)
{
	size_t pos = 0;
	unsigned total = 0, x;

	for (size_t k = 0; k < 4; k++) {
		if (k > 0 && (pos >= len || s[pos++] != '.'))
			return false;
		if (!ipv4_octet(s, len, &pos, &x))
			return false;
		total += x;
	}
	*sum = total;
	return pos == len;
}

static bool v_ipv4(const char *v, size_t len)
{
	unsigned sum;

	if (!len_ok(v, len, 15) || !ipv4_parse((const unsigned char *)v, len, &sum))
		return false;
	return sum != 0 && sum != 4 * 255;
}

/*
 * RFC 4291 text forms: eight groups of 1-4 hex digits, at most one "::"
 * standing for one or more zero groups, optionally a dotted IPv4 tail for the
 * last two groups.  Compressed forms with a single explicit group ("1::",
 * "::a") are rejected as more often something else (C++ scopes, ratios),
 * except the loopback "::1"; "::" alone is rejected for the same reason.
 */
static bool v_ipv6(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t i = 0, groups = 0;
	bool compressed = false;

	if (!len_ok(v, len, 45) || len < 3)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		compressed = true;
		i = 2;
	}
	while (i < len) {
		size_t j = i;
		unsigned sum;

		while (j < len && rule_hex_value(s[j]) >= 0)
			j++;
		if (j < len && s[j] == '.') {
			/* The IPv4 tail ends the address and fills two groups. */
			if (!ipv4_parse(s + i, len - i, &sum))
				return false;
			groups += 2;
			i = len;
			break;
		}
		if (j == i || j - i > 4)
			return false;
		groups++;
		i = j;
		if (i == len)
			break;
		if (s[i] != ':' || i + 1 == len)
			return false;
		i++;
		if (s[i] == ':') {
			if (compressed)
				return false;
			compressed = true;
			i++;
		}
	}
	if (groups > 8 || (compressed ? groups > 7 : groups != 8))
		return false;
	if (compressed && groups < 2)
		return len == 3 && s[0] == ':' && s[1] == ':' && s[2] == '1';
	return true;
}

/* EUI-48 as six pairs joined by ':' or '-' (one of them throughout), or
 * Cisco's three dotted quads of hex; the all-zero and broadcast addresses
 * are placeholders, not hardware. */
static bool v_mac(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned char nib[12];
	size_t k = 0;
	bool zero = true, ones = true;

	if (!len_ok(v, len, 17))
		return false;
	if (len == 17) {
		unsigned char sep = s[2];

		if (sep != ':' && sep != '-')
			return false;
		for (size_t i = 0; i < 17; i++) {
			if (i % 3 == 2) {
				if (s[i] != sep)
					return false;
			} else if (rule_hex_value(s[i]) < 0) {
				return false;
			} else {
				nib[k++] = (unsigned char)rule_hex_value(s[i]);
			}
		}
	} else if (len == 14) {
		for (size_t i = 0; i < 14; i++) {
			if (i == 4 || i == 9) {
				if (s[i] != '.')
					return false;
			} else if (rule_hex_value(s[i]) < 0) {
				return false;
			} else {
				nib[k++] = (unsigned char)rule_hex_value(s[i]);
			}
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < 12; i++) {
		zero = zero && nib[i] == 0;
		ones = ones && nib[i] == 15;
	}
	return !zero && !ones;
}

/* ---------------------------------------------------------------------- */
/* United States. */

static const unsigned char groups_3_2_4[] = { 3, 2, 4 };

/* SSA: area 001-899 except 666, group 01-99, serial 0001-9999; the values
 * the SSA voided or that were printed in ads are for allow lists. */
static bool v_us_ssn(const char *v, size_t len)
{
	unsigned char d[9];
	unsigned area, group, serial;

	if (!len_ok(v, len, 11) || !grouped_digits(v, len, " -", true, groups_3_2_4, 3, d))
		return false;
	area = num(d, 3), group = num(d + 3, 2), serial = num(d + 5, 4);
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

/* IRS: 9XX-GG-XXXX with the group in 50-65, 70-88, 90-92 or 94-99. */
static bool v_us_itin(const char *v, size_t len)
{
	unsigned char d[9];
	unsigned g;

	if (!len_ok(v, len, 11) || !grouped_digits(v, len, " -", true, groups_3_2_4, 3, d))
		return false;
	g = num(d + 3, 2);
	return d[0] == '9' && ((g >= 50 && g <= 65) || (g >= 70 && g <= 88) ||
	                       (g >= 90 && g <= 92) || g >= 94);
}

/* CMS NPI: ten digits starting 1 or 2 whose Luhn digit is computed with the
 * card-issuer prefix 80840 in front. */
static bool v_us_npi(const char *v, size_t len)
{
	unsigned char d[15] = { '8', '0', '8', '4', '0' };

	if (!len_ok(v, len, 10) || len != 10)
		return false;
	for (size_t i = 0; i < 10; i++) {
		if (!is_digit((unsigned char)v[i]))
			return false;
		d[5 + i] = (unsigned char)v[i];
	}
	return (d[5] == '1' || d[5] == '2') && luhn_digits(d, 15);
}

/* DEA registration: registrant type, initial (or 9), six digits and a
 * check digit: (d1 + d3 + d5 + 2 * (d2 + d4 + d6)) mod 10. */
static bool v_us_dea(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned sum;

	if (!len_ok(v, len, 9) || len != 9)
		return false;
	if (!in_set(s[0], "ABCDEFGHJKLMPRSTUX") || !(is_upper(s[1]) || s[1] == '9'))
		return false;
	for (size_t i = 2; i < 9; i++)
		if (!is_digit(s[i]))
			return false;
	sum = (unsigned)(s[2] - '0') + (unsigned)(s[4] - '0') + (unsigned)(s[6] - '0') +
	      2 * ((unsigned)(s[3] - '0') + (unsigned)(s[5] - '0') + (unsigned)(s[7] - '0'));
	return sum % 10 == (unsigned)(s[8] - '0');
}

/* ---------------------------------------------------------------------- */
/* Italy. */

/* Odd-position values of the codice fiscale check (DM 23/12/1976), for
 * A..Z; digits 0..9 take the values of A..J. */
static const unsigned char cf_odd[26] = {
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
};

/*
 * Codice fiscale: surname (3), name (3), year (2), month letter, day (2,
 * +40 for women), municipality (letter + 3), check letter.  Omocodia
 * replaces digits with LMNPQRSTUV, from the rightmost digit leftwards, so a
 * substituted position never has a plain digit to its right.
 */
static bool v_it_fiscal_code(const char *v, size_t len)
{
	static const unsigned char digit_pos[7] = { 6, 7, 9, 10, 12, 13, 14 };
	static const char omocodia[] = "LMNPQRSTUV";
	unsigned char c[16], dv[7];
	unsigned sum = 0, day, month = 0;
	bool seen_digit = false;

	if (!len_ok(v, len, 16) || len != 16)
		return false;
	for (size_t i = 0; i < 16; i++) {
		c[i] = to_upper((unsigned char)v[i]);
		if (!is_upper_alnum(c[i]))
			return false;
	}
	for (size_t i = 0; i < 6; i++)
		if (!is_upper(c[i]))
			return false;
	if (!is_upper(c[8]) || !is_upper(c[11]) || !is_upper(c[15]))
		return false;
	/* Walk the digit positions from the right: letters first, then digits. */
	for (size_t k = 7; k-- > 0;) {
		unsigned char x = c[digit_pos[k]];
		const char *p;

		if (is_digit(x)) {
			dv[k] = (unsigned char)(x - '0');
			seen_digit = true;
		} else if (!seen_digit && (p = memchr(omocodia, x, 10)) != NULL) {
			dv[k] = (unsigned char)(p - omocodia);
		} else {
			return false;
		}
	}
	for (const char *p = "ABCDEHLMPRST"; *p; p++)
		if ((unsigned char)*p == c[8])
			month = (unsigned)(p - "ABCDEHLMPRST") + 1;
	if (month == 0)
		return false;
	day = dv[2] * 10u + dv[3];
	if (day > 40)
		day -= 40;
	if (!date_ok_yy(dv[0] * 10u + dv[1], month, day))
		return false;
	for (size_t i = 0; i < 15; i++) {
		unsigned x = is_digit(c[i]) ? (unsigned)(c[i] - '0') : (unsigned)(c[i] - 'A');

		sum += i % 2 == 0 ? cf_odd[x] : x;
	}
	return c[15] == 'A' + sum % 26;
}

/* Partita IVA: optional "IT", 7-digit company number (not zero), 3-digit
 * provincial office (001-100, 120, 121, 888, 999), Luhn check digit. */
static bool v_it_vat(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned office;

	if (!len_ok(v, len, 13))
		return false;
	if (len == 13 && s[0] == 'I' && s[1] == 'T')
		s += 2, len -= 2;
	if (len != 11)
		return false;
	for (size_t i = 0; i < 11; i++)
		if (!is_digit(s[i]))
			return false;
	if (num(s, 7) == 0)
		return false;
	office = num(s + 7, 3);
	if (!((office >= 1 && office <= 100) || office == 120 || office == 121 ||
	      office == 888 || office == 999))
		return false;
	return luhn_digits(s, 11);
}

/* ---------------------------------------------------------------------- */
/* Spain (Orden INT/2058/2008 and Real Decreto 1065/2007). */

static const char dni_letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";

/* N digits then an optional '-' or ' ' then the mod-23 letter of
 * PREFIX * 10^N + digits, any case. */
static bool dni_like(const unsigned char *s, size_t len, size_t ndigits, unsigned prefix)
{
	unsigned x = prefix;

	if (len != ndigits + 1 && len != ndigits + 2)
		return false;
	for (size_t i = 0; i < ndigits; i++) {
		if (!is_digit(s[i]))
			return false;
		x = x * 10 + (unsigned)(s[i] - '0');
	}
	if (len == ndigits + 2 && s[ndigits] != '-' && s[ndigits] != ' ')
		return false;
	return to_upper(s[len - 1]) == (unsigned char)dni_letters[x % 23];
}

static bool v_es_dni(const char *v, size_t len)
{
	return len_ok(v, len, 10) && dni_like((const unsigned char *)v, len, 8, 0);
}

/* NIE: X, Y or Z (standing for 0, 1, 2), an optional dash, then as a DNI. */
static bool v_es_nie(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned char c;

	if (!len_ok(v, len, 11) || len < 9)
		return false;
	c = to_upper(s[0]);
	if (c != 'X' && c != 'Y' && c != 'Z')
		return false;
	s++, len--;
	if (s[0] == '-')
		s++, len--;
	return dni_like(s, len, 7, (unsigned)(c - 'X'));
}

/*
 * CIF (companies): organisation letter, 7 digits, control.  The control is
 * computed Luhn-like over the 7 digits and written as a digit or as the
 * letter "JABCDEFGHI"[c]; some organisation types must use the letter, some
 * the digit.  K, L and M are NIFs of people without DNI, checked as a DNI.
 */
static bool v_es_cif(const unsigned char *s, size_t len)
{
	unsigned char t = to_upper(s[0]), last;
	unsigned sum = 0, c;

	if (len == 10 && s[1] == '-')
		s++, len--;
	if (len != 9)
		return false;
	for (size_t i = 1; i < 8; i++)
		if (!is_digit(s[i]))
			return false;
	if (t == 'K' || t == 'L' || t == 'M')
		return dni_like(s + 1, 8, 7, 0);
	if (!in_set(t, "ABCDEFGHJNPQRSUVW"))
		return false;
	for (size_t i = 1; i < 8; i++) {
		unsigned x = (unsigned)(s[i] - '0');

		if (i % 2 == 1) {
			x *= 2;
			x = x / 10 + x % 10;
		}
		sum += x;
	}
	c = (10 - sum % 10) % 10;
	last = to_upper(s[8]);
	if (in_set(t, "NPQRSW"))
		return last == (unsigned char)"JABCDEFGHI"[c];
	if (in_set(t, "ABEH"))
		return last == '0' + c;
	return last == '0' + c || last == (unsigned char)"JABCDEFGHI"[c];
}

static bool v_es_nif(const char *v, size_t len)
{
	if (!len_ok(v, len, 11))
		return false;
	if (is_digit((unsigned char)v[0]))
		return v_es_dni(v, len);
	if (in_set(to_upper((unsigned char)v[0]), "XYZ"))
		return v_es_nie(v, len);
	return v_es_cif((const unsigned char *)v, len);
}

/* ---------------------------------------------------------------------- */
/* France. */

/*
 * NIR (numéro de sécurité sociale): sex, year, month, department (2A/2B
 * for Corsica), commune, order, key = 97 - (number mod 97), Corsica counted
 * as 19 (2A) and 18 (2B).  Spaces between the groups are common.
 */
static bool v_fr_nir(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned char c[15];
	size_t n = 0;
	uint64_t x = 0;
	unsigned month;

	if (!len_ok(v, len, 21))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ') {
			if (i == 0 || i + 1 == len || s[i + 1] == ' ')
				return false;
		} else {
			if (n == sizeof(c))
				return false;
			c[n++] = s[i];
		}
	}
	if (n != 15)
		return false;
	for (size_t i = 0; i < 15; i++)
		if (!is_digit(c[i]) && !(i == 6 && c[5] == '2' && (c[6] == 'A' || c[6] == 'B')))
			return false;
	if (!in_set(c[0], "123478"))
		return false;
	month = num(c + 3, 2);
	if (month == 0 || (month > 12 && month < 20))
		return false;
	for (size_t i = 0; i < 13; i++) {
		unsigned d = is_digit(c[i]) ? (unsigned)(c[i] - '0') : 0;

		if (i == 5 && c[6] == 'A')
			d = 1; /* "2A" -> 19 */
		else if (i == 6 && c[6] == 'A')
			d = 9;
		else if (i == 5 && c[6] == 'B')
			d = 1; /* "2B" -> 18 */
		else if (i == 6 && c[6] == 'B')
			d = 8;
		x = x * 10 + d;
	}
	return 97 - x % 97 == num(c + 13, 2);
}

/* ---------------------------------------------------------------------- */
/* Germany. */

/*
 * Steuerliche Identifikationsnummer (BZSt): 11 digits, no leading 0; in the
 * first ten exactly one digit occurs twice or three times (and a triple is
 * not three in a row), every other at most once; the last is the ISO 7064
 * MOD 11,10 check digit.  Written run together or 2-3-3-3.
 */
static bool v_de_steuer_id(const char *v, size_t len)
{
	static const unsigned char groups[] = { 2, 3, 3, 3 };
	unsigned char d[11];
	unsigned count[10] = { 0 }, multi = 0, product = 10, check;

	if (!len_ok(v, len, 14) || !grouped_digits(v, len, " ", true, groups, 4, d))
		return false;
	if (d[0] == '0')
		return false;
	for (size_t i = 0; i < 10; i++)
		count[d[i] - '0']++;
	for (size_t k = 0; k < 10; k++) {
		if (count[k] > 3)
			return false;
		if (count[k] > 1)
			multi++;
	}
	if (multi != 1)
		return false;
	for (size_t i = 0; i + 2 < 10; i++)
		if (d[i] == d[i + 1] && d[i] == d[i + 2])
			return false;
	for (size_t i = 0; i < 10; i++) {
		unsigned sum = ((unsigned)(d[i] - '0') + product) % 10;

		if (sum == 0)
			sum = 10;
		product = sum * 2 % 11;
	}
	check = 11 - product;
	if (check == 10)
		check = 0;
	return check == (unsigned)(d[10] - '0');
}

/* ---------------------------------------------------------------------- */
/* United Kingdom. */

/* National Insurance number (HMRC NIM39110): two prefix letters with the
 * excluded letters and pairs, six digits, suffix A-D; "AB 12 34 56 C". */
static bool v_uk_nino(const char *v, size_t len)
{
	static const char *const bad_pairs[] = { "BG", "GB", "KN", "NK", "NT", "TN", "ZZ" };
	const unsigned char *s = (const unsigned char *)v;
	unsigned char c[9];
	size_t n = 0;

	if (!len_ok(v, len, 13))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ') {
			if (i == 0 || i + 1 == len || s[i + 1] == ' ')
				return false;
		} else {
			if (n == sizeof(c))
				return false;
			c[n++] = s[i];
		}
	}
	if (n != 9 || !is_upper(c[0]) || !is_upper(c[1]) || !in_set(c[8], "ABCD"))
		return false;
	for (size_t i = 2; i < 8; i++)
		if (!is_digit(c[i]))
			return false;
	if (in_set(c[0], "DFIQUV") || in_set(c[1], "DFIOQUV"))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(bad_pairs); i++)
		if (c[0] == (unsigned char)bad_pairs[i][0] && c[1] == (unsigned char)bad_pairs[i][1])
			return false;
	return true;
}

/* NHS number: 10 digits (3-3-4), weights 10..2, check 11 - sum mod 11,
 * 11 written as 0, 10 never issued. */
static bool v_uk_nhs(const char *v, size_t len)
{
	static const unsigned char groups[] = { 3, 3, 4 };
	unsigned char d[10];
	unsigned sum = 0, check;

	if (!len_ok(v, len, 12) || !grouped_digits(v, len, " -", true, groups, 3, d))
		return false;
	for (size_t i = 0; i < 9; i++)
		sum += (unsigned)(d[i] - '0') * (unsigned)(10 - i);
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	/* All zeros passes the arithmetic but is no number. */
	return check != 10 && check == (unsigned)(d[9] - '0') && !all_same(d, 10);
}

/* ---------------------------------------------------------------------- */
/* Benelux, Poland, Portugal. */

/* Burgerservicenummer: the "elfproef", weights 9..2 and -1, sum divisible
 * by 11; all zeros passes the arithmetic but is no number. */
static bool v_nl_bsn(const char *v, size_t len)
{
	unsigned sum = 0;
	unsigned char d[9];
	size_t n = 0;

	/* Printed as 123456782, 1234.56.782 or 1234 56 782 (dots or spaces,
	 * used consistently); 8-digit numbers carry a leading zero. */
	if (!len_ok(v, len, 11))
		return false;
	char sep = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (is_digit(c)) {
			if (n == 9)
				return false;
			d[n++] = c;
		} else if ((c == '.' || c == ' ') && (sep == 0 || sep == (char)c) && (n == 4 || n == 6)) {
			sep = (char)c;
		} else {
			return false;
		}
	}
	if (n == 8) {
		memmove(d + 1, d, 8);
		d[0] = '0';
		n = 9;
	}
	if (n != 9 || (sep && len != 11))
		return false;
	for (size_t i = 0; i < 8; i++)
		sum += (unsigned)(d[i] - '0') * (unsigned)(9 - i);
	/* The last digit counts -1: add 10 times it instead (mod 11). */
	sum += (unsigned)(d[8] - '0') * 10;
	return sum % 11 == 0 && !all_same(d, 9);
}

/* PESEL: birth date with the century in the month (+80 1800s, +0 1900s,
 * +20 2000s, +40 2100s, +60 2200s), weights 1,3,7,9,... mod 10. */
static bool v_pl_pesel(const char *v, size_t len)
{
	static const unsigned char w[10] = { 1, 3, 7, 9, 1, 3, 7, 9, 1, 3 };
	const unsigned char *s = (const unsigned char *)v;
	unsigned sum = 0, y, m, d, century;

	if (!len_ok(v, len, 11) || len != 11)
		return false;
	for (size_t i = 0; i < 11; i++)
		if (!is_digit(s[i]))
			return false;
	y = num(s, 2), m = num(s + 2, 2), d = num(s + 4, 2);
	switch (m / 20) {
	case 0: century = 1900; break;
	case 1: century = 2000; break;
	case 2: century = 2100; break;
	case 3: century = 2200; break;
	default: century = 1800; break;
	}
	m %= 20;
	if (!date_ok(century + y, m, d))
		return false;
	for (size_t i = 0; i < 10; i++)
		sum += (unsigned)(s[i] - '0') * w[i];
	return (10 - sum % 10) % 10 == (unsigned)(s[10] - '0');
}

/* Número de Identificação Fiscal: the first digit (or two) says what kind
 * of taxpayer; weights 9..2, check 11 - sum mod 11, 10 and 11 written 0. */
static bool v_pt_nif(const char *v, size_t len)
{
	static const unsigned char groups[] = { 3, 3, 3 };
	unsigned char d[9];
	unsigned sum = 0, check;

	if (!len_ok(v, len, 11) || !grouped_digits(v, len, " ", true, groups, 3, d))
		return false;
	if (!in_set(d[0], "1235689")) {
		unsigned two = num(d, 2);

		if (two != 45 && two != 70 && two != 71 && two != 72 && two != 74 &&
		    two != 75 && two != 77 && two != 79)
			return false;
	}
	for (size_t i = 0; i < 8; i++)
		sum += (unsigned)(d[i] - '0') * (unsigned)(9 - i);
	check = 11 - sum % 11;
	if (check >= 10)
		check = 0;
	return check == (unsigned)(d[8] - '0');
}

/*
 * Belgian national register number: YYMMDD, serial (3), check (2) =
 * 97 - (first nine mod 97), or for births from 2000 97 - (2 followed by the
 * nine digits, mod 97).  Month may be 0 (date unknown) or +20/+40 (bis
 * numbers).  Written YY.MM.DD-XXX.CC, YYMMDD-XXX-CC, spaces, or run
 * together: separators only between the groups.
 */
static bool v_be_nrn(const char *v, size_t len)
{
	static const unsigned char g5[] = { 2, 2, 2, 3, 2 };
	static const unsigned char g3[] = { 6, 3, 2 };
	unsigned char d[11];
	uint64_t base;
	unsigned check, m, day;

	if (!len_ok(v, len, 15))
		return false;
	if (!grouped_digits(v, len, ".- ", false, g5, 5, d) &&
	    !grouped_digits(v, len, ".- ", false, g3, 3, d))
		return false;
	m = num(d + 2, 2) % 20;
	day = num(d + 4, 2);
	if (num(d + 2, 2) > 52 || m > 12 || day > 31)
		return false;
	base = num(d, 9);
	check = num(d + 9, 2);
	if (97 - base % 97 == check)
		return true;
	/* The 2000s variant only for years that have been. */
	return 2000 + num(d, 2) <= DATE_MAX_YEAR && 97 - (2000000000ULL + base) % 97 == check;
}

/* ---------------------------------------------------------------------- */
/* Nordics. */

/*
 * Swedish personnummer: YYMMDD-NNNN ('+' after 100 years), YYMMDDNNNN,
 * YYYYMMDDNNNN or YYYYMMDD-NNNN; Luhn over the ten digits YYMMDDNNNN; a
 * samordningsnummer adds 60 to the day.
 */
static bool v_se_personnummer(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned char d[12];
	size_t n = 0;
	unsigned y = 0, m, day;

	if (!len_ok(v, len, 13) || len < 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (is_digit(s[i])) {
			if (n == sizeof(d))
				return false;
			d[n++] = s[i];
		} else if ((s[i] != '-' && s[i] != '+') || i + 5 != len) {
			return false;
		}
	}
	if (n != 10 && n != 12)
		return false;
	if (n == 12) {
		y = num(d, 4);
		if (y < 1800 || y > 2099)
			return false;
	}
	m = num(d + n - 8, 2);
	day = num(d + n - 6, 2);
	if (day > 60)
		day -= 60;
	if (n == 12 ? !date_ok(y, m, day) : !date_ok_yy(num(d, 2), m, day))
		return false;
	return luhn_digits(d + n - 10, 10);
}

/*
 * Finnish henkilötunnus: DDMMYY, century sign ('+' 1800s; '-' and Y X W V
 * U 1900s; A B C D E F 2000s), individual number 002-999, check character
 * of the nine digits mod 31.
 */
static bool v_fi_hetu(const char *v, size_t len)
{
	static const char table[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";
	const unsigned char *s = (const unsigned char *)v;
	unsigned char c;
	unsigned century, x, indiv;

	if (!len_ok(v, len, 11) || len != 11)
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 6 && !is_digit(s[i]))
			return false;
	c = s[6];
	if (c == '+')
		century = 1800;
	else if (in_set(c, "-YXWVU"))
		century = 1900;
	else if (in_set(c, "ABCDEF"))
		century = 2000;
	else
		return false;
	if (!date_ok(century + num(s + 4, 2), num(s + 2, 2), num(s, 2)))
		return false;
	indiv = num(s + 7, 3);
	if (indiv < 2)
		return false;
	x = num(s, 6) * 1000 + indiv;
	return s[10] == (unsigned char)table[x % 31];
}

/* ---------------------------------------------------------------------- */
/* Brazil. */

/* Two mod-11 check digits: weights descending from N+1 down to 2 over the
 * N digits before each check digit; remainder < 2 gives 0. */
static unsigned br_mod11(const unsigned char *d, size_t n, const unsigned char *w)
{
	unsigned sum = 0, r;

	for (size_t i = 0; i < n; i++)
		sum += (unsigned)(d[i] - '0') * w[i];
	r = sum % 11;
	return r < 2 ? 0 : 11 - r;
}

/* CPF: 000.000.000-00 or 11 digits; all-equal numbers pass the arithmetic
 * and are placeholders. */
static bool v_br_cpf(const char *v, size_t len)
{
	static const unsigned char w[10] = { 11, 10, 9, 8, 7, 6, 5, 4, 3, 2 };
	unsigned char d[11];

	if (!len_ok(v, len, 14))
		return false;
	if (picture(v, len, "###########", d) != 11 && picture(v, len, "###.###.###-##", d) != 11)
		return false;
	if (all_same(d, 11))
		return false;
	return br_mod11(d, 9, w + 1) == (unsigned)(d[9] - '0') &&
	       br_mod11(d, 10, w) == (unsigned)(d[10] - '0');
}

/* CNPJ: 00.000.000/0000-00 or 14 digits (the alphanumeric CNPJ of 2026 is
 * not handled yet). */
static bool v_br_cnpj(const char *v, size_t len)
{
	static const unsigned char w[13] = { 6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2 };
	unsigned char d[14];

	if (!len_ok(v, len, 18))
		return false;
	if (picture(v, len, "##############", d) != 14 &&
	    picture(v, len, "##.###.###/####-##", d) != 14)
		return false;
	if (all_same(d, 14))
		return false;
	return br_mod11(d, 12, w + 1) == (unsigned)(d[12] - '0') &&
	       br_mod11(d, 13, w) == (unsigned)(d[13] - '0');
}

/* ---------------------------------------------------------------------- */
/* India. */

static bool v_verhoeff(const char *v, size_t len)
{
	unsigned char d[MAX_LEN];
	size_t n;

	if (!len_ok(v, len, MAX_LEN) || !strip_digits(v, len, " -", d, sizeof(d), &n))
		return false;
	return n >= 2 && verhoeff_digits(d, n);
}

/* Aadhaar (UIDAI): 12 digits, 4-4-4, first digit 2-9, Verhoeff digit. */
static bool v_in_aadhaar(const char *v, size_t len)
{
	static const unsigned char groups[] = { 4, 4, 4 };
	unsigned char d[12];

	if (!len_ok(v, len, 14) || !grouped_digits(v, len, " -", true, groups, 3, d))
		return false;
	return d[0] >= '2' && verhoeff_digits(d, 12);
}

/* PAN: AAAAA9999A, the fourth letter the holder type (Person, Company,
 * HUF, Firm, AOP, Trust, BOI, Local authority, artificial Juridical person,
 * Government). */
static bool v_in_pan(const char *v, size_t len)
{
	unsigned char d[10];

	if (!len_ok(v, len, 10) || picture(v, len, "@@@@@####@", d) != 10)
		return false;
	return in_set(d[3], "PCHFATBLJG");
}

/* ---------------------------------------------------------------------- */
/* Canada, Australia. */

/* SIN: 9 digits (3-3-3), Luhn; 0 and 8 are not issued as first digits. */
static bool v_ca_sin(const char *v, size_t len)
{
	static const unsigned char groups[] = { 3, 3, 3 };
	unsigned char d[9];

	if (!len_ok(v, len, 11) || !grouped_digits(v, len, " -", true, groups, 3, d))
		return false;
	return d[0] != '0' && d[0] != '8' && luhn_digits(d, 9);
}

/* Tax File Number (ATO): weighted sum divisible by 11; 9 digits (3-3-3)
 * or the older 8-digit numbers. */
static bool v_au_tfn(const char *v, size_t len)
{
	static const unsigned char w9[9] = { 1, 4, 3, 7, 5, 8, 6, 9, 10 };
	static const unsigned char w8[8] = { 10, 7, 8, 4, 6, 3, 5, 1 };
	static const unsigned char g9[] = { 3, 3, 3 };
	static const unsigned char g8[] = { 3, 3, 2 };
	unsigned char d[9];
	const unsigned char *w;
	size_t n;
	unsigned sum = 0;

	if (!len_ok(v, len, 11))
		return false;
	if (grouped_digits(v, len, " -", true, g9, 3, d))
		n = 9, w = w9;
	else if (grouped_digits(v, len, " -", true, g8, 3, d))
		n = 8, w = w8;
	else
		return false;
	for (size_t i = 0; i < n; i++)
		sum += (unsigned)(d[i] - '0') * w[i];
	return sum % 11 == 0 && !all_same(d, n);
}

/* Medicare card number: 8 digits starting 2-6, check digit (weights
 * 1,3,7,9,1,3,7,9 mod 10), issue number, optional individual reference;
 * printed 4-5-1(-1). */
static bool v_au_medicare(const char *v, size_t len)
{
	static const unsigned char w[8] = { 1, 3, 7, 9, 1, 3, 7, 9 };
	static const unsigned char g10[] = { 4, 5, 1 };
	static const unsigned char g11[] = { 4, 5, 1, 1 };
	static const unsigned char g11b[] = { 4, 5, 2 };
	unsigned char d[11];
	unsigned sum = 0;

	if (!len_ok(v, len, 14))
		return false;
	if (!grouped_digits(v, len, " -", true, g10, 3, d) &&
	    !grouped_digits(v, len, " -", true, g11, 4, d) &&
	    !grouped_digits(v, len, " -", true, g11b, 3, d))
		return false;
	if (d[0] < '2' || d[0] > '6')
		return false;
	for (size_t i = 0; i < 8; i++)
		sum += (unsigned)(d[i] - '0') * w[i];
	return sum % 10 == (unsigned)(d[8] - '0');
}

/* ---------------------------------------------------------------------- */
/* Asia. */

/*
 * Singapore NRIC/FIN: prefix, 7 digits, check letter.  Weights
 * 2,7,6,5,4,3,2; T and G add 4, M adds 3; the remainder mod 11 indexes a
 * letter table per series (S/T, F/G, M).
 */
static bool v_sg_nric(const char *v, size_t len)
{
	static const unsigned char w[7] = { 2, 7, 6, 5, 4, 3, 2 };
	unsigned char d[9];
	unsigned sum = 0;
	const char *table;

	if (!len_ok(v, len, 9) || picture(v, len, "@#######@", d) != 9)
		return false;
	switch (d[0]) {
	case 'S': table = "JZIHGFEDCBA"; break;
	case 'T': table = "JZIHGFEDCBA"; sum = 4; break;
	case 'F': table = "XWUTRQPNMLK"; break;
	case 'G': table = "XWUTRQPNMLK"; sum = 4; break;
	case 'M': table = "XWUTRQPNJLK"; sum = 3; break;
	default: return false;
	}
	for (size_t i = 0; i < 7; i++)
		sum += (unsigned)(d[1 + i] - '0') * w[i];
	return d[8] == (unsigned char)table[sum % 11];
}

/*
 * Korean resident registration number: YYMMDD-SNNNNNC, S the sex and
 * century (1,2,5,6 1900s; 3,4,7,8 2000s), then the region, C = (11 - weighted sum mod 11)
 * mod 10.  Numbers issued since October 2020 have a random last digit; they
 * fail here (about 9 in 10), which is the price of having a check at all.
 */
static bool v_kr_rrn(const char *v, size_t len)
{
	static const unsigned char w[12] = { 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 };
	unsigned char d[13];
	unsigned sum = 0, century;

	if (!len_ok(v, len, 14))
		return false;
	if (picture(v, len, "#############", d) != 13 && picture(v, len, "######-#######", d) != 13)
		return false;
	if (d[6] < '1' || d[6] > '8')
		return false;
	/* Digits 8-9 are the registration region, 00-96. */
	if (num(d + 7, 2) > 96)
		return false;
	century = in_set(d[6], "1256") ? 1900 : 2000;
	if (!date_ok(century + num(d, 2), num(d + 2, 2), num(d + 4, 2)))
		return false;
	for (size_t i = 0; i < 12; i++)
		sum += (unsigned)(d[i] - '0') * w[i];
	return (11 - sum % 11) % 10 == (unsigned)(d[12] - '0');
}

/*
 * Chinese resident identity card (GB 11643-1999): region (6, the first two
 * a province), birth date YYYYMMDD, sequence (3), ISO 7064 MOD 11-2 check
 * with X for 10.
 */
static bool v_cn_resident_id(const char *v, size_t len)
{
	static const unsigned char provinces[] = {
		11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
		50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
	};
	/* Weight of position i is 2^(17-i) mod 11. */
	static const unsigned char w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	const unsigned char *s = (const unsigned char *)v;
	unsigned sum = 0, check, y, p;
	bool known = false;

	if (!len_ok(v, len, 18) || len != 18)
		return false;
	for (size_t i = 0; i < 17; i++)
		if (!is_digit(s[i]))
			return false;
	if (!is_digit(s[17]) && s[17] != 'X' && s[17] != 'x')
		return false;
	p = num(s, 2);
	for (size_t i = 0; i < sizeof(provinces); i++)
		known = known || provinces[i] == p;
	if (!known)
		return false;
	y = num(s + 6, 4);
	if (y < 1900 || y > 2099 || !date_ok(y, num(s + 10, 2), num(s + 12, 2)))
		return false;
	for (size_t i = 0; i < 17; i++)
		sum += (unsigned)(s[i] - '0') * w[i];
	check = (12 - sum % 11) % 11;
	return check == 10 ? (s[17] == 'X' || s[17] == 'x') : s[17] == '0' + check;
}

/* ---------------------------------------------------------------------- */
/* Cryptocurrency addresses. */

static int base58_value(unsigned char c)
{
	static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	const char *p = c ? memchr(alphabet, c, sizeof(alphabet) - 1) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/*
 * Legacy Bitcoin address: Base58 of version (0x00 P2PKH, 0x05 P2SH), a
 * 20-byte hash and the first 4 bytes of SHA-256(SHA-256(version||hash)).
 * The decode is done into exactly 25 bytes; a number that does not fit, or
 * leading '1's that do not match the leading zero bytes, is not an address.
 */
static bool v_btc_base58check(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned char b[25] = { 0 }, h[32];
	size_t zeros = 0;

	if (!len_ok(v, len, 35) || len < 26 || (s[0] != '1' && s[0] != '3'))
		return false;
	for (size_t i = 0; i < len; i++) {
		int x = base58_value(s[i]);
		unsigned carry;

		if (x < 0)
			return false;
		carry = (unsigned)x;
		for (size_t k = sizeof(b); k-- > 0;) {
			carry += 58u * b[k];
			b[k] = (unsigned char)carry;
			carry >>= 8;
		}
		if (carry)
			return false;
	}
	while (zeros < len && s[zeros] == '1')
		zeros++;
	/* Base58 writes each leading zero byte as one '1', and nothing else. */
	for (size_t k = 0; k < zeros; k++)
		if (k >= sizeof(b) || b[k] != 0)
			return false;
	if (zeros < sizeof(b) && b[zeros] == 0)
		return false;
	if (b[0] != 0x00 && b[0] != 0x05)
		return false;
	sha256(b, 21, h);
	sha256(h, 32, h);
	return memcmp(h, b + 21, 4) == 0;
}

static uint32_t bech32_polymod_step(uint32_t chk, unsigned value)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
	uint32_t top = chk >> 25;

	chk = (chk & 0x1ffffff) << 5 ^ value;
	for (size_t i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

/*
 * SegWit address (BIP-173, BIP-350): HRP "bc" or "tb", '1', data in the
 * bech32 alphabet, one case throughout.  Witness version 0 must use bech32
 * and a 20- or 32-byte program; versions 1-16 must use bech32m and 2-40
 * bytes.  The program is the 5-bit groups after the version regrouped to
 * bytes with at most 4 zero bits of padding.
 */
static bool v_btc_bech32(const char *v, size_t len)
{
	static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	const unsigned char *s = (const unsigned char *)v;
	unsigned char data[90];
	size_t nd = 0, prog_len = 0;
	uint32_t chk = 1;
	bool lower = false, upper = false;
	unsigned version, acc = 0, bits = 0;

	if (!len_ok(v, len, 90) || len < 14)
		return false;
	for (size_t i = 0; i < len; i++) {
		lower = lower || is_lower(s[i]);
		upper = upper || is_upper(s[i]);
	}
	if (lower && upper)
		return false;
	if (to_lower(s[2]) != '1' || !((to_lower(s[0]) == 'b' && to_lower(s[1]) == 'c') ||
	                               (to_lower(s[0]) == 't' && to_lower(s[1]) == 'b')))
		return false;
	for (size_t i = 3; i < len; i++) {
		unsigned char c = to_lower(s[i]);
		const char *p = c ? memchr(charset, c, 32) : NULL;

		if (!p)
			return false;
		data[nd++] = (unsigned char)(p - charset);
	}
	if (nd < 7)
		return false;
	/* Checksum over the expanded HRP (high bits, 0, low bits) and data. */
	for (size_t i = 0; i < 2; i++)
		chk = bech32_polymod_step(chk, to_lower(s[i]) >> 5);
	chk = bech32_polymod_step(chk, 0);
	for (size_t i = 0; i < 2; i++)
		chk = bech32_polymod_step(chk, to_lower(s[i]) & 31);
	for (size_t i = 0; i < nd; i++)
		chk = bech32_polymod_step(chk, data[i]);
	version = data[0];
	if (version > 16)
		return false;
	if (chk != (version == 0 ? 1u : 0x2bc830a3u))
		return false;
	for (size_t i = 1; i < nd - 6; i++) {
		acc = (acc << 5 | data[i]) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			prog_len++;
		}
	}
	if (bits > 4 || (acc & ((1u << bits) - 1)) != 0)
		return false;
	if (prog_len < 2 || prog_len > 40)
		return false;
	return version != 0 || prog_len == 20 || prog_len == 32;
}

/*
 * Ethereum address: "0x" and 40 hex digits.  All lower or all upper case
 * carries no checksum and is accepted; mixed case is EIP-55: a letter is
 * upper case exactly when the matching nibble of Keccak-256 of the lower-case
 * hex is 8 or more.  The zero address is a placeholder.
 */
static bool v_eth_address(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned char hex[40], h[32];
	bool lower = false, upper = false, zero = true;

	if (!len_ok(v, len, 42) || len != 42 || s[0] != '0' || s[1] != 'x')
		return false;
	for (size_t i = 0; i < 40; i++) {
		unsigned char c = s[2 + i];

		if (rule_hex_value(c) < 0)
			return false;
		lower = lower || is_lower(c);
		upper = upper || is_upper(c);
		zero = zero && c == '0';
		hex[i] = to_lower(c);
	}
	if (zero)
		return false;
	if (!lower || !upper)
		return true;
	keccak256(hex, 40, h);
	for (size_t i = 0; i < 40; i++) {
		unsigned nibble = i % 2 == 0 ? h[i / 2] >> 4 : h[i / 2] & 15u;

		if (is_alpha(s[2 + i]) && is_upper(s[2 + i]) != (nibble >= 8))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* Tokens and secrets. */

static int b64url_value(unsigned char c)
{
	if (is_upper(c))
		return c - 'A';
	if (is_lower(c))
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* What we want to know about a decoded JWT segment, found while decoding
 * it a byte at a time so no buffer is needed for an 8 KiB token. */
struct json_probe {
	unsigned char first;   /* first non-blank byte, 0 while none */
	unsigned char tail[5]; /* the last five bytes, for "\"alg\"" */
	size_t seen;
	bool after_alg;        /* "\"alg\"" just seen, waiting for ':' */
	bool has_alg;          /* "\"alg\"" seen as a key */
};

static bool json_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void json_probe_byte(struct json_probe *p, unsigned char c)
{
	if (!p->first && !json_blank(c))
		p->first = c;
	if (p->after_alg && !json_blank(c)) {
		/* A key is followed by ':'; {"typ":"alg"} names no algorithm. */
		p->has_alg = p->has_alg || c == ':';
		p->after_alg = false;
	}
	memmove(p->tail, p->tail + 1, 4);
	p->tail[4] = c;
	if (++p->seen >= 5 && memcmp(p->tail, "\"alg\"", 5) == 0)
		p->after_alg = true;
}

/* Decode unpadded base64url S[0..n) into PROBE; false on a bad byte or a
 * length no encoder produces (n mod 4 == 1). */
static bool b64url_probe(const unsigned char *s, size_t n, struct json_probe *probe)
{
	unsigned acc = 0, bits = 0;

	if (n % 4 == 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		int x = b64url_value(s[i]);

		if (x < 0)
			return false;
		acc = (acc << 6 | (unsigned)x) & 0xffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (probe)
				json_probe_byte(probe, (unsigned char)(acc >> bits));
		}
	}
	return true;
}

/*
 * JWS compact serialisation (RFC 7515): header.payload.signature, each
 * base64url without padding.  The header must decode to a JSON object
 * with an "alg" key (a light check: text starting '{' in which "alg" is
 * followed by ':'), the payload to text starting '{'; the signature may be empty
 * (alg "none" tokens are still credentials worth reporting).
 */
static bool v_jwt(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	const unsigned char *dot1, *dot2;
	struct json_probe header = { 0 }, payload = { 0 };
	size_t hl, pl, sl;

	if (!len_ok(v, len, RULE_VALIDATOR_JWT_MAX_LEN) || len < 8)
		return false;
	dot1 = memchr(s, '.', len);
	if (!dot1)
		return false;
	hl = (size_t)(dot1 - s);
	if (hl == 0 || hl + 1 == len)
		return false;
	dot2 = memchr(dot1 + 1, '.', len - hl - 1);
	if (!dot2)
		return false;
	pl = (size_t)(dot2 - dot1 - 1);
	sl = len - hl - pl - 2;
	if (pl == 0 || (sl > 0 && memchr(dot2 + 1, '.', sl)))
		return false;
	if (!b64url_probe(s, hl, &header) || !b64url_probe(dot1 + 1, pl, &payload) ||
	    !b64url_probe(dot2 + 1, sl, NULL))
		return false;
	return header.first == '{' && header.has_alg && payload.first == '{';
}

/* log2 without libm (validators link into anything): split off the binary
 * exponent, then ln(m) = 2 atanh((m-1)/(m+1)) for m in [1,2), where the
 * series converges by a factor of 9 per term. */
static double log2_ge1(double x)
{
	const double ln2 = 0.69314718055994530942;
	double y, y2, term, sum = 0;
	int e = 0;

	while (x >= 2.0) {
		x /= 2.0;
		e++;
	}
	y = (x - 1.0) / (x + 1.0);
	y2 = y * y;
	term = y;
	for (int k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= y2;
	}
	return e + 2.0 * sum / ln2;
}

/*
 * For values assigned to things called secret, token, password...: at
 * least 8 bytes, at least two of the classes lower, upper, digit, other,
 * and a Shannon entropy of at least 3 bits per byte, which words and
 * repeated patterns ("password", "aaaa1111") do not reach.
 */
static bool v_entropy(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	unsigned short count[256] = { 0 };
	unsigned classes = 0;
	double h;

	if (!len_ok(v, len, MAX_LEN) || len < 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		count[s[i]]++;
		if (is_lower(s[i]))
			classes |= 1;
		else if (is_upper(s[i]))
			classes |= 2;
		else if (is_digit(s[i]))
			classes |= 4;
		else
			classes |= 8;
	}
	if ((classes & (classes - 1)) == 0)
		return false;
	/* H = log2(n) - (1/n) sum c log2 c */
	h = log2_ge1((double)len);
	for (size_t c = 0; c < 256; c++)
		if (count[c] > 1)
			h -= count[c] * log2_ge1(count[c]) / (double)len;
	return h >= 3.0;
}

/* ---------------------------------------------------------------------- */
/* E-mail. */

/*
 * The common dot-atom form of RFC 5322 with RFC 5321 limits: local part
 * 1-64 atext characters, dots not first, last or doubled (quoted local
 * parts are not handled); domain at most 253 bytes, at least two labels of
 * 1-63 letters, digits, hyphens (not first or last); the top level label
 * alphabetic of 2+ letters, or an IDN "xn--" label.
 */
static bool v_email(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	const unsigned char *at = len_ok(v, len, MAX_LEN) ? memchr(s, '@', len) : NULL;
	size_t local, i, labels = 0, label_start;

	if (!at)
		return false;
	local = (size_t)(at - s);
	if (local < 1 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return false;
	for (i = 0; i < local; i++) {
		if (!is_alnum(s[i]) && !in_set(s[i], ".!#$%&'*+/=?^_`{|}~-"))
			return false;
		if (s[i] == '.' && s[i + 1] == '.')
			return false;
	}
	if (len - local - 1 > 253 || len - local - 1 < 4)
		return false;
	label_start = local + 1;
	for (i = local + 1; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return false;
			continue;
		}
		/* A label ends at s[i]. */
		size_t ll = i - label_start;

		if (ll < 1 || ll > 63 || s[label_start] == '-' || s[i - 1] == '-')
			return false;
		labels++;
		if (i == len) {
			bool alpha = ll >= 2;

			for (size_t k = label_start; k < i; k++)
				alpha = alpha && is_alpha(s[k]);
			if (!alpha && !(ll > 4 && to_lower(s[label_start]) == 'x' &&
			                to_lower(s[label_start + 1]) == 'n' &&
			                s[label_start + 2] == '-' && s[label_start + 3] == '-'))
				return false;
		}
		label_start = i + 1;
	}
	return labels >= 2;
}

/* "jane [at] corp [dot] io", "jane&#64;corp.io": an address once read plain
 * (rule_email_plain()), and only then. */
static bool v_email_obfuscated(const char *v, size_t len)
{
	char plain[MAX_LEN + 1];
	size_t n = len_ok(v, len, MAX_LEN) ? rule_email_plain(v, len, plain, sizeof(plain)) : 0;
	return n && v_email(plain, n);
}

/* ---------------------------------------------------------------------- */
/* Telephone numbers. */

#define PHONE_MAX_DIGITS 20

/* A phone number with its punctuation taken off. */
struct phone {
	unsigned char d[PHONE_MAX_DIGITS]; /* the digits, "(0)" left out */
	size_t n;
	bool plus;                         /* began with '+' */
	size_t trunk_at;                   /* where "(0)" stood, or SIZE_MAX */
	size_t paren_at, paren_len;        /* the first other (...) group */
	unsigned parens;                   /* how many (...) other than "(0)" */
};

/*
 * Separators are space, dash, dot (and slash when SLASH, for German
 * "030/1234567"), one at a time, between digits or next to a parenthesis;
 * parentheses hold 1-5 digits, do not nest, and at most two groups occur.
 * The number must end with a digit.
 */
static bool phone_scan(const char *v, size_t len, bool slash, struct phone *p)
{
	enum { START, PLUS, DIGIT, SEP, OPEN, CLOSE } last = START;
	const unsigned char *s = (const unsigned char *)v;
	size_t open_at = 0, groups = 0;
	bool in_paren = false;

	memset(p, 0, sizeof(*p));
	p->trunk_at = SIZE_MAX;
	if (!len_ok(v, len, 40))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (is_digit(c)) {
			if (p->n == PHONE_MAX_DIGITS)
				return false;
			p->d[p->n++] = c;
			last = DIGIT;
		} else if (c == '+') {
			if (i != 0)
				return false;
			p->plus = true;
			last = PLUS;
		} else if (c == ' ' || c == '-' || c == '.' || (slash && c == '/')) {
			if (in_paren || (last != DIGIT && last != CLOSE))
				return false;
			last = SEP;
		} else if (c == '(') {
			if (in_paren || last == OPEN || last == CLOSE || ++groups > 2)
				return false;
			in_paren = true;
			open_at = p->n;
			last = OPEN;
		} else if (c == ')') {
			size_t k = p->n - open_at;

			if (!in_paren || last != DIGIT || k > 5)
				return false;
			in_paren = false;
			if (k == 1 && p->d[open_at] == '0' && p->trunk_at == SIZE_MAX) {
				p->trunk_at = open_at;
				p->n--;
			} else {
				if (p->parens++ == 0) {
					p->paren_at = open_at;
					p->paren_len = k;
				}
			}
			last = CLOSE;
		} else {
			return false;
		}
	}
	return !in_paren && last == DIGIT;
}

/* NANP: NXX area code (not N11), NXX exchange (not N11). */
static bool nanp_ok(const unsigned char *d)
{
	return d[0] >= '2' && !(d[1] == '1' && d[2] == '1') &&
	       d[3] >= '2' && !(d[4] == '1' && d[5] == '1');
}

/* Country calling codes (ITU-T E.164 assignments) and the length range of
 * the national significant number of subscriber (fixed and mobile) numbers
 * in each, from the national numbering plans; toll-free and other service
 * numbers may fall outside.  Codes are prefix-free, so the first match by
 * length is the one. */
static const struct calling_code {
	unsigned short cc;
	unsigned char min, max;
} calling_codes[] = {
	{ 1, 10, 10 },    /* NANP */
	{ 7, 10, 10 },    /* RU, KZ */
	{ 20, 8, 10 },    /* EG */
	{ 27, 9, 9 },     /* ZA */
	{ 30, 10, 10 },   /* GR */
	{ 31, 9, 9 },     /* NL */
	{ 32, 8, 9 },     /* BE */
	{ 33, 9, 9 },     /* FR */
	{ 34, 9, 9 },     /* ES */
	{ 36, 8, 9 },     /* HU */
	{ 39, 6, 11 },    /* IT */
	{ 40, 9, 9 },     /* RO */
	{ 41, 9, 9 },     /* CH */
	{ 43, 4, 13 },    /* AT */
	{ 44, 9, 10 },    /* GB */
	{ 45, 8, 8 },     /* DK */
	{ 46, 7, 13 },    /* SE */
	{ 47, 8, 8 },     /* NO */
	{ 48, 9, 9 },     /* PL */
	{ 49, 6, 13 },    /* DE */
	{ 51, 8, 9 },     /* PE */
	{ 52, 10, 10 },   /* MX */
	{ 53, 8, 8 },     /* CU */
	{ 54, 10, 11 },   /* AR */
	{ 55, 10, 11 },   /* BR */
	{ 56, 9, 9 },     /* CL */
	{ 57, 10, 10 },   /* CO */
	{ 58, 10, 10 },   /* VE */
	{ 60, 8, 10 },    /* MY */
	{ 61, 9, 9 },     /* AU */
	{ 62, 8, 12 },    /* ID */
	{ 63, 8, 10 },    /* PH */
	{ 64, 8, 10 },    /* NZ */
	{ 65, 8, 8 },     /* SG */
	{ 66, 8, 9 },     /* TH */
	{ 81, 9, 10 },    /* JP */
	{ 82, 8, 11 },    /* KR */
	{ 84, 9, 10 },    /* VN */
	{ 86, 10, 12 },   /* CN */
	{ 90, 10, 10 },   /* TR */
	{ 91, 10, 10 },   /* IN */
	{ 92, 9, 10 },    /* PK */
	{ 93, 9, 9 },     /* AF */
	{ 94, 9, 9 },     /* LK */
	{ 95, 7, 10 },    /* MM */
	{ 98, 10, 10 },   /* IR */
	{ 212, 9, 9 },    /* MA */
	{ 213, 8, 9 },    /* DZ */
	{ 216, 8, 8 },    /* TN */
	{ 218, 9, 9 },    /* LY */
	{ 221, 9, 9 },    /* SN */
	{ 233, 9, 9 },    /* GH */
	{ 234, 8, 10 },   /* NG */
	{ 254, 9, 9 },    /* KE */
	{ 255, 9, 9 },    /* TZ */
	{ 256, 9, 9 },    /* UG */
	{ 260, 9, 9 },    /* ZM */
	{ 263, 5, 10 },   /* ZW */
	{ 351, 9, 9 },    /* PT */
	{ 352, 4, 11 },   /* LU */
	{ 353, 7, 9 },    /* IE */
	{ 354, 7, 7 },    /* IS */
	{ 355, 8, 9 },    /* AL */
	{ 356, 8, 8 },    /* MT */
	{ 357, 8, 8 },    /* CY */
	{ 358, 5, 12 },   /* FI */
	{ 359, 6, 9 },    /* BG */
	{ 370, 8, 8 },    /* LT */
	{ 371, 8, 8 },    /* LV */
	{ 372, 7, 8 },    /* EE */
	{ 373, 8, 8 },    /* MD */
	{ 374, 8, 8 },    /* AM */
	{ 375, 9, 9 },    /* BY */
	{ 376, 6, 6 },    /* AD */
	{ 377, 8, 9 },    /* MC */
	{ 378, 6, 10 },   /* SM */
	{ 380, 9, 9 },    /* UA */
	{ 381, 8, 9 },    /* RS */
	{ 382, 8, 8 },    /* ME */
	{ 385, 8, 9 },    /* HR */
	{ 386, 8, 8 },    /* SI */
	{ 387, 8, 8 },    /* BA */
	{ 389, 8, 8 },    /* MK */
	{ 420, 9, 9 },    /* CZ */
	{ 421, 9, 9 },    /* SK */
	{ 423, 7, 9 },    /* LI */
	{ 852, 8, 8 },    /* HK */
	{ 853, 8, 8 },    /* MO */
	{ 855, 8, 9 },    /* KH */
	{ 880, 8, 10 },   /* BD */
	{ 886, 8, 9 },    /* TW */
	{ 961, 7, 8 },    /* LB */
	{ 962, 8, 9 },    /* JO */
	{ 963, 9, 9 },    /* SY */
	{ 964, 8, 10 },   /* IQ */
	{ 965, 8, 8 },    /* KW */
	{ 966, 9, 9 },    /* SA */
	{ 971, 8, 9 },    /* AE */
	{ 972, 8, 9 },    /* IL */
	{ 973, 8, 8 },    /* BH */
	{ 974, 8, 8 },    /* QA */
	{ 977, 8, 10 },   /* NP */
	{ 994, 9, 9 },    /* AZ */
	{ 995, 9, 9 },    /* GE */
	{ 998, 9, 9 },    /* UZ */
};

static const struct calling_code *calling_code_find(const unsigned char *d, size_t n, size_t *cc_len)
{
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		unsigned cc = num(d, k);

		for (size_t i = 0; i < ARRAY_SIZE(calling_codes); i++) {
			if (calling_codes[i].cc == cc && (cc >= 100 ? 3 : cc >= 10 ? 2 : 1) == k) {
				*cc_len = k;
				return &calling_codes[i];
			}
		}
	}
	return NULL;
}

/*
 * International form: '+' or "00", country code, national significant
 * number of the right length for that country; "(0)" is allowed only just
 * after the country code ("+44 (0)20 ..."), other parentheses only after
 * it.  The national number does not start with the trunk 0, except in
 * Italy and San Marino where landline numbers keep it.  Slashes are
 * allowed too, as Slovak numbers are printed "+421 2/212 345 67".
 */
static bool v_phone_e164(const char *v, size_t len)
{
	struct phone p;
	const struct calling_code *cc;
	const unsigned char *d;
	size_t n, cc_len, start;

	if (!phone_scan(v, len, true, &p))
		return false;
	if (p.plus)
		start = 0;
	else if (p.n >= 2 && p.d[0] == '0' && p.d[1] == '0' && v[0] == '0' && v[1] == '0')
		start = 2;
	else
		return false;
	d = p.d + start;
	n = p.n - start;
	cc = calling_code_find(d, n, &cc_len);
	if (!cc || n - cc_len < cc->min || n - cc_len > cc->max || n > 15)
		return false;
	if (p.trunk_at != SIZE_MAX && p.trunk_at != start + cc_len)
		return false;
	if (p.parens && p.paren_at < start + cc_len)
		return false;
	if (d[cc_len] == '0' && cc->cc != 39 && cc->cc != 378)
		return false;
	return cc->cc != 1 || nanp_ok(d + 1);
}

/* NANP: optional +1 or 1, then NXX-NXX-XXXX; parentheses only around the
 * area code. */
static bool v_phone_nanp(const char *v, size_t len)
{
	struct phone p;
	const unsigned char *d;
	size_t start;

	if (!phone_scan(v, len, false, &p) || p.trunk_at != SIZE_MAX)
		return false;
	if (p.n == 11 && p.d[0] == '1')
		start = 1;
	else if (p.n == 10 && !p.plus)
		start = 0;
	else
		return false;
	d = p.d + start;
	if (p.parens && (p.parens > 1 || p.paren_at != start || p.paren_len != 3))
		return false;
	return nanp_ok(d);
}

/* National formats share the scan; none has a country code or "(0)". */
static bool phone_national(const char *v, size_t len, bool slash, struct phone *p)
{
	return phone_scan(v, len, slash, p) && !p->plus && p->trunk_at == SIZE_MAX;
}

/* Italy: landlines keep the 0 (6-11 digits in all), mobiles 3xx (9-10). */
static bool v_phone_it(const char *v, size_t len)
{
	struct phone p;

	if (!phone_national(v, len, true, &p))
		return false;
	if (p.d[0] == '0')
		return p.n >= 6 && p.n <= 11;
	return p.d[0] == '3' && p.n >= 9 && p.n <= 10;
}

/* Germany: 0 + 5-13 digits, never 00 (the international prefix); mobiles
 * 015x/016x/017x have 10-12 digits in all. */
static bool v_phone_de(const char *v, size_t len)
{
	struct phone p;

	if (!phone_national(v, len, true, &p) || p.n < 6 || p.d[0] != '0' || p.d[1] == '0')
		return false;
	if (p.d[1] == '1' && p.d[2] >= '5' && p.d[2] <= '7')
		return p.n >= 10 && p.n <= 12;
	return p.n <= 14;
}

/* France: 0, a digit 1-9, eight digits. */
static bool v_phone_fr(const char *v, size_t len)
{
	struct phone p;

	return phone_national(v, len, false, &p) && p.n == 10 && p.d[0] == '0' && p.d[1] != '0';
}

/* United Kingdom: 0 then 9 or 10 digits; 01/08 numbers have 10 or 11 digits
 * in all, 02/03/07 numbers 11. */
static bool v_phone_gb(const char *v, size_t len)
{
	struct phone p;

	if (!phone_national(v, len, false, &p) || p.d[0] != '0' || p.n < 10 || p.n > 11)
		return false;
	switch (p.d[1]) {
	case '1':
	case '8': return true;
	case '2':
	case '3':
	case '7': return p.n == 11;
	default: return false;
	}
}

/* Spain: no trunk prefix; nine digits starting 6, 7 (mobiles), 8 or 9. */
static bool v_phone_es(const char *v, size_t len)
{
	struct phone p;

	return phone_national(v, len, false, &p) && p.n == 9 && p.d[0] >= '6';
}

/* Netherlands: 0 and nine digits, the first of them 1-9. */
static bool v_phone_nl(const char *v, size_t len)
{
	struct phone p;

	return phone_national(v, len, false, &p) && p.n == 10 && p.d[0] == '0' && p.d[1] != '0';
}

/* India: mobiles are ten digits starting 6-9, with or without the trunk
 * 0; landlines are 0, an STD code starting 1-5 and the subscriber number,
 * eleven digits in all. */
static bool v_phone_in(const char *v, size_t len)
{
	struct phone p;

	if (!phone_national(v, len, false, &p))
		return false;
	if (p.n == 10)
		return p.d[0] >= '6';
	return p.n == 11 && p.d[0] == '0' && p.d[1] != '0';
}

/* Brazil: optional trunk 0, area code 11-99 without zeros, then a mobile
 * 9XXXX-XXXX or a landline starting 2-5 of eight digits. */
static bool v_phone_br(const char *v, size_t len)
{
	struct phone p;
	const unsigned char *d;
	size_t n;

	if (!phone_national(v, len, false, &p))
		return false;
	d = p.d, n = p.n;
	if (n >= 1 && d[0] == '0')
		d++, n--;
	if (n < 10 || d[0] == '0' || d[1] == '0')
		return false;
	if (n == 11)
		return d[2] == '9';
	return n == 10 && d[2] >= '2' && d[2] <= '5';
}

/* ---------------------------------------------------------------------- */
/* Calendar dates. */

static bool year_ok(unsigned y) { return y >= DATE_MIN_YEAR && y <= DATE_MAX_YEAR; }

/* A run of 1..MAX digits at S[*pos]; its value and length. */
static size_t read_num(const unsigned char *s, size_t len, size_t *pos, size_t max, unsigned *val)
{
	size_t start = *pos;
	unsigned x = 0;

	while (*pos < len && is_digit(s[*pos]) && *pos - start < max)
		x = x * 10 + (unsigned)(s[(*pos)++] - '0');
	if (*pos < len && is_digit(s[*pos]))
		return 0;
	*val = x;
	return *pos - start;
}

/* English month name, full or three letters ("sept" too), any case;
 * returns 1..12 and advances *POS, or 0. */
static unsigned read_month(const unsigned char *s, size_t len, size_t *pos)
{
	static const char *const names[12] = {
		"january", "february", "march", "april", "may", "june",
		"july", "august", "september", "october", "november", "december",
	};
	size_t start = *pos, n = 0;

	while (start + n < len && is_alpha(s[start + n]))
		n++;
	for (unsigned m = 0; m < 12; m++) {
		size_t full = strlen(names[m]);
		bool match = n == full || n == 3 || (m == 8 && n == 4);

		for (size_t i = 0; match && i < n; i++)
			match = i < full && to_lower(s[start + i]) == (unsigned char)names[m][i];
		if (match) {
			*pos = start + n;
			return m + 1;
		}
	}
	return 0;
}

/* Optional English ordinal after a day number: 1st 2nd 3rd 4th... */
static void skip_ordinal(const unsigned char *s, size_t len, size_t *pos)
{
	static const char *const suffixes[] = { "st", "nd", "rd", "th" };

	if (*pos + 2 > len)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (to_lower(s[*pos]) == (unsigned char)suffixes[i][0] &&
		    to_lower(s[*pos + 1]) == (unsigned char)suffixes[i][1]) {
			*pos += 2;
			return;
		}
	}
}

static bool date_numeric(const unsigned char *s, size_t len)
{
	size_t pos = 0, l1, l2, l3;
	unsigned a, b, c;
	unsigned char sep;

	l1 = read_num(s, len, &pos, 4, &a);
	if (l1 == 0 || pos >= len)
		return false;
	sep = s[pos++];
	if (sep != '-' && sep != '/' && sep != '.')
		return false;
	l2 = read_num(s, len, &pos, 2, &b);
	if (l2 == 0 || pos >= len || s[pos++] != sep)
		return false;
	l3 = read_num(s, len, &pos, 4, &c);
	if (pos != len)
		return false;
	if (l1 == 4) /* YYYY-MM-DD */
		return sep == '-' && l2 == 2 && l3 == 2 && year_ok(a) && date_ok(a, b, c);
	if (l1 > 2 || l3 != 4 || !year_ok(c))
		return false;
	if (sep == '/') /* DD/MM/YYYY or MM/DD/YYYY, whichever exists */
		return date_ok(c, b, a) || date_ok(c, a, b);
	return date_ok(c, b, a); /* DD.MM.YYYY, DD-MM-YYYY */
}

static bool date_text(const unsigned char *s, size_t len)
{
	size_t pos = 0;
	unsigned d, m, y;

	if (is_digit(s[0])) { /* D Month YYYY */
		if (read_num(s, len, &pos, 2, &d) == 0)
			return false;
		skip_ordinal(s, len, &pos);
		if (pos >= len || s[pos++] != ' ' || (m = read_month(s, len, &pos)) == 0)
			return false;
		if (pos < len && s[pos] == '.')
			pos++;
		if (pos < len && s[pos] == ',')
			pos++;
	} else { /* Month D, YYYY */
		if ((m = read_month(s, len, &pos)) == 0)
			return false;
		if (pos < len && s[pos] == '.')
			pos++;
		if (pos >= len || s[pos++] != ' ' || read_num(s, len, &pos, 2, &d) == 0)
			return false;
		skip_ordinal(s, len, &pos);
		if (pos < len && s[pos] == ',')
			pos++;
	}
	if (pos >= len || s[pos++] != ' ')
		return false;
	if (read_num(s, len, &pos, 4, &y) != 4 || pos != len)
		return false;
	return year_ok(y) && date_ok(y, m, d);
}

static bool v_date(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;

	if (!len_ok(v, len, 40) || len < 8)
		return false;
	if (is_digit(s[0]) && date_numeric(s, len))
		return true;
	return date_text(s, len);
}

/* ---------------------------------------------------------------------- */
/* The table.  Names are what rule packs write; keep them stable. */

static const struct rule_validator validators[] = {
	{ "luhn", v_luhn, "digits (spaces, dashes allowed) passing the Luhn mod 10 check" },
	{ "card", v_card, "payment card number: brand IIN range and length, Luhn" },
	{ "iban", v_iban, "IBAN: registry country and length, mod 97" },
	{ "swift_bic", v_swift_bic, "SWIFT/BIC code: bank, ISO 3166 country, location, branch" },
	{ "ipv4", v_ipv4, "IPv4 dotted quad, no leading zeros, not 0.0.0.0 or broadcast" },
	{ "ipv6", v_ipv6, "IPv6 address, full or compressed, IPv4 tail allowed" },
	{ "mac", v_mac, "MAC address (aa:bb:.., aa-bb-.., aabb.ccdd.eeff), not zero or broadcast" },
	{ "us_ssn", v_us_ssn, "US Social Security number: area, group, serial rules" },
	{ "us_itin", v_us_itin, "US ITIN: 9XX with a group in the IRS ranges" },
	{ "us_npi", v_us_npi, "US National Provider Identifier: Luhn with prefix 80840" },
	{ "us_dea", v_us_dea, "US DEA registration number with its check digit" },
	{ "it_fiscal_code", v_it_fiscal_code, "Italian codice fiscale with check letter and omocodia" },
	{ "it_vat", v_it_vat, "Italian partita IVA: office code and check digit" },
	{ "es_dni", v_es_dni, "Spanish DNI: 8 digits and the mod 23 letter" },
	{ "es_nie", v_es_nie, "Spanish NIE: X/Y/Z, 7 digits and the mod 23 letter" },
	{ "es_nif", v_es_nif, "Spanish NIF: DNI, NIE, K/L/M or company CIF with its control" },
	{ "fr_nir", v_fr_nir, "French NIR (social security number) with its key, Corsica too" },
	{ "de_steuer_id", v_de_steuer_id, "German tax ID: digit repetition rule, ISO 7064 MOD 11,10" },
	{ "uk_nino", v_uk_nino, "UK National Insurance number: prefix rules and suffix A-D" },
	{ "uk_nhs", v_uk_nhs, "UK NHS number: mod 11 check" },
	{ "nl_bsn", v_nl_bsn, "Dutch BSN: 11-proof" },
	{ "pl_pesel", v_pl_pesel, "Polish PESEL: birth date with century, weighted check" },
	{ "pt_nif", v_pt_nif, "Portuguese NIF: taxpayer type and mod 11 check" },
	{ "be_nrn", v_be_nrn, "Belgian national register number: mod 97, 2000+ variant" },
	{ "se_personnummer", v_se_personnummer, "Swedish personnummer or samordningsnummer: date, Luhn" },
	{ "fi_hetu", v_fi_hetu, "Finnish henkilotunnus: date, century sign, mod 31 check" },
	{ "br_cpf", v_br_cpf, "Brazilian CPF: two mod 11 check digits" },
	{ "br_cnpj", v_br_cnpj, "Brazilian CNPJ: two mod 11 check digits" },
	{ "verhoeff", v_verhoeff, "digits (spaces, dashes allowed) passing the Verhoeff check" },
	{ "in_aadhaar", v_in_aadhaar, "Indian Aadhaar number: 12 digits, Verhoeff" },
	{ "in_pan", v_in_pan, "Indian PAN: AAAAA9999A with a valid holder type" },
	{ "ca_sin", v_ca_sin, "Canadian Social Insurance Number: Luhn" },
	{ "au_tfn", v_au_tfn, "Australian Tax File Number: weighted mod 11" },
	{ "au_medicare", v_au_medicare, "Australian Medicare number: weighted check digit" },
	{ "sg_nric", v_sg_nric, "Singapore NRIC/FIN: S/T/F/G/M series check letter" },
	{ "kr_rrn", v_kr_rrn, "Korean resident registration number: date, mod 11 (pre-2020)" },
	{ "cn_resident_id", v_cn_resident_id, "Chinese resident ID: province, date, ISO 7064 MOD 11-2" },
	{ "btc_base58check", v_btc_base58check, "Bitcoin legacy address (1..., 3...): Base58Check" },
	{ "btc_bech32", v_btc_bech32, "Bitcoin SegWit address: bech32/bech32m per BIP-173/350" },
	{ "eth_address", v_eth_address, "Ethereum address: 0x + 40 hex, EIP-55 when mixed case" },
	{ "jwt", v_jwt, "JSON Web Token: base64url JSON header with alg, JSON payload" },
	{ "entropy", v_entropy, "secret-like value: 8+ bytes, 2+ character classes, 3+ bits/byte" },
	{ "email", v_email, "e-mail address: dot-atom local part, DNS domain with a real TLD shape" },
	{ "email_obfuscated", v_email_obfuscated,
	  "e-mail address written against harvesters ([at], (dot), &#64;), valid once read plain" },
	{ "phone_e164", v_phone_e164, "international phone number: country code and NSN length" },
	{ "phone_nanp", v_phone_nanp, "North American phone number: NXX-NXX-XXXX" },
	{ "phone_it", v_phone_it, "Italian national phone number" },
	{ "phone_de", v_phone_de, "German national phone number" },
	{ "phone_fr", v_phone_fr, "French national phone number" },
	{ "phone_gb", v_phone_gb, "UK national phone number" },
	{ "phone_es", v_phone_es, "Spanish phone number" },
	{ "phone_nl", v_phone_nl, "Dutch national phone number" },
	{ "phone_in", v_phone_in, "Indian phone number" },
	{ "phone_br", v_phone_br, "Brazilian national phone number" },
	{ "date", v_date, "calendar date that exists, 1900-2026, numeric or English month" },
};

const struct rule_validator *rule_validator_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(validators); i++)
		if (strcmp(validators[i].name, name) == 0)
			return &validators[i];
	return NULL;
}

const struct rule_validator *rule_validators(size_t *count)
{
	if (count)
		*count = ARRAY_SIZE(validators);
	return validators;
}
