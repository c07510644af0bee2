/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a text that is too long may be cut: never inside a UTF-8
 * character, so the part shown ends with whole characters.
 */
#ifndef UTRACE_UTF8CUT_H
#define UTRACE_UTF8CUT_H

#include <stddef.h>

/*
 * How many of the @n bytes at @s to keep to show at most @max: @n when it
 * fits, else @max, moved back to the start of a UTF-8 character that
 * would straddle the cut (by at most 3 bytes). Bytes that are not UTF-8
 * (Latin-1, binary) are cut at @max exactly.
 */
size_t utf8_cut(const char *s, size_t n, size_t max);

#endif
