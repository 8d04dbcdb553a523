/*
 * audit/export_sarif.c - SARIF 2.1.0 (OASIS) output of a run.
 *
 * Mapping: each rule of the run is a reportingDescriptor (id, short and
 * full description, tags and category in properties); each finding is a
 * result with ruleId, level from its confidence (>= 0.9 error, >= 0.6
 * warning, else note), the masked preview in its message, one
 * physicalLocation and partialFingerprints["piiaudit/v1"], the keyed
 * fingerprint.  An archive member's URI is the archive's, then "!/" and
 * the member, for each level of nesting ("a.tar.gz!/inner.zip!/b/c.txt");
 * bytes that a URI cannot hold as they are (and a literal '!') are
 * percent-encoded, and an absolute path becomes a file:// URI.
 */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "audit/cli.h"
#include "audit/export_sarif.h"
#include "audit/report.h"
#include "db/report_queries.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static void jstr(FILE *out, const char *s)
{
	if (!s)
		fputs("null", out);
	else
		json_write_string(out, s, strlen(s));
}

static const char *level_of(double confidence)
{
	return confidence >= 0.9 ? "error" : confidence >= 0.6 ? "warning" : "note";
}

/* One path segment run of a URI: RFC 3986 unreserved characters, '/' and
 * a few sub-delimiters stay; everything else, '!' included, is %XX. */
static void uri_part(FILE *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/$&'()*+,;=@", c)) {
			fputc(c, out);
		} else {
			fputc('%', out);
			fputc(hex[c >> 4], out);
			fputc(hex[c & 15], out);
		}
	}
}

/* The URI of a finding's artifact, as a JSON string (no character that
 * JSON would escape can survive uri_part). */
static void uri(FILE *out, const char *path, const char *member)
{
	fputc('"', out);
	if (path[0] == '/')
		fputs("file://", out);
	uri_part(out, path);
	if (member) {
		/* Nested members are joined with '!' in the database. */
		const char *p = member;
		for (;;) {
			const char *bang = strchr(p, '!');
			size_t n = bang ? (size_t)(bang - p) : strlen(p);
			char *seg = strndup(p, n);
			fputs("!/", out);
			if (seg)
				uri_part(out, seg);
			free(seg);
			if (!bang)
				break;
			p = bang + 1;
		}
	}
	fputc('"', out);
}

static bool is_utc_time(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SSZ, as the store writes it. */
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	if (!s || strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	return true;
}

static void tags_array(FILE *out, const char *tags)
{
	bool first = true;
	fputc('[', out);
	for (const char *p = tags; p && *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n) {
			fputs(first ? "" : ",", out);
			json_write_string(out, p, n);
			first = false;
		}
		p += n;
	}
	fputc(']', out);
}

struct rule_index {
	const char *id;
	size_t index;
};

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct rule_index *)a)->id, ((const struct rule_index *)b)->id);
}

static void driver(FILE *out, const struct db_report *r)
{
	fputs("{\"driver\":{\"name\":\"piiaudit\",\"version\":\"" PIIAUDIT_VERSION "\","
	      "\"semanticVersion\":\"" PIIAUDIT_VERSION "\",\"rules\":[", out);
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		char shortd[256];
		snprintf(shortd, sizeof(shortd), "%s (%s)", ru->id, report_category_label(ru->category));
		fputs(i ? ",\n{" : "\n{", out);
		fputs("\"id\":", out);
		jstr(out, ru->id);
		fputs(",\"shortDescription\":{\"text\":", out);
		jstr(out, shortd);
		fputs("},\"fullDescription\":{\"text\":", out);
		jstr(out, ru->description && *ru->description ? ru->description : shortd);
		fprintf(out, "},\"defaultConfiguration\":{\"level\":\"%s\"},\"properties\":{\"tags\":",
		        level_of(ru->confidence));
		tags_array(out, ru->tags);
		fputs(",\"category\":", out);
		jstr(out, ru->category);
		fputs(",\"validator\":", out);
		jstr(out, ru->validator);
		fprintf(out, ",\"confidence\":%.2f}}", ru->confidence);
	}
	fputs("]}}", out);
}

static void invocation(FILE *out, const struct db_report *r)
{
	char **argv = NULL;
	size_t argc = 0;
	fputs("[{\"executionSuccessful\":", out);
	fputs(r->run.status && !strcmp(r->run.status, "ok") ? "true" : "false", out);
	if (!report_argv_decode(r->run.argv_json, &argv, &argc) && argc) {
		fputs(",\"arguments\":[", out);
		for (size_t i = 0; i < argc; i++) {
			fputs(i ? "," : "", out);
			jstr(out, argv[i]);
		}
		fputc(']', out);
	}
	for (size_t i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	if (is_utc_time(r->run.started_at)) {
		fputs(",\"startTimeUtc\":", out);
		jstr(out, r->run.started_at);
	}
	if (is_utc_time(r->run.ended_at)) {
		fputs(",\"endTimeUtc\":", out);
		jstr(out, r->run.ended_at);
	}
	fputs("}]", out);
}

static void result(FILE *out, const struct db_report_finding *f, const struct rule_index *idx,
                   size_t nidx, bool first)
{
	struct rule_index key = { f->rule, 0 };
	const struct rule_index *hit = nidx ? bsearch(&key, idx, nidx, sizeof(*idx), by_id) : NULL;
	char text[512];
	snprintf(text, sizeof(text), "%s: %s (%s, confidence %.2f%s)", f->category, f->preview, f->rule,
	         f->confidence, f->placeholder ? ", a documentation placeholder" : "");
	fputs(first ? "\n{" : ",\n{", out);
	fputs("\"ruleId\":", out);
	jstr(out, f->rule);
	if (hit)
		fprintf(out, ",\"ruleIndex\":%zu", hit->index);
	fprintf(out, ",\"level\":\"%s\",\"message\":{\"text\":", level_of(f->confidence));
	jstr(out, text);
	fputs("},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
	uri(out, f->path, f->member);
	fprintf(out, "},\"region\":{\"startLine\":%lld,\"byteOffset\":%lld,\"byteLength\":%lld}}}],",
	        (long long)(f->line > 0 ? f->line : 1), (long long)(f->offset >= 0 ? f->offset : 0),
	        (long long)(f->length >= 0 ? f->length : 0));
	fputs("\"partialFingerprints\":{\"piiaudit/v1\":", out);
	jstr(out, f->fingerprint);
	fputs("},\"properties\":{\"category\":", out);
	jstr(out, f->category);
	fprintf(out, ",\"confidence\":%.2f,\"placeholder\":%s", f->confidence,
	        f->placeholder ? "true" : "false");
	if (f->record > 0)
		fprintf(out, ",\"record\":%lld", (long long)f->record);
	if (f->field) {
		fputs(",\"field\":", out);
		jstr(out, f->field);
	}
	if (f->value) {
		fputs(",\"value\":", out);
		jstr(out, f->value);
	}
	fputs("}}", out);
}

int export_sarif(FILE *out, sqlite3 *db, int64_t run_id, bool values, char *err, size_t errlen)
{
	struct db_report r;
	struct db_findings_cursor *cur = NULL;
	struct rule_index *idx = NULL;
	int rc = -1;
	db_report_init(&r);
	if (db_report_load_run(&r, db, run_id)) {
		snprintf(err, errlen, "%s", r.error);
		goto out;
	}
	if (r.rule_count && !(idx = calloc(r.rule_count, sizeof(*idx)))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r.rule_count; i++)
		idx[i] = (struct rule_index){ r.rules[i].id, i };
	if (r.rule_count)
		qsort(idx, r.rule_count, sizeof(*idx), by_id);
	if (db_findings_open(&cur, db, run_id, values && r.run.store_values, err, errlen))
		goto out;

	fputs("{\"$schema\":\"" SARIF_SCHEMA "\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":", out);
	driver(out, &r);
	fputs(",\n\"invocations\":", out);
	invocation(out, &r);
	fprintf(out, ",\n\"automationDetails\":{\"id\":\"piiaudit/run-%lld/\"},\n\"properties\":{",
	        (long long)r.run.id);
	fputs("\"runUuid\":", out);
	jstr(out, r.run.uuid);
	fputs(",\"rulesDigest\":", out);
	jstr(out, r.run.rules_digest);
	fputs(",\"keyId\":", out);
	jstr(out, r.run.key_id);
	fputs("},\n\"results\":[", out);
	struct db_report_finding f;
	bool first = true;
	int got;
	while ((got = db_findings_next(cur, &f)) == 1) {
		result(out, &f, idx, r.rule_count, first);
		first = false;
	}
	if (got < 0) {
		snprintf(err, errlen, "%s", db_findings_error(cur));
		goto out;
	}
	fputs("]}]}\n", out);
	if (fflush(out) || ferror(out)) {
		snprintf(err, errlen, "write error");
		goto out;
	}
	rc = 0;
out:
	db_findings_close(cur);
	free(idx);
	db_report_release(&r);
	return rc;
}
