// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for lib/x86ret.c: the input bytes are a function's
 * code. Beyond not crashing, every RET reported must be one: in range, in
 * order, and at its address legacy or REX prefixes, then C3, C2, CB or CA.
 * Less room must give the same count with -E2BIG and the same first RETs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x86ret.h"

#define VA	0x401000ULL
#define ROOM	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rets[ROOM], few[2];

static void fail(const char *why, long a, long b)
{
	fprintf(stderr, "fuzz_x86ret: %s (%ld, %ld)\n", why, a, b);
	abort();
}

static int is_prefix(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 ||
	       b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x26 || b == 0x64 || b == 0x65 || (b & 0xf0) == 0x40;
}

static void check_ret(const uint8_t *data, size_t size, uint64_t at)
{
	size_t off = (size_t)(at - VA);

	if (at < VA || off >= size)
		fail("RET outside the code", (long)(at - VA), (long)size);
	while (off < size && is_prefix(data[off]))
		off++;
	if (off >= size || (data[off] != 0xc3 && data[off] != 0xc2 &&
			    data[off] != 0xcb && data[off] != 0xca))
		fail("not a RET", (long)(at - VA), off < size ? data[off] : -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, m = 0, i;
	int err, err2;

	err = x86_find_returns(data, size, VA, rets, ROOM, &n);
	if (err && err != -EILSEQ && err != -E2BIG)
		fail("unexpected error", err, 0);
	if (!err || err == -E2BIG) {
		for (i = 0; i < n && i < ROOM; i++) {
			check_ret(data, size, rets[i]);
			if (i && rets[i] <= rets[i - 1])
				fail("RETs out of order", (long)i, 0);
		}
	}
	err2 = x86_find_returns(data, size, VA, few, 2, &m);
	if (m != n)
		fail("room changed the count", (long)m, (long)n);
	if (err2 != (err == -EILSEQ ? -EILSEQ : n > 2 ? -E2BIG : 0))
		fail("room changed the outcome", err2, err);
	if (!err && memcmp(few, rets, (n < 2 ? n : 2) * sizeof(*few)))
		fail("room changed the first RETs", 0, 0);
	return 0;
}
