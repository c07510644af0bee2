/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UTRACE_DNSLAT_H
#define UTRACE_DNSLAT_H

#include "event.h"

/* The traced libc functions: attach cookies, and histogram keys. */
enum dnslat_func {
	DNSLAT_GETADDRINFO,
	DNSLAT_GETHOSTBYNAME,
	DNSLAT_GETHOSTBYNAME2,
	DNSLAT_GETHOSTBYNAME_R,
	DNSLAT_GETHOSTBYNAME2_R,
	DNSLAT_GETNAMEINFO,
	DNSLAT_GETHOSTBYADDR,
	DNSLAT_GETHOSTBYADDR_R,
	DNSLAT_NFUNCS,
};

/* Host names up to this many bytes are shown whole (DNS allows 253). */
#define DNSLAT_HOST_MAX 255
/* Bytes of a sockaddr kept for getnameinfo: sizeof(struct sockaddr_in6). */
#define DNSLAT_SOCKADDR_MAX 28
/* Bytes of an address kept for gethostbyaddr: an IPv6 address. */
#define DNSLAT_ADDR_MAX 16

/* event_hdr.flags */
#define DNSLAT_TRUNCATED	0x1	/* the name was longer than DNSLAT_HOST_MAX */
#define DNSLAT_NULL		0x2	/* no hostent: NULL returned, or in *result */
#define DNSLAT_HERRNO		0x4	/* herrno holds the call's h_errno */
#define DNSLAT_NO_NAME		0x8	/* the name asked about was NULL */

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

#endif
