// SPDX-License-Identifier: GPL-2.0-only
/*
 * hardening_seccomp SYSCALL ERRNO PROGRAM [ARG...]: run PROGRAM with
 * SYSCALL failing with ERRNO, as on a host whose seccomp policy or kernel
 * configuration denies it. SYSCALL: bpf, perf_event_open, or
 * bpf_link_create (only bpf(BPF_LINK_CREATE, ...): programs load, probes
 * cannot be attached). Built by test_hardening.py at test time.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long nr;
	int err, any_cmd = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: %s bpf|perf_event_open|bpf_link_create ERRNO PROGRAM [ARG...]\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "bpf"))
		nr = __NR_bpf;
	else if (!strcmp(argv[1], "perf_event_open"))
		nr = __NR_perf_event_open;
	else if (!strcmp(argv[1], "bpf_link_create")) {
		nr = __NR_bpf;
		any_cmd = 0;
	}
	else {
		fprintf(stderr, "%s: unknown syscall %s\n", argv[0], argv[1]);
		return 2;
	}
	err = atoi(argv[2]);

	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 3),
		/* the low half of the first argument (x86-64 is little-endian) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		any_cmd ? (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0) :
			  (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BPF_LINK_CREATE, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 2;
	}
	execv(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
