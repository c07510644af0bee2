// SPDX-License-Identifier: GPL-2.0-only
/*
 * A non-blocking HTTP/1.x server for one page (see httpd.h).
 *
 * Each connection goes READ (request bytes into a bounded buffer until the
 * blank line that ends the headers) -> WRITE (the whole answer built at
 * once, sent as the socket takes it) -> DRAIN (our side shut down; what
 * the client still sends is read and dropped until it closes), and is
 * closed at the end of DRAIN, on an error, or at its deadline. DRAIN is
 * there because closing a socket with unread bytes in it sends a reset,
 * which can destroy the answer before the client has read it.
 *
 * epoll is level-triggered: what one httpd_process() call leaves undone
 * (it does a bounded amount) keeps httpd_fd() readable for the next.
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "numparse.h"

#define DEFAULT_MAX_CONNS	16
#define DEFAULT_MAX_REQUEST	8192
#define DEFAULT_DEADLINE_NS	2000000000ULL
/* after EMFILE and the like: stop accepting for a while, not spin */
#define ACCEPT_PAUSE_NS		100000000ULL
/* per call, so a flood cannot keep the tracer from its events */
#define MAX_ROUNDS		4
#define MAX_EVENTS		32
#define MAX_ACCEPTS		64
#define DRAIN_READS		16

/* epoll data: what woke up (connections are 2 + their index) */
#define TAG_LISTEN	0
#define TAG_TIMER	1
#define TAG_CONN	2

enum conn_state { C_FREE, C_READ, C_WRITE, C_DRAIN };

struct conn {
	int fd;
	enum conn_state state;
	uint64_t deadline;
	char *req;		/* max_request bytes, kept for the slot's next */
	size_t reqlen;
	struct obuf out;	/* the answer */
	size_t sent;
	uint32_t events;	/* what epoll watches for it */
};

struct httpd {
	int lfd, ep, tfd;
	struct httpd_limits lim;
	struct conn *conns;
	uint64_t accept_resume;	/* 0, or when to accept again */
	uint64_t armed;		/* the timer's expiry, 0: disarmed */
	struct obuf body;
	struct httpd_stats st;
	char addr[HTTPD_ADDR_MAX];
	int port;
};

/* --- addresses ------------------------------------------------------------ */

static int addr_error(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int addr_error(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_port(const char *s, const char *p, uint16_t *port,
		      char *err, size_t errsz)
{
	uint64_t v;

	if (!*p)
		return addr_error(err, errsz, "'%s': no port after ':'", s);
	if (parse_u64(p, 0, UINT64_MAX, &v) || v > 65535)
		return addr_error(err, errsz,
				  "'%s': port '%s' out of range (0 to 65535)",
				  s, p);
	*port = htons((uint16_t)v);
	return 0;
}

/* "[v6]:port", "[v6%zone]:port" */
static int parse_v6(const char *s, struct sockaddr_in6 *a, char *err,
		    size_t errsz)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *zone;
	const char *rb = strchr(s, ']');
	size_t n;

	if (!rb)
		return addr_error(err, errsz,
				  "'%s': no ']' after the IPv6 address", s);
	n = (size_t)(rb - s - 1);
	if (n >= sizeof(host))
		return addr_error(err, errsz, "'%s': not an IPv6 address", s);
	memcpy(host, s + 1, n);
	host[n] = '\0';
	zone = strchr(host, '%');
	if (zone)
		*zone++ = '\0';
	memset(a, 0, sizeof(*a));
	a->sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
		return addr_error(err, errsz,
				  "'%s': '%s' is not an IPv6 address", s, host);
	if (zone) {
		uint64_t idx;

		if (!parse_u64(zone, 1, UINT32_MAX, &idx))
			a->sin6_scope_id = (uint32_t)idx;
		else if (!(a->sin6_scope_id = if_nametoindex(zone)))
			return addr_error(err, errsz,
					  "'%s': no network interface '%s'",
					  s, zone);
	}
	if (rb[1] != ':')
		return addr_error(err, errsz, "'%s': no ':PORT' after ']'", s);
	return parse_port(s, rb + 2, &a->sin6_port, err, errsz);
}

int httpd_parse_addr(const char *s, struct sockaddr_storage *ss,
		     socklen_t *len, char *err, size_t errsz)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	char host[INET_ADDRSTRLEN];
	const char *colon;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (!s || !*s)
		return addr_error(err, errsz,
				  "no address: ADDR:PORT, e.g. 127.0.0.1:9100");
	if (s[0] == '[') {
		*len = sizeof(struct sockaddr_in6);
		return parse_v6(s, (struct sockaddr_in6 *)ss, err, errsz);
	}
	colon = strrchr(s, ':');
	if (!colon)
		return addr_error(err, errsz,
				  "'%s': no port: ADDR:PORT, e.g. 127.0.0.1:9100",
				  s);
	if (memchr(s, ':', (size_t)(colon - s)))
		return addr_error(err, errsz,
				  "'%s': an IPv6 address goes in brackets, as in [::1]:9100",
				  s);
	*len = sizeof(*a4);
	a4->sin_family = AF_INET;
	n = (size_t)(colon - s);
	/* no address: this host only, never all of its interfaces */
	a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (n) {
		if (n < sizeof(host)) {
			memcpy(host, s, n);
			host[n] = '\0';
		}
		if (n >= sizeof(host) ||
		    inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return addr_error(err, errsz,
					  "'%s': '%.*s' is not an IPv4 address (host names are not looked up)",
					  s, (int)n, s);
	}
	return parse_port(s, colon + 1, &a4->sin_port, err, errsz);
}

/* "a.b.c.d:port" or "[v6%zone]:port" */
static void format_addr(const struct sockaddr_storage *ss, char *buf,
			size_t bufsz)
{
	char host[INET6_ADDRSTRLEN], zone[IF_NAMESIZE + 1] = "";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, bufsz, "%s:%u", host, ntohs(a->sin_port));
		return;
	}
	{
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		if (a->sin6_scope_id &&
		    !if_indextoname(a->sin6_scope_id, zone + 1))
			snprintf(zone + 1, sizeof(zone) - 1, "%u",
				 a->sin6_scope_id);
		if (zone[1])
			zone[0] = '%';
		snprintf(buf, bufsz, "[%s%s]:%u", host, zone,
			 ntohs(a->sin6_port));
	}
}

/* --- the listening socket ------------------------------------------------- */

static void bind_error(int e, const char *where, char *err, size_t errsz)
{
	switch (e) {
	case EADDRINUSE:
		snprintf(err, errsz,
			 "address already in use: is another utrace serving on %s?",
			 where);
		break;
	case EADDRNOTAVAIL:
		snprintf(err, errsz,
			 "cannot listen on %s: not an address of this host", where);
		break;
	case EACCES:
		snprintf(err, errsz,
			 "cannot listen on %s: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)",
			 where);
		break;
	default:
		snprintf(err, errsz, "cannot listen on %s: %s", where,
			 strerror(e));
	}
}

static int listen_on(const struct sockaddr_storage *ss, socklen_t len,
		     char *err, size_t errsz)
{
	char where[HTTPD_ADDR_MAX];
	int fd, one = 1, e;

	format_addr(ss, where, sizeof(where));
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		bind_error(errno, where, err, errsz);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)ss, len) ||
	    listen(fd, 64)) {
		e = errno;
		close(fd);
		bind_error(e, where, err, errsz);
		return -1;
	}
	return fd;
}

static int watch(struct httpd *h, int op, int fd, uint32_t events,
		 uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(h->ep, op, fd, &ev);
}

struct httpd *httpd_open(const char *addr_port,
			 const struct httpd_limits *lim, char *err,
			 size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct httpd *h;

	if (httpd_parse_addr(addr_port, &ss, &len, err, errsz))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	h->ep = h->tfd = -1;
	if (lim)
		h->lim = *lim;
	if (!h->lim.max_conns)
		h->lim.max_conns = DEFAULT_MAX_CONNS;
	if (!h->lim.max_request)
		h->lim.max_request = DEFAULT_MAX_REQUEST;
	if (!h->lim.deadline_ns)
		h->lim.deadline_ns = DEFAULT_DEADLINE_NS;
	h->lfd = listen_on(&ss, len, err, errsz);
	if (h->lfd < 0) {
		free(h);
		return NULL;
	}
	len = sizeof(ss);
	if (!getsockname(h->lfd, (struct sockaddr *)&ss, &len)) {
		format_addr(&ss, h->addr, sizeof(h->addr));
		h->port = ntohs(ss.ss_family == AF_INET ?
				((struct sockaddr_in *)&ss)->sin_port :
				((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	h->conns = calloc(h->lim.max_conns, sizeof(*h->conns));
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	h->tfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!h->conns || h->ep < 0 || h->tfd < 0 ||
	    watch(h, EPOLL_CTL_ADD, h->lfd, EPOLLIN, TAG_LISTEN) ||
	    watch(h, EPOLL_CTL_ADD, h->tfd, EPOLLIN, TAG_TIMER)) {
		snprintf(err, errsz, "cannot serve on %s: %s", h->addr,
			 strerror(h->conns ? errno : ENOMEM));
		httpd_close(h);
		return NULL;
	}
	return h;
}

int httpd_fd(const struct httpd *h)
{
	return h->ep;
}

const char *httpd_addr(const struct httpd *h)
{
	return h->addr;
}

int httpd_port(const struct httpd *h)
{
	return h->port;
}

void httpd_stats(const struct httpd *h, struct httpd_stats *st)
{
	*st = h->st;
}

/* --- requests ------------------------------------------------------------- */

enum status {
	S_OK = 200,
	S_BAD_REQUEST = 400,
	S_NOT_FOUND = 404,
	S_METHOD = 405,
	S_TOO_LARGE = 431,
	S_VERSION = 505,
};

struct request {
	enum status status;
	bool head;		/* no body in the answer */
};

/* RFC 9110 tchar: the characters of a method or a header name */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool all_tchars(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar(s[i]))
			return false;
	return true;
}

/* The path of a request target: origin-form, or absolute-form's path. */
static bool target_path(const char *t, size_t n, const char **path,
			size_t *pathn)
{
	static const char *const schemes[] = { "http://", "https://" };

	for (size_t i = 0; i < 2; i++) {
		size_t sn = strlen(schemes[i]);
		const char *slash;

		if (n < sn || strncasecmp(t, schemes[i], sn))
			continue;
		slash = memchr(t + sn, '/', n - sn);
		if (!slash) {
			*path = "/";
			*pathn = 1;
			return true;
		}
		n -= (size_t)(slash - t);
		t = slash;
		break;
	}
	if (!n || t[0] != '/')
		return false;
	*path = t;
	*pathn = 0;
	while (*pathn < n && t[*pathn] != '?' && t[*pathn] != '#')
		(*pathn)++;
	return true;
}

/* "HTTP/1.x": 0; "HTTP/d.d" with d >= 2: 1; anything else: -1 */
static int version(const char *v, size_t n)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return -1;
	if (v[5] == '1')
		return 0;
	return v[5] >= '2' ? 1 : -1;
}

static bool line_chars_ok(const char *s, size_t n, bool header)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		/* a header value may hold tabs and obs-text; a request line not */
		if (c == 0x7f || (c < 0x20 && !(header && c == '\t')) ||
		    (!header && c >= 0x80))
			return false;
	}
	return true;
}

/* "METHOD SP TARGET SP VERSION", single spaces, no CR. */
static void parse_request_line(const char *s, size_t n, struct request *r)
{
	const char *sp1 = memchr(s, ' ', n), *sp2, *path;
	size_t pathn;
	int v;

	r->status = S_BAD_REQUEST;
	if (!sp1 || !line_chars_ok(s, n, false))
		return;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - s));
	if (!sp2 || memchr(sp2 + 1, ' ', n - (size_t)(sp2 + 1 - s)))
		return;
	if (!all_tchars(s, (size_t)(sp1 - s)))
		return;
	v = version(sp2 + 1, n - (size_t)(sp2 + 1 - s));
	if (v < 0)
		return;
	if (v > 0) {
		r->status = S_VERSION;
		return;
	}
	r->head = sp1 - s == 4 && !memcmp(s, "HEAD", 4);
	if (!target_path(sp1 + 1, (size_t)(sp2 - sp1 - 1), &path, &pathn))
		return;
	if (pathn != 8 || memcmp(path, "/metrics", 8))
		r->status = S_NOT_FOUND;
	else if (r->head || (sp1 - s == 3 && !memcmp(s, "GET", 3)))
		r->status = S_OK;
	else
		r->status = S_METHOD;
}

/* Strip the line's CR; false if a CR is anywhere else. */
static bool strip_cr(const char *s, size_t *n)
{
	if (*n && s[*n - 1] == '\r')
		(*n)--;
	return !memchr(s, '\r', *n);
}

/*
 * @req[0..len) ends with the blank line. Empty lines before the request
 * line are ignored (RFC 9112 2.2); Host is not required of HTTP/1.1,
 * there being one page for every host name.
 */
static void parse_request(const char *req, size_t len, struct request *r)
{
	const char *p = req, *end = req + len;
	bool first = true;

	r->status = S_BAD_REQUEST;
	r->head = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);
		const char *colon;

		if (!strip_cr(p, &n)) {
			r->status = S_BAD_REQUEST;
			return;
		}
		if (first) {
			if (n) {
				parse_request_line(p, n, r);
				first = false;
			}
		} else if (!n) {
			return;		/* the blank line: done */
		} else {
			/* NAME ":" value; no folded lines, no space before ':' */
			colon = memchr(p, ':', n);
			if (!colon || !all_tchars(p, (size_t)(colon - p)) ||
			    !line_chars_ok(colon + 1, n - (size_t)(colon + 1 - p),
					   true)) {
				r->status = S_BAD_REQUEST;
				return;
			}
		}
		p = nl + 1;
	}
}

/*
 * Where the request ends (after the blank line), or 0 while it has not.
 * Leading empty lines are not the blank line.
 */
static size_t request_end(const char *s, size_t n)
{
	size_t i = 0, line = 0;

	while (i < n && (s[i] == '\r' || s[i] == '\n'))
		i++;
	for (line = i; i < n; i++) {
		if (s[i] != '\n')
			continue;
		if (i - line == 0 || (i - line == 1 && s[line] == '\r'))
			return i + 1;
		line = i + 1;
	}
	return 0;
}

/*
 * A request line that cannot become valid, however it goes on: bytes
 * other than printable ASCII, SP and CR before its end (a TLS handshake,
 * a binary protocol), so the client gets 400 at once, not at its deadline.
 */
static bool hopeless(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == '\r' || s[i] == '\n'))
		i++;
	for (; i < n && s[i] != '\n'; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\r') || c >= 0x7f)
			return true;
	}
	return false;
}

/* --- answers -------------------------------------------------------------- */

static const char *reason(enum status s)
{
	switch (s) {
	case S_OK: return "OK";
	case S_BAD_REQUEST: return "Bad Request";
	case S_NOT_FOUND: return "Not Found";
	case S_METHOD: return "Method Not Allowed";
	case S_TOO_LARGE: return "Request Header Fields Too Large";
	case S_VERSION: return "HTTP Version Not Supported";
	}
	return "Error";
}

static const char *error_body(enum status s)
{
	switch (s) {
	case S_NOT_FOUND: return "not found: utrace serves /metrics\n";
	case S_METHOD: return "method not allowed: use GET\n";
	case S_TOO_LARGE: return "request too large\n";
	case S_VERSION: return "use HTTP/1.1\n";
	default: return "bad request\n";
	}
}

static void build_answer(struct httpd *h, struct conn *c,
			 const struct request *r, httpd_render_fn *render,
			 void *arg)
{
	const char *type = "text/plain; charset=utf-8";
	const char *body;
	size_t len;

	obuf_reset(&h->body);
	if (r->status == S_OK) {
		type = "text/plain; version=0.0.4; charset=utf-8";
		if (render)
			render(&h->body, arg);
		body = h->body.data ? h->body.data : "";
		len = h->body.len;
	} else {
		body = error_body(r->status);
		len = strlen(body);
	}
	obuf_reset(&c->out);
	obuf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
		    r->status, reason(r->status), type, len,
		    r->status == S_METHOD ? "Allow: GET, HEAD\r\n" : "");
	if (!r->head)
		obuf_put(&c->out, body, len);
	c->sent = 0;
	h->st.requests++;
}

/* --- connections ---------------------------------------------------------- */

static void conn_close(struct httpd *h, struct conn *c)
{
	close(c->fd);	/* also takes it out of the epoll set */
	c->fd = -1;
	c->state = C_FREE;
	c->reqlen = 0;
	obuf_free(&c->out);
	h->st.open--;
}

static int conn_watch(struct httpd *h, struct conn *c, uint32_t events)
{
	if (c->events == events)
		return 0;
	c->events = events;
	return watch(h, EPOLL_CTL_MOD, c->fd, events,
		     TAG_CONN + (uint32_t)(c - h->conns));
}

/* Send what the socket takes; on to DRAIN once all is sent. */
static void conn_write(struct httpd *h, struct conn *c)
{
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->sent,
				 c->out.len - c->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (conn_watch(h, c, EPOLLOUT))
					conn_close(h, c);
				return;
			}
			conn_close(h, c);
			return;
		}
		c->sent += (size_t)n;
	}
	obuf_free(&c->out);
	shutdown(c->fd, SHUT_WR);
	c->state = C_DRAIN;
	if (conn_watch(h, c, EPOLLIN))
		conn_close(h, c);
}

static void conn_answer(struct httpd *h, struct conn *c,
			const struct request *r, httpd_render_fn *render,
			void *arg)
{
	build_answer(h, c, r, render, arg);
	c->state = C_WRITE;
	conn_write(h, c);
}

static void conn_read(struct httpd *h, struct conn *c,
		      httpd_render_fn *render, void *arg)
{
	struct request r = { .status = S_BAD_REQUEST };
	size_t max = h->lim.max_request, end;
	bool eof = false;

	if (!c->req && !(c->req = malloc(max))) {
		conn_close(h, c);
		return;
	}
	while (c->reqlen < max) {
		ssize_t n = recv(c->fd, c->req + c->reqlen, max - c->reqlen,
				 MSG_DONTWAIT);

		if (n == 0) {
			/* a client may shut down its side once it has asked */
			eof = true;
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(h, c);
			return;
		}
		c->reqlen += (size_t)n;
	}
	end = request_end(c->req, c->reqlen);
	if (end) {
		parse_request(c->req, end, &r);
	} else if (eof) {
		conn_close(h, c);	/* gone before asking */
		return;
	} else if (hopeless(c->req, c->reqlen)) {
		r.status = S_BAD_REQUEST;
	} else if (c->reqlen == max) {
		r.status = S_TOO_LARGE;
	} else {
		return;		/* more to come */
	}
	conn_answer(h, c, &r, render, arg);
}

static void conn_drain(struct httpd *h, struct conn *c)
{
	char junk[4096];

	for (int i = 0; i < DRAIN_READS; i++) {
		ssize_t n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			      errno == EINTR))
			return;
		conn_close(h, c);	/* the client closed: all done */
		return;
	}
}

static void conn_event(struct httpd *h, struct conn *c, uint32_t events,
		       httpd_render_fn *render, void *arg)
{
	if (c->state == C_FREE)
		return;
	if (events & EPOLLERR) {
		conn_close(h, c);
		return;
	}
	switch (c->state) {
	case C_READ:
		conn_read(h, c, render, arg);
		break;
	case C_WRITE:
		conn_write(h, c);
		break;
	case C_DRAIN:
		conn_drain(h, c);
		break;
	case C_FREE:
		break;
	}
}

static void pause_accepting(struct httpd *h, uint64_t now)
{
	if (!watch(h, EPOLL_CTL_MOD, h->lfd, 0, TAG_LISTEN))
		h->accept_resume = now + ACCEPT_PAUSE_NS;
}

static struct conn *free_conn(struct httpd *h)
{
	for (unsigned int i = 0; i < h->lim.max_conns; i++)
		if (h->conns[i].state == C_FREE)
			return &h->conns[i];
	return NULL;
}

static void accept_some(struct httpd *h, uint64_t now)
{
	for (int i = 0; i < MAX_ACCEPTS; i++) {
		int fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* out of fds or memory: try again later, not at once */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				pause_accepting(h, now);
				return;
			}
			continue;	/* that connection failed, not the server */
		}
		c = free_conn(h);
		if (!c) {
			close(fd);
			h->st.refused++;
			continue;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		if (watch(h, EPOLL_CTL_ADD, fd, EPOLLIN,
			  TAG_CONN + (uint32_t)(c - h->conns))) {
			close(fd);
			c->fd = -1;
			continue;
		}
		c->state = C_READ;
		c->deadline = now + h->lim.deadline_ns;
		c->reqlen = 0;
		h->st.open++;
	}
}

static void expire(struct httpd *h, uint64_t now)
{
	for (unsigned int i = 0; i < h->lim.max_conns; i++) {
		struct conn *c = &h->conns[i];

		if (c->state != C_FREE && now >= c->deadline) {
			conn_close(h, c);
			h->st.timeouts++;
		}
	}
	if (h->accept_resume && now >= h->accept_resume &&
	    !watch(h, EPOLL_CTL_MOD, h->lfd, EPOLLIN, TAG_LISTEN))
		h->accept_resume = 0;
}

/* Arm the timer for the next deadline, so that httpd_fd() wakes for it. */
static void arm_timer(struct httpd *h)
{
	struct itimerspec its = { 0 };
	uint64_t next = h->accept_resume;

	for (unsigned int i = 0; i < h->lim.max_conns; i++)
		if (h->conns[i].state != C_FREE &&
		    (!next || h->conns[i].deadline < next))
			next = h->conns[i].deadline;
	if (next == h->armed)
		return;
	/* 0 disarms; a deadline already past fires at once */
	if (next) {
		its.it_value.tv_sec = (time_t)(next / 1000000000);
		its.it_value.tv_nsec = (long)(next % 1000000000);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (!timerfd_settime(h->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		h->armed = next;
}

int httpd_process(struct httpd *h, uint64_t now_ns, httpd_render_fn *render,
		  void *arg)
{
	struct epoll_event ev[MAX_EVENTS];
	int n = MAX_EVENTS;

	for (int round = 0; round < MAX_ROUNDS && n == MAX_EVENTS; round++) {
		n = epoll_wait(h->ep, ev, MAX_EVENTS, 0);
		if (n < 0) {
			if (errno == EINTR)
				break;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;

			if (tag == TAG_LISTEN) {
				accept_some(h, now_ns);
			} else if (tag == TAG_TIMER) {
				uint64_t ticks;

				if (read(h->tfd, &ticks, sizeof(ticks)) < 0)
					ticks = 0;
				h->armed = 0;	/* it fired: arm it again */
			} else if (tag - TAG_CONN < h->lim.max_conns) {
				conn_event(h, &h->conns[tag - TAG_CONN],
					   ev[i].events, render, arg);
			}
		}
	}
	expire(h, now_ns);
	arm_timer(h);
	return 0;
}

void httpd_close(struct httpd *h)
{
	if (!h)
		return;
	for (unsigned int i = 0; h->conns && i < h->lim.max_conns; i++) {
		if (h->conns[i].state != C_FREE)
			conn_close(h, &h->conns[i]);
		free(h->conns[i].req);
	}
	free(h->conns);
	obuf_free(&h->body);
	if (h->tfd >= 0)
		close(h->tfd);
	if (h->ep >= 0)
		close(h->ep);
	close(h->lfd);
	free(h);
}
