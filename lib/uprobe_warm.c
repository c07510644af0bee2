// SPDX-License-Identifier: GPL-2.0-only
/* A throwaway uprobe registration, made while the programs load: uprobe_warm.h. */
#include "uprobe_warm.h"

#include <stdint.h>
#include <unistd.h>

#include "procfs.h"
#include "uprobe_multi.h"

/* The probe's place: never called (noinline, used: it stays a function). */
__attribute__((noinline, used)) void uprobe_warm_target(void)
{
	__asm__ volatile("" ::: "memory");
}

/*
 * Put the probe on uprobe_warm_target, in the file that holds it (our
 * executable: the mapping its address is in), and take it off at once.
 */
static void warm_probe(int prog)
{
	uint64_t at = (uint64_t)(uintptr_t)&uprobe_warm_target;
	struct proc_maps m = { 0 };

	if (procfs_read_maps(getpid(), &m))
		return;
	for (size_t i = 0; i < m.n; i++) {
		const struct proc_map *p = &m.v[i];
		uint64_t off = at - p->start + p->offset;
		int link;

		if (at < p->start || at >= p->end)
			continue;
		if (!p->x || !p->inode || p->deleted || p->path[0] != '/')
			break;
		link = uprobe_multi_link(prog, p->path, &off, NULL, 1, getpid(), UPROBE_ENTRY);
		if (link >= 0)
			close(link);
		break;
	}
	procfs_maps_free(&m);
}

static void *warm(void *arg)
{
	int prog = uprobe_multi_empty_prog(false);

	(void)arg;
	if (prog < 0)
		return NULL;
	warm_probe(prog);
	close(prog);
	return NULL;
}

void uprobe_warm_start(struct uprobe_warm *w, bool multi)
{
	w->started = multi && !pthread_create(&w->thread, NULL, warm, NULL);
}

void uprobe_warm_end(struct uprobe_warm *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
}
