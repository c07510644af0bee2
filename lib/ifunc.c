// SPDX-License-Identifier: GPL-2.0-only
/*
 * IFUNC implementations, as this process's loader resolved them (see
 * ifunc.h). dlopen(RTLD_NOLOAD) only hands back an object already loaded:
 * nothing is ever loaded, and no code of a traced file ever runs here.
 * dlsym() of an IFUNC returns the implementation the resolver chose.
 */
#include "ifunc.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct find {
	dev_t dev;
	ino_t ino;
	char path[4096];
	uintptr_t base;
	const ElfW(Phdr) *phdr;
	ElfW(Half) phnum;
	int found;
};

static int find_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find *f = arg;
	struct stat st;

	(void)size;
	/* the main program is "", the vDSO no file */
	if (!info->dlpi_name || !info->dlpi_name[0] || stat(info->dlpi_name, &st) ||
	    st.st_dev != f->dev || st.st_ino != f->ino)
		return 0;
	snprintf(f->path, sizeof(f->path), "%s", info->dlpi_name);
	f->base = info->dlpi_addr;
	f->phdr = info->dlpi_phdr;
	f->phnum = info->dlpi_phnum;
	f->found = 1;
	return 1;
}

/* The symbol's address: "name@@VER" and "name@VER" by version. */
static void *lookup(void *h, const char *name)
{
	char base[512];
	const char *at = strchr(name, '@');
	size_t n;

	if (!at)
		return dlsym(h, name);
	n = (size_t)(at - name);
	if (n >= sizeof(base))
		return NULL;
	memcpy(base, name, n);
	base[n] = '\0';
	while (*at == '@')
		at++;
	return dlvsym(h, base, at);
}

int ifunc_resolve_loaded(dev_t dev, ino_t ino, const char *name,
			 uint64_t *vaddr, uint64_t *offset)
{
	struct find f = { .dev = dev, .ino = ino };
	uintptr_t addr;
	void *h, *p;

	dl_iterate_phdr(find_object, &f);
	if (!f.found)
		return -ENOENT;
	h = dlopen(f.path, RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		return -ENOENT;
	p = lookup(h, name);
	dlclose(h);
	addr = (uintptr_t)p;
	if (!p || addr < f.base)
		return -ESRCH;
	/* in this very file's code, not a dependency's */
	for (ElfW(Half) i = 0; i < f.phnum; i++) {
		const ElfW(Phdr) *ph = &f.phdr[i];
		uint64_t v = addr - f.base;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) ||
		    v < ph->p_vaddr || v - ph->p_vaddr >= ph->p_filesz)
			continue;
		*vaddr = v;
		*offset = v - ph->p_vaddr + ph->p_offset;
		return 0;
	}
	return -ESRCH;
}
