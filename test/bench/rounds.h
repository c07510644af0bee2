/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The protocol every benchmark loop speaks with test/bench/run.py: print
 * "ready PID TWIN", then for every byte read on stdin run one timed round
 * of N calls and print
 *
 *   round NS_PER_CALL TOTAL_NS N BAD CPU_NS CHILD_CPU_NS TRIMMED TWIN PAIRED
 *
 * (TOTAL_NS: CLOCK_MONOTONIC; BAD counts calls that did not do their job;
 * CPU_NS: the CPU time this process spent in the round, in user space and
 * in the kernel, probes included; CHILD_CPU_NS: that of the children it
 * waited for). It ends at end of stdin. So a runner can time a round
 * untraced, attach a tracer with -p PID, and time another in the same
 * process. CPU time is what a probe costs the traced program on a machine
 * whose other work would stretch the wall-clock time.
 *
 * TRIMMED: the round is made in BATCHES batches, each timed in CPU time
 * (its own and its children's); the slowest and the fastest TRIM of them
 * are left out and the rest averaged, in ns per call.
 *
 * TWIN and PAIRED: a twin, forked from this process once it is warm (same
 * code, same libraries, never traced with -p PID), makes the same batches
 * in turn with this one on the same CPU: this process's batch 1, the
 * twin's batch 1, this one's batch 2... TWIN is the twin's TRIMMED, PAIRED
 * the trimmed mean over the batches of (this batch - the twin's next one).
 * Whatever the machine does to both within a millisecond (the other work
 * on it, the host under the VM) cancels out of PAIRED; what a tracer
 * attached to PID costs, every call or every few hundred (a wakeup),
 * stays in it. The twin is the process in TWIN; it ends with this one.
 * It is this program started again, with BENCH_TWIN_LIBS (a directory of
 * copies of the shared libraries) as its LD_LIBRARY_PATH where that is
 * set: tracers that probe a library by path (bpftrace, bashreadline -s)
 * then leave the twin alone too.
 * With BENCH_NO_TWIN in the environment there is none (TWIN 0, PAIRED 0):
 * for loops that run side by side at full speed, or that are all traced.
 */
#ifndef UTRACE_BENCH_ROUNDS_H
#define UTRACE_BENCH_ROUNDS_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCHES 200
#define TRIM 10		/* left out at either end, of BATCHES */

static unsigned long long clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long long now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static unsigned long long children_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

static unsigned long long cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID) + children_cpu_ns();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The mean of @v[0..n) without its TRIM/BATCHES smallest and largest. */
static double trimmed_mean(double *v, int n)
{
	int cut = n * TRIM / BATCHES, k = 0;
	double sum = 0;

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	for (int i = cut; i < n - cut; i++, k++)
		sum += v[i];
	return k ? sum / k : 0;
}

/* One byte each way: whose turn it is. */
static void pass(int fd)
{
	char t = 't';

	if (write(fd, &t, 1) != 1)
		_exit(1);
}

static int take(int fd)
{
	char t;

	return read(fd, &t, 1) == 1;
}

/* Batch sizes of a round of @n calls: the last takes what is left. */
static unsigned long batch_calls(unsigned long n, int nb, int i)
{
	return i < nb - 1 ? n / nb : n - (n / nb) * (nb - 1);
}

/*
 * The twin: on each turn passed to it, its next batch, timed; after the
 * last, its timings to the parent. Ends when the parent's pipe closes.
 */
static void twin(unsigned long n, int nb, int turn_in, int turn_out, int res,
		 void (*prepare)(unsigned long), unsigned long (*run)(unsigned long))
{
	double per_call[BATCHES];

	prctl(PR_SET_NAME, "bench-twin", 0, 0, 0);
	for (;;) {
		for (int i = 0; i < nb; i++) {
			unsigned long long c0;
			unsigned long calls = batch_calls(n, nb, i);

			if (!take(turn_in))
				_exit(0);
			if (i == 0 && prepare)
				prepare(n);
			c0 = cpu_ns();
			run(calls);
			per_call[i] = (double)(cpu_ns() - c0) / calls;
			pass(turn_out);
		}
		if (write(res, per_call, sizeof(double) * nb) != (ssize_t)(sizeof(double) * nb))
			_exit(1);
	}
}

/*
 * @prepare (may be NULL) runs before each round, outside the timing;
 * @run makes @n calls and returns how many went wrong.
 */
static int serve_rounds(unsigned long n, void (*prepare)(unsigned long),
			unsigned long (*run)(unsigned long))
{
	int nb = n < BATCHES ? (int)n : BATCHES;
	int to_twin[2], from_twin[2], results[2];
	const char *fds = getenv("BENCH_TWIN_FDS"), *libs = getenv("BENCH_TWIN_LIBS");
	bool with_twin = !getenv("BENCH_NO_TWIN");
	pid_t tw = 0;
	char go;

	if (fds) {
		/* we are the twin, started below */
		int in, out, res;

		if (sscanf(fds, "%d,%d,%d", &in, &out, &res) != 3)
			return 64;
		twin(n, nb, in, out, res, prepare, run);
	}
	if (pipe(to_twin) || pipe(from_twin) || pipe(results)) {
		perror("pipe");
		return 1;
	}
	fflush(stdout);
	if (with_twin)
		tw = fork();
	if (tw < 0) {
		perror("fork");
		return 1;
	}
	if (with_twin && tw == 0) {
		char env[64], arg[24];
		int null = open("/dev/null", O_RDWR);

		close(to_twin[1]);
		close(from_twin[0]);
		close(results[0]);
		/* not the runner's stdin or stdout: it talks through the pipes */
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		snprintf(env, sizeof(env), "%d,%d,%d", to_twin[0], from_twin[1], results[1]);
		setenv("BENCH_TWIN_FDS", env, 1);
		if (libs)
			setenv("LD_LIBRARY_PATH", libs, 1);
		snprintf(arg, sizeof(arg), "%lu", n);
		execl("/proc/self/exe", "bench-twin", arg, (char *)NULL);
		_exit(127);
	}
	close(to_twin[0]);
	close(from_twin[1]);
	close(results[1]);
	printf("ready %d %d\n", (int)getpid(), (int)tw);
	fflush(stdout);
	while (read(STDIN_FILENO, &go, 1) == 1) {
		double mine[BATCHES], theirs[BATCHES], diff[BATCHES], tmp[BATCHES];
		unsigned long long t0, t, c0, c, k0, k;
		unsigned long bad = 0;
		double trimmed, twin_trimmed, paired;

		if (prepare)
			prepare(n);
		k0 = children_cpu_ns();
		c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		t = 0;
		for (int i = 0; i < nb; i++) {
			unsigned long calls = batch_calls(n, nb, i);
			unsigned long long b0;

			t0 = now_ns();
			b0 = cpu_ns();
			bad += run(calls);
			mine[i] = (double)(cpu_ns() - b0) / calls;
			t += now_ns() - t0;
			/* the twin's batch i, before our next one */
			if (!with_twin)
				continue;
			pass(to_twin[1]);
			if (!take(from_twin[0])) {
				fputs("bench twin gone\n", stderr);
				return 1;
			}
		}
		c = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
		k = children_cpu_ns() - k0;
		if (!with_twin) {
			for (int i = 0; i < nb; i++)
				theirs[i] = mine[i];
		} else if (read(results[0], theirs, sizeof(double) * nb) !=
			   (ssize_t)(sizeof(double) * nb)) {
			fputs("bench twin: no timings\n", stderr);
			return 1;
		}
		for (int i = 0; i < nb; i++)
			diff[i] = mine[i] - theirs[i];
		for (int i = 0; i < nb; i++)
			tmp[i] = mine[i];
		trimmed = trimmed_mean(tmp, nb);
		twin_trimmed = trimmed_mean(theirs, nb);
		paired = trimmed_mean(diff, nb);
		/* the wall-clock time is this process's own batches only */
		printf("round %.1f %llu %lu %lu %llu %llu %.1f %.1f %.1f\n", (double)t / n, t, n,
		       bad, c, k, trimmed, twin_trimmed, paired);
		fflush(stdout);
	}
	close(to_twin[1]);
	if (with_twin)
		waitpid(tw, NULL, 0);
	return 0;
}

#endif
