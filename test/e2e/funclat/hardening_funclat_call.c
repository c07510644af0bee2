// SPDX-License-Identifier: GPL-2.0-only
/*
 * hardening_funclat_call LIB HEXNAME...: dlopen LIB, print "ready", wait
 * for a line, then call each function (named by the hex of its bytes:
 * names with control characters and invalid UTF-8) three times.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	void (*fns[16])(void);
	char name[256], line[16];
	void *h;

	if (argc < 3 || argc > 18)
		return 2;
	h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		size_t n = strlen(argv[i]) / 2;

		for (size_t j = 0; j < n && j < sizeof(name) - 1; j++)
			sscanf(argv[i] + 2 * j, "%2hhx", &name[j]);
		name[n < sizeof(name) - 1 ? n : sizeof(name) - 1] = '\0';
		*(void **)&fns[i - 2] = dlsym(h, name);
		if (!fns[i - 2]) {
			fprintf(stderr, "no %s\n", argv[i]);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int k = 0; k < 3; k++)
		for (int i = 2; i < argc; i++)
			fns[i - 2]();
	return 0;
}
