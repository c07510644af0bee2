/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Log2 latency histograms kept in BPF: no event per call, only a count in
 * the bucket of its latency and the total time, per key (a function, a
 * function and outcome...). The tool defines UTRACE_HIST_KEYS first. The
 * core reads the map "utrace_hist" by name (lib/hist.c) and only ever
 * subtracts what it has shown: the probes never see it reset.
 */
#ifndef UTRACE_HIST_BPF_H
#define UTRACE_HIST_BPF_H

#include "common.bpf.h"
#include "hist.h"

#ifndef UTRACE_HIST_KEYS
#error "define UTRACE_HIST_KEYS (how many histograms)"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, UTRACE_HIST_KEYS);
	__type(key, __u32);
	__type(value, struct utrace_hist_slot);
} utrace_hist SEC(".maps");

/* The unit of the buckets, in nanoseconds (1000: microseconds). */
const volatile __u64 utrace_hist_unit_ns = 1000;

/*
 * -C with metrics: the same histograms per cgroup as well, for the
 * container label of the metrics (what is printed stays the sum). The
 * core sizes the map and makes the cgroup 0 slot of every key, where
 * cgroups beyond its size are counted.
 */
const volatile bool utrace_hist_by_cgroup = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	/* keys x cgroups, mostly never used: allocated as cgroups come */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct utrace_hist_cgkey);
	__type(value, struct utrace_hist_slot);
} utrace_hist_cg SEC(".maps");

/* What a new cgroup's slot starts from (the stack is too small for it). */
static const struct utrace_hist_slot utrace_hist_zero;

static __always_inline struct utrace_hist_slot *utrace_hist_cgroup_slot(__u32 key)
{
	struct utrace_hist_cgkey k = { .cgroup = bpf_get_current_cgroup_id(), .key = key };
	struct utrace_hist_slot *h = bpf_map_lookup_elem(&utrace_hist_cg, &k);

	if (h)
		return h;
	/* another CPU may make it first (-EEXIST): look again either way */
	bpf_map_update_elem(&utrace_hist_cg, &k, &utrace_hist_zero, BPF_NOEXIST);
	h = bpf_map_lookup_elem(&utrace_hist_cg, &k);
	if (h)
		return h;
	k.cgroup = 0;	/* the map is full */
	return bpf_map_lookup_elem(&utrace_hist_cg, &k);
}

/* floor(log2(v)), 0 for 0: a binary search for the highest set bit */
static __always_inline __u32 utrace_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1)
		r += 1;
	return r;
}

static __always_inline void utrace_hist_count(struct utrace_hist_slot *h,
					      __u32 b, __u64 latency_ns)
{
	if (!h)
		return;
	__sync_fetch_and_add(&h->count[b], 1);
	__sync_fetch_and_add(&h->total_ns, latency_ns);
}

static __always_inline void utrace_hist_add(__u32 key, __u64 latency_ns)
{
	__u32 b = utrace_log2(latency_ns / utrace_hist_unit_ns);

	if (b >= UTRACE_HIST_BUCKETS)
		b = UTRACE_HIST_BUCKETS - 1;
	utrace_hist_count(bpf_map_lookup_elem(&utrace_hist, &key), b, latency_ns);
	if (utrace_hist_by_cgroup)
		utrace_hist_count(utrace_hist_cgroup_slot(key), b, latency_ns);
}

#endif
