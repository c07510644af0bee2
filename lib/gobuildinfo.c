// SPDX-License-Identifier: GPL-2.0-only
/*
 * Go build info, the part we need: the version string.
 *
 * The blob (cmd/link/internal/ld/data.go, debug/buildinfo) is 32 bytes of
 * header, 16-byte aligned: the 14-byte magic "\xff Go buildinf:", the
 * pointer size, and a flags byte (bit 0 big-endian, bit 1 strings inline).
 * Since Go 1.18 the strings follow inline, each a uvarint length and its
 * bytes: the version first, then the module info. Before, the header held
 * the addresses of two Go string headers instead.
 */
#include "gobuildinfo.h"

#include <errno.h>
#include <string.h>

#define BI_MAGIC	"\xff Go buildinf:"
#define BI_MAGIC_LEN	14
#define BI_ALIGN	16
#define BI_HDR		32
#define BI_INLINE	0x2
#define UVARINT_MAX	10	/* bytes of a 64-bit LEB128 number */

/* Offset of the first aligned header in @data, or -1. */
static long find_header(const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; len >= BI_HDR && i <= len - BI_HDR; i += BI_ALIGN)
		if (!memcmp(data + i, BI_MAGIC, BI_MAGIC_LEN))
			return (long)i;
	return -1;
}

/* Little-endian base-128 as Go's binary.Uvarint: bytes used, or 0. */
static size_t get_uvarint(const uint8_t *p, size_t len, uint64_t *v)
{
	unsigned int shift = 0;
	size_t i;

	*v = 0;
	for (i = 0; i < len && i < UVARINT_MAX; i++, shift += 7) {
		/* the tenth byte may only hold the top bit of 64 */
		if (i == UVARINT_MAX - 1 && p[i] > 1)
			return 0;
		*v |= (uint64_t)(p[i] & 0x7f) << shift;
		if (!(p[i] & 0x80))
			return i + 1;
	}
	return 0;
}

static int printable(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return n > 0;
}

int go_buildinfo_version(const uint8_t *data, size_t len, char *out,
			 size_t outlen)
{
	const uint8_t *p;
	size_t used, rest;
	uint64_t n;
	long at;

	if (!data || !out || !outlen)
		return -EINVAL;
	out[0] = '\0';
	at = find_header(data, len);
	if (at < 0)
		return -ENOEXEC;
	p = data + at;
	if (p[BI_MAGIC_LEN] != 4 && p[BI_MAGIC_LEN] != 8)
		return -ENOEXEC;
	if (!(p[BI_MAGIC_LEN + 1] & BI_INLINE))
		return -ENOTSUP;
	rest = len - (size_t)at - BI_HDR;
	p += BI_HDR;
	used = get_uvarint(p, rest, &n);
	if (!used || n > rest - used || !printable(p + used, (size_t)n))
		return -EINVAL;
	if (n >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, p + used, (size_t)n);
	out[n] = '\0';
	return 0;
}
