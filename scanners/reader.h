/*
 * scanners/reader.h - turning one input path into members and windows.
 *
 * scan_reader_run() opens a file (or standard input), recognises
 * compression and archive formats by their magic bytes, opens archives with
 * libarchive and walks their members, nested archives included, down to a
 * depth limit.  Every text stream (a plain file, a member, a decompressed
 * stream) goes through the reader's block stream to the sink's window
 * callback.  Nothing is extracted to disk.
 *
 * The sink is told of each unit as it begins and ends: containers
 * (archives) and leaves (text streams) nest, and every begin has exactly
 * one end, with the unit's status and, when not ok, a one-line reason.
 * Strings passed to the sink are borrowed for the duration of the call
 * (path and member: until the unit's end).
 *
 * The reader owns its block stream, scratch buffers and the hasher of the
 * input's bytes (sink.digest); one reader per thread.  It never prints.
 */
#ifndef PIIAUDIT_READER_H
#define PIIAUDIT_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "scanners/block_stream.h"
#include "scanners/path_exclude.h"

enum scan_status {
	SCAN_OK = 0,
	SCAN_SKIPPED,   /* deliberately not scanned: binary, special file */
	SCAN_ERROR,     /* could not be read completely: reason says why */
	SCAN_STOPPED,   /* the sink asked to stop */
};

enum scan_unit_kind { SCAN_UNIT_FILE, SCAN_UNIT_STDIN, SCAN_UNIT_ARCHIVE, SCAN_UNIT_MEMBER };

struct scan_limits {
	unsigned max_depth;          /* archives inside archives */
	uint64_t max_member_bytes;   /* decompressed bytes of one stream; 0: none */
	uint64_t max_entries;        /* entries of one archive; 0: none */
	bool records;                /* hand JSON content out record by record */
	bool binary;                 /* content with NUL bytes is read as text too */
	/* When set (e.g. by a signal handler), a read interrupted by a signal
	 * ends the unit as stopped instead of being retried. */
	const volatile int *cancel;
	uint64_t max_record_bytes;   /* longest record held in memory */
	/* Records mode: 0 reads *.csv and *.tsv leaves as CSV (by their
	 * name, compression suffix aside); ',' or '\t' reads every leaf as
	 * CSV with that separator; -1 never. */
	int csv;
	/* Per input (one path given to scan_reader_run, all its members and
	 * nesting together); 0: none.  Checked once per block read, so a limit
	 * is passed by at most one block.  A hit ends the input: the unit being
	 * read and every container around it end with SCAN_ERROR and a reason
	 * starting "limit: ", what was read before is kept. */
	uint64_t max_source_bytes;   /* decompressed bytes handed to the sink */
	unsigned max_ratio;          /* those bytes over the bytes read from the
	                              * input, checked from SCAN_RATIO_MIN_BYTES */
	unsigned max_source_seconds; /* wall clock */
	/* Memory the xz, .lzma, zstd, 7z and zip decoders of all readers share
	 * (scanners/mem_budget.h; the caller owns it); NULL: no limit. */
	struct mem_budget *decoder_budget;
	/* Archive members whose path in their archive these globs match are
	 * not read (scanners/path_exclude.h; the caller owns it), only told
	 * of through sink.excluded; NULL: none. */
	const struct path_exclude *exclude;
};

/* Below this many decompressed bytes an input cannot hurt, whatever its
 * expansion ratio: the ratio is not checked. */
#define SCAN_RATIO_MIN_BYTES (16ULL << 20)

/* One JSON record: a line of JSON lines, or an element of a JSON array. */
struct scan_record {
	const unsigned char *data;   /* NULL when too_large */
	size_t len;
	uint64_t offset;             /* of data[0] in the member */
	uint64_t number;             /* 1-based: line of JSONL, element of an array */
	uint64_t line;               /* 1-based physical line where it starts */
	bool too_large;              /* longer than max_record_bytes: its bytes
	                              * come next through window */
	/* 0 for JSON; for a CSV row its separator, with number 0 for the
	 * header row and 1, 2... for the data rows (blank lines skipped). */
	unsigned char csv_sep;
};

struct scan_unit {
	enum scan_unit_kind kind;
	const char *path;            /* as given, or found under a given folder */
	const char *member;          /* "a.tar!b.zip!c.txt" style, NULL for the path itself */
	const char *format;          /* "gzip", "tar", "zip"... or NULL for plain */
	int64_t size;                /* -1 when unknown */
	unsigned depth;
	bool container;
};

struct scan_sink {
	void *ctx;
	/* Returns the sink's handle for the unit (may be NULL), passed back to
	 * window and end.  `parent` is the handle of the enclosing container. */
	void *(*begin)(void *ctx, const struct scan_unit *unit, void *parent);
	/* Leaves only.  Non-zero stops the whole source. */
	int (*window)(void *ctx, void *handle, struct scan_stream *s, const struct scan_window *w);
	void (*end)(void *ctx, void *handle, enum scan_status status, const char *reason,
	            uint64_t bytes, const char *format);
	/* With limits.records: leaves whose content starts with '{' (JSON
	 * lines) or '[' (a JSON array), and CSV leaves (see limits.csv), come
	 * record by record here instead of through window.  Other leaves
	 * still come through window.  So do, inside a record leaf, the bytes
	 * of a record too long to hold (a line, row or array element, told
	 * of first as too_large) and the rest of a source after an array
	 * goes wrong (as a failed read leaves it): windows that tile those
	 * bytes, at their offsets and lines in the member.  A line or row
	 * cut short by a failed read still comes as a record.  An array is
	 * read element by element: memory holds one element at most. */
	int (*record)(void *ctx, void *handle, const struct scan_record *rec);
	/* Optional: the SHA-256 (64 lowercase hex digits) of the input's bytes
	 * as read from the file or standard input, before any decoding (what
	 * sha256sum prints), called once, just before the top-level unit's
	 * end.  Not called when the hash cannot be had: a stream that was not
	 * read to its end, an interrupted input, a read error while completing
	 * it.  A regular file is hashed whole even when the scan stopped early
	 * on an error or a limit (its unread bytes are read, not decoded).
	 * With digest NULL nothing is hashed. */
	void (*digest)(void *ctx, void *handle, const char *sha256);
	/* Optional: a member of the container `handle` left unread because
	 * limits.exclude matched it (its data is still skipped over, and
	 * counts toward the input's limits); glob is the one that matched. */
	void (*excluded)(void *ctx, void *handle, const char *member, const char *glob);
};

struct scan_reader;

struct scan_reader *scan_reader_new(const struct scan_limits *limits);
void scan_reader_free(struct scan_reader *r);

/* Reads path ("-" for standard input).  Returns the worst status of the
 * units it read (SCAN_STOPPED when the sink stopped it). */
enum scan_status scan_reader_run(struct scan_reader *r, const char *path,
                                 const struct scan_sink *sink);

#endif
