/* SPDX-License-Identifier: GPL-2.0-only */
/* The core's private state and the functions its files share. */
#ifndef UTRACE_CORE_H
#define UTRACE_CORE_H

#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "procscan.h"
#include "utrace.h"

struct bpf_link;
struct bpf_program;
struct ring_buffer;

struct probe_link {
	dev_t dev;
	ino_t ino;
	char *symbol;		/* what was asked for: the dedup key */
	pid_t pid;
	bool retprobe;
	const struct bpf_program *prog;
	struct bpf_link *link;	/* a perf-event link, or */
	int fd;			/* a uprobe_multi link; -1 if none */
};

struct utrace_core {
	struct probe_link *links;
	size_t nlinks, caplinks;
	struct ring_buffer *rb;
	bool multi;		/* attach with uprobe_multi links */
	struct wallclock clock;
	struct procscan scan;
	uint64_t printed;
	bool stop;		/* --count reached or the reader left */
	bool epipe;
	int write_error;
};

/* options.c */
int options_parse(struct utrace_session *s, int argc, char **argv);

/* output.c */
void output_header(struct utrace_session *s);
void output_event(struct utrace_session *s, const struct event_hdr *e,
		  size_t size);
/* Write s->out to stdout; false when output can no longer be written. */
bool output_flush(struct utrace_session *s);

/* attach.c */
void attach_prepare(struct utrace_session *s);
void attach_detach_all(struct utrace_session *s);

/* privilege.c: 0, or -EPERM with @missing naming what is lacking. */
int privilege_check(char *missing, size_t len);

/* targets.c: check -p PIDs before anything loads; returns an exit code. */
int targets_check(struct utrace_session *s);
/* With -p: true once every process named has exited. */
bool targets_gone(const struct utrace_session *s);

#endif
