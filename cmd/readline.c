// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace readline: every command line typed into an interactive bash or
 * zsh, and with -S what became of it (status, duration).
 *
 * Shells are found by what they are, not by their name: a bash is an
 * executable that defines bash's last_command_exit_value and readline; a
 * zsh one that defines zleentry and lastval, whose line editor is the
 * module zle.so it loads. A copy under another name or path is the same
 * shell. A libreadline.so is traced only in the bash processes that use
 * it (a bash built with a shared readline), never in every program that
 * links it: a python REPL's `password = ...` is no command line.
 * Where each probe goes: readline_attach.c; rows: readline_rows.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "elfread.h"
#include "kbtf.h"
#include "ldpath.h"
#include "readline_tool.h"
#include "readline.skel.h"

/* ---- what is traced ---- */

static const char *const bash_vars[] = { "last_command_exit_value", NULL };
static const char *const readline_funcs[] = { "readline_internal_teardown", "readline", NULL };
static const char *const zsh_syms[] = { "zleentry", "lastval", NULL };
static const char *const zle_syms[] = { "zleread", "zlegetline", NULL };
static const char *const libreadline_names[] = { "libreadline.so*", NULL };
static const char *const zle_names[] = { "zle.so", NULL };
static const char *const bash_hosts[] = { "/bin/bash", NULL };
static const char *const zsh_hosts[] = { "/bin/zsh", NULL };

/* a bash, with readline in it or in a libreadline.so */
static const struct utrace_match bash_any = {
	.kind = UTRACE_EXE, .all = bash_vars,
};
static const struct utrace_match zsh_exe = {
	.kind = UTRACE_EXE, .all = zsh_syms,
};

enum { BASH, ZSH, LIBREADLINE };

static const struct utrace_target targets[] = {
	[BASH] = {
		.what = "bash",
		.match = { .kind = UTRACE_EXE, .all = bash_vars, .any = readline_funcs },
		.host = bash_hosts,
		.attach = rl_attach_bash,
	},
	[ZSH] = {
		.what = "zsh",
		.match = zsh_exe,
		.host = zsh_hosts,
		.attach = rl_attach_zsh,
	},
	[LIBREADLINE] = {
		.what = "libreadline",
		.match = { .kind = UTRACE_LIB, .names = libreadline_names,
			   .any = readline_funcs },
		.exe = &bash_any,
		/* python's readline module loads it at the first prompt */
		.flags = UTRACE_PER_PROCESS | UTRACE_WATCH_LOADER,
		.attach = rl_attach_lib,
	},
	{ 0 },
};

/* zle.so: added by prepare(), with the host's copy found then. */
static const struct utrace_target zle_target = {
	.what = "zsh line editor",
	.match = { .kind = UTRACE_LIB, .names = zle_names, .all = zle_syms },
	.exe = &zsh_exe,
	.flags = UTRACE_WATCH_LOADER,	/* zsh loads it at its first prompt */
	.attach = rl_attach_zle,
};

/* ---- options ---- */

static const struct argp_option options[] = {
	{ "status", 'S', NULL, 0,
	  "Add each command's exit status and duration; a row is printed when its command has finished", 0 },
	{ "shell", 's', "PATH", 0,
	  "Trace this bash or zsh binary, or the libreadline.so it uses (repeatable; default: every bash and zsh)", 0 },
	{ "shared", 0, NULL, OPTION_ALIAS, NULL, 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct utrace_session *s = state->input;
	struct readline *rl = s->priv;

	switch (key) {
	case 'S':
		rl->status = true;
		return 0;
	case 's':
		if (rl->npaths == RL_MAX_PATHS)
			argp_error(state, "at most %d -s options", RL_MAX_PATHS);
		if (!*arg)
			argp_error(state, "empty path for -s");
		rl->paths[rl->npaths++] = arg;
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
	.doc = "Print every command line typed into interactive bash and zsh shells.\v"
	       "Shells already running and those started later are both traced,\n"
	       "under any name; a shell already waiting at its prompt has its next\n"
	       "line caught. With -S, STATUS is the shell's $? for the line and\n"
	       "DURms the time from Enter to the next prompt.\n\n"
	       "EXAMPLES:\n"
	       "  utrace readline              # every bash and zsh on the machine\n"
	       "  utrace readline -S           # ... with each command's status and duration\n"
	       "  utrace readline -p 1234      # only the shell with PID 1234\n"
	       "  utrace readline -s /opt/bash/bin/bash   # another bash binary\n"
	       "  utrace readline -S -j -d 60 > lines.json   # a minute of JSON lines\n",
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

/* A zsh binary, and the zle.so it loads. */
static int trace_zsh(struct utrace_session *s, const char *path)
{
	struct readline *rl = s->priv;
	char zle[PATH_MAX];
	int err = utrace_trace_path(s, &targets[ZSH], path);

	if (err)
		return err;
	if (rl_zle_of(path, zle, sizeof(zle))) {
		utrace_error(s, "%s: a zsh, but its line editor (zsh/zle.so in its module directory) was not found",
			     path);
		return 1;
	}
	return utrace_trace_path(s, &rl->zle, zle);
}

/*
 * A bash or a zsh binary, a program with readline in it, or the
 * libreadline.so one needs or that is named. Returns 0, 1 (said), or a
 * layered error.
 */
static int trace_shell(struct utrace_session *s, const char *path)
{
	struct needed_ctx c = { s, path, 0 };
	int err = utrace_trace_path(s, &targets[BASH], path);

	if (no_symbol(err))
		err = trace_zsh(s, path);
	if (!no_symbol(err))
		return err;
	c.err = err;
	if (elf_for_each_needed(path, try_needed, &c) >= 0 && !no_symbol(c.err))
		return c.err;
	return utrace_trace_path(s, &targets[LIBREADLINE], path);
}

static int rl_attach(struct utrace_session *s)
{
	struct readline *rl = s->priv;

	for (int i = 0; i < rl->npaths; i++) {
		int err = trace_shell(s, rl->paths[i]);

		if (err == 1)
			return UTRACE_EXIT_ERROR;
		if (no_symbol(err)) {
			utrace_error(s, "%s: no readline or zle, neither in it nor in the libraries it needs",
				     rl->paths[i]);
			return UTRACE_EXIT_ERROR;
		}
		if (err) {
			utrace_error(s, "%s: %s", rl->paths[i], utrace_why(err));
			return UTRACE_EXIT_ERROR;
		}
	}
	return UTRACE_EXIT_OK;
}

/* ---- set up ---- */

static int rl_prepare(struct utrace_session *s)
{
	struct readline *rl = s->priv;

	rl->zle = zle_target;
	/* system-wide: the host zsh's zle.so is probed before any zsh loads it */
	if (!s->opt.npids && !rl->npaths &&
	    !rl_zle_of(zsh_hosts[0], rl->zle_host, sizeof(rl->zle_host))) {
		rl->zle_hosts[0] = rl->zle_host;
		rl->zle.host = rl->zle_hosts;
	}
	if (utrace_target_add(s, &rl->zle) < 0) {
		utrace_error(s, "too many targets");
		return UTRACE_EXIT_ERROR;
	}
	return UTRACE_EXIT_OK;
}

/*
 * Where the running kernel keeps what the programs read of it
 * (readline.h), from its BTF: CO-RE would have libbpf load all of it at
 * every start (lib/kbtf.h). What is not found is not read, and said.
 */
static void kernel_fields(struct utrace_session *s, struct readline_kernel *k)
{
	const struct readline *rl = s->priv;
	struct kbtf_field f[] = {
		{ "task_struct", "mm", 8, 0, 0 },
		{ "mm_struct", "exe_file", 8, 0, 0 },
		{ "file", "f_inode", 8, 0, 0 },
		{ "inode", "i_ino", 8, 0, 0 },
		{ "task_struct", "exit_code", 4, 0, 0 },	/* -S only */
	};
	size_t n = rl->status ? 5 : 4, i;
	int err = kbtf_fields(KBTF_VMLINUX, f, n);

	k->task_mm = f[0].offset;
	k->mm_exe_file = f[1].offset;
	k->file_inode = f[2].offset;
	k->inode_ino = f[3].offset;
	k->task_exit_code = f[4].offset;
	k->mm = !f[0].err;
	k->exe = !f[0].err && !f[1].err && !f[2].err && !f[3].err;
	k->exit_code = rl->status && !f[4].err;
	if (err) {
		utrace_error(s, "warning: the kernel's type information (%s): %s: shells are not told from other programs using readline (no status, `read -e` answers shown)",
			     KBTF_VMLINUX, strerror(-err));
		return;
	}
	for (i = 0; i < 4 && !f[i].err; i++)
		;
	if (i < 4)
		utrace_error(s, "warning: the kernel has no %s.%s of %u bytes (its BTF): shells are not told from other programs using readline (no status, `read -e` answers shown)",
			     f[i].strct, f[i].member, f[i].size);
	if (n == 5 && f[4].err)
		utrace_error(s, "warning: the kernel has no %s.%s of %u bytes (its BTF): a shell's exit code or killing signal is not known",
			     f[4].strct, f[4].member, f[4].size);
}

static int rl_configure(struct utrace_session *s)
{
	struct readline *rl = s->priv;
	static const char *const status_only[] = { "shell_exit" };
	struct readline_kernel k = { 0 };
	bool named = rl->npaths > 0;
	struct bpf_map *m;

	kernel_fields(s, &k);
	if (utrace_set_rodata(s, "with_status", &rl->status, sizeof(rl->status)) ||
	    utrace_set_rodata(s, "zle_exe_only", &named, sizeof(named)) ||
	    utrace_set_rodata(s, "kfields", &k, sizeof(k))) {
		utrace_error(s, "BPF object lacks its settings");
		return UTRACE_EXIT_ERROR;
	}
	/*
	 * Without -S, no program runs at every exit of the machine (shell_exec
	 * runs at every exec: it voids what a thread knew of its old program).
	 */
	for (size_t i = 0; i < sizeof(status_only) / sizeof(*status_only); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(s->obj, status_only[i]);

		if (p && !rl->status)
			bpf_program__set_autoload(p, false);
	}
	/*
	 * ... and no room for commands in progress: the kernel fills a hash
	 * map's every entry when it makes it (1 MB for `running`, the larger
	 * part of the maps' making), and without -S nothing is put there.
	 */
	if (!rl->status && (m = bpf_object__find_map_by_name(s->obj, "running")))
		bpf_map__set_max_entries(m, 1);
	return UTRACE_EXIT_OK;
}

const struct utrace_tool utrace_tool_readline = {
	.name = "readline",
	.summary = "Print command lines typed into interactive bash and zsh shells",
	.argp = &argp,
	.tracing = "bash and zsh command lines",
	.priv_size = sizeof(struct readline),
	.bpf_elf = readline_bpf__elf_bytes,
	.max_record = sizeof(struct readline_line) + READLINE_ZSH_CAP,
	.targets = targets,
	.absent = "has no readline or zle: not an interactive bash or zsh?",
	.prepare = rl_prepare,
	.configure = rl_configure,
	.attach = rl_attach,
	.time_width = 9,
	.columns = rl_columns,
	.event = rl_event,
	.finish = rl_finish,
	.cleanup = rl_cleanup,
};
