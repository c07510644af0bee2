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
 */
static bool plain(const char *line)
{
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return true;
}

static void vmsg(const struct utrace_session *s, const char *fmt, va_list ap)
{
	/* one fprintf per line, so lines from concurrent writers don't mix */
	char line[1024];

	struct obuf o = { 0 };

	vsnprintf(line, sizeof(line), fmt, ap);
	if (plain(line)) {
		fprintf(stderr, "%s: %s\n", s->prog, line);
		return;
	}
	escape_text(&o, line, strlen(line));
	fprintf(stderr, "%s: %.*s\n", s->prog, (int)o.len, o.data);
	obuf_free(&o);
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
