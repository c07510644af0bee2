// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every -p PID is checked before anything is loaded, so a typo is a clear
 * one-line error and not a half-attached tracer.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

int targets_check(struct utrace_session *s)
{
	for (int i = 0; i < s->opt.npids; i++) {
		pid_t pid = s->opt.pids[i];
		char path[64], exe[PATH_MAX];

		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (access(path, F_OK)) {
			utrace_error(s, "no such process: %d", pid);
			return UTRACE_EXIT_ERROR;
		}
		/* a thread id names the process it belongs to only in /proc/PID/status */
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		if (readlink(path, exe, sizeof(exe)) < 0 && errno == ENOENT) {
			utrace_error(s, "process %d is a kernel thread (or exiting): no user code to trace", pid);
			return UTRACE_EXIT_ERROR;
		}
	}
	return UTRACE_EXIT_OK;
}
