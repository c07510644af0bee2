// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe sets: every offset a program goes on in one file, for one
 * direction and one process, in one link, each offset with its cookie
 * (the BPF program reads bpf_get_attach_cookie() to know which function
 * fired, so one program serves many). Where the kernel has no uprobe_multi
 * (< 6.6), one perf event per offset carries the same cookie.
 *
 * Links are fd-based, so the kernel removes every probe when the tracer
 * exits, however it exits (kill -9 included).
 */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core.h"
#include "gobuildinfo.h"
#include "uprobe_multi.h"
#include "x86probe.h"
#include "x86ret.h"
#include "grow.h"

/*
 * Before load: programs meant for uprobe_multi links must say so, and a
 * program loaded that way cannot be attached through a perf event. So
 * choose once for all, by what the kernel supports.
 */
void probes_prepare_object(struct utrace_session *s, struct bpf_object *obj)
{
	struct bpf_program *p;

	if (s->core->multi)
		bpf_object__for_each_program(p, obj) {
			const char *sec = bpf_program__section_name(p);

			/* only uprobes: a tool may have tracepoints too */
			if (strncmp(sec, "uprobe", 6) && strncmp(sec, "uretprobe", 9))
				continue;
			bpf_program__set_expected_attach_type(p,
				(enum bpf_attach_type)UTRACE_BPF_TRACE_UPROBE_MULTI);
		}
	pairs_prepare_object(s, obj);
}

void probes_prepare(struct utrace_session *s)
{
	s->core->multi = uprobe_multi_supported() && !getenv("UTRACE_NO_UPROBE_MULTI");
	s->core->session = s->core->multi && pairs_use_session();
	probes_prepare_object(s, s->obj);
	lazy_prepare(s);
}

static bool same_set(const struct probe_req *r, const struct plink *l)
{
	return l->file == r->file && l->prog == r->prog && l->ret == r->ret &&
	       l->pid == r->pid;
}

/* Already attached, or already asked for? */
static bool known(const struct utrace_core *c, const struct probe_req *r)
{
	for (size_t i = 0; i < c->nlinks; i++) {
		const struct plink *l = &c->links[i];

		if (!same_set(r, l))
			continue;
		for (size_t j = 0; j < l->n; j++)
			if (l->offsets[j] == r->offset)
				return true;
	}
	for (size_t i = 0; i < c->nreqs; i++) {
		const struct probe_req *q = &c->reqs[i];

		if (q->file == r->file && q->prog == r->prog && q->ret == r->ret &&
		    q->pid == r->pid && q->offset == r->offset)
			return true;
	}
	return false;
}

/* The kernel's ENOTSUPP (include/linux/errno.h), not the libc's EOPNOTSUPP. */
#define KERNEL_ENOTSUPP 524

/*
 * Would the kernel take a probe at @offset (x86probe.h)? Said now, by
 * the tool's request, rather than by a link refused whole later.
 */
static bool insn_ok(struct utrace_session *s, struct tfile *f, uint64_t offset)
{
	uint8_t code[15];
	ssize_t n = pread(f->fd, code, sizeof(code), (off_t)offset);
	const char *why;

	if (n <= 0)
		return true;	/* the kernel says what it makes of it */
	why = x86_probe_refused(code, (size_t)n);
	if (why)
		utrace_verbose(s, "%s: no probe at offset %#llx: the kernel cannot probe %s",
			       f->name, (unsigned long long)offset, why);
	return !why;
}

static int add_req(struct utrace_session *s, struct tfile *f, pid_t pid,
		   const char *prog, unsigned int flags, uint64_t offset,
		   uint64_t cookie, bool at_ret)
{
	struct utrace_core *c = s->core;
	struct probe_req *v;
	int err;
	struct probe_req r = {
		.file = f, .ret = flags & UTRACE_RETURN, .at_ret = at_ret,
		.pid = pid > 0 ? pid : -1, .offset = offset, .cookie = cookie,
	};

	r.prog = bpf_object__find_program_by_name(s->obj, prog);
	if (!r.prog)
		return -ENOENT;		/* a tool bug: the name is the tool's */
	if (pair_is_session(r.prog) && !c->session)
		return pair_split(s, f, pid, prog, flags, offset, cookie);
	if (f->fd < 0)
		return f->err ? f->err : UTRACE_ERR(UTRACE_L_FILE, EBADF);
	/* whoever asks: the one probe that crashes the program it traces */
	if ((r.ret || pair_is_session(r.prog)) && f->is_go)
		return UTRACE_ERR(UTRACE_L_UNSAFE, EXDEV);
	if (!insn_ok(s, f, offset))
		return UTRACE_ERR(UTRACE_L_KERNEL, KERNEL_ENOTSUPP);
	/* a lazy program is loaded now: a probe is to go on a file */
	r.prog = lazy_program(s, r.prog, &err);
	if (!r.prog)
		return UTRACE_ERR(UTRACE_L_KERNEL, -err);
	if (known(c, &r))
		return 0;
	v = grow_array(c->reqs, &c->capreqs, c->nreqs + 1, sizeof(*v), 64);
	if (!v)
		return -ENOMEM;
	c->reqs = v;
	c->reqs[c->nreqs++] = r;
	return 0;
}

int utrace_probe(struct utrace_session *s, struct tfile *f, pid_t pid,
		 const char *prog, unsigned int flags, uint64_t offset,
		 uint64_t cookie)
{
	return add_req(s, f, pid, prog, flags, offset, cookie,
		       flags & UTRACE_AT_RETS);
}

/* A function's RETs: at most this many (Go's biggest have a few dozen). */
#define MAX_RETS 256
/* Its code is read whole to be decoded: no function is bigger in practice. */
#define MAX_FUNC_BYTES (1 << 20)

int utrace_probe_rets(struct utrace_session *s, struct tfile *f, pid_t pid,
		      const char *prog, const struct elf_sym *sym,
		      uint64_t cookie)
{
	uint64_t rets[MAX_RETS];
	size_t n = 0;
	uint8_t *code;
	int err;

	if (!sym->size || sym->size > MAX_FUNC_BYTES)
		return UTRACE_ERR(UTRACE_L_ELF, EFBIG);
	code = malloc(sym->size);
	if (!code)
		return -ENOMEM;
	err = tfile_pread(f, code, sym->size, sym->offset);
	if (!err)
		err = x86_find_returns(code, sym->size, sym->vaddr, rets, MAX_RETS, &n);
	free(code);
	if (err)
		return utrace_err_as(UTRACE_L_ELF, err);
	if (!n)
		return UTRACE_ERR(UTRACE_L_ELF, ENODATA);
	for (size_t i = 0; i < n && !err; i++)
		err = add_req(s, f, pid, prog, 0, sym->offset + (rets[i] - sym->vaddr),
			      cookie, true);
	return err;
}

/*
 * The trampoline address bpf/frame.bpf.h looks for (see lib/xol.h): the
 * expected one at start, the one seen in a process's maps once there is
 * one. Objects without call frames have no such map: nothing to do.
 */
void probes_note_xol(struct utrace_session *s, uint64_t addr)
{
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "utrace_xol");
	uint32_t zero = 0;

	if (!m || addr == s->core->xol)
		return;
	if (!bpf_map_update_elem(bpf_map__fd(m), &zero, &addr, BPF_ANY))
		s->core->xol = addr;
}

void utrace_file_id(const struct tfile *f, dev_t *dev, ino_t *ino)
{
	*dev = f->dev;
	*ino = f->ino;
}

static int needed_match(const char *soname, void *arg)
{
	return !fnmatch(arg, soname, 0);
}

bool utrace_file_needs(struct tfile *f, const char *soname)
{
	struct elf_file *ef;
	int found;

	if (f->fd < 0 || elf_open_fd(f->fd, &ef))
		return false;
	found = elf_for_each_needed_of(ef, needed_match, (void *)soname);
	elf_close(ef);
	return found > 0;
}

bool utrace_file_is_go(const struct tfile *f)
{
	return f->is_go;
}

int utrace_file_go_version(struct tfile *f, char *out, size_t len)
{
	struct elf_file *ef;
	const void *data;
	uint64_t vaddr;
	size_t size;
	int err;

	if (len)
		out[0] = '\0';
	if (f->fd < 0)
		return f->err ? f->err : UTRACE_ERR(UTRACE_L_FILE, EBADF);
	err = elf_open_fd(f->fd, &ef);
	if (err)
		return utrace_err_as(UTRACE_L_ELF, err);
	err = elf_section(ef, ".go.buildinfo", &data, &size, &vaddr);
	if (!err)
		err = go_buildinfo_version(data, size, out, len);
	elf_close(ef);
	if (err == -ENOEXEC)
		err = -ESRCH;	/* no build info blob in the section */
	return utrace_err_as(UTRACE_L_ELF, err);
}

const char *utrace_file_name(const struct tfile *f)
{
	return f->name;
}

uint64_t utrace_file_ino(const struct tfile *f)
{
	return (uint64_t)f->ino;
}

const struct elf_symbols *utrace_file_symbols(struct tfile *f, int *err)
{
	return tfile_symbols(f, err);
}

static struct plink *new_link(struct utrace_core *c)
{
	struct plink *v = grow_array(c->links, &c->caplinks, c->nlinks + 1, sizeof(*v), 32);

	if (!v)
		return NULL;
	c->links = v;
	memset(&c->links[c->nlinks], 0, sizeof(c->links[0]));
	c->links[c->nlinks].fd = -1;
	return &c->links[c->nlinks];
}

static int attach_perf(struct plink *l, const uint64_t *cookies)
{
	l->perf = calloc(l->n, sizeof(*l->perf));
	if (!l->perf)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = l->ret,
			    .bpf_cookie = cookies[i]);

		l->perf[i] = bpf_program__attach_uprobe_opts(l->prog, l->pid,
				l->file->fdpath, l->offsets[i], &opts);
		if (!l->perf[i] && (errno == EACCES || errno == EPERM))
			return UTRACE_ERR(UTRACE_L_KERNEL, EACCES);	/* see errors.c */
		if (!l->perf[i])
			return UTRACE_ERR(UTRACE_L_KERNEL, errno ? errno : EINVAL);
	}
	return 0;
}

static void link_close(struct plink *l)
{
	if (l->fd >= 0)
		close(l->fd);
	for (size_t i = 0; l->perf && i < l->n; i++)
		bpf_link__destroy(l->perf[i]);
	free(l->perf);
	free(l->offsets);
}

/* One link for the requests [from, to) of one set. */
static int attach_link(struct utrace_session *s, size_t from, size_t to)
{
	struct utrace_core *c = s->core;
	const struct probe_req *r = &c->reqs[from];
	struct plink *l = new_link(c);
	bool session = pair_is_session(r->prog);
	uint64_t *cookies;
	int err = 0;

	if (!l)
		return -ENOMEM;
	l->file = r->file;
	l->prog = r->prog;
	l->ret = r->ret;
	l->pid = r->pid;
	l->n = to - from;
	l->offsets = malloc(l->n * sizeof(*l->offsets));
	cookies = malloc(l->n * sizeof(*cookies));
	if (!l->offsets || !cookies) {
		free(cookies);
		free(l->offsets);
		return -ENOMEM;
	}
	for (size_t i = from; i < to; i++) {
		l->offsets[i - from] = c->reqs[i].offset;
		cookies[i - from] = c->reqs[i].cookie;
	}
	if (c->multi) {
		l->fd = uprobe_multi_link(bpf_program__fd(l->prog), l->file->fdpath,
					  l->offsets, cookies, l->n, l->pid,
					  session ? UPROBE_SESSION :
					  l->ret ? UPROBE_RETURN : UPROBE_ENTRY);
		if (l->fd < 0)
			err = UTRACE_ERR(UTRACE_L_KERNEL, -l->fd == EACCES ? EPERM : -l->fd);
	} else {
		err = attach_perf(l, cookies);
	}
	free(cookies);
	if (err) {
		link_close(l);
		return err;
	}
	c->nlinks++;
	c->nprobes += l->n;
	utrace_verbose(s, "attached %s%s at %zu offset%s of %s%s", bpf_program__name(l->prog),
		       session ? " (entry and return)" : l->ret ? " (return)" : "",
		       l->n, l->n == 1 ? "" : "s",
		       l->file->name, l->pid > 0 ? " for one process" : "");
	return 0;
}

/*
 * Did the kernel refuse a link for an offset in it? It cannot probe some
 * instructions (ENOTSUPP from the instruction decoder), and one such
 * offset fails a whole uprobe_multi link: a glob over a libc finds one.
 */
static bool offset_refused(int err)
{
	int e = utrace_err_errno(err);

	return utrace_err_layer(err) == UTRACE_L_KERNEL && (e == KERNEL_ENOTSUPP || e == EINVAL);
}

/*
 * The requests [from, to) of one set: one link, or where the kernel
 * refuses it for an offset, the halves, until the offsets it refuses are
 * alone and left out (counted in *@dropped). An error when nothing could
 * be attached, or the refusal is of another kind.
 */
static int attach_set(struct utrace_session *s, size_t from, size_t to, size_t *dropped)
{
	size_t mid = from + (to - from) / 2;
	int err = attach_link(s, from, to), e1, e2;

	if (!err || !offset_refused(err))
		return err;
	if (to - from == 1) {
		utrace_verbose(s, "%s: the kernel cannot probe offset %#llx: %s",
			       s->core->reqs[from].file->name,
			       (unsigned long long)s->core->reqs[from].offset, utrace_why(err));
		++*dropped;
		return err;
	}
	e1 = attach_set(s, from, mid, dropped);
	if (e1 && !offset_refused(e1))
		return e1;
	e2 = attach_set(s, mid, to, dropped);
	if (e2 && !offset_refused(e2))
		return e2;
	return e1 && e2 ? err : 0;
}

/*
 * Sets in order: return probes first, and the probes on RET instructions
 * that stand in for them, so that every call whose entry is recorded is
 * also seen to return (an entry without its return is a stale record that
 * the next call at the same place would be taken for). A session link has
 * both at once.
 */
static int cmp_req(const void *a, const void *b)
{
	const struct probe_req *x = a, *y = b;
	bool xr = x->ret || x->at_ret || pair_is_session(x->prog);
	bool yr = y->ret || y->at_ret || pair_is_session(y->prog);

	if (xr != yr)
		return xr ? -1 : 1;
	if (x->ret != y->ret)
		return x->ret ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->prog != y->prog)
		return x->prog < y->prog ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int probes_commit(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	size_t from = 0;
	int err = 0;

	/* an attach() that found nothing to probe: qsort(NULL, 0) is UB */
	if (!c->nreqs)
		return 0;
	qsort(c->reqs, c->nreqs, sizeof(*c->reqs), cmp_req);
	while (from < c->nreqs && !err) {
		size_t to = from + 1, dropped = 0;

		while (to < c->nreqs && !cmp_req(&c->reqs[from], &c->reqs[to]))
			to++;
		err = attach_set(s, from, to, &dropped);
		if (!err && dropped)
			utrace_error(s, "warning: %s: the kernel cannot probe %zu of %zu %soffsets: left out (-v: which)",
				     c->reqs[from].file->name, dropped, to - from,
				     c->reqs[from].ret ? "return probe " : "");
		from = to;
	}
	c->nreqs = 0;
	return err;
}

void probes_forget(struct utrace_session *s)
{
	s->core->nreqs = 0;
}

size_t utrace_attached(const struct utrace_session *s)
{
	return s->core->nprobes;
}

void probes_attach_tracepoints(struct utrace_session *s)
{
	probes_attach_tracepoints_of(s, s->obj);
}

void probes_attach_tracepoints_of(struct utrace_session *s, struct bpf_object *obj)
{
	struct utrace_core *c = s->core;
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		const char *sec = bpf_program__section_name(p);
		struct tp_link *v;
		struct bpf_link *l;

		if (strncmp(sec, "raw_tp/", 7) || !bpf_program__autoload(p))
			continue;
		l = bpf_program__attach_raw_tracepoint(p, sec + 7);
		if (!l) {
			/* their absence is each program's fallback, said with -v */
			utrace_verbose(s, "tracepoint %s not attached: %s", sec + 7,
				       strerror(errno));
			continue;
		}
		v = realloc(c->tps, (c->ntps + 1) * sizeof(*v));
		if (!v) {
			bpf_link__destroy(l);
			continue;
		}
		c->tps = v;
		c->tps[c->ntps++] = (struct tp_link){ l, p };
	}
}

bool probes_tracepoint_attached(const struct utrace_session *s, const char *prog)
{
	const struct utrace_core *c = s->core;

	for (size_t i = 0; i < c->ntps; i++)
		if (!strcmp(bpf_program__name(c->tps[i].prog), prog))
			return true;
	return false;
}

/*
 * Links go before the object is closed. Closing a uprobe link waits in the
 * kernel for an RCU grace period (the writer's side of the lock that
 * guards every process's memory map while probes come and go, unless a
 * probe came or went a moment before) and then for an RCU tasks-trace one:
 * 20-45 ms on this VM, measured; a raw tracepoint link waits for an RCU
 * grace period (8-12 ms). Closed in turn, the waits add up. Closed at once,
 * one thread each, they overlap, and the tasks-trace waits that start
 * together share one grace period: so every link gets a thread (up to
 * CLOSE_THREADS; past that, threads take several), and all start closing
 * at the same moment.
 */
#define CLOSE_THREADS 256
#define CLOSE_STACK (64 * 1024)

struct closing {
	struct utrace_core *c;
	size_t n;			/* probe links, then tracepoint links */
	size_t stride;
	pthread_mutex_t lock;
	pthread_cond_t go_cond;
	bool go;
};

struct closer {
	struct closing *all;
	size_t first;
};

static void close_item(struct utrace_core *c, size_t i)
{
	if (i < c->nlinks)
		link_close(&c->links[i]);
	else
		bpf_link__destroy(c->tps[i - c->nlinks].link);
}

static void close_share(struct closing *all, size_t first)
{
	for (size_t i = first; i < all->n; i += all->stride)
		close_item(all->c, i);
}

static void *closer_run(void *arg)
{
	struct closer *k = arg;

	pthread_mutex_lock(&k->all->lock);
	while (!k->all->go)
		pthread_cond_wait(&k->all->go_cond, &k->all->lock);
	pthread_mutex_unlock(&k->all->lock);
	close_share(k->all, k->first);
	return NULL;
}

static void close_links(struct utrace_core *c)
{
	struct closing all = {
		.c = c, .n = c->nlinks + c->ntps,
		.lock = PTHREAD_MUTEX_INITIALIZER, .go_cond = PTHREAD_COND_INITIALIZER,
	};
	struct closer k[CLOSE_THREADS];
	pthread_t tid[CLOSE_THREADS];
	bool started[CLOSE_THREADS] = { false };
	pthread_attr_t attr;
	bool attr_init, attr_ok;

	if (!all.n)
		return;
	all.stride = all.n < CLOSE_THREADS ? all.n : CLOSE_THREADS;
	attr_init = !pthread_attr_init(&attr);
	attr_ok = attr_init && !pthread_attr_setstacksize(&attr, CLOSE_STACK);
	/* share 0 is this thread's */
	for (size_t t = 1; t < all.stride; t++) {
		k[t] = (struct closer){ &all, t };
		started[t] = !pthread_create(&tid[t], attr_ok ? &attr : NULL, closer_run, &k[t]);
	}
	if (attr_init)
		pthread_attr_destroy(&attr);
	pthread_mutex_lock(&all.lock);
	all.go = true;
	pthread_cond_broadcast(&all.go_cond);
	pthread_mutex_unlock(&all.lock);
	close_share(&all, 0);
	for (size_t t = 1; t < all.stride; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			close_share(&all, t);	/* no thread: do it here */
	}
}

void probes_detach_all(struct utrace_session *s)
{
	struct utrace_core *c = s->core;

	close_links(c);
	free(c->links);
	c->links = NULL;
	c->nlinks = c->caplinks = 0;
	free(c->tps);
	c->tps = NULL;
	c->ntps = 0;
	free(c->reqs);
	c->reqs = NULL;
	c->nreqs = c->capreqs = 0;
}
