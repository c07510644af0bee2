/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reference UTF-8 helpers shared by the tests of lib/escape.c
 * (unit/test_escape.c, fuzz/fuzz_escape.c, fuzz/fuzz_json.c).
 *
 * This is deliberately a second, independent implementation and must not
 * call into lib/escape.c or be replaced by it: the tests compare the
 * library against this code, and checking lib/escape.c against itself
 * would prove nothing. It is also written differently on purpose (decode
 * first, then reject by value, where the library checks byte ranges
 * before decoding) so that one mistake is unlikely to be made twice.
 *
 * Everything is static inline so that each test includes only what it
 * uses without unused-function warnings.
 */
#ifndef UTRACE_TEST_UTF8_REF_H
#define UTRACE_TEST_UTF8_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obuf.h"

/*
 * Strict UTF-8 decode by value. Returns the sequence length and sets @cp,
 * or returns 0 when @s[0] starts no valid sequence (overlong, surrogate,
 * above U+10FFFF, truncated or a bad continuation byte).
 */
static inline size_t ref_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		len = 1, c = s[0];
	else if ((s[0] & 0xe0) == 0xc0)
		len = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min_cp[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* C0, DEL, C1 and the bidi controls: never raw in any output. */
static inline bool ref_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Whether @p[0..n) is valid UTF-8 (and, with @reject_unsafe, all safe). */
static inline bool ref_scan(const char *p, size_t n, bool reject_unsafe)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t cp;
	size_t i, len;

	for (i = 0; i < n; i += len) {
		len = ref_decode(s + i, n - i, &cp);
		if (!len || (reject_unsafe && ref_unsafe(cp)))
			return false;
	}
	return true;
}

/* What utf8_valid() must answer. */
static inline bool ref_valid(const char *p, size_t n)
{
	return ref_scan(p, n, false);
}

/* Valid UTF-8 holding no unsafe code point (so no byte < 0x20 either). */
static inline bool output_safe(const char *p, size_t n)
{
	return ref_scan(p, n, true);
}

/* Append @cp (at most U+10FFFF) as UTF-8. */
static inline void put_utf8(struct obuf *o, uint32_t cp)
{
	char b[4];

	if (cp < 0x80) {
		b[0] = (char)cp;
		obuf_put(o, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		obuf_put(o, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		obuf_put(o, b, 3);
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		obuf_put(o, b, 4);
	}
}

/*
 * Lower case only: escape_text() writes nothing else, so an upper-case
 * digit in its output is a change of format the round trip must catch.
 */
static inline int ref_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Read "X..}" (1 to 6 hex digits, after the '{') at @p; bytes used or 0. */
static inline size_t ref_parse_braced(const char *p, size_t n, uint32_t *cp)
{
	size_t i;
	int v;

	*cp = 0;
	for (i = 0; i < n && i < 7 && p[i] != '}'; i++) {
		v = ref_hexval(p[i]);
		if (v < 0)
			return 0;
		*cp = *cp << 4 | (uint32_t)v;
	}
	if (i == 0 || i == n || p[i] != '}' || *cp > 0x10ffff)
		return 0;
	return i + 1;
}

/* Decode one escape after the backslash at @p[*i]; false if malformed. */
static inline bool ref_unescape_one(struct obuf *o, const char *p, size_t n,
				    size_t *i)
{
	static const char simple[][2] = {
		{ '\\', '\\' }, { 't', '\t' }, { 'n', '\n' }, { 'r', '\r' },
	};
	size_t k, used;
	uint32_t cp;
	int hi, lo;

	for (k = 0; k < sizeof(simple) / sizeof(simple[0]); k++) {
		if (p[*i] == simple[k][0]) {
			obuf_putc(o, simple[k][1]);
			*i += 1;
			return true;
		}
	}
	if (p[*i] == 'x' && n - *i >= 3) {
		hi = ref_hexval(p[*i + 1]);
		lo = ref_hexval(p[*i + 2]);
		if (hi < 0 || lo < 0)
			return false;
		obuf_putc(o, (char)(hi << 4 | lo));
		*i += 3;
		return true;
	}
	if (p[*i] == 'u' && n - *i >= 2 && p[*i + 1] == '{') {
		used = ref_parse_braced(p + *i + 2, n - *i - 2, &cp);
		if (!used)
			return false;
		put_utf8(o, cp);
		*i += 2 + used;
		return true;
	}
	return false;
}

/*
 * Reverse escape_text(): \\ \t \n \r \xNN \u{X..}. Returns false on any
 * sequence escape_text() does not produce.
 */
static inline bool unescape_text(struct obuf *o, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (p[i] != '\\') {
			obuf_putc(o, p[i++]);
			continue;
		}
		if (++i == n || !ref_unescape_one(o, p, n, &i))
			return false;
	}
	return true;
}

#endif
