// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program whose readline lives in libreadline.so, not in itself: reads
 * lines at the prompt "rlprog> " and echoes each as "got: LINE". Built by
 * test_hardening.py at test time with -lreadline (libreadline-dev).
 */
#include <stdio.h>
#include <stdlib.h>

#include <readline/readline.h>

int main(void)
{
	char *line;

	setvbuf(stdout, NULL, _IONBF, 0);
	while ((line = readline("rlprog> "))) {
		printf("got: %s\n", line);
		free(line);
	}
	return 0;
}
