/*
 * audit/report_facts.c - what a report says in words, derived once from
 * the model so that HTML, Markdown and JSON say the same thing: the
 * regimes (from the rules' tags), the HIPAA Safe Harbor table, the
 * coverage statement, the ready-to-paste blocks, and the command line that
 * repeats the run.
 *
 * Owns every string in struct report_facts (report_facts_release frees
 * them); borrows the model, which must outlive the facts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/cli.h"
#include "audit/report.h"

static const char *const regime_keys[REGIME_COUNT] = {
	"gdpr_art4", "gdpr_art9", "ccpa", "pci_dss", "secrets",
};
static const char *const regime_names[REGIME_COUNT] = {
	"GDPR Article 4(1): personal data",
	"GDPR Article 9: special categories of personal data",
	"CCPA / CPRA: personal information",
	"PCI DSS: cardholder data",
	"Secrets: credentials, keys and tokens",
};
static const char *const regime_tags[REGIME_COUNT] = {
	"gdpr:art4", "gdpr:art9", "ccpa", "pci-dss", "secret",
};

/* 45 CFR 164.514(b)(2)(i)(A)-(R). */
static const char *const hipaa_identifiers[18] = {
	"Names",
	"Geographic subdivisions smaller than a state (street address, city, county, ZIP code)",
	"Elements of dates (except year) related to an individual; ages over 89",
	"Telephone numbers",
	"Fax numbers",
	"Email addresses",
	"Social Security numbers",
	"Medical record numbers",
	"Health plan beneficiary numbers",
	"Account numbers",
	"Certificate and license numbers",
	"Vehicle identifiers and serial numbers, including license plates",
	"Device identifiers and serial numbers",
	"Web URLs",
	"IP addresses",
	"Biometric identifiers, including finger and voice prints",
	"Full-face photographs and comparable images",
	"Any other unique identifying number, characteristic or code",
};

static const char *category_labels[][2] = {
	{ "email", "e-mail addresses" },
	{ "phone", "telephone numbers" },
	{ "credit_card", "payment card numbers" },
	{ "iban", "bank account numbers (IBAN)" },
	{ "ip_address", "IP addresses" },
	{ "mac_address", "device (MAC) addresses" },
	{ "us_ssn", "US Social Security numbers" },
	{ "national_id", "national identity numbers" },
	{ "crypto_wallet", "cryptocurrency wallet addresses" },
	{ "secret", "secrets (keys, tokens, passwords)" },
	{ "date_of_birth", "dates of birth" },
	{ "url", "URLs carrying personal data" },
	{ "other", "other identifiers" },
};

const char *report_hipaa_state_name(enum report_hipaa_state st)
{
	switch (st) {
	case HIPAA_FOUND: return "found";
	case HIPAA_NONE_FOUND: return "looked for, none found";
	case HIPAA_NOT_LOOKED_FOR: return "not looked for in this run";
	case HIPAA_NOT_DETECTABLE: return "not detectable by this tool";
	}
	return "?";
}

const char *report_category_label(const char *cat)
{
	for (size_t i = 0; i < sizeof(category_labels) / sizeof(category_labels[0]); i++)
		if (!strcmp(category_labels[i][0], cat))
			return category_labels[i][1];
	return cat;
}

bool report_rule_has_tag(const struct db_report_rule *ru, const char *tag)
{
	size_t n = strlen(tag);
	for (const char *p = ru->tags; p && *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (len == n && !strncmp(p, tag, n))
			return true;
		p += len;
	}
	return false;
}

const char *report_bucket_label(size_t bucket)
{
	static const char *const labels[DB_REPORT_BUCKETS] = {
		"0.0-0.1", "0.1-0.2", "0.2-0.3", "0.3-0.4", "0.4-0.5",
		"0.5-0.6", "0.6-0.7", "0.7-0.8", "0.8-0.9", "0.9-1.0",
	};
	return bucket < DB_REPORT_BUCKETS ? labels[bucket] : "?";
}

char *report_location(const char *path, const char *member)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s%s", path ? path : "", member ? "!" : "", member ? member : "") < 0)
		return NULL;
	return s;
}

/* ---- the run's command line ---- */

static void put_utf8(FILE *out, unsigned long cp)
{
	if (cp < 0x80) {
		fputc((int)cp, out);
	} else if (cp < 0x800) {
		fputc((int)(0xc0 | (cp >> 6)), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	} else if (cp < 0x10000) {
		fputc((int)(0xe0 | (cp >> 12)), out);
		fputc((int)(0x80 | ((cp >> 6) & 0x3f)), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	} else {
		fputc((int)(0xf0 | (cp >> 18)), out);
		fputc((int)(0x80 | ((cp >> 12) & 0x3f)), out);
		fputc((int)(0x80 | ((cp >> 6) & 0x3f)), out);
		fputc((int)(0x80 | (cp & 0x3f)), out);
	}
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static int hex4(const char *p, unsigned long *out)
{
	unsigned long v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned long)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* One JSON string at *pp (after its opening quote), decoded; malloc'd. */
static char *json_string(const char **pp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	const char *p = *pp;
	bool ok = false;
	if (!out)
		return NULL;
	while (*p) {
		if (*p == '"') {
			ok = true;
			p++;
			break;
		}
		if ((unsigned char)*p < 0x20)
			break;
		if (*p != '\\') {
			fputc(*p++, out);
			continue;
		}
		p++;
		unsigned long cp, lo;
		switch (*p) {
		case '"': case '\\': case '/': fputc(*p, out); break;
		case 'b': fputc('\b', out); break;
		case 'f': fputc('\f', out); break;
		case 'n': fputc('\n', out); break;
		case 'r': fputc('\r', out); break;
		case 't': fputc('\t', out); break;
		case 'u':
			if (hex4(p + 1, &cp))
				goto out;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u' && !hex4(p + 3, &lo) &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;
			}
			put_utf8(out, cp);
			break;
		default: goto out;
		}
		p++;
	}
out:
	if (fclose(out) || !ok) {
		free(buf);
		return NULL;
	}
	*pp = p;
	return buf;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int report_argv_decode(const char *json, char ***argv, size_t *argc)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	const char *p = skip_ws(json ? json : "");
	*argv = NULL;
	*argc = 0;
	if (*p++ != '[')
		return -1;
	p = skip_ws(p);
	if (*p == ']')
		goto done;
	for (;;) {
		if (*p++ != '"')
			goto bad;
		char *s = json_string(&p);
		if (!s)
			goto bad;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 8;
			char **nv = realloc(v, na * sizeof(*v));
			if (!nv) {
				free(s);
				goto bad;
			}
			v = nv;
			alloc = na;
		}
		v[n++] = s;
		p = skip_ws(p);
		if (*p == ',') {
			p = skip_ws(p + 1);
			continue;
		}
		if (*p == ']')
			break;
		goto bad;
	}
done:
	if (*skip_ws(p + 1) && *p == ']')
		goto bad;
	*argv = v;
	*argc = n;
	return 0;
bad:
	strv_free(v, n);
	return -1;
}

static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-", *s))
			return false;
	return true;
}

static void shell_quote(FILE *out, const char *s)
{
	if (shell_safe(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

/* ---- helpers for the statements ---- */

void report_put_fields_caption(const struct report_ctx *c, FILE *out)
{
	const struct db_report *r = c->r;
	fputs("Findings by field", out);
	if (r->fields_total > (int64_t)r->field_count) {
		fputs(" (the ", out);
		report_put_int(c, out, (int64_t)r->field_count, true);
		fputs(" with the most, of ", out);
		report_put_int(c, out, r->fields_total, true);
		fputs(")", out);
	}
}

void report_put_bytes(FILE *out, int64_t b)
{
	static const char *const units[] = { "bytes", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)b;
	size_t u = 0;
	while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		fprintf(out, "%lld bytes", (long long)b);
	else
		fprintf(out, "%.1f %s", v, units[u]);
}

static void put_count(FILE *out, int64_t v)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? -v : v));
	if (v < 0)
		fputc('-', out);
	for (int i = 0; i < n; i++) {
		fputc(digits[i], out);
		if ((n - i - 1) % 3 == 0 && i != n - 1)
			fputc(',', out);
	}
}

static const char *plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int64_t coverage_count(const struct db_report *r, const char *kind, const char *status)
{
	int64_t n = 0;
	for (size_t i = 0; i < r->coverage_count; i++)
		if ((!kind || !strcmp(r->coverage[i].kind, kind)) &&
		    (!status || !strcmp(r->coverage[i].status, status)))
			n += r->coverage[i].count;
	return n;
}

static int64_t class_count(const struct db_report *r, const char *cls)
{
	for (size_t i = 0; i < r->class_count; i++)
		if (!strcmp(r->classes[i].name, cls))
			return r->classes[i].count;
	return 0;
}

/* "e-mail addresses (12), telephone numbers (3)" for the real findings of
 * the run's categories, at most `max` of them. */
static void put_category_list(FILE *out, const struct db_report *r, size_t max)
{
	size_t shown = 0, more = 0;
	for (size_t i = 0; i < r->category_count; i++) {
		const struct db_report_category *c = &r->categories[i];
		int64_t real = c->findings - c->placeholders;
		if (real <= 0)
			continue;
		if (shown == max) {
			more++;
			continue;
		}
		fprintf(out, "%s%s (", shown ? ", " : "", report_category_label(c->name));
		put_count(out, real);
		fputc(')', out);
		shown++;
	}
	if (more)
		fprintf(out, " and %zu more %s", more, plural((int64_t)more, "category", "categories"));
}

static char *close_text(FILE *out, char **buf)
{
	if (fclose(out)) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* ---- regimes ---- */

static void build_regime(struct report_regime *g, const struct db_report *r, enum report_regime_id id)
{
	g->key = regime_keys[id];
	g->name = regime_names[id];
	g->tag = regime_tags[id];
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		bool in = report_rule_has_tag(ru, g->tag) ||
		          (id == REGIME_SECRETS && !strcmp(ru->category, "secret"));
		if (!in)
			continue;
		g->rules++;
		g->findings += ru->findings;
		g->placeholders += ru->placeholders;
		size_t k;
		for (k = 0; k < g->cat_count; k++)
			if (!strcmp(g->cats[k].category, ru->category))
				break;
		if (k == g->cat_count) {
			if (k == REPORT_REGIME_CATS)
				continue;
			g->cats[k].category = ru->category;
			g->cat_count++;
		}
		g->cats[k].findings += ru->findings;
		g->cats[k].placeholders += ru->placeholders;
	}
}

static void put_regime_cats(FILE *out, const struct report_regime *g)
{
	for (size_t k = 0; k < g->cat_count; k++) {
		fprintf(out, "%s%s (", k ? ", " : "", report_category_label(g->cats[k].category));
		put_count(out, g->cats[k].findings - g->cats[k].placeholders);
		fputc(')', out);
	}
}

static char *regime_statement(const struct report_regime *g, const struct report_facts *f,
                              const struct db_report *r, enum report_regime_id id)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	int64_t real = g->findings - g->placeholders;
	if (!g->rules) {
		switch (id) {
		case REGIME_GDPR_ART9:
			fputs("No rule of this run looks for the special categories of Article 9 (health, "
			      "racial or ethnic origin, political opinions, religious or philosophical beliefs, "
			      "trade-union membership, genetic or biometric data, sex life or sexual "
			      "orientation). They are mostly expressed in free text that pattern rules do not "
			      "recognise, so this report is no evidence that the data holds none.", out);
			break;
		case REGIME_SECRETS:
			fputs("No rule of this run looks for secrets (API keys, tokens, private keys, "
			      "passwords): this report is no evidence either way about credentials in the "
			      "data.", out);
			break;
		default:
			fprintf(out, "No rule of this run is tagged %s: this report is no evidence either way "
			        "about %s.", g->tag, g->name);
			break;
		}
		return close_text(out, &buf);
	}
	switch (id) {
	case REGIME_GDPR_ART4:
		fprintf(out, "%zu %s tagged gdpr:art4 looked for values that can identify a person "
		        "directly or indirectly: ", g->rules, plural((int64_t)g->rules, "rule", "rules"));
		put_regime_cats(out, g);
		fputs(". In all, ", out);
		put_count(out, real);
		fprintf(out, " %s found", plural(real, "value was", "values were"));
		if (g->placeholders) {
			fputs(" (and ", out);
			put_count(out, g->placeholders);
			fputs(" documentation placeholders)", out);
		}
		fputs(". A finding is a candidate that a pattern, a checksum and context words agree "
		      "on, not a confirmed identification. Not looked for: names, postal addresses, "
		      "and personal data written in prose, which pattern rules cannot find reliably.", out);
		break;
	case REGIME_GDPR_ART9:
		fprintf(out, "%zu %s tagged gdpr:art9 looked for special categories of personal data; ",
		        g->rules, plural((int64_t)g->rules, "rule", "rules"));
		put_count(out, real);
		fprintf(out, " %s found. Most special-category data is expressed in free text that "
		        "pattern rules do not recognise: absence here is not evidence of absence.",
		        plural(real, "value was", "values were"));
		break;
	case REGIME_CCPA:
		fprintf(out, "%zu %s tagged ccpa looked for identifiers that are personal information "
		        "under the CCPA as amended by the CPRA: ", g->rules,
		        plural((int64_t)g->rules, "rule", "rules"));
		put_regime_cats(out, g);
		fputs(". In all, ", out);
		put_count(out, real);
		fprintf(out, " %s found. Inferences, commercial information and other non-identifier "
		        "categories of personal information are not looked for.",
		        plural(real, "value was", "values were"));
		break;
	case REGIME_PCI_DSS:
		put_count(out, f->pan);
		fprintf(out, " primary account %s (PAN) found by the %zu card-number %s tagged pci-dss; ",
		        plural(f->pan, "number", "numbers"), f->pan_rules,
		        plural((int64_t)f->pan_rules, "rule", "rules"));
		put_count(out, f->pan_luhn);
		fputs(" of them by a rule that checks the Luhn digit and the issuer range. ", out);
		if (r->brands_known) {
			fputs("By brand: ", out);
			for (size_t i = 0; i < r->brand_count; i++) {
				fprintf(out, "%s%s ", i ? ", " : "", r->brands[i].name);
				put_count(out, r->brands[i].count);
			}
			fputs(". ", out);
		} else {
			fputs("Brands are not counted: this run was made before scan recorded the brand of "
			      "each card number, and did not store values (scan again to count PANs by "
			      "brand). ", out);
		}
		fputs("This report shows at most the last four digits of any PAN (PCI DSS 3.4.1). "
		      "Not looked for: cardholder names, expiry dates, service codes, and sensitive "
		      "authentication data (CVV, PIN blocks, track data).", out);
		break;
	case REGIME_SECRETS:
		put_count(out, real);
		fprintf(out, " %s found by %zu %s. This report shows a secret only as its type, its "
		        "length and at most its last four characters. A secret found in data that has "
		        "been shared should be treated as exposed and rotated.",
		        plural(real, "secret was", "secrets were"), g->rules,
		        plural((int64_t)g->rules, "rule", "rules"));
		break;
	default:
		break;
	}
	return close_text(out, &buf);
}

static void build_hipaa(struct report_facts *f, const struct db_report *r)
{
	for (size_t i = 0; i < 18; i++) {
		struct report_hipaa *h = &f->hipaa[i];
		char tag[32];
		h->letter = (char)('A' + i);
		h->identifier = hipaa_identifiers[i];
		snprintf(tag, sizeof(tag), "hipaa:safe-harbor-%c", (char)('a' + i));
		for (size_t k = 0; k < r->rule_count; k++)
			if (report_rule_has_tag(&r->rules[k], tag)) {
				h->rules++;
				h->findings += r->rules[k].findings;
				h->placeholders += r->rules[k].placeholders;
			}
		switch (h->letter) {
		case 'A':
			h->note = "names are not found by patterns; named-entity recognition or review is needed";
			break;
		case 'P':
			h->note = "biometric data is not text this tool reads";
			break;
		case 'Q':
			h->note = "images are skipped as binary content and never examined";
			break;
		case 'R':
			h->note = h->rules ? "only the codes the rules know, such as national identity numbers,"
			                     " are found; an unknown code has no pattern to look for"
			                   : "an unknown code has no pattern to look for";
			break;
		case 'E':
			if (!h->rules)
				h->note = "fax numbers look like telephone numbers: see D";
			break;
		default:
			break;
		}
		/* R: the codes some rules know can be found; that none was says
		 * nothing of the others. */
		if (strchr("APQ", h->letter) || (h->letter == 'R' && h->findings <= h->placeholders))
			h->state = HIPAA_NOT_DETECTABLE;
		else if (!h->rules)
			h->state = HIPAA_NOT_LOOKED_FOR;
		else
			h->state = h->findings > h->placeholders ? HIPAA_FOUND : HIPAA_NONE_FOUND;
	}
}

static void put_letters(FILE *out, const struct report_facts *f, enum report_hipaa_state st)
{
	size_t n = 0;
	for (size_t i = 0; i < 18; i++)
		if (f->hipaa[i].state == st)
			fprintf(out, "%s%c", n++ ? ", " : "", f->hipaa[i].letter);
	if (!n)
		fputs("none", out);
}

static char *hipaa_statement(const struct report_facts *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	fputs("The Safe Harbor method (45 CFR 164.514(b)(2)) requires the removal of all 18 "
	      "identifiers below. Found in the data: ", out);
	put_letters(out, f, HIPAA_FOUND);
	fputs(". Looked for and none found: ", out);
	put_letters(out, f, HIPAA_NONE_FOUND);
	fputs(". Not looked for by the rules of this run: ", out);
	put_letters(out, f, HIPAA_NOT_LOOKED_FOR);
	fputs(". Not detectable by this tool: A, P, Q, R (names, biometric identifiers, full-face "
	      "photographs and any other unique code cannot be evidenced by patterns; of R only the "
	      "codes the rules know are found). This table is "
	      "therefore not enough on its own to show that data is de-identified; Safe Harbor also "
	      "requires that the covered entity has no actual knowledge that what remains could "
	      "identify an individual.", out);
	return close_text(out, &buf);
}

/* ---- coverage, summary, ready-to-paste blocks ---- */

static char *coverage_statement(const struct report_facts *f, const struct db_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	int64_t files = coverage_count(r, "file", NULL) + coverage_count(r, "stdin", NULL);
	int64_t archives = coverage_count(r, "archive", NULL);
	fputs("Examined ", out);
	put_count(out, r->sources_total);
	fprintf(out, " %s: ", plural(r->sources_total, "source", "sources"));
	put_count(out, files);
	fprintf(out, " %s, ", plural(files, "file", "files"));
	put_count(out, archives);
	fprintf(out, " %s and ", plural(archives, "archive", "archives"));
	put_count(out, r->members_total);
	fprintf(out, " archive %s, holding ", plural(r->members_total, "member", "members"));
	report_put_bytes(out, r->bytes_scanned);
	fputs(" of decompressed content", out);
	if (r->has_records) {
		fputs("; ", out);
		put_count(out, r->records);
		fprintf(out, " JSON %s read in field mode", plural(r->records, "record was", "records were"));
		if (r->invalid_records) {
			fputs(" (", out);
			put_count(out, r->invalid_records);
			fputs(" not valid JSON, scanned as text)", out);
		}
	}
	fputs(". ", out);
	if (f->complete) {
		fputs("Every source was read in full. ", out);
	} else {
		put_count(out, r->problems_total);
		fprintf(out, " %s not read in full: ", plural(r->problems_total, "source was", "sources were"));
		static const char *const cls[][2] = {
			{ "binary", "binary content, skipped" },
			{ "limit", "stopped at a size, depth or entry limit" },
			{ "error", "unreadable, corrupt or unsupported" },
			{ "skipped", "skipped for another reason (such as a symbolic link)" },
			{ "interrupted", "interrupted" },
			{ "incomplete", "still being scanned when the run ended" },
		};
		size_t n = 0;
		for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
			int64_t c = class_count(r, cls[i][0]);
			if (!c)
				continue;
			fprintf(out, "%s%s: ", n++ ? "; " : "", cls[i][1]);
			put_count(out, c);
		}
		fputs(". Each is listed with its reason. ", out);
	}
	if (f->fields)
		fprintf(out, "In JSON lines only the fields %s were scanned; other fields were not "
		        "examined. ", f->fields);
	if (f->excludes)
		fprintf(out, "Files, folders and archive members matching --exclude %s were left out "
		        "by the command line: not read, and not counted among the sources above. ",
		        f->excludes);
	fputs("Only text is scanned: images, audio, video and other binary content are skipped and "
	      "recorded as such, and text inside binary documents (PDF, office files stored "
	      "compressed) is not extracted. ", out);
	if (r->inputs_total > 0 && r->inputs_hashed == r->inputs_total) {
		fputs("The SHA-256 of every input's bytes on disk is recorded (Inputs).", out);
	} else if (r->inputs_hashed > 0) {
		put_count(out, r->inputs_hashed);
		fputs(" of ", out);
		put_count(out, r->inputs_total);
		fputs(" inputs have the SHA-256 of their bytes on disk recorded; the others were not "
		      "read to their end.", out);
	} else {
		fputs("No input has a content hash: the database is from a version of scan that did "
		      "not record them, or no input was read to its end.", out);
	}
	return close_text(out, &buf);
}

static void put_run_id(FILE *out, const struct report_facts *f, const struct db_report *r)
{
	fprintf(out, "piiaudit %s (run %lld", r->run.tool_version ? r->run.tool_version : "?",
	        (long long)r->run.id);
	if (*f->run_date)
		fprintf(out, ", %s", f->run_date);
	if (*f->digest_short)
		fprintf(out, ", rule set digest %s", f->digest_short);
	fputc(')', out);
}

static char *summary(const struct report_facts *f, const struct db_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	size_t cats = 0;
	for (size_t i = 0; i < r->category_count; i++)
		cats += r->categories[i].findings > r->categories[i].placeholders;
	fprintf(out, "Run %lld read ", (long long)r->run.id);
	put_count(out, r->sources_total);
	fprintf(out, " %s (", plural(r->sources_total, "source", "sources"));
	report_put_bytes(out, r->bytes_scanned);
	fputs(") and found ", out);
	put_count(out, f->real);
	fprintf(out, " %s of personal data or secrets in %zu %s", plural(f->real, "value", "values"),
	        cats, plural((int64_t)cats, "category", "categories"));
	if (r->placeholders) {
		fputs(", besides ", out);
		put_count(out, r->placeholders);
		fprintf(out, " documentation %s", plural(r->placeholders, "placeholder", "placeholders"));
	}
	if (f->density_mb >= 0)
		fprintf(out, "; %.2f findings per MB", f->density_mb);
	fputs(". ", out);
	if (f->complete) {
		fputs("Every source was read in full.", out);
	} else {
		put_count(out, r->problems_total);
		fprintf(out, " %s not read in full (see Coverage).",
		        plural(r->problems_total, "source was", "sources were"));
	}
	return close_text(out, &buf);
}

static char *dataset_card(const struct report_facts *f, const struct db_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	fputs("### Personal and Sensitive Information\n\n", out);
	fputs("This dataset was scanned for personal data and secrets with ", out);
	put_run_id(out, f, r);
	fprintf(out, ", an automated detector that combines patterns, checksum validators and "
	        "context words (%zu rules). The scan read ", r->rule_count);
	put_count(out, r->sources_total);
	fprintf(out, " %s (", plural(r->sources_total, "source", "sources"));
	report_put_bytes(out, r->bytes_scanned);
	fputs(")", out);
	if (!f->complete) {
		fputs("; ", out);
		put_count(out, r->problems_total);
		fprintf(out, " could not be read in full and %s listed in the audit report",
		        plural(r->problems_total, "is", "are"));
	}
	fputs(".\n\n", out);
	if (f->real) {
		fputs("It found ", out);
		put_count(out, f->real);
		fprintf(out, " %s that look like personal data or secrets: ", plural(f->real, "value", "values"));
		put_category_list(out, r, 13);
		fputs(".", out);
	} else {
		fputs("It found no value that looks like personal data or secrets.", out);
	}
	if (r->placeholders) {
		fputs(" A further ", out);
		put_count(out, r->placeholders);
		fputs(" are documentation or example values (placeholders).", out);
	}
	fputs("\n\n", out);
	if (!f->regimes[REGIME_GDPR_ART9].rules)
		fputs("Special categories of personal data (health, beliefs, ethnicity, sexual "
		      "orientation and the other categories of GDPR Article 9) were not looked for. ", out);
	fputs("Pattern rules do not find names, postal addresses or personal data written in free "
	      "prose, so the dataset may contain personal data of those kinds.\n\n", out);
	fputs("_To be completed by the dataset owner: what was done with these findings "
	      "(removed, masked, pseudonymised, or kept, and why)._\n", out);
	return close_text(out, &buf);
}

static char *gpai_paragraph(const struct report_facts *f, const struct db_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	fputs("Personal data. The training content was scanned for personal data with ", out);
	put_run_id(out, f, r);
	fputs(", an automated, pattern-based detector with checksum validation. The scan covered ", out);
	put_count(out, r->sources_total);
	fprintf(out, " %s (", plural(r->sources_total, "source", "sources"));
	report_put_bytes(out, r->bytes_scanned);
	fputs(") and detected ", out);
	put_count(out, f->real);
	fprintf(out, " candidate personal-data %s", plural(f->real, "value", "values"));
	if (f->real) {
		fputs(" (", out);
		put_category_list(out, r, 6);
		fputs(")", out);
	}
	if (f->density_mb >= 0)
		fprintf(out, ", about %.2f per MB", f->density_mb);
	fputs(". _Measures applied to them: to be completed (for example removal, masking or "
	      "pseudonymisation before training)._ Automated detection does not find every item of "
	      "personal data; in particular, names and personal data expressed in free text are not "
	      "detected by this method.", out);
	return close_text(out, &buf);
}

/* The value of option `name` at argv[i] ("--name VALUE" or
 * "--name=VALUE"), or NULL. */
static const char *option_value(const struct report_facts *f, size_t i, const char *name)
{
	size_t n = strlen(name);
	if (!strcmp(f->argv[i], name))
		return i + 1 < f->argc ? f->argv[i + 1] : NULL;
	if (!strncmp(f->argv[i], name, n) && f->argv[i][n] == '=')
		return f->argv[i] + n + 1;
	return NULL;
}

static int build_argv(struct report_facts *f, const struct db_report *r)
{
	if (report_argv_decode(r->run.argv_json, &f->argv, &f->argc)) {
		/* Not a JSON array: keep it whole rather than guess. */
		f->argv = calloc(1, sizeof(*f->argv));
		if (!f->argv || !(f->argv[0] = strdup(r->run.argv_json ? r->run.argv_json : "")))
			return -1;
		f->argc = 1;
	}
	char *buf = NULL, *fields = NULL, *excludes = NULL;
	size_t len = 0, flen = 0, elen = 0;
	FILE *out = open_memstream(&buf, &len);
	FILE *fo = open_memstream(&fields, &flen);
	FILE *eo = open_memstream(&excludes, &elen);
	if (!out || !fo || !eo) {
		if (out)
			fclose(out);
		if (fo)
			fclose(fo);
		if (eo)
			fclose(eo);
		free(buf);
		free(fields);
		free(excludes);
		return -1;
	}
	bool any_field = false, any_exclude = false;
	for (size_t i = 0; i < f->argc; i++) {
		if (i)
			fputc(' ', out);
		shell_quote(out, i ? f->argv[i] : "piiaudit");
		const char *fv = option_value(f, i, "--field"), *ev = option_value(f, i, "--exclude");
		if (fv) {
			fprintf(fo, "%s%s", any_field ? ", " : "", fv);
			any_field = true;
		}
		if (ev) {
			fprintf(eo, "%s", any_exclude ? ", " : "");
			shell_quote(eo, ev);
			any_exclude = true;
		}
	}
	int bad = fclose(out) | fclose(fo) | fclose(eo);
	f->reproduce = buf;
	if (any_field)
		f->fields = fields;
	else
		free(fields);
	if (any_exclude)
		f->excludes = excludes;
	else
		free(excludes);
	return bad || !buf ? -1 : 0;
}

int report_facts_build(struct report_facts *f, const struct db_report *r, bool show_values,
                       size_t self_check_rules)
{
	memset(f, 0, sizeof(*f));
	f->show_values = show_values;
	f->self_check_rules = self_check_rules;
	f->real = r->total_findings - r->placeholders;
	f->density_mb = r->bytes_scanned > 0 ? (double)r->total_findings * 1e6 / (double)r->bytes_scanned
	                                     : -1;
	f->complete = r->problems_total == 0;
	snprintf(f->run_date, sizeof(f->run_date), "%.10s", r->run.started_at ? r->run.started_at : "");
	snprintf(f->digest_short, sizeof(f->digest_short), "%.12s",
	         r->run.rules_digest ? r->run.rules_digest : "");
	for (size_t i = 0; i < r->rule_count; i++) {
		const struct db_report_rule *ru = &r->rules[i];
		if (strcmp(ru->category, "credit_card") || !report_rule_has_tag(ru, "pci-dss"))
			continue;
		f->pan_rules++;
		f->pan += ru->findings - ru->placeholders;
		if (ru->validator && (!strcmp(ru->validator, "card") || !strcmp(ru->validator, "luhn")))
			f->pan_luhn += ru->findings - ru->placeholders;
	}
	for (int i = 0; i < REGIME_COUNT; i++)
		build_regime(&f->regimes[i], r, (enum report_regime_id)i);
	build_hipaa(f, r);

	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!(f->generated_at = strdup(now)) || build_argv(f, r))
		return -1;
	for (int i = 0; i < REGIME_COUNT; i++)
		if (!(f->regimes[i].statement = regime_statement(&f->regimes[i], f, r, (enum report_regime_id)i)))
			return -1;
	if (!(f->hipaa_statement = hipaa_statement(f)) || !(f->coverage_statement = coverage_statement(f, r)) ||
	    !(f->summary = summary(f, r)) || !(f->dataset_card = dataset_card(f, r)) ||
	    !(f->gpai_paragraph = gpai_paragraph(f, r)))
		return -1;
	return 0;
}

void report_facts_release(struct report_facts *f)
{
	for (int i = 0; i < REGIME_COUNT; i++)
		free(f->regimes[i].statement);
	free(f->hipaa_statement);
	free(f->summary);
	free(f->coverage_statement);
	free(f->dataset_card);
	free(f->gpai_paragraph);
	strv_free(f->argv, f->argc);
	free(f->excludes);
	free(f->reproduce);
	free(f->fields);
	free(f->generated_at);
	memset(f, 0, sizeof(*f));
}
