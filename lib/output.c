// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rows and JSON lines. The core prints the columns every tool shares
 * (TIME PID [UID] [CONTAINER] / time pid tid uid comm [cgroup_id cgroup
 * container]); the tool's column list
 * (struct utrace_column) gives the rest: the same getters feed the header,
 * the table row and the JSON keys, each value rendered by its type.
 *
 * stdout is written once per batch. A reader that stops reading (`| less`
 * left unscrolled) must not make the tracer deaf to signals: a pipe or
 * terminal is written through a non-blocking descriptor of its own, and
 * while it is full the tracer waits for room or a stop signal, whichever
 * comes first; rows that could not be written are counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "escape.h"
#include "numfmt.h"
#include "sigstop.h"

#define PID_WIDTH 7
#define UID_WIDTH 10	/* subordinate uids of containers reach 7 digits and more */
#define HEXDUMP_INDENT 4	/* hex dump lines under their row */
#define CONTAINER_WIDTH 12	/* a short container id; cgroup paths go beyond */

static int out_fd = STDOUT_FILENO;
static bool out_socket;		/* written with send(MSG_DONTWAIT) */
static uint64_t unwritten_rows;
/* the header's numbers as last rendered: most rows repeat them */
static struct numfmt_memo pid_memo, tid_memo, uid_memo;

/*
 * The columns a row shows and, for JSON, their keys already rendered as
 * `,"key":`: the options do not change while tracing, so shown() and the
 * escaping of keys are done once, at the first row, not for every row.
 */
struct plan_col {
	const struct utrace_column *c;
	size_t key, keylen;	/* JSON: the rendered key in plan.keys */
};

struct plan {
	bool ready;
	size_t n;
	struct plan_col *cols;
	struct obuf keys;
};

static struct plan table_plan, json_plan;

static void plan_free(struct plan *p)
{
	free(p->cols);
	obuf_free(&p->keys);
	memset(p, 0, sizeof(*p));
}

void output_open(struct utrace_session *s)
{
	int mode = fcntl(STDOUT_FILENO, F_GETFL);
	struct stat st;
	char self[32];
	int fd;

	(void)s;
	/* a read-only stdout stays one: the write says so */
	if (fstat(STDOUT_FILENO, &st) || mode < 0 || (mode & O_ACCMODE) == O_RDONLY)
		return;
	if (S_ISSOCK(st.st_mode)) {
		out_socket = true;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !isatty(STDOUT_FILENO))
		return;
	/*
	 * A descriptor of our own: O_NONBLOCK on the inherited one would
	 * change it for the shell that shares it. Only pipes and terminals
	 * stall; files would lose their offset if reopened, so keep fd 1.
	 */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", STDOUT_FILENO);
	fd = open(self, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		out_fd = fd;
}

void output_close(struct utrace_session *s)
{
	if (out_fd != STDOUT_FILENO)
		close(out_fd);
	out_fd = STDOUT_FILENO;
	obuf_free(&s->out);
	plan_free(&table_plan);
	plan_free(&json_plan);
}

uint64_t output_unwritten(const struct utrace_session *s)
{
	(void)s;
	return unwritten_rows;
}

static bool shown(const struct utrace_session *s, const struct utrace_column *c,
		  bool json)
{
	if (json ? !c->key : c->json_only)
		return false;
	return !c->shown || c->shown(s, json);
}

static struct plan *plan_make(const struct utrace_session *s, struct plan *p, bool json)
{
	size_t n = 0;
	for (const struct utrace_column *c = s->tool->columns; c && c->header; c++)
		n++;
	p->cols = calloc(n ? n : 1, sizeof(*p->cols));
	if (!p->cols) {
		fputs("utrace: out of memory\n", stderr);
		abort();
	}
	for (const struct utrace_column *c = s->tool->columns; c && c->header; c++) {
		struct plan_col *pc = &p->cols[p->n];

		if (!shown(s, c, json))
			continue;
		pc->c = c;
		if (json) {
			pc->key = p->keys.len;
			obuf_putc(&p->keys, ',');
			json_string(&p->keys, c->key, strlen(c->key));
			obuf_putc(&p->keys, ':');
			pc->keylen = p->keys.len - pc->key;
		}
		p->n++;
	}
	p->ready = true;
	return p;
}

static inline struct plan *plan_of(const struct utrace_session *s, bool json)
{
	struct plan *p = json ? &json_plan : &table_plan;

	return p->ready ? p : plan_make(s, p, json);
}

void output_header(struct utrace_session *s)
{
	const struct utrace_tool *t = s->tool;

	if (s->opt.json || s->opt.no_header || s->table_header_done)
		return;
	s->table_header_done = true;
	obuf_printf(&s->out, "%-*s %-*s ", t->time_width, "TIME", PID_WIDTH, "PID");
	if (s->opt.print_uid)
		obuf_printf(&s->out, "%-*s ", UID_WIDTH, "UID");
	if (s->opt.container)
		obuf_printf(&s->out, "%-*s ", CONTAINER_WIDTH, "CONTAINER");
	for (const struct utrace_column *c = t->columns; c && c->header; c++) {
		if (!shown(s, c, false))
			continue;
		if (c->width)
			obuf_printf(&s->out, "%-*s ", c->width, c->header);
		else
			obuf_puts(&s->out, c->header);
	}
	obuf_putc(&s->out, '\n');
}

static void put_value_table(struct obuf *o, const struct utrace_value *v)
{
	switch (v->type) {
	case UTRACE_V_NONE:
		obuf_putc(o, '-');
		break;
	case UTRACE_V_STR:
		obuf_put(o, v->str, v->len ? v->len : strlen(v->str));
		break;
	case UTRACE_V_TEXT:
		escape_text(o, v->str, v->len);
		break;
	case UTRACE_V_U64:
		numfmt_u64(o, v->u64);
		break;
	case UTRACE_V_S64:
		numfmt_s64(o, v->s64);
		break;
	case UTRACE_V_MS:
		numfmt_ms(o, v->u64, 3);
		break;
	case UTRACE_V_BOOL:
		obuf_puts(o, v->b ? "yes" : "no");
		break;
	case UTRACE_V_BYTES:
		if (v->hexdump)
			hexdump_lines(o, v->str, v->len, v->offset, HEXDUMP_INDENT);
		else
			escape_text(o, v->str, v->len);
		break;
	}
}

/*
 * Untrusted bytes under a key already rendered (`,"key":`). Bytes that are
 * not UTF-8 also get the key's "_base64" twin (json_string_field()).
 */
static void put_text_json(struct obuf *o, const char *rendered, size_t len,
			  const char *key, const char *str, size_t n)
{
	if (text_plain(str, n)) {
		/* the common case: `,"key":"text"` in one reservation */
		obuf_reserve(o, len + n + 2);
		obuf_put(o, rendered, len);
		obuf_putc(o, '"');
		obuf_put(o, str, n);
		obuf_putc(o, '"');
	} else if (utf8_valid(str, n)) {
		obuf_put(o, rendered, len);
		json_string(o, str, n);
	} else {
		json_string_field(o, key, str, n);
	}
}

static void put_value_json(struct obuf *o, const struct plan *p,
			   const struct plan_col *pc, const struct utrace_value *v)
{
	if (v->type == UTRACE_V_TEXT) {
		put_text_json(o, p->keys.data + pc->key, pc->keylen, pc->c->key,
			      v->str, v->len);
		if (v->truncated)
			obuf_puts(o, ",\"truncated\":true");
		return;
	}
	if (v->type == UTRACE_V_BYTES) {
		/* raw bytes: always with the _base64 twin (json_bytes_field()) */
		json_bytes_field(o, pc->c->key, v->str, v->len);
		if (v->truncated)
			obuf_puts(o, ",\"truncated\":true");
		return;
	}
	obuf_put(o, p->keys.data + pc->key, pc->keylen);
	switch (v->type) {
	case UTRACE_V_NONE:
		obuf_puts(o, "null");
		break;
	case UTRACE_V_STR:
		json_string(o, v->str, v->len ? v->len : strlen(v->str));
		break;
	case UTRACE_V_U64:
		numfmt_u64(o, v->u64);
		break;
	case UTRACE_V_S64:
		numfmt_s64(o, v->s64);
		break;
	case UTRACE_V_MS:
		numfmt_ms(o, v->u64, 6);
		break;
	case UTRACE_V_BOOL:
		obuf_puts(o, v->b ? "true" : "false");
		break;
	case UTRACE_V_TEXT:
	case UTRACE_V_BYTES:
		break;
	}
}

void utrace_get_comm(struct utrace_session *s, const struct event_hdr *e,
		     size_t size, struct utrace_value *v)
{
	(void)s;
	(void)size;
	v->type = UTRACE_V_TEXT;
	v->str = e->comm;
	v->len = strnlen(e->comm, sizeof(e->comm));
}

/* HH:MM:SS changes once a second: formatted then, not per row. */
static const char *hms(struct utrace_session *s, uint64_t boot_ns)
{
	static int64_t sec = -1;
	static char buf[16];
	int64_t unix_ns = wallclock_unix_ns(&s->core->clock, boot_ns);

	if (unix_ns / 1000000000 != sec || unix_ns < 0) {
		sec = unix_ns / 1000000000;
		clock_format_hms(buf, unix_ns);
	}
	return buf;
}

static void table_row(struct utrace_session *s, const struct event_hdr *e,
		      size_t size)
{
	const struct utrace_tool *t = s->tool;
	const struct plan *plan = plan_of(s, false);
	struct obuf *o = &s->out;
	size_t start = o->len;

	obuf_puts(o, hms(s, e->ts_ns));
	obuf_pad(o, start, (size_t)t->time_width);
	obuf_putc(o, ' ');
	start = o->len;
	numfmt_u64_memo(o, &pid_memo, e->pid);
	obuf_pad(o, start, PID_WIDTH);
	obuf_putc(o, ' ');
	if (s->opt.print_uid) {
		start = o->len;
		numfmt_u64_memo(o, &uid_memo, e->uid);
		obuf_pad(o, start, UID_WIDTH);
		obuf_putc(o, ' ');
	}
	if (s->opt.container) {
		struct container_ref r;

		container_of(s, e, &r);
		start = o->len;
		/* a path is named by whoever made the cgroup: untrusted */
		escape_text(o, r.label, strlen(r.label));
		obuf_pad(o, start, CONTAINER_WIDTH);
		obuf_putc(o, ' ');
	}
	for (size_t i = 0; i < plan->n; i++) {
		const struct utrace_column *c = plan->cols[i].c;
		struct utrace_value v = { .type = UTRACE_V_NONE };

		c->get(s, e, size, &v);
		start = o->len;
		put_value_table(o, &v);
		if ((v.type == UTRACE_V_TEXT || v.type == UTRACE_V_BYTES) && v.truncated)
			obuf_puts(o, " [...truncated]");
		if (c->width) {
			obuf_pad(o, start, (size_t)c->width);
			obuf_putc(o, ' ');
		}
	}
	obuf_putc(o, '\n');
}

/*
 * RFC 3339 time: the date, the second and the UTC offset change once a
 * second and are formatted then; the microseconds are put in per row.
 */
static void put_rfc3339(struct utrace_session *s, struct obuf *o, uint64_t boot_ns)
{
	static int64_t sec = INT64_MIN;
	static char head[32], tail[8];	/* "2026-11-25T11:47:28", "+01:00" */
	static size_t head_len, tail_len;
	int64_t unix_ns = wallclock_unix_ns(&s->core->clock, boot_ns);
	int64_t us = (unix_ns % 1000000000 + 1000000000) % 1000000000 / 1000;
	char full[64];

	if (unix_ns < 0 || unix_ns / 1000000000 != sec) {
		sec = unix_ns / 1000000000;
		clock_format_rfc3339(full, unix_ns);
		/* ...SS.uuuuuu+HH:MM: the fraction is 7 bytes from the end */
		snprintf(head, sizeof(head), "%.*s", (int)(strlen(full) - 13), full);
		snprintf(tail, sizeof(tail), "%s", full + strlen(full) - 6);
		head_len = strlen(head);
		tail_len = strlen(tail);
	}
	obuf_put(o, head, head_len);
	obuf_putc(o, '.');
	numfmt_digits(o, (uint64_t)us, 6);
	obuf_put(o, tail, tail_len);
}

/* -C: "cgroup_id", "cgroup" (its path, or null) and "container" (or null) */
static void json_container(struct utrace_session *s, const struct event_hdr *e)
{
	struct obuf *o = &s->out;
	struct container_ref r;

	container_of(s, e, &r);
	obuf_puts(o, ",\"cgroup_id\":");
	numfmt_u64(o, e->cgroup);
	if (r.path)
		json_string_field(o, "cgroup", r.path, strlen(r.path));
	else
		obuf_puts(o, ",\"cgroup\":null");
	obuf_puts(o, ",\"container\":");
	if (r.cid)
		json_string(o, r.cid, strlen(r.cid));
	else
		obuf_puts(o, "null");
}

static void json_line(struct utrace_session *s, const struct event_hdr *e,
		      size_t size)
{
	const struct plan *plan = plan_of(s, true);
	struct obuf *o = &s->out;

	obuf_puts(o, "{\"time\":\"");
	put_rfc3339(s, o, e->ts_ns);
	obuf_puts(o, "\",\"pid\":");
	numfmt_u64_memo(o, &pid_memo, e->pid);
	obuf_puts(o, ",\"tid\":");
	numfmt_u64_memo(o, &tid_memo, e->tid);
	obuf_puts(o, ",\"uid\":");
	numfmt_u64_memo(o, &uid_memo, e->uid);
	put_text_json(o, ",\"comm\":", 8, "comm", e->comm,
		      strnlen(e->comm, sizeof(e->comm)));
	if (s->opt.container)
		json_container(s, e);
	for (size_t i = 0; i < plan->n; i++) {
		struct utrace_value v = { .type = UTRACE_V_NONE };

		plan->cols[i].c->get(s, e, size, &v);
		put_value_json(o, plan, &plan->cols[i], &v);
	}
	obuf_puts(o, "}\n");
}

void output_event(struct utrace_session *s, const struct event_hdr *e,
		  size_t size)
{
	if (s->opt.json)
		json_line(s, e, size);
	else
		table_row(s, e, size);
}

static uint64_t count_rows(const char *p, size_t n)
{
	uint64_t rows = 0;

	for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))); q++)
		rows++;
	return rows;
}

/*
 * Wait until the reader makes room, or a stop signal comes. True when
 * there is room; false when the tracer should stop.
 */
static bool wait_for_room(void)
{
	struct pollfd p[2] = {
		{ .fd = out_fd, .events = POLLOUT },
		{ .fd = sigstop_fd(), .events = POLLIN },
	};

	for (;;) {
		int n = poll(p, 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (p[1].revents & POLLIN))
			return false;
		if (p[0].revents & (POLLERR | POLLHUP))
			return true;	/* the write says what happened */
		if (p[0].revents & POLLOUT)
			return true;
	}
}

/* Write all of @o, waiting for a stalled reader; 0 or -errno. */
static int write_out(struct obuf *o)
{
	size_t off = 0;
	int err = 0;

	while (off < o->len) {
		ssize_t n = out_socket ?
			send(out_fd, o->data + off, o->len - off, MSG_DONTWAIT | MSG_NOSIGNAL) :
			write(out_fd, o->data + off, o->len - off);

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && wait_for_room())
			continue;
		err = errno == EAGAIN ? -EINTR : -errno;
		break;
	}
	if (err == -EINTR)
		unwritten_rows += count_rows(o->data + off, o->len - off);
	obuf_reset(o);
	return err;
}

bool output_flush(struct utrace_session *s)
{
	int err;

	if (!s->out.len || s->core->epipe)
		return !s->core->epipe && !s->core->stop_output;
	err = write_out(&s->out);
	if (err == -EPIPE) {
		/* `utrace readline | head -1`: the reader has all it wanted */
		s->core->epipe = true;
		return false;
	}
	if (err == -EINTR) {
		/* a stop signal while the reader stalled: stop, count the rest */
		s->core->stop_output = true;
		return false;
	}
	if (err) {
		s->core->write_error = -err;
		utrace_error(s, "writing output: %s", strerror(-err));
		return false;
	}
	return true;
}

void utrace_put_text(struct utrace_session *s, const char *p, size_t n)
{
	escape_text(&s->out, p, n);
}

void utrace_put_json_field(struct utrace_session *s, const char *key,
			   const char *p, size_t n)
{
	json_string_field(&s->out, key, p, n);
}
