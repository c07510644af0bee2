// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/numparse.c: option values are all of the string, decimal, in range,
 * or -EINVAL with the output untouched. Every edge: empty, blanks, signs,
 * hex, overflow, suffixes, the bounds the options use, NaN and infinity.
 */
#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "numparse.h"

static int failures, checks;

#define SENTINEL_U 0x5a5a5a5a5a5a5a5aULL
#define SENTINEL_D -12345.0

static void fail(const char *fn, const char *s, const char *why)
{
	fprintf(stderr, "FAIL %s(\"%s\"): %s\n", fn, s ? s : "(null)", why);
	failures++;
}

static void u64_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = SENTINEL_U;
	int err = parse_u64(s, min, max, &v);

	checks++;
	if (err)
		fail("parse_u64", s, "rejected");
	else if (v != want)
		fail("parse_u64", s, "wrong value");
}

static void u64_bad(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = SENTINEL_U;
	int err = parse_u64(s, min, max, &v);

	checks++;
	if (err != -EINVAL)
		fail("parse_u64", s, err ? "error is not -EINVAL" : "accepted");
	if (v != SENTINEL_U)
		fail("parse_u64", s, "output written on error");
}

static void sec_ok(const char *s, double min, double max, double want)
{
	double v = SENTINEL_D;
	int err = parse_seconds(s, min, max, &v);

	checks++;
	if (err)
		fail("parse_seconds", s, "rejected");
	else if (v != want)
		fail("parse_seconds", s, "wrong value");
}

static void sec_bad(const char *s, double min, double max)
{
	double v = SENTINEL_D;
	int err = parse_seconds(s, min, max, &v);

	checks++;
	if (err != -EINVAL)
		fail("parse_seconds", s, err ? "error is not -EINVAL" : "accepted");
	if (v != SENTINEL_D)
		fail("parse_seconds", s, "output written on error");
}

static void size_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = SENTINEL_U;
	int err = parse_size(s, min, max, &v);

	checks++;
	if (err)
		fail("parse_size", s, "rejected");
	else if (v != want)
		fail("parse_size", s, "wrong value");
}

static void size_bad(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = SENTINEL_U;
	int err = parse_size(s, min, max, &v);

	checks++;
	if (err != -EINVAL)
		fail("parse_size", s, err ? "error is not -EINVAL" : "accepted");
	if (v != SENTINEL_U)
		fail("parse_size", s, "output written on error");
}

static void u64(void)
{
	const uint64_t M = UINT64_MAX;

	u64_ok("0", 0, M, 0);
	u64_ok("1", 0, M, 1);
	u64_ok("007", 0, M, 7);			/* decimal, not octal */
	u64_ok("00000000000000000000000000042", 0, M, 42);
	u64_ok("18446744073709551615", 0, M, M);
	u64_bad("18446744073709551616", 0, M);	/* overflows */
	u64_bad("99999999999999999999999", 0, M);
	u64_bad(NULL, 0, M);
	u64_bad("", 0, M);
	u64_bad(" 5", 0, M);
	u64_bad("\t5", 0, M);
	u64_bad("5 ", 0, M);
	u64_bad("5\n", 0, M);
	u64_bad("+5", 0, M);
	u64_bad("-1", 0, M);
	u64_bad("-0", 0, M);
	u64_bad("0x10", 0, M);
	u64_bad("0X10", 0, M);
	u64_bad("1e3", 0, M);
	u64_bad("1.0", 0, M);
	u64_bad("5k", 0, M);
	u64_bad("abc", 0, M);
	u64_bad("nan", 0, M);
	u64_bad("inf", 0, M);
	u64_bad("\xd9\xa1", 0, M);		/* ARABIC-INDIC DIGIT ONE */
	/* bounds are inclusive */
	u64_ok("10", 10, 20, 10);
	u64_ok("20", 10, 20, 20);
	u64_bad("9", 10, 20);
	u64_bad("21", 10, 20);
	u64_bad("0", 1, M);
	/* -p: 1 to 4194304 (PID_MAX_LIMIT) */
	u64_ok("1", 1, 4194304, 1);
	u64_ok("4194304", 1, 4194304, 4194304);
	u64_bad("4194305", 1, 4194304);
	u64_bad("0", 1, 4194304);
	/* -c: 1 to 1e15 */
	u64_ok("1000000000000000", 1, 1000000000000000ULL, 1000000000000000ULL);
	u64_bad("1000000000000001", 1, 1000000000000000ULL);
}

static void seconds(void)
{
	const double Y = 366.0 * 86400;	/* -d: 0.001 to a year */

	sec_ok("1", 0, Y, 1.0);
	sec_ok("0", 0, Y, 0.0);
	sec_ok("0.5", 0, Y, 0.5);
	sec_ok(".5", 0, Y, 0.5);
	sec_ok("5.", 0, Y, 5.0);
	sec_ok("1e3", 0, Y, 1000.0);		/* a decimal exponent is decimal */
	sec_ok("1E3", 0, Y, 1000.0);
	sec_ok("2.5e-1", 0, Y, 0.25);
	sec_ok("0.001", 0.001, Y, 0.001);	/* bounds are inclusive */
	sec_ok("31622400", 0.001, Y, Y);
	sec_bad("0.0009", 0.001, Y);
	sec_bad("0", 0.001, Y);
	sec_bad("31622400.5", 0.001, Y);
	sec_bad("1e9", 0.001, Y);
	sec_bad(NULL, 0, Y);
	sec_bad("", 0, Y);
	sec_bad(".", 0, Y);
	sec_bad(" 1", 0, Y);
	sec_bad("1 ", 0, Y);
	sec_bad("+1", 0, Y);
	sec_bad("-1", 0, Y);
	sec_bad("-0", 0, Y);
	sec_bad("1s", 0, Y);
	sec_bad("1e", 0, Y);
	sec_bad("1.5.2", 0, Y);
	sec_bad("1,5", 0, Y);
	sec_bad("0x10", 0, Y);			/* strtod's hex floats */
	sec_bad("0X1p3", 0, Y);
	sec_bad("0x", 0, Y);
	sec_bad("nan", 0, DBL_MAX);
	sec_bad("NaN", 0, DBL_MAX);
	sec_bad("nan(1)", 0, DBL_MAX);
	sec_bad("inf", 0, DBL_MAX);
	sec_bad("INF", 0, DBL_MAX);
	sec_bad("infinity", 0, DBL_MAX);
	sec_bad("1e400", 0, DBL_MAX);		/* overflow: ERANGE */
	sec_bad("1e-400", 0, DBL_MAX);		/* underflow: ERANGE */
	sec_ok("1e308", 0, DBL_MAX, 1e308);
}

static void sizes(void)
{
	const uint64_t M = UINT64_MAX, B0 = 4096, B1 = 1ULL << 30;

	size_ok("0", 0, M, 0);
	size_ok("4096", 0, M, 4096);
	size_ok("4k", 0, M, 4096);
	size_ok("4K", 0, M, 4096);
	size_ok("4KB", 0, M, 4096);
	size_ok("4Kb", 0, M, 4096);
	size_ok("4B", 0, M, 4);
	size_ok("1m", 0, M, 1 << 20);
	size_ok("1M", 0, M, 1 << 20);
	size_ok("1G", 0, M, 1ULL << 30);
	size_ok("1g", 0, M, 1ULL << 30);
	size_ok("007K", 0, M, 7 << 10);
	size_ok("18446744073709551615", 0, M, M);
	size_ok("17179869183G", 0, M, 17179869183ULL << 30);
	size_bad("17179869184G", 0, M);		/* 2^64: overflows when scaled */
	size_bad("18014398509481984K", 0, M);	/* 2^54 K = 2^64 */
	size_bad("18446744073709551616", 0, M);
	size_bad(NULL, 0, M);
	size_bad("", 0, M);
	size_bad("K", 0, M);
	size_bad(" 4K", 0, M);
	size_bad("4 K", 0, M);
	size_bad("4K ", 0, M);
	size_bad("+4K", 0, M);
	size_bad("-4K", 0, M);
	size_bad("0x1000", 0, M);
	size_bad("4KK", 0, M);
	size_bad("4BB", 0, M);
	size_bad("4T", 0, M);
	size_bad("4P", 0, M);
	size_bad("4KiB", 0, M);
	size_bad("1.5M", 0, M);
	size_bad("1e3", 0, M);
	size_bad("nan", 0, M);
	size_bad("inf", 0, M);
	/* --buffer: 4K to 1G, inclusive, after scaling */
	size_ok("4K", B0, B1, 4096);
	size_ok("4096", B0, B1, 4096);
	size_ok("1G", B0, B1, B1);
	size_ok("1024M", B0, B1, B1);
	size_ok("1073741824", B0, B1, B1);
	size_bad("4095", B0, B1);
	size_bad("3K", B0, B1);
	size_bad("0", B0, B1);
	size_bad("1025M", B0, B1);
	size_bad("2G", B0, B1);
	size_bad("1073741825", B0, B1);
}

int main(void)
{
	u64();
	seconds();
	sizes();
	if (failures) {
		fprintf(stderr, "%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("ok: %d checks\n", checks);
	return 0;
}
