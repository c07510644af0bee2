// SPDX-License-Identifier: GPL-2.0-only
/*
 * A process whose main thread leaves with pthread_exit() while a worker
 * goes on looking names up: its leader is then a zombie whose /proc entry
 * has no memory and no executable, yet the process runs (test_core.py).
 *
 *   core_mainexit N NAME   the worker calls getaddrinfo(NAME) N times,
 *                          one every 100 ms, printing "looked" for each
 */
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int rounds;
static const char *name;

static void *worker(void *arg)
{
	(void)arg;
	usleep(300 * 1000);	/* the leader is gone by then */
	for (int i = 0; i < rounds; i++) {
		struct addrinfo *ai = NULL;

		if (!getaddrinfo(name, NULL, NULL, &ai))
			freeaddrinfo(ai);
		printf("looked\n");
		fflush(stdout);
		usleep(100 * 1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 3)
		return 2;
	rounds = atoi(argv[1]);
	name = argv[2];
	printf("ready\n");
	fflush(stdout);
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	pthread_exit(NULL);
}
