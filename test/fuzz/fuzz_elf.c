// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for lib/elfread.c and lib/ldpath.c: the input bytes become a file
 * that every entry point then reads. Beyond not crashing (ASan/UBSan
 * watch the reads), the results must be consistent: every call opens the
 * file the same way, so each fails exactly as elf_check() does, and an
 * offset found lies inside the file.
 *
 * The file is a memfd reached through /proc/self/fd/N: no disk I/O, no
 * temporary file left behind by a crash, and it is created once per
 * process, then rewritten in place for each input.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfread.h"
#include "ldpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int mem_fd = -1;
static char mem_path[64];

static void fail(const char *why, int a, int b)
{
	fprintf(stderr, "fuzz_elf: %s (%d, %d)\n", why, a, b);
	abort();
}

static void set_contents(const uint8_t *data, size_t size)
{
	if (mem_fd < 0) {
		mem_fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
		if (mem_fd < 0)
			fail("memfd_create", errno, 0);
		snprintf(mem_path, sizeof(mem_path), "/proc/self/fd/%d",
			 mem_fd);
	}
	if (ftruncate(mem_fd, 0) < 0)
		fail("ftruncate", errno, 0);
	if (size && pwrite(mem_fd, data, size, 0) != (ssize_t)size)
		fail("pwrite", errno, 0);
}

/* Touch every byte of each name so ASan sees any unterminated string. */
static int needed_cb(const char *soname, void *arg)
{
	size_t *total = arg;

	*total += strlen(soname);
	return 0;
}

static void check_symbol(const char *sym, int check, size_t size)
{
	uint64_t off = UINT64_MAX;
	int err = elf_symbol_offset(mem_path, sym, &off);

	if (check && err != check)
		fail("elf_symbol_offset and elf_check disagree", err, check);
	if (!check && err && err != -ESRCH)
		fail("elf_symbol_offset failed on a valid file", err, 0);
	if (!err && off >= size)
		fail("offset outside the file", (int)(off > INT_MAX ? -1 : off),
		     (int)size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[PATH_MAX];
	size_t total = 0;
	int check, err;

	set_contents(data, size);
	check = elf_check(mem_path);
	(void)elf_strerror(check);

	check_symbol("main", check, size);
	check_symbol("getaddrinfo", check, size);

	err = elf_for_each_needed(mem_path, needed_cb, &total);
	if (err != check)
		fail("elf_for_each_needed and elf_check disagree", err, check);

	/* A root that does not exist leaves only $ORIGIN paths to find. */
	err = elf_find_library(mem_path, "libc.so.6", "/nonexistent-root", out,
			       sizeof(out));
	if (err && err != -ENOENT)
		fail("elf_find_library", err, 0);
	if (!err && !memchr(out, '\0', sizeof(out)))
		fail("elf_find_library result not terminated", 0, 0);
	return 0;
}
