/*
 * audit/export_sarif.h - a run's findings as SARIF 2.1.0, for code
 * scanning dashboards and editors (piiaudit export --format sarif).
 */
#ifndef PIIAUDIT_EXPORT_SARIF_H
#define PIIAUDIT_EXPORT_SARIF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;

/*
 * Writes one SARIF log with one run: the run's rules as
 * tool.driver.rules, one result per finding (streamed: memory does not
 * grow with the number of findings).  Raw values appear, as
 * properties.value, only with `values` and when the run stored them.
 * Returns 0, or -1 with a message in err (a database or write error).
 */
int export_sarif(FILE *out, struct sqlite3 *db, int64_t run_id, bool values, char *err,
                 size_t errlen);

#endif
