// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbtf: struct fields found in a BTF file built here (anonymous unions and
 * structs, typedefs, qualifiers, bit fields, arrays, every kind of record
 * to step over), refused for a file that is no BTF or is cut short, and,
 * where the running kernel's BTF is readable, the same offsets as
 * libbpf's own parser finds there.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <linux/btf.h>

#include "check.h"
#include "kbtf.h"

/* ---- a BTF file, built here ---- */

static unsigned char types[4096], strs[1024];
static size_t ntypes_bytes, nstrs = 1;	/* string 0 is "" */

static uint32_t str(const char *s)
{
	uint32_t off = (uint32_t)nstrs;

	if (!*s)
		return 0;
	memcpy(strs + nstrs, s, strlen(s) + 1);
	nstrs += strlen(s) + 1;
	return off;
}

static void u32(uint32_t v)
{
	memcpy(types + ntypes_bytes, &v, 4);
	ntypes_bytes += 4;
}

static void head(const char *name, uint32_t kind, uint32_t vlen, bool kflag, uint32_t size_or_type)
{
	u32(str(name));
	u32(kind << 24 | vlen | (kflag ? 1u << 31 : 0));
	u32(size_or_type);
}

static void member(const char *name, uint32_t type, uint32_t offset)
{
	u32(str(name));
	u32(type);
	u32(offset);
}

enum {
	T_ENUM = 1, T_PROTO, T_TAG, T_ENUM64, T_INT, T_ULONG, T_PTR, T_INNER,
	T_U64, T_OUTER, T_UNION, T_VOLATILE, T_ANON, T_ARRAY, T_ARRS,
};

static void build(void)
{
	head("e", BTF_KIND_ENUM, 2, false, 4);		/* 1 */
	u32(str("E0")), u32(0), u32(str("E1")), u32(1);
	head("", BTF_KIND_FUNC_PROTO, 1, false, T_INT);	/* 2 */
	u32(0), u32(T_INT);
	head("tag", BTF_KIND_DECL_TAG, 0, false, T_ENUM); /* 3 */
	u32((uint32_t)-1);
	head("e64", BTF_KIND_ENUM64, 1, false, 8);	/* 4 */
	u32(str("BIG")), u32(1), u32(2);
	head("int", BTF_KIND_INT, 0, false, 4);		/* 5 */
	u32(32);
	head("long unsigned int", BTF_KIND_INT, 0, false, 8);	/* 6 */
	u32(64);
	head("", BTF_KIND_PTR, 0, false, T_INNER);	/* 7 */
	head("inner", BTF_KIND_STRUCT, 2, false, 16);	/* 8 */
	member("a", T_ULONG, 0);
	member("b", T_INT, 64);
	head("u64", BTF_KIND_TYPEDEF, 0, false, T_ULONG);	/* 9 */
	head("outer", BTF_KIND_STRUCT, 5, true, 48);	/* 10 */
	member("x", T_INT, 0);
	member("", T_UNION, 64);
	member("bf", T_INT, 3u << 24 | 192);
	member("p", T_PTR, 256);
	member("v", T_VOLATILE, 320);
	head("", BTF_KIND_UNION, 2, false, 16);		/* 11 */
	member("y", T_U64, 0);
	member("", T_ANON, 0);
	head("", BTF_KIND_VOLATILE, 0, false, T_U64);	/* 12 */
	head("", BTF_KIND_STRUCT, 2, false, 16);	/* 13 */
	member("q", T_INT, 0);
	member("z", T_ULONG, 64);
	head("", BTF_KIND_ARRAY, 0, false, 0);		/* 14 */
	u32(T_INT), u32(T_INT), u32(4);
	head("arrs", BTF_KIND_STRUCT, 1, false, 16);	/* 15 */
	member("name", T_ARRAY, 0);
}

/* Write the BTF built (its type section cut to @type_len) to @path. */
static void write_btf(const char *path, uint16_t magic, size_t type_len)
{
	struct btf_header h = {
		.magic = magic, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = (uint32_t)ntypes_bytes,
		.str_off = (uint32_t)ntypes_bytes, .str_len = (uint32_t)nstrs,
	};
	FILE *f = fopen(path, "wb");

	if (!f) {
		perror(path);
		exit(1);
	}
	fwrite(&h, sizeof(h), 1, f);
	fwrite(types, 1, type_len, f);
	if (type_len == ntypes_bytes)
		fwrite(strs, 1, nstrs, f);
	fclose(f);
}

struct want {
	const char *strct, *member;
	uint32_t size;
	int err;
	uint32_t offset;
};

static void check_fields(const char *path, const struct want *w, size_t n)
{
	struct kbtf_field f[32];

	for (size_t i = 0; i < n; i++)
		f[i] = (struct kbtf_field){ w[i].strct, w[i].member, w[i].size, 0, 0 };
	CHECK(kbtf_fields(path, f, n) == 0, "%s: read", path);
	for (size_t i = 0; i < n; i++) {
		CHECK(f[i].err == w[i].err, "%s.%s: err %d, want %d", w[i].strct,
		      w[i].member, f[i].err, w[i].err);
		if (!w[i].err)
			CHECK(f[i].offset == w[i].offset, "%s.%s: offset %u, want %u",
			      w[i].strct, w[i].member, f[i].offset, w[i].offset);
	}
}

static void test_built(const char *dir)
{
	static const struct want w[] = {
		{ "outer", "x", 4, 0, 0 },
		{ "outer", "y", 8, 0, 8 },	/* in the anonymous union */
		{ "outer", "q", 4, 0, 8 },	/* in a struct in that union */
		{ "outer", "z", 8, 0, 16 },
		{ "outer", "p", 8, 0, 32 },	/* a pointer */
		{ "outer", "v", 8, 0, 40 },	/* volatile u64 */
		{ "outer", "bf", 4, -EMSGSIZE, 0 },	/* a bit field */
		{ "outer", "x", 8, -EMSGSIZE, 0 },	/* another size */
		{ "outer", "nope", 4, -ENOENT, 0 },
		{ "inner", "b", 4, 0, 8 },
		{ "arrs", "name", 16, 0, 0 },	/* int[4] */
		{ "nostruct", "x", 4, -ENOENT, 0 },
		{ "int", "x", 4, -ENOENT, 0 },	/* not a struct */
	};
	char path[512];
	struct kbtf_field f = { "outer", "x", 4, 0, 0 };

	snprintf(path, sizeof(path), "%s/good.btf", dir);
	write_btf(path, BTF_MAGIC, ntypes_bytes);
	check_fields(path, w, sizeof(w) / sizeof(*w));
	unlink(path);

	snprintf(path, sizeof(path), "%s/magic.btf", dir);
	write_btf(path, 0x1234, ntypes_bytes);
	CHECK(kbtf_fields(path, &f, 1) == -ENOEXEC && f.err == -ENOEXEC,
	      "no BTF magic: %d", f.err);
	unlink(path);

	/* the header says more than the file holds */
	snprintf(path, sizeof(path), "%s/cut.btf", dir);
	write_btf(path, BTF_MAGIC, ntypes_bytes / 2);
	CHECK(kbtf_fields(path, &f, 1) == -ENOEXEC, "cut short: %d", f.err);
	unlink(path);

	snprintf(path, sizeof(path), "%s/absent.btf", dir);
	CHECK(kbtf_fields(path, &f, 1) == -ENOENT && f.err == -ENOENT,
	      "no such file: %d", f.err);
}

/* ---- the running kernel's, against libbpf ---- */

/* libbpf's answer: @name in struct @id, anonymous members searched. */
static int ref_member(const struct btf *btf, int id, const char *name, uint32_t *off)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		uint32_t bits = btf_member_bit_offset(t, i), inner;
		int mid = btf__resolve_type(btf, m->type);

		if (n && *n && !strcmp(n, name)) {
			*off = bits / 8;
			return 0;
		}
		if ((!n || !*n) && mid > 0 && btf_is_composite(btf__type_by_id(btf, mid)) &&
		    !ref_member(btf, mid, name, &inner)) {
			*off = bits / 8 + inner;
			return 0;
		}
	}
	return -ENOENT;
}

static void test_kernel(void)
{
	struct kbtf_field f[] = {
		{ "task_struct", "mm", 8, 0, 0 },
		{ "task_struct", "exit_code", 4, 0, 0 },
		{ "task_struct", "pid", 4, 0, 0 },
		{ "mm_struct", "exe_file", 8, 0, 0 },	/* in an anonymous struct */
		{ "file", "f_inode", 8, 0, 0 },
		{ "inode", "i_ino", 8, 0, 0 },
	};
	struct btf *btf;

	if (access(KBTF_VMLINUX, R_OK)) {
		printf("skip: %s not readable\n", KBTF_VMLINUX);
		return;
	}
	btf = btf__parse(KBTF_VMLINUX, NULL);
	CHECK(btf, "libbpf cannot parse %s", KBTF_VMLINUX);
	CHECK(kbtf_fields(KBTF_VMLINUX, f, sizeof(f) / sizeof(*f)) == 0, "kernel BTF: read");
	for (size_t i = 0; btf && i < sizeof(f) / sizeof(*f); i++) {
		int id = btf__find_by_name_kind(btf, f[i].strct, BTF_KIND_STRUCT);
		uint32_t off = 0;

		CHECK(id > 0 && !ref_member(btf, id, f[i].member, &off), "libbpf: no %s.%s",
		      f[i].strct, f[i].member);
		CHECK(f[i].err == 0 && f[i].offset == off, "%s.%s: err %d offset %u, libbpf %u",
		      f[i].strct, f[i].member, f[i].err, f[i].offset, off);
	}
	btf__free(btf);
}

int main(void)
{
	char dir[] = "/tmp/utrace-kbtf-XXXXXX";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	build();
	test_built(dir);
	rmdir(dir);
	test_kernel();
	return check_summary();
}
