// SPDX-License-Identifier: GPL-2.0-only
/*
 * funclat_prog: calls the functions of libfunclat_test.so the tests time,
 * as its arguments say, in order:
 *
 *   wait         print "ready", then wait for a line on stdin
 *   short N      fl_short() N times (1.2 ms each)
 *   long N       fl_long() N times (17 ms each)
 *   recurse D N  fl_recurse(D) N times: D nested calls, 17 ms in all
 *   outer N      fl_outer() N times: two fl_inner() inside each
 *   ifunc N      fl_ifunc() N times
 *   many         each of fl_many_000..999 once
 *   memcpy N     libc's memcpy() N times, 64 KiB each (an IFUNC of glibc)
 *   prog N       prog_work() N times, a function of this executable (1.2 ms)
 *   exec ARGS    from inside prog_exec(), a function of this executable,
 *                exec() this program again with ARGS (the rest of them)
 *
 * and prints "done" at the end. The calls go through volatile pointers so
 * the compiler makes each one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fl_short(void);
void fl_long(void);
int fl_recurse(int n);
void fl_outer(void);
int fl_ifunc(int x);
long fl_call_many(void);

/* A function of the executable itself, for PROG:FUNC and :FUNC. */
__attribute__((noinline)) void prog_work(void)
{
	fl_short();
	__asm__ volatile("" ::: "memory");
}

/* Never returns: the call is left by the exec(), its frame with it. */
__attribute__((noinline)) void prog_exec(char **rest)
{
	rest[-1] = "funclat_prog";
	execv("/proc/self/exe", rest - 1);
	perror("funclat_prog: execv");
	exit(2);
}

static void *(*volatile copy)(void *, const void *, size_t) = memcpy;
static int (*volatile ifunc)(int) = fl_ifunc;

static long count(char **argv, int *i, int argc)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "funclat_prog: %s needs a count\n", argv[*i]);
		exit(2);
	}
	return strtol(argv[++*i], NULL, 10);
}

int main(int argc, char **argv)
{
	static char a[65536], b[65536];
	char line[64];
	long sum = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];
		long n, d;

		if (!strcmp(c, "wait")) {
			printf("ready\n");
			if (!fgets(line, sizeof(line), stdin))
				return 1;
		} else if (!strcmp(c, "short")) {
			for (n = count(argv, &i, argc); n > 0; n--)
				fl_short();
		} else if (!strcmp(c, "long")) {
			for (n = count(argv, &i, argc); n > 0; n--)
				fl_long();
		} else if (!strcmp(c, "recurse")) {
			d = count(argv, &i, argc);
			for (n = count(argv, &i, argc); n > 0; n--)
				sum += fl_recurse((int)d);
		} else if (!strcmp(c, "outer")) {
			for (n = count(argv, &i, argc); n > 0; n--)
				fl_outer();
		} else if (!strcmp(c, "ifunc")) {
			for (n = count(argv, &i, argc); n > 0; n--)
				sum += ifunc((int)n);
		} else if (!strcmp(c, "prog")) {
			for (n = count(argv, &i, argc); n > 0; n--)
				prog_work();
		} else if (!strcmp(c, "exec")) {
			prog_exec(argv + i + 1);
		} else if (!strcmp(c, "many")) {
			sum += fl_call_many();
		} else if (!strcmp(c, "memcpy")) {
			for (n = count(argv, &i, argc); n > 0; n--)
				copy(n & 1 ? a : b, n & 1 ? b : a, sizeof(a));
		} else {
			fprintf(stderr, "funclat_prog: unknown command %s\n", c);
			return 2;
		}
	}
	printf("done %ld\n", sum & 1);
	return 0;
}
