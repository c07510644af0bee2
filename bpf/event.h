/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the BPF programs and the core share: the header every event starts
 * with (the core formats TIME, PID, UID, COMM for every tool), and the
 * core's own messages about processes to look at.
 */
#ifndef UTRACE_EVENT_H
#define UTRACE_EVENT_H

#include <linux/types.h>

#define UTRACE_COMM_LEN 16

struct event_hdr {
	__u64 ts_ns;	/* bpf_ktime_get_boot_ns() in the probe, not print time */
	__u32 pid;	/* thread group id */
	__u32 tid;
	__u32 uid;
	__u32 flags;	/* tool-specific bits */
	char comm[UTRACE_COMM_LEN];
	__u64 cgroup;	/* cgroup v2 id: the container, named at print time */
};

/* utrace_procs ring buffer: a process the core should look at again. */
#define UTRACE_PROC_EXEC	1	/* it exec()ed another program */
#define UTRACE_PROC_DLOPEN	2	/* its dynamic loader changed the link map */

struct utrace_proc_event {
	__u32 pid;
	__u32 why;
};

/* -p: at most this many processes, checked in BPF too. */
#define UTRACE_BPF_MAX_PIDS 64

#endif
