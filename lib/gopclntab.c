// SPDX-License-Identifier: GPL-2.0-only
/*
 * Go's pclntab, just far enough to list functions: names and entries.
 *
 * The layout, from the Go linker (cmd/link/internal/ld/pcln.go) and its
 * readers (runtime/symtab.go, debug/gosym):
 *
 *   bytes 0-3  magic; 4-5 zero; 6 pc quantum; 7 pointer size
 *   1.2:   word nfunc; then the functab at 8 + ptrsize
 *   1.16:  words nfunc, nfiles, funcnameOffset, cuOffset, filetabOffset,
 *          pctabOffset, pclnOffset (the functab)
 *   1.18+: words nfunc, nfiles, textStart, then the five offsets as 1.16
 *
 * The functab is nfunc (entry, funcoff) pairs and one more entry, the end
 * of the last function; its fields are words before 1.18 and uint32 after
 * (entries then relative to runtime.text). funcoff locates the function's
 * _func record, which starts with its entry again (same size as in the
 * functab) and an int32 name offset. Offsets are relative to the table
 * start in 1.2; in 1.16+, funcoff is relative to the functab and the name
 * offset to funcnametab.
 *
 * Every byte comes from a file we do not trust, so each offset is checked
 * against the part of the table it may point into, never just against the
 * buffer: a name must end (NUL) before the next part starts.
 */
#include "gopclntab.h"

#include <errno.h>
#include <string.h>

/* The header's words after the first 8 bytes, by format. */
#define HDR_WORDS_116	7
#define HDR_WORDS_118	8
#define NPARTS		5	/* funcname, cu, filetab, pctab, pcln */

struct table {
	const uint8_t *tab;
	size_t len;
	struct gopclntab_info info;
	size_t hdr_size;
	unsigned int fsz;	/* size of a functab field */
	size_t ftab;		/* the functab */
	size_t funcs;		/* _func offsets count from here... */
	size_t funcs_end;	/* ...and the records end before here */
	size_t names;		/* name offsets count from here... */
	size_t names_end;	/* ...and names end before here */
	uint64_t base;		/* added to every entry */
};

static uint64_t get_le(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

/* Header word @i (after the 8 fixed bytes); the caller checked the size. */
static uint64_t hdr_word(const struct table *t, unsigned int i)
{
	return get_le(t->tab + 8 + (size_t)i * t->info.ptr_size,
		      t->info.ptr_size);
}

static int check_magic(const uint8_t *tab, size_t len, uint32_t *magic)
{
	if (len < 4)
		return -EINVAL;
	*magic = (uint32_t)get_le(tab, 4);
	switch (*magic) {
	case GOPCLNTAB_MAGIC_12:
	case GOPCLNTAB_MAGIC_116:
	case GOPCLNTAB_MAGIC_118:
	case GOPCLNTAB_MAGIC_120:
		break;
	default:
		return -ENOEXEC;
	}
	if (len < 8)
		return -EINVAL;
	/* The same checks as the runtime's moduledataverify1(). */
	if (tab[4] || tab[5])
		return -ENOEXEC;
	if (tab[6] != 1 && tab[6] != 2 && tab[6] != 4)
		return -ENOEXEC;
	if (tab[7] != 4 && tab[7] != 8)
		return -ENOEXEC;
	return 0;
}

static int parse_header(struct table *t)
{
	struct gopclntab_info *info = &t->info;
	unsigned int words = 1;
	int err;

	memset(info, 0, sizeof(*info));
	err = check_magic(t->tab, t->len, &info->magic);
	if (err)
		return err;
	info->quantum = t->tab[6];
	info->ptr_size = t->tab[7];
	if (info->magic == GOPCLNTAB_MAGIC_116)
		words = HDR_WORDS_116;
	else if (info->magic != GOPCLNTAB_MAGIC_12)
		words = HDR_WORDS_118;
	t->hdr_size = 8 + (size_t)words * info->ptr_size;
	if (t->len < t->hdr_size)
		return -EINVAL;
	info->nfunc = hdr_word(t, 0);
	if (words == HDR_WORDS_118) {
		info->text_start_off = 8 + 2 * (size_t)info->ptr_size;
		info->text_start = hdr_word(t, 2);
	}
	return 0;
}

/*
 * Where the part starting at @off ends: at the next part's start, or at
 * the end of the buffer for the last one. Not assuming the order the
 * linker happens to write the parts in keeps this right if it changes.
 */
static size_t part_end(const uint64_t *parts, size_t off, size_t len)
{
	size_t end = len;
	int i;

	for (i = 0; i < NPARTS; i++)
		if (parts[i] > off && parts[i] < end)
			end = (size_t)parts[i];
	return end;
}

/* 1.16+: the five offsets that follow the counts (and textStart). */
static int find_parts(struct table *t, unsigned int first)
{
	uint64_t parts[NPARTS];
	int i;

	for (i = 0; i < NPARTS; i++) {
		parts[i] = hdr_word(t, first + i);
		if (parts[i] > t->len)
			return -EINVAL;
		if (parts[i] < t->hdr_size)
			return -ENOEXEC;
	}
	t->names = (size_t)parts[0];
	t->names_end = part_end(parts, t->names, t->len);
	t->ftab = t->funcs = (size_t)parts[4];
	t->funcs_end = part_end(parts, t->funcs, t->len);
	return 0;
}

/* Pick the base added to 1.18+ entries: the header's or the caller's. */
static int pick_base(struct table *t, uint64_t text_start)
{
	uint64_t hdr = t->info.text_start;

	if (hdr && text_start && hdr != text_start)
		return -ENOEXEC;
	t->base = hdr ? hdr : text_start;
	return t->base ? 0 : -ENODATA;
}

static int table_open(struct table *t, const uint8_t *tab, size_t len,
		      uint64_t text_start)
{
	uint64_t nfunc;
	size_t room;
	int err;

	if (!tab)
		return -EINVAL;
	t->tab = tab;
	t->len = len;
	err = parse_header(t);
	if (err)
		return err;
	t->fsz = t->info.ptr_size;
	t->base = 0;
	switch (t->info.magic) {
	case GOPCLNTAB_MAGIC_12:
		t->ftab = t->hdr_size;
		t->funcs = t->names = 0;
		t->funcs_end = t->names_end = len;
		break;
	case GOPCLNTAB_MAGIC_116:
		err = find_parts(t, 2);
		break;
	default:
		t->fsz = 4;
		err = find_parts(t, 3);
		if (!err)
			err = pick_base(t, text_start);
		break;
	}
	if (err)
		return err;
	/* nfunc pairs and the end entry, without overflowing the product */
	room = (t->funcs_end - t->ftab) / t->fsz;
	nfunc = t->info.nfunc;
	if (room < 1 || nfunc > (room - 1) / 2)
		return -EINVAL;
	return 0;
}

static uint64_t ftab_field(const struct table *t, uint64_t i)
{
	return get_le(t->tab + t->ftab + i * t->fsz, t->fsz);
}

/* The name of the _func record at @rec: 0 and [*name, NUL) or -errno. */
static int func_name(const struct table *t, size_t rec, const char **name,
		     size_t *name_len)
{
	uint64_t off = get_le(t->tab + rec + t->fsz, 4);
	const uint8_t *p, *nul;

	if (off >= t->names_end - t->names)
		return -EINVAL;
	p = t->tab + t->names + off;
	nul = memchr(p, 0, t->names_end - t->names - off);
	if (!nul)
		return -EINVAL;
	*name = (const char *)p;
	*name_len = (size_t)(nul - p);
	return 0;
}

/* Check function @i; call @cb for it when there is one. */
static int visit(const struct table *t, uint64_t i, gopclntab_func_cb cb,
		 void *arg)
{
	uint64_t entry = ftab_field(t, 2 * i);
	uint64_t off = ftab_field(t, 2 * i + 1);
	uint64_t next = ftab_field(t, 2 * i + 2);
	size_t rec_size = t->fsz + 4;	/* entry, nameoff */
	const char *name;
	size_t name_len;
	int err;

	if (entry > next)
		return -ENOEXEC;
	if (t->funcs_end - t->funcs < rec_size ||
	    off > t->funcs_end - t->funcs - rec_size)
		return -EINVAL;
	/* The record repeats the entry: garbage rarely does. */
	if (get_le(t->tab + t->funcs + off, t->fsz) != entry)
		return -ENOEXEC;
	err = func_name(t, t->funcs + (size_t)off, &name, &name_len);
	if (err)
		return err;
	if (next > UINT64_MAX - t->base)
		return -ENOEXEC;
	if (!cb)
		return 0;
	return cb(name, name_len, t->base + entry, t->base + next, arg);
}

static int walk(const struct table *t, gopclntab_func_cb cb, void *arg)
{
	uint64_t i;
	int ret;

	for (i = 0; i < t->info.nfunc; i++) {
		ret = visit(t, i, cb, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int gopclntab_info(const uint8_t *tab, size_t len, struct gopclntab_info *info)
{
	struct table t = { .tab = tab, .len = len };
	int err;

	if (!tab || !info)
		return -EINVAL;
	err = parse_header(&t);
	if (!err)
		*info = t.info;
	return err;
}

int gopclntab_for_each_func(const uint8_t *tab, size_t len,
			    uint64_t text_start, gopclntab_func_cb cb,
			    void *arg)
{
	struct table t;
	int err;

	err = table_open(&t, tab, len, text_start);
	if (err)
		return err;
	/* All of it checked first, so no caller acts on half a table. */
	err = walk(&t, NULL, NULL);
	if (err || !cb)
		return err;
	return walk(&t, cb, arg);
}

struct find {
	const char *name;
	size_t len;
	uint64_t entry, end;
	unsigned int found;
};

static int find_cb(const char *name, size_t name_len, uint64_t entry,
		   uint64_t end, void *arg)
{
	struct find *f = arg;

	if (name_len != f->len || memcmp(name, f->name, name_len))
		return 0;
	f->entry = entry;
	f->end = end;
	/* go on: a second one makes the name ambiguous */
	return ++f->found > 1;
}

int gopclntab_find_func(const uint8_t *tab, size_t len, uint64_t text_start,
			const char *name, uint64_t *entry, uint64_t *end)
{
	struct find f = { .name = name };
	int err;

	if (!name || !entry || !end)
		return -EINVAL;
	f.len = strlen(name);
	err = gopclntab_for_each_func(tab, len, text_start, find_cb, &f);
	if (err < 0)
		return err;
	if (f.found != 1)
		return f.found ? -ENOTUNIQ : -ENOENT;
	*entry = f.entry;
	*end = f.end;
	return 0;
}
