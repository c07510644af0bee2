// SPDX-License-Identifier: GPL-2.0-only
#include "obuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void obuf_grow(struct obuf *o, size_t extra)
{
	size_t need = o->len + extra + 1;
	size_t cap = o->cap ? o->cap : 4096;

	if (need <= o->cap)
		return;
	while (cap < need)
		cap *= 2;
	o->data = realloc(o->data, cap);
	if (!o->data) {
		fputs("utrace: out of memory\n", stderr);
		abort();
	}
	o->cap = cap;
}

void obuf_reserve(struct obuf *o, size_t extra)
{
	obuf_reserve_inline(o, extra);
}

void obuf_vprintf(struct obuf *o, const char *fmt, va_list ap)
{
	size_t room;
	va_list aq;
	int n;

	/* into the room there is: one pass for most rows, a second if short */
	obuf_reserve(o, 128);
	room = o->cap - o->len;
	va_copy(aq, ap);
	n = vsnprintf(o->data + o->len, room, fmt, aq);
	va_end(aq);
	if (n < 0) {
		o->data[o->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		obuf_reserve(o, (size_t)n);
		vsnprintf(o->data + o->len, (size_t)n + 1, fmt, ap);
	}
	o->len += (size_t)n;
}

void obuf_printf(struct obuf *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	obuf_vprintf(o, fmt, ap);
	va_end(ap);
}

void obuf_reset(struct obuf *o)
{
	o->len = 0;
	if (o->data)
		o->data[0] = '\0';
}

void obuf_free(struct obuf *o)
{
	free(o->data);
	o->data = NULL;
	o->len = o->cap = 0;
}

int obuf_flush(struct obuf *o, int fd)
{
	size_t off = 0;

	while (off < o->len) {
		ssize_t n = write(fd, o->data + off, o->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			obuf_reset(o);
			return -errno;
		}
		off += (size_t)n;
	}
	obuf_reset(o);
	return 0;
}
