// SPDX-License-Identifier: GPL-2.0-only
/*
 * Discovery: programs and libraries that appear while tracing.
 *
 *   - Every exec() (utrace_exec on sched_process_exec) and every change of
 *     a dynamic loader's list of objects (utrace_dlopen on its
 *     _dl_debug_state()) is reported by BPF on the utrace_procs ring
 *     buffer; the process is looked at as soon as the current batch of
 *     events is printed. A program's libraries come with the loader's
 *     report at start, before its main() runs.
 *   - The directories of files traced for every process are watched
 *     (inotify): a library replaced by an upgrade (dpkg renames the new
 *     file into place) is probed before its first user starts.
 *   - Without the exec tracepoint, /proc is looked at every second.
 *
 * What remains: a process whose files are new to utrace may run its first
 * calls before the look that probes them ends (a few milliseconds).
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "core.h"
#include "ringbuf.h"
#include "grow.h"

static const char *const loader_names[] = {
	"ld-linux-x86-64.so.2", "ld-linux*.so*", "ld-musl-*.so.1", "libc.musl-*.so.1",
	"ld-*.so", NULL,
};

static const char *const loader_syms[] = { "_dl_debug_state", NULL };

static const struct utrace_probe loader_probes[] = {
	{ .func = "_dl_debug_state", .prog = "utrace_dlopen", .var = "_r_debug" },
	{ 0 },
};

/* The core's own target: each dynamic loader, for its reports. */
static const struct utrace_target loader_target = {
	.what = "dynamic loader",
	.match = { .kind = UTRACE_LIB, .names = loader_names, .all = loader_syms },
	.probes = loader_probes,
};

void discover_queue(struct utrace_session *s, pid_t pid)
{
	struct utrace_core *c = s->core;
	pid_t *v;

	for (size_t i = 0; i < c->ntodo; i++)
		if (c->todo[i] == pid)
			return;		/* exec and the loader's report: one look */
	v = grow_array(c->todo, &c->captodo, c->ntodo + 1, sizeof(*v), 64);
	if (!v)
		return;		/* the next report brings it again */
	c->todo = v;
	c->todo[c->ntodo++] = pid;
}

/*
 * A loader probed for the first time while its process was starting may
 * have made its one report at start already: that process is looked at
 * again after this long, when its libraries are surely mapped.
 */
#define LATER_NS (20 * 1000000ULL)

void discover_queue_later(struct utrace_session *s, pid_t pid)
{
	struct utrace_core *c = s->core;
	struct later_look *v;

	v = grow_array(c->later, &c->caplater, c->nlater + 1, sizeof(*v), 16);
	if (!v)
		return;
	c->later = v;
	c->later[c->nlater++] = (struct later_look){ pid, utrace_now_ns() + LATER_NS };
}

static void look_later(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	uint64_t now = utrace_now_ns();
	size_t kept = 0, n = c->nlater;

	for (size_t i = 0; i < n; i++) {
		struct later_look l = c->later[i];

		if (l.due_ns > now)
			c->later[kept++] = l;
		else
			targets_look_again(s, l.pid);
	}
	/* looks may have queued more: they sit past the first n */
	memmove(c->later + kept, c->later + n, (c->nlater - n) * sizeof(*c->later));
	c->nlater = kept + (c->nlater - n);
}

static int on_proc(void *ctx, void *data, size_t size)
{
	const struct utrace_proc_event *e = data;

	if (size >= sizeof(*e))
		discover_queue(ctx, (pid_t)e->pid);
	return 0;
}

static bool any_libs(const struct utrace_core *c)
{
	for (int i = 0; i < c->ntargets; i++)
		if (c->targets[i]->match.kind & UTRACE_LIB)
			return true;
	return false;
}

int discover_start(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "utrace_procs");
	int ti, err;

	c->inotify_fd = -1;
	if (s->explicit_files)
		return 0;
	if (!m || ringbufs_add(c->rb, bpf_map__fd(m), on_proc, s))
		return -EINVAL;
	if (any_libs(c)) {
		ti = utrace_target_add(s, &loader_target);
		if (ti < 0)
			return ti;
		c->internal[ti] = true;
	}
	c->rescan = !s->opt.npids && !probes_tracepoint_attached(s, "utrace_exec");
	if (c->rescan)
		utrace_verbose(s, "no exec tracepoint: looking for new processes every second");
	if (!s->opt.npids) {
		c->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (c->inotify_fd < 0)
			utrace_verbose(s, "no inotify: replaced files are found when first used");
	}
	err = 0;
	return err;
}

void discover_watch_dir(struct utrace_session *s, const char *path)
{
	struct utrace_core *c = s->core;
	const char *slash = strrchr(path, '/');
	struct dir_watch *v;
	char dir[PATH_MAX];
	int wd;

	if (c->inotify_fd < 0 || !slash || path[0] != '/')
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path ? slash - path : 1), path);
	for (size_t i = 0; i < c->ndirs; i++)
		if (!strcmp(c->dirs[i].dir, dir))
			return;
	/* a rename into place, or a new file written in place */
	wd = inotify_add_watch(c->inotify_fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE);
	if (wd < 0)
		return;
	v = realloc(c->dirs, (c->ndirs + 1) * sizeof(*v));
	if (!v)
		return;
	c->dirs = v;
	c->dirs[c->ndirs].wd = wd;
	c->dirs[c->ndirs].dir = strdup(dir);
	if (c->dirs[c->ndirs].dir)
		c->ndirs++;
	utrace_verbose(s, "watching %s for new files", dir);
}

int discover_inotify_fd(const struct utrace_session *s)
{
	return s->core->inotify_fd;
}

static const char *watched_dir(const struct utrace_core *c, int wd)
{
	for (size_t i = 0; i < c->ndirs; i++)
		if (c->dirs[i].wd == wd)
			return c->dirs[i].dir;
	return NULL;
}

static void new_files(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (c->inotify_fd < 0)
		return;
	while ((n = read(c->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			const char *dir = watched_dir(c, ev->wd);
			char path[PATH_MAX];

			p += sizeof(*ev) + ev->len;
			if (!dir || !ev->len)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, ev->name);
			targets_new_file(s, path);
		}
	}
}

void discover_run(struct utrace_session *s, bool periodic)
{
	struct utrace_core *c = s->core;

	new_files(s);
	/* looking may queue nothing: exec reports come from BPF only */
	for (size_t i = 0; i < c->ntodo; i++)
		targets_look_again(s, c->todo[i]);
	c->ntodo = 0;
	look_later(s);
	if (periodic && c->rescan)
		targets_rescan(s);
}

void discover_stop(struct utrace_session *s)
{
	struct utrace_core *c = s->core;

	if (c->inotify_fd >= 0)
		close(c->inotify_fd);
	for (size_t i = 0; i < c->ndirs; i++)
		free(c->dirs[i].dir);
	free(c->dirs);
	free(c->todo);
	free(c->later);
	c->dirs = NULL;
	c->todo = NULL;
	c->later = NULL;
	c->nlater = c->caplater = 0;
	c->ndirs = c->ntodo = c->captodo = 0;
}
