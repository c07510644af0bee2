// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace readline: every command line typed into an interactive bash.
 *
 * The probe goes on readline_internal_teardown(), which returns the line
 * after Enter: unlike a return probe on readline(), it also catches the
 * first line of a shell that was already waiting at its prompt. Where a
 * binary lacks it, readline() is used. Readline is looked for in the bash
 * binary itself, then in the libreadline.so it maps; a libreadline.so is
 * traced only in the shells that use it, never in every program that
 * links it (a python REPL's `password = ...` is no command line).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elfread.h"
#include "ldpath.h"
#include "readline.h"
#include "readline.skel.h"
#include "utrace.h"

#define MAX_SHELLS 16

struct readline {
	const char *shells[MAX_SHELLS];
	int nshells;
};

/* ---- what is traced ---- */

/* Preferred first: see the comment at the top. */
static const struct utrace_probe line_probes[] = {
	{ .func = "readline_internal_teardown", .alt = "readline",
	  .prog = "line_returned", .flags = UTRACE_RETURN },
	{ 0 },
};

static const char *const bash_names[] = { "bash*", NULL };
static const char *const libreadline_names[] = { "libreadline.so*", NULL };
static const char *const bash_hosts[] = { "/bin/bash", NULL };

static const struct utrace_match bash_exe = {
	.kind = UTRACE_EXE, .names = bash_names,
};

enum { BASH, LIBREADLINE };

static const struct utrace_target targets[] = {
	[BASH] = {
		.what = "bash",
		.match = bash_exe,
		.host = bash_hosts,
		.probes = line_probes,
	},
	[LIBREADLINE] = {
		.what = "libreadline",
		.match = { .kind = UTRACE_LIB, .names = libreadline_names },
		.exe = &bash_exe,
		.flags = UTRACE_PER_PROCESS,
		.probes = line_probes,
	},
	{ 0 },
};

/* ---- options ---- */

static const struct argp_option options[] = {
	{ "shell", 's', "PATH", 0,
	  "Trace this bash binary, or the libreadline.so it uses (repeatable; default /bin/bash and every running bash)", 0 },
	{ "shared", 0, NULL, OPTION_ALIAS, NULL, 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct utrace_session *s = state->input;
	struct readline *cfg = s->priv;

	switch (key) {
	case 's':
		if (cfg->nshells == MAX_SHELLS)
			argp_error(state, "at most %d -s options", MAX_SHELLS);
		if (!*arg)
			argp_error(state, "empty path for -s");
		cfg->shells[cfg->nshells++] = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Print every command line typed into interactive bash shells.\v"
	       "Shells already running and those started later are both traced;\n"
	       "a shell already waiting at its prompt has its next line caught.\n\n"
	       "EXAMPLES:\n"
	       "  utrace readline              # every bash on the machine\n"
	       "  utrace readline -p 1234      # only the shell with PID 1234\n"
	       "  utrace readline -s /opt/bash/bin/bash   # another bash binary\n"
	       "  utrace readline -j -d 60 > lines.json   # a minute of JSON lines\n",
};

/* ---- -s ---- */

struct needed_ctx {
	struct utrace_session *s;
	const char *path;
	int err;
};

static int try_needed(const char *soname, void *arg)
{
	struct needed_ctx *c = arg;
	char lib[PATH_MAX];

	if (strncmp(soname, "libreadline.so", 14))
		return 0;
	if (elf_find_library(c->path, soname, NULL, lib, sizeof(lib)))
		return 0;
	c->err = utrace_trace_path(c->s, &targets[LIBREADLINE], lib);
	return c->err == 0;
}

static bool no_symbol(int err)
{
	return utrace_err_layer(err) == UTRACE_L_ELF && utrace_err_errno(err) == ESRCH;
}

/* A bash binary, or a libreadline.so named directly, or the one it needs. */
static int trace_shell(struct utrace_session *s, const char *path)
{
	struct needed_ctx c = { s, path, 0 };
	int err = utrace_trace_path(s, &targets[BASH], path);

	if (!no_symbol(err))
		return err;
	c.err = err;
	if (elf_for_each_needed(path, try_needed, &c) < 0)
		return err;
	return c.err;
}

static int rl_attach(struct utrace_session *s)
{
	struct readline *cfg = s->priv;

	for (int i = 0; i < cfg->nshells; i++) {
		int err = trace_shell(s, cfg->shells[i]);

		if (no_symbol(err)) {
			utrace_error(s, "%s: no readline, neither in it nor in the libraries it needs",
				     cfg->shells[i]);
			return UTRACE_EXIT_ERROR;
		}
		if (err) {
			utrace_error(s, "%s: %s", cfg->shells[i], utrace_why(err));
			return UTRACE_EXIT_ERROR;
		}
	}
	return UTRACE_EXIT_OK;
}

/* ---- rows ---- */

static void get_command(struct utrace_session *s, const struct event_hdr *h,
			size_t size, struct utrace_value *v)
{
	const struct readline_event *e = (const void *)h;

	(void)s;
	v->type = UTRACE_V_TEXT;
	v->str = e->line;
	/* the line's length, trusted only as far as the record it came in */
	v->len = size < sizeof(*e) || e->len > size - sizeof(*e) ? 0 : e->len;
	v->truncated = h->flags & READLINE_TRUNCATED;
}

static const struct utrace_column columns[] = {
	{ "COMMAND", 0, "command", get_command, NULL, false },
	{ 0 },
};

const struct utrace_tool utrace_tool_readline = {
	.name = "readline",
	.summary = "Print command lines typed into interactive bash shells",
	.argp = &argp,
	.tracing = "bash command lines",
	.priv_size = sizeof(struct readline),
	.bpf_elf = readline_bpf__elf_bytes,
	.targets = targets,
	.absent = "has no readline: not an interactive bash?",
	.attach = rl_attach,
	.time_width = 9,
	.columns = columns,
};
