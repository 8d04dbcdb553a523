/*
 * scanners/csv_fields.h - the named columns of CSV rows, located in their
 * raw bytes.
 *
 * CSV as RFC 4180 says, with the separator a parameter (',' for CSV, '\t'
 * for TSV): a field is either unquoted (no quote in it) or quoted, where a
 * doubled quote stands for one quote and separators, CR and LF are
 * content.  A row ends at a LF outside quotes (a CR before it is dropped by
 * the caller).  The first row is the header: its cells name the columns.
 *
 * Three steps, each over bytes the caller owns:
 *   - csv_split_scan() finds where a row ends, resumably, so the reader
 *     can split a stream into rows across buffer refills;
 *   - csv_columns_read() reads the header and maps each column to the
 *     --field names (struct json_paths, whose full text is the name);
 *   - csv_walk_row() validates a data row (quoting, column count) and then
 *     hands each selected cell's raw content to a json_field_fn, and
 *     csv_decode_cell() undoubles its quotes for matching, keeping for
 *     every decoded byte its raw offset, as json_decode_string() does.
 *
 * Only csv_columns_read() allocates (the column map, released by
 * csv_columns_release()); nothing prints.  A row that breaks the rules
 * gives -1 with a reason (a static string) and the offset in the row.
 */
#ifndef PIIAUDIT_CSV_FIELDS_H
#define PIIAUDIT_CSV_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanners/json_fields.h"

/* A column no --field names. */
#define CSV_NO_PATH ((size_t)-1)

/* The separator a file's name implies: ',' for *.csv, '\t' for *.tsv,
 * compared without case and after one compression suffix (.gz, .zst, .xz,
 * .bz2, .lz4, .lzma); 0 for any other name.  `name` may be a member path
 * such as "a.tar!b/c.csv.gz". */
int csv_separator_for(const char *name);

struct csv_error {
	size_t offset;
	const char *reason;                  /* static string */
};

/* Where a row ends.  Initialise with csv_split_begin() at the start of
 * each row. */
struct csv_split {
	unsigned char sep;
	unsigned char state;                 /* private */
	uint64_t newlines;                   /* LF bytes inside quotes so far */
};

void csv_split_begin(struct csv_split *s, unsigned char sep);

/* Scans data[from, len), the continuation of the current row (the bytes
 * before `from` were given to earlier calls).  Returns the index of the LF
 * that ends the row, or len when the row goes on past len. */
size_t csv_split_scan(struct csv_split *s, const unsigned char *data, size_t from, size_t len);

/* The header: path[k] is the index into the paths of column k, or
 * CSV_NO_PATH.  With paths->every, a column no item names is selected
 * with the index paths->count + k, and name[k] is every column's name
 * (quotes undoubled); name is NULL otherwise. */
struct csv_columns {
	size_t *path;
	char **name;
	size_t count;
};

/* Reads the header row[0, len).  Returns 0, -1 when the row is not valid
 * CSV (err set), -2 when memory runs out.  *missing is the index of the
 * first path that no column is named after, or CSV_NO_PATH.  A column
 * named twice is selected twice. */
int csv_columns_read(struct csv_columns *c, const unsigned char *row, size_t len, unsigned char sep,
                     const struct json_paths *paths, size_t *missing, struct csv_error *err);
void csv_columns_release(struct csv_columns *c);

/* Validates the data row[0, len) (quoting, and as many cells as the
 * header has columns), then calls fn for each cell of a selected column
 * with its raw content [start, end): inside the quotes when quoted.
 * Returns 0, fn's non-zero value, or -1 (err set, fn never called). */
int csv_walk_row(const unsigned char *row, size_t len, unsigned char sep,
                 const struct csv_columns *c, json_field_fn fn, void *ctx, struct csv_error *err);

/* Undoubles the quotes of raw[0, n) (a cell's content) into out (room for
 * n bytes), map[i] the raw offset of decoded byte i and map[result] = n
 * (map may be NULL: no map).  Returns the decoded length. */
size_t csv_decode_cell(const unsigned char *raw, size_t n, unsigned char *out, uint32_t *map);

/* The map of csv_decode_cell() at some decoded positions only, in
 * constant memory: raw_at[k] = map[pos[k]] for pos[0, count) in
 * ascending order (a position past the decoded text gives n). */
void csv_decode_offsets(const unsigned char *raw, size_t n, const size_t *pos, size_t count,
                        uint64_t *raw_at);

#endif
