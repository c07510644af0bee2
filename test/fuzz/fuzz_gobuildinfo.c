// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for lib/gobuildinfo.c: the input bytes are a
 * .go.buildinfo section. Beyond not crashing, a version that comes out is
 * non-empty printable ASCII ending inside the output, and an error leaves
 * the output empty; a smaller output buffer gives the same version or
 * -ENAMETOOLONG, never a cut one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gobuildinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, int a)
{
	fprintf(stderr, "fuzz_gobuildinfo: %s (%d)\n", why, a);
	abort();
}

static void check_out(const char *out, size_t outlen, int err)
{
	const char *nul = memchr(out, 0, outlen);
	const char *p;

	if (!nul)
		fail("output not terminated", err);
	if (err) {
		if (nul != out)
			fail("output left on error", err);
		return;
	}
	if (nul == out)
		fail("empty version", 0);
	for (p = out; p < nul; p++)
		if (*p < 0x20 || *p > 0x7e)
			fail("unprintable byte in version", *p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char big[256], small[8];
	int err, err2;

	memset(big, 'z', sizeof(big));
	memset(small, 'z', sizeof(small));
	err = go_buildinfo_version(data, size, big, sizeof(big));
	check_out(big, sizeof(big), err);
	err2 = go_buildinfo_version(data, size, small, sizeof(small));
	check_out(small, sizeof(small), err2);
	if (err2 == -ENAMETOOLONG ? err && err != -ENAMETOOLONG : err2 != err)
		fail("output size changed the outcome", err2);
	if (!err2 && strcmp(big, small))
		fail("output size changed the version", 0);
	return 0;
}
