// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared library fixture for test_elf: a few functions whose file offsets
 * the test looks up and checks against the code the dynamic loader mapped.
 * The bodies differ so that the first bytes of each function are unique,
 * which is what makes a byte comparison prove the offset is right.
 */

int utrace_fixture_alpha(int x);
int utrace_fixture_beta(void);
void *utrace_fixture_local_addr(void);

/*
 * Local (static) function: only .symtab names it, never .dynsym. Its
 * address is taken below, so the compiler keeps it under this exact name
 * even when it also makes specialised clones; noinline keeps a body.
 */
__attribute__((noinline)) static int utrace_fixture_local(int x)
{
	return x * 7 - 3;
}

int utrace_fixture_alpha(int x)
{
	return utrace_fixture_local(x) + 11;
}

int utrace_fixture_beta(void)
{
	return 0x5eed;
}

/* Lets the test reach the static function in memory without dlsym(). */
void *utrace_fixture_local_addr(void)
{
	return (void *)utrace_fixture_local;
}
