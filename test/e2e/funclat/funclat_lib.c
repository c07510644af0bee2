// SPDX-License-Identifier: GPL-2.0-only
/*
 * libfunclat_test.so: functions whose latency the tests know. Each sleeps
 * just above a power of two of nanoseconds, so that a loaded machine's
 * lateness keeps it in its log2 bucket: fl_short 1.2 ms (bucket 2^20 ns,
 * up to 2.1 ms), fl_long 17 ms (bucket 2^24 ns, up to 33.5 ms).
 * fl_recurse and fl_outer/fl_inner nest traced calls; fl_ifunc is an
 * IFUNC; fl_many_000..999 are a thousand distinct functions; fl_locked
 * and fl_avx start with instructions the kernel cannot probe (never
 * called: fl_avx needs AVX).
 */
#include <stdint.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default"), noinline))

static void sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	while (nanosleep(&ts, &ts))
		;
}

EXPORT void fl_short(void)
{
	sleep_ns(1200000);
}

EXPORT void fl_long(void)
{
	sleep_ns(17000000);
}

/* Depth @n: @n nested calls of itself, the innermost sleeping 17 ms. */
EXPORT int fl_recurse(int n)
{
	int r;

	if (n <= 1) {
		fl_long();
		return 1;
	}
	r = fl_recurse(n - 1) + 1;
	__asm__ volatile("" ::: "memory");	/* no tail call */
	return r;
}

EXPORT void fl_inner(void)
{
	sleep_ns(1200000);
}

/* Two calls of fl_inner inside: 2.4 ms in all (bucket 2^21 ns). */
EXPORT void fl_outer(void)
{
	fl_inner();
	fl_inner();
	__asm__ volatile("" ::: "memory");
}

/* An IFUNC: the symbol is the resolver; the calls go to one of these. */
static int fl_ifunc_plain(int x)
{
	return x + 1;
}

static int fl_ifunc_fancy(int x)
{
	return x + 2;
}

static int (*fl_ifunc_resolve(void))(int)
{
	volatile int pick = 0;

	return pick ? fl_ifunc_fancy : fl_ifunc_plain;
}

EXPORT int fl_ifunc(int x) __attribute__((ifunc("fl_ifunc_resolve")));

/* A thousand functions, each its own code (distinct constants). */
#define F(n) EXPORT int fl_many_##n(int x) { return x * 3 + 1##n; }
#define F10(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define F100(p) F10(p##0) F10(p##1) F10(p##2) F10(p##3) F10(p##4) F10(p##5) F10(p##6) \
	F10(p##7) F10(p##8) F10(p##9)
F100(0) F100(1) F100(2) F100(3) F100(4) F100(5) F100(6) F100(7) F100(8) F100(9)

#define P(n) fl_many_##n,
#define P10(p) P(p##0) P(p##1) P(p##2) P(p##3) P(p##4) P(p##5) P(p##6) P(p##7) P(p##8) P(p##9)
#define P100(p) P10(p##0) P10(p##1) P10(p##2) P10(p##3) P10(p##4) P10(p##5) P10(p##6) \
	P10(p##7) P10(p##8) P10(p##9)

/* Calls each fl_many_* once; returns their sum. */
EXPORT long fl_call_many(void)
{
	static int (*const v[])(int) = {
		P100(0) P100(1) P100(2) P100(3) P100(4) P100(5) P100(6) P100(7) P100(8) P100(9)
	};
	long sum = 0;

	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		sum += v[i](1);
	return sum;
}

/* A LOCK prefix and a VEX encoding first: no uprobe can go there. */
__asm__(".text\n"
	".globl fl_locked\n.type fl_locked, @function\n"
	"fl_locked:\n\tlock incl (%rdi)\n\tret\n"
	".size fl_locked, .-fl_locked\n"
	".globl fl_avx\n.type fl_avx, @function\n"
	"fl_avx:\n\tvmovd %esi, %xmm0\n\tret\n"
	".size fl_avx, .-fl_avx\n");
