// SPDX-License-Identifier: GPL-2.0-only
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t ns_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

uint64_t clock_boot_ns(void)
{
	return (uint64_t)ns_of(CLOCK_BOOTTIME);
}

void wallclock_sync(struct wallclock *c)
{
	int64_t best_gap = INT64_MAX;

	/*
	 * Bracket one realtime read between two boottime reads and keep the
	 * tightest bracket: a preemption between the reads would otherwise
	 * skew every timestamp by the length of the preemption.
	 */
	for (int i = 0; i < 5; i++) {
		int64_t b0 = ns_of(CLOCK_BOOTTIME);
		int64_t r = ns_of(CLOCK_REALTIME);
		int64_t b1 = ns_of(CLOCK_BOOTTIME);

		if (b1 - b0 < best_gap) {
			best_gap = b1 - b0;
			c->offset_ns = r - (b0 + (b1 - b0) / 2);
		}
	}
}

int64_t wallclock_unix_ns(const struct wallclock *c, uint64_t boot_ns)
{
	return (int64_t)boot_ns + c->offset_ns;
}

static void split(int64_t unix_ns, time_t *sec, long *nsec)
{
	*sec = (time_t)(unix_ns / 1000000000LL);
	*nsec = (long)(unix_ns % 1000000000LL);
	if (*nsec < 0) {
		*nsec += 1000000000L;
		*sec -= 1;
	}
}

void clock_format_hms(char buf[16], int64_t unix_ns)
{
	struct tm tm;
	time_t sec;
	long nsec;

	split(unix_ns, &sec, &nsec);
	localtime_r(&sec, &tm);
	strftime(buf, 16, "%H:%M:%S", &tm);
}

void clock_format_rfc3339(char buf[64], int64_t unix_ns)
{
	struct tm tm;
	time_t sec;
	long nsec, off;
	char sign = '+';
	int hh, mm;

	split(unix_ns, &sec, &nsec);
	localtime_r(&sec, &tm);
	off = tm.tm_gmtoff;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	hh = (int)(off / 3600 % 100);
	mm = (int)(off % 3600 / 60);
	snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld%c%02d:%02d",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, nsec / 1000, sign, hh, mm);
}
