/*
 * Reviewed precision: the Wilson score interval against known values,
 * finding ids, and a sample, an import and the statistics on a small
 * database made through the store API.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "db/review.h"
#include "db/store.h"
#include "tests/unit/unit.h"

static int near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		printf("  got %.6f, want %.6f\n", got, want);
	return fabs(got - want) <= tol;
}

static int wilson_is(uint64_t k, uint64_t n, double lo, double hi)
{
	double l, h;
	int rc = db_wilson(k, n, DB_WILSON_Z95, &l, &h);
	if (rc)
		printf("  wilson(%llu, %llu) failed\n", (unsigned long long)k, (unsigned long long)n);
	return rc == 0 && near(l, lo, 5e-5) && near(h, hi, 5e-5);
}

static void test_wilson(void)
{
	/* Values from the closed form, cross-checked with R's
	 * binom::binom.wilson and statsmodels' proportion_confint(method="wilson"). */
	CHECK(wilson_is(8, 10, 0.4902, 0.9433));
	CHECK(wilson_is(10, 10, 0.7225, 1.0));
	CHECK(wilson_is(0, 10, 0.0, 0.2775));
	CHECK(wilson_is(1, 2, 0.0945, 0.9055));
	CHECK(wilson_is(45, 50, 0.7864, 0.9565));
	CHECK(wilson_is(1, 1, 0.2065, 1.0));
	CHECK(wilson_is(0, 1, 0.0, 0.7935));
	CHECK(wilson_is(500, 1000, 0.4691, 0.5309));
	/* 0/0: nothing measured; the whole range, and said so. */
	double l = -1, h = -1;
	CHECK(db_wilson(0, 0, DB_WILSON_Z95, &l, &h) == -1);
	CHECK(l == 0.0 && h == 1.0);
	/* k > n is clamped rather than giving a bound above 1. */
	CHECK(db_wilson(12, 10, DB_WILSON_Z95, &l, &h) == 0 && h == 1.0 && l > 0.72);
	/* The interval always holds the estimate, and narrows with n. */
	for (uint64_t n = 1; n <= 200; n += 7)
		for (uint64_t k = 0; k <= n; k += 3) {
			double lo, hi, lo2, hi2, p = (double)k / (double)n;
			db_wilson(k, n, DB_WILSON_Z95, &lo, &hi);
			db_wilson(4 * k, 4 * n, DB_WILSON_Z95, &lo2, &hi2);
			if (!(lo <= p + 1e-12 && p <= hi + 1e-12 && lo >= 0 && hi <= 1 &&
			      hi2 - lo2 < hi - lo + 1e-12)) {
				printf("  wilson(%llu, %llu) = [%f, %f]\n", (unsigned long long)k,
				       (unsigned long long)n, lo, hi);
				CHECK(0);
			}
		}
}

static void test_ids(void)
{
	char a[DB_FINDING_ID_LEN], b[DB_FINDING_ID_LEN];
	const char *fp = "3f9a1c0b7e21d4aa00112233445566778899aabbccddeeff0011223344556677";
	db_finding_id(fp, "corpus/a.txt", NULL, 120, "email.address", a);
	db_finding_id(fp, "corpus/a.txt", NULL, 120, "email.address", b);
	CHECK(!strcmp(a, b));
	CHECK(db_finding_id_valid(a));
	CHECK(!strncmp(a, fp, 12) && a[12] == '-');
	/* Every part of the location counts. */
	db_finding_id(fp, "corpus/a.txt", "", 120, "email.address", b);
	CHECK(strcmp(a, b));
	db_finding_id(fp, "corpus/a.txt", NULL, 121, "email.address", b);
	CHECK(strcmp(a, b));
	db_finding_id(fp, "corpus/b.txt", NULL, 120, "email.address", b);
	CHECK(strcmp(a, b));
	db_finding_id(fp, "corpus/a.txt", NULL, 120, "email.other", b);
	CHECK(strcmp(a, b));
	CHECK(!db_finding_id_valid("3f9a1c0b7e21"));
	CHECK(!db_finding_id_valid("3F9A1C0B7E21-0123456789ab"));
	CHECK(!db_finding_id_valid("3f9a1c0b7e21x0123456789ab"));
	CHECK(!db_finding_id_valid(NULL));
	CHECK(db_verdict_valid("tp") && db_verdict_valid("fp") && db_verdict_valid("unsure"));
	CHECK(!db_verdict_valid("TP") && !db_verdict_valid("yes") && !db_verdict_valid(""));
}

/* A run with two rules: rule.a has 30 findings in a.txt, rule.b 5 in a
 * tar member, and one placeholder that is never sampled. */
static int make_db(const char *path, struct db_store **out)
{
	char err[1024];
	struct db_store *db;
	int64_t run;
	unlink(path);
	if (db_open(&db, path, true, err, sizeof(err))) {
		printf("  %s\n", err);
		return -1;
	}
	struct db_run r = { .kind = "scan", .argv_json = "[]", .tool_version = "test",
	                    .rules_digest = "x", .key_id = "0123456789abcdef" };
	if (db_run_begin(db, &r, &run) ||
	    db_run_rule(db, run, "rule.a", "email", "a", NULL, 0.9, "", "p") ||
	    db_run_rule(db, run, "rule.b", "phone", "b", NULL, 0.9, "", "p") ||
	    db_run_rule(db, run, "rule.c", "phone", "c", NULL, 0.9, "", "p"))
		goto fail;
	struct db_finding f[40];
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 31; i++) {
		f[i].rule = "rule.a";
		f[i].category = "email";
		f[i].line = (uint64_t)i + 1;
		f[i].offset = (uint64_t)i * 40;
		f[i].length = 20;
		f[i].confidence = 0.9;
		f[i].placeholder = i == 30;
		snprintf(f[i].preview, sizeof(f[i].preview), "a***@b***.io");
		snprintf(f[i].fingerprint, sizeof(f[i].fingerprint), "%064x", i + 1);
	}
	struct db_source a = { .run_id = run, .path = "a.txt", .kind = "file", .size = -1, .status = "ok" };
	if (db_source_commit(db, &a, f, 31))
		goto fail;
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 5; i++) {
		f[i].rule = "rule.b";
		f[i].category = "phone";
		f[i].line = 1;
		f[i].offset = (uint64_t)i * 100;
		f[i].length = 12;
		f[i].confidence = 0.9;
		snprintf(f[i].preview, sizeof(f[i].preview), "********5678");
		snprintf(f[i].fingerprint, sizeof(f[i].fingerprint), "%064x", 1000 + i);
	}
	struct db_source b = { .run_id = run, .path = "b.tar", .member = "in/b.txt", .kind = "member",
	                       .size = -1, .status = "ok" };
	if (db_source_commit(db, &b, f, 5) || db_run_end(db, run, "ok"))
		goto fail;
	if (db_review_init(db, err, sizeof(err))) {
		printf("  %s\n", err);
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
fail:
	printf("  %s\n", db_error(db));
	db_close(db);
	return -1;
}

static const struct db_review_stat *find_stat(const struct db_review_stat *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static void test_store(void)
{
	char path[] = "/tmp/piiaudit-test-review.XXXXXX", err[1024];
	int fd = mkstemp(path);
	struct db_store *db = NULL;
	struct db_sample s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	if (fd < 0) {
		CHECK(0);
		return;
	}
	close(fd);
	CHECK(make_db(path, &db) == 0);
	if (!db)
		goto out;
	/* The same seed, the same sample; strata are capped at N. */
	CHECK(db_review_sample(db, 1, DB_STRATUM_RULE, 10, 7, false, &s1, err, sizeof(err)) == 0);
	CHECK(db_review_sample(db, 1, DB_STRATUM_RULE, 10, 7, false, &s2, err, sizeof(err)) == 0);
	CHECK(s1.count == 15 && s1.strata == 2 && s1.short_strata == 1);
	bool same = s1.count == s2.count;
	for (size_t i = 0; same && i < s1.count; i++)
		same = !strcmp(s1.items[i].finding_id, s2.items[i].finding_id);
	CHECK(same);
	size_t na = 0, nb = 0;
	for (size_t i = 0; i < s1.count; i++) {
		na += !strcmp(s1.items[i].rule, "rule.a");
		nb += !strcmp(s1.items[i].rule, "rule.b");
		CHECK(s1.items[i].value == NULL);
	}
	CHECK(na == 10 && nb == 5);
	/* The SQL functions give the same ids and the same order. */
	{
		sqlite3_stmt *st;
		size_t k = 0;
		bool in_order = true;
		CHECK(sqlite3_prepare_v2(db_handle(db),
		                         "SELECT piiaudit_finding_id(f.fingerprint, s.path, s.member, f.offset,"
		                         " f.rule) AS fid FROM findings f JOIN sources s ON s.id = f.source_id"
		                         " WHERE f.rule = 'rule.a' AND f.placeholder = 0"
		                         " ORDER BY piiaudit_rank(7, fid), fid LIMIT 10",
		                         -1, &st, NULL) == SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			while (k < s1.count && strcmp(s1.items[k].rule, "rule.a"))
				k++;
			in_order &= k < s1.count &&
			            !strcmp((const char *)sqlite3_column_text(st, 0), s1.items[k].finding_id);
			k++;
		}
		sqlite3_finalize(st);
		CHECK(in_order && k >= 10);
	}
	/* Another seed, another order. */
	CHECK(db_review_sample(db, 1, DB_STRATUM_RULE, 10, 8, false, &s3, err, sizeof(err)) == 0);
	same = s1.count == s3.count;
	for (size_t i = 0; same && i < s1.count; i++)
		same = !strcmp(s1.items[i].finding_id, s3.items[i].finding_id);
	CHECK(!same);
	db_sample_release(&s3);

	/* Verdicts on rule.a's sample: 8 tp, 2 fp. */
	struct db_verdict v[10];
	size_t nv = 0;
	for (size_t i = 0; i < s1.count && nv < 10; i++)
		if (!strcmp(s1.items[i].rule, "rule.a")) {
			v[nv] = (struct db_verdict){ s1.items[i].finding_id, nv < 8 ? "tp" : "fp", "ann", NULL };
			nv++;
		}
	CHECK(db_review_known(db, v[0].finding_id, err, sizeof(err)) == 1);
	CHECK(db_review_known(db, "000000000000-000000000000", err, sizeof(err)) == 0);
	size_t added, changed, unchanged;
	/* An unknown id fails the whole import. */
	struct db_verdict bad[2] = { v[0], { "000000000000-000000000000", "tp", NULL, NULL } };
	CHECK(db_review_import(db, bad, 2, "2026-01-01T00:00:00Z", &added, &changed, &unchanged,
	                       err, sizeof(err)) == -1);
	CHECK(strstr(err, "unknown finding id") != NULL);
	CHECK(db_review_known(db, v[0].finding_id, err, sizeof(err)) == 1);
	struct db_review_stats st;
	CHECK(db_review_stats(db, 1, &st, err, sizeof(err)) == 0);
	CHECK(st.total.reviewed == 0 && st.verdicts == 0);
	db_review_stats_release(&st);

	CHECK(db_review_import(db, v, nv, "2026-01-01T00:00:00Z", &added, &changed, &unchanged,
	                       err, sizeof(err)) == 0);
	CHECK(added == 10 && changed == 0);
	/* Importing again changes nothing; a changed verdict is counted. */
	v[0].verdict = "unsure";
	CHECK(db_review_import(db, v, nv, "2026-01-02T00:00:00Z", &added, &changed, &unchanged,
	                       err, sizeof(err)) == 0);
	CHECK(added == 0 && changed == 1 && unchanged == 9);
	v[0].verdict = "tp";
	CHECK(db_review_import(db, v, 1, "2026-01-02T00:00:00Z", &added, &changed, &unchanged,
	                       err, sizeof(err)) == 0);

	CHECK(db_review_stats(db, 1, &st, err, sizeof(err)) == 0);
	const struct db_review_stat *a = find_stat(st.rules, st.rule_count, "rule.a");
	const struct db_review_stat *b = find_stat(st.rules, st.rule_count, "rule.b");
	const struct db_review_stat *c = find_stat(st.rules, st.rule_count, "rule.c");
	const struct db_review_stat *email = find_stat(st.categories, st.category_count, "email");
	const struct db_review_stat *phone = find_stat(st.categories, st.category_count, "phone");
	CHECK(st.rule_count == 3 && st.category_count == 2);
	CHECK(a && a->findings == 30 && a->reviewed == 10 && a->tp == 8 && a->fp == 2 && a->measured);
	CHECK(a && near(a->precision, 0.8, 1e-9) && near(a->low, 0.4902, 5e-5) && near(a->high, 0.9433, 5e-5));
	/* 30 x [0.4902, 0.9433] = [14.7, 28.3], and at most 30 - 2 fp. */
	CHECK(a && near(a->true_est, 24.0, 1e-9) && near(a->true_low, 30 * 0.49016, 0.01) &&
	      near(a->true_high, 28.0, 1e-9));
	CHECK(b && b->findings == 5 && b->reviewed == 0 && !b->measured);
	CHECK(c && c->findings == 0 && !c->measured);
	CHECK(email && email->tp == 8 && email->by_rules && near(email->rules_true_est, 24.0, 1e-9));
	CHECK(phone && phone->findings == 5 && !phone->measured && !phone->by_rules);
	CHECK(st.verdicts == 10 && st.verdicts_elsewhere == 0);
	db_review_stats_release(&st);

	/* A reviewed finding is not sampled again. */
	CHECK(db_review_sample(db, 1, DB_STRATUM_RULE, 100, 7, false, &s3, err, sizeof(err)) == 0);
	bool again = false;
	for (size_t i = 0; i < s3.count; i++)
		for (size_t j = 0; j < nv; j++)
			again |= !strcmp(s3.items[i].finding_id, v[j].finding_id);
	CHECK(!again && s3.count == 25);
	db_sample_release(&s3);
	/* Per category: the same strata here, named by category. */
	CHECK(db_review_sample(db, 1, DB_STRATUM_CATEGORY, 3, 1, false, &s3, err, sizeof(err)) == 0);
	CHECK(s3.count == 6 && s3.strata == 2 && s3.short_strata == 0);
	db_sample_release(&s3);

	/* Spans: the findings around an offset, for masking a context. */
	struct db_span *spans;
	size_t nspans;
	CHECK(db_review_spans(db, 1, 1, 35, 125, &spans, &nspans, err, sizeof(err)) == 0);
	CHECK(nspans == 3 && spans[0].offset == 40 && spans[2].offset == 120);
	free(spans);
	CHECK(db_review_spans(db, 1, 1, 10, 11, &spans, &nspans, err, sizeof(err)) == 0);
	CHECK(nspans == 1 && spans && spans[0].offset == 0);
	free(spans);
out:
	db_sample_release(&s1);
	db_sample_release(&s2);
	db_close(db);
	unlink(path);
	char side[64];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int main(void)
{
	test_wilson();
	test_ids();
	test_store();
	return unit_finish("test_review");
}
