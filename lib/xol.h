/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the kernel puts a process's uprobe trampoline (its [uprobes] page):
 * bpf/frame.bpf.h tells a call in progress from one abandoned with
 * siglongjmp() by finding that address in the call's return address slot.
 */
#ifndef UTRACE_XOL_H
#define UTRACE_XOL_H

#include <stdint.h>

/*
 * The kernel asks for the page just below the top of the user address
 * space (get_unmapped_area(TASK_SIZE - PAGE_SIZE)): 0x7fffffffe000 with
 * 4-level paging, higher with 5-level paging, which is probed here.
 */
uint64_t xol_expected(void);

#endif
