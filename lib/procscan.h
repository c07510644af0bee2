/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which processes are new since the last look at /proc. System-wide tools
 * use it to cover binaries and libraries that appear after tracing began.
 * A process that exec()s another program counts as new again: a container
 * runtime keeps its PID into the container's entrypoint, whose libc is not
 * the runtime's.
 */
#ifndef UTRACE_PROCSCAN_H
#define UTRACE_PROCSCAN_H

#include <stddef.h>
#include <sys/types.h>

struct proc_id {
	pid_t pid;
	dev_t exe_dev;		/* the executable: changes on exec */
	ino_t exe_ino;
};

struct procscan {
	struct proc_id *seen;	/* sorted by pid; only live processes */
	size_t nseen;
};

/* Call @cb for each process not seen by the previous call. */
void procscan_new(struct procscan *ps, void (*cb)(pid_t pid, void *arg),
		  void *arg);
void procscan_free(struct procscan *ps);

#endif
