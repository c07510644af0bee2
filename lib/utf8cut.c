// SPDX-License-Identifier: GPL-2.0-only
/* Cutting UTF-8 text at a character boundary (see utf8cut.h). */
#include <stdbool.h>

#include "utf8cut.h"

static bool continuation(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

/* The length of the character a lead byte starts, 0 if it starts none. */
static size_t lead_len(unsigned char b)
{
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

size_t utf8_cut(const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t p, len;

	if (n <= max)
		return n;
	if (!continuation(u[max]))
		return max;	/* a character starts at the cut */
	/* the lead byte of the character the cut falls in, 3 back at most */
	for (p = max; p > 0 && max - p < 3 && continuation(u[p - 1]); p--)
		;
	if (p == 0)
		return max;
	p--;
	len = lead_len(u[p]);
	if (!len || p + len <= max)
		return max;	/* no character straddles: not UTF-8 here */
	for (size_t i = p + 1; i < p + len && i < n; i++)
		if (!continuation(u[i]))
			return max;
	return p;
}
