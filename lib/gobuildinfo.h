/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Go version a binary was built with, from its .go.buildinfo bytes
 * (what `go version FILE` prints). A tracer needs it because the Go ABI
 * moves: registers since 1.17, struct layouts from release to release.
 * Pure: bytes in, text out, no I/O.
 */
#ifndef UTRACE_GOBUILDINFO_H
#define UTRACE_GOBUILDINFO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copy the version ("go1.19.8") of the build info blob in @data[0..len)
 * into @out, NUL-terminated. @data is the .go.buildinfo section, or any
 * range that holds the blob at a 16-byte aligned offset (the linker aligns
 * it so; the first one found counts). Returns 0, or
 *   -ENOEXEC       no "\xff Go buildinf:" header at an aligned offset
 *   -ENOTSUP       the pre-1.18 format, which stores pointers to the
 *                  strings: following them needs the ELF segments, which
 *                  this pure reader does not have
 *   -EINVAL        truncated, or a version that is empty or not printable
 *                  ASCII (a hostile binary's text is never passed on)
 *   -ENAMETOOLONG  @outlen cannot hold it (@out is then "")
 */
int go_buildinfo_version(const uint8_t *data, size_t len, char *out,
			 size_t outlen);

#endif
