// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace sslsniff: the plaintext a program hands to its TLS library, and
 * the plaintext the library hands back.
 *
 * One entry program for every traced function (the attach cookie says
 * which) remembers the call per thread; one return program reads what the
 * call moved: the return value, or for the _ex variants *readbytes or
 * *written. Both directions are read at the return, when the count is
 * known (a write's buffer is still the caller's then). A call's bytes go
 * out as records of exactly their size, in numbered parts of at most
 * 16 KiB, each part built in a per-CPU slot that is claimed first: a
 * uprobe program can be preempted, and a slot shared without a claim
 * would let another thread's bytes into this one's record.
 *
 * Handshakes (--handshake) are timed from the first call on a session to
 * the one that completes it, however many calls a non-blocking program
 * makes; OpenSSL's SSL_get_error() after a failed call tells a retry from
 * a failure.
 */
#include <stdbool.h>

#include "common.bpf.h"
#include "frame.h"
#include "sslsniff.h"

/* A call in progress: what the return probe needs to report it. */
struct call {
	struct utrace_frame f;
	__u64 session;		/* SSL *, gnutls_session_t, PRFileDesc * */
	__u64 buf;
	__u64 size;		/* bytes asked for */
	__u64 count_p;		/* _ex: size_t *readbytes or *written */
	__u32 func;
};

#define UTRACE_FRAME_TYPE struct call
#include "frame.bpf.h"

/* --max-bytes: bytes of each call kept; 0 with --no-data. */
const volatile __u64 max_bytes = ~0ULL;
const volatile bool no_data = false;

/* ---- records, built in claimed per-CPU slots ---- */

struct rec {
	struct sslsniff_event e;
	char data[SSLSNIFF_PART_MAX];
};

struct slot {
	__u64 busy;		/* claimed with cmpxchg: 0 free, 1 taken */
	struct rec r;
};

/*
 * Two per CPU: a program preempted while it holds one leaves the other to
 * the thread that runs next; a third at once is a lost record, counted.
 */
#define NSLOTS 2	/* slot_claim() tries each */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NSLOTS);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");

static __always_inline struct slot *slot_try(__u32 k)
{
	struct slot *sl = bpf_map_lookup_elem(&slots, &k);

	if (sl && __sync_val_compare_and_swap(&sl->busy, 0, 1) == 0)
		return sl;
	return NULL;
}

static __always_inline struct slot *slot_claim(void)
{
	struct slot *sl = slot_try(0);

	return sl ? sl : slot_try(1);
}

/* After the record went out: the helper that copied it is done with it. */
static __always_inline void slot_release(struct slot *sl)
{
	*(volatile __u64 *)&sl->busy = 0;
}

/* Calls are numbered so that their parts can be joined back. */
__u64 next_call = 0;

/* ---- which function is what ---- */

static __always_inline bool is_handshake(__u32 func)
{
	return func == SSLSNIFF_SSL_DO_HANDSHAKE || func == SSLSNIFF_GNUTLS_HANDSHAKE;
}

static __always_inline bool is_nspr(__u32 func)
{
	return func >= SSLSNIFF_PR_READ && func <= SSLSNIFF_PR_SEND;
}

/* The count is behind a pointer (size_t *readbytes, *written). */
static __always_inline bool counts_through_pointer(__u32 func)
{
	switch (func) {
	case SSLSNIFF_SSL_READ_EX:
	case SSLSNIFF_SSL_PEEK_EX:
	case SSLSNIFF_SSL_READ_EARLY:
	case SSLSNIFF_SSL_WRITE_EX:
	case SSLSNIFF_SSL_WRITE_EARLY:
		return true;
	}
	return false;
}

/* Returns an int (OpenSSL, NSPR), not a ssize_t (GnuTLS). */
static __always_inline bool returns_int(__u32 func)
{
	return func <= SSLSNIFF_SSL_WRITE_EARLY || is_nspr(func) || is_handshake(func);
}

/*
 * NSPR's PR_Read() and friends serve every descriptor: only a layered one
 * (NSS pushes its SSL layer on top of the socket) carries TLS plaintext.
 * PRFileDesc starts with its methods, PRIOMethods with the file type.
 */
#define PR_DESC_LAYERED 4

static __always_inline bool nspr_layered(__u64 fd)
{
	__u64 methods = 0;
	__u32 type = 0;

	if (!fd || bpf_probe_read_user(&methods, sizeof(methods), (void *)fd) || !methods)
		return false;
	if (bpf_probe_read_user(&type, sizeof(type), (void *)methods))
		return false;
	return type == PR_DESC_LAYERED;
}

/* ---- handshakes ---- */

struct hs_key {
	__u64 session;
	__u32 tgid;
	__u32 pad;
};

struct hs_state {
	__u64 start;		/* the first call on this session */
	__u64 end;		/* the last call's return */
	__s64 ret;
	__u32 calls;
	__u32 func;
	__u32 awaiting;		/* OpenSSL: failed; SSL_get_error() tells why */
	__u32 pad;
};

/* A session that never completes is forgotten, not kept forever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct hs_key);
	__type(value, struct hs_state);
} handshakes SEC(".maps");

static __always_inline struct hs_key hs_key_of(__u64 session)
{
	struct hs_key k = {
		.session = session,
		.tgid = bpf_get_current_pid_tgid() >> 32,
	};

	return k;
}

static __always_inline void hs_begin(const struct call *c)
{
	struct hs_key k = hs_key_of(c->session);
	struct hs_state *st = bpf_map_lookup_elem(&handshakes, &k);
	struct hs_state fresh = { .start = c->f.ts, .func = c->func };

	if (st) {
		st->awaiting = 0;	/* called again: that was a retry */
		return;
	}
	bpf_map_update_elem(&handshakes, &k, &fresh, BPF_NOEXIST);
}

static __always_inline void hs_report(const struct hs_state *st, __u8 result,
				      __s64 ret)
{
	struct sslsniff_event *e = utrace_reserve(sizeof(*e));

	if (!e)
		return;
	utrace_fill_hdr(&e->hdr, st->start);
	e->hdr.flags = SSLSNIFF_HANDSHAKE;
	e->latency_ns = st->end - st->start;
	e->call = __sync_fetch_and_add(&next_call, 1);
	e->len = 0;
	e->offset = 0;
	e->ret = ret;
	e->part = 1;
	e->parts = 1;
	e->data_len = 0;
	e->func = (__u16)st->func;
	e->result = result;
	e->pad = 0;
	e->calls = st->calls;
	e->pad2 = 0;
	utrace_submit(e);
}

/* GnuTLS: come back later, not a failure (GNUTLS_E_AGAIN, _INTERRUPTED). */
#define GNUTLS_E_AGAIN		(-28)
#define GNUTLS_E_INTERRUPTED	(-52)

static __always_inline void hs_end(const struct call *c, __u64 now, int ret)
{
	struct hs_key k = hs_key_of(c->session);
	struct hs_state *p = bpf_map_lookup_elem(&handshakes, &k);
	struct hs_state st = { .start = c->f.ts, .func = c->func };

	if (p)
		st = *p;
	st.calls++;
	st.end = now;
	if (c->func == SSLSNIFF_SSL_DO_HANDSHAKE) {
		if (ret < 0) {
			/* want more I/O, or failed: SSL_get_error() says */
			st.awaiting = 1;
			st.ret = ret;
			bpf_map_update_elem(&handshakes, &k, &st, BPF_ANY);
			return;
		}
		if (ret == 1)
			hs_report(&st, SSLSNIFF_HS_OK, 0);
		else
			hs_report(&st, SSLSNIFF_HS_RET, ret);
	} else {
		if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
			bpf_map_update_elem(&handshakes, &k, &st, BPF_ANY);
			return;
		}
		hs_report(&st, ret == 0 ? SSLSNIFF_HS_OK : SSLSNIFF_HS_GNUTLS, ret);
	}
	bpf_map_delete_elem(&handshakes, &k);
}

/* SSL_ERROR_* that mean "call again": WANT_READ, _WRITE, _X509_LOOKUP, ... */
static __always_inline bool ssl_error_retry(int err)
{
	return (err >= 2 && err <= 4) || (err >= 7 && err <= 12);
}

static __always_inline void hs_classify(const struct call *c, int err)
{
	struct hs_key k = hs_key_of(c->session);
	struct hs_state *p = bpf_map_lookup_elem(&handshakes, &k);
	struct hs_state st;

	if (!p || !p->awaiting)
		return;
	if (ssl_error_retry(err)) {
		p->awaiting = 0;
		return;
	}
	st = *p;
	bpf_map_delete_elem(&handshakes, &k);
	hs_report(&st, SSLSNIFF_HS_SSL_ERROR, err);
}

/* ---- data ---- */

/* The bytes call @c moved, from its return value @ret. */
static __always_inline __u64 moved(const struct call *c, long ret)
{
	__u64 n = 0;

	if (counts_through_pointer(c->func)) {
		/* 1 (SSL_read_early_data: 1 or 2) and the count set */
		if ((int)ret <= 0 || bpf_probe_read_user(&n, sizeof(n), (void *)c->count_p))
			return 0;
	} else if (returns_int(c->func)) {
		if ((int)ret <= 0)
			return 0;
		n = (__u64)(int)ret;
	} else {
		if (ret <= 0)
			return 0;
		n = (__u64)ret;
	}
	/* never more than the buffer the caller gave */
	return n < c->size ? n : c->size;
}

/* What every part of one call shares, for the loop that sends them. */
struct send_ctx {
	struct sslsniff_event e;
	__u64 buf;
	__u64 captured;		/* bytes sent, of e.len */
};

static long send_part(__u32 i, void *arg)
{
	struct send_ctx *x = arg;
	__u64 off = (__u64)i * SSLSNIFF_PART_MAX, n;
	struct slot *sl;

	if (off > x->captured)
		return 1;
	n = x->captured - off;
	if (n > SSLSNIFF_PART_MAX)
		n = SSLSNIFF_PART_MAX;
	sl = slot_claim();
	if (!sl) {
		utrace_count_lost();
		return 0;
	}
	sl->r.e = x->e;
	sl->r.e.part = i + 1;
	sl->r.e.offset = off;
	if (i + 1 < x->e.parts)
		sl->r.e.hdr.flags &= ~SSLSNIFF_TRUNCATED;
	if (n && bpf_probe_read_user(sl->r.data, n, (void *)(x->buf + off))) {
		sl->r.e.hdr.flags |= SSLSNIFF_UNREADABLE;
		n = 0;
	}
	sl->r.e.data_len = (__u32)n;
	utrace_output(&sl->r, sizeof(sl->r.e) + n);
	slot_release(sl);
	return 0;
}

static __always_inline void report(const struct call *c, __u64 now, __u64 bytes)
{
	struct send_ctx x = { .buf = c->buf };

	x.captured = bytes < max_bytes ? bytes : max_bytes;
	utrace_fill_hdr(&x.e.hdr, c->f.ts);
	if (x.captured < bytes && !no_data)
		x.e.hdr.flags = SSLSNIFF_TRUNCATED;
	x.e.latency_ns = now - c->f.ts;
	x.e.call = __sync_fetch_and_add(&next_call, 1);
	x.e.len = bytes;
	x.e.parts = x.captured ? (__u32)((x.captured + SSLSNIFF_PART_MAX - 1) / SSLSNIFF_PART_MAX) : 1;
	x.e.func = (__u16)c->func;
	bpf_loop(x.e.parts, send_part, &x, 0);
}

/* ---- the programs ---- */

/* 0: see its return (UTRACE_ENTRY_RETURN); 1: nothing to see there */
static __always_inline int tls_entered(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns(), sp = PT_REGS_SP(ctx);
	__u32 func = (__u32)bpf_get_attach_cookie(ctx);
	struct call c = {
		.f = { .ts = now, .sp = sp },
		.session = PT_REGS_PARM1(ctx),
		.buf = PT_REGS_PARM2(ctx),
		.size = PT_REGS_PARM3(ctx),
		.func = func,
	};
	struct call *slot;

	if (!utrace_traced())
		return 1;
	if (counts_through_pointer(func))
		c.count_p = PT_REGS_PARM4(ctx);
	else if (returns_int(func))
		c.size = (__u64)(int)c.size;	/* int num: a negative one moves nothing */
	if (is_nspr(func) && !nspr_layered(c.session))
		return 1;
	/*
	 * A call inside another traced one is not what the program asked
	 * for (gnutls_record_send() is gnutls_record_send2(); TLS over TLS
	 * through a proxy): only the outermost is reported.
	 */
	slot = frame_slot();
	if (!slot || frame_nested(slot, sp, now))
		return 1;
	if (is_handshake(func))
		hs_begin(&c);
	frame_push(slot, &c);
	return 0;
}

static __always_inline void tls_returned(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct call *p = frame_current();
	long ret = PT_REGS_RC(ctx);
	struct call c;
	__u64 bytes;

	if (!p || !frame_returns(&p->f, PT_REGS_SP(ctx)))
		return;
	c = *p;
	frame_pop(p);
	if (is_handshake(c.func)) {
		hs_end(&c, now, (int)ret);
		return;
	}
	bytes = moved(&c, ret);
	if (bytes)
		report(&c, now, bytes);
}

/* tls: every TLS read, write and handshake call (the cookie says which) */
UTRACE_ENTRY_RETURN(tls, tls_entered, tls_returned)

/*
 * SSL_get_error(ssl, ret): watched only for a session whose handshake
 * just failed, to tell a retry (SSL_ERROR_WANT_READ...) from a failure.
 */
static __always_inline int ssl_error_entered(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns(), sp = PT_REGS_SP(ctx);
	struct call c = {
		.f = { .ts = now, .sp = sp },
		.session = PT_REGS_PARM1(ctx),
		.func = SSLSNIFF_SSL_GET_ERROR,
	};
	struct hs_key k = hs_key_of(c.session);
	struct hs_state *st;
	struct call *slot;

	if (!utrace_traced())
		return 1;
	st = bpf_map_lookup_elem(&handshakes, &k);
	if (!st || !st->awaiting)
		return 1;
	slot = frame_slot();
	if (!slot || frame_nested(slot, sp, now))
		return 1;
	frame_push(slot, &c);
	return 0;
}

static __always_inline void ssl_error_returned(struct pt_regs *ctx)
{
	struct call *p = frame_current();
	struct call c;

	if (!p || p->func != SSLSNIFF_SSL_GET_ERROR || !frame_returns(&p->f, PT_REGS_SP(ctx)))
		return;
	c = *p;
	frame_pop(p);
	hs_classify(&c, (int)PT_REGS_RC(ctx));
}

UTRACE_ENTRY_RETURN(ssl_error, ssl_error_entered, ssl_error_returned)
