/*
 * rules/pseudonym.h - what a redacted value is replaced with.
 *
 * Three styles, all pure functions over caller buffers (nothing is
 * allocated, nothing fails; output that does not fit is truncated and is
 * always NUL-terminated):
 *
 *   placeholder  "<EMAIL>", "<CREDIT_CARD>": the category between angle
 *                brackets, upper-cased.
 *   mask         the same length, separators kept, letters and digits
 *                turned into '*'; an e-mail keeps the first character of
 *                its local part and of its domain and the top-level domain
 *                (j***.***@a***.io), a card its last four digits.
 *   pseudonym    a consistent fake of the same shape, derived only from a
 *                32-byte seed: the value's keyed fingerprint (db/key.h).
 *                The same value (same normalised form) gets the same fake
 *                everywhere, with the same key; without the key the fake
 *                says nothing about the value.  E-mails become addresses
 *                at example.com, cards Luhn-valid numbers starting 400000,
 *                IPv4 addresses fall in the documentation ranges
 *                (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), IPv6 in
 *                2001:db8::/32, MAC addresses in 00:00:5e:00:53:xx, phone
 *                numbers end in 555 01xx (the fictional range) keeping
 *                their layout; other categories keep every separator and
 *                get random letters (same case) and digits.
 *
 * Replacements are ASCII, except that mask keeps a value's non-ASCII bytes
 * (they are separators or letters the rules do not look at).
 */
#ifndef PIIAUDIT_PSEUDONYM_H
#define PIIAUDIT_PSEUDONYM_H

#include <stddef.h>

#define RULE_SEED_BYTES 32

size_t rule_placeholder(const char *category, char *out, size_t cap);

size_t rule_mask_shape(const char *category, const char *value, size_t len, char *out, size_t cap);

size_t rule_pseudonym(const char *category, const char *value, size_t len,
                      const unsigned char seed[RULE_SEED_BYTES], char *out, size_t cap);

/* The 32 bytes a fingerprint's 64 hex digits stand for; -1 when it is not
 * 64 hex digits. */
int rule_seed_from_hex(const char *hex, unsigned char seed[RULE_SEED_BYTES]);

#endif
