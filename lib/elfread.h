/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ELF reader: where uprobes go (symbols -> file offsets), which
 * libraries a binary needs, and named sections. Never runs the binary or
 * ldd. Every file may be hostile (a container's binaries, a fuzzer's
 * bytes): see elfread.c for what is checked.
 */
#ifndef UTRACE_ELFREAD_H
#define UTRACE_ELFREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Errors are negative errno values; elf_strerror() turns them into text:
 *   -ENOENT   no such file           -EISDIR  a directory
 *   -ENOEXEC  not an ELF file        -EINVAL  ELF of another class/machine
 *                                             (only 64-bit x86-64 is traced)
 *   -ESRCH    symbol not found       -EACCES  permission denied
 */
const char *elf_strerror(int err);

struct elf_file;
struct stat;

/*
 * open(2) a regular file for reading, never blocking on a FIFO planted
 * where a file is expected. Returns the fd, or -errno (-EISDIR, -ENOEXEC
 * for anything not a regular file).
 */
int elf_open_regular(const char *path, struct stat *st);

/*
 * Open @path (or read an fd already open: it is duplicated, the caller
 * keeps its own) and check that it is an ELF file we can trace: 64-bit
 * x86-64, ET_EXEC or ET_DYN, loadable segments inside the file. A FIFO
 * does not block, a truncated file or a relocatable object is -ENOEXEC.
 */
int elf_open(const char *path, struct elf_file **out);
int elf_open_fd(int fd, struct elf_file **out);
void elf_close(struct elf_file *ef);

/* Quick check of a path: elf_open() + elf_close(). */
int elf_check(const char *path);

/* One defined symbol, as the symbol table of a file gives it. */
struct elf_sym {
	const char *name;	/* as in the table: "getaddrinfo@@GLIBC_2.2.5" */
	uint64_t vaddr;		/* st_value */
	uint64_t size;		/* st_size */
	uint64_t offset;	/* file offset of vaddr (for uprobes) */
	unsigned char type;	/* STT_FUNC, STT_GNU_IFUNC or STT_OBJECT */
	unsigned char bind;	/* STB_GLOBAL, STB_WEAK, STB_LOCAL */
	unsigned char from;	/* ELF_SYMTAB or ELF_DYNSYM */
};

#define ELF_DYNSYM	0
#define ELF_SYMTAB	1	/* .symtab: locals too, preferred */

/*
 * Every defined function (STT_FUNC, STT_GNU_IFUNC) and data object
 * (STT_OBJECT) of .symtab and .dynsym whose address lies in a loadable
 * segment, sorted by name. Read once per file, then searched in memory.
 * A Go binary without .symtab has its functions read from its pclntab
 * (sizes up to the next function: padding included).
 */
struct elf_symbols {
	struct elf_sym *v;
	size_t n;
	char *names;		/* owned storage of every name */
};

int elf_read_symbols(struct elf_file *ef, struct elf_symbols *out);
void elf_symbols_free(struct elf_symbols *syms);

/*
 * The definition of @name that a user means: "foo" and "foo@@VER" (the
 * default version) beat "foo@VER" (kept for old binaries); "foo@VER"
 * names that version only; global and weak beat local; .symtab beats
 * .dynsym. @types is a mask of (1 << STT_x). NULL if none.
 */
const struct elf_sym *elf_symbols_find(const struct elf_symbols *syms,
				       const char *name, unsigned int types);

#define ELF_FUNCS	((1u << 2) | (1u << 10))	/* STT_FUNC | STT_GNU_IFUNC */
#define ELF_OBJECTS	(1u << 1)			/* STT_OBJECT */

/* The length of @name without its "@VER"/"@@VER" suffix. */
size_t elf_sym_base_len(const char *name);

/*
 * File offset of function @sym in ELF file @path, suitable for a uprobe:
 * elf_open() + elf_read_symbols() + elf_symbols_find(ELF_FUNCS).
 */
int elf_symbol_offset(const char *path, const char *sym, uint64_t *offset);

/*
 * Section @name (".gopclntab", ".go.buildinfo"), read through the section
 * headers: *@data points into memory owned by @ef, valid until elf_close().
 * -ESRCH when there is no such section (or no section headers).
 */
int elf_section(struct elf_file *ef, const char *name, const void **data,
		size_t *size, uint64_t *vaddr);

/* A Go binary: it has a .go.buildinfo or a pclntab. */
bool elf_is_go(struct elf_file *ef);

/* File offset of virtual address @vaddr, in an executable segment first. */
int elf_vaddr_offset(struct elf_file *ef, uint64_t vaddr, uint64_t *offset);

/* The program interpreter (PT_INTERP), copied into @out; -ESRCH if none. */
int elf_interp(struct elf_file *ef, char *out, size_t outlen);

/*
 * Call @cb for each DT_NEEDED entry, in order; stop early when @cb returns
 * non-zero and return that value. Returns 0 or -errno.
 */
int elf_for_each_needed_of(struct elf_file *ef,
			   int (*cb)(const char *soname, void *arg), void *arg);
int elf_for_each_needed(const char *path,
			int (*cb)(const char *soname, void *arg), void *arg);

/*
 * The library search path: DT_RUNPATH, or DT_RPATH when there is no
 * DT_RUNPATH (the loader's rule). A malloc()ed string, or NULL.
 */
char *elf_search_path(struct elf_file *ef);

#endif
