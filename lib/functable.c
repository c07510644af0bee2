// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table of traced functions (functable.h): a dense array for the
 * numbers, an open-addressed hash over (group, name) for the lookups a
 * file's thousand matches make while it is attached.
 */
#include "functable.h"

#include <errno.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

int functable_init(struct functable *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->nslots = 16;
	while (t->nslots < 2 * cap + 1)
		t->nslots *= 2;
	t->v = calloc(cap ? cap : 1, sizeof(*t->v));
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->v || !t->slots) {
		functable_free(t);
		return -ENOMEM;
	}
	t->cap = cap;
	return 0;
}

void functable_free(struct functable *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* FNV-1a over the group and the name */
static uint32_t hash(unsigned int group, const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 4; i++) {
		h ^= (group >> (8 * i)) & 0xff;
		h *= 16777619u;
	}
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	return h;
}

static bool same(const struct functable_entry *e, unsigned int group,
		 const char *name, size_t len)
{
	return e->group == group && !strncmp(e->name, name, len) && !e->name[len];
}

/* The slot holding the function, or the free one where it would go. */
static size_t slot_of(const struct functable *t, unsigned int group,
		      const char *name, size_t len)
{
	size_t mask = t->nslots - 1, i = hash(group, name, len) & mask;

	/* never full: more than twice as many slots as entries */
	while (t->slots[i] && !same(&t->v[t->slots[i] - 1], group, name, len))
		i = (i + 1) & mask;
	return i;
}

int functable_find(const struct functable *t, unsigned int group,
		   const char *name, size_t len)
{
	size_t i;

	if (!t->slots)
		return -ENOENT;
	i = slot_of(t, group, name, len);
	return t->slots[i] ? (int)t->slots[i] - 1 : -ENOENT;
}

int functable_add(struct functable *t, unsigned int group, const char *name,
		  size_t len)
{
	struct functable_entry *e;
	size_t i;

	if (!t->slots)
		return -ENOMEM;
	i = slot_of(t, group, name, len);
	if (t->slots[i])
		return (int)t->slots[i] - 1;
	if (t->n == t->cap)
		return -E2BIG;
	e = &t->v[t->n];
	e->name = strndup(name, len);
	if (!e->name)
		return -ENOMEM;
	e->group = group;
	t->slots[i] = (uint32_t)++t->n;
	return (int)t->n - 1;
}

const struct functable_entry *functable_get(const struct functable *t,
					    uint64_t id)
{
	return id < t->n ? &t->v[id] : NULL;
}
