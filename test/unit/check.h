/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The unit tests' one check: it counts, says where a check failed and
 * what it saw, and goes on, so one run reports every failure.
 */
#ifndef UTRACE_TEST_CHECK_H
#define UTRACE_TEST_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...)						\
	do {								\
		checks++;						\
		if (!(cond)) {						\
			failures++;					\
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	} while (0)

/* main()'s exit code, after the summary line. */
static inline int check_summary(void)
{
	if (failures) {
		fprintf(stderr, "%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("ok: %d checks\n", checks);
	return 0;
}

#endif
