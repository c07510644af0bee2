// SPDX-License-Identifier: GPL-2.0-only
/*
 * Layered errors (lib/errors.h): the same errno means different things in
 * different layers, and each message says which layer refused and why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"

static int failures;

static void expect(int err, const char *want)
{
	char buf[256];
	const char *got = utrace_strerror(err, buf, sizeof(buf));

	if (!strstr(got, want)) {
		fprintf(stderr, "FAIL: error %d (layer %d, errno %d): %s, want %s\n", err,
			utrace_err_layer(err), utrace_err_errno(err), got, want);
		failures++;
	}
}

int main(void)
{
	/* EINVAL: not x86-64 to the ELF reader, a refused probe to the kernel */
	expect(UTRACE_ERR(UTRACE_L_ELF, EINVAL), "not a 64-bit x86-64 ELF file");
	expect(UTRACE_ERR(UTRACE_L_KERNEL, EINVAL), "the kernel refused the probe: Invalid argument");
	/* ENOENT: a missing file, a process that is gone */
	expect(UTRACE_ERR(UTRACE_L_FILE, ENOENT), "no such file");
	expect(UTRACE_ERR(UTRACE_L_PROC, ENOENT), "no such process");
	expect(UTRACE_ERR(UTRACE_L_ELF, ESRCH), "no such symbol");
	expect(UTRACE_ERR(UTRACE_L_ELF, ENOEXEC), "not an ELF file");
	expect(UTRACE_ERR(UTRACE_L_FILE, EISDIR), "is a directory");
	expect(UTRACE_ERR(UTRACE_L_KERNEL, EOPNOTSUPP), "BPF cookies");
	expect(UTRACE_ERR(UTRACE_L_KERNEL, EACCES), "CAP_SYS_ADMIN");
	expect(UTRACE_ERR(UTRACE_L_UNSAFE, EXDEV), "Go program");
	/* a tag is kept: the first layer to say what went wrong is right */
	if (utrace_err_as(UTRACE_L_ELF, UTRACE_ERR(UTRACE_L_FILE, EACCES)) !=
	    UTRACE_ERR(UTRACE_L_FILE, EACCES)) {
		fprintf(stderr, "FAIL: utrace_err_as retagged an error\n");
		failures++;
	}
	if (utrace_err_as(UTRACE_L_ELF, -ENOEXEC) != UTRACE_ERR(UTRACE_L_ELF, ENOEXEC) ||
	    utrace_err_layer(0) || utrace_err_errno(0)) {
		fprintf(stderr, "FAIL: utrace_err_as / 0\n");
		failures++;
	}
	/* every errno fits beside every layer */
	for (int l = UTRACE_L_NONE; l <= UTRACE_L_UNSAFE; l++)
		for (int e = 1; e < 4096; e++)
			if (utrace_err_layer(UTRACE_ERR(l, e)) != l ||
			    utrace_err_errno(UTRACE_ERR(l, e)) != e) {
				fprintf(stderr, "FAIL: layer %d errno %d do not round-trip\n", l, e);
				return 1;
			}
	if (failures)
		return 1;
	printf("test_errors: all checks passed\n");
	return 0;
}
