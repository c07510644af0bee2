/* SPDX-License-Identifier: GPL-2.0-only */
/* Arrays that double when full: the one growth rule of the core and tools. */
#ifndef UTRACE_GROW_H
#define UTRACE_GROW_H

#include <stddef.h>

/*
 * Room for @need elements of @size bytes in @v, which has room for *@cap:
 * @v itself when it has, else @v reallocated to the first of @first,
 * 2 * @first, 4 * @first... (from *@cap doubled, once there is one) that
 * holds @need, with *@cap set to it. NULL when memory or size_t runs out:
 * then @v and *@cap are as they were, and @v is still the caller's.
 */
void *grow_array(void *v, size_t *cap, size_t need, size_t size, size_t first);

#endif
