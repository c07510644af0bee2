// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd/readline_text.c: zsh's metafied lines come out as typed (every byte
 * zsh metafies: NUL, Meta, its token range; UTF-8 and Latin-1), without
 * zle's newline; long lines of both shells are cut at READLINE_MAX
 * between characters and marked; what was read whole is shown whole.
 */
#include <stdio.h>
#include <string.h>

#include "readline_tool.h"

static int failures, checks;

static void expect(const char *what, const char *got, size_t n, const char *want,
		   size_t wn, bool trunc, bool want_trunc)
{
	checks++;
	if (n != wn || memcmp(got, want, n) || trunc != want_trunc) {
		fprintf(stderr, "FAIL %s: %zu bytes%s, want %zu%s\n", what, n,
			trunc ? " (truncated)" : "", wn, want_trunc ? " (truncated)" : "");
		failures++;
	}
}

/* zsh's metafy(): what zle hands over for the bytes @s */
static size_t metafy(const unsigned char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == 0 || (s[i] >= 0x83 && s[i] <= 0xa2)) {
			out[o++] = (char)0x83;
			out[o++] = (char)(s[i] ^ 32);
		} else {
			out[o++] = (char)s[i];
		}
	}
	return o;
}

static char buf[READLINE_ZSH_CAP + 16];

static void zsh_round_trip(const char *what, const unsigned char *typed, size_t n)
{
	size_t m = metafy(typed, n, buf);
	bool trunc;

	buf[m++] = '\n';
	m = rl_shown(buf, m, READLINE_ZSH_CAP, true, &trunc);
	expect(what, buf, m, (const char *)typed, n, trunc, false);
}

int main(void)
{
	static const unsigned char every[] = {
		'e', 'c', 'h', 'o', ' ', 0x00, 0x80, 0x82, 0x83, 0x84, 0x9b, 0x9f,
		0xa0, 0xa1, 0xa2, 0xa3, 0xe9, 0xff, '\\', '\n', 'x',
	};
	static const char utf8[] = "echo h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80";
	static const char latin1[] = "echo \xe9t\xe9 \x83 \x9b \xa2 \xff";
	static unsigned char big[5000], cjk[6000];
	static char big2[12000];
	bool trunc;
	size_t n, m;

	/* plain zsh lines, and each byte zsh metafies */
	zsh_round_trip("utf-8", (const unsigned char *)utf8, sizeof(utf8) - 1);
	zsh_round_trip("latin-1", (const unsigned char *)latin1, sizeof(latin1) - 1);
	zsh_round_trip("every metafied byte", every, sizeof(every));

	/* only one newline goes: zle's; a typed one before it stays */
	strcpy(buf, "a\n\n");
	n = rl_shown(buf, 3, READLINE_ZSH_CAP, true, &trunc);
	expect("newline typed at the end", buf, n, "a\n", 2, trunc, false);

	/* a Meta whose byte was not read (the read was full) is dropped */
	memcpy(buf, "ab\x83", 3);
	expect("unmetafy, cut pair", buf, zsh_unmetafy(buf, 3), "ab", 2, false, false);

	/* bash: as typed; 4096 bytes whole, 4097 cut and marked */
	memset(big, 'y', sizeof(big));
	memcpy(buf, big, READLINE_MAX);
	n = rl_shown(buf, READLINE_MAX, READLINE_BASH_CAP, false, &trunc);
	expect("bash 4096", buf, n, (char *)big, READLINE_MAX, trunc, false);
	memcpy(buf, big, READLINE_MAX + 1);
	n = rl_shown(buf, READLINE_MAX + 1, READLINE_BASH_CAP, false, &trunc);
	expect("bash 4097", buf, n, (char *)big, READLINE_MAX, trunc, true);
	/* a read that filled the cap goes on, even if what was read is short */
	memcpy(buf, big, READLINE_BASH_CAP);
	n = rl_shown(buf, READLINE_BASH_CAP, READLINE_BASH_CAP, false, &trunc);
	expect("bash full read", buf, n, (char *)big, READLINE_MAX, trunc, true);

	/* bash: a character that straddles 4096 is left out whole */
	memcpy(big + 4095, "\xc3\xa9", 2);
	memcpy(buf, big, READLINE_BASH_CAP);
	n = rl_shown(buf, READLINE_BASH_CAP, READLINE_BASH_CAP, false, &trunc);
	expect("bash cut before e-acute", buf, n, (char *)big, 4095, trunc, true);

	/*
	 * zsh: 2000 characters U+10C3 (e1 83 83), both of whose continuation
	 * bytes zsh metafies: 6000 bytes typed, 10000 metafied, of which BPF
	 * reads 8200; cut at 4095 (a whole character).
	 */
	for (size_t i = 0; i < sizeof(cjk); i += 3)
		memcpy(cjk + i, "\xe1\x83\x83", 3);
	m = metafy(cjk, sizeof(cjk), big2);
	memcpy(buf, big2, READLINE_ZSH_CAP);
	if (m > READLINE_ZSH_CAP)
		m = READLINE_ZSH_CAP;	/* what BPF reads of it */
	n = rl_shown(buf, m, READLINE_ZSH_CAP, true, &trunc);
	expect("zsh long metafied line", buf, n, (char *)cjk, 4095, trunc, true);

	/* zsh: 4096 bytes typed, all metafied: 8192 read, shown whole */
	memset(cjk, 0x9b, READLINE_MAX);
	m = metafy(cjk, READLINE_MAX, buf);
	buf[m++] = '\n';
	n = rl_shown(buf, m, READLINE_ZSH_CAP, true, &trunc);
	expect("zsh 4096 metafied bytes", buf, n, (char *)cjk, READLINE_MAX, trunc, false);

	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
