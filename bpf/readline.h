/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UTRACE_READLINE_H
#define UTRACE_READLINE_H

#include "event.h"

/* Lines up to this many bytes are shown whole; longer ones are cut. */
#define READLINE_MAX 4096
/*
 * Most lines are short: they travel in a record this size, and only longer
 * ones in a full READLINE_MAX one, so the ring buffer holds ~30 times more
 * lines before it fills.
 */
#define READLINE_SHORT 240

#define READLINE_TRUNCATED 0x1	/* event_hdr.flags: the line was longer */

/* Sent with line[] READLINE_SHORT + 1 or READLINE_MAX + 1 bytes long. */
struct readline_event {
	struct event_hdr hdr;
	__u32 len;			/* bytes in line, without the NUL */
	char line[];
};

#endif
