// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for lib/escape.c: whatever bytes come in, the terminal
 * and JSON forms must be valid UTF-8 without raw control characters, and
 * escape_text() must be reversible. Any violation aborts, which libFuzzer
 * reports as a crash with the input saved.
 *
 * The checks use the independent UTF-8 decoder of utf8_ref.h rather than
 * utf8_valid(), which is itself under test here.
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

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_escape: %s\n", why);
	abort();
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
