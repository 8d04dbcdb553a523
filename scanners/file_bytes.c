/*
 * scanners/file_bytes.c - little-endian numbers and whole reads at an
 * offset (see file_bytes.h).
 */
#include "scanners/file_bytes.h"

#include <errno.h>
#include <unistd.h>

uint64_t le_uint(const unsigned char *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

ssize_t pread_at(int fd, uint64_t at, unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(at + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}
