/*
 * tests/fuzz/fuzz_csv.c - the CSV row splitter, header reader, row walker
 * and cell decoder (scanners/csv_fields.c).
 *
 * The first input byte picks the separator (even: ',', odd: tab) and the
 * chunk sizes; the rest is a CSV file.  It is cut into rows twice with
 * csv_split_scan(): at once, and fed in pseudo-random chunks as the
 * reader's buffer refills do; the first row is read as the header with
 * fixed --field names, every other row walked and each cell decoded into
 * buffers of exactly the documented size (n bytes out, n + 1 map entries)
 * so that ASan sees any overrun.
 *
 * Invariants: both cuts agree (row ends and LF counts); rows end at a LF
 * and tile the input; a header maps columns to known paths and misses
 * only names no column has; a walked row's cells lie inside it, in order,
 * a quoted cell between quotes; a valid row holds LF bytes only inside
 * quotes, as many as the splitter counted; a row without quotes is valid
 * iff it has as many cells as the header; decoding never grows, its map
 * is non-decreasing, inside the raw cell, ends with n, and a cell without
 * quotes decodes to itself; csv_decode_offsets() gives the map's values
 * at any positions; a valid row written again (every cell quoted,
 * quotes doubled) walks to the same decoded cells.  With "*" among the
 * names (--field '*'), every column is selected (a named one by its
 * name, the others after the names) and has its name, no longer than its
 * cell; a valid row hands out every cell.
 */
#include <stdbool.h>

#include "scanners/csv_fields.h"
#include "tests/fuzz/fuzz_common.h"

static struct json_paths paths, every;

static const char *const path_list[] = { "email", "a", "notes", "\xc3\xa9", "x\"y", "b" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(path_list) / sizeof(path_list[0]); i++)
		if (json_paths_add(&paths, path_list[i]))
			fuzz_die("json_paths_add", path_list[i]);
	if (json_paths_add(&every, "a") || json_paths_add(&every, "*") || !every.every || every.count != 1)
		fuzz_die("json_paths_add", "*");
	CHECK(csv_separator_for("a.csv") == ',' && csv_separator_for("x.tar!b/C.TSV.gz") == '\t');
	CHECK(csv_separator_for("a.csv.txt") == 0 && csv_separator_for(".csv") == 0 &&
	      csv_separator_for(NULL) == 0);
	return 0;
}

#define MAX_CELLS 4096

struct cells {
	const unsigned char *row;
	size_t len, count, last_end;
	size_t start[MAX_CELLS], end[MAX_CELLS];
	bool overflow;
};

static int on_cell(void *ctx, size_t column, size_t start, size_t end)
{
	struct cells *c = ctx;
	CHECK(column == c->count || c->overflow);
	CHECK(start <= end && end <= c->len && start >= c->last_end);
	if (start > 0 && c->row[start - 1] == '"')
		CHECK(end < c->len && c->row[end] == '"');
	c->last_end = end;
	if (c->count < MAX_CELLS) {
		c->start[c->count] = start;
		c->end[c->count] = end;
		c->count++;
	} else {
		c->overflow = true;
	}
	return 0;
}

static int on_selected(void *ctx, size_t path_index, size_t start, size_t end)
{
	CHECK(path_index < paths.count && start <= end);
	++*(size_t *)ctx;
	return 0;
}

struct every_cells {
	size_t columns, count;
};

static int on_every(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct every_cells *e = ctx;
	CHECK(start <= end);
	CHECK(path_index == 0 || path_index == every.count + e->count);
	e->count++;
	return 0;
}

/* Decodes a cell into exact-size buffers; the caller frees *out. */
static size_t decode(const unsigned char *raw, size_t n, unsigned char **out)
{
	unsigned char *o = malloc(n ? n : 1);
	uint32_t *map = malloc((n + 1) * sizeof(*map));
	if (!o || !map)
		fuzz_die("malloc", NULL);
	size_t len = csv_decode_cell(raw, n, o, map);
	CHECK(len <= n && map[len] == n);
	for (size_t i = 0; i < len; i++) {
		CHECK(map[i] < n && raw[map[i]] == o[i]);
		if (i)
			CHECK(map[i] > map[i - 1]);
	}
	if (!memchr(raw, '"', n))
		CHECK(len == n && !memcmp(o, raw, n));
	/* Without a map: the same bytes. */
	unsigned char *plain = malloc(n ? n : 1);
	if (!plain)
		fuzz_die("malloc", NULL);
	CHECK(csv_decode_cell(raw, n, plain, NULL) == len && !memcmp(plain, o, len));
	free(plain);
	fuzz_check_offsets(csv_decode_offsets, raw, n, map, len);
	free(map);
	*out = o;
	return len;
}

static uint64_t count_lf(const unsigned char *p, size_t n)
{
	uint64_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

/* A valid row written again with every cell quoted walks to the same
 * decoded cells. */
static void check_rewrite(const unsigned char *row, const struct cells *c, unsigned char sep,
                          const struct csv_columns *all)
{
	size_t cap = 2 * c->len + 3 * c->count + 1, n = 0;
	unsigned char *again = malloc(cap);
	if (!again)
		fuzz_die("malloc", NULL);
	for (size_t k = 0; k < c->count; k++) {
		unsigned char *d;
		size_t len = decode(row + c->start[k], c->end[k] - c->start[k], &d);
		if (k)
			again[n++] = sep;
		again[n++] = '"';
		for (size_t i = 0; i < len; i++) {
			if (d[i] == '"')
				again[n++] = '"';
			again[n++] = d[i];
		}
		again[n++] = '"';
		free(d);
	}
	CHECK(n <= cap);
	struct cells c2 = { .row = again, .len = n };
	struct csv_error err;
	CHECK(csv_walk_row(again, n, sep, all, on_cell, &c2, &err) == 0);
	CHECK(c2.count == c->count);
	for (size_t k = 0; k < c->count; k++) {
		unsigned char *a, *b;
		size_t la = decode(row + c->start[k], c->end[k] - c->start[k], &a);
		size_t lb = decode(again + c2.start[k], c2.end[k] - c2.start[k], &b);
		CHECK(la == lb && !memcmp(a, b, la));
		free(a);
		free(b);
	}
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned char sep = data[0] & 1 ? '\t' : ',';
	uint32_t seed = data[0] | 1u;
	const unsigned char *text = data + 1;
	size_t len = size - 1;

	/* Rows, found at once. */
	size_t row_start[512], row_end[512];
	uint64_t row_lf[512];
	size_t rows = 0;
	for (size_t at = 0; at < len && rows < 512;) {
		struct csv_split s;
		csv_split_begin(&s, sep);
		size_t end = csv_split_scan(&s, text, at, len);
		CHECK(end >= at && end <= len);
		if (end < len)
			CHECK(text[end] == '\n');
		CHECK(s.newlines <= count_lf(text + at, end - at));
		row_start[rows] = at;
		row_end[rows] = end;
		row_lf[rows] = s.newlines;
		rows++;
		at = end + 1;
	}

	/* The same rows, fed in chunks. */
	size_t at = 0, from = 0, r = 0;
	struct csv_split s;
	csv_split_begin(&s, sep);
	while (r < rows) {
		seed = seed * 1103515245u + 12345u;
		size_t chunk = 1 + (seed >> 16) % 97;
		size_t upto = from + chunk < len ? from + chunk : len;
		size_t end = csv_split_scan(&s, text, from, upto);
		if (end < upto) {
			CHECK(end == row_end[r] && s.newlines == row_lf[r] && at == row_start[r]);
			r++;
			at = from = end + 1;
			csv_split_begin(&s, sep);
		} else if (upto == len) {
			CHECK(end == row_end[r] && row_end[r] == len && s.newlines == row_lf[r]);
			r++;
			break;
		} else {
			from = upto;
		}
	}
	CHECK(r == rows || rows == 512);

	if (!rows)
		return 0;
	struct csv_columns cols = { 0 };
	struct csv_error err = { 0, NULL };
	size_t missing;
	size_t hlen = row_end[0] - row_start[0];
	const unsigned char *head = text + row_start[0];
	if (hlen && head[hlen - 1] == '\r')
		hlen--;
	int rc = csv_columns_read(&cols, head, hlen, sep, &paths, &missing, &err);
	CHECK(rc == 0 || rc == -1);
	if (rc) {
		CHECK(err.reason && err.offset <= hlen);
		return 0;
	}
	CHECK(cols.count >= 1);
	bool named[sizeof(path_list) / sizeof(path_list[0])] = { false };
	for (size_t k = 0; k < cols.count; k++) {
		CHECK(cols.path[k] == CSV_NO_PATH || cols.path[k] < paths.count);
		if (cols.path[k] != CSV_NO_PATH)
			named[cols.path[k]] = true;
	}
	/* A column named twice maps to the first path; a path is missing
	 * only when no column maps to it or names it later. */
	if (missing != CSV_NO_PATH)
		CHECK(missing < paths.count && !named[missing]);

	/* "*": every column, with its name. */
	struct csv_columns named_all = { 0 };
	size_t every_missing;
	CHECK(csv_columns_read(&named_all, head, hlen, sep, &every, &every_missing, &err) == 0);
	CHECK(named_all.count == cols.count && named_all.name);
	for (size_t k = 0; k < named_all.count; k++) {
		CHECK(named_all.name[k] != NULL);
		CHECK(named_all.path[k] == every.count + k ||
		      (named_all.path[k] == 0 && !strcmp(named_all.name[k], "a")));
	}
	CHECK(strlen(named_all.name[0]) <= hlen);

	struct csv_columns all = { .path = malloc(cols.count * sizeof(size_t)), .count = cols.count };
	if (!all.path)
		fuzz_die("malloc", NULL);
	for (size_t k = 0; k < all.count; k++)
		all.path[k] = k;
	for (size_t i = 1; i < rows; i++) {
		const unsigned char *row = text + row_start[i];
		size_t n = row_end[i] - row_start[i];
		if (n && row[n - 1] == '\r')
			n--;
		struct cells c = { .row = row, .len = n };
		struct csv_error e = { 0, NULL };
		int v = csv_walk_row(row, n, sep, &all, on_cell, &c, &e);
		CHECK(v == 0 || v == -1);
		if (v) {
			CHECK(e.reason && e.offset <= n && c.count == 0);
			continue;
		}
		CHECK(c.count == cols.count || c.overflow);
		CHECK(count_lf(row, n) == row_lf[i]);
		if (!memchr(row, '"', n))
			CHECK(c.count == cols.count);
		if (!c.overflow)
			check_rewrite(row, &c, sep, &all);
		/* The selected cells only: valid the same way, known paths. */
		size_t selected = 0;
		CHECK(csv_walk_row(row, n, sep, &cols, on_selected, &selected, &e) == 0);
		CHECK(selected <= c.count || c.overflow);
		struct every_cells ev = { named_all.count, 0 };
		CHECK(csv_walk_row(row, n, sep, &named_all, on_every, &ev, &e) == 0);
		CHECK(ev.count == named_all.count);
	}
	csv_columns_release(&named_all);
	free(all.path);
	csv_columns_release(&cols);
	return 0;
}
