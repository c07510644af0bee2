// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper for test_dnslat.py: a process with no libc mapped, for
 * `utrace dnslat -p PID` to refuse. It sleeps for argv[1] seconds (default
 * 30), so it never outlives a test that forgot it for long.
 *
 * Built with -static where the toolchain can (a statically linked C
 * program), else with -nostdlib and -DNO_LIBC (no C library at all, as in
 * a Go binary): then raw x86-64 system calls do the sleeping.
 */
#ifndef NO_LIBC
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	sleep(argc > 1 ? (unsigned int)atoi(argv[1]) : 30);
	return 0;
}
#else
#include <sys/syscall.h>
#include <time.h>

static long syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b)
			  : "rcx", "r11", "memory");
	return ret;
}

void _start(void)
{
	/* no argv parsing without libc: always the default */
	struct timespec ts = { .tv_sec = 30 };

	syscall2(SYS_nanosleep, (long)&ts, 0);
	syscall2(SYS_exit, 0, 0);
	__builtin_unreachable();
}
#endif
