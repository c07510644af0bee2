// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for lib/gobuildinfo.c.
 *
 * Usage: test_gobuildinfo [GOVERSION BINARY...]
 *
 * Blobs built here in the 1.18+ inline format and the older pointer one,
 * at aligned and unaligned offsets, truncated and with hostile strings.
 * With arguments (meson passes them when Go is installed), the version in
 * each BINARY's .go.buildinfo must be GOVERSION (`go env GOVERSION`).
 * Exits 1 if any check failed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gobuildinfo.h"
#include "go_fixture.h"
#include "check.h"



#define BLOB_MAX 1024

struct blob {
	uint8_t b[BLOB_MAX];
	size_t len;
};

static void put_uvarint(struct blob *bl, uint64_t v)
{
	do {
		bl->b[bl->len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

/* A blob at offset @at (junk before it), as the Go 1.18+ linker writes it. */
static void build(struct blob *bl, size_t at, uint8_t flags, const char *vers,
		  const char *mod)
{
	memset(bl, 0xaa, sizeof(*bl));
	memcpy(bl->b + at, "\xff Go buildinf:", 14);
	bl->b[at + 14] = 8;
	bl->b[at + 15] = flags;
	memset(bl->b + at + 16, 0, 16);
	bl->len = at + 32;
	put_uvarint(bl, strlen(vers));
	memcpy(bl->b + bl->len, vers, strlen(vers));
	bl->len += strlen(vers);
	put_uvarint(bl, strlen(mod));
	memcpy(bl->b + bl->len, mod, strlen(mod));
	bl->len += strlen(mod);
}

static void expect(const struct blob *bl, size_t len, size_t outlen, int want,
		   const char *want_vers, const char *what)
{
	char out[256];
	int err;

	memset(out, 'z', sizeof(out));
	err = go_buildinfo_version(bl->b, len, out, outlen);
	CHECK(err == want, "%s: %d, expected %d", what, err, want);
	if (!err)
		CHECK(!strcmp(out, want_vers), "%s: \"%s\"", what, out);
	else
		CHECK(out[0] == '\0', "%s: output not emptied on error", what);
}

static void test_built(void)
{
	char long_vers[201];
	struct blob bl;
	size_t len;

	build(&bl, 0, 2, "go1.19.8", "path\tcommand-line-arguments\n");
	expect(&bl, bl.len, 256, 0, "go1.19.8", "inline");
	expect(&bl, bl.len, 9, 0, "go1.19.8", "exact fit");
	expect(&bl, bl.len, 8, -ENAMETOOLONG, NULL, "one short");
	/* the big-endian flag does not change inline strings */
	build(&bl, 0, 3, "go1.21.0", "");
	expect(&bl, bl.len, 256, 0, "go1.21.0", "big-endian inline");
	/* found after junk at an aligned offset (a whole .data, say) */
	build(&bl, 64, 2, "go1.20.1", "");
	expect(&bl, bl.len, 256, 0, "go1.20.1", "at offset 64");
	build(&bl, 8, 2, "go1.20.1", "");
	expect(&bl, bl.len, 256, -ENOEXEC, NULL, "unaligned only");

	/* a version longer than 127 bytes has a two-byte length */
	memset(long_vers, 'v', 200);
	long_vers[200] = '\0';
	build(&bl, 0, 2, long_vers, "");
	expect(&bl, bl.len, 256, 0, long_vers, "two-byte length");

	/* before 1.18: pointers to string headers elsewhere */
	build(&bl, 0, 0, "go1.17", "");
	expect(&bl, bl.len, 256, -ENOTSUP, NULL, "pointer format");

	/* not a blob, or cut short */
	build(&bl, 0, 2, "go1.19.8", "");
	bl.b[1] = 'g';
	expect(&bl, bl.len, 256, -ENOEXEC, NULL, "bad magic");
	build(&bl, 0, 2, "go1.19.8", "");
	bl.b[14] = 2;
	expect(&bl, bl.len, 256, -ENOEXEC, NULL, "pointer size 2");
	build(&bl, 0, 2, "go1.19.8", "");
	for (len = 0; len < 32; len++)
		expect(&bl, len, 256, -ENOEXEC, NULL, "short header");
	for (len = 32; len < 32 + 1 + 8; len++)
		expect(&bl, len, 256, -EINVAL, NULL, "truncated version");
	expect(&bl, 32 + 1 + 8, 256, 0, "go1.19.8", "just the version");

	/* hostile strings never come out */
	build(&bl, 0, 2, "go1.19\x1b[2J", "");
	expect(&bl, bl.len, 256, -EINVAL, NULL, "escape in version");
	build(&bl, 0, 2, "go1.19\xc3\xa9", "");
	expect(&bl, bl.len, 256, -EINVAL, NULL, "non-ASCII version");
	build(&bl, 0, 2, "", "mod");
	expect(&bl, bl.len, 256, -EINVAL, NULL, "empty version");
	/* a length of 2^64-1 in ten bytes, and one that needs eleven */
	build(&bl, 0, 2, "x", "");
	memset(bl.b + 32, 0xff, 9);
	bl.b[41] = 0x01;
	expect(&bl, 64, 256, -EINVAL, NULL, "huge length");
	memset(bl.b + 32, 0xff, 10);
	bl.b[42] = 0x01;
	expect(&bl, 64, 256, -EINVAL, NULL, "overlong length");

	CHECK(go_buildinfo_version(NULL, 10, long_vers, 10) == -EINVAL,
	      "NULL data");
	CHECK(go_buildinfo_version(bl.b, bl.len, long_vers, 0) == -EINVAL,
	      "no room at all");
}

static void test_real(const char *want, const char *path)
{
	struct gosect s;
	struct gofile f;
	char out[64];
	int err;

	if (gofile_read(path, &f) || gofile_section(&f, ".go.buildinfo", &s)) {
		CHECK(0, "%s: no .go.buildinfo", path);
		gofile_free(&f);
		return;
	}
	err = go_buildinfo_version(s.data, s.size, out, sizeof(out));
	CHECK(!err && !strcmp(out, want), "%s: %d \"%s\", expected \"%s\"",
	      path, err, err ? "" : out, want);
	gofile_free(&f);
}

int main(int argc, char **argv)
{
	int i;

	test_built();
	if (argc < 3)
		printf("no Go binaries given: built blobs only\n");
	for (i = 2; i < argc; i++)
		test_real(argv[1], argv[i]);
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
