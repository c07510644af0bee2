/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * utrace readline's parts: the tool (readline.c), where its probes go
 * (readline_attach.c), events made into rows (readline_rows.c) and the
 * bytes a line shows (readline_text.c).
 */
#ifndef UTRACE_READLINE_TOOL_H
#define UTRACE_READLINE_TOOL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "readline.h"
#include "utrace.h"

#define RL_MAX_PATHS 16

/* How a command ended, for -S (rl_row.end). */
enum rl_end {
	RL_END_NONE,		/* no -S: the row is printed at Enter */
	RL_END_PROMPT,		/* back at the prompt: status is $? */
	RL_END_EXIT,		/* the shell exited: status is its exit code */
	RL_END_EXEC,		/* the shell exec()ed another program */
	RL_END_KILLED,		/* the shell was killed: status is the signal */
	RL_END_CONTINUED,	/* the command goes on in the next row */
	RL_END_RUNNING,		/* still running when the trace ended */
	RL_END_UNKNOWN,		/* the shell cannot say, or its word was lost */
};

/* One row: what the columns' getters see (utrace_emit()). */
struct rl_row {
	struct event_hdr hdr;	/* the line's: TIME is when Enter was pressed */
	char *text;
	size_t len;
	bool truncated;
	unsigned int shell;	/* READLINE_BASH, ... */
	enum rl_end end;
	int64_t status;
	uint64_t dur_ns;	/* Enter to the command's end */
};

/* A shell whose last lines wait for their command's outcome (-S). */
struct rl_shell {
	pid_t pid;
	struct rl_row *rows;	/* each with its own copy of the text */
	size_t n, cap;
	bool cut;		/* -c: lines of this command were not taken */
};

struct readline {
	const char *paths[RL_MAX_PATHS];	/* -s */
	int npaths;
	bool status;				/* -S */

	/* zle.so: a target of its own, its host copy found at start */
	struct utrace_target zle;
	char zle_host[PATH_MAX];
	const char *zle_hosts[2];

	/* -S: the lines waiting for their outcome, per shell */
	struct rl_shell *shells;
	size_t nshells, capshells;
	size_t pending_bytes;
	uint64_t taken;				/* lines made rows, for -c */
	char text[READLINE_ZSH_CAP + 1];	/* a line being decoded */
};

/* readline_attach.c: the targets' attach() callbacks */
int rl_attach_bash(struct utrace_session *s, const struct utrace_target *t,
		   struct tfile *f, pid_t pid);
int rl_attach_lib(struct utrace_session *s, const struct utrace_target *t,
		  struct tfile *f, pid_t pid);
int rl_attach_zsh(struct utrace_session *s, const struct utrace_target *t,
		  struct tfile *f, pid_t pid);
int rl_attach_zle(struct utrace_session *s, const struct utrace_target *t,
		  struct tfile *f, pid_t pid);
/* The zle.so module of the zsh binary at @zsh, into @out; 0 or -errno. */
int rl_zle_of(const char *zsh, char *out, size_t len);

/* readline_rows.c */
extern const struct utrace_column rl_columns[];
void rl_event(struct utrace_session *s, const struct event_hdr *e, size_t size);
void rl_finish(struct utrace_session *s);
void rl_cleanup(struct utrace_session *s);

/* readline_text.c */
/* zsh's metafied text made plain, in place; the new length. */
size_t zsh_unmetafy(char *s, size_t n);
/*
 * The bytes a line read (@n bytes at @s, at most @cap were read) shows,
 * in place: zsh's un-metafied and without its newline, cut at
 * READLINE_MAX between characters (*@truncated then).
 */
size_t rl_shown(char *s, size_t n, size_t cap, bool zsh, bool *truncated);

#endif
