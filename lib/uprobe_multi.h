/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uprobe_multi links (Linux 6.6+), created with the raw bpf() syscall
 * because Debian 12's libbpf 1.1 predates them.
 *
 * Why bother: a perf-event uprobe is removed under the kernel's global
 * event_mutex with an RCU grace period each (~80 ms here), one after the
 * other, so a tracer with 16 probes took over a second to exit. A
 * uprobe_multi link is removed without that mutex, so the grace periods of
 * links closed from parallel threads overlap. Attaching is cheaper too.
 */
#ifndef UTRACE_UPROBE_MULTI_H
#define UTRACE_UPROBE_MULTI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define UTRACE_BPF_TRACE_UPROBE_MULTI 48	/* enum bpf_attach_type */

/* True when the running kernel supports uprobe_multi links (probed once). */
bool uprobe_multi_supported(void);

/* A link for program @prog_fd at @offset of @path; returns an fd or -errno. */
int uprobe_multi_link(int prog_fd, const char *path, uint64_t offset,
		      pid_t pid, bool retprobe);

#endif
