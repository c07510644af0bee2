// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for lib/escape.c: whatever bytes come in, the terminal
 * and JSON forms must be valid UTF-8 without raw control characters, and
 * escape_text() must be reversible. Any violation aborts, which libFuzzer
 * reports as a crash with the input saved.
 *
 * The checks use a UTF-8 decoder of their own rather than utf8_valid(),
 * which is itself under test here.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "obuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_escape: %s\n", why);
	abort();
}

/* Strict UTF-8 decode by value; returns the length, or 0 if invalid. */
static size_t ref_decode(const unsigned char *s, size_t n, uint32_t *cp)
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
static bool unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Valid UTF-8 holding no unsafe code point (so no byte < 0x20 either). */
static bool output_safe(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t cp;
	size_t i, len;

	for (i = 0; i < n; i += len) {
		len = ref_decode(s + i, n - i, &cp);
		if (!len || unsafe_cp(cp))
			return false;
	}
	return true;
}

static bool ref_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t cp;
	size_t i, len;

	for (i = 0; i < n; i += len) {
		len = ref_decode(s + i, n - i, &cp);
		if (!len)
			return false;
	}
	return true;
}

static void put_utf8(struct obuf *o, uint32_t cp)
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

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* escape_text() writes lower case only */
}

/* Read "X..}" (1 to 6 hex digits) at @p; returns bytes used or 0. */
static size_t parse_braced(const char *p, size_t n, uint32_t *cp)
{
	size_t i;
	int v;

	*cp = 0;
	for (i = 0; i < n && i < 7 && p[i] != '}'; i++) {
		v = hexval(p[i]);
		if (v < 0)
			return 0;
		*cp = *cp << 4 | (uint32_t)v;
	}
	if (i == 0 || i == n || p[i] != '}' || *cp > 0x10ffff)
		return 0;
	return i + 1;
}

/* Decode one escape after the backslash at @p[*i]; false if malformed. */
static bool unescape_one(struct obuf *o, const char *p, size_t n, size_t *i)
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
		hi = hexval(p[*i + 1]);
		lo = hexval(p[*i + 2]);
		if (hi < 0 || lo < 0)
			return false;
		obuf_putc(o, (char)(hi << 4 | lo));
		*i += 3;
		return true;
	}
	if (p[*i] == 'u' && n - *i >= 2 && p[*i + 1] == '{') {
		used = parse_braced(p + *i + 2, n - *i - 2, &cp);
		if (!used)
			return false;
		put_utf8(o, cp);
		*i += 2 + used;
		return true;
	}
	return false;
}

/* Reverse escape_text(): \\ \t \n \r \xNN \u{X..}. */
static bool unescape_text(struct obuf *o, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (p[i] != '\\') {
			obuf_putc(o, p[i++]);
			continue;
		}
		if (++i == n || !unescape_one(o, p, n, &i))
			return false;
	}
	return true;
}

static void check_escape_text(const char *in, size_t n, bool valid)
{
	static struct obuf o, u;

	obuf_reset(&o);
	obuf_reset(&u);
	escape_text(&o, in, n);
	if (!output_safe(o.data, o.len))
		fail("escape_text: output not safe UTF-8");
	if (!unescape_text(&u, o.data, o.len))
		fail("escape_text: output has a malformed escape");
	if (u.len != n || (n && memcmp(u.data, in, n)))
		fail("escape_text: round trip lost bytes");
	/* Text that needs nothing escaped must come out untouched. */
	if (valid && output_safe(in, n) && !memchr(in, '\\', n) &&
	    (o.len != n || (n && memcmp(o.data, in, n))))
		fail("escape_text: changed safe text");
}

static void check_json_string(const char *in, size_t n)
{
	static struct obuf o;

	obuf_reset(&o);
	json_string(&o, in, n);
	if (o.len < 2 || o.data[0] != '"' || o.data[o.len - 1] != '"')
		fail("json_string: not quoted");
	if (!output_safe(o.data, o.len))
		fail("json_string: output not safe UTF-8");
}

/* memmem() without needing _GNU_SOURCE. */
static bool contains(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (!memcmp(p + i, needle, k))
			return true;
	return false;
}

static void check_json_field(const char *in, size_t n, bool valid)
{
	static const char b64key[] = ",\"k_base64\":\"";
	static struct obuf o;
	bool has_b64;

	obuf_reset(&o);
	json_string_field(&o, "k", in, n);
	if (o.len < 6 || memcmp(o.data, ",\"k\":\"", 6))
		fail("json_string_field: bad key");
	if (!output_safe(o.data, o.len))
		fail("json_string_field: output not safe UTF-8");
	/* The value's quotes are escaped, so this can only be our key. */
	has_b64 = contains(o.data, o.len, b64key);
	if (has_b64 == valid)
		fail("json_string_field: _base64 iff invalid UTF-8 violated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	bool valid = utf8_valid(in, size);

	if (valid != ref_valid(in, size))
		fail("utf8_valid disagrees with the reference decoder");
	check_escape_text(in, size, valid);
	check_json_string(in, size);
	check_json_field(in, size, valid);
	return 0;
}
