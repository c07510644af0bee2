// SPDX-License-Identifier: GPL-2.0-only
#include "errors.h"

#include <errno.h>
#include <stdio.h>
#include <linux/capability.h>
#include <string.h>

#include "privilege.h"

static const char *file_error(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return "no such file";
	case EISDIR:
		return "is a directory";
	case EACCES:
	case EPERM:
		return "permission denied";
	case ELOOP:
		return "too many levels of symbolic links";
	case ENOEXEC:
		return "not an ELF file";	/* not a regular file */
	}
	return NULL;
}

static const char *elf_error(int e)
{
	switch (e) {
	case ENOEXEC:
		return "not an ELF file";
	case EINVAL:
		return "not a 64-bit x86-64 ELF file";
	case ESRCH:
		return "no such symbol";
	}
	return NULL;
}

const char *utrace_strerror(int err, char *buf, size_t len)
{
	int e = utrace_err_errno(err);
	const char *s = NULL;

	switch (utrace_err_layer(err)) {
	case UTRACE_L_FILE:
		s = file_error(e);
		break;
	case UTRACE_L_ELF:
		s = elf_error(e);
		break;
	case UTRACE_L_KERNEL:
		if (e == EOPNOTSUPP)
			return "the kernel refused the probe: no BPF cookies (Linux 5.15 or later, with BPF links, is needed)";
		/* probes.c: EACCES only from perf events, EPERM from links */
		if (e == EACCES)
			return "the kernel refused the probe: permission denied (perf-event uprobes, used where the kernel has no uprobe_multi links, need CAP_SYS_ADMIN)";
		/* ENOTSUPP, the kernel's own: its instruction decoder said no */
		if (e == 524)
			return "the kernel refused the probe: it cannot probe the instruction there";
		snprintf(buf, len, "the kernel refused the probe: %s",
			 e == EPERM || e == EACCES ? "permission denied" : strerror(e));
		return buf;
	case UTRACE_L_UNSAFE:
		if (e == EXDEV)
			return "a Go program: return probes would corrupt its goroutine stacks";
		break;
	case UTRACE_L_PROC:
		if (e == ESRCH || e == ENOENT)
			return "no such process";
		if ((e == EPERM || e == EACCES) && !privilege_has(CAP_SYS_PTRACE))
			return "permission denied (another user's process: CAP_SYS_PTRACE is needed)";
		if (e == EPERM || e == EACCES)
			return "permission denied";
		break;
	default:
		/* untagged: the ELF reader's words are what callers expect */
		s = elf_error(e);
		if (!s)
			s = file_error(e);
	}
	if (s)
		return s;
	snprintf(buf, len, "%s", strerror(e));
	return buf;
}
