/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UTRACE_DNSLAT_H
#define UTRACE_DNSLAT_H

#include "event.h"

/*
 * The traced functions: attach cookies, and histogram keys. The libc ones
 * first; then Go's net.(*Resolver) methods (bpf/dnslat_go.bpf.h).
 */
enum dnslat_func {
	DNSLAT_GETADDRINFO,
	DNSLAT_GETHOSTBYNAME,
	DNSLAT_GETHOSTBYNAME2,
	DNSLAT_GETHOSTBYNAME_R,
	DNSLAT_GETHOSTBYNAME2_R,
	DNSLAT_GETNAMEINFO,
	DNSLAT_GETHOSTBYADDR,
	DNSLAT_GETHOSTBYADDR_R,
	DNSLAT_GO_LOOKUPIPADDR,
	DNSLAT_GO_LOOKUPHOST,
	DNSLAT_GO_LOOKUPADDR,
	DNSLAT_NFUNCS,
};

#define DNSLAT_IS_GO(func) ((func) >= DNSLAT_GO_LOOKUPIPADDR && (func) < DNSLAT_NFUNCS)

/*
 * -H: a histogram per function and outcome (the "result" label of the
 * metrics; what is printed is the sum per function), key func *
 * DNSLAT_NRESULTS + outcome. The outcomes, as BPF tells them apart:
 */
#define DNSLAT_NRESULTS		32
#define DNSLAT_RES_OK		0
/* 1 to 19: EAI_* (getaddrinfo, getnameinfo), by -code */
#define DNSLAT_RES_EAI_MAX	19
#define DNSLAT_RES_EAI_OTHER	20	/* another EAI_* */
#define DNSLAT_RES_HERRNO	20	/* + h_errno 1 to 4: HOST_NOT_FOUND ... NO_DATA */
#define DNSLAT_RES_ERANGE	25	/* a _r call's buffer was too small */
#define DNSLAT_RES_FAILED	26	/* failed, no more said */
#define DNSLAT_RES_GO_ERROR	27	/* a Go lookup returned an error */

/* Host names up to this many bytes are shown whole (DNS allows 253). */
#define DNSLAT_HOST_MAX 255
/*
 * A libc lookup's record ends DNSLAT_HOST_SHORT bytes into host[] when its
 * name (with the NUL), sockaddr or address fits there: most do. Only a
 * longer name is sent in a whole struct dnslat_event. The record's size
 * says which.
 */
#define DNSLAT_HOST_SHORT 64
/* Bytes of a sockaddr kept for getnameinfo: sizeof(struct sockaddr_in6). */
#define DNSLAT_SOCKADDR_MAX 28
/* Bytes of an address kept for gethostbyaddr: an IPv6 address. */
#define DNSLAT_ADDR_MAX 16

/* event_hdr.flags */
#define DNSLAT_TRUNCATED	0x1	/* the name was longer than DNSLAT_HOST_MAX */
#define DNSLAT_NULL		0x2	/* no hostent: NULL returned, or in *result */
#define DNSLAT_HERRNO		0x4	/* herrno holds the call's h_errno */
#define DNSLAT_NO_NAME		0x8	/* the name asked about was NULL */
#define DNSLAT_GO_FAILED	0x10	/* Go: a non-nil error was returned */
#define DNSLAT_GO_DNSERROR	0x20	/* Go: ... a *net.DNSError, its fields read */

struct dnslat_event {
	struct event_hdr hdr;		/* ts_ns: when the call was made */
	__u64 latency_ns;
	__s32 ret;			/* int return value (not for pointers) */
	__s32 herrno;
	__u16 len;			/* bytes of host used */
	__u16 family;			/* gethostbyaddr: the address type */
	__u8 func;			/* enum dnslat_func */
	__u8 pad[3];
	/*
	 * The name asked about (getaddrinfo, gethostbyname*), the raw
	 * sockaddr (getnameinfo) or the raw address (gethostbyaddr*).
	 */
	char host[DNSLAT_HOST_MAX + 1];
};

/* Bytes kept of a *net.DNSError's Err and Server strings. */
#define DNSLAT_GO_TEXT_MAX 63

/* A Go lookup: the event, then what the *net.DNSError said (if any). */
struct dnslat_go_event {
	struct dnslat_event e;		/* ret: the number of results */
	__u8 is_timeout;
	__u8 is_temporary;
	__u8 is_not_found;
	__u8 err_len;
	__u8 server_len;
	__u8 pad[3];
	char err[DNSLAT_GO_TEXT_MAX + 1];
	char server[DNSLAT_GO_TEXT_MAX + 1];
};

/*
 * The entry probe's cookie for a Go function: the dnslat_func in bits 0-7;
 * in bits 8-15 where Err starts in a *net.DNSError of this binary's Go
 * release (DNSLAT_GO_NO_LAYOUT: not known); in bits 16-63 the distance,
 * signed, from the function to net.(*DNSError).Error (0: not in the
 * binary), whose address is the first method of the error's itab.
 */
#define DNSLAT_GO_NO_LAYOUT 0xff
#define DNSLAT_GO_COOKIE(func, layout, delta)				\
	((__u64)(func) | ((__u64)(layout) << 8) | ((__u64)(delta) << 16))

#endif
