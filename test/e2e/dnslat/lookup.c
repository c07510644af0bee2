// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper for test_dnslat.py: one kind of libc name lookup, made by a
 * program whose COMM ("lookup") and PID the test knows.
 *
 *   lookup [-w] [-s SECONDS] FUNC NAME [REPEAT]
 *
 * FUNC is one of the seven functions utrace dnslat traces; for getnameinfo
 * and gethostbyaddr NAME is a numeric IPv4 or IPv6 address. -w prints
 * "ready" and waits for a line on stdin before the first lookup (so a
 * tracer can attach to this PID first); -s sleeps before it. Each lookup
 * prints "FUNC NAME RESULT", RESULT being what utrace should report: ok,
 * an EAI_* name, an h_errno name, or "failed".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
	int err = getaddrinfo(name, NULL, &hints, &res);

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

/* NAME as a binary address: its family, or -1 when it is none. */
static int parse_address(const char *name, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, name, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		*len = sizeof(*in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, name, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
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
	fputs("usage: lookup [-w] [-s SECONDS] FUNC NAME [REPEAT]\n", stderr);
	exit(64);
}

int main(int argc, char **argv)
{
	unsigned int pause_s = 0;
	int wait = 0, repeat = 1, opt;
	char line[64];

	while ((opt = getopt(argc, argv, "ws:")) != -1) {
		if (opt == 'w')
			wait = 1;
		else if (opt == 's')
			pause_s = (unsigned int)atoi(optarg);
		else
			usage();
	}
	if (argc - optind < 2 || argc - optind > 3)
		usage();
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
	for (int i = 0; i < repeat; i++) {
		const char *r = lookup(argv[optind], argv[optind + 1]);

		if (!r)
			usage();
		printf("%s %s %s\n", argv[optind], argv[optind + 1], r);
		fflush(stdout);
	}
	return 0;
}
