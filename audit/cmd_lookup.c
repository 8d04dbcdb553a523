/*
 * audit/cmd_lookup.c - piiaudit lookup: where a data subject's values
 * occur, for an access request (GDPR Art. 15) or an erasure (Art. 17).
 *
 * Each value given is normalised the way the scanner normalises a match
 * of its category (rule_normalize()) and fingerprinted with the key; the
 * fingerprints are looked up in every database given (findings_fingerprint
 * index).  No raw value is written to a database or to the output: values
 * are shown masked, and the copies held here are wiped when done.  Every
 * database must have been fingerprinted with the key given; one that was
 * not is refused, naming both key ids, since a lookup with the wrong key
 * finds nothing and would read as "no occurrence".
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "db/key.h"
#include "db/store.h"

#define VALUE_MAX 4096              /* bytes of one value */
#define VALUES_FILE_MAX (16u << 20)

static void lookup_usage(FILE *out)
{
	char key[4096];
	if (db_key_default_path(key, sizeof(key)))
		snprintf(key, sizeof(key), "(none: set HOME or PIIAUDIT_KEY_FILE)");
	fprintf(out,
	        "usage: piiaudit lookup [--db FILE]... [--key FILE] [--format text|json]\n"
	        "                       [--redact-plan FILE] VALUES...\n"
	        "values: --email V  --phone V  --card V  --iban V  --ssn V  --national-id V\n"
	        "        --value CATEGORY=V  --values-from FILE  (each repeatable)\n"
	        "\n"
	        "Find where a person's values occur, to answer an access or erasure request.\n"
	        "Each value is normalised as the scanner normalises a match of its category\n"
	        "(e-mail lower-cased, phone digits with a leading '+', card and id numbers\n"
	        "without separators), fingerprinted with the key, and looked up in every\n"
	        "database given: each occurrence is listed with its database, run, source,\n"
	        "member, record, field, line, offset, length and rule.  No raw value is stored\n"
	        "or printed; values are shown masked.  A phone number is found only in the\n"
	        "form it was written in the corpus: give the international and the national\n"
	        "form both.\n"
	        "\n"
	        "Names are out of scope: piiaudit finds values that rules can match and\n"
	        "fingerprint (e-mail addresses, phone, card, IBAN and id numbers), not\n"
	        "people's names.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE              an audit database (default: ./piiaudit.db); repeat for\n"
	        "                         shard databases or other corpora\n"
	        "  --key FILE             the fingerprint key the databases were made with\n"
	        "                         (default: %s); never created here\n"
	        "  --email V              an e-mail address\n"
	        "  --phone V              a phone number\n"
	        "  --card V               a payment card number (credit_card)\n"
	        "  --iban V               an IBAN\n"
	        "  --ssn V                a US social security number (us_ssn)\n"
	        "  --national-id V        a national id number, e.g. a codice fiscale\n"
	        "  --value CATEGORY=V     a value of any category: email, phone, credit_card,\n"
	        "                         iban, ip_address, mac_address, us_ssn, national_id,\n"
	        "                         crypto_wallet, secret, date_of_birth, url, other\n"
	        "  --values-from FILE     values, one a line: CATEGORY=V or CATEGORY<TAB>V\n"
	        "                         ('#' comments and blank lines skipped; - for stdin);\n"
	        "                         keeps the values out of the shell's history\n"
	        "  --format FORMAT        text (default) or json\n"
	        "  --redact-plan FILE     also write every location as JSON lines (source,\n"
	        "                         member, offset, length, category, fingerprint), mode\n"
	        "                         0600, for 'piiaudit redact --plan FILE'\n"
	        "  -h, --help             this help\n"
	        "\n"
	        "Exit status: 0 looked up (found or not: 'no occurrence' says so), 2 usage or\n"
	        "configuration error (no such database, no key, a database made with another\n"
	        "key), 3 a database could not be read.\n",
	        key);
}

struct subject_value {
	char category[32];
	char *value;                /* as given; wiped and freed at the end */
	char masked[DB_PREVIEW_MAX];
	char fingerprint[DB_FINGERPRINT_HEX];
	char origin[64];            /* "--email" or "FILE:LINE", for messages */
};

struct subject {
	struct subject_value *items;
	size_t count, alloc;
};

struct occurrence {
	size_t value;               /* index into the subject's values */
	const char *db_path;
	int64_t run;
	char *run_uuid, *run_kind, *run_label;
	char *source, *member, *field, *rule, *category;
	int64_t record, line, offset, length;
	bool placeholder;
};

struct occurrences {
	struct occurrence *items;
	size_t count, alloc;
};

static void subject_release(struct subject *s)
{
	for (size_t i = 0; i < s->count; i++) {
		if (s->items[i].value) {
			explicit_bzero(s->items[i].value, strlen(s->items[i].value));
			free(s->items[i].value);
		}
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}

static void occurrences_release(struct occurrences *o)
{
	for (size_t i = 0; i < o->count; i++) {
		struct occurrence *x = &o->items[i];
		free(x->run_uuid);
		free(x->run_kind);
		free(x->run_label);
		free(x->source);
		free(x->member);
		free(x->field);
		free(x->rule);
		free(x->category);
	}
	free(o->items);
	memset(o, 0, sizeof(*o));
}

/* The category a name on the command line or in a values file stands for;
 * NULL when none.  *names is set for a person's name. */
static const char *category_of(const char *name, bool *names)
{
	static const char *const alias[][2] = {
		{ "card", "credit_card" }, { "ssn", "us_ssn" }, { "national-id", "national_id" },
		{ "mail", "email" }, { "e-mail", "email" },
	};
	*names = !strcmp(name, "name") || !strcmp(name, "person") || !strcmp(name, "full_name");
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(name, alias[i][0]))
			return alias[i][1];
	for (size_t i = 0; rule_categories[i]; i++)
		if (!strcmp(name, rule_categories[i]))
			return rule_categories[i];
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* Adds a value; on a problem prints it (naming origin) and returns -1. */
static int subject_add(struct subject *s, const char *category_name, const char *value,
                       const char *origin)
{
	bool names;
	const char *category = category_of(category_name, &names);
	char normal[VALUE_MAX];
	if (names) {
		diag("%s: names are out of scope: lookup finds values that rules match and"
		     " fingerprint (e-mail, phone, card, IBAN, id numbers), not names", origin);
		return -1;
	}
	if (!category) {
		diag("%s: unknown category '%s' (email, phone, credit_card, iban, us_ssn, national_id,"
		     " ... as in piiaudit-rules(5))", origin, category_name);
		return -1;
	}
	size_t len = strlen(value);
	if (!len) {
		diag("%s: an empty %s value", origin, category);
		return -1;
	}
	if (len >= VALUE_MAX) {
		diag("%s: a %s value longer than %d bytes", origin, category, VALUE_MAX - 1);
		return -1;
	}
	size_t n = rule_normalize(category, value, len, normal, sizeof(normal));
	explicit_bzero(normal, sizeof(normal));
	if (!n) {
		diag("%s: nothing to look up: the value has no %s characters", origin,
		     !strcmp(category, "phone") ? "digits or" : "usable");
		return -1;
	}
	if (s->count == s->alloc) {
		size_t grow = s->alloc ? s->alloc * 2 : 8;
		struct subject_value *g = realloc(s->items, grow * sizeof(*g));
		if (!g) {
			diag("out of memory");
			return -1;
		}
		s->items = g;
		s->alloc = grow;
	}
	struct subject_value *v = &s->items[s->count];
	memset(v, 0, sizeof(*v));
	snprintf(v->category, sizeof(v->category), "%s", category);
	snprintf(v->origin, sizeof(v->origin), "%s", origin);
	if (!(v->value = strdup(value))) {
		diag("out of memory");
		return -1;
	}
	rule_mask(category, value, len, v->masked, sizeof(v->masked));
	s->count++;
	return 0;
}

/* --value CATEGORY=V, and a line of --values-from: CATEGORY=V or
 * CATEGORY<TAB>V, split at the first of the two. */
static int subject_add_pair(struct subject *s, char *pair, const char *origin)
{
	size_t cut = strcspn(pair, "=\t");
	if (!pair[cut]) {
		diag("%s: expected CATEGORY=VALUE or CATEGORY<TAB>VALUE", origin);
		return -1;
	}
	pair[cut] = '\0';
	char *category = trim(pair), *value = trim(pair + cut + 1);
	return subject_add(s, category, value, origin);
}

static int values_from(struct subject *s, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0, total = 0, lineno = 0;
	ssize_t n;
	int rc = 0;
	if (!f) {
		diag("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		char origin[64];
		lineno++;
		total += (size_t)n;
		if (total > VALUES_FILE_MAX) {
			diag("%s: larger than %u MiB", path, VALUES_FILE_MAX >> 20);
			rc = -1;
			break;
		}
		if (memchr(line, '\0', (size_t)n)) {
			diag("%s:%zu: a NUL byte", path, lineno);
			rc = -1;
			break;
		}
		char *t = trim(line);
		if (!*t || *t == '#')
			continue;
		snprintf(origin, sizeof(origin), "%s:%zu", path, lineno);
		if (subject_add_pair(s, t, origin))
			rc = -1; /* go on: name every bad line */
	}
	if (ferror(f)) {
		diag("%s: read error", path);
		rc = -1;
	}
	if (line) {
		explicit_bzero(line, cap);
		free(line);
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* The key ids a database's runs were made with that are not `key`'s;
 * prints the refusal.  0 when they all match. */
static int check_key(sqlite3 *db, const char *db_path, const struct db_key *key)
{
	sqlite3_stmt *st;
	int rc = 0, step;
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT key_id FROM runs WHERE key_id != ?1 ORDER BY 1",
	                       -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", db_path, sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, key->id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *other = sqlite3_column_text(st, 0);
		diag("%s: fingerprinted with key %s, but %s is key %s: give that database's key"
		     " with --key", db_path, other ? (const char *)other : "?", key->path, key->id);
		rc = -1;
	}
	if (step != SQLITE_DONE) {
		diag("%s: %s", db_path, sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	const unsigned char *t = sqlite3_column_text(st, col);
	return strdup(t ? (const char *)t : "");
}

static int find_occurrences(sqlite3 *db, const char *db_path, const struct subject *s,
                            struct occurrences *out)
{
	sqlite3_stmt *st;
	int rc = -1;
	if (sqlite3_prepare_v2(db,
	                       "SELECT r.id, r.uuid, r.kind, r.label, s.path, s.member, f.record,"
	                       " f.field, f.line, f.offset, f.length, f.rule, f.category, f.placeholder"
	                       " FROM runs r CROSS JOIN findings f ON f.run_id = r.id"
	                       " AND f.fingerprint = ?1 JOIN sources s ON s.id = f.source_id"
	                       " ORDER BY r.id, s.path, s.member IS NOT NULL, s.member, f.offset, f.rule",
	                       -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", db_path, sqlite3_errmsg(db));
		return -1;
	}
	for (size_t v = 0; v < s->count; v++) {
		int step;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, s->items[v].fingerprint, -1, SQLITE_STATIC);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			if (out->count == out->alloc) {
				size_t grow = out->alloc ? out->alloc * 2 : 64;
				struct occurrence *g = realloc(out->items, grow * sizeof(*g));
				if (!g)
					goto oom;
				out->items = g;
				out->alloc = grow;
			}
			struct occurrence *o = &out->items[out->count++];
			memset(o, 0, sizeof(*o));
			o->value = v;
			o->db_path = db_path;
			o->run = sqlite3_column_int64(st, 0);
			o->run_uuid = col_dup(st, 1);
			o->run_kind = col_dup(st, 2);
			o->run_label = col_dup(st, 3);
			o->source = col_dup(st, 4);
			o->member = col_dup(st, 5);
			o->record = sqlite3_column_int64(st, 6);
			o->field = col_dup(st, 7);
			o->line = sqlite3_column_int64(st, 8);
			o->offset = sqlite3_column_int64(st, 9);
			o->length = sqlite3_column_int64(st, 10);
			o->rule = col_dup(st, 11);
			o->category = col_dup(st, 12);
			o->placeholder = sqlite3_column_int(st, 13) != 0;
			if (!o->run_uuid || !o->source || !o->rule || !o->category)
				goto oom;
		}
		if (step != SQLITE_DONE) {
			diag("%s: %s", db_path, sqlite3_errmsg(db));
			goto out;
		}
	}
	rc = 0;
	goto out;
oom:
	diag("out of memory");
out:
	sqlite3_finalize(st);
	return rc;
}

static void put_location_text(FILE *out, const struct occurrence *o, bool many_dbs)
{
	fputs("  ", out);
	if (many_dbs)
		fprintf(out, "%s ", o->db_path);
	fprintf(out, "run %lld: %s%s%s", (long long)o->run, o->source, o->member ? "!" : "",
	        o->member ? o->member : "");
	if (o->record > 0)
		fprintf(out, " record %lld", (long long)o->record);
	if (o->field)
		fprintf(out, " field %s", o->field);
	fprintf(out, " line %lld offset %lld length %lld (%s%s)\n", (long long)o->line,
	        (long long)o->offset, (long long)o->length, o->rule,
	        o->placeholder ? ", a documentation placeholder" : "");
}

static void json_str(FILE *out, const char *s)
{
	if (s)
		json_write_string(out, s, strlen(s));
	else
		fputs("null", out);
}

static void put_location_json(FILE *out, const struct occurrence *o)
{
	fputs("{\"database\":", out);
	json_str(out, o->db_path);
	fprintf(out, ",\"run\":%lld,\"run_uuid\":", (long long)o->run);
	json_str(out, o->run_uuid);
	fputs(",\"run_kind\":", out);
	json_str(out, o->run_kind);
	fputs(",\"run_label\":", out);
	json_str(out, o->run_label);
	fputs(",\"source\":", out);
	json_str(out, o->source);
	fputs(",\"member\":", out);
	json_str(out, o->member);
	if (o->record > 0)
		fprintf(out, ",\"record\":%lld", (long long)o->record);
	else
		fputs(",\"record\":null", out);
	fputs(",\"field\":", out);
	json_str(out, o->field);
	fprintf(out, ",\"line\":%lld,\"offset\":%lld,\"length\":%lld,\"rule\":", (long long)o->line,
	        (long long)o->offset, (long long)o->length);
	json_str(out, o->rule);
	fputs(",\"category\":", out);
	json_str(out, o->category);
	fprintf(out, ",\"placeholder\":%s}", o->placeholder ? "true" : "false");
}

/* Distinct sources (path and member) among a value's occurrences. */
static size_t count_sources(const struct occurrences *occ, size_t v)
{
	size_t n = 0;
	for (size_t i = 0; i < occ->count; i++) {
		const struct occurrence *o = &occ->items[i];
		bool seen = false;
		if (o->value != v)
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct occurrence *p = &occ->items[j];
			seen = p->value == v && !strcmp(p->source, o->source) &&
			       ((!p->member && !o->member) || (p->member && o->member && !strcmp(p->member, o->member)));
		}
		n += !seen;
	}
	return n;
}

static int loc_cmp(const void *a, const void *b)
{
	const struct occurrence *x = *(struct occurrence *const *)a, *y = *(struct occurrence *const *)b;
	int c = strcmp(x->source, y->source);
	if (c)
		return c;
	if (!x->member != !y->member)
		return x->member ? 1 : -1;
	if (x->member && (c = strcmp(x->member, y->member)))
		return c;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->length != y->length)
		return x->length < y->length ? -1 : 1;
	return strcmp(x->category, y->category);
}

/* Each place once, whatever the runs and databases that saw it. */
static int write_plan(const char *path, const struct subject *s, const struct occurrences *occ,
                      const char *key_id, size_t *written)
{
	struct occurrence **order = malloc((occ->count ? occ->count : 1) * sizeof(*order));
	int fd = -1, rc = -1;
	FILE *f = NULL;
	*written = 0;
	if (!order) {
		diag("out of memory");
		return -1;
	}
	for (size_t i = 0; i < occ->count; i++)
		order[i] = &occ->items[i];
	qsort(order, occ->count, sizeof(*order), loc_cmp);
	fd = open_output(path, true);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		diag("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	for (size_t i = 0; i < occ->count; i++) {
		const struct occurrence *o = order[i];
		if (i && !loc_cmp(&order[i - 1], &order[i]))
			continue;
		fputs("{\"source\":", f);
		json_str(f, o->source);
		fputs(",\"member\":", f);
		json_str(f, o->member);
		fprintf(f, ",\"offset\":%lld,\"length\":%lld,\"category\":", (long long)o->offset,
		        (long long)o->length);
		json_str(f, o->category);
		fputs(",\"fingerprint\":", f);
		json_str(f, s->items[o->value].fingerprint);
		fputs(",\"rule\":", f);
		json_str(f, o->rule);
		fprintf(f, ",\"line\":%lld", (long long)o->line);
		if (o->record > 0)
			fprintf(f, ",\"record\":%lld", (long long)o->record);
		fprintf(f, ",\"key_id\":\"%s\"}\n", key_id);
		(*written)++;
	}
	if (fflush(f) || ferror(f)) {
		diag("%s: write error", path);
		goto out;
	}
	rc = 0;
out:
	if (f && fclose(f) && !rc) {
		diag("%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(order);
	return rc;
}

enum {
	OPT_DB = 256, OPT_KEY, OPT_EMAIL, OPT_PHONE, OPT_CARD, OPT_IBAN, OPT_SSN, OPT_NATIONAL_ID,
	OPT_VALUE, OPT_VALUES_FROM, OPT_FORMAT, OPT_REDACT_PLAN,
};

int cmd_lookup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "email", required_argument, NULL, OPT_EMAIL },
		{ "phone", required_argument, NULL, OPT_PHONE },
		{ "card", required_argument, NULL, OPT_CARD },
		{ "iban", required_argument, NULL, OPT_IBAN },
		{ "ssn", required_argument, NULL, OPT_SSN },
		{ "national-id", required_argument, NULL, OPT_NATIONAL_ID },
		{ "value", required_argument, NULL, OPT_VALUE },
		{ "values-from", required_argument, NULL, OPT_VALUES_FROM },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "redact-plan", required_argument, NULL, OPT_REDACT_PLAN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const option_category[][2] = {
		[OPT_EMAIL - OPT_EMAIL] = { "--email", "email" },
		[OPT_PHONE - OPT_EMAIL] = { "--phone", "phone" },
		[OPT_CARD - OPT_EMAIL] = { "--card", "credit_card" },
		[OPT_IBAN - OPT_EMAIL] = { "--iban", "iban" },
		[OPT_SSN - OPT_EMAIL] = { "--ssn", "us_ssn" },
		[OPT_NATIONAL_ID - OPT_EMAIL] = { "--national-id", "national_id" },
	};
	struct rule_strings dbs = { 0 }, from_files = { 0 };
	struct subject subject = { 0 };
	struct occurrences occ = { 0 };
	struct db_store **stores = NULL;
	struct db_key key;
	const char *key_path = NULL, *format = "text", *plan_path = NULL;
	char key_file[4096], err[1024];
	bool key_loaded = false, bad_value = false;
	int status = EXIT_USAGE, c;
	memset(&key, 0, sizeof(key));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			if (rule_strings_push(&dbs, optarg))
				goto oom;
			break;
		case OPT_KEY: key_path = optarg; break;
		case OPT_EMAIL: case OPT_PHONE: case OPT_CARD: case OPT_IBAN: case OPT_SSN:
		case OPT_NATIONAL_ID:
			bad_value |= subject_add(&subject, option_category[c - OPT_EMAIL][1], optarg,
			                         option_category[c - OPT_EMAIL][0]) != 0;
			break;
		case OPT_VALUE: {
			char *pair = strdup(optarg);
			if (!pair)
				goto oom;
			bad_value |= subject_add_pair(&subject, pair, "--value") != 0;
			explicit_bzero(pair, strlen(optarg));
			free(pair);
			break;
		}
		case OPT_VALUES_FROM:
			if (rule_strings_push(&from_files, optarg))
				goto oom;
			break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_REDACT_PLAN: plan_path = optarg; break;
		case 'h': lookup_usage(stdout); status = EXIT_FINISHED; goto out;
		default: status = usage_bad_option("lookup", c, argv); goto out;
		}
	}
	if (optind < argc) {
		status = usage_error("lookup", "unexpected argument '%s' (values come with --email, --phone,"
		                     " ... or --value CATEGORY=V)", argv[optind]);
		goto out;
	}
	if (strcmp(format, "text") && strcmp(format, "json")) {
		status = usage_error("lookup", "unknown format '%s' (text or json)", format);
		goto out;
	}
	for (size_t i = 0; i < from_files.count; i++)
		bad_value |= values_from(&subject, from_files.items[i]) != 0;
	if (bad_value) {
		status = usage_error("lookup", "nothing looked up");
		goto out;
	}
	if (!subject.count) {
		status = usage_error("lookup", "no values to look up (--email, --phone, --card, --iban, --ssn,"
		                     " --national-id, --value or --values-from)");
		goto out;
	}
	if (!dbs.count && rule_strings_push(&dbs, "piiaudit.db"))
		goto oom;

	/* The key: never created here, a new key would find nothing. */
	if (key_path)
		snprintf(key_file, sizeof(key_file), "%s", key_path);
	else if (db_key_default_path(key_file, sizeof(key_file))) {
		diag("no key file: give --key FILE or set PIIAUDIT_KEY_FILE");
		goto out;
	}
	if (db_key_load(&key, key_file, 0, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	key_loaded = true;
	for (size_t i = 0; i < subject.count; i++) {
		struct subject_value *v = &subject.items[i];
		char normal[VALUE_MAX];
		size_t n = rule_normalize(v->category, v->value, strlen(v->value), normal, sizeof(normal));
		db_key_fingerprint(&key, v->category, normal, n, v->fingerprint);
		explicit_bzero(normal, sizeof(normal));
	}

	/* Every database is opened and its key checked before anything is said. */
	stores = calloc(dbs.count, sizeof(*stores));
	if (!stores)
		goto oom;
	bool refused = false;
	for (size_t i = 0; i < dbs.count; i++) {
		if (db_open(&stores[i], dbs.items[i], false, err, sizeof(err))) {
			diag("%s", err);
			refused = true;
			continue;
		}
		if (check_key(db_handle(stores[i]), dbs.items[i], &key))
			refused = true;
	}
	if (refused)
		goto out;
	for (size_t i = 0; i < dbs.count; i++)
		if (find_occurrences(db_handle(stores[i]), dbs.items[i], &subject, &occ)) {
			status = EXIT_UNREADABLE;
			goto out;
		}

	bool json = !strcmp(format, "json");
	if (json) {
		printf("{\"key_id\":\"%s\",\"databases\":[", key.id);
		for (size_t i = 0; i < dbs.count; i++) {
			fputs(i ? "," : "", stdout);
			json_str(stdout, dbs.items[i]);
		}
		fputs("],\"names\":\"out of scope: only values that rules match and fingerprint are"
		      " looked up\",\"values\":[", stdout);
	} else {
		printf("lookup of %zu value%s in %zu database%s (key %s); names are out of scope\n",
		       subject.count, subject.count == 1 ? "" : "s", dbs.count, dbs.count == 1 ? "" : "s",
		       key.id);
	}
	for (size_t v = 0; v < subject.count; v++) {
		const struct subject_value *sv = &subject.items[v];
		size_t n = 0;
		for (size_t i = 0; i < occ.count; i++)
			n += occ.items[i].value == v;
		if (json) {
			fputs(v ? ",\n" : "\n", stdout);
			fputs("{\"category\":", stdout);
			json_str(stdout, sv->category);
			fputs(",\"masked\":", stdout);
			json_str(stdout, sv->masked);
			fprintf(stdout, ",\"fingerprint\":\"%s\",\"occurrences\":%zu,\"sources\":%zu,"
			        "\"locations\":[", sv->fingerprint, n, count_sources(&occ, v));
			size_t k = 0;
			for (size_t i = 0; i < occ.count; i++)
				if (occ.items[i].value == v) {
					fputs(k++ ? "," : "", stdout);
					put_location_json(stdout, &occ.items[i]);
				}
			fputs("]}", stdout);
			continue;
		}
		printf("\n%s %s: ", sv->category, sv->masked);
		if (!n) {
			printf("no occurrence\n");
			continue;
		}
		printf("%zu occurrence%s in %zu source%s\n", n, n == 1 ? "" : "s", count_sources(&occ, v),
		       count_sources(&occ, v) == 1 ? "" : "s");
		for (size_t i = 0; i < occ.count; i++)
			if (occ.items[i].value == v)
				put_location_text(stdout, &occ.items[i], dbs.count > 1);
	}
	if (json)
		fputs("]}\n", stdout);
	if (fflush(stdout) || ferror(stdout)) {
		diag("standard output: write error");
		status = EXIT_UNREADABLE;
		goto out;
	}
	if (plan_path) {
		size_t written;
		if (write_plan(plan_path, &subject, &occ, key.id, &written)) {
			status = EXIT_UNREADABLE;
			goto out;
		}
		diag("%s: %zu locations to redact", plan_path, written);
	}
	status = EXIT_FINISHED;
	goto out;
oom:
	diag("out of memory");
	status = EXIT_USAGE;
out:
	if (stores)
		for (size_t i = 0; i < dbs.count; i++)
			db_close(stores[i]);
	free(stores);
	if (key_loaded)
		db_key_wipe(&key);
	occurrences_release(&occ);
	subject_release(&subject);
	rule_strings_release(&dbs);
	rule_strings_release(&from_files);
	return status;
}
