/*
 * validators.h - checksum and format validators for matched values
 *
 * The rule engine finds candidate values with a pattern; a rule may then name
 * a validator (the `validator:` key of a rule pack) that decides whether the
 * candidate really is what the rule is looking for: a card number whose Luhn
 * digit is right, an IBAN whose mod-97 is 1, a date that exists, and so on.
 *
 * What this module owns: a static, read-only table of validators (name,
 * function, one-line description) and the code behind them.  Nothing is
 * allocated, nothing is global and mutable, so every function here is
 * reentrant and safe to call from any number of threads at once.
 *
 * What the caller owns: the value.  A validator gets the raw matched text
 * exactly as it stands in the corpus: NOT NUL-terminated, possibly holding
 * the separators its format allows (spaces, dashes, dots, slashes...), and
 * possibly arbitrary bytes.  Validators read only [value, value + len), keep
 * no pointer to it after they return, and never write to it.
 *
 * How it fails: a validator never fails loudly.  It returns true only when
 * the value is valid and false for anything else: a wrong check digit, a bad
 * length, a stray byte, a NULL value, or a value longer than the limit
 * (RULE_VALIDATOR_MAX_LEN bytes; RULE_VALIDATOR_JWT_MAX_LEN for "jwt"), which
 * is refused before any other work.  No validator allocates, prints, exits
 * or aborts, whatever the input; they are fuzzed with ASan and UBSan.
 *
 * Letters: formats that are defined in upper case (IBAN, BIC, NINO, PAN, DEA,
 * NRIC, NIR, HETU) accept upper case only; codice fiscale, DNI/NIE/NIF
 * letters, the Chinese 'X', hex digits and bech32 (not mixed) accept either.
 */
#ifndef PIIAUDIT_RULES_VALIDATORS_H
#define PIIAUDIT_RULES_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>

/* Longest value any validator looks at; longer values are invalid. */
#define RULE_VALIDATOR_MAX_LEN 256
/* JSON Web Tokens carry whole claim sets, so "jwt" gets more room. */
#define RULE_VALIDATOR_JWT_MAX_LEN 8192

/*
 * A validator: true when VALUE (LEN bytes, not NUL-terminated, may be NULL
 * when LEN is 0) is valid for the format the validator stands for.
 */
typedef bool (*rule_validator_fn)(const char *value, size_t len);

/*
 * One entry of the validator table.  NAME is what rule packs write after
 * `validator:`; DESCRIPTION is one line for `piiaudit rules list` and the
 * man page.  All three point into static storage and are never freed.
 */
struct rule_validator {
	const char *name;
	rule_validator_fn fn;
	const char *description;
};

/*
 * The validator called NAME (a NUL-terminated string, compared exactly), or
 * NULL when there is none or NAME is NULL.  The result points into the static
 * table: the caller must not free it.
 */
const struct rule_validator *rule_validator_find(const char *name);

/*
 * All validators, *count set to their number; a static table, valid for the
 * life of the program.  COUNT must not be NULL.
 */
const struct rule_validator *rule_validators(size_t *count);

/*
 * Card brand from the digits of a number ("visa", "mastercard", "amex",
 * "discover", "jcb", "diners", "unionpay", "maestro") or NULL.  Separators
 * (space, dash) are skipped; any other non-digit byte gives NULL.  The brand
 * is the one whose IIN prefix and length both fit; 622126-622925, which
 * Discover routes too, is "unionpay", the issuer.  The Luhn digit is not
 * checked here, the "card" validator does that.  The string is static.
 */
const char *rule_card_brand(const char *value, size_t len);

#endif /* PIIAUDIT_RULES_VALIDATORS_H */
