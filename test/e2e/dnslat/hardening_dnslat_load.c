// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper for the dnslat cases of test_hardening.py (hardening_dnslat.py):
 * name lookups made in known numbers, by known processes and threads.
 * Built at test time; its COMM is its file name ("dnsload").
 *
 *   dnsload one NAME
 *	one getaddrinfo(NAME); exit 0 when it succeeded, 2 when not.
 *   dnsload churn N PARALLEL NAME exec|fork
 *	N short-lived children, PARALLEL at a time, each making one
 *	getaddrinfo(NAME) and exiting (a plain fork, or an exec of
 *	"dnsload one NAME"); prints "PID STATUS" per child, then "done N".
 *   dnsload threads NTHREADS REPEAT NAME
 *	NTHREADS threads making REPEAT lookups each; prints "TID OK" per
 *	thread (OK: how many succeeded).
 *   dnsload hang NTHREADS REPEAT NAME SLOWNAME
 *	the main thread makes REPEAT lookups of NAME and prints "main TID OK";
 *	then NTHREADS threads each start getaddrinfo("tI-PID.SLOWNAME")
 *	(a slow DNS answer), print "thread TID", and the process prints
 *	"hanging" and waits to be killed (at most 60 s).
 *   dnsload loop SECONDS NAME
 *	prints "ready", waits for a byte on stdin, then calls
 *	getaddrinfo(NAME) as fast as it can for SECONDS; prints
 *	"calls N ok M" (M of the N succeeded).
 *   dnsload list [-w] NAME...
 *	for each NAME and a few kinds of hints, every address getaddrinfo
 *	returns, in its order, with the result and canonical name. With -w,
 *	prints "ready" and waits for a byte on stdin first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int lookup(const char *name)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int err = getaddrinfo(name, NULL, &hints, &res);

	if (res)
		freeaddrinfo(res);
	return err;
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void wait_go(void)
{
	char c;

	printf("ready\n");
	fflush(stdout);
	if (read(0, &c, 1) != 1)
		exit(1);
}

static int usage(void)
{
	fputs("usage: dnsload one|churn|threads|hang|loop|list ...\n", stderr);
	return 64;
}

/* ---- churn ---------------------------------------------------------------- */

static int churn(int n, int par, const char *name, int do_exec)
{
	int running = 0, started = 0, done = 0, status;
	char self[4096];
	ssize_t len;
	pid_t pid;

	if (n < 1 || par < 1)
		return usage();
	/* exec by its real path: "/proc/self/exe" would make the COMM "exe" */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return 1;
	self[len] = '\0';
	while (done < n) {
		while (running < par && started < n) {
			pid = fork();
			if (pid < 0) {
				perror("fork");
				break;
			}
			if (pid == 0) {
				if (do_exec) {
					execl(self, "dnsload", "one", name, (char *)NULL);
					_exit(127);
				}
				_exit(lookup(name) ? 2 : 0);
			}
			running++;
			started++;
		}
		if (running == 0)
			return 1;
		pid = wait(&status);
		if (pid < 0) {
			perror("wait");
			return 1;
		}
		running--;
		done++;
		printf("%d %d\n", pid, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	printf("done %d\n", done);
	return 0;
}

/* ---- threads ---------------------------------------------------------------- */

struct worker {
	pthread_t t;
	const char *name;
	int repeat, ok;
	pid_t tid;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid_();
	for (int i = 0; i < w->repeat; i++)
		w->ok += lookup(w->name) == 0;
	return NULL;
}

static int threads(int nthreads, int repeat, const char *name)
{
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));

	if (!w || nthreads < 1)
		return usage();
	for (int i = 0; i < nthreads; i++) {
		w[i].name = name;
		w[i].repeat = repeat;
		if (pthread_create(&w[i].t, NULL, work, &w[i]))
			return 1;
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(w[i].t, NULL);
		printf("%d %d\n", w[i].tid, w[i].ok);
	}
	return 0;
}

/* ---- hang ----------------------------------------------------------------- */

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

struct hanger {
	pthread_t t;
	char name[256];
};

static void *hang_one(void *arg)
{
	struct hanger *h = arg;

	pthread_mutex_lock(&out_lock);
	printf("thread %d\n", gettid_());
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	lookup(h->name);	/* killed in here, or it times out */
	return NULL;
}

static int hang(int nthreads, int repeat, const char *name, const char *slow)
{
	struct hanger *h = calloc((size_t)nthreads, sizeof(*h));
	int ok = 0;

	if (!h || nthreads < 1)
		return usage();
	for (int i = 0; i < repeat; i++)
		ok += lookup(name) == 0;
	printf("main %d %d\n", gettid_(), ok);
	fflush(stdout);
	for (int i = 0; i < nthreads; i++) {
		snprintf(h[i].name, sizeof(h[i].name), "t%d-%d.%s", i, (int)getpid(), slow);
		if (pthread_create(&h[i].t, NULL, hang_one, &h[i]))
			return 1;
	}
	pthread_mutex_lock(&out_lock);
	printf("hanging\n");
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	sleep(60);
	return 3;
}

/* ---- loop ----------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int loop(double seconds, const char *name)
{
	unsigned long long calls = 0, ok = 0;
	double end;

	wait_go();
	end = now_s() + seconds;
	do {
		/* the clock is read once per 64 calls: the calls are the load */
		for (int i = 0; i < 64; i++) {
			ok += lookup(name) == 0;
			calls++;
		}
	} while (now_s() < end);
	printf("calls %llu ok %llu\n", calls, ok);
	return 0;
}

/* ---- list ----------------------------------------------------------------- */

static void print_addrinfo(const char *name, const char *how,
			   const struct addrinfo *hints)
{
	struct addrinfo *res = NULL;
	int err = getaddrinfo(name, NULL, hints, &res);

	printf("%s %s: %d (%s)\n", name, how, err, err ? gai_strerror(err) : "ok");
	for (const struct addrinfo *a = res; a; a = a->ai_next) {
		char addr[INET6_ADDRSTRLEN] = "?";
		const void *p = NULL;

		if (a->ai_family == AF_INET)
			p = &((const struct sockaddr_in *)a->ai_addr)->sin_addr;
		else if (a->ai_family == AF_INET6)
			p = &((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		if (p)
			inet_ntop(a->ai_family, p, addr, sizeof(addr));
		printf("  family %d socktype %d protocol %d flags %d addr %s canon %s\n",
		       a->ai_family, a->ai_socktype, a->ai_protocol, a->ai_flags, addr,
		       a->ai_canonname ? a->ai_canonname : "-");
	}
	if (res)
		freeaddrinfo(res);
}

static int list(int argc, char **argv)
{
	static const struct {
		const char *how;
		struct addrinfo hints;
	} kinds[] = {
		{ "any", { .ai_family = AF_UNSPEC } },
		{ "stream", { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM } },
		{ "inet-canon", { .ai_family = AF_INET, .ai_flags = AI_CANONNAME } },
		{ "inet6", { .ai_family = AF_INET6 } },
		{ "addrconfig", { .ai_family = AF_UNSPEC, .ai_flags = AI_ADDRCONFIG } },
	};
	int i = 0;

	if (argc > 0 && !strcmp(argv[0], "-w")) {
		wait_go();
		i = 1;
	}
	for (; i < argc; i++)
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			print_addrinfo(argv[i], kinds[k].how, &kinds[k].hints);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "one") && argc == 3)
		return lookup(argv[2]) ? 2 : 0;
	if (!strcmp(argv[1], "churn") && argc == 6)
		return churn(atoi(argv[2]), atoi(argv[3]), argv[4], !strcmp(argv[5], "exec"));
	if (!strcmp(argv[1], "threads") && argc == 5)
		return threads(atoi(argv[2]), atoi(argv[3]), argv[4]);
	if (!strcmp(argv[1], "hang") && argc == 6)
		return hang(atoi(argv[2]), atoi(argv[3]), argv[4], argv[5]);
	if (!strcmp(argv[1], "loop") && argc == 4)
		return loop(atof(argv[2]), argv[3]);
	if (!strcmp(argv[1], "list"))
		return list(argc - 2, argv + 2);
	return usage();
}
