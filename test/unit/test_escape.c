// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for lib/escape.c: fixed cases with exact expected output, then
 * a property check over pseudo-random inputs. Prints each failure with the
 * expected and actual bytes to stderr; exits 1 if anything failed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "escape.h"
#include "obuf.h"
#include "utf8_ref.h"

/* A byte string with an explicit length: inputs may contain NUL. */
struct bytes {
	const char *p;
	size_t n;
};

/* B() initialises a struct bytes; BYTES() is the same as an expression. */
#define B(lit) { (lit), sizeof(lit) - 1 }
#define BYTES(lit) ((struct bytes)B(lit))

static int failures;

/* Show bytes unambiguously, without trusting the code under test. */
static void dump(FILE *f, const char *p, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
	fputc('"', f);
}

static void expect_bytes(const char *what, struct bytes in,
			 const char *got, size_t got_n, const char *exp)
{
	size_t exp_n = strlen(exp);

	if (got_n == exp_n && (!exp_n || memcmp(got, exp, exp_n) == 0))
		return;
	failures++;
	fprintf(stderr, "FAIL %s(", what);
	dump(stderr, in.p, in.n);
	fprintf(stderr, ")\n  expected: ");
	dump(stderr, exp, exp_n);
	fprintf(stderr, "\n  actual:   ");
	dump(stderr, got, got_n);
	fputc('\n', stderr);
}

static void expect_true(bool ok, const char *what, struct bytes in)
{
	if (ok)
		return;
	failures++;
	fprintf(stderr, "FAIL %s: ", what);
	dump(stderr, in.p, in.n);
	fputc('\n', stderr);
}

/*
 * One input with its expected terminal form, JSON form (without the
 * quotes, added by the checker) and UTF-8 validity. Expected outputs never
 * contain NUL, so they are plain C strings.
 */
struct esc_case {
	struct bytes in;
	const char *text;
	const char *json;
	bool valid;
};

#define FFFD "\xef\xbf\xbd"

static const struct esc_case esc_cases[] = {
	/* Plain ASCII and valid UTF-8 pass through. */
	{ B(""), "", "", true },
	{ B("hello, world ~!@#$%^&*()"), "hello, world ~!@#$%^&*()",
	  "hello, world ~!@#$%^&*()", true },
	{ B("h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93"),
	  "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93",
	  "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93", true },
	{ B("\xf0\x9f\x98\x80!"), "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!",
	  true },
	/* NBSP is the first code point after the C1 block. */
	{ B("\xc2\xa0"), "\xc2\xa0", "\xc2\xa0", true },
	/* Boundaries of the 2/3/4-byte forms and around the surrogates. */
	{ B("\xc2\x80\xdf\xbf"), "\\u{0080}\xdf\xbf", "\\u0080\xdf\xbf",
	  true },
	{ B("\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"),
	  "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
	  "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf", true },
	{ B("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
	  "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
	  "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", true },

	/* C0 controls, DEL, backslash, quote. */
	{ B("\x1b[31mred"), "\\x1b[31mred", "\\u001b[31mred", true },
	{ B("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07",
	  "\\u001b]0;pwned\\u0007", true },
	{ B("\x07"), "\\x07", "\\u0007", true },
	{ B("a\rb\nc\td"), "a\\rb\\nc\\td", "a\\rb\\nc\\td", true },
	{ B("a\0b"), "a\\x00b", "a\\u0000b", true },
	{ B("\0"), "\\x00", "\\u0000", true },
	{ B("\x7f"), "\\x7f", "\\u007f", true },
	{ B("\x01\x1f"), "\\x01\\x1f", "\\u0001\\u001f", true },
	{ B("\b\f"), "\\x08\\x0c", "\\b\\f", true },
	{ B("a\\b"), "a\\\\b", "a\\\\b", true },
	{ B("\\x41"), "\\\\x41", "\\\\x41", true },
	{ B("say \"hi\""), "say \"hi\"", "say \\\"hi\\\"", true },
	{ B("/"), "/", "/", true },

	/* C1 controls: U+009B is CSI on some terminals. */
	{ B("x\xc2\x9by"), "x\\u{009b}y", "x\\u009by", true },
	{ B("\xc2\x9f"), "\\u{009f}", "\\u009f", true },

	/* Bidi controls, and neighbours that are left alone. */
	{ B("\xe2\x80\xae"), "\\u{202e}", "\\u202e", true },
	{ B("\xe2\x80\x8e\xe2\x80\x8f"), "\\u{200e}\\u{200f}",
	  "\\u200e\\u200f", true },
	{ B("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"),
	  "\\u{202a}\\u{202b}\\u{202c}\\u{202d}",
	  "\\u202a\\u202b\\u202c\\u202d", true },
	{ B("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"),
	  "\\u{2066}\\u{2067}\\u{2068}\\u{2069}",
	  "\\u2066\\u2067\\u2068\\u2069", true },
	{ B("\xd8\x9c"), "\\u{061c}", "\\u061c", true },
	{ B("\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"),
	  "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
	  "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa", true },
	{ B("ls \xe2\x80\xae""txt.exe"), "ls \\u{202e}txt.exe",
	  "ls \\u202etxt.exe", true },

	/* Invalid UTF-8: each bad byte on its own. */
	{ B("\xff"), "\\xff", FFFD, false },
	{ B("\x80"), "\\x80", FFFD, false },
	{ B("ab\xe2\x82"), "ab\\xe2\\x82", "ab" FFFD FFFD, false },
	{ B("\xf0\x9f\x98"), "\\xf0\\x9f\\x98", FFFD FFFD FFFD, false },
	{ B("\xc0\x80"), "\\xc0\\x80", FFFD FFFD, false },
	{ B("\xc1\xbf"), "\\xc1\\xbf", FFFD FFFD, false },
	{ B("\xe0\x80\xaf"), "\\xe0\\x80\\xaf", FFFD FFFD FFFD, false },
	{ B("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf",
	  FFFD FFFD FFFD FFFD, false },
	{ B("\xed\xa0\x80"), "\\xed\\xa0\\x80", FFFD FFFD FFFD, false },
	{ B("\xed\xbf\xbf"), "\\xed\\xbf\\xbf", FFFD FFFD FFFD, false },
	{ B("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80",
	  FFFD FFFD FFFD FFFD, false },
	{ B("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80",
	  FFFD FFFD FFFD FFFD, false },
	/* A bad lead byte must not swallow what follows it. */
	{ B("\xe2\""), "\\xe2\"", FFFD "\\\"", false },
	{ B("\xc3\x1b"), "\\xc3\\x1b", FFFD "\\u001b", false },
	{ B("\xe2\x80\xc2\x9b"), "\\xe2\\x80\\u{009b}", FFFD FFFD "\\u009b",
	  false },
	{ B("ok\xffok"), "ok\\xffok", "ok" FFFD "ok", false },
};

static void check_esc_case(const struct esc_case *c)
{
	struct obuf o = { 0 };
	char *json;
	size_t n;

	escape_text(&o, c->in.p, c->in.n);
	expect_bytes("escape_text", c->in, o.data, o.len, c->text);

	n = strlen(c->json) + 3;
	json = malloc(n);
	if (!json)
		abort();
	snprintf(json, n, "\"%s\"", c->json);
	obuf_reset(&o);
	json_string(&o, c->in.p, c->in.n);
	expect_bytes("json_string", c->in, o.data, o.len, json);
	free(json);

	expect_true(utf8_valid(c->in.p, c->in.n) == c->valid,
		    c->valid ? "utf8_valid should be true" :
			       "utf8_valid should be false", c->in);
	obuf_free(&o);
}

static void test_esc_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++)
		check_esc_case(&esc_cases[i]);
}

/* The functions append; they must not disturb what is already there. */
static void test_appends(void)
{
	struct obuf o = { 0 };

	obuf_puts(&o, "pre:");
	escape_text(&o, "\x1b", 1);
	json_string(&o, "x", 1);
	json_base64(&o, "f", 1);
	expect_bytes("append", BYTES("pre:"), o.data, o.len,
		     "pre:\\x1b\"x\"\"Zg==\"");
	obuf_free(&o);

	/* A NULL pointer with length 0 is an empty string. */
	escape_text(&o, NULL, 0);
	json_string(&o, NULL, 0);
	expect_bytes("NULL,0", BYTES(""), o.data, o.len, "\"\"");
	expect_true(utf8_valid(NULL, 0), "utf8_valid(NULL, 0)", BYTES(""));
	obuf_free(&o);
}

static void test_base64(void)
{
	static const struct {
		struct bytes in;
		const char *out;
	} v[] = {
		/* RFC 4648 section 10. */
		{ B(""), "\"\"" },
		{ B("f"), "\"Zg==\"" },
		{ B("fo"), "\"Zm8=\"" },
		{ B("foo"), "\"Zm9v\"" },
		{ B("foob"), "\"Zm9vYg==\"" },
		{ B("fooba"), "\"Zm9vYmE=\"" },
		{ B("foobar"), "\"Zm9vYmFy\"" },
		/* The last two alphabet characters and high bytes. */
		{ B("\xfb\xff"), "\"+/8=\"" },
		{ B("\xff\xff\xff"), "\"////\"" },
		{ B("\0\0\0\0"), "\"AAAAAA==\"" },
	};
	struct obuf o = { 0 };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		obuf_reset(&o);
		json_base64(&o, v[i].in.p, v[i].in.n);
		expect_bytes("json_base64", v[i].in, o.data, o.len, v[i].out);
	}
	obuf_free(&o);
}

static void test_string_field(void)
{
	static const struct {
		const char *key;
		struct bytes in;
		const char *out;
	} v[] = {
		{ "line", B("ls -l"), ",\"line\":\"ls -l\"" },
		{ "line", B(""), ",\"line\":\"\"" },
		{ "line", B("\x1b[2J\xe2\x80\xae"),
		  ",\"line\":\"\\u001b[2J\\u202e\"" },
		{ "line", B("a\xff" "b"),
		  ",\"line\":\"a" FFFD "b\",\"line_base64\":\"Yf9i\"" },
		{ "host", B("\xc0\x80"),
		  ",\"host\":\"" FFFD FFFD "\",\"host_base64\":\"wIA=\"" },
		/* Keys are escaped too, so a bad key cannot break the line. */
		{ "a\"b", B("x"), ",\"a\\\"b\":\"x\"" },
	};
	struct obuf o = { 0 };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		obuf_reset(&o);
		json_string_field(&o, v[i].key, v[i].in.p, v[i].in.n);
		expect_bytes("json_string_field", v[i].in, o.data, o.len,
			     v[i].out);
	}
	obuf_free(&o);
}

static void test_bytes_field(void)
{
	static const struct {
		struct bytes in;
		const char *out;
	} v[] = {
		/* valid UTF-8 too: the exact bytes are always there */
		{ B("GET /"), ",\"data\":\"GET /\",\"data_base64\":\"R0VUIC8=\"" },
		{ B(""), ",\"data\":\"\",\"data_base64\":\"\"" },
		{ B("\x1b\x00\xff"),
		  ",\"data\":\"\\u001b\\u0000" FFFD "\",\"data_base64\":\"GwD/\"" },
	};
	struct obuf o = { 0 };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		obuf_reset(&o);
		json_bytes_field(&o, "data", v[i].in.p, v[i].in.n);
		expect_bytes("json_bytes_field", v[i].in, o.data, o.len, v[i].out);
	}
	obuf_free(&o);
}

static void test_hexdump(void)
{
	static const struct {
		struct bytes in;
		uint64_t base;
		int indent;
		const char *out;
	} v[] = {
		{ B(""), 0, 4, "" },
		{ B("GET / HTTP/1.1\r\n"), 0, 2,
		  "\n  00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|" },
		/* a short last line keeps the columns; controls and high bytes are dots */
		{ B("0123456789abcdef\x1b[2J\x7f\x80\xe2\x80\xae"), 0x10, 0,
		  "\n00000010  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|"
		  "\n00000020  1b 5b 32 4a 7f 80 e2 80  ae                       |.[2J.....|" },
		/* offsets past 4 GiB get more digits */
		{ B("A"), 0x123456789ULL, 0,
		  "\n123456789  41" "                                                " "|A|" },
	};
	struct obuf o = { 0 };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		obuf_reset(&o);
		hexdump_lines(&o, v[i].in.p, v[i].in.n, v[i].base, v[i].indent);
		expect_bytes("hexdump_lines", v[i].in, o.data, o.len, v[i].out);
	}
	obuf_free(&o);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: fixed seed, so a failure reproduces on every run. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/*
 * Uniform random bytes almost never form multi-byte UTF-8, so half the time
 * a fragment from this list is used instead: valid sequences of every
 * length, the escaped code points and their neighbours, and broken pieces.
 */
static const struct bytes fragments[] = {
	B("\xc3\xa9"), B("\xe2\x9c\x93"), B("\xf0\x9f\x98\x80"),
	B("\xc2\x80"), B("\xc2\x9b"), B("\xc2\x9f"), B("\xc2\xa0"),
	B("\xd8\x9c"), B("\xe2\x80\x8e"), B("\xe2\x80\xae"),
	B("\xe2\x80\xaf"), B("\xe2\x81\xa6"), B("\xe2\x81\xa9"),
	B("\xed\x9f\xbf"), B("\xed\xa0\x80"), B("\xef\xbf\xbd"),
	B("\xf4\x8f\xbf\xbf"), B("\xf4\x90\x80\x80"), B("\xc0\x80"),
	B("\xe0\x80\xaf"), B("\xe2\x82"), B("\xf0\x9f"), B("\\"),
	B("\\x41"), B("\\u{202e}"), B("\x1b["), B("\""), B("\r\n"),
	B("\t"), B("\0"), B("\x7f"), B("}"),
};

static size_t random_input(char *buf, size_t max)
{
	size_t len = (size_t)(rng() % (max + 1)), n = 0, k;
	const size_t nfrag = sizeof(fragments) / sizeof(fragments[0]);
	const struct bytes *f;

	while (n < len) {
		if (rng() & 1) {
			buf[n++] = (char)rng();
			continue;
		}
		f = &fragments[rng() % nfrag];
		/* Cut at the end: that makes truncated sequences too. */
		for (k = 0; k < f->n && n < len; k++)
			buf[n++] = f->p[k];
	}
	return len;
}

static bool no_raw_control(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

/* Check one input; returns false (after reporting) on the first violation. */
static bool check_properties(struct bytes in, struct obuf *o, struct obuf *u)
{
	obuf_reset(o);
	obuf_reset(u);
	escape_text(o, in.p, in.n);
	if (!no_raw_control(o->data, o->len) || !output_safe(o->data, o->len)) {
		expect_true(false, "escape_text output unsafe", in);
		return false;
	}
	if (!unescape_text(u, o->data, o->len) || u->len != in.n ||
	    (in.n && memcmp(u->data, in.p, in.n) != 0)) {
		expect_true(false, "escape_text does not round-trip", in);
		return false;
	}

	obuf_reset(o);
	json_string(o, in.p, in.n);
	if (!no_raw_control(o->data, o->len) || !output_safe(o->data, o->len)) {
		expect_true(false, "json_string output unsafe", in);
		return false;
	}

	if (utf8_valid(in.p, in.n) != ref_valid(in.p, in.n)) {
		expect_true(false, "utf8_valid disagrees with reference", in);
		return false;
	}
	return true;
}

static void test_properties(void)
{
	struct obuf o = { 0 }, u = { 0 };
	char buf[64];
	int i, bad = 0;

	for (i = 0; i < 100000 && bad < 10; i++) {
		struct bytes in = { buf, random_input(buf, sizeof(buf)) };

		if (!check_properties(in, &o, &u))
			bad++;
	}
	obuf_free(&o);
	obuf_free(&u);
}

/* The one byte @b alone among plain letters, in each form. */
static void lone_byte(unsigned char b, char *text, char *json)
{
	static const char hex[] = "0123456789abcdef";
	const char *t = NULL, *j = NULL;

	switch (b) {
	case '\t': t = "\\t"; j = "\\t"; break;
	case '\n': t = "\\n"; j = "\\n"; break;
	case '\r': t = "\\r"; j = "\\r"; break;
	case '\\': t = "\\\\"; j = "\\\\"; break;
	case '"': t = "\""; j = "\\\""; break;
	case '\b': j = "\\b"; break;
	case '\f': j = "\\f"; break;
	}
	if (t)
		strcpy(text, t);
	else if (b < 0x20 || b >= 0x7f)
		sprintf(text, "\\x%c%c", hex[b >> 4], hex[b & 15]);
	else
		sprintf(text, "%c", b);
	if (j)
		strcpy(json, j);
	else if (b >= 0x80)
		strcpy(json, "\xef\xbf\xbd");
	else if (b < 0x20 || b == 0x7f)
		sprintf(json, "\\u00%c%c", hex[b >> 4], hex[b & 15]);
	else
		sprintf(json, "%c", b);
}

/*
 * Plain ASCII is passed over a word (8 bytes) at a time: every byte value
 * at every place of the first three words, and at the end, must still be
 * seen, whichever lane of the word it is in.
 */
static void test_every_lane(void)
{
	struct obuf o = { 0 };

	for (unsigned int b = 0; b < 256; b++) {
		for (size_t at = 0; at < 24; at++) {
			char in[24], text[32], json[32], exp[64];
			struct bytes bi = { in, sizeof(in) };

			memset(in, 'a', sizeof(in));
			in[at] = (char)b;
			lone_byte((unsigned char)b, text, json);
			snprintf(exp, sizeof(exp), "%.*s%s%.*s", (int)at, in, text,
				 (int)(sizeof(in) - at - 1), in + at + 1);
			obuf_reset(&o);
			escape_text(&o, in, sizeof(in));
			expect_bytes("escape_text (lanes)", bi, o.data, o.len, exp);
			snprintf(exp, sizeof(exp), "\"%.*s%s%.*s\"", (int)at, in, json,
				 (int)(sizeof(in) - at - 1), in + at + 1);
			obuf_reset(&o);
			json_string(&o, in, sizeof(in));
			expect_bytes("json_string (lanes)", bi, o.data, o.len, exp);
			expect_true(utf8_valid(in, sizeof(in)) == (b < 0x80),
				    "utf8_valid (lanes)", bi);
		}
	}
	obuf_free(&o);
}

/*
 * text_plain() and utf8_valid() look at a string in pieces (16 bytes, words,
 * a short string read with what follows it and masked): every byte value at
 * every place of every length up to three pieces must still be seen, and
 * the bytes after the string (here not plain) never.
 */
#define PLAIN_MAX 40

static void test_plain_lengths(void)
{
	for (size_t n = 0; n <= PLAIN_MAX; n++) {
		for (size_t at = 0; at < (n ? n : 1); at++) {
			for (unsigned int b = 0; b < 256; b++) {
				char in[PLAIN_MAX + 16];
				struct bytes bi = { in, n };
				bool plain = b >= 0x20 && b < 0x7f && b != '"' && b != '\\';

				memset(in, 'a', n);
				memset(in + n, '\n', sizeof(in) - n);
				if (n)
					in[at] = (char)b;
				expect_true(text_plain(in, n) == (!n || plain),
					    "text_plain (lengths)", bi);
				expect_true(utf8_valid(in, n) == (!n || b < 0x80),
					    "utf8_valid (lengths)", bi);
				if (!n)
					break;
			}
		}
	}
}

/*
 * A string that ends where an unreadable page begins: read as it is, not
 * as 16 bytes (which would fault), at every length and with a bad byte at
 * every place.
 */
static void test_plain_page_end(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *end;

	expect_true(map != MAP_FAILED, "mmap for the page end", (struct bytes){ "", 0 });
	if (map == MAP_FAILED)
		return;
	expect_true(!mprotect(map + page, (size_t)page, PROT_NONE),
		    "mprotect of the page after", (struct bytes){ "", 0 });
	end = map + page;
	for (size_t n = 0; n <= PLAIN_MAX; n++) {
		char *in = end - n;
		struct bytes bi = { in, n };

		memset(in, 'a', n);
		expect_true(text_plain(in, n), "text_plain (page end)", bi);
		for (size_t at = 0; at < n; at++) {
			in[at] = '\x7f';
			expect_true(!text_plain(in, n), "text_plain (page end, bad)", bi);
			in[at] = 'a';
		}
	}
	munmap(map, 2 * (size_t)page);
}

int main(void)
{
	test_every_lane();
	test_plain_lengths();
	test_plain_page_end();
	test_esc_cases();
	test_appends();
	test_base64();
	test_string_field();
	test_bytes_field();
	test_hexdump();
	test_properties();
	if (failures) {
		fprintf(stderr, "test_escape: %d failure(s)\n", failures);
		return 1;
	}
	return 0;
}
