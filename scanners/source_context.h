/*
 * scanners/source_context.h - the bytes around a finding, read again from
 * its source.
 *
 * piiaudit prompts wants the text that precedes a finding and piiaudit
 * review a window of text around it; both only have the finding's place
 * (path, member, offset, length) and read the source again for it.
 * scan_context_read() opens a source once for any number of places in it
 * (scanners/reader.h: the file, or the archive member, streamed; nothing
 * is extracted), keeps for each place its window of raw bytes, and stops
 * reading as soon as every window is in: memory is bounded by the windows
 * the caller asks for, whatever the size of the source.
 *
 * In field mode the scan matched decoded text (JSON escapes, or a CSV
 * cell's doubled quotes) while the offsets point at raw bytes:
 * scan_context_decode() gives the field's decoded text from where the
 * field begins (or from where the window begins, when the field is longer
 * than it) to the end of the value, with the value's place in it.  A JSON
 * string's start is its opening quote, found back from the value (a quote
 * inside a string is always escaped).  A CSV cell's start cannot be found
 * backwards (a separator or a quote may be content), so for CSV places the
 * source is followed from its first byte with the RFC 4180 rules of
 * scanners/csv_fields.c, and the start of the value's cell and row are
 * kept as the stream passes the value.
 *
 * The caller owns the struct scan_context array and sets its place fields;
 * scan_context_read() and scan_context_decode() allocate the buffers it
 * holds, released (wiped first: they hold corpus text) by
 * scan_context_release().  Nothing here prints.  A place that cannot be
 * read gets a status saying why; a source that cannot be read at all also
 * gets a one-line reason.
 */
#ifndef PIIAUDIT_SOURCE_CONTEXT_H
#define PIIAUDIT_SOURCE_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the value's text is written in the source. */
enum scan_context_kind {
	SCAN_CONTEXT_TEXT,   /* as it is (not field mode, or a record read as text) */
	SCAN_CONTEXT_JSON,   /* inside a JSON string */
	SCAN_CONTEXT_CSV,    /* inside a CSV cell */
};

enum scan_context_status {
	SCAN_CONTEXT_OK,         /* the window is in, value included */
	SCAN_CONTEXT_UNREAD,     /* the source could not be read (see the reason) */
	SCAN_CONTEXT_NO_MEMBER,  /* no such member in the source */
	SCAN_CONTEXT_SHORT,      /* the member ends before the value does */
};

#define SCAN_CONTEXT_UNKNOWN UINT64_MAX

struct scan_context {
	/* Set by the caller. */
	const char *member;            /* "a.tar!b.csv", NULL for the file itself */
	uint64_t offset, length;       /* the value's raw bytes in the member */
	uint64_t before, after;        /* raw bytes wanted on each side of it */
	enum scan_context_kind kind;
	unsigned char csv_sep;         /* SCAN_CONTEXT_CSV: ',' or '\t' */

	/* Set by scan_context_read(). */
	enum scan_context_status status;
	unsigned char *raw;            /* bytes [raw_from, raw_end) of the member */
	uint64_t raw_from, raw_end;
	uint64_t member_end;           /* the member's size when read to its end, else 0 */
	/* SCAN_CONTEXT_CSV: where the content of the value's cell (after its
	 * opening quote) and the value's row begin; SCAN_CONTEXT_UNKNOWN when
	 * the value is not inside one cell. */
	uint64_t cell_start, row_start;
	bool cell_quoted;

	/* Set by scan_context_decode(). */
	unsigned char *text;           /* decoded: the field before the value, then the value */
	size_t text_len, value_at;     /* the value is text[value_at, text_len) */
	bool text_whole;               /* text starts where the field starts */

	/* Private. */
	bool seen, complete;
	uint64_t want_end;
};

/* Reads the source at path ("-" cannot be read again; a relative path is
 * looked for under root when root is not NULL) for all count places, each
 * with its window [offset - before, offset + length + after) clipped to
 * the member.  Returns 0, -1 when the source itself could not be read
 * (reason set; places not reached are SCAN_CONTEXT_UNREAD), or -2 when
 * memory ran out. */
int scan_context_read(const char *root, const char *path, struct scan_context *places, size_t count,
                      char *reason, size_t reason_len);

/* The decoded text of a place whose status is SCAN_CONTEXT_OK: for JSON
 * and CSV the field's text up to the value (from the field's start, or
 * the window's), the value decoded; for text the raw bytes before the
 * value (from the start of the value's line when line_only) and the value.
 * Returns 0, or -1 when memory runs out. */
int scan_context_decode(struct scan_context *c, bool line_only);

/* Wipes and frees the buffers; the place fields stay. */
void scan_context_release(struct scan_context *c);

/* The separator a field-mode scan read a source with: format_csv as
 * struct scan_limits.csv has it (0 by the name, ',' or '\t' for every
 * source, -1 never), applied to the member's name or else the path's.
 * 0 when the source was read as JSON. */
int scan_context_csv_sep(int format_csv, const char *path, const char *member);

#endif
