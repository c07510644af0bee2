/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The function an IFUNC (STT_GNU_IFUNC) symbol stands for. The symbol's
 * address is its resolver, which the dynamic loader runs once, at
 * relocation, to choose an implementation for this CPU (memcpy, strlen:
 * AVX2, EVEX, SSE2...); a probe there would time the resolver, never the
 * calls. The choice is only known by running the resolver, which utrace
 * never does in a file it has not loaded itself: only where this process
 * has the very file loaded (the host's libc) is the answer at hand, since
 * the loader ran the resolver for it already.
 */
#ifndef UTRACE_IFUNC_H
#define UTRACE_IFUNC_H

#include <stdint.h>
#include <sys/types.h>

/*
 * For the file (@dev, @ino), loaded in this process: the implementation
 * symbol @name (as a symbol table gives it, "memcpy@@GLIBC_2.14") resolves
 * to here, as a virtual address of the file and its file offset. Returns
 * 0, -ENOENT when this process has not loaded the file, or -ESRCH when
 * the symbol does not resolve into the file's code.
 */
int ifunc_resolve_loaded(dev_t dev, ino_t ino, const char *name,
			 uint64_t *vaddr, uint64_t *offset);

#endif
