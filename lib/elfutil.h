/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ELF inspection with libelf: where uprobes go, and which libraries a
 * binary needs. Never runs the binary or ldd.
 */
#ifndef UTRACE_ELFUTIL_H
#define UTRACE_ELFUTIL_H

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

/*
 * File offset of function @sym in ELF file @path, suitable for a uprobe.
 * Looks in .symtab then .dynsym (a stripped binary keeps .dynsym), takes
 * only defined STT_FUNC/STT_GNU_IFUNC symbols (versioned names such as
 * "getaddrinfo@@GLIBC_2.2.5" match "getaddrinfo"), and converts the
 * virtual address to a file offset through the PT_LOAD program headers.
 */
int elf_symbol_offset(const char *path, const char *sym, uint64_t *offset);

/*
 * Quick check: 0 when @path is an ELF we can trace (64-bit x86-64, ET_EXEC
 * or ET_DYN, loadable segments inside the file), else -errno; a truncated
 * file or a relocatable object is -ENOEXEC.
 */
int elf_check(const char *path);

/*
 * Call @cb for each DT_NEEDED entry of @path, in order; stop early when @cb
 * returns non-zero and return that value. Returns 0 or -errno.
 */
int elf_for_each_needed(const char *path,
			int (*cb)(const char *soname, void *arg), void *arg);

/*
 * Find the file the dynamic loader would use for @soname needed by @path:
 * DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH ($ORIGIN expanded),
 * the directories of /etc/ld.so.conf (with its include globs), then the
 * default system directories. @root prefixes every absolute path looked at
 * (NULL or "" for the host; "/proc/PID/root" for a container). Writes the
 * path (including @root) into @out. Paths from $ORIGIN come from @path,
 * which already includes @root, so they are not prefixed again. Only
 * regular files that elf_check() accepts count. Returns 0 or -ENOENT, or
 * -ENAMETOOLONG when the library found does not fit in @out.
 */
int elf_find_library(const char *path, const char *soname, const char *root,
		     char *out, size_t outlen);

#endif
