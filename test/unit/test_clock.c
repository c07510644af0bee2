// SPDX-License-Identifier: GPL-2.0-only
/*
 * Clock conversion: boot-time stamps from BPF become wall-clock time, in
 * the operator's zone, in both output formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

static int failures;

static void expect_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want)) {
		fprintf(stderr, "FAIL %s: got '%s', want '%s'\n", what, got, want);
		failures++;
	}
}

static void formats_in_zone(const char *tz, const char *hms,
			    const char *rfc)
{
	/* 2026-11-25 11:47:28.123456789 UTC */
	const int64_t t = 1795607248LL * 1000000000LL + 123456789;
	char buf[64];

	setenv("TZ", tz, 1);
	tzset();
	clock_format_hms(buf, t);
	expect_str(tz, buf, hms);
	clock_format_rfc3339(buf, t);
	expect_str(tz, buf, rfc);
}

static void conversion(void)
{
	struct wallclock c;
	struct timespec rt;
	uint64_t boot = clock_boot_ns();
	int64_t wall, real;

	wallclock_sync(&c);
	wall = wallclock_unix_ns(&c, boot);
	clock_gettime(CLOCK_REALTIME, &rt);
	real = (int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec;
	/* a boot stamp taken just now must convert to just now */
	if (wall > real || real - wall > 50 * 1000000LL) {
		fprintf(stderr, "FAIL conversion: %lld ns off\n",
			(long long)(real - wall));
		failures++;
	}
	/* an event one second older shows one second earlier */
	if (wallclock_unix_ns(&c, boot - 1000000000ULL) != wall - 1000000000LL) {
		fprintf(stderr, "FAIL conversion is not linear\n");
		failures++;
	}
}

int main(void)
{
	formats_in_zone("UTC0", "11:47:28", "2026-11-25T11:47:28.123456+00:00");
	/* POSIX zone strings need no tzdata: UTC+05:30 and UTC-03:00 */
	formats_in_zone("IST-5:30", "17:17:28", "2026-11-25T17:17:28.123456+05:30");
	formats_in_zone("BRT3", "08:47:28", "2026-11-25T08:47:28.123456-03:00");
	/* before the epoch: the fraction still counts forward */
	setenv("TZ", "UTC0", 1);
	tzset();
	{
		char buf[64];

		clock_format_rfc3339(buf, -1500000000LL);
		expect_str("pre-epoch", buf, "1969-12-31T23:59:58.500000+00:00");
	}
	conversion();
	if (failures)
		return 1;
	puts("ok");
	return 0;
}
