/*
 * db/store.h - the audit database: runs, sources, findings, rules.
 *
 * A struct db_store owns one SQLite connection and its prepared
 * statements.  Every call takes an internal lock, so scan workers share one
 * store and SQLite sees a single writer.  Findings are written in batches,
 * each in one transaction together with the state of their source: a
 * source marked 'ok' always has all its findings, and a crash loses at most
 * the sources in flight (their rows stay 'scanning').
 *
 * Errors: -1, with the message from db_error() (valid until the next call
 * on the same store from the same thread).  Nothing prints or exits.
 */
#ifndef PIIAUDIT_DB_STORE_H
#define PIIAUDIT_DB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/key.h"

#define DB_PREVIEW_MAX 96

struct db_store;

struct db_run {
	const char *kind;           /* "scan" or "probe" */
	const char *argv_json;      /* the command line as a JSON array */
	const char *tool_version;
	const char *rules_digest;
	const char *key_id;
	const char *label;          /* or NULL */
	int shard_index, shard_count;   /* shard_count 0: not a shard */
	const char *plan_digest;        /* or NULL */
	bool store_values;
	/* The options that decide what is read and recorded, as a JSON array
	 * of option strings (audit/cmd_scan.c's scan_settings()), or NULL. */
	const char *settings;
	/* The SHA-256 of what the run was asked to read (the paths named,
	 * --plan, --shard), in hex, or NULL. */
	const char *inputs;
};

struct db_source {
	int64_t id;                 /* 0 until written */
	int64_t run_id;
	int64_t parent_id;          /* 0: none */
	const char *path;           /* borrowed */
	const char *member;         /* borrowed, NULL for a file itself */
	const char *kind;           /* file | archive | member | stdin */
	const char *format;         /* or NULL */
	int64_t size;               /* -1: unknown */
	uint64_t bytes_scanned;
	uint64_t findings;
	const char *status;         /* scanning | ok | error | skipped */
	const char *error;          /* or NULL */
	int64_t records;            /* -1: not read as records */
	int64_t invalid_records;
	const char *note;           /* or NULL */
	const char *sha256;         /* top-level input's content hash, hex, or NULL */
};

struct db_finding {
	const char *rule;           /* borrowed from the ruleset */
	const char *category;
	int64_t record;             /* 0: not in field mode */
	const char *field;          /* borrowed, or NULL */
	uint64_t line, offset, length;
	double confidence;
	bool placeholder;
	char preview[DB_PREVIEW_MAX];
	char fingerprint[DB_FINGERPRINT_HEX];
	char *value;                /* owned by the batch's owner; NULL unless storing values */
	const char *brand;          /* credit_card: the card brand (static), else NULL */
};

/* Opens (and with create, creates with mode 0600) the database at path and
 * brings its schema to the current version.  Without create, a database
 * this process cannot write (or whose folder it cannot add the -wal and
 * -shm files to) is opened read-only: writes then fail, and one made by an
 * older piiaudit is refused, since upgrading it writes.  On failure *out
 * is NULL and the message is in err. */
int db_open(struct db_store **out, const char *path, bool create, char *err, size_t errlen);
void db_close(struct db_store *s);
/* A URI (malloc'd; NULL when out of memory) to open or ATTACH path
 * read-only on a connection db_open() made: immutable when this process
 * cannot write the file or make its -wal and -shm files, and no WAL holds
 * changes, since SQLite could not read it otherwise; else plainly
 * read-only, so that not even a checkpoint is written. */
char *db_read_uri(const char *path);
/* How long a write waits for another writer's lock before it fails with
 * "database is locked" (default 30 s; 0: not at all).  cancel (may be
 * NULL; borrowed for the store's life): once *cancel is non-zero a wait
 * lasts at most a second more (a stopped scan), then fails the same way. */
void db_set_wait(struct db_store *s, unsigned seconds, const volatile int *cancel);
const char *db_error(struct db_store *s);
/* The raw connection, for read-only queries by the front end (export,
 * reports).  Not to be used while other threads write. */
struct sqlite3 *db_handle(struct db_store *s);

int db_run_begin(struct db_store *s, const struct db_run *run, int64_t *run_id);
int db_run_rule(struct db_store *s, int64_t run_id, const char *id, const char *category,
                const char *description, const char *validator, double confidence,
                const char *tags, const char *pack);
int db_run_end(struct db_store *s, int64_t run_id, const char *status);

/* Writes a source row now (id set on return): containers, and sources
 * whose state must be visible before their first findings. */
int db_source_insert(struct db_store *s, struct db_source *src);

/* The source row (inserted when src->id is 0, updated otherwise) and the
 * batch of findings, which all belong to it: all of them or none.  One
 * transaction of its own, or, while grouping, part of the group's
 * transaction (a failure then rolls back the whole group). */
int db_source_commit(struct db_store *s, struct db_source *src,
                     const struct db_finding *batch, size_t count);

/*
 * Grouping: while it is on, db_source_commit() calls share transactions, a
 * few hundred sources or a second each, so that a tar of a
 * million small members does not pay a commit per member.  A crash loses
 * the open group, whose sources --resume then reads again, as it does the
 * source in flight.  While grouping, nothing else may begin a transaction
 * on this store, and another connection to the database waits for the
 * group: db_group_commit() first.  Turning it off commits the open group.
 * db_group_tick() commits a group that is old enough; call it often (once
 * a window).  Each returns -1 when a commit failed: the group's sources
 * are then not in the database, and db_error() says why.  A source write
 * that fails while grouping (db_source_commit(), db_source_insert()) rolls
 * the group back the same way, and every source write after it fails too
 * until grouping is turned off: the sources of the lost group must not be
 * written on without their rows.
 */
int db_grouping(struct db_store *s, bool on);

/*
 * The fingerprint index while a run is written.  Each finding's
 * fingerprint lands at a random place in it: 18 % of a scan's CPU, and at
 * tens of millions of findings a page read per insert.  When the database
 * holds no other run's findings, db_fingerprint_index_defer() drops it
 * (*deferred: true) and db_fingerprint_index_build() builds it at the end
 * with one sort.  Until then queries by fingerprint still work, by reading
 * the table; a scan killed meanwhile leaves it unbuilt until the next scan
 * into the database (--resume or a new run) finds it missing, defers it
 * too and builds it.  When the database holds other runs' findings the
 * index is kept while the run is small, and dropped by a group commit
 * once rebuilding it costs less than keeping it (a run of dense findings
 * into a database not many times its size): db_fingerprint_index_dropped()
 * then says so, and it is built at the end the same way.  Both -1 on a
 * database error (the store's error).
 */
int db_fingerprint_index_defer(struct db_store *s, int64_t run_id, bool *deferred);
bool db_fingerprint_index_dropped(struct db_store *s);
int db_fingerprint_index_build(struct db_store *s);
int db_group_tick(struct db_store *s);
int db_group_commit(struct db_store *s);

/* Temporary tables and sorts in memory, not in temporary files: for a
 * database that holds raw values (db_open does it for one that already
 * does).  Outside a transaction. */
int db_temp_in_memory(struct db_store *s);

/* An explicit transaction around several calls (not db_source_commit,
 * which makes its own): all of them or none.  db_commit rolls back when
 * it fails; db_rollback keeps the error message of the failure. */
int db_begin(struct db_store *s);
int db_commit(struct db_store *s);
void db_rollback(struct db_store *s);

/* Resuming a run that did not finish (status 'running', 'interrupted', or
 * 'failed': the database could not be written, e.g. the disk was full):
 * the newest such run of this kind, with what it was made with.  id is 0
 * when there is none.  The caller frees settings (NULL for a run made
 * before piiaudit recorded them).  0, or -1 on error. */
struct db_unfinished_run {
	int64_t id;
	char rules_digest[65];
	char key_id[17];
	bool store_values;
	char *settings;
	char inputs[65];            /* "": not recorded (a run of an older version) */
};
int db_run_unfinished(struct db_store *s, const char *kind, struct db_unfinished_run *out);

/* Marks the run running again, and deletes its top-level sources that did
 * not complete, with everything under them and their findings, so they
 * can be read again.  Returns the number of sources dropped, -1 on error. */
int64_t db_run_reopen(struct db_store *s, int64_t run_id);

/* Whether the run has a completed top-level source for path: 1 yes, 0 no,
 * -1 on error. */
int db_source_completed(struct db_store *s, int64_t run_id, const char *path);

/* The newest run's id, or 0 when there is none; -1 on error. */
int64_t db_latest_run(struct db_store *s);

/* The value the run's command line (runs.argv) gave the long option
 * --NAME: "--NAME VALUE", "--NAME=VALUE" or a prefix getopt_long takes for
 * it (at least min_prefix characters of NAME), the last one given.  Sets
 * out (cap bytes) and returns 1, 0 when the command line does not give it,
 * -1 on a database error (db_error()). */
int db_run_option(struct db_store *s, int64_t run_id, const char *name, size_t min_prefix,
                  char *out, size_t cap);

#endif
