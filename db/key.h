/*
 * db/key.h - the fingerprint key: a secret kept in a file outside the
 * database (mode 0600), and the keyed fingerprints made with it.
 *
 * The caller owns the struct; db_key_wipe() erases the key material.  The
 * key id is derived from the key and is safe to store: it tells whether two
 * databases were fingerprinted with the same key without revealing it.
 * Errors are returned as -1 with a message in the caller's buffer.
 */
#ifndef PIIAUDIT_DB_KEY_H
#define PIIAUDIT_DB_KEY_H

#include <stddef.h>
#include <sodium.h>

#define DB_KEY_BYTES 32
#define DB_FINGERPRINT_HEX 65   /* 64 hex digits and a NUL */

/* Room for the two SHA-256 states of HMAC (key.c checks it). */
#define DB_KEY_STATE_BYTES 256

struct db_key {
	unsigned char secret[DB_KEY_BYTES];
	/* HMAC-SHA-256 once the key is in: the inner and outer SHA-256
	 * states after the padded key, kept by key.c.  Each fingerprint
	 * starts from a copy, which halves its cost (two compressions of
	 * four). */
	_Alignas(16) unsigned char keyed[DB_KEY_STATE_BYTES];
	char id[17];                /* 16 hex digits */
	char path[4096];
};

/* The key file used when none is given: $PIIAUDIT_KEY_FILE, else
 * $XDG_CONFIG_HOME/piiaudit/key, else ~/.config/piiaudit/key.  Written to
 * out; returns -1 when no home can be found. */
int db_key_default_path(char *out, size_t cap);

/* Loads the key at path, creating it (and its folder, 0700) with fresh
 * random bytes and mode 0600 when it does not exist.  A key file readable
 * by group or others is refused, as ssh refuses such private keys. */
int db_key_load(struct db_key *key, const char *path, int create, char *err, size_t errlen);

/* HMAC-SHA-256 over "category:normalised value", as 64 hex digits. */
void db_key_fingerprint(const struct db_key *key, const char *category,
                        const char *normalised, size_t len, char out[DB_FINGERPRINT_HEX]);

void db_key_wipe(struct db_key *key);

#endif
