// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper for test_dnslat.py: one kind of libc name lookup, made by a
 * program whose COMM ("lookup") and PID the test knows.
 *
 *   lookup [-w] [-s SECONDS] [-t THREADS] [-a MS] [-S SERVICE] [-N]
 *          FUNC NAME [REPEAT]
 *
 * FUNC is one of the seven functions utrace dnslat traces; for getnameinfo
 * and gethostbyaddr NAME is a numeric IPv4 or IPv6 address (IPv6 with a
 * %SCOPE number for getnameinfo). -w prints "ready" and waits for a line
 * on stdin before the first lookup (so a tracer can attach to this PID
 * first); -s sleeps before it. Each lookup prints "FUNC NAME RESULT",
 * RESULT being what utrace should report: ok, an EAI_* name, an h_errno
 * name, or "failed".
 *
 *   -t N   N threads make the REPEAT lookups each, all started at once
 *          (each line then ends with " TID")
 *   -a MS  first a lookup of NAME abandoned after MS milliseconds: SIGALRM
 *          and siglongjmp(), the DNS timeout idiom (prints "FUNC NAME
 *          abandoned"); then the REPEAT lookups, from a deeper stack frame
 *   -S     getaddrinfo with this service (else NULL)
 *   -N     getaddrinfo with a NULL node (NAME is then only printed)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static const char *service;	/* -S */
static int null_node;		/* -N */

static const char *herrno_name(int e)
{
	switch (e) {
	case HOST_NOT_FOUND: return "HOST_NOT_FOUND";
	case TRY_AGAIN: return "TRY_AGAIN";
	case NO_RECOVERY: return "NO_RECOVERY";
	case NO_DATA: return "NO_DATA";
	}
	return "failed";
}

static const char *eai_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_NODATA: return "EAI_NODATA";
	case EAI_FAMILY: return "EAI_FAMILY";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	}
	return "EAI_other";
}

static const char *do_getaddrinfo(const char *name)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int err = getaddrinfo(null_node ? NULL : name, service, &hints, &res);

	if (res)
		freeaddrinfo(res);
	return eai_name(err);
}

static const char *do_gethostbyname(const char *name, int two)
{
	struct hostent *h = two ? gethostbyname2(name, AF_INET)
				: gethostbyname(name);

	return h ? "ok" : herrno_name(h_errno);
}

static const char *do_gethostbyname_r(const char *name, int two)
{
	struct hostent he, *res = NULL;
	char buf[8192];
	int herr = 0, err;

	if (two)
		err = gethostbyname2_r(name, AF_INET, &he, buf, sizeof(buf),
				       &res, &herr);
	else
		err = gethostbyname_r(name, &he, buf, sizeof(buf), &res, &herr);
	if (!err && res)
		return "ok";
	return err == ERANGE ? "ERANGE" : herrno_name(herr);
}

/*
 * NAME as a binary address: its family, or -1 when it is none. An IPv6
 * address may end in %SCOPE, a number (not parsed by getaddrinfo: that
 * would be a lookup of its own).
 */
static int parse_address(const char *name, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char addr[INET6_ADDRSTRLEN + 1];
	const char *pct = strchr(name, '%');

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, name, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		*len = sizeof(*in);
		return AF_INET;
	}
	snprintf(addr, sizeof(addr), "%.*s", pct ? (int)(pct - name) : (int)strlen(name), name);
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_scope_id = pct ? (uint32_t)strtoul(pct + 1, NULL, 10) : 0;
		*len = sizeof(*in6);
		return AF_INET6;
	}
	return -1;
}

static const char *do_getnameinfo(const char *name)
{
	struct sockaddr_storage ss;
	char host[NI_MAXHOST];
	socklen_t len;

	if (parse_address(name, &ss, &len) < 0)
		return NULL;
	/* NI_NAMEREQD: an unknown address fails instead of printing itself */
	return eai_name(getnameinfo((struct sockaddr *)&ss, len, host,
				    sizeof(host), NULL, 0, NI_NAMEREQD));
}

static const char *do_gethostbyaddr(const char *name)
{
	struct sockaddr_storage ss;
	struct hostent *h;
	socklen_t len;
	int af = parse_address(name, &ss, &len);

	if (af == AF_INET)
		h = gethostbyaddr(&((struct sockaddr_in *)&ss)->sin_addr,
				  sizeof(struct in_addr), AF_INET);
	else if (af == AF_INET6)
		h = gethostbyaddr(&((struct sockaddr_in6 *)&ss)->sin6_addr,
				  sizeof(struct in6_addr), AF_INET6);
	else
		return NULL;
	return h ? "ok" : herrno_name(h_errno);
}

static const char *lookup(const char *func, const char *name)
{
	if (!strcmp(func, "getaddrinfo"))
		return do_getaddrinfo(name);
	if (!strcmp(func, "gethostbyname"))
		return do_gethostbyname(name, 0);
	if (!strcmp(func, "gethostbyname2"))
		return do_gethostbyname(name, 1);
	if (!strcmp(func, "gethostbyname_r"))
		return do_gethostbyname_r(name, 0);
	if (!strcmp(func, "gethostbyname2_r"))
		return do_gethostbyname_r(name, 1);
	if (!strcmp(func, "getnameinfo"))
		return do_getnameinfo(name);
	if (!strcmp(func, "gethostbyaddr"))
		return do_gethostbyaddr(name);
	return NULL;
}

static void usage(void)
{
	fputs("usage: lookup [-w] [-s SECONDS] [-t THREADS] [-a MS] [-S SERVICE] [-N] "
	      "FUNC NAME [REPEAT]\n", stderr);
	exit(64);
}

static const char *func, *name;
static int repeat = 1, nthreads;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start_line;

static void lookups(int threaded)
{
	for (int i = 0; i < repeat; i++) {
		const char *r = lookup(func, name);

		if (!r)
			usage();
		pthread_mutex_lock(&out_lock);
		if (threaded)
			printf("%s %s %s %ld\n", func, name, r, (long)syscall(SYS_gettid));
		else
			printf("%s %s %s\n", func, name, r);
		fflush(stdout);
		pthread_mutex_unlock(&out_lock);
	}
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	lookups(1);
	return NULL;
}

/* Threads by the thousand: small stacks, as many fds as the limit allows. */
static int run_threads(void)
{
	pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
	struct rlimit rl;
	pthread_attr_t a;

	if (!t)
		return 1;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 128 * 1024);
	pthread_barrier_init(&start_line, NULL, (unsigned int)nthreads);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], &a, worker, NULL)) {
			fprintf(stderr, "lookup: thread %d of %d: cannot start\n", i, nthreads);
			_exit(1);
		}
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* ---- -a: a lookup abandoned with siglongjmp() ---- */

static sigjmp_buf timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	siglongjmp(timed_out, 1);
}

/* The lookups from well below the abandoned one's frame, which is overwritten. */
static void __attribute__((noinline)) from_deeper(int levels)
{
	volatile char pad[4096];

	memset((char *)pad, 0x5a, sizeof(pad));
	if (levels > 0)
		from_deeper(levels - 1);
	else
		lookups(0);
	pad[0] = 0;
}

static void abandon_one(int ms)
{
	struct itimerval t = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	if (!sigsetjmp(timed_out, 1)) {
		setitimer(ITIMER_REAL, &t, NULL);
		lookup(func, name);
		fprintf(stderr, "lookup: %s %s returned before the alarm\n", func, name);
		exit(1);
	}
	printf("%s %s abandoned\n", func, name);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned int pause_s = 0;
	int wait = 0, opt, abandon_ms = 0;
	char line[64];

	while ((opt = getopt(argc, argv, "ws:t:a:S:N")) != -1) {
		if (opt == 'w')
			wait = 1;
		else if (opt == 's')
			pause_s = (unsigned int)atoi(optarg);
		else if (opt == 't')
			nthreads = atoi(optarg);
		else if (opt == 'a')
			abandon_ms = atoi(optarg);
		else if (opt == 'S')
			service = optarg;
		else if (opt == 'N')
			null_node = 1;
		else
			usage();
	}
	if (argc - optind < 2 || argc - optind > 3)
		usage();
	func = argv[optind];
	name = argv[optind + 1];
	if (argc - optind == 3)
		repeat = atoi(argv[optind + 2]);
	if (wait) {
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	if (pause_s)
		sleep(pause_s);
	if (nthreads > 0)
		return run_threads();
	if (abandon_ms > 0) {
		abandon_one(abandon_ms);
		from_deeper(3);
		return 0;
	}
	lookups(0);
	return 0;
}
