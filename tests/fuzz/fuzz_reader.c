/*
 * tests/fuzz/fuzz_reader.c - bytes in, findings out, end to end.
 *
 * The input is written to a memfd and read with scan_reader_run() through
 * /proc/self/fd/N, as `piiaudit scan` reads a file: magic-byte sniffing,
 * gzip, xz and zstd decoded by the reader's own sources, libarchive
 * (every other filter; tar, zip, 7z, cpio, ar, raw), nested archives, the
 * block stream, and a rule matcher run over every window (an e-mail,
 * a card and an IPv4 rule with their validators), then rule_normalize()
 * and rule_mask() on every hit, as cmd_scan.c does.
 *
 * Invariants checked (CHECK traps):
 *  - begin/end calls nest and pair; a parent is the enclosing container
 *    (or NULL at the top); a unit's depth is the number of open
 *    containers; no container deeper than max_depth; no container with
 *    more children than max_entries;
 *  - windows only for the open leaf; from < accept_end <= len; base never
 *    decreases; accepted regions tile the stream (each window starts
 *    accepting where the previous one stopped); nothing after the final
 *    window; a leaf's reported byte count is where acceptance ended;
 *    no leaf over max_member_bytes;
 *  - every hit starts in [from, accept_end) and ends inside the window;
 *    scan_stream_line_at() agrees with a count of the newlines over the
 *    accepted regions;
 *  - an error has a reason; after the sink stops the source nothing else
 *    begins; the returned status is the worst status the sink was told;
 *  - the xz and zstd decoders (scanners/xz_src.c, zstd_src.c, a 16 MiB
 *    budget) have given back all the memory they took.
 *
 * Record mode is on (limits.records, --field): a leaf starting with '{' or
 * '[' comes as JSON records, which go through json_walk_fields() with a
 * few --field paths, json_decode_string() and the matcher, as cmd_scan.c
 * does.  Records: data only when not too large, at most max_record_bytes,
 * numbers 1, 2, 3..., lines and offsets never going back (an array
 * element that is not valid JSON is read as text, as cmd_scan.c does).
 * A record leaf gets windows only as runs: after a record too large to
 * hold (starting at its offset and line), or for the rest of an array that
 * went wrong itself; a run's windows tile its
 * bytes, end with a final one, and never go back before a record; no
 * record comes while a run is open.
 *
 * CSV records (a member named *.csv or *.tsv, or an input starting with
 * "id," read as --format csv): row 0 the header, then 1, 2, 3...; each
 * row goes through csv_walk_row() with all columns selected and
 * csv_decode_cell(), or is scanned as text when malformed.
 *
 * For the input itself (a plain file at depth 0) every window and record
 * must show exactly the input's bytes at its offset.
 *
 * A hit whose value starts with "stop@" makes the sink stop the source,
 * so the stop path is fuzzed too.
 *
 * Members named *.skip or under a folder "x" (any depth) are excluded
 * (limits.exclude, scan --exclude): told of through sink.excluded, inside
 * the container being read, with the glob that matches, never begun.
 *
 * The locale's character set is UTF-8, as audit/main.c sets it, so member
 * names go through libarchive's conversions as they do in a scan.
 */
#include <locale.h>
#include <stdbool.h>

#include "rules/rule.h"
#include "scanners/csv_fields.h"
#include "scanners/json_fields.h"
#include "scanners/mem_budget.h"
#include "scanners/reader.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_DEPTH 3
#define DECODER_BUDGET_BYTES (16u << 20)
#define MAX_MEMBER_BYTES (16u << 20)
#define MAX_ENTRIES 10000
#define MAX_HITS 4096
#define MAX_RECORD_BYTES 1024   /* the smallest --max-record-bytes */

/* libarchive sizes some allocations from header fields (a 278-byte 7z
 * asks for 32 GiB); without ASan malloc returns NULL and libarchive
 * reports "Couldn't allocate memory", so let ASan do the same. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static const char rules_yaml[] =
	"pack: fuzz-reader\n"
	"rules:\n"
	"  - id: fuzz.email\n"
	"    category: email\n"
	"    pattern: '(?<![A-Za-z0-9._%+\\-])[A-Za-z0-9][A-Za-z0-9._%+\\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\\-])'\n"
	"    validator: email\n"
	"    keywords: ['@']\n"
	"    confidence: 0.9\n"
	"    context:\n"
	"      words: [email, mail, contact]\n"
	"      window: 32\n"
	"      boost: 0.05\n"
	"    placeholders: ['/@(?:[a-z0-9\\-]+\\.)*example\\.(?:com|org|net)$/', 'x@y.zz']\n"
	"    allow: ['noreply@corp.io']\n"
	"  - id: fuzz.card\n"
	"    category: credit_card\n"
	"    pattern: '(?<![0-9])[0-9](?:[ \\-]?[0-9]){11,18}(?![0-9])'\n"
	"    validator: card\n"
	"    context:\n"
	"      words: [card, visa, amex]\n"
	"      required: false\n"
	"  - id: fuzz.ipv4\n"
	"    category: ip_address\n"
	"    pattern: '(?<![0-9.])(?:[0-9]{1,3}\\.){3}[0-9]{1,3}(?![0-9.])'\n"
	"    validator: ipv4\n"
	"    keywords: ['.']\n";

static struct ruleset set;
static struct rule_matcher *matcher;
static struct json_paths fields;
static struct path_exclude exclude;   /* --exclude '*.skip' --exclude x */
static const uint8_t *input;      /* the current input, for byte checks */
static size_t input_size;
static struct scan_reader *reader, *csv_reader;  /* csv_reader: --format csv */
static struct mem_budget *decoder_budget;         /* the xz and zstd decoders' */
static int input_fd = -1;
static bool verbose;   /* FUZZ_VERBOSE=1: every unit on stderr */
static char input_path[64];

struct unit_rec {
	uintptr_t handle;
	bool container;
	unsigned children;
	/* leaves only */
	bool seen_final;
	unsigned windows;
	uint64_t accepted_to;   /* absolute end of the accepted regions */
	uint64_t last_base;
	uint64_t lines;         /* newlines in the accepted regions */
	bool plain_input;       /* the input file itself, not decoded */
	unsigned records;
	uint64_t last_number, last_line, last_offset, record_end;
	/* Record leaves: where the run a too-large record announced starts
	 * (its offset + 1 while expected, else 0), and its line. */
	uint64_t run_expected, run_line;
	bool run_line_unknown;  /* an array's rest: its first line not told */
};

struct sink_state {
	struct unit_rec stack[MAX_DEPTH + 4];
	size_t depth;
	uintptr_t next_handle;
	unsigned begins, ends;
	bool stopped;           /* the sink returned non-zero */
	enum scan_status worst;
	struct rule_hit hits[MAX_HITS];
	size_t hit_count;
	bool hits_overflow;
};

static int collect_hit(void *ctx, const struct rule_hit *hit)
{
	struct sink_state *st = ctx;
	if (st->hit_count == MAX_HITS) {
		st->hits_overflow = true;
		return 0;
	}
	st->hits[st->hit_count++] = *hit;
	return 0;
}

static void sink_excluded(void *ctx, void *handle, const char *member, const char *glob)
{
	struct sink_state *st = ctx;
	CHECK(!st->stopped);
	CHECK(st->depth > 0);
	if (st->depth > 0) {
		struct unit_rec *top = &st->stack[st->depth - 1];
		CHECK(top->container);
		CHECK((uintptr_t)handle == top->handle);
		CHECK(++top->children <= MAX_ENTRIES);
	}
	CHECK(member && glob);
	CHECK(path_exclude_match(&exclude, member) == glob);
}

static int hit_cmp(const void *a, const void *b)
{
	const struct rule_hit *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void *sink_begin(void *ctx, const struct scan_unit *unit, void *parent)
{
	struct sink_state *st = ctx;
	CHECK(!st->stopped);
	CHECK(unit && unit->path);
	if (st->depth == 0) {
		CHECK(parent == NULL);
	} else {
		struct unit_rec *top = &st->stack[st->depth - 1];
		CHECK(top->container);
		CHECK((uintptr_t)parent == top->handle);
		CHECK(++top->children <= MAX_ENTRIES);
	}
	CHECK(unit->depth == st->depth);
	CHECK(unit->container == (unit->kind == SCAN_UNIT_ARCHIVE));
	if (unit->container)
		CHECK(unit->depth <= MAX_DEPTH);
	if (unit->kind == SCAN_UNIT_MEMBER)
		CHECK(unit->member && unit->depth > 0);
	CHECK(st->depth < sizeof(st->stack) / sizeof(st->stack[0]));
	struct unit_rec *rec = &st->stack[st->depth++];
	memset(rec, 0, sizeof(*rec));
	rec->handle = ++st->next_handle;
	rec->container = unit->container;
	rec->plain_input = unit->depth == 0 && !unit->format && !unit->container;
	st->begins++;
	if (verbose)
		fprintf(stderr, "%*sbegin %s%s%s format %s depth %u\n", 2 * (int)st->depth, "",
		        unit->container ? "container " : "", unit->member ? "member " : "",
		        unit->member ? unit->member : unit->path, unit->format ? unit->format : "-",
		        unit->depth);
	return (void *)rec->handle;
}

/* memchr, not a byte loop: the harness is instrumented, and a 16 MiB
 * member counted byte by byte would cost seconds. */
static size_t count_newlines(const unsigned char *p, size_t n)
{
	size_t c = 0;
	const unsigned char *end = p + n;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		c++;
		p++;
	}
	return c;
}

static int sink_window(void *ctx, void *handle, struct scan_stream *s, const struct scan_window *w)
{
	struct sink_state *st = ctx;
	CHECK(!st->stopped);
	CHECK(st->depth > 0);
	struct unit_rec *rec = &st->stack[st->depth - 1];
	CHECK((uintptr_t)handle == rec->handle);
	CHECK(!rec->container);
	CHECK(w->data != NULL);
	CHECK(w->from < w->accept_end);
	CHECK(w->accept_end <= w->len);
	CHECK(w->len <= s->cap);
	/* A record leaf's run starts with a window from 0 at its offset. */
	bool run_start = rec->records && (!rec->windows || rec->seen_final);
	if (run_start) {
		CHECK(w->from == 0);
		if (rec->run_expected)
			CHECK(w->base == rec->run_expected - 1);
		else
			CHECK(w->base >= rec->record_end); /* an array's rest */
		CHECK(w->base >= rec->accepted_to);
		rec->run_expected = 0;
		rec->accepted_to = w->base;
		rec->run_line_unknown = !rec->run_line;
		rec->lines = rec->run_line ? rec->run_line - 1 : 0;
		rec->run_line = 0;
	} else {
		CHECK(!rec->seen_final);
		if (rec->windows)
			CHECK(w->base > rec->last_base);
		else
			CHECK(w->base == 0);
	}
	CHECK(w->base + w->from == rec->accepted_to);
	CHECK(w->base + w->len <= MAX_MEMBER_BYTES);
	if (rec->plain_input)
		CHECK(w->base + w->len <= input_size && !memcmp(input + w->base, w->data, w->len));
	rec->windows++;
	rec->last_base = w->base;
	rec->seen_final = w->final;

	st->hit_count = 0;
	st->hits_overflow = false;
	CHECK(rule_matcher_scan(matcher, w->data, w->len, w->from, w->accept_end, NULL,
	                        collect_hit, st) == 0);
	qsort(st->hits, st->hit_count, sizeof(st->hits[0]), hit_cmp);
	int stop = 0;
	size_t line_pos = w->from;
	uint64_t line = rec->lines + 1;
	for (size_t i = 0; i < st->hit_count; i++) {
		const struct rule_hit *h = &st->hits[i];
		CHECK(h->rule != NULL);
		CHECK(h->start >= w->from && h->start < w->accept_end);
		CHECK(h->len > 0 && h->start + h->len <= w->len);
		CHECK(h->confidence >= 0.0 && h->confidence <= 1.0);
		line += count_newlines(w->data + line_pos, h->start - line_pos);
		line_pos = h->start;
		if (!rec->run_line_unknown)
			CHECK(scan_stream_line_at(s, h->start) == line);

		const char *value = (const char *)w->data + h->start;
		char normal[4096], preview[96], tiny[3];
		size_t n = rule_normalize(h->rule->category, value, h->len, normal, sizeof(normal));
		CHECK(n < sizeof(normal) && normal[n] == '\0');
		n = rule_mask(h->rule->category, value, h->len, preview, sizeof(preview));
		CHECK(strlen(preview) < sizeof(preview));
		rule_mask(h->rule->category, value, h->len, tiny, sizeof(tiny));
		CHECK(strlen(tiny) < sizeof(tiny));
		if (verbose)
			fprintf(stderr, "%*shit %s line %llu \"%.*s\"\n", 2 * (int)st->depth, "",
			        h->rule->id, (unsigned long long)line, (int)h->len, value);
		if (h->len >= 5 && !memcmp(value, "stop@", 5))
			stop = 1;
	}
	rec->lines += count_newlines(w->data + w->from, w->accept_end - w->from);
	rec->accepted_to = w->base + w->accept_end;
	if (stop)
		st->stopped = true;
	return stop;
}

/* Hits in a decoded field or a record scanned as text: inside it, and
 * normalised and masked as cmd_scan.c does. */
struct field_ctx {
	struct sink_state *st;
	const struct scan_record *r;
	unsigned char *decoded;
	uint32_t *map;
};

static bool check_hits(struct sink_state *st, const unsigned char *text, size_t len)
{
	bool stop = false;
	st->hit_count = 0;
	st->hits_overflow = false;
	CHECK(rule_matcher_scan(matcher, text, len, 0, len, NULL, collect_hit, st) == 0);
	for (size_t i = 0; i < st->hit_count; i++) {
		const struct rule_hit *h = &st->hits[i];
		CHECK(h->len > 0 && h->start < len && h->len <= len - h->start);
		const char *value = (const char *)text + h->start;
		char normal[4096], preview[96];
		size_t n = rule_normalize(h->rule->category, value, h->len, normal, sizeof(normal));
		CHECK(n < sizeof(normal) && normal[n] == '\0');
		rule_mask(h->rule->category, value, h->len, preview, sizeof(preview));
		CHECK(strlen(preview) < sizeof(preview));
		if (verbose)
			fprintf(stderr, "%*shit %s \"%.*s\"\n", 2 * (int)st->depth, "", h->rule->id,
			        (int)h->len, value);
		if (h->len >= 5 && !memcmp(value, "stop@", 5))
			stop = true;
	}
	return stop;
}

static int on_field(void *ctx, size_t path_index, size_t start, size_t end)
{
	struct field_ctx *f = ctx;
	CHECK(path_index < fields.count);
	if (f->r->csv_sep)
		CHECK(start <= end && end <= f->r->len);
	else
		CHECK(start <= end && end < f->r->len && start > 0);
	size_t raw = end - start;
	f->decoded = malloc(raw ? raw : 1);
	f->map = malloc((raw + 1) * sizeof(*f->map));
	if (!f->decoded || !f->map)
		fuzz_die("malloc", NULL);
	size_t n = f->r->csv_sep ? csv_decode_cell(f->r->data + start, raw, f->decoded, f->map)
	           : json_decode_string(f->r->data + start, raw, f->decoded, f->map);
	CHECK(n <= raw && f->map[n] == raw);
	bool stop = check_hits(f->st, f->decoded, n);
	for (size_t i = 0; i < f->st->hit_count; i++) {
		const struct rule_hit *h = &f->st->hits[i];
		/* The finding's raw span, as cmd_scan.c computes it. */
		CHECK(f->map[h->start] <= f->map[h->start + h->len] && f->map[h->start + h->len] <= raw);
	}
	free(f->decoded);
	free(f->map);
	f->decoded = NULL;
	f->map = NULL;
	return stop ? -2 : 0;
}

static int sink_record(void *ctx, void *handle, const struct scan_record *r)
{
	struct sink_state *st = ctx;
	CHECK(!st->stopped);
	CHECK(st->depth > 0);
	struct unit_rec *rec = &st->stack[st->depth - 1];
	CHECK((uintptr_t)handle == rec->handle);
	CHECK(!rec->container);
	CHECK(!rec->windows || rec->seen_final);
	CHECK(!rec->run_expected);
	CHECK(r->offset >= rec->accepted_to);
	if (r->csv_sep && r->number == 0)
		CHECK(rec->records == 0); /* the header comes first */
	else
		CHECK(r->number > rec->last_number);
	CHECK(r->line >= rec->last_line && r->line >= 1);
	CHECK(r->offset >= rec->last_offset);
	CHECK(!r->too_large == !!r->data);
	if (r->too_large)
		CHECK(r->len == 0);
	else
		CHECK(r->len > 0 && r->len <= MAX_RECORD_BYTES + (64u << 10));
	if (rec->plain_input && r->data)
		CHECK(r->offset + r->len <= input_size && !memcmp(input + r->offset, r->data, r->len));
	rec->records++;
	rec->last_number = r->number;
	rec->last_line = r->line;
	rec->last_offset = r->offset;
	rec->record_end = r->offset + r->len;
	if (!r->data) {
		rec->run_expected = r->offset + 1;
		rec->run_line = r->line;
		return 0;
	}
	struct json_error err = { 0, NULL };
	struct field_ctx f = { st, r, NULL, NULL };
	int rc;
	if (r->csv_sep) {
		/* Every column selected, as many as the row has when valid. */
		struct csv_error cerr = { 0, NULL };
		size_t cols[4] = { 0, 1, 2, 0 };
		struct csv_columns all = { .path = cols, .count = r->number == 0 ? 1 : 3 };
		rc = csv_walk_row(r->data, r->len, r->csv_sep, &all, on_field, &f, &cerr);
		err.offset = cerr.offset;
		err.reason = cerr.reason;
	} else {
		rc = json_walk_fields(r->data, r->len, &fields, on_field, &f, &err);
	}
	if (rc == -2) {
		st->stopped = true;
		return 1;
	}
	if (rc == 0)
		return 0;
	CHECK(rc == -1 && err.reason && err.offset <= r->len);
	if (check_hits(st, r->data, r->len)) {
		st->stopped = true;
		return 1;
	}
	return 0;
}

static void sink_end(void *ctx, void *handle, enum scan_status status, const char *reason,
                     uint64_t bytes, const char *format)
{
	struct sink_state *st = ctx;
	CHECK(st->depth > 0);
	struct unit_rec *rec = &st->stack[st->depth - 1];
	CHECK((uintptr_t)handle == rec->handle);
	CHECK(status <= SCAN_STOPPED);
	if (status == SCAN_ERROR || status == SCAN_SKIPPED)
		CHECK(reason && *reason);
	if (reason)
		CHECK(strlen(reason) < 1024);
	if (format)
		CHECK(strlen(format) < 64);
	if (status == SCAN_STOPPED)
		CHECK(st->stopped);
	if (!rec->container) {
		CHECK(bytes <= MAX_MEMBER_BYTES);
		if ((status == SCAN_OK || status == SCAN_ERROR) && rec->windows && !rec->records)
			CHECK(bytes == rec->accepted_to);
		if ((status == SCAN_OK || status == SCAN_ERROR) && rec->records) {
			CHECK(bytes >= rec->accepted_to);
			CHECK(!rec->run_expected); /* an announced run came */
		}
		if (rec->records)
			CHECK(bytes >= rec->record_end);
		if (status == SCAN_OK && rec->windows)
			CHECK(rec->seen_final);
	}
	if (verbose)
		fprintf(stderr, "%*send status %d bytes %llu format %s reason %s\n", 2 * (int)st->depth,
		        "", (int)status, (unsigned long long)bytes, format ? format : "-",
		        reason ? reason : "-");
	if (status != SCAN_SKIPPED && status > st->worst)
		st->worst = status;
	st->depth--;
	st->ends++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64];
	const char *env = getenv("FUZZ_VERBOSE");
	verbose = env && *env && strcmp(env, "0");
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	int fd = fuzz_memfd("fuzz-rules.yaml", path, sizeof(path));
	fuzz_memfd_set(fd, rules_yaml, sizeof(rules_yaml) - 1);
	ruleset_init(&set);
	set.match_limit = 100000;
	set.depth_limit = 1000;
	if (ruleset_load_path(&set, path) || ruleset_compile(&set))
		fuzz_die("ruleset", ruleset_error(&set));
	close(fd);
	if (!(matcher = rule_matcher_new(&set)))
		fuzz_die("rule_matcher_new", NULL);
	static const char *const field_paths[] = { "text", "user.email", "messages.content" };
	for (size_t i = 0; i < sizeof(field_paths) / sizeof(field_paths[0]); i++)
		if (json_paths_add(&fields, field_paths[i]))
			fuzz_die("json_paths_add", field_paths[i]);
	/* A decoder budget as scan has (smaller: xz -6 and zstd -19 fit, xz -9
	 * and zstd --long are refused), so its refusals are fuzzed too; and
	 * mutants of the xz and zstd seeds whose headers ask for a big
	 * dictionary or window are refused before they allocate. */
	if (!(decoder_budget = mem_budget_new(DECODER_BUDGET_BYTES)))
		fuzz_die("mem_budget_new", NULL);
	if (path_exclude_add(&exclude, "*.skip") || path_exclude_add(&exclude, "x"))
		fuzz_die("path_exclude_add", NULL);
	struct scan_limits limits = {
		.max_depth = MAX_DEPTH, .max_member_bytes = MAX_MEMBER_BYTES, .max_entries = MAX_ENTRIES,
		.records = true, .max_record_bytes = MAX_RECORD_BYTES, .decoder_budget = decoder_budget,
		.exclude = &exclude,
	};
	if (!(reader = scan_reader_new(&limits)))
		fuzz_die("scan_reader_new", NULL);
	limits.csv = ',';
	if (!(csv_reader = scan_reader_new(&limits)))
		fuzz_die("scan_reader_new", NULL);
	input_fd = fuzz_memfd("fuzz-input", input_path, sizeof(input_path));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sink_state st;
	memset(&st, 0, sizeof(st));
	fuzz_memfd_set(input_fd, data, size);
	struct scan_sink sink = {
		.ctx = &st, .begin = sink_begin, .window = sink_window, .end = sink_end,
		.record = sink_record, .excluded = sink_excluded,
	};
	input = data;
	input_size = size;
	bool csv = size >= 3 && !memcmp(data, "id,", 3);
	enum scan_status rc = scan_reader_run(csv ? csv_reader : reader, input_path, &sink);
	CHECK(st.depth == 0);
	CHECK(st.begins >= 1 && st.begins == st.ends);
	CHECK(mem_budget_used(decoder_budget) == 0);
	CHECK(rc == st.worst);
	CHECK((rc == SCAN_STOPPED) == st.stopped);
	return 0;
}
