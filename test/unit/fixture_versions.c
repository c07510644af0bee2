// SPDX-License-Identifier: GPL-2.0-only
/*
 * A library with symbol versions, as glibc has them: fv_pick in two
 * versions (FV_1 kept for old binaries, FV_2 the default), fv_plain in
 * one. Built stripped: only .dynsym names them, with .gnu.version.
 */
__asm__(".symver fv_old, fv_pick@FV_1");
__asm__(".symver fv_new, fv_pick@@FV_2");

int fv_old(void);
int fv_new(void);
int fv_plain(void);

__attribute__((used)) int fv_old(void)
{
	return 1;
}

__attribute__((used)) int fv_new(void)
{
	return 2;
}

int fv_plain(void)
{
	return 3;
}
