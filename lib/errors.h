/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Errors that say which layer refused. ELF parsing, opening a file, the
 * kernel and /proc all speak errno, and the same number means different
 * things in each: EINVAL from the ELF reader is "not x86-64", from the
 * kernel it is a refused probe. An error here is -(layer << 12 | errno),
 * one int that travels up unchanged and is spelled out once, at the top.
 */
#ifndef UTRACE_ERRORS_H
#define UTRACE_ERRORS_H

#include <stddef.h>

enum utrace_layer {
	UTRACE_L_NONE,		/* a plain -errno from anywhere */
	UTRACE_L_FILE,		/* opening or reading a file */
	UTRACE_L_ELF,		/* the file's contents */
	UTRACE_L_KERNEL,	/* the kernel refused (a probe, a link) */
	UTRACE_L_PROC,		/* a process: gone, not ours to see */
	UTRACE_L_UNSAFE,	/* refused by utrace: it would harm the program */
};

#define UTRACE_ERR(layer, e)	(-(int)(((unsigned int)(layer) << 12) | (unsigned int)(e)))

static inline int utrace_err_layer(int err)
{
	return err < 0 ? (-err) >> 12 : 0;
}

static inline int utrace_err_errno(int err)
{
	return err < 0 ? (-err) & 0xfff : 0;
}

/* Tag a plain -errno with @layer (an error already tagged keeps its own). */
static inline int utrace_err_as(int layer, int err)
{
	if (err >= 0 || utrace_err_layer(err))
		return err;
	return UTRACE_ERR(layer, -err);
}

/*
 * What went wrong, in words an operator understands: "no such file",
 * "not an ELF file", "no such symbol", "the kernel refused the probe:
 * Invalid argument". Returns @buf or a constant string.
 */
const char *utrace_strerror(int err, char *buf, size_t len);

#endif
