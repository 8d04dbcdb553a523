/*
 * tests/cli/no_tmpfile_shim.c - an LD_PRELOAD shim for t0987: open() with
 * O_TMPFILE fails with EOPNOTSUPP, as on a file system without it, so
 * that redact's spool takes its fallback (a named file, unlinked at
 * once); every unlink() of a path under $TMPDIR is appended to $SHIM_LOG,
 * one a line.  Only libc is wrapped.  Built at test time:
 * cc -shared -fPIC -o no_tmpfile.so no_tmpfile_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int refuse_tmpfile(int flags)
{
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		errno = EOPNOTSUPP;
		return 1;
	}
	return 0;
}

/* open() or open64() (`name`), O_TMPFILE refused. */
static int open_via(const char *name, int (**real)(const char *, int, ...), const char *path,
                    int flags, mode_t mode)
{
	if (refuse_tmpfile(flags))
		return -1;
	if (!*real)
		*real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	return (*real)(path, flags, mode);
}

/* The mode argument, present with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags, mode)                              \
	do {                                               \
		if ((flags) & (O_CREAT | O_TMPFILE)) {     \
			va_list ap;                        \
			va_start(ap, flags);               \
			mode = (mode_t)va_arg(ap, int);    \
			va_end(ap);                        \
		}                                          \
	} while (0)

int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return open_via("open", &real, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return open_via("open64", &real, path, flags, mode);
}

int unlink(const char *path)
{
	static int (*real)(const char *);
	const char *log = getenv("SHIM_LOG"), *dir = getenv("TMPDIR");
	if (log && dir && !strncmp(path, dir, strlen(dir))) {
		FILE *f = fopen(log, "a");
		if (f) {
			fprintf(f, "%s\n", path);
			fclose(f);
		}
	}
	if (!real)
		real = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
	return real(path);
}
