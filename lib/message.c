// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "escape.h"
#include "obuf.h"

/*
 * Messages carry names from the traced side (paths from /proc/PID/maps,
 * process names, symbols): a file named with a newline or an escape
 * sequence must not forge a line or drive the operator's terminal. Such a
 * line goes out as the table does it (escape.h).
 *
 * @n bytes of @text to stderr as one write, escaped if they need it.
 */
static void put_escaped(const char *prefix, const char *text, size_t n)
{
	struct obuf o = { 0 };
	bool needs = false;

	for (size_t i = 0; i < n && !needs; i++)
		needs = (unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f;
	if (!needs) {
		fprintf(stderr, "%s%.*s\n", prefix, (int)n, text);
		return;
	}
	escape_text(&o, text, n);
	fprintf(stderr, "%s%.*s\n", prefix, (int)o.len, o.data);
	obuf_free(&o);
}

static void vmsg(const struct utrace_session *s, const char *fmt, va_list ap)
{
	/* one fprintf per line, so lines from concurrent writers don't mix */
	char line[1024], prefix[80];

	vsnprintf(line, sizeof(line), fmt, ap);
	snprintf(prefix, sizeof(prefix), "%s: ", s->prog);
	put_escaped(prefix, line, strlen(line));
}

void utrace_stderr_lines(const char *text)
{
	const char *end;

	for (; *text; text = end + 1) {
		end = strchr(text, '\n');
		if (!end) {
			put_escaped("", text, strlen(text));
			return;
		}
		put_escaped("", text, (size_t)(end - text));
	}
}

void utrace_error(const struct utrace_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(s, fmt, ap);
	va_end(ap);
}

void utrace_verbose(const struct utrace_session *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->opt.verbose)
		return;
	va_start(ap, fmt);
	vmsg(s, fmt, ap);
	va_end(ap);
}

const char *utrace_why(int err)
{
	static char buf[256];

	return utrace_strerror(err, buf, sizeof(buf));
}
