/*
 * audit/redact_plan.c - reading an erasure plan (see redact_plan.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/redact_plan.h"
#include "rules/rule.h"
#include "scanners/json_fields.h"

#define PLAN_LINE_MAX (1u << 20)

/* One decoded member of a flat JSON object. */
struct plan_field {
	enum { PF_NULL, PF_STRING, PF_NUMBER, PF_BOOL } type;
	char *text;                 /* PF_STRING: decoded, NUL-terminated, malloc'd */
	long long number;
};

static void skip_ws(const char *s, size_t *i)
{
	while (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\r')
		(*i)++;
}

/* A string at s[*i] == '"': decoded into a malloc'd, NUL-free text. */
static const char *parse_string(const char *s, size_t *i, char **out)
{
	size_t start = ++*i, end;
	for (end = start; s[end] && s[end] != '"'; end++) {
		if ((unsigned char)s[end] < 0x20)
			return "control character in a string";
		if (s[end] == '\\' && s[end + 1])
			end++;
	}
	if (s[end] != '"')
		return "unterminated string";
	size_t n = end - start;
	unsigned char *text = malloc(n + 1);
	uint32_t *map = malloc((n + 1) * sizeof(*map));
	if (!text || !map) {
		free(text);
		free(map);
		return "out of memory";
	}
	size_t len = json_decode_string((const unsigned char *)s + start, n, text, map);
	free(map);
	if (memchr(text, 0, len)) {
		free(text);
		return "NUL in a string";
	}
	text[len] = '\0';
	*out = (char *)text;
	*i = end + 1;
	return NULL;
}

static const char *parse_value(const char *s, size_t *i, struct plan_field *f)
{
	memset(f, 0, sizeof(*f));
	if (s[*i] == '"') {
		f->type = PF_STRING;
		return parse_string(s, i, &f->text);
	}
	if (!strncmp(s + *i, "null", 4)) {
		*i += 4;
		return NULL;
	}
	if (!strncmp(s + *i, "true", 4) || !strncmp(s + *i, "false", 5)) {
		f->type = PF_BOOL;
		*i += s[*i] == 't' ? 4 : 5;
		return NULL;
	}
	char *end;
	errno = 0;
	f->number = strtoll(s + *i, &end, 10);
	if (end == s + *i || errno || *end == '.' || *end == 'e' || *end == 'E')
		return "expected a string, an integer or null";
	f->type = PF_NUMBER;
	*i = (size_t)(end - s);
	return NULL;
}

static void loc_release(struct plan_loc *l)
{
	free(l->source);
	free(l->real);
	free(l->member);
	free(l->rule);
}

/* One line into loc; key_id (17 bytes) receives the line's key_id. */
static const char *parse_line(const char *s, struct plan_loc *loc, char *key_id)
{
	size_t i = 0;
	bool have_offset = false, have_length = false;
	const char *why = NULL;
	skip_ws(s, &i);
	if (s[i] != '{')
		return "not a JSON object";
	i++;
	skip_ws(s, &i);
	if (s[i] == '}')
		i++;
	else
		for (;;) {
			char *key = NULL;
			struct plan_field f;
			skip_ws(s, &i);
			if (s[i] != '"')
				return "expected a key";
			if ((why = parse_string(s, &i, &key)))
				return why;
			skip_ws(s, &i);
			if (s[i] != ':') {
				free(key);
				return "expected ':'";
			}
			i++;
			skip_ws(s, &i);
			if ((why = parse_value(s, &i, &f))) {
				free(key);
				return why;
			}
			bool str = f.type == PF_STRING, num = f.type == PF_NUMBER, null = f.type == PF_NULL;
			if (!strcmp(key, "source") && str) {
				free(loc->source);
				loc->source = f.text;
				f.text = NULL;
			} else if (!strcmp(key, "member") && (str || null)) {
				free(loc->member);
				loc->member = f.text;
				f.text = NULL;
			} else if (!strcmp(key, "rule") && (str || null)) {
				free(loc->rule);
				loc->rule = f.text;
				f.text = NULL;
			} else if (!strcmp(key, "category") && str && strlen(f.text) < sizeof(loc->category)) {
				snprintf(loc->category, sizeof(loc->category), "%s", f.text);
			} else if (!strcmp(key, "fingerprint") && str && strlen(f.text) == DB_FINGERPRINT_HEX - 1 &&
			           strspn(f.text, "0123456789abcdef") == DB_FINGERPRINT_HEX - 1) {
				memcpy(loc->fingerprint, f.text, DB_FINGERPRINT_HEX);
			} else if (!strcmp(key, "key_id") && str && strlen(f.text) < 17) {
				snprintf(key_id, 17, "%s", f.text);
			} else if (!strcmp(key, "offset") && num && f.number >= 0) {
				loc->offset = (uint64_t)f.number;
				have_offset = true;
			} else if (!strcmp(key, "length") && num && f.number > 0 && f.number <= 1 << 20) {
				loc->length = (uint64_t)f.number;
				have_length = true;
			} else if (!strcmp(key, "record") && (num || null)) {
				loc->record = num ? f.number : 0;
			} else if (!strcmp(key, "line") && (num || null)) {
				loc->line = num ? f.number : 0;
			} else if (!strcmp(key, "source") || !strcmp(key, "member") || !strcmp(key, "rule") ||
			           !strcmp(key, "category") || !strcmp(key, "fingerprint") || !strcmp(key, "key_id") ||
			           !strcmp(key, "offset") || !strcmp(key, "length") || !strcmp(key, "record") ||
			           !strcmp(key, "line")) {
				why = "a key with a value of the wrong type";
			}
			/* Other keys are for people: kept out, not refused. */
			free(key);
			free(f.text);
			if (why)
				return why;
			skip_ws(s, &i);
			if (s[i] == ',') {
				i++;
				continue;
			}
			if (s[i] == '}') {
				i++;
				break;
			}
			return "expected ',' or '}'";
		}
	skip_ws(s, &i);
	if (s[i] && s[i] != '\n')
		return "text after the object";
	if (!loc->source || !loc->source[0])
		return "no source";
	if (!have_offset || !have_length)
		return "no offset or length";
	if (!loc->category[0] || !rule_category_known(loc->category))
		return "no category, or one that is not a category";
	if (!loc->fingerprint[0])
		return "no fingerprint (64 hex digits)";
	return NULL;
}

static int str_cmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int loc_cmp(const void *a, const void *b)
{
	const struct plan_loc *x = a, *y = b;
	int c = strcmp(x->source, y->source);
	if (!c)
		c = str_cmp_null(x->member, y->member);
	if (!c && x->offset != y->offset)
		c = x->offset < y->offset ? -1 : 1;
	if (!c && x->length != y->length)
		c = x->length < y->length ? -1 : 1;
	return c;
}

static int value_cmp(const void *a, const void *b)
{
	const struct plan_value *x = a, *y = b;
	int c = strcmp(x->category, y->category);
	return c ? c : strcmp(x->fingerprint, y->fingerprint);
}

int redact_plan_load(struct redact_plan *p, const char *path, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, alloc = 0, number = 0;
	ssize_t got;
	int rc = -1;
	memset(p, 0, sizeof(*p));
	if (!strcmp(path, "-"))
		f = stdin;
	else if (!(f = fopen(path, "re"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &cap, f)) >= 0) {
		number++;
		if ((size_t)got > PLAN_LINE_MAX) {
			snprintf(err, errlen, "%s:%zu: line longer than %u bytes", path, number, PLAN_LINE_MAX);
			goto out;
		}
		if ((size_t)got != strlen(line)) {
			snprintf(err, errlen, "%s:%zu: NUL byte", path, number);
			goto out;
		}
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (p->count == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			struct plan_loc *grown = realloc(p->locs, alloc * sizeof(*grown));
			if (!grown) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			p->locs = grown;
		}
		struct plan_loc *loc = &p->locs[p->count];
		char key_id[17] = "";
		memset(loc, 0, sizeof(*loc));
		loc->plan_line = number;
		const char *why = parse_line(line, loc, key_id);
		if (why) {
			loc_release(loc);
			snprintf(err, errlen, "%s:%zu: %s", path, number, why);
			goto out;
		}
		if (key_id[0] && p->key_id[0] && strcmp(key_id, p->key_id)) {
			loc_release(loc);
			snprintf(err, errlen, "%s:%zu: made with key %s, earlier lines with key %s", path, number,
			         key_id, p->key_id);
			goto out;
		}
		if (key_id[0])
			memcpy(p->key_id, key_id, sizeof(p->key_id));
		char real[PATH_MAX];
		if (realpath(loc->source, real) && !(loc->real = strdup(real))) {
			loc_release(loc);
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		p->count++;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!p->count) {
		snprintf(err, errlen, "%s: no locations in the plan", path);
		goto out;
	}
	qsort(p->locs, p->count, sizeof(*p->locs), loc_cmp);
	if (!(p->values = calloc(p->count, sizeof(*p->values)))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (size_t i = 0; i < p->count; i++) {
		memcpy(p->values[i].category, p->locs[i].category, sizeof(p->values[i].category));
		memcpy(p->values[i].fingerprint, p->locs[i].fingerprint, DB_FINGERPRINT_HEX);
	}
	qsort(p->values, p->count, sizeof(*p->values), value_cmp);
	for (size_t i = 0; i < p->count; i++)
		if (!p->value_count || value_cmp(&p->values[p->value_count - 1], &p->values[i]))
			p->values[p->value_count++] = p->values[i];
	rc = 0;
out:
	free(line);
	if (f && f != stdin)
		fclose(f);
	if (rc)
		redact_plan_release(p);
	return rc;
}

void redact_plan_release(struct redact_plan *p)
{
	for (size_t i = 0; i < p->count; i++)
		loc_release(&p->locs[i]);
	free(p->locs);
	free(p->values);
	memset(p, 0, sizeof(*p));
}

bool redact_plan_has(const struct redact_plan *p, const char *category, const char *fingerprint)
{
	struct plan_value key;
	snprintf(key.category, sizeof(key.category), "%s", category);
	memcpy(key.fingerprint, fingerprint, DB_FINGERPRINT_HEX);
	return bsearch(&key, p->values, p->value_count, sizeof(key), value_cmp) != NULL;
}

bool redact_plan_has_category(const struct redact_plan *p, const char *category)
{
	for (size_t i = 0; i < p->value_count; i++)
		if (!strcmp(p->values[i].category, category))
			return true;
	return false;
}

bool redact_plan_loc_in(const struct plan_loc *loc, const char *path, const char *real)
{
	return !strcmp(loc->source, path) || (real && loc->real && !strcmp(loc->real, real));
}

const char *redact_plan_status_name(enum plan_status s)
{
	static const char *const names[] = { "pending", "redacted", "changed", "unread", "not-given" };
	return names[s];
}
