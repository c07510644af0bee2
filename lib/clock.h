/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF stamps events with the boot-time clock (it keeps counting across
 * suspend and never steps); operators want wall-clock time. The offset
 * between the two is measured here and re-measured as the tracer runs, so
 * a row shows when the thing happened, not when it was printed.
 */
#ifndef UTRACE_CLOCK_H
#define UTRACE_CLOCK_H

#include <stdint.h>

struct wallclock {
	int64_t offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
};

void wallclock_sync(struct wallclock *c);
int64_t wallclock_unix_ns(const struct wallclock *c, uint64_t boot_ns);

/* "HH:MM:SS" in local time. */
void clock_format_hms(char buf[16], int64_t unix_ns);
/* RFC 3339, local time, microseconds and offset: 2026-11-25T11:47:28.123456+01:00 */
void clock_format_rfc3339(char buf[64], int64_t unix_ns);

uint64_t clock_boot_ns(void);

#endif
