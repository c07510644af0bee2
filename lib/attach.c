// SPDX-License-Identifier: GPL-2.0-only
/*
 * Uprobes: symbol -> file offset with our ELF reader, then one perf-event
 * link per probe. Links are fd-based, so the kernel removes every probe
 * when the tracer exits, however it exits (kill -9 included).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core.h"
#include "elfread.h"
#include "uprobe_multi.h"

#define DETACH_THREADS 32

static bool same(const struct probe_link *l, const struct stat *st,
		 const char *symbol, pid_t pid, bool ret,
		 const struct bpf_program *p)
{
	return l->dev == st->st_dev && l->ino == st->st_ino &&
	       l->pid == pid && l->retprobe == ret && l->prog == p &&
	       !strcmp(l->symbol, symbol);
}

int utrace_attach(struct utrace_session *s, const char *prog_name,
		  const char *path, const char *symbol, pid_t pid, bool retprobe)
{
	struct utrace_core *c = s->core;
	const struct bpf_program *prog;
	struct bpf_link *link = NULL;
	struct stat st;
	uint64_t off;
	char *sym;
	int err, fd = -1;

	prog = bpf_object__find_program_by_name(s->obj, prog_name);
	if (!prog)
		return -ENOENT;
	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/*
	 * Known before the ELF file is read: discovery offers the same bash
	 * or libc for every process that maps it.
	 */
	for (size_t i = 0; i < c->nlinks; i++)
		if (same(&c->links[i], &st, symbol, pid, retprobe, prog))
			return 0;
	err = elf_symbol_offset(path, symbol, &off);
	if (err)
		return err;
	sym = strdup(symbol);
	if (!sym)
		return -ENOMEM;

	if (c->multi) {
		fd = uprobe_multi_link(bpf_program__fd(prog), path, off, pid,
				       retprobe);
		if (fd < 0) {
			free(sym);
			return fd;
		}
	} else {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
		link = bpf_program__attach_uprobe_opts(prog, pid, path, off, &opts);
		if (!link) {
			err = errno ? -errno : -EINVAL;
			free(sym);
			return err;
		}
	}

	if (c->nlinks == c->caplinks) {
		size_t cap = c->caplinks ? 2 * c->caplinks : 32;
		struct probe_link *v = realloc(c->links, cap * sizeof(*v));

		if (!v) {
			bpf_link__destroy(link);
			if (fd >= 0)
				close(fd);
			free(sym);
			return -ENOMEM;
		}
		c->links = v;
		c->caplinks = cap;
	}
	c->links[c->nlinks++] = (struct probe_link){
		.dev = st.st_dev, .ino = st.st_ino, .pid = pid,
		.retprobe = retprobe, .prog = prog, .link = link, .fd = fd,
		.symbol = sym,
	};
	utrace_verbose(s, "attached %s to %s%s in %s (offset 0x%llx)%s",
		       prog_name, symbol, retprobe ? " return" : "", path,
		       (unsigned long long)off,
		       pid > 0 ? " for one process" : "");
	return 0;
}

/*
 * Before load: programs meant for uprobe_multi links must say so, and a
 * program loaded that way cannot be attached through a perf event. So
 * choose once for all, by what the kernel supports.
 */
void attach_prepare(struct utrace_session *s)
{
	struct bpf_program *p;

	s->core->multi = uprobe_multi_supported() && !getenv("UTRACE_NO_UPROBE_MULTI");
	if (!s->core->multi)
		return;
	bpf_object__for_each_program(p, s->obj) {
		const char *sec = bpf_program__section_name(p);

		/* only uprobes: a tool may have tracepoints too */
		if (strncmp(sec, "uprobe", 6) && strncmp(sec, "uretprobe", 9))
			continue;
		bpf_program__set_expected_attach_type(p,
			(enum bpf_attach_type)UTRACE_BPF_TRACE_UPROBE_MULTI);
	}
}

size_t utrace_attached(const struct utrace_session *s)
{
	return s->core->nlinks;
}

struct detach_slice {
	struct probe_link *links;
	size_t first, n, stride;
};

static void *detach_slice(void *arg)
{
	struct detach_slice *d = arg;

	for (size_t i = d->first; i < d->n; i += d->stride) {
		bpf_link__destroy(d->links[i].link);
		if (d->links[i].fd >= 0)
			close(d->links[i].fd);
		free(d->links[i].symbol);
	}
	return NULL;
}

/*
 * Removing a uprobe waits for an RCU grace period (~80 ms here): 16 probes
 * on one libc took 1.3 s to detach in a loop. uprobe_multi links closed
 * from several threads wait for their grace periods together, so
 * SIGINT -> exit stays short however many probes there are.
 */
void attach_detach_all(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	struct detach_slice d[DETACH_THREADS];
	pthread_t tid[DETACH_THREADS];
	bool started[DETACH_THREADS] = { false };
	size_t nthreads = c->nlinks < DETACH_THREADS ? c->nlinks : DETACH_THREADS;

	for (size_t t = 0; t < nthreads; t++) {
		d[t] = (struct detach_slice){ c->links, t, c->nlinks, nthreads };
		/* the calling thread does slice 0 itself */
		if (t > 0)
			started[t] = !pthread_create(&tid[t], NULL, detach_slice, &d[t]);
	}
	if (nthreads)
		detach_slice(&d[0]);
	for (size_t t = 1; t < nthreads; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			detach_slice(&d[t]);	/* no thread: do it here */
	}
	free(c->links);
	c->links = NULL;
	c->nlinks = c->caplinks = 0;
}

int utrace_set_rodata(struct utrace_session *s, const char *name,
		      const void *value, size_t size)
{
	struct btf *btf = bpf_object__btf(s->obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *map = NULL, *m;
	size_t map_size;
	const void *cur;
	char *data;
	int id, err;

	bpf_object__for_each_map(m, s->obj) {
		const char *n = bpf_map__name(m);
		size_t l = strlen(n);

		if (l >= 7 && !strcmp(n + l - 7, ".rodata"))
			map = m;
	}
	if (!btf || !map)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	cur = bpf_map__initial_value(map, &map_size);
	if (!cur)
		return -ENOENT;
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, var->name_off), name))
			continue;
		if (vs->size != size || vs->offset + size > map_size)
			return -EINVAL;
		/* libbpf 1.1 hands out the image read-only: copy, edit, set */
		data = malloc(map_size);
		if (!data)
			return -ENOMEM;
		memcpy(data, cur, map_size);
		memcpy(data + vs->offset, value, size);
		err = bpf_map__set_initial_value(map, data, map_size);
		free(data);
		return err;
	}
	return -ENOENT;
}
