/*
 * tests/fuzz/fuzz_common.h - what the libFuzzer harnesses share.
 *
 * The libFuzzer entry points (declared here so -Wmissing-prototypes stays
 * quiet), a CHECK() that traps whatever NDEBUG says, and memfd helpers:
 * the library opens paths, so the harnesses hand it "/proc/self/fd/N" of
 * an anonymous in-memory file and nothing touches the disk.
 *
 * Header-only on purpose: each harness is one translation unit linked with
 * the library objects and libFuzzer's main.
 */
#ifndef PIIAUDIT_FUZZ_COMMON_H
#define PIIAUDIT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant of the code under test: a failure is a finding, so it must
 * crash the way libFuzzer records (a trap), with the reason on stderr. */
#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
			        __LINE__, #cond);                                \
			__builtin_trap();                                        \
		}                                                                \
	} while (0)

/* A set-up step of the harness itself failed (not a finding). */
static inline void fuzz_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz harness: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* A memfd named NAME; dies on failure.  PATH (>= 32 bytes) receives the
 * /proc/self/fd/N path the library can open. */
static inline int fuzz_memfd(const char *name, char *path, size_t path_cap)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		fuzz_die("memfd_create", NULL);
	snprintf(path, path_cap, "/proc/self/fd/%d", fd);
	return fd;
}

/* Replaces the content of FD with DATA[0, SIZE). */
static inline void fuzz_memfd_set(int fd, const void *data, size_t size)
{
	const unsigned char *p = data;
	size_t off = 0;
	if (ftruncate(fd, 0))
		fuzz_die("ftruncate", NULL);
	while (off < size) {
		ssize_t n = pwrite(fd, p + off, size - off, (off_t)off);
		if (n <= 0)
			fuzz_die("pwrite", NULL);
		off += (size_t)n;
	}
}

/* A decoder's map at chosen positions (json_decode_offsets(),
 * csv_decode_offsets()) against its full map[0, len]: at every position
 * and one past the end (n there), then at every third, some twice. */
typedef void (*fuzz_offsets_fn)(const unsigned char *raw, size_t n, const size_t *pos,
                                size_t count, uint64_t *raw_at);

static inline void fuzz_check_offsets(fuzz_offsets_fn offsets, const unsigned char *raw, size_t n,
                                      const uint32_t *map, size_t len)
{
	size_t *pos = malloc((2 * len + 2) * sizeof(*pos));
	uint64_t *at = malloc((2 * len + 2) * sizeof(*at));
	if (!pos || !at)
		fuzz_die("malloc", NULL);
	for (size_t i = 0; i <= len + 1; i++)
		pos[i] = i;
	offsets(raw, n, pos, len + 2, at);
	for (size_t i = 0; i <= len; i++)
		CHECK(at[i] == map[i]);
	CHECK(at[len + 1] == n);
	size_t count = 0;
	for (size_t i = 0; i <= len; i += 3) {
		pos[count++] = i;
		if (i % 2)
			pos[count++] = i;
	}
	offsets(raw, n, pos, count, at);
	for (size_t k = 0; k < count; k++)
		CHECK(at[k] == map[pos[k]]);
	free(pos);
	free(at);
}

/* A few lines of text with one value of every kind the harness rulesets
 * look for, and some near misses. */
static const char fuzz_sample_text[] =
	"Contact: jane.doe@corp.io or j.smith+news@mail.example.org\n"
	"card 4111 1111 1111 1111, not 4111 1111 1111 1112; amex 3782-822463-10005\n"
	"hosts 192.168.1.20 and 10.0.0.256, v6 2001:db8::1, mac 00:1a:2b:3c:4d:5e\n"
	"ssn 123-45-6789 iban GB82 WEST 1234 5698 7654 32 dob 1985-12-10\n"
	"token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln password: Zx9!kq2Lm#Rt\n"
	"id: 48213 x@y stop@fuzz.test tel +39 06 1234 5678\n";

#endif
