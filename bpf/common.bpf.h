/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every utrace BPF program shares with the core: the ring buffer the
 * core polls ("events"), the lost-event counter it reports ("lost_events"),
 * the wakeup policy, the -p and --in-container filters, and the core's
 * own programs that tell it about new programs and libraries (utrace_exec,
 * utrace_dlopen). The core finds all of these by name, so a tool's .bpf.c
 * only includes this.
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

/*
 * -p: only these thread groups. The links carry the PID too, but the
 * kernel's own filter matched only the thread named on 6.6 to 6.9 kernels,
 * and a perf-event probe watches one thread: the tgid is checked here.
 */
const volatile bool utrace_filter_pids = false;
/* The tracer itself never hits its own probes (funclat c:malloc). */
const volatile __u32 utrace_self = 0;
/*
 * A tracer in a PID namespace (a container) takes -p and prints PIDs as
 * that namespace numbers them: set to the namespace's nsfs dev and inode
 * by the core, 0 in the initial namespace. Tasks outside it are not seen.
 */
const volatile __u64 utrace_pidns_dev = 0;
const volatile __u64 utrace_pidns_ino = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UTRACE_BPF_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} utrace_pids SEC(".maps");

/*
 * --in-container: only tasks in this cgroup v2 (the container's) or below
 * it. Its ancestor at the container's level is the container's cgroup for
 * every task of the container, whichever sub-cgroup it is in.
 */
const volatile bool utrace_filter_cgroup = false;
const volatile __u64 utrace_cgroup_id = 0;
const volatile __u32 utrace_cgroup_level = 0;

/* tgid << 32 | pid as the tracer's PID namespace numbers them; 0 outside. */
static __always_inline __u64 utrace_pid_tgid(void)
{
	struct bpf_pidns_info ns;

	if (!utrace_pidns_ino)
		return bpf_get_current_pid_tgid();
	if (bpf_get_ns_current_pid_tgid(utrace_pidns_dev, utrace_pidns_ino, &ns, sizeof(ns)))
		return 0;
	return (__u64)ns.tgid << 32 | ns.pid;
}

/* @tgid is the current task's: both filters look at the current task. */
static __always_inline bool utrace_tgid_traced(__u32 tgid)
{
	if (!tgid || tgid == utrace_self)
		return false;
	if (utrace_filter_cgroup &&
	    bpf_get_current_ancestor_cgroup_id(utrace_cgroup_level) != utrace_cgroup_id)
		return false;
	return !utrace_filter_pids || bpf_map_lookup_elem(&utrace_pids, &tgid);
}

/*
 * Should the probe that fired for the current task do anything? The core's
 * own programs below ask it too: with --in-container, discovery hears only
 * of the container's new programs and libraries.
 */
static __always_inline bool utrace_traced(void)
{
	return utrace_tgid_traced(utrace_pid_tgid() >> 32);
}

static __always_inline void utrace_count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

	/* atomic: a uprobe program can be preempted on this CPU */
	if (lost)
		__sync_fetch_and_add(lost, 1);
}

static __always_inline void *utrace_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		utrace_count_lost();
	return e;
}

static __always_inline __u64 utrace_wakeup_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= utrace_wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void utrace_submit(void *e)
{
	bpf_ringbuf_submit(e, utrace_wakeup_flags());
}

/*
 * Send @size bytes of @data (a record built elsewhere) as one record of
 * exactly that size: records as small as their content, where
 * bpf_ringbuf_reserve() needs a size fixed at load. A per-CPU scratch
 * buffer for @data must be claimed first (sslsniff's slots): a uprobe
 * program can be preempted, and another thread's program on the same CPU
 * would write into it meanwhile.
 */
static __always_inline void utrace_output(void *data, __u64 size)
{
	if (bpf_ringbuf_output(&events, data, size, utrace_wakeup_flags()))
		utrace_count_lost();
}

static __always_inline void utrace_fill_hdr(struct event_hdr *h, __u64 ts_ns)
{
	__u64 id = utrace_pid_tgid();

	h->ts_ns = ts_ns;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->flags = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	/* taken now: the process may be gone, its cgroup too, when printed */
	h->cgroup = bpf_get_current_cgroup_id();
}

/* ---- a function's entry and its return ---- */

/*
 * In a session program: is this its run at the function's return? At the
 * entry the registers' IP is the probed address itself, which
 * bpf_get_func_ip() gives at both runs; at the return it is the caller's
 * return address. (The kernel's bpf_session_is_return() says the same, but
 * a kfunc makes libbpf load the kernel's whole BTF at every start.)
 */
static __always_inline bool utrace_session_returns(struct pt_regs *ctx)
{
	return PT_REGS_IP(ctx) != bpf_get_func_ip(ctx);
}

/*
 * UTRACE_ENTRY_RETURN(name, enter, ret): the programs of a function's entry
 * and return as a pair the core attaches in the form the kernel takes
 * (lib/pairs.c): NAME, one session program run at both, in one link
 * (Linux 6.13+), or NAME_enter and NAME_return, a uprobe and a uretprobe.
 * Tools name the pair NAME in their probes and autoload choices; only the
 * form attached is loaded. @enter(ctx) returns 0 to see the call return,
 * 1 when its return is of no interest (the session then skips it);
 * @ret(ctx) returns nothing. Both are always-inline functions.
 */
#define UTRACE_ENTRY_RETURN(name, enter, ret)				\
SEC("uprobe.session")							\
int name(struct pt_regs *ctx)						\
{									\
	if (utrace_session_returns(ctx)) {				\
		ret(ctx);						\
		return 0;						\
	}								\
	return enter(ctx);						\
}									\
SEC("uprobe")								\
int name##_enter(struct pt_regs *ctx)					\
{									\
	enter(ctx);							\
	return 0;							\
}									\
SEC("uretprobe")							\
int name##_return(struct pt_regs *ctx)					\
{									\
	ret(ctx);							\
	return 0;							\
}

/* ---- the core's own programs: processes to look at again ---- */

/* Small and rare: the core is woken for each, unlike for events. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} utrace_procs SEC(".maps");

static __always_inline void utrace_tell_core(__u32 why)
{
	__u32 tgid = utrace_pid_tgid() >> 32;
	struct utrace_proc_event *e;

	if (!utrace_tgid_traced(tgid))
		return;
	e = bpf_ringbuf_reserve(&utrace_procs, sizeof(*e), 0);
	if (!e)
		return;		/* the periodic look at /proc still finds it */
	e->pid = tgid;
	e->why = why;
	bpf_ringbuf_submit(e, 0);
}

/*
 * A new program: its executable and dynamic loader are mapped now (its
 * libraries come with the loader's first report, utrace_dlopen).
 */
SEC("raw_tp/sched_process_exec")
int utrace_exec(void *ctx)
{
	utrace_tell_core(UTRACE_PROC_EXEC);
	return 0;
}

/*
 * The dynamic loader calls _dl_debug_state() (glibc and musl) whenever its
 * list of loaded objects changes, for debuggers to set a breakpoint on:
 * before and after loading a program's libraries at start, and around
 * each dlopen(). Only "after" matters: the state field of the loader's
 * struct r_debug (_r_debug in glibc, at the cookie's distance from the
 * function) is then RT_CONSISTENT (0). Without the cookie, every call.
 */
#define R_DEBUG_STATE_OFFSET 24	/* int r_version; link_map *; r_brk; r_state */

SEC("uprobe")
int utrace_dlopen(struct pt_regs *ctx)
{
	__s64 delta = (__s64)bpf_get_attach_cookie(ctx);
	int state = 0;

	if (delta)
		bpf_probe_read_user(&state, sizeof(state),
				    (void *)(PT_REGS_IP(ctx) + delta + R_DEBUG_STATE_OFFSET));
	if (state == 0)
		utrace_tell_core(UTRACE_PROC_DLOPEN);
	return 0;
}

#endif
