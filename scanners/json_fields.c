/*
 * scanners/json_fields.c - a validating JSON walker that reports where the
 * selected string fields are, and the escape decoder with its offset map.
 *
 * Hand-written because a DOM library (jansson) decodes strings but does not
 * say where in the raw bytes they were, and every finding must point at
 * raw bytes.  Recursion is bounded by JSON_MAX_DEPTH; every index is
 * checked against the length, so any byte string is safe to walk (it is
 * fuzzed).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scanners/json_fields.h"

int json_paths_add(struct json_paths *paths, const char *dotted)
{
	struct json_path p = {0};
	size_t n = strlen(dotted);
	if (!strcmp(dotted, "*")) {
		paths->every = true;
		return 0;
	}
	if (!n || dotted[0] == '.' || dotted[n - 1] == '.' || strstr(dotted, ".."))
		return -1;
	p.text = strdup(dotted);
	p.storage = strdup(dotted);
	if (!p.text || !p.storage)
		goto fail;
	for (char *part = p.storage, *dot;; part = dot + 1) {
		if (p.parts == JSON_MAX_PATH_PARTS)
			goto fail;
		dot = strchr(part, '.');
		p.part[p.parts] = part;
		p.part_len[p.parts] = dot ? (size_t)(dot - part) : strlen(part);
		p.parts++;
		if (!dot)
			break;
	}
	struct json_path *grown = realloc(paths->items, (paths->count + 1) * sizeof(*grown));
	if (!grown)
		goto fail;
	paths->items = grown;
	paths->items[paths->count++] = p;
	return 0;
fail:
	free(p.text);
	free(p.storage);
	return -1;
}

const char *json_path_name(const struct json_path *path)
{
	return path->parts ? path->part[path->parts - 1] : path->text;
}

void json_paths_release(struct json_paths *paths)
{
	for (size_t i = 0; i < paths->count; i++) {
		free(paths->items[i].text);
		free(paths->items[i].storage);
	}
	free(paths->items);
	paths->items = NULL;
	paths->count = 0;
	paths->every = false;
}

struct walker {
	const unsigned char *s;
	size_t n, i;
	const struct json_paths *paths;
	json_field_fn fn;
	void *ctx;
	struct json_error *err;
	size_t keys;                                /* keys on the stack */
	size_t key_start[JSON_MAX_DEPTH], key_end[JSON_MAX_DEPTH];
	struct json_keys *out_keys;                 /* for JSON_PATH_EVERY, or NULL */
};

static int fail(struct walker *w, const char *reason)
{
	w->err->offset = w->i;
	w->err->reason = reason;
	return -1;
}

static void skip_ws(struct walker *w)
{
	while (w->i < w->n && (w->s[w->i] == ' ' || w->s[w->i] == '\t' || w->s[w->i] == '\n' ||
	                       w->s[w->i] == '\r'))
		w->i++;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether the 8 bytes hold a quote, a backslash or a control character:
 * the only bytes of a string that need a look (bit tricks on a word; a
 * byte of 0x80 or more is never one). */
static bool word_has_special(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
	uint64_t any = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((v - ones * 0x20) & ~v);
	return (any & highs) != 0;
}

/* At a '"': sets [start, end) to the content and moves past the closing quote. */
static int parse_string(struct walker *w, size_t *start, size_t *end)
{
	if (w->i >= w->n || w->s[w->i] != '"')
		return fail(w, "expected a string");
	*start = ++w->i;
	while (w->i < w->n) {
		/* Plain text eight bytes at a time: most of a record is this. */
		while (w->n - w->i >= 8) {
			uint64_t v;
			memcpy(&v, w->s + w->i, 8);
			if (word_has_special(v))
				break;
			w->i += 8;
		}
		if (w->i >= w->n)
			break;
		unsigned char c = w->s[w->i];
		if (c == '"') {
			*end = w->i++;
			return 0;
		}
		if (c < 0x20)
			return fail(w, "control character in a string");
		if (c != '\\') {
			w->i++;
			continue;
		}
		if (w->i + 1 >= w->n)
			break;
		unsigned char e = w->s[w->i + 1];
		if (e == 'u') {
			if (w->i + 6 > w->n)
				break;
			for (size_t k = 2; k < 6; k++)
				if (hex_value(w->s[w->i + k]) < 0)
					return fail(w, "bad \\u escape");
			w->i += 6;
		} else if (strchr("\"\\/bfnrt", e) && e) {
			w->i += 2;
		} else {
			return fail(w, "bad escape");
		}
	}
	return fail(w, "unterminated string");
}

static bool path_selected(const struct walker *w, size_t *which)
{
	for (size_t p = 0; p < w->paths->count; p++) {
		const struct json_path *path = &w->paths->items[p];
		if (path->parts != w->keys)
			continue;
		size_t k = 0;
		for (; k < w->keys; k++) {
			size_t len = w->key_end[k] - w->key_start[k];
			if (len != path->part_len[k] || memcmp(w->s + w->key_start[k], path->part[k], len))
				break;
		}
		if (k == w->keys) {
			*which = p;
			return true;
		}
	}
	return false;
}

/* Which item selects the string or number at the current keys; with
 * every, one that none does is JSON_PATH_EVERY. */
static bool value_selected(struct walker *w, size_t *which, bool number)
{
	if (!w->fn || !w->paths)
		return false;
	if (path_selected(w, which) && (!number || w->paths->items[*which].scalars))
		return true;
	if (!w->paths->every)
		return false;
	*which = JSON_PATH_EVERY;
	if (w->out_keys)
		*w->out_keys = (struct json_keys){ w->keys, w->key_start, w->key_end };
	return true;
}

static int parse_number(struct walker *w)
{
	size_t at = w->i;
	if (at < w->n && w->s[at] == '-')
		at++;
	if (at >= w->n)
		return fail(w, "bad number");
	if (w->s[at] == '0') {
		at++;
	} else if (w->s[at] >= '1' && w->s[at] <= '9') {
		while (at < w->n && w->s[at] >= '0' && w->s[at] <= '9')
			at++;
	} else {
		return fail(w, "bad number");
	}
	if (at < w->n && w->s[at] == '.') {
		size_t digits = ++at;
		while (at < w->n && w->s[at] >= '0' && w->s[at] <= '9')
			at++;
		if (at == digits)
			return fail(w, "bad number");
	}
	if (at < w->n && (w->s[at] == 'e' || w->s[at] == 'E')) {
		at++;
		if (at < w->n && (w->s[at] == '+' || w->s[at] == '-'))
			at++;
		size_t digits = at;
		while (at < w->n && w->s[at] >= '0' && w->s[at] <= '9')
			at++;
		if (at == digits)
			return fail(w, "bad number");
	}
	w->i = at;
	return 0;
}

static int parse_literal(struct walker *w, const char *word)
{
	size_t len = strlen(word);
	if (w->n - w->i < len || memcmp(w->s + w->i, word, len))
		return fail(w, "unexpected character");
	w->i += len;
	return 0;
}

static int parse_value(struct walker *w, size_t nest);

static int parse_object(struct walker *w, size_t nest)
{
	w->i++;
	skip_ws(w);
	if (w->i < w->n && w->s[w->i] == '}') {
		w->i++;
		return 0;
	}
	for (;;) {
		size_t ks, ke;
		int rc;
		skip_ws(w);
		if ((rc = parse_string(w, &ks, &ke)))
			return rc;
		skip_ws(w);
		if (w->i >= w->n || w->s[w->i] != ':')
			return fail(w, "expected ':'");
		w->i++;
		if (w->keys == JSON_MAX_DEPTH)
			return fail(w, "nested too deep");
		w->key_start[w->keys] = ks;
		w->key_end[w->keys] = ke;
		w->keys++;
		/* Under "*" a key is text too (an address may be one). */
		if (w->fn && w->paths && w->paths->every) {
			if (w->out_keys)
				*w->out_keys = (struct json_keys){ w->keys, w->key_start, w->key_end };
			rc = w->fn(w->ctx, JSON_PATH_EVERY_KEY, ks, ke);
			if (rc) {
				w->keys--;
				return rc;
			}
		}
		rc = parse_value(w, nest + 1);
		w->keys--;
		if (rc)
			return rc;
		skip_ws(w);
		if (w->i < w->n && w->s[w->i] == ',') {
			w->i++;
			continue;
		}
		if (w->i < w->n && w->s[w->i] == '}') {
			w->i++;
			return 0;
		}
		return fail(w, "expected ',' or '}'");
	}
}

static int parse_array(struct walker *w, size_t nest)
{
	w->i++;
	skip_ws(w);
	if (w->i < w->n && w->s[w->i] == ']') {
		w->i++;
		return 0;
	}
	for (;;) {
		int rc = parse_value(w, nest + 1);
		if (rc)
			return rc;
		skip_ws(w);
		if (w->i < w->n && w->s[w->i] == ',') {
			w->i++;
			continue;
		}
		if (w->i < w->n && w->s[w->i] == ']') {
			w->i++;
			return 0;
		}
		return fail(w, "expected ',' or ']'");
	}
}

static int parse_value(struct walker *w, size_t nest)
{
	if (nest > JSON_MAX_DEPTH)
		return fail(w, "nested too deep");
	skip_ws(w);
	if (w->i >= w->n)
		return fail(w, "unexpected end");
	switch (w->s[w->i]) {
	case '{':
		return parse_object(w, nest);
	case '[':
		return parse_array(w, nest);
	case '"': {
		size_t start, end, which;
		int rc = parse_string(w, &start, &end);
		if (rc)
			return rc;
		if (value_selected(w, &which, false))
			return w->fn(w->ctx, which, start, end);
		return 0;
	}
	case 'n':
		return parse_literal(w, "null");
	default: {
		size_t start = w->i, which;
		bool word = w->s[w->i] == 't' || w->s[w->i] == 'f';
		int rc = w->s[w->i] == 't' ? parse_literal(w, "true")
		         : w->s[w->i] == 'f' ? parse_literal(w, "false") : parse_number(w);
		if (rc)
			return rc;
		/* Every number under "*"; true and false only at a named path
		 * that takes scalars (they hold nothing to find). */
		if (word ? w->fn && w->paths && path_selected(w, &which) && w->paths->items[which].scalars
		         : value_selected(w, &which, true))
			return w->fn(w->ctx, which, start, w->i);
		return 0;
	}
	}
}

int json_walk_fields(const unsigned char *text, size_t len, const struct json_paths *paths,
                     json_field_fn fn, void *ctx, struct json_error *err)
{
	return json_walk_fields_keys(text, len, paths, fn, ctx, err, NULL);
}

int json_walk_fields_keys(const unsigned char *text, size_t len, const struct json_paths *paths,
                          json_field_fn fn, void *ctx, struct json_error *err, struct json_keys *keys)
{
	struct walker w = { .s = text, .n = len, .paths = paths, .fn = fn, .ctx = ctx, .err = err,
	                    .out_keys = keys };
	int rc = parse_value(&w, 0);
	if (rc)
		return rc;
	skip_ws(&w);
	return w.i == w.n ? 0 : fail(&w, "text after the value");
}

int json_array_elements(const unsigned char *text, size_t len, json_field_fn fn, void *ctx,
                        struct json_error *err)
{
	struct walker w = { .s = text, .n = len, .err = err };
	skip_ws(&w);
	if (w.i >= w.n || w.s[w.i] != '[')
		return fail(&w, "not a JSON array");
	w.i++;
	skip_ws(&w);
	if (w.i < w.n && w.s[w.i] == ']') {
		w.i++;
	} else {
		for (size_t index = 0;; index++) {
			skip_ws(&w);
			size_t start = w.i;
			int rc = parse_value(&w, 1);
			if (rc)
				return rc;
			if ((rc = fn(ctx, index, start, w.i)))
				return rc;
			skip_ws(&w);
			if (w.i < w.n && w.s[w.i] == ',') {
				w.i++;
				continue;
			}
			if (w.i < w.n && w.s[w.i] == ']') {
				w.i++;
				break;
			}
			return fail(&w, "expected ',' or ']'");
		}
	}
	skip_ws(&w);
	return w.i == w.n ? 0 : fail(&w, "text after the array");
}

static size_t put_utf8(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static int read_u(const unsigned char *raw, size_t n, size_t at, uint32_t *cp)
{
	if (at + 6 > n || raw[at] != '\\' || raw[at + 1] != 'u')
		return -1;
	uint32_t v = 0;
	for (size_t k = 2; k < 6; k++) {
		int h = hex_value(raw[at + k]);
		if (h < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
	}
	*cp = v;
	return 0;
}

/* The escape at raw[i] (a backslash with a byte after it): its decoded
 * bytes in out, their count in *len; returns how many raw bytes it takes. */
static size_t decode_escape(const unsigned char *raw, size_t n, size_t i, unsigned char out[4],
                            size_t *len)
{
	unsigned char e = raw[i + 1], c;
	uint32_t cp;
	switch (e) {
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'n': c = '\n'; break;
	case 'r': c = '\r'; break;
	case 't': c = '\t'; break;
	case 'u': c = 0; break;
	default: c = e; break;
	}
	if (e != 'u' || read_u(raw, n, i, &cp)) {
		out[0] = c ? c : e;
		*len = 1;
		return 2;
	}
	size_t used = 6;
	uint32_t low;
	if (cp >= 0xd800 && cp <= 0xdbff && !read_u(raw, n, i + 6, &low) && low >= 0xdc00 &&
	    low <= 0xdfff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		used = 12;
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		cp = 0xfffd; /* a lone surrogate */
	}
	/* An escape decodes to at most as many bytes as it takes raw. */
	*len = put_utf8(cp, out);
	return used;
}

size_t json_decode_string(const unsigned char *raw, size_t n, unsigned char *out, uint32_t *map)
{
	size_t o = 0, i = 0;
	while (i < n) {
		/* The bytes up to the next escape are copied as they are. */
		const unsigned char *bs = memchr(raw + i, '\\', n - i);
		size_t run = (bs ? (size_t)(bs - raw) : n) - i;
		memcpy(out + o, raw + i, run);
		if (map)
			for (size_t k = 0; k < run; k++)
				map[o + k] = (uint32_t)(i + k);
		o += run;
		i += run;
		if (i >= n)
			break;
		if (i + 1 >= n) {
			/* A backslash that ends the text is kept. */
			if (map)
				map[o] = (uint32_t)i;
			out[o++] = raw[i++];
			continue;
		}
		size_t len, used = decode_escape(raw, n, i, out + o, &len);
		for (size_t k = 0; map && k < len; k++)
			map[o + k] = (uint32_t)i;
		o += len;
		i += used;
	}
	if (map)
		map[o] = (uint32_t)n;
	return o;
}

void json_decode_offsets(const unsigned char *raw, size_t n, const size_t *pos, size_t count,
                         uint64_t *raw_at)
{
	size_t o = 0, i = 0, k = 0;
	while (k < count && i < n) {
		const unsigned char *bs = memchr(raw + i, '\\', n - i);
		size_t run = (bs ? (size_t)(bs - raw) : n) - i;
		for (; k < count && pos[k] < o + run; k++)
			raw_at[k] = i + (pos[k] - o);
		o += run;
		i += run;
		if (i >= n)
			break;
		unsigned char bytes[4];
		size_t len = 1, used = 1;   /* a backslash that ends the text is kept */
		if (i + 1 < n)
			used = decode_escape(raw, n, i, bytes, &len);
		for (; k < count && pos[k] < o + len; k++)
			raw_at[k] = i;
		o += len;
		i += used;
	}
	for (; k < count; k++)
		raw_at[k] = n;
}
