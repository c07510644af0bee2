/* SPDX-License-Identifier: GPL-2.0-only */
/* The dynamic loader's library search, done without running the loader. */
#ifndef UTRACE_LDPATH_H
#define UTRACE_LDPATH_H

#include <stddef.h>

/*
 * Find the file the dynamic loader would use for @soname needed by @path:
 * DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH ($ORIGIN expanded),
 * the directories of /etc/ld.so.conf (with its include globs), then the
 * default system directories. @root prefixes every absolute path looked at
 * (NULL or "" for the host). Writes the path (including @root) into @out.
 * Paths from $ORIGIN come from @path, which already includes @root, so
 * they are not prefixed again. Only regular files that elf_check()
 * accepts count. Returns 0 or -ENOENT, or -ENAMETOOLONG when the library
 * found does not fit in @out.
 */
int elf_find_library(const char *path, const char *soname, const char *root,
		     char *out, size_t outlen);

/*
 * Where a library named by a base-name glob ("libssl.so.*") is on this
 * system: the first file matching @pattern in the loader's own
 * directories (/etc/ld.so.conf with its includes, then the defaults), in
 * the loader's order, each directory's matches sorted; only ELF files
 * elf_check() accepts count. @root, @out and the returns as above.
 */
int elf_find_library_glob(const char *pattern, const char *root, char *out,
			  size_t outlen);

#endif
