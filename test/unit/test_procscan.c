// SPDX-License-Identifier: GPL-2.0-only
/*
 * procscan reports a process once, again after it exec()s another program
 * (a container runtime becoming the entrypoint), and forgets the dead.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procscan.h"

static pid_t watched;
static int hits;

static void count(pid_t pid, void *arg)
{
	(void)arg;
	if (pid == watched)
		hits++;
}

static int scan_hits(struct procscan *ps)
{
	hits = 0;
	procscan_new(ps, count, NULL);
	return hits;
}

int main(void)
{
	struct procscan ps = { 0 };
	int go[2], failures = 0;
	char c;

	if (pipe(go))
		return 1;
	watched = fork();
	if (watched == 0) {
		/* wait for the go, then become another program */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(1);
	}
	close(go[0]);
	if (scan_hits(&ps) != 1) {
		fprintf(stderr, "FAIL: a new process was not reported\n");
		failures++;
	}
	if (scan_hits(&ps) != 0) {
		fprintf(stderr, "FAIL: an unchanged process was reported again\n");
		failures++;
	}
	if (write(go[1], "x", 1) != 1)
		return 1;
	/* the exec is done once /proc/PID/exe names sleep; give it 2 s */
	for (int i = 0; i < 200; i++) {
		char exe[256];
		char path[64];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/exe", watched);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0 && (exe[n] = '\0', !strstr(exe, "test_procscan")))
			break;
		usleep(10000);
	}
	if (scan_hits(&ps) != 1) {
		fprintf(stderr, "FAIL: a process that exec()ed was not reported again\n");
		failures++;
	}
	kill(watched, SIGKILL);
	waitpid(watched, NULL, 0);
	if (scan_hits(&ps) != 0) {
		fprintf(stderr, "FAIL: a dead process was reported\n");
		failures++;
	}
	for (size_t i = 0; i < ps.nseen; i++)
		if (ps.seen[i].pid == watched) {
			fprintf(stderr, "FAIL: a dead process is still remembered\n");
			failures++;
		}
	procscan_free(&ps);
	if (!failures)
		puts("ok");
	return failures ? 1 : 0;
}
