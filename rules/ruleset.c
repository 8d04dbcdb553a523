/*
 * rules/ruleset.c - the lifecycle of a ruleset: adding, replacing by id,
 * filtering, compiling with PCRE2 (JIT), and the digest that identifies
 * the rules a run used.
 *
 * Owns every rule and everything a rule holds.  Compile errors name the
 * pack file, the rule id, PCRE2's message and the pattern offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "rules/rule.h"
#include "rules/rule_internal.h"
#include "rules/prefilter.h"

const char *const rule_categories[] = {
	"email", "phone", "credit_card", "iban", "ip_address", "mac_address", "us_ssn",
	"national_id", "crypto_wallet", "secret", "date_of_birth", "url", "other", NULL,
};

bool rule_category_known(const char *category)
{
	for (size_t i = 0; rule_categories[i]; i++)
		if (!strcmp(rule_categories[i], category))
			return true;
	return false;
}

int rule_strings_push(struct rule_strings *list, const char *s)
{
	char *copy = strdup(s);
	char **grown = copy ? realloc(list->items, (list->count + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		return -1;
	}
	grown[list->count++] = copy;
	list->items = grown;
	return 0;
}

void rule_strings_release(struct rule_strings *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static void valuelist_release(struct rule_valuelist *v)
{
	if (v->regex)
		for (size_t i = 0; i < v->regex_src.count; i++)
			pcre2_code_free(v->regex[i]);
	free(v->regex);
	v->regex = NULL;
	rule_strings_release(&v->exact);
	rule_strings_release(&v->regex_src);
}

static void rule_release(struct rule *r)
{
	free(r->id);
	free(r->category);
	free(r->description);
	free(r->pattern);
	free(r->prefilter);
	free(r->prefilter_token);
	free(r->group_name);
	free(r->validator_name);
	free(r->pack_path);
	rule_strings_release(&r->keywords);
	rule_strings_release(&r->context);
	rule_strings_release(&r->tags);
	rule_strings_release(&r->match_examples);
	rule_strings_release(&r->nomatch_examples);
	valuelist_release(&r->allow);
	valuelist_release(&r->placeholders);
	pcre2_code_free(r->code);
	memset(r, 0, sizeof(*r));
}

void ruleset_init(struct ruleset *set)
{
	memset(set, 0, sizeof(*set));
	set->match_limit = 10000000;
	set->depth_limit = 100000;
}

void ruleset_release(struct ruleset *set)
{
	for (size_t i = 0; i < set->count; i++)
		rule_release(&set->rules[i]);
	free(set->rules);
	set->rules = NULL;
	set->count = set->alloc = 0;
	rule_strings_release(&set->keywords);
	rule_prefilter_free(set->prefilter);
	set->prefilter = NULL;
}

const char *ruleset_engine_name(const struct ruleset *set)
{
	return set->prefilter ? "hyperscan" : "pcre2";
}

const char *ruleset_error(const struct ruleset *set)
{
	return set->error;
}

struct rule *ruleset_add(struct ruleset *set)
{
	if (set->count == set->alloc) {
		size_t alloc = set->alloc ? set->alloc * 2 : 64;
		struct rule *grown = realloc(set->rules, alloc * sizeof(*grown));
		if (!grown)
			return NULL;
		set->rules = grown;
		set->alloc = alloc;
	}
	struct rule *r = &set->rules[set->count++];
	memset(r, 0, sizeof(*r));
	r->confidence = 0.5;
	r->context_window = RULE_CONTEXT_DEFAULT;
	r->context_boost = 0.2;
	return r;
}

int ruleset_take(struct ruleset *set, struct ruleset *from)
{
	size_t fresh = 0;
	for (size_t i = 0; i < from->count; i++)
		if (!ruleset_find(set, from->rules[i].id))
			fresh++;
	if (set->count + fresh > set->alloc) {
		size_t alloc = set->count + fresh + 16;
		struct rule *grown = realloc(set->rules, alloc * sizeof(*grown));
		if (!grown)
			return -1;
		set->rules = grown;
		set->alloc = alloc;
	}
	for (size_t i = 0; i < from->count; i++) {
		struct rule *old = (struct rule *)ruleset_find(set, from->rules[i].id);
		if (old) {
			rule_release(old);
			*old = from->rules[i];
		} else {
			set->rules[set->count++] = from->rules[i];
		}
	}
	from->count = 0;
	return 0;
}

const struct rule *ruleset_find(const struct ruleset *set, const char *id)
{
	for (size_t i = 0; i < set->count; i++)
		if (!strcmp(set->rules[i].id, id))
			return &set->rules[i];
	return NULL;
}

static bool strings_has(const struct rule_strings *list, const char *s)
{
	for (size_t i = 0; i < list->count; i++)
		if (!strcmp(list->items[i], s))
			return true;
	return false;
}

void ruleset_filter(struct ruleset *set, const struct rule_strings *disable,
                    const struct rule_strings *only_categories)
{
	for (size_t i = 0; i < set->count; i++) {
		struct rule *r = &set->rules[i];
		if (disable && strings_has(disable, r->id))
			r->disabled = true;
		if (only_categories && only_categories->count && !strings_has(only_categories, r->category))
			r->disabled = true;
	}
}

static pcre2_code *compile_one(struct ruleset *set, const struct rule *r, const char *what,
                               const char *src, uint32_t extra)
{
	int err;
	PCRE2_SIZE at;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, extra, &err, &at, NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof(msg));
		snprintf(set->error, sizeof(set->error), "%s: rule %s: %s: %s at offset %zu",
		         r->pack_path ? r->pack_path : "(rules)", r->id, what, (char *)msg, (size_t)at);
		return NULL;
	}
	/* JIT is a speed-up, never a requirement: a pattern it refuses still runs. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	return code;
}

static int compile_valuelist(struct ruleset *set, const struct rule *r, struct rule_valuelist *v,
                             const char *what)
{
	if (!v->regex_src.count || v->regex)
		return 0;
	v->regex = calloc(v->regex_src.count, sizeof(*v->regex));
	if (!v->regex) {
		snprintf(set->error, sizeof(set->error), "rule %s: out of memory", r->id);
		return -1;
	}
	for (size_t i = 0; i < v->regex_src.count; i++)
		if (!(v->regex[i] = compile_one(set, r, what, v->regex_src.items[i], 0)))
			return -1;
	return 0;
}

static void digest_str(crypto_hash_sha256_state *st, const char *s)
{
	static const unsigned char sep = 0x1f;
	if (s)
		crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s));
	crypto_hash_sha256_update(st, &sep, 1);
}

static void digest_strings(crypto_hash_sha256_state *st, const struct rule_strings *l)
{
	for (size_t i = 0; i < l->count; i++)
		digest_str(st, l->items[i]);
	digest_str(st, "");
}

static bool has_caseless(const struct rule_strings *list, const char *s)
{
	for (size_t i = 0; i < list->count; i++)
		if (!strcasecmp(list->items[i], s))
			return true;
	return false;
}

/* The distinct keywords of the enabled rules, in rule order. */
static int collect_keywords(struct ruleset *set)
{
	rule_strings_release(&set->keywords);
	for (size_t i = 0; i < set->count; i++) {
		const struct rule *r = &set->rules[i];
		if (r->disabled)
			continue;
		for (size_t k = 0; k < r->keywords.count; k++)
			if (r->keywords.items[k][0] && !has_caseless(&set->keywords, r->keywords.items[k]) &&
			    rule_strings_push(&set->keywords, r->keywords.items[k])) {
				snprintf(set->error, sizeof(set->error), "out of memory");
				return -1;
			}
	}
	return 0;
}

static int build_prefilter(struct ruleset *set)
{
	char err[512];
	rule_prefilter_free(set->prefilter);
	set->prefilter = NULL;
	if (set->engine == RULE_ENGINE_PCRE2)
		return 0;
	if (!rule_prefilter_available()) {
		if (set->engine == RULE_ENGINE_AUTO)
			return 0;
		snprintf(set->error, sizeof(set->error), "this piiaudit was built without Hyperscan");
		return -1;
	}
	set->prefilter = rule_prefilter_build(set, err, sizeof(err));
	if (!set->prefilter) {
		snprintf(set->error, sizeof(set->error), "%s", err);
		return -1;
	}
	return 0;
}

int ruleset_compile(struct ruleset *set)
{
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < set->count; i++) {
		struct rule *r = &set->rules[i];
		char num[64];
		if (r->disabled)
			continue;
		if (r->validator_name && !(r->validator = rule_validator_find(r->validator_name))) {
			snprintf(set->error, sizeof(set->error), "%s: rule %s: unknown validator '%s'",
			         r->pack_path ? r->pack_path : "(rules)", r->id, r->validator_name);
			return -1;
		}
		/* The offset limit lets the Hyperscan path bound where a match
		 * may start; the PCRE2 path sets none. */
		if (!r->code && !(r->code = compile_one(set, r, "pattern", r->pattern, PCRE2_USE_OFFSET_LIMIT)))
			return -1;
		r->value_group = r->group;
		if (r->group_name) {
			int g = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)r->group_name);
			if (g < 0) {
				snprintf(set->error, sizeof(set->error), "%s: rule %s: no capture group named '%s'",
				         r->pack_path ? r->pack_path : "(rules)", r->id, r->group_name);
				return -1;
			}
			r->value_group = g;
		}
		uint32_t captures = 0;
		pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &captures);
		if ((uint32_t)r->value_group > captures) {
			snprintf(set->error, sizeof(set->error), "%s: rule %s: group %d but the pattern has %u",
			         r->pack_path ? r->pack_path : "(rules)", r->id, r->value_group, captures);
			return -1;
		}
		if (compile_valuelist(set, r, &r->allow, "allow") ||
		    compile_valuelist(set, r, &r->placeholders, "placeholders"))
			return -1;
		digest_str(&st, r->id);
		digest_str(&st, r->category);
		digest_str(&st, r->pattern);
		digest_str(&st, r->prefilter);
		digest_str(&st, r->prefilter_token);
		if (r->prefilter_reach) {
			snprintf(num, sizeof(num), "reach %u", r->prefilter_reach);
			digest_str(&st, num);
		}
		digest_str(&st, r->validator_name);
		snprintf(num, sizeof(num), "%d %u %.3f %d %.3f", r->value_group, r->context_window,
		         r->context_boost, r->context_required, r->confidence);
		digest_str(&st, num);
		digest_strings(&st, &r->keywords);
		digest_strings(&st, &r->context);
		digest_strings(&st, &r->allow.exact);
		digest_strings(&st, &r->allow.regex_src);
		digest_strings(&st, &r->placeholders.exact);
		digest_strings(&st, &r->placeholders.regex_src);
	}
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2hex(set->digest, sizeof(set->digest), sum, sizeof(sum));
	if (collect_keywords(set))
		return -1;
	return build_prefilter(set);
}
