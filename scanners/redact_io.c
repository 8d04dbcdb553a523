/*
 * scanners/redact_io.c - read a file, write its redacted copy in the same
 * format (see redact_io.h).
 *
 * Input bytes are read once, in order, through one descriptor that hashes
 * them as they come (a zip, read through its central directory with
 * seeks, is hashed in a pass of its own).  Output bytes go through one
 * buffered writer that hashes them on their way to the temporary file.
 * libarchive reads and writes every compressed and archive format: its
 * raw format for single compressed streams, tar, cpio, ar, zip and 7z
 * otherwise, with the filter the input had (a 7z, read with seeks as a
 * zip is, is written as LZMA2 at --xz-level); xz, .lzma and zstd are
 * decoded below it by xz_src and zstd_src, within the memory the job took
 * from the caller's budget (take_codec_memory()), and libarchive's own
 * filters are only those it runs in-process (archive_filters.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "scanners/redact_io.h"
#include "scanners/archive_filters.h"
#include "scanners/codec_mem.h"
#include "scanners/magic.h"
#include "scanners/mem_budget.h"
#include "scanners/sevenz_mem.h"
#include "scanners/utf8.h"
#include "scanners/zip_mem.h"

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define PEEK_BYTES (64u << 10)
#define BINARY_PROBE_BYTES 8192u
#define IO_BUF_BYTES (256u << 10)

/* ---- the input: one descriptor, hashed as read ---- */

struct in_file {
	struct byte_src base;
	int fd;
	bool hashing;
	crypto_hash_sha256_state sha;
	struct byte_src *feed;             /* what libarchive reads: base, or its decoder */
	unsigned char buf[IO_BUF_BYTES];   /* for libarchive's read callback */
};

static ssize_t in_read(struct byte_src *src, void *buf, size_t n)
{
	struct in_file *f = (struct in_file *)src;
	for (;;) {
		ssize_t got = read(f->fd, buf, n);
		if (got > 0 && f->hashing)
			crypto_hash_sha256_update(&f->sha, buf, (unsigned long long)got);
		if (got >= 0)
			return got;
		if (errno != EINTR) {
			snprintf(src->error, sizeof(src->error), "%s", strerror(errno));
			return -1;
		}
	}
}

/* libarchive's read callback over a byte source, into buf. */
static la_ssize_t src_read_for(struct archive *a, struct byte_src *src, unsigned char *buf, size_t cap,
                               const void **out)
{
	ssize_t got = byte_src_read(src, buf, cap);
	if (got < 0) {
		archive_set_error(a, EIO, "%s", src->error);
		return -1;
	}
	*out = buf;
	return got;
}

static la_ssize_t in_archive_read(struct archive *a, void *data, const void **out)
{
	struct in_file *f = data;
	return src_read_for(a, f->feed, f->buf, sizeof(f->buf), out);
}

static la_int64_t in_archive_seek(struct archive *a, void *data, la_int64_t offset, int whence)
{
	struct in_file *f = data;
	off_t at = lseek(f->fd, (off_t)offset, whence);
	if (at < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return ARCHIVE_FATAL;
	}
	return at;
}

/* Hashes whatever libarchive left unread (a tar's end padding...). */
static int in_drain(struct in_file *f)
{
	for (;;) {
		ssize_t got = in_read(&f->base, f->buf, sizeof(f->buf));
		if (got <= 0)
			return got < 0 ? -1 : 0;
	}
}

/* The whole file's SHA-256, from the start (the zip case). */
static int hash_whole(struct in_file *f)
{
	crypto_hash_sha256_init(&f->sha);
	for (off_t at = 0;;) {
		ssize_t got = pread(f->fd, f->buf, sizeof(f->buf), at);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(f->base.error, sizeof(f->base.error), "%s", strerror(errno));
			return -1;
		}
		if (got == 0)
			return 0;
		crypto_hash_sha256_update(&f->sha, f->buf, (unsigned long long)got);
		at += got;
	}
}

/* ---- the output: the temporary file, buffered and hashed ---- */

struct out_file {
	int fd;
	char tmp[PATH_MAX];
	crypto_hash_sha256_state sha;
	size_t len;
	char error[256];
#ifdef HAVE_ISAL
	struct isal_zstream *gz;     /* gzip on the way out (out_gzip()), or NULL */
	unsigned char *gz_level_buf;
#endif
	unsigned char buf[IO_BUF_BYTES];
};

static int out_flush(struct out_file *o)
{
	size_t done = 0;
	crypto_hash_sha256_update(&o->sha, o->buf, o->len);
	while (done < o->len) {
		ssize_t put = write(o->fd, o->buf + done, o->len - done);
		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0) {
			snprintf(o->error, sizeof(o->error), "%s: %s", o->tmp, strerror(errno));
			return -1;
		}
		done += (size_t)put;
	}
	o->len = 0;
	return 0;
}

static int out_put_raw(struct out_file *o, const void *data, size_t n)
{
	const unsigned char *p = data;
	while (n) {
		if (o->len == sizeof(o->buf) && out_flush(o))
			return -1;
		size_t take = sizeof(o->buf) - o->len < n ? sizeof(o->buf) - o->len : n;
		memcpy(o->buf + o->len, p, take);
		o->len += take;
		p += take;
		n -= take;
	}
	return 0;
}

#ifdef HAVE_ISAL
/* Compresses data into the buffer, flushing it as it fills; end finishes
 * the stream (its trailer). */
static int gz_put(struct out_file *o, const void *data, size_t n, bool end)
{
	struct isal_zstream *zs = o->gz;
	zs->next_in = (uint8_t *)(uintptr_t)data;
	zs->avail_in = (uint32_t)n;
	zs->end_of_stream = end;
	do {
		if (o->len == sizeof(o->buf) && out_flush(o))
			return -1;
		zs->next_out = o->buf + o->len;
		zs->avail_out = (uint32_t)(sizeof(o->buf) - o->len);
		if (isal_deflate(zs) != COMP_OK) {
			snprintf(o->error, sizeof(o->error), "%s: gzip compression failed", o->tmp);
			return -1;
		}
		o->len = sizeof(o->buf) - zs->avail_out;
	} while (zs->avail_in || (end && zs->internal_state.state != ZSTATE_END));
	return 0;
}
#endif

/* Every byte written to the output goes through here: compressed first
 * when out_gzip() started a stream. */
static int out_put(struct out_file *o, const void *data, size_t n)
{
#ifdef HAVE_ISAL
	if (o->gz) {
		/* ISA-L takes 32-bit lengths. */
		for (const unsigned char *p = data; n;) {
			size_t take = n < (1u << 30) ? n : (1u << 30);
			if (gz_put(o, p, take, false))
				return -1;
			p += take;
			n -= take;
		}
		return 0;
	}
#endif
	return out_put_raw(o, data, n);
}

/* Ends the gzip stream, if any: before the last out_flush(). */
static int out_finish(struct out_file *o)
{
#ifdef HAVE_ISAL
	if (o->gz)
		return gz_put(o, NULL, 0, true);
#endif
	(void)o;
	return 0;
}

static void out_release(struct out_file *o)
{
#ifdef HAVE_ISAL
	free(o->gz);
	free(o->gz_level_buf);
	o->gz = NULL;
	o->gz_level_buf = NULL;
#endif
	(void)o;
}

static la_ssize_t out_archive_write(struct archive *a, void *data, const void *buf, size_t n)
{
	struct out_file *o = data;
	if (out_put(o, buf, n)) {
		archive_set_error(a, EIO, "%s", o->error);
		return -1;
	}
	return (la_ssize_t)n;
}

/* redact_out over the plain output file. */
struct plain_out {
	struct redact_out base;
	struct out_file *file;
};

static int plain_write(struct redact_out *ro, const void *data, size_t n)
{
	struct plain_out *p = (struct plain_out *)ro;
	if (out_put(p->file, data, n)) {
		snprintf(ro->error, sizeof(ro->error), "%s", p->file->error);
		return -1;
	}
	return 0;
}

/* redact_out over archive_write_data (a raw compressed stream). */
struct archive_out {
	struct redact_out base;
	struct archive *a;
};

static int archive_out_write(struct redact_out *ro, const void *data, size_t n)
{
	struct archive_out *ao = (struct archive_out *)ro;
	const char *p = data;
	while (n) {
		la_ssize_t put = archive_write_data(ao->a, p, n);
		if (put <= 0) {
			const char *msg = archive_error_string(ao->a);
			snprintf(ro->error, sizeof(ro->error), "%s", msg ? msg : "write error");
			return -1;
		}
		p += put;
		n -= (size_t)put;
	}
	return 0;
}

/* redact_out into a spool file (an archive member being rewritten). */
struct spool_out {
	struct redact_out base;
	FILE *f;
};

static int spool_write(struct redact_out *ro, const void *data, size_t n)
{
	struct spool_out *s = (struct spool_out *)ro;
	if (fwrite(data, 1, n, s->f) != n) {
		snprintf(ro->error, sizeof(ro->error), "temporary spool file: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- an archive entry's data as a byte source ---- */

struct entry_src {
	struct byte_src base;
	struct archive *a;
};

static ssize_t entry_read(struct byte_src *src, void *buf, size_t n)
{
	struct entry_src *e = (struct entry_src *)src;
	la_ssize_t got;
	do
		got = archive_read_data(e->a, buf, n);
	while (got == ARCHIVE_RETRY);
	if (got < 0) {
		const char *msg = archive_error_string(e->a);
		snprintf(src->error, sizeof(src->error), "%s", msg ? msg : "read error");
		return -1;
	}
	return got;
}

static size_t read_full(struct byte_src *src, unsigned char *buf, size_t n, bool *failed)
{
	size_t have = 0;
	*failed = false;
	while (have < n) {
		ssize_t got = byte_src_read(src, buf + have, n - have);
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

static bool looks_binary(const unsigned char *p, size_t n)
{
	return memchr(p, '\0', n < BINARY_PROBE_BYTES ? n : BINARY_PROBE_BYTES) != NULL;
}

/* ---- the job ---- */

struct job {
	const char *in_path;
	const struct redact_io_hooks *h;
	struct redact_io_result *res;
	struct in_file *in;
	struct out_file *out;
	unsigned char *peek;
	char *err;
	size_t errlen;
	/* The input's compression when piiaudit decodes it (xz_src,
	 * zstd_src) below libarchive; CODEC_OTHER: libarchive does. */
	enum codec_kind codec;
	uint64_t held;               /* taken from the budget; given back at the end */
	uint64_t decoder_held;       /* of which the decoder's, until it takes them over */
	bool in_nested;              /* inside a member's own compressed stream */
};

static int fail(struct job *j, const char *member, const char *fmt, const char *what)
{
	snprintf(j->err, j->errlen, fmt, what);
	snprintf(j->res->err_member, sizeof(j->res->err_member), "%s", member ? member : "");
	return -1;
}

static bool stopped(struct job *j)
{
	return j->h->stop && j->h->stop(j->h->ctx);
}

/* Copies the rest of src (after `have` bytes already in the peek) to out. */
static int copy_rest(struct job *j, const char *member, const unsigned char *peek, size_t have,
                     struct byte_src *src, struct redact_out *out)
{
	if (redact_out_write(out, peek, have))
		return fail(j, member, "%s", out->error);
	unsigned char *buf = j->peek + PEEK_BYTES;  /* the second half is scratch */
	for (;;) {
		if (stopped(j))
			return fail(j, member, "%s", "interrupted");
		ssize_t got = byte_src_read(src, buf, PEEK_BYTES);
		if (got < 0)
			return fail(j, member, "%s", src->error);
		if (got == 0)
			return 0;
		if (redact_out_write(out, buf, (size_t)got))
			return fail(j, member, "%s", out->error);
	}
}

static bool stream_codec(const char *magic);
static int nested_stream(struct job *j, const char *member, const char *magic, size_t peek_len,
                         struct byte_src *rest, struct redact_out *out);

/* One unit's content: peeked, then rewritten (text) or copied (binary). */
static int unit(struct job *j, const char *member, struct byte_src *src, struct redact_out *out,
                bool nested_is_error)
{
	bool failed;
	size_t got = read_full(src, j->peek, PEEK_BYTES, &failed);
	if (failed)
		return fail(j, member, "%s", src->error);
	/* Before the binary test: a compressed text is binary too, and must
	 * not be copied unredacted. */
	const char *magic = magic_sniff(j->peek, got);
	if (magic && nested_is_error && member && !j->in_nested && stream_codec(magic))
		return nested_stream(j, member, magic, got, src, out);
	if (magic && nested_is_error)
		return fail(j, member, "a nested %s is not redacted (unpack it first)", magic);
	/* scan reads UTF-16 text; copied as binary, its values would reach
	 * the clean copy. */
	bool big_endian;
	if (!magic && utf16_bom(j->peek, got, &big_endian))
		return fail(j, member, "%s", "UTF-16 text is not redacted (convert it to UTF-8 first: iconv -f UTF-16 -t UTF-8)");
	if (!j->h->binary_as_text && looks_binary(j->peek, got)) {
		j->res->copied_units++;
		return copy_rest(j, member, j->peek, got, src, out);
	}
	struct replay_src replay;
	replay_src_init(&replay, j->peek, got, src);
	struct redact_io_unit u = {
		.path = j->in_path, .member = member, .peek = j->peek, .peek_len = got,
		.src = &replay.base, .out = out,
	};
	j->res->text_units++;
	char reason[512] = "";
	if (j->h->text(j->h->ctx, &u, reason, sizeof(reason)))
		return fail(j, member, "%s", reason[0] ? reason : "cannot rewrite");
	return 0;
}

static int archive_fail(struct job *j, struct archive *a, const char *member, const char *dflt)
{
	const char *msg = archive_error_string(a);
	return fail(j, member, "%s", msg ? msg : dflt);
}

/* gzip through ISA-L at level (1 to 3) on everything written to o from
 * now on: 0, or -1 when out of memory. */
#ifdef HAVE_ISAL
static int out_gzip(struct out_file *o, int level)
{
	static const uint32_t level_buf[] = { 0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT };
	o->gz = calloc(1, sizeof(*o->gz));
	o->gz_level_buf = malloc(level_buf[level]);
	if (!o->gz || !o->gz_level_buf)
		return -1;
	isal_deflate_init(o->gz);
	o->gz->level = (uint32_t)level;
	o->gz->level_buf = o->gz_level_buf;
	o->gz->level_buf_size = level_buf[level];
	o->gz->gzip_flag = IGZIP_GZIP;   /* a header without a time or name */
	return 0;
}
#endif

/* The input's compression on aw, or, for gzip at levels 1 to 3 with
 * ISA-L, on the output file below it when aw writes that file (to_file;
 * a member's own stream goes through libarchive's, zlib at that level).
 * A gzip header gets no time (as gzip -n writes it), so that an output
 * depends only on its input, never on when it was written. */
static int add_filter(struct job *j, struct archive *aw, int code, bool to_file)
{
	int level = j->h->gzip_level ? j->h->gzip_level : REDACT_GZIP_LEVEL_DEFAULT;
	char num[8];
#if REDACT_GZIP_FAST_MAX
	if (code == ARCHIVE_FILTER_GZIP && level <= REDACT_GZIP_FAST_MAX && to_file)
		return out_gzip(j->out, level);
#else
	(void)to_file;
#endif
	if (archive_write_add_filter(aw, code) != ARCHIVE_OK)
		return -1;
	if (code == ARCHIVE_FILTER_XZ || code == ARCHIVE_FILTER_LZMA || code == ARCHIVE_FILTER_LZIP) {
		/* The preset whose encoder memory was taken (codec_mem.h). */
		snprintf(num, sizeof(num), "%d", j->h->xz_level);
		return archive_write_set_filter_option(aw, code == ARCHIVE_FILTER_XZ     ? "xz"
		                                           : code == ARCHIVE_FILTER_LZMA ? "lzma" : "lzip",
		                                       "compression-level", num) != ARCHIVE_OK ? -1 : 0;
	}
	if (code != ARCHIVE_FILTER_GZIP)
		return 0;
	snprintf(num, sizeof(num), "%d", level);
	if (archive_write_set_filter_option(aw, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
	    archive_write_set_filter_option(aw, "gzip", "compression-level", num) != ARCHIVE_OK)
		return -1;
	return 0;
}

/* Frees a writer.  After a failure it is closed first: once a call
 * failed fatally, archive_write_free() no longer closes it, and the
 * output's buffer and state (10 KiB) were lost with every such file
 * (what it writes then goes to the temporary file, which is removed). */
static void release_writer(struct archive *aw, int rc)
{
	if (aw && rc)
		archive_write_close(aw);
	archive_write_free(aw);
}

/* The output's compression: the input's (kind: as piiaudit decoded it;
 * CODEC_OTHER: as libarchive's reader ar did). */
static int filter_of(enum codec_kind kind, struct archive *ar)
{
	switch (kind) {
	case CODEC_XZ: return ARCHIVE_FILTER_XZ;
	case CODEC_LZMA: return ARCHIVE_FILTER_LZMA;
	case CODEC_LZIP: return ARCHIVE_FILTER_LZIP;
	case CODEC_ZSTD: return ARCHIVE_FILTER_ZSTD;
	case CODEC_OTHER: break;
	}
	return archive_filter_code(ar, 0);
}

/* Whether libarchive found more than one compression layer (it counts
 * the format's "none" as one; a layer piiaudit decodes is not counted). */
static bool too_many_layers(enum codec_kind kind, struct archive *ar)
{
	return archive_filter_count(ar) > (kind == CODEC_OTHER ? 2 : 1);
}

/* A raw compressed stream's one entry, from the reader ar, rewritten
 * through unit() by aw (new, freed by the caller), written with the
 * stream's filter code to cb(data): the output file's (to_file) or a
 * member's.  0, or -1 (failed). */
static int rewrite_raw(struct job *j, const char *member, struct archive *ar, struct archive *aw,
                       int code, archive_write_callback *cb, void *data, bool to_file)
{
	struct archive_entry *e = archive_entry_new();
	int rc = -1;
	if (!e)
		return fail(j, member, "%s", "out of memory");
	if (archive_write_set_format_raw(aw) != ARCHIVE_OK || add_filter(j, aw, code, to_file) ||
	    archive_write_set_bytes_in_last_block(aw, 1) != ARCHIVE_OK ||
	    archive_write_open(aw, data, NULL, cb, NULL) != ARCHIVE_OK) {
		archive_fail(j, aw, member, "cannot write this compression");
		goto out;
	}
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_pathname(e, "data");
	if (archive_write_header(aw, e) != ARCHIVE_OK) {
		archive_fail(j, aw, member, "cannot write");
		goto out;
	}
	struct entry_src src = { .base.read = entry_read, .a = ar };
	struct archive_out ao = { .base.write = archive_out_write, .a = aw };
	if (unit(j, member, &src.base, &ao.base, true))
		goto out;
	if (archive_write_close(aw) != ARCHIVE_OK) {
		archive_fail(j, aw, member, "cannot write");
		goto out;
	}
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

/* A single compressed stream: its content is one text unit. */
static int do_raw(struct job *j, struct archive *ar)
{
	struct archive *aw = archive_write_new();
	int rc = -1;
	if (!aw)
		fail(j, NULL, "%s", "out of memory");
	else if (too_many_layers(j->codec, ar))
		fail(j, NULL, "%s", "more than one compression layer is not supported");
	else
		rc = rewrite_raw(j, NULL, ar, aw, filter_of(j->codec, ar), out_archive_write, j->out, true);
	release_writer(aw, rc);
	return rc;
}

/* The archive formats written: the input's own (tar, cpio and ar, by
 * libarchive's format code), zip, and 7z (LZMA2 at --xz-level, whatever
 * the input's coders were). */
enum out_archive { OUT_AS_READ, OUT_ZIP, OUT_7Z };

/* Writes a member's header.  libarchive's zip writer flags a name that is
 * not ASCII as UTF-8 when the locale's character set is UTF-8, as
 * piiaudit's is (audit/main.c): a name in some other character set (an
 * old zip's CP437 or Shift_JIS bytes, unflagged) is written under the "C"
 * locale, for this thread only, so that it keeps its bytes unflagged, as
 * it came, rather than flagged UTF-8 that readers then reject. */
static int write_member_header(struct archive *aw, struct archive_entry *e, enum out_archive kind)
{
	const char *name = archive_entry_pathname(e);
	if (kind != OUT_ZIP || !name || utf8_valid(name))
		return archive_write_header(aw, e);
	locale_t c = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
	locale_t before = c ? uselocale(c) : (locale_t)0;
	int rc = archive_write_header(aw, e);
	if (c) {
		uselocale(before);
		freelocale(c);
	}
	return rc;
}

/* A spool: an unnamed file, mode 0600, in $TMPDIR (else /tmp), so that
 * nothing is left behind whatever happens; O_TMPFILE where the file system
 * has it, else a named file removed at once.  (glibc's tmpfile() ignores
 * $TMPDIR.)  NULL with errno; *dir is the folder either way. */
static FILE *spool_open(const char **dir)
{
	const char *env = getenv("TMPDIR");
	*dir = env && *env ? env : "/tmp";
	int fd = open(*dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/piiaudit-spool.XXXXXX", *dir) >= (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
			unlink(path);
	}
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w+");
	if (!f) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return f;
}

/* Writes the spooled member: header with its new size, then its bytes. */
static int write_spooled(struct job *j, struct archive *aw, struct archive_entry *e, FILE *sp,
                         const char *member, enum out_archive kind)
{
	long size = ftell(sp);
	if (size < 0 || fflush(sp) || fseek(sp, 0, SEEK_SET))
		return fail(j, member, "temporary spool file: %s", strerror(errno));
	archive_entry_set_size(e, size);
	if (write_member_header(aw, e, kind) < ARCHIVE_WARN)
		return archive_fail(j, aw, member, "cannot write the member's header");
	unsigned char *buf = j->peek + PEEK_BYTES;
	size_t got;
	struct archive_out ao = { .base.write = archive_out_write, .a = aw };
	while ((got = fread(buf, 1, PEEK_BYTES, sp)) > 0)
		if (redact_out_write(&ao.base, buf, got))
			return fail(j, member, "%s", ao.base.error);
	if (ferror(sp))
		return fail(j, member, "temporary spool file: %s", strerror(errno));
	return 0;
}

/* The writer in kind's format.  ARCHIVE_OK or libarchive's failure. */
static int set_out_format(const struct job *j, struct archive *aw, struct archive *ar,
                          enum out_archive kind)
{
	char num[8];
	switch (kind) {
	case OUT_ZIP: return archive_write_set_format_zip(aw);
	case OUT_7Z:
		/* The preset whose encoder memory was taken (take_codec_memory()). */
		snprintf(num, sizeof(num), "%d", j->h->xz_level);
		if (archive_write_set_format_7zip(aw) != ARCHIVE_OK ||
		    archive_write_set_format_option(aw, "7zip", "compression", "lzma2") != ARCHIVE_OK)
			return ARCHIVE_FATAL;
		return archive_write_set_format_option(aw, "7zip", "compression-level", num);
	case OUT_AS_READ: break;
	}
	/* libarchive's table of format codes has no ar; and an ar ends with
	 * its last member, not padded to a block as tar and cpio are. */
	int rc = archive_format(ar) == ARCHIVE_FORMAT_AR_GNU   ? archive_write_set_format_ar_svr4(aw)
	         : archive_format(ar) == ARCHIVE_FORMAT_AR_BSD ? archive_write_set_format_ar_bsd(aw)
	                                                       : 1;
	if (rc != 1)
		return rc != ARCHIVE_OK ? rc : archive_write_set_bytes_in_last_block(aw, 1);
	return archive_write_set_format(aw, archive_format(ar));
}

/* Whether libarchive writes format (as read) back in the same format:
 * tar in each of its kinds, cpio odc and newc, ar (GNU and BSD). */
static bool same_format_writable(int format)
{
	switch (format & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_TAR: return true;
	case ARCHIVE_FORMAT_AR: return format == ARCHIVE_FORMAT_AR_GNU || format == ARCHIVE_FORMAT_AR_BSD;
	case ARCHIVE_FORMAT_CPIO:
		return format == ARCHIVE_FORMAT_CPIO_POSIX || format == ARCHIVE_FORMAT_CPIO_SVR4_NOCRC;
	}
	return false;
}

/* Why an ar member cannot be written back, or NULL.  A symbol table
 * (ranlib's, in a library) holds the offsets of the members, which
 * change with their sizes, and libarchive cannot rebuild it; its GNU
 * writer writes no table of long names, which the reader consumed. */
static const char *ar_refusal(struct archive *ar, struct archive_entry *entry)
{
	const char *name = archive_entry_pathname(entry);
	if ((archive_format(ar) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_AR || !name)
		return NULL;
	if (!strcmp(name, "/") || !strcmp(name, "/SYM64/") || !strcmp(name, "__.SYMDEF") ||
	    !strcmp(name, "__.SYMDEF SORTED"))
		return "an ar with a symbol table (a library) is not redacted: the offsets it "
		       "holds would no longer match";
	if (archive_format(ar) == ARCHIVE_FORMAT_AR_GNU && strlen(name) > 15)
		return "an ar member name longer than 15 bytes cannot be written back (GNU ar's "
		       "table of long names)";
	return NULL;
}

static int do_archive(struct job *j, struct archive *ar, struct archive_entry *entry,
                      enum out_archive kind)
{
	struct archive *aw = archive_write_new();
	int rc = -1;
	if (!aw)
		return fail(j, NULL, "%s", "out of memory");
	int fcode = filter_of(j->codec, ar);
	if (too_many_layers(j->codec, ar)) {
		fail(j, NULL, "%s", "more than one compression layer is not supported");
		goto out;
	}
	if (set_out_format(j, aw, ar, kind) != ARCHIVE_OK || (fcode != ARCHIVE_FILTER_NONE &&
	                          (add_filter(j, aw, fcode, true) ||
	                           archive_write_set_bytes_in_last_block(aw, 1) != ARCHIVE_OK)) ||
	    archive_write_open(aw, j->out, NULL, out_archive_write, NULL) != ARCHIVE_OK) {
		archive_fail(j, aw, NULL, "cannot write this archive format");
		goto out;
	}
	for (;;) {
		const char *name = archive_entry_pathname(entry);
		char member[1024];
		snprintf(member, sizeof(member), "%s", name ? name : "?");
		if (stopped(j)) {
			fail(j, member, "%s", "interrupted");
			goto out;
		}
		/* A name libarchive could not convert (a zip's "UTF-8" name that
		 * is not) cannot be written: libarchive's writers take it for
		 * granted, and the zip writer crashes on it. */
		if (!name && !archive_entry_pathname_utf8(entry)) {
			fail(j, member, "%s", "a member whose name cannot be read");
			goto out;
		}
		const char *refused = ar_refusal(ar, entry);
		if (refused) {
			fail(j, member, "%s", refused);
			goto out;
		}
		struct archive_entry *copy = archive_entry_clone(entry);
		if (!copy) {
			fail(j, member, "%s", "out of memory");
			goto out;
		}
		int wrc = 0;
		/* An ar member's mode may lack the file type bits (ar rc writes
		 * 644): it is a file all the same, and libarchive's ar writer
		 * passes over what is not one with only a warning. */
		if ((archive_format(ar) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR &&
		    archive_entry_filetype(copy) == 0)
			archive_entry_set_filetype(copy, AE_IFREG);
		bool data = archive_entry_filetype(copy) == AE_IFREG && !archive_entry_hardlink(entry);
		if (data) {
			/* The spool holds the member as redacted, what the output
			 * will hold, never the raw input. */
			const char *spool_dir;
			FILE *sp = spool_open(&spool_dir);
			if (!sp) {
				char why[PATH_MAX + 128];
				snprintf(why, sizeof(why), "%s: %s", spool_dir, strerror(errno));
				fail(j, member, "temporary spool file in %s", why);
				archive_entry_free(copy);
				goto out;
			}
			struct spool_out so = { .base.write = spool_write, .f = sp };
			struct entry_src src = { .base.read = entry_read, .a = ar };
			wrc = unit(j, member, &src.base, &so.base, true);
			if (!wrc)
				wrc = write_spooled(j, aw, copy, sp, member, kind);
			fclose(sp);
		} else if (write_member_header(aw, copy, kind) < ARCHIVE_WARN) {
			wrc = archive_fail(j, aw, member, "cannot write the entry");
		}
		archive_entry_free(copy);
		if (wrc)
			goto out;
		if (archive_write_finish_entry(aw) < ARCHIVE_WARN) {
			archive_fail(j, aw, member, "cannot write the entry");
			goto out;
		}
		int next = archive_read_next_header(ar, &entry);
		if (next == ARCHIVE_EOF)
			break;
		if (next < ARCHIVE_WARN) {
			archive_fail(j, ar, member, "damaged archive");
			snprintf(j->res->err_member, sizeof(j->res->err_member), "%s", "");
			goto out;
		}
	}
	if (archive_write_close(aw) != ARCHIVE_OK) {
		archive_fail(j, aw, NULL, "cannot write");
		goto out;
	}
	rc = 0;
out:
	release_writer(aw, rc);
	return rc;
}

static enum codec_kind codec_of(const char *magic)
{
	return !strcmp(magic, "xz") ? CODEC_XZ : !strcmp(magic, "lzma") ? CODEC_LZMA
	       : !strcmp(magic, "lzip") ? CODEC_LZIP : !strcmp(magic, "zstd") ? CODEC_ZSTD : CODEC_OTHER;
}

/* Takes from the budget, at once, what this file's decoder (its first xz
 * block, .lzma dictionary or zstd frame, from the peek; a zip's largest
 * LZMA, xz or zstd entry) and its output's encoder need, waiting for
 * other jobs to give theirs back: a job that waited holding some could
 * wait for another that waits for it.  0, or -1 with the reason. */
static int take_codec_memory(struct job *j, const char *magic, const unsigned char *peek, size_t len)
{
	struct mem_budget *budget = j->h->budget;
	bool sevenz = !strcmp(magic, "7z");
	if (!budget && !sevenz)
		return 0;
	uint64_t decoder = 0,
	         encoder = codec_encoder_need(sevenz ? CODEC_XZ : j->codec, j->h->xz_level);
	if (!strcmp(magic, "zip")) {
		char why[256];
		if (zip_decoder_need(j->in->fd, &decoder, why, sizeof(why)))
			decoder = 0;   /* no central directory: libarchive fails, and says so */
	} else if (sevenz) {
		/* What libarchive's 7z reader will allocate for the largest
		 * folder; an encrypted or unreadable header is left to it. */
		char why[160];
		int need = sevenz_decoder_need(j->in->fd, budget ? mem_budget_limit(budget) : UINT64_MAX,
		                               &decoder, why, sizeof(why));
		/* With or without a budget: libarchive would allocate for a
		 * damaged header's counts first. */
		if (need == SEVENZ_DAMAGED)
			return fail(j, NULL, "damaged 7z archive: %s", why);
		if (need)
			decoder = 0;
	} else {
		decoder = codec_decoder_need(j->codec, peek, len);
	}
	if (!budget || (!decoder && !encoder))
		return 0;
	char detail[64] = "", why[300];
	if (j->codec == CODEC_XZ || j->codec == CODEC_LZMA || j->codec == CODEC_LZIP || sevenz)
		snprintf(detail, sizeof(detail), " and re-encode at --xz-level %d", j->h->xz_level);
	else if (encoder)
		snprintf(detail, sizeof(detail), " and re-encode");
	if (mem_budget_take_or_say(budget, decoder + encoder, true, j->h->cancel, NULL, magic,
	                           decoder + encoder, detail, why, sizeof(why)))
		return fail(j, NULL, "%s", why);
	j->held = decoder + encoder;
	j->decoder_held = decoder;
	return 0;
}

/* The decoder piiaudit runs below libarchive for kind (xz, .lzma, lzip,
 * zstd) over inner, holding `held` bytes the caller took from the budget
 * (given back when it is freed); *xz or *zs is set.  inner itself for the
 * other kinds; NULL when out of memory. */
static struct byte_src *own_decoder(const struct job *j, enum codec_kind kind, struct byte_src *inner,
                                    uint64_t held, struct xz_src **xz, struct zstd_src **zs)
{
	if (kind == CODEC_XZ || kind == CODEC_LZMA || kind == CODEC_LZIP) {
		enum xz_format format = kind == CODEC_LZMA ? XZ_FORMAT_LZMA
		                        : kind == CODEC_LZIP ? XZ_FORMAT_LZIP : XZ_FORMAT_XZ;
		if (!(*xz = xz_src_new(inner, format, j->h->budget, false, j->h->cancel)))
			return NULL;
		xz_src_hold(*xz, held);
		return xz_src_base(*xz);
	}
	if (kind == CODEC_ZSTD) {
		if (!(*zs = zstd_src_new(inner, j->h->budget, false, j->h->cancel)))
			return NULL;
		zstd_src_hold(*zs, held);
		return zstd_src_base(*zs);
	}
	return inner;
}

/* ---- a member that is a compressed stream (a .jsonl.gz in a tar) ---- */

/* The single-stream compressions: a member holding one is decoded, its
 * text rewritten and encoded again in the same compression. */
static bool stream_codec(const char *magic)
{
	static const char *const names[] = { "gzip", "zstd", "xz", "bzip2", "lz4", "lzma", "lzip", "compress" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(magic, names[i]))
			return true;
	return false;
}

/* libarchive reads a member's stream from a byte source. */
struct src_reader {
	struct byte_src *src;
	unsigned char buf[IO_BUF_BYTES];
};

static la_ssize_t src_archive_read(struct archive *a, void *data, const void **out)
{
	struct src_reader *r = data;
	return src_read_for(a, r->src, r->buf, sizeof(r->buf), out);
}

/* libarchive writes the re-encoded stream to the member's output. */
static la_ssize_t out_redact_write(struct archive *a, void *data, const void *buf, size_t n)
{
	struct redact_out *o = data;
	if (redact_out_write(o, buf, n)) {
		archive_set_error(a, EIO, "%s", o->error);
		return -1;
	}
	return (la_ssize_t)n;
}

/* What the member's decoder and encoder need, taken from the budget at
 * once.  A job that holds nothing yet may wait for others; one that holds
 * its file's decoder (xz, zstd, zip, 7z) must not, since a job it waits
 * for could be waiting for it.  0, or -1 (failed) with the reason. */
static int take_nested_memory(struct job *j, const char *member, const char *magic, enum codec_kind kind,
                              const unsigned char *peek, size_t len, uint64_t *decoder, uint64_t *encoder)
{
	*decoder = codec_decoder_need(kind, peek, len);
	*encoder = codec_encoder_need(kind, j->h->xz_level);
	struct mem_budget *budget = j->h->budget;
	if (!budget || !(*decoder + *encoder))
		return 0;
	bool may_wait = j->held == 0 && j->codec == CODEC_OTHER;
	char detail[64], what[64], why[300];
	if (kind == CODEC_XZ || kind == CODEC_LZMA || kind == CODEC_LZIP)
		snprintf(detail, sizeof(detail), " and re-encode at --xz-level %d", j->h->xz_level);
	else
		snprintf(detail, sizeof(detail), " and re-encode");
	snprintf(what, sizeof(what), "a member's %s", magic);
	if (mem_budget_take_or_say(budget, *decoder + *encoder, may_wait, j->h->cancel, NULL, what,
	                           *decoder + *encoder, detail, why, sizeof(why)))
		return fail(j, member, "%s", why);
	return 0;
}

/*
 * The member's bytes (the peek's first peek_len in j->peek, then rest)
 * are one compressed stream: decoded (xz, .lzma, lzip and zstd by
 * piiaudit's decoders within the budget, the others by libarchive's
 * in-process filters), the text inside rewritten as any unit's, and
 * encoded again in the same compression into out (the member's spool).
 * An archive or another compression inside is refused by that unit, as
 * is a stream of more than one compression layer.
 */
static int nested_stream(struct job *j, const char *member, const char *magic, size_t peek_len,
                         struct byte_src *rest, struct redact_out *out)
{
	enum codec_kind kind = codec_of(magic);
	/* The inner unit peeks into j->peek: the compressed peek moves out. */
	unsigned char *first = malloc(peek_len ? peek_len : 1);
	struct src_reader *reader = malloc(sizeof(*reader));
	struct archive *ar = archive_read_new(), *aw = archive_write_new();
	struct archive_entry *entry = NULL;
	struct xz_src *xz = NULL;
	struct zstd_src *zs = NULL;
	uint64_t decoder = 0, encoder = 0;
	int rc = -1;
	if (!first || !reader || !ar || !aw) {
		fail(j, member, "%s", "out of memory");
		goto out;
	}
	memcpy(first, j->peek, peek_len);
	if (take_nested_memory(j, member, magic, kind, first, peek_len, &decoder, &encoder))
		goto out;
	struct replay_src replay;
	replay_src_init(&replay, first, peek_len, rest);
	if (!(reader->src = own_decoder(j, kind, &replay.base, decoder, &xz, &zs))) {
		fail(j, member, "%s", "out of memory");
		goto out;
	}
	if (xz || zs)
		decoder = 0;   /* the decoder's now, given back when it is freed */
	archive_support_inprocess_filters(ar);
	archive_read_support_format_raw(ar);
	if (archive_read_open(ar, reader, NULL, src_archive_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(ar, &entry) != ARCHIVE_OK) {
		archive_fail(j, ar, member, "cannot decode the member");
		goto out;
	}
	if (too_many_layers(kind, ar)) {
		fail(j, member, "%s", "more than one compression layer is not supported");
		goto out;
	}
	/* libarchive's filters did not take the stream its magic named: it
	 * would come out as it is, and be taken for a second layer. */
	if (kind == CODEC_OTHER && archive_filter_count(ar) < 2) {
		fail(j, member, "damaged %s data: not decoded", magic);
		goto out;
	}
	j->in_nested = true;
	rc = rewrite_raw(j, member, ar, aw, filter_of(kind, ar), out_redact_write, out, false);
	j->in_nested = false;
out:
	release_writer(aw, rc);
	archive_read_free(ar);
	xz_src_free(xz);
	zstd_src_free(zs);
	if (decoder + encoder)
		mem_budget_give(j->h->budget, decoder + encoder);
	free(reader);
	free(first);
	return rc;
}

static int do_libarchive(struct job *j, const char *magic)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *entry;
	bool is_zip = !strcmp(magic, "zip"), is_7z = !strcmp(magic, "7z");
	struct xz_src *xz = NULL;
	struct zstd_src *zs = NULL;
	int rc = -1;
	if (!ar)
		return fail(j, NULL, "%s", "out of memory");
	/* xz, .lzma and zstd are decoded here, within the budget (libarchive's
	 * decoders take whatever the data asks); never waiting, as the job
	 * took the first block's or frame's need already. */
	if (!(j->in->feed = own_decoder(j, j->codec, &j->in->base, j->decoder_held, &xz, &zs))) {
		fail(j, NULL, "%s", "out of memory");
		goto out;
	}
	if (xz || zs)
		j->held -= j->decoder_held;   /* the decoder's now, given back when it is freed */
	/* A zip's stays with the job: libarchive's decoders use it. */
	j->decoder_held = 0;
	archive_support_inprocess_filters(ar);
	archive_read_support_format_tar(ar);
	archive_read_support_format_gnutar(ar);
	archive_read_support_format_zip(ar);
	archive_read_support_format_cpio(ar);
	archive_read_support_format_ar(ar);
	archive_read_support_format_raw(ar);
	if (is_7z)
		archive_read_support_format_7zip(ar);
	if (is_zip || is_7z) {
		/* The central directory (the 7z header) is at the end: seek, and
		 * hash apart. */
		if (hash_whole(j->in)) {
			fail(j, NULL, "%s", j->in->base.error);
			goto out;
		}
		j->in->hashing = false;
		archive_read_set_seek_callback(ar, in_archive_seek);
	}
	archive_read_set_read_callback(ar, in_archive_read);
	archive_read_set_callback_data(ar, j->in);
	if (archive_read_open1(ar) != ARCHIVE_OK) {
		archive_fail(j, ar, NULL, "cannot open");
		goto out;
	}
	int hr = archive_read_next_header(ar, &entry);
	if (hr < ARCHIVE_WARN && hr != ARCHIVE_EOF) {
		archive_fail(j, ar, NULL, "damaged archive");
		goto out;
	}
	if (hr == ARCHIVE_EOF) {
		fail(j, NULL, "%s", "an empty archive: nothing to redact");
		goto out;
	}
	const char *filter = j->codec != CODEC_OTHER                           ? magic
	                     : archive_filter_code(ar, 0) != ARCHIVE_FILTER_NONE ? archive_filter_name(ar, 0)
	                     : NULL;
	if (archive_format(ar) == ARCHIVE_FORMAT_RAW) {
		snprintf(j->res->format, sizeof(j->res->format), "%s", filter ? filter : magic);
		rc = do_raw(j, ar);
	} else if (same_format_writable(archive_format(ar)) || is_zip ||
	           (is_7z && archive_format(ar) == ARCHIVE_FORMAT_7ZIP)) {
		int base = archive_format(ar) & ARCHIVE_FORMAT_BASE_MASK;
		snprintf(j->res->format, sizeof(j->res->format), "%s%s%s",
		         is_zip ? "zip" : is_7z ? "7z" : base == ARCHIVE_FORMAT_CPIO ? "cpio"
		         : base == ARCHIVE_FORMAT_AR ? "ar" : "tar", filter ? "+" : "", filter ? filter : "");
		rc = do_archive(j, ar, entry, is_zip ? OUT_ZIP : is_7z ? OUT_7Z : OUT_AS_READ);
	} else {
		fail(j, NULL, "%s", "this archive format is not supported for redaction (tar, zip, 7z, cpio and ar are)");
	}
	if (!rc && !is_zip && !is_7z && in_drain(j->in))
		rc = fail(j, NULL, "%s", j->in->base.error);
out:
	archive_read_free(ar);
	j->in->feed = &j->in->base;
	xz_src_free(xz);
	zstd_src_free(zs);
	return rc;
}

int redact_io_file(const char *in, const char *out, bool force, const struct redact_io_hooks *h,
                   struct redact_io_result *res, char *err, size_t errlen)
{
	struct in_file *inf = calloc(1, sizeof(*inf));
	struct out_file *of = calloc(1, sizeof(*of));
	unsigned char *peek = malloc(2 * PEEK_BYTES);
	struct job j = { .in_path = in, .h = h, .res = res, .in = inf, .out = of, .peek = peek,
	                 .err = err, .errlen = errlen };
	struct stat st, ost;
	int rc = -1;
	memset(res, 0, sizeof(*res));
	if (of)
		of->fd = -1;
	if (inf)
		inf->fd = -1;
	if (!inf || !of || !peek) {
		fail(&j, NULL, "%s", "out of memory");
		goto out;
	}
	inf->base.read = in_read;
	inf->feed = &inf->base;
	inf->fd = open(in, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (inf->fd < 0 || fstat(inf->fd, &st)) {
		fail(&j, NULL, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(&j, NULL, "%s", S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		goto out;
	}
	if (lstat(out, &ost) == 0) {
		if (ost.st_dev == st.st_dev && ost.st_ino == st.st_ino) {
			fail(&j, NULL, "refusing to overwrite the input with its redacted copy (%s)", out);
			goto out;
		}
		/* The copy is renamed into place: a device, FIFO or symbolic
		 * link there (/dev/null, /dev/stdout) would be replaced by a
		 * file, not written to. */
		if (!S_ISREG(ost.st_mode)) {
			fail(&j, NULL, "%s is not a regular file (the redacted copy is a file renamed into place)",
			     out);
			goto out;
		}
		if (!force) {
			fail(&j, NULL, "%s exists (--force replaces it)", out);
			goto out;
		}
	}
	/* The temporary file beside the target, so the rename is atomic. */
	char dir[PATH_MAX], base[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", out);
	snprintf(base, sizeof(base), "%s", out);
	int w = snprintf(of->tmp, sizeof(of->tmp), "%s/.%s.piiaudit-XXXXXX", dirname(dir), basename(base));
	if (w < 0 || (size_t)w >= sizeof(of->tmp)) {
		fail(&j, NULL, "%s", "output path too long");
		goto out;
	}
	of->fd = mkstemp(of->tmp);
	if (of->fd < 0) {
		of->tmp[0] = '\0';
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "%s: %s", out, strerror(errno));
		fail(&j, NULL, "cannot create the output: %s", what);
		goto out;
	}
	fchmod(of->fd, st.st_mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID));
	crypto_hash_sha256_init(&of->sha);
	crypto_hash_sha256_init(&inf->sha);
	inf->hashing = true;

	ssize_t got;
	do
		got = pread(inf->fd, peek, PEEK_BYTES, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		fail(&j, NULL, "%s", strerror(errno));
		goto out;
	}
	const char *magic = magic_sniff(peek, (size_t)got);
	j.codec = magic ? codec_of(magic) : CODEC_OTHER;
	if (!magic) {
		struct plain_out po = { .base.write = plain_write, .file = of };
		snprintf(res->format, sizeof(res->format), "text");
		if (unit(&j, NULL, &inf->base, &po.base, false) || in_drain(inf))
			goto out;
	} else if (take_codec_memory(&j, magic, peek, (size_t)got) || do_libarchive(&j, magic)) {
		goto out;
	}
	if (out_finish(of) || out_flush(of) || fsync(of->fd)) {
		fail(&j, NULL, "%s", of->error[0] ? of->error : strerror(errno));
		goto out;
	}
	if (close(of->fd)) {
		of->fd = -1;
		fail(&j, NULL, "%s", strerror(errno));
		goto out;
	}
	of->fd = -1;
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&inf->sha, digest);
	sodium_bin2hex(res->in_sha256, sizeof(res->in_sha256), digest, sizeof(digest));
	crypto_hash_sha256_final(&of->sha, digest);
	sodium_bin2hex(res->out_sha256, sizeof(res->out_sha256), digest, sizeof(digest));
	int moved = force ? rename(of->tmp, out) : renameat2(AT_FDCWD, of->tmp, AT_FDCWD, out, RENAME_NOREPLACE);
	if (moved && !force && errno == EINVAL)   /* a file system without RENAME_NOREPLACE */
		moved = link(of->tmp, out) ? -1 : unlink(of->tmp);
	if (moved) {
		fail(&j, NULL, errno == EEXIST ? "%s appeared meanwhile (--force replaces it)" : "cannot rename into %s",
		     out);
		goto out;
	}
	of->tmp[0] = '\0';
	rc = 0;
out:
	if (j.held)
		mem_budget_give(h->budget, j.held);
	if (of && of->fd >= 0)
		close(of->fd);
	if (of && of->tmp[0] && rc)
		unlink(of->tmp);
	if (inf && inf->fd >= 0)
		close(inf->fd);
	if (of)
		out_release(of);
	free(inf);
	free(of);
	free(peek);
	return rc;
}
