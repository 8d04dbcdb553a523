/*
 * audit/out_file.c - opening the file a command writes its output into
 * (-o FILE, --redact-plan FILE).
 *
 * The path is written through as it is: created when missing, truncated
 * when it exists, whatever it is (a file, a link to one, a device such as
 * /dev/null, a FIFO).  Private output (values, plans) is made 0600, but
 * only when it is a regular file: a chmod on /dev/null, as root, would
 * change it for every user of the machine.  The caller owns the returned
 * descriptor; -1 with errno set on failure, and no descriptor is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/cli.h"

int open_output(const char *path, bool private_file)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC,
	              private_file ? 0600 : 0666);
	if (fd < 0 || !private_file)
		return fd;
	/* An existing file keeps its mode on open(): narrowed here. */
	struct stat st;
	if (fstat(fd, &st) || (S_ISREG(st.st_mode) && fchmod(fd, 0600))) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
