/*
 * audit/cmd_merge.c - piiaudit merge: shard databases into one run.
 *
 * Reads every shard database first and refuses, before the output is
 * touched, shards that cannot belong together (another fingerprint key,
 * other rules, another plan or shard count).  Then picks one run per shard
 * number, finds or makes the merged run in the output, and copies each
 * shard run into it in its own transaction (db/merge.h).  Shards that are
 * missing, or whose run did not finish, are named by number on stderr and
 * the merged run is 'incomplete' (exit 3); rerunning them and merging again
 * adds them to the same merged run, and shard runs already in it are
 * skipped, so a merge can be repeated safely.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/cli.h"
#include "db/merge.h"
#include "db/settings.h"
#include "scanners/shard.h"

struct merge_options {
	const char *db_path;
	const char *plan_path;
	const char *label;
	bool new_run;
	bool quiet;
};

static void merge_usage(FILE *out)
{
	fprintf(out,
	        "usage: piiaudit merge --db OUT [options] SHARD.db...\n"
	        "\n"
	        "Combine the databases of a sharded scan ('piiaudit scan --plan FILE --shard K'\n"
	        "or '--shard K/N') into one run of OUT, as if the corpus had been scanned in\n"
	        "one run: every source and finding copied once, source ids remapped.  All\n"
	        "shards must share the shard count, the plan, the fingerprint key and the\n"
	        "rules.  For each shard number the newest run that finished is merged.\n"
	        "A shard that is missing or did not finish is named on stderr and the merged\n"
	        "run is 'incomplete': rerun that shard and merge again, which adds it to the\n"
	        "same run.  A shard run already in the merged run is skipped.\n"
	        "\n"
	        "options:\n"
	        "  --db FILE          the output database, created 0600 when missing (required)\n"
	        "  --plan FILE        check that every shard was scanned from this plan\n"
	        "  --label TEXT       the merged run's label (default: the shards' label, when\n"
	        "                     they all have the same)\n"
	        "  --new-run          always make a new merged run, rather than adding to the\n"
	        "                     newest merged run of the same shards in OUT\n"
	        "  -q, --quiet        no line per shard and no summary; problems only\n"
	        "  -h, --help         this help\n"
	        "\n"
	        "Exit status: 0 every shard merged and every source read, 2 usage error or\n"
	        "shards that cannot be merged (nothing written), 3 merged but incomplete (a\n"
	        "shard missing or failed) or some sources could not be read.\n");
}

static int parse_merge_options(int argc, char **argv, struct merge_options *o)
{
	enum { OPT_DB = 256, OPT_PLAN, OPT_LABEL, OPT_NEW_RUN };
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "plan", required_argument, NULL, OPT_PLAN },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "new-run", no_argument, NULL, OPT_NEW_RUN },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: o->db_path = optarg; break;
		case OPT_PLAN: o->plan_path = optarg; break;
		case OPT_LABEL: o->label = optarg; break;
		case OPT_NEW_RUN: o->new_run = true; break;
		case 'q': o->quiet = true; break;
		case 'h': merge_usage(stdout); return EXIT_FINISHED;
		default: return usage_bad_option("merge", c, argv);
		}
	}
	if (!o->db_path)
		return usage_error("merge", "--db OUT is required (the merged database)");
	if (optind >= argc)
		return usage_error("merge", "no shard databases to merge");
	return -1;
}

static bool same_file(const struct stat *a, const char *path)
{
	struct stat b;
	return !stat(path, &b) && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* Whether shard i was scanned with the options of the first shard before
 * it that recorded them (one made by an older piiaudit has none to
 * compare); says so when not. */
static bool same_settings(const struct merge_shard_list *list, size_t i)
{
	const struct merge_shard *b = &list->items[i], *with = NULL;
	char differs[1024], with_only[300], b_only[300];
	for (size_t j = 0; j < i && !with && b->settings; j++)
		if (list->items[j].settings)
			with = &list->items[j];
	if (!with)
		return true;
	snprintf(with_only, sizeof(with_only), "in %s only", with->db_path);
	snprintf(b_only, sizeof(b_only), "in %s only", b->db_path);
	if (db_settings_same(with->settings, b->settings, with_only, b_only, differs, sizeof(differs)))
		return true;
	diag("%s: scanned with other options than %s (%s): every shard must be scanned with the "
	     "same options", b->db_path, with->db_path, differs);
	return false;
}

/* Refuses shards that cannot make one run; names both files. */
static int check_shards(const struct merge_shard_list *list, const struct merge_options *o)
{
	const struct merge_shard *a = &list->items[0];
	for (size_t i = 1; i < list->count; i++) {
		const struct merge_shard *b = &list->items[i];
		const char *what = db_merge_mismatch(a, b);
		if (!what) {
			if (!same_settings(list, i))
				return -1;
			continue;
		}
		if (!strcmp(what, "fingerprint key"))
			diag("%s: fingerprint key %s differs from key %s of %s: every shard must be "
			     "scanned with the same key file (--key or PIIAUDIT_KEY_FILE)",
			     b->db_path, b->key_id, a->key_id, a->db_path);
		else if (!strcmp(what, "shard count"))
			diag("%s: shard %u of %u, but %s is a shard of %u: not the same split",
			     b->db_path, b->index, b->count, a->db_path, a->count);
		else if (!strcmp(what, "plan"))
			diag("%s: scanned from %s%.12s, but %s from %s%.12s", b->db_path,
			     b->plan_digest ? "plan " : "no plan (--shard K/N)",
			     b->plan_digest ? b->plan_digest : "", a->db_path,
			     a->plan_digest ? "plan " : "no plan (--shard K/N)",
			     a->plan_digest ? a->plan_digest : "");
		else if (!strcmp(what, "rules"))
			diag("%s: rules %.12s differ from rules %.12s of %s: every shard must run the "
			     "same rule packs and options", b->db_path, b->rules_digest, a->rules_digest,
			     a->db_path);
		else
			diag("%s: made %s --store-values, but %s %s", b->db_path,
			     b->store_values ? "with" : "without", a->db_path,
			     a->store_values ? "with" : "without");
		return -1;
	}
	if (o->plan_path) {
		struct walk_list ignored = {0};
		char digest[65], err[1024];
		unsigned n;
		int rc = shard_plan_load(o->plan_path, 0, &ignored, &n, digest, err, sizeof(err));
		walk_release(&ignored);
		if (rc) {
			diag("%s", err);
			return -1;
		}
		if (n != a->count || !a->plan_digest || strcmp(digest, a->plan_digest)) {
			diag("%s: shard %u was not scanned from %s (plan %.12s, not %.12s)", a->db_path,
			     a->index, o->plan_path, a->plan_digest ? a->plan_digest : "(none)", digest);
			return -1;
		}
	}
	return 0;
}

/* Notes on the runs found but not merged: the same run twice, or a run
 * another database has a better one for. */
static void note_unchosen(const struct merge_shard_list *list, const long *chosen)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct merge_shard *s = &list->items[i];
		long c = chosen[s->index];
		if (c == (long)i)
			continue;
		const struct merge_shard *w = &list->items[c];
		if (!strcmp(s->uuid, w->uuid))
			diag("%s: shard %u: the same run as in %s: merged once", s->db_path, s->index,
			     w->db_path);
		else
			diag("%s: shard %u: run %s (%s) not merged: %s has a %s run", s->db_path, s->index,
			     s->uuid, s->status, w->db_path,
			     merge_shard_finished(w) && !merge_shard_finished(s) ? "finished" : "newer");
	}
}

/* The label the shards agree on, or NULL. */
static const char *common_label(const struct merge_shard_list *list)
{
	const char *label = list->items[0].label;
	for (size_t i = 1; i < list->count && label; i++)
		if (!list->items[i].label || strcmp(list->items[i].label, label))
			return NULL;
	return label;
}

static const char *common_version(const struct merge_shard_list *list)
{
	const char *v = list->items[0].tool_version;
	for (size_t i = 1; i < list->count; i++)
		if (strcmp(list->items[i].tool_version, v)) {
			diag("warning: the shards were scanned by different piiaudit versions (%s in %s, "
			     "%s in %s)", v, list->items[0].db_path, list->items[i].tool_version,
			     list->items[i].db_path);
			return PIIAUDIT_VERSION;
		}
	return v;
}

/* Whether the chosen runs can go into merged run `run`: none of the
 * finished ones (those that would be copied) has a shard number merged
 * there from another run. */
static int fits_run(struct db_store *db, int64_t run, const struct merge_shard_list *list,
                    const long *chosen, unsigned n, bool *fits, char *err, size_t errlen)
{
	*fits = true;
	for (unsigned k = 0; k < n; k++) {
		struct merge_state st;
		if (chosen[k] < 0 || !merge_shard_finished(&list->items[chosen[k]]))
			continue;
		if (db_merge_state(db, run, k, &st, err, errlen))
			return -1;
		if (!strcmp(st.status, "merged") && strcmp(st.uuid, list->items[chosen[k]].uuid)) {
			*fits = false;
			return 0;
		}
	}
	return 0;
}

/* "0, 2, 5" into buf from the shard numbers not merged. */
static void append_number(char *buf, size_t cap, size_t *used, unsigned k)
{
	if (*used >= cap)
		return;
	int n = snprintf(buf + *used, cap - *used, "%s%u", *used ? ", " : "", k);
	if (n < 0 || (size_t)n >= cap - *used) {
		snprintf(buf + (cap > 5 ? cap - 5 : 0), cap > 5 ? 5 : cap, "...");
		*used = cap;
		return;
	}
	*used += (size_t)n;
}

int cmd_merge(int argc, char **argv)
{
	struct merge_options o = {0};
	struct merge_shard_list list = {0};
	struct db_store *db = NULL;
	long *chosen = NULL;
	bool deferred = false;
	char err[2048];
	int status = parse_merge_options(argc, argv, &o);
	if (status >= 0)
		return status;
	status = EXIT_USAGE;

	struct stat out_st;
	bool out_exists = !stat(o.db_path, &out_st);
	for (int i = optind; i < argc; i++) {
		if (out_exists && same_file(&out_st, argv[i])) {
			diag("%s: is the output (--db): merge shards into another database", argv[i]);
			goto out;
		}
		int rc = db_merge_read(&list, argv[i], err, sizeof(err));
		if (rc > 0) {
			/* Its shard number is unknown: it is reported missing below. */
			diag("%s: ignored", err);
		} else if (rc) {
			diag("%s", err);
			goto out;
		}
	}
	if (!list.count) {
		diag("no shard run in the databases given: nothing to merge");
		goto out;
	}
	if (check_shards(&list, &o))
		goto out;
	const struct merge_shard *like = &list.items[0];
	unsigned n = like->count;
	chosen = calloc(n, sizeof(*chosen));
	if (!chosen) {
		diag("out of memory");
		goto out;
	}
	db_merge_choose(&list, n, chosen);
	note_unchosen(&list, chosen);

	if (db_open(&db, o.db_path, true, err, sizeof(err))) {
		diag("%s", err);
		goto out;
	}
	/* Indexes a merge that died left out are built first. */
	if (db_merge_restore_indexes(db, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	int64_t run = 0;
	bool fits = false;
	if (!o.new_run && db_merge_find_run(db, like, &run, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	if (run && fits_run(db, run, &list, chosen, n, &fits, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}
	if (run && !fits) {
		if (!o.quiet)
			diag("%s: run %lld already holds other runs of these shards: merging into a new run",
			     o.db_path, (long long)run);
		run = 0;
	}
	bool created = !run;
	if (created) {
		char *argv_json = json_argv(argc + 1, argv - 1);
		int rc = db_merge_new_run(db, like, argv_json ? argv_json : "[]", common_version(&list),
		                          o.label ? o.label : common_label(&list), &run, err, sizeof(err));
		free(argv_json);
		if (rc) {
			diag("%s: %s", o.db_path, err);
			goto out;
		}
	} else if (!o.quiet) {
		diag("%s: adding to merged run %lld", o.db_path, (long long)run);
	}

	/* The findings this merge will copy: shards already in the run aside. */
	int64_t incoming = 0;
	for (unsigned k = 0; k < n; k++) {
		struct merge_state st;
		if (chosen[k] < 0 || !merge_shard_finished(&list.items[chosen[k]]))
			continue;
		if (!created && db_merge_state(db, run, k, &st, err, sizeof(err))) {
			diag("%s: %s", o.db_path, err);
			goto out;
		}
		if (created || strcmp(st.uuid, list.items[chosen[k]].uuid))
			incoming += list.items[chosen[k]].findings;
	}
	if (db_merge_defer_indexes(db, incoming, &deferred, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		goto out;
	}

	status = EXIT_FINISHED;
	int64_t sources = 0, findings = 0;
	size_t added = 0;
	for (unsigned k = 0; k < n; k++) {
		if (chosen[k] < 0) {
			if (db_merge_mark(db, run, k, NULL, err, sizeof(err))) {
				diag("%s: %s", o.db_path, err);
				status = EXIT_UNREADABLE;
			}
			continue;
		}
		const struct merge_shard *s = &list.items[chosen[k]];
		if (!merge_shard_finished(s)) {
			struct merge_state st;
			if (db_merge_state(db, run, k, &st, err, sizeof(err)) ||
			    (strcmp(st.status, "merged") && db_merge_mark(db, run, k, s, err, sizeof(err)))) {
				diag("%s: %s", o.db_path, err);
				status = EXIT_UNREADABLE;
			} else if (!strcmp(st.status, "merged") && !o.quiet) {
				diag("%s: shard %u of %u: run %s is '%s'; run %lld keeps the one it has",
				     s->db_path, k, n, s->uuid, s->status, (long long)run);
			}
			continue;
		}
		struct merge_counts copied;
		if (db_merge_copy(db, run, s, &copied, err, sizeof(err))) {
			diag("%s: shard %u not merged: %s", o.db_path, k, err);
			status = EXIT_UNREADABLE;
			continue;
		}
		if (copied.skipped) {
			if (!o.quiet)
				diag("%s: shard %u of %u: run %s is already in run %lld: skipped", s->db_path,
				     k, n, s->uuid, (long long)run);
			continue;
		}
		sources += copied.sources;
		findings += copied.findings;
		added++;
		if (!o.quiet)
			diag("%s: shard %u of %u: %lld sources, %lld findings%s", s->db_path, k, n,
			     (long long)copied.sources, (long long)copied.findings,
			     strcmp(s->status, "ok") ? " (some sources could not be read)" : "");
	}

	if (deferred) {
		deferred = false;
		if (db_merge_restore_indexes(db, err, sizeof(err))) {
			diag("%s: %s", o.db_path, err);
			status = EXIT_UNREADABLE;
			goto out;
		}
	}
	char run_status[16];
	if (db_merge_finish(db, run, run_status, err, sizeof(err))) {
		diag("%s: %s", o.db_path, err);
		status = EXIT_UNREADABLE;
		goto out;
	}
	/* Every shard number that is not in the run, named, whatever -q says:
	 * they are what the user has to rerun. */
	char missing[512] = "";
	size_t used = 0, not_merged = 0;
	for (unsigned k = 0; k < n; k++) {
		struct merge_state st;
		if (db_merge_state(db, run, k, &st, err, sizeof(err))) {
			diag("%s: %s", o.db_path, err);
			status = EXIT_UNREADABLE;
			goto out;
		}
		if (!strcmp(st.status, "merged"))
			continue;
		not_merged++;
		append_number(missing, sizeof(missing), &used, k);
		const struct merge_shard *s = chosen[k] < 0 ? NULL : &list.items[chosen[k]];
		if (!s)
			diag("shard %u of %u: missing (no database given holds it)", k, n);
		else if (merge_shard_finished(s))
			diag("%s: shard %u of %u: not merged (the copy failed, see above)", s->db_path, k, n);
		else
			diag("%s: shard %u of %u: run %s is '%s', not finished: not merged", s->db_path, k,
			     n, s->uuid, s->status);
	}
	if (not_merged)
		diag("%s: run %lld is incomplete: %zu of %u shards not merged (%s); rerun %s and merge "
		     "again", o.db_path, (long long)run, not_merged, n, missing,
		     not_merged == 1 ? "it" : "them");
	else if (!o.quiet && !added)
		diag("%s: run %lld: every shard was already merged, status %s", o.db_path,
		     (long long)run, run_status);
	else if (!o.quiet)
		diag("%s: run %lld: %u shards, %lld sources and %lld findings merged, status %s",
		     o.db_path, (long long)run, n, (long long)sources, (long long)findings, run_status);
	if (strcmp(run_status, "ok"))
		status = EXIT_UNREADABLE;
out:
	if (deferred && db_merge_restore_indexes(db, err, sizeof(err)))
		diag("%s: %s (the next merge into it builds them again)", o.db_path, err);
	free(chosen);
	db_close(db);
	merge_shard_list_release(&list);
	return status;
}
