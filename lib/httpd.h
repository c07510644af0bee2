/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The smallest HTTP server that can serve GET /metrics to a Prometheus
 * scraper from inside the tracer's event loop, without ever blocking it.
 *
 * Everything is non-blocking: the server has an epoll fd of its own
 * (httpd_fd()) that the tracer polls with its other fds, and
 * httpd_process() does what is pending and returns. A client can stall,
 * send too much, or never read its answer: each connection has a bounded
 * request buffer and a deadline after which it is closed, the answer not
 * yet sent waits in the connection until the socket takes it, and beyond
 * max_conns connections new ones are closed at once. An internal timer
 * makes httpd_fd() readable when a deadline passes, so the tracer needs no
 * timeout of its own for it.
 *
 * The answer: GET or HEAD /metrics (HTTP/1.0 or 1.1, any query string)
 * gets 200 with the body the render callback writes, as Prometheus text
 * format 0.0.4; another path 404; another method 405 (Allow: GET, HEAD);
 * a malformed request 400; a request larger than max_request 431; HTTP/2
 * and later 505. Every answer says "Connection: close" and then the
 * connection is closed, once the client has had all of it.
 */
#ifndef UTRACE_HTTPD_H
#define UTRACE_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "obuf.h"

/* The longest "[v6 address%zone]:port" that httpd_addr() returns, and NUL. */
#define HTTPD_ADDR_MAX	80

/* 0 for a field means the default. */
struct httpd_limits {
	unsigned int max_conns;	/* connections at once; 16 */
	size_t max_request;	/* bytes of request line and headers; 8 KiB */
	uint64_t deadline_ns;	/* a connection's whole life; 2 s */
};

struct httpd_stats {
	uint64_t requests;	/* answered, whatever the status */
	uint64_t refused;	/* closed at once: max_conns were open */
	uint64_t timeouts;	/* closed at the deadline */
	unsigned int open;	/* connections open now */
};

/* Fill @body with the page; called for each GET or HEAD of /metrics. */
typedef void httpd_render_fn(struct obuf *body, void *arg);

struct httpd;

/*
 * Parse "ADDR:PORT": an IPv4 address in dotted-quad form, an IPv6 one in
 * brackets ("[::1]:9100", "[fe80::1%eth0]:9100"), or none (":9100"),
 * which means 127.0.0.1: metrics stay on the host unless an address such
 * as 0.0.0.0 is asked for. Host names are refused: no resolver is asked
 * from inside the tracer. PORT is 0 (the kernel picks one) to 65535.
 * Returns 0, or -EINVAL with a message naming @s in @err.
 */
int httpd_parse_addr(const char *s, struct sockaddr_storage *ss,
		     socklen_t *len, char *err, size_t errsz);

/*
 * Listen on @addr_port (see httpd_parse_addr()), with SO_REUSEADDR so a
 * restarted tracer can bind again at once. Returns the server, or NULL
 * with a message in @err, e.g. "address already in use: is another utrace
 * serving on 127.0.0.1:9100?". @lim may be NULL.
 */
struct httpd *httpd_open(const char *addr_port,
			 const struct httpd_limits *lim, char *err,
			 size_t errsz);

/* Readable when httpd_process() has something to do. */
int httpd_fd(const struct httpd *h);

/* The address listened on, with the port the kernel picked for port 0. */
const char *httpd_addr(const struct httpd *h);
int httpd_port(const struct httpd *h);

/*
 * Do what is pending (accept, read, answer, write, expire) without
 * blocking, and return. @now_ns is CLOCK_BOOTTIME (clock_boot_ns()), the
 * clock of the deadlines and of the timer behind httpd_fd(). Returns 0,
 * or -errno when the server's own epoll fails.
 */
int httpd_process(struct httpd *h, uint64_t now_ns, httpd_render_fn *render,
		  void *arg);

void httpd_stats(const struct httpd *h, struct httpd_stats *st);

/* Close the server and every connection. */
void httpd_close(struct httpd *h);

#endif
