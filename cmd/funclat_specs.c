// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace funclat: from SPECs to targets, and what attach() does with a
 * file the core found for one. The SPECs of one FILE share a pair of
 * targets: a library (by base-name globs, or a path's identity) and a
 * program; attach() globs each SPEC's FUNC over the file's symbols and
 * probes each function once, entry and return (or its RETs, in code an
 * exception may unwind through), with its number as cookie. Whatever
 * kept a SPEC from a file is remembered, to be said if it ends up with
 * nothing traced anywhere.
 */
#include <elf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfread.h"
#include "escape.h"
#include "funclat.h"
#include "ifunc.h"
#include "ldpath.h"
#include "funclat_specs.h"

/* ---- what attach() finds ---- */

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/*
 * Text from a traced file or a process (a path in a container, a symbol
 * name) escaped for a message, into @buf: no control byte reaches the
 * operator's terminal through stderr either.
 */
static const char *shown(const char *p, char *buf, size_t len)
{
	struct obuf o = { 0 };

	escape_text(&o, p, strlen(p));
	snprintf(buf, len, "%s", o.data ? o.data : "");
	obuf_free(&o);
	return buf;
}

/* What says most: a refusal, then no match in a file, then another program. */
static int miss_rank(enum miss m)
{
	return m == MISS_NONE ? 0 : m == MISS_OTHER_PROG ? 1 : m == MISS_NO_MATCH ? 2 : 3;
}

/*
 * The first miss of the highest rank is the one reported, if the SPEC
 * ends up with nothing traced: a glob that found functions elsewhere
 * skipped this one silently (-v says it).
 */
static void missed(struct spec *sp, enum miss why, const char *file, pid_t pid,
		   const char *detail)
{
	if (miss_rank(why) <= miss_rank(sp->miss))
		return;
	sp->miss = why;
	sp->miss_pid = pid;
	shown(file, sp->miss_file, sizeof(sp->miss_file));
	shown(detail ? detail : "", sp->miss_detail, sizeof(sp->miss_detail));
}

static void group_missed(struct group *g, enum miss why, const char *file, pid_t pid,
			 const char *detail)
{
	for (int i = 0; i < g->nspecs; i++)
		missed(g->specs[i], why, file, pid, detail);
}

/* One match in a file: where its probes go, the name it is shown as. */
struct match {
	const struct elf_sym *sym;
	uint64_t offset;
	size_t len;		/* of the name without its version */
	struct spec *spec;
};

/*
 * Of two names for one address, the one an operator knows: global, fewest
 * leading underscores, shortest (malloc, not __libc_malloc).
 */
static int name_rank(const struct elf_sym *s, size_t len)
{
	size_t u = strspn(s->name, "_");

	return (s->bind == STB_LOCAL ? 1 << 20 : 0) + (int)(u << 12) + (int)len;
}

/* By address; for one address the first SPEC, then the best name. */
static int cmp_match(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->spec != y->spec)
		return x->spec->index - y->spec->index;
	return name_rank(x->sym, x->len) - name_rank(y->sym, y->len);
}

/*
 * Functions of .symtab whose names hold the IFUNC's name, the resolver
 * (at the IFUNC's own address) aside: where the IFUNC may go.
 */
static void ifunc_candidates(const struct elf_symbols *syms, const struct elf_sym *ifunc,
			     const char *base, char *out, size_t len)
{
	size_t n = 0, shown = 0, bl = strlen(base);
	int w;

	out[0] = '\0';
	for (size_t i = 0; i < syms->n; i++) {
		const struct elf_sym *c = &syms->v[i];
		size_t cl = strcspn(c->name, "@");

		if (c->from != ELF_SYMTAB || c->type != STT_FUNC || c->vaddr == ifunc->vaddr ||
		    !strstr(c->name, base) || (cl == bl && !strncmp(c->name, base, bl)))
			continue;
		if (i && !strcmp(syms->v[i - 1].name, c->name))
			continue;
		n++;
		if (shown < 6 && strlen(out) + cl + 3 < len) {
			w = snprintf(out + strlen(out), len - strlen(out), "%s%.*s", shown ? ", " : "",
				     (int)cl, c->name);
			shown += w > 0;
		}
	}
	if (n > shown)
		snprintf(out + strlen(out), len - strlen(out), " and %zu more", n - shown);
}

/*
 * Where the probes of an IFUNC go: its implementation for this CPU, known
 * where utrace has the file loaded itself. 0, or -ESRCH said in @why.
 */
static int ifunc_offset(struct tfile *f, const struct elf_symbols *syms,
			const struct elf_sym *sym, size_t len, uint64_t *offset,
			char *why, size_t whylen)
{
	char base[256], cand[400];
	uint64_t vaddr;
	dev_t dev;
	ino_t ino;

	utrace_file_id(f, &dev, &ino);
	if (!ifunc_resolve_loaded(dev, ino, sym->name, &vaddr, offset))
		return 0;
	snprintf(base, sizeof(base), "%.*s", (int)(len < 255 ? len : 255), sym->name);
	ifunc_candidates(syms, sym, base, cand, sizeof(cand));
	snprintf(why, whylen, "%s is an IFUNC resolver (STT_GNU_IFUNC), not the function: which "
		 "implementation it picks is only known where utrace has this very file loaded%s%s",
		 base, cand[0] ? "; name one of the candidates: " :
		 ", and the file has no .symtab to name the candidates", cand);
	return -ESRCH;
}

/* The number of a function to probe; -1 when the table is full. */
static int number(struct utrace_session *s, const struct match *m)
{
	struct funclat *cfg = s->priv;
	int id = functable_add(&cfg->funcs, (unsigned int)m->spec->index, m->sym->name, m->len);

	if (id >= 0)
		return id;
	if (!cfg->full_said)
		utrace_error(s, "warning: more than %d functions: the rest are not traced",
			     FUNCLAT_MAX_FUNCS);
	cfg->full_said = true;
	return -1;
}

/* An instruction the kernel cannot probe (lib/x86probe.h): not an error. */
static bool insn_refused(int err)
{
	return utrace_err_layer(err) == UTRACE_L_KERNEL && utrace_err_errno(err) == 524;
}

/* Why calls of @m cannot be timed at their RETs, or NULL. */
static const char *no_rets(const struct match *m, int err)
{
	if (m->sym->type == STT_GNU_IFUNC)
		return "its implementation is not known to be timed at its RET instructions";
	switch (utrace_err_errno(err)) {
	case 0:
		return NULL;
	case ENODATA:
		return "it has no RET instruction to time its return at";
	case EFBIG:
		return "its size is unknown (or over 1 MiB): its RET instructions cannot be found";
	case EILSEQ:
		return "its code does not decode: its RET instructions cannot be found";
	}
	return utrace_err_layer(err) == UTRACE_L_ELF ? "its RET instructions cannot be found" : NULL;
}

/*
 * The probes of one function: entry, and a return probe, or with
 * @at_rets a probe on each RET instruction.
 */
static int probe_one(struct utrace_session *s, struct tfile *f, pid_t pid,
		     const struct match *m, uint32_t id, bool at_rets)
{
	char why[512], why2[2048], esc[PATH_MAX];
	const char *bad;
	int err;

	/* the pair "func": its entry and its return (bpf/common.bpf.h) */
	if (!at_rets)
		return utrace_probe(s, f, pid, "func", 0, m->offset, id);
	if (m->sym->type == STT_GNU_IFUNC) {
		err = UTRACE_ERR(UTRACE_L_ELF, ENOTSUP);
	} else {
		id |= FUNCLAT_AT_RETS;
		err = utrace_probe_rets(s, f, pid, "func_at_ret", m->sym, id);
	}
	bad = no_rets(m, err);
	if (bad) {
		snprintf(why, sizeof(why), "%.*s is timed at its RET instructions, in a file an exception or a panic may unwind through, and %s",
			 (int)(m->len < 256 ? m->len : 256), m->sym->name, bad);
		missed(m->spec, MISS_NO_RET, utrace_file_name(f), pid, why);
		utrace_verbose(s, "%s: %s: %s", m->spec->arg,
			       shown(utrace_file_name(f), esc, sizeof(esc)), shown(why, why2, sizeof(why2)));
		return 1;
	}
	if (!err)
		err = utrace_probe(s, f, pid, "func_rets_enter", 0, m->offset, id);
	return err;
}

/* Probe each address once: the first SPEC's and best name it has. */
static int probe_matches(struct utrace_session *s, struct tfile *f, pid_t pid,
			 struct match *v, size_t n, bool at_rets, size_t *probed)
{
	char why[512];
	int err;

	bool ok = false;	/* the address of v[i - 1] is probed */

	qsort(v, n, sizeof(*v), cmp_match);
	for (size_t i = 0; i < n; i++) {
		int id;

		/* another name for it: the SPEC has its function all the same */
		if (i && v[i].offset == v[i - 1].offset) {
			v[i].spec->nmatch += ok;
			continue;
		}
		ok = false;
		id = number(s, &v[i]);
		if (id < 0) {
			missed(v[i].spec, MISS_FULL, utrace_file_name(f), pid, NULL);
			break;
		}
		err = probe_one(s, f, pid, &v[i], (uint32_t)id, at_rets);
		if (err == 1)
			continue;
		if (insn_refused(err)) {
			snprintf(why, sizeof(why), "the kernel cannot probe the first instruction of %.*s (-v: why)",
				 (int)(v[i].len < 256 ? v[i].len : 256), v[i].sym->name);
			missed(v[i].spec, MISS_INSN, utrace_file_name(f), pid, why);
			continue;
		}
		if (err)
			return err;
		ok = true;
		v[i].spec->nmatch++;
		(*probed)++;
	}
	return 0;
}

/*
 * Code an exception (C++) or a panic (Rust) may unwind through: a return
 * probe's trampoline in a return address slot has no unwind entry, and
 * the unwinder ends the program (std::terminate). Such code is timed at
 * its RET instructions instead. Its language, or NULL.
 */
static const char *unwinding(struct tfile *f, const struct elf_symbols *syms)
{
	if (utrace_file_needs(f, "libstdc++.so*") || utrace_file_needs(f, "libc++.so*") ||
	    utrace_file_needs(f, "libc++abi.so*") ||
	    elf_symbols_find(syms, "__gxx_personality_v0", ELF_FUNCS))
		return "C++";
	if (elf_symbols_find(syms, "rust_eh_personality", ELF_FUNCS))
		return "Rust";
	return NULL;
}

/* Is @f the file @g's target @t means? Names aside: the core matched them. */
static bool is_meant(const struct group *g, const struct utrace_target *t,
		     struct tfile *f)
{
	dev_t dev;
	ino_t ino;

	if (g->fs->kind == FUNCSPEC_PATH) {
		utrace_file_id(f, &dev, &ino);
		return dev == g->dev && ino == g->ino;
	}
	/* -p: the core offers the process's executable whatever its name */
	if (t == &g->exe && g->fs->kind == FUNCSPEC_NAME)
		return !fnmatch(g->fs->exes[0], base_of(utrace_file_name(f)), 0);
	return true;
}

/* The functions of @f that SPEC @sp names, into @v. */
static void match_spec(struct utrace_session *s, struct spec *sp, struct tfile *f, pid_t pid,
		       const struct elf_symbols *syms, struct match *v, size_t *n)
{
	const char *name = utrace_file_name(f);
	char why[1024], why2[2048], esc[PATH_MAX];

	for (size_t i = 0; i < syms->n; i++) {
		const struct elf_sym *sym = &syms->v[i];
		size_t len = strcspn(sym->name, "@");
		uint64_t offset = sym->offset;
		const char *harm;

		if ((sym->type != STT_FUNC && sym->type != STT_GNU_IFUNC) ||
		    !funcspec_match(&sp->fs, sym->name))
			continue;
		/* .symtab and .dynsym both list most: once is enough */
		if (i && syms->v[i - 1].vaddr == sym->vaddr && !strcmp(syms->v[i - 1].name, sym->name))
			continue;
		harm = funcspec_unsafe(sym->name, len);
		if (harm) {
			snprintf(why, sizeof(why), "%.*s %s: a return probe on it would crash the program",
				 (int)len, sym->name, harm);
			missed(sp, MISS_UNSAFE, name, pid, why);
			utrace_verbose(s, "%s: %s: %s; not traced", sp->arg, shown(name, esc, sizeof(esc)),
				       shown(why, why2, sizeof(why2)));
			continue;
		}
		if (sym->type == STT_GNU_IFUNC &&
		    ifunc_offset(f, syms, sym, len, &offset, why, sizeof(why))) {
			missed(sp, MISS_IFUNC, name, pid, why);
			utrace_verbose(s, "%s: %s: %s", sp->arg, shown(name, esc, sizeof(esc)),
				       shown(why, why2, sizeof(why2)));
			continue;
		}
		if (sym->type == STT_GNU_IFUNC)
			utrace_verbose(s, "%s: %s: %s is an IFUNC: its implementation for this CPU (file offset %#llx) is traced",
				       sp->arg, shown(name, esc, sizeof(esc)),
				       shown(sym->name, why2, sizeof(why2)), (unsigned long long)offset);
		v[(*n)++] = (struct match){ sym, offset, len, sp };
	}
}

static int attach_file(struct utrace_session *s, const struct utrace_target *t,
		       struct tfile *f, pid_t pid)
{
	struct group *g = t->data;
	const struct elf_symbols *syms;
	const char *name = utrace_file_name(f);
	size_t n = 0, probed = 0;
	char esc[PATH_MAX];
	const char *lang;
	struct match *v;
	int err = 0;

	if (!is_meant(g, t, f)) {
		if (pid > 0 && t == &g->exe)
			group_missed(g, MISS_OTHER_PROG, name, pid, NULL);
		return 0;
	}
	if (utrace_file_is_go(f)) {
		group_missed(g, MISS_GO, name, pid, NULL);
		utrace_verbose(s, "%s: a Go program: not traced", shown(name, esc, sizeof(esc)));
		return 0;
	}
	syms = utrace_file_symbols(f, &err);
	if (!syms) {
		group_missed(g, MISS_SYMBOLS, name, pid, utrace_why(err));
		return 0;
	}
	/* a symbol matched by several SPECs is one match of each */
	v = malloc((syms->n ? syms->n : 1) * (size_t)g->nspecs * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int i = 0; i < g->nspecs; i++) {
		g->specs[i]->nmatch = 0;
		match_spec(s, g->specs[i], f, pid, syms, v, &n);
	}
	lang = unwinding(f, syms);
	if (lang)
		utrace_verbose(s, "%s: %s code: calls are timed at their RET instructions",
			       shown(name, esc, sizeof(esc)), lang);
	err = probe_matches(s, f, pid, v, n, lang != NULL, &probed);
	free(v);
	if (err)
		return err;
	for (int i = 0; i < s->opt.npids && probed; i++)
		if (s->opt.pids[i] == pid)
			((struct funclat *)s->priv)->pid_found[i] = true;
	for (int i = 0; i < g->nspecs; i++) {
		struct spec *sp = g->specs[i];

		if (!sp->nmatch) {
			missed(sp, MISS_NO_MATCH, name, pid, NULL);
			continue;
		}
		sp->found++;
		utrace_verbose(s, "%s: %zu function%s in %s%s", sp->arg, sp->nmatch,
			       sp->nmatch == 1 ? "" : "s", shown(name, esc, sizeof(esc)),
			       pid > 0 ? " for one process" : "");
	}
	return 0;
}

/* ---- from SPECs to targets ---- */

/* A host copy into @list (g->lib_host or g->exe_host), once. */
static void add_host(struct group *g, const char **list, int max, const char *path)
{
	int n = 0;

	while (list[n])
		if (!strcmp(list[n++], path))
			return;
	if (n == max || g->nhosts > MAX_HOSTS)
		return;
	snprintf(g->hostbuf[g->nhosts], sizeof(g->hostbuf[0]), "%s", path);
	list[n] = g->hostbuf[g->nhosts++];
}

/* A program by name on $PATH, as a shell would run it. */
static void find_program(struct group *g, const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path || strpbrk(name, "*?[") || !*name)
		return;
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name) < (int)sizeof(buf) &&
		    !access(buf, X_OK) && !elf_check(buf)) {
			add_host(g, g->exe_host, 1, buf);
			return;
		}
		path += n + (path[n] == ':');
	}
}

/* A path: the file must be there and be something we can trace. */
static int check_path(struct utrace_session *s, struct group *g)
{
	const char *file = g->fs->file, *arg = g->specs[0]->arg;
	struct elf_file *ef;
	char real[PATH_MAX];
	struct stat st;
	bool go;
	int err;

	if (stat(file, &st)) {
		err = errno;
		utrace_error(s, "%s: %s: %s", arg, file, utrace_why(UTRACE_ERR(UTRACE_L_FILE, err)));
		return UTRACE_EXIT_ERROR;
	}
	err = elf_open(file, &ef);
	if (err) {
		/* the ELF reader's own words where the contents are at fault */
		utrace_error(s, "%s: %s: %s", arg, file,
			     utrace_why(UTRACE_ERR(err == -ENOEXEC || err == -EINVAL ?
						   UTRACE_L_ELF : UTRACE_L_FILE, -err)));
		return UTRACE_EXIT_ERROR;
	}
	go = elf_is_go(ef);
	elf_close(ef);
	if (go) {
		utrace_error(s, "%s: %s is a Go program: return probes would corrupt its goroutine stacks, and funclat times functions with them",
			     arg, file);
		return UTRACE_EXIT_ERROR;
	}
	g->dev = st.st_dev;
	g->ino = st.st_ino;
	/* processes map the file under its real name */
	snprintf(g->base, sizeof(g->base), "%.*s", NAME_MAX,
		 base_of(realpath(file, real) ? real : file));
	g->names[0] = g->base;
	add_host(g, g->lib_host, MAX_HOSTS, file);
	return UTRACE_EXIT_OK;
}

static void make_target(struct group *g, struct utrace_target *t, unsigned int kind,
			const char *const *names, const char *const *host)
{
	t->what = g->fs->file[0] ? g->fs->file : "the -p process's executable";
	t->match.kind = kind;
	t->match.names = names;
	t->host = host;
	t->attach = attach_file;
	t->data = g;
}

static int make_targets(struct utrace_session *s, struct group *g)
{
	const struct funcspec *fs = g->fs;
	char lib[PATH_MAX];
	int err;

	switch (fs->kind) {
	case FUNCSPEC_PATH:
		if ((err = check_path(s, g)))
			return err;
		/* a library or an executable: the file says which, not the SPEC */
		make_target(g, &g->lib, UTRACE_LIB | UTRACE_EXE, g->names, g->lib_host);
		break;
	case FUNCSPEC_SELF:
		make_target(g, &g->exe, UTRACE_EXE, NULL, NULL);
		break;
	case FUNCSPEC_NAME:
		for (const char *const *l = fs->libs; *l; l++)
			if (!elf_find_library_glob(*l, NULL, lib, sizeof(lib)))
				add_host(g, g->lib_host, MAX_HOSTS, lib);
		make_target(g, &g->lib, UTRACE_LIB, fs->libs, g->lib_host);
		if (fs->exes[0]) {
			find_program(g, fs->exes[0]);
			make_target(g, &g->exe, UTRACE_EXE, fs->exes, g->exe_host);
		}
		break;
	}
	/*
	 * A library other than libc may be dlopen()ed long after a program
	 * starts: a -p process's loader stays watched for it, also for the
	 * programs the process exec()s (libc comes with every program's start).
	 */
	if (g->lib.what && !fs->libc)
		g->lib.flags |= UTRACE_WATCH_LOADER;
	if ((g->lib.what && utrace_target_add(s, &g->lib) < 0) ||
	    (g->exe.what && utrace_target_add(s, &g->exe) < 0)) {
		utrace_error(s, "too many files named: at most %d", UTRACE_MAX_TARGETS / 2 - 1);
		return UTRACE_EXIT_USAGE;
	}
	return UTRACE_EXIT_OK;
}

/* The SPECs by FILE: "c:malloc c:free" is one file, two functions. */
static void make_groups(struct funclat *cfg)
{
	for (int i = 0; i < cfg->nspecs; i++) {
		struct spec *sp = &cfg->specs[i];
		struct group *g = NULL;

		for (int j = 0; j < cfg->ngroups && !g; j++)
			if (!strcmp(cfg->groups[j].fs->file, sp->fs.file))
				g = &cfg->groups[j];
		if (!g) {
			g = &cfg->groups[cfg->ngroups++];
			g->fs = &sp->fs;
		}
		g->specs[g->nspecs++] = sp;
		sp->group = g;
	}
}

int specs_make_targets(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;
	int err;

	make_groups(cfg);
	for (int i = 0; i < cfg->ngroups; i++)
		if ((err = make_targets(s, &cfg->groups[i])))
			return err;
	return UTRACE_EXIT_OK;
}

/* ---- what was not found ---- */

static void say_missed(struct utrace_session *s, const struct spec *sp)
{
	char where[64] = "", libs[2 * NAME_MAX + 8];

	if (sp->miss_pid > 0)
		snprintf(where, sizeof(where), " (process %d)", sp->miss_pid);
	snprintf(libs, sizeof(libs), "%s%s%s", sp->fs.libs[0] ? sp->fs.libs[0] : "",
		 sp->fs.libs[1] ? " or " : "", sp->fs.libs[1] ? sp->fs.libs[1] : "");
	switch (sp->miss) {
	case MISS_NO_MATCH:
		utrace_error(s, "%s: no function matching '%s' in %s%s", sp->arg, sp->fs.func,
			     sp->miss_file, where);
		return;
	case MISS_GO:
		utrace_error(s, "%s: %s%s is a Go program: return probes would corrupt its goroutine stacks, and funclat times functions with them",
			     sp->arg, sp->miss_file, where);
		return;
	case MISS_UNSAFE:
	case MISS_IFUNC:
	case MISS_INSN:
	case MISS_NO_RET:
		utrace_error(s, "%s: %s: %s%s", sp->arg, sp->miss_file, sp->miss_detail, where);
		return;
	case MISS_FULL:
		utrace_error(s, "%s: more than %d functions already traced", sp->arg,
			     FUNCLAT_MAX_FUNCS);
		return;
	case MISS_SYMBOLS:
		utrace_error(s, "%s: %s: %s%s", sp->arg, sp->miss_file, sp->miss_detail, where);
		return;
	case MISS_OTHER_PROG:
		utrace_error(s, "%s: process %d runs %s, not %s%s%s", sp->arg, sp->miss_pid,
			     sp->miss_file, sp->fs.file, libs[0] ? ", and maps no library named " : "",
			     libs);
		return;
	case MISS_NONE:
		break;
	}
	/* nothing of that name anywhere */
	if (s->opt.npids && sp->fs.kind == FUNCSPEC_PATH)
		utrace_error(s, "%s: no -p process maps %s", sp->arg, sp->fs.file);
	else if (s->opt.npids && sp->fs.exes[0])
		utrace_error(s, "%s: no -p process runs %s or maps a library named %s", sp->arg,
			     sp->fs.exes[0], libs);
	else if (s->opt.npids)
		utrace_error(s, "%s: no -p process maps a library named %s", sp->arg, libs);
	else if (sp->fs.exes[0])
		utrace_error(s, "%s: no such library or program: no %s on the loader's path, no %s on $PATH, and no process maps or runs one",
			     sp->arg, libs, sp->fs.exes[0]);
	else
		utrace_error(s, "%s: no such library: no %s on the loader's path, and no process maps one",
			     sp->arg, libs);
}

int specs_check_found(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;

	for (int i = 0; i < cfg->nspecs; i++) {
		if (cfg->specs[i].found)
			continue;
		say_missed(s, &cfg->specs[i]);
		return UTRACE_EXIT_ERROR;
	}
	/* each -p process has something traced (the core leaves it to us) */
	for (int i = 0; i < s->opt.npids; i++) {
		if (cfg->pid_found[i])
			continue;
		utrace_error(s, "process %d has none of the functions the SPECs name", s->opt.pids[i]);
		return UTRACE_EXIT_ERROR;
	}
	utrace_verbose(s, "%zu functions traced", cfg->funcs.n);
	return UTRACE_EXIT_OK;
}
