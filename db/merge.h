/*
 * db/merge.h - shard databases merged into one run, in SQL.
 *
 * A shard database holds the runs of `piiaudit scan --plan FILE --shard K`
 * or `--shard K/N`.  Merging is four steps, each its own call:
 *
 *  1. db_merge_read() lists the shard runs a database offers, writing
 *     nothing;
 *  2. db_merge_mismatch() and db_merge_choose() check that the runs belong
 *     together (same shard count, plan, fingerprint key, rules,
 *     --store-values) and pick one run per shard number;
 *  3. db_merge_find_run() or db_merge_new_run() give the merged run in the
 *     output store;
 *  4. db_merge_copy() copies one shard run into it: the shard database is
 *     ATTACHed and its rules, sources and findings are copied with
 *     INSERT ... SELECT, the source ids (and parent ids) moved past the ids
 *     already in the output, in one transaction per shard.  Memory does not
 *     grow with the shard, and a copy that fails leaves nothing behind.
 *     db_merge_mark() records a shard that is missing or failed, and
 *     db_merge_finish() closes the run: ok, errors, or incomplete.
 *
 * A merged run is a runs row with kind 'scan', shard_count N and no
 * shard_index.  Its table run_shards has one row per shard number: which
 * shard run went into it (database path, run uuid, key id), or that the
 * shard is missing or failed.  The same shard run (same uuid) is never
 * copied twice into one merged run: db_merge_copy() skips it.
 *
 * The caller owns the lists and the store.  Errors: -1 with a message in
 * the caller's err buffer naming the database.  Nothing prints or exits.
 */
#ifndef PIIAUDIT_DB_MERGE_H
#define PIIAUDIT_DB_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

#define DB_UUID_CHARS 37        /* 36 and a NUL */

/* A shard run found in a shard database.  Strings are owned by the list;
 * plan_digest, label and ended_at may be NULL. */
struct merge_shard {
	char *db_path;          /* as given */
	int64_t run_id;         /* in that database */
	char *uuid, *status, *key_id, *rules_digest, *plan_digest;
	char *tool_version, *label, *started_at, *ended_at;
	unsigned index, count;  /* shard index of count */
	bool store_values;
	char *settings;         /* runs.settings; NULL: made before they were recorded */
	int64_t findings;       /* rows of the run in findings */
};

struct merge_shard_list {
	struct merge_shard *items;
	size_t count, alloc;
};

/* Reads the database at path (read only) and appends its shard runs to
 * list: those of the plan (shard count and plan digest) of its newest
 * shard run and, for each shard number, the newest run that finished, or
 * else the newest run.  -1 when it is not a piiaudit database, is newer
 * than this piiaudit, or holds runs but no shard run; 1 (with the reason
 * in err) when it holds nothing at all: missing, empty, or made by a shard
 * that was stopped before its run began, which the caller may pass over. */
int db_merge_read(struct merge_shard_list *list, const char *path, char *err, size_t errlen);
void merge_shard_list_release(struct merge_shard_list *list);

/* Whether the run finished (status ok or errors): only those are merged. */
bool merge_shard_finished(const struct merge_shard *s);

/* What makes b impossible to merge with a, as a short noun ("shard
 * count", "plan", "fingerprint key", "rules", "--store-values"), or NULL
 * when they can be merged.  Their settings (db/settings.h) are the
 * caller's to compare. */
const char *db_merge_mismatch(const struct merge_shard *a, const struct merge_shard *b);

/* For each shard number k < n, chosen[k] gets the position in list of the
 * run to merge for it, or -1 when no database holds shard k: a finished
 * run before one that did not finish, then the newer (ended, then
 * started), then the later in the list. */
void db_merge_choose(const struct merge_shard_list *list, unsigned n, long *chosen);

/* The state of shard k in a merged run, from its run_shards row. */
struct merge_state {
	char status[16];        /* merged | failed | missing, or "" without a row */
	char uuid[DB_UUID_CHARS];  /* the shard run's uuid, or "" */
};

/* The newest merged run in s that shards like `like` may go into (same
 * shard count, plan, key, rules, --store-values): *run_id, or 0. */
int db_merge_find_run(struct db_store *s, const struct merge_shard *like, int64_t *run_id,
                      char *err, size_t errlen);

/* A new merged run with the identity of `like`, the merge's command line
 * and label; status 'running' until db_merge_finish(). */
int db_merge_new_run(struct db_store *s, const struct merge_shard *like, const char *argv_json,
                     const char *tool_version, const char *label, int64_t *run_id, char *err,
                     size_t errlen);

int db_merge_state(struct db_store *s, int64_t run_id, unsigned k, struct merge_state *state,
                   char *err, size_t errlen);

/* What db_merge_copy() copied. */
struct merge_counts {
	int64_t sources, findings;
	bool skipped;           /* the run was already merged: nothing copied */
};

/* Copies the shard run into the merged run, as described above, and marks
 * shard->index merged.  The output store must not be written by another
 * thread meanwhile. */
int db_merge_copy(struct db_store *s, int64_t run_id, const struct merge_shard *shard,
                  struct merge_counts *copied, char *err, size_t errlen);

/* Keeping the findings indexes up to date row by row costs about twice as
 * much as building them again once the rows copied outnumber the rows
 * already there.  db_merge_defer_indexes() drops them when `incoming`
 * findings (at least 50000) outnumber those in the store, recording their
 * CREATE statements in meta in the same transaction, and says so in
 * *deferred; db_merge_restore_indexes() builds the indexes so recorded
 * (none, cheaply, when nothing was deferred).  A merge that dies in between
 * leaves a store that is complete but slow to query, until the next merge
 * into it, which calls db_merge_restore_indexes() first. */
int db_merge_defer_indexes(struct db_store *s, int64_t incoming, bool *deferred, char *err,
                           size_t errlen);
int db_merge_restore_indexes(struct db_store *s, char *err, size_t errlen);

/* Records shard k as "missing" (shard NULL) or "failed" (the run that did
 * not finish), unless it is already merged. */
int db_merge_mark(struct db_store *s, int64_t run_id, unsigned k, const struct merge_shard *shard,
                  char *err, size_t errlen);

/* Closes the merged run: its status ("incomplete" while a shard number is
 * not merged, else "errors" when a source could not be read, else "ok"),
 * written to status; its start and end (of the shards merged) and its
 * counts. */
int db_merge_finish(struct db_store *s, int64_t run_id, char status[16], char *err, size_t errlen);

#endif
