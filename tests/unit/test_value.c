/*
 * Normalised values (what fingerprints are made of), masked previews, and
 * the keyed fingerprints themselves.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/key.h"
#include "rules/rule.h"
#include "tests/unit/unit.h"

static int norm_is(const char *cat, const char *in, const char *want)
{
	char out[128];
	rule_normalize(cat, in, strlen(in), out, sizeof(out));
	if (strcmp(out, want))
		printf("  normalize(%s, %s) = %s, want %s\n", cat, in, out, want);
	return !strcmp(out, want);
}

static int mask_is(const char *cat, const char *in, const char *want)
{
	char out[128];
	rule_mask(cat, in, strlen(in), out, sizeof(out));
	if (strcmp(out, want))
		printf("  mask(%s, %s) = %s, want %s\n", cat, in, out, want);
	return !strcmp(out, want);
}

int main(void)
{
	CHECK(norm_is("email", "Jane.Doe@Corp.IO", "jane.doe@corp.io"));
	/* Written against harvesters: the plain address's fingerprint. */
	CHECK(norm_is("email", "Jane.Doe [AT] Corp [dot] IO", "jane.doe@corp.io"));
	CHECK(norm_is("email", "jane.doe&#64;corp&#x2e;io", "jane.doe@corp.io"));
	CHECK(norm_is("email", "hans[@]firma.de", "hans@firma.de"));
	/* An '@' of its own: taken as written. */
	CHECK(norm_is("email", "a[at]b@c.io", "a[at]b@c.io"));
	CHECK(norm_is("other", "x [at] y [dot] io", "x [at] y [dot] io"));
	CHECK(norm_is("phone", "+39 06 1234 5678", "+390612345678"));
	CHECK(norm_is("phone", "0039 06 1234 5678", "+390612345678"));
	CHECK(norm_is("phone", "(415) 555-2671", "4155552671"));
	CHECK(norm_is("credit_card", "4111-1111 1111 1111", "4111111111111111"));
	CHECK(norm_is("iban", "gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"));
	CHECK(norm_is("national_id", "rssmra85t10a562s", "RSSMRA85T10A562S"));
	CHECK(norm_is("secret", "AbC", "AbC"));

	CHECK(mask_is("email", "jane.doe@acme.io", "j***@a***.io"));
	CHECK(mask_is("email", "jane.doe (at) acme (dot) io", "j***@a***.io"));
	CHECK(mask_is("credit_card", "4111 1111 1111 1111", "**** **** **** 1111"));
	CHECK(mask_is("secret", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "****6789 (40 chars)"));
	CHECK(mask_is("secret", "short", "**** (5 chars)"));
	CHECK(mask_is("date_of_birth", "1985-12-10", "****-**-**"));
	/* A masked preview never holds the value, whatever its category. */
	const char *cats[] = { "email", "phone", "credit_card", "iban", "us_ssn", "national_id", "secret", "other" };
	const char *val = "ZQ9XK27WPL48";
	for (size_t i = 0; i < sizeof(cats) / sizeof(*cats); i++) {
		char out[128];
		rule_mask(cats[i], val, strlen(val), out, sizeof(out));
		CHECK(strstr(out, "ZQ9XK") == NULL);
	}
	/* Truncation keeps a NUL. */
	char tiny[4];
	rule_mask("credit_card", "4111111111111111", 16, tiny, sizeof(tiny));
	CHECK(strlen(tiny) == 3);

	/* Keys: created 0600, refused when readable by others, stable ids. */
	char dir[] = "/tmp/piiaudit-unit.XXXXXX", path[256], err[256];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sub/key", dir);
	struct db_key k1, k2;
	CHECK(db_key_load(&k1, path, 1, err, sizeof(err)) == 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(db_key_load(&k2, path, 0, err, sizeof(err)) == 0);
	CHECK(!strcmp(k1.id, k2.id) && strlen(k1.id) == 16);
	char f1[DB_FINGERPRINT_HEX], f2[DB_FINGERPRINT_HEX], f3[DB_FINGERPRINT_HEX];
	db_key_fingerprint(&k1, "email", "a@b.io", 6, f1);
	db_key_fingerprint(&k2, "email", "a@b.io", 6, f2);
	db_key_fingerprint(&k2, "phone", "a@b.io", 6, f3);
	CHECK(!strcmp(f1, f2) && strlen(f1) == 64);
	/* HMAC-SHA-256(key, "email:a@b.io"), computed in one call. */
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char want[DB_FINGERPRINT_HEX];
	crypto_auth_hmacsha256_state one;
	crypto_auth_hmacsha256_init(&one, k1.secret, sizeof(k1.secret));
	crypto_auth_hmacsha256_update(&one, (const unsigned char *)"email:a@b.io", 12);
	crypto_auth_hmacsha256_final(&one, mac);
	sodium_bin2hex(want, sizeof(want), mac, sizeof(mac));
	CHECK(!strcmp(f1, want));
	db_key_fingerprint(&k1, "email", "a@b.io", 6, f2);
	CHECK(!strcmp(f1, f2));     /* the kept state is copied, not used up */
	CHECK(strcmp(f1, f3) != 0);
	CHECK(chmod(path, 0644) == 0);
	CHECK(db_key_load(&k2, path, 0, err, sizeof(err)) == -1 && strstr(err, "readable by others"));
	db_key_wipe(&k1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	return unit_finish("test_value");
}
