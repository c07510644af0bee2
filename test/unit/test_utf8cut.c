// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/utf8cut.c: a cut never splits a UTF-8 character (2, 3 and 4 bytes,
 * the cut at each of its bytes), text that fits is whole, and bytes that
 * are not UTF-8 (Latin-1, stray continuation bytes) are cut where asked.
 */
#include <stdio.h>
#include <string.h>

#include "utf8cut.h"

static int failures, checks;

static void cut_is(const char *what, const char *s, size_t n, size_t max, size_t want)
{
	size_t got = utf8_cut(s, n, max);

	checks++;
	if (got != want) {
		fprintf(stderr, "FAIL %s: utf8_cut(n=%zu, max=%zu) = %zu, want %zu\n",
			what, n, max, got, want);
		failures++;
	}
}

/* "ab" + the character @c + "z", cut at every byte of it. */
static void around(const char *what, const char *c)
{
	char buf[16];
	size_t len = strlen(c), n;

	n = (size_t)snprintf(buf, sizeof(buf), "ab%sz", c);
	cut_is(what, buf, n, 2, 2);			/* before it */
	for (size_t k = 1; k < len; k++)
		cut_is(what, buf, n, 2 + k, 2);		/* inside: back to before it */
	cut_is(what, buf, n, 2 + len, 2 + len);	/* after it */
	cut_is(what, buf, n, n, n);			/* all of it fits */
}

int main(void)
{
	char big[5000];

	around("2-byte \\u00e9", "\xc3\xa9");
	around("3-byte \\u2713", "\xe2\x9c\x93");
	around("4-byte \\U0001f600", "\xf0\x9f\x98\x80");

	/* what fits is kept whole, whatever it is */
	cut_is("fits", "abc", 3, 3, 3);
	cut_is("fits, room to spare", "abc", 3, 10, 3);
	cut_is("empty", "", 0, 0, 0);

	/* Latin-1: each byte is a character of its own */
	cut_is("latin-1 e-acute", "\xe9t\xe9t\xe9", 5, 3, 3);
	cut_is("latin-1 before a letter", "a\xe9" "b", 3, 1, 1);
	/* a lead byte whose next byte is not a continuation: not UTF-8 */
	cut_is("lead + ASCII", "a\xe2" "bc", 4, 2, 2);
	/* continuation bytes with no lead before them */
	cut_is("stray continuations", "\x80\x80\x80\x80\x80", 5, 3, 3);
	cut_is("four continuations after a lead", "\xf0\x80\x80\x80\x80\x80", 6, 4, 4);
	/* a lead whose character ends at the cut: nothing straddles */
	cut_is("char ends at the cut", "a\xc3\xa9\x80", 4, 3, 3);

	/* the readline case: 4095 ASCII bytes, then a 2-byte character */
	memset(big, 'x', sizeof(big));
	memcpy(big + 4095, "\xc3\xa9", 2);
	cut_is("4096 inside e-acute", big, sizeof(big), 4096, 4095);
	memcpy(big + 4094, "\xe2\x9c\x93", 3);
	cut_is("4096 after a 3-byte character's 2nd byte", big, sizeof(big), 4096, 4094);

	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
