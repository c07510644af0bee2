/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * utrace funclat's SPECs: the targets they become, what attach() finds
 * in each file, and what could not be found (specs.c). The state of the
 * tool, shared with cmd/funclat.c, which prints what the probes count.
 */
#ifndef UTRACE_FUNCLAT_SPECS_H
#define UTRACE_FUNCLAT_SPECS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "funcspec.h"
#include "functable.h"
#include "histogram.h"
#include "utrace.h"

/* Two targets per FILE at most, and the core keeps one of its own. */
#define MAX_SPECS 30
#define MAX_HOSTS 6

/* Why a file found for a SPEC gave it no function (the first one seen). */
enum miss {
	MISS_NONE,
	MISS_NO_MATCH,		/* FUNC matches none of its functions */
	MISS_GO,		/* a Go binary */
	MISS_UNSAFE,		/* named a function a return probe harms */
	MISS_IFUNC,		/* named an IFUNC whose target is unknown */
	MISS_FULL,		/* FUNCLAT_MAX_FUNCS reached */
	MISS_SYMBOLS,		/* its symbols could not be read */
	MISS_OTHER_PROG,	/* -p: the process runs another program */
	MISS_INSN,		/* the kernel cannot probe its first instruction */
	MISS_NO_RET,		/* timed at its RETs, and none was found */
};

struct spec {
	const char *arg;		/* as given */
	int index;
	struct funcspec fs;
	struct group *group;		/* the SPECs of its FILE */
	/* what was found (started() says what was not) */
	unsigned long found;		/* files with a match */
	enum miss miss;
	char miss_file[PATH_MAX];
	char miss_detail[1024];
	pid_t miss_pid;
	size_t nmatch;			/* in the file being attached */
};

/*
 * The SPECs of one FILE (c:malloc c:free): one pair of targets, so that
 * every function of a file goes into one link per direction, whichever
 * SPEC named it.
 */
struct group {
	const struct funcspec *fs;	/* FILE's kind and names: the first SPEC's */
	struct spec *specs[MAX_SPECS];
	int nspecs;
	struct utrace_target lib, exe;	/* exe: programs (PROG:, :FUNC) */
	/* host copies: of the library (or the path), of the program */
	const char *lib_host[MAX_HOSTS + 1], *exe_host[2];
	char hostbuf[MAX_HOSTS + 1][PATH_MAX];
	int nhosts;
	const char *names[2];		/* PATH: the file's base name */
	char base[NAME_MAX + 1];
	dev_t dev;			/* PATH: the file's identity */
	ino_t ino;
};

/* The SPECs live here, never copied: their name lists point into them. */
struct funclat {
	struct spec specs[MAX_SPECS];
	int nspecs;
	struct group groups[MAX_SPECS];
	int ngroups;
	bool rows;			/* -m given */
	uint64_t min_ns;
	uint64_t interval_ns;
	uint64_t unit_ns;		/* histogram buckets: 1, 1000, 1000000 */
	bool unit_given;
	struct functable funcs;
	struct utrace_hist h;
	int nested_fd;
	uint64_t *nested_shown;		/* FUNCLAT_MAX_FUNCS each */
	uint64_t *nested_delta;
	bool full_said;
	bool pid_found[UTRACE_MAX_PIDS];	/* -p: something traced in it */
};

/*
 * prepare(): the SPECs grouped by FILE, each group's targets added (a
 * path checked now). Returns an exit code, the error said.
 */
int specs_make_targets(struct utrace_session *s);

/*
 * started(): each SPEC found somewhere, each -p process given something,
 * or the first miss said. Returns an exit code.
 */
int specs_check_found(struct utrace_session *s);

#endif
