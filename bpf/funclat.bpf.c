// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace funclat: how long calls of any user-space function take.
 *
 * One entry program and one return program serve every traced function
 * of every file: the attach cookie is the function's number. A call is
 * remembered per thread at entry and timed at its return; while it runs,
 * calls of traced functions it makes (recursion, or another traced
 * function) are part of its time and only counted as nested
 * (frame.bpf.h's rule: the outermost call is the one timed). By default
 * the latency goes into the function's log2 histogram in the kernel;
 * with -m, calls at least that long are sent as events. In C++ and Rust
 * files the return is seen by probes on the function's RET instructions
 * (func_at_ret) instead of a return probe (func_return).
 */
#include <stdbool.h>

#include "common.bpf.h"
#include "frame.h"
#include "funclat.h"

struct call {
	struct utrace_frame f;
	__u32 func;
	__u32 pad;
};

#define UTRACE_FRAME_TYPE struct call
#include "frame.bpf.h"
#define UTRACE_HIST_KEYS FUNCLAT_MAX_FUNCS
#include "hist.bpf.h"

/* -m: the shortest call sent, and rows instead of histograms */
const volatile __u64 min_ns = 0;
const volatile bool rows = false;

/* Calls made inside a traced call, per function: counted, not timed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FUNCLAT_MAX_FUNCS);
	__type(key, __u32);
	__type(value, __u64);
} nested SEC(".maps");

/* 0: see its return (UTRACE_ENTRY_RETURN); 1: nothing to see there */
static __always_inline int entered(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns(), sp = PT_REGS_SP(ctx);
	__u32 cookie = (__u32)bpf_get_attach_cookie(ctx);
	struct call c = {
		.f = { .ts = now, .sp = sp },
		.func = cookie & ~FUNCLAT_AT_RETS,
	};
	struct call *slot;
	bool in_call;
	__u64 *n;

	if (!utrace_traced())
		return 1;
	slot = frame_slot();
	if (!slot)
		return 1;
	in_call = frame_nested(slot, sp, now);
	/*
	 * At its RETs, a call left by an exception leaves its frame, whose
	 * slot the next call from the same place fills the same way: the
	 * same function at the same depth again is that next call (a tail
	 * call to itself, the one other way here, compilers make a loop).
	 */
	if (in_call && slot->f.ret && slot->f.sp == sp && slot->func == c.func)
		in_call = false;
	if (!in_call) {
		/* timed at its RETs: the slot keeps the caller's address */
		if ((cookie & FUNCLAT_AT_RETS) &&
		    bpf_probe_read_user(&c.f.ret, sizeof(c.f.ret), (void *)sp))
			return 1;
		frame_push(slot, &c);
		return 0;
	}
	n = rows ? NULL : bpf_map_lookup_elem(&nested, &c.func);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 1;	/* a nested call's return changes nothing */
}

/* The outermost call @p returned now: count it, or send it. */
static __always_inline void returned(struct call *p, __u64 now)
{
	__u64 ts = p->f.ts, latency;
	struct funclat_event *e;
	__u32 func = p->func;

	frame_pop(p);		/* free for this thread's next call */
	latency = now - ts;
	if (!rows) {
		utrace_hist_add(func, latency);
		return;
	}
	if (latency < min_ns)
		return;
	e = utrace_reserve(sizeof(*e));
	if (!e)
		return;
	utrace_fill_hdr(&e->hdr, ts);
	e->latency_ns = latency;
	e->func = func;
	e->pad = 0;
	utrace_submit(e);
}

static __always_inline void func_returned(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct call *p = frame_current();

	/* none in flight, or a nested call's return */
	if (p && frame_returns(&p->f, PT_REGS_SP(ctx)))
		returned(p, now);
}

/* func: a function's entry and return (the cookie says which function) */
UTRACE_ENTRY_RETURN(func, entered, func_returned)

/* ... or its entry, where it is timed at its RET instructions (func_at_ret) */
SEC("uprobe")
int func_rets_enter(struct pt_regs *ctx)
{
	entered(ctx);
	return 0;
}

SEC("uprobe")
int func_at_ret(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct call *p = frame_current();

	if (p && frame_returns_at_ret(&p->f, PT_REGS_SP(ctx)))
		returned(p, now);
	return 0;
}
