/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UTRACE_FUNCLAT_H
#define UTRACE_FUNCLAT_H

#include "event.h"

/*
 * Functions that can be told apart: the attach cookie of a probe is the
 * function's number (lib/functable.h), and the key of its histogram.
 */
#define FUNCLAT_MAX_FUNCS 4096

/*
 * In a cookie, beside the number: the function is timed at its RET
 * instructions (an unwinding language's file, where a return probe's
 * trampoline in the return address slot would end the program when an
 * exception passes).
 */
#define FUNCLAT_AT_RETS (1u << 31)

/* -m: one per call that took at least that long. */
struct funclat_event {
	struct event_hdr hdr;		/* ts_ns: when the call was made */
	__u64 latency_ns;
	__u32 func;			/* the function's number */
	__u32 pad;
};

#endif
