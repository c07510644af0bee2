// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark helper: a tight loop of getaddrinfo("localhost") calls, timed.
 *
 *   lookup_loop N
 *
 * Warms up (the first lookups load /etc/hosts, nsswitch and friends), prints
 * "ready PID" and then, for every byte read on stdin, runs one round of N
 * getaddrinfo()/freeaddrinfo() pairs and prints
 *
 *   round NS_PER_CALL TOTAL_NS N FAILED
 *
 * (CLOCK_MONOTONIC). It exits at end of stdin. So a runner can start it,
 * time a round untraced, attach a tracer with -p PID, time another round:
 * both rounds in the same process, nothing else on the machine traced.
 *
 * Only "localhost" is ever looked up; /etc/hosts answers it, so no packet
 * leaves the machine. Never change the name to one the resolver would ask
 * a DNS server about.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 2000

static unsigned long lookups(unsigned long n)
{
	struct addrinfo hints;
	unsigned long failed = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	for (unsigned long i = 0; i < n; i++) {
		struct addrinfo *res = NULL;

		if (getaddrinfo("localhost", NULL, &hints, &res))
			failed++;
		if (res)
			freeaddrinfo(res);
	}
	return failed;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	char go;

	if (n < 1 || n > 100000000UL) {
		fprintf(stderr, "usage: lookup_loop N (1..1e8)\n");
		return 64;
	}
	if (lookups(WARMUP)) {
		fprintf(stderr, "lookup_loop: getaddrinfo(\"localhost\") fails\n");
		return 1;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (read(STDIN_FILENO, &go, 1) == 1) {
		unsigned long long t0 = now_ns(), t;
		unsigned long failed = lookups(n);

		t = now_ns() - t0;
		printf("round %.1f %llu %lu %lu\n", (double)t / n, t, n, failed);
		fflush(stdout);
	}
	return 0;
}
