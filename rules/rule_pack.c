/*
 * rules/rule_pack.c - loading YAML rule packs into a ruleset.
 *
 * Owns: the parse of one pack file at a time (libyaml's document API; the
 * document is freed before returning).  The ruleset owns every string
 * copied out of it.  Fails with a message naming the file, the line and the
 * rule id; a failed load leaves the ruleset as it was before the call.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "rules/rule.h"
#include "rules/rule_internal.h"

#define PACK_MAX_BYTES (16u << 20)

struct pack_parse {
	yaml_document_t doc;
	const char *path;
	char *error;
	size_t error_cap;
};

static int pack_fail(struct pack_parse *p, const yaml_node_t *node, const char *rule_id,
                     const char *fmt, const char *what)
{
	char reason[512];
	snprintf(reason, sizeof(reason), fmt, what ? what : "");
	if (rule_id)
		snprintf(p->error, p->error_cap, "%s:%lu: rule %s: %s", p->path,
		         node ? (unsigned long)node->start_mark.line + 1 : 0UL, rule_id, reason);
	else
		snprintf(p->error, p->error_cap, "%s:%lu: %s", p->path,
		         node ? (unsigned long)node->start_mark.line + 1 : 0UL, reason);
	return -1;
}

static const char *scalar(const yaml_node_t *node)
{
	if (!node || node->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)node->data.scalar.value;
}

static int copy_scalar(struct pack_parse *p, const yaml_node_t *node, const char *rule_id,
                       const char *key, char **out)
{
	const char *s = scalar(node);
	if (!s)
		return pack_fail(p, node, rule_id, "'%s' must be a string", key);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : pack_fail(p, node, rule_id, "out of memory%s", "");
}

static int copy_number(struct pack_parse *p, const yaml_node_t *node, const char *rule_id,
                       const char *key, double lo, double hi, double *out)
{
	const char *s = scalar(node);
	char *end;
	if (!s || !*s)
		return pack_fail(p, node, rule_id, "'%s' must be a number", key);
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || v < lo || v > hi)
		return pack_fail(p, node, rule_id, "'%s' is out of range or not a number", key);
	*out = v;
	return 0;
}

static int copy_bool(struct pack_parse *p, const yaml_node_t *node, const char *rule_id,
                     const char *key, bool *out)
{
	const char *s = scalar(node);
	if (!s || (strcmp(s, "true") && strcmp(s, "false")))
		return pack_fail(p, node, rule_id, "%s must be true or false", key);
	*out = !strcmp(s, "true");
	return 0;
}

static int copy_token(struct pack_parse *p, const yaml_node_t *node, struct rule *r)
{
	char why[160];
	if (copy_scalar(p, node, r->id, "prefilter_token", &r->prefilter_token))
		return -1;
	if (rule_token_parse(r->prefilter_token, &r->token, why, sizeof(why)))
		return pack_fail(p, node, r->id, "prefilter_token: %s", why);
	return 0;
}

static int copy_strings(struct pack_parse *p, const yaml_node_t *node, const char *rule_id,
                        const char *key, struct rule_strings *out)
{
	rule_strings_release(out);
	if (node->type == YAML_SCALAR_NODE)
		return rule_strings_push(out, scalar(node)) ? pack_fail(p, node, rule_id, "out of memory%s", "") : 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return pack_fail(p, node, rule_id, "'%s' must be a list of strings", key);
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(&p->doc, *it);
		const char *s = scalar(item);
		if (!s)
			return pack_fail(p, item, rule_id, "'%s' must be a list of strings", key);
		if (rule_strings_push(out, s))
			return pack_fail(p, item, rule_id, "out of memory%s", "");
	}
	return 0;
}

/* allow: and placeholders: entries are exact values or /regex/. */
static int copy_valuelist(struct pack_parse *p, const yaml_node_t *node, const char *rule_id,
                          const char *key, struct rule_valuelist *out)
{
	struct rule_strings all = {0};
	int rc = copy_strings(p, node, rule_id, key, &all);
	for (size_t i = 0; rc == 0 && i < all.count; i++) {
		const char *s = all.items[i];
		size_t n = strlen(s);
		if (n >= 2 && s[0] == '/' && s[n - 1] == '/') {
			char *inner = strndup(s + 1, n - 2);
			rc = inner ? rule_strings_push(&out->regex_src, inner) : -1;
			free(inner);
		} else {
			rc = rule_strings_push(&out->exact, s);
		}
		if (rc)
			pack_fail(p, node, rule_id, "out of memory%s", "");
	}
	rule_strings_release(&all);
	return rc;
}

static int parse_context(struct pack_parse *p, const yaml_node_t *node, struct rule *r)
{
	if (node->type != YAML_MAPPING_NODE)
		return copy_strings(p, node, r->id, "context", &r->context);
	for (yaml_node_pair_t *kv = node->data.mapping.pairs.start;
	     kv < node->data.mapping.pairs.top; kv++) {
		const char *k = scalar(yaml_document_get_node(&p->doc, kv->key));
		const yaml_node_t *v = yaml_document_get_node(&p->doc, kv->value);
		double num;
		if (!k)
			return pack_fail(p, v, r->id, "context keys must be strings%s", "");
		if (!strcmp(k, "words")) {
			if (copy_strings(p, v, r->id, "context.words", &r->context))
				return -1;
		} else if (!strcmp(k, "window")) {
			if (copy_number(p, v, r->id, "context.window", 1, RULE_CONTEXT_MAX, &num))
				return -1;
			r->context_window = (unsigned)num;
		} else if (!strcmp(k, "boost")) {
			if (copy_number(p, v, r->id, "context.boost", 0, 1, &r->context_boost))
				return -1;
		} else if (!strcmp(k, "required")) {
			if (copy_bool(p, v, r->id, "context.required", &r->context_required))
				return -1;
		} else {
			return pack_fail(p, v, r->id, "unknown key 'context.%s'", k);
		}
	}
	return 0;
}

static int parse_examples(struct pack_parse *p, const yaml_node_t *node, struct rule *r)
{
	if (node->type != YAML_MAPPING_NODE)
		return pack_fail(p, node, r->id, "examples must map match: and no-match: to lists%s", "");
	for (yaml_node_pair_t *kv = node->data.mapping.pairs.start;
	     kv < node->data.mapping.pairs.top; kv++) {
		const char *k = scalar(yaml_document_get_node(&p->doc, kv->key));
		const yaml_node_t *v = yaml_document_get_node(&p->doc, kv->value);
		if (k && !strcmp(k, "match")) {
			if (copy_strings(p, v, r->id, "examples.match", &r->match_examples))
				return -1;
		} else if (k && !strcmp(k, "no-match")) {
			if (copy_strings(p, v, r->id, "examples.no-match", &r->nomatch_examples))
				return -1;
		} else {
			return pack_fail(p, v, r->id, "unknown key 'examples.%s'", k ? k : "?");
		}
	}
	return 0;
}

static int parse_rule(struct pack_parse *p, const yaml_node_t *node, struct rule *r)
{
	if (node->type != YAML_MAPPING_NODE)
		return pack_fail(p, node, NULL, "a rule must be a mapping%s", "");
	/* The id first, so that every later message can name the rule. */
	for (yaml_node_pair_t *kv = node->data.mapping.pairs.start;
	     kv < node->data.mapping.pairs.top; kv++) {
		const char *k = scalar(yaml_document_get_node(&p->doc, kv->key));
		if (k && !strcmp(k, "id") &&
		    copy_scalar(p, yaml_document_get_node(&p->doc, kv->value), NULL, "id", &r->id))
			return -1;
	}
	if (!r->id || !*r->id)
		return pack_fail(p, node, NULL, "a rule has no id%s", "");
	for (yaml_node_pair_t *kv = node->data.mapping.pairs.start;
	     kv < node->data.mapping.pairs.top; kv++) {
		const char *k = scalar(yaml_document_get_node(&p->doc, kv->key));
		const yaml_node_t *v = yaml_document_get_node(&p->doc, kv->value);
		double num;
		int rc = 0;
		if (!k)
			return pack_fail(p, v, r->id, "rule keys must be strings%s", "");
		if (!strcmp(k, "id"))
			continue;
		else if (!strcmp(k, "category"))
			rc = copy_scalar(p, v, r->id, k, &r->category);
		else if (!strcmp(k, "description"))
			rc = copy_scalar(p, v, r->id, k, &r->description);
		else if (!strcmp(k, "pattern"))
			rc = copy_scalar(p, v, r->id, k, &r->pattern);
		else if (!strcmp(k, "prefilter"))
			rc = copy_scalar(p, v, r->id, k, &r->prefilter);
		else if (!strcmp(k, "prefilter_alone"))
			rc = copy_bool(p, v, r->id, k, &r->prefilter_alone);
		else if (!strcmp(k, "prefilter_token"))
			rc = copy_token(p, v, r);
		else if (!strcmp(k, "prefilter_reach")) {
			/* num is only set, and only converted, when the value is
			 * a number in range (fuzz_engines: a string converted). */
			rc = copy_number(p, v, r->id, k, 1, RULE_REACH_MAX, &num);
			if (!rc && num != (double)(unsigned)num)
				rc = pack_fail(p, v, r->id, "'%s' must be a whole number", k);
			if (!rc)
				r->prefilter_reach = (unsigned)num;
		}
		else if (!strcmp(k, "validator"))
			rc = copy_scalar(p, v, r->id, k, &r->validator_name);
		else if (!strcmp(k, "group")) {
			const char *s = scalar(v);
			char *end;
			long g = s ? strtol(s, &end, 10) : -1;
			if (s && *s && !*end && g >= 0 && g < 100)
				r->group = (int)g;
			else
				rc = copy_scalar(p, v, r->id, k, &r->group_name);
		} else if (!strcmp(k, "keywords"))
			rc = copy_strings(p, v, r->id, k, &r->keywords);
		else if (!strcmp(k, "context"))
			rc = parse_context(p, v, r);
		else if (!strcmp(k, "confidence")) {
			rc = copy_number(p, v, r->id, k, 0, 1, &num);
			if (!rc)
				r->confidence = num;
		} else if (!strcmp(k, "allow"))
			rc = copy_valuelist(p, v, r->id, k, &r->allow);
		else if (!strcmp(k, "placeholders"))
			rc = copy_valuelist(p, v, r->id, k, &r->placeholders);
		else if (!strcmp(k, "tags"))
			rc = copy_strings(p, v, r->id, k, &r->tags);
		else if (!strcmp(k, "examples"))
			rc = parse_examples(p, v, r);
		else
			rc = pack_fail(p, v, r->id, "unknown key '%s'", k);
		if (rc)
			return -1;
	}
	if (!r->category)
		return pack_fail(p, node, r->id, "no category%s", "");
	if (!rule_category_known(r->category))
		return pack_fail(p, node, r->id, "unknown category '%s'", r->category);
	if (!r->pattern || !*r->pattern)
		return pack_fail(p, node, r->id, "no pattern%s", "");
	if (r->token.set && (r->prefilter || r->prefilter_alone))
		return pack_fail(p, node, r->id, "prefilter_token replaces prefilter and prefilter_alone%s", "");
	if (r->prefilter_reach && !r->prefilter)
		return pack_fail(p, node, r->id, "prefilter_reach goes with a prefilter%s", "");
	r->pack_path = strdup(p->path);
	return r->pack_path ? 0 : pack_fail(p, node, r->id, "out of memory%s", "");
}

static int load_document(struct ruleset *set, struct pack_parse *p)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc);
	yaml_node_t *list = NULL;
	if (!root)
		return 0; /* an empty file: no rules */
	if (root->type == YAML_SEQUENCE_NODE) {
		list = root;
	} else if (root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *kv = root->data.mapping.pairs.start;
		     kv < root->data.mapping.pairs.top; kv++) {
			const char *k = scalar(yaml_document_get_node(&p->doc, kv->key));
			yaml_node_t *v = yaml_document_get_node(&p->doc, kv->value);
			if (k && !strcmp(k, "rules"))
				list = v;
			else if (!k || (strcmp(k, "pack") && strcmp(k, "description")))
				return pack_fail(p, v, NULL, "unknown top-level key '%s'", k ? k : "?");
		}
	}
	if (!list || list->type != YAML_SEQUENCE_NODE)
		return pack_fail(p, root, NULL, "a pack is a list of rules, or a mapping with rules:%s", "");

	/* Parse into a scratch list first: a failed load changes nothing. */
	struct ruleset scratch;
	ruleset_init(&scratch);
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		struct rule *r = ruleset_add(&scratch);
		if (!r || parse_rule(p, yaml_document_get_node(&p->doc, *it), r)) {
			if (!r)
				pack_fail(p, list, NULL, "out of memory%s", "");
			ruleset_release(&scratch);
			return -1;
		}
		for (size_t j = 0; j + 1 < scratch.count; j++)
			if (!strcmp(scratch.rules[j].id, r->id)) {
				pack_fail(p, yaml_document_get_node(&p->doc, *it), r->id,
				          "duplicate id in the same pack%s", "");
				ruleset_release(&scratch);
				return -1;
			}
	}
	int rc = ruleset_take(set, &scratch);
	if (rc)
		pack_fail(p, list, NULL, "out of memory%s", "");
	ruleset_release(&scratch);
	return rc;
}

static int load_file(struct ruleset *set, const char *path)
{
	struct pack_parse p = { .path = path, .error = set->error, .error_cap = sizeof(set->error) };
	yaml_parser_t parser;
	struct stat st;
	int rc = -1;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(set->error, sizeof(set->error), "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && st.st_size > (off_t)PACK_MAX_BYTES) {
		snprintf(set->error, sizeof(set->error), "%s: larger than %u MiB", path, PACK_MAX_BYTES >> 20);
		fclose(f);
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(set->error, sizeof(set->error), "%s: out of memory", path);
		fclose(f);
		return -1;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &p.doc)) {
		if (parser.error == YAML_MEMORY_ERROR)
			snprintf(set->error, sizeof(set->error), "%s: out of memory", path);
		else
			snprintf(set->error, sizeof(set->error), "%s:%lu: %s", path,
			         (unsigned long)parser.problem_mark.line + 1,
			         parser.problem ? parser.problem : "invalid YAML");
		goto out_parser;
	}
	rc = load_document(set, &p);
	yaml_document_delete(&p.doc);
out_parser:
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_pack_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && ((n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	                          (n > 4 && !strcmp(name + n - 4, ".yml")));
}

int ruleset_load_path(struct ruleset *set, const char *path)
{
	struct stat st;
	if (stat(path, &st)) {
		snprintf(set->error, sizeof(set->error), "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(set, path);

	DIR *dir = opendir(path);
	struct rule_strings names = {0};
	struct dirent *de;
	int rc = 0;
	if (!dir) {
		snprintf(set->error, sizeof(set->error), "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)))
		if (is_pack_name(de->d_name) && rule_strings_push(&names, de->d_name)) {
			rc = -1;
			snprintf(set->error, sizeof(set->error), "%s: out of memory", path);
			break;
		}
	closedir(dir);
	if (names.count)
		qsort(names.items, names.count, sizeof(*names.items), name_cmp);
	for (size_t i = 0; rc == 0 && i < names.count; i++) {
		char file[PATH_MAX];
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", path, names.items[i]) >= sizeof(file)) {
			snprintf(set->error, sizeof(set->error), "%s: path too long", path);
			rc = -1;
		} else {
			rc = load_file(set, file);
		}
	}
	rule_strings_release(&names);
	return rc;
}

const char *ruleset_builtin_dir(void)
{
	static char found[PATH_MAX];
	struct stat st;
	const char *env = getenv("PIIAUDIT_RULES_DIR");
	if (env && *env)
		return env;
	/* Next to the binary in the source tree: ./piiaudit and ./rules/packs. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		for (int up = 0; slash && up < 2; up++) {
			*slash = '\0';
			if ((size_t)snprintf(found, sizeof(found), "%s/rules/packs", exe) < sizeof(found) &&
			    stat(found, &st) == 0 && S_ISDIR(st.st_mode))
				return found;
			/* An installed tree moved elsewhere: PREFIX/bin and PREFIX/share. */
			if (up == 1 &&
			    (size_t)snprintf(found, sizeof(found), "%s/share/piiaudit/rules", exe) < sizeof(found) &&
			    stat(found, &st) == 0 && S_ISDIR(st.st_mode))
				return found;
			slash = strrchr(exe, '/');
		}
	}
	snprintf(found, sizeof(found), "%s/rules", PIIAUDIT_DATADIR);
	if (stat(found, &st) == 0 && S_ISDIR(st.st_mode))
		return found;
	return NULL;
}
