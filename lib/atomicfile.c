// SPDX-License-Identifier: GPL-2.0-only
/*
 * rename(2) within a directory is atomic for readers: they open the old
 * inode or the new one. There is no fsync: the file is rewritten every
 * interval, and after a crash a stale or empty page is as good as any
 * (the collector reports its mtime), while an fsync per interval would
 * make the tracer wait on the disk.
 */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "DIR/.NAME.XXXXXX" for @path "DIR/NAME" (or "NAME"). */
static int temp_name(const char *path, char *buf, size_t bufsz)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int n;

	if (!*name)
		return -EISDIR;
	n = snprintf(buf, bufsz, "%.*s.%s.XXXXXX", dirlen, path, name);
	return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomic_write_file(const char *path, const void *data, size_t len,
		      mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, err;

	err = temp_name(path, tmp, sizeof(tmp));
	if (err)
		return err;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* mkostemp makes it 0600; the collector may run as another user */
	err = fchmod(fd, mode) ? -errno : write_all(fd, data, len);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
