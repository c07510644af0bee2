// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark helper: the real GNU readline() called in a tight loop, its
 * keystrokes fed from memory, so readline() and readline_internal_teardown()
 * run once per line, as they do in an interactive bash.
 *
 *   readline_loop N
 *
 * Speaks rounds.h: each round is N readline() calls, BAD the empty lines.
 *
 * The process names itself "bash" (prctl), because libbpf-tools'
 * bashreadline only reports processes whose COMM is "bash".
 * Built with -lreadline; readline's terminal is /dev/null both ways, and
 * nothing is drawn, so a line costs a few microseconds, not tens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <readline/readline.h>

#include "rounds.h"

#define WARMUP 2000
/* every line typed is this, plus its number: short, like a command */
#define LINE_FMT "echo benchmark line %lu\n"

static char *keys;		/* all the keystrokes of one round */
static size_t nkeys, at;

/*
 * Nothing to draw on: /dev/null is the terminal. Without this readline
 * writes and flushes (a write(2)) per keystroke, and that noise would
 * drown what a probe costs.
 */
static void no_redisplay(void)
{
}

/* readline's input: the next keystroke of the round, EOF past the end */
static int mem_getc(FILE *stream)
{
	(void)stream;
	return at < nkeys ? (unsigned char)keys[at++] : EOF;
}

/* asked before each insert (typeahead): answered here, not by pselect(2) */
static int mem_available(void)
{
	return at < nkeys;
}

static void fill(unsigned long n)
{
	size_t cap = n * 40 + 1;

	free(keys);
	keys = malloc(cap);
	if (!keys) {
		perror("malloc");
		exit(1);
	}
	nkeys = 0;
	for (unsigned long i = 0; i < n; i++)
		nkeys += (size_t)snprintf(keys + nkeys, cap - nkeys, LINE_FMT, i);
	at = 0;
}

static unsigned long lines(unsigned long n)
{
	unsigned long empty = 0;

	for (unsigned long i = 0; i < n; i++) {
		char *line = readline("");

		if (!line || !*line)
			empty++;
		free(line);
	}
	return empty;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;

	if (n < 1 || n > 10000000UL) {
		fprintf(stderr, "usage: readline_loop N (1..1e7)\n");
		return 64;
	}
	prctl(PR_SET_NAME, "bash", 0, 0, 0);
	rl_instream = fopen("/dev/null", "r");
	rl_outstream = fopen("/dev/null", "w");
	if (!rl_instream || !rl_outstream) {
		perror("/dev/null");
		return 1;
	}
	rl_getc_function = mem_getc;
	rl_redisplay_function = no_redisplay;
	rl_input_available_hook = mem_available;
	/* as little else per call as possible: no signal handlers to swap */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	fill(WARMUP);
	if (lines(WARMUP)) {
		fprintf(stderr, "readline_loop: readline() returned no line\n");
		return 1;
	}
	/* fill() is kept out of the timed part */
	return serve_rounds(n, fill, lines);
}
