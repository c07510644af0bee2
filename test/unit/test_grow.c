// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/grow.c: room as asked, doubling from the first size, the array kept
 * (contents and capacity) when the size would overflow.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

static int failures, checks;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok) {
		fprintf(stderr, "FAIL %s\n", what);
		failures++;
	}
}

int main(void)
{
	size_t cap = 0, n = 0;
	int *v = NULL, *nv;

	/* empty: the first size, however little is asked */
	v = grow_array(v, &cap, 1, sizeof(*v), 16);
	check(v && cap == 16, "first growth gives @first");
	/* within room: the same array, nothing changed */
	nv = grow_array(v, &cap, 16, sizeof(*v), 16);
	check(nv == v && cap == 16, "room enough: same array, same cap");
	/* one at a time, contents kept across each doubling */
	for (int i = 0; i < 1000; i++) {
		nv = grow_array(v, &cap, n + 1, sizeof(*v), 16);
		if (!nv)
			break;
		v = nv;
		v[n++] = i;
	}
	check(n == 1000 && cap == 1024, "1000 appends: cap 1024");
	for (int i = 0; i < 1000; i++)
		if (v[i] != i) {
			check(0, "contents kept across growth");
			break;
		}
	/* a jump: doubled until it holds @need */
	nv = grow_array(v, &cap, 5000, sizeof(*v), 16);
	check(nv && cap == 8192 && nv[999] == 999, "need 5000 from 1024: cap 8192");
	v = nv;
	/* overflow of the element count or the byte size: NULL, all kept */
	nv = grow_array(v, &cap, SIZE_MAX, sizeof(*v), 16);
	check(!nv && cap == 8192 && v[999] == 999, "SIZE_MAX elements: refused");
	nv = grow_array(v, &cap, SIZE_MAX / 2, sizeof(*v), 16);
	check(!nv && cap == 8192, "SIZE_MAX/2 ints: bytes overflow, refused");
	free(v);
	/* first 0 is taken as 1 */
	cap = 0;
	v = grow_array(NULL, &cap, 3, sizeof(*v), 0);
	check(v && cap == 4, "first 0: 1, 2, 4");
	free(v);
	if (failures) {
		fprintf(stderr, "%d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("ok: %d checks\n", checks);
	return 0;
}
