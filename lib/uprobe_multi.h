/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uprobe_multi links (Linux 6.6+), created with the raw bpf() syscall
 * because Debian 12's libbpf 1.1 predates them.
 *
 * Why bother: one link holds every offset of a file for one program, each
 * with its own cookie, so a tool with 16 probes on a libc makes 2 links
 * instead of 16 perf events; and a perf-event uprobe is removed under the
 * kernel's global event_mutex with an RCU grace period each (~80 ms here),
 * one after the other, while a uprobe_multi link goes in one. A session
 * link (6.13+) holds a function's entry and its return: one link's
 * removal, not two (lib/pairs.c).
 */
#ifndef UTRACE_UPROBE_MULTI_H
#define UTRACE_UPROBE_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UTRACE_BPF_TRACE_UPROBE_MULTI 48	/* enum bpf_attach_type */
#define UTRACE_BPF_TRACE_UPROBE_SESSION 57	/* Linux 6.13+ */

/* What a link's program sees of each call. */
enum uprobe_kind {
	UPROBE_ENTRY,
	UPROBE_RETURN,
	/*
	 * Both, in one link: the program runs at the entry and, unless it
	 * returned non-zero there, at the return (a session uprobe). Its
	 * program is loaded for UTRACE_BPF_TRACE_UPROBE_SESSION.
	 */
	UPROBE_SESSION,
};

/*
 * An empty program (return 0) loaded for uprobe_multi links (@session:
 * session ones): the probe of the kernel's support, and uprobe_warm.c's
 * throwaway probe. An fd, or -errno.
 */
int uprobe_multi_empty_prog(bool session);

/* True when the running kernel supports uprobe_multi links (probed once). */
bool uprobe_multi_supported(void);
/* ... and session uprobes (UPROBE_SESSION; probed once). */
bool uprobe_session_supported(void);

/*
 * A link for program @prog_fd at @n offsets of @path, each with its cookie
 * (@cookies may be NULL: all 0), for process @pid (<= 0: every process).
 * Returns an fd or -errno.
 */
int uprobe_multi_link(int prog_fd, const char *path, const uint64_t *offsets,
		      const uint64_t *cookies, size_t n, pid_t pid,
		      enum uprobe_kind kind);

#endif
