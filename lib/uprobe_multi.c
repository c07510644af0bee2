// SPDX-License-Identifier: GPL-2.0-only
#include "uprobe_multi.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#define UPROBE_MULTI_RETURN 1U	/* BPF_F_UPROBE_MULTI_RETURN */

/* The link_create layout for uprobe_multi, as in the kernel's union bpf_attr. */
struct link_create_uprobe_multi {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags;
	uint32_t pid;
	uint32_t pad;
};

static long sys_bpf(int cmd, void *attr, unsigned int size)
{
	return syscall(SYS_bpf, cmd, attr, size);
}

int uprobe_multi_link(int prog_fd, const char *path, const uint64_t *offsets,
		      const uint64_t *cookies, size_t n, pid_t pid,
		      enum uprobe_kind kind)
{
	struct link_create_uprobe_multi a;
	long fd;

	if (!n || n > UINT32_MAX)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.prog_fd = (uint32_t)prog_fd;
	a.attach_type = kind == UPROBE_SESSION ? UTRACE_BPF_TRACE_UPROBE_SESSION
					       : UTRACE_BPF_TRACE_UPROBE_MULTI;
	a.path = (uint64_t)(uintptr_t)path;
	a.offsets = (uint64_t)(uintptr_t)offsets;
	a.cookies = (uint64_t)(uintptr_t)cookies;
	a.cnt = (uint32_t)n;
	a.multi_flags = kind == UPROBE_RETURN ? UPROBE_MULTI_RETURN : 0;
	a.pid = pid > 0 ? (uint32_t)pid : 0;
	fd = sys_bpf(BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : (int)fd;
}

/* r0 = 0; exit */
static const struct bpf_insn trivial[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

int uprobe_multi_empty_prog(bool session)
{
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.expected_attach_type = session ? UTRACE_BPF_TRACE_UPROBE_SESSION
					 : UTRACE_BPF_TRACE_UPROBE_MULTI;
	a.insns = (uint64_t)(uintptr_t)trivial;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t)"GPL";
	fd = sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	return fd < 0 ? -errno : (int)fd;
}

static bool probe(enum uprobe_kind kind)
{
	uint64_t zero = 0;
	int prog = uprobe_multi_empty_prog(kind == UPROBE_SESSION), link, err;

	if (prog < 0)
		return false;
	/*
	 * A link on the directory "/" fails with EBADF only where the kernel
	 * knows the link type (older ones say EINVAL): nothing is probed.
	 */
	link = uprobe_multi_link(prog, "/", &zero, NULL, 1, -1, kind);
	err = link;
	if (link >= 0)
		close(link);
	close(prog);
	return err == -EBADF;
}

bool uprobe_multi_supported(void)
{
	static int supported = -1;

	if (supported < 0)
		supported = probe(UPROBE_ENTRY);
	return supported;
}

bool uprobe_session_supported(void)
{
	static int supported = -1;

	if (supported < 0)
		supported = uprobe_multi_supported() && probe(UPROBE_SESSION);
	return supported;
}
