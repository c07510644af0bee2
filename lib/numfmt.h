/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * numfmt: decimal numbers appended to an obuf without printf, for rows:
 * integers, fixed-width digit runs and milliseconds with 3 or 6 decimals.
 * Inline, as a row is a few of them: the digit count is found first and
 * the digits written in place, two at a time, from the last one back.
 */
#ifndef UTRACE_NUMFMT_H
#define UTRACE_NUMFMT_H

#include <stdint.h>

#include "obuf.h"

/* "00" "01" ... "99" */
extern const char numfmt_pairs[201];

/* Decimal digits of @v: 1 to 20. */
static inline unsigned int numfmt_width(uint64_t v)
{
	unsigned int n = 1;

	while (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* @v's last @n decimal digits, leading zeros kept (@n at most 20). */
static inline void numfmt_digits(struct obuf *o, uint64_t v, unsigned int n)
{
	char *p;

	obuf_reserve_inline(o, n);
	p = o->data + o->len + n;
	o->len += n;
	*p = '\0';
	for (; n >= 2; n -= 2) {
		unsigned int d = (unsigned int)(v % 100) * 2;

		v /= 100;
		p -= 2;
		__builtin_memcpy(p, numfmt_pairs + d, 2);
	}
	if (n)
		p[-1] = (char)('0' + v % 10);
}

static inline void numfmt_u64(struct obuf *o, uint64_t v)
{
	numfmt_digits(o, v, numfmt_width(v));
}

static inline void numfmt_s64(struct obuf *o, int64_t v)
{
	if (v < 0) {
		obuf_putc(o, '-');
		numfmt_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		numfmt_u64(o, (uint64_t)v);
	}
}

/*
 * The last value rendered by numfmt_u64_memo() and its digits: a stream of
 * rows mostly repeats its PID, TID and UID, copied then, not worked out.
 */
struct numfmt_memo {
	uint64_t v;
	unsigned int len;	/* 0: nothing kept yet */
	char digits[20];
};

static inline void numfmt_u64_memo(struct obuf *o, struct numfmt_memo *m, uint64_t v)
{
	if (m->len && m->v == v) {
		obuf_put(o, m->digits, m->len);
		return;
	}
	m->v = v;
	m->len = numfmt_width(v);
	numfmt_digits(o, v, m->len);
	__builtin_memcpy(m->digits, o->data + o->len - m->len, m->len);
}

/* Nanoseconds as milliseconds with @decimals (3 or 6) digits, rounded. */
static inline void numfmt_ms(struct obuf *o, uint64_t ns, int decimals)
{
	uint64_t scale = decimals == 3 ? 1000 : 1;
	uint64_t one_ms = decimals == 3 ? 1000 : 1000000;
	uint64_t v = (ns + scale / 2) / scale;	/* in 10^-decimals ms */

	numfmt_u64(o, v / one_ms);
	obuf_putc(o, '.');
	numfmt_digits(o, v % one_ms, (unsigned int)decimals);
}

#endif
