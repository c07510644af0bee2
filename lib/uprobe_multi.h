/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uprobe_multi links (Linux 6.6+), created with the raw bpf() syscall
 * because Debian 12's libbpf 1.1 predates them.
 *
 * Why bother: one link holds every offset of a file for one program, each
 * with its own cookie, so a tool with 16 probes on a libc makes 2 links
 * instead of 16 perf events; and a perf-event uprobe is removed under the
 * kernel's global event_mutex with an RCU grace period each (~80 ms here),
 * one after the other, while a uprobe_multi link goes in one.
 */
#ifndef UTRACE_UPROBE_MULTI_H
#define UTRACE_UPROBE_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UTRACE_BPF_TRACE_UPROBE_MULTI 48	/* enum bpf_attach_type */

/*
 * An empty program (return 0) loaded for uprobe_multi links: the probe of
 * the kernel's support, and uprobe_warm.c's throwaway probe. An fd, or -errno.
 */
int uprobe_multi_empty_prog(void);

/* True when the running kernel supports uprobe_multi links (probed once). */
bool uprobe_multi_supported(void);

/*
 * A link for program @prog_fd at @n offsets of @path, each with its cookie
 * (@cookies may be NULL: all 0), for process @pid (<= 0: every process).
 * Returns an fd or -errno.
 */
int uprobe_multi_link(int prog_fd, const char *path, const uint64_t *offsets,
		      const uint64_t *cookies, size_t n, pid_t pid,
		      bool retprobe);

#endif
