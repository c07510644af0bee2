/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Traced files: each ELF file a probe may go on, opened once and known by
 * its (dev, inode) from then on. Probes are attached through the open fd
 * (/proc/self/fd/N), never by a path resolved again later, so the offsets
 * read from a file always go on that very file. Its symbols are read once.
 */
#ifndef UTRACE_TFILE_H
#define UTRACE_TFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "elfread.h"

struct proc_map;

struct tfile {
	dev_t dev;
	ino_t ino;
	int fd;			/* -1: could not be opened, or not kept */
	int err;		/* why it could not be opened or read (layered) */
	char *name;		/* the path it was found under, for messages */
	char fdpath[32];	/* "/proc/self/fd/N": what probes attach to */
	bool is_elf;		/* passed the ELF checks */
	bool is_go;		/* a Go binary: never a return probe */
	bool syms_read;
	int syms_err;
	struct elf_symbols syms;
	uint64_t known;		/* bit i: target i was judged */
	uint64_t matched;	/* bit i: target i matches (valid where known) */
	int judged_err;		/* why the last target judged did not */
	uint64_t everyone;	/* bit i: probed for target i, every process */
	bool by_path;		/* opened by a path that is the host's own */
	bool released;		/* no target wanted it: fd and symbols let go */
};

struct tfiles {
	struct tfile **v;
	size_t n, cap;
};

/* The file with this identity, or NULL. */
struct tfile *tfile_find(struct tfiles *t, dev_t dev, ino_t ino);

/*
 * Open @path (the tool's -s/-l file, a host copy) and register it; the
 * same file under another name is the same tfile. Returns 0 or a layered
 * error, with *@out set either way when the file exists.
 */
int tfile_open_path(struct tfiles *t, const char *path, struct tfile **out);

/* The executable of process @pid, through /proc/PID/exe. */
int tfile_open_exe(struct tfiles *t, pid_t pid, struct tfile **out);

/*
 * The file of mapping @m of process @pid. Opened by its path when that is
 * still the mapped inode (@same_mntns: the path means what it means to
 * us), else by the path inside the process's root (openat2 with
 * RESOLVE_IN_ROOT under /proc/PID/root, so a container's symlinks resolve
 * in the container), else through /proc/PID/map_files (which needs
 * CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE; reaches deleted files too).
 */
int tfile_open_mapped(struct tfiles *t, pid_t pid, const struct proc_map *m,
		      bool same_mntns, struct tfile **out);

/*
 * Let go of the fd and symbols of a file no target wants (a busy host
 * runs thousands of programs); it is opened again if ever judged anew.
 */
void tfile_release(struct tfile *f);

/* Its symbols, read on first use; NULL with *@err set if unreadable. */
const struct elf_symbols *tfile_symbols(struct tfile *f, int *err);

/* Read @len bytes at file offset @off (code for the RET finder). */
int tfile_pread(struct tfile *f, void *buf, size_t len, uint64_t off);

void tfiles_free(struct tfiles *t);

#endif
