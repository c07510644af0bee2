// SPDX-License-Identifier: GPL-2.0-only
/* A throwaway uprobe registration, made while the programs load: uprobe_warm.h. */
#include "uprobe_warm.h"

#include <inttypes.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
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

/* r0 = 0; exit */
static const struct bpf_insn nothing[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static void *warm(void *arg)
{
	uint64_t off = target_offset();
	union bpf_attr a;
	int prog, link;

	(void)arg;
	if (!off)
		return NULL;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.expected_attach_type = UTRACE_BPF_TRACE_UPROBE_MULTI;
	a.insns = (uint64_t)(uintptr_t)nothing;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t)"GPL";
	prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (prog < 0)
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
