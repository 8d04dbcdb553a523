/*
 * db_source_commit() writes a batch's findings 32 rows to a statement,
 * then the rest in statements of 16, 8, 4, 2 and 1 rows (db/store.c,
 * FINDING_ROWS).  Batches of every size up to 66 and larger ones, grouped
 * and not, come back row for
 * row with every column as given (NULL where it was NULL); a batch with a
 * bad row past the first full statement leaves nothing of its source and
 * the store still writes the next one.  Grouped, a failing source takes
 * its group with it and the store refuses source writes until grouping
 * ends: no finding is left without its source.  So does a group whose
 * commit fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "db/store.h"
#include "tests/unit/unit.h"

#define MOST 200

static void make_batch(struct db_finding *f, size_t n, int seed)
{
	static char values[MOST][32];
	memset(f, 0, n * sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		int k = seed * 1000 + (int)i;
		f[i].rule = i % 3 ? "rule.a" : "rule.b";
		f[i].category = i % 3 ? "email" : "credit_card";
		f[i].record = i % 4 ? k : 0;
		f[i].field = i % 5 ? "text" : NULL;
		f[i].line = (uint64_t)k + 1;
		f[i].offset = (uint64_t)k * 7;
		f[i].length = i % 17 + 1;
		f[i].confidence = 0.5 + (double)(i % 50) / 100.0;
		f[i].placeholder = i % 7 == 0;
		snprintf(f[i].preview, sizeof(f[i].preview), "p%d***", k);
		snprintf(f[i].fingerprint, sizeof(f[i].fingerprint), "%064x", k);
		snprintf(values[i], sizeof(values[i]), "v%d", k);
		f[i].value = i % 2 ? values[i] : NULL;
		f[i].brand = i % 3 ? NULL : "visa";
	}
}

static int same_text(const unsigned char *got, const char *want)
{
	return want ? got && !strcmp((const char *)got, want) : !got;
}

/* The findings of source id, in order, against batch f of n. */
static int check_rows(sqlite3 *db, int64_t source, const struct db_finding *f, size_t n)
{
	sqlite3_stmt *st;
	size_t i = 0;
	int bad = 0;
	if (sqlite3_prepare_v2(db,
	                       "SELECT rule, category, record, field, line, offset, length, confidence,"
	                       " placeholder, preview, fingerprint, value, brand FROM findings"
	                       " WHERE source_id = ? ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, source);
	for (; sqlite3_step(st) == SQLITE_ROW; i++) {
		if (i >= n) {
			bad++;
			continue;
		}
		const struct db_finding *w = &f[i];
		int ok = same_text(sqlite3_column_text(st, 0), w->rule) &&
		         same_text(sqlite3_column_text(st, 1), w->category) &&
		         (w->record > 0 ? sqlite3_column_int64(st, 2) == w->record
		                        : sqlite3_column_type(st, 2) == SQLITE_NULL) &&
		         same_text(sqlite3_column_text(st, 3), w->field) &&
		         (uint64_t)sqlite3_column_int64(st, 4) == w->line &&
		         (uint64_t)sqlite3_column_int64(st, 5) == w->offset &&
		         (uint64_t)sqlite3_column_int64(st, 6) == w->length &&
		         sqlite3_column_double(st, 7) == w->confidence &&
		         sqlite3_column_int(st, 8) == w->placeholder &&
		         same_text(sqlite3_column_text(st, 9), w->preview) &&
		         same_text(sqlite3_column_text(st, 10), w->fingerprint) &&
		         same_text(sqlite3_column_text(st, 11), w->value) &&
		         same_text(sqlite3_column_text(st, 12), w->brand);
		if (!ok) {
			printf("  source %lld row %zu differs\n", (long long)source, i);
			bad++;
		}
	}
	sqlite3_finalize(st);
	if (i != n)
		printf("  source %lld: %zu rows, %zu written\n", (long long)source, i, n);
	return bad || i != n ? -1 : 0;
}

/* A commit hook that turns every COMMIT into a ROLLBACK. */
static int refuse_commit(void *ctx)
{
	(void)ctx;
	return 1;
}

static long long count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int main(void)
{
	static struct db_finding batch[MOST];
	char dir[] = "/tmp/piiaudit-unit.XXXXXX", path[256], err[512];
	struct db_store *db;
	int64_t run;
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/a.db", dir);
	if (db_open(&db, path, true, err, sizeof(err))) {
		printf("  %s\n", err);
		return 1;
	}
	struct db_run r = { .kind = "scan", .argv_json = "[]", .tool_version = "test",
	                    .rules_digest = "x", .key_id = "0123456789abcdef" };
	CHECK(db_run_begin(db, &r, &run) == 0);

	long long written = 0;
	for (int grouped = 0; grouped < 2; grouped++) {
		CHECK(db_grouping(db, grouped) == 0);
		/* 0 to 66, then 133 and MOST. */
		for (size_t n = 0; n <= MOST; n = n < 66 ? n + 1 : n + 67) {
			char name[32];
			snprintf(name, sizeof(name), "s%d-%zu.txt", grouped, n);
			struct db_source src = { .run_id = run, .path = name, .kind = "file", .size = -1,
			                         .status = "ok", .findings = n };
			make_batch(batch, n, grouped * 1000 + (int)n);
			CHECK(db_source_commit(db, &src, batch, n) == 0);
			CHECK(db_grouping(db, false) == 0 && db_grouping(db, grouped) == 0);
			CHECK(check_rows(db_handle(db), src.id, batch, n) == 0);
			written += (long long)n;
		}
	}

	/* Row 40 breaks a NOT NULL column: the first statement's rows were
	 * written when the second fails, and they are taken back (the
	 * transaction, or the group's, rolled back). */
	for (int grouped = 0; grouped < 2; grouped++) {
		CHECK(db_grouping(db, grouped) == 0);
		make_batch(batch, 70, 500 + grouped);
		batch[40].rule = NULL;
		struct db_source bad = { .run_id = run, .path = "bad.txt", .kind = "file", .size = -1,
		                         .status = "ok", .findings = 70 };
		CHECK(db_source_commit(db, &bad, batch, 70) == -1);
		CHECK(strstr(db_error(db), "cannot record a finding") != NULL);
		CHECK(db_grouping(db, false) == 0);
		CHECK(count(db_handle(db), "SELECT count(*) FROM sources WHERE path = 'bad.txt'") == 0);
		CHECK(count(db_handle(db), "SELECT count(*) FROM findings") == written);
		CHECK(db_grouping(db, grouped) == 0);
		make_batch(batch, 45, 600 + grouped);
		struct db_source next = { .run_id = run, .path = "next.txt", .kind = "file", .size = -1,
		                          .status = "ok", .findings = 45 };
		CHECK(db_source_commit(db, &next, batch, 45) == 0);
		CHECK(db_grouping(db, false) == 0);
		CHECK(check_rows(db_handle(db), next.id, batch, 45) == 0);
		written += 45;
	}
	CHECK(count(db_handle(db), "SELECT count(*) FROM findings") == written);

	/* Grouped, a failing source rolls the whole group back: the source
	 * written before it in the group goes too, and every source write
	 * after it is refused until grouping ends (the earlier source's next
	 * batch would update a row that is gone and add findings outside it;
	 * a container's row would be a parent that is not there). */
	CHECK(db_grouping(db, true) == 0);
	make_batch(batch, 50, 700);
	struct db_source early = { .run_id = run, .path = "early.txt", .kind = "file", .size = -1,
	                           .status = "scanning", .findings = 50 };
	CHECK(db_source_commit(db, &early, batch, 50) == 0);
	make_batch(batch, 70, 701);
	batch[10].rule = NULL;
	struct db_source broken = { .run_id = run, .path = "broken.txt", .kind = "file", .size = -1,
	                            .status = "ok", .findings = 70 };
	CHECK(db_source_commit(db, &broken, batch, 70) == -1);
	CHECK(strstr(db_error(db), "cannot record a finding") != NULL);
	make_batch(batch, 20, 702);
	early.status = "ok";
	early.findings = 70;
	CHECK(db_source_commit(db, &early, batch, 20) == -1);
	CHECK(strstr(db_error(db), "cannot record a finding") != NULL);
	struct db_source box = { .run_id = run, .path = "box.tar", .kind = "file", .size = -1,
	                         .status = "scanning" };
	CHECK(db_source_insert(db, &box) == -1);
	CHECK(db_grouping(db, false) == 0);
	CHECK(count(db_handle(db), "SELECT count(*) FROM sources WHERE path IN ('early.txt', 'broken.txt', 'box.tar')") == 0);
	CHECK(count(db_handle(db), "SELECT count(*) FROM findings") == written);
	CHECK(count(db_handle(db), "SELECT count(*) FROM findings f WHERE NOT EXISTS"
	                           " (SELECT 1 FROM sources s WHERE s.id = f.source_id)") == 0);
	/* The next grouping writes again. */
	CHECK(db_grouping(db, true) == 0);
	make_batch(batch, 33, 703);
	struct db_source after = { .run_id = run, .path = "after.txt", .kind = "file", .size = -1,
	                           .status = "ok", .findings = 33 };
	CHECK(db_source_commit(db, &after, batch, 33) == 0);
	CHECK(db_grouping(db, false) == 0);
	CHECK(check_rows(db_handle(db), after.id, batch, 33) == 0);
	written += 33;
	CHECK(count(db_handle(db), "SELECT count(*) FROM findings") == written);

	/* A group whose commit fails (here a commit hook refuses it, as a
	 * full disk would) is gone, and the store refuses source writes
	 * until grouping ends, as after a failed write. */
	CHECK(db_grouping(db, true) == 0);
	make_batch(batch, 40, 704);
	struct db_source lost = { .run_id = run, .path = "lost.txt", .kind = "file", .size = -1,
	                          .status = "ok", .findings = 40 };
	CHECK(db_source_commit(db, &lost, batch, 40) == 0);
	sqlite3_commit_hook(db_handle(db), refuse_commit, NULL);
	CHECK(db_group_commit(db) == -1);
	CHECK(strstr(db_error(db), "cannot commit") != NULL);
	sqlite3_commit_hook(db_handle(db), NULL, NULL);
	make_batch(batch, 5, 705);
	struct db_source later = { .run_id = run, .path = "later.txt", .kind = "file", .size = -1,
	                           .status = "ok", .findings = 5 };
	CHECK(db_source_commit(db, &later, batch, 5) == -1);
	CHECK(strstr(db_error(db), "cannot commit") != NULL);
	struct db_source box2 = { .run_id = run, .path = "box2.tar", .kind = "file", .size = -1,
	                          .status = "scanning" };
	CHECK(db_source_insert(db, &box2) == -1);
	CHECK(db_grouping(db, false) == 0);
	CHECK(count(db_handle(db), "SELECT count(*) FROM sources WHERE path IN ('lost.txt', 'later.txt', 'box2.tar')") == 0);
	CHECK(count(db_handle(db), "SELECT count(*) FROM findings") == written);
	CHECK(db_grouping(db, true) == 0);
	make_batch(batch, 12, 706);
	CHECK(db_source_commit(db, &later, batch, 12) == 0);
	CHECK(db_grouping(db, false) == 0);
	CHECK(check_rows(db_handle(db), later.id, batch, 12) == 0);
	written += 12;
	CHECK(count(db_handle(db), "SELECT count(*) FROM findings") == written);

	CHECK(count(db_handle(db), "SELECT count(*) FROM pragma_integrity_check() WHERE integrity_check != 'ok'") == 0);
	CHECK(db_run_end(db, run, "ok") == 0);
	db_close(db);

	char wal[300], shm[300];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	unlink(wal);
	unlink(shm);
	unlink(path);
	rmdir(dir);
	return unit_finish("store_batches");
}
