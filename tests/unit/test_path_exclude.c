/*
 * scanners/path_exclude.c.  Globs without '/' match any single name on
 * the path (a folder's name leaves out what is in it); globs with '/'
 * match the path from the top or a folder on it, '*' not crossing '/';
 * "./" and "/" in front of a path or an anchored glob, and '/' at a
 * glob's end, do not count; long paths are matched as short ones.
 */
#include <stdlib.h>
#include <string.h>

#include "scanners/path_exclude.h"
#include "tests/unit/unit.h"

static int excludes(const char *glob, const char *rel)
{
	struct path_exclude ex = { 0 };
	if (path_exclude_add(&ex, glob))
		return -1;
	const char *hit = path_exclude_match(&ex, rel);
	int got = hit != NULL;
	path_exclude_release(&ex);
	return got;
}

int main(void)
{
	/* names, at any depth, and the folders they name */
	CHECK(excludes("*.png", "a.png") == 1);
	CHECK(excludes("*.png", "img/x/a.png") == 1);
	CHECK(excludes("*.png", "a.png.txt") == 0);
	CHECK(excludes(".git", "repo/.git/config") == 1);
	CHECK(excludes(".git", ".git") == 1);
	CHECK(excludes(".git", "repo/.github/x.yml") == 0);
	CHECK(excludes("tmp*", "data/tmp2/a.txt") == 1);
	CHECK(excludes("build/", "src/build/out.txt") == 1);
	CHECK(excludes("build/", "src/builder.txt") == 0);
	CHECK(excludes("?.txt", "a.txt") == 1);
	CHECK(excludes("?.txt", "ab.txt") == 0);
	CHECK(excludes("[ab].txt", "dir/b.txt") == 1);

	/* anchored: from the top, '*' within one name */
	CHECK(excludes("docs/drafts", "docs/drafts/a.txt") == 1);
	CHECK(excludes("docs/drafts", "x/docs/drafts/a.txt") == 0);
	CHECK(excludes("data/*.tmp", "data/a.tmp") == 1);
	CHECK(excludes("data/*.tmp", "data/sub/a.tmp") == 0);
	CHECK(excludes("data/*", "data/sub/a.tmp") == 1);   /* data/sub is a folder in data */
	CHECK(excludes("/tmp", "tmp/a.txt") == 1);
	CHECK(excludes("/tmp", "x/tmp/a.txt") == 0);
	CHECK(excludes("./tmp", "tmp") == 1);
	CHECK(excludes("./tmp", "a/tmp") == 0);

	/* the path's own "./" and "/" in front, and doubled slashes */
	CHECK(excludes("*.png", "./a.png") == 1);
	CHECK(excludes("docs/a.txt", "./docs/a.txt") == 1);
	CHECK(excludes("docs/a.txt", "/docs/a.txt") == 1);
	CHECK(excludes("docs", "x//docs/a.txt") == 1);

	/* globs that are only slashes are refused by path_exclude_glob_ok */
	CHECK(!path_exclude_glob_ok(""));
	CHECK(!path_exclude_glob_ok("//"));
	CHECK(!path_exclude_glob_ok("./"));
	CHECK(path_exclude_glob_ok("a/"));

	/* the first glob that matches is named */
	struct path_exclude ex = { 0 };
	CHECK(path_exclude_match(&ex, "a.png") == NULL);
	CHECK(path_exclude_match(NULL, "a.png") == NULL);
	CHECK(path_exclude_add(&ex, "*.jpg") == 0);
	CHECK(path_exclude_add(&ex, "img/") == 0);
	CHECK(path_exclude_add(&ex, "*.png") == 0);
	const char *hit = path_exclude_match(&ex, "img/a.png");
	CHECK(hit && !strcmp(hit, "img"));
	hit = path_exclude_match(&ex, "x/a.png");
	CHECK(hit && !strcmp(hit, "*.png"));
	CHECK(path_exclude_match(&ex, "x/a.txt") == NULL);

	/* a path longer than the stack buffer */
	size_t n = PATH_EXCLUDE_STACK * 2;
	char *longp = malloc(n + 16);
	if (longp) {
		memset(longp, 'd', n);
		for (size_t i = 100; i < n; i += 100)
			longp[i] = '/';
		strcpy(longp + n, "/z.png");
		CHECK(path_exclude_match(&ex, longp) != NULL);
		strcpy(longp + n, "/z.txt");
		CHECK(path_exclude_match(&ex, longp) == NULL);
		free(longp);
	}
	path_exclude_release(&ex);
	return unit_finish("test_path_exclude");
}
