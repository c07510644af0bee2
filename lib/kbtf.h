/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the running kernel keeps a few fields of its structs, from its own
 * type information (BTF), for BPF programs that read them with
 * bpf_probe_read_kernel() at offsets set before load.
 *
 * libbpf's CO-RE finds them too, but loads and indexes the kernel's whole
 * BTF at every start (5.5 MB, 126k types on 6.18: 15-20 ms and 11 MB of
 * peak RSS here). The structs a tool reads (task_struct, mm_struct, file,
 * inode) are among its first types, so this reads the file only as far as
 * they, their members' types and their names go: for those four, the first
 * 64 KB of the types and of the names, in 0.1 ms.
 */
#ifndef UTRACE_KBTF_H
#define UTRACE_KBTF_H

#include <stddef.h>
#include <stdint.h>

#define KBTF_VMLINUX "/sys/kernel/btf/vmlinux"

/* One field to find; the caller fills the first three. */
struct kbtf_field {
	const char *strct;	/* "task_struct" */
	/* "exit_code"; also found inside anonymous struct and union members */
	const char *member;
	/* the bytes the program reads: the member's type must have this size */
	uint32_t size;
	uint32_t offset;	/* out: bytes from the start of the struct */
	/*
	 * out: 0, -ENOENT (no such struct or member), -EMSGSIZE (another
	 * size, or a bit field)
	 */
	int err;
};

/*
 * Find @n fields in the BTF file at @path (KBTF_VMLINUX). Returns 0 when
 * the file was read (each field's err says whether it was found), or
 * -errno when it could not be, or is no BTF (-ENOEXEC): then every field
 * has that err.
 */
int kbtf_fields(const char *path, struct kbtf_field *f, size_t n);

#endif
