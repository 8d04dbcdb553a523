/*
 * audit/cmd_plan.c - piiaudit plan: a deterministic, size-balanced split of
 * the sources into N shards, printed as the plan file that
 * `piiaudit scan --plan FILE --shard K` reads (scanners/shard.h).
 *
 * The paths are walked as scan walks them (scanners/walk.h), then sorted by
 * size (largest first, then by path in byte order) and each is given to
 * the shard with the fewest bytes so far, the lowest number on a tie: the
 * longest-processing-time-first rule, which keeps the heaviest shard within
 * 4/3 of the best possible.  Nothing depends on the machine, the clock or
 * the order readdir returns, so the same inputs give the same plan (and the
 * same plan digest) anywhere.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/cli.h"
#include "scanners/walk.h"

#define PLAN_SHARDS_MAX 1000000u

struct plan_item {
	const struct walk_entry *entry;     /* borrowed from the walk list */
	uint64_t bytes;
	unsigned shard;
};

/* A shard's load, in a binary min-heap ordered by (bytes, index). */
struct plan_load {
	uint64_t bytes;
	unsigned index;
};

static void plan_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit plan --shards N [--follow] [--exclude GLOB]... PATH...\n"
	        "       piiaudit plan --shards N [options] --files-from FILE [--null] [PATH...]\n"
	        "\n"
	        "Walk the files and folders as 'piiaudit scan' would and split the files\n"
	        "into N shards of about the same size in bytes, deterministically: the same\n"
	        "inputs give the same plan on any machine.  The plan is printed on stdout,\n"
	        "one 'SHARD<TAB>BYTES<TAB>PATH' line per file, for\n"
	        "'piiaudit scan --plan FILE --shard K'; lines starting with '#' are comments\n"
	        "(the totals of each shard).  An archive is one source: its members are not\n"
	        "split across shards.\n"
	        "\n"
	        "options:\n"
	        "  --shards N         the number of shards (1 to %u)\n"
	        "  --follow           follow symbolic links inside folders (as scan --follow)\n"
	        "  --files-from FILE  also plan the paths listed in FILE, one a line ('-':\n"
	        "                     standard input); --null: NUL-separated (find -print0)\n"
	        "  --exclude GLOB     leave out what GLOB matches under a folder (as scan\n"
	        "                     --exclude; give scan the same globs for archive members)\n"
	        "  -h, --help         this help\n"
	        "\n"
	        "Exit status: 0 planned, 2 usage error (or a path with a tab or newline,\n"
	        "which a plan cannot hold; nothing is printed), 3 planned but some paths could\n"
	        "not be read (each is named on stderr and kept in the plan, so the shard\n"
	        "that gets it records the error as a single scan would).\n",
	        PLAN_SHARDS_MAX);
}

static int item_cmp(const void *a, const void *b)
{
	const struct plan_item *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->entry->path, y->entry->path);
}

static bool load_less(const struct plan_load *a, const struct plan_load *b)
{
	return a->bytes != b->bytes ? a->bytes < b->bytes : a->index < b->index;
}

/* Restores the heap after heap[0] grew. */
static void sift_down(struct plan_load *heap, size_t n)
{
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && load_less(&heap[l], &heap[m]))
			m = l;
		if (r < n && load_less(&heap[r], &heap[m]))
			m = r;
		if (m == i)
			return;
		struct plan_load t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/* Writes s with control characters shown, for messages and comments. */
static void put_visible(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\t')
			fputs("\\t", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
	}
}

/* cmd_plan, with the --exclude globs in *exclude (the caller's to release). */
static int plan_with(int argc, char **argv, struct path_exclude *exclude)
{
	static const struct option longopts[] = {
		{ "shards", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "files-from", required_argument, NULL, 'F' },
		{ "null", no_argument, NULL, '0' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long shards = 0;
	bool follow = false, null_list = false;
	const char *files_from = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'n':
			shards = strtoul(optarg, &end, 10);
			if (*end || end == optarg || *optarg == '-' || shards < 1 || shards > PLAN_SHARDS_MAX)
				return usage_error("plan", "--shards takes a number from 1 to %u, not '%s'",
				                   PLAN_SHARDS_MAX, optarg);
			break;
		case 'f': follow = true; break;
		case 'x':
			if (!path_exclude_glob_ok(optarg))
				return usage_error("plan", "--exclude takes a glob such as '*.png', '.git' or"
				                   " 'docs/drafts', not '%s'", optarg);
			if (path_exclude_add(exclude, optarg))
				return usage_error("plan", "out of memory");
			break;
		case 'F':
			if (files_from)
				return usage_error("plan", "--files-from can be given once");
			files_from = optarg;
			break;
		case '0': null_list = true; break;
		case 'h': plan_usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option("plan", c, argv);
		}
	}
	if (!shards)
		return usage_error("plan", "--shards N is required");
	if (optind >= argc && !files_from)
		return usage_error("plan", "no paths to plan (give files and folders)");
	if (null_list && !files_from)
		return usage_error("plan", "--null needs --files-from (the list it describes)");
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-"))
			return usage_error("plan", "standard input cannot be split into shards");

	struct walk_list files = {0};
	struct plan_item *items = NULL;
	struct plan_load *heap = NULL;
	uint64_t *shard_bytes = NULL;
	size_t *shard_files = NULL, *start = NULL, nitems = 0, unreadable = 0, skipped = 0, bad = 0;
	struct plan_item **order = NULL;
	int status = EXIT_USAGE;
	for (int i = optind; i < argc; i++)
		if (walk_add(&files, argv[i], follow, exclude)) {
			diag("out of memory listing sources");
			goto out;
		}
	if (files_from) {
		char err[4200];
		size_t listed;
		if (walk_add_list(&files, files_from, null_list, follow, exclude, &listed, err, sizeof(err))) {
			diag("%s", err);
			goto out;
		}
		if (!listed)
			diag("%s: the list names no paths", strcmp(files_from, "-") ? files_from : "standard input");
	}
	items = calloc(files.count ? files.count : 1, sizeof(*items));
	heap = calloc(shards, sizeof(*heap));
	shard_bytes = calloc(shards, sizeof(*shard_bytes));
	shard_files = calloc(shards, sizeof(*shard_files));
	start = calloc(shards + 1, sizeof(*start));
	order = calloc(files.count ? files.count : 1, sizeof(*order));
	if (!items || !heap || !shard_bytes || !shard_files || !start || !order) {
		diag("out of memory planning %zu sources", files.count);
		goto out;
	}
	for (size_t i = 0; i < files.count; i++) {
		const struct walk_entry *e = &files.items[i];
		if (e->skipped) {
			/* Listed as a comment: a plan line would be walked from the top
			 * by the shard, which follows a symbolic link that a folder walk
			 * does not. */
			skipped++;
			continue;
		}
		if (strpbrk(e->path, "\t\n")) {
			fputs("piiaudit: ", stderr);
			put_visible(stderr, e->path);
			fputs(": a path with a tab or newline cannot be written in a plan"
			      " (rename it, or scan it apart)\n", stderr);
			bad++;
			continue;
		}
		if (e->problem) {
			diag_source(e->path, NULL, e->problem);
			unreadable++;
		}
		items[nitems++] = (struct plan_item){
			.entry = e, .bytes = e->size > 0 ? (uint64_t)e->size : 0,
		};
	}
	if (bad) {
		diag("no plan written: %zu path%s with a tab or newline", bad, bad == 1 ? "" : "s");
		goto out;
	}
	qsort(items, nitems, sizeof(*items), item_cmp);
	for (unsigned k = 0; k < shards; k++)
		heap[k] = (struct plan_load){ .bytes = 0, .index = k };
	for (size_t i = 0; i < nitems; i++) {
		items[i].shard = heap[0].index;
		heap[0].bytes += items[i].bytes;
		sift_down(heap, shards);
		shard_bytes[items[i].shard] += items[i].bytes;
		shard_files[items[i].shard]++;
	}
	/* Grouped by shard, each shard's files in the order they were given
	 * out (largest first), which is also a good order for scan's workers. */
	for (unsigned k = 0; k < shards; k++)
		start[k + 1] = start[k] + shard_files[k];
	for (size_t i = 0; i < nitems; i++)
		order[start[items[i].shard]++] = &items[i];

	uint64_t total = 0;
	for (unsigned k = 0; k < shards; k++)
		total += shard_bytes[k];
	printf("# piiaudit plan v1 shards=%lu\n", shards);
	printf("# %zu sources, %llu bytes; per shard: sources, bytes\n", nitems,
	       (unsigned long long)total);
	for (unsigned k = 0; k < shards; k++)
		printf("# shard %u: %zu, %llu\n", k, shard_files[k], (unsigned long long)shard_bytes[k]);
	if (files.excluded) {
		printf("# not in the plan: %llu files and folders excluded (--exclude", (unsigned long long)files.excluded);
		for (size_t i = 0; i < exclude->count; i++) {
			fputs(i ? ", " : " ", stdout);
			put_visible(stdout, exclude->globs[i].text);
		}
		printf("); give scan the same --exclude for archive members\n");
	}
	if (skipped) {
		printf("# not in the plan (skipped, as scan skips them in folders):\n");
		for (size_t i = 0; i < files.count; i++) {
			const struct walk_entry *e = &files.items[i];
			if (!e->skipped)
				continue;
			fputs("#   ", stdout);
			put_visible(stdout, e->path);
			fputs(": ", stdout);
			put_visible(stdout, e->problem ? e->problem : "skipped");
			fputc('\n', stdout);
		}
	}
	for (size_t i = 0; i < nitems; i++)
		printf("%u\t%llu\t%s\n", order[i]->shard, (unsigned long long)order[i]->bytes,
		       order[i]->entry->path);
	if (fflush(stdout) || ferror(stdout)) {
		diag("standard output: write error");
		status = EXIT_UNREADABLE;
		goto out;
	}
	status = unreadable ? EXIT_UNREADABLE : EXIT_FINISHED;
out:
	free(order);
	free(start);
	free(shard_files);
	free(shard_bytes);
	free(heap);
	free(items);
	walk_release(&files);
	return status;
}

int cmd_plan(int argc, char **argv)
{
	struct path_exclude exclude = { 0 };
	int status = plan_with(argc, argv, &exclude);
	path_exclude_release(&exclude);
	return status;
}
