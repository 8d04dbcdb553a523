/*
 * scanners/csv_fields.c - RFC 4180 rows: where they end, their header, and
 * the raw bytes of the selected cells.
 *
 * Strict where it matters for offsets and lenient nowhere else: a quote
 * opens a quoted field only as a field's first byte; in an unquoted field
 * it makes the row malformed, as does text after a closing quote, a quoted
 * field never closed, or a row with more or fewer cells than the header.
 * The row splitter follows the same rules, so that the rows it cuts are
 * the rows the walker parses; on a malformed row it still ends the row
 * somewhere definite (a stray quote inside an unquoted field is literal).
 * Every index is checked against the length: any bytes are safe (fuzzed
 * by tests/fuzz/fuzz_csv.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scanners/csv_fields.h"

int csv_separator_for(const char *name)
{
	static const char *const compressed[] = { ".gz", ".zst", ".xz", ".bz2", ".lz4", ".lzma" };
	size_t n = name ? strlen(name) : 0;
	for (size_t i = 0; i < sizeof(compressed) / sizeof(compressed[0]); i++) {
		size_t k = strlen(compressed[i]);
		if (n > k && !strcasecmp(name + n - k, compressed[i])) {
			n -= k;
			break;
		}
	}
	if (n > 4 && !strncasecmp(name + n - 4, ".csv", 4))
		return ',';
	if (n > 4 && !strncasecmp(name + n - 4, ".tsv", 4))
		return '\t';
	return 0;
}

/* ---- where a row ends ---- */

enum { ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_SEEN };

void csv_split_begin(struct csv_split *s, unsigned char sep)
{
	s->sep = sep;
	s->state = ST_FIELD_START;
	s->newlines = 0;
}

static uint64_t count_lf(const unsigned char *p, size_t n)
{
	uint64_t lf = 0;
	const unsigned char *end = p + n;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		lf++;
		p++;
	}
	return lf;
}

size_t csv_split_scan(struct csv_split *s, const unsigned char *d, size_t i, size_t len)
{
	while (i < len) {
		switch (s->state) {
		case ST_QUOTED: {
			const unsigned char *q = memchr(d + i, '"', len - i);
			size_t to = q ? (size_t)(q - d) : len;
			s->newlines += count_lf(d + i, to - i);
			if (!q)
				return len;
			s->state = ST_QUOTE_SEEN;
			i = to + 1;
			break;
		}
		case ST_QUOTE_SEEN:
			/* A doubled quote stays inside; anything else closed the field
			 * and is read as unquoted (a separator, the row's end, or text
			 * that makes the row malformed). */
			if (d[i] == '"') {
				s->state = ST_QUOTED;
				i++;
			} else {
				s->state = ST_UNQUOTED;
			}
			break;
		case ST_FIELD_START:
			if (d[i] == '"') {
				s->state = ST_QUOTED;
				i++;
			} else {
				s->state = ST_UNQUOTED;
			}
			break;
		default: {
			/* Unquoted: the row ends at the next LF unless a quote right
			 * after a separator opens a quoted field before it.  d[i]
			 * itself is never an opening quote here. */
			const unsigned char *nl = memchr(d + i, '\n', len - i);
			size_t end = nl ? (size_t)(nl - d) : len, at = i;
			bool opened = false;
			while (at < end) {
				const unsigned char *q = memchr(d + at, '"', end - at);
				if (!q)
					break;
				size_t k = (size_t)(q - d);
				if (k > i && d[k - 1] == s->sep) {
					s->state = ST_QUOTED;
					i = k + 1;
					opened = true;
					break;
				}
				at = k + 1;
			}
			if (opened)
				break;
			if (nl)
				return end;
			s->state = d[len - 1] == s->sep ? ST_FIELD_START : ST_UNQUOTED;
			return len;
		}
		}
	}
	return len;
}

/* ---- cells ---- */

typedef int (*cell_fn)(void *ctx, size_t column, size_t start, size_t end);

static int fail(struct csv_error *err, size_t offset, const char *reason)
{
	err->offset = offset;
	err->reason = reason;
	return -1;
}

/* Every cell of row[0, len), in order; *cells is how many. */
static int walk_cells(const unsigned char *row, size_t len, unsigned char sep, cell_fn fn,
                      void *ctx, size_t *cells, struct csv_error *err)
{
	size_t i = 0, k = 0;
	for (;;) {
		size_t start, end;
		if (i < len && row[i] == '"') {
			start = ++i;
			for (;;) {
				const unsigned char *q = memchr(row + i, '"', len - i);
				if (!q)
					return fail(err, start - 1, "a quoted field is not closed");
				i = (size_t)(q - row) + 1;
				if (i < len && row[i] == '"') {
					i++;
					continue;
				}
				break;
			}
			end = i - 1;
			if (i < len && row[i] != sep)
				return fail(err, i, "text after the closing quote of a field");
		} else {
			const unsigned char *s = memchr(row + i, sep, len - i);
			start = i;
			end = s ? (size_t)(s - row) : len;
			const unsigned char *q = memchr(row + start, '"', end - start);
			if (q)
				return fail(err, (size_t)(q - row), "a quote inside an unquoted field");
			i = end;
		}
		if (fn) {
			int rc = fn(ctx, k, start, end);
			if (rc)
				return rc;
		}
		k++;
		if (i >= len)
			break;
		i++; /* the separator */
	}
	*cells = k;
	return 0;
}

size_t csv_decode_cell(const unsigned char *raw, size_t n, unsigned char *out, uint32_t *map)
{
	size_t o = 0;
	if (!memchr(raw, '"', n)) {
		/* Most cells: the identity, in loops the compiler vectorises. */
		memcpy(out, raw, n);
		for (size_t i = 0; map && i <= n; i++)
			map[i] = (uint32_t)i;
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		if (map)
			map[o] = (uint32_t)i;
		out[o++] = raw[i];
		if (raw[i] == '"' && i + 1 < n && raw[i + 1] == '"')
			i++;
	}
	if (map)
		map[o] = (uint32_t)n;
	return o;
}

void csv_decode_offsets(const unsigned char *raw, size_t n, const size_t *pos, size_t count,
                        uint64_t *raw_at)
{
	size_t o = 0, k = 0;
	for (size_t i = 0; i < n && k < count; i++, o++) {
		for (; k < count && pos[k] == o; k++)
			raw_at[k] = i;
		if (raw[i] == '"' && i + 1 < n && raw[i + 1] == '"')
			i++;
	}
	for (; k < count; k++)
		raw_at[k] = n;
}

/* Whether the cell raw[0, n), quotes undoubled, is name. */
static bool cell_is(const unsigned char *raw, size_t n, const char *name)
{
	size_t j = 0;
	for (size_t i = 0; i < n; i++, j++) {
		if (!name[j] || (unsigned char)name[j] != raw[i])
			return false;
		if (raw[i] == '"' && i + 1 < n && raw[i + 1] == '"')
			i++;
	}
	return !name[j];
}

struct header_ctx {
	const unsigned char *row;
	struct csv_columns *c;
	const struct json_paths *paths;
	bool *named;
};

static int on_header_cell(void *ctx, size_t column, size_t start, size_t end)
{
	struct header_ctx *h = ctx;
	for (size_t p = 0; p < h->paths->count; p++) {
		if (cell_is(h->row + start, end - start, h->paths->items[p].text)) {
			h->named[p] = true;
			if (h->c->path[column] == CSV_NO_PATH)
				h->c->path[column] = p;
		}
	}
	if (h->paths->every) {
		size_t n = end - start;
		char *name = malloc(n + 1);
		if (!name)
			return -2;
		name[csv_decode_cell(h->row + start, n, (unsigned char *)name, NULL)] = 0;
		h->c->name[column] = name;
		if (h->c->path[column] == CSV_NO_PATH)
			h->c->path[column] = h->paths->count + column;
	}
	return 0;
}

int csv_columns_read(struct csv_columns *c, const unsigned char *row, size_t len, unsigned char sep,
                     const struct json_paths *paths, size_t *missing, struct csv_error *err)
{
	size_t cells = 0;
	int rc = 0;
	bool *named = NULL;
	c->path = NULL;
	c->name = NULL;
	c->count = 0;
	*missing = CSV_NO_PATH;
	if (walk_cells(row, len, sep, NULL, NULL, &cells, err))
		return -1;
	c->path = malloc(cells * sizeof(*c->path));
	c->name = paths->every ? calloc(cells, sizeof(*c->name)) : NULL;
	named = calloc(paths->count ? paths->count : 1, sizeof(*named));
	if (!c->path || !named || (paths->every && !c->name)) {
		rc = -2;
		goto out;
	}
	c->count = cells;
	for (size_t k = 0; k < cells; k++)
		c->path[k] = CSV_NO_PATH;
	struct header_ctx h = { row, c, paths, named };
	if (walk_cells(row, len, sep, on_header_cell, &h, &cells, err) == -2) {
		rc = -2;
		goto out;
	}
	for (size_t p = 0; p < paths->count; p++) {
		if (!named[p]) {
			*missing = p;
			break;
		}
	}
out:
	free(named);
	if (rc)
		csv_columns_release(c);
	return rc;
}

void csv_columns_release(struct csv_columns *c)
{
	if (c->name)
		for (size_t k = 0; k < c->count; k++)
			free(c->name[k]);
	free(c->name);
	free(c->path);
	c->name = NULL;
	c->path = NULL;
	c->count = 0;
}

struct row_ctx {
	const struct csv_columns *c;
	json_field_fn fn;
	void *ctx;
};

static int on_row_cell(void *ctx, size_t column, size_t start, size_t end)
{
	struct row_ctx *r = ctx;
	if (column >= r->c->count || r->c->path[column] == CSV_NO_PATH)
		return 0;
	return r->fn(r->ctx, r->c->path[column], start, end);
}

int csv_walk_row(const unsigned char *row, size_t len, unsigned char sep,
                 const struct csv_columns *c, json_field_fn fn, void *ctx, struct csv_error *err)
{
	size_t cells = 0;
	/* Validate first: a malformed row is scanned whole by the caller, so
	 * no cell of it may have been handed out before. */
	if (walk_cells(row, len, sep, NULL, NULL, &cells, err))
		return -1;
	if (cells != c->count)
		return fail(err, len, cells < c->count ? "fewer fields than the header has columns"
		                                       : "more fields than the header has columns");
	struct row_ctx r = { c, fn, ctx };
	return walk_cells(row, len, sep, on_row_cell, &r, &cells, err);
}
