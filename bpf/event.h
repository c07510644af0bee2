/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The header every event starts with. Shared by the BPF programs and the
 * core, which formats these fields (TIME, PID, UID, COMM) for every tool.
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
};

#endif
