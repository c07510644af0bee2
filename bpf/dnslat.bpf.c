// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace dnslat: how long each name lookup through libc took, and those of
 * Go's own resolver (dnslat_go.bpf.h).
 *
 * One entry program for every traced function (the attach cookie says
 * which) remembers the call per thread; one return program times it and
 * reports it (or, with -H, counts it in a histogram). No name or address
 * is read from the caller's memory until the call is known to pass the -m
 * filter, and then only once.
 */
#include <stdbool.h>

#include "common.bpf.h"
#include "dnslat.h"
#include "frame.h"

/* A call in progress: what the return probe needs to report it. */
struct call {
	struct utrace_frame f;
	__u64 arg;		/* name, sockaddr or address */
	__u64 result_p;		/* _r variants: struct hostent ** */
	__u64 herrno_p;		/* _r variants: int *h_errnop */
	__u32 len;		/* sockaddr or address length */
	__u16 family;		/* gethostbyaddr: address type */
	__u8 func;
	__u8 have_herrno;
	__u8 quiet;		/* cgo's call for a Go lookup: not reported */
	__s32 herrno;		/* h_errno of the last nested _r call */
	__u64 inner_sp;		/* that call's sp and h_errnop */
	__u64 inner_herrno_p;
};

#define UTRACE_FRAME_TYPE struct call
#include "frame.bpf.h"
#define UTRACE_HIST_KEYS (DNSLAT_NFUNCS * DNSLAT_NRESULTS)
#include "hist.bpf.h"

/* -m: shorter lookups are dropped here, before any string is read. */
const volatile __u64 min_ns = 0;
/* -H: count into the histograms instead of sending events. */
const volatile bool hist_mode = false;

#include "dnslat_go.bpf.h"

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

/* The n-th argument on the stack (7th, 8th...), above the return address. */
static __always_inline __u64 stack_arg(struct pt_regs *ctx, int n)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)(PT_REGS_SP(ctx) + 8 * (n - 6)));
	return v;
}

/* libbpf 1.1 names five arguments; the sixth is in r9 (x86-64 only). */
#define PARM6(ctx) ((ctx)->r9)

/* 0: see its return (UTRACE_ENTRY_RETURN); 1: nothing to see there */
static __always_inline int entered(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns(), sp = PT_REGS_SP(ctx);
	__u8 func = (__u8)bpf_get_attach_cookie(ctx);
	struct call c = {
		.f = { .ts = now, .sp = sp },
		.arg = PT_REGS_PARM1(ctx),
		.func = func,
	};
	struct call *slot;

	if (!utrace_traced())
		return 1;
	switch (func) {
	case DNSLAT_GETHOSTBYNAME_R:
		/* (name, ret, buf, buflen, result, h_errnop) */
		c.result_p = PT_REGS_PARM5(ctx);
		c.herrno_p = PARM6(ctx);
		break;
	case DNSLAT_GETHOSTBYNAME2_R:
		/* (name, af, ret, buf, buflen, result, h_errnop) */
		c.result_p = PARM6(ctx);
		c.herrno_p = stack_arg(ctx, 7);
		break;
	case DNSLAT_GETNAMEINFO:
		/* (sa, salen, ...) */
		c.len = (__u32)PT_REGS_PARM2(ctx);
		break;
	case DNSLAT_GETHOSTBYADDR:
		/* (addr, len, type) */
		c.len = (__u32)PT_REGS_PARM2(ctx);
		c.family = (__u16)PT_REGS_PARM3(ctx);
		break;
	case DNSLAT_GETHOSTBYADDR_R:
		/* (addr, len, type, ret, buf, buflen, result, h_errnop) */
		c.len = (__u32)PT_REGS_PARM2(ctx);
		c.family = (__u16)PT_REGS_PARM3(ctx);
		c.result_p = stack_arg(ctx, 7);
		c.herrno_p = stack_arg(ctx, 8);
		break;
	}
	slot = frame_slot();
	if (!slot)
		return 1;
	if (frame_nested(slot, sp, now)) {
		watch_inner(slot, sp, c.herrno_p);
		return c.herrno_p ? 0 : 1;	/* its return: for its h_errno only */
	}
	/*
	 * Go built with cgo resolves through libc (netdns=cgo, or an
	 * nsswitch.conf Go does not handle itself), from inside its own
	 * lookup, which is reported: not this call too. lookupIPAddr waits
	 * for the libc call made on another goroutine, so the test is the
	 * process's, not the thread's.
	 */
	c.quiet = go_lookup_in_flight();
	frame_push(slot, &c);
	return 0;
}

/*
 * Most names are short: a record has room for DNSLAT_HOST_SHORT bytes of
 * one (the NUL included) and is that much shorter than a full one, which
 * only a longer name takes. Fewer bytes to reserve, to fill and to read.
 */
#define SHORT_SIZE (__builtin_offsetof(struct dnslat_event, host) + DNSLAT_HOST_SHORT)
#define FULL_SIZE sizeof(struct dnslat_event)

/*
 * The name into a record with @cap bytes of room for it: read once, and cut
 * (flagged) where it is too long. False when it does not fit a short
 * record: the caller tries again with a full one.
 */
static __always_inline bool read_name(struct dnslat_event *e, const char *p,
				      __u32 cap)
{
	long n;
	char next;

	if (!p) {
		e->hdr.flags |= DNSLAT_NO_NAME;
		return true;
	}
	n = bpf_probe_read_user_str(e->host, cap, p);
	if (n <= 0)
		return true;
	e->len = n - 1;
	/* the room is full: the name may go on, the byte after says */
	if (n == cap && bpf_probe_read_user(&next, 1, p + cap - 1) == 0 && next) {
		if (cap < DNSLAT_HOST_MAX + 1)
			return false;
		e->hdr.flags |= DNSLAT_TRUNCATED;
	}
	return true;
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
	case DNSLAT_GETHOSTBYADDR_R:
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

static __always_inline __u32 herrno_outcome(int herrno)
{
	return herrno >= 1 && herrno <= 4 ? DNSLAT_RES_HERRNO + herrno : DNSLAT_RES_FAILED;
}

/* -H: the outcome of a call, as read_outcome() tells it, for its key. */
static __always_inline __u32 outcome(const struct call *c, long rax)
{
	int ret = (int)rax;	/* every traced function returns an int or a pointer */
	__u64 result = 0;
	int herrno = 0;

	switch (c->func) {
	case DNSLAT_GETADDRINFO:
	case DNSLAT_GETNAMEINFO:
		if (!ret)
			return DNSLAT_RES_OK;
		return ret < 0 && ret >= -DNSLAT_RES_EAI_MAX ? (__u32)-ret : DNSLAT_RES_EAI_OTHER;
	case DNSLAT_GETHOSTBYNAME:
	case DNSLAT_GETHOSTBYNAME2:
	case DNSLAT_GETHOSTBYADDR:
		if (rax)	/* a struct hostent *: all of it */
			return DNSLAT_RES_OK;
		return c->have_herrno ? herrno_outcome(c->herrno) : DNSLAT_RES_FAILED;
	}
	/* the _r variants */
	if (!bpf_probe_read_user(&result, sizeof(result), (void *)c->result_p) &&
	    result && !ret)
		return DNSLAT_RES_OK;
	if (ret == 34)		/* ERANGE */
		return DNSLAT_RES_ERANGE;
	if (bpf_probe_read_user(&herrno, sizeof(herrno), (void *)c->herrno_p))
		return DNSLAT_RES_FAILED;
	return herrno_outcome(herrno);
}

/*
 * The record of call @c, @size bytes with @cap of them for the name, its
 * argument read in; NULL when the ring buffer is full (counted) or, with
 * *@retry set, when the name needs a full record.
 */
static __always_inline struct dnslat_event *fill(const struct call *c, __u64 size,
						 __u32 cap, bool *retry)
{
	struct dnslat_event *e = utrace_reserve(size);

	*retry = false;
	if (!e)
		return NULL;
	e->hdr.flags = 0;
	e->len = 0;
	switch (c->func) {
	case DNSLAT_GETNAMEINFO:
		read_bytes(e, (const void *)c->arg, c->len, DNSLAT_SOCKADDR_MAX);
		break;
	case DNSLAT_GETHOSTBYADDR:
	case DNSLAT_GETHOSTBYADDR_R:
		read_bytes(e, (const void *)c->arg, c->len, DNSLAT_ADDR_MAX);
		break;
	default:
		if (!read_name(e, (const char *)c->arg, cap)) {
			bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
			*retry = true;
			return NULL;
		}
	}
	return e;
}

static __always_inline void report(const struct call *c, __u64 latency_ns,
				   long ret)
{
	struct dnslat_event *e;
	__u32 flags;
	bool retry;

	e = fill(c, SHORT_SIZE, DNSLAT_HOST_SHORT, &retry);
	if (!e && retry)
		e = fill(c, FULL_SIZE, DNSLAT_HOST_MAX + 1, &retry);
	if (!e)
		return;
	flags = e->hdr.flags;		/* what reading the name found */
	utrace_fill_hdr(&e->hdr, c->f.ts);
	e->hdr.flags |= flags;
	e->latency_ns = latency_ns;
	e->ret = 0;
	e->herrno = 0;
	e->family = c->family;
	e->func = c->func;
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

static __always_inline void returned(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct call *p = frame_current();
	__u64 sp = PT_REGS_SP(ctx);
	long ret = PT_REGS_RC(ctx);

	if (!p)
		return;
	if (!frame_returns(&p->f, sp)) {
		inner_returned(p, sp);
		return;
	}
	/* only this thread's next call reuses the slot: read in place */
	if (!p->quiet && now - p->f.ts >= min_ns) {
		if (hist_mode)
			utrace_hist_add(p->func * DNSLAT_NRESULTS + outcome(p, ret), now - p->f.ts);
		else
			report(p, now - p->f.ts, ret);
	}
	frame_pop(p);
}

/* lookup: every libc lookup function's entry and return (the cookie says which) */
UTRACE_ENTRY_RETURN(lookup, entered, returned)
