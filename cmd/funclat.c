// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace funclat: how long calls of any user-space function take.
 *
 * Each SPEC (LIB:FUNC, PROG:FUNC, /path:FUNC, :FUNC; lib/funcspec.h)
 * becomes a target the core looks for in every process (or the -p ones):
 * a library by its base names (every copy in use: the host's, a
 * container's, an LD_LIBRARY_PATH copy, musl), a program by its name, a
 * file by its identity. The target's attach() globs FUNC over the file's
 * functions and probes each match, entry and return, with the function's
 * number as cookie: one link per file and direction holds them all. What
 * could not be found, and why, is said once the start's probes are in.
 */
#include <elf.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "elfread.h"
#include "escape.h"
#include "funclat.h"
#include "funclat.skel.h"
#include "funcspec.h"
#include "functable.h"
#include "histogram.h"
#include "ifunc.h"
#include "ldpath.h"
#include "numparse.h"
#include "utrace.h"

/* Two targets per FILE at most, and the core keeps one of its own. */
#define MAX_SPECS 30
#define MAX_HOSTS 6
#define COMM_WIDTH 16
#define LAT_WIDTH 10

/* Why a file found for a SPEC gave it no function (the first one seen). */
enum miss {
	MISS_NONE,
	MISS_NO_MATCH,		/* FUNC matches none of its functions */
	MISS_GO,		/* a Go binary */
	MISS_UNSAFE,		/* named a function a return probe harms */
	MISS_IFUNC,		/* named an IFUNC whose target is unknown */
	MISS_FULL,		/* FUNCLAT_MAX_FUNCS reached */
	MISS_SYMBOLS,		/* its symbols could not be read */
	MISS_OTHER_PROG,	/* -p: the process runs another program */
	MISS_INSN,		/* the kernel cannot probe its first instruction */
	MISS_NO_RET,		/* timed at its RETs, and none was found */
};

struct spec {
	const char *arg;		/* as given */
	int index;
	struct funcspec fs;
	struct group *group;		/* the SPECs of its FILE */
	/* what was found (started() says what was not) */
	unsigned long found;		/* files with a match */
	enum miss miss;
	char miss_file[PATH_MAX];
	char miss_detail[1024];
	pid_t miss_pid;
	size_t nmatch;			/* in the file being attached */
};

/*
 * The SPECs of one FILE (c:malloc c:free): one pair of targets, so that
 * every function of a file goes into one link per direction, whichever
 * SPEC named it.
 */
struct group {
	const struct funcspec *fs;	/* FILE's kind and names: the first SPEC's */
	struct spec *specs[MAX_SPECS];
	int nspecs;
	struct utrace_target lib, exe;	/* exe: programs (PROG:, :FUNC) */
	/* host copies: of the library (or the path), of the program */
	const char *lib_host[MAX_HOSTS + 1], *exe_host[2];
	char hostbuf[MAX_HOSTS + 1][PATH_MAX];
	int nhosts;
	const char *names[2];		/* PATH: the file's base name */
	char base[NAME_MAX + 1];
	dev_t dev;			/* PATH: the file's identity */
	ino_t ino;
};

/* The SPECs live here, never copied: their name lists point into them. */
struct funclat {
	struct spec specs[MAX_SPECS];
	int nspecs;
	struct group groups[MAX_SPECS];
	int ngroups;
	bool rows;			/* -m given */
	uint64_t min_ns;
	uint64_t interval_ns;
	uint64_t unit_ns;		/* histogram buckets: 1, 1000, 1000000 */
	bool unit_given;
	struct functable funcs;
	struct utrace_hist h;
	int nested_fd;
	uint64_t *nested_shown;		/* FUNCLAT_MAX_FUNCS each */
	uint64_t *nested_delta;
	bool full_said;
	bool pid_found[UTRACE_MAX_PIDS];	/* -p: something traced in it */
};

/* ---- options ---- */

enum { OPT_MSECS = 0x100, OPT_NSECS };

static const struct argp_option options[] = {
	{ "min-ms", 'm', "MS", 0,
	  "No histograms: a row for each call that took at least MS milliseconds (fractions allowed; 0: every call)", 0 },
	{ "interval", 'i', "SECONDS", 0,
	  "Print the histograms of each SECONDS-long interval", 0 },
	{ "microseconds", 'u', NULL, 0, "Histogram buckets in microseconds", 0 },
	{ "milliseconds", OPT_MSECS, NULL, 0, "Histogram buckets in milliseconds", 0 },
	{ "nanoseconds", OPT_NSECS, NULL, 0, "Histogram buckets in nanoseconds (the default)", 0 },
	{ 0 },
};

static void set_unit(struct argp_state *state, struct funclat *cfg, uint64_t unit)
{
	if (cfg->unit_given && cfg->unit_ns != unit)
		argp_error(state, "one unit only: -u, --milliseconds or --nanoseconds");
	cfg->unit_given = true;
	cfg->unit_ns = unit;
}

static void add_spec(struct argp_state *state, struct funclat *cfg, char *arg)
{
	struct spec *sp;
	const char *why;

	if (cfg->nspecs == MAX_SPECS)
		argp_error(state, "at most %d SPECs", MAX_SPECS);
	sp = &cfg->specs[cfg->nspecs];
	sp->index = cfg->nspecs++;
	sp->arg = arg;
	if (funcspec_parse(arg, &sp->fs, &why))
		argp_error(state, "bad SPEC '%s': %s", arg, why);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct utrace_session *s = state->input;
	struct funclat *cfg = s->priv;
	double v;

	switch (key) {
	case 'm':
		/* an hour is longer than anyone waits for a row */
		if (parse_seconds(arg, 0, 3600e3, &v))
			argp_error(state, "invalid minimum latency '%s' (milliseconds, 0 to 3600000)", arg);
		cfg->min_ns = (uint64_t)llround(v * 1e6);
		cfg->rows = true;
		return 0;
	case 'i':
		if (parse_seconds(arg, 0.1, 86400, &v))
			argp_error(state, "invalid interval '%s' (seconds, 0.1 to 86400)", arg);
		cfg->interval_ns = (uint64_t)llround(v * 1e9);
		return 0;
	case 'u':
		set_unit(state, cfg, 1000);
		return 0;
	case OPT_MSECS:
		set_unit(state, cfg, 1000000);
		return 0;
	case OPT_NSECS:
		set_unit(state, cfg, 1);
		return 0;
	case ARGP_KEY_ARG:
		add_spec(state, cfg, arg);
		return 0;
	case ARGP_KEY_END:
		if (!cfg->nspecs)
			argp_error(state, "no SPEC: name the functions to time (LIB:FUNC, PROG:FUNC or :FUNC)");
		if (cfg->rows && cfg->interval_ns)
			argp_error(state, "-i is for histograms, -m prints rows: one or the other");
		if (cfg->rows && cfg->unit_given)
			argp_error(state, "units are for histograms; -m rows are in milliseconds");
		for (int i = 0; i < cfg->nspecs; i++)
			if (cfg->specs[i].fs.kind == FUNCSPEC_SELF && !s->opt.npids)
				argp_error(state, "'%s': ':FUNC' means the executable of the -p process: add -p PID",
					   cfg->specs[i].arg);
		if (!cfg->unit_given)
			cfg->unit_ns = 1;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "SPEC...",
	.doc = "Time calls of user-space functions: a latency histogram per function\n"
	       "(count, average and total too), or with -m a row per slow call.\v"
	       "SPEC is LIB:FUNC (a library by name, like c, pthread, ssl or\n"
	       "libcrypto.so.3: every copy in use, containers and later processes\n"
	       "included), PROG:FUNC (a program by name), /PATH:FUNC (that file), or\n"
	       ":FUNC (the executable of the -p process). FUNC may be a glob.\n"
	       "A traced call made while another traced call runs on the same\n"
	       "thread (recursion, nesting) is part of the outer one's time.\n\n"
	       "EXAMPLES:\n"
	       "  utrace funclat c:malloc c:free         # every process, every libc\n"
	       "  utrace funclat -u 'c:pthread_mutex_*'  # a glob, in microseconds\n"
	       "  utrace funclat -p 1234 ssl:SSL_read    # one process's OpenSSL\n"
	       "  utrace funclat -p 1234 ':handle_*'     # its own executable's functions\n"
	       "  utrace funclat -m 10 bash:readline     # a row per call of 10 ms or more\n"
	       "  utrace funclat -i 5 /opt/app/lib/libx.so:x_query   # every 5 seconds\n"
	       "  utrace funclat -j -d 60 c:getaddrinfo > lat.json   # a minute, JSON\n",
};

/* ---- what is traced ---- */

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
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
	snprintf(sp->miss_file, sizeof(sp->miss_file), "%s", file);
	snprintf(sp->miss_detail, sizeof(sp->miss_detail), "%.*s", (int)sizeof(sp->miss_detail) - 1,
		 detail ? detail : "");
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
	char why[512];
	const char *bad;
	int err;

	if (!at_rets) {
		err = utrace_probe(s, f, pid, "func_return", UTRACE_RETURN, m->offset, id);
	} else if (m->sym->type == STT_GNU_IFUNC) {
		err = UTRACE_ERR(UTRACE_L_ELF, ENOTSUP);
	} else {
		id |= FUNCLAT_AT_RETS;
		err = utrace_probe_rets(s, f, pid, "func_at_ret", m->sym, id);
	}
	bad = at_rets ? no_rets(m, err) : NULL;
	if (bad) {
		snprintf(why, sizeof(why), "%.*s is timed at its RET instructions, in a file an exception or a panic may unwind through, and %s",
			 (int)(m->len < 256 ? m->len : 256), m->sym->name, bad);
		missed(m->spec, MISS_NO_RET, utrace_file_name(f), pid, why);
		utrace_verbose(s, "%s: %s: %s", m->spec->arg, utrace_file_name(f), why);
		return 1;
	}
	if (!err)
		err = utrace_probe(s, f, pid, "func_enter", 0, m->offset, id);
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
	char why[1024];

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
			utrace_verbose(s, "%s: %s: %s; not traced", sp->arg, name, why);
			continue;
		}
		if (sym->type == STT_GNU_IFUNC &&
		    ifunc_offset(f, syms, sym, len, &offset, why, sizeof(why))) {
			missed(sp, MISS_IFUNC, name, pid, why);
			utrace_verbose(s, "%s: %s: %s", sp->arg, name, why);
			continue;
		}
		if (sym->type == STT_GNU_IFUNC)
			utrace_verbose(s, "%s: %s: %.*s is an IFUNC: its implementation for this CPU (file offset %#llx) is traced",
				       sp->arg, name, (int)len, sym->name, (unsigned long long)offset);
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
		utrace_verbose(s, "%s: a Go program: not traced", name);
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
		utrace_verbose(s, "%s: %s code: calls are timed at their RET instructions", name, lang);
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
			       sp->nmatch == 1 ? "" : "s", name, pid > 0 ? " for one process" : "");
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

static int fl_prepare(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;
	int err;

	if (!cfg->rows && s->opt.count) {
		utrace_error(s, "-c counts rows, and histograms have none: add -m, or bound the histograms with -d");
		return UTRACE_EXIT_USAGE;
	}
	if (functable_init(&cfg->funcs, FUNCLAT_MAX_FUNCS)) {
		utrace_error(s, "out of memory");
		return UTRACE_EXIT_ERROR;
	}
	make_groups(cfg);
	for (int i = 0; i < cfg->ngroups; i++)
		if ((err = make_targets(s, &cfg->groups[i])))
			return err;
	s->interval_ns = cfg->interval_ns;
	/* histograms have headings of their own, not the rows' header */
	if (!cfg->rows)
		s->table_header_done = true;
	return UTRACE_EXIT_OK;
}

static int fl_configure(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;
	struct bpf_map *hist = bpf_object__find_map_by_name(s->obj, "utrace_hist");
	struct bpf_map *nested = bpf_object__find_map_by_name(s->obj, "nested");

	if (!hist || !nested ||
	    utrace_set_rodata(s, "min_ns", &cfg->min_ns, sizeof(cfg->min_ns)) ||
	    utrace_set_rodata(s, "rows", &cfg->rows, sizeof(cfg->rows)) ||
	    hist_configure(s, cfg->unit_ns)) {
		utrace_error(s, "BPF object lacks its settings");
		return UTRACE_EXIT_ERROR;
	}
	/* rows need no histograms: 1.3 MiB of kernel memory less */
	if (cfg->rows) {
		bpf_map__set_max_entries(hist, 1);
		bpf_map__set_max_entries(nested, 1);
	}
	return UTRACE_EXIT_OK;
}

static int fl_attach(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "nested");

	cfg->nested_fd = -1;
	if (cfg->rows)
		return UTRACE_EXIT_OK;
	cfg->nested_shown = calloc(FUNCLAT_MAX_FUNCS, sizeof(uint64_t));
	cfg->nested_delta = calloc(FUNCLAT_MAX_FUNCS, sizeof(uint64_t));
	if (!m || !cfg->nested_shown || !cfg->nested_delta ||
	    hist_open(s, &cfg->h, FUNCLAT_MAX_FUNCS)) {
		utrace_error(s, "BPF object lacks its histograms");
		return UTRACE_EXIT_ERROR;
	}
	cfg->nested_fd = bpf_map__fd(m);
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

static int fl_started(struct utrace_session *s)
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

/* ---- rows ---- */

static const struct functable_entry *row_func(struct utrace_session *s,
					      const struct event_hdr *h, size_t size)
{
	const struct funclat_event *e = (const void *)h;
	struct funclat *cfg = s->priv;

	return size >= sizeof(*e) ? functable_get(&cfg->funcs, e->func) : NULL;
}

static void get_comm(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	(void)s;
	(void)size;
	v->type = UTRACE_V_TEXT;
	v->str = h->comm;
	v->len = strnlen(h->comm, sizeof(h->comm));
}

static void get_latency(struct utrace_session *s, const struct event_hdr *h,
			size_t size, struct utrace_value *v)
{
	const struct funclat_event *e = (const void *)h;

	(void)s;
	if (size < sizeof(*e))
		return;
	v->type = UTRACE_V_MS;
	v->u64 = e->latency_ns;
}

/* Names come from traced files: untrusted, escaped like typed text. */
static void get_func(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct functable_entry *f = row_func(s, h, size);

	if (!f)
		return;
	v->type = UTRACE_V_TEXT;
	v->str = f->name;
	v->len = strlen(f->name);
}

static void get_spec(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct functable_entry *f = row_func(s, h, size);
	struct funclat *cfg = s->priv;

	if (!f)
		return;
	v->type = UTRACE_V_TEXT;
	v->str = cfg->specs[f->group].arg;
	v->len = strlen(v->str);
}

static const struct utrace_column columns[] = {
	{ "COMM", COMM_WIDTH, NULL, get_comm, NULL, false },
	{ "LATms", LAT_WIDTH, "latency_ms", get_latency, NULL, false },
	{ "FUNC", 0, "function", get_func, NULL, false },
	{ "SPEC", 0, "spec", get_spec, NULL, true },
	{ 0 },
};

/* ---- histograms ---- */

static int take_nested(struct funclat *cfg)
{
	for (uint32_t k = 0; k < cfg->funcs.n; k++) {
		uint64_t now;

		if (bpf_map_lookup_elem(cfg->nested_fd, &k, &now))
			return -errno;
		cfg->nested_delta[k] = now - cfg->nested_shown[k];
		cfg->nested_shown[k] = now;
	}
	return 0;
}

static int cmp_ids(const void *a, const void *b, void *arg)
{
	const struct functable *t = arg;
	const struct functable_entry *x = functable_get(t, *(const uint32_t *)a);
	const struct functable_entry *y = functable_get(t, *(const uint32_t *)b);

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void print_one_table(struct utrace_session *s, uint32_t k, uint64_t nested)
{
	struct funclat *cfg = s->priv;
	const struct functable_entry *f = functable_get(&cfg->funcs, k);
	const struct utrace_hist_slot *v = &cfg->h.delta[k];
	struct obuf *o = &s->out;

	obuf_puts(o, "function = ");
	escape_text(o, f->name, strlen(f->name));
	if (cfg->nspecs > 1) {
		obuf_puts(o, " (");
		escape_text(o, cfg->specs[f->group].arg, strlen(cfg->specs[f->group].arg));
		obuf_putc(o, ')');
	}
	obuf_putc(o, '\n');
	if (hist_last(v) >= 0) {
		hist_print_buckets(o, cfg->unit_ns, v);
		hist_print_summary(o, cfg->unit_ns, v);
	}
	if (nested)
		obuf_printf(o, "nested in traced calls, not timed: %llu\n",
			    (unsigned long long)nested);
	obuf_putc(o, '\n');
}

static void print_one_json(struct utrace_session *s, uint32_t k, uint64_t nested,
			   const char *when)
{
	struct funclat *cfg = s->priv;
	const struct functable_entry *f = functable_get(&cfg->funcs, k);
	const struct utrace_hist_slot *v = &cfg->h.delta[k];
	const char *spec = cfg->specs[f->group].arg;
	uint64_t n = hist_count(v);
	struct obuf extra = { 0 };

	json_string_field(&extra, "spec", spec, strlen(spec));
	obuf_printf(&extra, ",\"count\":%llu,\"total_ns\":%llu,\"average_ns\":%llu,\"nested\":%llu",
		    (unsigned long long)n, (unsigned long long)v->total_ns,
		    (unsigned long long)(n ? v->total_ns / n : 0), (unsigned long long)nested);
	hist_print_json(&s->out, cfg->unit_ns, when, "function", f->name, v, extra.data);
	obuf_free(&extra);
}

/* The histograms of every function called since the last time. */
static void print_histograms(struct utrace_session *s, bool stamp)
{
	struct funclat *cfg = s->priv;
	uint32_t *order;
	char when[64];
	size_t n = 0;
	int err;

	cfg->h.nkeys = (unsigned int)cfg->funcs.n;	/* the numbers given so far */
	if ((err = hist_take(&cfg->h)) || (err = take_nested(cfg))) {
		utrace_error(s, "reading the histograms: %s", strerror(-err));
		return;
	}
	hist_stamp(when, s->opt.json, cfg->interval_ns);
	if (stamp && !s->opt.json)
		obuf_printf(&s->out, "%s\n", when);
	order = malloc((cfg->funcs.n ? cfg->funcs.n : 1) * sizeof(*order));
	if (!order)
		return;
	for (uint32_t k = 0; k < cfg->funcs.n; k++)
		if (hist_last(&cfg->h.delta[k]) >= 0 || cfg->nested_delta[k])
			order[n++] = k;
	qsort_r(order, n, sizeof(*order), cmp_ids, &cfg->funcs);
	for (size_t i = 0; i < n; i++) {
		if (s->opt.json)
			print_one_json(s, order[i], cfg->nested_delta[order[i]], when);
		else
			print_one_table(s, order[i], cfg->nested_delta[order[i]]);
	}
	free(order);
}

static void fl_interval(struct utrace_session *s)
{
	print_histograms(s, true);
}

static void fl_finish(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;

	/* with -i, what is left is one last (shorter) interval */
	if (!cfg->rows && cfg->h.shown)
		print_histograms(s, cfg->interval_ns != 0);
}

static void fl_cleanup(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;

	hist_close(&cfg->h);
	free(cfg->nested_shown);
	free(cfg->nested_delta);
	functable_free(&cfg->funcs);
}

const struct utrace_tool utrace_tool_funclat = {
	.name = "funclat",
	.summary = "Time calls of any user-space function: latency histograms, or slow calls",
	.argp = &argp,
	.tracing = "function calls",
	.priv_size = sizeof(struct funclat),
	.bpf_elf = funclat_bpf__elf_bytes,
	.prepare = fl_prepare,
	.configure = fl_configure,
	.attach = fl_attach,
	.started = fl_started,
	.time_width = 8,
	.columns = columns,
	.interval = fl_interval,
	.finish = fl_finish,
	.cleanup = fl_cleanup,
};
