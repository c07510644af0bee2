/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the tests that read Go binaries built by meson (fixture_go.go): the
 * whole file in memory and its sections by name, with a section-header
 * walk of a few lines. The library code under test takes bytes and
 * addresses, never files, so the tests must not lean on lib/elfutil.c
 * either. The files are our own build's: checked, but not as hostile input.
 */
#ifndef UTRACE_TEST_GO_FIXTURE_H
#define UTRACE_TEST_GO_FIXTURE_H

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gofile {
	uint8_t *data;
	size_t size;
};

struct gosect {
	const uint8_t *data;
	size_t size;
	uint64_t addr;
};

static inline int gofile_read(const char *path, struct gofile *f)
{
	FILE *fp = fopen(path, "rb");
	long n;

	f->data = NULL;
	f->size = 0;
	if (!fp)
		return -1;
	if (fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET))
		goto fail;
	f->data = malloc(n ? (size_t)n : 1);
	if (!f->data || fread(f->data, 1, (size_t)n, fp) != (size_t)n)
		goto fail;
	f->size = (size_t)n;
	fclose(fp);
	return 0;
fail:
	free(f->data);
	f->data = NULL;
	fclose(fp);
	return -1;
}

static inline void gofile_free(struct gofile *f)
{
	free(f->data);
	f->data = NULL;
}

/* Section @name of an ELF64 file: 0 and @s filled, or -1. */
static inline int gofile_section(const struct gofile *f, const char *name,
				 struct gosect *s)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->data;
	const Elf64_Shdr *sh, *strs;
	size_t i;

	if (f->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(*sh) || eh->e_shoff > f->size ||
	    (f->size - eh->e_shoff) / sizeof(*sh) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum)
		return -1;
	sh = (const Elf64_Shdr *)(f->data + eh->e_shoff);
	strs = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++) {
		const char *n = (const char *)f->data + strs->sh_offset +
				sh[i].sh_name;

		if (strs->sh_offset + sh[i].sh_name >= f->size ||
		    strncmp(n, name, f->size - (size_t)(n - (char *)f->data)))
			continue;
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset > f->size ||
		    sh[i].sh_size > f->size - sh[i].sh_offset)
			return -1;
		s->data = f->data + sh[i].sh_offset;
		s->size = sh[i].sh_size;
		s->addr = sh[i].sh_addr;
		return 0;
	}
	return -1;
}

/*
 * The pclntab: its own section, named .data.rel.ro.gopclntab in a PIE
 * linked by Go itself (it holds words the dynamic loader relocates). In a
 * PIE linked externally GNU ld merged it into .data.rel.ro: there it is the
 * first 8-byte boundary with a 1.18+ table's header (magic, two zero bytes,
 * quantum 1, 8-byte pointers); the rest of the section comes with it.
 */
static inline int gofile_pclntab(const struct gofile *f, struct gosect *s)
{
	static const uint8_t head[][8] = {
		{ 0xf0, 0xff, 0xff, 0xff, 0, 0, 1, 8 },
		{ 0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8 },
	};
	struct gosect ro;

	if (!gofile_section(f, ".gopclntab", s) ||
	    !gofile_section(f, ".data.rel.ro.gopclntab", s))
		return 0;
	if (gofile_section(f, ".data.rel.ro", &ro))
		return -1;
	for (size_t off = 0; ro.size >= 8 && off <= ro.size - 8; off += 8)
		for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
			if (!memcmp(ro.data + off, head[i], 8)) {
				s->data = ro.data + off;
				s->size = ro.size - off;
				s->addr = ro.addr + off;
				return 0;
			}
	return -1;
}

#endif
