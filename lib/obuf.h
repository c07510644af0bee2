/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * obuf: a growable byte buffer that output is assembled in.
 *
 * Rows are built here and written to stdout with one write(2) per batch of
 * events, so a pipe or file sees whole rows and nothing is lost on exit.
 * Allocation failure is fatal (the tracer cannot usefully go on without
 * memory), so callers never check for it.
 */
#ifndef UTRACE_OBUF_H
#define UTRACE_OBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct obuf {
	char *data;
	size_t len;
	size_t cap;
};

/* Room for @extra more bytes and the NUL after them. */
void obuf_reserve(struct obuf *o, size_t extra);
void obuf_grow(struct obuf *o, size_t extra);

/*
 * Appends are inline: a row is a few dozen of them, and the room is
 * nearly always there already. The data stays NUL-terminated.
 */
static inline void obuf_reserve_inline(struct obuf *o, size_t extra)
{
	if (o->cap - o->len <= extra)
		obuf_grow(o, extra);
}

/*
 * @n bytes from @p to @d. Most of a row's pieces are short and of a length
 * known only then (a JSON key, a name): two overlapping moves of a fixed
 * size each, not a call of memcpy(), which was a tenth of a JSON line's
 * instructions. Only bytes inside @p[0..n) are read. (GCC's bounds warnings
 * see the branches for a longer @n inlined where the caller's @p is short,
 * branches never taken there.)
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
static inline void obuf_copy(char *d, const char *p, size_t n)
{
	if (__builtin_constant_p(n) || n > 32) {
		__builtin_memcpy(d, p, n);
	} else if (n >= 16) {
		__builtin_memcpy(d, p, 16);
		__builtin_memcpy(d + n - 16, p + n - 16, 16);
	} else if (n >= 8) {
		__builtin_memcpy(d, p, 8);
		__builtin_memcpy(d + n - 8, p + n - 8, 8);
	} else if (n >= 4) {
		__builtin_memcpy(d, p, 4);
		__builtin_memcpy(d + n - 4, p + n - 4, 4);
	} else if (n) {
		d[0] = p[0];
		d[n / 2] = p[n / 2];
		d[n - 1] = p[n - 1];
	}
}
#pragma GCC diagnostic pop

/*
 * The appends read data and len once, before their stores: a char store
 * may alias any object, so o->len read after one is read again from memory
 * (the pad loop did that per byte, a tenth of a row's instructions).
 */
static inline void obuf_put(struct obuf *o, const void *p, size_t n)
{
	char *d;
	size_t len;

	obuf_reserve_inline(o, n);
	d = o->data;
	len = o->len;
	o->len = len + n;
	obuf_copy(d + len, p, n);
	d[len + n] = '\0';
}

static inline void obuf_putc(struct obuf *o, char c)
{
	char *d;
	size_t len;

	obuf_reserve_inline(o, 1);
	d = o->data;
	len = o->len;
	o->len = len + 1;
	d[len] = c;
	d[len + 1] = '\0';
}

static inline void obuf_puts(struct obuf *o, const char *s)
{
	obuf_put(o, s, __builtin_strlen(s));
}

void obuf_printf(struct obuf *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void obuf_vprintf(struct obuf *o, const char *fmt, va_list ap);
/* Pad with spaces up to column width @w counted from @start (a byte offset). */
static inline void obuf_pad(struct obuf *o, size_t start, size_t w)
{
	size_t n = o->len - start, k;
	char *d;
	size_t len;

	if (n >= w)
		return;
	k = w - n;
	/* 16 spaces a store: a column's pad is rarely more, memset() is a call */
	obuf_reserve_inline(o, k + 16);
	d = o->data;
	len = o->len;
	o->len = len + k;
	for (size_t i = 0; i < k; i += 16)
		__builtin_memcpy(d + len + i, "                ", 16);
	d[len + k] = '\0';
}
void obuf_reset(struct obuf *o);
void obuf_free(struct obuf *o);
/* Write everything to @fd; returns 0 or -errno (EPIPE when the reader left). */
int obuf_flush(struct obuf *o, int fd);

#endif
