/*
 * tests/cli/enospc_shim.c - a full disk, for the storage fault tests.
 *
 * An LD_PRELOAD library: write(), pwrite(), pwrite64() and writev() to files
 * whose path starts with $ENOSPC_PATH write normally until $ENOSPC_AFTER
 * bytes have been written to such files in all, then fail with ENOSPC, as
 * a full file system does.  fallocate() and ftruncate() growing such files
 * fail the same way once the budget is spent.  Other files are untouched.
 * Built at test time: cc -shared -fPIC -o enospc.so enospc_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim_fd.h"

static atomic_llong written;

static int watched(int fd)
{
	return shim_fd_is(fd, getenv("ENOSPC_PATH"), true);
}

/* 0: go on; -1: the disk is full. */
static int spend(int fd, size_t n)
{
	const char *after = getenv("ENOSPC_AFTER");
	if (!watched(fd))
		return 0;
	long long limit = after ? atoll(after) : 0;
	if (atomic_fetch_add(&written, (long long)n) + (long long)n > limit) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n)
{
	if (spend(fd, n))
		return -1;
	return NEXT(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t at)
{
	if (spend(fd, n))
		return -1;
	return NEXT(pwrite)(fd, buf, n, at);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t at)
{
	if (spend(fd, n))
		return -1;
	return NEXT(pwrite64)(fd, buf, n, at);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	size_t n = 0;
	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	if (spend(fd, n))
		return -1;
	return NEXT(writev)(fd, iov, cnt);
}

int fallocate(int fd, int mode, off_t at, off_t len)
{
	if (spend(fd, 0))
		return -1;
	return NEXT(fallocate)(fd, mode, at, len);
}

int posix_fallocate(int fd, off_t at, off_t len)
{
	if (spend(fd, 0))
		return ENOSPC;
	return NEXT(posix_fallocate)(fd, at, len);
}
