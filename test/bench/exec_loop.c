// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark helper: a machine that forks a lot. Each call starts
 * /bin/true (fork, execve, the dynamic loader's start, exit) and waits for
 * it, the way a shell script or a build starts processes.
 *
 *   exec_loop N
 *
 * Speaks rounds.h: each round is N such starts, BAD the ones that failed.
 * A system-wide tracer looks at every new program (exec tracepoint, the
 * loader's _dl_debug_state): what that costs each start is the paired
 * difference run.py reports.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "rounds.h"

extern char **environ;

static unsigned long starts(unsigned long n)
{
	char *argv[] = { "true", NULL };
	unsigned long failed = 0;

	for (unsigned long i = 0; i < n; i++) {
		pid_t pid;
		int status;

		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) ||
		    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	}
	return failed;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;

	if (n < 1 || n > 1000000UL) {
		fprintf(stderr, "usage: exec_loop N (1..1e6)\n");
		return 64;
	}
	if (starts(10)) {
		fprintf(stderr, "exec_loop: /bin/true does not run\n");
		return 1;
	}
	return serve_rounds(n, NULL, starts);
}
