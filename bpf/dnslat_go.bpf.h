/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * utrace dnslat, the Go part: lookups made by Go's net package, which
 * resolves names itself (no libc call) when built without cgo, and with
 * cgo too when resolv.conf and nsswitch.conf are plain. Included by
 * dnslat.bpf.c after its settings (min_ns, hist_mode).
 *
 * net.(*Resolver).lookupIPAddr serves every Dial and LookupIP*, lookupHost
 * LookupHost, lookupAddr LookupAddr: the exported wrappers are inlined
 * into their callers, these three are real functions. Register ABI (Go
 * 1.17+, amd64): receiver RAX, ctx RBX/RCX; the host string is R8/R9 for
 * lookupIPAddr (network before it in RDI/RSI), RDI/RSI for the others. At
 * every RET: the result slice in RAX/RBX/RCX, the error in RDI (itab, 0
 * for nil) and RSI (data).
 *
 * No return probes on Go: a uretprobe rewrites the return address on a
 * goroutine stack, which Go moves and unwinds. The core puts a plain probe
 * on each RET instruction instead (UTRACE_AT_RETS), attached before the
 * entry probes.
 *
 * A call in flight is keyed by (process, goroutine, depth). The goroutine
 * is R14 (the register ABI keeps g there, at the entry and at every RET,
 * whichever thread runs it by then). The depth is the distance of the
 * return address below the top of the goroutine's stack (g.stack.hi):
 * when a stack outgrows itself Go copies it elsewhere, keeping every
 * frame's distance from the top, so the entry and the RET of one call
 * find the same key though the stack moved in between, and a nested call
 * of the same goroutine has a key of its own. The entry probe may fire
 * twice for one call: when the prologue finds the stack too small (or a
 * preemption pending), it calls morestack and jumps back to the start;
 * that second entry finds its key and the first timestamp is kept.
 */
#ifndef UTRACE_DNSLAT_GO_BPF_H
#define UTRACE_DNSLAT_GO_BPF_H


#include "common.bpf.h"
#include "dnslat.h"

/* g.stack.hi: struct g starts with stack{lo, hi} in every Go release. */
#define GO_G_STACK_HI 8
/* itab.fun[0]: after inter, _type and a 4-byte hash padded to 8. */
#define GO_ITAB_FUN0 24
/* Goroutine stacks are at most 1 GB (runtime.maxstacksize on 64-bit). */
#define GO_MAX_DEPTH (1ULL << 30)
/* An entry seen again this soon for the same key is the same call. */
#define GO_REENTRY_NS (5ULL * 1000000000ULL)
/* Longer strings than this are no IP literal (45 for IPv6, and a zone). */
#define GO_LITERAL_MAX 64

struct go_key {
	__u32 tgid;
	__u32 pad;
	__u64 g;
	__u64 depth;
};

struct go_call {
	__u64 ts;
	__u64 host_p;		/* the host string: data and length */
	__u64 host_len;
	__u64 dnserror_fn;	/* net.(*DNSError).Error in memory; 0: unknown */
	__u16 len;		/* bytes of host[] read */
	__u8 func;
	__u8 layout;		/* DNSError's Err offset, or DNSLAT_GO_NO_LAYOUT */
	__u8 have_host;		/* host[] read at the entry */
	__u8 pad[3];
	char host[DNSLAT_HOST_MAX + 1];
};

/*
 * Calls in flight, as many as there are goroutines in lookups: a plain
 * hash (no eviction of a call still running), a failed insert a loss.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct go_key);
	__type(value, struct go_call);
} go_calls SEC(".maps");

/*
 * Per process: Go lookups in flight. A libc lookup made meanwhile is the
 * one cgo's resolver makes for them (not reported twice), and a process
 * that dies with lookups in flight has their records dropped.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __s64);
} go_procs SEC(".maps");

/* The value a new record starts from (never written). */
static struct go_call go_zero;

/*
 * Set at the first Go lookup: until then no libc lookup can be cgo's for
 * one, and the libc probes skip the go_procs lookup (most tracers never
 * see a Go lookup; every libc call would pay for it).
 */
static volatile bool go_lookup_seen;

static __always_inline void go_procs_add(__u32 tgid, __s64 d)
{
	__s64 zero = 0, *n = bpf_map_lookup_elem(&go_procs, &tgid);

	if (!n) {
		bpf_map_update_elem(&go_procs, &tgid, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&go_procs, &tgid);
		if (!n)
			return;
	}
	if (d > 0 && !go_lookup_seen)
		go_lookup_seen = true;
	__sync_fetch_and_add(n, d);
}

/* For the libc probes: is a Go lookup of this process in flight? */
static __always_inline bool go_lookup_in_flight(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__s64 *n;

	if (!go_lookup_seen)
		return false;
	n = bpf_map_lookup_elem(&go_procs, &tgid);
	return n && *n > 0;
}

/* The key of the call whose entry or RET fired; false if R14 is no g. */
static __always_inline bool go_key_of(struct pt_regs *ctx, struct go_key *k)
{
	__u64 g = ctx->r14, sp = PT_REGS_SP(ctx), hi = 0;

	if (!g || bpf_probe_read_user(&hi, sizeof(hi), (void *)(g + GO_G_STACK_HI)))
		return false;
	if (hi < sp || hi - sp > GO_MAX_DEPTH)
		return false;
	k->tgid = bpf_get_current_pid_tgid() >> 32;
	k->pad = 0;
	k->g = g;
	k->depth = hi - sp;
	return true;
}

/* The host string into @c->host (Go strings have no NUL); none if unreadable. */
static __always_inline bool go_read_host(struct go_call *c)
{
	__u32 n = c->host_len > DNSLAT_HOST_MAX ? DNSLAT_HOST_MAX : (__u32)c->host_len;

	c->len = 0;
	if (n && bpf_probe_read_user(c->host, n & 0xff, (void *)c->host_p))
		return false;
	c->len = (__u16)n;
	return true;
}

/* Character classes for go_ip_literal(); a byte without LIT_KNOWN is none. */
#define LIT_DIGIT	0x01
#define LIT_HEX		0x02	/* a-f, A-F */
#define LIT_DOT		0x04
#define LIT_COLON	0x08
#define LIT_ZONE	0x10	/* '%' */
#define LIT_KNOWN	0x20

#define LIT_RANGE(from, to, cls) [(from) ... (to)] = (cls) | LIT_KNOWN
static const __u8 lit_class[256] = {
	LIT_RANGE('0', '9', LIT_DIGIT),
	LIT_RANGE('a', 'f', LIT_HEX),
	LIT_RANGE('A', 'F', LIT_HEX),
	['.'] = LIT_DOT | LIT_KNOWN,
	[':'] = LIT_COLON | LIT_KNOWN,
	['%'] = LIT_ZONE | LIT_KNOWN,
};

/*
 * Is @h an IP literal, as Go's parseIPZone takes it: dotted IPv4, or
 * IPv6 with an optional %zone? The resolver dials its DNS servers through
 * lookupIPAddr("udp", "127.0.0.53"), and every Dial to an address does the
 * same: such lookups are answered without asking anyone, and would flood
 * the table. The loop has no branch on what it reads (bits gathered, a
 * verdict after it), and it is a global function: the verifier checks it
 * once, not once for each way its callers reach it.
 */
__noinline int go_ip_literal(const struct go_call *c)
{
	__u32 seen = 0, other = 0, dots = 0, colons = 0, zone = 0, twodots = 0, prev = 0;
	const char *h;
	__u32 n;

	if (!c)
		return 0;
	h = c->host;
	n = c->len;
	if (!n || n > GO_LITERAL_MAX)
		return 0;
	for (__u32 i = 0; i < GO_LITERAL_MAX; i++) {
		/* all ones while i < n: the bytes after the name count for nothing */
		__s64 left = (__s64)i - (__s64)n;
		__u32 raw, cls, dot, mask, in;

		/* opaque to clang, which would make the mask a branch again */
		asm volatile("" : "+r"(left));
		in = (__u32)(left >> 63);

		/* a zone's own bytes (after '%') are anything */
		mask = (zone - 1) & in;
		raw = lit_class[(__u8)h[i]];
		other |= ~raw & LIT_KNOWN & mask;
		cls = raw & mask;
		dot = (cls & LIT_DOT) >> 2;
		seen |= cls;
		dots += dot;
		colons += (cls & LIT_COLON) >> 3;
		twodots |= prev & dot;
		prev = dot;
		zone |= (cls & LIT_ZONE) >> 4;
	}
	if (other)
		return 0;
	/* IPv4: four fields of digits (Go takes no zone there) */
	if (!(seen & ~(LIT_DIGIT | LIT_DOT | LIT_KNOWN)) && dots == 3 && !twodots &&
	    n <= 15 && h[0] != '.' && h[(n - 1) & (GO_LITERAL_MAX - 1)] != '.')
		return 1;
	return colons >= 2;
}

SEC("uprobe")
int go_lookup_enter(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx), now = bpf_ktime_get_boot_ns();
	__s64 delta = (__s64)cookie >> 16;
	__u8 func = cookie & 0xff;
	struct go_call *c;
	struct go_key k;
	__u64 p, n;

	if (!utrace_traced() || !DNSLAT_IS_GO(func) || !go_key_of(ctx, &k))
		return 0;
	c = bpf_map_lookup_elem(&go_calls, &k);
	if (c && c->func == func && now - c->ts < GO_REENTRY_NS)
		return 0;	/* the same call, entered again after morestack */
	if (c) {
		/* a record whose RET was never seen: that call is gone */
		bpf_map_delete_elem(&go_calls, &k);
		go_procs_add(k.tgid, -1);
	}
	if (bpf_map_update_elem(&go_calls, &k, &go_zero, BPF_NOEXIST)) {
		utrace_count_lost();
		return 0;
	}
	c = bpf_map_lookup_elem(&go_calls, &k);
	if (!c)
		return 0;
	c->ts = now;
	c->func = func;
	c->layout = (cookie >> 8) & 0xff;
	c->dnserror_fn = delta ? PT_REGS_IP(ctx) + delta : 0;
	/* all four read: the verifier refuses a ctx pointer chosen by branch */
	c->host_p = ctx->r8;
	c->host_len = ctx->r9;
	p = ctx->rdi;
	n = ctx->rsi;
	barrier_var(p);
	if (func != DNSLAT_GO_LOOKUPIPADDR) {
		c->host_p = p;
		c->host_len = n;
	}
	/*
	 * A string literal's page may not be mapped yet: then the host is
	 * read at the RET, after the function has read it.
	 */
	c->have_host = go_read_host(c);
	if (c->have_host && func != DNSLAT_GO_LOOKUPADDR && go_ip_literal(c)) {
		bpf_map_delete_elem(&go_calls, &k);
		return 0;
	}
	go_procs_add(k.tgid, 1);
	return 0;
}

/* The part of a *net.DNSError read here, from its Err field on. */
struct go_dnserror {
	__u64 err_p, err_len;
	__u64 name_p, name_len;
	__u64 server_p, server_len;
	__u8 is_timeout, is_temporary, is_not_found;
};

/* A Go string's first bytes into @dst[0..DNSLAT_GO_TEXT_MAX]; its length. */
static __always_inline __u8 go_read_text(char *dst, __u64 p, __u64 len)
{
	__u32 n = len > DNSLAT_GO_TEXT_MAX ? DNSLAT_GO_TEXT_MAX : (__u32)len;

	if (!n || bpf_probe_read_user(dst, n & DNSLAT_GO_TEXT_MAX, (void *)p))
		return 0;
	return (__u8)n;
}

/* The error returned (RDI itab, RSI data): a *net.DNSError's fields. */
static __always_inline void go_read_error(struct dnslat_go_event *e,
					  const struct go_call *c,
					  struct pt_regs *ctx)
{
	__u64 itab = ctx->rdi, data = ctx->rsi, fun0 = 0;
	struct go_dnserror d;

	if (!itab)
		return;
	e->e.hdr.flags |= DNSLAT_GO_FAILED;
	if (!c->dnserror_fn || c->layout == DNSLAT_GO_NO_LAYOUT || !data)
		return;
	/* only *net.DNSError's itab has its Error method first */
	if (bpf_probe_read_user(&fun0, sizeof(fun0), (void *)(itab + GO_ITAB_FUN0)) ||
	    fun0 != c->dnserror_fn)
		return;
	if (bpf_probe_read_user(&d, sizeof(d), (void *)(data + c->layout)))
		return;
	e->e.hdr.flags |= DNSLAT_GO_DNSERROR;
	e->is_timeout = d.is_timeout;
	e->is_temporary = d.is_temporary;
	e->is_not_found = d.is_not_found;
	e->err_len = go_read_text(e->err, d.err_p, d.err_len);
	e->server_len = go_read_text(e->server, d.server_p, d.server_len);
}

static __always_inline void go_report(struct go_call *c, __u64 latency_ns,
				      struct pt_regs *ctx)
{
	struct dnslat_go_event *e = utrace_reserve(sizeof(*e));

	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	utrace_fill_hdr(&e->e.hdr, c->ts);
	e->e.latency_ns = latency_ns;
	e->e.func = c->func;
	/* the number of results, from the returned slice's length */
	e->e.ret = ctx->rbx > 0x7fffffff ? 0x7fffffff : (__s32)ctx->rbx;
	e->e.len = c->len;
	__builtin_memcpy(e->e.host, c->host, sizeof(e->e.host));
	if (c->host_len > DNSLAT_HOST_MAX)
		e->e.hdr.flags |= DNSLAT_TRUNCATED;
	go_read_error(e, c, ctx);
	utrace_submit(e);
}

SEC("uprobe")
int go_lookup_ret(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct go_call *c;
	struct go_key k;
	bool drop;

	if (!go_key_of(ctx, &k))
		return 0;
	c = bpf_map_lookup_elem(&go_calls, &k);
	if (!c)
		return 0;
	/* the record is this goroutine's: read in place, deleted after */
	drop = now - c->ts < min_ns;
	if (!drop && !c->have_host) {
		c->have_host = go_read_host(c);
		drop = c->func != DNSLAT_GO_LOOKUPADDR && go_ip_literal(c);
	}
	/* the error's kind takes reading it: -H tells ok from error */
	if (!drop && hist_mode)
		utrace_hist_add(c->func * DNSLAT_NRESULTS +
				(ctx->rdi ? DNSLAT_RES_GO_ERROR : DNSLAT_RES_OK), now - c->ts);
	else if (!drop)
		go_report(c, now - c->ts, ctx);
	bpf_map_delete_elem(&go_calls, &k);
	go_procs_add(k.tgid, -1);
	return 0;
}

static long go_drop_call(void *map, const struct go_key *k, void *v, __u32 *tgid)
{
	(void)v;
	if (k->tgid == *tgid)
		bpf_map_delete_elem(map, k);
	return 0;
}

/*
 * A process that dies with Go lookups in flight (killed, or exit() from
 * another goroutine) never reaches their RETs: drop their records when its
 * main thread exits. Go's runtime never ends that thread on its own (it
 * does not call pthread_exit()), so its exit is the process's; read from
 * the task's signal_struct it would need CO-RE, and the kernel's whole BTF
 * loaded at every start.
 */
SEC("raw_tp/sched_process_exit")
int go_calls_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	__s64 *n;

	(void)ctx;
	if ((__u32)id != tgid)
		return 0;
	n = bpf_map_lookup_elem(&go_procs, &tgid);
	if (!n)
		return 0;
	if (*n > 0)
		bpf_for_each_map_elem(&go_calls, go_drop_call, &tgid, 0);
	bpf_map_delete_elem(&go_procs, &tgid);
	return 0;
}

#endif
