// SPDX-License-Identifier: GPL-2.0-only
/*
 * Containers, for every tool: -C names the container of each event, and
 * --in-container traces one container only.
 *
 * Each event carries the cgroup v2 id of its task, taken in BPF when it
 * happened (event_hdr.cgroup). -C turns it into the cgroup's path with the
 * cgroup cache (lib/cgroup_cache.c), which keeps the paths of cgroups that
 * are gone: a process that exited, even a container that was removed,
 * before its row is read is still attributed. The path names the container
 * (cgroup_container()).
 *
 * Hosts with cgroup v1 hierarchies (v1 only, or hybrid ones whose runtime
 * made the containers' cgroups in v1 only) stamp such events with the v2
 * root's id, which says nothing: there, an event of the root cgroup is
 * attributed by its process's /proc/PID/cgroup instead, read when the row
 * is (so only while the process lives), and kept a second per PID.
 *
 * --in-container ID is a filter in BPF (common.bpf.h): the task's ancestor
 * at the container cgroup's level must be that cgroup, so every sub-cgroup
 * of the container counts. Discovery follows it: BPF reports only the
 * container's new programs, and the first look at running processes skips
 * the others.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "core.h"

#define PROC_SLOTS	256
#define PROC_TTL_NS	1000000000ULL

/* A process's /proc/PID/cgroup answer, kept briefly: rows come in bursts. */
struct proc_slot {
	pid_t pid;
	uint64_t at;
	char *path;
};

struct containers {
	struct cgroup_cache *cache;	/* NULL: no cgroup v2 hierarchy */
	char mnt[PATH_MAX];		/* where it is mounted */
	bool v1;			/* the host has v1 hierarchies too */
	struct proc_slot procs[PROC_SLOTS];

	/* --in-container */
	uint64_t id;			/* the container's cgroup */
	unsigned int level;
	char *path;
	char cid[CGROUP_CID_LEN + 1];

	/* the last answer of container_of() */
	char label[CGROUP_LABEL_MAX];
	char short_id[CGROUP_SHORT_CID_LEN + 1];
	struct cgroup_container found;
};

/* Does this process's cgroup file show v1 hierarchies (any line but 0::)? */
static bool host_has_v1(void)
{
	char line[256];
	bool v1 = false;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return false;
	while (!v1 && fgets(line, sizeof(line), f))
		v1 = strncmp(line, "0::", 3) != 0;
	fclose(f);
	return v1;
}

static int find_container(struct utrace_session *s, struct containers *ct)
{
	struct cgroup_container cont;
	const char *path;
	int err;

	if (!ct->cache) {
		utrace_error(s, "--in-container needs the cgroup v2 hierarchy, and none is mounted");
		return UTRACE_EXIT_ERROR;
	}
	err = cgroup_cache_find_container(ct->cache, s->opt.in_container, &ct->id, &cont);
	if (err == -ENOTUNIQ) {
		utrace_error(s, "--in-container %s: several containers' ids begin so: give more of it",
			     s->opt.in_container);
		return UTRACE_EXIT_ERROR;
	}
	if (!err)
		err = cgroup_cache_lookup(ct->cache, ct->id, clock_boot_ns(), &path);
	if (err) {
		utrace_error(s, "--in-container %s: no running container has that id (in %s)",
			     s->opt.in_container, ct->mnt);
		return UTRACE_EXIT_ERROR;
	}
	ct->path = strdup(path);
	if (!ct->path)
		return UTRACE_EXIT_ERROR;
	memcpy(ct->cid, cont.id, sizeof(ct->cid));
	ct->level = cont.level;
	utrace_verbose(s, "container %.12s: cgroup %s (id %llu, level %u)", ct->cid,
		       ct->path, (unsigned long long)ct->id, ct->level);
	/* -p and --in-container: the processes named must be in it */
	for (int i = 0; i < s->opt.npids; i++) {
		if (!container_has_pid(s, s->opt.pids[i])) {
			utrace_error(s, "process %d is not in container %.12s",
				     s->opt.pids[i], ct->cid);
			return UTRACE_EXIT_ERROR;
		}
	}
	return UTRACE_EXIT_OK;
}

int container_setup(struct utrace_session *s)
{
	struct containers *ct;
	int err;

	if (!s->opt.container && !s->opt.in_container)
		return UTRACE_EXIT_OK;
	ct = calloc(1, sizeof(*ct));
	if (!ct) {
		utrace_error(s, "out of memory");
		return UTRACE_EXIT_ERROR;
	}
	s->core->containers = ct;
	ct->v1 = host_has_v1();
	err = cgroup2_mount(ct->mnt, sizeof(ct->mnt));
	if (!err)
		err = cgroup_cache_open(&ct->cache, ct->mnt, NULL);
	if (err && (err != -ENOENT || s->opt.in_container)) {
		utrace_error(s, "cannot read the cgroup v2 hierarchy%s%s: %s",
			     ct->mnt[0] ? " at " : "", ct->mnt, strerror(-err));
		return UTRACE_EXIT_ERROR;
	}
	if (!ct->cache)
		utrace_verbose(s, "no cgroup v2 hierarchy: containers named from /proc/PID/cgroup");
	return s->opt.in_container ? find_container(s, ct) : UTRACE_EXIT_OK;
}

int container_configure(struct utrace_session *s)
{
	const struct containers *ct = s->core->containers;
	bool on = true;

	if (!s->opt.in_container)
		return 0;
	if (utrace_set_rodata(s, "utrace_filter_cgroup", &on, sizeof(on)) ||
	    utrace_set_rodata(s, "utrace_cgroup_id", &ct->id, sizeof(ct->id)) ||
	    utrace_set_rodata(s, "utrace_cgroup_level", &ct->level, sizeof(ct->level)))
		return -ENOENT;
	return 0;
}

bool container_filtering(const struct utrace_session *s)
{
	return s->opt.in_container != NULL;
}

bool container_has_pid(struct utrace_session *s, pid_t pid)
{
	const struct containers *ct = s->core->containers;
	char path[PATH_MAX];
	size_t n;
	bool v2;

	if (!s->opt.in_container)
		return true;
	if (cgroup_read_proc(pid, path, sizeof(path), &v2) || !v2)
		return false;
	n = strlen(ct->path);
	/* "/" would be the host: find_container() never takes it */
	return !strncmp(path, ct->path, n) && (path[n] == '/' || !path[n]);
}

bool container_gone(struct utrace_session *s)
{
	const struct containers *ct = s->core->containers;
	char path[PATH_MAX * 2];
	uint64_t id;

	if (!s->opt.in_container)
		return false;
	/* a container restarted under the same name has a new cgroup */
	snprintf(path, sizeof(path), "%s%s", ct->mnt, ct->path);
	return cgroup_id_of_path(path, &id) || id != ct->id;
}

/* The cgroup path of @pid from /proc (the v1 fallback); NULL if gone. */
static const char *proc_path(struct containers *ct, pid_t pid, uint64_t now)
{
	struct proc_slot *p = &ct->procs[(unsigned int)pid % PROC_SLOTS];
	char path[PATH_MAX];
	bool v2;

	if (p->path && p->pid == pid && now - p->at < PROC_TTL_NS)
		return p->path;
	if (cgroup_read_proc(pid, path, sizeof(path), &v2))
		return NULL;
	free(p->path);
	p->path = strdup(path);
	p->pid = pid;
	p->at = now;
	return p->path;
}

/* The cgroup path to attribute event @e by; NULL when unknown. */
static const char *event_path(struct containers *ct, const struct event_hdr *e)
{
	uint64_t now = clock_boot_ns();
	const char *path = NULL, *p;

	if (ct->cache && cgroup_cache_lookup(ct->cache, e->cgroup, now, &path))
		path = NULL;
	if ((!ct->cache || (path && !strcmp(path, "/") && ct->v1)) &&
	    (p = proc_path(ct, (pid_t)e->pid, now)))
		path = p;
	return path;
}

void container_of(struct utrace_session *s, const struct event_hdr *e,
		  struct container_ref *r)
{
	struct containers *ct = s->core->containers;

	memset(r, 0, sizeof(*r));
	r->label = "-";
	if (!ct)
		return;
	r->path = event_path(ct, e);
	r->label = cgroup_label(r->path, e->cgroup, ct->label);
	if (r->path && cgroup_container(r->path, &ct->found)) {
		r->cid = ct->found.id;
		memcpy(ct->short_id, ct->found.id, CGROUP_SHORT_CID_LEN);
		r->short_id = ct->short_id;
	}
}

const char *container_metric_label(struct utrace_session *s, uint64_t cgroup)
{
	struct containers *ct = s->core->containers;
	const char *path;

	if (!ct || !ct->cache ||
	    cgroup_cache_lookup(ct->cache, cgroup, clock_boot_ns(), &path) ||
	    !cgroup_container(path, &ct->found))
		return "";
	memcpy(ct->short_id, ct->found.id, CGROUP_SHORT_CID_LEN);
	return ct->short_id;
}

void container_close(struct utrace_session *s)
{
	struct containers *ct = s->core->containers;

	if (!ct)
		return;
	cgroup_cache_close(ct->cache);
	for (int i = 0; i < PROC_SLOTS; i++)
		free(ct->procs[i].path);
	free(ct->path);
	free(ct);
	s->core->containers = NULL;
}
