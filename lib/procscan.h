/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which processes are new since the last look at /proc. System-wide tools
 * use it to cover binaries and libraries that appear after tracing began.
 */
#ifndef UTRACE_PROCSCAN_H
#define UTRACE_PROCSCAN_H

#include <stddef.h>
#include <sys/types.h>

struct procscan {
	pid_t *seen;		/* sorted; only live processes are kept */
	size_t nseen;
};

/* Call @cb for each process not seen by the previous call. */
void procscan_new(struct procscan *ps, void (*cb)(pid_t pid, void *arg),
		  void *arg);
void procscan_free(struct procscan *ps);

#endif
