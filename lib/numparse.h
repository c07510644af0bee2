/* SPDX-License-Identifier: GPL-2.0-only */
/* Strict number parsing for options: all of the string, in range, or -EINVAL. */
#ifndef UTRACE_NUMPARSE_H
#define UTRACE_NUMPARSE_H

#include <stdint.h>

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_seconds(const char *s, double min, double max, double *out);
/* Bytes with an optional K/M/G suffix (powers of 1024). */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
