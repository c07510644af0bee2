// SPDX-License-Identifier: GPL-2.0-only
/*
 * funclat_cxx N: after "ready" and a line on stdin, calls cx_middle() 2N
 * times, every other call throwing through it (from cx_thrower) to be
 * caught in main; the others sleep 1.2 ms in cx_thrower. Prints "caught
 * N". A return probe's trampoline in cx_middle's return address slot
 * ends this program (std::terminate): funclat must time it otherwise.
 */
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <time.h>

extern "C" __attribute__((noinline)) void cx_thrower(int x)
{
	struct timespec t = { 0, 1200000 };

	if (x)
		throw std::runtime_error("thrown through cx_middle");
	while (nanosleep(&t, &t))
		;
}

extern "C" __attribute__((noinline)) void cx_middle(int x)
{
	cx_thrower(x);
	__asm__ volatile("" ::: "memory");	/* no tail call */
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, caught = 0;
	char line[16];

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int i = 0; i < 2 * n; i++) {
		try {
			cx_middle(i & 1);
		} catch (const std::exception &) {
			caught++;
		}
	}
	printf("caught %d\n", caught);
	return 0;
}
