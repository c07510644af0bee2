// SPDX-License-Identifier: GPL-2.0-only
/*
 * Program fixture for test_elf: linked against the fixture library so that
 * it carries DT_NEEDED for it (and for libc.so.6) and a run path, which the
 * test resolves with elf_for_each_needed() and elf_find_library().
 */
#include <stdio.h>

int utrace_fixture_alpha(int x);
int utrace_fixture_beta(void);

int main(int argc, char **argv)
{
	(void)argv;
	printf("%d %d\n", utrace_fixture_alpha(argc), utrace_fixture_beta());
	return 0;
}
