// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for lib/x86ret.c.
 *
 * Usage: test_x86ret [FULL STRIPPED RETS]...
 *
 * Hand-assembled code first: 0xC3 bytes inside immediates, displacements,
 * ModRM bytes and branch offsets must not count, every form of RET must.
 * With arguments (meson passes them when Go is installed), real Go
 * binaries too: RETS holds the TEXT and RET lines of `go tool objdump
 * FULL`, an independent decoder (Go's x86asm). Every function of FULL's
 * pclntab must decode, and the RETs found in them must be the RETs
 * objdump shows there, function by function for net.(*Resolver)'s lookup
 * functions and main.main, and for those in STRIPPED too.
 * Exits 1 if any check failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gopclntab.h"
#include "go_fixture.h"
#include "x86ret.h"
#include "check.h"



#define VA UINT64_C(0x401000)
#define MAX_RETS 16

/* @code must give exactly the RETs at offsets @want[0..nwant). */
static void expect(const char *what, const uint8_t *code, size_t len,
		   const unsigned int *want, size_t nwant)
{
	uint64_t rets[MAX_RETS];
	size_t n = 99, i;
	int err = x86_find_returns(code, len, VA, rets, MAX_RETS, &n);

	CHECK(!err, "%s: %d", what, err);
	CHECK(n == nwant, "%s: %zu RETs, expected %zu", what, n, nwant);
	for (i = 0; i < n && i < nwant; i++)
		CHECK(rets[i] == VA + want[i], "%s: RET %zu at +%#" PRIx64
		      ", expected +%#x", what, i, rets[i] - VA, want[i]);
}

#define EXPECT(what, code, ...)						\
	do {								\
		static const uint8_t c_[] = code;			\
		static const unsigned int w_[] = { __VA_ARGS__ };	\
		expect(what, c_, sizeof(c_), w_ + 1,			\
		       sizeof(w_) / sizeof(w_[0]) - 1);			\
	} while (0)

/* The first number after the code is a dummy: the list may be empty. */
#define B(...) { __VA_ARGS__ }

static void test_c3_not_ret(void)
{
	/* mov eax, 0xc3c3c3c3; ret */
	EXPECT("imm32", B(0xb8, 0xc3, 0xc3, 0xc3, 0xc3, 0xc3), 0, 5);
	/* movabs rax, 0xc3c3c3c3c3c3c3c3 */
	EXPECT("imm64", B(0x48, 0xb8, 0xc3, 0xc3, 0xc3, 0xc3, 0xc3, 0xc3,
			  0xc3, 0xc3), 0);
	/* mov ebx, eax (ModRM 0xc3); mov eax, ebx (ModRM 0xc3) */
	EXPECT("modrm", B(0x89, 0xc3, 0x8b, 0xc3), 0);
	/* mov rax, [rbx + 0xc3] (disp32) */
	EXPECT("disp32", B(0x48, 0x8b, 0x83, 0xc3, 0x00, 0x00, 0x00), 0);
	/* mov dword [rip + 0xc3], 0xc3c3c3c3: disp and imm */
	EXPECT("rip disp and imm", B(0xc7, 0x05, 0xc3, 0x00, 0x00, 0x00,
				     0xc3, 0xc3, 0xc3, 0xc3), 0);
	/* lea rsi, [rbx + rax*8 - 0x3d]: SIB 0xc3, disp8 0xc3 */
	EXPECT("sib and disp8", B(0x48, 0x8d, 0x74, 0xc3, 0xc3), 0);
	/* jmp rel32, je rel8, je rel32, call rel32: offsets of 0xc3 */
	EXPECT("branches", B(0xe9, 0xc3, 0x00, 0x00, 0x00, 0x74, 0xc3,
			     0x0f, 0x84, 0xc3, 0xc3, 0x00, 0x00,
			     0xe8, 0xc3, 0xc3, 0xc3, 0xc3), 0);
	/* nopl [rax + 0xc3]; nopw [rax + rax] (multi-byte NOPs) */
	EXPECT("nops", B(0x0f, 0x1f, 0x80, 0xc3, 0x00, 0x00, 0x00,
			 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00), 0);
	/* vmovdqa xmm0, xmm3 (VEX); vmovdqa32 zmm0, zmm3 (EVEX) */
	EXPECT("vex and evex", B(0xc5, 0xf9, 0x6f, 0xc3,
				 0x62, 0xf1, 0x7d, 0x48, 0x6f, 0xc3), 0);
	/* cmp al, 0xc3; add bl, al (ModRM 0xc3) */
	EXPECT("imm8", B(0x3c, 0xc3, 0x00, 0xc3), 0);
}

static void test_ret_forms(void)
{
	EXPECT("ret", B(0xc3), 0, 0);
	EXPECT("ret imm16", B(0xc2, 0x08, 0x00), 0, 0);
	/* ret imm16 whose immediate is c3 c3 */
	EXPECT("ret 0xc3c3", B(0xc2, 0xc3, 0xc3, 0xc3), 0, 0, 3);
	EXPECT("rep ret", B(0x90, 0xf3, 0xc3), 0, 1);
	EXPECT("bnd ret", B(0xf2, 0xc3), 0, 0);
	EXPECT("ret with operand size", B(0x66, 0xc3), 0, 0);
	EXPECT("far ret", B(0xcb, 0xca, 0x10, 0x00), 0, 0, 1);
	/* a jump over a RET: decoding is linear, the RET is still one */
	EXPECT("jumped over", B(0xeb, 0x01, 0xc3, 0xc3), 0, 2, 3);
	/* ud2 after a call to a panic, then the INT3 padding */
	EXPECT("ud2 and int3", B(0xc3, 0xe8, 0, 0, 0, 0, 0x0f, 0x0b,
				 0xcc, 0xcc, 0xcc), 0, 0);
	/* a Go epilogue: mov rbp, [rsp+0x200]; add rsp, 0x208; ret */
	EXPECT("go epilogue", B(0x48, 0x8b, 0xac, 0x24, 0x00, 0x02, 0x00, 0x00,
				0x48, 0x81, 0xc4, 0x08, 0x02, 0x00, 0x00,
				0xc3, 0xcc, 0xcc), 0, 15);
}

static void test_errors(void)
{
	static const uint8_t five[] = { 0xc3, 0xc3, 0xc3, 0xc3, 0xc3 };
	static const uint8_t bad[] = { 0xc3, 0x06, 0xc3 };	/* push es */
	static const uint8_t cut[] = { 0xc3, 0xb8, 0xc3, 0xc3 };
	uint8_t prefixes[17];
	uint64_t rets[3] = { 0 };
	size_t n = 99;
	int err;

	err = x86_find_returns(five, 5, VA, rets, 3, &n);
	CHECK(err == -E2BIG && n == 5 && rets[2] == VA + 2,
	      "more than max: %d, n %zu", err, n);
	err = x86_find_returns(five, 5, VA, NULL, 0, &n);
	CHECK(err == -E2BIG && n == 5, "counting only: %d, n %zu", err, n);
	err = x86_find_returns(five, 0, VA, rets, 3, &n);
	CHECK(!err && !n, "empty: %d, n %zu", err, n);

	err = x86_find_returns(bad, sizeof(bad), VA, rets, 3, &n);
	CHECK(err == -EILSEQ && n == 1, "undecodable: %d, n %zu", err, n);
	err = x86_find_returns(cut, sizeof(cut), VA, rets, 3, &n);
	CHECK(err == -EILSEQ, "cut instruction: %d", err);
	memset(prefixes, 0x66, sizeof(prefixes));
	prefixes[16] = 0x90;
	err = x86_find_returns(prefixes, sizeof(prefixes), VA, rets, 3, &n);
	CHECK(err == -EILSEQ, "17-byte instruction: %d", err);

	err = x86_find_returns(five, 5, UINT64_MAX - 1, rets, 3, &n);
	CHECK(err == -EINVAL, "wrapping range: %d", err);
	err = x86_find_returns(five, 1, UINT64_MAX, rets, 3, &n);
	CHECK(!err && n == 1 && rets[0] == UINT64_MAX,
	      "last byte of the address space: %d", err);
	CHECK(x86_find_returns(five, 5, VA, rets, 3, NULL) == -EINVAL,
	      "no count");
	CHECK(x86_find_returns(NULL, 5, VA, rets, 3, &n) == -EINVAL,
	      "no code");
	CHECK(x86_find_returns(five, 5, VA, NULL, 3, &n) == -EINVAL,
	      "no room");
}

/* ---- real binaries ---- */

/* RET addresses by function, from objdump's TEXT and RET lines. */
struct objdump {
	struct {
		char *func;
		uint64_t addr;
	} *ret;
	size_t n;
};

static int objdump_read(const char *path, struct objdump *od)
{
	FILE *fp = fopen(path, "r");
	char line[4096], func[1024] = "";
	void *p;

	od->ret = NULL;
	od->n = 0;
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		char *tok, *save = NULL, *addr;

		/* TEXT net.(*Resolver).lookupIPAddr(SB) /usr/lib/go/... */
		if (!strncmp(line, "TEXT ", 5)) {
			size_t len = strcspn(line + 5, " \n");

			if (len > 4 && !strncmp(line + 5 + len - 4, "(SB)", 4))
				len -= 4;
			snprintf(func, sizeof(func), "%.*s", (int)len, line + 5);
			continue;
		}
		/* file:line, address, bytes, then the instruction */
		if (!strtok_r(line, "\t ", &save) ||
		    !(addr = strtok_r(NULL, "\t ", &save)) ||
		    !strtok_r(NULL, "\t ", &save))
			continue;
		while ((tok = strtok_r(NULL, "\t \n", &save)) &&
		       strcmp(tok, "RET"))
			;
		if (!tok)
			continue;
		p = realloc(od->ret, (od->n + 1) * sizeof(*od->ret));
		if (!p)
			exit(2);
		od->ret = p;
		od->ret[od->n].func = strdup(func);
		od->ret[od->n].addr = strtoull(addr, NULL, 16);
		od->n++;
	}
	fclose(fp);
	return od->n ? 0 : -1;
}

static void objdump_free(struct objdump *od)
{
	size_t i;

	for (i = 0; i < od->n; i++)
		free(od->ret[i].func);
	free(od->ret);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* objdump's RETs in [lo, hi), sorted, without the repeats it prints. */
static size_t objdump_rets(const struct objdump *od, const char *func,
			   uint64_t lo, uint64_t hi, uint64_t **out)
{
	uint64_t *v = calloc(od->n + 1, sizeof(*v));
	size_t i, n = 0;

	if (!v)
		exit(2);
	for (i = 0; i < od->n; i++)
		if (od->ret[i].addr >= lo && od->ret[i].addr < hi &&
		    (!func || !strcmp(od->ret[i].func, func)))
			v[n++] = od->ret[i].addr;
	qsort(v, n, sizeof(*v), u64_cmp);
	for (i = 0; n && i + 1 < n;) {
		if (v[i] == v[i + 1]) {
			memmove(v + i, v + i + 1, (n - i - 1) * sizeof(*v));
			n--;
		} else {
			i++;
		}
	}
	*out = v;
	return n;
}

struct decoded {
	const struct gosect *text;
	uint64_t *rets;
	size_t n, cap, funcs;
	uint64_t lo, hi;	/* the Go text: first entry, last end */
	int err;
	const char *path;
};

static int decode_func(const char *name, size_t len, uint64_t entry,
		       uint64_t end, void *arg)
{
	struct decoded *d = arg;
	const struct gosect *t = d->text;
	size_t n = 0;
	int err;

	if (entry < t->addr || end > t->addr + t->size) {
		CHECK(0, "%s: %.*s outside .text", d->path, (int)len, name);
		return 0;
	}
	if (!d->funcs++)
		d->lo = entry;
	d->hi = end;
	for (;;) {
		err = x86_find_returns(t->data + (entry - t->addr), end - entry,
				       entry, d->rets + d->n, d->cap - d->n, &n);
		if (err != -E2BIG)
			break;
		d->cap = (d->cap + n) * 2;
		d->rets = realloc(d->rets, d->cap * sizeof(*d->rets));
		if (!d->rets)
			exit(2);
	}
	CHECK(!err, "%s: %.*s does not decode: %d", d->path, (int)len, name,
	      err);
	if (!err)
		d->n += n;
	return 0;
}

static void check_func(const char *path, const struct gofile *f,
		       const struct objdump *od, const char *func)
{
	struct gosect tab, text;
	uint64_t entry, end, rets[MAX_RETS], *want;
	size_t n = 0, nwant, i;
	int err;

	if (gofile_pclntab(f, &tab) || gofile_section(f, ".text", &text) ||
	    gopclntab_find_func(tab.data, tab.size, 0, func, &entry, &end) ||
	    entry < text.addr || end > text.addr + text.size) {
		CHECK(0, "%s: no %s", path, func);
		return;
	}
	err = x86_find_returns(text.data + (entry - text.addr), end - entry,
			       entry, rets, MAX_RETS, &n);
	nwant = objdump_rets(od, func, 0, UINT64_MAX, &want);
	CHECK(!err && n == nwant && n > 0, "%s: %s: %d, %zu RETs, objdump %zu",
	      path, func, err, n, nwant);
	for (i = 0; !err && i < n && i < nwant; i++)
		CHECK(rets[i] == want[i], "%s: %s: RET at %#" PRIx64
		      ", objdump's at %#" PRIx64, path, func, rets[i], want[i]);
	free(want);
}

static void test_real(const char *full, const char *stripped,
		      const char *retsfile)
{
	static const char *const funcs[] = {
		"net.(*Resolver).lookupIPAddr", "net.(*Resolver).lookupHost",
		"net.(*Resolver).lookupAddr", "main.main",
	};
	struct decoded d = { .path = full };
	struct gosect tab, text;
	struct gofile f, s;
	struct objdump od;
	uint64_t *want;
	size_t nwant, i;

	if (objdump_read(retsfile, &od)) {
		CHECK(0, "%s: no RETs", retsfile);
		return;
	}
	if (gofile_read(full, &f) || gofile_pclntab(&f, &tab) ||
	    gofile_section(&f, ".text", &text)) {
		CHECK(0, "%s: unreadable", full);
		goto out;
	}
	/* every function of the binary, against every RET objdump saw */
	d.text = &text;
	CHECK(!gopclntab_for_each_func(tab.data, tab.size, 0, decode_func, &d),
	      "%s: pclntab", full);
	qsort(d.rets, d.n, sizeof(*d.rets), u64_cmp);
	nwant = objdump_rets(&od, NULL, d.lo, d.hi, &want);
	CHECK(d.n == nwant, "%s: %zu RETs, objdump %zu", full, d.n, nwant);
	for (i = 0; i < d.n && i < nwant; i++)
		if (d.rets[i] != want[i]) {
			CHECK(0, "%s: RET at %#" PRIx64 ", objdump's at %#"
			      PRIx64, full, d.rets[i], want[i]);
			break;
		}
	printf("%s: %zu functions, %zu RETs as objdump\n", full, d.funcs, d.n);
	free(want);
	free(d.rets);

	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		check_func(full, &f, &od, funcs[i]);
	/* stripping moves no code: the same RETs */
	if (gofile_read(stripped, &s)) {
		CHECK(0, "%s: unreadable", stripped);
		goto out;
	}
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		check_func(stripped, &s, &od, funcs[i]);
	gofile_free(&s);
out:
	gofile_free(&f);
	objdump_free(&od);
}

int main(int argc, char **argv)
{
	int i;

	test_c3_not_ret();
	test_ret_forms();
	test_errors();
	if (argc == 1)
		printf("no Go binaries given: hand-assembled code only\n");
	else if ((argc - 1) % 3)
		CHECK(0, "usage: test_x86ret [FULL STRIPPED RETS]...");
	for (i = 1; i + 2 < argc; i += 3)
		test_real(argv[i], argv[i + 1], argv[i + 2]);
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
