// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark helper: a tight loop of getaddrinfo("localhost") calls, timed.
 *
 *   lookup_loop N
 *
 * Warms up (the first lookups load /etc/hosts, nsswitch and friends), then
 * speaks rounds.h: each round is N getaddrinfo()/freeaddrinfo() pairs, BAD
 * the lookups that failed.
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

#include "rounds.h"

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

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;

	if (n < 1 || n > 100000000UL) {
		fprintf(stderr, "usage: lookup_loop N (1..1e8)\n");
		return 64;
	}
	if (lookups(WARMUP)) {
		fprintf(stderr, "lookup_loop: getaddrinfo(\"localhost\") fails\n");
		return 1;
	}
	return serve_rounds(n, NULL, lookups);
}
