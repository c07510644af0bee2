// SPDX-License-Identifier: GPL-2.0-only
/*
 * Say up front which privilege is missing: without it libbpf fails later
 * with a bare EPERM that tells an operator nothing.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core.h"
#include "privilege.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

bool privilege_has(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };

	return !syscall(SYS_capget, &h, d) && has_cap(d, cap);
}

int privilege_check(char *missing, size_t len)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };
	bool bpf, perfmon;

	if (syscall(SYS_capget, &h, d))
		return 0;	/* cannot tell: let the kernel decide */
	/* CAP_SYS_ADMIN stands in for both on every kernel */
	if (has_cap(d, CAP_SYS_ADMIN))
		return 0;
	bpf = has_cap(d, CAP_BPF);
	perfmon = has_cap(d, CAP_PERFMON);
	if (bpf && perfmon)
		return 0;
	snprintf(missing, len, "%s%s%s", !bpf ? "CAP_BPF" : "",
		 !bpf && !perfmon ? " and " : "", !perfmon ? "CAP_PERFMON" : "");
	return -EPERM;
}
