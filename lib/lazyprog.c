// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programs loaded when a probe first names one (struct utrace_tool's
 * lazy_progs): a tool's part for a kind of target that most runs never
 * meet (dnslat's Go resolver) is not verified at every start. Verifying
 * is most of the time from launch to attached with -p.
 *
 * libbpf 1.1 loads an object's programs all at once, so the lazy ones are
 * left out of the session's object and loaded, all together, from a
 * second object of the same ELF whose maps are the first one's (every map
 * reused by fd: the ring buffer, the .rodata the core and the tool set,
 * the .bss both sides read and write). Its tracepoint programs are
 * attached as it loads.
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "core.h"

/*
 * Is @name one of the tool's lazy programs, and one it wants loaded (its
 * configure() may have turned one off)?
 */
static bool wanted(const struct utrace_session *s, const char *name)
{
	size_t i = 0;

	for (const char *const *p = s->tool->lazy_progs; p && *p; p++, i++)
		if (!strcmp(*p, name))
			return i < 64 && (s->core->lazy_want >> i) & 1;
	return false;
}

void lazy_prepare(struct utrace_session *s)
{
	size_t i = 0;

	for (const char *const *n = s->tool->lazy_progs; n && *n; n++, i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(s->obj, *n);

		if (!p || !bpf_program__autoload(p))
			continue;
		if (i < 64)
			s->core->lazy_want |= 1ULL << i;
		bpf_program__set_autoload(p, false);
	}
}

/* The second object, its maps the session's, only the lazy programs. */
static int lazy_load(struct utrace_session *s)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = s->tool->name);
	struct utrace_core *c = s->core;
	struct bpf_program *p;
	struct bpf_map *m;
	size_t size;
	const void *elf = s->tool->bpf_elf(&size);
	int err;

	c->lazy = bpf_object__open_mem(elf, size, &opts);
	if (!c->lazy)
		return -errno;
	bpf_object__for_each_map(m, c->lazy) {
		struct bpf_map *mine = bpf_object__find_map_by_name(s->obj, bpf_map__name(m));

		if (mine && bpf_map__fd(mine) >= 0 &&
		    (err = bpf_map__reuse_fd(m, bpf_map__fd(mine))))
			return err;
	}
	bpf_object__for_each_program(p, c->lazy)
		bpf_program__set_autoload(p, wanted(s, bpf_program__name(p)));
	probes_prepare_object(s, c->lazy);
	if ((err = bpf_object__load(c->lazy)))
		return err;
	utrace_verbose(s, "loaded the programs kept until a probe needs one");
	probes_attach_tracepoints_of(s, c->lazy);
	return 0;
}

const struct bpf_program *lazy_program(struct utrace_session *s,
				       const struct bpf_program *p,
				       int *err)
{
	struct utrace_core *c = s->core;

	*err = 0;
	if (!p || bpf_program__autoload(p) || !wanted(s, bpf_program__name(p)))
		return p;
	if (c->lazy_err) {
		*err = c->lazy_err;	/* said once, at the first try */
		return NULL;
	}
	if (!c->lazy && (c->lazy_err = lazy_load(s)) < 0) {
		char why[128];

		libbpf_strerror(c->lazy_err, why, sizeof(why));
		utrace_error(s, "cannot load BPF program %s: %s (run with -v for the verifier's log)",
			     bpf_program__name(p), why);
		/* libbpf's own codes (4000 and up) are no errno */
		if (-c->lazy_err >= 4000)
			c->lazy_err = -EINVAL;
		*err = c->lazy_err;
		return NULL;
	}
	return bpf_object__find_program_by_name(c->lazy, bpf_program__name(p));
}

void lazy_close(struct utrace_session *s)
{
	bpf_object__close(s->core->lazy);
	s->core->lazy = NULL;
}
