// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/ifunc.c: an IFUNC of the libc this test runs with resolves to the
 * implementation its own calls go to (the address the loader put in the
 * GOT for &memcpy), not to the resolver the symbol table names; a file
 * this process has not loaded, and a name the file lacks, are refused.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfread.h"
#include "ifunc.h"

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

struct libc {
	char path[4096];
	uintptr_t base;
};

static int find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct libc *l = arg;
	const char *b = strrchr(info->dlpi_name, '/');

	(void)size;
	if (!b || strncmp(b + 1, "libc.so", 7))
		return 0;
	snprintf(l->path, sizeof(l->path), "%s", info->dlpi_name);
	l->base = info->dlpi_addr;
	return 1;
}

/* Taken through volatile pointers: the GOT's value, not a builtin. */
static void *(*volatile memcpy_p)(void *, const void *, size_t) = memcpy;
static size_t (*volatile strlen_p)(const char *) = strlen;
static pid_t (*volatile getpid_p)(void) = getpid;

/* The definition of @name (no version) of type @type (STT_*), or NULL. */
static const struct elf_sym *find(const struct elf_symbols *syms, const char *name,
				  int type)
{
	size_t n = strcspn(name, "@");

	for (size_t i = 0; i < syms->n; i++)
		if (!strncmp(syms->v[i].name, name, n) &&
		    (!syms->v[i].name[n] || syms->v[i].name[n] == '@') &&
		    syms->v[i].type == type)
			return &syms->v[i];
	return NULL;
}

static void expect_here(const struct stat *st, const struct libc *l,
			const struct elf_symbols *syms, const char *name, void *want,
			int ifunc)
{
	const struct elf_sym *sym = find(syms, name, ifunc ? 10 : 2);
	uint64_t vaddr = 0, off = 0;
	Dl_info info;
	int err = ifunc_resolve_loaded(st->st_dev, st->st_ino, name, &vaddr, &off);

	CHECK(!err, "%s: %s", name, strerror(-err));
	if (err)
		return;
	/* the GOT's value, unless a sanitizer's interceptor took the name */
	if (dladdr(want, &info) && info.dli_fname && !strcmp(info.dli_fname, l->path))
		CHECK(l->base + vaddr == (uintptr_t)want, "%s resolved to %#lx, calls go to %p",
		      name, (unsigned long)(l->base + vaddr), want);
	CHECK(sym, "%s not in %s", name, l->path);
	if (!sym)
		return;
	if (ifunc)
		CHECK(sym->type == 10 && vaddr != sym->vaddr,
		      "%s: type %d, implementation at the resolver's %#lx", name, sym->type,
		      (unsigned long)sym->vaddr);
	else
		CHECK(vaddr == sym->vaddr && off == sym->offset, "%s: plain function moved", name);
}

/* The implementations found do what memcpy and strlen do, called there. */
static void works(const struct stat *st, const struct libc *l)
{
	static const char src[] = "the implementation, called where it was found";
	char dst[sizeof(src)] = "";
	uint64_t v, o;

	if (!ifunc_resolve_loaded(st->st_dev, st->st_ino, "memcpy", &v, &o)) {
		void *(*cpy)(void *, const void *, size_t) = (void *)(l->base + v);

		CHECK(cpy(dst, src, sizeof(src)) == dst && !strcmp(dst, src), "memcpy copied %s", dst);
	}
	if (!ifunc_resolve_loaded(st->st_dev, st->st_ino, "strlen", &v, &o)) {
		size_t (*len)(const char *) = (void *)(l->base + v);

		CHECK(len(src) == sizeof(src) - 1, "strlen said %zu", len(src));
	}
}

int main(void)
{
	struct libc l = { .path = "" };
	struct elf_symbols syms = { 0 };
	struct elf_file *ef;
	uint64_t v, o;
	struct stat st;

	dl_iterate_phdr(find_libc, &l);
	if (!l.path[0] || stat(l.path, &st)) {
		fprintf(stderr, "FAIL: cannot find the libc this test runs with\n");
		return 1;
	}
	if (elf_open(l.path, &ef) || elf_read_symbols(ef, &syms)) {
		fprintf(stderr, "FAIL: cannot read %s\n", l.path);
		return 1;
	}
	elf_close(ef);
	if (!find(&syms, "memcpy", 10)) {
		printf("skip: memcpy is no IFUNC in %s\n", l.path);
	} else {
		expect_here(&st, &l, &syms, "memcpy", (void *)memcpy_p, 1);
		/* a version named: that version (glibc's 2.2.5 memcpy is no IFUNC) */
		expect_here(&st, &l, &syms, "memcpy@@GLIBC_2.14", (void *)memcpy_p, 1);
		if (find(&syms, "memcpy", 2)) {
			CHECK(!ifunc_resolve_loaded(st.st_dev, st.st_ino, "memcpy@GLIBC_2.2.5",
						    &v, &o) && v == find(&syms, "memcpy", 2)->vaddr,
			      "memcpy@GLIBC_2.2.5 is not the compat function");
		}
		expect_here(&st, &l, &syms, "strlen", (void *)strlen_p, 1);
		works(&st, &l);
	}
	expect_here(&st, &l, &syms, "getpid", (void *)getpid_p, 0);
	CHECK(ifunc_resolve_loaded(st.st_dev, st.st_ino, "no_such_function_here", &v, &o) ==
	      -ESRCH, "a missing name resolved");
	/* a file this process has not loaded: never loaded for the asking */
	if (!stat("/bin/sh", &st))
		CHECK(ifunc_resolve_loaded(st.st_dev, st.st_ino, "main", &v, &o) == -ENOENT,
		      "/bin/sh is not loaded here");
	elf_symbols_free(&syms);
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
