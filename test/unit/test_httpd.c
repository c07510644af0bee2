// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/httpd.c without privilege, on 127.0.0.1 and a port the kernel picks.
 *
 * The server runs as the tracer would run it: a thread that sleeps in
 * poll() on httpd_fd() alone, with no timeout (so the deadlines must wake
 * it through the server's timer), and calls httpd_process(). The clients
 * are plain blocking sockets in the main thread: the answers to GET, HEAD,
 * other paths, methods and garbage; an oversize request; a client that
 * stalls half-way through its request while others are served; one that
 * never reads a large answer, which must not block the server; more
 * clients than max_conns; a second server on the same port; and
 * addresses that are refused, with messages that name them.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "httpd.h"
#include "obuf.h"
#include "check.h"



#define MS 1000000ULL
#define DEADLINE_MS 1000
#define BIG (16u << 20)		/* far more than the sockets buffer */
#define PAGE "# HELP utrace_up 1 while tracing.\n# TYPE utrace_up gauge\nutrace_up 1\n"

/* --- the server thread ---------------------------------------------------- */

struct server {
	struct httpd *h;
	pthread_t thread;
	pthread_mutex_t lock;	/* held by the thread around httpd_process() */
	int stop[2];		/* a byte on stop[1] ends the thread */
	int big;		/* render BIG bytes instead of PAGE */
	uint64_t max_call_ns;	/* the longest httpd_process() call */
	uint64_t calls;
};

static void render(struct obuf *body, void *arg)
{
	struct server *s = arg;

	if (s->big) {
		obuf_reserve(body, BIG);
		memset(body->data + body->len, 'x', BIG);
		body->len += BIG;
		body->data[body->len] = '\0';
	} else {
		obuf_puts(body, PAGE);
	}
}

static void *serve(void *arg)
{
	struct server *s = arg;
	struct pollfd p[2] = {
		{ .fd = httpd_fd(s->h), .events = POLLIN },
		{ .fd = s->stop[0], .events = POLLIN },
	};

	for (;;) {
		uint64_t t0, dt;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		pthread_mutex_lock(&s->lock);
		t0 = clock_boot_ns();
		if (httpd_process(s->h, t0, render, s))
			fprintf(stderr, "httpd_process: %s\n", strerror(errno));
		dt = clock_boot_ns() - t0;
		if (dt > s->max_call_ns)
			s->max_call_ns = dt;
		s->calls++;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static int server_start(struct server *s, const struct httpd_limits *lim)
{
	char err[256];

	memset(s, 0, sizeof(*s));
	s->h = httpd_open("127.0.0.1:0", lim, err, sizeof(err));
	if (!s->h) {
		fprintf(stderr, "httpd_open: %s\n", err);
		return -1;
	}
	pthread_mutex_init(&s->lock, NULL);
	if (pipe(s->stop) || pthread_create(&s->thread, NULL, serve, s))
		return -1;
	return 0;
}

static void server_stop(struct server *s)
{
	if (write(s->stop[1], "x", 1) != 1)
		perror("stop");
	pthread_join(s->thread, NULL);
	httpd_close(s->h);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->lock);
}

static struct httpd_stats stats(struct server *s)
{
	struct httpd_stats st;

	pthread_mutex_lock(&s->lock);
	httpd_stats(s->h, &st);
	pthread_mutex_unlock(&s->lock);
	return st;
}

/* Wait up to 5 s for @cond; its last value. */
#define WAIT_FOR(cond) ({ \
	bool ok_ = false; \
	for (int i_ = 0; i_ < 500 && !(ok_ = (cond)); i_++) \
		usleep(10000); \
	ok_; \
})

/* --- clients -------------------------------------------------------------- */

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read until EOF into @o; 0, or -errno (-EAGAIN: 5 s passed). */
static int read_all(int fd, struct obuf *o)
{
	char buf[65536];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0)
			return 0;
		if (n < 0)
			return -errno;
		obuf_put(o, buf, (size_t)n);
	}
}

/*
 * Send @n bytes of @req (then, with @half_close, shut down the sending
 * side), read the whole answer; its status, or -1.
 */
static int ask_full(int port, const char *req, size_t n, bool half_close,
		    struct obuf *resp)
{
	int fd = dial(port), err, status = -1;

	obuf_reset(resp);
	if (fd < 0)
		return -1;
	if (send_all(fd, req, n) || (half_close && shutdown(fd, SHUT_WR))) {
		close(fd);
		return -1;
	}
	err = read_all(fd, resp);
	close(fd);
	if (err) {
		fprintf(stderr, "reading the answer: %s\n", strerror(-err));
		return -1;
	}
	if (resp->len < 12 || sscanf(resp->data, "HTTP/1.1 %d ", &status) != 1)
		return -1;
	return status;
}

static int ask_n(int port, const char *req, size_t n, struct obuf *resp)
{
	return ask_full(port, req, n, false, resp);
}

static int ask(int port, const char *req, struct obuf *resp)
{
	return ask_n(port, req, strlen(req), resp);
}

static const char *body_of(const struct obuf *resp)
{
	const char *p = resp->data ? strstr(resp->data, "\r\n\r\n") : NULL;

	return p ? p + 4 : "";
}

static bool has_header(const struct obuf *resp, const char *line)
{
	const char *end = resp->data ? strstr(resp->data, "\r\n\r\n") : NULL;
	const char *p = end ? strstr(resp->data, line) : NULL;

	return p && p < end;
}

/* --- cases ---------------------------------------------------------------- */

static void answers(struct server *s, int port)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
		{ "GET /metrics HTTP/1.0\r\n\r\n", 200 },
		{ "GET /metrics?name[]=x HTTP/1.1\r\nHost: a\r\n\r\n", 200 },
		{ "GET /metrics#frag HTTP/1.1\r\n\r\n", 200 },
		{ "GET http://127.0.0.1:9100/metrics HTTP/1.1\r\n\r\n", 200 },
		{ "GET /metrics HTTP/1.1\n\n", 200 },		/* bare LF */
		{ "\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n", 200 },	/* leading CRLFs */
		{ "GET /metrics HTTP/1.1\r\nX: a\tb \xff\r\n\r\n", 200 },	/* obs-text */
		{ "GET / HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metrics/ HTTP/1.1\r\n\r\n", 404 },
		{ "GET /Metrics HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
		{ "GET http://h HTTP/1.1\r\n\r\n", 404 },
		{ "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405 },
		{ "DELETE /metrics HTTP/1.0\r\n\r\n", 405 },
		{ "get /metrics HTTP/1.1\r\n\r\n", 405 },	/* methods are case-sensitive */
		{ "GET /metrics HTTP/2.0\r\n\r\n", 505 },
		{ "GET /metrics HTTP/1.1x\r\n\r\n", 400 },
		{ "GET /metrics HTTP/0.9\r\n\r\n", 400 },
		{ "GET /metrics\r\n\r\n", 400 },		/* HTTP/0.9 */
		{ "GET  /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /metrics  HTTP/1.1\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.1\r\n\r\n", 400 },
		{ "G(T /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /met\rrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\n folded: x\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", 400 },
		{ "hello\r\n\r\n", 400 },
		{ "\r\n\r\n\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n", 200 },
	};
	struct obuf r = { 0 };
	char want[64];
	int st;

	st = ask(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n", &r);
	CHECK(st == 200, "GET /metrics: %d", st);
	CHECK(!strcmp(body_of(&r), PAGE), "the body: %s", body_of(&r));
	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n", strlen(PAGE));
	CHECK(has_header(&r, want), "no %s", want);
	CHECK(has_header(&r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
	      "the content type: %s", r.data);
	CHECK(has_header(&r, "\r\nConnection: close\r\n"), "no Connection: close");

	st = ask(port, "HEAD /metrics HTTP/1.1\r\n\r\n", &r);
	CHECK(st == 200 && has_header(&r, want) && !*body_of(&r),
	      "HEAD: %d, %s", st, r.data ? r.data : "");

	st = ask(port, "POST /metrics HTTP/1.1\r\n\r\n", &r);
	CHECK(st == 405 && has_header(&r, "\r\nAllow: GET, HEAD\r\n"),
	      "405 without Allow: %s", r.data ? r.data : "");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = ask(port, cases[i].req, &r);
		CHECK(st == cases[i].status, "case %zu (%.30s): %d, not %d", i,
		      cases[i].req, st, cases[i].status);
		if (st == 200)
			CHECK(!strcmp(body_of(&r), PAGE), "case %zu: body", i);
	}

	/* a client that shuts down its side once it has asked (nc -N) */
	{
		const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";

		st = ask_full(port, req, sizeof(req) - 1, true, &r);
		CHECK(st == 200 && !strcmp(body_of(&r), PAGE), "half-closed: %d", st);
		st = ask_full(port, "GET /metr", 9, true, &r);
		CHECK(st == -1 && r.len == 0, "half a request, half-closed: %d", st);
	}

	/* bytes after the request are dropped, and do not reset the answer */
	{
		static char req[200000];
		size_t n = (size_t)snprintf(req, sizeof(req),
					    "GET /metrics HTTP/1.1\r\n\r\n");

		memset(req + n, 'z', sizeof(req) - n);
		st = ask_n(port, req, sizeof(req), &r);
		CHECK(st == 200 && !strcmp(body_of(&r), PAGE),
		      "with 200 KB after the request: %d", st);
	}

	/* a binary protocol (a TLS ClientHello) is refused at once */
	{
		const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
		uint64_t t0 = clock_boot_ns();

		st = ask_n(port, hello, sizeof(hello) - 1, &r);
		CHECK(st == 400 && clock_boot_ns() - t0 < DEADLINE_MS * MS / 2,
		      "TLS: %d after %llu ms", st,
		      (unsigned long long)((clock_boot_ns() - t0) / MS));
	}

	/* a client that leaves without asking leaves no connection */
	{
		int fd = dial(port);

		if (fd >= 0)
			close(fd);
		CHECK(WAIT_FOR(stats(s).open == 0), "an empty connection stayed open");
	}
	obuf_free(&r);
}

static void oversize(int port)
{
	struct obuf r = { 0 };
	char *req = malloc(8192 + 2);
	size_t head;
	int st;

	/* exactly 8 KiB, the blank line included: taken */
	head = (size_t)snprintf(req, 8192, "GET /metrics HTTP/1.1\r\nX-Pad: ");
	memset(req + head, 'p', 8192 - head - 4);
	memcpy(req + 8192 - 4, "\r\n\r\n", 4);
	st = ask_n(port, req, 8192, &r);
	CHECK(st == 200, "8192 bytes: %d", st);
	/* one byte more: too large */
	memset(req + head, 'p', 8192 - head - 3);
	memcpy(req + 8192 - 3, "\r\n\r\n", 4);
	st = ask_n(port, req, 8193, &r);
	CHECK(st == 431, "8193 bytes: %d", st);
	/* a header that never ends */
	memset(req + head, 'p', 8192 + 2 - head);
	st = ask_n(port, req, 8192 + 2, &r);
	CHECK(st == 431, "no end: %d", st);
	free(req);
	obuf_free(&r);
}

/* Half a request, then nothing: others are served, it is closed at the deadline. */
static void stalled(struct server *s, int port)
{
	struct httpd_stats before = stats(s);
	struct obuf r = { 0 };
	uint64_t t0, waited;
	char c;
	ssize_t n;
	int fd, st;

	fd = dial(port);
	if (fd < 0 || send_all(fd, "GET /metr", 9)) {
		CHECK(0, "the stalling client could not start");
		return;
	}
	t0 = clock_boot_ns();
	for (int i = 0; i < 5; i++) {
		st = ask(port, "GET /metrics HTTP/1.1\r\n\r\n", &r);
		CHECK(st == 200, "served beside a stalled client: %d", st);
	}
	n = recv(fd, &c, 1, 0);		/* blocks until the server closes it */
	waited = (clock_boot_ns() - t0) / MS;
	CHECK(n == 0, "the stalled client got %zd (%s), not EOF", n,
	      n < 0 ? strerror(errno) : "data");
	CHECK(waited >= DEADLINE_MS * 9 / 10 && waited < DEADLINE_MS + 1000,
	      "closed after %llu ms, deadline %d ms", (unsigned long long)waited,
	      DEADLINE_MS);
	CHECK(stats(s).timeouts == before.timeouts + 1, "timeouts not counted");
	close(fd);
	obuf_free(&r);
}

/* A client that asks for a large page and never reads it. */
static void never_reads(struct server *s, int port)
{
	struct httpd_stats before = stats(s);
	struct obuf r = { 0 };
	int fd, st, queued = 0;

	s->big = 1;
	fd = dial(port);
	if (fd < 0 || send_all(fd, "GET /metrics HTTP/1.1\r\n\r\n", 25)) {
		CHECK(0, "the client could not start");
		return;
	}
	CHECK(WAIT_FOR(stats(s).requests > before.requests),
	      "the large request was not answered");
	pthread_mutex_lock(&s->lock);
	s->big = 0;
	pthread_mutex_unlock(&s->lock);
	/* the server goes on serving, with most of the page not sent */
	st = ask(port, "GET /metrics HTTP/1.1\r\n\r\n", &r);
	CHECK(st == 200 && !strcmp(body_of(&r), PAGE), "served beside it: %d", st);
	st = ask(port, "GET /nope HTTP/1.1\r\n\r\n", &r);
	CHECK(st == 404, "404 beside it: %d", st);
	CHECK(!ioctl(fd, FIONREAD, &queued) && queued > 0 && queued < (int)BIG,
	      "%d bytes queued at the client of %u", queued, BIG);
	/* closed at its deadline, unread */
	CHECK(WAIT_FOR(stats(s).timeouts == before.timeouts + 1),
	      "the client that never reads was not closed");
	pthread_mutex_lock(&s->lock);
	CHECK(s->max_call_ns < 500 * MS, "an httpd_process() call took %llu ms",
	      (unsigned long long)(s->max_call_ns / MS));
	pthread_mutex_unlock(&s->lock);
	close(fd);
	obuf_free(&r);
}

static void too_many(void)
{
	struct httpd_limits lim = { .max_conns = 4, .deadline_ns = 5000 * MS };
	struct server s;
	struct obuf r = { 0 };
	int fds[4], extra, port, st;
	char c;
	ssize_t n;

	if (server_start(&s, &lim)) {
		CHECK(0, "no server");
		return;
	}
	port = httpd_port(s.h);
	for (int i = 0; i < 4; i++)
		fds[i] = dial(port);
	CHECK(WAIT_FOR(stats(&s).open == 4), "4 connections not open: %u",
	      stats(&s).open);
	extra = dial(port);
	n = extra >= 0 ? recv(extra, &c, 1, 0) : -1;
	CHECK(n == 0 || (n < 0 && errno == ECONNRESET),
	      "the 5th connection got %zd (%s)", n, n < 0 ? strerror(errno) : "");
	CHECK(stats(&s).refused == 1, "refused: %llu",
	      (unsigned long long)stats(&s).refused);
	if (extra >= 0)
		close(extra);
	/* once they leave, there is room again */
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	CHECK(WAIT_FOR(stats(&s).open == 0), "connections left open");
	st = ask(port, "GET /metrics HTTP/1.1\r\n\r\n", &r);
	CHECK(st == 200, "after the crowd: %d", st);
	server_stop(&s);
	obuf_free(&r);
}

static void same_port(int port)
{
	char addr[64], want[128], err[256];
	struct httpd *h;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	h = httpd_open(addr, NULL, err, sizeof(err));
	snprintf(want, sizeof(want),
		 "address already in use: is another utrace serving on %s?", addr);
	CHECK(!h && !strcmp(err, want), "a second server: %s", h ? "opened" : err);
	httpd_close(h);
	/* ":PORT" is 127.0.0.1 too */
	snprintf(addr, sizeof(addr), ":%d", port);
	h = httpd_open(addr, NULL, err, sizeof(err));
	CHECK(!h && strstr(err, "already in use") && strstr(err, "127.0.0.1:"),
	      "a second server on :PORT: %s", h ? "opened" : err);
	httpd_close(h);
}

static void addresses(void)
{
	static const char *const bad[] = {
		"9100", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
		"127.0.0.1:99999999999999999999", "127.0.0.1:-1", "127.0.0.1:+80",
		"127.0.0.1:http", "127.0.0.1:80 ", "localhost:9100",
		"300.1.1.1:9100", "127.1:9100", "1.2.3.4.5:9100",
		" 127.0.0.1:9100", "127.0.0.01:9100", "::1:9100", "::9100",
		"[::1]", "[::1]9100", "[::1:9100", "[nope]:9100", "[]:9100",
		"[127.0.0.1]:9100", "[::1]:65536", "[fe80::1%nosuchif0]:9100",
		"[fe80::1%]:9100",
	};
	static const struct {
		const char *s, *addr;
	} good[] = {
		{ ":9100", "127.0.0.1:9100" },
		{ ":0", "127.0.0.1:0" },
		{ "127.0.0.1:9100", "127.0.0.1:9100" },
		{ "0.0.0.0:9100", "0.0.0.0:9100" },
		{ "10.1.2.3:65535", "10.1.2.3:65535" },
		{ "[::1]:9100", "::1" },
		{ "[::]:80", "::" },
		{ "[fe80::1%1]:9100", "fe80::1" },
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct httpd *h;

		err[0] = '\0';
		CHECK(httpd_parse_addr(bad[i], &ss, &len, err, sizeof(err)) == -EINVAL,
		      "'%s' accepted", bad[i]);
		CHECK(strstr(err, bad[i]) != NULL, "the message for '%s' does not name it: %s",
		      bad[i], err);
		h = httpd_open(bad[i], NULL, err, sizeof(err));
		CHECK(!h && strstr(err, bad[i]), "httpd_open('%s'): %s", bad[i],
		      h ? "opened" : err);
		httpd_close(h);
	}
	CHECK(httpd_parse_addr("", &ss, &len, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "ADDR:PORT"), "empty: %s", err);
	CHECK(httpd_parse_addr(NULL, &ss, &len, err, sizeof(err)) == -EINVAL, "NULL");

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char host[64];
		int rc = httpd_parse_addr(good[i].s, &ss, &len, err, sizeof(err));

		CHECK(!rc, "'%s' refused: %s", good[i].s, err);
		if (rc)
			continue;
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			snprintf(err, sizeof(err), "%s:%u", host, ntohs(a->sin_port));
			CHECK(len == sizeof(*a) && !strcmp(err, good[i].addr),
			      "'%s' is %s", good[i].s, err);
		} else {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			CHECK(len == sizeof(*a) && ss.ss_family == AF_INET6 &&
			      !strcmp(host, good[i].addr), "'%s' is %s", good[i].s, host);
			if (strchr(good[i].s, '%'))
				CHECK(a->sin6_scope_id == 1, "scope id %u", a->sin6_scope_id);
		}
	}
}

int main(void)
{
	struct httpd_limits lim = { .deadline_ns = DEADLINE_MS * MS };
	struct server s;
	char err[256];
	struct httpd *h;
	int port;

	addresses();

	/* ":0": 127.0.0.1, and a port the kernel picked */
	h = httpd_open(":0", NULL, err, sizeof(err));
	CHECK(h && !strncmp(httpd_addr(h), "127.0.0.1:", 10) && httpd_port(h) > 0,
	      ":0: %s", h ? httpd_addr(h) : err);
	httpd_close(h);

	if (server_start(&s, &lim)) {
		fprintf(stderr, "no server\n");
		return 1;
	}
	port = httpd_port(s.h);
	answers(&s, port);
	oversize(port);
	stalled(&s, port);
	never_reads(&s, port);
	same_port(port);
	CHECK(WAIT_FOR(stats(&s).open == 0), "%u connections left open",
	      stats(&s).open);
	server_stop(&s);
	too_many();

	return check_summary();
}
