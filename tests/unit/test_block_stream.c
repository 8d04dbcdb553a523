/*
 * Block streaming: every match start is accepted by exactly one window,
 * offsets are absolute, line numbers exact, whatever the block size and
 * however the bytes arrive.
 */
#include <stdlib.h>
#include <string.h>

#include "scanners/block_stream.h"
#include "tests/unit/unit.h"

struct found {
	uint64_t offset[4096];
	uint64_t line[4096];
	size_t count;
	int windows;
	bool bad_window;
};

/* "Matches" are the positions of '@' followed by "xyz", found by hand. */
static int on_window(void *ctx, struct scan_stream *s, const struct scan_window *w)
{
	struct found *f = ctx;
	f->windows++;
	if (!(w->from <= w->accept_end && w->accept_end <= w->len))
		f->bad_window = true;
	for (size_t i = w->from; i < w->accept_end; i++)
		if (w->data[i] == '@' && i + 4 <= w->len && !memcmp(w->data + i + 1, "xyz", 3) &&
		    f->count < 4096) {
			f->offset[f->count] = w->base + i;
			f->line[f->count] = scan_stream_line_at(s, i);
			f->count++;
		}
	return 0;
}

static void run_case(size_t block, size_t overlap, size_t lookbehind, size_t chunk)
{
	size_t n = 200000;
	char *text = malloc(n);
	struct found *got = calloc(1, sizeof(*got)), *want = calloc(1, sizeof(*want));
	unsigned seed = (unsigned)(block * 31 + chunk);
	uint64_t line = 1;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		text[i] = (seed >> 16) % 50 == 0 ? '\n' : 'a' + (char)((seed >> 16) % 26);
	}
	for (size_t i = 0; i + 4 <= n; i += 997 + (i % 7)) {
		memcpy(text + i, "@xyz", 4);
	}
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '@' && i + 4 <= n && !memcmp(text + i + 1, "xyz", 3) && want->count < 4096) {
			want->offset[want->count] = i;
			want->line[want->count++] = line;
		}
		line += text[i] == '\n';
	}
	struct scan_stream s;
	CHECK(scan_stream_init(&s, block, overlap, lookbehind) == 0);
	scan_stream_reset(&s, on_window, got);
	int write_rc = 0;
	for (size_t at = 0; at < n; at += chunk)
		write_rc |= scan_stream_write(&s, text + at, at + chunk <= n ? chunk : n - at);
	CHECK(write_rc == 0);
	CHECK(scan_stream_finish(&s) == 0);
	CHECK(!got->bad_window);
	CHECK(got->count == want->count);
	CHECK(!memcmp(got->offset, want->offset, want->count * sizeof(uint64_t)));
	CHECK(!memcmp(got->line, want->line, want->count * sizeof(uint64_t)));
	CHECK(s.total == n);
	scan_stream_release(&s);
	free(text);
	free(got);
	free(want);
}

int main(void)
{
	size_t blocks[] = { 16, 100, 997, 4096, 65536, 1 << 20 };
	size_t chunks[] = { 1, 7, 1000, 65536, 300000 };
	for (size_t b = 0; b < sizeof(blocks) / sizeof(*blocks); b++)
		for (size_t c = 0; c < sizeof(chunks) / sizeof(*chunks); c++)
			if (blocks[b] >= 100 || chunks[c] >= 7)
				run_case(blocks[b], 8, 4, chunks[c]);

	/* An empty member hands out no window. */
	struct found *none = calloc(1, sizeof(*none));
	struct scan_stream s;
	CHECK(scan_stream_init(&s, 64, 8, 4) == 0);
	scan_stream_reset(&s, on_window, none);
	CHECK(scan_stream_finish(&s) == 0);
	CHECK(none->windows == 0);
	/* A reset starts offsets and lines again. */
	scan_stream_reset(&s, on_window, none);
	CHECK(scan_stream_write(&s, "\n\n@xyz", 6) == 0);
	CHECK(scan_stream_finish(&s) == 0);
	CHECK(none->count == 1 && none->offset[0] == 2 && none->line[0] == 3);
	scan_stream_release(&s);
	free(none);
	return unit_finish("test_block_stream");
}
