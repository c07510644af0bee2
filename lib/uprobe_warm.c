// SPDX-License-Identifier: GPL-2.0-only
/* A throwaway uprobe registration, made while the programs load: uprobe_warm.h. */
#include "uprobe_warm.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "uprobe_multi.h"

/* The probe's place: never called (noinline, used: it stays a function). */
__attribute__((noinline, used)) void uprobe_warm_target(void)
{
	__asm__ volatile("" ::: "memory");
}

/* Where uprobe_warm_target is in the file /proc/self/exe: 0 if not found. */
static uint64_t target_offset(void)
{
	uintptr_t at = (uintptr_t)&uprobe_warm_target;
	char line[512], exe[4096];
	uint64_t off = 0;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		uintptr_t lo, hi;
		uint64_t pgoff;
		char perms[8], path[4096];

		path[0] = '\0';
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %" SCNx64 " %*s %*s %4095s",
			   &lo, &hi, perms, &pgoff, path) < 4)
			continue;
		if (at >= lo && at < hi && perms[2] == 'x' && strcmp(path, exe) == 0) {
			off = at - lo + pgoff;
			break;
		}
	}
	fclose(f);
	return off;
}

static void *warm(void *arg)
{
	uint64_t off = target_offset();
	int prog, link;

	(void)arg;
	if (!off || (prog = uprobe_multi_empty_prog()) < 0)
		return NULL;
	link = uprobe_multi_link(prog, "/proc/self/exe", &off, NULL, 1, getpid(), false);
	if (link >= 0)
		close(link);
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
