/*
 * scanners/reader.c - files, compressed streams and archives, streamed.
 *
 * Each unit is first peeked at (PEEK_BYTES) to recognise its format by
 * magic bytes.  Plain text goes straight to the block stream.  Compressed
 * streams and archives are opened with libarchive; the peeked bytes are
 * replayed to it through read callbacks, so no stream is read twice and
 * nothing is written to disk.  A file on disk gets a seek callback, so
 * libarchive reads a zip from its central directory.
 *
 * libarchive is given the formats we mean (tar, zip, 7z, cpio, ar) and
 * raw for single compressed streams, never "all": the mtree bidder would
 * claim plain text.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "scanners/archive_filters.h"
#include "scanners/byte_src.h"
#include "scanners/csv_fields.h"
#include "scanners/json_fields.h"
#include "scanners/magic.h"
#include "scanners/mem_budget.h"
#include "scanners/reader.h"
#include "scanners/sevenz_mem.h"
#include "scanners/zip_mem.h"
#include "scanners/zip_stream_mem.h"

#define PEEK_BYTES (64u << 10)
#define BINARY_PROBE_BYTES 8192u
#define CLIENT_BUF_BYTES (128u << 10)

struct scan_reader;
static bool out_of_time(struct scan_reader *r, int *ms_left);
static const char *limit_reason(const struct scan_reader *r);
/*
 * The SHA-256 of a top-level input's bytes as they come off the file
 * descriptor (what sha256sum prints), taken while they are read, never by
 * a second pass over what was read.  `done` is the length of the prefix
 * hashed so far; a read that starts past it (a zip's directory read first,
 * a seek) is not hashed, and at the input's end the bytes from `done` to
 * the end of the file are read and hashed (input_digest): only what the
 * scan skipped or read out of order is read again.
 */
struct input_hash {
	EVP_MD *sha256;             /* fetched once per reader */
	EVP_MD_CTX *md;             /* NULL: not hashing */
	bool on;                    /* hashing the current input */
	bool failed;
	bool seekable;              /* a regular file: the rest can be read with pread */
	int fd;
	uint64_t at;                /* the descriptor's offset */
	uint64_t done;              /* bytes [0, done) are hashed */
};

static void hash_feed(struct input_hash *h, const void *buf, size_t n)
{
	if (h->on && h->at <= h->done && h->at + n > h->done) {
		size_t skip = (size_t)(h->done - h->at);
		if (!EVP_DigestUpdate(h->md, (const unsigned char *)buf + skip, n - skip))
			h->failed = true;
		h->done = h->at + n;
	}
	h->at += n;
}

/* A file descriptor's bytes. */
struct fd_src {
	struct byte_src base;
	int fd;
	const volatile int *cancel;
	struct scan_reader *reader;  /* counts bytes read; time limit */
	uint64_t *read_bytes;
	bool can_block;              /* not a regular file: may wait for data */
	struct input_hash *hash;
};

static ssize_t fd_src_read(struct byte_src *src, void *buf, size_t n)
{
	struct fd_src *f = (struct fd_src *)src;
	for (;;) {
		int ms_left = -1;
		if (out_of_time(f->reader, &ms_left)) {
			snprintf(src->error, sizeof(src->error), "%s", limit_reason(f->reader));
			return -1;
		}
		/* A pipe or FIFO that sends nothing must not outlast the time
		 * limit: wait for data at most until then. */
		if (f->can_block && ms_left >= 0) {
			struct pollfd p = { .fd = f->fd, .events = POLLIN };
			int ready = poll(&p, 1, ms_left);
			if (ready < 0 && errno == EINTR && f->cancel && *f->cancel) {
				snprintf(src->error, sizeof(src->error), "interrupted");
				return -1;
			}
			if (ready <= 0)
				continue;
		}
		ssize_t got = read(f->fd, buf, n);
		if (got >= 0) {
			*f->read_bytes += (uint64_t)got;
			hash_feed(f->hash, buf, (size_t)got);
			return got;
		}
		if (errno == EINTR && f->cancel && *f->cancel) {
			snprintf(src->error, sizeof(src->error), "interrupted");
			return -1;
		}
		if (errno != EINTR) {
			snprintf(src->error, sizeof(src->error), "%s", strerror(errno));
			return -1;
		}
	}
}

/* The current entry of an archive. */
struct archive_src {
	struct byte_src base;
	struct archive *archive;
};

static ssize_t archive_src_read(struct byte_src *src, void *buf, size_t n)
{
	struct archive_src *a = (struct archive_src *)src;
	la_ssize_t got;
	do
		got = archive_read_data(a->archive, buf, n);
	while (got == ARCHIVE_RETRY);
	if (got < 0) {
		const char *msg = archive_error_string(a->archive);
		snprintf(src->error, sizeof(src->error), "%s", msg ? msg : "read error");
		return -1;
	}
	return got;
}

#define src_read byte_src_read

/* Reads until n bytes, the end, or an error (*failed set, the reason in
 * src->error): what came before an error is kept. */
static size_t src_read_full(struct byte_src *src, unsigned char *buf, size_t n, bool *failed)
{
	size_t have = 0;
	*failed = false;
	while (have < n) {
		ssize_t got = src_read(src, buf + have, n - have);
		if (got < 0) {
			*failed = true;
			break;
		}
		if (got == 0)
			break;
		have += (size_t)got;
	}
	return have;
}

struct scan_reader {
	struct scan_limits limits;
	struct scan_stream stream;
	struct input_hash hash;
	const struct scan_sink *sink;
	enum scan_status worst;
	bool stopped;
	/* The input being read: bytes read from it, bytes handed out, when
	 * its time is up, and the limit it hit ("" while none). */
	uint64_t in_bytes, out_bytes;
	struct timespec deadline;
	char limit[200];
	/* Record mode: the leaf whose record too long to hold is being read
	 * as text, through the block stream (text_run_begin()). */
	void *run_handle;
	/* xz and zstd decoders open, and 7z and zip archives holding memory
	 * for theirs, one inside another: only the outermost may wait for the
	 * decoder budget (mem_budget.h). */
	unsigned decoders_open;
};

static void format_size(char *out, size_t cap, uint64_t n)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static const char *limit_reason(const struct scan_reader *r)
{
	return r->limit;
}

/* A cheap clock (no system call): read once per block or entry. */
static bool out_of_time(struct scan_reader *r, int *ms_left)
{
	struct timespec now;
	if (!r || !r->limits.max_source_seconds)
		return false;
	if (r->limit[0])
		return true;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	int64_t ms = (int64_t)(r->deadline.tv_sec - now.tv_sec) * 1000 +
	             (r->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms > 0) {
		if (ms_left)
			*ms_left = ms > 1000000 ? 1000000 : (int)ms;
		return false;
	}
	snprintf(r->limit, sizeof(r->limit),
	         "limit: more than %u s reading this input (--max-source-seconds); the rest not scanned",
	         r->limits.max_source_seconds);
	return true;
}

/* When a wait for decoder memory must end: this input's deadline
 * (--max-source-seconds), or NULL without one. */
static const struct timespec *wait_deadline(const struct scan_reader *r)
{
	return r->limits.max_source_seconds ? &r->deadline : NULL;
}

/* Counts `got` bytes handed out and checks the input's limits; true when
 * one is hit (the reason in r->limit). */
static bool account(struct scan_reader *r, size_t got)
{
	const struct scan_limits *l = &r->limits;
	char a[32], b[32];
	r->out_bytes += got;
	if (r->limit[0])
		return true;
	if (l->max_source_bytes && r->out_bytes > l->max_source_bytes) {
		format_size(a, sizeof(a), l->max_source_bytes);
		snprintf(r->limit, sizeof(r->limit),
		         "limit: more than %s decompressed from this input (--max-source-bytes); the rest not scanned",
		         a);
		return true;
	}
	if (l->max_ratio && r->out_bytes >= SCAN_RATIO_MIN_BYTES &&
	    r->out_bytes / (r->in_bytes ? r->in_bytes : 1) > l->max_ratio) {
		format_size(a, sizeof(a), r->out_bytes);
		format_size(b, sizeof(b), r->in_bytes);
		snprintf(r->limit, sizeof(r->limit),
		         "limit: expansion ratio %llu:1 over %u:1 after %s from %s (--max-ratio); the rest not scanned",
		         (unsigned long long)(r->out_bytes / (r->in_bytes ? r->in_bytes : 1)),
		         l->max_ratio, a, b);
		return true;
	}
	return out_of_time(r, NULL);
}

struct scan_reader *scan_reader_new(const struct scan_limits *limits)
{
	struct scan_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->limits = *limits;
	if (scan_stream_init(&r->stream, SCAN_BLOCK_DEFAULT, SCAN_OVERLAP_DEFAULT,
	                     SCAN_LOOKBEHIND_DEFAULT)) {
		free(r);
		return NULL;
	}
	return r;
}

void scan_reader_free(struct scan_reader *r)
{
	if (!r)
		return;
	EVP_MD_CTX_free(r->hash.md);
	EVP_MD_free(r->hash.sha256);
	scan_stream_release(&r->stream);
	free(r);
}

static void note_status(struct scan_reader *r, enum scan_status st)
{
	if (st == SCAN_STOPPED)
		r->stopped = true;
	if (st > r->worst && st != SCAN_SKIPPED)
		r->worst = st;
}

/* ---- binary or text (the format: magic.h) ---- */

static bool looks_binary(const unsigned char *p, size_t n)
{
	return memchr(p, '\0', n < BINARY_PROBE_BYTES ? n : BINARY_PROBE_BYTES) != NULL;
}

/* ---- libarchive clients ---- */

/* A zip read as a stream takes from the decoder budget what its LZMA, xz
 * and zstd entries ask (scanners/zip_stream_mem.h) as their first bytes go to
 * libarchive, which decodes nothing before it is asked for an entry's
 * data: the most any entry so far needs is held until the archive is
 * closed (libarchive keeps an entry's decoder until the next).  A need
 * refused is kept with where that entry's data starts; the walk stops
 * before it (zip_stream_refused()). */
struct zip_stream_budget {
	struct scan_reader *reader;
	struct zip_watch watch;
	uint64_t held;
	char refusal[200];           /* why, or "" */
	uint64_t refused_at;         /* where the refused entry's data starts */
};

struct replay_client {
	const unsigned char *peek;
	size_t peek_len;
	bool peek_done;
	struct byte_src *src;
	struct zip_stream_budget *zip;   /* NULL: not a zip, or no budget */
	unsigned char buf[CLIENT_BUF_BYTES];
};

/* Watches p[0, n), the next bytes of the zip, taking what a new entry
 * needs; after a refusal, watches no more. */
static void zip_stream_take(struct zip_stream_budget *z, const unsigned char *p, size_t n)
{
	struct scan_reader *r = z->reader;
	size_t seen = 0;
	while (seen < n && !z->refusal[0]) {
		seen += zip_watch_feed(&z->watch, p + seen, n - seen);
		uint64_t need = z->watch.need;
		if (need <= z->held)
			continue;
		if (mem_budget_take_or_say(r->limits.decoder_budget, need - z->held, r->decoders_open == 0,
		                           r->limits.cancel, wait_deadline(r), "zip", need, "",
		                           z->refusal, sizeof(z->refusal))) {
			z->refused_at = z->watch.need_at;
			return;
		}
		r->decoders_open += z->held == 0;
		z->held = need;
	}
}

/* Whether the entry libarchive just read the header of is the one whose
 * need was refused, or after it: its data starts where libarchive now
 * stands in the stream. */
static bool zip_stream_refused(const struct zip_stream_budget *z, struct archive *a)
{
	return z && z->refusal[0] && (uint64_t)archive_filter_bytes(a, 0) >= z->refused_at;
}

static la_ssize_t replay_read(struct archive *a, void *data, const void **out)
{
	struct replay_client *c = data;
	const unsigned char *p = c->buf;
	ssize_t got;
	if (!c->peek_done && c->peek_len) {
		c->peek_done = true;
		p = c->peek;
		got = (ssize_t)c->peek_len;
	} else {
		c->peek_done = true;
		got = src_read(c->src, c->buf, sizeof(c->buf));
		if (got < 0) {
			archive_set_error(a, EIO, "%s", c->src->error);
			return -1;
		}
	}
	if (c->zip)
		zip_stream_take(c->zip, p, (size_t)got);
	*out = p;
	return got;
}

struct fd_client {
	int fd;
	struct scan_reader *reader;  /* time limit, also while libarchive skips */
	uint64_t *read_bytes;
	struct input_hash *hash;
	unsigned char buf[CLIENT_BUF_BYTES];
};

static la_ssize_t fd_read(struct archive *a, void *data, const void **out)
{
	struct fd_client *c = data;
	if (out_of_time(c->reader, NULL)) {
		archive_set_error(a, ETIMEDOUT, "%s", limit_reason(c->reader));
		return -1;
	}
	for (;;) {
		ssize_t got = read(c->fd, c->buf, sizeof(c->buf));
		if (got >= 0) {
			*c->read_bytes += (uint64_t)got;
			hash_feed(c->hash, c->buf, (size_t)got);
			*out = c->buf;
			return got;
		}
		if (errno != EINTR) {
			archive_set_error(a, errno, "%s", strerror(errno));
			return -1;
		}
	}
}

static la_int64_t fd_seek(struct archive *a, void *data, la_int64_t offset, int whence)
{
	struct fd_client *c = data;
	off_t at = lseek(c->fd, (off_t)offset, whence);
	if (at < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return ARCHIVE_FATAL;
	}
	c->hash->at = (uint64_t)at;
	return at;
}

static la_int64_t fd_skip(struct archive *a, void *data, la_int64_t request)
{
	struct fd_client *c = data;
	(void)a;
	if (c->hash->on && c->hash->at == c->hash->done) {
		/* Skipped bytes are hashed bytes too: read them (libarchive asks
		 * again for the rest) rather than read the file again later. */
		size_t want = request < (la_int64_t)sizeof(c->buf) ? (size_t)request : sizeof(c->buf);
		ssize_t got;
		do
			got = read(c->fd, c->buf, want);
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			return 0;
		hash_feed(c->hash, c->buf, (size_t)got);
		return got;
	}
	off_t at = lseek(c->fd, (off_t)request, SEEK_CUR);
	if (at < 0)
		return 0; /* libarchive falls back to reading */
	c->hash->at = (uint64_t)at;
	return request;
}

/* ---- units ---- */

/* `layers`: compression layers already peeled for this unit (bounded, so
 * a gzip of a gzip of ... ends). */
static void process(struct scan_reader *r, struct byte_src *src, int seek_fd,
                    const struct scan_unit *unit, void *parent, unsigned layers);

#define MAX_LAYERS 8

struct window_ctx {
	struct scan_reader *r;
	void *handle;
};

static int on_window(void *ctx, struct scan_stream *s, const struct scan_window *w)
{
	struct window_ctx *wc = ctx;
	return wc->r->sink->window(wc->r->sink->ctx, wc->handle, s, w);
}

/* ---- record mode: JSON lines and JSON arrays ---- */

struct record_buf {
	unsigned char *data;
	size_t len, cap, max;
	uint64_t base;               /* member offset of data[0] */
	uint64_t total;              /* bytes read so far */
	uint64_t total_max;          /* --max-member-bytes, 0: none */
	struct scan_reader *r;       /* the input's limits */
};

/* Reads more into rb (growing it up to its maximum); 0 at the end, -1 on
 * error, 1 when data came in. */
static int record_fill(struct record_buf *rb, struct byte_src *src)
{
	if (rb->len == rb->cap) {
		if (rb->cap >= rb->max)
			return 2; /* full */
		size_t cap = rb->cap * 2 < rb->max ? rb->cap * 2 : rb->max;
		unsigned char *grown = realloc(rb->data, cap);
		if (!grown) {
			snprintf(src->error, sizeof(src->error), "out of memory");
			return -1;
		}
		rb->data = grown;
		rb->cap = cap;
	}
	size_t want = rb->cap - rb->len;
	if (rb->total_max) {
		if (rb->total >= rb->total_max) {
			snprintf(src->error, sizeof(src->error),
			         "limit: more than %llu decompressed bytes (--max-member-bytes); the rest not scanned",
			         (unsigned long long)rb->total_max);
			return -1;
		}
		if (want > rb->total_max - rb->total)
			want = (size_t)(rb->total_max - rb->total);
	}
	if (rb->r->limit[0]) {
		snprintf(src->error, sizeof(src->error), "%s", rb->r->limit);
		return -1;
	}
	ssize_t got = src_read(src, rb->data + rb->len, want);
	if (got < 0)
		return -1;
	rb->len += (size_t)got;
	rb->total += (uint64_t)got;
	/* The block just read is still scanned; the next fill reports it. */
	account(rb->r, (size_t)got);
	return got > 0;
}

static int first_json_byte(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')
			continue;
		/* A UTF-8 byte order mark is allowed before JSON text. */
		if (i == 0 && n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
			i += 2;
			continue;
		}
		return p[i];
	}
	return -1;
}

/* A record too long to hold (a JSON line or CSV row over
 * --max-record-bytes) is still read: the sink is told of it as too large,
 * then its bytes go through the block stream to the sink's window
 * callback, as a text leaf's do, at their offsets and lines in the member. */
static int on_run_window(void *ctx, struct scan_stream *s, const struct scan_window *w)
{
	struct scan_reader *r = ctx;
	return r->sink->window(r->sink->ctx, r->run_handle, s, w);
}

static void text_run_begin(struct scan_reader *r, void *h, uint64_t offset, uint64_t line)
{
	r->run_handle = h;
	scan_stream_reset_at(&r->stream, on_run_window, r, offset, line);
}

/* A record held whole: handed out, or when longer than the limit (the
 * peek can hold one) told of as too large and read as text. */
static int text_record(struct scan_reader *r, void *h, const unsigned char *data, size_t len,
                       bool too_large, uint64_t offset, uint64_t number, uint64_t line,
                       unsigned char csv_sep)
{
	struct scan_record rec = { .data = too_large ? NULL : data, .len = too_large ? 0 : len,
	                           .offset = offset, .number = number, .line = line,
	                           .too_large = too_large, .csv_sep = csv_sep };
	if (r->sink->record(r->sink->ctx, h, &rec))
		return 1;
	if (!too_large)
		return 0;
	text_run_begin(r, h, offset, line);
	return scan_stream_write(&r->stream, data, len) || scan_stream_finish(&r->stream);
}

/* The rest of a source, after what is held went to the block stream:
 * read on into it to the end.  *total counts the member's bytes read (for
 * --max-member-bytes).  0, 1 when the sink stopped, -1 on a read error or
 * a limit (reason set). */
static int text_run_rest(struct scan_reader *r, struct byte_src *src, uint64_t *total,
                         char *reason, size_t reason_len)
{
	struct scan_stream *s = &r->stream;
	uint64_t max = r->limits.max_member_bytes;
	for (;;) {
		size_t avail;
		unsigned char *dst = scan_stream_space(s, &avail);
		if (r->limit[0]) {
			snprintf(reason, reason_len, "%s", r->limit);
			return -1;
		}
		if (max && *total >= max) {
			snprintf(reason, reason_len,
			         "limit: more than %llu decompressed bytes (--max-member-bytes); the rest not scanned",
			         (unsigned long long)max);
			return -1;
		}
		if (max && avail > max - *total)
			avail = (size_t)(max - *total);
		ssize_t got = src_read(src, dst, avail);
		if (got < 0) {
			snprintf(reason, reason_len, "%s", src->error);
			return -1;
		}
		if (got == 0)
			return 0;
		*total += (uint64_t)got;
		if (scan_stream_commit(s, (size_t)got))
			return 1;
		account(r, (size_t)got);
	}
}

/* ---- JSON arrays, element by element ---- */

/* Where the current element of a JSON array ends, found as the bytes come:
 * the ',' or ']' outside strings and outside the brackets and braces the
 * element opened.  Whether the element is valid JSON is the sink's
 * question. */
struct array_split {
	size_t depth;
	bool in_string, escape;
};

/* The index in p[from, len) of the byte that ends the current element
 * (',' or ']' at its level, or a stray '}'), or len when not seen yet. */
static size_t array_split_scan(struct array_split *s, const unsigned char *p, size_t from,
                               size_t len)
{
	for (size_t i = from; i < len; i++) {
		unsigned char c = p[i];
		if (s->in_string) {
			if (s->escape)
				s->escape = false;
			else if (c == '\\')
				s->escape = true;
			else if (c == '"')
				s->in_string = false;
			continue;
		}
		switch (c) {
		case '"':
			s->in_string = true;
			break;
		case '[':
		case '{':
			s->depth++;
			break;
		case ']':
		case '}':
			if (!s->depth)
				return i;
			s->depth--;
			break;
		case ',':
			if (!s->depth)
				return i;
			break;
		default:
			break;
		}
	}
	return len;
}

static bool json_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct array_reader {
	struct scan_reader *r;
	struct byte_src *src;
	struct record_buf *rb;
	void *h;
	size_t pos;                  /* the next byte to look at, in rb */
	size_t start;                /* the element being read begins here */
	size_t keep;                 /* held bytes from here on stay at the next fill */
	bool pinned;                 /* nothing handed out yet: keep all from byte 0 */
	uint64_t line;               /* the line at line_pos */
	size_t line_pos;
	int more;                    /* 1 while more may come */
	bool failed;                 /* a read failed: reason set */
	char *reason;
	size_t reason_len;
};

/* The line of rb->data[at], at >= line_pos. */
static uint64_t array_line_at(struct array_reader *a, size_t at)
{
	a->line += scan_count_newlines(a->rb->data + a->line_pos, at - a->line_pos);
	a->line_pos = at;
	return a->line;
}

/* Drops the held bytes before a->keep (every index moves back by it) and
 * reads more: 1 when bytes came, 0 at the end or after a failed read
 * (reason set), 2 when what must stay fills the buffer's limit. */
static int array_fill(struct array_reader *a)
{
	struct record_buf *rb = a->rb;
	if (a->pinned)
		a->keep = 0;
	if (a->keep) {
		array_line_at(a, a->keep);
		memmove(rb->data, rb->data + a->keep, rb->len - a->keep);
		rb->base += a->keep;
		rb->len -= a->keep;
		a->pos -= a->keep;
		a->start = a->start > a->keep ? a->start - a->keep : 0;
		a->line_pos -= a->keep;
		a->keep = 0;
	}
	if (a->more != 1)
		return 0;
	int more = record_fill(rb, a->src);
	if (more < 0) {
		snprintf(a->reason, a->reason_len, "%s", a->src->error);
		a->failed = true;
		more = 0;
	}
	a->more = more == 2 ? 1 : more;
	return more;
}

/* Skips white space: the byte after it, or -1 at the end. */
static int array_peek(struct array_reader *a)
{
	for (;;) {
		while (a->pos < a->rb->len && json_space(a->rb->data[a->pos]))
			a->pos++;
		if (a->pos < a->rb->len)
			return a->rb->data[a->pos];
		a->keep = a->pos;
		if (array_fill(a) != 1)
			return -1;
	}
}

/* Everything from rb->data[from] to the end of the source read as text
 * (from the first byte when nothing was handed out yet); the source is an
 * error (`at`: where the JSON went wrong). */
static enum scan_status array_rest_as_text(struct array_reader *a, size_t from, size_t at,
                                           const char *why)
{
	struct scan_reader *r = a->r;
	struct record_buf *rb = a->rb;
	if (a->pinned)
		from = 0;
	if (!a->failed)
		snprintf(a->reason, a->reason_len, "invalid JSON at byte %llu: %s; the rest read as text",
		         (unsigned long long)(rb->base + at), why);
	text_run_begin(r, a->h, rb->base + from, array_line_at(a, from));
	if (scan_stream_write(&r->stream, rb->data + from, rb->len - from))
		return SCAN_STOPPED;
	int rc = a->more == 1 ? text_run_rest(r, a->src, &rb->total, a->reason, a->reason_len) : 0;
	if (rc > 0 || scan_stream_finish(&r->stream))
		return SCAN_STOPPED;
	return SCAN_ERROR;
}

/* A JSON array, read element by element: only the element being read is
 * held (up to the limit), so an array of any size is read in bounded
 * memory.  Elements are split where their brackets and strings say and
 * handed out as they are, valid JSON or not (the sink reads an invalid one
 * as text, as it does a line of JSON lines).  An element longer than the
 * limit is told of as too large and read as text.  From anything out of
 * place in the array itself (an empty element, a stray '}', text after the
 * array, an array never closed, a failed read) everything to the end is
 * read as text and the source is an error. */
static enum scan_status records_array(struct scan_reader *r, struct byte_src *src,
                                      struct record_buf *rb, bool at_end, void *h, char *reason,
                                      size_t reason_len)
{
	struct array_reader a = { .r = r, .src = src, .rb = rb, .h = h, .pinned = true, .line = 1,
	                          .more = at_end ? 0 : 1, .reason = reason, .reason_len = reason_len };
	uint64_t number = 0;
	/* A UTF-8 byte order mark may stand before the array. */
	if (rb->len >= 3 && !memcmp(rb->data, "\xef\xbb\xbf", 3))
		a.pos = 3;
	if (array_peek(&a) != '[') /* the caller saw one: only a failed read comes here */
		return array_rest_as_text(&a, 0, a.pos, "not a JSON array");
	a.pos++;
	int c = array_peek(&a);
	if (c == ']') {
		a.pos++;
		goto closed;
	}
	for (;;) {
		/* An element: up to the ',' or ']' at its level (empty after a
		 * comma, as in [1,], and so not valid). */
		if (c < 0)
			return array_rest_as_text(&a, a.pos, a.pos, "the array is not closed");
		size_t end;
		struct array_split split = { 0, false, false };
		bool in_run = false;         /* longer than the limit: read as text */
		a.start = a.pos;
		while ((end = array_split_scan(&split, rb->data, a.pos, rb->len)) == rb->len) {
			if (in_run &&
			    scan_stream_write(&r->stream, rb->data + a.start, rb->len - a.start))
				return SCAN_STOPPED;
			/* In a run the stream has the bytes: none need stay. */
			a.keep = in_run ? rb->len : a.start;
			if (in_run)
				a.start = rb->len;
			a.pos = rb->len;
			int more = array_fill(&a);
			if (more == 2 && !in_run) {
				/* Longer than the limit: told of, then read as text. */
				in_run = true;
				a.pinned = false;
				struct scan_record rec = { .offset = rb->base + a.start, .number = number + 1,
				                           .line = array_line_at(&a, a.start), .too_large = true };
				if (r->sink->record(r->sink->ctx, h, &rec))
					return SCAN_STOPPED;
				text_run_begin(r, h, rec.offset, rec.line);
			} else if (more == 0) {
				if (!in_run)
					return array_rest_as_text(&a, a.start, rb->len, "the array is not closed");
				if (scan_stream_finish(&r->stream))
					return SCAN_STOPPED;
				if (!a.failed)
					snprintf(reason, reason_len, "invalid JSON at byte %llu: the array is not closed",
					         (unsigned long long)(rb->base + rb->len));
				return SCAN_ERROR;
			}
		}
		if (in_run) {
			if (scan_stream_write(&r->stream, rb->data + a.start, end - a.start) ||
			    scan_stream_finish(&r->stream))
				return SCAN_STOPPED;
		} else {
			size_t stop = end;
			while (stop > a.start && json_space(rb->data[stop - 1]))
				stop--;
			if (stop - a.start > rb->max) {
				/* The peek can hold one longer than the limit: same rule. */
				a.pinned = false;
				if (text_record(r, h, rb->data + a.start, stop - a.start, true, rb->base + a.start,
				                number + 1, array_line_at(&a, a.start), 0))
					return SCAN_STOPPED;
			} else if (stop == a.start) {
				return array_rest_as_text(&a, a.start, a.start, "expected a value");
			} else {
				/* Not valid JSON, it is read as text by the sink and
				 * counted, as a line of JSON lines would be. */
				struct scan_record rec = { .data = rb->data + a.start, .len = stop - a.start,
				                           .offset = rb->base + a.start, .number = number + 1,
				                           .line = array_line_at(&a, a.start) };
				a.pinned = false;
				if (r->sink->record(r->sink->ctx, h, &rec))
					return SCAN_STOPPED;
			}
		}
		number++;
		a.pos = end + 1;
		if (rb->data[end] == ']')
			break;
		if (rb->data[end] != ',')
			return array_rest_as_text(&a, end, end, "expected ',' or ']'");
		c = array_peek(&a);
	}
closed:
	/* Only white space may follow (more than the limit of it, nothing
	 * handed out yet, fills the buffer: then the rest is read as text). */
	if (array_peek(&a) >= 0 || a.more == 1)
		return array_rest_as_text(&a, a.pos, a.pos, "text after the array");
	return a.failed ? SCAN_ERROR : SCAN_OK;
}

static enum scan_status records_lines(struct scan_reader *r, struct byte_src *src,
                                      struct record_buf *rb, bool at_end, void *h, char *reason,
                                      size_t reason_len)
{
	uint64_t number = 0;
	size_t start = 0, scan_from = 0;
	bool in_run = false;        /* inside a line too long to hold: read as text */
	bool failed = false;        /* a read failed: what is held is still read */
	int more = at_end ? 0 : 1;
	for (;;) {
		unsigned char *nl = memchr(rb->data + scan_from, '\n', rb->len - scan_from);
		if (!nl && more == 1) {
			/* Keep the partial line; make room and read on. */
			if (start) {
				memmove(rb->data, rb->data + start, rb->len - start);
				rb->base += start;
				rb->len -= start;
				scan_from -= start;
				start = 0;
			}
			scan_from = rb->len;
			more = record_fill(rb, src);
			if (more < 0) {
				snprintf(reason, reason_len, "%s", src->error);
				failed = true;
				more = 0;
			}
			if (more == 2) {
				/* A line longer than the limit: report it, and read
				 * what we hold and the rest of it as text. */
				if (!in_run) {
					struct scan_record rec = { .offset = rb->base, .number = number + 1,
					                           .line = number + 1, .too_large = true };
					if (r->sink->record(r->sink->ctx, h, &rec))
						return SCAN_STOPPED;
					text_run_begin(r, h, rb->base, number + 1);
					in_run = true;
				}
				if (scan_stream_write(&r->stream, rb->data, rb->len))
					return SCAN_STOPPED;
				rb->base += rb->len;
				rb->len = 0;
				scan_from = 0;
				more = 1;
			}
			continue;
		}
		size_t end = nl ? (size_t)(nl - rb->data) : rb->len;
		if (!nl && end == start)
			break;
		number++;
		if (in_run) {
			/* The end of a line read as text. */
			in_run = false;
			if (scan_stream_write(&r->stream, rb->data + start, end - start) ||
			    scan_stream_finish(&r->stream))
				return SCAN_STOPPED;
		} else {
			size_t len = end - start;
			if (len && rb->data[start + len - 1] == '\r')
				len--;
			if (number == 1 && rb->base == 0 && start == 0 && len >= 3 &&
			    !memcmp(rb->data, "\xef\xbb\xbf", 3)) {
				start = 3; /* the byte order mark is not part of the record */
				len -= 3;
			}
			/* The peek can hold a line longer than the limit: same rule. */
			if (len && text_record(r, h, rb->data + start, len, len > rb->max, rb->base + start,
			                       number, number, 0))
				return SCAN_STOPPED;
		}
		if (!nl)
			break;
		start = scan_from = end + 1;
	}
	if (in_run && scan_stream_finish(&r->stream))
		return SCAN_STOPPED;
	return failed ? SCAN_ERROR : SCAN_OK;
}

/* CSV: rows end at a LF outside quotes (csv_split_scan); the first
 * non-blank row is the header (number 0), then data rows 1, 2...; blank
 * lines are skipped; a row longer than the limit is reported too large
 * and read as text. */
static enum scan_status records_csv(struct scan_reader *r, struct byte_src *src,
                                    struct record_buf *rb, bool at_end, unsigned char sep, void *h,
                                    char *reason, size_t reason_len)
{
	struct csv_split split;
	uint64_t number = 0, line = 1;  /* line: where the current row starts */
	bool header = true, in_run = false, failed = false;
	int more = at_end ? 0 : 1;
	/* The byte order mark is not part of the header. */
	size_t start = rb->len >= 3 && !memcmp(rb->data, "\xef\xbb\xbf", 3) ? 3 : 0;
	size_t scan_from = start;
	csv_split_begin(&split, sep);
	for (;;) {
		size_t end = csv_split_scan(&split, rb->data, scan_from, rb->len);
		bool found = end < rb->len;
		if (!found && more == 1) {
			if (start) {
				memmove(rb->data, rb->data + start, rb->len - start);
				rb->base += start;
				rb->len -= start;
				start = 0;
			}
			scan_from = rb->len;
			more = record_fill(rb, src);
			if (more < 0) {
				snprintf(reason, reason_len, "%s", src->error);
				failed = true;
				more = 0;
			}
			if (more == 2) {
				if (!in_run) {
					struct scan_record rec = { .offset = rb->base, .number = header ? 0 : number + 1,
					                           .line = line, .too_large = true, .csv_sep = sep };
					if (r->sink->record(r->sink->ctx, h, &rec))
						return SCAN_STOPPED;
					text_run_begin(r, h, rb->base, line);
					in_run = true;
				}
				if (scan_stream_write(&r->stream, rb->data, rb->len))
					return SCAN_STOPPED;
				rb->base += rb->len;
				rb->len = 0;
				scan_from = 0;
				more = 1;
			}
			continue;
		}
		if (!found && end == start && !in_run)
			break;
		if (in_run) {
			/* The end of a row read as text. */
			in_run = false;
			if (scan_stream_write(&r->stream, rb->data + start, end - start) ||
			    scan_stream_finish(&r->stream))
				return SCAN_STOPPED;
			number += !header;
			header = false;
		} else {
			size_t len = end - start;
			if (len && rb->data[start + len - 1] == '\r')
				len--;
			if (len) {
				if (text_record(r, h, rb->data + start, len, len > rb->max, rb->base + start,
				                header ? 0 : number + 1, line, sep))
					return SCAN_STOPPED;
				number += !header;
				header = false;
			}
		}
		line += split.newlines + 1;
		csv_split_begin(&split, sep);
		if (!found)
			break;
		start = scan_from = end + 1;
	}
	return failed ? SCAN_ERROR : SCAN_OK;
}

/* ---- the input's content hash ---- */

static void hex_digest(const unsigned char *d, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = 0;
}

/* Completes the input's hash and hands it to the sink, before the
 * top-level unit's end.  A regular file is hashed whole whatever the
 * scan's status (the bytes not yet hashed are read with pread, no
 * decoding), unless a per-input limit stopped it; a stream (standard input, a FIFO) only when it was read to
 * its end without error, its last bytes drained.  An interrupted input, or
 * a read error here, gets no hash rather than a wrong one. */
static void input_digest(struct scan_reader *r, void *h, enum scan_status status)
{
	struct input_hash *ih = &r->hash;
	unsigned char *buf = NULL;
	if (!ih->on)
		return;
	ih->on = false;
	/* An input stopped by a limit is not read on: the limits bound the
	 * work an input can cause, and reading the rest of a 200 GB sparse
	 * file to hash it would undo the time limit. */
	if (ih->failed || status == SCAN_STOPPED || (!ih->seekable && status != SCAN_OK) || r->limit[0])
		return;
	if (!(buf = malloc(CLIENT_BUF_BYTES)))
		return;
	for (;;) {
		if (r->limits.cancel && *r->limits.cancel)
			goto out;
		ssize_t got = ih->seekable ? pread(ih->fd, buf, CLIENT_BUF_BYTES, (off_t)ih->done)
		                           : read(ih->fd, buf, CLIENT_BUF_BYTES);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 || (!ih->seekable && ih->at != ih->done))
			goto out;
		if (got == 0)
			break;
		if (!EVP_DigestUpdate(ih->md, buf, (size_t)got))
			goto out;
		ih->done += (uint64_t)got;
		ih->at = ih->seekable ? ih->at : ih->done;
	}
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	if (EVP_DigestFinal_ex(ih->md, d, &n) && n == 32) {
		hex_digest(d, n, hex);
		r->sink->digest(r->sink->ctx, h, hex);
	}
out:
	free(buf);
}

/* Every unit ends here: the top-level one (depth 0, no member) with its
 * content hash first. */
static void end_unit(struct scan_reader *r, const struct scan_unit *unit, void *h,
                     enum scan_status status, const char *reason, uint64_t bytes,
                     const char *format)
{
	if (unit->depth == 0 && !unit->member)
		input_digest(r, h, status);
	r->sink->end(r->sink->ctx, h, status, reason, bytes, format);
}

static void leaf_records(struct scan_reader *r, struct byte_src *src, const unsigned char *peek,
                         size_t peek_len, bool at_end, const char *peek_error, bool array,
                         int csv_sep, const struct scan_unit *unit, void *h)
{
	char reason[600] = "";
	enum scan_status status;
	struct record_buf rb = { .max = (size_t)r->limits.max_record_bytes,
	                         .total_max = r->limits.max_member_bytes, .r = r };
	rb.cap = peek_len > (1u << 20) ? peek_len : (1u << 20);
	if (rb.cap > rb.max)
		rb.cap = rb.max > peek_len ? rb.max : peek_len;
	rb.data = malloc(rb.cap);
	if (!rb.data) {
		end_unit(r, unit, h, SCAN_ERROR, "out of memory", 0, unit->format);
		note_status(r, SCAN_ERROR);
		return;
	}
	memcpy(rb.data, peek, peek_len);
	rb.len = rb.total = peek_len;
	status = csv_sep ? records_csv(r, src, &rb, at_end || peek_error, (unsigned char)csv_sep, h,
	                               reason, sizeof(reason))
	         : array ? records_array(r, src, &rb, at_end || peek_error, h, reason, sizeof(reason))
	         : records_lines(r, src, &rb, at_end || peek_error, h, reason, sizeof(reason));
	if (peek_error && status == SCAN_OK) {
		status = SCAN_ERROR;
		snprintf(reason, sizeof(reason), "%s", peek_error);
	}
	free(rb.data);
	end_unit(r, unit, h, status, status == SCAN_ERROR ? reason : NULL, rb.total, unit->format);
	note_status(r, status);
}

/* `peek_error`: reading the peek ended in this error (the peek holds what
 * came before it). */
static void leaf(struct scan_reader *r, struct byte_src *src, const unsigned char *peek,
                 size_t peek_len, bool at_end, const char *peek_error,
                 const struct scan_unit *unit, void *parent)
{
	const struct scan_sink *sink = r->sink;
	void *h = sink->begin(sink->ctx, unit, parent);
	enum scan_status status = SCAN_OK;
	char reason[600] = "";
	account(r, peek_len);
	if (!r->limits.binary && looks_binary(peek, peek_len)) {
		end_unit(r, unit, h, SCAN_SKIPPED, "binary content (NUL bytes)", 0, unit->format);
		return;
	}
	if (r->limits.records && sink->record) {
		int first = first_json_byte(peek, peek_len);
		int csv = r->limits.csv ? r->limits.csv
		          : csv_separator_for(unit->member ? unit->member : unit->path);
		if (csv > 0 || first == '{' || first == '[') {
			leaf_records(r, src, peek, peek_len, at_end, peek_error, first == '[',
			             csv > 0 ? csv : 0, unit, h);
			return;
		}
	}
	struct window_ctx wc = { r, h };
	struct scan_stream *s = &r->stream;
	scan_stream_reset(s, on_window, &wc);
	int rc = scan_stream_write(s, peek, peek_len);
	if (peek_error) {
		status = SCAN_ERROR;
		snprintf(reason, sizeof(reason), "%s", peek_error);
		at_end = true;
	}
	while (!rc && !at_end) {
		if (r->limit[0]) {
			status = SCAN_ERROR;
			snprintf(reason, sizeof(reason), "%s", r->limit);
			break;
		}
		size_t avail;
		unsigned char *dst = scan_stream_space(s, &avail);
		if (r->limits.max_member_bytes && s->total >= r->limits.max_member_bytes) {
			status = SCAN_ERROR;
			snprintf(reason, sizeof(reason),
			         "limit: more than %llu decompressed bytes (--max-member-bytes); the rest not scanned",
			         (unsigned long long)r->limits.max_member_bytes);
			break;
		}
		if (r->limits.max_member_bytes && avail > r->limits.max_member_bytes - s->total)
			avail = (size_t)(r->limits.max_member_bytes - s->total);
		ssize_t got = src_read(src, dst, avail);
		if (got < 0) {
			status = SCAN_ERROR;
			snprintf(reason, sizeof(reason), "%s", src->error);
			break;
		}
		if (got == 0)
			break;
		rc = scan_stream_commit(s, (size_t)got);
		account(r, (size_t)got);
	}
	/* What was read before an error is still scanned and kept. */
	if (!rc)
		rc = scan_stream_finish(s);
	if (rc)
		status = SCAN_STOPPED;
	end_unit(r, unit, h, status, status == SCAN_ERROR ? reason : NULL, s->total, unit->format);
	note_status(r, status);
}

static char *join_member(const char *parent, const char *name)
{
	size_t a = parent ? strlen(parent) : 0, b = strlen(name);
	char *out = malloc(a + b + 2);
	if (!out)
		return NULL;
	if (parent) {
		memcpy(out, parent, a);
		out[a++] = '!';
	}
	memcpy(out + a, name, b + 1);
	return out;
}

static const char *base_format_name(int format)
{
	switch (format & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_TAR: return "tar";
	case ARCHIVE_FORMAT_ZIP: return "zip";
	case ARCHIVE_FORMAT_7ZIP: return "7z";
	case ARCHIVE_FORMAT_CPIO: return "cpio";
	case ARCHIVE_FORMAT_AR: return "ar";
	default: return "archive";
	}
}

/* A unit that ends before a byte of it is read: begun and ended at once. */
static void end_unread(struct scan_reader *r, const struct scan_unit *unit, void *parent,
                       enum scan_status status, const char *reason)
{
	void *h = r->sink->begin(r->sink->ctx, unit, parent);
	end_unit(r, unit, h, status, reason, 0, unit->format);
	note_status(r, status);
}

static void fail_unit(struct scan_reader *r, const struct scan_unit *unit, void *parent,
                      const char *reason)
{
	end_unread(r, unit, parent, SCAN_ERROR, reason);
}

/*
 * What a member's reader left unread (a binary member after its peek, the
 * rest after a limit) libarchive skips on the next header.  In a tar, cpio
 * or ar stream that is compressed or not seekable, skipping is
 * decompressing: a small .tar.gz can hide a terabyte of zeros in one
 * binary member.  So that work is read here, in blocks, and counted
 * against the input's limits like scanned bytes.  Zip and 7z skip members
 * without inflating them; a seekable plain tar skips with a seek.
 */
static void drain_entry(struct scan_reader *r, struct archive *a, bool seekable)
{
	int base = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
	if ((base != ARCHIVE_FORMAT_TAR && base != ARCHIVE_FORMAT_CPIO && base != ARCHIVE_FORMAT_AR) ||
	    (seekable && archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE))
		return;
	const void *block;
	size_t len;
	la_int64_t at;
	while (!r->limit[0] && archive_read_data_block(a, &block, &len, &at) == ARCHIVE_OK)
		account(r, len);
}

/* Whether limits.exclude leaves out the entry just read (of the container
 * whose sink handle is h): if so the sink is told, and its data is
 * skipped over as a member's rest is (drain_entry: counted toward the
 * input's limits). */
static bool left_out(struct scan_reader *r, struct archive *a, struct archive_entry *entry, void *h,
                     bool seekable)
{
	const char *name = r->limits.exclude ? archive_entry_pathname(entry) : NULL;
	const char *glob = name ? path_exclude_match(r->limits.exclude, name) : NULL;
	if (!glob)
		return false;
	if (r->sink->excluded)
		r->sink->excluded(r->sink->ctx, h, name, glob);
	drain_entry(r, a, seekable);
	return true;
}

static void walk_archive(struct scan_reader *r, struct archive *a, struct archive_entry *entry,
                         const struct scan_unit *unit, void *parent, bool seekable,
                         const struct zip_stream_budget *zip)
{
	char format[64];
	const char *filter = archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE ? archive_filter_name(a, 0)
	                     : unit->format;
	snprintf(format, sizeof(format), "%s%s%s", base_format_name(archive_format(a)),
	         filter ? "+" : "", filter ? filter : "");
	struct scan_unit self = *unit;
	self.kind = SCAN_UNIT_ARCHIVE;
	self.container = true;
	self.format = format;
	void *h = r->sink->begin(r->sink->ctx, &self, parent);
	enum scan_status status = SCAN_OK;
	char reason[600] = "";
	uint64_t entries = 0;
	for (;;) {
		if (r->limit[0] || out_of_time(r, NULL)) {
			status = SCAN_ERROR;
			snprintf(reason, sizeof(reason), "%s", r->limit);
			break;
		}
		if (r->limits.max_entries && ++entries > r->limits.max_entries) {
			status = SCAN_ERROR;
			snprintf(reason, sizeof(reason), "limit: more than %llu entries (--max-entries)",
			         (unsigned long long)r->limits.max_entries);
			break;
		}
		if (zip_stream_refused(zip, a)) {
			/* Its data not read: libarchive would decode it with
			 * what it asks. */
			status = SCAN_ERROR;
			snprintf(reason, sizeof(reason), "%s", zip->refusal);
			break;
		}
		/* GNU ar in its deterministic mode (Debian's default) writes a
		 * member's mode as 644, without the file type bits: a file all
		 * the same (it was read as nothing, and its values missed). */
		bool regular = archive_entry_filetype(entry) == AE_IFREG ||
		               (archive_entry_filetype(entry) == 0 &&
		                (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR);
		if (regular && left_out(r, a, entry, h, seekable)) {
			if (r->limit[0]) {
				status = SCAN_ERROR;
				snprintf(reason, sizeof(reason), "%s", r->limit);
				break;
			}
		} else if (regular) {
			const char *name = archive_entry_pathname(entry);
			char *member = join_member(unit->member, name ? name : "?");
			if (!member) {
				status = SCAN_ERROR;
				snprintf(reason, sizeof(reason), "out of memory");
				break;
			}
			struct scan_unit child = {
				.kind = SCAN_UNIT_MEMBER, .path = unit->path, .member = member,
				.size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1,
				.depth = unit->depth + 1,
			};
			struct archive_src child_src = { .base.read = archive_src_read, .archive = a };
			process(r, &child_src.base, -1, &child, h, 0);
			free(member);
			if (!r->stopped)
				drain_entry(r, a, seekable);
			if (r->limit[0]) {
				/* Not past this entry: skipping it is the work refused. */
				status = SCAN_ERROR;
				snprintf(reason, sizeof(reason), "%s", r->limit);
				break;
			}
			if (r->stopped) {
				status = SCAN_STOPPED;
				break;
			}
		}
		int rc = archive_read_next_header(a, &entry);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_WARN) {
			const char *msg = archive_error_string(a);
			status = SCAN_ERROR;
			snprintf(reason, sizeof(reason), "%s", msg ? msg : "damaged archive");
			break;
		}
	}
	end_unit(r, &self, h, status, status == SCAN_ERROR ? reason : NULL, 0, format);
	note_status(r, status);
}

/* A 7z or zip archive read through its descriptor: libarchive gives each
 * 7z folder's decoder what the header asks (an LZMA dictionary up to
 * 1.5 GiB, a PPMd model up to 4 GiB), and each zip entry compressed with
 * LZMA, xz or zstd the dictionary or window its data asks, so that much is taken from the
 * decoder budget first (scanners/sevenz_mem.c and zip_mem.c read it from
 * the archive).  0, with what was taken in *held; -1 when refused (the
 * unit failed).  An archive not read there (an encrypted 7z header, a
 * damaged zip directory) is left to libarchive, which reports its own
 * error for a damaged one; a 7z header read whole and found damaged is
 * refused here (libarchive would allocate for its counts first). */
static int take_archive_memory(struct scan_reader *r, int fd, const char *magic, uint64_t *held,
                               const struct scan_unit *unit, void *parent)
{
	struct mem_budget *budget = r->limits.decoder_budget;
	uint64_t need;
	char why[160];
	*held = 0;
	bool sevenz = !strcmp(magic, "7z");
	if (!budget && !sevenz)
		return 0;
	int rc = sevenz ? sevenz_decoder_need(fd, budget ? mem_budget_limit(budget) : UINT64_MAX,
	                                      &need, why, sizeof(why))
	                : zip_decoder_need(fd, &need, why, sizeof(why));
	if (rc == SEVENZ_DAMAGED) {   /* with or without a budget */
		char reason[200];
		snprintf(reason, sizeof(reason), "damaged 7z archive: %s", why);
		fail_unit(r, unit, parent, reason);
		return -1;
	}
	if (rc || !need || !budget)
		return 0;
	char reason[200];
	if (mem_budget_take_or_say(budget, need, r->decoders_open == 0, r->limits.cancel,
	                           wait_deadline(r), magic, need, "", reason, sizeof(reason))) {
		fail_unit(r, unit, parent, reason);
		return -1;
	}
	*held = need;
	return 0;
}

static void open_archive(struct scan_reader *r, struct byte_src *src, int seek_fd,
                         const unsigned char *peek, size_t peek_len, const char *magic,
                         const struct scan_unit *unit, void *parent)
{
	struct archive *a = archive_read_new();
	struct replay_client *replay = NULL;
	struct zip_stream_budget *zip = NULL;   /* a zip read as a stream */
	struct fd_client *fdc = NULL;
	struct archive_entry *entry;
	struct scan_unit self = *unit;
	uint64_t held = 0;   /* taken from the decoder budget for a 7z or zip */
	self.format = magic;
	if (!a) {
		fail_unit(r, &self, parent, "out of memory");
		return;
	}
	archive_support_inprocess_filters(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_raw(a);
	if (seek_fd >= 0 && lseek(seek_fd, 0, SEEK_SET) == 0 && (fdc = malloc(sizeof(*fdc)))) {
		r->hash.at = 0;
		fdc->fd = seek_fd;
		fdc->reader = r;
		fdc->read_bytes = &r->in_bytes;
		fdc->hash = &r->hash;
		archive_read_set_read_callback(a, fd_read);
		archive_read_set_seek_callback(a, fd_seek);
		archive_read_set_skip_callback(a, fd_skip);
		archive_read_set_callback_data(a, fdc);
	} else if ((replay = malloc(sizeof(*replay)))) {
		replay->peek = peek;
		replay->peek_len = peek_len;
		replay->peek_done = false;
		replay->src = src;
		replay->zip = NULL;
		if (!strcmp(magic, "zip") && r->limits.decoder_budget) {
			if (!(zip = calloc(1, sizeof(*zip)))) {
				fail_unit(r, &self, parent, "out of memory");
				goto out;
			}
			zip->reader = r;
			zip_watch_init(&zip->watch);
			replay->zip = zip;
		}
		archive_read_set_read_callback(a, replay_read);
		archive_read_set_callback_data(a, replay);
	} else {
		fail_unit(r, &self, parent, "out of memory");
		goto out;
	}
	if (fdc && (!strcmp(magic, "7z") || !strcmp(magic, "zip"))) {
		if (take_archive_memory(r, seek_fd, magic, &held, &self, parent))
			goto out;
		r->decoders_open += held != 0;
	}
	if (archive_read_open1(a) != ARCHIVE_OK) {
		const char *msg = archive_error_string(a);
		fail_unit(r, &self, parent, msg ? msg : "cannot open archive");
		goto out;
	}
	int rc = archive_read_next_header(a, &entry);
	if (rc == ARCHIVE_EOF) {
		/* An archive with no entries: read, and nothing in it. */
		self.kind = SCAN_UNIT_ARCHIVE;
		self.container = true;
		void *h = r->sink->begin(r->sink->ctx, &self, parent);
		end_unit(r, &self, h, SCAN_OK, NULL, 0, magic);
		goto out;
	}
	if (rc < ARCHIVE_WARN) {
		const char *msg = archive_error_string(a);
		fail_unit(r, &self, parent, msg ? msg : "damaged archive");
		goto out;
	}
	if (archive_format(a) == ARCHIVE_FORMAT_RAW) {
		/* A single compressed stream: its content is the unit. */
		struct archive_src inner = { .base.read = archive_src_read, .archive = a };
		process(r, &inner.base, -1, &self, parent, MAX_LAYERS);
	} else {
		walk_archive(r, a, entry, unit, parent, fdc != NULL, zip);
	}
out:
	archive_read_free(a);
	if (held) {
		r->decoders_open--;
		mem_budget_give(r->limits.decoder_budget, held);
	}
	if (zip && zip->held) {
		r->decoders_open--;
		mem_budget_give(r->limits.decoder_budget, zip->held);
	}
	free(zip);
	free(replay);
	free(fdc);
}

/* A gzip stream: decoded here (ISA-L or zlib), its content a new unit
 * body: plain text, a tar, anything. */
static void open_gzip(struct scan_reader *r, struct byte_src *src, const unsigned char *peek,
                      size_t peek_len, const struct scan_unit *unit, void *parent, unsigned layers)
{
	struct replay_src replay;
	replay_src_init(&replay, peek, peek_len, src);
	struct gzip_src *gz = gzip_src_new(&replay.base);
	if (!gz) {
		fail_unit(r, unit, parent, "out of memory");
		return;
	}
	struct scan_unit self = *unit;
	self.format = "gzip";
	process(r, gzip_src_base(gz), -1, &self, parent, layers + 1);
	gzip_src_free(gz);
}

/* xz, .lzma or lzip (magic names which): decoded here (scanners/xz_src.c)
 * within the decoder budget, not by libarchive's filter, which takes
 * whatever memory the file asks (lzip's dictionary: up to 512 MiB); the
 * content is a new unit body, as for gzip. */
static void open_xz(struct scan_reader *r, struct byte_src *src, const unsigned char *peek,
                    size_t peek_len, const char *magic, const struct scan_unit *unit, void *parent,
                    unsigned layers)
{
	struct replay_src replay;
	replay_src_init(&replay, peek, peek_len, src);
	enum xz_format format = !strcmp(magic, "lzma") ? XZ_FORMAT_LZMA
	                        : !strcmp(magic, "lzip") ? XZ_FORMAT_LZIP : XZ_FORMAT_XZ;
	struct xz_src *xz = xz_src_new(&replay.base, format, r->limits.decoder_budget,
	                               r->decoders_open == 0, r->limits.cancel);
	if (!xz) {
		fail_unit(r, unit, parent, "out of memory");
		return;
	}
	struct scan_unit self = *unit;
	xz_src_set_deadline(xz, wait_deadline(r));
	self.format = magic;
	r->decoders_open++;
	process(r, xz_src_base(xz), -1, &self, parent, layers + 1);
	r->decoders_open--;
	xz_src_free(xz);
}

/* zstd: decoded here (scanners/zstd_src.c) within the decoder budget, not
 * by libarchive's filter, which gives each job what a frame's window asks
 * (up to 128 MiB); the content is a new unit body, as for gzip. */
static void open_zstd(struct scan_reader *r, struct byte_src *src, const unsigned char *peek,
                      size_t peek_len, const struct scan_unit *unit, void *parent, unsigned layers)
{
	struct replay_src replay;
	replay_src_init(&replay, peek, peek_len, src);
	struct zstd_src *z = zstd_src_new(&replay.base, r->limits.decoder_budget,
	                                  r->decoders_open == 0, r->limits.cancel);
	if (!z) {
		fail_unit(r, unit, parent, "out of memory");
		return;
	}
	struct scan_unit self = *unit;
	zstd_src_set_deadline(z, wait_deadline(r));
	self.format = "zstd";
	r->decoders_open++;
	process(r, zstd_src_base(z), -1, &self, parent, layers + 1);
	r->decoders_open--;
	zstd_src_free(z);
}

/* UTF-16 text with a byte order mark: decoded to UTF-8, its content a new
 * unit body (text, JSON or CSV).  Offsets count the UTF-8 bytes. */
static void open_utf16(struct scan_reader *r, struct byte_src *src, const unsigned char *peek,
                       size_t peek_len, bool big_endian, const struct scan_unit *unit,
                       void *parent, unsigned layers)
{
	struct replay_src replay;
	replay_src_init(&replay, peek, peek_len, src);
	struct utf16_src *u = utf16_src_new(&replay.base, big_endian);
	if (!u) {
		fail_unit(r, unit, parent, "out of memory");
		return;
	}
	struct scan_unit self = *unit;
	self.format = big_endian ? "utf-16be" : "utf-16le";
	process(r, utf16_src_base(u), -1, &self, parent, layers + 1);
	utf16_src_free(u);
}

static void process(struct scan_reader *r, struct byte_src *src, int seek_fd,
                    const struct scan_unit *unit, void *parent, unsigned layers)
{
	unsigned char *peek = malloc(PEEK_BYTES);
	if (!peek) {
		fail_unit(r, unit, parent, "out of memory");
		return;
	}
	bool failed;
	size_t got = src_read_full(src, peek, PEEK_BYTES, &failed);
	if (failed && !got) {
		fail_unit(r, unit, parent, src->error);
		goto out;
	}
	const char *magic = magic_sniff(peek, (size_t)got);
	if (magic && layers >= MAX_LAYERS) {
		/* libarchive already peeled every compression layer it knows (or
		 * this is gzip in gzip in ...): what is left is not read further. */
		magic = NULL;
	}
	if (magic && unit->depth > r->limits.max_depth) {
		char reason[128];
		snprintf(reason, sizeof(reason), "limit: archive nested deeper than %u levels (--max-depth)",
		         r->limits.max_depth);
		fail_unit(r, unit, parent, reason);
		goto out;
	}
	bool big_endian;
	if (magic && !strcmp(magic, "gzip"))
		open_gzip(r, src, peek, (size_t)got, unit, parent, layers);
	else if (magic && (!strcmp(magic, "xz") || !strcmp(magic, "lzma") || !strcmp(magic, "lzip")))
		open_xz(r, src, peek, (size_t)got, magic, unit, parent, layers);
	else if (magic && !strcmp(magic, "zstd"))
		open_zstd(r, src, peek, (size_t)got, unit, parent, layers);
	else if (!magic && layers < MAX_LAYERS && utf16_bom(peek, got, &big_endian))
		open_utf16(r, src, peek, got, big_endian, unit, parent, layers);
	else if (magic)
		open_archive(r, src, seek_fd, peek, (size_t)got, magic, unit, parent);
	else
		leaf(r, src, peek, got, got < PEEK_BYTES && !failed, failed ? src->error : NULL, unit,
		     parent);
out:
	free(peek);
}

/* Starts hashing the input on fd; without memory for it, no hash. */
static void hash_begin(struct input_hash *h, int fd, bool seekable)
{
	h->on = h->failed = false;
	if (!h->sha256 && !(h->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)))
		return;
	if (!h->md && !(h->md = EVP_MD_CTX_new()))
		return;
	if (!EVP_DigestInit_ex(h->md, h->sha256, NULL))
		return;
	h->fd = fd;
	h->seekable = seekable;
	h->at = h->done = 0;
	h->on = true;
}

enum scan_status scan_reader_run(struct scan_reader *r, const char *path, const struct scan_sink *sink)
{
	struct scan_unit unit = { .kind = SCAN_UNIT_FILE, .path = path, .size = -1 };
	struct fd_src src = { .base.read = fd_src_read, .fd = -1, .cancel = r->limits.cancel,
	                      .reader = r, .read_bytes = &r->in_bytes, .hash = &r->hash };
	struct stat st;
	int seek_fd = -1;
	r->sink = sink;
	r->worst = SCAN_OK;
	r->stopped = false;
	r->in_bytes = r->out_bytes = 0;
	r->limit[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC_COARSE, &r->deadline);
	r->deadline.tv_sec += (time_t)r->limits.max_source_seconds;
	r->hash.on = false;
	if (!strcmp(path, "-")) {
		unit.kind = SCAN_UNIT_STDIN;
		src.fd = STDIN_FILENO;
		src.can_block = fstat(src.fd, &st) || !S_ISREG(st.st_mode);
	} else {
		/* A FIFO named on the command line is read as a stream: open()
		 * waits for its writer, as cat does (folders never yield FIFOs). */
		src.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (src.fd < 0) {
			/* Stopped while waiting for a FIFO's writer: interrupted,
			 * as a read would be, not unreadable. */
			if (errno == EINTR && r->limits.cancel && *r->limits.cancel)
				end_unread(r, &unit, NULL, SCAN_STOPPED, NULL);
			else
				fail_unit(r, &unit, NULL, strerror(errno));
			return r->worst;
		}
		if (fstat(src.fd, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				fail_unit(r, &unit, NULL, "is a directory");
				close(src.fd);
				return r->worst;
			}
			if (S_ISREG(st.st_mode)) {
				unit.size = st.st_size;
				seek_fd = src.fd;
			}
			src.can_block = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
		}
	}
	if (sink->digest)
		hash_begin(&r->hash, src.fd, seek_fd >= 0);
	process(r, &src.base, seek_fd, &unit, NULL, 0);
	if (src.fd != STDIN_FILENO)
		close(src.fd);
	return r->worst;
}
