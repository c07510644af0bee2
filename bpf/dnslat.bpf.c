// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace dnslat: how long each name lookup through libc took.
 *
 * An entry probe per function remembers the call per thread; one return
 * probe shared by all of them times it and reports it (or, with -H, counts
 * it in a histogram). No name or address is read from the caller's memory
 * until the call is known to pass the -m filter, and then only once.
 */
#include <stdbool.h>

#include "common.bpf.h"
#include "dnslat.h"

/* -m: shorter lookups are dropped here, before any string is read. */
const volatile __u64 min_ns = 0;
/* -H: count into hist instead of sending events. */
const volatile bool hist_mode = false;

/* A call in progress: what the return probe needs to report it. */
struct call {
	__u64 ts;
	__u64 sp;		/* stack pointer at entry: names the frame */
	__u64 ra;		/* the return address found at entry */
	__u64 arg;		/* name, sockaddr or address */
	__u64 result_p;		/* _r variants: struct hostent ** */
	__u64 herrno_p;		/* _r variants: int *h_errnop */
	__u32 len;		/* sockaddr or address length */
	__u16 family;		/* gethostbyaddr: address type */
	__u8 func;
	__u8 have_herrno;
	__s32 herrno;		/* h_errno of the last nested _r call */
	__u64 inner_sp;		/* that call's sp and h_errnop */
	__u64 inner_herrno_p;
};

/*
 * Keyed by pid_tgid. A thread that dies inside a lookup never reaches the
 * return probe: thread_exit() drops its call, and should that program not
 * be attached, LRU lets such leftovers be pushed out instead of filling
 * the map. Preallocated, so an entry probe never allocates.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct call);
} calls SEC(".maps");

/*
 * Each thread's exit (sched_process_exit fires in do_exit for every task).
 * A thread that dies inside a lookup (killed, or ended by another thread's
 * exit_group or execve) never reaches the return probe: its call is
 * dropped here, so the map holds only calls in progress, and a thread that
 * later gets the same id (PIDs wrap, at 32768 by default) is not taken for
 * a nested call of the dead one's, its lookups left unreported.
 */
SEC("raw_tp/sched_process_exit")
int thread_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&calls, &id);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DNSLAT_NFUNCS * DNSLAT_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

/*
 * The traced functions call one another: glibc's gethostbyname() is a loop
 * around gethostbyname_r(), getaddrinfo() may call gethostbyname2_r(), and
 * musl's gethostbyname() tail-calls gethostbyname2(). Only the outermost
 * call is what the program asked for, so a call made while another is in
 * progress on the same thread is not recorded. "In progress" is judged by
 * the stack: a deeper frame (lower sp) is nested; at the same sp it is a
 * tail call only if the return address slot was rewritten since (the
 * kernel points it at its uretprobe trampoline). Otherwise the entry is a
 * leftover of a call whose return was never seen, and is replaced.
 */
static __always_inline bool nested(const struct call *outer, __u64 sp,
				   __u64 ra)
{
	return outer && (outer->sp > sp || (outer->sp == sp && outer->ra != ra));
}

/*
 * gethostbyname() returns a bare NULL and sets h_errno, a thread variable
 * out of reach here; the _r call it makes inside reports the same value
 * through its h_errnop: watch that call return (see inner_returned()).
 */
static __always_inline void watch_inner(struct call *outer, __u64 sp,
					__u64 herrno_p)
{
	if (!herrno_p)
		return;
	outer->inner_sp = sp;
	outer->inner_herrno_p = herrno_p;
}

static __always_inline int enter(struct pt_regs *ctx, __u8 func,
				 const void *arg, __u64 result_p, __u64 herrno_p,
				 __u32 len, __u16 family)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call *outer = bpf_map_lookup_elem(&calls, &id);
	struct call c = {
		.ts = bpf_ktime_get_boot_ns(),
		.sp = PT_REGS_SP(ctx),
		.arg = (__u64)arg,
		.result_p = result_p,
		.herrno_p = herrno_p,
		.len = len,
		.family = family,
		.func = func,
	};

	bpf_probe_read_user(&c.ra, sizeof(c.ra), (void *)c.sp);
	if (nested(outer, c.sp, c.ra))
		watch_inner(outer, c.sp, herrno_p);
	else
		bpf_map_update_elem(&calls, &id, &c, BPF_ANY);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(enter_getaddrinfo, const char *node)
{
	return enter(ctx, DNSLAT_GETADDRINFO, node, 0, 0, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(enter_gethostbyname, const char *name)
{
	return enter(ctx, DNSLAT_GETHOSTBYNAME, name, 0, 0, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(enter_gethostbyname2, const char *name)
{
	return enter(ctx, DNSLAT_GETHOSTBYNAME2, name, 0, 0, 0, 0);
}

/*
 * libbpf 1.1 names five arguments; the sixth is in r9 (x86-64 is the only
 * architecture utrace traces).
 */
#define PARM6(ctx) ((ctx)->r9)

/* (name, ret, buf, buflen, result, h_errnop) */
SEC("uprobe")
int BPF_KPROBE(enter_gethostbyname_r, const char *name, void *ret, char *buf,
	       __u64 buflen, void *result)
{
	return enter(ctx, DNSLAT_GETHOSTBYNAME_R, name, (__u64)result,
		     PARM6(ctx), 0, 0);
}

/*
 * (name, af, ret, buf, buflen, result, h_errnop): the seventh argument is
 * on the stack, just above the return address.
 */
SEC("uprobe")
int BPF_KPROBE(enter_gethostbyname2_r, const char *name)
{
	__u64 h_errnop = 0;

	bpf_probe_read_user(&h_errnop, sizeof(h_errnop),
			    (void *)(PT_REGS_SP(ctx) + 8));
	return enter(ctx, DNSLAT_GETHOSTBYNAME2_R, name, PARM6(ctx),
		     h_errnop, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(enter_getnameinfo, const void *sa, __u32 salen)
{
	return enter(ctx, DNSLAT_GETNAMEINFO, sa, 0, 0, salen, 0);
}

SEC("uprobe")
int BPF_KPROBE(enter_gethostbyaddr, const void *addr, __u32 len, int type)
{
	return enter(ctx, DNSLAT_GETHOSTBYADDR, addr, 0, 0, len, (__u16)type);
}

/*
 * (addr, len, type, ret, buf, buflen, result, h_errnop): not reported
 * itself, but gethostbyaddr() calls it and learns h_errno from it. The
 * eighth argument is the second on the stack.
 */
SEC("uprobe")
int BPF_KPROBE(enter_gethostbyaddr_r)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call *outer = bpf_map_lookup_elem(&calls, &id);
	__u64 sp = PT_REGS_SP(ctx), ra = 0, h_errnop = 0;

	bpf_probe_read_user(&ra, sizeof(ra), (void *)sp);
	bpf_probe_read_user(&h_errnop, sizeof(h_errnop), (void *)(sp + 16));
	if (nested(outer, sp, ra))
		watch_inner(outer, sp, h_errnop);
	return 0;
}

/* floor(log2(v)), 0 for 0: a binary search for the highest set bit */
static __always_inline __u32 log2_u64(__u64 v)
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

static __always_inline void count(__u8 func, __u64 latency_ns)
{
	__u32 bucket = log2_u64(latency_ns / 1000);
	__u32 key;
	__u64 *n;

	if (bucket >= DNSLAT_NBUCKETS)
		bucket = DNSLAT_NBUCKETS - 1;
	key = (__u32)func * DNSLAT_NBUCKETS + bucket;
	n = bpf_map_lookup_elem(&hist, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* The name: read once, and cut (flagged) where it is too long. */
static __always_inline void read_name(struct dnslat_event *e, const char *p)
{
	long n;
	char next;

	if (!p)
		return;
	n = bpf_probe_read_user_str(e->host, sizeof(e->host), p);
	if (n <= 0)
		return;
	e->len = n - 1;
	if (n == sizeof(e->host) &&
	    bpf_probe_read_user(&next, 1, p + DNSLAT_HOST_MAX) == 0 && next)
		e->hdr.flags |= DNSLAT_TRUNCATED;
}

/* Raw bytes (a sockaddr or an address), formatted in user space. */
static __always_inline void read_bytes(struct dnslat_event *e, const void *p,
				       __u32 len, __u32 max)
{
	if (len > max)
		len = max;
	if (p && len && bpf_probe_read_user(e->host, len & 31, p) == 0)
		e->len = len;
}

/* What the call returned, read now through the pointers saved at entry. */
static __always_inline void read_outcome(struct dnslat_event *e,
					 const struct call *c, long ret)
{
	__u64 result = 0;
	int herrno;

	switch (c->func) {
	case DNSLAT_GETHOSTBYNAME:
	case DNSLAT_GETHOSTBYNAME2:
	case DNSLAT_GETHOSTBYADDR:
		if (!ret)
			e->hdr.flags |= DNSLAT_NULL;
		if (!ret && c->have_herrno) {
			e->herrno = c->herrno;
			e->hdr.flags |= DNSLAT_HERRNO;
		}
		return;
	case DNSLAT_GETHOSTBYNAME_R:
	case DNSLAT_GETHOSTBYNAME2_R:
		if (bpf_probe_read_user(&result, sizeof(result),
					(void *)c->result_p) || !result)
			e->hdr.flags |= DNSLAT_NULL;
		if (bpf_probe_read_user(&herrno, sizeof(herrno),
					(void *)c->herrno_p) == 0) {
			e->herrno = herrno;
			e->hdr.flags |= DNSLAT_HERRNO;
		}
		break;
	}
	e->ret = (__s32)ret;
}

static __always_inline void report(const struct call *c, __u64 latency_ns,
				   long ret)
{
	struct dnslat_event *e = utrace_reserve(sizeof(*e));

	if (!e)
		return;
	utrace_fill_hdr(&e->hdr, c->ts);
	e->latency_ns = latency_ns;
	e->ret = 0;
	e->herrno = 0;
	e->len = 0;
	e->family = c->family;
	e->func = c->func;
	switch (c->func) {
	case DNSLAT_GETNAMEINFO:
		read_bytes(e, (const void *)c->arg, c->len, DNSLAT_SOCKADDR_MAX);
		break;
	case DNSLAT_GETHOSTBYADDR:
		read_bytes(e, (const void *)c->arg, c->len, DNSLAT_ADDR_MAX);
		break;
	default:
		read_name(e, (const char *)c->arg);
	}
	read_outcome(e, c, ret);
	utrace_submit(e);
}

/* A nested _r call returns: keep its h_errno for the outer call's report. */
static __always_inline void inner_returned(struct call *outer, __u64 sp)
{
	int herrno;

	if (!outer->inner_herrno_p || outer->inner_sp + 8 != sp)
		return;
	if (bpf_probe_read_user(&herrno, sizeof(herrno),
				(void *)outer->inner_herrno_p))
		return;
	outer->herrno = herrno;
	outer->have_herrno = 1;
}

SEC("uretprobe")
int BPF_KRETPROBE(lookup_return, long ret)
{
	__u64 now = bpf_ktime_get_boot_ns();
	__u64 id = bpf_get_current_pid_tgid();
	struct call *p = bpf_map_lookup_elem(&calls, &id);
	__u64 sp = PT_REGS_SP(ctx);
	struct call c;

	if (!p)
		return 0;
	/*
	 * After `ret` popped the return address, sp is 8 above its value at
	 * entry; any other value is the return of a nested call.
	 */
	if (p->sp + 8 != sp) {
		inner_returned(p, sp);
		return 0;
	}
	c = *p;		/* the slot may be reused once deleted */
	bpf_map_delete_elem(&calls, &id);
	if (now - c.ts < min_ns)
		return 0;
	if (hist_mode)
		count(c.func, now - c.ts);
	else
		report(&c, now - c.ts, ret);
	return 0;
}
