// SPDX-License-Identifier: GPL-2.0-only
#include "procscan.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static size_t list_pids(pid_t **out)
{
	size_t n = 0, cap = 256;
	pid_t *v = malloc(cap * sizeof(*v));
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
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n == cap) {
			pid_t *nv = realloc(v, 2 * cap * sizeof(*v));

			if (!nv)
				break;
			v = nv;
			cap *= 2;
		}
		v[n++] = (pid_t)strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_pid);
	*out = v;
	return n;
}

void procscan_new(struct procscan *ps, void (*cb)(pid_t pid, void *arg),
		  void *arg)
{
	pid_t *now;
	size_t n = list_pids(&now), j = 0;

	if (!now)
		return;
	/* Both lists are sorted: a merge finds the new ones. */
	for (size_t i = 0; i < n; i++) {
		while (j < ps->nseen && ps->seen[j] < now[i])
			j++;
		if (j < ps->nseen && ps->seen[j] == now[i])
			continue;
		cb(now[i], arg);
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
