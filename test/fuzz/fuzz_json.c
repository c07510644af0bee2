// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the JSON side of lib/escape.c. The input is split at
 * its first NUL into two values; they are written as one JSON line with
 * json_string_field(), and that line must pass a strict RFC 8259 parser
 * (UTF-8 only, no raw controls, no lone surrogates) and decode back to the
 * input: the text itself when it was valid UTF-8, else through _base64.
 * A second line uses the first value as a key, to check keys are escaped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "obuf.h"
#include "utf8_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, const struct obuf *line)
{
	fprintf(stderr, "fuzz_json: %s\n  line: %.*s\n", why,
		(int)line->len, line->data);
	abort();
}

/*
 * What a JSON reader should see for @p: the same text, with every byte
 * that is not part of a valid sequence replaced by U+FFFD. Returns whether
 * @p was valid UTF-8.
 */
static bool ref_replace(struct obuf *o, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	bool valid = true;
	size_t i, len;
	uint32_t cp;

	for (i = 0; i < n; i += len) {
		len = ref_decode(s + i, n - i, &cp);
		if (!len) {
			cp = 0xfffd;
			len = 1;
			valid = false;
		}
		put_utf8(o, cp);
	}
	return valid;
}

/* ---- a strict JSON reader, just enough for one object per line ---- */

struct reader {
	const unsigned char *p;
	size_t n, i;
};

#define MAX_FIELDS 8

/* A member; numbers are checked for syntax and then not kept. */
struct field {
	struct obuf key, val;
	bool is_string;
};

static void skip_ws(struct reader *r)
{
	while (r->i < r->n && (r->p[r->i] == ' ' || r->p[r->i] == '\t' ||
			       r->p[r->i] == '\n' || r->p[r->i] == '\r'))
		r->i++;
}

static bool eat(struct reader *r, char c)
{
	if (r->i >= r->n || r->p[r->i] != (unsigned char)c)
		return false;
	r->i++;
	return true;
}

static bool read_hex4(struct reader *r, uint32_t *v)
{
	size_t k;

	if (r->n - r->i < 4)
		return false;
	*v = 0;
	for (k = 0; k < 4; k++) {
		unsigned char c = r->p[r->i++];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10u;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10u;
		else
			return false;
	}
	return true;
}

/* After "\u": one code point, pairing surrogates; lone ones are rejected. */
static bool read_u_escape(struct reader *r, uint32_t *cp)
{
	uint32_t lo;

	if (!read_hex4(r, cp))
		return false;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return false;
	if (*cp < 0xd800 || *cp > 0xdbff)
		return true;
	if (!eat(r, '\\') || !eat(r, 'u') || !read_hex4(r, &lo) ||
	    lo < 0xdc00 || lo > 0xdfff)
		return false;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return true;
}

/* After a backslash inside a string. */
static bool read_escape(struct reader *r, struct obuf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	uint32_t cp;

	if (r->i >= r->n)
		return false;
	if (r->p[r->i] == 'u') {
		r->i++;
		if (!read_u_escape(r, &cp))
			return false;
		put_utf8(out, cp);
		return true;
	}
	e = memchr(from, r->p[r->i], sizeof(from) - 1);
	if (!e)
		return false;
	obuf_putc(out, to[e - from]);
	r->i++;
	return true;
}

/* A string literal, decoded into @out. */
static bool read_string(struct reader *r, struct obuf *out)
{
	size_t len;
	uint32_t cp;

	obuf_reset(out);
	if (!eat(r, '"'))
		return false;
	while (r->i < r->n) {
		unsigned char c = r->p[r->i];

		if (c == '"') {
			r->i++;
			return true;
		}
		if (c == '\\') {
			r->i++;
			if (!read_escape(r, out))
				return false;
			continue;
		}
		len = ref_decode(r->p + r->i, r->n - r->i, &cp);
		if (!len || cp < 0x20)
			return false;
		obuf_put(out, r->p + r->i, len);
		r->i += len;
	}
	return false;
}

static bool read_digits(struct reader *r)
{
	size_t start = r->i;

	while (r->i < r->n && r->p[r->i] >= '0' && r->p[r->i] <= '9')
		r->i++;
	return r->i > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool read_number(struct reader *r)
{
	eat(r, '-');
	if (!eat(r, '0')) {
		if (r->i >= r->n || r->p[r->i] < '1' || r->p[r->i] > '9')
			return false;
		read_digits(r);
	}
	if (eat(r, '.') && !read_digits(r))
		return false;
	if (eat(r, 'e') || eat(r, 'E')) {
		if (!eat(r, '+'))
			eat(r, '-');
		if (!read_digits(r))
			return false;
	}
	return true;
}

static bool read_member(struct reader *r, struct field *f)
{
	skip_ws(r);
	if (!read_string(r, &f->key))
		return false;
	skip_ws(r);
	if (!eat(r, ':'))
		return false;
	skip_ws(r);
	f->is_string = r->i < r->n && r->p[r->i] == '"';
	if (f->is_string ? !read_string(r, &f->val) : !read_number(r))
		return false;
	skip_ws(r);
	return true;
}

/* One object with string or number members, then "\n" and nothing else. */
static bool read_line(const struct obuf *line, struct field *f, size_t *nf)
{
	struct reader r = { (const unsigned char *)line->data, line->len, 0 };

	*nf = 0;
	skip_ws(&r);
	if (!eat(&r, '{'))
		return false;
	skip_ws(&r);
	if (!eat(&r, '}')) {
		do {
			if (*nf == MAX_FIELDS || !read_member(&r, &f[*nf]))
				return false;
			(*nf)++;
		} while (eat(&r, ','));
		if (!eat(&r, '}'))
			return false;
	}
	/* JSON Lines: a newline ends the record, so none may come before. */
	return eat(&r, '\n') && r.i == r.n &&
	       !memchr(line->data, '\n', line->len - 1);
}

/* ---- checks on what the reader decoded ---- */

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64: padded, canonical (unused bits zero). */
static bool b64_decode(const struct obuf *in, struct obuf *out)
{
	const unsigned char *s = (const unsigned char *)in->data;
	size_t i, k, pad = 0;
	uint32_t v;

	obuf_reset(out);
	if (in->len % 4)
		return false;
	if (in->len && s[in->len - 1] == '=')
		pad = s[in->len - 2] == '=' ? 2 : 1;
	for (i = 0; i < in->len; i += 4) {
		bool last = i + 4 == in->len;
		int d;

		for (v = 0, k = 0; k < 4; k++) {
			d = last && k >= 4 - pad ? 0 : b64val(s[i + k]);
			if (d < 0)
				return false;
			v = v << 6 | (uint32_t)d;
		}
		for (k = 0; k < 3 - (last ? pad : 0); k++)
			obuf_putc(out, (char)(v >> (16 - 8 * k)));
		if (last && pad && (v & ((1u << (8 * pad)) - 1)))
			return false;
	}
	return true;
}

static bool buf_eq(const struct obuf *o, const char *p, size_t n)
{
	return o->len == n && (!n || !memcmp(o->data, p, n));
}

static const struct field *find(const struct field *f, size_t nf,
				const char *key)
{
	size_t i;

	for (i = 0; i < nf; i++)
		if (buf_eq(&f[i].key, key, strlen(key)))
			return &f[i];
	return NULL;
}

/*
 * Field @key must decode to the input with bad bytes as U+FFFD, and
 * @key_base64 must exist exactly when the input was not valid UTF-8 and
 * then hold the exact bytes.
 */
static void check_field(const struct field *f, size_t nf, const char *key,
			const char *p, size_t n, const struct obuf *line)
{
	static struct obuf want, raw;
	const struct field *v, *b;
	char b64key[32];
	bool valid;

	snprintf(b64key, sizeof(b64key), "%s_base64", key);
	v = find(f, nf, key);
	b = find(f, nf, b64key);
	obuf_reset(&want);
	valid = ref_replace(&want, p, n);
	if (!v || !v->is_string || !buf_eq(&v->val, want.data, want.len))
		fail("value does not decode to the input", line);
	if (valid != !b)
		fail("_base64 present iff invalid UTF-8 violated", line);
	if (!b)
		return;
	if (!b->is_string || !b64_decode(&b->val, &raw) ||
	    !buf_eq(&raw, p, n))
		fail("_base64 does not decode to the input", line);
}

static struct field fields[MAX_FIELDS];

/* {"seq":1,"a":A,"b":B} with A and B the two halves of the input. */
static void check_values(const char *a, size_t na, const char *b, size_t nb)
{
	static struct obuf line;
	size_t nf;

	obuf_reset(&line);
	obuf_puts(&line, "{\"seq\":1");
	json_string_field(&line, "a", a, na);
	json_string_field(&line, "b", b, nb);
	obuf_puts(&line, "}\n");
	if (!read_line(&line, fields, &nf))
		fail("not a strict JSON object line", &line);
	check_field(fields, nf, "a", a, na, &line);
	check_field(fields, nf, "b", b, nb, &line);
}

/* {"seq":2,A:B}: the first half as a key (it holds no NUL, by the split). */
static void check_key(const char *a, size_t na, const char *b, size_t nb)
{
	static struct obuf line, key, want;
	size_t nf;

	obuf_reset(&key);
	obuf_put(&key, a, na);
	obuf_reset(&line);
	obuf_puts(&line, "{\"seq\":2");
	json_string_field(&line, key.data, b, nb);
	obuf_puts(&line, "}\n");
	if (!read_line(&line, fields, &nf))
		fail("not a strict JSON object line (input as key)", &line);
	obuf_reset(&want);
	ref_replace(&want, a, na);
	if (nf < 2 || !buf_eq(&fields[1].key, want.data, want.len))
		fail("key does not decode to the input", &line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = size ? (const char *)data : "";
	const char *nul = memchr(in, '\0', size);
	size_t na = nul ? (size_t)(nul - in) : size;
	const char *b = nul ? nul + 1 : in + size;
	size_t nb = size - na - (nul ? 1 : 0);

	check_values(in, na, b, nb);
	check_key(in, na, b, nb);
	return 0;
}
