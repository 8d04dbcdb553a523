/*
 * scanners/json_fields.h - the string fields of a JSON record, located in
 * its raw bytes.
 *
 * A record (one JSONL line, or one element of a JSON array) is walked once,
 * validating it, and each string value whose path is selected is handed
 * out as its raw (still escaped) bytes.  json_decode_string() then decodes
 * the escapes for matching and keeps, for every decoded byte, the offset of
 * the raw bytes it came from, so that a finding in the decoded text points
 * back into the file exactly.
 *
 * Paths are dotted keys ("text", "meta.author"); arrays are transparent, so
 * "messages.content" selects the content of every element of messages.
 * The path "*" selects every string and number at any depth, handed out
 * with JSON_PATH_EVERY, and every key, with JSON_PATH_EVERY_KEY
 * (json_walk_fields_keys() says under which keys).
 * The caller owns every buffer; nothing here allocates except
 * json_paths_init() and nothing prints.  Errors: -1 with a reason and the
 * offset where the JSON went wrong.
 */
#ifndef PIIAUDIT_JSON_FIELDS_H
#define PIIAUDIT_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 128
#define JSON_MAX_PATH_PARTS 16

struct json_path {
	char *text;                          /* as given: "meta.author" */
	const char *part[JSON_MAX_PATH_PARTS];
	size_t part_len[JSON_MAX_PATH_PARTS];
	size_t parts;
	char *storage;
	/* Also hand out numbers, true and false at this path, as their raw
	 * text (for ids: 42, 4.5e1, true); null is never handed out. */
	bool scalars;
};

struct json_paths {
	struct json_path *items;
	size_t count;
	/* "*" was added: every string and number that no item selects is
	 * handed out too, with JSON_PATH_EVERY; a CSV's every column (its
	 * index after the items: csv_fields.h). */
	bool every;
};

#define JSON_PATH_EVERY ((size_t)-2)
#define JSON_PATH_EVERY_KEY ((size_t)-3)

/* The name a value at this path goes by: its last key ("author" for
 * "meta.author"), NUL-terminated, the path's own. */
const char *json_path_name(const struct json_path *path);

/* Adds a dotted path ("*": sets every, adds no item); -1 when it is
 * empty, has an empty part or more than JSON_MAX_PATH_PARTS parts, or
 * memory runs out. */
int json_paths_add(struct json_paths *paths, const char *dotted);
void json_paths_release(struct json_paths *paths);

struct json_error {
	size_t offset;
	const char *reason;                  /* static string */
};

/* Called for each selected string: raw[start, end) is its content between
 * the quotes (for a path with scalars, also a number, true or false:
 * raw[start, end) is its text, which decodes to itself).  Non-zero stops the walk and is returned. */
typedef int (*json_field_fn)(void *ctx, size_t path_index, size_t start, size_t end);

/* Walks text[0, len) as exactly one JSON value (surrounding white space
 * allowed).  Returns 0, the callback's non-zero value, or -1 when the text
 * is not valid JSON (err set). */
int json_walk_fields(const unsigned char *text, size_t len, const struct json_paths *paths,
                     json_field_fn fn, void *ctx, struct json_error *err);

/* The keys above a value handed out with JSON_PATH_EVERY, outermost
 * first, as offsets of their raw (still escaped) content in the text;
 * arrays add none; for a key (JSON_PATH_EVERY_KEY), the last is itself.
 * Valid during the callback only. */
struct json_keys {
	size_t count;
	const size_t *start, *end;
};

/* json_walk_fields() that sets *keys before each JSON_PATH_EVERY value
 * (keys may be NULL). */
int json_walk_fields_keys(const unsigned char *text, size_t len, const struct json_paths *paths,
                          json_field_fn fn, void *ctx, struct json_error *err, struct json_keys *keys);

/* Decodes the escapes of raw[0, n) (string content, without quotes) into
 * out (room for n bytes: decoding never grows), with map[i] the raw offset
 * of decoded byte i and map[result] = n (map may be NULL: no map).
 * Returns the decoded length. */
size_t json_decode_string(const unsigned char *raw, size_t n, unsigned char *out, uint32_t *map);

/* The map of json_decode_string() at some decoded positions only, in
 * constant memory: raw_at[k] = map[pos[k]] for pos[0, count) in
 * ascending order (a position past the decoded text gives n). */
void json_decode_offsets(const unsigned char *raw, size_t n, const size_t *pos, size_t count,
                         uint64_t *raw_at);

/* Splits text[0, len) holding one JSON array into its elements: calls fn
 * with each element's [start, end) (path_index is the element's index).
 * -1 when it is not an array of valid JSON values. */
int json_array_elements(const unsigned char *text, size_t len, json_field_fn fn, void *ctx,
                        struct json_error *err);

#endif
