// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace readline's rows: the BPF events made into rows, and the columns.
 *
 * Without -S a line is a row at once. With -S a row waits for its
 * command's outcome (struct readline_done: the next prompt's $?, the
 * shell's exit or exec). The lines of one command (a `for` loop typed on
 * several lines, a here-document) wait together; the last one carries
 * the status and duration, the ones before say that the command goes on
 * (RL_END_CONTINUED). -c N takes the first N lines typed as rows.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readline_tool.h"
#include "grow.h"

/* Bounds on what waits: past them a line is printed at once, status unknown. */
#define RL_MAX_ROWS_PER_SHELL 256
#define RL_MAX_PENDING_BYTES (16u << 20)

static struct rl_shell *find_shell(struct readline *rl, pid_t pid)
{
	for (size_t i = 0; i < rl->nshells; i++)
		if (rl->shells[i].pid == pid)
			return &rl->shells[i];
	return NULL;
}

static struct rl_shell *add_shell(struct readline *rl, pid_t pid)
{
	struct rl_shell *v;

	v = grow_array(rl->shells, &rl->capshells, rl->nshells + 1, sizeof(*v), 16);
	if (!v)
		return NULL;
	rl->shells = v;
	v = &rl->shells[rl->nshells++];
	*v = (struct rl_shell){ .pid = pid };
	return v;
}

static void forget_shell(struct readline *rl, struct rl_shell *sh)
{
	for (size_t i = 0; i < sh->n; i++) {
		rl->pending_bytes -= sh->rows[i].len;
		free(sh->rows[i].text);
	}
	free(sh->rows);
	*sh = rl->shells[--rl->nshells];
}

/* Print the waiting rows of @sh: the last one ended @end, the others go on. */
static void flush_shell(struct utrace_session *s, struct rl_shell *sh,
			const struct rl_row *last)
{
	struct readline *rl = s->priv;

	for (size_t i = 0; i < sh->n; i++) {
		struct rl_row *r = &sh->rows[i];

		if (i + 1 < sh->n || sh->cut) {
			r->end = RL_END_CONTINUED;
		} else {
			r->end = last->end;
			r->status = last->status;
			r->dur_ns = last->hdr.ts_ns > r->hdr.ts_ns ?
				    last->hdr.ts_ns - r->hdr.ts_ns : 0;
		}
		utrace_emit(s, &r->hdr, sizeof(*r));
	}
	forget_shell(rl, sh);
}

static void flush_unknown(struct utrace_session *s, struct rl_shell *sh,
			  enum rl_end end)
{
	struct rl_row last = { .end = end };

	flush_shell(s, sh, &last);
}

/* Keep @row (its text copied) until its command's outcome comes. */
static bool hold(struct utrace_session *s, const struct rl_row *row)
{
	struct readline *rl = s->priv;
	struct rl_shell *sh = find_shell(rl, (pid_t)row->hdr.pid);
	struct rl_row *v, copy = *row;

	if (rl->pending_bytes + row->len > RL_MAX_PENDING_BYTES)
		return false;
	if (!sh && !(sh = add_shell(rl, (pid_t)row->hdr.pid)))
		return false;
	if (sh->n == RL_MAX_ROWS_PER_SHELL) {
		/* a long here-document: its first lines are known to go on */
		sh->rows[0].end = RL_END_CONTINUED;
		utrace_emit(s, &sh->rows[0].hdr, sizeof(sh->rows[0]));
		rl->pending_bytes -= sh->rows[0].len;
		free(sh->rows[0].text);
		memmove(sh->rows, sh->rows + 1, --sh->n * sizeof(*sh->rows));
	}
	v = grow_array(sh->rows, &sh->cap, sh->n + 1, sizeof(*v), 4);
	if (!v)
		return false;
	sh->rows = v;
	copy.text = malloc(row->len ? row->len : 1);
	if (!copy.text)
		return false;
	memcpy(copy.text, row->text, row->len);
	sh->rows[sh->n++] = copy;
	rl->pending_bytes += row->len;
	return true;
}

static void on_line(struct utrace_session *s, const struct readline_line *e,
		    size_t size)
{
	struct readline *rl = s->priv;
	struct rl_row row = { .hdr = e->hdr, .shell = e->shell, .end = RL_END_NONE };
	size_t len = e->len, cap = e->shell == READLINE_ZSH ? READLINE_ZSH_CAP : READLINE_BASH_CAP;
	bool cont = e->hdr.flags & READLINE_CONT;
	struct rl_shell *sh;

	/* the length is trusted only as far as the record it came in */
	if (len > size - sizeof(*e))
		len = size - sizeof(*e);
	if (len > cap)
		len = cap;
	memcpy(rl->text, e->line, len);
	row.len = rl_shown(rl->text, len, cap, e->shell == READLINE_ZSH, &row.truncated);
	row.text = rl->text;
	if (!row.len)
		return;
	sh = rl->status ? find_shell(rl, (pid_t)e->hdr.pid) : NULL;
	/* a new command while the last one's outcome never came (lost) */
	if (sh && !cont) {
		flush_unknown(s, sh, RL_END_UNKNOWN);
		sh = NULL;
	}
	if (s->opt.count && rl->taken >= s->opt.count) {
		if (sh)
			sh->cut = true;	/* its command's last line is not shown */
		return;
	}
	rl->taken++;
	if (rl->status && (e->hdr.flags & READLINE_STATUS) && hold(s, &row))
		return;
	if (rl->status) {
		/* not kept (no room): what waits goes on in this line */
		if (sh)
			flush_unknown(s, sh, RL_END_CONTINUED);
		row.end = RL_END_UNKNOWN;
	}
	utrace_emit(s, &row.hdr, sizeof(row));
}

static void on_done(struct utrace_session *s, const struct readline_done *d)
{
	struct readline *rl = s->priv;
	struct rl_shell *sh = find_shell(rl, (pid_t)d->hdr.pid);
	struct rl_row last = { .hdr = d->hdr, .status = d->status };
	int code = (int)d->status;

	if (!sh)
		return;
	switch (d->how) {
	case READLINE_PROMPT:
		last.end = RL_END_PROMPT;
		break;
	case READLINE_EXIT:
		/* a wait status: the exit code, or the signal that killed it */
		last.end = code & 0x7f ? RL_END_KILLED : RL_END_EXIT;
		last.status = code & 0x7f ? code & 0x7f : (code >> 8) & 0xff;
		break;
	case READLINE_EXEC:
		last.end = RL_END_EXEC;
		break;
	default:	/* READLINE_GONE: exited, the kernel's field unknown */
		last.end = RL_END_UNKNOWN;
	}
	flush_shell(s, sh, &last);
}

void rl_event(struct utrace_session *s, const struct event_hdr *e, size_t size)
{
	if (e->flags & READLINE_DONE) {
		if (size >= sizeof(struct readline_done))
			on_done(s, (const void *)e);
	} else if (size >= sizeof(struct readline_line)) {
		on_line(s, (const void *)e, size);
	}
}

/* The end of the trace (-d, -c, a signal): what still runs is shown. */
void rl_finish(struct utrace_session *s)
{
	struct readline *rl = s->priv;

	while (rl->nshells)
		flush_unknown(s, &rl->shells[0], RL_END_RUNNING);
}

void rl_cleanup(struct utrace_session *s)
{
	struct readline *rl = s->priv;

	while (rl->nshells)
		forget_shell(rl, &rl->shells[0]);
	free(rl->shells);
	rl->shells = NULL;
	rl->capshells = 0;
}

/* ---- columns ---- */

static const struct rl_row *row_of(const struct event_hdr *h)
{
	return (const void *)h;
}

static bool with_status(const struct utrace_session *s, bool json)
{
	const struct readline *rl = s->priv;

	(void)json;
	return rl->status;
}

/* "SIGKILL", or "SIG42" for a number without a name */
static const char *signal_name(int sig)
{
	static char buf[16];
	const char *abbrev = sig > 0 && sig < NSIG ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

static void get_status(struct utrace_session *s, const struct event_hdr *h,
		       size_t size, struct utrace_value *v)
{
	const struct rl_row *r = row_of(h);

	(void)size;
	switch (r->end) {
	case RL_END_PROMPT:
	case RL_END_EXIT:
		v->type = UTRACE_V_S64;
		v->s64 = r->status;
		return;
	default:
		break;
	}
	if (s->opt.json)
		return;		/* null: the "end" key says why */
	v->type = UTRACE_V_STR;
	if (r->end == RL_END_EXEC)
		v->str = "exec";
	else if (r->end == RL_END_KILLED)
		v->str = signal_name((int)r->status);
	else if (r->end == RL_END_CONTINUED)
		v->str = ">";
	else
		v->type = UTRACE_V_NONE;
}

static void get_duration(struct utrace_session *s, const struct event_hdr *h,
			 size_t size, struct utrace_value *v)
{
	const struct rl_row *r = row_of(h);

	(void)s;
	(void)size;
	if (r->end == RL_END_PROMPT || r->end == RL_END_EXIT ||
	    r->end == RL_END_EXEC || r->end == RL_END_KILLED) {
		v->type = UTRACE_V_MS;
		v->u64 = r->dur_ns;
	}
}

static void get_command(struct utrace_session *s, const struct event_hdr *h,
			size_t size, struct utrace_value *v)
{
	const struct rl_row *r = row_of(h);

	(void)s;
	(void)size;
	v->type = UTRACE_V_TEXT;
	v->str = r->text;
	v->len = r->len;
	v->truncated = r->truncated;
}

static void get_shell(struct utrace_session *s, const struct event_hdr *h,
		      size_t size, struct utrace_value *v)
{
	const struct rl_row *r = row_of(h);

	(void)s;
	(void)size;
	if (r->shell == READLINE_BASH || r->shell == READLINE_ZSH) {
		v->type = UTRACE_V_STR;
		v->str = r->shell == READLINE_BASH ? "bash" : "zsh";
	}
}

static void get_end(struct utrace_session *s, const struct event_hdr *h,
		    size_t size, struct utrace_value *v)
{
	static const char *const words[] = {
		[RL_END_PROMPT] = "prompt", [RL_END_EXIT] = "exit",
		[RL_END_EXEC] = "exec", [RL_END_KILLED] = "signal",
		[RL_END_CONTINUED] = "continued", [RL_END_RUNNING] = "running",
		[RL_END_UNKNOWN] = "unknown",
	};
	const struct rl_row *r = row_of(h);

	(void)s;
	(void)size;
	if (r->end > RL_END_NONE && r->end <= RL_END_UNKNOWN) {
		v->type = UTRACE_V_STR;
		v->str = words[r->end];
	}
}

static void get_signal(struct utrace_session *s, const struct event_hdr *h,
		       size_t size, struct utrace_value *v)
{
	const struct rl_row *r = row_of(h);

	(void)s;
	(void)size;
	if (r->end == RL_END_KILLED) {
		v->type = UTRACE_V_STR;
		v->str = signal_name((int)r->status);
	}
}

const struct utrace_column rl_columns[] = {
	{ "STATUS", 7, "status", get_status, with_status, false },
	{ "DURms", 10, "duration_ms", get_duration, with_status, false },
	{ "COMMAND", 0, "command", get_command, NULL, false },
	{ "SHELL", 0, "shell", get_shell, NULL, true },
	{ "END", 0, "end", get_end, with_status, true },
	{ "SIGNAL", 0, "signal", get_signal, with_status, true },
	{ 0 },
};
