/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every utrace BPF program shares with the core: the ring buffer the
 * core polls ("events"), the lost-event counter it reports ("lost_events"),
 * and the wakeup policy. The core finds these by name, so a tool's
 * .bpf.c only includes this header.
 */
#ifndef UTRACE_COMMON_BPF_H
#define UTRACE_COMMON_BPF_H

#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "event.h"

char LICENSE[] SEC("license") = "GPL";

/* The core resizes this before load (--buffer). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Per CPU so that counting a loss never contends. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

/*
 * Waking the reader per event costs the traced program more than the probe
 * itself; the core polls with a short timeout anyway, so only force a
 * wakeup once this many bytes are waiting. Set by the core before load.
 */
const volatile __u64 utrace_wakeup_bytes = 0;

static __always_inline void *utrace_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e) {
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

		/* atomic: a uprobe program can be preempted on this CPU */
		if (lost)
			__sync_fetch_and_add(lost, 1);
	}
	return e;
}

static __always_inline void utrace_submit(void *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= utrace_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline void utrace_fill_hdr(struct event_hdr *h, __u64 ts_ns)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->ts_ns = ts_ns;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->flags = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

#endif
