// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/numfmt.h and the inline appends of lib/obuf.h that rows are built
 * with, against printf: every digit count, the extremes, the rounding of
 * milliseconds, the memo of the last value, each copy length the
 * short-copy branches handle, pads. Each is rendered after bytes already in
 * the buffer, as in a row, and those must stay as they were.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "numfmt.h"

#define PREFIX "ab:"

static char want[128];

/* The buffer holds PREFIX then @want; then it is emptied to PREFIX again. */
static void same(struct obuf *o, const char *what)
{
	size_t p = strlen(PREFIX);

	CHECK(o->len == p + strlen(want) && !memcmp(o->data, PREFIX, p) &&
	      !memcmp(o->data + p, want, o->len + 1 - p),
	      "%s: \"%s\", printf says \"%s\"", what, o->data ? o->data : "", want);
	obuf_reset(o);
	obuf_puts(o, PREFIX);
}

static void u64(struct obuf *o, uint64_t v)
{
	numfmt_u64(o, v);
	snprintf(want, sizeof(want), "%" PRIu64, v);
	CHECK(numfmt_width(v) == strlen(want), "numfmt_width(%" PRIu64 ")", v);
	same(o, "numfmt_u64");
	numfmt_s64(o, (int64_t)v);
	snprintf(want, sizeof(want), "%" PRId64, (int64_t)v);
	same(o, "numfmt_s64");
}

static void ms(struct obuf *o, uint64_t ns)
{
	numfmt_ms(o, ns, 3);
	snprintf(want, sizeof(want), "%" PRIu64 ".%03" PRIu64,
		 (ns + 500) / 1000 / 1000, (ns + 500) / 1000 % 1000);
	same(o, "numfmt_ms 3");
	numfmt_ms(o, ns, 6);
	snprintf(want, sizeof(want), "%" PRIu64 ".%06" PRIu64, ns / 1000000, ns % 1000000);
	same(o, "numfmt_ms 6");
}

int main(void)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	struct obuf o = { 0 };
	struct numfmt_memo m = { 0 };
	const uint64_t seq[] = { 0, 0, 7, 7, 123456, 123456, 99, 100000, 100000, 0,
				 UINT64_MAX, UINT64_MAX, 1 };
	uint64_t p = 1;

	obuf_puts(&o, PREFIX);
	/* every power of ten, one each side of it, and the extremes */
	u64(&o, 0);
	for (int i = 0; i < 20; i++, p *= 10) {
		u64(&o, p - 1);
		u64(&o, p);
		u64(&o, p + 1);
	}
	u64(&o, UINT64_MAX);
	u64(&o, (uint64_t)INT64_MAX);
	u64(&o, (uint64_t)INT64_MIN);
	srand(1);
	for (int i = 0; i < 100000; i++)
		u64(&o, ((uint64_t)rand() << 40 ^ (uint64_t)rand() << 20 ^ (uint64_t)rand()) >>
			 (rand() % 64));
	/* the memo: a value repeated is copied, a new one rendered and kept */
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		numfmt_u64_memo(&o, &m, seq[i]);
		snprintf(want, sizeof(want), "%" PRIu64, seq[i]);
		same(&o, "numfmt_u64_memo");
	}
	/* digits: leading zeros kept, only the last n */
	numfmt_digits(&o, 42, 6);
	snprintf(want, sizeof(want), "000042");
	same(&o, "numfmt_digits 6");
	numfmt_digits(&o, 1234567, 3);
	snprintf(want, sizeof(want), "567");
	same(&o, "numfmt_digits 3");
	/* milliseconds: rounding at the half microsecond, carries into ms */
	for (uint64_t ns = 0; ns < 3000000; ns += 7)
		ms(&o, ns);
	ms(&o, 999499);
	ms(&o, 999500);
	ms(&o, 1234567890123ULL);

	/*
	 * obuf_put: each length, at each alignment in the buffer, from a
	 * source that ends its allocation: under ASan (b_sanitize) a read
	 * past it fails the test.
	 */
	for (size_t n = 0; n <= 40; n++)
		for (size_t off = 0; off < 8; off++) {
			char *src = malloc(n ? n : 1);

			CHECK(src != NULL, "malloc(%zu)", n);
			if (!src)
				continue;
			memcpy(src, letters + off, n);
			obuf_put(&o, "########", off);
			obuf_put(&o, src, n);
			snprintf(want, sizeof(want), "%.*s%.*s", (int)off, "########",
				 (int)n, letters + off);
			same(&o, "obuf_put");
			free(src);
		}
	/* obuf_pad: to each width from each length, counted from where it starts */
	for (size_t n = 0; n <= 20; n++)
		for (size_t w = 0; w <= 40; w++) {
			size_t start = o.len;

			obuf_put(&o, letters, n);
			obuf_pad(&o, start, w);
			snprintf(want, sizeof(want), "%.*s%*s", (int)n, letters,
				 (int)(w > n ? w - n : 0), "");
			same(&o, "obuf_pad");
		}
	obuf_free(&o);
	return check_summary();
}
