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

static inline void obuf_put(struct obuf *o, const void *p, size_t n)
{
	obuf_reserve_inline(o, n);
	__builtin_memcpy(o->data + o->len, p, n);
	o->len += n;
	o->data[o->len] = '\0';
}

static inline void obuf_putc(struct obuf *o, char c)
{
	obuf_reserve_inline(o, 1);
	o->data[o->len++] = c;
	o->data[o->len] = '\0';
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

	if (n >= w)
		return;
	obuf_reserve_inline(o, w - n);
	for (; n < w; n++)
		o->data[o->len++] = ' ';
	o->data[o->len] = '\0';
}
void obuf_reset(struct obuf *o);
void obuf_free(struct obuf *o);
/* Write everything to @fd; returns 0 or -errno (EPIPE when the reader left). */
int obuf_flush(struct obuf *o, int fd);

#endif
