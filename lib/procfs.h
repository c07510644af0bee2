/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /proc/PID/status and /proc/PID/maps, parsed once, here.
 *
 * The parsers work on bytes already read (procfs_parse_*), so they can be
 * unit-tested and fuzzed without privilege and without a process; the
 * readers (procfs_read_*) read the file of a live process in one go and
 * hand the bytes to them. Nothing read from /proc is trusted: a path may
 * hold spaces, newlines are impossible but a " (deleted)" suffix is not,
 * and a line may be cut or malformed.
 */
#ifndef UTRACE_PROCFS_H
#define UTRACE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROCFS_MAX_NSPID 8

struct proc_status {
	pid_t tgid;		/* Tgid: */
	pid_t pid;		/* Pid: */
	pid_t ppid;		/* PPid: */
	uid_t uid;		/* Uid: real */
	uid_t euid;		/* Uid: effective */
	char state;		/* first letter of State:, 0 if absent */
	int threads;		/* Threads:, 0 if absent */
	bool kthread;		/* Kthread: 1 (kernels >= 6.10), or no VmSize
				 * for a task not a zombie or dead, Z or X
				 * (older kernels) */
	int nnspid;		/* NSpid: pids from the reading /proc's
				 * namespace inward; levels past
				 * PROCFS_MAX_NSPID are dropped */
	pid_t nspid[PROCFS_MAX_NSPID];
	char name[64];		/* Name:, as the kernel escapes it */
};

/* One line of /proc/PID/maps. */
struct proc_map {
	uint64_t start, end;	/* virtual address range [start, end) */
	uint64_t offset;	/* file offset of start */
	unsigned int dev_major, dev_minor;
	uint64_t inode;		/* 0: no file (anonymous, [heap], [stack], ...) */
	bool r, w, x, shared;	/* perms "rwxp" / "rwxs" */
	bool deleted;		/* the path ended in " (deleted)" (removed from it) */
	const char *path;	/* NUL-terminated, into the buffer; "" for none.
				 * As printed: also a pseudo name ([heap],
				 * [vdso], [anon:NAME]); a file's has
				 * inode != 0 && path[0] == '/' */
	size_t path_len;	/* strlen(path) */
};

struct proc_maps {
	struct proc_map *v;
	size_t n;
	char *buf;		/* owned: the bytes the paths point into */
};

/*
 * Parse status text @text[0..len) (no NUL needed). Fields absent from the
 * text keep their zero values; a malformed field is ignored. Returns 0, or
 * -EINVAL when no well-formed Tgid: line was found (not a status file).
 */
int procfs_parse_status(const char *text, size_t len, struct proc_status *st);

/*
 * Parse maps text; @text is taken over (it must be malloc()ed, len + 1
 * bytes with a NUL at len) and owned by @m, whose previous contents are
 * overwritten, not freed. Malformed lines are skipped: a line must have
 * the kernel's exact shape (single blanks between the fields, start <=
 * end, no NUL byte). The bytes are changed in place (paths terminated).
 * Returns 0 or -ENOMEM (then @text is freed and @m empty).
 */
int procfs_parse_maps(char *text, size_t len, struct proc_maps *m);

/*
 * Read /proc/@pid/status or maps; -errno (ENOENT, ESRCH: gone) on failure,
 * with @st zeroed or @m empty. Maps longer than 256 MiB are -EFBIG. A
 * process that has exited but not been reaped has empty maps.
 */
int procfs_read_status(pid_t pid, struct proc_status *st);
int procfs_read_maps(pid_t pid, struct proc_maps *m);

void procfs_maps_free(struct proc_maps *m);

/*
 * Read a whole small file (/proc files report size 0) into a malloc()ed
 * NUL-terminated buffer of at most @max bytes; *@len gets its length.
 * Returns 0 or -errno (-EFBIG when it is longer than @max).
 */
int procfs_read_file(const char *path, size_t max, char **out, size_t *len);

#endif
