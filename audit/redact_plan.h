/*
 * audit/redact_plan.h - an erasure plan: the locations that `piiaudit
 * lookup --redact-plan` wrote, read back for `piiaudit redact --plan`.
 *
 * A plan is JSON lines, one flat object per location: source, member,
 * offset, length, category, fingerprint, rule, line, and record when the
 * value was found in JSON mode (its bytes are then the escaped content of
 * a JSON string), and key_id, the fingerprint key it was made with.
 * redact_plan_load() reads all of it (a plan is one data subject's
 * locations: small), refusing it whole on the first bad line.  The plan
 * owns every location and string; callers borrow pointers into it and
 * set each location's status as they go.  Never prints: errors come back
 * as one line in err, naming the file and line.
 */
#ifndef PIIAUDIT_REDACT_PLAN_H
#define PIIAUDIT_REDACT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/key.h"

enum plan_status {
	PLAN_PENDING = 0,   /* not met yet */
	PLAN_REDACTED,      /* the bytes there had the planned fingerprint: replaced */
	PLAN_CHANGED,       /* not the planned value there (or no longer there): left */
	PLAN_UNREAD,        /* its file could not be redacted, or held it in binary content */
	PLAN_NOT_GIVEN,     /* its source is not among the inputs */
};

struct plan_loc {
	char *source;               /* as the scan recorded it */
	char *real;                 /* its realpath(), or NULL when it does not resolve */
	char *member;               /* NULL for the file's own content */
	char *rule;                 /* may be NULL */
	uint64_t offset, length;
	int64_t record;             /* > 0: found in JSON mode */
	int64_t line;
	char category[32];
	char fingerprint[DB_FINGERPRINT_HEX];
	size_t plan_line;           /* line of the plan file, for messages */
	enum plan_status status;
	const char *why;            /* static text: why it was not redacted */
};

struct plan_value {
	char category[32];
	char fingerprint[DB_FINGERPRINT_HEX];
};

struct redact_plan {
	struct plan_loc *locs;      /* sorted by source, member, offset */
	size_t count;
	struct plan_value *values;  /* distinct (category, fingerprint), sorted */
	size_t value_count;
	char key_id[17];            /* "" when the plan does not say */
};

/* Reads path.  0, or -1 with a one-line reason in err (nothing kept). */
int redact_plan_load(struct redact_plan *p, const char *path, char *err, size_t errlen);
void redact_plan_release(struct redact_plan *p);

/* Whether the plan has this value's fingerprint; whether any value of the
 * category. */
bool redact_plan_has(const struct redact_plan *p, const char *category, const char *fingerprint);
bool redact_plan_has_category(const struct redact_plan *p, const char *category);

/* Whether loc is a location of the input file path (real: its realpath(),
 * or NULL). */
bool redact_plan_loc_in(const struct plan_loc *loc, const char *path, const char *real);

const char *redact_plan_status_name(enum plan_status s);

#endif
