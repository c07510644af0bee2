// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for lib/gopclntab.c.
 *
 * Usage: test_gopclntab [FULL STRIPPED NM]...
 *
 * Without arguments, only tables built here, in each known format and
 * pointer size, and their truncated and corrupted variants. With them
 * (meson passes them when Go is installed), real binaries too: FULL is
 * fixture_go.go built with symbols, STRIPPED the same with -s -w, NM the
 * output of `go tool nm -size FULL`. Both binaries' pclntabs must give the
 * entries nm gives for the FULL one, for every function; and the ELF
 * reader (lib/elfread.c), which finds the table in the file, must give
 * the stripped one's functions where nm says they are.
 * Exits 1 if any check failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "gopclntab.h"
#include "go_fixture.h"
#include "check.h"



/* ---- tables built here ---- */

#define TB_MAX		4096
#define TB_FUNCS	8
#define TEXT		0x401000ULL
#define REC_SIZE	44	/* a 1.18 _func is 44 bytes, some pcdata aside */

struct fn {
	const char *name;
	uint64_t off;		/* from TEXT */
};

/* Where the builder put things, for the corruption tests. */
struct tb {
	uint8_t b[TB_MAX];
	size_t len;
	uint32_t magic;
	unsigned int ptr, fsz;
	size_t nfunc_at, text_start_at, part_at[5], part[5];
	size_t functab, names_end;
	size_t rec[TB_FUNCS], name[TB_FUNCS];
	size_t nfn;
};

static void put(struct tb *t, size_t at, uint64_t v, unsigned int size)
{
	unsigned int i;

	if (at + size > TB_MAX) {
		fprintf(stderr, "test table too big\n");
		exit(2);
	}
	for (i = 0; i < size; i++)
		t->b[at + i] = (uint8_t)(v >> (8 * i));
	if (at + size > t->len)
		t->len = at + size;
}

static size_t align(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static size_t put_names(struct tb *t, size_t at, const struct fn *fns,
			size_t n, size_t base)
{
	size_t i, l;

	for (i = 0; i < n; i++) {
		l = strlen(fns[i].name) + 1;
		t->name[i] = at - base;
		if (at + l > TB_MAX)
			exit(2);
		memcpy(t->b + at, fns[i].name, l);
		at += l;
	}
	if (at > t->len)
		t->len = at;
	return at;
}

/*
 * The functab at @ftab, then the _func records from @rec; the functab's
 * record offsets count from @base, its entries from @entry_base.
 */
static void put_funcs(struct tb *t, size_t ftab, size_t rec, size_t base,
		      const struct fn *fns, size_t n, uint64_t end,
		      uint64_t entry_base)
{
	size_t i;

	t->functab = ftab;
	for (i = 0; i < n; i++) {
		rec = align(rec, t->ptr);
		put(t, ftab + 2 * i * t->fsz, entry_base + fns[i].off, t->fsz);
		put(t, ftab + (2 * i + 1) * t->fsz, rec - base, t->fsz);
		t->rec[i] = rec;
		put(t, rec, entry_base + fns[i].off, t->fsz);
		put(t, rec + t->fsz, t->name[i], 4);
		put(t, rec + REC_SIZE - 4, 0, 4);
		rec += REC_SIZE;
	}
	put(t, ftab + 2 * n * t->fsz, entry_base + end, t->fsz);
}

/*
 * 1.2: the functab follows nfunc, then the file table offset and a file
 * table; names and records anywhere after, their offsets from byte 0.
 */
static void build_12(struct tb *t, const struct fn *fns, size_t n,
		     uint64_t end)
{
	size_t ftab = 8 + t->ptr, ftab_end;

	t->fsz = t->ptr;
	put(t, t->nfunc_at = 8, n, t->ptr);
	ftab_end = ftab + (2 * n + 1) * t->ptr;
	put(t, ftab_end, ftab_end + 4, 4);
	put(t, ftab_end + 4, 1, 4);
	t->names_end = put_names(t, ftab_end + 8, fns, n, 0);
	put_funcs(t, ftab, t->names_end, 0, fns, n, end, TEXT);
}

/*
 * 1.16+: header words, then funcnametab, cutab, filetab, pctab and the
 * functab with the records, in the order the Go linker writes them.
 */
static void build_116(struct tb *t, const struct fn *fns, size_t n,
		      uint64_t end, uint64_t hdr_text)
{
	bool v118 = t->magic != GOPCLNTAB_MAGIC_116;
	unsigned int words = v118 ? 8 : 7, first = v118 ? 3 : 2, i;
	size_t at = 8 + words * t->ptr, part[5];

	t->fsz = v118 ? 4 : t->ptr;
	put(t, t->nfunc_at = 8, n, t->ptr);
	put(t, 8 + t->ptr, 1, t->ptr);			/* nfiles */
	if (v118)
		put(t, t->text_start_at = 8 + 2 * t->ptr, hdr_text, t->ptr);
	part[0] = at;
	t->names_end = at = put_names(t, at, fns, n, at);
	part[1] = at = align(at, 4);			/* cutab */
	put(t, at, 0, 4);
	part[2] = at += 4;				/* filetab */
	put(t, at, 0, 4);
	part[3] = at += 4;				/* pctab */
	put(t, at, 0, 4);
	part[4] = at = align(at + 4, t->ptr);		/* functab */
	for (i = 0; i < 5; i++) {
		t->part[i] = part[i];
		t->part_at[i] = 8 + (first + i) * t->ptr;
		put(t, t->part_at[i], part[i], t->ptr);
	}
	put_funcs(t, part[4], part[4] + (2 * n + 1) * t->fsz, part[4], fns, n,
		  end, v118 ? 0 : TEXT);
}

static void build(struct tb *t, uint32_t magic, unsigned int ptr,
		  const struct fn *fns, size_t n, uint64_t end,
		  uint64_t hdr_text)
{
	memset(t, 0, sizeof(*t));
	t->magic = magic;
	t->ptr = ptr;
	t->nfn = n;
	put(t, 0, magic, 4);
	put(t, 6, 1, 1);
	put(t, 7, ptr, 1);
	if (magic == GOPCLNTAB_MAGIC_12)
		build_12(t, fns, n, end);
	else
		build_116(t, fns, n, end, hdr_text);
}

/* ---- collecting what the callback sees ---- */

struct seen {
	size_t n;
	char name[TB_FUNCS][64];
	uint64_t entry[TB_FUNCS], end[TB_FUNCS];
	const uint8_t *lo, *hi;	/* the table: names must point into it */
	int stop_at;		/* return 7 from call number stop_at */
	bool bad;		/* a call broke an invariant */
};

static int collect(const char *name, size_t len, uint64_t entry,
		   uint64_t end, void *arg)
{
	struct seen *s = arg;

	if ((const uint8_t *)name < s->lo ||
	    (const uint8_t *)name + len >= s->hi || name[len] ||
	    memchr(name, 0, len) || entry > end ||
	    (s->n && entry < s->end[s->n - 1]))
		s->bad = true;
	if (s->n < TB_FUNCS) {
		snprintf(s->name[s->n], sizeof(s->name[0]), "%.*s", (int)len,
			 name);
		s->entry[s->n] = entry;
		s->end[s->n] = end;
	}
	s->n++;
	return s->stop_at && (int)s->n == s->stop_at ? 7 : 0;
}

static int run(const struct tb *t, size_t len, uint64_t text,
	       struct seen *s)
{
	memset(s, 0, sizeof(*s));
	s->lo = t->b;
	s->hi = t->b + len;
	return gopclntab_for_each_func(t->b, len, text, collect, s);
}

static const struct fn demo[] = {
	{ "internal/cpu.Initialize", 0x0 },
	{ "net.(*Resolver).lookupIPAddr", 0x60 },
	{ "runtime.goexit", 0x1000 },
	{ "main.main", 0x1020 },
};
#define NDEMO (sizeof(demo) / sizeof(demo[0]))
#define DEMO_END 0x1400

static const uint32_t magics[] = {
	GOPCLNTAB_MAGIC_12, GOPCLNTAB_MAGIC_116, GOPCLNTAB_MAGIC_118,
	GOPCLNTAB_MAGIC_120,
};

static bool is_118(uint32_t magic)
{
	return magic == GOPCLNTAB_MAGIC_118 || magic == GOPCLNTAB_MAGIC_120;
}

static void expect_demo(const struct seen *s, uint32_t magic, unsigned ptr)
{
	size_t i;

	CHECK(s->n == NDEMO, "%#x/%u: %zu functions", magic, ptr, s->n);
	CHECK(!s->bad, "%#x/%u: callback invariant broken", magic, ptr);
	for (i = 0; i < NDEMO && i < s->n; i++) {
		uint64_t end = i + 1 < NDEMO ? demo[i + 1].off : DEMO_END;

		CHECK(!strcmp(s->name[i], demo[i].name), "%#x/%u: name %s",
		      magic, ptr, s->name[i]);
		CHECK(s->entry[i] == TEXT + demo[i].off &&
		      s->end[i] == TEXT + end,
		      "%#x/%u: %s at %#" PRIx64 "-%#" PRIx64, magic, ptr,
		      s->name[i], s->entry[i], s->end[i]);
	}
}

static void test_formats(void)
{
	struct gopclntab_info info;
	unsigned int ptr;
	struct seen s;
	struct tb t;
	size_t i;
	int err;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		for (ptr = 4; ptr <= 8; ptr += 4) {
			build(&t, magics[i], ptr, demo, NDEMO, DEMO_END, TEXT);
			err = gopclntab_info(t.b, t.len, &info);
			CHECK(!err, "%#x/%u: info %d", magics[i], ptr, err);
			CHECK(info.magic == magics[i] && info.ptr_size == ptr &&
			      info.quantum == 1 && info.nfunc == NDEMO,
			      "%#x/%u: info fields", magics[i], ptr);
			CHECK(info.text_start == (is_118(magics[i]) ? TEXT : 0) &&
			      info.text_start_off ==
			      (is_118(magics[i]) ? 8 + 2 * ptr : 0),
			      "%#x/%u: info text_start", magics[i], ptr);
			err = run(&t, t.len, 0, &s);
			CHECK(!err, "%#x/%u: walk %d", magics[i], ptr, err);
			expect_demo(&s, magics[i], ptr);
			/* a caller's text_start: ignored, or equal to the header's */
			err = run(&t, t.len, TEXT, &s);
			CHECK(!err, "%#x/%u: walk with text_start %d", magics[i],
			      ptr, err);
			expect_demo(&s, magics[i], ptr);
			/* trailing bytes after the table are not its business */
			err = run(&t, TB_MAX, 0, &s);
			CHECK(!err && s.n == NDEMO, "%#x/%u: longer buffer %d",
			      magics[i], ptr, err);
		}
	}
}

/* 1.18+: where the entries count from. */
static void test_text_start(void)
{
	uint32_t m[] = { GOPCLNTAB_MAGIC_118, GOPCLNTAB_MAGIC_120 };
	struct seen s;
	struct tb t;
	size_t i;
	int err;

	for (i = 0; i < 2; i++) {
		/* an lld PIE: the header word left for the dynamic loader */
		build(&t, m[i], 8, demo, NDEMO, DEMO_END, 0);
		err = run(&t, t.len, 0, &s);
		CHECK(err == -ENODATA && !s.n, "%#x: no text start: %d", m[i],
		      err);
		err = run(&t, t.len, TEXT, &s);
		CHECK(!err, "%#x: caller's text start: %d", m[i], err);
		expect_demo(&s, m[i], 8);

		build(&t, m[i], 8, demo, NDEMO, DEMO_END, TEXT);
		err = run(&t, t.len, TEXT + 0x100, &s);
		CHECK(err == -ENOEXEC && !s.n, "%#x: disagreeing text start: %d",
		      m[i], err);

		/* entries that would wrap around the address space */
		build(&t, m[i], 8, demo, NDEMO, DEMO_END, UINT64_MAX - 0x1000);
		err = run(&t, t.len, 0, &s);
		CHECK(err == -ENOEXEC && !s.n, "%#x: wrapping entries: %d",
		      m[i], err);
	}
	/* formats with addresses ignore it, whatever it is */
	build(&t, GOPCLNTAB_MAGIC_116, 8, demo, NDEMO, DEMO_END, 0);
	err = run(&t, t.len, 0x12345, &s);
	CHECK(!err, "1.16 with a text start: %d", err);
	expect_demo(&s, GOPCLNTAB_MAGIC_116, 8);
}

static void test_bad_headers(void)
{
	static const uint8_t big_endian_118[] = {
		0xff, 0xff, 0xff, 0xf0, 0, 0, 1, 8,
	};
	uint32_t unknown[] = { 0xfffffff2, 0xfffffffc, 0xfffffff9, 0, 0xffffffff };
	struct gopclntab_info info;
	struct seen s;
	struct tb t;
	size_t i;
	int err;

	build(&t, GOPCLNTAB_MAGIC_118, 8, demo, NDEMO, DEMO_END, TEXT);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		put(&t, 0, unknown[i], 4);
		err = run(&t, t.len, 0, &s);
		CHECK(err == -ENOEXEC && !s.n, "magic %#x: %d", unknown[i], err);
		CHECK(gopclntab_info(t.b, t.len, &info) == -ENOEXEC,
		      "info of magic %#x", unknown[i]);
	}
	CHECK(gopclntab_info(big_endian_118, sizeof(big_endian_118), &info) ==
	      -ENOEXEC, "big-endian table accepted");

	for (i = 4; i < 8; i++) {
		uint8_t bad[] = { 0, 0, 3, 2 };	/* pad, pad, quantum, ptrsize */

		build(&t, GOPCLNTAB_MAGIC_120, 8, demo, NDEMO, DEMO_END, TEXT);
		t.b[i] = bad[i - 4];
		if (i < 6)
			t.b[i] = 1;
		err = run(&t, t.len, 0, &s);
		CHECK(err == -ENOEXEC && !s.n, "header byte %zu: %d", i, err);
	}

	/* too short to say anything, or a known magic and no more */
	CHECK(gopclntab_for_each_func(t.b, 0, 0, collect, &s) == -EINVAL,
	      "empty table");
	build(&t, GOPCLNTAB_MAGIC_120, 8, demo, NDEMO, DEMO_END, TEXT);
	CHECK(gopclntab_info(t.b, 3, &info) == -EINVAL, "3 bytes");
	CHECK(gopclntab_info(t.b, 7, &info) == -EINVAL, "7 bytes");
	CHECK(gopclntab_info(t.b, 8 + 8 * 8 - 1, &info) == -EINVAL,
	      "short header");
	CHECK(gopclntab_info(NULL, 100, &info) == -EINVAL, "NULL table");
	CHECK(gopclntab_for_each_func(NULL, 100, 0, collect, &s) == -EINVAL,
	      "NULL table walked");
}

/*
 * Every prefix of every table either fails without a single callback or
 * gives exactly the whole table's functions (bytes past the last thing
 * read, the tail of the last record, may go).
 */
static void test_truncated(void)
{
	unsigned int ptr;
	size_t i, len, shortest;
	struct seen s;
	struct tb t;
	int err;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		for (ptr = 4; ptr <= 8; ptr += 4) {
			build(&t, magics[i], ptr, demo, NDEMO, DEMO_END, TEXT);
			shortest = t.len;
			for (len = 0; len < t.len; len++) {
				err = run(&t, len, 0, &s);
				if (!err) {
					if (len < shortest)
						shortest = len;
					expect_demo(&s, magics[i], ptr);
					continue;
				}
				CHECK(!s.n, "%#x/%u: %zu bytes: callbacks on error",
				      magics[i], ptr, len);
				CHECK(err == -EINVAL,
				      "%#x/%u: %zu bytes: %d", magics[i], ptr,
				      len, err);
			}
			/* the last record's name offset is the last byte read */
			CHECK(shortest == t.rec[NDEMO - 1] + t.fsz + 4,
			      "%#x/%u: valid from %zu bytes", magics[i], ptr,
			      shortest);
		}
	}
}

/* A table that says something about itself that is not so. */
static void expect_corrupt(const struct tb *t, int want, const char *what)
{
	struct seen s;
	int err = run(t, t->len, 0, &s);

	CHECK(err == want && !s.n, "%#x/%u: %s: %d (%zu calls), expected %d",
	      t->magic, t->ptr, what, err, s.n, want);
}

static void test_corrupt(void)
{
	unsigned int ptr;
	struct tb t;
	size_t i, at;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		uint32_t m = magics[i];

		for (ptr = 4; ptr <= 8; ptr += 4) {
			uint64_t e0;

#define FRESH() build(&t, m, ptr, demo, NDEMO, DEMO_END, TEXT)
			/* out of order: the first entry past the second */
			FRESH();
			e0 = (is_118(m) ? 0 : TEXT) + demo[1].off + 1;
			put(&t, t.functab, e0, t.fsz);
			put(&t, t.rec[0], e0, t.fsz);
			expect_corrupt(&t, -ENOEXEC, "unsorted");

			/* a record that disagrees with the functab */
			FRESH();
			put(&t, t.rec[2], (is_118(m) ? 0 : TEXT) + demo[2].off + 1,
			    t.fsz);
			expect_corrupt(&t, -ENOEXEC, "record entry");

			/* a record past the end */
			FRESH();
			put(&t, t.functab + 7 * t.fsz, t.len, t.fsz);
			expect_corrupt(&t, -EINVAL, "record offset");
			FRESH();
			put(&t, t.functab + 7 * t.fsz, (uint64_t)-1 >>
			    (64 - 8 * t.fsz), t.fsz);
			expect_corrupt(&t, -EINVAL, "record offset -1");

			/* a name offset past the names */
			FRESH();
			put(&t, t.rec[1] + t.fsz, is_118(m) ||
			    m == GOPCLNTAB_MAGIC_116 ?
			    t.part[1] - t.part[0] : t.len, 4);
			expect_corrupt(&t, -EINVAL, "name offset");
			FRESH();
			put(&t, t.rec[1] + t.fsz, 0x80000000, 4);
			expect_corrupt(&t, -EINVAL, "negative name offset");

			/* more functions than the table holds */
			FRESH();
			put(&t, t.nfunc_at, ptr == 8 ? 1ULL << 62 : 0x7fffffff,
			    ptr);
			expect_corrupt(&t, -EINVAL, "nfunc huge");
			FRESH();
			put(&t, t.nfunc_at, ptr == 8 ? (1ULL << 63) + 1 : 0xffffffff,
			    ptr);
			expect_corrupt(&t, -EINVAL, "nfunc overflowing");

			if (m == GOPCLNTAB_MAGIC_12)
				continue;
			/* a name running into the next part */
			FRESH();
			for (at = t.names_end - 1; at < t.part[1]; at++)
				t.b[at] = 'x';
			expect_corrupt(&t, -EINVAL, "unterminated name");

			/* parts outside the table, or inside its header */
			for (at = 0; at < 5; at++) {
				FRESH();
				put(&t, t.part_at[at], t.len + 1, ptr);
				expect_corrupt(&t, -EINVAL, "part past the end");
				FRESH();
				put(&t, t.part_at[at], 8, ptr);
				expect_corrupt(&t, -ENOEXEC, "part in the header");
			}
#undef FRESH
		}
	}
}

static void test_walk_edges(void)
{
	struct seen s;
	struct tb t;
	int err;

	/* no functions: fine, nothing to call */
	build(&t, GOPCLNTAB_MAGIC_120, 8, demo, 0, 0x10, TEXT);
	err = run(&t, t.len, 0, &s);
	CHECK(!err && !s.n, "empty table: %d, %zu calls", err, s.n);

	/* a non-zero return stops the walk and comes back */
	build(&t, GOPCLNTAB_MAGIC_120, 8, demo, NDEMO, DEMO_END, TEXT);
	memset(&s, 0, sizeof(s));
	s.lo = t.b;
	s.hi = t.b + t.len;
	s.stop_at = 2;
	err = gopclntab_for_each_func(t.b, t.len, 0, collect, &s);
	CHECK(err == 7 && s.n == 2, "stop: %d after %zu calls", err, s.n);

	/* no callback: just the check */
	CHECK(!gopclntab_for_each_func(t.b, t.len, 0, NULL, NULL),
	      "check only");
}

static void test_find(void)
{
	static const struct fn dup[] = {
		{ "runtime.goexit1", 0x0 },
		{ "main.main", 0x40 },
		{ "runtime.goexit1", 0x80 },
	};
	uint64_t entry = 1, end = 2;
	struct tb t;
	int err;

	build(&t, GOPCLNTAB_MAGIC_118, 8, demo, NDEMO, DEMO_END, TEXT);
	err = gopclntab_find_func(t.b, t.len, 0,
				  "net.(*Resolver).lookupIPAddr", &entry, &end);
	CHECK(!err && entry == TEXT + 0x60 && end == TEXT + 0x1000,
	      "find lookupIPAddr: %d %#" PRIx64 "-%#" PRIx64, err, entry, end);
	err = gopclntab_find_func(t.b, t.len, 0, "main.mai", &entry, &end);
	CHECK(err == -ENOENT, "prefix of a name found: %d", err);
	err = gopclntab_find_func(t.b, t.len, 0, "main.main.func1", &entry,
				  &end);
	CHECK(err == -ENOENT, "longer name found: %d", err);
	err = gopclntab_find_func(t.b, t.len, TEXT + 1, "main.main", &entry,
				  &end);
	CHECK(err == -ENOEXEC, "find with a wrong text start: %d", err);

	build(&t, GOPCLNTAB_MAGIC_120, 8, dup, 3, 0xc0, TEXT);
	err = gopclntab_find_func(t.b, t.len, 0, "runtime.goexit1", &entry,
				  &end);
	CHECK(err == -ENOTUNIQ, "repeated name: %d", err);
	err = gopclntab_find_func(t.b, t.len, 0, "main.main", &entry, &end);
	CHECK(!err && entry == TEXT + 0x40 && end == TEXT + 0x80,
	      "unique name among repeats: %d", err);
}

/*
 * Random damage to valid tables, a few bytes at a time: whatever comes
 * back, callbacks only ever see sorted functions whose names lie in the
 * table, and an error means no callback at all. (test/fuzz does this at
 * length; this keeps the property in the unit suite.)
 */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void test_damage(void)
{
	unsigned int round, k, ok = 0;
	struct seen s;
	struct tb t;
	int err;

	for (round = 0; round < 20000; round++) {
		uint32_t m = magics[round % 4];
		unsigned int ptr = round & 4 ? 4 : 8;

		build(&t, m, ptr, demo, NDEMO, DEMO_END, TEXT);
		for (k = 0; k <= rnd() % 4; k++)
			t.b[rnd() % t.len] ^= (uint8_t)(1 + rnd() % 255);
		err = run(&t, t.len, rnd() % 2 ? 0 : TEXT, &s);
		if (err) {
			CHECK(!s.n, "damaged: error %d after %zu calls", err, s.n);
			continue;
		}
		ok++;
		CHECK(!s.bad, "damaged: a callback broke an invariant");
	}
	CHECK(ok > 0, "no damaged table survived: damage too heavy to test");
}

/* ---- real binaries ---- */

struct nmsym {
	uint64_t addr, size;
	char *name;
};

struct nm {
	struct nmsym *sym;
	size_t n;
};

static int nm_cmp(const void *a, const void *b)
{
	const struct nmsym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* `go tool nm -size` lines: address, size, type, name (which may hold blanks). */
static int nm_read(const char *path, struct nm *nm)
{
	FILE *fp = fopen(path, "r");
	char line[4096];

	nm->sym = NULL;
	nm->n = 0;
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		uint64_t addr, size;
		char type;
		int at = 0;
		struct nmsym *p;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%" SCNx64 " %" SCNu64 " %c %n", &addr, &size,
			   &type, &at) != 3 || !at ||
		    (type != 'T' && type != 't'))
			continue;
		p = realloc(nm->sym, (nm->n + 1) * sizeof(*p));
		if (!p)
			exit(2);
		nm->sym = p;
		p[nm->n].addr = addr;
		p[nm->n].size = size;
		p[nm->n].name = strdup(line + at);
		nm->n++;
	}
	fclose(fp);
	qsort(nm->sym, nm->n, sizeof(*nm->sym), nm_cmp);
	return nm->n ? 0 : -1;
}

static void nm_free(struct nm *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->sym[i].name);
	free(nm->sym);
}

static const struct nmsym *nm_by_name(const struct nm *nm, const char *name)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		if (!strcmp(nm->sym[i].name, name))
			return &nm->sym[i];
	return NULL;
}

/*
 * Whether .symtab's @sym is the pclntab's @name[0..len): the same but for
 * the middle dot Go's own names use ("dialResult\u00b71"), which ELF
 * symbols spell '.', and ".abi0" after the names of assembly functions.
 */
static bool same_name(const char *sym, const char *name, size_t len)
{
	size_t i = 0;

	while (i < len && *sym) {
		if (!strncmp(name + i, "\xc2\xb7", 2) && *sym == '.')
			i += 2;
		else if (name[i] == *sym)
			i++;
		else
			return false;
		sym++;
	}
	return i == len && (!*sym || !strcmp(sym, ".abi0"));
}

/*
 * The symbol nm has at @addr under the pclntab's @name. Go abbreviates
 * type names with [...] in the pclntab; any symbol there will do for those.
 */
static const struct nmsym *nm_match(const struct nm *nm, uint64_t addr,
				    const char *name, size_t len)
{
	const struct nmsym *any = NULL;
	size_t lo = 0, hi = nm->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (nm->sym[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nm->n && nm->sym[lo].addr == addr; lo++) {
		if (same_name(nm->sym[lo].name, name, len))
			return &nm->sym[lo];
		any = &nm->sym[lo];
	}
	return memmem(name, len, "[...]", 5) ? any : NULL;
}

struct func {
	char *name;
	uint64_t entry, end;
};

struct funcs {
	struct func *f;
	size_t n;
};

static int keep(const char *name, size_t len, uint64_t entry, uint64_t end,
		void *arg)
{
	struct funcs *fs = arg;
	struct func *p = realloc(fs->f, (fs->n + 1) * sizeof(*p));

	if (!p)
		exit(2);
	fs->f = p;
	p[fs->n].name = strndup(name, len);
	p[fs->n].entry = entry;
	p[fs->n].end = end;
	fs->n++;
	return 0;
}

static void funcs_free(struct funcs *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		free(fs->f[i].name);
	free(fs->f);
	fs->f = NULL;
	fs->n = 0;
}

/* The functions of @path's pclntab, checked against its .text and @nm. */
static int real_funcs(const char *path, const struct nm *nm,
		      struct funcs *fs)
{
	const struct nmsym *rt = nm_by_name(nm, "runtime.text");
	struct gopclntab_info info;
	struct gosect tab, text;
	struct gofile f;
	size_t i, named = 0;
	int err;

	fs->f = NULL;
	fs->n = 0;
	if (gofile_read(path, &f) || gofile_pclntab(&f, &tab) ||
	    gofile_section(&f, ".text", &text)) {
		CHECK(0, "%s: no pclntab or .text", path);
		gofile_free(&f);
		return -1;
	}
	err = gopclntab_info(tab.data, tab.size, &info);
	CHECK(!err, "%s: info %d", path, err);
	if (is_118(info.magic)) {
		/* the header's, not .text's: they differ with external linking */
		CHECK(rt && info.text_start == rt->addr,
		      "%s: header text start %#" PRIx64 " is not runtime.text",
		      path, info.text_start);
		if (info.text_start != text.addr)
			printf("%s: runtime.text %#" PRIx64 ", .text %#" PRIx64
			       "\n", path, info.text_start, text.addr);
	}
	err = gopclntab_for_each_func(tab.data, tab.size, 0, keep, fs);
	CHECK(!err && fs->n == info.nfunc && fs->n > 1000,
	      "%s: walk %d, %zu functions", path, err, fs->n);
	for (i = 0; i < fs->n; i++) {
		const struct func *fn = &fs->f[i];
		const struct nmsym *s = nm_match(nm, fn->entry, fn->name,
						 strlen(fn->name));

		CHECK(fn->entry >= text.addr &&
		      fn->end <= text.addr + text.size,
		      "%s: %s outside .text", path, fn->name);
		CHECK(s, "%s: %s at %#" PRIx64 ": not what nm says", path,
		      fn->name, fn->entry);
		if (!s)
			continue;
		named += same_name(s->name, fn->name, strlen(fn->name));
		/* a function ends where the next begins, padding included */
		CHECK(fn->entry + s->size <= fn->end,
		      "%s: %s ends at %#" PRIx64 " before nm's %#" PRIx64, path,
		      fn->name, fn->end, fn->entry + s->size);
	}
	CHECK(named + 50 > fs->n, "%s: only %zu of %zu names are nm's", path,
	      named, fs->n);
	gofile_free(&f);
	return 0;
}

static void check_known(const char *path, const struct nm *nm)
{
	static const char *const known[][2] = {
		{ "main.main", "main.main" },
		{ "net.(*Resolver).lookupIPAddr", "net.(*Resolver).lookupIPAddr" },
		{ "net.(*Resolver).lookupHost", "net.(*Resolver).lookupHost" },
		{ "net.(*Resolver).lookupAddr", "net.(*Resolver).lookupAddr" },
		{ "runtime.goexit", "runtime.goexit.abi0" },
	};
	struct gofile f;
	struct gosect tab;
	size_t i;

	if (gofile_read(path, &f) || gofile_pclntab(&f, &tab)) {
		CHECK(0, "%s: unreadable", path);
		gofile_free(&f);
		return;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct nmsym *s = nm_by_name(nm, known[i][1]);
		uint64_t entry = 0, end = 0;
		int err = gopclntab_find_func(tab.data, tab.size, 0, known[i][0],
					      &entry, &end);

		CHECK(!err && s && entry == s->addr &&
		      end >= entry + s->size,
		      "%s: %s at %#" PRIx64 " (%d), nm says %#" PRIx64, path,
		      known[i][0], entry, err, s ? s->addr : 0);
	}
	gofile_free(&f);
}

/*
 * The ELF reader's functions of @path (stripped: from the pclntab it finds
 * itself, wherever the linker put it) at nm's addresses, with file offsets
 * that hold the same code as the full binary's.
 */
static void check_elf_symbols(const char *path, const struct nm *nm)
{
	static const char *const known[][2] = {
		{ "main.main", "main.main" },
		{ "net.(*Resolver).lookupIPAddr", "net.(*Resolver).lookupIPAddr" },
		{ "net.(*Resolver).lookupHost", "net.(*Resolver).lookupHost" },
		{ "net.(*Resolver).lookupAddr", "net.(*Resolver).lookupAddr" },
		{ "net.(*DNSError).Error", "net.(*DNSError).Error" },
	};
	struct elf_symbols syms;
	struct elf_file *ef;
	int err = elf_open(path, &ef);

	CHECK(!err, "%s: elf_open %d", path, err);
	if (err)
		return;
	err = elf_read_symbols(ef, &syms);
	CHECK(!err, "%s: elf_read_symbols %d", path, err);
	for (size_t i = 0; !err && i < sizeof(known) / sizeof(known[0]); i++) {
		const struct elf_sym *e = elf_symbols_find(&syms, known[i][0], ELF_FUNCS);
		const struct nmsym *s = nm_by_name(nm, known[i][1]);
		uint64_t off = 0;

		CHECK(e && s && e->vaddr == s->addr && e->size >= s->size &&
		      !elf_vaddr_offset(ef, e->vaddr, &off) && off == e->offset,
		      "%s: the ELF reader's %s at %#" PRIx64 ", nm says %#" PRIx64, path,
		      known[i][0], e ? e->vaddr : 0, s ? s->addr : 0);
	}
	if (!err)
		elf_symbols_free(&syms);
	elf_close(ef);
}

static void test_real(const char *full, const char *stripped,
		      const char *nmfile)
{
	struct funcs a, b;
	struct nm nm;
	size_t i;

	if (nm_read(nmfile, &nm)) {
		CHECK(0, "%s: no symbols", nmfile);
		return;
	}
	real_funcs(full, &nm, &a);
	real_funcs(stripped, &nm, &b);
	check_known(full, &nm);
	check_known(stripped, &nm);
	check_elf_symbols(full, &nm);
	check_elf_symbols(stripped, &nm);
	/* -s -w drops symbols, never functions, and moves none */
	CHECK(a.n == b.n, "%s: %zu functions, %s: %zu", full, a.n, stripped,
	      b.n);
	for (i = 0; i < a.n && i < b.n; i++)
		CHECK(!strcmp(a.f[i].name, b.f[i].name) &&
		      a.f[i].entry == b.f[i].entry && a.f[i].end == b.f[i].end,
		      "%s: %s differs when stripped", stripped, a.f[i].name);
	printf("%s: %zu functions as nm says, also stripped\n", full, a.n);
	funcs_free(&a);
	funcs_free(&b);
	nm_free(&nm);
}

int main(int argc, char **argv)
{
	int i;

	test_formats();
	test_text_start();
	test_bad_headers();
	test_truncated();
	test_corrupt();
	test_walk_edges();
	test_find();
	test_damage();
	if (argc == 1)
		printf("no Go binaries given: built tables only\n");
	else if ((argc - 1) % 3)
		CHECK(0, "usage: test_gopclntab [FULL STRIPPED NM]...");
	for (i = 1; i + 2 < argc; i += 3)
		test_real(argv[i], argv[i + 1], argv[i + 2]);
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
