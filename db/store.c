/*
 * db/store.c - the SQLite side of the audit database.
 *
 * Owns the connection, the prepared statements and the lock around them.
 * The file is created 0600 before SQLite opens it, so the database and its
 * WAL never exist with wider permissions.  A database this process cannot
 * write (another user's, a read-only mount, a folder it cannot add the
 * WAL's files to) is opened read-only for the commands that only read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "db/checkpointer.h"
#include "db/schema.h"
#include "db/store.h"
#include "db/uri.h"

/* Findings go in FINDING_ROWS at a time, the rest of a batch in
 * statements of 16, 8, 4, 2 and 1 rows (ST_FINDINGS + k holds 1 << k rows,
 * made by findings_insert_sql()): a statement's bind, step and reset cost
 * as much as SQLite's own work on a row, and a small file's few findings
 * went in one statement each (20,000 files of 10 KB, 6 findings each). */
#define FINDING_SIZES 6
#define FINDING_ROWS (1 << (FINDING_SIZES - 1))

enum {
	ST_SOURCE_INSERT, ST_SOURCE_UPDATE, ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_FINDINGS,
	ST_COUNT = ST_FINDINGS + FINDING_SIZES
};

#define FINDING_COLUMNS 15
#define FINDINGS_HEAD \
	"INSERT INTO findings(run_id, source_id, rule, category, record, field, line, offset," \
	" length, confidence, placeholder, preview, fingerprint, value, brand) VALUES "
static const char statement_sql_findings_head[] = FINDINGS_HEAD;

static const char *const statement_sql[ST_COUNT] = {
	[ST_SOURCE_INSERT] =
		"INSERT INTO sources(run_id, parent_id, path, member, kind, format, size,"
		" bytes_scanned, status, error, findings, records, invalid_records, note, sha256)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[ST_SOURCE_UPDATE] =
		"UPDATE sources SET bytes_scanned = ?, status = ?, error = ?, findings = ?,"
		" format = coalesce(?, format), size = coalesce(?, size), records = ?,"
		" invalid_records = ?, note = ?, sha256 = coalesce(?, sha256) WHERE id = ?",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

/* ST_FINDINGS + k: rows rows of FINDING_COLUMNS parameters. */
static void findings_insert_sql(char *out, size_t cap, int rows)
{
	size_t at = (size_t)snprintf(out, cap, "INSERT OR FAIL%s", statement_sql_findings_head + 6);
	for (int row = 0; row < rows && at < cap; row++)
		at += (size_t)snprintf(out + at, cap - at, "%s(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		                       row ? "," : "");
}

/* A group's limits: sources, findings, age.  Every commit writes the
 * index pages it dirtied to the WAL again, and fingerprints land all over
 * their index: a second's group took 0.15-0.2 s CPU (5 %) off 200 MB with
 * 122,745 findings against a quarter of a second's (tests/bench). */
#define GROUP_SOURCES 512
#define GROUP_FINDINGS 65536
#define GROUP_MS 1000

struct db_store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	pthread_mutex_t lock;
	char error[1024];
	/* Opened read-only (db_open()): a schema that needs upgrading is an
	 * error instead of a write. */
	bool readonly;
	/* Grouping (db_grouping()).  group_failed: a write or commit of a
	 * group failed and the group was rolled back; source writes are
	 * refused until grouping ends (group_source_commit() says why). */
	bool grouping, in_group, group_failed;
	size_t group_sources, group_findings;
	struct timespec group_began;
	/* A run into a database that holds others' findings keeps the
	 * fingerprint index while it is written, until it is big enough that
	 * rebuilding is cheaper (index_watch(); db_fingerprint_index_defer()). */
	bool index_watched, index_dropped;
	uint64_t index_others, index_written;
	/* While a scan writes (db_grouping() on, until the close): WAL
	 * checkpoints beside it; NULL otherwise.  path: the database's, for
	 * its connection. */
	struct checkpointer *checkpointer;
	char *path;
	/* db_set_wait(): how long a write waits for a lock, and the flag
	 * that cuts the wait short; busy_wait()'s state, under the
	 * connection's mutex. */
	int wait_ms, waited_at_cancel;
	const volatile int *cancel;
};

static int fail(struct db_store *s, const char *what)
{
	snprintf(s->error, sizeof(s->error), "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

const char *db_error(struct db_store *s)
{
	return s->error;
}

struct sqlite3 *db_handle(struct db_store *s)
{
	return s->db;
}

static void now_utc(char *out, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int exec(struct db_store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->error, sizeof(s->error), "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* A database made by an older piiaudit is brought up to date on open,
 * which writes it; opened read-only, that is refused. */
static int needs_upgrade(struct db_store *s)
{
	snprintf(s->error, sizeof(s->error),
	         "made by an older piiaudit and read-only here: it must be upgraded, which writes it"
	         " (run piiaudit once where it can be written, or on a copy)");
	return -1;
}

/* Columns added to existing tables after schema version 1 was first
 * released: a database made before them gets them here, once (the
 * check is by PRAGMA table_info, so this is idempotent).  A table the
 * database does not have yet is left alone: its creation brings them.
 * A database opened read only can go without the columns marked
 * write_only: what reads them (runs, merge's shards) does without. */
static const struct added_column {
	const char *table, *column, *decl;
	bool write_only;
} added_columns[] = {
	{ "sources", "sha256", "TEXT", false },
	{ "findings", "brand", "TEXT", false },
	{ "redaction_counts", "found", "INTEGER", false },      /* report: before and after */
	{ "redaction_counts", "remaining", "INTEGER", false },
	{ "runs", "settings", "TEXT", true },           /* scan --resume and merge compare it */
	{ "runs", "inputs", "TEXT", true },             /* scan --resume compares it */
};

/* *missing: whether c's table exists without c's column. */
static int column_missing(struct db_store *s, const struct added_column *c, bool *missing)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT (SELECT count(*) FROM pragma_table_info(?1)),"
	                       " (SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2)",
	                       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "cannot read the schema");
	sqlite3_bind_text(st, 1, c->table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->column, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*missing = rc == SQLITE_ROW && sqlite3_column_int(st, 0) && !sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail(s, "cannot read the schema");
}

/* Looked at first outside a transaction (the usual case: nothing to
 * add), then again inside one: another process opening the same older
 * database at once may have added a column meanwhile. */
static int add_columns(struct db_store *s)
{
	enum { COUNT = sizeof(added_columns) / sizeof(added_columns[0]) };
	bool any = false, read = false, missing;
	for (size_t i = 0; i < COUNT; i++) {
		if (column_missing(s, &added_columns[i], &missing))
			return -1;
		any |= missing;
		read |= missing && !added_columns[i].write_only;
	}
	if (!any)
		return 0;
	if (s->readonly)
		return read ? needs_upgrade(s) : 0;
	if (exec(s, "BEGIN IMMEDIATE"))
		return -1;
	for (size_t i = 0; i < COUNT; i++) {
		const struct added_column *c = &added_columns[i];
		char sql[256];
		snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", c->table, c->column, c->decl);
		if (column_missing(s, c, &missing) || (missing && exec(s, sql))) {
			char saved[sizeof(s->error)];
			memcpy(saved, s->error, sizeof(saved));
			exec(s, "ROLLBACK");
			memcpy(s->error, saved, sizeof(saved));
			return -1;
		}
	}
	return exec(s, "COMMIT");
}

/* Indexes replaced since schema version 1 was released.  findings was
 * indexed by fingerprint alone: every scan then inserted at random places
 * in an index over all runs, and a scan into a database of 1.3 million
 * findings took 1.9 times as long as into an empty one.  Indexed by run
 * first, a scan only touches its own run's part.  The new index is built
 * once (CREATE INDEX sorts), in one transaction with the drop. */
static int replace_indexes(struct db_store *s)
{
	static const char has_old[] =
		"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'findings_fingerprint'";
	sqlite3_stmt *st;
	int old = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (sqlite3_prepare_v2(s->db, has_old, -1, &st, NULL) != SQLITE_OK)
			return fail(s, "cannot read the schema");
		old = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
		sqlite3_finalize(st);
		if (!old)
			return pass ? exec(s, "COMMIT") : 0;
		if (s->readonly)
			return needs_upgrade(s);
		/* Looked again inside the transaction: another process may have
		 * replaced it meanwhile. */
		if (!pass && exec(s, "BEGIN IMMEDIATE"))
			return -1;
	}
	if (exec(s, "CREATE INDEX IF NOT EXISTS findings_run_fingerprint ON findings(run_id, fingerprint)") ||
	    exec(s, "DROP INDEX findings_fingerprint") || exec(s, "COMMIT")) {
		char saved[sizeof(s->error)];
		memcpy(saved, s->error, sizeof(saved));
		exec(s, "ROLLBACK");
		snprintf(s->error, sizeof(s->error), "cannot replace the fingerprint index: %s", saved);
		return -1;
	}
	return 0;
}

static int migrate(struct db_store *s)
{
	sqlite3_stmt *st;
	int version = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return fail(s, "cannot read the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < 0)
		return fail(s, "cannot read the schema version");
	if (version > DB_SCHEMA_VERSION) {
		snprintf(s->error, sizeof(s->error),
		         "schema version %d is newer than this piiaudit knows (%d)", version,
		         DB_SCHEMA_VERSION);
		return -1;
	}
	if (version == DB_SCHEMA_VERSION)
		return add_columns(s) ? -1 : replace_indexes(s);
	if (s->readonly)
		return needs_upgrade(s);
	if (exec(s, "BEGIN IMMEDIATE"))
		return -1;
	if (exec(s, db_schema_sql)) {
		char saved[sizeof(s->error)];
		memcpy(saved, s->error, sizeof(saved));
		exec(s, "ROLLBACK");
		snprintf(s->error, sizeof(s->error), "cannot create the schema: %s", saved);
		return -1;
	}
	return exec(s, "COMMIT") || add_columns(s) ? -1 : replace_indexes(s);
}

/*
 * SQLite writes temporary files for big sorts, temporary tables and
 * statement journals (in SQLITE_TMPDIR or /var/tmp, mode 0600, unlinked
 * at once).  They hold only what the database holds: without
 * --store-values that is masked previews, keyed fingerprints and paths,
 * never a raw value, so they may go to disk like the database itself.  A
 * database that holds raw values (a run made with --store-values) keeps
 * its temporary data in memory instead, so no raw value reaches a
 * temporary file outside the database's own 0600 file.
 */
static int keep_temp_in_memory(struct db_store *s)
{
	sqlite3_stmt *st;
	int values = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM runs WHERE store_values != 0 LIMIT 1", -1, &st,
	                       NULL) != SQLITE_OK)
		return fail(s, "cannot read runs");
	values = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return values ? exec(s, "PRAGMA temp_store = MEMORY") : 0;
}

int db_temp_in_memory(struct db_store *s)
{
	pthread_mutex_lock(&s->lock);
	int rc = exec(s, "PRAGMA temp_store = MEMORY");
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* How long opening waits for another process's lock (scan --wait sets
 * the wait for what follows). */
enum { OPEN_BUSY_MS = 30000 };

/*
 * Switching a new database to WAL takes an exclusive lock from inside a
 * read transaction, and there SQLite does not call the busy handler:
 * when two processes create the same database at once, both hold the
 * shared lock, and the one that asks second for the write lock gets
 * SQLITE_BUSY at once (waiting could deadlock).  Its statement has
 * then ended and dropped its shared lock, so the other one finishes;
 * asked again, the switch succeeds or finds the database in WAL
 * already.  Retried for as long as the busy timeout db_open sets.
 */
static int use_wal(struct db_store *s)
{
	enum { PAUSE_MS = 10 };
	for (int waited = 0;; waited += PAUSE_MS) {
		int rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY || waited >= OPEN_BUSY_MS) {
			/* SQLite's words alone: "file is not a database", say. */
			snprintf(s->error, sizeof(s->error), "%s", sqlite3_errmsg(s->db));
			return -1;
		}
		sqlite3_sleep(PAUSE_MS);
	}
}

/*
 * Whether this process cannot write the database, or cannot make the
 * -wal and -shm files that SQLite reads a WAL database with (they go in
 * the database's folder).  Root passes access() on any file of a
 * writable file system, as it can write them.
 */
static bool cannot_write(const char *given)
{
	if (access(given, W_OK))
		return errno == EACCES || errno == EROFS || errno == EPERM || errno == ETXTBSY;
	/* SQLite puts the -wal and -shm files beside a link's target. */
	char *path = realpath(given, NULL);
	if (!path)
		return false;
	size_t len = strlen(path);
	char *other = malloc(len + 5);
	if (!other) {
		free(path);
		return false;
	}
	snprintf(other, len + 5, "%s-shm", path);
	bool shm = access(other, F_OK) == 0;
	/* The folder: what comes before the last '/', "/" or ".". */
	memcpy(other, path, len + 1);
	char *slash = strrchr(other, '/');
	if (!slash)
		memcpy(other, ".", 2);
	else if (slash == other)
		other[1] = '\0';
	else
		*slash = '\0';
	bool folder = access(other, W_OK) == 0;
	free(other);
	free(path);
	return !shm && !folder;
}

/* Whether path's -wal file holds changes not yet in the database (a
 * scan running, or one killed). */
static bool wal_pending(const char *path)
{
	size_t len = strlen(path);
	char *wal = malloc(len + 5);
	if (!wal)
		return true;
	snprintf(wal, len + 5, "%s-wal", path);
	struct stat st;
	bool pending = stat(wal, &st) == 0 && st.st_size > 0;
	free(wal);
	return pending;
}

char *db_read_uri(const char *path)
{
	return db_uri(path, cannot_write(path) && !wal_pending(path) ? "mode=ro&immutable=1"
	                                                                : "mode=ro");
}

/* Opens uri (malloc'd, freed here) with flags and sets the busy timeout.
 * Returns SQLite's code; when there is no connection to ask why (uri
 * NULL: out of memory), the reason is in err. */
static int open_uri(struct db_store *s, const char *path, char *uri, int flags, char *err,
                    size_t errlen)
{
	if (!uri) {
		snprintf(err, errlen, "%s: out of memory", path);
		return SQLITE_NOMEM;
	}
	int rc = sqlite3_open_v2(uri, &s->db, flags | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, NULL);
	free(uri);
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(s->db, OPEN_BUSY_MS);
	else if (!s->db)
		snprintf(err, errlen, "%s: cannot open", path);
	return rc;
}

/*
 * Opens the database read-only (db_read_uri()).  Without a WAL that holds
 * changes, as immutable: SQLite then reads the file alone and needs no
 * -shm file, which it could not make here.  With one, plainly read-only:
 * SQLite reads the WAL through an existing -shm file, or fails, and the
 * message says why.
 */
static int open_readonly(struct db_store *s, const char *path, char *err, size_t errlen)
{
	int rc = open_uri(s, path, db_read_uri(path), SQLITE_OPEN_READONLY, err, errlen);
	if (!s->db)
		return -1;
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: %s%s", path, sqlite3_errmsg(s->db),
	         wal_pending(path) ? " (read-only here, and its -wal file holds changes that need"
	                             " the -shm file beside it, which cannot be made here)"
	                           : "");
	return -1;
}

/*
 * Opens the database for writing, as a URI (so that ATTACH on this
 * connection takes the URIs of db_read_uri() too), in WAL mode.
 */
static int open_readwrite(struct db_store *s, const char *path, char *err, size_t errlen)
{
	if (open_uri(s, path, db_uri(path, NULL), SQLITE_OPEN_READWRITE, err, errlen) != SQLITE_OK) {
		if (s->db)
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		return -1;
	}
	/* 16 KiB pages for a new database (an existing one keeps its own):
	 * a scan appends findings and builds the fingerprint index at its
	 * end, and the WAL is copied back page by page when the database
	 * closes, a write each.  Against 4 KiB, one .gz with 2 jobs took
	 * 1.468 -> 1.422 s and raw text with 1 job 1.661 -> 1.600 s (eight
	 * runs each, tests/bench's 200 MB); the file is 11 % larger, and an
	 * empty database 0.6 MB.  A 16 MiB page cache: a scan appends, and
	 * 64 MiB only raised the peak (79 -> 64 MiB raw with 1 job on that
	 * corpus, 2.34 / 2.29 s either way; issue 4 bounds memory). */
	if (exec(s, "PRAGMA page_size = 16384") || use_wal(s) ||
	    exec(s, "PRAGMA synchronous = NORMAL") || exec(s, "PRAGMA cache_size = -16384") ||
	    exec(s, "PRAGMA wal_autocheckpoint = 16384") || exec(s, "PRAGMA foreign_keys = OFF")) {
		snprintf(err, errlen, "%s: %s", path, s->error);
		return -1;
	}
	return 0;
}

int db_open(struct db_store **out, const char *path, bool create, char *err, size_t errlen)
{
	struct db_store *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	pthread_mutex_init(&s->lock, NULL);
	if (!(s->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail_free;
	}
	if (create) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail_free;
		}
		close(fd);
	} else if (access(path, F_OK)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail_free;
	}
	s->readonly = !create && cannot_write(path);
	if (s->readonly ? open_readonly(s, path, err, errlen) : open_readwrite(s, path, err, errlen))
		goto fail_close;
	if (migrate(s) || keep_temp_in_memory(s)) {
		snprintf(err, errlen, "%s: %s", path, s->error);
		goto fail_close;
	}
	char many[sizeof(statement_sql_findings_head) + FINDING_ROWS * 40];
	for (int i = 0; i < ST_COUNT; i++) {
		if (i >= ST_FINDINGS)
			findings_insert_sql(many, sizeof(many), 1 << (i - ST_FINDINGS));
		if (sqlite3_prepare_v3(s->db, i >= ST_FINDINGS ? many : statement_sql[i], -1,
		                       SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
			goto fail_close;
		}
	}
	*out = s;
	return 0;
fail_close:
	db_close(s);
	return -1;
fail_free:
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
	return -1;
}

/* SQLite's busy handler: called with the number of times it was called
 * for this lock; non-zero to try again.  It sleeps as SQLite's own does
 * (short sleeps first, then 100 ms) until wait_ms, but once a stop is
 * asked (the cancel flag) for at most CANCEL_GRACE_MS more: enough for
 * this process's own short writers (the output records' connection,
 * db/xref.c), not another process's long transaction. */
enum { CANCEL_GRACE_MS = 1000 };

static int busy_wait(void *arg, int tries)
{
	static const int delays[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 };
	enum { DELAYS = sizeof(delays) / sizeof(delays[0]) };
	struct db_store *s = arg;
	int waited = 0;
	for (int i = 0; i < tries; i++)
		waited += delays[i < DELAYS ? i : DELAYS - 1];
	if (tries == 0)
		s->waited_at_cancel = -1;
	if (s->waited_at_cancel < 0 && s->cancel && *s->cancel)
		s->waited_at_cancel = waited;
	int limit = s->wait_ms;
	if (s->waited_at_cancel >= 0 && s->waited_at_cancel + CANCEL_GRACE_MS < limit)
		limit = s->waited_at_cancel + CANCEL_GRACE_MS;
	if (waited >= limit)
		return 0;
	int ms = delays[tries < DELAYS ? tries : DELAYS - 1];
	if (ms > limit - waited)
		ms = limit - waited;
	struct timespec nap = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&nap, NULL);
	return 1;
}

void db_set_wait(struct db_store *s, unsigned seconds, const volatile int *cancel)
{
	/* 0 is no waiting at all: a locked database is refused at once. */
	s->wait_ms = (int)(seconds > 86400 ? 86400 : seconds) * 1000;
	s->cancel = cancel;
	if (s->wait_ms)
		sqlite3_busy_handler(s->db, busy_wait, s);
	else
		sqlite3_busy_timeout(s->db, -1);
}

void db_close(struct db_store *s)
{
	if (!s)
		return;
	/* What it has not copied back, the close does. */
	checkpointer_stop(s->checkpointer);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static int step_done(struct db_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(s, what);
}

int db_run_begin(struct db_store *s, const struct db_run *run, int64_t *run_id)
{
	sqlite3_stmt *st = NULL;
	unsigned char raw[16];
	char uuid[37], started[32];
	int rc = -1;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
		if (fd >= 0)
			close(fd);
		snprintf(s->error, sizeof(s->error), "cannot read /dev/urandom");
		return -1;
	}
	close(fd);
	raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x40);
	raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
	snprintf(uuid, sizeof(uuid),
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", raw[0],
	         raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10],
	         raw[11], raw[12], raw[13], raw[14], raw[15]);
	now_utc(started, sizeof(started));
	pthread_mutex_lock(&s->lock);
	if (sqlite3_prepare_v2(s->db,
	                       "INSERT INTO runs(uuid, kind, started_at, argv, tool_version,"
	                       " rules_digest, key_id, label, store_values, shard_index, shard_count,"
	                       " plan_digest, settings, inputs) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                       -1, &st, NULL) != SQLITE_OK) {
		fail(s, "cannot record the run");
		goto out;
	}
	bind_text(st, 1, uuid);
	bind_text(st, 2, run->kind);
	bind_text(st, 3, started);
	bind_text(st, 4, run->argv_json);
	bind_text(st, 5, run->tool_version);
	bind_text(st, 6, run->rules_digest);
	bind_text(st, 7, run->key_id);
	bind_text(st, 8, run->label);
	sqlite3_bind_int(st, 9, run->store_values);
	if (run->shard_count) {
		sqlite3_bind_int(st, 10, run->shard_index);
		sqlite3_bind_int(st, 11, run->shard_count);
	}
	bind_text(st, 12, run->plan_digest);
	bind_text(st, 13, run->settings);
	bind_text(st, 14, run->inputs);
	if (sqlite3_step(st) != SQLITE_DONE) {
		fail(s, "cannot record the run");
		goto out;
	}
	*run_id = sqlite3_last_insert_rowid(s->db);
	rc = 0;
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int db_run_rule(struct db_store *s, int64_t run_id, const char *id, const char *category,
                const char *description, const char *validator, double confidence,
                const char *tags, const char *pack)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	if (sqlite3_prepare_v2(s->db,
	                       "INSERT OR REPLACE INTO rules(run_id, id, category, description,"
	                       " validator, confidence, tags, pack) VALUES (?,?,?,?,?,?,?,?)",
	                       -1, &st, NULL) != SQLITE_OK) {
		fail(s, "cannot record rules");
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_id);
	bind_text(st, 2, id);
	bind_text(st, 3, category);
	bind_text(st, 4, description);
	bind_text(st, 5, validator);
	sqlite3_bind_double(st, 6, confidence);
	bind_text(st, 7, tags);
	bind_text(st, 8, pack);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, "cannot record rules");
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int db_run_end(struct db_store *s, int64_t run_id, const char *status)
{
	sqlite3_stmt *st = NULL;
	char ended[32];
	int rc = -1;
	now_utc(ended, sizeof(ended));
	pthread_mutex_lock(&s->lock);
	if (sqlite3_prepare_v2(s->db,
	                       "UPDATE runs SET ended_at = ?2, status = ?3,"
	                       " sources_ok = (SELECT count(*) FROM sources WHERE run_id = ?1"
	                       "   AND status IN ('ok','skipped') AND kind != 'archive'),"
	                       " sources_failed = (SELECT count(*) FROM sources WHERE run_id = ?1"
	                       "   AND status = 'error'),"
	                       " bytes_scanned = (SELECT coalesce(sum(bytes_scanned), 0) FROM sources"
	                       "   WHERE run_id = ?1 AND kind != 'archive')"
	                       " WHERE id = ?1",
	                       -1, &st, NULL) != SQLITE_OK) {
		fail(s, "cannot close the run");
		goto out;
	}
	sqlite3_bind_int64(st, 1, run_id);
	bind_text(st, 2, ended);
	bind_text(st, 3, status);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, "cannot close the run");
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* With the lock held. */
static int source_write(struct db_store *s, struct db_source *src)
{
	sqlite3_stmt *st;
	if (src->id == 0) {
		st = s->st[ST_SOURCE_INSERT];
		sqlite3_bind_int64(st, 1, src->run_id);
		if (src->parent_id)
			sqlite3_bind_int64(st, 2, src->parent_id);
		bind_text(st, 3, src->path);
		bind_text(st, 4, src->member);
		bind_text(st, 5, src->kind);
		bind_text(st, 6, src->format);
		if (src->size >= 0)
			sqlite3_bind_int64(st, 7, src->size);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)src->bytes_scanned);
		bind_text(st, 9, src->status);
		bind_text(st, 10, src->error);
		sqlite3_bind_int64(st, 11, (sqlite3_int64)src->findings);
		if (src->records >= 0) {
			sqlite3_bind_int64(st, 12, src->records);
			sqlite3_bind_int64(st, 13, src->invalid_records);
		}
		bind_text(st, 14, src->note);
		bind_text(st, 15, src->sha256);
		if (step_done(s, st, "cannot record a source"))
			return -1;
		src->id = sqlite3_last_insert_rowid(s->db);
		return 0;
	}
	st = s->st[ST_SOURCE_UPDATE];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)src->bytes_scanned);
	bind_text(st, 2, src->status);
	bind_text(st, 3, src->error);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)src->findings);
	bind_text(st, 5, src->format);
	if (src->size >= 0)
		sqlite3_bind_int64(st, 6, src->size);
	if (src->records >= 0) {
		sqlite3_bind_int64(st, 7, src->records);
		sqlite3_bind_int64(st, 8, src->invalid_records);
	}
	bind_text(st, 9, src->note);
	bind_text(st, 10, src->sha256);
	sqlite3_bind_int64(st, 11, src->id);
	return step_done(s, st, "cannot update a source");
}

static int group_refused(struct db_store *s);
static void group_abort(struct db_store *s);

int db_source_insert(struct db_store *s, struct db_source *src)
{
	pthread_mutex_lock(&s->lock);
	int rc = s->grouping && group_refused(s) ? -1 : source_write(s, src);
	if (rc && s->in_group)
		group_abort(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Binds f to the FINDING_COLUMNS parameters from first + 1 on; every one,
 * so a statement's earlier bindings never leak into this row. */
static void bind_finding(sqlite3_stmt *st, int first, const struct db_source *src,
                         const struct db_finding *f)
{
	sqlite3_bind_int64(st, first + 1, src->run_id);
	sqlite3_bind_int64(st, first + 2, src->id);
	bind_text(st, first + 3, f->rule);
	bind_text(st, first + 4, f->category);
	if (f->record > 0)
		sqlite3_bind_int64(st, first + 5, f->record);
	else
		sqlite3_bind_null(st, first + 5);
	bind_text(st, first + 6, f->field);
	sqlite3_bind_int64(st, first + 7, (sqlite3_int64)f->line);
	sqlite3_bind_int64(st, first + 8, (sqlite3_int64)f->offset);
	sqlite3_bind_int64(st, first + 9, (sqlite3_int64)f->length);
	sqlite3_bind_double(st, first + 10, f->confidence);
	sqlite3_bind_int(st, first + 11, f->placeholder);
	bind_text(st, first + 12, f->preview);
	bind_text(st, first + 13, f->fingerprint);
	bind_text(st, first + 14, f->value);
	bind_text(st, first + 15, f->brand);
}

/* A batch's findings, FINDING_ROWS to a statement while that many are
 * left, then the rest in at most one statement of each smaller size.  The
 * texts are bound SQLITE_STATIC: the batch outlives the step. */
static int findings_write(struct db_store *s, const struct db_source *src,
                          const struct db_finding *batch, size_t count)
{
	size_t i = 0;
	for (int k = FINDING_SIZES - 1; k >= 0; k--) {
		const size_t rows = (size_t)1 << k;
		sqlite3_stmt *st = s->st[ST_FINDINGS + k];
		for (; count - i >= rows; i += rows) {
			for (size_t row = 0; row < rows; row++)
				bind_finding(st, (int)row * FINDING_COLUMNS, src, &batch[i + row]);
			int rc = sqlite3_step(st);
			sqlite3_reset(st);
			if (rc != SQLITE_DONE)
				return fail(s, "cannot record a finding");
		}
	}
	return 0;
}

/* Rolls back, keeping the message of the failure that led to it. */
static void rollback_keeping_error(struct db_store *s, int statement)
{
	char saved[sizeof(s->error)];
	memcpy(saved, s->error, sizeof(saved));
	step_done(s, s->st[statement], "rollback");
	memcpy(s->error, saved, sizeof(saved));
}

/* A write or the commit of the open group failed: all of the group is
 * undone, and source writes are refused until grouping ends
 * (group_refused(), which says why). */
static void group_abort(struct db_store *s)
{
	rollback_keeping_error(s, ST_ROLLBACK);
	s->in_group = false;
	s->group_failed = true;
}

static int group_commit_locked(struct db_store *s)
{
	if (!s->in_group)
		return 0;
	s->in_group = false;
	if (step_done(s, s->st[ST_COMMIT], "cannot commit")) {
		group_abort(s);
		return -1;
	}
	checkpointer_kick(s->checkpointer);
	return 0;
}

/*
 * Inserted live, the findings of a run land at random places in its range
 * of the fingerprint index; once that range outgrows the page cache each
 * group commit writes most of its pages to the WAL again.  The bench's
 * dense list (953,270 findings, 2 jobs) took 5.2 s as a database's first
 * run (index built at the end) and 19.4-20.7 s as its second to fourth
 * (10 s of it system time, 2.1 GB written), the first 238,000 of them
 * cheap (0.4 s), those after about 25 us each; rebuilding the index over
 * the whole database costs about 1.7 s per million rows.  So once, at the
 * group commit where a run has written INDEX_SWITCH_MIN findings, the
 * index is dropped (and built at the end like a first run's) if the
 * database held at most INDEX_SWITCH_RATIO times as many rows before the
 * run (max(id), an estimate): a run as big again would cost more live.
 * Best effort: if it cannot be dropped (a statement still reads it), it
 * stays, kept live.
 */
#define INDEX_SWITCH_MIN 200000
#define INDEX_SWITCH_RATIO 12

static void index_watch(struct db_store *s)
{
	if (!s->index_watched || s->index_written < INDEX_SWITCH_MIN)
		return;
	s->index_watched = false;
	if (s->index_others <= INDEX_SWITCH_RATIO * s->index_written &&
	    sqlite3_exec(s->db, "DROP INDEX IF EXISTS findings_run_fingerprint", NULL, NULL, NULL) ==
	        SQLITE_OK)
		s->index_dropped = true;
}

static uint64_t ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (uint64_t)(now.tv_sec - t0->tv_sec) * 1000u + (uint64_t)((now.tv_nsec - t0->tv_nsec) / 1000000);
}

/*
 * db_source_commit() in a group: the source's row and findings go into the
 * group's transaction as they are, and the group is committed when it is
 * big or old enough.  A savepoint per source (so that a failing one could
 * be undone alone) cost a write of every page it touched that was there
 * before, 16 KiB each, to SQLite's statement journal, a temporary file:
 * 14 writes a source, and 10,000 small files took 0.80 s against 0.49 s
 * without (tests/bench README, tenth run).  Undoing one source alone was
 * worth little: the scan stops at the first database failure, and SQLite
 * rolls the whole transaction back itself after an I/O error or a full
 * disk.  So a failure rolls the group back, and the store refuses every
 * source write until grouping ends: the rows of other sources of the
 * group are gone, and a later write for one of them (an UPDATE of its
 * row, more findings) must not land outside its row.  A crash loses the
 * open group the same way; --resume reads its sources again.
 */
static int group_refused(struct db_store *s)
{
	if (!s->group_failed)
		return 0;
	/* The failure's own message stays: it says why. */
	if (!s->error[0])
		snprintf(s->error, sizeof(s->error), "a group of sources could not be written");
	return -1;
}

static int group_source_commit(struct db_store *s, struct db_source *src,
                               const struct db_finding *batch, size_t count)
{
	int64_t id_before = src->id;
	if (group_refused(s))
		return -1;
	if (!s->in_group) {
		if (step_done(s, s->st[ST_BEGIN], "cannot begin a transaction")) {
			s->group_failed = true;
			return -1;
		}
		s->in_group = true;
		s->group_sources = s->group_findings = 0;
		clock_gettime(CLOCK_MONOTONIC_COARSE, &s->group_began);
	}
	if (source_write(s, src) || findings_write(s, src, batch, count)) {
		group_abort(s);
		src->id = id_before;
		return -1;
	}
	s->group_sources++;
	s->group_findings += count;
	s->index_written += count;
	if (s->group_sources >= GROUP_SOURCES || s->group_findings >= GROUP_FINDINGS ||
	    ms_since(&s->group_began) >= GROUP_MS) {
		if (group_commit_locked(s))
			return -1;
		index_watch(s);
	}
	return 0;
}

int db_fingerprint_index_defer(struct db_store *s, int64_t run_id, bool *deferred)
{
	/* Two index ranges (findings_run_source), not a scan of the run's
	 * rows; and whether the index is there at all (a scan killed while
	 * it was dropped leaves it out). */
	static const char others[] =
		"SELECT EXISTS (SELECT 1 FROM findings WHERE run_id < ?1)"
		" OR EXISTS (SELECT 1 FROM findings WHERE run_id > ?1),"
		" EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index'"
		" AND name = 'findings_run_fingerprint')";
	sqlite3_stmt *st;
	*deferred = false;
	pthread_mutex_lock(&s->lock);
	int rc = sqlite3_prepare_v2(s->db, others, -1, &st, NULL) == SQLITE_OK ? 0 : -1;
	int found = 1, indexed = 1;
	if (!rc) {
		sqlite3_bind_int64(st, 1, run_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			found = sqlite3_column_int(st, 0);
			indexed = sqlite3_column_int(st, 1);
		} else {
			rc = -1;
		}
		sqlite3_finalize(st);
	}
	if (rc)
		snprintf(s->error, sizeof(s->error), "cannot read the findings: %s", sqlite3_errmsg(s->db));
	else if (!indexed)
		*deferred = true;
	else if (!found && !(rc = exec(s, "DROP INDEX IF EXISTS findings_run_fingerprint")))
		*deferred = true;
	s->index_watched = !rc && found && indexed;
	s->index_dropped = false;
	s->index_written = 0;
	s->index_others = 0;
	if (s->index_watched &&
	    sqlite3_prepare_v2(s->db, "SELECT max(id) FROM findings", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			s->index_others = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

bool db_fingerprint_index_dropped(struct db_store *s)
{
	pthread_mutex_lock(&s->lock);
	bool dropped = s->index_dropped;
	pthread_mutex_unlock(&s->lock);
	return dropped;
}

/* PRAGMA temp_store: 2 when temporary data is kept in memory. */
static int temp_store_mode(struct db_store *s)
{
	sqlite3_stmt *st;
	int mode = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA temp_store", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			mode = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return mode;
}

/*
 * The index is built by one sort of its keys: run, keyed fingerprint and
 * row id, never a raw value.  So the sort may spill to a temporary file
 * even in a database that holds raw values (keep_temp_in_memory()), and
 * its memory stays bounded however many findings the run made (kept in
 * memory, 2 million findings took 270 MiB; building the index with the
 * inserts instead took 11 times as long).  Switching temp_store drops the
 * connection's temporary tables; the only one, resume_doomed, is made
 * again where it is used.  One helper thread sorts a spilled part while
 * the next is read (PRAGMA threads): a run of 953,000 findings built its
 * index in 1.5 s instead of 2.1 (the scan 4.3 s instead of 4.8), peaking
 * 7 MiB higher (16 MiB at 381,000); under 200,000 findings the sort does
 * not spill and nothing changes.
 */
int db_fingerprint_index_build(struct db_store *s)
{
	pthread_mutex_lock(&s->lock);
	bool in_memory = temp_store_mode(s) == 2;
	int rc = in_memory ? exec(s, "PRAGMA temp_store = FILE") : 0;
	if (!rc)
		rc = exec(s, "PRAGMA threads = 1");
	if (!rc)
		rc = exec(s, "CREATE INDEX IF NOT EXISTS findings_run_fingerprint ON findings(run_id, fingerprint)");
	if (exec(s, "PRAGMA threads = 0") || (in_memory && exec(s, "PRAGMA temp_store = MEMORY")))
		rc = -1;
	checkpointer_kick(s->checkpointer);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int db_grouping(struct db_store *s, bool on)
{
	pthread_mutex_lock(&s->lock);
	int rc = on ? 0 : group_commit_locked(s);
	s->grouping = on;
	s->group_failed = false;
	if (on && !s->checkpointer && !s->readonly)
		s->checkpointer = checkpointer_start(s->path);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int db_group_tick(struct db_store *s)
{
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	if (s->in_group && ms_since(&s->group_began) >= GROUP_MS)
		rc = group_commit_locked(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int db_group_commit(struct db_store *s)
{
	pthread_mutex_lock(&s->lock);
	int rc = group_commit_locked(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int db_source_commit(struct db_store *s, struct db_source *src, const struct db_finding *batch,
                     size_t count)
{
	int rc = -1;
	int64_t id_before = src->id;
	pthread_mutex_lock(&s->lock);
	if (s->grouping) {
		rc = group_source_commit(s, src, batch, count);
		pthread_mutex_unlock(&s->lock);
		return rc;
	}
	if (step_done(s, s->st[ST_BEGIN], "cannot begin a transaction"))
		goto out;
	if (source_write(s, src) || findings_write(s, src, batch, count))
		goto rollback;
	if (step_done(s, s->st[ST_COMMIT], "cannot commit"))
		goto rollback;
	rc = 0;
	goto out;
rollback:
	rollback_keeping_error(s, ST_ROLLBACK);
	src->id = id_before;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int db_begin(struct db_store *s)
{
	pthread_mutex_lock(&s->lock);
	int rc = step_done(s, s->st[ST_BEGIN], "cannot begin a transaction");
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int db_commit(struct db_store *s)
{
	pthread_mutex_lock(&s->lock);
	int rc = step_done(s, s->st[ST_COMMIT], "cannot commit");
	if (rc) {
		char saved[sizeof(s->error)];
		memcpy(saved, s->error, sizeof(saved));
		step_done(s, s->st[ST_ROLLBACK], "rollback");
		memcpy(s->error, saved, sizeof(saved));
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void db_rollback(struct db_store *s)
{
	char saved[sizeof(s->error)];
	pthread_mutex_lock(&s->lock);
	memcpy(saved, s->error, sizeof(saved));
	step_done(s, s->st[ST_ROLLBACK], "rollback");
	memcpy(s->error, saved, sizeof(saved));
	pthread_mutex_unlock(&s->lock);
}

int db_run_unfinished(struct db_store *s, const char *kind, struct db_unfinished_run *out)
{
	sqlite3_stmt *st;
	int rc = -1;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT id, rules_digest, key_id, store_values, settings, inputs FROM runs"
	                       " WHERE kind = ? AND status IN ('running', 'interrupted', 'failed')"
	                       " ORDER BY id DESC LIMIT 1",
	                       -1, &st, NULL) == SQLITE_OK) {
		bind_text(st, 1, kind);
		int step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			const char *settings = (const char *)sqlite3_column_text(st, 4);
			out->id = sqlite3_column_int64(st, 0);
			snprintf(out->rules_digest, sizeof(out->rules_digest), "%s",
			         (const char *)sqlite3_column_text(st, 1));
			snprintf(out->key_id, sizeof(out->key_id), "%s", (const char *)sqlite3_column_text(st, 2));
			out->store_values = sqlite3_column_int(st, 3) != 0;
			if (sqlite3_column_type(st, 5) != SQLITE_NULL)
				snprintf(out->inputs, sizeof(out->inputs), "%s",
				         (const char *)sqlite3_column_text(st, 5));
			out->settings = settings ? strdup(settings) : NULL;
			rc = settings && !out->settings ? -1 : 0;
		} else if (step == SQLITE_DONE) {
			rc = 0;
		}
		sqlite3_finalize(st);
	}
	if (rc < 0)
		fail(s, "cannot read runs");
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int64_t db_run_reopen(struct db_store *s, int64_t run_id)
{
	static const char *const steps[] = {
		"CREATE TEMP TABLE IF NOT EXISTS resume_doomed(id INTEGER PRIMARY KEY)",
		"DELETE FROM resume_doomed",
		"WITH RECURSIVE doomed(id) AS ("
		"  SELECT id FROM sources WHERE run_id = ?1 AND parent_id IS NULL"
		"    AND status NOT IN ('ok', 'error', 'skipped')"
		"  UNION ALL SELECT s.id FROM sources s JOIN doomed d ON s.parent_id = d.id)"
		" INSERT OR IGNORE INTO resume_doomed SELECT id FROM doomed",
		"DELETE FROM findings WHERE run_id = ?1 AND source_id IN (SELECT id FROM resume_doomed)",
		"DELETE FROM sources WHERE id IN (SELECT id FROM resume_doomed)",
		"UPDATE runs SET status = 'running', ended_at = NULL WHERE id = ?1",
	};
	int64_t dropped = -1;
	pthread_mutex_lock(&s->lock);
	if (step_done(s, s->st[ST_BEGIN], "cannot begin a transaction"))
		goto out;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s->db, steps[i], -1, &st, NULL) != SQLITE_OK) {
			fail(s, "cannot reopen the run");
			step_done(s, s->st[ST_ROLLBACK], "rollback");
			goto out;
		}
		if (sqlite3_bind_parameter_count(st))
			sqlite3_bind_int64(st, 1, run_id);
		int rc = sqlite3_step(st);
		if (i == 4)
			dropped = sqlite3_changes64(s->db);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			fail(s, "cannot reopen the run");
			dropped = -1;
			step_done(s, s->st[ST_ROLLBACK], "rollback");
			goto out;
		}
	}
	if (step_done(s, s->st[ST_COMMIT], "cannot commit"))
		dropped = -1;
out:
	pthread_mutex_unlock(&s->lock);
	return dropped;
}

int db_source_completed(struct db_store *s, int64_t run_id, const char *path)
{
	sqlite3_stmt *st;
	int found = -1;
	pthread_mutex_lock(&s->lock);
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT 1 FROM sources WHERE run_id = ? AND parent_id IS NULL AND path = ?"
	                       " AND status IN ('ok', 'error', 'skipped') LIMIT 1",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run_id);
		bind_text(st, 2, path);
		int rc = sqlite3_step(st);
		found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
	if (found < 0)
		fail(s, "cannot read sources");
	pthread_mutex_unlock(&s->lock);
	return found;
}

int db_run_option(struct db_store *s, int64_t run_id, const char *name, size_t min_prefix,
                  char *out, size_t cap)
{
	sqlite3_stmt *st;
	size_t name_len = strlen(name);
	int found = 0, rc;
	bool value_next = false;
	pthread_mutex_lock(&s->lock);
	if (sqlite3_prepare_v2(s->db, "SELECT j.value FROM runs, json_each(runs.argv) AS j"
	                       " WHERE runs.id = ? AND json_valid(runs.argv) ORDER BY j.key", -1, &st,
	                       NULL) != SQLITE_OK) {
		fail(s, "cannot read the run's command line");
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *arg = (const char *)sqlite3_column_text(st, 0);
		if (!arg)
			continue;
		if (value_next) {
			snprintf(out, cap, "%s", arg);
			found = 1;
			value_next = false;
			continue;
		}
		if (!strcmp(arg, "--"))
			break;
		if (strncmp(arg, "--", 2))
			continue;
		const char *eq = strchr(arg + 2, '=');
		size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (len < min_prefix || len > name_len || strncmp(arg + 2, name, len))
			continue;
		if (eq) {
			snprintf(out, cap, "%s", eq + 1);
			found = 1;
		} else {
			value_next = true;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fail(s, "cannot read the run's command line");
		found = -1;
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

int64_t db_latest_run(struct db_store *s)
{
	sqlite3_stmt *st;
	int64_t id = -1;
	pthread_mutex_lock(&s->lock);
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) FROM runs", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (id < 0)
		fail(s, "cannot read runs");
	pthread_mutex_unlock(&s->lock);
	return id;
}
