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
	__builtin_memcpy(d + len, p, n);
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
	size_t n = o->len - start;
	char *d;
	size_t len;

	if (n >= w)
		return;
	obuf_reserve_inline(o, w - n);
	d = o->data;
	len = o->len;
	o->len = len + (w - n);
	__builtin_memset(d + len, ' ', w - n);
	d[len + (w - n)] = '\0';
}
void obuf_reset(struct obuf *o);
void obuf_free(struct obuf *o);
/* Write everything to @fd; returns 0 or -errno (EPIPE when the reader left). */
int obuf_flush(struct obuf *o, int fd);

#endif
