/*
 * db_settings_same() (db/settings.c): lists equal as sets, in any order;
 * each difference told with the words of its side, sorted; NULL on either
 * side equal; what is not a JSON array of strings told as unreadable; a
 * message longer than the buffer cut, never overrun.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "db/settings.h"
#include "tests/unit/unit.h"

static bool differs_as(const char *a, const char *b, const char *want)
{
	char msg[256];
	bool same = db_settings_same(a, b, "then", "now", msg, sizeof(msg));
	if (same || strcmp(msg, want)) {
		printf("db_settings_same(%s, %s): %s \"%s\", want different \"%s\"\n", a, b,
		       same ? "same" : "different", msg, want);
		return false;
	}
	return true;
}

int main(void)
{
	char msg[256], tiny[12];
	CHECK(db_settings_same("[\"--a\",\"--b\"]", "[\"--a\",\"--b\"]", "x", "y", msg, sizeof(msg)) &&
	      !msg[0]);
	CHECK(db_settings_same("[\"--b\",\"--a\"]", "[\"--a\",\"--b\"]", "x", "y", msg, sizeof(msg)) &&
	      !msg[0]);
	CHECK(db_settings_same(NULL, "[\"--a\"]", "x", "y", msg, sizeof(msg)));
	CHECK(db_settings_same("[\"--a\"]", NULL, "x", "y", msg, sizeof(msg)));
	CHECK(db_settings_same("[]", "[]", "x", "y", msg, sizeof(msg)));
	CHECK(differs_as("[\"--a\",\"--c\"]", "[\"--b\",\"--a\"]", "--c then; --b now"));
	CHECK(differs_as("[\"--z\",\"--y\"]", "[]", "--y then; --z then"));
	CHECK(differs_as("[]", "[\"--exclude=a \\\"b\\\"\"]", "--exclude=a \"b\" now"));
	CHECK(differs_as("not json", "[]", "settings unreadable"));
	CHECK(differs_as("[\"--a\"]", "{", "settings unreadable"));
	/* Numbers and objects are not options: not compared. */
	CHECK(db_settings_same("[\"--a\",1]", "[\"--a\"]", "x", "y", msg, sizeof(msg)));
	/* Cut, not overrun. */
	CHECK(!db_settings_same("[\"--a-long-option\"]", "[]", "then", "now", tiny, sizeof(tiny)) &&
	      strlen(tiny) == sizeof(tiny) - 1 && !strncmp(tiny, "--a-long-op", sizeof(tiny) - 1));
	return unit_finish("test_settings");
}
