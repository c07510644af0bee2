// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for lib/elfread.c and lib/ldpath.c.
 *
 * Usage: test_elf LIB MAIN LIBDIR [STRIPPED_LIB]
 *
 *   LIB           the fixture library built from fixture_lib.c, e.g.
 *                 shared_library('utrace_fixture', 'fixture_lib.c'), giving
 *                 libutrace_fixture.so with soname == file name (no version
 *                 or soversion: the test expects DT_NEEDED == basename(LIB)).
 *                 Safer without LTO (override_options: ['b_lto=false']):
 *                 LTO may rename the static function the test looks up
 *                 (utrace_fixture_local.lto_priv.N).
 *   MAIN          executable from fixture_main.c linked against LIB, in the
 *                 same directory as LIB, with a run path of $ORIGIN:
 *                 link_args: ['-Wl,-rpath,$ORIGIN'] (meson passes it without
 *                 a shell; from a shell quote it: -Wl,-rpath,'$ORIGIN').
 *                 RUNPATH or RPATH both work. It must be $ORIGIN, not an
 *                 absolute directory: the test checks that $ORIGIN is not
 *                 prefixed with a root.
 *   LIBDIR        the directory holding LIB (meson.current_build_dir()).
 *   STRIPPED_LIB  optional: fixture_lib.c linked again as another library
 *                 with link_args: ['-s'] (no .symtab, only .dynsym).
 *
 * Offsets are checked independently of lib/elfread.c and lib/ldpath.c: the library is
 * dlopen()ed and the code bytes the loader mapped for a function must equal
 * the file bytes at the offset returned, which is exactly the property a
 * uprobe needs. Temporary files live in a private mkdtemp() directory
 * under $TMPDIR (or /tmp) that is removed at exit. Needs -ldl -lelf.
 * Exits 1 if any check failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfread.h"
#include "ldpath.h"
#include "check.h"

#define CODE_BYTES 16

static char tmp_base[PATH_MAX];


static void expect_err(const char *what, const char *path, int got, int want)
{
	CHECK(got == want, "%s(%s) = %d (%s), expected %d (%s)", what, path,
	      got, elf_strerror(got), want, elf_strerror(want));
}

/* ---- temporary files ---- */

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void tmp_cleanup(void)
{
	if (tmp_base[0])
		nftw(tmp_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void tmp_init(void)
{
	const char *dir = getenv("TMPDIR");

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(tmp_base, sizeof(tmp_base), "%s/utrace-test-elf-XXXXXX", dir);
	if (!mkdtemp(tmp_base)) {
		perror("test_elf: mkdtemp");
		exit(2);
	}
	atexit(tmp_cleanup);
}

/* @a followed by @b into @buf of PATH_MAX bytes; a test bug if too long. */
static char *path_cat(char *buf, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb >= PATH_MAX) {
		fprintf(stderr, "test_elf: path too long: %s%s\n", a, b);
		exit(2);
	}
	memcpy(buf, a, la);
	memcpy(buf + la, b, lb + 1);
	return buf;
}

/* Path of @name inside the private temporary directory (static buffer). */
static const char *tmp_path(const char *name)
{
	static char bufs[8][PATH_MAX];
	static unsigned int next;
	char *b = bufs[next++ % 8], dir[PATH_MAX];

	return path_cat(b, path_cat(dir, tmp_base, "/"), name);
}

static void mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

/* Create @path (and its directories) holding @len bytes of @data. */
static void write_file(const char *path, const void *data, size_t len)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	mkdirs(dirname(dir));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		fprintf(stderr, "test_elf: cannot write %s: %s\n", path,
			strerror(errno));
		exit(2);
	}
	close(fd);
}

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

/* Read up to @max bytes of @path from @off into a malloc()ed buffer. */
static unsigned char *read_file(const char *path, off_t off, size_t max,
				size_t *len)
{
	unsigned char *buf = malloc(max ? max : 1);
	ssize_t r = -1;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && buf)
		r = pread(fd, buf, max, off);
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		fprintf(stderr, "test_elf: cannot read %s: %s\n", path,
			strerror(errno));
		exit(2);
	}
	*len = (size_t)r;
	return buf;
}

/* Copy the first @max bytes of @from (all of it for SIZE_MAX). */
static void copy_file(const char *from, const char *to, size_t max)
{
	unsigned char *buf;
	struct stat st;
	size_t len;

	if (stat(from, &st)) {
		fprintf(stderr, "test_elf: %s: %s\n", from, strerror(errno));
		exit(2);
	}
	if ((size_t)st.st_size < max)
		max = (size_t)st.st_size;
	buf = read_file(from, 0, max, &len);
	write_file(to, buf, len);
	free(buf);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A minimal, valid Elf32_Ehdr for i386: the loader would skip it. */
static void write_elf32(const char *path)
{
	Elf32_Ehdr eh;

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_DYN;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_shentsize = sizeof(Elf32_Shdr);
	write_file(path, &eh, sizeof(eh));
}

/* ---- symbol offsets against the loaded code ---- */

static void dump_hex(const char *label, const unsigned char *p, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s:", label);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fputc('\n', stderr);
}

/*
 * The offset elf_symbol_offset() gives for @name in @lib must hold the
 * very bytes the loader mapped at @addr. Returns the offset, or 0.
 */
static uint64_t check_code(const char *lib, const char *name, const void *addr)
{
	uint64_t off = 0;
	unsigned char *file;
	size_t len;
	int err;

	err = elf_symbol_offset(lib, name, &off);
	CHECK(!err, "elf_symbol_offset(%s, %s) = %d (%s)", lib, name, err,
	      elf_strerror(err));
	if (err || !addr)
		return 0;
	file = read_file(lib, (off_t)off, CODE_BYTES, &len);
	CHECK(len == CODE_BYTES && !memcmp(file, addr, CODE_BYTES),
	      "%s: bytes at file offset %#llx differ from the code at %p",
	      name, (unsigned long long)off, addr);
	if (len != CODE_BYTES || memcmp(file, addr, CODE_BYTES)) {
		dump_hex("file  ", file, len);
		dump_hex("memory", addr, CODE_BYTES);
	}
	free(file);
	return off;
}

static void *open_lib(const char *lib)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		fprintf(stderr, "test_elf: dlopen %s: %s\n", lib, dlerror());
		exit(2);
	}
	return h;
}

static void test_symbols(const char *lib)
{
	void *(*local_addr)(void);
	uint64_t a, b, l, off;
	void *h = open_lib(lib);

	expect_err("elf_check", lib, elf_check(lib), 0);
	a = check_code(lib, "utrace_fixture_alpha",
		       dlsym(h, "utrace_fixture_alpha"));
	b = check_code(lib, "utrace_fixture_beta",
		       dlsym(h, "utrace_fixture_beta"));
	*(void **)&local_addr = dlsym(h, "utrace_fixture_local_addr");
	CHECK(local_addr, "dlsym utrace_fixture_local_addr: %s", dlerror());
	/* Static: found through .symtab only. */
	l = check_code(lib, "utrace_fixture_local",
		       local_addr ? local_addr() : NULL);
	CHECK(a != b && a != l && b != l, "offsets not distinct");

	expect_err("elf_symbol_offset", "utrace_fixture_missing",
		   elf_symbol_offset(lib, "utrace_fixture_missing", &off),
		   -ESRCH);
	/* A prefix of a name is not that name. */
	expect_err("elf_symbol_offset", "utrace_fixture_alph",
		   elf_symbol_offset(lib, "utrace_fixture_alph", &off), -ESRCH);
	expect_err("elf_symbol_offset", "\"\"",
		   elf_symbol_offset(lib, "", &off), -ESRCH);
	/* Undefined in the library (it only calls it): not a definition. */
	expect_err("elf_symbol_offset", "printf",
		   elf_symbol_offset(lib, "printf", &off), -ESRCH);
	dlclose(h);
}

static void test_stripped(const char *lib)
{
	void *h = open_lib(lib);
	uint64_t off;

	check_code(lib, "utrace_fixture_alpha",
		   dlsym(h, "utrace_fixture_alpha"));
	check_code(lib, "utrace_fixture_beta", dlsym(h, "utrace_fixture_beta"));
	/* Found here would mean the library still has a .symtab. */
	expect_err("elf_symbol_offset(stripped)", "utrace_fixture_local",
		   elf_symbol_offset(lib, "utrace_fixture_local", &off),
		   -ESRCH);
	dlclose(h);
}

/*
 * Without section headers (sstrip), the dynamic symbols are still found,
 * as the loader finds them: PT_DYNAMIC, DT_SYMTAB, DT_GNU_HASH or DT_HASH.
 * The same offsets as with the headers, and the code the loader mapped.
 */
static void test_no_sections(const char *lib)
{
	const char *bare = tmp_path("bare/libfixture.so");
	uint64_t with = 0, without = 0;
	unsigned char zero[8] = { 0 };
	void *h = open_lib(lib);
	int fd;

	copy_file(lib, bare, SIZE_MAX);
	fd = open(bare, O_WRONLY);
	CHECK(fd >= 0, "open %s", bare);
	/* e_shoff = 0, e_shnum = e_shstrndx = 0 */
	CHECK(pwrite(fd, zero, 8, 0x28) == 8 && pwrite(fd, zero, 2, 0x3c) == 2 &&
	      pwrite(fd, zero, 2, 0x3e) == 2, "clearing the section headers of %s", bare);
	close(fd);
	elf_symbol_offset(lib, "utrace_fixture_beta", &with);
	without = check_code(bare, "utrace_fixture_beta", dlsym(h, "utrace_fixture_beta"));
	CHECK(with && with == without, "without section headers: %#llx, with: %#llx",
	      (unsigned long long)without, (unsigned long long)with);
	check_code(bare, "utrace_fixture_alpha", dlsym(h, "utrace_fixture_alpha"));
	dlclose(h);
}

/* ---- files that are not traceable ---- */

static int count_cb(const char *soname, void *arg)
{
	(void)soname;
	++*(int *)arg;
	return 0;
}

/* Every entry point must reject @path with @want (and not crash). */
static void expect_all(const char *path, int want)
{
	char out[PATH_MAX];
	uint64_t off;
	int n = 0;

	expect_err("elf_check", path, elf_check(path), want);
	expect_err("elf_symbol_offset", path,
		   elf_symbol_offset(path, "main", &off), want);
	expect_err("elf_for_each_needed", path,
		   elf_for_each_needed(path, count_cb, &n), want);
	CHECK(!n, "callback ran for %s", path);
	/* Still searches the system: @path only contributes its run path. */
	expect_err("elf_find_library", path,
		   elf_find_library(path, "libc.so.6", NULL, out, sizeof(out)),
		   0);
}

static void test_bad_files(const char *lib)
{
	static const char text[] = "#!/bin/sh\necho not an ELF file\n";
	const char *p;
	uint64_t off;

	expect_all(tmp_base, -EISDIR);
	expect_all(tmp_path("does-not-exist"), -ENOENT);

	p = tmp_path("text");
	write_text(p, text);
	expect_all(p, -ENOEXEC);

	p = tmp_path("empty");
	write_file(p, "", 0);
	expect_all(p, -ENOEXEC);

	p = tmp_path("elf32");
	write_elf32(p);
	expect_all(p, -EINVAL);

	/* Valid header, but the program headers are cut off. */
	p = tmp_path("truncated");
	copy_file(lib, p, 100);
	CHECK(elf_check(p) < 0, "elf_check(truncated) accepted");
	CHECK(elf_symbol_offset(p, "utrace_fixture_alpha", &off) < 0,
	      "elf_symbol_offset(truncated) succeeded");

	/* A FIFO must not block us waiting for a writer. */
	p = tmp_path("fifo");
	CHECK(!mkfifo(p, 0600), "mkfifo: %s", strerror(errno));
	expect_err("elf_check", p, elf_check(p), -ENOEXEC);

	CHECK(!strcmp(elf_strerror(-ENOEXEC), "not an ELF file"), "strerror");
	CHECK(!strcmp(elf_strerror(-EINVAL), "not a 64-bit x86-64 ELF file"),
	      "strerror");
	CHECK(!strcmp(elf_strerror(-ESRCH), "no such symbol"), "strerror");
	CHECK(!strcmp(elf_strerror(-EISDIR), "is a directory"), "strerror");
	CHECK(!strcmp(elf_strerror(-ENOENT), "no such file"), "strerror");
	CHECK(!strcmp(elf_strerror(-EPERM), strerror(EPERM)), "strerror");
}

/* ---- a hand-built executable with awkward but valid contents ---- */

/*
 * Layout (file offset / virtual address):
 *   0x000        ELF header, then 4 program headers
 *   0x120        dynamic array (PT_DYNAMIC, vaddr 0x400120)
 *   0x200        dynamic strings (vaddr 0x400200)
 *   0x300        target of a bogus read-only PT_LOAD that overlaps .text
 *   0x400-0x440  .text, vaddr 0x401400, executable; memsz 0x80 (bss-like)
 *   0x480...     .symtab, .dynsym, .strtab, .shstrtab, section headers
 */
#define SYN_TEXT_OFF	0x400
#define SYN_TEXT_VA	0x401400
#define SYN_SIZE	0x1000

struct syn {
	unsigned char img[SYN_SIZE];
	size_t end;		/* bytes used */
	char str[1024];		/* .strtab */
	size_t strsz;
	Elf64_Sym syms[16];
	size_t nsyms;
	Elf64_Sym dynsyms[4];
	size_t ndynsyms;
};

static Elf64_Word syn_str(struct syn *s, const char *name)
{
	size_t off = s->strsz;

	memcpy(s->str + off, name, strlen(name) + 1);
	s->strsz += strlen(name) + 1;
	return (Elf64_Word)off;
}

static void syn_sym(struct syn *s, bool dyn, const char *name, int bind,
		    int type, Elf64_Half shndx, Elf64_Addr value)
{
	Elf64_Sym *sym = dyn ? &s->dynsyms[s->ndynsyms++] :
			       &s->syms[s->nsyms++];

	sym->st_name = syn_str(s, name);
	sym->st_info = ELF64_ST_INFO(bind, type);
	sym->st_shndx = shndx;
	sym->st_value = value;
	sym->st_size = 4;
}

static size_t syn_put(struct syn *s, const void *p, size_t n)
{
	size_t off = (s->end + 7) & ~(size_t)7;

	memcpy(s->img + off, p, n);
	s->end = off + n;
	return off;
}

static void syn_phdrs(struct syn *s)
{
	Elf64_Phdr ph[4] = {
		/* Read-only: headers, dynamic, strings. */
		{ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0,
		  .p_vaddr = 0x400000, .p_filesz = SYN_TEXT_OFF,
		  .p_memsz = SYN_TEXT_OFF },
		/* Overlaps .text by address; a uprobe must not go here. */
		{ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0x300,
		  .p_vaddr = SYN_TEXT_VA, .p_filesz = 0x10, .p_memsz = 0x10 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		  .p_offset = SYN_TEXT_OFF, .p_vaddr = SYN_TEXT_VA,
		  .p_filesz = 0x40, .p_memsz = 0x80 },
		{ .p_type = PT_DYNAMIC, .p_flags = PF_R, .p_offset = 0x120,
		  .p_vaddr = 0x400120, .p_filesz = 9 * sizeof(Elf64_Dyn),
		  .p_memsz = 9 * sizeof(Elf64_Dyn) },
	};

	memcpy(s->img + sizeof(Elf64_Ehdr), ph, sizeof(ph));
}

/*
 * Dynamic section: one good DT_NEEDED, one pointing past the string table,
 * one whose string is not terminated inside it, a run path exercising
 * empty entries, a token that only starts with $ORIGIN and $ORIGIN itself,
 * an RPATH that the RUNPATH overrides, and a DT_NEEDED after DT_NULL.
 */
static void syn_dynamic(struct syn *s)
{
	static const char *const strs[] = {
		"", "libsyn.so.1", "/nonexistent::$ORIGINX:${ORIGIN}/sub",
		"$ORIGIN/rpath", "libtail",
	};
	Elf64_Xword off[5], len = 0;
	Elf64_Dyn dyn[9];
	size_t i;

	for (i = 0; i < 5; i++) {
		off[i] = len;
		memcpy(s->img + 0x200 + len, strs[i], strlen(strs[i]) + 1);
		len += strlen(strs[i]) + 1;
	}
	len--;	/* leave "libtail" unterminated */
	dyn[0] = (Elf64_Dyn){ DT_NEEDED, { off[1] } };
	dyn[1] = (Elf64_Dyn){ DT_NEEDED, { 0x1000 } };
	dyn[2] = (Elf64_Dyn){ DT_NEEDED, { off[4] } };
	dyn[3] = (Elf64_Dyn){ DT_RPATH, { off[3] } };
	dyn[4] = (Elf64_Dyn){ DT_RUNPATH, { off[2] } };
	dyn[5] = (Elf64_Dyn){ DT_STRTAB, { 0x400200 } };
	dyn[6] = (Elf64_Dyn){ DT_STRSZ, { len } };
	dyn[7] = (Elf64_Dyn){ DT_NULL, { 0 } };
	dyn[8] = (Elf64_Dyn){ DT_NEEDED, { off[1] } };
	memcpy(s->img + 0x120, dyn, sizeof(dyn));
}

static void syn_symbols(struct syn *s)
{
	const Elf64_Addr t = SYN_TEXT_VA;
	const int G = STB_GLOBAL, L = STB_LOCAL, F = STT_FUNC;

	syn_str(s, "");
	memset(&s->syms[s->nsyms++], 0, sizeof(Elf64_Sym));
	memset(&s->dynsyms[s->ndynsyms++], 0, sizeof(Elf64_Sym));
	syn_sym(s, false, "syn_plain", L, F, 1, t + 0x30);
	syn_sym(s, false, "syn_default@@SYN_2", G, F, 1, t);
	syn_sym(s, false, "syn_ifunc", G, STT_GNU_IFUNC, 1, t + 0x08);
	syn_sym(s, false, "syn_compat@SYN_1", G, F, 1, t + 0x10);
	syn_sym(s, false, "syn_compat@@SYN_2", G, F, 1, t + 0x20);
	syn_sym(s, false, "syn_plain", G, F, 1, t + 0x38);
	syn_sym(s, false, "syn_bss", G, F, 1, t + 0x50);
	syn_sym(s, false, "syn_rodata", G, F, 1, 0x400010);
	syn_sym(s, false, "syn_far", G, F, 1, 0x900000);
	syn_sym(s, false, "syn_undef", G, F, SHN_UNDEF, t);
	syn_sym(s, false, "syn_object", G, STT_OBJECT, 1, t);
	/* .symtab wins over .dynsym for a name in both. */
	syn_sym(s, true, "syn_default", G, F, 1, t + 0x28);
	syn_sym(s, true, "syn_dynonly", G, F, 1, t + 0x18);
}

static void syn_sections(struct syn *s)
{
	static const char shstr[] = "\0.text\0.symtab\0.dynsym\0.strtab\0"
				    ".shstrtab";
	Elf64_Shdr sh[6];
	size_t symoff, dynoff, stroff, shstroff;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)s->img;
	unsigned char text[0x40];
	size_t i;

	for (i = 0; i < sizeof(text); i++)
		text[i] = (unsigned char)(0x90 ^ (i * 37));
	memcpy(s->img + SYN_TEXT_OFF, text, sizeof(text));
	s->end = SYN_TEXT_OFF + sizeof(text);
	symoff = syn_put(s, s->syms, s->nsyms * sizeof(Elf64_Sym));
	dynoff = syn_put(s, s->dynsyms, s->ndynsyms * sizeof(Elf64_Sym));
	stroff = syn_put(s, s->str, s->strsz);
	shstroff = syn_put(s, shstr, sizeof(shstr));

	memset(sh, 0, sizeof(sh));
	sh[1] = (Elf64_Shdr){ 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
			      SYN_TEXT_VA, SYN_TEXT_OFF, sizeof(text), 0, 0,
			      16, 0 };
	sh[2] = (Elf64_Shdr){ 7, SHT_SYMTAB, 0, 0, symoff,
			      s->nsyms * sizeof(Elf64_Sym), 4, 1, 8,
			      sizeof(Elf64_Sym) };
	sh[3] = (Elf64_Shdr){ 15, SHT_DYNSYM, 0, 0, dynoff,
			      s->ndynsyms * sizeof(Elf64_Sym), 4, 1, 8,
			      sizeof(Elf64_Sym) };
	sh[4] = (Elf64_Shdr){ 23, SHT_STRTAB, 0, 0, stroff, s->strsz, 0, 0,
			      1, 0 };
	sh[5] = (Elf64_Shdr){ 31, SHT_STRTAB, 0, 0, shstroff, sizeof(shstr),
			      0, 0, 1, 0 };
	eh->e_shoff = syn_put(s, sh, sizeof(sh));
	eh->e_shnum = 6;
	eh->e_shstrndx = 5;
}

static void syn_write(const char *path)
{
	static struct syn s;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)s.img;

	memset(&s, 0, sizeof(s));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = SYN_TEXT_VA;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 4;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	syn_phdrs(&s);
	syn_dynamic(&s);
	syn_symbols(&s);
	syn_sections(&s);
	write_file(path, s.img, s.end);
}

static void expect_offset(const char *path, const char *sym, int want_err,
			  uint64_t want)
{
	uint64_t off = 0;
	int err = elf_symbol_offset(path, sym, &off);

	expect_err("elf_symbol_offset", sym, err, want_err);
	CHECK(err || off == want,
	      "elf_symbol_offset(%s) = %#llx, expected %#llx", sym,
	      (unsigned long long)off, (unsigned long long)want);
}

struct names {
	char v[8][64];
	int n;
};

static int collect_cb(const char *soname, void *arg)
{
	struct names *nm = arg;

	if (nm->n < 8)
		snprintf(nm->v[nm->n], sizeof(nm->v[0]), "%s", soname);
	nm->n++;
	return 0;
}

static void test_synthetic(const char *lib)
{
	const char *p = tmp_path("syn/synthetic");
	struct names nm = { .n = 0 };
	char out[PATH_MAX];
	int err;

	syn_write(p);
	expect_err("elf_check", p, elf_check(p), 0);
	expect_offset(p, "syn_default", 0, SYN_TEXT_OFF);
	expect_offset(p, "syn_default@@SYN_2", 0, SYN_TEXT_OFF);
	expect_offset(p, "syn_ifunc", 0, SYN_TEXT_OFF + 0x08);
	expect_offset(p, "syn_compat", 0, SYN_TEXT_OFF + 0x20);
	expect_offset(p, "syn_compat@SYN_1", 0, SYN_TEXT_OFF + 0x10);
	expect_offset(p, "syn_plain", 0, SYN_TEXT_OFF + 0x38);
	expect_offset(p, "syn_rodata", 0, 0x10);
	expect_offset(p, "syn_dynonly", 0, SYN_TEXT_OFF + 0x18);
	expect_offset(p, "syn_bss", -ESRCH, 0);
	expect_offset(p, "syn_far", -ESRCH, 0);
	expect_offset(p, "syn_undef", -ESRCH, 0);
	expect_offset(p, "syn_object", -ESRCH, 0);
	expect_offset(p, "syn_compat@SYN_3", -ESRCH, 0);

	err = elf_for_each_needed(p, collect_cb, &nm);
	expect_err("elf_for_each_needed", p, err, 0);
	CHECK(nm.n == 1 && !strcmp(nm.v[0], "libsyn.so.1"),
	      "synthetic DT_NEEDED: %d entries, first '%s'", nm.n,
	      nm.n ? nm.v[0] : "");

	/*
	 * RUNPATH "/nonexistent::$ORIGINX:${ORIGIN}/sub" must find sub/, not
	 * rpath/ (RPATH is ignored beside RUNPATH), and $ORIGIN must not get
	 * the root prefixed although one is given.
	 */
	copy_file(lib, tmp_path("syn/sub/libsyn.so.1"), SIZE_MAX);
	copy_file(lib, tmp_path("syn/rpath/libsyn.so.1"), SIZE_MAX);
	err = elf_find_library(p, "libsyn.so.1", "/nonexistent-root", out,
			       sizeof(out));
	expect_err("elf_find_library", "libsyn.so.1", err, 0);
	CHECK(!err && same_file(out, tmp_path("syn/sub/libsyn.so.1")),
	      "libsyn.so.1 resolved to %s", err ? "-" : out);
}

/* ---- DT_NEEDED and library search ---- */

static int stop_cb(const char *soname, void *arg)
{
	(void)soname;
	++*(int *)arg;
	return 7;
}

static void test_needed(const char *main_path, const char *lib)
{
	struct names nm = { .n = 0 };
	int i, fix = -1, libc = -1, calls = 0;

	expect_err("elf_for_each_needed", main_path,
		   elf_for_each_needed(main_path, collect_cb, &nm), 0);
	for (i = 0; i < nm.n && i < 8; i++) {
		if (!strcmp(nm.v[i], base_name(lib)))
			fix = i;
		else if (!strcmp(nm.v[i], "libc.so.6"))
			libc = i;
	}
	CHECK(fix >= 0, "%s not in DT_NEEDED of %s", base_name(lib), main_path);
	CHECK(libc >= 0, "libc.so.6 not in DT_NEEDED of %s", main_path);
	/* In link order: -lutrace_fixture comes before the implicit -lc. */
	CHECK(fix < libc, "DT_NEEDED out of order");

	CHECK(elf_for_each_needed(main_path, stop_cb, &calls) == 7 &&
	      calls == 1, "callback's non-zero return did not stop the walk");
}

/* Path of the libc.so.6 this process actually runs with, per the loader. */
static const char *loaded_libc(void)
{
	struct link_map *lm = NULL;
	void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) || !lm)
		return NULL;
	dlclose(h);
	return lm->l_name;
}

static void expect_found(const char *path, const char *soname,
			 const char *root, const char *want)
{
	char out[PATH_MAX];
	int err;

	err = elf_find_library(path, soname, root, out, sizeof(out));
	expect_err("elf_find_library", soname, err, 0);
	CHECK(err || same_file(out, want),
	      "%s (root %s) resolved to %s, not %s", soname,
	      root ? root : "NULL", out, want);
}

static void expect_glob(const char *pattern, const char *root, const char *want)
{
	char out[PATH_MAX];
	int err;

	err = elf_find_library_glob(pattern, root, out, sizeof(out));
	expect_err("elf_find_library_glob", pattern, err, 0);
	CHECK(err || same_file(out, want), "%s (root %s) found %s, not %s", pattern,
	      root ? root : "NULL", out, want);
}

static void test_find(const char *main_path, const char *lib,
		      const char *libdir)
{
	const char *libc = loaded_libc();
	char out[PATH_MAX], dir[PATH_MAX];
	int err;

	/* Through the $ORIGIN run path, with or without a root. */
	expect_found(main_path, base_name(lib), NULL, lib);
	expect_found(main_path, base_name(lib), "/", lib);
	err = elf_find_library(main_path, base_name(lib), tmp_base, out,
			       sizeof(out));
	CHECK(!err && same_file(out, lib),
	      "%s not found through $ORIGIN under a root (%s): MAIN must be "
	      "linked with -Wl,-rpath,$ORIGIN", base_name(lib),
	      elf_strerror(err));
	err = elf_find_library(main_path, base_name(lib), NULL, out,
			       sizeof(out));
	if (!err) {
		snprintf(dir, sizeof(dir), "%s", out);
		CHECK(same_file(dirname(dir), libdir), "%s is not in %s", out,
		      libdir);
	}

	/* Through /etc/ld.so.conf or the default directories. */
	CHECK(libc, "cannot tell which libc.so.6 is loaded");
	if (libc) {
		expect_found(main_path, "libc.so.6", NULL, libc);
		expect_found(main_path, "libc.so.6", "", libc);
		/* libc.so, a linker script, is no ELF file: skipped */
		expect_glob("libc.so*", NULL, libc);
	}
	expect_err("elf_find_library", "libc.so.6 in an empty root",
		   elf_find_library(main_path, "libc.so.6", tmp_base, out,
				    sizeof(out)), -ENOENT);
	expect_err("elf_find_library", "no-such-lib",
		   elf_find_library(main_path, "libutrace-no-such.so.9", NULL,
				    out, sizeof(out)), -ENOENT);
	expect_err("elf_find_library", "small buffer",
		   elf_find_library(main_path, "libc.so.6", NULL, out, 5),
		   -ENAMETOOLONG);

	/* A soname with a slash is a path, looked up under the root. */
	if (realpath(lib, dir))
		expect_found(main_path, dir, NULL, lib);
	expect_err("elf_find_library", "./relative",
		   elf_find_library(main_path, "./libutrace_fixture.so", NULL,
				    out, sizeof(out)), -ENOENT);
}

/*
 * A root with glob metacharacters in its name, an ld.so.conf with comments,
 * relative (also nested) and absolute include globs, a self-include, a
 * 32-bit library earlier in the path (skipped, as the loader would) and a
 * library only in a default directory.
 */
static void test_root_conf(const char *main_path, const char *lib)
{
	char root[PATH_MAX], p[PATH_MAX];

	path_cat(root, tmp_base, "/r[1]*?");
#define R(rel) path_cat(p, root, rel)
	write_text(R("/etc/ld.so.conf"),
		   "# comment\n\ninclude conf.d/*.conf\n");
	write_text(R("/etc/conf.d/10-i386.conf"), "/opt/i386\n");
	write_text(R("/etc/conf.d/20-fx.conf"),
		   "  /opt/fx/\t# trailing comment\r\n"
		   "include\t/etc/more/*.conf  /etc/none/*.conf\n"
		   "relative/dir\nhwcap 0 nosegneg\n");
	write_text(R("/etc/conf.d/30-loop.conf"), "include 30-loop.conf\n");
	write_text(R("/etc/conf.d/unlisted.txt"), "/opt/unlisted\n");
	write_text(R("/etc/more/a.conf"), "/opt/more\ninclude nested/*.conf");
	write_text(R("/etc/more/nested/b.conf"), "/opt/nested\n");
	write_elf32(R("/opt/i386/libutrace_rooted.so"));
	copy_file(lib, R("/opt/fx/libutrace_rooted.so"), SIZE_MAX);
	copy_file(lib, R("/opt/more/libutrace_more.so"), SIZE_MAX);
	copy_file(lib, R("/opt/nested/libutrace_nested.so"), SIZE_MAX);
	copy_file(lib, R("/opt/unlisted/libutrace_unlisted.so"), SIZE_MAX);
	copy_file(lib, R("/usr/lib/libutrace_default.so"), SIZE_MAX);
	mkdirs(R("/lib/x86_64-linux-gnu/libutrace_default.so"));
	copy_file(lib, R("/relative/dir/libutrace_relative.so"), SIZE_MAX);

	expect_found(main_path, "libutrace_rooted.so", root,
		     R("/opt/fx/libutrace_rooted.so"));
	expect_found(main_path, "libutrace_more.so", root,
		     R("/opt/more/libutrace_more.so"));
	/* Relative to /etc/more, the including file's directory. */
	expect_found(main_path, "libutrace_nested.so", root,
		     R("/opt/nested/libutrace_nested.so"));
	/* A directory of that name in an earlier default dir is skipped. */
	expect_found(main_path, "libutrace_default.so", root,
		     R("/usr/lib/libutrace_default.so"));
	expect_found(main_path, "/usr/lib/libutrace_default.so", root,
		     R("/usr/lib/libutrace_default.so"));
	expect_err("elf_find_library", "libutrace_unlisted.so",
		   elf_find_library(main_path, "libutrace_unlisted.so", root, p,
				    sizeof(p)), -ENOENT);
	expect_err("elf_find_library", "libutrace_relative.so",
		   elf_find_library(main_path, "libutrace_relative.so", root, p,
				    sizeof(p)), -ENOENT);

	/* By base-name glob: the same directories, the same order. */
	expect_glob("libutrace_root*.so", root, R("/opt/fx/libutrace_rooted.so"));
	expect_glob("libutrace_[mn]*", root, R("/opt/more/libutrace_more.so"));
	expect_glob("libutrace_nest?d.so", root, R("/opt/nested/libutrace_nested.so"));
	expect_glob("libutrace_default.so*", root, R("/usr/lib/libutrace_default.so"));
	expect_err("elf_find_library_glob", "libutrace_unlisted*",
		   elf_find_library_glob("libutrace_unlisted*", root, p, sizeof(p)),
		   -ENOENT);
	expect_err("elf_find_library_glob", "a pattern with a slash",
		   elf_find_library_glob("fx/libutrace_rooted.so", root, p, sizeof(p)),
		   -ENOENT);
	expect_err("elf_find_library_glob", "small buffer",
		   elf_find_library_glob("libutrace_root*.so", root, p, 5), -ENAMETOOLONG);
#undef R
}

static int find_tinfo_cb(const char *soname, void *arg)
{
	return !strcmp(soname, (const char *)arg);
}

static void test_bash(void)
{
	const char *bash = "/bin/bash", *tinfo = "libtinfo.so.6";
	char out[PATH_MAX];
	struct stat st;
	int err;

	if (access(bash, R_OK) ||
	    elf_for_each_needed(bash, find_tinfo_cb, (void *)tinfo) != 1) {
		printf("test_elf: skip: %s does not need %s here\n", bash,
		       tinfo);
		return;
	}
	err = elf_find_library(bash, tinfo, NULL, out, sizeof(out));
	expect_err("elf_find_library", tinfo, err, 0);
	CHECK(err || (!stat(out, &st) && S_ISREG(st.st_mode)),
	      "%s resolved to %s, not a file", tinfo, out);
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr,
			"usage: %s LIB MAIN LIBDIR [STRIPPED_LIB]\n", argv[0]);
		return 2;
	}
	tmp_init();
	test_symbols(argv[1]);
	if (argc == 5)
		test_stripped(argv[4]);
	test_no_sections(argv[1]);
	test_bad_files(argv[1]);
	test_synthetic(argv[1]);
	test_needed(argv[2], argv[1]);
	test_find(argv[2], argv[1], argv[3]);
	test_root_conf(argv[2], argv[1]);
	test_bash();
	if (failures) {
		fprintf(stderr, "test_elf: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_elf: all checks passed\n");
	return 0;
}
