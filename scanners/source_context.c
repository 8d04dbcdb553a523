/*
 * scanners/source_context.c - re-reading the bytes around findings: one
 * pass of the reader over a source, each place's window copied as the
 * stream goes by, CSV cells followed from the member's first byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanners/csv_fields.h"
#include "scanners/json_fields.h"
#include "scanners/reader.h"
#include "scanners/source_context.h"

/* Where the stream is in CSV: the states of csv_split_scan(). */
enum { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTE_SEEN };

struct csv_track {
	unsigned char sep;
	unsigned char state;
	bool lost;                  /* a gap in the stream: cells unknown */
	uint64_t pos;               /* the next offset to follow */
	uint64_t cell;              /* where the current cell's content begins */
};

struct source {
	struct scan_context *places;
	size_t count, pending;
	unsigned depth;             /* units begun and not ended */
	char *reason;               /* the source's own error */
	size_t reason_len;
};

/* The places in one member. */
struct member {
	struct scan_context **places;
	size_t count;
	struct csv_track *track;    /* when a place is in a CSV cell */
};

static bool same_member(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void *on_begin(void *ctx, const struct scan_unit *unit, void *parent)
{
	struct source *src = ctx;
	struct member *m = NULL;
	(void)parent;
	src->depth++;
	if (unit->container)
		return NULL;
	for (size_t i = 0; i < src->count; i++) {
		struct scan_context *c = &src->places[i];
		if (c->seen || !same_member(c->member, unit->member))
			continue;
		if (!m && !(m = calloc(1, sizeof(*m))))
			return NULL;
		struct scan_context **g = realloc(m->places, (m->count + 1) * sizeof(*g));
		if (!g)
			return m;
		m->places = g;
		m->places[m->count++] = c;
		c->seen = true;
		if (c->kind == SCAN_CONTEXT_CSV && !m->track && (m->track = calloc(1, sizeof(*m->track))))
			m->track->sep = c->csv_sep;
	}
	return m;
}

/* Follows d[0, n), the member's bytes from t->pos on, through the cells. */
static void csv_follow(struct csv_track *t, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char b = d[i];
		uint64_t at = t->pos + i;
		switch (t->state) {
		case CSV_QUOTED: {
			const unsigned char *q = memchr(d + i, '"', n - i);
			if (!q) {
				i = n;
				break;
			}
			i = (size_t)(q - d);
			t->state = CSV_QUOTE_SEEN;
			break;
		}
		default:
			if (t->state == CSV_QUOTE_SEEN) {
				if (b == '"') {
					t->state = CSV_QUOTED;
					break;
				}
				/* Closed: the rest is read as unquoted, as the splitter does. */
				t->state = CSV_UNQUOTED;
			}
			if (b == t->sep || b == '\n') {
				t->state = CSV_FIELD_START;
				t->cell = at + 1;
			} else if (b == '"' && t->state == CSV_FIELD_START) {
				t->state = CSV_QUOTED;
				t->cell = at + 1;
			} else {
				t->state = CSV_UNQUOTED;
			}
			break;
		}
	}
	t->pos += n;
}

/* Follows the window's new bytes, noting each CSV place's cell as the
 * stream passes the place's first byte. */
static void csv_window(struct member *m, const struct scan_window *w)
{
	struct csv_track *t = m->track;
	uint64_t wb = w->base + w->len;
	if (t->lost)
		return;
	if (w->base > t->pos) {
		t->lost = true;
		return;
	}
	if (t->pos == 0 && w->len >= 3 && !memcmp(w->data, "\xef\xbb\xbf", 3)) {
		t->pos = t->cell = 3;   /* the byte order mark is no cell's */
	}
	while (t->pos < wb) {
		/* Up to the next place's first byte, that byte included. */
		uint64_t stop = wb;
		for (size_t i = 0; i < m->count; i++) {
			const struct scan_context *c = m->places[i];
			if (c->kind == SCAN_CONTEXT_CSV && c->offset >= t->pos && c->offset < stop)
				stop = c->offset + 1;
		}
		csv_follow(t, w->data + (t->pos - w->base), (size_t)(stop - t->pos));
		for (size_t i = 0; i < m->count; i++) {
			struct scan_context *c = m->places[i];
			if (c->kind == SCAN_CONTEXT_CSV && c->offset + 1 == t->pos)
				c->cell_start = t->state == CSV_FIELD_START ? SCAN_CONTEXT_UNKNOWN : t->cell;
		}
	}
}

static int on_window(void *ctx, void *handle, struct scan_stream *s, const struct scan_window *w)
{
	struct source *src = ctx;
	struct member *m = handle;
	(void)s;
	if (!m)
		return 0;
	if (m->track)
		csv_window(m, w);
	uint64_t wa = w->base, wb = w->base + w->len;
	for (size_t i = 0; i < m->count; i++) {
		struct scan_context *c = m->places[i];
		if (c->complete)
			continue;
		uint64_t a = wa > c->raw_end ? wa : c->raw_end, b = wb < c->want_end ? wb : c->want_end;
		if (a < b && wa <= c->raw_end) {
			memcpy(c->raw + (a - c->raw_from), w->data + (a - wa), (size_t)(b - a));
			c->raw_end = b;
		}
		if (c->raw_end >= c->want_end) {
			c->complete = true;
			src->pending--;
		}
	}
	/* Every window of this source is in: stop reading it. */
	return src->pending == 0;
}

static void on_end(void *ctx, void *handle, enum scan_status status, const char *reason,
                   uint64_t bytes, const char *format)
{
	struct source *src = ctx;
	struct member *m = handle;
	(void)format;
	/* Units nest: depth 1 is the file itself.  A member's own error (an
	 * archive too deep to open here, say) is not the source's. */
	if (src->depth-- == 1 && status == SCAN_ERROR && reason && !src->reason[0])
		snprintf(src->reason, src->reason_len, "%s", reason);
	if (!m)
		return;
	for (size_t i = 0; i < m->count; i++) {
		struct scan_context *c = m->places[i];
		if (status == SCAN_OK && !c->complete) {
			c->member_end = bytes;
			c->complete = true;
			src->pending--;
		}
	}
	free(m->track);
	free(m->places);
	free(m);
}

static unsigned nesting(const char *member)
{
	unsigned n = 0;
	for (; member && *member; member++)
		n += *member == '!';
	return member ? n + 1 : 0;
}

int scan_context_read(const char *root, const char *path, struct scan_context *places, size_t count,
                      char *reason, size_t reason_len)
{
	struct source src = { .places = places, .count = count, .reason = reason,
	                      .reason_len = reason_len };
	struct scan_reader *r = NULL;
	char full[8192];
	unsigned depth = 0;
	int rc = 0;
	reason[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		struct scan_context *c = &places[i];
		scan_context_release(c);
		c->status = SCAN_CONTEXT_UNREAD;
		c->raw_from = c->raw_end = c->offset > c->before ? c->offset - c->before : 0;
		c->want_end = c->offset + c->length + c->after;
		c->member_end = 0;
		c->cell_start = SCAN_CONTEXT_UNKNOWN;
		c->seen = c->complete = false;
		if (!(c->raw = malloc(c->want_end > c->raw_from ? c->want_end - c->raw_from : 1)))
			return -2;
		if (nesting(c->member) > depth)
			depth = nesting(c->member);
	}
	if (!strcmp(path, "-")) {
		snprintf(reason, reason_len, "standard input cannot be read again");
		return -1;
	}
	if (root && path[0] != '/')
		snprintf(full, sizeof(full), "%s/%s", root, path);
	else
		snprintf(full, sizeof(full), "%s", path);
	struct scan_limits limits = { .max_depth = depth };
	if (!(r = scan_reader_new(&limits)))
		return -2;
	const struct scan_sink sink = { .ctx = &src, .begin = on_begin, .window = on_window, .end = on_end };
	src.pending = count;
	scan_reader_run(r, full, &sink);
	scan_reader_free(r);
	for (size_t i = 0; i < count; i++) {
		struct scan_context *c = &places[i];
		if (c->raw_end >= c->offset + c->length && c->seen)
			c->status = SCAN_CONTEXT_OK;
		else if (reason[0])
			c->status = SCAN_CONTEXT_UNREAD;
		else
			c->status = c->seen ? SCAN_CONTEXT_SHORT : SCAN_CONTEXT_NO_MEMBER;
	}
	if (reason[0])
		rc = -1;
	return rc;
}

/* Where the field holding the value begins in raw[0, k), the bytes before
 * the value; *whole when it does begin there rather than at the window. */
static size_t field_start(const struct scan_context *c, size_t k, bool line_only, bool *whole)
{
	const unsigned char *raw = c->raw;
	*whole = c->raw_from == 0;
	switch (c->kind) {
	case SCAN_CONTEXT_CSV:
		if (c->cell_start != SCAN_CONTEXT_UNKNOWN && c->cell_start >= c->raw_from &&
		    c->cell_start <= c->offset) {
			*whole = true;
			return (size_t)(c->cell_start - c->raw_from);
		}
		*whole = false;
		return 0;
	case SCAN_CONTEXT_JSON:
		/* The string's content starts after its opening quote: the first
		 * '"' back from the value not escaped by an odd run of '\'. */
		for (size_t i = k; i-- > 0;) {
			if (raw[i] == '\n') {
				*whole = true;
				return i + 1;
			}
			if (raw[i] != '"')
				continue;
			size_t bs = 0;
			while (bs < i && raw[i - 1 - bs] == '\\')
				bs++;
			if (bs % 2 == 0) {
				*whole = true;
				return i + 1;
			}
		}
		*whole = false;
		return 0;
	case SCAN_CONTEXT_TEXT:
		for (size_t i = k; line_only && i-- > 0;)
			if (raw[i] == '\n') {
				*whole = true;
				return i + 1;
			}
		return 0;
	}
	return 0;
}

static size_t decode(const struct scan_context *c, const unsigned char *raw, size_t n,
                     unsigned char *out, uint32_t *map)
{
	switch (c->kind) {
	case SCAN_CONTEXT_JSON:
		return json_decode_string(raw, n, out, map);
	case SCAN_CONTEXT_CSV:
		return csv_decode_cell(raw, n, out, map);
	case SCAN_CONTEXT_TEXT:
		break;
	}
	memcpy(out, raw, n);
	return n;
}

int scan_context_decode(struct scan_context *c, bool line_only)
{
	size_t k = (size_t)(c->offset - c->raw_from), vlen = (size_t)c->length;
	size_t start = field_start(c, k, line_only, &c->text_whole);
	size_t n = k - start + vlen;
	uint32_t *map = NULL;
	if (c->text) {
		explicit_bzero(c->text, c->text_len);
		free(c->text);
	}
	/* Decoding never lengthens: n bytes hold it. */
	c->text = malloc(n + 1);
	map = malloc((n + 1) * sizeof(*map));
	if (!c->text || !map) {
		free(map);
		free(c->text);
		c->text = NULL;
		c->text_len = c->value_at = 0;
		return -1;
	}
	/* Without the field's start the window began inside the field; the
	 * caller asks for enough bytes that an escape cut there spoils none of
	 * the text it keeps. */
	c->value_at = decode(c, c->raw + start, k - start, c->text, map);
	c->text_len = c->value_at + decode(c, c->raw + k, vlen, c->text + c->value_at, map);
	c->text[c->text_len] = '\0';
	free(map);
	return 0;
}

void scan_context_release(struct scan_context *c)
{
	if (c->raw)
		explicit_bzero(c->raw, (size_t)(c->want_end - c->raw_from));
	free(c->raw);
	if (c->text)
		explicit_bzero(c->text, c->text_len);
	free(c->text);
	c->raw = c->text = NULL;
	c->text_len = c->value_at = 0;
}

int scan_context_csv_sep(int format_csv, const char *path, const char *member)
{
	if (format_csv < 0)
		return 0;
	if (format_csv > 0)
		return format_csv;
	return csv_separator_for(member ? member : path);
}
