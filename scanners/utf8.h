/*
 * scanners/utf8.h - UTF-8 validity, for the places that must tell text in
 * UTF-8 from bytes in some other character set (exports escape what is
 * not; redact writes a zip member's name flagged UTF-8 only when it is).
 *
 * Strict: no overlong forms, no surrogates, nothing past U+10FFFF.  Pure.
 */
#ifndef PIIAUDIT_UTF8_H
#define PIIAUDIT_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the valid UTF-8 sequence at s[0, n) (n >= 1), or 0. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* Whether the NUL-terminated s is all valid UTF-8. */
bool utf8_valid(const char *s);

#endif
