/*
 * tests/cli/pause_shim.c - a process paused at a chosen moment, for the
 * tests of two processes racing (t0830: two scans creating one database,
 * two commands upgrading one older database; t0130: two first scans
 * creating one key file).
 *
 * An LD_PRELOAD library.  $PAUSE_ON chooses the moment:
 *   reserved  SQLite's unix VFS takes its file locks with fcntl(F_SETLK):
 *             a shared lock on the database first, then the RESERVED byte
 *             (0x40000001) with F_WRLCK on the way to writing.  The first
 *             such request on the file $PAUSE_PATH pauses, the shared lock
 *             held.
 *   write     the first write(), pwrite() or pwrite64() to a file whose
 *             path starts with $PAUSE_PATH pauses, before writing (SQLite
 *             writes its WAL with pwrite64).
 * Pausing creates the file $PAUSE_FLAG and sleeps $PAUSE_SECONDS (1), then
 * the call goes on, so that another process can act meanwhile: the order
 * of events that racing processes reach by chance.  Other calls are
 * untouched.
 * Built at test time: cc -shared -fPIC -o pause.so pause_shim.c -ldl
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

static bool pause_on(const char *moment)
{
	const char *on = getenv("PAUSE_ON");
	return on && !strcmp(on, moment);
}

static void pause_once(void)
{
	if (atomic_exchange(&paused, 1))
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
	const struct flock *lock = arg;
	if (cmd == F_SETLK && lock && lock->l_type == F_WRLCK && lock->l_start == RESERVED_BYTE &&
	    !paused && pause_on("reserved") && shim_fd_is(fd, getenv("PAUSE_PATH"), false))
		pause_once();
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

static void before_write(int fd)
{
	if (!paused && pause_on("write") && shim_fd_is(fd, getenv("PAUSE_PATH"), true))
		pause_once();
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	before_write(fd);
	return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t at)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	before_write(fd);
	return real(fd, buf, n, at);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t at)
{
	static ssize_t (*real)(int, const void *, size_t, off64_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");
	before_write(fd);
	return real(fd, buf, n, at);
}
