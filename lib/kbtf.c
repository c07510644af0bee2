// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel struct fields from the kernel's BTF, read lazily (see kbtf.h).
 *
 * BTF is a header, then a type section (variable-sized records, type ids
 * counting from 1 in order) and a string section (names by offset). Both
 * are read from their start, 64 KB at a time, only as far as a lookup
 * needs: types are indexed in order until the struct is found, names read
 * up to the furthest one compared. The file is the kernel's, but is read
 * as if it were anyone's: every record and offset is checked against what
 * was read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>

#include "kbtf.h"
#include "grow.h"

#define CHUNK (64 * 1024)
#define MAX_NEST 8	/* anonymous members within anonymous members */
#define MAX_REFS 32	/* typedefs and qualifiers in front of a type */

/* One section of the file, read from its start as far as asked for. */
struct part {
	int fd;
	uint64_t start;		/* where it begins in the file */
	uint32_t len;
	char *buf;		/* its first @have bytes */
	uint32_t have;
};

struct kbtf {
	struct part types, strs;
	uint32_t *at;		/* at[id]: where type @id starts in types */
	uint32_t ntypes;
	size_t cap;
	uint32_t next;		/* where the first type not indexed starts */
	bool end;		/* no more types: all indexed, or a bad one */
};

/* Have the first @end bytes of @p; false past its end or on a read error. */
static bool reach(struct part *p, uint64_t end)
{
	uint64_t want = p->have + (uint64_t)CHUNK;
	char *b;

	if (end <= p->have)
		return true;
	if (end > p->len)
		return false;
	if (want < end)
		want = end;
	if (want > p->len)
		want = p->len;
	b = realloc(p->buf, want);
	if (!b)
		return false;
	p->buf = b;
	while (p->have < want) {
		ssize_t got = pread(p->fd, b + p->have, want - p->have,
				    (off_t)(p->start + p->have));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		p->have += (uint32_t)got;
	}
	return true;
}

/* Is the name at offset @off of the string section @want? */
static bool name_is(struct kbtf *k, uint32_t off, const char *want)
{
	struct part *s = &k->strs;
	size_t n = strlen(want);

	/* @want and its NUL, or it is not the name */
	if (!reach(s, (uint64_t)off + n + 1))
		return false;
	return !memcmp(s->buf + off, want, n + 1);
}

/* The bytes that follow a type's struct btf_type; < 0: a kind unknown. */
static int64_t tail(const struct btf_type *t)
{
	int64_t vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return vlen * (int64_t)sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return vlen * (int64_t)sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return vlen * (int64_t)sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return vlen * (int64_t)sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return vlen * (int64_t)sizeof(struct btf_enum64);
	default:
		return -1;
	}
}

/* Index one more type; false once there is none (or it is bad). */
static bool index_next(struct kbtf *k)
{
	struct btf_type t;
	uint64_t end = (uint64_t)k->next + sizeof(t);
	uint32_t *v;
	int64_t x;

	if (k->end || !reach(&k->types, end))
		goto none;
	memcpy(&t, k->types.buf + k->next, sizeof(t));
	x = tail(&t);
	if (x < 0 || !reach(&k->types, end + (uint64_t)x))
		goto none;
	v = grow_array(k->at, &k->cap, (size_t)k->ntypes + 2, sizeof(*v), 1024);
	if (!v)
		goto none;
	k->at = v;
	k->at[++k->ntypes] = k->next;
	k->next = (uint32_t)(end + (uint64_t)x);
	return true;
none:
	k->end = true;
	return false;
}

/* Type @id into @t (its whole record has been read); false: none such. */
static bool type(struct kbtf *k, uint32_t id, struct btf_type *t)
{
	if (!id)
		return false;	/* void */
	while (k->ntypes < id)
		if (!index_next(k))
			return false;
	memcpy(t, k->types.buf + k->at[id], sizeof(*t));
	return true;
}

/* What follows type @id's struct btf_type, as an array of @size items. */
static void item(const struct kbtf *k, uint32_t id, uint32_t i, void *out, size_t size)
{
	memcpy(out, k->types.buf + k->at[id] + sizeof(struct btf_type) + i * size, size);
}

/* Type @id without its typedefs and qualifiers, into @t; 0: none. */
static uint32_t strip(struct kbtf *k, uint32_t id, struct btf_type *t)
{
	for (int i = 0; i < MAX_REFS; i++) {
		if (!type(k, id, t))
			return 0;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		default:
			return id;
		}
	}
	return 0;
}

/* The size of type @id in bytes; -1 for one without (void, functions). */
static int64_t size_of(struct kbtf *k, uint32_t id, int nest)
{
	struct btf_type t;
	struct btf_array a;
	uint32_t enc;
	int64_t elem;

	if (nest > MAX_NEST || !(id = strip(k, id, &t)))
		return -1;
	switch (BTF_INFO_KIND(t.info)) {
	case BTF_KIND_INT:
		item(k, id, 0, &enc, sizeof(enc));
		/* a bit field's own type: not a whole number of bytes */
		if (BTF_INT_OFFSET(enc) || BTF_INT_BITS(enc) != 8 * t.size)
			return -1;
		return t.size;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FLOAT:
		return t.size;
	case BTF_KIND_PTR:
		return sizeof(void *);	/* the kernel's: utrace is x86-64 only */
	case BTF_KIND_ARRAY:
		item(k, id, 0, &a, sizeof(a));
		elem = size_of(k, a.type, nest + 1);
		return elem < 0 ? -1 : elem * a.nelems;
	default:
		return -1;
	}
}

/* Member @want of struct or union @id: its byte offset into @off. */
static int find_member(struct kbtf *k, uint32_t id, const char *want,
		       uint32_t size, uint32_t *off, int nest)
{
	struct btf_type t;
	int err = -ENOENT;
	bool kflag;

	if (nest > MAX_NEST || !type(k, id, &t))
		return -ENOENT;
	if (BTF_INFO_KIND(t.info) != BTF_KIND_STRUCT && BTF_INFO_KIND(t.info) != BTF_KIND_UNION)
		return -ENOENT;
	kflag = BTF_INFO_KFLAG(t.info);
	for (uint32_t i = 0; i < BTF_INFO_VLEN(t.info); i++) {
		struct btf_member m;
		uint32_t bits, bitsize, inner;
		struct btf_type mt;
		int e;

		item(k, id, i, &m, sizeof(m));
		bits = kflag ? BTF_MEMBER_BIT_OFFSET(m.offset) : m.offset;
		bitsize = kflag ? BTF_MEMBER_BITFIELD_SIZE(m.offset) : 0;
		if (!m.name_off) {
			/* an anonymous struct or union: its members are this one's */
			uint32_t mid = strip(k, m.type, &mt);

			if (!mid || bits % 8 || (BTF_INFO_KIND(mt.info) != BTF_KIND_STRUCT &&
						 BTF_INFO_KIND(mt.info) != BTF_KIND_UNION))
				continue;
			e = find_member(k, mid, want, size, &inner, nest + 1);
			if (!e) {
				*off = bits / 8 + inner;
				return 0;
			}
			if (e != -ENOENT)
				err = e;
			continue;
		}
		if (!name_is(k, m.name_off, want))
			continue;
		if (bitsize || bits % 8 || size_of(k, m.type, 0) != size)
			return -EMSGSIZE;
		*off = bits / 8;
		return 0;
	}
	return err;
}

/* The struct (or union) named @name; 0: none. */
static uint32_t find_struct(struct kbtf *k, const char *name)
{
	struct btf_type t;

	for (uint32_t id = 1; type(k, id, &t); id++) {
		uint32_t kind = BTF_INFO_KIND(t.info);

		if ((kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) && t.name_off &&
		    name_is(k, t.name_off, name))
			return id;
	}
	return 0;
}

static int open_btf(const char *path, struct kbtf *k)
{
	struct btf_header h;
	struct stat st;
	uint64_t size, types, strs;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	k->types.fd = k->strs.fd = fd;
	if (fstat(fd, &st) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -ENOEXEC;
	size = (uint64_t)st.st_size;
	types = (uint64_t)h.hdr_len + h.type_off;
	strs = (uint64_t)h.hdr_len + h.str_off;
	if (h.magic != BTF_MAGIC || h.version != BTF_VERSION || h.hdr_len < sizeof(h))
		return -ENOEXEC;
	/* a pseudo-file may say size 0: then reads say where it ends */
	if (size && (types + h.type_len > size || strs + h.str_len > size))
		return -ENOEXEC;
	k->types.start = types;
	k->types.len = h.type_len;
	k->strs.start = strs;
	k->strs.len = h.str_len;
	return 0;
}

int kbtf_fields(const char *path, struct kbtf_field *f, size_t n)
{
	struct kbtf k = { .types.fd = -1 };
	int err = open_btf(path, &k);

	for (size_t i = 0; i < n; i++) {
		uint32_t id;

		f[i].err = err;
		if (err)
			continue;
		/* the types seen for an earlier field are in memory: a quick search */
		id = find_struct(&k, f[i].strct);
		f[i].err = id ? find_member(&k, id, f[i].member, f[i].size, &f[i].offset, 0)
			      : -ENOENT;
	}
	if (k.types.fd >= 0)
		close(k.types.fd);
	free(k.types.buf);
	free(k.strs.buf);
	free(k.at);
	return err;
}
