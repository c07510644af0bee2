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

struct obuf {
	char *data;
	size_t len;
	size_t cap;
};

void obuf_reserve(struct obuf *o, size_t extra);
void obuf_put(struct obuf *o, const void *p, size_t n);
void obuf_putc(struct obuf *o, char c);
void obuf_puts(struct obuf *o, const char *s);
void obuf_printf(struct obuf *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void obuf_vprintf(struct obuf *o, const char *fmt, va_list ap);
/* Pad with spaces up to column width @w counted from @start (a byte offset). */
void obuf_pad(struct obuf *o, size_t start, size_t w);
void obuf_reset(struct obuf *o);
void obuf_free(struct obuf *o);
/* Write everything to @fd; returns 0 or -errno (EPIPE when the reader left). */
int obuf_flush(struct obuf *o, int fd);

#endif
