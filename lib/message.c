// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>

#include "core.h"

static void vmsg(const struct utrace_session *s, const char *fmt, va_list ap)
{
	/* one fprintf per line, so lines from concurrent writers don't mix */
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s: %s\n", s->prog, line);
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
