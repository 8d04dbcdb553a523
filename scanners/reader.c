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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "scanners/reader.h"

#define PEEK_BYTES (64u << 10)
#define BINARY_PROBE_BYTES 8192u
#define CLIENT_BUF_BYTES (128u << 10)

/* Where a unit's bytes come from: a file descriptor or an archive entry. */
struct byte_src {
	int fd;
	struct archive *archive;
	char error[512];
};

static ssize_t src_read(struct byte_src *src, void *buf, size_t n)
{
	if (src->archive) {
		la_ssize_t got;
		do
			got = archive_read_data(src->archive, buf, n);
		while (got == ARCHIVE_RETRY);
		if (got < 0) {
			const char *msg = archive_error_string(src->archive);
			snprintf(src->error, sizeof(src->error), "%s", msg ? msg : "read error");
			return -1;
		}
		return got;
	}
	for (;;) {
		ssize_t got = read(src->fd, buf, n);
		if (got >= 0)
			return got;
		if (errno != EINTR) {
			snprintf(src->error, sizeof(src->error), "%s", strerror(errno));
			return -1;
		}
	}
}

/* Reads until n bytes or the end; -1 on error. */
static ssize_t src_read_full(struct byte_src *src, unsigned char *buf, size_t n)
{
	size_t have = 0;
	while (have < n) {
		ssize_t got = src_read(src, buf + have, n - have);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		have += (size_t)got;
	}
	return (ssize_t)have;
}

struct scan_reader {
	struct scan_limits limits;
	struct scan_stream stream;
	const struct scan_sink *sink;
	enum scan_status worst;
	bool stopped;
};

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

/* ---- magic bytes ---- */

struct magic {
	const char *name;
	size_t at;
	const char *bytes;
	size_t len;
};

static const struct magic magics[] = {
	{ "gzip", 0, "\x1f\x8b", 2 },
	{ "zstd", 0, "\x28\xb5\x2f\xfd", 4 },
	{ "xz", 0, "\xfd\x37\x7a\x58\x5a\x00", 6 },
	{ "bzip2", 0, "BZh", 3 },
	{ "lz4", 0, "\x04\x22\x4d\x18", 4 },
	{ "lzma", 0, "\x5d\x00\x00", 3 },
	{ "zip", 0, "PK\x03\x04", 4 },
	{ "zip", 0, "PK\x05\x06", 4 },
	{ "zip", 0, "PK\x07\x08", 4 },
	{ "7z", 0, "7z\xbc\xaf\x27\x1c", 6 },
	{ "tar", 257, "ustar", 5 },
	{ "cpio", 0, "070701", 6 },
	{ "cpio", 0, "070702", 6 },
	{ "cpio", 0, "070707", 6 },
	{ "ar", 0, "!<arch>\n", 8 },
};

static const char *sniff(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		const struct magic *m = &magics[i];
		if (n >= m->at + m->len && !memcmp(p + m->at, m->bytes, m->len)) {
			/* "BZh" must be followed by a block size digit. */
			if (!strcmp(m->name, "bzip2") && (n < 4 || p[3] < '1' || p[3] > '9'))
				continue;
			/* lzma-alone is a weak magic: require a sane dictionary size byte. */
			if (!strcmp(m->name, "lzma") && (n < 13 || p[12] != 0))
				continue;
			return m->name;
		}
	}
	return NULL;
}

static bool looks_binary(const unsigned char *p, size_t n)
{
	return memchr(p, '\0', n < BINARY_PROBE_BYTES ? n : BINARY_PROBE_BYTES) != NULL;
}

/* ---- libarchive clients ---- */

struct replay_client {
	const unsigned char *peek;
	size_t peek_len;
	bool peek_done;
	struct byte_src *src;
	unsigned char buf[CLIENT_BUF_BYTES];
};

static la_ssize_t replay_read(struct archive *a, void *data, const void **out)
{
	struct replay_client *c = data;
	if (!c->peek_done) {
		c->peek_done = true;
		if (c->peek_len) {
			*out = c->peek;
			return (la_ssize_t)c->peek_len;
		}
	}
	ssize_t got = src_read(c->src, c->buf, sizeof(c->buf));
	if (got < 0) {
		archive_set_error(a, EIO, "%s", c->src->error);
		return -1;
	}
	*out = c->buf;
	return got;
}

struct fd_client {
	int fd;
	unsigned char buf[CLIENT_BUF_BYTES];
};

static la_ssize_t fd_read(struct archive *a, void *data, const void **out)
{
	struct fd_client *c = data;
	for (;;) {
		ssize_t got = read(c->fd, c->buf, sizeof(c->buf));
		if (got >= 0) {
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
	return at;
}

static la_int64_t fd_skip(struct archive *a, void *data, la_int64_t request)
{
	struct fd_client *c = data;
	(void)a;
	if (lseek(c->fd, (off_t)request, SEEK_CUR) < 0)
		return 0; /* libarchive falls back to reading */
	return request;
}

/* ---- units ---- */

static void process(struct scan_reader *r, struct byte_src *src, int seek_fd,
                    const struct scan_unit *unit, void *parent, bool decompressed);

struct window_ctx {
	struct scan_reader *r;
	void *handle;
};

static int on_window(void *ctx, struct scan_stream *s, const struct scan_window *w)
{
	struct window_ctx *wc = ctx;
	return wc->r->sink->window(wc->r->sink->ctx, wc->handle, s, w);
}

static void leaf(struct scan_reader *r, struct byte_src *src, const unsigned char *peek,
                 size_t peek_len, bool at_end, const struct scan_unit *unit, void *parent)
{
	const struct scan_sink *sink = r->sink;
	void *h = sink->begin(sink->ctx, unit, parent);
	enum scan_status status = SCAN_OK;
	char reason[600] = "";
	if (looks_binary(peek, peek_len)) {
		sink->end(sink->ctx, h, SCAN_SKIPPED, "binary content (NUL bytes)", 0, unit->format);
		return;
	}
	struct window_ctx wc = { r, h };
	struct scan_stream *s = &r->stream;
	scan_stream_reset(s, on_window, &wc);
	int rc = scan_stream_write(s, peek, peek_len);
	while (!rc && !at_end) {
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
	}
	/* What was read before an error is still scanned and kept. */
	if (!rc)
		rc = scan_stream_finish(s);
	if (rc)
		status = SCAN_STOPPED;
	sink->end(sink->ctx, h, status, status == SCAN_ERROR ? reason : NULL, s->total, unit->format);
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

static void fail_unit(struct scan_reader *r, const struct scan_unit *unit, void *parent,
                      const char *reason)
{
	void *h = r->sink->begin(r->sink->ctx, unit, parent);
	r->sink->end(r->sink->ctx, h, SCAN_ERROR, reason, 0, unit->format);
	note_status(r, SCAN_ERROR);
}

static void walk_archive(struct scan_reader *r, struct archive *a, struct archive_entry *entry,
                         const struct scan_unit *unit, void *parent)
{
	char format[64];
	const char *filter = archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE ? archive_filter_name(a, 0) : NULL;
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
		if (r->limits.max_entries && ++entries > r->limits.max_entries) {
			status = SCAN_ERROR;
			snprintf(reason, sizeof(reason), "limit: more than %llu entries (--max-entries)",
			         (unsigned long long)r->limits.max_entries);
			break;
		}
		if (archive_entry_filetype(entry) == AE_IFREG) {
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
			struct byte_src child_src = { .fd = -1, .archive = a };
			process(r, &child_src, -1, &child, h, false);
			free(member);
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
	r->sink->end(r->sink->ctx, h, status, status == SCAN_ERROR ? reason : NULL, 0, format);
	note_status(r, status);
}

static void open_archive(struct scan_reader *r, struct byte_src *src, int seek_fd,
                         const unsigned char *peek, size_t peek_len, const char *magic,
                         const struct scan_unit *unit, void *parent)
{
	struct archive *a = archive_read_new();
	struct replay_client *replay = NULL;
	struct fd_client *fdc = NULL;
	struct archive_entry *entry;
	struct scan_unit self = *unit;
	self.format = magic;
	if (!a) {
		fail_unit(r, &self, parent, "out of memory");
		return;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_raw(a);
	if (seek_fd >= 0 && lseek(seek_fd, 0, SEEK_SET) == 0 && (fdc = malloc(sizeof(*fdc)))) {
		fdc->fd = seek_fd;
		archive_read_set_read_callback(a, fd_read);
		archive_read_set_seek_callback(a, fd_seek);
		archive_read_set_skip_callback(a, fd_skip);
		archive_read_set_callback_data(a, fdc);
	} else if ((replay = malloc(sizeof(*replay)))) {
		replay->peek = peek;
		replay->peek_len = peek_len;
		replay->peek_done = false;
		replay->src = src;
		archive_read_set_read_callback(a, replay_read);
		archive_read_set_callback_data(a, replay);
	} else {
		fail_unit(r, &self, parent, "out of memory");
		goto out;
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
		r->sink->end(r->sink->ctx, h, SCAN_OK, NULL, 0, magic);
		goto out;
	}
	if (rc < ARCHIVE_WARN) {
		const char *msg = archive_error_string(a);
		fail_unit(r, &self, parent, msg ? msg : "damaged archive");
		goto out;
	}
	if (archive_format(a) == ARCHIVE_FORMAT_RAW) {
		/* A single compressed stream: its content is the unit. */
		struct byte_src inner = { .fd = -1, .archive = a };
		process(r, &inner, -1, &self, parent, true);
	} else {
		walk_archive(r, a, entry, unit, parent);
	}
out:
	archive_read_free(a);
	free(replay);
	free(fdc);
}

static void process(struct scan_reader *r, struct byte_src *src, int seek_fd,
                    const struct scan_unit *unit, void *parent, bool decompressed)
{
	unsigned char *peek = malloc(PEEK_BYTES);
	if (!peek) {
		fail_unit(r, unit, parent, "out of memory");
		return;
	}
	ssize_t got = src_read_full(src, peek, PEEK_BYTES);
	if (got < 0) {
		fail_unit(r, unit, parent, src->error);
		goto out;
	}
	const char *magic = sniff(peek, (size_t)got);
	if (magic && decompressed) {
		/* libarchive already peeled every compression layer it knows; what
		 * is left is a format it does not read. */
		magic = NULL;
	}
	if (magic && unit->depth > r->limits.max_depth) {
		char reason[128];
		snprintf(reason, sizeof(reason), "limit: archive nested deeper than %u levels (--max-depth)",
		         r->limits.max_depth);
		fail_unit(r, unit, parent, reason);
		goto out;
	}
	if (magic)
		open_archive(r, src, seek_fd, peek, (size_t)got, magic, unit, parent);
	else
		leaf(r, src, peek, (size_t)got, (size_t)got < PEEK_BYTES, unit, parent);
out:
	free(peek);
}

enum scan_status scan_reader_run(struct scan_reader *r, const char *path, const struct scan_sink *sink)
{
	struct scan_unit unit = { .kind = SCAN_UNIT_FILE, .path = path, .size = -1 };
	struct byte_src src = { .fd = -1 };
	struct stat st;
	int seek_fd = -1;
	r->sink = sink;
	r->worst = SCAN_OK;
	r->stopped = false;
	if (!strcmp(path, "-")) {
		unit.kind = SCAN_UNIT_STDIN;
		src.fd = STDIN_FILENO;
	} else {
		src.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (src.fd < 0) {
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
		}
		/* O_NONBLOCK only kept open() from hanging on a FIFO. */
		fcntl(src.fd, F_SETFL, fcntl(src.fd, F_GETFL) & ~O_NONBLOCK);
	}
	process(r, &src, seek_fd, &unit, NULL, false);
	if (src.fd != STDIN_FILENO)
		close(src.fd);
	return r->worst;
}
