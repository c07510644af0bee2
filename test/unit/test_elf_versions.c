// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/elfread.c: the names of .dynsym's definitions carry their symbol
 * versions, "@@VER" for the default and "@VER" for a hidden one, so that
 * a lookup of a name means its default version, not either of two
 * functions: on a stripped library built here with a version script,
 * and on the libc this test runs with (glibc's two memcpy).
 */
#include <stdio.h>
#include <string.h>

#include "elfread.h"

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

static const struct elf_sym *named(const struct elf_symbols *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

static int read(const char *path, struct elf_symbols *s)
{
	struct elf_file *ef;
	int err = elf_open(path, &ef);

	if (!err) {
		err = elf_read_symbols(ef, s);
		elf_close(ef);
	}
	CHECK(!err, "%s: %s", path, elf_strerror(err));
	return err;
}

static void fixture(const char *path)
{
	const struct elf_sym *def, *old, *plain, *found;
	struct elf_symbols s;

	if (read(path, &s))
		return;
	def = named(&s, "fv_pick@@FV_2");
	old = named(&s, "fv_pick@FV_1");
	plain = named(&s, "fv_plain@@FV_1");
	CHECK(def && old && plain, "names without their versions: @@FV_2 %p, @FV_1 %p, fv_plain %p",
	      (void *)def, (void *)old, (void *)plain);
	CHECK(!named(&s, "fv_pick") && !named(&s, "fv_old") && !named(&s, "FV_1"),
	      "an unversioned, local or version name listed");
	if (def && old && plain) {
		CHECK(def->vaddr != old->vaddr, "the two versions at one address");
		found = elf_symbols_find(&s, "fv_pick", ELF_FUNCS);
		CHECK(found == def, "fv_pick is %s, not the default version",
		      found ? found->name : "(none)");
		CHECK(elf_symbols_find(&s, "fv_pick@FV_1", ELF_FUNCS) == old, "fv_pick@FV_1");
		CHECK(elf_symbols_find(&s, "fv_pick@@FV_2", ELF_FUNCS) == def, "fv_pick@@FV_2");
		CHECK(elf_symbols_find(&s, "fv_plain", ELF_FUNCS) == plain, "fv_plain");
		CHECK(elf_sym_base_len(def->name) == 7, "base length of %s", def->name);
	}
	elf_symbols_free(&s);
}

static void libc(const char *path)
{
	const struct elf_sym *def, *old;
	struct elf_symbols s;

	if (read(path, &s))
		return;
	def = named(&s, "memcpy@@GLIBC_2.14");
	old = named(&s, "memcpy@GLIBC_2.2.5");
	if (!def || !old) {
		printf("skip: %s has no two memcpy versions\n", path);
	} else {
		CHECK(elf_symbols_find(&s, "memcpy", ELF_FUNCS) == def,
		      "memcpy is not memcpy@@GLIBC_2.14");
		CHECK(def->vaddr != old->vaddr, "one address");
	}
	CHECK(named(&s, "getaddrinfo@@GLIBC_2.2.5"), "getaddrinfo unversioned in %s", path);
	elf_symbols_free(&s);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s FIXTURE LIBC\n", argv[0]);
		return 2;
	}
	fixture(argv[1]);
	libc(argv[2]);
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
