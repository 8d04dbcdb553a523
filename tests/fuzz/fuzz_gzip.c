/*
 * tests/fuzz/fuzz_gzip.c - the gzip byte source (scanners/gzip_src.c).
 *
 * The input is a gzip file.  It is decoded three times through
 * gzip_src over a source that hands the bytes out:
 *   A. the library's decoder (ISA-L when built with it), input in chunks
 *      of pseudo-random sizes and reads of pseudo-random sizes;
 *   B. the same decoder, the whole input in one chunk, 64 KiB reads;
 *   C. gzip_src.c compiled again here without HAVE_ISAL (zlib), chunked
 *      as in A.
 * A and B must agree on the outcome, and on the bytes when they succeed:
 * the result may not depend on how the input arrives.  When A and C both
 * succeed they must give the same bytes, and A may not fail where C (zlib)
 * succeeds; A may succeed where zlib fails (ISA-L accepts reserved header
 * flags; its output has passed the CRC-32 check all the same).  Read
 * contract: a read returns 0..n bytes, 0 only at the end, -1 only with a
 * reason, and after the end or an error it stays there.  Output beyond
 * 1 MiB is not compared.
 */
#include <stdbool.h>

#include "scanners/byte_src.h"
#include "tests/fuzz/fuzz_common.h"

/* The zlib build of the same file, its external names renamed. */
#ifdef HAVE_ISAL
#undef HAVE_ISAL
#define FUZZ_GZIP_RESTORE_ISAL
#endif
#define gzip_src fuzz_zlib_gzip_src
#define gzip_src_new fuzz_zlib_gzip_src_new
#define gzip_src_base fuzz_zlib_gzip_src_base
#define gzip_src_free fuzz_zlib_gzip_src_free
#define replay_src_init fuzz_zlib_replay_src_init
struct fuzz_zlib_gzip_src *fuzz_zlib_gzip_src_new(struct byte_src *inner);
struct byte_src *fuzz_zlib_gzip_src_base(struct fuzz_zlib_gzip_src *g);
void fuzz_zlib_gzip_src_free(struct fuzz_zlib_gzip_src *g);
void fuzz_zlib_replay_src_init(struct replay_src *r, const unsigned char *data, size_t len,
                               struct byte_src *inner);
#include "scanners/gzip_src.c"
#undef gzip_src
#undef gzip_src_new
#undef gzip_src_base
#undef gzip_src_free
#undef replay_src_init
#ifdef FUZZ_GZIP_RESTORE_ISAL
#define HAVE_ISAL 1
#endif

#define OUT_MAX (1u << 20)

/* The input, handed out in chunks. */
struct chunk_src {
	struct byte_src base;
	const unsigned char *data;
	size_t len, pos;
	uint32_t seed;          /* 0: everything at once */
	unsigned reads_after_end;
};

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static ssize_t chunk_read(struct byte_src *src, void *buf, size_t n)
{
	struct chunk_src *c = (struct chunk_src *)src;
	CHECK(n > 0);
	if (c->pos == c->len) {
		c->reads_after_end++;
		return 0;
	}
	size_t take = c->len - c->pos;
	if (c->seed) {
		size_t most = 1 + xorshift(&c->seed) % 4096;
		if (take > most)
			take = most;
	}
	if (take > n)
		take = n;
	memcpy(buf, c->data + c->pos, take);
	c->pos += take;
	return (ssize_t)take;
}

struct result {
	unsigned char *out;
	size_t len;
	bool ok;               /* ended with 0, not -1 */
	bool capped;           /* stopped at OUT_MAX */
};

static void drain(struct byte_src *g, uint32_t seed, struct result *res)
{
	unsigned char buf[65536];
	res->len = 0;
	res->ok = false;
	res->capped = false;
	for (;;) {
		size_t n = seed ? 1 + xorshift(&seed) % sizeof(buf) : sizeof(buf);
		ssize_t got = byte_src_read(g, buf, n);
		CHECK(got >= -1 && got <= (ssize_t)n);
		if (got < 0) {
			CHECK(g->error[0] != '\0');
			/* An error stays an error. */
			CHECK(byte_src_read(g, buf, n) == -1);
			return;
		}
		if (got == 0) {
			res->ok = true;
			CHECK(byte_src_read(g, buf, n) == 0);
			return;
		}
		if (res->len + (size_t)got > OUT_MAX) {
			res->capped = true;
			return;
		}
		memcpy(res->out + res->len, buf, (size_t)got);
		res->len += (size_t)got;
	}
}

static struct result res_a, res_b, res_c;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	res_a.out = malloc(OUT_MAX);
	res_b.out = malloc(OUT_MAX);
	res_c.out = malloc(OUT_MAX);
	if (!res_a.out || !res_b.out || !res_c.out)
		fuzz_die("malloc", NULL);
	return 0;
}

static void report(const char *what, const struct result *x, const struct result *y)
{
	size_t same = 0;
	while (same < x->len && same < y->len && x->out[same] == y->out[same])
		same++;
	fprintf(stderr, "%s: %zu bytes %s / %zu bytes %s, equal for %zu\n", what, x->len,
	        x->ok ? "ok" : "error", y->len, y->ok ? "ok" : "error", same);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = 0x9e3779b9u;
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	if (!seed)
		seed = 1;

	struct chunk_src in_a = { .base.read = chunk_read, .data = data, .len = size, .seed = seed };
	struct gzip_src *ga = gzip_src_new(&in_a.base);
	CHECK(ga != NULL);
	drain(gzip_src_base(ga), seed * 3u + 1, &res_a);
	gzip_src_free(ga);

	struct chunk_src in_b = { .base.read = chunk_read, .data = data, .len = size };
	struct gzip_src *gb = gzip_src_new(&in_b.base);
	CHECK(gb != NULL);
	drain(gzip_src_base(gb), 0, &res_b);
	gzip_src_free(gb);

	struct chunk_src in_c = { .base.read = chunk_read, .data = data, .len = size, .seed = seed };
	struct fuzz_zlib_gzip_src *gc = fuzz_zlib_gzip_src_new(&in_c.base);
	CHECK(gc != NULL);
	drain(fuzz_zlib_gzip_src_base(gc), seed * 3u + 1, &res_c);
	fuzz_zlib_gzip_src_free(gc);

	if (res_a.capped || res_b.capped || res_c.capped)
		return 0;
	/* On success the result may not depend on how the input arrives.  On
	 * damage it may: ISA-L decodes in larger steps (and drops the output of
	 * the step that failed), and it is more lenient than zlib with some
	 * invalid streams (a distance too far back), so the bytes before the
	 * error are compared with nothing; the outcome is. */
	bool ab = res_a.ok == res_b.ok &&
	          (!res_a.ok || (res_a.len == res_b.len && !memcmp(res_a.out, res_b.out, res_a.len)));
	if (!ab)
		report("chunked / whole", &res_a, &res_b);
	CHECK(ab);
	/* ISA-L is more lenient than zlib with some headers (reserved FLG bits
	 * set: zlib says "unknown header flags set"); what it decodes then has
	 * passed its CRC-32 and size check, so only the other way round (zlib
	 * reads it, ISA-L refuses: lost findings) is a difference. */
	if ((res_c.ok && !res_a.ok) ||
	    (res_a.ok && res_c.ok && (res_a.len != res_c.len || memcmp(res_a.out, res_c.out, res_a.len)))) {
		report("library decoder / zlib", &res_a, &res_c);
		CHECK(0);
	}
	return 0;
}
