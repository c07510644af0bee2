// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for lib/procfs.c: the input bytes are parsed both as a
 * maps file and as a status file, and read back as a file. Beyond not
 * crashing (ASan/UBSan watch every access), the results must hold what
 * callers rely on:
 *  - each map's range is start <= end, and its path is NUL-terminated
 *    inside the buffer, path_len long, the very bytes of the input's line
 *    up to its end (or up to a " (deleted)" that ends it);
 *  - a status has at most PROCFS_MAX_NSPID pids and a terminated name;
 *  - procfs_read_file() gives back the bytes exactly at a bound of their
 *    length, and -EFBIG one byte short of it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char deleted[] = " (deleted)";

static void fail(const char *why, size_t a, size_t b)
{
	fprintf(stderr, "fuzz_procfs: %s (%zu, %zu)\n", why, a, b);
	abort();
}

/* The input's line ends at @at: a '\n' or the end of the input. */
static bool line_ends(const uint8_t *data, size_t size, size_t at)
{
	return at == size || data[at] == '\n';
}

static void check_map(const struct proc_map *pm, const struct proc_maps *m,
		      const uint8_t *data, size_t size)
{
	size_t off, room;

	if (pm->start > pm->end)
		fail("start > end", 0, 0);
	if (!pm->path || pm->path < m->buf || pm->path > m->buf + size)
		fail("path outside the buffer", 0, 0);
	off = (size_t)(pm->path - m->buf);
	/* the buffer is size + 1 bytes: the terminator may be the last */
	room = size + 1 - off;
	if (!memchr(pm->path, '\0', room))
		fail("path not terminated in the buffer", off, size);
	if (pm->path_len != strlen(pm->path))
		fail("path_len != strlen(path)", pm->path_len, strlen(pm->path));
	if (memcmp(data + off, pm->path, pm->path_len))
		fail("path is not the input's bytes", off, pm->path_len);
	off += pm->path_len;
	if (pm->deleted) {
		if (size - off < sizeof(deleted) - 1 ||
		    memcmp(data + off, deleted, sizeof(deleted) - 1))
			fail("deleted without the suffix", off, size);
		off += sizeof(deleted) - 1;
	}
	if (!line_ends(data, size, off))
		fail("path stops before the line's end", off, size);
}

static void fuzz_maps(const uint8_t *data, size_t size)
{
	struct proc_maps m;
	char *text = malloc(size + 1);
	size_t lines = 0;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (procfs_parse_maps(text, size, &m))
		return;		/* -ENOMEM: text is freed */
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	lines += size && data[size - 1] != '\n';
	if (m.n > lines)
		fail("more maps than lines", m.n, lines);
	if (m.n && !m.v)
		fail("maps without a vector", m.n, 0);
	for (size_t i = 0; i < m.n; i++)
		check_map(&m.v[i], &m, data, size);
	procfs_maps_free(&m);
}

static void fuzz_status(const uint8_t *data, size_t size)
{
	struct proc_status st;
	int err = procfs_parse_status((const char *)data, size, &st);

	if (err && err != -EINVAL)
		fail("procfs_parse_status: not 0 or -EINVAL", (size_t)-err, 0);
	if (st.nnspid < 0 || st.nnspid > PROCFS_MAX_NSPID)
		fail("nnspid out of range", (size_t)st.nnspid, 0);
	if (!memchr(st.name, '\0', sizeof(st.name)))
		fail("name not terminated", 0, 0);
	if (st.tgid < 0 || st.pid < 0 || st.ppid < 0 || st.threads < 0)
		fail("negative id", 0, 0);
	for (int i = 0; i < st.nnspid; i++)
		if (st.nspid[i] < 0)
			fail("negative nspid", (size_t)i, 0);
}

/* The file is a memfd, made once, rewritten for each input (cf. fuzz_elf). */
static int mem_fd = -1;
static char mem_path[64];

static void fuzz_read_file(const uint8_t *data, size_t size)
{
	char *buf;
	size_t len;
	int err;

	if (mem_fd < 0) {
		mem_fd = memfd_create("fuzz_procfs", MFD_CLOEXEC);
		if (mem_fd < 0)
			fail("memfd_create", (size_t)errno, 0);
		snprintf(mem_path, sizeof(mem_path), "/proc/self/fd/%d", mem_fd);
	}
	if (ftruncate(mem_fd, 0) < 0)
		fail("ftruncate", (size_t)errno, 0);
	if (size && pwrite(mem_fd, data, size, 0) != (ssize_t)size)
		fail("pwrite", (size_t)errno, 0);

	err = procfs_read_file(mem_path, size, &buf, &len);
	if (err)
		fail("procfs_read_file at the exact bound", (size_t)-err, size);
	if (len != size || memcmp(buf, data, size) || buf[len] != '\0')
		fail("procfs_read_file: other bytes", len, size);
	free(buf);
	if (!size)
		return;
	err = procfs_read_file(mem_path, size - 1, &buf, &len);
	if (err != -EFBIG || buf || len)
		fail("procfs_read_file one byte short: not -EFBIG", (size_t)-err,
		     size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_maps(data, size);
	fuzz_status(data, size);
	fuzz_read_file(data, size);
	return 0;
}
