/*
 * The JSON walker (validation, selected paths) and the escape decoder with
 * its map back to raw offsets.
 */
#include <stdio.h>
#include <string.h>

#include "scanners/csv_fields.h"
#include "scanners/json_fields.h"
#include "tests/unit/unit.h"

struct seen {
	size_t count;
	size_t path[16], start[16], end[16];
	/* Under "*": the keys above each value, joined with '.'. */
	const char *text;
	struct json_keys keys;
	char under[16][64];
};

static int on_field(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct seen *s = ctx;
	if (s->count < 16) {
		s->path[s->count] = path_index;
		s->start[s->count] = start;
		s->end[s->count] = end;
		char *at = s->under[s->count];
		*at = 0;
		if (path_index == JSON_PATH_EVERY || path_index == JSON_PATH_EVERY_KEY)
			for (size_t k = 0; k < s->keys.count; k++)
				at += snprintf(at, 64 - (size_t)(at - s->under[s->count]), "%s%.*s", k ? "." : "",
				               (int)(s->keys.end[k] - s->keys.start[k]), s->text + s->keys.start[k]);
	}
	s->count++;
	return 0;
}

static int walk_every(const char *text, struct json_paths *paths, struct seen *s)
{
	struct json_error err;
	memset(s, 0, sizeof(*s));
	s->text = text;
	return json_walk_fields_keys((const unsigned char *)text, strlen(text), paths, on_field, s, &err,
	                             &s->keys);
}

static int walk(const char *text, struct json_paths *paths, struct seen *s);

/* Strings are skipped eight bytes at a time where they hold no quote,
 * backslash or control byte: each of those at every offset from the
 * string's start (and bytes of 0x80 and up around them) is still seen. */
static void test_string_words(void)
{
	struct json_paths paths = {0};
	struct seen s;
	CHECK(json_paths_add(&paths, "k") == 0);
	for (size_t at = 0; at < 20; at++) {
		char doc[64], body[32];
		memset(body, 'a', sizeof(body));
		for (size_t i = 0; i < sizeof(body); i += 5)
			body[i] = (char)0xc3;   /* high bytes mixed in */
		body[24] = 0;
		/* A quote at `at` ends the string there. */
		snprintf(doc, sizeof(doc), "{\"k\":\"%.*s\"}", (int)at, body);
		CHECK(walk(doc, &paths, &s) == 0 && s.count == 1 && s.end[0] - s.start[0] == at);
		/* An escaped quote at `at` does not. */
		snprintf(doc, sizeof(doc), "{\"k\":\"%.*s\\\"%s\"}", (int)at, body, "tail");
		CHECK(walk(doc, &paths, &s) == 0 && s.count == 1 && s.end[0] - s.start[0] == at + 6);
		/* A bad escape and a control byte at `at` are errors. */
		snprintf(doc, sizeof(doc), "{\"k\":\"%.*s\\q%s\"}", (int)at, body, "tail");
		CHECK(walk(doc, &paths, &s) == -1);
		snprintf(doc, sizeof(doc), "{\"k\":\"%.*s\x01%s\"}", (int)at, body, "tail");
		CHECK(walk(doc, &paths, &s) == -1);
		snprintf(doc, sizeof(doc), "{\"k\":\"%.*s\x1f%s\"}", (int)at, body, "tail");
		CHECK(walk(doc, &paths, &s) == -1);
		/* Unterminated after `at` plain bytes. */
		snprintf(doc, sizeof(doc), "{\"k\":\"%.*s", (int)at, body);
		CHECK(walk(doc, &paths, &s) == -1);
	}
	json_paths_release(&paths);
}

static int stop_at_first(void *ctx, size_t path_index, size_t start, size_t end)
{
	(void)path_index;
	(void)start;
	(void)end;
	++*(size_t *)ctx;
	return 5;
}

/* "*": every key, string and number (not true, false or null), with the
 * keys above it; a named path keeps its own index; CSV: every column
 * with its name. */
static void test_every(void)
{
	struct json_paths paths = {0};
	struct seen s;
	CHECK(json_paths_add(&paths, "*") == 0 && paths.every && paths.count == 0);
	const char *doc = "{\"a\":\"x\",\"m\":{\"b\":[\"y\",7,true,null,{\"c\":\"z\"}]},\"e\\\"k\":-1.5}";
	CHECK(walk_every(doc, &paths, &s) == 0);
	CHECK(s.count == 10);
	const size_t want_path[] = { JSON_PATH_EVERY_KEY, JSON_PATH_EVERY, JSON_PATH_EVERY_KEY, JSON_PATH_EVERY_KEY,
	                             JSON_PATH_EVERY, JSON_PATH_EVERY, JSON_PATH_EVERY_KEY, JSON_PATH_EVERY,
	                             JSON_PATH_EVERY_KEY, JSON_PATH_EVERY };
	const char *want_under[] = { "a", "a", "m", "m.b", "m.b", "m.b", "m.b.c", "m.b.c", "e\\\"k", "e\\\"k" };
	const char *want_text[] = { "a", "x", "m", "b", "y", "7", "c", "z", "e\\\"k", "-1.5" };
	for (size_t i = 0; i < 10 && i < s.count; i++) {
		CHECK(s.path[i] == want_path[i]);
		CHECK(!strcmp(s.under[i], want_under[i]));
		CHECK(s.end[i] - s.start[i] == strlen(want_text[i]) &&
		      !memcmp(doc + s.start[i], want_text[i], strlen(want_text[i])));
	}
	/* A named path keeps its index (and numbers there only with scalars);
	 * the rest goes as "*". */
	CHECK(json_paths_add(&paths, "m.b") == 0);
	CHECK(walk_every(doc, &paths, &s) == 0 && s.count == 10);
	CHECK(s.path[4] == 0 && s.path[5] == JSON_PATH_EVERY && s.path[1] == JSON_PATH_EVERY);
	/* A callback's non-zero value stops the walk at a key too. */
	struct json_error err;
	size_t calls = 0;
	CHECK(json_walk_fields_keys((const unsigned char *)"{\"a\":1}", 7, &paths, stop_at_first, &calls, &err,
	                            NULL) == 5 && calls == 1);
	json_paths_release(&paths);
	CHECK(!paths.every);

	/* CSV: columns no item names are selected after the items, each with
	 * its name, quotes undoubled. */
	CHECK(json_paths_add(&paths, "*") == 0 && json_paths_add(&paths, "b") == 0);
	const char *header = "a,b,\"say \"\"hi\"\"\"";
	struct csv_columns cols;
	struct csv_error cerr;
	size_t missing;
	CHECK(csv_columns_read(&cols, (const unsigned char *)header, strlen(header), ',', &paths, &missing,
	                       &cerr) == 0);
	CHECK(missing == CSV_NO_PATH && cols.count == 3 && cols.name);
	CHECK(cols.path[0] == 1 + 0 && cols.path[1] == 0 && cols.path[2] == 1 + 2);
	CHECK(!strcmp(cols.name[0], "a") && !strcmp(cols.name[1], "b") && !strcmp(cols.name[2], "say \"hi\""));
	const char *row = "1,2,3";
	memset(&s, 0, sizeof(s));
	CHECK(csv_walk_row((const unsigned char *)row, strlen(row), ',', &cols, on_field, &s, &cerr) == 0);
	CHECK(s.count == 3 && s.path[0] == 1 && s.path[1] == 0 && s.path[2] == 3);
	csv_columns_release(&cols);
	CHECK(!cols.name && !cols.path);
	json_paths_release(&paths);
	/* Without "*" no names are kept. */
	CHECK(json_paths_add(&paths, "b") == 0);
	CHECK(csv_columns_read(&cols, (const unsigned char *)header, strlen(header), ',', &paths, &missing,
	                       &cerr) == 0);
	CHECK(!cols.name && cols.path[0] == CSV_NO_PATH && cols.path[1] == 0);
	csv_columns_release(&cols);
	json_paths_release(&paths);
}

static int walk(const char *text, struct json_paths *paths, struct seen *s)
{
	struct json_error err;
	memset(s, 0, sizeof(*s));
	return json_walk_fields((const unsigned char *)text, strlen(text), paths, on_field, s, &err);
}

int main(void)
{
	struct json_paths paths = {0};
	struct seen s;
	CHECK(json_paths_add(&paths, "text") == 0);
	CHECK(json_paths_add(&paths, "meta.author") == 0);
	CHECK(json_paths_add(&paths, "") == -1);
	CHECK(json_paths_add(&paths, "a..b") == -1);
	CHECK(json_paths_add(&paths, ".a") == -1);

	const char *doc = "{\"text\":\"hi\",\"meta\":{\"author\":\"x\\\"y\",\"text\":\"no\"},\"n\":[1,2.5e3,true,null]}";
	CHECK(walk(doc, &paths, &s) == 0);
	CHECK(s.count == 2);
	CHECK(s.path[0] == 0 && !memcmp(doc + s.start[0], "hi", 2) && s.end[0] - s.start[0] == 2);
	CHECK(s.path[1] == 1 && s.end[1] - s.start[1] == 4);
	/* Arrays are transparent. */
	CHECK(walk("[{\"text\":\"a\"},{\"text\":\"b\"}]", &paths, &s) == 0 && s.count == 2);
	CHECK(walk("{\"text\":[\"a\",[\"b\"]]}", &paths, &s) == 0 && s.count == 2);

	const char *bad[] = {
		"", "{", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "\"\\x\"", "\"\\u12G4\"",
		"01", "1.", "-", "1e", "tru", "{} x", "\"a\nb\"", "\"unterminated",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int rc = walk(bad[i], &paths, &s);
		if (rc != -1)
			printf("  accepted invalid JSON: %s\n", bad[i]);
		CHECK(rc == -1);
	}
	char deep[600];
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	CHECK(walk(deep, &paths, &s) == -1);

	/* Decoding: escapes, surrogate pairs, and the map back to raw bytes. */
	const char *raw = "a\\u0040b\\n\\ud83d\\ude00\\u00e9z";
	unsigned char out[64];
	uint32_t map[65];
	size_t n = json_decode_string((const unsigned char *)raw, strlen(raw), out, map);
	CHECK(n == 1 + 1 + 1 + 1 + 4 + 2 + 1);
	CHECK(!memcmp(out, "a@b\n\xf0\x9f\x98\x80\xc3\xa9z", n));
	CHECK(map[0] == 0 && map[1] == 1 && map[2] == 7 && map[3] == 8 && map[4] == 10);
	CHECK(map[8] == 22 && map[10] == 28 && map[n] == strlen(raw));
	/* The map at some positions only, in order, one repeated, and one
	 * past the end. */
	size_t want[] = { 0, 2, 2, 4, 8, 10, n, n + 5 };
	uint64_t got[8];
	json_decode_offsets((const unsigned char *)raw, strlen(raw), want, 8, got);
	CHECK(got[0] == 0 && got[1] == 7 && got[2] == 7 && got[3] == 10 && got[4] == 22);
	CHECK(got[5] == 28 && got[6] == strlen(raw) && got[7] == strlen(raw));
	/* A backslash that ends the text is kept, at its own offset. */
	size_t tail[] = { 0, 1, 2 };
	json_decode_offsets((const unsigned char *)"a\\", 2, tail, 3, got);
	CHECK(got[0] == 0 && got[1] == 1 && got[2] == 2);
	/* A lone surrogate becomes U+FFFD. */
	n = json_decode_string((const unsigned char *)"\\ud800x", 7, out, map);
	CHECK(n == 4 && !memcmp(out, "\xef\xbf\xbdx", 4));

	/* Array elements with their spans. */
	const char *arr = " [ {\"a\":1} , \"s\" ,3 ] ";
	struct json_error err;
	memset(&s, 0, sizeof(s));
	CHECK(json_array_elements((const unsigned char *)arr, strlen(arr), on_field, &s, &err) == 0);
	CHECK(s.count == 3 && !memcmp(arr + s.start[1], "\"s\"", 3) && s.end[2] - s.start[2] == 1);
	CHECK(json_array_elements((const unsigned char *)"{}", 2, on_field, &s, &err) == -1);
	json_paths_release(&paths);
	test_every();
	test_string_words();
	return unit_finish("test_json_fields");
}
