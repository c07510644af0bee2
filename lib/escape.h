/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Escaping of untrusted bytes (typed lines, host names) for output.
 *
 * Whatever a traced user typed must never reach the operator's terminal as a
 * control sequence, and must never break a JSON parser.
 */
#ifndef UTRACE_ESCAPE_H
#define UTRACE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obuf.h"

/*
 * Append @src[0..n) to @o for a terminal: valid UTF-8 passes through
 * unchanged except that C0 controls, DEL, C1 controls (U+0080..U+009F) and
 * Unicode bidi controls are escaped; backslash is doubled so the escaping is
 * reversible. Forms: \t \n \r \\ \xNN (one per byte), \u{XXXX} for escaped
 * code points that are valid UTF-8 (C1 and bidi controls). Bytes that are
 * not valid UTF-8 are escaped one by one as \xNN.
 */
void escape_text(struct obuf *o, const char *src, size_t n);

/*
 * True when every byte of @src[0..n) is printable ASCII other than '"' and
 * '\\' (0x20..0x7e): text that both forms, terminal and JSON, copy as it is.
 */
bool text_plain(const char *src, size_t n);

/* True when @src[0..n) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool utf8_valid(const char *src, size_t n);

/*
 * Append @src[0..n) as a JSON string literal (with the quotes) per RFC 8259:
 * '"' and '\\' escaped, controls as \b \f \n \r \t or \u00XX, DEL and C1 and
 * bidi controls as \uXXXX, everything else valid UTF-8 verbatim. A byte that
 * is not valid UTF-8 becomes U+FFFD; callers that need the bytes back use
 * json_base64() next to it (see json_string_field()).
 */
void json_string(struct obuf *o, const char *src, size_t n);

/* Append @src[0..n) as a quoted standard base64 (RFC 4648, padded) string. */
void json_base64(struct obuf *o, const void *src, size_t n);

/*
 * Append `,"key":"value"`, and when @src is not valid UTF-8 also
 * `,"key_base64":"..."` carrying the exact bytes, so JSON output is lossless
 * while staying valid UTF-8 for every strict parser.
 */
void json_string_field(struct obuf *o, const char *key, const char *src, size_t n);

/*
 * Append `,"key":"readable","key_base64":"exact"` for a binary payload:
 * the readable form as json_string() writes it, and the exact bytes
 * always, so a consumer finds them in one place whatever they are.
 */
void json_bytes_field(struct obuf *o, const char *key, const char *src, size_t n);

/*
 * Append a hex dump of @src[0..n) for a terminal, 16 bytes a line, each
 * line starting with "\n" and @indent spaces:
 *   OFFSET  hh hh hh hh hh hh hh hh  hh hh hh hh hh hh hh hh  |printable.......|
 * OFFSET is @base + the byte's index, in hex (8 digits or more). Only
 * printable ASCII (0x20..0x7e) appears in the right-hand column, each
 * other byte as '.': nothing in it can act on a terminal.
 */
void hexdump_lines(struct obuf *o, const char *src, size_t n, uint64_t base,
		   int indent);

#endif
