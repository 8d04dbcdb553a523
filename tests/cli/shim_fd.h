/*
 * tests/cli/shim_fd.h - for the LD_PRELOAD shims of the CLI tests
 * (enospc_shim.c, pause_shim.c): whether a file descriptor is open on
 * a given path, read from /proc/self/fd.  Header-only: each shim is one
 * file built at test time.
 */
#ifndef PIIAUDIT_TESTS_SHIM_FD_H
#define PIIAUDIT_TESTS_SHIM_FD_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Whether fd is open on want (exactly, or any path under it as a prefix
 * when prefix is set).  False for an unset or empty want. */
static bool shim_fd_is(int fd, const char *want, bool prefix)
{
	char link[64], path[4096];
	if (!want || !*want)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	return prefix ? strncmp(path, want, strlen(want)) == 0 : strcmp(path, want) == 0;
}

#endif
