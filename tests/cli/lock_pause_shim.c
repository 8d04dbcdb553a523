/*
 * tests/cli/lock_pause_shim.c - a scan paused while it holds a shared lock,
 * for the test of two processes creating one database at once.
 *
 * An LD_PRELOAD library.  SQLite's unix VFS takes its file locks with
 * fcntl(F_SETLK): a shared lock on the database first, then the RESERVED
 * byte (0x40000001) with F_WRLCK on the way to writing.  The first such
 * request on a file whose path is $PAUSE_PATH creates the file $PAUSE_FLAG,
 * sleeps $PAUSE_SECONDS with the shared lock held, then goes on, so that
 * another process can take the write lock meanwhile: the order of events
 * that two racing scans reach by chance.  Other calls are untouched.
 * Built at test time: cc -shared -fPIC -o lock_pause.so lock_pause_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim_fd.h"

#define RESERVED_BYTE 0x40000001

static atomic_int paused;

static void maybe_pause(int fd, int cmd, const struct flock *lock)
{
	if (cmd != F_SETLK || !lock || lock->l_type != F_WRLCK || lock->l_start != RESERVED_BYTE ||
	    !shim_fd_is(fd, getenv("PAUSE_PATH"), false) || atomic_exchange(&paused, 1))
		return;
	const char *flag = getenv("PAUSE_FLAG");
	if (flag) {
		FILE *f = fopen(flag, "w");
		if (f)
			fclose(f);
	}
	const char *seconds = getenv("PAUSE_SECONDS");
	sleep(seconds ? (unsigned)atoi(seconds) : 1);
}

static int forward(const char *name, int fd, int cmd, void *arg)
{
	int (*real)(int, int, ...) = (int (*)(int, int, ...))dlsym(RTLD_NEXT, name);
	if (cmd == F_SETLK || cmd == F_SETLKW || cmd == F_GETLK)
		maybe_pause(fd, cmd, arg);
	return real(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return forward("fcntl64", fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return forward("fcntl", fd, cmd, arg);
}
