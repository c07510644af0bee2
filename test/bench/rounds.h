/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The protocol every benchmark loop speaks with test/bench/run.py: print
 * "ready PID", then for every byte read on stdin run one timed round of N
 * calls and print
 *
 *   round NS_PER_CALL TOTAL_NS N BAD
 *
 * (CLOCK_MONOTONIC; BAD counts calls that did not do their job). It ends at
 * end of stdin. So a runner can time a round untraced, attach a tracer
 * with -p PID, and time another in the same process.
 */
#ifndef UTRACE_BENCH_ROUNDS_H
#define UTRACE_BENCH_ROUNDS_H

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * @prepare (may be NULL) runs before each round, outside the timing;
 * @run makes @n calls and returns how many went wrong.
 */
static int serve_rounds(unsigned long n, void (*prepare)(unsigned long),
			unsigned long (*run)(unsigned long))
{
	char go;

	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (read(STDIN_FILENO, &go, 1) == 1) {
		unsigned long long t0, t;
		unsigned long bad;

		if (prepare)
			prepare(n);
		t0 = now_ns();
		bad = run(n);
		t = now_ns() - t0;
		printf("round %.1f %llu %lu %lu\n", (double)t / n, t, n, bad);
		fflush(stdout);
	}
	return 0;
}

#endif
