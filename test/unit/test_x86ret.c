// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for lib/x86ret.c.
 *
 * Hand-assembled code: 0xC3 bytes inside immediates, displacements,
 * ModRM and SIB bytes and branch offsets must not count, every form of
 * RET must.
 * Exits 1 if any check failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x86ret.h"

static int failures, checks;

#define CHECK(cond, ...)						\
	do {								\
		checks++;						\
		if (!(cond)) {						\
			failures++;					\
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	} while (0)

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

int main(void)
{
	test_c3_not_ret();
	test_ret_forms();
	test_errors();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
