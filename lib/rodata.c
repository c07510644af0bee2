// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read-only data of the BPF object (`const volatile` globals), set before
 * load from the options: the verifier then prunes what they turn off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "utrace.h"

int utrace_set_rodata(struct utrace_session *s, const char *name,
		      const void *value, size_t size)
{
	struct btf *btf = bpf_object__btf(s->obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *map = NULL, *m;
	size_t map_size;
	const void *cur;
	char *data;
	int id, err;

	bpf_object__for_each_map(m, s->obj) {
		const char *n = bpf_map__name(m);
		size_t l = strlen(n);

		if (l >= 7 && !strcmp(n + l - 7, ".rodata"))
			map = m;
	}
	if (!btf || !map)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	cur = bpf_map__initial_value(map, &map_size);
	if (!cur)
		return -ENOENT;
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, var->name_off), name))
			continue;
		if (vs->size != size || vs->offset + size > map_size)
			return -EINVAL;
		/* libbpf 1.1 hands out the image read-only: copy, edit, set */
		data = malloc(map_size);
		if (!data)
			return -ENOMEM;
		memcpy(data, cur, map_size);
		memcpy(data + vs->offset, value, size);
		err = bpf_map__set_initial_value(map, data, map_size);
		free(data);
		return err;
	}
	return -ENOENT;
}
