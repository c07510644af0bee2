/* SPDX-License-Identifier: GPL-2.0-only */
/* The head of every per-thread call record (see frame.bpf.h). */
#ifndef UTRACE_FRAME_H
#define UTRACE_FRAME_H

#include <linux/types.h>

struct utrace_frame {
	__u64 ts;		/* entry time */
	__u64 sp;		/* stack pointer at entry: names the frame */
};

#endif
