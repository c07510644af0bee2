/* SPDX-License-Identifier: GPL-2.0-only */
/* The head of every per-thread call record (see frame.bpf.h). */
#ifndef UTRACE_FRAME_H
#define UTRACE_FRAME_H

#include <linux/types.h>

struct utrace_frame {
	__u64 ts;		/* entry time */
	__u64 sp;		/* stack pointer at entry: names the frame */
	/*
	 * What the return address slot at @sp holds while the call runs:
	 * 0 for the uretprobe trampoline (a call with a return probe), else
	 * the caller's address (a call timed at its RET instructions).
	 */
	__u64 ret;
};

#endif
