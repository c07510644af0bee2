// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bytes a line shows. bash's lines are as typed. zsh keeps text
 * "metafied" (Src/utils.c metafy()): NUL, Meta itself (0x83) and the
 * bytes zsh uses as tokens (0x84 to 0xa2) are stored as Meta followed by
 * the byte XOR 32, and zle hands the line over with its newline. Both are
 * undone here, so UTF-8 and Latin-1 come out exactly as typed.
 */
#include "readline_tool.h"
#include "utf8cut.h"

#define ZSH_META 0x83

size_t zsh_unmetafy(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] != ZSH_META) {
			s[o++] = s[i];
			continue;
		}
		if (i + 1 == n)
			break;		/* the pair was cut: its byte was not read */
		s[o++] = (char)(s[++i] ^ 32);
	}
	return o;
}

size_t rl_shown(char *s, size_t n, size_t cap, bool zsh, bool *truncated)
{
	bool whole = n < cap;	/* else the line may go on */

	if (zsh) {
		n = zsh_unmetafy(s, n);
		if (whole && n && s[n - 1] == '\n')
			n--;
	}
	/* cap is more than READLINE_MAX: a line read whole may still be long */
	*truncated = n > READLINE_MAX || !whole;
	if (*truncated)
		n = utf8_cut(s, n, READLINE_MAX);
	return n;
}
