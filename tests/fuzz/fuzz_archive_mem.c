/*
 * tests/fuzz/fuzz_archive_mem.c - what a 7z or zip archive's decoders
 * will need, read before libarchive opens it (scanners/sevenz_mem.c,
 * scanners/zip_mem.c).
 *
 * The input is read as a 7z file twice: from memory
 * (sevenz_decoder_need_mem()) and through a memfd with pread()
 * (sevenz_decoder_need(), as the reader calls it); both must give the same
 * outcome, need and reason.  It is also read as a zip file
 * (zip_decoder_need(), through the memfd), and as a zip stream
 * (zip_watch_feed()), whole and in pieces of 1 to 16 bytes, resumed after
 * each raise as the reader does: the same need and place both ways, and
 * no feed stops short without one.  A 7z refusal (damaged, or
 * not read here) has a reason; success leaves the reason alone.  A packed 7z header's decoder is
 * allowed 16 MiB (the reader allows the decoder budget's limit), so
 * mutants asking for more are refused before they allocate.
 */
#include "scanners/sevenz_mem.h"
#include "scanners/zip_mem.h"
#include "scanners/zip_stream_mem.h"
#include "tests/fuzz/fuzz_common.h"

#define HEADER_MEMORY_MAX (16u << 20)

static int input_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64];
	input_fd = fuzz_memfd("fuzz-archive-mem", path, sizeof(path));
	return 0;
}

/* The input fed to a zip watch in pieces of `piece` bytes (0: whole). */
static void watch_stream(const uint8_t *data, size_t size, size_t piece, struct zip_watch *w)
{
	zip_watch_init(w);
	for (size_t at = 0; at < size;) {
		size_t n = piece && piece < size - at ? piece : size - at;
		for (size_t done = 0; done < n;) {
			uint64_t before = w->need;
			done += zip_watch_feed(w, data + at + done, n - done);
			CHECK(done == n || w->need > before);
			CHECK(w->need == before || w->need_at < at + done);
		}
		at += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t need_mem = 1, need_fd = 2, need_zip = 3;
	char why_mem[160] = "", why_fd[160] = "", why_zip[160] = "";
	int rc_mem = sevenz_decoder_need_mem(data, size, HEADER_MEMORY_MAX, &need_mem, why_mem,
	                                     sizeof(why_mem));
	fuzz_memfd_set(input_fd, data, size);
	int rc_fd = sevenz_decoder_need(input_fd, HEADER_MEMORY_MAX, &need_fd, why_fd, sizeof(why_fd));
	CHECK(rc_mem == 0 || rc_mem == -1 || rc_mem == SEVENZ_DAMAGED);
	CHECK(rc_mem == rc_fd);
	CHECK(!strcmp(why_mem, why_fd));
	if (rc_mem == 0) {
		CHECK(need_mem == need_fd);
		CHECK(why_mem[0] == '\0');
	} else {
		CHECK(why_mem[0] != '\0');
	}
	int rc_zip = zip_decoder_need(input_fd, &need_zip, why_zip, sizeof(why_zip));
	CHECK(rc_zip == 0 || rc_zip == -1);
	CHECK((rc_zip == 0) == (why_zip[0] == '\0'));
	struct zip_watch whole, pieces;
	watch_stream(data, size, 0, &whole);
	watch_stream(data, size, size ? 1 + data[size - 1] % 16 : 1, &pieces);
	CHECK(whole.need == pieces.need && whole.need_at == pieces.need_at);
	return 0;
}
