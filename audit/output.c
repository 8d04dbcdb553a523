/*
 * audit/output.c - diagnostics, JSON and CSV writing for the front end.
 *
 * Owns nothing; writes to the caller's FILE.  Diagnostics take a lock so
 * that lines from worker threads never interleave.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/cli.h"
#include "db/store.h"
#include "rules/rule_internal.h"
#include "scanners/utf8.h"

static pthread_mutex_t diag_lock = PTHREAD_MUTEX_INITIALIZER;

void diag(const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&diag_lock);
	fputs("piiaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&diag_lock);
}

/* Control characters in names would break the one-line contract. */
static void put_printable(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

void diag_source(const char *path, const char *member, const char *reason)
{
	pthread_mutex_lock(&diag_lock);
	fputs("piiaudit: ", stderr);
	put_printable(stderr, path);
	if (member) {
		fputc('!', stderr);
		put_printable(stderr, member);
	}
	fputs(": ", stderr);
	put_printable(stderr, reason ? reason : "error");
	fputc('\n', stderr);
	pthread_mutex_unlock(&diag_lock);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&diag_lock);
	fputs("piiaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'piiaudit %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	pthread_mutex_unlock(&diag_lock);
	return EXIT_USAGE;
}

int usage_bad_option(const char *cmd, int c, char **argv)
{
	const char *word = optind > 0 ? argv[optind - 1] : "?";
	if (c == ':')
		return usage_error(cmd, "option '%s' needs a value", word);
	if (optopt && optopt != '?' && !(word[0] == '-' && word[1] == '-'))
		return usage_error(cmd, "unknown option '-%c'", optopt);
	return usage_error(cmd, "unknown option '%s'", word);
}

bool stderr_is_terminal(void)
{
	const char *term = getenv("TERM");
	return isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb"));
}

void json_write_string(FILE *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', out);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", out); break;
			case '\r': fputs("\\r", out); break;
			case '\t': fputs("\\t", out); break;
			default: fprintf(out, "\\u%04x", c); break;
			}
			i++;
		} else {
			size_t len = utf8_seq_len(s + i, n - i);
			if (len == 0) {
				fputs("\\ufffd", out);
				i++;
			} else {
				fwrite(s + i, 1, len, out);
				i += len;
			}
		}
	}
	fputc('"', out);
}

/* A CSV field of prefix (no quote, comma or newline in it) then s. */
static void csv_write(FILE *out, const char *prefix, const char *s, size_t n)
{
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		fputs(prefix, out);
		fwrite(s, 1, n, out);
		return;
	}
	fputc('"', out);
	fputs(prefix, out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

void csv_write_field(FILE *out, const char *s, size_t n)
{
	csv_write(out, "", s, n);
}

void csv_write_text(FILE *out, const char *s, size_t n)
{
	csv_write(out, n && memchr("=+-@\t\r", s[0], 6) ? "'" : "", s, n);
}

void format_bytes(char *out, size_t cap, double bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	size_t u = 0;
	while (bytes >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1000;
		u++;
	}
	snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

char *json_argv(int argc, char **argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	fputc('[', out);
	for (int i = 0; i < argc; i++) {
		if (i)
			fputc(',', out);
		json_write_string(out, argv[i], strlen(argv[i]));
	}
	fputc(']', out);
	if (fclose(out)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int split_list(struct rule_strings *list, const char *csv)
{
	const char *p = csv;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n) {
			char *item = strndup(p, n);
			int rc = item ? rule_strings_push(list, item) : -1;
			free(item);
			if (rc)
				return -1;
		}
		p += n + (comma != NULL);
	}
	return 0;
}

int parse_engine(const char *name, enum rule_engine *out)
{
	if (!strcmp(name, "auto"))
		*out = RULE_ENGINE_AUTO;
	else if (!strcmp(name, "pcre2"))
		*out = RULE_ENGINE_PCRE2;
	else if (!strcmp(name, "hyperscan"))
		*out = RULE_ENGINE_HYPERSCAN;
	else
		return -1;
	return 0;
}

int load_rules(struct ruleset *set, const struct rule_options *o)
{
	set->engine = o->engine;
	if (!o->no_builtin) {
		const char *dir = ruleset_builtin_dir();
		if (!dir) {
			diag("no built-in rule packs found (set PIIAUDIT_RULES_DIR, or use --rules)");
			return -1;
		}
		if (ruleset_load_path(set, dir)) {
			diag("%s", ruleset_error(set));
			return -1;
		}
	}
	for (size_t i = 0; i < o->packs.count; i++)
		if (ruleset_load_path(set, o->packs.items[i])) {
			diag("%s", ruleset_error(set));
			return -1;
		}
	for (size_t i = 0; i < o->only.count; i++)
		if (!rule_category_known(o->only.items[i])) {
			diag("--only: unknown category '%s'", o->only.items[i]);
			return -1;
		}
	for (size_t i = 0; i < o->disable.count; i++)
		if (!ruleset_find(set, o->disable.items[i])) {
			diag("--disable: no rule '%s'", o->disable.items[i]);
			return -1;
		}
	ruleset_filter(set, &o->disable, &o->only);
	if (ruleset_compile(set)) {
		diag("%s", ruleset_error(set));
		return -1;
	}
	size_t enabled = 0;
	for (size_t i = 0; i < set->count; i++)
		enabled += !set->rules[i].disabled;
	if (!enabled) {
		diag("no rules to run");
		return -1;
	}
	return 0;
}

void rule_options_release(struct rule_options *o)
{
	rule_strings_release(&o->packs);
	rule_strings_release(&o->disable);
	rule_strings_release(&o->only);
}

bool load_check_key(struct db_key *key, const char *key_path, const char *run_key_id,
                    const char *otherwise)
{
	char path[4096], err[1024];
	if (key_path)
		snprintf(path, sizeof(path), "%s", key_path);
	else if (db_key_default_path(path, sizeof(path)))
		return false;
	if (db_key_load(key, path, 0, err, sizeof(err))) {
		if (key_path)
			diag("%s; %s", err, otherwise);
		return false;
	}
	if (strcmp(key->id, run_key_id)) {
		diag("%s: key %s is not the run's key %s; %s", path, key->id, run_key_id, otherwise);
		db_key_wipe(key);
		return false;
	}
	return true;
}

bool value_is_finding(const struct db_key *key, const char *category, const char *value,
                      size_t len, const char *fingerprint, const char *preview)
{
	if (key) {
		char normal[4096], fp[DB_FINGERPRINT_HEX];
		size_t n = rule_normalize(category, value, len, normal, sizeof(normal));
		db_key_fingerprint(key, category, normal, n, fp);
		explicit_bzero(normal, sizeof(normal));
		return !strcmp(fp, fingerprint);
	}
	if (preview) {
		char masked[DB_PREVIEW_MAX];
		rule_mask(category, value, len, masked, sizeof(masked));
		return !strcmp(masked, preview);
	}
	return true;
}

int run_csv_format(struct db_store *db, int64_t run)
{
	char format[16];
	/* getopt_long takes "--for": "--fo" is also --follow. */
	if (db_run_option(db, run, "format", 3, format, sizeof(format)) != 1)
		return 0;
	return !strcmp(format, "csv") ? ',' : !strcmp(format, "tsv") ? '\t'
	       : !strcmp(format, "json") ? -1 : 0;
}
