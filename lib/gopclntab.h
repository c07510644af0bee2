/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The function table of a Go binary, read from its .gopclntab bytes.
 *
 * Stripped Go binaries (-ldflags='-s -w') have no .symtab, but the runtime
 * needs the pclntab for stack traces, so it is always there: every
 * function's name and entry address. Pure: bytes in, functions out, no I/O;
 * finding the bytes (the .gopclntab section) is the ELF reader's job.
 *
 * Known formats, by the magic in the first 4 bytes (little-endian only: a
 * big-endian table is refused like an unknown one):
 *   0xfffffffb  Go 1.2-1.15   entries are addresses
 *   0xfffffffa  Go 1.16-1.17  entries are addresses
 *   0xfffffff0  Go 1.18-1.19  entries are offsets from runtime.text
 *   0xfffffff1  Go 1.20+      entries are offsets from runtime.text
 * Any other magic is refused, never guessed at: a misread table would put
 * probes in the middle of instructions.
 *
 * Errors are negative errno values:
 *   -ENOEXEC  not a table of a known format, or one that contradicts itself
 *             (functions out of order, a record that disagrees with the index)
 *   -EINVAL   truncated: an offset or a count points past the end
 *   -ENODATA  a 1.18+ table whose header has no runtime.text address, and
 *             the caller gave none (see gopclntab_for_each_func())
 */
#ifndef UTRACE_GOPCLNTAB_H
#define UTRACE_GOPCLNTAB_H

#include <stddef.h>
#include <stdint.h>

#define GOPCLNTAB_MAGIC_12	0xfffffffbU
#define GOPCLNTAB_MAGIC_116	0xfffffffaU
#define GOPCLNTAB_MAGIC_118	0xfffffff0U
#define GOPCLNTAB_MAGIC_120	0xfffffff1U

struct gopclntab_info {
	uint32_t magic;		/* one of GOPCLNTAB_MAGIC_* */
	unsigned int ptr_size;	/* 8 on amd64 (4 on 32-bit targets) */
	unsigned int quantum;	/* instruction size unit: 1 on x86 */
	uint64_t nfunc;		/* functions in the table */
	/*
	 * 1.18+ only (0 otherwise): pcHeader.textStart as stored in the
	 * file, and its offset in the table. It is the address of
	 * runtime.text, but in a PIE it is also the target of a dynamic
	 * relocation, and a linker that leaves such words zero in the file
	 * (lld without --apply-dynamic-relocs) leaves it 0: the relocation's
	 * addend, at the table's address + text_start_off, is then the value.
	 */
	uint64_t text_start;
	size_t text_start_off;
};

/*
 * Read the header of the table @tab[0..len): 0 and @info filled, or -errno
 * (-ENOEXEC for an unknown magic or header, -EINVAL for a short one). Only
 * the header is checked; gopclntab_for_each_func() checks the rest.
 */
int gopclntab_info(const uint8_t *tab, size_t len, struct gopclntab_info *info);

/*
 * Called for each function, in address order: @name[0..name_len) is its
 * name, pointing into the table, with a NUL at name[name_len] (also inside
 * the table). [@entry, @end) are virtual addresses as in the ELF file (add
 * the load bias for a running PIE); @end is the next function's entry (so
 * it includes the INT3 padding after the function) or, for the last one,
 * the end of the Go text. Non-zero stops the walk and is returned.
 * Names are the runtime's, not .symtab's: no ".abi0" after assembly
 * functions, and Go's middle dot (U+00B7) where .symtab writes '.'.
 */
typedef int (*gopclntab_func_cb)(const char *name, size_t name_len,
				 uint64_t entry, uint64_t end, void *arg);

/*
 * Call @cb for each function of the table @tab[0..len). @len may run past
 * the table (the rest of a section): only what the table points at is read.
 *
 * @text_start matters only to 1.18+ tables, whose entries are offsets
 * from runtime.text. Pass 0 to use the header's textStart: right for
 * binaries linked by Go's own linker and by GNU ld, PIE or not. It is NOT
 * the .text section's address in general: with external linking (cgo
 * packages outside the standard library, -linkmode=external) the C start
 * files come first and runtime.text is further in. Pass the address only
 * when the header has none (gopclntab_info().text_start == 0, see there);
 * a non-zero @text_start that differs from a non-zero header value is
 * -ENOEXEC (the two come from different binaries). 1.2 and 1.16 tables
 * hold addresses and ignore @text_start. (One text section is assumed, as
 * on amd64: the linker splits the text of huge binaries only on arm64 and
 * ppc64, and their offsets then need the runtime's textsectmap.)
 *
 * The whole table is checked before the first call: either @cb sees every
 * function, or it is never called and an error is returned. Every name
 * ends inside its part of the table and every entry is <= its end.
 */
int gopclntab_for_each_func(const uint8_t *tab, size_t len,
			    uint64_t text_start, gopclntab_func_cb cb,
			    void *arg);

/*
 * The function called exactly @name: 0 with [@entry, @end) set, -ENOENT
 * when there is none, -ENOTUNIQ when there are several, or an error of
 * gopclntab_for_each_func(). @text_start as there. Names can repeat: an
 * assembly function and its ABI wrapper (runtime.goexit1 in Go 1.19) both
 * go by the name .symtab spells with and without ".abi0"; which one to
 * probe is not for a name lookup to guess.
 */
int gopclntab_find_func(const uint8_t *tab, size_t len, uint64_t text_start,
			const char *name, uint64_t *entry, uint64_t *end);

#endif
