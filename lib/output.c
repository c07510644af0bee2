// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rows and JSON lines. The core prints the columns every tool shares
 * (TIME PID [UID] / time pid tid uid comm); the tool prints the rest.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "escape.h"

#define PID_WIDTH 7
#define UID_WIDTH 6

void output_header(struct utrace_session *s)
{
	const struct utrace_tool *t = s->tool;

	if (s->opt.json || s->opt.no_header || s->table_header_done)
		return;
	s->table_header_done = true;
	obuf_printf(&s->out, "%-*s %-*s ", t->time_width, "TIME", PID_WIDTH, "PID");
	if (s->opt.print_uid)
		obuf_printf(&s->out, "%-*s ", UID_WIDTH, "UID");
	obuf_printf(&s->out, "%s\n", t->columns);
}

static size_t comm_len(const struct event_hdr *e)
{
	return strnlen(e->comm, sizeof(e->comm));
}

static void table_row(struct utrace_session *s, const struct event_hdr *e,
		      size_t size)
{
	char hms[16];

	clock_format_hms(hms, wallclock_unix_ns(&s->core->clock, e->ts_ns));
	obuf_printf(&s->out, "%-*s %-*u ", s->tool->time_width, hms,
		    PID_WIDTH, e->pid);
	if (s->opt.print_uid)
		obuf_printf(&s->out, "%-*u ", UID_WIDTH, e->uid);
	s->tool->print_row(s, e, size);
	obuf_putc(&s->out, '\n');
}

static void json_line(struct utrace_session *s, const struct event_hdr *e,
		      size_t size)
{
	char when[64];

	clock_format_rfc3339(when, wallclock_unix_ns(&s->core->clock, e->ts_ns));
	obuf_printf(&s->out, "{\"time\":\"%s\",\"pid\":%u,\"tid\":%u,\"uid\":%u",
		    when, e->pid, e->tid, e->uid);
	json_string_field(&s->out, "comm", e->comm, comm_len(e));
	s->tool->print_json(s, e, size);
	obuf_puts(&s->out, "}\n");
}

void output_event(struct utrace_session *s, const struct event_hdr *e,
		  size_t size)
{
	if (s->opt.json)
		json_line(s, e, size);
	else
		table_row(s, e, size);
}

bool output_flush(struct utrace_session *s)
{
	int err;

	if (!s->out.len || s->core->epipe)
		return !s->core->epipe;
	err = obuf_flush(&s->out, STDOUT_FILENO);
	if (err == -EPIPE) {
		/* `utrace readline | head -1`: the reader has all it wanted */
		s->core->epipe = true;
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
