/*
 * Re-reading the bytes around findings (scanners/source_context.c): a
 * generated CSV of a few MiB (many stream windows) with quoted and
 * unquoted cells, doubled quotes, separators, CR and LF inside quotes,
 * blank lines and a byte order mark; at a random byte of many cells, the
 * decoded text before it must be exactly the cell's own text before it.
 * Then JSON strings, text lines, and the statuses of places that cannot be
 * read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanners/source_context.h"
#include "tests/unit/unit.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned next(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

struct expect {
	size_t cell_raw;     /* offset of the cell's content */
	char content[64];    /* decoded */
	size_t len, at;      /* the place: content[at] */
	uint64_t offset;     /* its raw offset */
};

#define PLACES 3000

static char *temp_file(const char *data, size_t len, const char *suffix)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/piiaudit-unit-XXXXXX%s", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		return NULL;
	close(fd);
	return path;
}

static void csv_cells(unsigned char sep)
{
	static const char alphabet[] = "ab cd\"\n\r,\t\xc3\xa9xyz";
	size_t cap = 8u << 20, len = 0, nexp = 0;
	char *csv = malloc(cap);
	struct expect *exp = calloc(PLACES, sizeof(*exp));
	struct scan_context *places = calloc(PLACES, sizeof(*places));
	char reason[256];
	CHECK(csv && exp && places);
	if (!csv || !exp || !places)
		goto out;
	len += (size_t)snprintf(csv, cap, "\xef\xbb\xbf" "a%cb%cc\r\n", sep, sep);
	while (len < (4u << 20)) {
		if (!next(50))
			csv[len++] = '\n'; /* a blank line */
		for (int k = 0; k < 3; k++) {
			char content[64];
			size_t n = next(40);
			bool special = false;
			for (size_t i = 0; i < n; i++) {
				content[i] = alphabet[next(sizeof(alphabet) - 1)];
				special |= content[i] == '"' || content[i] == '\n' || content[i] == '\r' ||
				           content[i] == (char)sep;
			}
			bool quoted = special || !next(4);
			if (quoted)
				csv[len++] = '"';
			size_t raw_start = len;
			size_t raw_at[64];
			for (size_t i = 0; i < n; i++) {
				raw_at[i] = len;
				csv[len++] = content[i];
				if (content[i] == '"')
					csv[len++] = '"';
			}
			if (quoted)
				csv[len++] = '"';
			if (n && nexp < PLACES && !next(60)) {
				struct expect *e = &exp[nexp++];
				e->cell_raw = raw_start;
				memcpy(e->content, content, n);
				e->len = n;
				e->at = next((unsigned)n);
				e->offset = raw_at[e->at];
			}
			csv[len++] = k < 2 ? (char)sep : '\r';
		}
		csv[len++] = '\n';
	}
	const char *path = temp_file(csv, len, sep == ',' ? ".csv" : ".tsv");
	CHECK(path != NULL);
	if (!path)
		goto out;
	for (size_t i = 0; i < nexp; i++) {
		places[i].offset = exp[i].offset;
		places[i].length = 1;
		places[i].before = 4096;
		places[i].after = 8;
		places[i].kind = SCAN_CONTEXT_CSV;
		places[i].csv_sep = sep;
	}
	CHECK(scan_context_read(NULL, path, places, nexp, reason, sizeof(reason)) == 0);
	size_t good = 0;
	for (size_t i = 0; i < nexp; i++) {
		struct scan_context *c = &places[i];
		const struct expect *e = &exp[i];
		if (c->status != SCAN_CONTEXT_OK || scan_context_decode(c, false))
			continue;
		if (c->cell_start == e->cell_raw && c->text_whole && c->value_at == e->at &&
		    !memcmp(c->text, e->content, e->at) && c->text_len == e->at + 1 &&
		    c->text[e->at] == (unsigned char)e->content[e->at])
			good++;
		else
			printf("place %zu at %llu: cell %llu (want %zu), value_at %zu (want %zu), whole %d,"
			       " text_len %zu, byte %02x (want %02x)\n", i, (unsigned long long)e->offset,
			       (unsigned long long)c->cell_start, e->cell_raw, c->value_at, e->at, c->text_whole,
			       c->text_len, c->text_len ? (unsigned char)c->text[c->text_len - 1] : 0,
			       (unsigned char)e->content[e->at]);
	}
	CHECK(nexp > 1000);
	CHECK(good == nexp);
	unlink(path);
out:
	for (size_t i = 0; places && i < PLACES; i++)
		scan_context_release(&places[i]);
	free(places);
	free(exp);
	free(csv);
}

static void json_and_text(void)
{
	const char data[] = "{\"t\":\"x\\\"y \\u00e9 VALUE\"}\nline one\nsome VALUE here\n";
	char reason[256];
	const char *path = temp_file(data, sizeof(data) - 1, ".jsonl");
	CHECK(path != NULL);
	if (!path)
		return;
	struct scan_context c[5];
	memset(c, 0, sizeof(c));
	const char *v1 = strstr(data, "VALUE"), *v2 = strstr(v1 + 1, "VALUE");
	c[0] = (struct scan_context){ .offset = (uint64_t)(v1 - data), .length = 5, .before = 100,
	                              .kind = SCAN_CONTEXT_JSON };
	c[1] = (struct scan_context){ .offset = (uint64_t)(v2 - data), .length = 5, .before = 100 };
	c[2] = c[1];
	c[2].after = 1000;
	c[3] = (struct scan_context){ .offset = sizeof(data) - 3, .length = 10 };  /* past the end */
	c[4] = (struct scan_context){ .member = "no!such", .offset = 0, .length = 1 };
	CHECK(scan_context_read(NULL, path, c, 5, reason, sizeof(reason)) == 0);
	CHECK(c[0].status == SCAN_CONTEXT_OK && !scan_context_decode(&c[0], true));
	CHECK(c[0].text_whole && c[0].value_at == 7 && !memcmp(c[0].text, "x\"y \xc3\xa9 VALUE", 12));
	CHECK(c[1].status == SCAN_CONTEXT_OK && !scan_context_decode(&c[1], true));
	CHECK(c[1].value_at == 5 && !memcmp(c[1].text, "some VALUE", 10));
	CHECK(!scan_context_decode(&c[2], false));
	CHECK(c[2].text_whole && c[2].value_at == (size_t)(v2 - data) && !memcmp(c[2].text, data, c[2].value_at));
	CHECK(c[3].status == SCAN_CONTEXT_SHORT);
	CHECK(c[4].status == SCAN_CONTEXT_NO_MEMBER);
	CHECK(c[2].member_end == sizeof(data) - 1 && c[1].member_end == 0);
	for (int i = 0; i < 5; i++)
		scan_context_release(&c[i]);
	unlink(path);
	CHECK(scan_context_read(NULL, "/nonexistent/x.csv", c, 1, reason, sizeof(reason)) == -1);
	CHECK(c[0].status == SCAN_CONTEXT_UNREAD && reason[0]);
	scan_context_release(&c[0]);
	CHECK(scan_context_read(NULL, "-", c, 1, reason, sizeof(reason)) == -1);
	CHECK(!strcmp(reason, "standard input cannot be read again"));
	scan_context_release(&c[0]);
	CHECK(scan_context_csv_sep(0, "a.tar", "b/c.TSV") == '\t' && scan_context_csv_sep(0, "a.txt", NULL) == 0);
	CHECK(scan_context_csv_sep(',', "a.txt", NULL) == ',' && scan_context_csv_sep(-1, "a.csv", NULL) == 0);
}

int main(void)
{
	csv_cells(',');
	csv_cells('\t');
	json_and_text();
	return unit_finish("test_source_context");
}
