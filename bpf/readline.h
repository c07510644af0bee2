/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef UTRACE_READLINE_H
#define UTRACE_READLINE_H

#include "event.h"

/* Lines up to this many bytes are shown whole; longer ones are cut. */
#define READLINE_MAX 4096

#define READLINE_TRUNCATED 0x1	/* event_hdr.flags: the line was longer */

struct readline_event {
	struct event_hdr hdr;
	__u32 len;			/* bytes in line, without the NUL */
	char line[READLINE_MAX + 1];
};

#endif
