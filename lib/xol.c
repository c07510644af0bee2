// SPDX-License-Identifier: GPL-2.0-only
#include "xol.h"

#include <sys/mman.h>
#include <unistd.h>

uint64_t xol_expected(void)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	/* above 47 bits only 5-level paging has addresses at all */
	void *high = (void *)(uintptr_t)(1ULL << 55);
	void *p = mmap(high, page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	unsigned bits = 47;

	if (p != MAP_FAILED) {
		if (p == high)
			bits = 56;
		munmap(p, page);
	}
	/* TASK_SIZE is the top less a guard page; the trampoline one below */
	return (1ULL << bits) - 2 * page;
}
