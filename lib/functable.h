/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The functions a tool traces, each given a small number from 0: the
 * attach cookie its probes carry (the BPF program knows which function
 * fired) and the key of its histogram. A function is a name within a
 * group (funclat: the SPEC it was found by), so the same function found
 * in several files (every libc copy in use) is one function. Numbers are
 * never reused; at most @cap are given.
 */
#ifndef UTRACE_FUNCTABLE_H
#define UTRACE_FUNCTABLE_H

#include <stddef.h>
#include <stdint.h>

struct functable_entry {
	char *name;
	unsigned int group;
};

struct functable {
	struct functable_entry *v;
	size_t n, cap;
	uint32_t *slots;	/* open addressing: index + 1, 0 free */
	size_t nslots;		/* a power of two, more than twice @cap */
};

/* 0, or -ENOMEM. */
int functable_init(struct functable *t, size_t cap);
void functable_free(struct functable *t);

/*
 * The number of (@group, @name[0..len)), given now if new: >= 0, or
 * -E2BIG when @cap numbers are given already, -ENOMEM.
 */
int functable_add(struct functable *t, unsigned int group, const char *name,
		  size_t len);

/* The number of a function, or -ENOENT. */
int functable_find(const struct functable *t, unsigned int group,
		   const char *name, size_t len);

/* Function @id's name and group; NULL for a number not given. */
const struct functable_entry *functable_get(const struct functable *t,
					    uint64_t id);

#endif
