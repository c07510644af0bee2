// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry of traced files. See tfile.h for the rules; the reasons
 * for the order of the ways a mapped file is opened:
 *
 *  1. its plain path, when that still names the mapped inode: needs no
 *     privilege beyond reading the file, and the path is what an operator
 *     recognises in messages;
 *  2. inside another mount namespace, the same path resolved in the
 *     process's root with openat2(RESOLVE_IN_ROOT): a container's absolute
 *     symlinks then resolve in the container, not on the host (needs only
 *     ptrace-read access to the process, like reading its maps);
 *  3. /proc/PID/map_files/START-END: the very file mapped, deleted or not,
 *     but only with CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE.
 */
#include "tfile.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "errors.h"
#include "procfs.h"
#include "grow.h"

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

struct tfile *tfile_find(struct tfiles *t, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->dev == dev && t->v[i]->ino == ino)
			return t->v[i];
	return NULL;
}

static struct tfile *add(struct tfiles *t, dev_t dev, ino_t ino,
			 const char *name)
{
	struct tfile *f, **v;

	v = grow_array(t->v, &t->cap, t->n + 1, sizeof(*v), 32);
	if (!v)
		return NULL;
	t->v = v;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->name = strdup(name);
	if (!f->name) {
		free(f);
		return NULL;
	}
	f->dev = dev;
	f->ino = ino;
	f->fd = -1;
	t->v[t->n++] = f;
	return f;
}

/* Keep @fd as the file's own: probes attach through /proc/self/fd/N. */
static void adopt(struct tfile *f, int fd)
{
	struct elf_file *ef;
	int err = elf_open_fd(fd, &ef);

	f->err = 0;
	if (err) {
		close(fd);
		f->err = utrace_err_as(UTRACE_L_ELF, err);
		return;
	}
	f->is_go = elf_is_go(ef);
	elf_close(ef);
	f->fd = fd;
	f->is_elf = true;
	snprintf(f->fdpath, sizeof(f->fdpath), "/proc/self/fd/%d", fd);
}

int tfile_open_path(struct tfiles *t, const char *path, struct tfile **out)
{
	struct tfile *f;
	struct stat st;
	int fd;

	*out = NULL;
	fd = elf_open_regular(path, &st);
	if (fd < 0)
		return UTRACE_ERR(UTRACE_L_FILE, -fd);
	f = tfile_find(t, st.st_dev, st.st_ino);
	if (f) {
		close(fd);
		*out = f;
		return f->err;
	}
	f = add(t, st.st_dev, st.st_ino, path);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	adopt(f, fd);
	*out = f;
	return f->err;
}

int tfile_open_exe(struct tfiles *t, pid_t pid, struct tfile **out)
{
	char link[64], name[4096];
	struct tfile *f;
	struct stat st;
	ssize_t n;
	int fd;

	*out = NULL;
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	/* the executable itself, whatever its path says, container or not */
	fd = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return UTRACE_ERR(UTRACE_L_PROC, errno);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return UTRACE_ERR(UTRACE_L_FILE, ENOEXEC);
	}
	f = tfile_find(t, st.st_dev, st.st_ino);
	if (f && f->released) {
		f->released = false;
		adopt(f, fd);
	} else if (f) {
		close(fd);
	}
	if (f) {
		*out = f;
		return f->err;
	}
	n = readlink(link, name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = '\0';
	f = add(t, st.st_dev, st.st_ino, n > 0 ? name : link);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	adopt(f, fd);
	*out = f;
	return f->err;
}

static bool same_inode(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_dev == dev && st.st_ino == ino;
}

/* Overlayfs shows its own inode to stat(), the lower file's in maps. */
static bool on_overlay(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC;
}

static int open_in_root(pid_t pid, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char root[64];
	int dfd, fd;

	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(dfd);
	return fd;
}

static int open_map_files(pid_t pid, const struct proc_map *m)
{
	char link[96];
	int fd;

	snprintf(link, sizeof(link), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	fd = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/*
 * The cascade of the header comment; -errno of the last way tried.
 * *@by_path: opened by the plain path.
 */
static int open_mapping(pid_t pid, const struct proc_map *m, bool same_mntns,
			dev_t dev, ino_t ino, bool *by_path)
{
	int fd, overlay = -1, err = -ENOENT;

	*by_path = false;
	if (!m->deleted && same_mntns) {
		fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		*by_path = fd >= 0 && same_inode(fd, dev, ino);
		if (*by_path)
			return fd;
		err = fd < 0 ? -errno : -ESTALE;
		if (fd >= 0)
			close(fd);
	}
	if (!m->deleted && !same_mntns) {
		fd = open_in_root(pid, m->path);
		if (fd >= 0 && same_inode(fd, dev, ino))
			return fd;
		err = fd < 0 ? fd : -ESTALE;
		if (fd >= 0 && on_overlay(fd))
			overlay = fd;
		else if (fd >= 0)
			close(fd);
	}
	fd = open_map_files(pid, m);
	if (fd >= 0 && same_inode(fd, dev, ino)) {
		if (overlay >= 0)
			close(overlay);
		return fd;
	}
	if (fd >= 0)
		close(fd);
	else if (err == -ENOENT || err == -ESTALE || m->deleted)
		err = fd;
	/*
	 * Without the privilege for map_files, a container's file on
	 * overlayfs is the file its path names: uprobes resolve overlayfs to
	 * the lower inode themselves (d_real_inode).
	 */
	if (overlay >= 0)
		return overlay;
	return err;
}

int tfile_open_mapped(struct tfiles *t, pid_t pid, const struct proc_map *m,
		      bool same_mntns, struct tfile **out)
{
	dev_t dev = makedev(m->dev_major, m->dev_minor);
	ino_t ino = (ino_t)m->inode;
	struct tfile *f = tfile_find(t, dev, ino);
	int fd;

	*out = f;
	if (f && !f->released)
		return f->err;
	if (!f)
		f = add(t, dev, ino, m->path);
	if (!f)
		return -ENOMEM;
	*out = f;
	f->released = false;
	fd = open_mapping(pid, m, same_mntns, dev, ino, &f->by_path);
	if (fd < 0) {
		/* remembered: the next look at a user of it does not retry */
		f->err = UTRACE_ERR(UTRACE_L_FILE, -fd);
		return f->err;
	}
	adopt(f, fd);
	return f->err;
}

void tfile_release(struct tfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->fdpath[0] = '\0';
	elf_symbols_free(&f->syms);
	f->syms_read = false;
	f->released = true;
}

const struct elf_symbols *tfile_symbols(struct tfile *f, int *err)
{
	struct elf_file *ef;
	int e;

	if (!f->syms_read) {
		f->syms_read = true;
		e = f->fd < 0 ? f->err : elf_open_fd(f->fd, &ef);
		if (!e) {
			e = elf_read_symbols(ef, &f->syms);
			elf_close(ef);
		}
		f->syms_err = utrace_err_as(UTRACE_L_ELF, e);
	}
	*err = f->syms_err;
	return f->syms_err ? NULL : &f->syms;
}

int tfile_pread(struct tfile *f, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(f->fd, buf, len, (off_t)off);

	if (n < 0)
		return UTRACE_ERR(UTRACE_L_FILE, errno);
	return (size_t)n == len ? 0 : UTRACE_ERR(UTRACE_L_ELF, ENOEXEC);
}

void tfiles_free(struct tfiles *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct tfile *f = t->v[i];

		if (f->fd >= 0)
			close(f->fd);
		elf_symbols_free(&f->syms);
		free(f->name);
		free(f);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}
