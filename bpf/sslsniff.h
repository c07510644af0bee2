/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UTRACE_SSLSNIFF_H
#define UTRACE_SSLSNIFF_H

#include "event.h"

/* The traced functions: attach cookies. */
enum sslsniff_func {
	/* OpenSSL 1.1 and 3.x (libssl, or an executable embedding it) */
	SSLSNIFF_SSL_READ,
	SSLSNIFF_SSL_READ_EX,
	SSLSNIFF_SSL_PEEK,
	SSLSNIFF_SSL_PEEK_EX,
	SSLSNIFF_SSL_READ_EARLY,
	SSLSNIFF_SSL_WRITE,
	SSLSNIFF_SSL_WRITE_EX,
	SSLSNIFF_SSL_WRITE_EARLY,
	/* GnuTLS */
	SSLSNIFF_GNUTLS_RECV,
	SSLSNIFF_GNUTLS_RECV_SEQ,
	SSLSNIFF_GNUTLS_RECV_EARLY,
	SSLSNIFF_GNUTLS_SEND,
	SSLSNIFF_GNUTLS_SEND2,
	SSLSNIFF_GNUTLS_SEND_RANGE,
	SSLSNIFF_GNUTLS_SEND_EARLY,
	/* NSS, through NSPR's I/O calls on a layered (SSL) descriptor */
	SSLSNIFF_PR_READ,
	SSLSNIFF_PR_RECV,
	SSLSNIFF_PR_WRITE,
	SSLSNIFF_PR_SEND,
	/* handshakes (--handshake) */
	SSLSNIFF_SSL_DO_HANDSHAKE,
	SSLSNIFF_GNUTLS_HANDSHAKE,
	SSLSNIFF_NFUNCS,
	/* not a call of its own: says why a handshake failed (OpenSSL) */
	SSLSNIFF_SSL_GET_ERROR = SSLSNIFF_NFUNCS,
};

/* A call's bytes go in records of at most this many: 16 KiB, a TLS record. */
#define SSLSNIFF_PART_MAX 16384

/* event_hdr.flags */
#define SSLSNIFF_TRUNCATED	0x1	/* --max-bytes: the call had more bytes */
#define SSLSNIFF_UNREADABLE	0x2	/* these bytes could not be read */
#define SSLSNIFF_HANDSHAKE	0x4	/* a handshake: result, no data */

/*
 * How a handshake ended (result, with SSLSNIFF_HANDSHAKE): ok, or the
 * library's own code for the failure in ret.
 */
enum sslsniff_result {
	SSLSNIFF_HS_OK,
	SSLSNIFF_HS_RET,	/* OpenSSL: SSL_do_handshake() returned ret (0) */
	SSLSNIFF_HS_SSL_ERROR,	/* OpenSSL: SSL_get_error() said ret */
	SSLSNIFF_HS_GNUTLS,	/* GnuTLS: error code ret */
};

/*
 * One record: a call (or one numbered part of it), or a handshake. Its
 * data follow it: data_len bytes, exactly as many as the record holds.
 */
struct sslsniff_event {
	struct event_hdr hdr;	/* ts_ns: when the call (the handshake) began */
	__u64 latency_ns;	/* time inside the call, waiting for the peer too */
	__u64 call;		/* the parts of one call share it */
	__u64 len;		/* bytes the call moved */
	__u64 offset;		/* where this part's data are in them */
	__s64 ret;		/* handshake: see result */
	__u32 part, parts;	/* 1-based; a whole call is part 1 of 1 */
	__u32 data_len;
	__u16 func;		/* enum sslsniff_func */
	__u8 result;		/* handshake: enum sslsniff_result */
	__u8 pad;
	__u32 calls;		/* handshake: the calls it took (non-blocking) */
	__u32 pad2;
};

#endif
