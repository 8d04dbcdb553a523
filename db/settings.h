/*
 * db/settings.h - comparing the settings two runs were made with.
 *
 * A run's settings are a JSON array of option strings (runs.settings,
 * written by scan).  The caller owns both texts and the message buffer.
 */
#ifndef PIIAUDIT_DB_SETTINGS_H
#define PIIAUDIT_DB_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the two lists hold the same options (in any order).  When they
 * do not, msg gets what differs, for a diagnostic: each option only in a
 * followed by a_only, each only in b by b_only ("--exclude=*.png then,
 * not now; --max-depth=2 now, not then"), cut to msglen (at least 1); a
 * text that is not such an array is told as "settings unreadable".  NULL
 * on either side (a run made before settings were recorded) compares
 * equal. */
bool db_settings_same(const char *a, const char *b, const char *a_only, const char *b_only,
                      char *msg, size_t msglen);

#endif
