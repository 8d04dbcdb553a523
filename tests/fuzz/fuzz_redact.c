/*
 * tests/fuzz/fuzz_redact.c - bytes in, a redacted copy out: the input,
 * in a memfd, goes through redact_io_file() as `piiaudit redact` hands
 * it a file: magic bytes, the codec budget (32 MiB here), xz, .lzma and
 * zstd decoded by xz_src and zstd_src below libarchive, libarchive's
 * other filters, tar and zip read and written again, members spooled,
 * single streams re-compressed.  The text hook copies each text unit as
 * it is, in read sizes drawn from the input, so the output is the input
 * rewritten with nothing replaced.  A unit longer than UNIT_CAP bytes
 * fails in the hook (an error path like any other): a 16 MiB bomb would
 * otherwise cost 200 runs of the rest.  xz and .lzma outputs are written
 * at preset 0, the smallest encoder: zeroing a bigger one's tables, in
 * pages the allocator maps afresh for every run, took some 15% of it.
 * A third of the inputs (by size) have binary content rewritten as text
 * too (redact -a), so the hook sees NUL bytes as well.
 *
 * Invariants checked (CHECK traps):
 *  - each unit's source starts with the peek it was handed;
 *  - 0 or -1, and -1 comes with a reason; after -1 the target does not
 *    exist; either way no temporary file is left beside it;
 *  - after 0 the target exists, the format is named, in_sha256 is the
 *    input's SHA-256 and out_sha256 the target's; a plain input (format
 *    "text") comes out byte for byte;
 *  - whatever happened, the decoders and encoders gave back all the
 *    memory they took from the budget.
 * The locale's character set is UTF-8, as piiaudit sets it.
 * The seeds are fuzz_reader's (every format the reader knows).
 */
#include <dirent.h>
#include <fcntl.h>
#include <locale.h>
#include <stdbool.h>
#include <sys/stat.h>

#include <sodium.h>

#include "scanners/mem_budget.h"
#include "scanners/redact_io.h"
#include "tests/fuzz/fuzz_common.h"

#define BUDGET_BYTES (32u << 20)
#define UNIT_CAP (1u << 20)

static int in_fd = -1;
static char in_path[64];
static char out_dir[4096], out_path[4200];
static struct mem_budget *budget;

struct copy_ctx {
	const uint8_t *data;
	size_t size;
	unsigned seed;
};

static unsigned next_size(struct copy_ctx *c, size_t cap)
{
	c->seed = c->seed * 1103515245u + 12345u;
	return 1 + (c->seed >> 16) % (unsigned)cap;
}

/* Copies the unit unchanged; its first bytes must be the peek. */
static int copy_text(void *ctx, const struct redact_io_unit *u, char *err, size_t errlen)
{
	struct copy_ctx *c = ctx;
	unsigned char buf[8192];
	size_t at = 0;
	for (;;) {
		ssize_t got = byte_src_read(u->src, buf, next_size(c, sizeof(buf)));
		if (got < 0) {
			CHECK(u->src->error[0]);
			snprintf(err, errlen, "%s", u->src->error);
			return -1;
		}
		if (got == 0)
			return 0;
		if (at + (size_t)got > UNIT_CAP) {
			snprintf(err, errlen, "a unit over the harness's %u bytes", UNIT_CAP);
			return -1;
		}
		if (at < u->peek_len) {
			size_t n = u->peek_len - at < (size_t)got ? u->peek_len - at : (size_t)got;
			CHECK(!memcmp(buf, u->peek + at, n));
		}
		at += (size_t)got;
		if (redact_out_write(u->out, buf, (size_t)got)) {
			snprintf(err, errlen, "%s", u->out->error);
			return -1;
		}
	}
}

static int never_stop(void *ctx)
{
	(void)ctx;
	return 0;
}

static void remove_out_dir(void)
{
	rmdir(out_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		fuzz_die("sodium_init", NULL);
	/* As audit/main.c: member names in UTF-8. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	in_fd = fuzz_memfd("fuzz_redact", in_path, sizeof(in_path));
	const char *tmp = getenv("TMPDIR");
	snprintf(out_dir, sizeof(out_dir), "%s/fuzz_redact.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(out_dir))
		fuzz_die("mkdtemp", out_dir);
	atexit(remove_out_dir);
	snprintf(out_path, sizeof(out_path), "%s/out", out_dir);
	if (!(budget = mem_budget_new(BUDGET_BYTES)))
		fuzz_die("mem_budget_new", NULL);
	mem_budget_set_option(budget, "--max-codec-memory");
	return 0;
}

static void sha256_hex(const void *data, size_t size, char out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, data, size);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

/* The target's bytes (NULL when it cannot be read). */
static unsigned char *read_target(size_t *len)
{
	int fd = open(out_path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *bytes = NULL;
	*len = 0;
	if (fd >= 0 && fstat(fd, &st) == 0 && (bytes = malloc((size_t)st.st_size + 1))) {
		ssize_t got;
		while ((got = read(fd, bytes + *len, (size_t)st.st_size - *len)) > 0)
			*len += (size_t)got;
		if (*len != (size_t)st.st_size) {
			free(bytes);
			bytes = NULL;
		}
	}
	if (fd >= 0)
		close(fd);
	return bytes;
}

static bool dir_is_empty(void)
{
	DIR *d = opendir(out_dir);
	CHECK(d != NULL);
	bool empty = true;
	for (struct dirent *e; empty && (e = readdir(d));)
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_memfd_set(in_fd, data, size);
	struct copy_ctx ctx = { .data = data, .size = size, .seed = (unsigned)size * 2654435761u };
	const struct redact_io_hooks hooks = {
		.ctx = &ctx, .text = copy_text, .stop = never_stop, .gzip_level = 1,
		.xz_level = 0, .budget = budget, .cancel = NULL, .binary_as_text = size % 3 == 0,
	};
	struct redact_io_result res;
	char err[1024] = "";
	int rc = redact_io_file(in_path, out_path, true, &hooks, &res, err, sizeof(err));
	CHECK(rc == 0 || rc == -1);
	CHECK(mem_budget_used(budget) == 0);
	if (rc) {
		CHECK(err[0]);
		CHECK(access(out_path, F_OK) != 0);
	} else {
		size_t len;
		unsigned char *out = read_target(&len);
		char want[65];
		CHECK(out != NULL);
		CHECK(res.format[0]);
		sha256_hex(data, size, want);
		CHECK(!strcmp(res.in_sha256, want));
		sha256_hex(out, len, want);
		CHECK(!strcmp(res.out_sha256, want));
		if (!strcmp(res.format, "text"))
			CHECK(len == size && !memcmp(out, data, size));
		free(out);
		CHECK(unlink(out_path) == 0);
	}
	CHECK(dir_is_empty());
	return 0;
}
