// SPDX-License-Identifier: GPL-2.0-only
/*
 * Escaping of untrusted bytes for the terminal and for JSON.
 *
 * Input is scanned one UTF-8 sequence at a time with a strict decoder
 * (RFC 3629): anything it rejects is handled one byte at a time, so a
 * malformed sequence can never swallow the bytes after it (a truncated lead
 * byte followed by '"' must not hide the quote from the JSON escaper).
 * Runs of bytes that need no escaping are copied with one obuf_put() each.
 */
#include "escape.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char hexdig[] = "0123456789abcdef";

/*
 * Does the 8-byte word @x hold only printable ASCII other than '\\' and
 * '"' (0x20..0x7e)? Bytes outside that range may need escaping in one form
 * or the other; the byte-wise scan below decides. Each test is exact for
 * "some byte in the word": a borrow or carry only spreads from a byte that
 * is itself outside the range.
 */
static inline bool word_plain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t bs = x ^ (ones * '\\'), q = x ^ (ones * '"');

	return !(((x - ones * 0x20) & ~x & high) |	/* < 0x20 */
		 (((x + ones) | x) & high) |		/* >= 0x7f */
		 ((bs - ones) & ~bs & high) |		/* '\\' */
		 ((q - ones) & ~q & high));		/* '"' */
}

/* How many bytes from @s[0] need no look: whole plain words. */
static inline size_t plain_words(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t x;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		if (!word_plain(x))
			break;
	}
	return i;
}

/*
 * All of @s[0..n) plain, a word at a time? Whole words; then the last 8
 * bytes as one word (overlapping bytes already seen: the test is per byte),
 * or a string under 8 bytes laid over a word of spaces in pieces of 4, 2, 1.
 */
static inline bool all_plain_words(const unsigned char *s, size_t n)
{
	uint64_t x = 0x2020202020202020ULL;	/* spaces: plain */
	uint32_t w4;
	uint16_t w2;
	size_t i;

	if (n >= 8) {
		i = plain_words(s, n);
		if (i == n)
			return true;
		if (n - i >= 8)
			return false;	/* a word that is not */
		memcpy(&x, s + n - 8, 8);
		return word_plain(x);
	}
	if (n & 4) {
		memcpy(&w4, s, 4);
		x = (x & ~0xffffffffULL) | w4;
		s += 4;
	}
	if (n & 2) {
		memcpy(&w2, s, 2);
		x = (x & ~(0xffffULL << 32)) | (uint64_t)w2 << 32;
		s += 2;
	}
	if (n & 1)
		x = (x & ~(0xffULL << 48)) | (uint64_t)s[0] << 48;
	return word_plain(x);
}

#ifdef __SSE2__
/*
 * The bytes of the 16 at @s that are not plain, as a bit mask: signed,
 * "< 0x20" is also true of 0x80..0xff. A string shorter than 16 bytes is
 * read as 16 when they stay in its page (no fault can come of it; the
 * bytes after the string are masked off): most strings a row shows (comm,
 * a host name, a function's name) are that short, and one look replaces
 * two or three word tests. Not checked by ASan, which sees the bytes read
 * past a short object; what is read there never counts.
 */
__attribute__((no_sanitize_address))
static unsigned int unplain16(const unsigned char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i bad = _mm_or_si128(
		_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
			     _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))),
		_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
			     _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))));

	return (unsigned int)_mm_movemask_epi8(bad);
}

#define PAGE_MIN 4096	/* the smallest page x86 has */

static inline bool all_plain(const unsigned char *s, size_t n)
{
	size_t i;

	if (n < 16) {
		if (!n)
			return true;	/* and @s may be NULL */
		if (((uintptr_t)s & (PAGE_MIN - 1)) <= PAGE_MIN - 16)
			return !(unplain16(s) & ((1u << n) - 1));
		return all_plain_words(s, n);	/* at a page's end */
	}
	for (i = 0; i + 16 <= n; i += 16)
		if (unplain16(s + i))
			return false;
	return i == n || !unplain16(s + n - 16);
}
#else
#define all_plain all_plain_words
#endif

bool text_plain(const char *src, size_t n)
{
	return all_plain((const unsigned char *)src, n);
}

/*
 * Decode the UTF-8 sequence at @s (at most @n bytes). Returns its length
 * (1..4) and stores the code point in @cp, or returns 0 when @s[0] does not
 * start a valid sequence. The ranges for the second byte are those of
 * RFC 3629 section 4; checking them rejects overlongs (C0, C1, E0 80..9F,
 * F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF
 * (F4 90.., F5..FF) without decoding first.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		len = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return len;
}

bool utf8_valid(const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, len;
	uint32_t cp;

	if (all_plain(s, n))
		return true;
	while (i < n) {
		i += plain_words(s + i, n - i);
		if (i == n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = utf8_decode(s + i, n - i, &cp);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

/*
 * Explicit directional formatting characters (the Bidi_Control property):
 * they reorder how the rest of a line is displayed, so a typed command could
 * show as something else ("Trojan Source", CVE-2021-42574). U+061C (ARABIC
 * LETTER MARK) is in the same property and is escaped with the others.
 */
static bool is_bidi_control(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Code points at or above U+0080 that are escaped although valid: C1
 * controls (a terminal may take U+009B as CSI) and bidi controls.
 */
static bool is_unsafe_nonascii(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || is_bidi_control(cp);
}

/* Append "\xNN" for byte @b. */
static void put_hex_byte(struct obuf *o, unsigned char b)
{
	char e[4] = { '\\', 'x', hexdig[b >> 4], hexdig[b & 0xf] };

	obuf_put(o, e, sizeof(e));
}

/* Append @cp as 4 hex digits; every code point we escape is <= U+FFFF. */
static void put_hex4(struct obuf *o, uint32_t cp)
{
	char e[4] = {
		hexdig[(cp >> 12) & 0xf], hexdig[(cp >> 8) & 0xf],
		hexdig[(cp >> 4) & 0xf], hexdig[cp & 0xf],
	};

	obuf_put(o, e, sizeof(e));
}

/*
 * Copy the pending run of bytes that need no escaping. Skips empty runs so
 * that a NULL @src with @n == 0 never reaches memcpy().
 */
static void put_run(struct obuf *o, const unsigned char *s, size_t from,
		    size_t to)
{
	if (to > from)
		obuf_put(o, s + from, to - from);
}

/*
 * One output form: which ASCII bytes it escapes and how it writes them, how
 * it writes a byte that is not valid UTF-8, and how it writes a valid code
 * point at or above U+0080 that must not appear raw. Both forms scan input
 * the same way (escape_with()), so a fix to the scan cannot miss one.
 */
struct esc_form {
	bool (*ascii_needs_escape)(unsigned char c);
	void (*put_ascii)(struct obuf *o, unsigned char c);
	void (*put_bad_byte)(struct obuf *o, unsigned char c);
	void (*put_cp)(struct obuf *o, uint32_t cp);
};

/*
 * Append @src[0..n) to @o in form @f. Always inlined: @f is a constant in
 * every caller, so the per-byte test becomes a direct call again.
 */
static inline __attribute__((always_inline))
void escape_with(struct obuf *o, const char *src, size_t n,
		 const struct esc_form *f)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, run = 0, len;
	uint32_t cp;

	while (i < n) {
		/* most text is plain ASCII: pass over it a word at a time */
		i += plain_words(s + i, n - i);
		while (i < n && s[i] < 0x80 && !f->ascii_needs_escape(s[i]))
			i++;
		if (i == n)
			break;
		len = utf8_decode(s + i, n - i, &cp);
		if (len > 1 && !is_unsafe_nonascii(cp)) {
			i += len;
			continue;
		}
		put_run(o, s, run, i);
		if (len == 0) {
			f->put_bad_byte(o, s[i]);
			len = 1;
		} else if (len == 1) {
			f->put_ascii(o, s[i]);
		} else {
			f->put_cp(o, cp);
		}
		i += len;
		run = i;
	}
	put_run(o, s, run, i);
}

static bool text_ascii_needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '\\';
}

/*
 * Both forms write some ASCII bytes as a backslash and a letter. If @c is in
 * @from, append '\\' and the letter at the same place in @to and return
 * true; return false, writing nothing, otherwise.
 */
static bool put_short_escape(struct obuf *o, unsigned char c,
			     const char *from, const char *to)
{
	const char *p = memchr(from, c, strlen(from));
	char e[2];

	if (!p)
		return false;
	e[0] = '\\';
	e[1] = to[p - from];
	obuf_put(o, e, 2);
	return true;
}

/* Terminal form of one ASCII byte that needs escaping. */
static void text_escape_ascii(struct obuf *o, unsigned char c)
{
	if (!put_short_escape(o, c, "\\\t\n\r", "\\tnr"))
		put_hex_byte(o, c);
}

/* Terminal form of an escaped code point (C1 or bidi control). */
static void text_put_cp(struct obuf *o, uint32_t cp)
{
	obuf_put(o, "\\u{", 3);
	put_hex4(o, cp);
	obuf_putc(o, '}');
}

static const struct esc_form text_form = {
	.ascii_needs_escape = text_ascii_needs_escape,
	.put_ascii = text_escape_ascii,
	/* One "\xNN" per bad byte keeps the escaping reversible. */
	.put_bad_byte = put_hex_byte,
	.put_cp = text_put_cp,
};

void escape_text(struct obuf *o, const char *src, size_t n)
{
	/* the common case, nothing to escape: checked 16 bytes at a time, copied */
	if (all_plain((const unsigned char *)src, n)) {
		if (n)		/* @src may be NULL then */
			obuf_put(o, src, n);
		return;
	}
	obuf_reserve(o, n);
	escape_with(o, src, n, &text_form);
}

static bool json_ascii_needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '"' || c == '\\';
}

static void json_put_cp(struct obuf *o, uint32_t cp)
{
	obuf_put(o, "\\u", 2);
	put_hex4(o, cp);
}

/* JSON form of one ASCII byte that needs escaping (RFC 8259 section 7). */
static void json_escape_ascii(struct obuf *o, unsigned char c)
{
	if (put_short_escape(o, c, "\"\\\b\f\n\r\t", "\"\\bfnrt"))
		return;
	/*
	 * Other C0 controls must be escaped; DEL may be raw in JSON but is
	 * escaped too, as the line may reach a terminal.
	 */
	json_put_cp(o, c);
}

/* U+FFFD REPLACEMENT CHARACTER, one per bad byte. */
static void json_put_bad_byte(struct obuf *o, unsigned char c)
{
	(void)c;
	obuf_put(o, "\xef\xbf\xbd", 3);
}

static const struct esc_form json_form = {
	.ascii_needs_escape = json_ascii_needs_escape,
	.put_ascii = json_escape_ascii,
	.put_bad_byte = json_put_bad_byte,
	.put_cp = json_put_cp,
};

/* The inside of a JSON string literal, without the quotes. */
static void json_string_body(struct obuf *o, const char *src, size_t n)
{
	escape_with(o, src, n, &json_form);
}

void json_string(struct obuf *o, const char *src, size_t n)
{
	obuf_reserve(o, n + 2);
	obuf_putc(o, '"');
	if (all_plain((const unsigned char *)src, n)) {
		if (n)		/* @src may be NULL then */
			obuf_put(o, src, n);	/* nothing to escape: most strings */
	} else {
		json_string_body(o, src, n);
	}
	obuf_putc(o, '"');
}

void json_base64(struct obuf *o, const void *src, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = src;
	size_t i;

	obuf_reserve(o, (n + 2) / 3 * 4 + 2);
	obuf_putc(o, '"');
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 |
			     s[i + 2];
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63],
			      b64[(v >> 6) & 63], b64[v & 63] };

		obuf_put(o, q, 4);
	}
	if (n - i == 1) {
		char q[4] = { b64[s[i] >> 2], b64[(s[i] & 3) << 4], '=', '=' };

		obuf_put(o, q, 4);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 8 | s[i + 1];
		char q[4] = { b64[v >> 10], b64[(v >> 4) & 63],
			      b64[(v << 2) & 63], '=' };

		obuf_put(o, q, 4);
	}
	obuf_putc(o, '"');
}

/*
 * Append `,"key<suffix>":`. Keys come from our own code, but they go through
 * the same escaper so that no caller can produce invalid JSON by accident.
 */
static void json_key(struct obuf *o, const char *key, const char *suffix)
{
	obuf_put(o, ",\"", 2);
	json_string_body(o, key, strlen(key));
	obuf_puts(o, suffix);
	obuf_put(o, "\":", 2);
}

void json_string_field(struct obuf *o, const char *key, const char *src,
		       size_t n)
{
	json_key(o, key, "");
	json_string(o, src, n);
	if (utf8_valid(src, n))
		return;
	json_key(o, key, "_base64");
	json_base64(o, src, n);
}

void json_bytes_field(struct obuf *o, const char *key, const char *src,
		      size_t n)
{
	json_key(o, key, "");
	json_string(o, src, n);
	json_key(o, key, "_base64");
	json_base64(o, src, n);
}

#define HEX_PER_LINE 16

void hexdump_lines(struct obuf *o, const char *src, size_t n, uint64_t base,
		   int indent)
{
	const unsigned char *s = (const unsigned char *)src;

	for (size_t at = 0; at < n; at += HEX_PER_LINE) {
		size_t k = n - at < HEX_PER_LINE ? n - at : HEX_PER_LINE;
		uint64_t off = base + at;
		char digits[16];
		int nd = 0;

		obuf_putc(o, '\n');
		for (int i = 0; i < indent; i++)
			obuf_putc(o, ' ');
		do {
			digits[nd++] = hexdig[off & 0xf];
			off >>= 4;
		} while (off || nd < 8);
		while (nd)
			obuf_putc(o, digits[--nd]);
		obuf_putc(o, ' ');
		for (size_t i = 0; i < HEX_PER_LINE; i++) {
			char h[3] = { ' ', ' ', ' ' };

			if (i == HEX_PER_LINE / 2)
				obuf_putc(o, ' ');
			if (i < k) {
				h[1] = hexdig[s[at + i] >> 4];
				h[2] = hexdig[s[at + i] & 0xf];
			}
			obuf_put(o, h, sizeof(h));
		}
		obuf_put(o, "  |", 3);
		for (size_t i = 0; i < k; i++) {
			unsigned char c = s[at + i];

			obuf_putc(o, c >= 0x20 && c < 0x7f ? (char)c : '.');
		}
		obuf_putc(o, '|');
	}
}
