// SPDX-License-Identifier: GPL-2.0-only
/*
 * Targets: what a tool declares it traces (struct utrace_target) turned
 * into probed files. The same rules serve every way a file is found:
 *
 *   -p PID        the process's executable and mapped files; names and the
 *                 executable's criteria are not asked (the operator named
 *                 the process), the symbols are; probes only for PID
 *   -s/-l PATH    utrace_trace_path(): that file only, no discovery
 *   system-wide   host copies (target.host), the files utrace itself maps
 *                 (its libc is the host's), every running process, then
 *                 each new program and library as discovery reports them
 *   --in-container  the same, but only the container's processes, and not
 *                 utrace's own files (BPF reports only the container's)
 *
 * A file is judged once per target (symbols read once per file) and
 * probed once per target and process scope.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core.h"
#include "procfs.h"

/* ---- -p checks, before anything is loaded ---- */

int targets_check(struct utrace_session *s)
{
	for (int i = 0; i < s->opt.npids; i++) {
		pid_t pid = s->opt.pids[i];
		struct proc_status st;
		int err = procfs_read_status(pid, &st);

		if (err) {
			utrace_error(s, "no such process: %d", pid);
			return UTRACE_EXIT_ERROR;
		}
		/*
		 * A thread id is not a process: probes filter by process, and
		 * the two ways of attaching would disagree on what it means.
		 */
		if (st.tgid != pid) {
			utrace_error(s, "%d is a thread of process %d: trace -p %d",
				     pid, st.tgid, st.tgid);
			return UTRACE_EXIT_ERROR;
		}
		if (st.kthread) {
			utrace_error(s, "process %d is a kernel thread: no user code to trace", pid);
			return UTRACE_EXIT_ERROR;
		}
		if (st.state == 'X' || (st.state == 'Z' && st.threads <= 1)) {
			utrace_error(s, "process %d exited", pid);
			return UTRACE_EXIT_ERROR;
		}
	}
	return UTRACE_EXIT_OK;
}

/*
 * A process has exited once no thread of it runs: a leader that called
 * pthread_exit() is a zombie while its other threads go on.
 */
static bool gone(pid_t pid)
{
	struct proc_status st;

	if (procfs_read_status(pid, &st))
		return true;
	return st.state == 'X' || (st.state == 'Z' && st.threads <= 1);
}

bool targets_gone(const struct utrace_session *s)
{
	for (int i = 0; i < s->opt.npids; i++)
		if (!gone(s->opt.pids[i]))
			return false;
	return s->opt.npids > 0;
}

/* ---- the declarations ---- */

int utrace_target_add(struct utrace_session *s, const struct utrace_target *t)
{
	struct utrace_core *c = s->core;

	for (int i = 0; i < c->ntargets; i++)
		if (c->targets[i] == t)
			return i;
	if (c->ntargets == UTRACE_MAX_TARGETS)
		return -E2BIG;
	c->targets[c->ntargets] = t;
	return c->ntargets++;
}

/* The file name a glob is matched against: no directory, no " (deleted)". */
static void base_name(const char *path, char *out, size_t len)
{
	static const char deleted[] = " (deleted)";
	const char *b = strrchr(path, '/');
	size_t n, dn = sizeof(deleted) - 1;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > dn && !strcmp(b + n - dn, deleted))
		n -= dn;
	snprintf(out, len, "%.*s", (int)n, b);
}

static bool names_match(const char *const *globs, const char *path)
{
	char base[NAME_MAX + 1];

	if (!globs)
		return true;
	base_name(path, base, sizeof(base));
	for (; *globs; globs++)
		if (!fnmatch(*globs, base, 0))
			return true;
	return false;
}

static bool defines(const struct elf_symbols *syms, const char *name)
{
	return elf_symbols_find(syms, name, ELF_FUNCS | ELF_OBJECTS) != NULL;
}

/* The symbol criteria of @m; 0 or why not (ELF/ESRCH: a symbol missing). */
static int symbols_ok(struct tfile *f, const struct utrace_match *m)
{
	const struct elf_symbols *syms;
	bool any = !m->any;
	int err;

	if (m->go && !f->is_go)
		return UTRACE_ERR(UTRACE_L_ELF, ESRCH);
	if (!m->all && !m->any)
		return 0;
	syms = tfile_symbols(f, &err);
	if (!syms)
		return err;
	for (const char *const *n = m->all; n && *n; n++)
		if (!defines(syms, *n))
			return UTRACE_ERR(UTRACE_L_ELF, ESRCH);
	for (const char *const *n = m->any; n && *n && !any; n++)
		any = defines(syms, *n);
	return any ? 0 : UTRACE_ERR(UTRACE_L_ELF, ESRCH);
}

static const struct elf_sym *probe_symbol(const struct elf_symbols *syms,
					  const struct utrace_probe *p)
{
	const struct elf_sym *sym = elf_symbols_find(syms, p->func, ELF_FUNCS);

	if (!sym && p->alt)
		sym = elf_symbols_find(syms, p->alt, ELF_FUNCS);
	return sym;
}

/* Every probe that is not optional has its function (and variable). */
static int probes_ok(struct tfile *f, const struct utrace_probe *p)
{
	const struct elf_symbols *syms;
	int err;

	if (!p)
		return 0;
	syms = tfile_symbols(f, &err);
	if (!syms)
		return err;
	for (; p->func; p++) {
		if (p->flags & UTRACE_OPTIONAL)
			continue;
		if (!probe_symbol(syms, p))
			return UTRACE_ERR(UTRACE_L_ELF, ESRCH);
	}
	return 0;
}

/* Does @f match target @ti (names aside)? Judged once. */
static int judge(struct utrace_session *s, int ti, struct tfile *f)
{
	const struct utrace_target *t = s->core->targets[ti];
	uint64_t bit = 1ULL << ti;
	int err;

	if (f->known & bit)
		return f->matched & bit ? 0 : f->judged_err;
	err = f->fd < 0 ? f->err : symbols_ok(f, &t->match);
	if (!err)
		err = probes_ok(f, t->probes);
	f->known |= bit;
	if (!err)
		f->matched |= bit;
	else
		f->judged_err = err;
	return err;
}

static int attach_static(struct utrace_session *s, const struct utrace_target *t,
			 struct tfile *f, pid_t pid)
{
	const struct elf_symbols *syms;
	int err;

	syms = tfile_symbols(f, &err);
	if (!syms)
		return err;
	for (const struct utrace_probe *p = t->probes; p && p->func; p++) {
		const struct elf_sym *sym = probe_symbol(syms, p), *var;
		uint64_t cookie = p->cookie;

		if (!sym)
			continue;	/* optional: probes_ok() checked the others */
		/* a file without the variable gets the plain cookie */
		var = p->var ? elf_symbols_find(syms, p->var, ELF_OBJECTS) : NULL;
		if (var)
			cookie = var->vaddr - sym->vaddr;
		if (p->flags & UTRACE_AT_RETS)
			err = utrace_probe_rets(s, f, pid, p->prog, sym, cookie);
		else
			err = utrace_probe(s, f, pid, p->prog, p->flags, sym->offset, cookie);
		if (err)
			return err;
	}
	return 0;
}

/* Probe @f with target @ti for @pid (-1: every process). */
static int probe_file(struct utrace_session *s, int ti, struct tfile *f, pid_t pid)
{
	const struct utrace_target *t = s->core->targets[ti];
	uint64_t bit = 1ULL << ti;
	int err;

	if (f->everyone & bit)
		return 0;	/* already probed for every process */
	err = t->attach ? t->attach(s, t, f, pid) : attach_static(s, t, f, pid);
	if (!err)
		err = probes_commit(s);
	else
		probes_forget(s);
	if (!err && pid < 0) {
		f->everyone |= bit;
		if (f->by_path)
			discover_watch_dir(s, f->name);
	}
	return err;
}

/* ---- explicit files ---- */

/* Does process @pid map the file @f? */
static bool maps_file(pid_t pid, const struct tfile *f)
{
	struct proc_maps m;
	bool found = false;

	if (procfs_read_maps(pid, &m))
		return true;	/* cannot tell: say nothing */
	for (size_t i = 0; i < m.n && !found; i++)
		found = m.v[i].inode == f->ino &&
			makedev(m.v[i].dev_major, m.v[i].dev_minor) == f->dev;
	procfs_maps_free(&m);
	return found;
}

int utrace_trace_path(struct utrace_session *s, const struct utrace_target *t,
		      const char *path)
{
	struct tfile *f;
	int ti = utrace_target_add(s, t), err;

	if (ti < 0)
		return ti;
	s->explicit_files = true;
	err = tfile_open_path(&s->core->files, path, &f);
	if (!err)
		err = judge(s, ti, f);
	if (err)
		return err;
	if (!s->opt.npids)
		return probe_file(s, ti, f, -1);
	for (int i = 0; i < s->opt.npids && !err; i++) {
		if (!maps_file(s->opt.pids[i], f))
			utrace_error(s, "warning: process %d does not map %s (yet): its probes fire once it does",
				     s->opt.pids[i], path);
		err = probe_file(s, ti, f, s->opt.pids[i]);
	}
	return err;
}

/* ---- looking at a process ---- */

#define LOOK_TOUCHED 128
#define LOOK_LOADERS 4

struct look {
	pid_t pid;
	bool named;		/* -p: the operator chose this process */
	bool leader_gone;	/* its main thread left with pthread_exit() */
	int exe_err;		/* why its executable could not be seen */
	bool core_only;		/* only the core's own targets */
	bool new_loader;	/* a dynamic loader first probed in this look */
	int matched;		/* tool targets probed */
	int watched;		/* the core's own (the dynamic loader) probed */
	int libs;		/* tool targets probed on libraries */
	/* -p: the core's own targets (the loader), if look_loader() wants them */
	struct tfile *loaders[LOOK_LOADERS];
	int loader_ti[LOOK_LOADERS];
	int nloaders;
	struct tfile *touched[LOOK_TOUCHED];	/* files judged in this look */
	int ntouched;
	int err;		/* the first error, with the file it concerns */
	char culprit[PATH_MAX];
};

static void note(struct look *lk, int err, const char *file)
{
	if (!err || lk->err)
		return;
	lk->err = err;
	snprintf(lk->culprit, sizeof(lk->culprit), "%s", file);
}

static void touch(struct look *lk, struct tfile *f)
{
	for (int i = 0; i < lk->ntouched; i++)
		if (lk->touched[i] == f)
			return;
	if (lk->ntouched < LOOK_TOUCHED)
		lk->touched[lk->ntouched++] = f;
}

static void consider(struct utrace_session *s, struct look *lk, int ti,
		     struct tfile *f)
{
	const struct utrace_target *t = s->core->targets[ti];
	pid_t scope = lk->named || (t->flags & UTRACE_PER_PROCESS) ? lk->pid : -1;
	size_t probes;
	int err;

	/*
	 * The kernel filters a link's PID by the memory of that task; a
	 * leader gone by pthread_exit() has none, and no other thread id
	 * names the process. Every process, then: the BPF tgid filter (-p)
	 * still lets only this one through.
	 */
	if (lk->leader_gone && lk->named)
		scope = -1;
	touch(lk, f);
	if (lk->core_only && !s->core->internal[ti])
		return;
	err = judge(s, ti, f);
	if (err) {
		/* -p: a file that is no target is no error; a broken one is */
		if (lk->named && utrace_err_layer(err) != UTRACE_L_ELF)
			note(lk, err, f->name);
		return;
	}
	probes = s->core->nprobes;
	err = probe_file(s, ti, f, scope);
	if (!err && s->core->internal[ti] && s->core->nprobes > probes)
		lk->new_loader = true;
	if (err) {
		/* the core's own probes only help discovery: never fatal */
		if (!s->core->internal[ti])
			note(lk, err, f->name);
		utrace_verbose(s, "process %d: %s: %s", lk->pid, f->name, utrace_why(err));
		return;
	}
	if (!s->core->internal[ti])
		lk->matched++;
	else
		lk->watched++;
}

static bool same_mntns(const struct utrace_session *s, pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	/* unknown: take the path as ours, the inode check still applies */
	return stat(path, &st) || st.st_ino == s->core->mntns;
}

/* The executable's criteria of a library target, against @exe. */
static bool exe_ok(const struct look *lk,
		   const struct utrace_target *t, struct tfile *exe)
{
	if (lk->named || !t->exe)
		return true;
	if (!exe || !names_match(t->exe->names, exe->name))
		return false;
	return !symbols_ok(exe, t->exe);
}

static void look_exe(struct utrace_session *s, struct look *lk, struct tfile *exe)
{
	struct utrace_core *c = s->core;

	for (int ti = 0; ti < c->ntargets; ti++) {
		const struct utrace_target *t = c->targets[ti];

		if (!(t->match.kind & UTRACE_EXE))
			continue;
		if (!lk->named && !names_match(t->match.names, exe->name))
			continue;
		consider(s, lk, ti, exe);
	}
}

/* Is a library of this process wanted by any target, by its name? */
static bool wanted(struct utrace_session *s, const struct look *lk,
		   const char *path, struct tfile *exe, uint64_t *which)
{
	struct utrace_core *c = s->core;

	*which = 0;
	for (int ti = 0; ti < c->ntargets; ti++) {
		const struct utrace_target *t = c->targets[ti];

		if (!(t->match.kind & UTRACE_LIB) || !names_match(t->match.names, path))
			continue;
		if (exe_ok(lk, t, exe))
			*which |= 1ULL << ti;
	}
	return *which != 0;
}

static bool seen_before(const struct proc_maps *m, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (m->v[j].inode == m->v[i].inode &&
		    m->v[j].dev_major == m->v[i].dev_major &&
		    m->v[j].dev_minor == m->v[i].dev_minor && m->v[j].x)
			return true;
	return false;
}

static void look_libs(struct utrace_session *s, struct look *lk,
		      const struct proc_maps *m, struct tfile *exe)
{
	int ours = -1;		/* asked only when a file must be opened */

	for (size_t i = 0; i < m->n; i++) {
		const struct proc_map *pm = &m->v[i];
		struct tfile *f;
		uint64_t which;
		int err;

		/* the page every process's uprobes return through, once it has one */
		if (!pm->inode && pm->path_len == 9 && !strcmp(pm->path, "[uprobes]"))
			probes_note_xol(s, pm->start);
		/* code is what probes go on; each file once */
		if (!pm->x || !pm->inode || pm->path[0] != '/' || seen_before(m, i))
			continue;
		/*
		 * The executable too: a program may be a library as well
		 * (the dynamic loader run as a command, ld.so PROGRAM).
		 */
		if (!wanted(s, lk, pm->path, exe, &which))
			continue;
		f = tfile_find(&s->core->files, makedev(pm->dev_major, pm->dev_minor),
			       (ino_t)pm->inode);
		if ((!f || f->released) && ours < 0)
			ours = same_mntns(s, lk->pid);
		err = tfile_open_mapped(&s->core->files, lk->pid, pm, ours == 1, &f);
		if (!f)
			continue;
		if (err) {
			if (lk->named)
				note(lk, err, pm->path);
			continue;
		}
		for (int ti = 0; ti < s->core->ntargets; ti++) {
			int matched = lk->matched;

			if (!(which & (1ULL << ti)))
				continue;
			if (lk->named && s->core->internal[ti]) {
				touch(lk, f);
				if (lk->nloaders < LOOK_LOADERS) {
					lk->loaders[lk->nloaders] = f;
					lk->loader_ti[lk->nloaders++] = ti;
				}
				continue;
			}
			consider(s, lk, ti, f);
			lk->libs += lk->matched > matched;
		}
	}
}

/* Has a tool target (not the core's own) any of @flags? */
static bool tool_flag(const struct utrace_session *s, unsigned int flags)
{
	const struct utrace_core *c = s->core;

	for (int ti = 0; ti < c->ntargets; ti++)
		if (!c->internal[ti] && (c->targets[ti]->flags & flags))
			return true;
	return false;
}

/*
 * A -p process's dynamic loader: probed (its reports bring the libraries
 * it maps) when this look found no library of the tool's in the process
 * (it is starting, or just exec()ed: its libraries are still to come,
 * whatever its executable is), or when a target asks
 * (UTRACE_WATCH_LOADER). Otherwise, not: the probes already placed cover
 * the same files in a program it exec()s next (a uprobe is on the file,
 * for the process), and each uprobe link costs the tracer's exit a grace
 * period of the kernel's (probes.c).
 */
static void look_loader(struct utrace_session *s, struct look *lk)
{
	if (lk->libs && !tool_flag(s, UTRACE_DLOPEN | UTRACE_WATCH_LOADER))
		return;
	for (int i = 0; i < lk->nloaders; i++)
		consider(s, lk, lk->loader_ti[i], lk->loaders[i]);
}

/*
 * A live thread of @pid whose /proc entries show the process: the leader,
 * unless it called pthread_exit() (a zombie with no memory of its own).
 */
static pid_t live_thread(pid_t pid, const struct proc_status *st)
{
	struct proc_status ts;
	struct dirent *de;
	char path[64];
	pid_t tid = pid;
	DIR *d;

	if (st->state != 'Z')
		return pid;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		pid_t t = (pid_t)strtol(de->d_name, NULL, 10);

		if (t > 0 && t != pid && !procfs_read_status(t, &ts) && ts.state != 'Z') {
			tid = t;
			break;
		}
	}
	if (d)
		closedir(d);
	return tid;
}

/* Is the executable of this process of interest to any target? */
static bool exe_wanted(struct utrace_session *s, const struct look *lk,
		       const char *name)
{
	struct utrace_core *c = s->core;

	for (int ti = 0; ti < c->ntargets; ti++) {
		const struct utrace_target *t = c->targets[ti];

		if ((t->match.kind & UTRACE_EXE) &&
		    (lk->named || names_match(t->match.names, name)))
			return true;
		if ((t->match.kind & UTRACE_LIB) && t->exe && !lk->named &&
		    names_match(t->exe->names, name))
			return true;
	}
	return false;
}

/* Files this look judged that no target wanted: let them go. */
static void release_unwanted(struct look *lk)
{
	for (int i = 0; i < lk->ntouched; i++)
		if (!lk->touched[i]->matched && lk->touched[i]->fd >= 0)
			tfile_release(lk->touched[i]);
}

/*
 * The thread whose /proc entries show the process, and the path of its
 * executable. Most looks are at processes that just exec()ed: a readable
 * /proc/PID/exe says enough. Otherwise, the status tells a kernel thread
 * (no executable: nothing to do) from a leader that called pthread_exit()
 * (a zombie without memory, while its other threads run on).
 */
static int who(struct look *lk, pid_t *tid, char *exe, size_t len)
{
	struct proc_status st;
	char link[64];
	ssize_t n;
	int err;

	for (int tries = 0; tries < 2; tries++) {
		snprintf(link, sizeof(link), "/proc/%d/exe", *tid);
		n = readlink(link, exe, len - 1);
		if (n > 0) {
			exe[n] = '\0';
			return 0;
		}
		/* another user's: its maps may still be readable (CAP_PERFMON) */
		if (errno == EACCES || errno == EPERM) {
			lk->exe_err = UTRACE_ERR(UTRACE_L_PROC, errno);
			break;
		}
		if (tries)
			break;
		err = procfs_read_status(lk->pid, &st);
		if (err)
			return UTRACE_ERR(UTRACE_L_PROC, -err);
		if (st.kthread)
			return 1;
		*tid = live_thread(lk->pid, &st);
		lk->leader_gone = *tid != lk->pid;
	}
	exe[0] = '\0';
	return 0;
}

static int look(struct utrace_session *s, struct look *lk)
{
	struct tfiles *files = &s->core->files;
	char name[PATH_MAX];
	struct proc_maps m;
	struct tfile *exe = NULL;
	pid_t tid = lk->pid;
	int err;

	err = who(lk, &tid, name, sizeof(name));
	if (err)
		return err < 0 ? err : 0;
	if (name[0] && lk->pid != getpid() && exe_wanted(s, lk, name)) {
		err = tfile_open_exe(files, tid, &exe);
		if (exe && !err)
			look_exe(s, lk, exe);
		else if (lk->named && err)
			note(lk, err, exe ? exe->name : name);
	}
	err = procfs_read_maps(tid, &m);
	if (!err) {
		look_libs(s, lk, &m, !exe || exe->fd < 0 ? NULL : exe);
		look_loader(s, lk);
		procfs_maps_free(&m);
	}
	release_unwanted(lk);
	if (err)
		return lk->named ? UTRACE_ERR(UTRACE_L_PROC, -err) : 0;
	return 0;
}

void targets_look_again(struct utrace_session *s, pid_t pid)
{
	struct look lk = { .pid = pid };

	for (int i = 0; i < s->opt.npids; i++)
		if (s->opt.pids[i] == pid)
			lk.named = true;
	look(s, &lk);
	/* its loader may have reported before it was probed: look once more */
	if (lk.new_loader)
		discover_queue_later(s, pid);
}

void targets_new_file(struct utrace_session *s, const char *path)
{
	struct utrace_core *c = s->core;
	struct tfile *f = NULL;
	uint64_t want = 0;
	int err;

	for (int ti = 0; ti < c->ntargets; ti++)
		if (names_match(c->targets[ti]->match.names, path) &&
		    !c->targets[ti]->exe)
			want |= 1ULL << ti;
	if (!want)
		return;
	err = tfile_open_path(&c->files, path, &f);
	if (err)
		return;
	f->by_path = true;
	for (int ti = 0; ti < c->ntargets; ti++) {
		if (!(want & (1ULL << ti)) || judge(s, ti, f))
			continue;
		err = probe_file(s, ti, f, -1);
		utrace_verbose(s, "new file %s: %s", path, err ? utrace_why(err) : "traced");
	}
}

/* ---- at start ---- */

/* Does a tool target say its files may come later, with dlopen()? */
static bool later(const struct utrace_session *s)
{
	return tool_flag(s, UTRACE_DLOPEN);
}

/* No privilege here means none for anything found later: say so now. */
static bool refused(int err)
{
	int e = utrace_err_errno(err);

	return e == EPERM || e == EACCES;
}

/*
 * Host copies, for every process (@pid -1), or for one -p process: then
 * those of targets whose files may come later (UTRACE_DLOPEN), so that a
 * library the process loads is traced by the kernel from its first call,
 * before any look at the process could probe it.
 */
static int attach_hosts(struct utrace_session *s, pid_t pid)
{
	struct utrace_core *c = s->core;

	for (int ti = 0; ti < c->ntargets; ti++) {
		const struct utrace_target *t = c->targets[ti];

		if (pid > 0 && !(t->flags & UTRACE_DLOPEN))
			continue;
		for (const char *const *h = t->host; h && *h; h++) {
			struct tfile *f;
			int err = tfile_open_path(&c->files, *h, &f);

			if (f)
				f->by_path = true;
			if (!err)
				err = judge(s, ti, f);
			if (!err)
				err = probe_file(s, ti, f, pid);
			if (err && refused(err)) {
				utrace_error(s, "%s: %s", *h, utrace_why(err));
				return UTRACE_EXIT_ERROR;
			}
			if (err)
				utrace_verbose(s, "%s: %s", *h, utrace_why(err));
		}
	}
	return UTRACE_EXIT_OK;
}

static int attach_pids(struct utrace_session *s)
{
	for (int i = 0; i < s->opt.npids; i++) {
		struct look lk = { .pid = s->opt.pids[i], .named = true };
		int err = look(s, &lk);

		if (!err)
			err = lk.err;
		/* gone since it was named, whichever step noticed it */
		if ((err || !lk.matched) && gone(lk.pid)) {
			utrace_error(s, "process %d exited", lk.pid);
			return UTRACE_EXIT_ERROR;
		}
		if (err && utrace_err_layer(err) == UTRACE_L_PROC) {
			utrace_error(s, "process %d: %s", lk.pid, utrace_why(err));
			return UTRACE_EXIT_ERROR;
		}
		if (err) {
			utrace_error(s, "process %d: %s: %s", lk.pid, lk.culprit,
				     utrace_why(err));
			return UTRACE_EXIT_ERROR;
		}
		if (!lk.matched && lk.exe_err) {
			utrace_error(s, "process %d: its executable: %s", lk.pid,
				     utrace_why(lk.exe_err));
			return UTRACE_EXIT_ERROR;
		}
		/* a tool that checks what was found says what this one lacks */
		if (!lk.matched && !(lk.watched && later(s)) && !s->tool->started) {
			utrace_error(s, "process %d %s", lk.pid,
				     s->tool->absent ? s->tool->absent : "has nothing to trace");
			return UTRACE_EXIT_ERROR;
		}
		if (!lk.matched)
			utrace_verbose(s, "process %d: nothing to trace yet: waiting for its dynamic loader to load it",
				       lk.pid);
		if ((err = attach_hosts(s, lk.pid)))
			return err;
	}
	return UTRACE_EXIT_OK;
}

static void look_scanned(pid_t pid, void *arg)
{
	struct utrace_session *s = arg;
	struct look lk = { .pid = pid };

	/* --in-container: the others' files are none of our business */
	if (pid != getpid() && container_has_pid(s, pid))
		look(s, &lk);
}

int targets_attach(struct utrace_session *s)
{
	/*
	 * --in-container: of utrace's own files, only those of the core's
	 * targets (the dynamic loader: a container sharing it must have it
	 * probed before its first program starts, for that one's libraries);
	 * the tool's are probed if the container is found using them.
	 */
	struct look self = { .pid = getpid(), .core_only = container_filtering(s) };
	int rc;

	if (s->opt.npids && !s->explicit_files)
		return attach_pids(s);
	if (s->explicit_files)
		return UTRACE_EXIT_OK;
	if ((rc = attach_hosts(s, -1)))
		return rc;
	/*
	 * utrace's own libraries are the host's: probed first, and a refusal
	 * here would be one for every process, so it is said now.
	 */
	look(s, &self);
	if (self.err && refused(self.err)) {
		utrace_error(s, "%s: %s", self.culprit, utrace_why(self.err));
		return UTRACE_EXIT_ERROR;
	}
	procscan_new(&s->core->scan, look_scanned, s);
	return UTRACE_EXIT_OK;
}

void targets_rescan(struct utrace_session *s)
{
	procscan_new(&s->core->scan, look_scanned, s);
}
