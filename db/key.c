/*
 * db/key.c - loading or creating the fingerprint key file, and HMACs.
 *
 * Owns nothing beyond the caller's struct db_key.  The file holds the key
 * as 64 hex digits and a newline, and appears whole or not at all.  Key material read from disk is wiped
 * from every temporary buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
/* OpenSSL's SHA-256 for the fingerprints: it uses the CPU's SHA
 * instructions, about three times libsodium's speed here (a finding's
 * HMAC took 1 us), and a context is a plain struct copied per
 * fingerprint, with nothing to allocate.  These calls are deprecated in
 * OpenSSL 3 in favour of EVP, which would need a context per thread. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "db/key.h"

struct hmac_states {
	SHA256_CTX inner, outer;   /* after (key ^ ipad) and (key ^ opad) */
};

_Static_assert(sizeof(struct hmac_states) <= DB_KEY_STATE_BYTES, "DB_KEY_STATE_BYTES is too small");

/* HMAC-SHA-256 (RFC 2104) with a key of at most one block: the two
 * states every HMAC with this key starts from. */
static void hmac_states_init(struct db_key *key)
{
	unsigned char pad[SHA256_CBLOCK];
	struct hmac_states hs;
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < sizeof(key->secret); i++)
		pad[i] ^= key->secret[i];
	SHA256_Init(&hs.inner);
	SHA256_Update(&hs.inner, pad, sizeof(pad));
	memset(pad, 0x5c, sizeof(pad));
	for (size_t i = 0; i < sizeof(key->secret); i++)
		pad[i] ^= key->secret[i];
	SHA256_Init(&hs.outer);
	SHA256_Update(&hs.outer, pad, sizeof(pad));
	memcpy(key->keyed, &hs, sizeof(hs));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(&hs, sizeof(hs));
}

int db_key_default_path(char *out, size_t cap)
{
	const char *env = getenv("PIIAUDIT_KEY_FILE");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;
	if (env && *env)
		n = snprintf(out, cap, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(out, cap, "%s/piiaudit/key", xdg);
	else if (home && *home)
		n = snprintf(out, cap, "%s/.config/piiaudit/key", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* mkdir -p for the folders of path, each created 0700. */
static int make_parents(const char *path)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static void derive_id(struct db_key *key)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	static const char label[] = "piiaudit key id v1";
	crypto_auth_hmacsha256(mac, (const unsigned char *)label, sizeof(label) - 1, key->secret);
	sodium_bin2hex(key->id, sizeof(key->id), mac, 8);
	/* Only 8 bytes are the public id; the rest is derived from the key. */
	sodium_memzero(mac, sizeof(mac));
}

/* Puts the finished file tmp at path unless path exists, and removes tmp:
 * 0 done, 1 path existed, -1 failed (errno).  link() first; a file system
 * without hard links takes renameat2(RENAME_NOREPLACE). */
static int place_new(const char *tmp, const char *path)
{
	int rc = link(tmp, path) == 0 ? 0 : errno == EEXIST ? 1 : -1;
	if (rc < 0 && (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS)) {
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
			return 0;
		rc = errno == EEXIST ? 1 : -1;
	}
	int saved = errno;
	unlink(tmp);
	errno = saved;
	return rc;
}

/*
 * Makes a new key at path.  The key is written and synced to a temporary
 * file beside it and only then put in place, never replacing a file: a
 * process that finds path sees a whole key.  Two first runs at once each
 * make one; the one put in place first wins, and the other process loads
 * that (0 either way).
 */
static int create_key(const char *path, char *err, size_t errlen)
{
	unsigned char secret[DB_KEY_BYTES];
	char hex[2 * DB_KEY_BYTES + 2];
	char tmp[4096 + 16];
	int rc = -1;
	if (make_parents(path)) {
		snprintf(err, errlen, "%s: cannot create its folder: %s", path, strerror(errno));
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: key path too long", path);
		return -1;
	}
	int fd = mkstemp(tmp);      /* 0600 */
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create key file: %s", path, strerror(errno));
		return -1;
	}
	randombytes_buf(secret, sizeof(secret));
	sodium_bin2hex(hex, sizeof(hex), secret, sizeof(secret));
	hex[2 * DB_KEY_BYTES] = '\n';
	if (write(fd, hex, 2 * DB_KEY_BYTES + 1) != 2 * DB_KEY_BYTES + 1 || fsync(fd)) {
		snprintf(err, errlen, "%s: cannot write key file: %s", path, strerror(errno));
		unlink(tmp);
	} else if (place_new(tmp, path) < 0) {
		snprintf(err, errlen, "%s: cannot create key file: %s", path, strerror(errno));
	} else {
		rc = 0;     /* placed, or another process's key is there: load it */
	}
	close(fd);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int db_key_load(struct db_key *key, const char *path, int create, char *err, size_t errlen)
{
	char hex[2 * DB_KEY_BYTES + 8];
	struct stat st;
	size_t got = 0;
	int rc = -1;
	memset(key, 0, sizeof(*key));
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (snprintf(key->path, sizeof(key->path), "%s", path) >= (int)sizeof(key->path)) {
		snprintf(err, errlen, "%s: key path too long", path);
		return -1;
	}
	if (create && access(path, F_OK) != 0 && create_key(path, err, errlen))
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open key file: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: key file is not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: key file is readable by others (mode %03o); chmod 600 it",
		         path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	for (ssize_t n; got < sizeof(hex) && (n = read(fd, hex + got, sizeof(hex) - got)) > 0;)
		got += (size_t)n;
	while (got && (hex[got - 1] == '\n' || hex[got - 1] == '\r'))
		got--;
	size_t bin_len = 0;
	if (got != 2 * DB_KEY_BYTES ||
	    sodium_hex2bin(key->secret, sizeof(key->secret), hex, got, NULL, &bin_len, NULL) ||
	    bin_len != DB_KEY_BYTES) {
		snprintf(err, errlen, "%s: not a piiaudit key file (64 hex digits expected)", path);
		goto out;
	}
	derive_id(key);
	hmac_states_init(key);
	rc = 0;
out:
	sodium_memzero(hex, sizeof(hex));
	close(fd);
	if (rc)
		db_key_wipe(key);
	return rc;
}

void db_key_fingerprint(const struct db_key *key, const char *category,
                        const char *normalised, size_t len, char out[DB_FINGERPRINT_HEX])
{
	static const char digits[] = "0123456789abcdef";
	struct hmac_states hs;
	unsigned char mac[SHA256_DIGEST_LENGTH];
	memcpy(&hs, key->keyed, sizeof(hs));
	SHA256_Update(&hs.inner, category, strlen(category));
	SHA256_Update(&hs.inner, ":", 1);
	SHA256_Update(&hs.inner, normalised, len);
	SHA256_Final(mac, &hs.inner);
	SHA256_Update(&hs.outer, mac, sizeof(mac));
	SHA256_Final(mac, &hs.outer);
	/* The fingerprint is stored as it is: no need of sodium_bin2hex()'s
	 * constant time, which cost a seventh of the HMAC. */
	for (size_t i = 0; i < sizeof(mac); i++) {
		out[2 * i] = digits[mac[i] >> 4];
		out[2 * i + 1] = digits[mac[i] & 15];
	}
	out[2 * sizeof(mac)] = '\0';
	sodium_memzero(&hs, sizeof(hs));
	sodium_memzero(mac, sizeof(mac));
}

void db_key_wipe(struct db_key *key)
{
	sodium_memzero(key->secret, sizeof(key->secret));
	sodium_memzero(&key->keyed, sizeof(key->keyed));
}
