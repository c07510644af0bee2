// SPDX-License-Identifier: GPL-2.0-only
#include "procscan.h"
#include "grow.h"

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = ((const struct proc_id *)a)->pid;
	pid_t y = ((const struct proc_id *)b)->pid;

	return (x > y) - (x < y);
}

static void identify(struct proc_id *p)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", p->pid);
	/* kernel threads and processes we may not look at: identity 0 */
	if (stat(path, &st) == 0) {
		p->exe_dev = st.st_dev;
		p->exe_ino = st.st_ino;
	}
}

static size_t list_procs(struct proc_id **out)
{
	size_t n = 0, cap = 256;
	struct proc_id *v = malloc(cap * sizeof(*v));
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!v || !d) {
		if (d)
			closedir(d);
		free(v);
		*out = NULL;
		return 0;
	}
	while ((de = readdir(d))) {
		struct proc_id *nv;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		nv = grow_array(v, &cap, n + 1, sizeof(*v), 256);
		if (!nv)
			break;
		v = nv;
		v[n] = (struct proc_id){ .pid = (pid_t)strtol(de->d_name, NULL, 10) };
		identify(&v[n]);
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_pid);
	*out = v;
	return n;
}

static bool same(const struct proc_id *a, const struct proc_id *b)
{
	return a->pid == b->pid && a->exe_dev == b->exe_dev &&
	       a->exe_ino == b->exe_ino;
}

void procscan_new(struct procscan *ps, void (*cb)(pid_t pid, void *arg),
		  void *arg)
{
	struct proc_id *now;
	size_t n = list_procs(&now), j = 0;

	if (!now)
		return;
	/* Both lists are sorted by pid: a merge finds the new ones. */
	for (size_t i = 0; i < n; i++) {
		while (j < ps->nseen && ps->seen[j].pid < now[i].pid)
			j++;
		if (j < ps->nseen && same(&ps->seen[j], &now[i]))
			continue;
		cb(now[i].pid, arg);
	}
	/* Forget the dead, so the set never outgrows the process table. */
	free(ps->seen);
	ps->seen = now;
	ps->nseen = n;
}

void procscan_free(struct procscan *ps)
{
	free(ps->seen);
	ps->seen = NULL;
	ps->nseen = 0;
}
