// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ELF reader, with libelf.
 *
 * Every file read here may be hostile (a container's binaries, a fuzzer's
 * bytes), so nothing in it is trusted: all offsets and sizes are checked
 * against the file size, every loop is bounded by a count libelf has
 * validated, and strings are only used after finding their NUL inside
 * their table. Files are read with ELF_C_READ rather than mmap so a file
 * truncated under us gives a read error instead of SIGBUS.
 */
#include "elfread.h"
#include "gopclntab.h"
#include "grow.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct elf_file {
	int fd;
	Elf *elf;
	uint64_t size;		/* file size at open time */
	size_t phnum;
};

const char *elf_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such file";
	case -EISDIR:
		return "is a directory";
	case -ENOEXEC:
		return "not an ELF file";
	case -EINVAL:
		return "not a 64-bit x86-64 ELF file";
	case -ESRCH:
		return "no such symbol";
	case -EACCES:
		return "permission denied";
	}
	return strerror(err < 0 ? -err : err);
}

static bool libelf_ready;
static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;

static void libelf_init(void)
{
	libelf_ready = elf_version(EV_CURRENT) != EV_NONE;
}

/*
 * Open for reading without ever blocking: O_NONBLOCK keeps a FIFO planted
 * where a file is expected from hanging us; it has no effect on regular
 * files. Only regular files are accepted.
 */
int elf_open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (S_ISREG(st->st_mode))
		return fd;
	close(fd);
	return S_ISDIR(st->st_mode) ? -EISDIR : -ENOEXEC;
}

/* Only x86-64 little-endian 64-bit objects can be uprobed by this tool. */
static int check_ident(Elf *elf)
{
	size_t n = 0;
	const char *id = elf_getident(elf, &n);

	if (!id || n < EI_NIDENT)
		return -ENOEXEC;
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
		return -EINVAL;
	return 0;
}

static int check_ehdr(Elf *elf)
{
	GElf_Ehdr eh;

	if (!gelf_getehdr(elf, &eh))
		return -ENOEXEC;
	if (eh.e_machine != EM_X86_64)
		return -EINVAL;
	/* Like execve(2): relocatable objects and cores cannot be mapped. */
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -ENOEXEC;
	return 0;
}

/*
 * A file whose program headers or loadable segments lie past its end (a
 * truncated copy, say) cannot be mapped by the loader, so refuse it here
 * once and let later code rely on PT_LOAD file ranges being in bounds.
 */
static int check_segments(struct elf_file *ef)
{
	bool have_load = false;
	GElf_Phdr ph;
	size_t i;

	/* libelf's accessors take int indexes. */
	if (elf_getphdrnum(ef->elf, &ef->phnum) < 0 || !ef->phnum ||
	    ef->phnum > INT_MAX)
		return -ENOEXEC;
	for (i = 0; i < ef->phnum; i++) {
		if (!gelf_getphdr(ef->elf, (int)i, &ph))
			return -ENOEXEC;
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > ef->size ||
		    ph.p_filesz > ef->size - ph.p_offset)
			return -ENOEXEC;
		have_load = true;
	}
	return have_load ? 0 : -ENOEXEC;
}

void elf_close(struct elf_file *ef)
{
	if (!ef)
		return;
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef);
}

/* Takes over @fd, an open regular file of @size bytes. */
static int open_elf(int fd, uint64_t size, struct elf_file **out)
{
	struct elf_file *ef = calloc(1, sizeof(*ef));
	int err = -ENOEXEC;

	*out = NULL;
	if (!ef) {
		close(fd);
		return -ENOMEM;
	}
	ef->fd = fd;
	ef->size = size;
	if (ef->size < EI_NIDENT)
		goto fail;
	ef->elf = elf_begin(ef->fd, ELF_C_READ, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF)
		goto fail;
	err = check_ident(ef->elf);
	if (!err)
		err = check_ehdr(ef->elf);
	if (!err)
		err = check_segments(ef);
	if (!err) {
		*out = ef;
		return 0;
	}
fail:
	elf_close(ef);
	return err;
}

int elf_open(const char *path, struct elf_file **out)
{
	struct stat st;
	int fd;

	*out = NULL;
	if (!path)
		return -EFAULT;
	pthread_once(&libelf_once, libelf_init);
	if (!libelf_ready)
		return -ENOSYS;
	fd = elf_open_regular(path, &st);
	if (fd < 0)
		return fd;
	return open_elf(fd, (uint64_t)st.st_size, out);
}

int elf_open_fd(int fd, struct elf_file **out)
{
	struct stat st;
	int dup;

	*out = NULL;
	pthread_once(&libelf_once, libelf_init);
	if (!libelf_ready)
		return -ENOSYS;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENOEXEC;
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return -errno;
	return open_elf(dup, (uint64_t)st.st_size, out);
}

int elf_check(const char *path)
{
	struct elf_file *ef;
	int err = elf_open(path, &ef);

	elf_close(ef);
	return err;
}

/*
 * Map virtual address @addr to its file offset through the PT_LOAD that
 * holds it in its file-backed part. With @exec_first, executable segments
 * are tried before the others: code is what uprobes go on, and a hostile
 * file may have overlapping segments. *@avail gets the bytes of the
 * segment left from there on.
 */
static int vaddr_to_offset(struct elf_file *ef, uint64_t addr, bool exec_first,
			   uint64_t *off, uint64_t *avail)
{
	GElf_Phdr ph;
	size_t i;
	int pass;

	for (pass = exec_first ? 0 : 1; pass < 2; pass++) {
		for (i = 0; i < ef->phnum; i++) {
			if (!gelf_getphdr(ef->elf, (int)i, &ph) ||
			    ph.p_type != PT_LOAD)
				continue;
			if (pass == 0 && !(ph.p_flags & PF_X))
				continue;
			if (addr < ph.p_vaddr ||
			    addr - ph.p_vaddr >= ph.p_filesz)
				continue;
			/* In bounds: check_segments() vetted this range. */
			*off = ph.p_offset + (addr - ph.p_vaddr);
			*avail = ph.p_filesz - (addr - ph.p_vaddr);
			return 0;
		}
	}
	return -ESRCH;
}

int elf_vaddr_offset(struct elf_file *ef, uint64_t vaddr, uint64_t *offset)
{
	uint64_t avail;

	return vaddr_to_offset(ef, vaddr, true, offset, &avail);
}

/* Does @addr lie in the memory image of a PT_LOAD (data in .bss too)? */
static bool in_image(struct elf_file *ef, uint64_t addr)
{
	GElf_Phdr ph;

	for (size_t i = 0; i < ef->phnum; i++)
		if (gelf_getphdr(ef->elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_memsz)
			return true;
	return false;
}

/* ---- symbols ---- */

static bool wanted_type(int t)
{
	return t == STT_FUNC || t == STT_GNU_IFUNC || t == STT_OBJECT;
}

struct sym_builder {
	struct elf_symbols *out;
	size_t cap;
	size_t names_len, names_cap;
};

static int add_symbol(struct sym_builder *b, const char *name,
		      const struct elf_sym *proto)
{
	struct elf_symbols *s = b->out;
	size_t len = strlen(name) + 1;
	struct elf_sym *v;
	char *names;

	v = grow_array(s->v, &b->cap, s->n + 1, sizeof(*v), 256);
	if (!v)
		return -ENOMEM;
	s->v = v;
	names = grow_array(s->names, &b->names_cap, b->names_len + len, 1, 8192);
	if (!names)
		return -ENOMEM;
	s->names = names;
	memcpy(s->names + b->names_len, name, len);
	s->v[s->n] = *proto;
	/* an offset for now: names may still move */
	s->v[s->n].name = (const char *)(uintptr_t)b->names_len;
	b->names_len += len;
	s->n++;
	return 0;
}

/*
 * Add symbol @s named @name, if it is where it must be: code inside the
 * file (to be probed), data inside the memory image (to be read there;
 * .bss is not in the file).
 */
static int add_located(struct elf_file *ef, struct sym_builder *b,
		       const char *name, const GElf_Sym *s, unsigned char from)
{
	struct elf_sym e = {
		.vaddr = s->st_value, .size = s->st_size, .from = from,
		.type = (unsigned char)GELF_ST_TYPE(s->st_info),
		.bind = (unsigned char)GELF_ST_BIND(s->st_info),
	};
	uint64_t avail;

	if (e.type == STT_OBJECT) {
		if (!in_image(ef, e.vaddr))
			return 0;
		if (vaddr_to_offset(ef, e.vaddr, false, &e.offset, &avail))
			e.offset = UINT64_MAX;
	} else if (vaddr_to_offset(ef, e.vaddr, true, &e.offset, &avail)) {
		return 0;
	}
	return add_symbol(b, name, &e);
}

/*
 * The versions .dynsym's definitions carry: .gnu.version has an index per
 * symbol, .gnu.version_d the file's own version names by index. Without
 * them glibc's two memcpy (the GLIBC_2.2.5 compat one and the default
 * GLIBC_2.14 IFUNC) are two symbols of one name, and a lookup picks
 * either. Names become "memcpy@@GLIBC_2.14" (the default) and
 * "memcpy@GLIBC_2.2.5" (hidden: only for old binaries), as in .symtab.
 */
#define MAX_VERDEFS 4096

struct versions {
	Elf_Data *versym;
	struct {
		unsigned int ndx;
		const char *name;
	} def[MAX_VERDEFS];
	size_t ndef;
};

static void read_versions(struct elf_file *ef, Elf_Scn *dynsym, struct versions *v)
{
	size_t dynsym_ndx = elf_ndxscn(dynsym), off = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	v->versym = NULL;
	v->ndef = 0;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_GNU_versym && sh.sh_link == dynsym_ndx) {
			v->versym = elf_getdata(scn, NULL);
			continue;
		}
		if (sh.sh_type != SHT_GNU_verdef || !(d = elf_getdata(scn, NULL)))
			continue;
		/* a chain of entries by offsets: bounded by the count and the data */
		off = 0;
		for (size_t i = 0; i < sh.sh_info && v->ndef < MAX_VERDEFS; i++) {
			GElf_Verdef vd;
			GElf_Verdaux va;
			const char *name;

			if (!gelf_getverdef(d, (int)off, &vd) ||
			    off + vd.vd_aux > INT_MAX ||
			    !gelf_getverdaux(d, (int)(off + vd.vd_aux), &va))
				break;
			name = elf_strptr(ef->elf, sh.sh_link, va.vda_name);
			/* the base entry names the file itself, not a version */
			if (name && *name && !(vd.vd_flags & VER_FLG_BASE)) {
				v->def[v->ndef].ndx = vd.vd_ndx;
				v->def[v->ndef++].name = name;
			}
			if (!vd.vd_next || off + vd.vd_next > INT_MAX)
				break;
			off += vd.vd_next;
		}
	}
}

/* "@VER", "@@VER" or "" for .dynsym entry @i. */
static void version_of(const struct versions *v, size_t i, char *out, size_t len)
{
	GElf_Versym vs;
	unsigned int ndx;

	out[0] = '\0';
	if (!v->versym || !gelf_getversym(v->versym, (int)i, &vs))
		return;
	ndx = vs & 0x7fff;
	for (size_t k = 0; k < v->ndef && ndx > 1; k++)
		if (v->def[k].ndx == ndx) {
			snprintf(out, len, "%s%s", vs & 0x8000 ? "@" : "@@", v->def[k].name);
			return;
		}
}

/* The defined, located symbols of one symbol table section. */
static int read_symtab(struct elf_file *ef, Elf_Scn *scn, const GElf_Shdr *sh,
		       unsigned char from, struct sym_builder *b)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	struct versions *vers = NULL;
	char named[1024];
	size_t n;
	GElf_Sym s;
	int ret = 0;

	if (!data || !data->d_buf)
		return 0;
	if (from == ELF_DYNSYM) {
		vers = malloc(sizeof(*vers));
		if (!vers)
			return -ENOMEM;
		read_versions(ef, scn, vers);
	}
	n = data->d_size / sizeof(Elf64_Sym);
	if (n > INT_MAX)
		n = INT_MAX;
	for (size_t i = 0; i < n; i++) {
		char ver[256];
		const char *name;
		int err;

		if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
		    !wanted_type(GELF_ST_TYPE(s.st_info)))
			continue;
		name = elf_strptr(ef->elf, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		if (vers) {
			version_of(vers, i, ver, sizeof(ver));
			if (ver[0] && snprintf(named, sizeof(named), "%s%s", name, ver) <
				      (int)sizeof(named))
				name = named;
		}
		err = add_located(ef, b, name, &s, from);
		if (err) {
			ret = err;
			break;
		}
	}
	free(vers);
	return ret;
}

/*
 * A Go binary's functions from its pclntab: the runtime keeps it for
 * stack traces, so a stripped binary (-s -w, Debian's prometheus) still
 * names every function. In a PIE, Go's linker names it
 * .data.rel.ro.gopclntab; linked externally, it has no name left (see
 * find_pclntab()).
 */
static const char *const pclntab_sections[] = {
	".gopclntab", ".data.rel.ro.gopclntab",
};

bool elf_is_go(struct elf_file *ef)
{
	const void *d;
	size_t n;
	uint64_t va;

	if (!elf_section(ef, ".go.buildinfo", &d, &n, &va))
		return true;
	for (size_t i = 0; i < sizeof(pclntab_sections) / sizeof(*pclntab_sections); i++)
		if (!elf_section(ef, pclntab_sections[i], &d, &n, &va))
			return true;
	return false;
}

struct go_ctx {
	struct elf_file *ef;
	struct sym_builder *b;
	int err;
};

static int add_go_func(const char *name, size_t name_len, uint64_t entry,
		       uint64_t end, void *arg)
{
	struct go_ctx *g = arg;
	struct elf_sym e = {
		.vaddr = entry, .size = end - entry, .type = STT_FUNC,
		.bind = STB_GLOBAL, .from = ELF_DYNSYM,
	};
	char buf[512];
	size_t n = 0;
	uint64_t avail;

	/* the runtime writes a middle dot (U+00B7) where .symtab has '.' */
	for (size_t i = 0; i < name_len && n + 1 < sizeof(buf); i++) {
		if ((unsigned char)name[i] == 0xc2 && i + 1 < name_len &&
		    (unsigned char)name[i + 1] == 0xb7) {
			buf[n++] = '.';
			i++;
		} else {
			buf[n++] = name[i];
		}
	}
	buf[n] = '\0';
	if (!n || vaddr_to_offset(g->ef, entry, true, &e.offset, &avail))
		return 0;
	if (e.size > avail)
		e.size = avail;
	g->err = add_symbol(g->b, buf, &e);
	return g->err;
}

static int no_op_func(const char *name, size_t name_len, uint64_t entry,
		      uint64_t end, void *arg)
{
	(void)name, (void)name_len, (void)entry, (void)end, (void)arg;
	return 0;
}

/*
 * Where the table has no section of its own: GNU ld merges every
 * .data.rel.ro.* input section into .data.rel.ro, so in a PIE that Go
 * linked externally (a program with C code of its own) the name is gone.
 * The table is then looked for there by its header, at each 8-byte
 * boundary: a known magic, two zero bytes, quantum 1, 8-byte pointers
 * (amd64), and a whole table that checks out before it is believed.
 */
static int find_pclntab(struct elf_file *ef, const void **tab, size_t *len)
{
	const uint8_t *d;
	const void *data;
	uint64_t va;
	size_t n;

	for (size_t i = 0; i < sizeof(pclntab_sections) / sizeof(*pclntab_sections); i++)
		if (!elf_section(ef, pclntab_sections[i], tab, len, &va))
			return 0;
	if (elf_section(ef, ".data.rel.ro", &data, &n, &va))
		return -ESRCH;
	d = data;
	for (size_t off = 0; n >= 16 && off <= n - 16; off += 8) {
		struct gopclntab_info info;

		if ((d[off] & 0xf0) != 0xf0 || d[off + 1] != 0xff || d[off + 2] != 0xff ||
		    d[off + 3] != 0xff || d[off + 4] || d[off + 5] || d[off + 6] != 1 ||
		    d[off + 7] != 8)
			continue;
		if (gopclntab_info(d + off, n - off, &info) || !info.nfunc ||
		    gopclntab_for_each_func(d + off, n - off, 0, no_op_func, NULL))
			continue;
		*tab = d + off;
		*len = n - off;
		return 0;
	}
	return -ESRCH;
}

static int read_pclntab(struct elf_file *ef, struct sym_builder *b)
{
	struct go_ctx g = { ef, b, 0 };
	const void *tab;
	size_t len;

	if (find_pclntab(ef, &tab, &len))
		return 0;
	/* a table this reader does not know is no symbols, not an error */
	gopclntab_for_each_func(tab, len, 0, add_go_func, &g);
	return g.err;
}

static int read_dynamic_symbols(struct elf_file *ef, struct sym_builder *b);

static int cmp_sym(const void *a, const void *b)
{
	return strcmp(((const struct elf_sym *)a)->name,
		      ((const struct elf_sym *)b)->name);
}

int elf_read_symbols(struct elf_file *ef, struct elf_symbols *out)
{
	struct sym_builder b = { .out = out };
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err = 0;
	memset(out, 0, sizeof(*out));
	bool symtab = false, dynsym = false;

	while (!err && (scn = elf_nextscn(ef->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			err = read_symtab(ef, scn, &sh, ELF_SYMTAB, &b);
			symtab = true;
		} else if (sh.sh_type == SHT_DYNSYM) {
			err = read_symtab(ef, scn, &sh, ELF_DYNSYM, &b);
			dynsym = true;
		}
	}
	/* no section headers (sstrip): the loader's own view of the symbols */
	if (!err && !dynsym)
		err = read_dynamic_symbols(ef, &b);
	/* .symtab names Go's functions too; the pclntab is for stripped ones */
	if (!err && !symtab)
		err = read_pclntab(ef, &b);
	if (err) {
		elf_symbols_free(out);
		return err;
	}
	for (size_t i = 0; i < out->n; i++)
		out->v[i].name = out->names + (uintptr_t)out->v[i].name;
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_sym);
	return 0;
}

void elf_symbols_free(struct elf_symbols *syms)
{
	free(syms->v);
	free(syms->names);
	memset(syms, 0, sizeof(*syms));
}

size_t elf_sym_base_len(const char *name)
{
	return strcspn(name, "@");
}

/*
 * How well symbol @name matches the wanted @sym: 0 no match; otherwise
 * higher is better. "foo" and "foo@@VER" (the default version) beat
 * "foo@VER" (a compat version kept for old binaries).
 */
static int name_rank(const char *name, const char *sym, size_t symlen)
{
	if (strncmp(name, sym, symlen) != 0)
		return 0;
	if (name[symlen] == '\0' || strncmp(name + symlen, "@@", 2) == 0)
		return 2;
	if (name[symlen] == '@' && !strchr(sym, '@'))
		return 1;
	return 0;
}

/* Global and weak definitions are what a user means over a static one. */
static int bind_rank(const struct elf_sym *s)
{
	return s->bind == STB_GLOBAL || s->bind == STB_WEAK ? 2 : 0;
}

const struct elf_sym *elf_symbols_find(const struct elf_symbols *syms,
				       const char *name, unsigned int types)
{
	size_t lo = 0, hi = syms->n, len = strlen(name);
	const struct elf_sym *best = NULL;
	int best_rank = 0;

	if (!len)
		return NULL;
	/* the first entry not below @name: every match starts with it */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(syms->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < syms->n; i++) {
		const struct elf_sym *s = &syms->v[i];
		int rank;

		if (strncmp(s->name, name, len))
			break;
		if (!(types & (1u << s->type)))
			continue;
		rank = name_rank(s->name, name, len);
		if (!rank)
			continue;
		/* .symtab first, then the best name, then the best binding */
		rank += bind_rank(s) + (s->from == ELF_SYMTAB ? 16 : 0);
		if (rank > best_rank) {
			best_rank = rank;
			best = s;
		}
	}
	return best;
}

int elf_symbol_offset(const char *path, const char *sym, uint64_t *offset)
{
	struct elf_symbols syms;
	const struct elf_sym *s;
	struct elf_file *ef;
	int err;

	if (!sym || !offset)
		return -EFAULT;
	err = elf_open(path, &ef);
	if (err)
		return err;
	err = elf_read_symbols(ef, &syms);
	elf_close(ef);
	if (err)
		return err;
	s = elf_symbols_find(&syms, sym, ELF_FUNCS);
	if (s)
		*offset = s->offset;
	elf_symbols_free(&syms);
	return s ? 0 : -ESRCH;
}

/* ---- sections and segments ---- */

int elf_section(struct elf_file *ef, const char *name, const void **data,
		size_t *size, uint64_t *vaddr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(ef->elf, &shstrndx))
		return -ESRCH;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		const char *n;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		n = elf_strptr(ef->elf, shstrndx, sh.sh_name);
		if (!n || strcmp(n, name))
			continue;
		if (sh.sh_offset > ef->size || sh.sh_size > ef->size - sh.sh_offset)
			return -ENOEXEC;
		d = elf_rawdata(scn, NULL);
		if (!d || !d->d_buf)
			return -ENOEXEC;
		*data = d->d_buf;
		*size = d->d_size;
		*vaddr = sh.sh_addr;
		return 0;
	}
	return -ESRCH;
}

int elf_interp(struct elf_file *ef, char *out, size_t outlen)
{
	GElf_Phdr ph;
	Elf_Data *d;

	for (size_t i = 0; i < ef->phnum; i++) {
		if (!gelf_getphdr(ef->elf, (int)i, &ph) || ph.p_type != PT_INTERP)
			continue;
		if (ph.p_offset >= ef->size || !ph.p_filesz ||
		    ph.p_filesz > ef->size - ph.p_offset || ph.p_filesz >= outlen)
			return -ENOEXEC;
		d = elf_getdata_rawchunk(ef->elf, (int64_t)ph.p_offset,
					 ph.p_filesz, ELF_T_BYTE);
		if (!d || !d->d_buf || !memchr(d->d_buf, '\0', d->d_size))
			return -ENOEXEC;
		snprintf(out, outlen, "%s", (const char *)d->d_buf);
		return 0;
	}
	return -ESRCH;
}

/* ---- the dynamic section ---- */

/*
 * The dynamic array and its string table as the loader sees them: through
 * PT_DYNAMIC and DT_STRTAB, not section headers, which the loader ignores
 * and which may be missing or lie.
 */
struct dyn_view {
	Elf_Data *dyn;
	size_t n;
	const char *str;
	size_t strsz;
};

static Elf_Data *dyn_array(struct elf_file *ef, size_t *n)
{
	uint64_t len;
	GElf_Phdr ph;
	size_t i;

	for (i = 0; i < ef->phnum; i++) {
		if (gelf_getphdr(ef->elf, (int)i, &ph) &&
		    ph.p_type == PT_DYNAMIC)
			break;
	}
	if (i == ef->phnum || ph.p_offset >= ef->size)
		return NULL;
	len = ph.p_filesz;
	if (len > ef->size - ph.p_offset)
		len = ef->size - ph.p_offset;
	len -= len % sizeof(Elf64_Dyn);
	if (!len || len / sizeof(Elf64_Dyn) > INT_MAX)
		return NULL;
	*n = len / sizeof(Elf64_Dyn);
	return elf_getdata_rawchunk(ef->elf, (int64_t)ph.p_offset, len,
				    ELF_T_DYN);
}

/* First value of tag @tag before DT_NULL; false if absent. */
static bool dyn_lookup(const struct dyn_view *dv, int64_t tag, uint64_t *val)
{
	GElf_Dyn d;
	size_t i;

	for (i = 0; i < dv->n; i++) {
		if (!gelf_getdyn(dv->dyn, (int)i, &d) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag == tag) {
			*val = d.d_un.d_val;
			return true;
		}
	}
	return false;
}

static int dyn_view_load(struct elf_file *ef, struct dyn_view *dv)
{
	uint64_t addr, sz, off, avail;
	Elf_Data *d;

	memset(dv, 0, sizeof(*dv));
	dv->dyn = dyn_array(ef, &dv->n);
	if (!dv->dyn)
		return -ENOENT;
	if (!dyn_lookup(dv, DT_STRTAB, &addr) || !dyn_lookup(dv, DT_STRSZ, &sz))
		return 0;
	if (vaddr_to_offset(ef, addr, false, &off, &avail))
		return 0;
	if (sz > avail)
		sz = avail;
	if (!sz)
		return 0;
	d = elf_getdata_rawchunk(ef->elf, (int64_t)off, sz, ELF_T_BYTE);
	if (d && d->d_buf) {
		dv->str = d->d_buf;
		dv->strsz = d->d_size;
	}
	return 0;
}

/* String at @idx of the dynamic string table, or NULL if not inside it. */
static const char *dyn_string(const struct dyn_view *dv, uint64_t idx)
{
	if (!dv->str || idx >= dv->strsz)
		return NULL;
	if (!memchr(dv->str + idx, '\0', dv->strsz - idx))
		return NULL;
	return dv->str + idx;
}

/* Call @cb for each valid, non-empty string of tag @tag, in order. */
static int dyn_for_each_string(const struct dyn_view *dv, int64_t tag,
			       int (*cb)(const char *s, void *arg), void *arg)
{
	const char *s;
	GElf_Dyn d;
	size_t i;
	int ret;

	for (i = 0; i < dv->n; i++) {
		if (!gelf_getdyn(dv->dyn, (int)i, &d) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag != tag)
			continue;
		s = dyn_string(dv, d.d_un.d_val);
		if (!s || !*s)
			continue;
		ret = cb(s, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int elf_for_each_needed_of(struct elf_file *ef,
			   int (*cb)(const char *soname, void *arg), void *arg)
{
	struct dyn_view dv;

	if (!cb)
		return -EFAULT;
	/* No PT_DYNAMIC: a static binary, which needs nothing. */
	if (dyn_view_load(ef, &dv))
		return 0;
	return dyn_for_each_string(&dv, DT_NEEDED, cb, arg);
}

int elf_for_each_needed(const char *path,
			int (*cb)(const char *soname, void *arg), void *arg)
{
	struct elf_file *ef;
	int err;

	if (!cb)
		return -EFAULT;
	err = elf_open(path, &ef);
	if (err)
		return err;
	err = elf_for_each_needed_of(ef, cb, arg);
	elf_close(ef);
	return err;
}

/* Copy of the first string of @tag, or NULL. */
static char *dyn_strdup(const struct dyn_view *dv, int64_t tag)
{
	const char *s;
	uint64_t v;

	if (!dyn_lookup(dv, tag, &v))
		return NULL;
	s = dyn_string(dv, v);
	return s ? strdup(s) : NULL;
}

char *elf_search_path(struct elf_file *ef)
{
	struct dyn_view dv;
	char *s = NULL;

	if (!dyn_view_load(ef, &dv)) {
		s = dyn_strdup(&dv, DT_RUNPATH);
		if (!s)
			s = dyn_strdup(&dv, DT_RPATH);
	}
	return s;
}

/* ---- the dynamic symbols, through PT_DYNAMIC ---- */

/*
 * How many entries the dynamic symbol table has: the loader never needs to
 * know, so only the hash tables tell. DT_HASH says it (nchain); with
 * DT_GNU_HASH, it is one past the last symbol of the longest chain.
 */
static uint64_t gnu_hash_nsyms(struct elf_file *ef, uint64_t addr)
{
	uint64_t off, avail, last = 0;
	uint32_t hdr[4];
	const uint32_t *w;
	Elf_Data *d;
	size_t words, nb, bloom;

	if (vaddr_to_offset(ef, addr, false, &off, &avail) || avail < sizeof(hdr))
		return 0;
	d = elf_getdata_rawchunk(ef->elf, (int64_t)off, avail, ELF_T_BYTE);
	if (!d || !d->d_buf)
		return 0;
	memcpy(hdr, d->d_buf, sizeof(hdr));
	words = d->d_size / 4;
	nb = hdr[0];
	bloom = (size_t)hdr[2] * 2;	/* 64-bit bloom words, in 32-bit words */
	if (!nb || 4 + bloom + nb > words)
		return 0;
	w = (const uint32_t *)d->d_buf + 4 + bloom;
	for (size_t i = 0; i < nb; i++)
		if (w[i] > last)
			last = w[i];
	if (last < hdr[1])
		return hdr[1];	/* no symbol is hashed */
	/* the chain of the last bucket ends where bit 0 is set */
	for (uint64_t i = last; ; i++) {
		uint64_t at = 4 + bloom + nb + (i - hdr[1]);

		if (at >= words)
			return 0;
		if (((const uint32_t *)d->d_buf)[at] & 1)
			return i + 1;
	}
}

static uint64_t sysv_hash_nsyms(struct elf_file *ef, uint64_t addr)
{
	uint64_t off, avail;
	uint32_t hdr[2];
	Elf_Data *d;

	if (vaddr_to_offset(ef, addr, false, &off, &avail) || avail < sizeof(hdr))
		return 0;
	d = elf_getdata_rawchunk(ef->elf, (int64_t)off, sizeof(hdr), ELF_T_BYTE);
	if (!d || !d->d_buf)
		return 0;
	memcpy(hdr, d->d_buf, sizeof(hdr));
	return hdr[1];		/* nchain: one per symbol */
}

static int read_dynamic_symbols(struct elf_file *ef, struct sym_builder *b)
{
	uint64_t symtab, hash, n = 0, off, avail;
	struct dyn_view dv;
	Elf_Data *d;

	if (dyn_view_load(ef, &dv) || !dv.str || !dyn_lookup(&dv, DT_SYMTAB, &symtab))
		return 0;
	if (dyn_lookup(&dv, DT_GNU_HASH, &hash))
		n = gnu_hash_nsyms(ef, hash);
	if (!n && dyn_lookup(&dv, DT_HASH, &hash))
		n = sysv_hash_nsyms(ef, hash);
	if (!n || vaddr_to_offset(ef, symtab, false, &off, &avail))
		return 0;
	if (n > avail / sizeof(Elf64_Sym))
		n = avail / sizeof(Elf64_Sym);
	if (!n || n > INT_MAX)
		return 0;
	d = elf_getdata_rawchunk(ef->elf, (int64_t)off, n * sizeof(Elf64_Sym), ELF_T_SYM);
	if (!d || !d->d_buf)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *name;
		GElf_Sym s;
		int err;

		if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
		    !wanted_type(GELF_ST_TYPE(s.st_info)))
			continue;
		name = dyn_string(&dv, s.st_name);
		if (!name || !*name)
			continue;
		err = add_located(ef, b, name, &s, ELF_DYNSYM);
		if (err)
			return err;
	}
	return 0;
}
