// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where utrace readline's probes go, file by file (the targets' attach()
 * callbacks), and what a shell binary tells the programs: the addresses
 * of its own variables, in the BPF map shell_exes under its inode number
 * (bpf/readline.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "elfread.h"
#include "readline_tool.h"

static const struct elf_sym *func(const struct elf_symbols *syms, const char *name)
{
	return elf_symbols_find(syms, name, ELF_FUNCS);
}

/* A variable's address, 0 without it; @size: 4 or 8 bytes, or 0. */
static uint64_t var(const struct elf_symbols *syms, const char *name, uint32_t *size)
{
	const struct elf_sym *v = elf_symbols_find(syms, name, ELF_OBJECTS);

	if (!v || (size && v->size != 4 && v->size != 8))
		return 0;
	if (size)
		*size = (uint32_t)v->size;
	return v->vaddr;
}

/*
 * Tell the programs where shell binary @f keeps its variables (@v). False
 * when the map is full or cannot be written: its lines are shown then,
 * without their status. Each thread's answer kept from before (a process
 * of this binary, seen as no shell) is void from then on: shells_gen.
 */
static bool know_shell(struct utrace_session *s, const struct tfile *f,
		       const struct readline_file *v)
{
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "shell_exes");
	struct bpf_map *g = bpf_object__find_map_by_name(s->obj, "shells_gen");
	uint64_t ino = utrace_file_ino(f);
	uint32_t zero = 0, gen = 0;

	if (!m || !g || bpf_map_update_elem(bpf_map__fd(m), &ino, v, BPF_ANY))
		return false;
	/* unbumped, a thread that took the binary for no shell would keep to it */
	if (bpf_map_lookup_elem(bpf_map__fd(g), &zero, &gen))
		return false;
	gen++;
	return !bpf_map_update_elem(bpf_map__fd(g), &zero, &gen, BPF_ANY);
}

static const struct elf_symbols *symbols(struct tfile *f, int *err)
{
	const struct elf_symbols *syms = utrace_file_symbols(f, err);

	if (syms)
		*err = 0;
	return syms;
}

/* The function that returns the line after Enter (see readline.bpf.c). */
static const struct elf_sym *line_func(const struct elf_symbols *syms)
{
	const struct elf_sym *sym = func(syms, "readline_internal_teardown");

	return sym ? sym : func(syms, "readline");
}

int rl_attach_bash(struct utrace_session *s, const struct utrace_target *t,
		   struct tfile *f, pid_t pid)
{
	const struct elf_symbols *syms;
	const struct elf_sym *line, *entry;
	struct readline_file v = { .shell = READLINE_BASH };
	int err;

	(void)t;
	if (!(syms = symbols(f, &err)))
		return err;
	if (!(line = line_func(syms)))
		return UTRACE_ERR(UTRACE_L_ELF, ESRCH);
	entry = func(syms, "readline");
	if (entry) {
		v.func = entry->vaddr;
		v.status = var(syms, "last_command_exit_value", &v.status_size);
		v.line_count = var(syms, "current_command_line_count", NULL);
		v.in_builtin = var(syms, "executing_builtin", NULL);
	}
	if (entry && know_shell(s, f, &v) &&
	    (err = utrace_probe(s, f, pid, "shell_prompt", 0, entry->offset, 0)))
		return err;
	return utrace_probe(s, f, pid, "line_returned", UTRACE_RETURN, line->offset, 0);
}

/* libreadline.so: lines only, no shell's variables to read. */
int rl_attach_lib(struct utrace_session *s, const struct utrace_target *t,
		  struct tfile *f, pid_t pid)
{
	const struct elf_symbols *syms;
	const struct elf_sym *line;
	int err;

	(void)t;
	if (!(syms = symbols(f, &err)))
		return err;
	if (!(line = line_func(syms)))
		return UTRACE_ERR(UTRACE_L_ELF, ESRCH);
	return utrace_probe(s, f, pid, "line_returned", UTRACE_RETURN, line->offset, 0);
}

/* The zsh binary: where it is loaded, and its $? at each new prompt. */
int rl_attach_zsh(struct utrace_session *s, const struct utrace_target *t,
		  struct tfile *f, pid_t pid)
{
	const struct elf_symbols *syms;
	const struct elf_sym *entry;
	struct readline_file v = { .shell = READLINE_ZSH };
	int err;

	(void)t;
	if (!(syms = symbols(f, &err)))
		return err;
	if (!(entry = func(syms, "zleentry")))
		return UTRACE_ERR(UTRACE_L_ELF, ESRCH);
	v.func = entry->vaddr;
	v.status = var(syms, "lastval", &v.status_size);
	v.zle_active = var(syms, "zleactive", NULL);
	if (!know_shell(s, f, &v))
		return 0;	/* lines without their status */
	return utrace_probe(s, f, pid, "shell_prompt", 0, entry->offset, 0);
}

/* zsh's line editor, the module zle.so: its lines. */
int rl_attach_zle(struct utrace_session *s, const struct utrace_target *t,
		  struct tfile *f, pid_t pid)
{
	const struct elf_symbols *syms;
	const struct elf_sym *read, *get;
	int err;

	(void)t;
	if (!(syms = symbols(f, &err)))
		return err;
	read = func(syms, "zleread");
	get = func(syms, "zlegetline");
	if (!read || !get)
		return UTRACE_ERR(UTRACE_L_ELF, ESRCH);
	if ((err = utrace_probe(s, f, pid, "zle_read", 0, read->offset, 0)) ||
	    (err = utrace_probe(s, f, pid, "zle_getline", 0, get->offset, 0)))
		return err;
	return utrace_probe(s, f, pid, "zle_line", UTRACE_RETURN, get->offset, 0);
}

/* ---- the zle.so of a zsh binary ---- */

/*
 * The binary is read in windows this big, each with the last ZLE_KEEP
 * bytes of the one before: a string shorter than PATH_MAX lies whole in
 * one of them, and utrace never holds the whole binary (865 KB).
 */
#define ZLE_CHUNK (64 * 1024)
#define ZLE_KEEP (2 * PATH_MAX)

/*
 * zsh loads zle from a directory compiled into it (the default of
 * $module_path, "/usr/lib/x86_64-linux-gnu/zsh/5.9" on Debian): the
 * first string of the binary naming a directory that holds zsh/zle.so.
 * The binary is read, never run.
 */
int rl_zle_of(const char *zsh, char *out, size_t len)
{
	static const char mark[] = "/zsh/";
	struct stat st;
	int err = -ENOENT, fd = elf_open_regular(zsh, &st);
	bool first = true;
	size_t n = 0;
	char *buf;

	if (fd < 0)
		return fd;
	buf = malloc(ZLE_KEEP + ZLE_CHUNK);
	while (buf && err) {
		ssize_t got = read(fd, buf + n, ZLE_CHUNK);
		const char *p, *end;
		size_t keep;

		if (got <= 0)
			break;
		n += (size_t)got;
		end = buf + n;
		for (p = buf; err && (p = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1)); p++) {
			const char *a = p, *z = p;

			while (a > buf && a[-1] && a - 1 > p - PATH_MAX)
				a--;
			while (z < end && *z && z - a < PATH_MAX)
				z++;
			/* not a whole absolute path, or not whole in this window */
			if ((a == buf && !first) || *a != '/' || z == end || *z)
				continue;
			if ((size_t)snprintf(out, len, "%.*s/zsh/zle.so", (int)(z - a), a) >= len)
				continue;
			if (!elf_check(out))
				err = 0;
		}
		keep = n < ZLE_KEEP ? n : ZLE_KEEP;
		memmove(buf, end - keep, keep);
		n = keep;
		first = false;
	}
	if (!buf)
		err = -ENOMEM;
	free(buf);
	close(fd);
	return err;
}
