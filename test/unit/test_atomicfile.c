// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/atomicfile.c: the new content replaces the old whole, with the mode
 * asked for; a reader that opened the old file keeps reading all of it;
 * no temporary file is left behind, on success or on failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "check.h"



static char dir[PATH_MAX];

static int read_fd(int fd, char *buf, size_t sz)
{
	ssize_t n = read(fd, buf, sz - 1);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

static int read_file(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -1;
	n = read_fd(fd, buf, sz);
	close(fd);
	return n;
}

/* The names in the directory, but "." and "..". */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX + 32], sub[PATH_MAX + 32], buf[256];
	struct stat st;
	int err, old;

	snprintf(dir, sizeof(dir), "%s/test_atomicfile.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/utrace.prom", dir);

	err = atomic_write_file(path, "first page\n", 11, 0644);
	CHECK(!err, "first write: %d", err);
	CHECK(read_file(path, buf, sizeof(buf)) == 11 && !strcmp(buf, "first page\n"),
	      "first content: %s", buf);
	CHECK(!stat(path, &st) && (st.st_mode & 07777) == 0644,
	      "mode %o, not 0644", st.st_mode & 07777);
	CHECK(entries() == 1, "%d entries after a write", entries());

	/* a reader of the old page reads it whole after the replacement */
	old = open(path, O_RDONLY | O_CLOEXEC);
	err = atomic_write_file(path, "2\n", 2, 0640);
	CHECK(!err, "second write: %d", err);
	CHECK(old >= 0 && read_fd(old, buf, sizeof(buf)) == 11 &&
	      !strcmp(buf, "first page\n"), "the old reader saw: %s", buf);
	if (old >= 0)
		close(old);
	CHECK(read_file(path, buf, sizeof(buf)) == 2 && !strcmp(buf, "2\n"),
	      "second content: %s", buf);
	CHECK(!stat(path, &st) && (st.st_mode & 07777) == 0640,
	      "mode %o, not 0640", st.st_mode & 07777);

	err = atomic_write_file(path, "", 0, 0644);
	CHECK(!err && read_file(path, buf, sizeof(buf)) == 0, "empty: %d", err);

	/* a name without a directory is in the current one */
	if (chdir(dir) == 0) {
		err = atomic_write_file("rel.prom", "r", 1, 0644);
		CHECK(!err && read_file("rel.prom", buf, sizeof(buf)) == 1,
		      "relative: %d", err);
		unlink("rel.prom");
		if (chdir("/"))
			perror("chdir /");
	}

	/* failures leave nothing behind */
	snprintf(sub, sizeof(sub), "%s/nodir/x.prom", dir);
	err = atomic_write_file(sub, "x", 1, 0644);
	CHECK(err == -ENOENT, "no such directory: %d", err);
	snprintf(sub, sizeof(sub), "%s/adir", dir);
	if (mkdir(sub, 0700) == 0) {
		err = atomic_write_file(sub, "x", 1, 0644);
		CHECK(err == -EISDIR, "onto a directory: %d", err);
		CHECK(entries() == 2, "%d entries after a failure", entries());
		rmdir(sub);
	}
	snprintf(sub, sizeof(sub), "%s/", dir);
	err = atomic_write_file(sub, "x", 1, 0644);
	CHECK(err == -EISDIR, "a path ending in '/': %d", err);
	CHECK(entries() == 1, "%d entries at the end", entries());

	unlink(path);
	if (rmdir(dir))
		CHECK(0, "%s left behind: %s", dir, strerror(errno));
	return check_summary();
}
