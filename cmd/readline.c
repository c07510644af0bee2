// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace readline: every command line typed into an interactive bash.
 *
 * The probe goes on readline_internal_teardown(), which returns the line
 * after Enter: unlike a return probe on readline(), it also catches the
 * first line of a shell that was already waiting at its prompt. Where a
 * binary lacks it, readline() is used. Readline is looked for in the bash
 * binary itself, then in the libreadline.so it needs (DT_NEEDED).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfread.h"
#include "ldpath.h"
#include "readline.h"
#include "readline.skel.h"
#include "utrace.h"

#define MAX_SHELLS 16

static const char *shells[MAX_SHELLS];
static int nshells;

/* Preferred first: see the comment at the top. */
static const char *const line_functions[] = {
	"readline_internal_teardown",
	"readline",
};

static const struct argp_option options[] = {
	{ "shell", 's', "PATH", 0,
	  "Trace this bash binary, or the libreadline.so it uses (repeatable; default /bin/bash and every running bash)", 0 },
	{ "shared", 0, NULL, OPTION_ALIAS, NULL, 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 's':
		if (nshells == MAX_SHELLS)
			argp_error(state, "at most %d -s options", MAX_SHELLS);
		if (!*arg)
			argp_error(state, "empty path for -s");
		shells[nshells++] = arg;
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

/* Attach to the first line function @path has; -ESRCH if it has none. */
static int attach_file(struct utrace_session *s, const char *path, pid_t pid)
{
	int err = -ESRCH;

	for (size_t i = 0; i < 2; i++) {
		err = utrace_attach(s, "line_returned", path, line_functions[i],
				    pid, true);
		if (err != -ESRCH)
			return err;
	}
	return err;
}

struct needed_ctx {
	struct utrace_session *s;
	const char *path;
	pid_t pid;
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
	c->err = attach_file(c->s, lib, c->pid);
	return c->err == 0;
}

/* A bash binary, or a libreadline.so named directly. */
static int attach_binary(struct utrace_session *s, const char *path,
			 pid_t pid)
{
	struct needed_ctx c = { s, path, pid, -ESRCH };
	int err = attach_file(s, path, pid);

	if (err != -ESRCH)
		return err;
	if (elf_for_each_needed(path, try_needed, &c) < 0)
		return err;
	return c.err;
}

/* A running process: its own binary first, then what it has mapped. */
static int attach_process(struct utrace_session *s, pid_t pid, pid_t filter)
{
	char exe[64], maps[64], line[PATH_MAX + 128];
	int err;
	FILE *f;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	err = attach_file(s, exe, filter);
	if (err != -ESRCH)
		return err;
	/* its libreadline as mapped: right even inside a container */
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char range[64], path[96];
		const char *name = strrchr(line, '/');

		if (!name || strncmp(name, "/libreadline.so", 15))
			continue;
		if (sscanf(line, "%63[0-9a-f-]", range) != 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/map_files/%s", pid, range);
		err = attach_file(s, path, filter);
		break;
	}
	fclose(f);
	return err;
}

static int rl_attach(struct utrace_session *s)
{
	int err;

	for (int i = 0; i < s->opt.npids; i++) {
		pid_t pid = s->opt.pids[i];

		err = attach_process(s, pid, pid);
		if (err == -ESRCH) {
			utrace_error(s, "process %d has no readline: not an interactive bash?", pid);
			return UTRACE_EXIT_ERROR;
		}
		if (err) {
			utrace_error(s, "process %d: %s", pid, elf_strerror(err));
			return UTRACE_EXIT_ERROR;
		}
	}
	if (s->opt.npids)
		return UTRACE_EXIT_OK;
	for (int i = 0; i < nshells; i++) {
		err = attach_binary(s, shells[i], -1);
		if (err == -ESRCH) {
			utrace_error(s, "%s: no readline, neither in it nor in the libraries it needs", shells[i]);
			return UTRACE_EXIT_ERROR;
		}
		if (err) {
			utrace_error(s, "%s: %s", shells[i], elf_strerror(err));
			return UTRACE_EXIT_ERROR;
		}
	}
	/* The default; shells running from other binaries are discovered. */
	if (!nshells && access("/bin/bash", F_OK) == 0) {
		err = attach_binary(s, "/bin/bash", -1);
		/* no privilege here means none for any shell found later */
		if (err == -EPERM || err == -EACCES) {
			utrace_error(s, "/bin/bash: %s", elf_strerror(err));
			return UTRACE_EXIT_ERROR;
		}
		if (err)
			utrace_verbose(s, "/bin/bash: %s", elf_strerror(err));
	}
	return UTRACE_EXIT_OK;
}

static bool is_bash(pid_t pid)
{
	char path[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	return !strncmp(base, "bash", 4);
}

static void rl_discover(struct utrace_session *s, pid_t pid)
{
	/* -s names the shells to trace: then trace only those */
	if (nshells || !is_bash(pid))
		return;
	attach_process(s, pid, -1);
}

/* The line's length, trusted only as far as the record it came in. */
static size_t line_len(const struct event_hdr *h, size_t size)
{
	const struct readline_event *e = (const void *)h;

	if (size < sizeof(*e) || e->len > size - sizeof(*e))
		return 0;
	return e->len;
}

static void rl_row(struct utrace_session *s, const struct event_hdr *h,
		   size_t size)
{
	size_t len = line_len(h, size);
	const struct readline_event *e = (const void *)h;

	utrace_put_text(s, e->line, len);
	if (h->flags & READLINE_TRUNCATED)
		obuf_puts(&s->out, " [...truncated]");
}

static void rl_json(struct utrace_session *s, const struct event_hdr *h,
		    size_t size)
{
	size_t len = line_len(h, size);
	const struct readline_event *e = (const void *)h;

	utrace_put_json_field(s, "command", e->line, len);
	if (h->flags & READLINE_TRUNCATED)
		obuf_puts(&s->out, ",\"truncated\":true");
}

static const char *const aliases[] = { "bashreadline", NULL };

const struct utrace_tool utrace_tool_readline = {
	.name = "readline",
	.summary = "Print command lines typed into interactive bash shells",
	.aliases = aliases,
	.argp = &argp,
	.tracing = "bash command lines",
	.bpf_elf = readline_bpf__elf_bytes,
	.attach = rl_attach,
	.discover = rl_discover,
	.time_width = 9,
	.columns = "COMMAND",
	.print_row = rl_row,
	.print_json = rl_json,
};
