/*
 * tests/fuzz/fuzz_json.c - the JSON record walker and string decoder.
 *
 * The input is one JSON record (a JSONL line or an array element, as the
 * reader hands them out in record mode).  It is walked with
 * json_walk_fields() selecting a fixed set of paths, split with
 * json_array_elements(), and every selected string is decoded with
 * json_decode_string() into buffers of exactly the documented size (n
 * bytes out, n + 1 map entries), so that ASan sees any overrun.
 *
 * Invariants: a selected string lies between two quotes inside the text;
 * decoding never grows, its map is non-decreasing, points into the raw
 * string, ends with n, and a string without backslashes decodes to
 * itself; decoding without a map gives the same bytes, and
 * json_decode_offsets() the map's values at any positions; validity does
 * not depend on the paths; with "*" (and "text"), every key and every
 * string and number is handed out, each string and key between quotes, a
 * number as a number's bytes, the keys above it inside the text in order
 * (a key's own last), and at least the strings the fixed paths select,
 * "text" with its own index; an array that splits
 * cleanly is a valid JSON value and the other way round; every element is
 * valid JSON on its own, and elements come in order without overlapping.
 */
#include <stdbool.h>

#include "scanners/json_fields.h"
#include "tests/fuzz/fuzz_common.h"

static struct json_paths paths, every;

static const char *const path_list[] = {
	"text", "user.email", "messages.content", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p", "\xc3\xa9", "k",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (size_t i = 0; i < sizeof(path_list) / sizeof(path_list[0]); i++)
		if (json_paths_add(&paths, path_list[i]))
			fuzz_die("json_paths_add", path_list[i]);
	if (json_paths_add(&every, "*") || json_paths_add(&every, "text"))
		fuzz_die("json_paths_add", "*");
	struct json_paths bad = {0};
	CHECK(json_paths_add(&bad, "") == -1);
	CHECK(json_paths_add(&bad, ".a") == -1);
	CHECK(json_paths_add(&bad, "a.") == -1);
	CHECK(json_paths_add(&bad, "a..b") == -1);
	CHECK(json_paths_add(&bad, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q") == -1);
	CHECK(bad.count == 0);
	json_paths_release(&bad);
	return 0;
}

struct walk_ctx {
	const unsigned char *text;
	size_t len;
	unsigned fields;
};

static void check_decode(const unsigned char *raw, size_t n)
{
	unsigned char *out = malloc(n ? n : 1);
	uint32_t *map = malloc((n + 1) * sizeof(*map));
	if (!out || !map)
		fuzz_die("malloc", NULL);
	size_t o = json_decode_string(raw, n, out, map);
	CHECK(o <= n);
	CHECK(map[o] == n);
	for (size_t i = 0; i < o; i++) {
		CHECK(map[i] < n);
		if (i)
			CHECK(map[i] >= map[i - 1]);
	}
	if (!memchr(raw, '\\', n))
		CHECK(o == n && !memcmp(out, raw, n));
	/* Without a map: the same bytes. */
	unsigned char *plain = malloc(n ? n : 1);
	if (!plain)
		fuzz_die("malloc", NULL);
	CHECK(json_decode_string(raw, n, plain, NULL) == o && !memcmp(plain, out, o));
	free(plain);
	fuzz_check_offsets(json_decode_offsets, raw, n, map, o);
	free(out);
	free(map);
}

static int on_field(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct walk_ctx *w = ctx;
	CHECK(path_index < paths.count);
	CHECK(start >= 1 && start <= end && end < w->len);
	CHECK(w->text[start - 1] == '"' && w->text[end] == '"');
	w->fields++;
	check_decode(w->text + start, end - start);
	return 0;
}

struct every_ctx {
	const unsigned char *text;
	size_t len;
	unsigned strings;
	struct json_keys keys;
};

static int on_every(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct every_ctx *e = ctx;
	CHECK(path_index == 0 || path_index == JSON_PATH_EVERY || path_index == JSON_PATH_EVERY_KEY);
	CHECK(start <= end && end <= e->len);
	bool quoted = start >= 1 && e->text[start - 1] == '"' && end < e->len && e->text[end] == '"';
	if (path_index == JSON_PATH_EVERY && !quoted) {
		CHECK(start < end);
		for (size_t i = start; i < end; i++)
			CHECK(strchr("0123456789.eE+-", e->text[i]) != NULL);
	} else {
		CHECK(quoted);
	}
	if (path_index != JSON_PATH_EVERY_KEY && quoted)
		e->strings++;
	if (path_index == 0)
		return 0;
	CHECK(e->keys.count <= JSON_MAX_DEPTH);
	for (size_t k = 0; k < e->keys.count; k++) {
		CHECK(e->keys.start[k] >= 1 && e->keys.start[k] <= e->keys.end[k] && e->keys.end[k] < e->len);
		CHECK(e->text[e->keys.start[k] - 1] == '"' && e->text[e->keys.end[k]] == '"');
		if (k)
			CHECK(e->keys.start[k] > e->keys.end[k - 1]);
	}
	if (path_index == JSON_PATH_EVERY_KEY)
		CHECK(e->keys.count && e->keys.start[e->keys.count - 1] == start &&
		      e->keys.end[e->keys.count - 1] == end);
	else if (e->keys.count)
		CHECK(e->keys.end[e->keys.count - 1] < start);
	return 0;
}

struct elem_ctx {
	const unsigned char *text;
	size_t len;
	size_t next_index, last_end;
};

static int on_element(void *ctx, size_t index, size_t start, size_t end)
{
	struct elem_ctx *e = ctx;
	struct json_error err;
	CHECK(index == e->next_index);
	CHECK(start >= e->last_end && start < end && end <= e->len);
	e->next_index++;
	e->last_end = end;
	CHECK(json_walk_fields(e->text + start, end - start, NULL, NULL, NULL, &err) == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_error err = { 0, NULL };
	struct walk_ctx w = { data, size, 0 };
	int valid = json_walk_fields(data, size, &paths, on_field, &w, &err);
	CHECK(valid == 0 || valid == -1);
	if (valid)
		CHECK(err.reason && err.offset <= size);
	struct json_error err2 = { 0, NULL };
	CHECK(json_walk_fields(data, size, NULL, NULL, NULL, &err2) == valid);
	if (valid)
		CHECK(err2.offset == err.offset && !strcmp(err2.reason, err.reason));

	struct every_ctx ev = { .text = data, .len = size };
	struct json_error err4 = { 0, NULL };
	CHECK(json_walk_fields_keys(data, size, &every, on_every, &ev, &err4, &ev.keys) == valid);
	if (valid == 0)
		CHECK(ev.strings >= w.fields);

	struct elem_ctx e = { data, size, 0, 0 };
	struct json_error err3 = { 0, NULL };
	int split = json_array_elements(data, size, on_element, &e, &err3);
	CHECK(split == 0 || split == -1);
	size_t first = 0;
	while (first < size && (data[first] == ' ' || data[first] == '\t' || data[first] == '\n' ||
	                        data[first] == '\r'))
		first++;
	bool is_array = first < size && data[first] == '[';
	if (split == 0)
		CHECK(valid == 0 && is_array);
	if (valid == 0 && is_array)
		CHECK(split == 0);

	/* The whole input as the raw content of one string. */
	check_decode(data, size);
	return 0;
}
