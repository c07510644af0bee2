// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/procfs.c: the maps and status parsers on text written here (every
 * shape the kernel prints, and every way a line can be wrong), then the
 * readers on this process, a thread of it, a zombie child and files it
 * maps, against what the system calls say about them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "check.h"



/* ---- maps text ------------------------------------------------------- */

/* Parse @len bytes of @s the way procfs_read_maps() hands them over. */
static struct proc_maps maps_of(const char *s, size_t len)
{
	struct proc_maps m;
	char *text = malloc(len + 1);
	int err;

	if (!text)
		abort();
	memcpy(text, s, len);
	text[len] = '\0';
	err = procfs_parse_maps(text, len, &m);
	CHECK(err == 0, "procfs_parse_maps: %d", err);
	return m;
}

static struct proc_maps maps_str(const char *s)
{
	return maps_of(s, strlen(s));
}

/* Exactly one map, well-formed, from @line: its path and inode. */
static void one_map(const char *line, const char *path, uint64_t inode,
		    bool deleted)
{
	struct proc_maps m = maps_str(line);

	CHECK(m.n == 1, "%s: %zu maps", line, m.n);
	if (m.n == 1) {
		CHECK(!strcmp(m.v[0].path, path), "%s: path \"%s\"", line,
		      m.v[0].path);
		CHECK(m.v[0].path_len == strlen(path), "%s: path_len %zu", line,
		      m.v[0].path_len);
		CHECK(m.v[0].inode == inode, "%s: inode", line);
		CHECK(m.v[0].deleted == deleted, "%s: deleted", line);
	}
	procfs_maps_free(&m);
}

static void no_map(const char *line)
{
	struct proc_maps m = maps_str(line);

	CHECK(m.n == 0, "accepted: \"%s\"", line);
	procfs_maps_free(&m);
}

static void test_maps_fields(void)
{
	struct proc_maps m = maps_str(
		"556c343b4000-556c343b9000 r-xp 00002000 fe:00 247134                     /usr/bin/cat\n"
		"7f53fc34d000-7f53fc354000 r--s 00000000 fe:01 332280                     /usr/lib/gconv.cache\n"
		"556c71f42000-556c71f63000 rw-p 00000000 00:00 0                          [heap]\n"
		"7f53fc0e5000-7f53fc107000 ---p 00000000 00:00 0 \n");

	CHECK(m.n == 4, "%zu maps", m.n);
	if (m.n != 4)
		goto out;
	CHECK(m.v[0].start == 0x556c343b4000 && m.v[0].end == 0x556c343b9000,
	      "range");
	CHECK(m.v[0].offset == 0x2000, "offset");
	CHECK(m.v[0].dev_major == 0xfe && m.v[0].dev_minor == 0, "dev");
	CHECK(m.v[0].inode == 247134, "inode");
	CHECK(m.v[0].r && !m.v[0].w && m.v[0].x && !m.v[0].shared, "perms r-xp");
	CHECK(!strcmp(m.v[0].path, "/usr/bin/cat") && m.v[0].path_len == 12,
	      "path %s", m.v[0].path);
	CHECK(m.v[1].r && !m.v[1].w && !m.v[1].x && m.v[1].shared, "perms r--s");
	CHECK(m.v[1].dev_minor == 1, "minor");
	CHECK(m.v[2].r && m.v[2].w && !m.v[2].x, "perms rw-p");
	CHECK(!strcmp(m.v[2].path, "[heap]") && m.v[2].inode == 0, "heap");
	CHECK(!m.v[3].r && !m.v[3].w && !m.v[3].x && !m.v[3].shared, "---p");
	CHECK(m.v[3].path[0] == '\0' && m.v[3].path_len == 0, "anonymous");
	/* the paths are in the buffer handed over */
	for (size_t i = 0; i < m.n; i++)
		CHECK(m.v[i].path >= m.buf && m.v[i].path < m.buf + 400,
		      "path %zu outside the buffer", i);
out:
	procfs_maps_free(&m);
	CHECK(!m.v && !m.buf && !m.n, "procfs_maps_free leaves it empty");
	procfs_maps_free(&m);	/* twice is harmless */
}

static void test_maps_paths(void)
{
	one_map("7f0000000000-7f0000001000 r--p 00000000 08:01 42           /tmp/a b  c",
		"/tmp/a b  c", 42, false);
	/* a file's own trailing blanks are kept */
	one_map("7f0000000000-7f0000001000 r--p 00000000 08:01 42    /tmp/x  \n",
		"/tmp/x  ", 42, false);
	one_map("7f0000000000-7f0000001000 r--p 00000000 08:01 42    /tmp/x (deleted)\n",
		"/tmp/x", 42, true);
	one_map("7f0000000000-7f0000001000 r--p 00000000 08:01 42    /tmp/my lib.so (deleted)",
		"/tmp/my lib.so", 42, true);
	one_map("7f0000000000-7f0000001000 rw-s 00000000 00:01 1025  /memfd:jit (deleted)\n",
		"/memfd:jit", 1025, true);
	/* only the suffix, once: the rest is the file's name */
	one_map("7f0000000000-7f0000001000 r--p 00000000 08:01 42    /x (deleted) (deleted)\n",
		"/x (deleted)", 42, true);
	one_map("7f0000000000-7f0000001000 r--p 00000000 08:01 42    /x(deleted)\n",
		"/x(deleted)", 42, false);
	one_map("7f0000000000-7f0000001000 r--p 00000000 08:01 42    /x (deleted) \n",
		"/x (deleted) ", 42, false);
	/* no blank before it when there is no name: nothing was deleted */
	one_map("7f0000000000-7f0000001000 r--p 00000000 00:00 0 (deleted)\n",
		"(deleted)", 0, false);
	/* inode 0, with and without the kernel's blank after it */
	one_map("7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n", "", 0, false);
	one_map("7f0000000000-7f0000001000 rw-p 00000000 00:00 0\n", "", 0, false);
	one_map("7f0000000000-7f0000001000 rw-p 00000000 00:00 0                 \n",
		"", 0, false);
	one_map("7f0000000000-7f0000001000 rw-p 00000000 00:00 0", "", 0, false);
	/* pseudo names */
	one_map("7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0   [stack]\n",
		"[stack]", 0, false);
	one_map("7ffc00000000-7ffc00002000 r-xp 00000000 00:00 0   [vdso]\n",
		"[vdso]", 0, false);
	one_map("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0   [vsyscall]\n",
		"[vsyscall]", 0, false);
	one_map("7f0000000000-7f0000001000 rw-p 00000000 00:00 0   [anon:my arena]\n",
		"[anon:my arena]", 0, false);
	one_map("7f0000000000-7f0000001000 rw-s 00000000 00:01 7   [anon_shmem:ring]\n",
		"[anon_shmem:ring]", 7, false);
}

static void test_maps_numbers(void)
{
	struct proc_maps m;

	/* the largest the fields hold, and leading zeros beyond 16 digits */
	m = maps_str("0-ffffffffffffffff rwxs ffffffffffffffff ffffffff:ffffffff 18446744073709551615 /f\n"
		     "00000000000000000001-000000000000000000002 r--p 0000000000000000000 0000fff:000fffff 0000042 /g\n");
	CHECK(m.n == 2, "%zu maps", m.n);
	if (m.n == 2) {
		CHECK(m.v[0].start == 0 && m.v[0].end == UINT64_MAX, "range");
		CHECK(m.v[0].offset == UINT64_MAX, "offset");
		CHECK(m.v[0].dev_major == UINT_MAX && m.v[0].dev_minor == UINT_MAX,
		      "dev");
		CHECK(m.v[0].inode == UINT64_MAX, "inode");
		CHECK(m.v[0].r && m.v[0].w && m.v[0].x && m.v[0].shared, "rwxs");
		CHECK(m.v[1].start == 1 && m.v[1].end == 2, "leading zeros");
		CHECK(m.v[1].dev_major == 0xfff && m.v[1].dev_minor == 0xfffff,
		      "dev 12:20 bits");
		CHECK(m.v[1].inode == 42, "inode");
	}
	procfs_maps_free(&m);
	/* the kernel prints lower case; upper case means the same */
	m = maps_str("7F00-7F01 r--p 0A 0a:0B 1 /u\n");
	CHECK(m.n == 1 && m.v[0].start == 0x7f00 && m.v[0].offset == 10 &&
	      m.v[0].dev_minor == 11, "upper-case hex");
	procfs_maps_free(&m);
	/* an empty range is a range; a reversed one is not */
	one_map("1000-1000 r--p 0 00:00 0\n", "", 0, false);
	no_map("1001-1000 r--p 0 00:00 0\n");
}

static void test_maps_malformed(void)
{
	static const char *const bad[] = {
		"hello world\n",
		"\n",
		" ",
		"-",
		"7f00-7f01\n",
		"7f00-7f01 r-xp\n",
		"7f00-7f01 r-xp 00000000\n",
		"7f00-7f01 r-xp 00000000 fe:00\n",
		"7f00-7f01 r-xp 00000000 fe:00 \n",
		"7f00-7f01 r-xp 00000000 fe 12 /x\n",
		"7f00-7f01 r-xp 00000000 fe: 12 /x\n",
		"7f00-7f01 r-xp 00000000 :00 12 /x\n",
		"7f00 7f01 r-xp 00000000 fe:00 12 /x\n",
		"7f00- r-xp 00000000 fe:00 12 /x\n",
		"-7f01 r-xp 00000000 fe:00 12 /x\n",
		"7f00-7f01  r-xp 00000000 fe:00 12 /x\n",
		" 7f00-7f01 r-xp 00000000 fe:00 12 /x\n",
		"7f00-7f01 r-x 00000000 fe:00 12 /x\n",
		"7f00-7f01 r-xpp 00000000 fe:00 12 /x\n",
		"7f00-7f01 rwzp 00000000 fe:00 12 /x\n",
		"7f00-7f01 R-xp 00000000 fe:00 12 /x\n",
		"7f00-7f01 r-xq 00000000 fe:00 12 /x\n",
		"7f00-7f01 r-xp 0000000g fe:00 12 /x\n",
		"7f00-7f01 r-xp 00000000 fe:00 12x /x\n",
		"7f00-7f01 r-xp 00000000 fe:00 0x12 /x\n",
		"7f00-7f01 r-xp 00000000 fe:00 -1 /x\n",
		"7f00-7f01 r-xp 00000000 fe:00 1a /x\n",
		/* 17 significant hex digits, 2^64 in decimal */
		"10000000000000000-10000000000000001 r-xp 0 0:0 1 /x\n",
		"0-1 r-xp 10000000000000000 0:0 1 /x\n",
		"0-1 r-xp 0 0:0 18446744073709551616 /x\n",
		"0-1 r-xp 0 0:0 99999999999999999999999 /x\n",
		/* device numbers past 32 bits */
		"0-1 r-xp 0 100000000:0 1 /x\n",
		"0-1 r-xp 0 0:100000000 1 /x\n",
		/* a tab is not the blank the kernel prints */
		"0-1\tr-xp 0 0:0 1 /x\n",
		"0-1 r-xp 0 0:0 1\t/x\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		no_map(bad[i]);
}

static void test_maps_lines(void)
{
	static const char nul_line[] =
		"1000-2000 r--p 0 08:01 5 /a\n"
		"2000-3000 r--p 0 08:01 5 /b\0c\n"
		"3000-4000 r--p 0 08:01 5 /d\n";
	struct proc_maps m;

	/* good lines around bad ones; the last one has no newline */
	m = maps_str("garbage\n"
		     "1000-2000 r--p 00000000 08:01 5    /lib/a.so\n"
		     "\n"
		     "2000-1000 r--p 00000000 08:01 5    /lib/b.so\n"
		     "3000-4000 r-xp 00001000 08:01 5    /lib/a.so\n"
		     "3000-4000 r-xp 00001000 08:01\n"
		     "5000-6000 rw-p 00000000 00:00 0    [heap]");
	CHECK(m.n == 3, "%zu maps", m.n);
	if (m.n == 3) {
		CHECK(m.v[0].start == 0x1000 && !strcmp(m.v[0].path, "/lib/a.so"),
		      "first");
		CHECK(m.v[1].start == 0x3000 && m.v[1].x &&
		      !strcmp(m.v[1].path, "/lib/a.so"), "second");
		CHECK(m.v[2].start == 0x5000 && !strcmp(m.v[2].path, "[heap]") &&
		      m.v[2].path_len == 6, "last, no newline");
	}
	procfs_maps_free(&m);

	/* a NUL inside a path would make path_len lie: the line goes */
	m = maps_of(nul_line, sizeof(nul_line) - 1);
	CHECK(m.n == 2, "NUL line: %zu maps", m.n);
	if (m.n == 2)
		CHECK(!strcmp(m.v[0].path, "/a") && !strcmp(m.v[1].path, "/d"),
		      "NUL line: the others");
	procfs_maps_free(&m);

	m = maps_str("");
	CHECK(m.n == 0 && !m.v, "empty input");
	procfs_maps_free(&m);
	m = maps_str("\n\n\n");
	CHECK(m.n == 0, "blank lines");
	procfs_maps_free(&m);
	CHECK(procfs_parse_maps(NULL, 0, &m) == 0 && m.n == 0, "NULL text");
	procfs_maps_free(&m);
}

/* ---- status text ----------------------------------------------------- */

/* A status as 6.18 prints it, abridged; @kthread_line and @vmsize vary. */
static const char status_head[] =
	"Name:\tbash\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t20372\n"
	"Ngid:\t0\n"
	"Pid:\t20373\n"
	"PPid:\t20367\n"
	"TracerPid:\t0\n"
	"Uid:\t1000\t1001\t1002\t1003\n"
	"Gid:\t100\t100\t100\t100\n"
	"FDSize:\t256\n"
	"Groups:\t \n"
	"NStgid:\t20372\t7\n"
	"NSpid:\t20373\t8\n"
	"NSpgid:\t20367\t1\n"
	"NSsid:\t16754\t1\n";
static const char status_vm[] =
	"VmPeak:\t    3060 kB\n"
	"VmSize:\t    3060 kB\n"
	"VmLck:\t       0 kB\n";
static const char status_tail[] =
	"Threads:\t3\n"
	"SigQ:\t0/96363\n"
	"Cpus_allowed_list:\t0-1\n"
	"voluntary_ctxt_switches:\t0\n";

static int status_of(const char *s, struct proc_status *st)
{
	return procfs_parse_status(s, strlen(s), st);
}

/* The head with State: replaced by @state, then @middle and the tail. */
static int status_with(const char *state, const char *middle,
		       struct proc_status *st)
{
	char buf[4096];
	const char *s = strstr(status_head, "State:");
	const char *nl = strchr(s, '\n');

	snprintf(buf, sizeof(buf), "%.*s%s%s%s%s",
		 (int)(s - status_head), status_head, state, nl, middle,
		 status_tail);
	return status_of(buf, st);
}

static void test_status_fields(void)
{
	struct proc_status st;
	char buf[4096];
	int err;

	snprintf(buf, sizeof(buf), "%sKthread:\t0\n%s%s", status_head, status_vm,
		 status_tail);
	err = status_of(buf, &st);
	CHECK(err == 0, "parse: %d", err);
	CHECK(!strcmp(st.name, "bash"), "name %s", st.name);
	CHECK(st.state == 'S', "state %c", st.state);
	CHECK(st.tgid == 20372 && st.pid == 20373 && st.ppid == 20367,
	      "tgid %d pid %d ppid %d", st.tgid, st.pid, st.ppid);
	CHECK(st.uid == 1000 && st.euid == 1001, "uid %u euid %u", st.uid,
	      st.euid);
	CHECK(st.threads == 3, "threads %d", st.threads);
	CHECK(st.nnspid == 2 && st.nspid[0] == 20373 && st.nspid[1] == 8,
	      "nspid");
	CHECK(!st.kthread, "Kthread: 0");

	/* 6.10+: the kernel says so, whatever VmSize says */
	snprintf(buf, sizeof(buf), "%sKthread:\t1\n%s", status_head, status_tail);
	CHECK(status_of(buf, &st) == 0 && st.kthread, "Kthread: 1");
	snprintf(buf, sizeof(buf), "%sKthread:\t0\n%s", status_head, status_tail);
	CHECK(status_of(buf, &st) == 0 && !st.kthread, "Kthread: 0, no VmSize");
	/* a Kthread: line that makes no sense is as good as none */
	snprintf(buf, sizeof(buf), "%sKthread:\t2\n%s%s", status_head, status_vm,
		 status_tail);
	CHECK(status_of(buf, &st) == 0 && !st.kthread, "Kthread: 2");

	/* the last line needs no newline */
	CHECK(status_of("Tgid:\t5\nPid:\t6", &st) == 0 && st.tgid == 5 &&
	      st.pid == 6, "no trailing newline");
	/* absent fields are zero */
	CHECK(status_of("Tgid:\t5\n", &st) == 0 && st.pid == 0 && !st.name[0] &&
	      !st.state && !st.threads && !st.nnspid && !st.uid, "only Tgid");
}

static void test_status_kthread_inferred(void)
{
	struct proc_status st;

	/* before 6.10: no Kthread: line, and a kernel thread has no VmSize */
	CHECK(status_with("State:\tS (sleeping)", status_vm, &st) == 0 &&
	      !st.kthread, "process with VmSize");
	CHECK(status_with("State:\tI (idle)", "", &st) == 0 && st.kthread,
	      "no VmSize: kernel thread");
	/* the dead have no memory either, and are no kernel threads */
	CHECK(status_with("State:\tZ (zombie)", "", &st) == 0 && !st.kthread &&
	      st.state == 'Z', "zombie");
	CHECK(status_with("State:\tX (dead)", "", &st) == 0 && !st.kthread,
	      "dead");
}

static void test_status_nspid(void)
{
	struct proc_status st;

	CHECK(status_of("Tgid:\t9\nNSpid:\t9\n", &st) == 0 && st.nnspid == 1 &&
	      st.nspid[0] == 9, "one level");
	CHECK(status_of("Tgid:\t900\nNSpid:\t900\t40\t1\n", &st) == 0 &&
	      st.nnspid == 3 && st.nspid[0] == 900 && st.nspid[1] == 40 &&
	      st.nspid[2] == 1, "three levels");
	CHECK(status_of("Tgid:\t1\nNSpid:\t1\t2\t3\t4\t5\t6\t7\t8\n", &st) == 0 &&
	      st.nnspid == 8 && st.nspid[7] == 8, "eight levels");
	/* deeper than we keep: the outer ones */
	CHECK(status_of("Tgid:\t1\nNSpid:\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\n",
			&st) == 0 && st.nnspid == PROCFS_MAX_NSPID &&
	      st.nspid[0] == 1 && st.nspid[PROCFS_MAX_NSPID - 1] == 8,
	      "eleven levels: %d", st.nnspid);
	CHECK(status_of("Tgid:\t1\nNSpid:\t1\tx\t3\n", &st) == 0 && st.nnspid == 0,
	      "a bad level: none");
	CHECK(status_of("Tgid:\t1\nNSpid:\t1\t2x\n", &st) == 0 && st.nnspid == 0,
	      "a bad number: none");
	CHECK(status_of("Tgid:\t1\nNSpid:\t\n", &st) == 0 && st.nnspid == 0,
	      "empty NSpid");
	CHECK(status_of("Tgid:\t1\nNSpid:\t1\t2147483648\n", &st) == 0 &&
	      st.nnspid == 0, "a pid past INT_MAX");
}

static void test_status_garbage(void)
{
	static const char *const not_status[] = {
		"",
		"\n",
		"garbage",
		"Name:\tbash\nPid:\t5\n",
		"Tgid:\n",
		"Tgid:\tabc\n",
		"Tgid:\t-5\n",
		"Tgid:\t5x\n",
		"Tgid:\t5 6\n",
		"Tgid:\t2147483648\n",
		"Tgid:\t99999999999999999999999\n",
		"tgid:\t5\n",
		"Tgid 5\n",
		" Tgid:\t5\n",
		"NSTgid:\t5\n",
		"7f00-7f01 r-xp 00000000 fe:00 12 /x\n",
	};
	struct proc_status st;
	char name[200];

	for (size_t i = 0; i < sizeof(not_status) / sizeof(not_status[0]); i++)
		CHECK(status_of(not_status[i], &st) == -EINVAL,
		      "accepted \"%s\"", not_status[i]);
	CHECK(procfs_parse_status(NULL, 0, &st) == -EINVAL, "NULL");
	/* a NUL is just a byte, here one that is no digit */
	CHECK(procfs_parse_status("Tgid:\t5\0\nPid:\t6\n", 16, &st) == -EINVAL,
	      "NUL after the Tgid");
	CHECK(procfs_parse_status("Name:\ta\0b\nTgid:\t5\n", 17, &st) == 0 &&
	      st.tgid == 5 && !strcmp(st.name, "a"), "NUL in the name");
	CHECK(procfs_parse_status("Pid:\t6\nTgid:\t5\n", 12, &st) == -EINVAL,
	      "length cuts the Tgid line");

	/* blanks around numbers are the kernel's way; trailing ones too */
	CHECK(status_of("Tgid:  7 \t\nThreads: 4\n", &st) == 0 && st.tgid == 7 &&
	      st.threads == 4, "blanks");
	CHECK(status_of("Tgid:\t7\nUid:\t5\n", &st) == 0 && st.uid == 0 &&
	      st.euid == 0, "one uid: ignored");
	CHECK(status_of("Tgid:\t7\nUid:\t4294967294\t4294967295\t0\t0\n", &st) == 0 &&
	      st.uid == 4294967294u && st.euid == 4294967295u, "largest uids");
	CHECK(status_of("Tgid:\t7\nUid:\t4294967296\t0\t0\t0\n", &st) == 0 &&
	      st.uid == 0, "uid past 32 bits");
	CHECK(status_of("Tgid:\t7\nState:\t\n", &st) == 0 && st.state == 0,
	      "empty state");
	CHECK(status_of("Tgid:\t7\nState:\t(\n", &st) == 0 && st.state == 0,
	      "state not a letter");
	CHECK(status_of("Tgid:\t2147483647\nPid:\t2147483647\n", &st) == 0 &&
	      st.tgid == INT_MAX && st.pid == INT_MAX, "largest pid");
	CHECK(status_of("Tgid:\t7\nKthread:\t01\n", &st) == 0 && st.kthread,
	      "Kthread: 01");
	/* the last of a repeated field counts */
	CHECK(status_of("Tgid:\t7\nTgid:\t8\n", &st) == 0 && st.tgid == 8,
	      "repeated Tgid");

	/* names: one separator goes; the rest is the name, cut to fit */
	CHECK(status_of("Name:\t my prog\nTgid:\t1\n", &st) == 0 &&
	      !strcmp(st.name, " my prog"), "name \"%s\"", st.name);
	CHECK(status_of("Name:\tkworker/u8:2-events_unbound\nTgid:\t1\n", &st) == 0 &&
	      !strcmp(st.name, "kworker/u8:2-events_unbound"), "long kworker");
	memset(name, 'n', sizeof(name));
	memcpy(name, "Name:\t", 6);
	memcpy(name + 150, "\nTgid:\t1\n", 10);
	CHECK(status_of(name, &st) == 0 && strlen(st.name) == sizeof(st.name) - 1,
	      "overlong name: %zu", strlen(st.name));
	CHECK(status_of("Name:\t\nTgid:\t1\n", &st) == 0 && !st.name[0],
	      "empty name");
}

/* ---- live processes -------------------------------------------------- */

static const struct proc_map *find_map(const struct proc_maps *m,
				       const char *path, bool need_x)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].path, path) && (!need_x || m->v[i].x))
			return &m->v[i];
	return NULL;
}

static const struct proc_map *map_at(const struct proc_maps *m, uintptr_t a)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].start <= a && a < m->v[i].end)
			return &m->v[i];
	return NULL;
}

static bool on_overlay(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == OVERLAYFS_SUPER_MAGIC;
}

static void test_live_self(void)
{
	struct proc_status st;
	struct proc_maps m;
	const struct proc_map *pm;
	char exe[PATH_MAX];
	struct stat sb;
	ssize_t n;
	int err;

	err = procfs_read_status(getpid(), &st);
	CHECK(err == 0, "read own status: %d", err);
	CHECK(st.tgid == getpid() && st.pid == getpid(), "own pid %d tgid %d",
	      st.pid, st.tgid);
	CHECK(st.ppid == getppid(), "ppid %d", st.ppid);
	CHECK(st.uid == getuid() && st.euid == geteuid(), "uid %u euid %u",
	      st.uid, st.euid);
	CHECK(st.state == 'R', "state %c", st.state);
	CHECK(!st.kthread, "this process is a kernel thread");
	CHECK(st.threads >= 1, "threads %d", st.threads);
	CHECK(st.nnspid >= 1 && st.nspid[0] == getpid(), "nspid");
	CHECK(!strcmp(st.name, "test_procfs"), "name %s", st.name);

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = '\0';
	if (n <= 0 || stat(exe, &sb)) {
		CHECK(0, "no /proc/self/exe");
		return;
	}
	err = procfs_read_maps(getpid(), &m);
	CHECK(err == 0, "read own maps: %d", err);
	pm = find_map(&m, exe, true);
	CHECK(pm, "%s not mapped executable", exe);
	/* an overlay maps its lower file: that file's device and inode */
	if (pm && !on_overlay(exe)) {
		CHECK(pm->inode == sb.st_ino, "exe inode");
		CHECK(pm->dev_major == major(sb.st_dev) &&
		      pm->dev_minor == minor(sb.st_dev), "exe dev");
		CHECK(pm->r && !pm->w && !pm->deleted, "exe perms");
	}
	/* this very function's code, and the stack it runs on */
	pm = map_at(&m, (uintptr_t)test_live_self);
	CHECK(pm && pm->x && !strcmp(pm->path, exe), "own code's map");
	pm = map_at(&m, (uintptr_t)&st);
	CHECK(pm && pm->w && !pm->x, "own stack's map");
	for (size_t i = 1; i < m.n; i++)
		CHECK(m.v[i - 1].end <= m.v[i].start, "maps out of order at %zu", i);
	procfs_maps_free(&m);
}

/* A file with blanks in its name, mapped, then deleted while mapped. */
static void test_live_deleted(void)
{
	char path[] = "/tmp/procfs test  XXXXXX";
	const struct proc_map *pm;
	struct proc_maps m;
	struct stat sb;
	void *p;
	int fd;

	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 4096) || fstat(fd, &sb)) {
		CHECK(0, "mkstemp: %s", strerror(errno));
		return;
	}
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		CHECK(0, "mmap: %s", strerror(errno));
		unlink(path);
		return;
	}
	CHECK(procfs_read_maps(getpid(), &m) == 0, "read maps");
	pm = map_at(&m, (uintptr_t)p);
	CHECK(pm && !strcmp(pm->path, path) && !pm->deleted && pm->shared &&
	      (pm->inode == sb.st_ino || on_overlay(path)), "blanks in path: %s", pm ? pm->path : "-");
	procfs_maps_free(&m);

	unlink(path);
	CHECK(procfs_read_maps(getpid(), &m) == 0, "read maps");
	pm = map_at(&m, (uintptr_t)p);
	CHECK(pm && !strcmp(pm->path, path) && pm->deleted &&
	      pm->path_len == strlen(path), "deleted: %s", pm ? pm->path : "-");
	procfs_maps_free(&m);
	munmap(p, 4096);
}

/* More maps than the first read takes: the buffer must grow. */
static void test_live_many_maps(void)
{
	const size_t pages = 3000;
	long pg = sysconf(_SC_PAGESIZE);
	struct proc_maps m;
	size_t found = 0;
	char *p;

	p = mmap(NULL, pages * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		CHECK(0, "mmap: %s", strerror(errno));
		return;
	}
	/* alternate protections keep the kernel from merging them */
	for (size_t i = 0; i < pages; i += 2)
		mprotect(p + i * pg, pg, PROT_READ);
	CHECK(procfs_read_maps(getpid(), &m) == 0, "read maps");
	for (size_t i = 0; i < pages; i++) {
		const struct proc_map *pm = map_at(&m, (uintptr_t)(p + i * pg));

		found += pm && pm->start == (uintptr_t)(p + i * pg) &&
			 pm->end - pm->start == (uint64_t)pg && pm->r == !(i & 1) &&
			 !pm->path[0];
	}
	CHECK(found == pages, "%zu of %zu pages found", found, pages);
	CHECK(m.n > pages, "%zu maps", m.n);
	procfs_maps_free(&m);
	munmap(p, pages * pg);
}

static void *thread_main(void *arg)
{
	pid_t *tid = arg;
	struct proc_status st;

	*tid = (pid_t)syscall(SYS_gettid);
	/* a thread id reads as its own Pid in its process's Tgid */
	CHECK(procfs_read_status(*tid, &st) == 0, "read thread status");
	CHECK(st.pid == *tid && st.tgid == getpid() && st.threads >= 2,
	      "thread: pid %d tgid %d threads %d", st.pid, st.tgid, st.threads);
	return NULL;
}

static void test_live_thread(void)
{
	pthread_t t;
	pid_t tid = 0;

	if (pthread_create(&t, NULL, thread_main, &tid)) {
		CHECK(0, "pthread_create");
		return;
	}
	pthread_join(t, NULL);
	CHECK(tid && tid != getpid(), "thread id");
}

static void test_live_zombie(void)
{
	struct proc_status st;
	struct proc_maps m;
	pid_t child = fork();
	int err;

	if (child < 0) {
		CHECK(0, "fork: %s", strerror(errno));
		return;
	}
	if (child == 0)
		_exit(0);
	/* exited, not reaped: a zombie, once the kernel has noticed */
	for (int i = 0; i < 500; i++) {
		if (procfs_read_status(child, &st) == 0 && st.state == 'Z')
			break;
		usleep(2000);
	}
	CHECK(st.state == 'Z', "child state %c", st.state);
	CHECK(!st.kthread, "a zombie is a kernel thread");
	CHECK(st.tgid == child && st.ppid == getpid(), "zombie ids");
	err = procfs_read_maps(child, &m);
	CHECK(err == 0 && m.n == 0, "zombie maps: %d, %zu", err, m.n);
	procfs_maps_free(&m);
	waitpid(child, NULL, 0);
	/* reaped: gone */
	err = procfs_read_status(child, &st);
	CHECK(err == -ENOENT || err == -ESRCH, "reaped child: %d", err);
	CHECK(st.tgid == 0, "status of a gone process not zeroed");
	err = procfs_read_maps(child, &m);
	CHECK((err == -ENOENT || err == -ESRCH) && !m.n && !m.v && !m.buf,
	      "reaped child maps: %d", err);
}

static void test_live_kthread(void)
{
	struct proc_status st;

	/* pid 2 is kthreadd unless this runs in a pid namespace */
	if (procfs_read_status(2, &st) || strcmp(st.name, "kthreadd"))
		return;
	CHECK(st.kthread && st.tgid == 2, "kthreadd is no kernel thread");
}

/* ---- procfs_read_file ------------------------------------------------ */

static void test_read_file(void)
{
	char path[64], *buf, big[10000];
	size_t len;
	int fd, err;

	fd = memfd_create("test_procfs", MFD_CLOEXEC);
	if (fd < 0) {
		CHECK(0, "memfd_create: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	CHECK(procfs_read_file(path, 100, &buf, &len) == 0 && len == 0 &&
	      buf && !buf[0], "empty file");
	free(buf);
	CHECK(procfs_read_file(path, 0, &buf, &len) == 0 && len == 0,
	      "empty file, max 0");
	free(buf);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	if (pwrite(fd, big, sizeof(big), 0) != (ssize_t)sizeof(big)) {
		CHECK(0, "pwrite");
		close(fd);
		return;
	}
	err = procfs_read_file(path, sizeof(big), &buf, &len);
	CHECK(err == 0 && len == sizeof(big) && !memcmp(buf, big, len) &&
	      buf[len] == '\0', "exactly max: %d", err);
	free(buf);
	err = procfs_read_file(path, SIZE_MAX, &buf, &len);
	CHECK(err == 0 && len == sizeof(big), "no max: %d", err);
	free(buf);
	err = procfs_read_file(path, sizeof(big) - 1, &buf, &len);
	CHECK(err == -EFBIG && !buf && !len, "one past max: %d", err);
	err = procfs_read_file(path, 0, &buf, &len);
	CHECK(err == -EFBIG, "max 0: %d", err);
	close(fd);

	err = procfs_read_file("/proc/self/status", 10, &buf, &len);
	CHECK(err == -EFBIG, "status in 10 bytes: %d", err);
	err = procfs_read_file("/nonexistent/procfs", 10, &buf, &len);
	CHECK(err == -ENOENT && !buf, "missing file: %d", err);
	err = procfs_read_file("/proc/self", 10, &buf, &len);
	CHECK(err == -EISDIR, "a directory: %d", err);
	CHECK(procfs_read_status(INT_MAX, &(struct proc_status){ 0 }) == -ENOENT,
	      "status of no process");
}

int main(void)
{
	test_maps_fields();
	test_maps_paths();
	test_maps_numbers();
	test_maps_malformed();
	test_maps_lines();
	test_status_fields();
	test_status_kthread_inferred();
	test_status_nspid();
	test_status_garbage();
	test_live_self();
	test_live_deleted();
	test_live_many_maps();
	test_live_thread();
	test_live_zombie();
	test_live_kthread();
	test_read_file();
	return check_summary();
}
