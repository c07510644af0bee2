/* SPDX-License-Identifier: GPL-2.0-only */
/* One log2 histogram as BPF keeps it and the core reads it. */
#ifndef UTRACE_HIST_H
#define UTRACE_HIST_H

#include <linux/types.h>

/*
 * Bucket i counts latencies of [2^i, 2^(i+1)) units, except that bucket 0
 * also holds 0; the last one takes everything longer.
 */
#define UTRACE_HIST_BUCKETS 40

struct utrace_hist_slot {
	__u64 count[UTRACE_HIST_BUCKETS];
	__u64 total_ns;
};

/*
 * With -C and metrics, a histogram per key and cgroup (utrace_hist_cg):
 * the container label of the metrics. Cgroup 0 takes what does not fit.
 */
struct utrace_hist_cgkey {
	__u64 cgroup;	/* bpf_get_current_cgroup_id(), as in event_hdr */
	__u32 key;
	__u32 pad;
};

#endif
