// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/x86probe.c: the first instructions the kernel refuses to probe
 * (found refused by Linux 6.18 in Debian's libc: AVX variants of memcpy
 * and friends, pthread_spin_lock's LOCK DEC), and those it takes, which
 * are what functions start with.
 */
#include <stdio.h>
#include <string.h>

#include "x86probe.h"

static int failures;

static void expect(const char *what, const char *bytes, size_t n, int refused)
{
	const char *why = x86_probe_refused((const unsigned char *)bytes, n);

	if (!why == !refused)
		return;
	fprintf(stderr, "FAIL %s: %s\n", what, why ? why : "taken");
	failures++;
}

#define REFUSED(what, b) expect(what, b, sizeof(b) - 1, 1)
#define TAKEN(what, b) expect(what, b, sizeof(b) - 1, 0)

int main(void)
{
	REFUSED("lock decl (%rdi)", "\xf0\xff\x0f");
	REFUSED("vmovd %esi,%xmm0", "\xc5\xf9\x6e\xc6");
	REFUSED("vpxor %xmm15,%xmm15,%xmm15", "\xc4\x41\x01\xef\xff");
	REFUSED("vpbroadcastb (EVEX)", "\x62\xf2\x7d\x48\x78\xc0");
	REFUSED("cs nopw", "\x2e\x66\x0f\x1f\x84\x00\x00\x00\x00\x00");
	REFUSED("ds prefix", "\x3e\x48\x8b\x07");
	REFUSED("int3", "\xcc");
	REFUSED("a cut instruction", "\x48\x8b");
	REFUSED("nothing", "");
	TAKEN("endbr64", "\xf3\x0f\x1e\xfa");
	TAKEN("push %rbp", "\x55");
	TAKEN("mov %rsp,%rbp", "\x48\x89\xe5");
	TAKEN("sub $0x18,%rsp", "\x48\x83\xec\x18");
	TAKEN("mov %fs:0x28,%rax", "\x64\x48\x8b\x04\x25\x28\x00\x00\x00");
	TAKEN("mov %edi,%eax", "\x89\xf8");
	TAKEN("jmp rel32", "\xe9\x00\x00\x00\x00");
	TAKEN("movdqu (SSE)", "\xf3\x0f\x6f\x06");
	TAKEN("ret", "\xc3");
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
