// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every -p PID is checked before anything is loaded, so a typo is a clear
 * one-line error and not a half-attached tracer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

/* The process a thread id belongs to, from /proc/ID/status; -1 if unknown. */
static pid_t tgid_of(pid_t id)
{
	char path[64], line[128];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", id);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int targets_check(struct utrace_session *s)
{
	for (int i = 0; i < s->opt.npids; i++) {
		pid_t pid = s->opt.pids[i];
		char path[64], exe[PATH_MAX];
		pid_t tgid;

		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (access(path, F_OK)) {
			utrace_error(s, "no such process: %d", pid);
			return UTRACE_EXIT_ERROR;
		}
		/*
		 * A thread id is not a process: probes filter by process, and
		 * the two ways of attaching would disagree on what it means.
		 */
		tgid = tgid_of(pid);
		if (tgid > 0 && tgid != pid) {
			utrace_error(s, "%d is a thread of process %d: trace -p %d",
				     pid, tgid, tgid);
			return UTRACE_EXIT_ERROR;
		}
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		if (readlink(path, exe, sizeof(exe)) < 0 && errno == ENOENT) {
			utrace_error(s, "process %d is a kernel thread (or exiting): no user code to trace", pid);
			return UTRACE_EXIT_ERROR;
		}
	}
	return UTRACE_EXIT_OK;
}

/* A zombie has exited too: it runs no more code. */
static bool gone(pid_t pid)
{
	char path[64], buf[512];
	const char *state;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	/* the state follows the command name, which may hold ") " itself */
	state = strrchr(buf, ')');
	return state && state[1] == ' ' && (state[2] == 'Z' || state[2] == 'X');
}

bool targets_gone(const struct utrace_session *s)
{
	for (int i = 0; i < s->opt.npids; i++)
		if (!gone(s->opt.pids[i]))
			return false;
	return s->opt.npids > 0;
}
