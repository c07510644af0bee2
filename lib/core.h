/* SPDX-License-Identifier: GPL-2.0-only */
/* The core's private state and the functions its files share. */
#ifndef UTRACE_CORE_H
#define UTRACE_CORE_H

#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "procscan.h"
#include "tfile.h"
#include "utrace.h"
#include "uprobe_warm.h"

struct bpf_link;
struct bpf_program;
struct ringbufs;
struct containers;
struct metrics;
struct utrace_hist;

/* One kernel link: a program at some offsets of a file, for a process. */
struct plink {
	struct tfile *file;
	const struct bpf_program *prog;	/* a pair's session program: both ways */
	bool ret;
	pid_t pid;		/* -1: every process */
	uint64_t *offsets;
	size_t n;
	int fd;			/* a uprobe_multi link, or -1 */
	struct bpf_link **perf;	/* else one perf-event link per offset */
};

/* Probes asked for and not yet attached (see probes_commit()). */
struct probe_req {
	struct tfile *file;
	const struct bpf_program *prog;
	bool ret;
	bool at_ret;		/* a plain probe on a RET (UTRACE_AT_RETS) */
	pid_t pid;
	uint64_t offset, cookie;
};

struct tp_link {
	struct bpf_link *link;
	const struct bpf_program *prog;
};

/* A process to look at again once its dynamic loader has had time to work. */
struct later_look {
	pid_t pid;
	uint64_t due_ns;
};

/* A watched directory: a file replaced in it is traced before its first use. */
struct dir_watch {
	int wd;
	char *dir;
};

struct utrace_core {
	/* targets: the tool's, those made from arguments, and the core's own */
	const struct utrace_target *targets[UTRACE_MAX_TARGETS];
	bool internal[UTRACE_MAX_TARGETS];	/* the core's: not the tool's */
	int ntargets;
	struct tfiles files;
	ino_t mntns;			/* our mount namespace */

	/* probes */
	struct plink *links;
	size_t nlinks, caplinks;
	struct probe_req *reqs;
	size_t nreqs, capreqs;
	size_t nprobes;			/* offsets attached, all links */
	bool multi;			/* attach with uprobe_multi links */
	bool session;			/* ... and pairs with session ones */
	struct uprobe_warm warm;	/* the first registration's wait, early */
	uint64_t xol;			/* the uprobe trampoline told to BPF */
	struct tp_link *tps;		/* tracepoint links, owned here too */
	size_t ntps;
	struct bpf_object *lazy;	/* the tool's lazy_progs, once one is named */
	int lazy_err;			/* their load failed: -errno */
	uint64_t lazy_want;		/* which of them (by index) the tool wants */

	/* discovery */
	struct procscan scan;
	bool rescan;			/* no exec tracepoint: look at /proc every second */
	pid_t *todo;			/* processes to look at after this batch */
	size_t ntodo, captodo;
	struct later_look *later;	/* ... and a little later */
	size_t nlater, caplater;
	int inotify_fd;
	struct dir_watch *dirs;
	size_t ndirs;

	/* events and output */
	struct ringbufs *rb;		/* events and utrace_procs: ringbuf.c */
	struct wallclock clock;
	uint64_t printed;
	bool stop;		/* --count reached or the reader left */
	bool epipe;
	bool stop_output;	/* a stop signal came while the reader stalled */
	int write_error;

	/* fleet use */
	struct containers *containers;	/* -C, --in-container: container.c */
	struct metrics *metrics;	/* --metrics, --metrics-file: metrics.c */
	struct utrace_hist *hist;	/* the tool's histograms (hist_open()) */
	uint64_t hist_unit_ns;		/* their unit (hist_configure()) */
	bool hist_by_cgroup;		/* per cgroup too (hist_configure_core()) */
};

/* lazyprog.c: the tool's lazy_progs, loaded when a probe first names one */
void lazy_prepare(struct utrace_session *s);		/* before the load */
/*
 * @p, or if it is lazy the same program of the second object, loaded now
 * if it is not yet; NULL and *@err (-errno) if that load failed.
 */
const struct bpf_program *lazy_program(struct utrace_session *s,
				       const struct bpf_program *p,
				       int *err);
void lazy_close(struct utrace_session *s);

/* options.c */
int options_parse(struct utrace_session *s, int argc, char **argv);

/* output.c */
void output_header(struct utrace_session *s);
void output_event(struct utrace_session *s, const struct event_hdr *e,
		  size_t size);
/* Write s->out to stdout; false when output can no longer be written. */
bool output_flush(struct utrace_session *s);
void output_open(struct utrace_session *s);
void output_close(struct utrace_session *s);
/* Rows that a stalled reader never took. */
uint64_t output_unwritten(const struct utrace_session *s);

/* pairs.c: entry and return pairs (UTRACE_ENTRY_RETURN in common.bpf.h) */
bool pairs_use_session(void);		/* the kernel takes session uprobes */
bool pair_is_session(const struct bpf_program *p);
/* Before load: only the form of each pair that is attached is loaded. */
void pairs_prepare_object(struct utrace_session *s, struct bpf_object *obj);
/* Without session uprobes: pair @prog's probe as a return and an entry. */
int pair_split(struct utrace_session *s, struct tfile *f, pid_t pid,
	       const char *prog, unsigned int flags, uint64_t offset,
	       uint64_t cookie);

/* probes.c */
void probes_prepare(struct utrace_session *s);
/* The uprobe programs of @obj made for the links probes_prepare() chose. */
void probes_prepare_object(struct utrace_session *s, struct bpf_object *obj);
/* Attach every probe asked for since the last call; 0 or a layered error. */
int probes_commit(struct utrace_session *s);
/* Drop what was asked for and not attached (after an error). */
void probes_forget(struct utrace_session *s);
/* Tell BPF where the kernel's uprobe trampoline is (bpf/frame.bpf.h). */
void probes_note_xol(struct utrace_session *s, uint64_t addr);
/* Attach the object's tracepoint programs (raw_tp/...), the core's own. */
void probes_attach_tracepoints(struct utrace_session *s);
void probes_attach_tracepoints_of(struct utrace_session *s, struct bpf_object *obj);
bool probes_tracepoint_attached(const struct utrace_session *s, const char *prog);
void probes_detach_all(struct utrace_session *s);

/* session.c: events the probes could not send (ring buffer full) */
uint64_t session_lost_events(struct utrace_session *s);

/* container.c: -C and --in-container */
/* After the options: the cgroup cache, --in-container's cgroup; an exit code. */
int container_setup(struct utrace_session *s);
/* Before load: the BPF filter of --in-container. 0 or -ENOENT. */
int container_configure(struct utrace_session *s);
bool container_filtering(const struct utrace_session *s);
/* --in-container: is process @pid in the container? (true without it) */
bool container_has_pid(struct utrace_session *s, pid_t pid);
/* --in-container: has the container's cgroup gone (or been made anew)? */
bool container_gone(struct utrace_session *s);

/* Who an event came from; strings valid until the next call. */
struct container_ref {
	const char *path;	/* its cgroup path; NULL: unknown */
	const char *cid;	/* the full container id; NULL: none */
	const char *short_id;	/* its first 12 digits; NULL: none */
	const char *label;	/* the CONTAINER column: short id, "-", path */
};
void container_of(struct utrace_session *s, const struct event_hdr *e,
		  struct container_ref *r);
/* The container label of cgroup @cgroup for metrics: short id, or "". */
const char *container_metric_label(struct utrace_session *s, uint64_t cgroup);
void container_close(struct utrace_session *s);

/* metrics.c: --metrics and --metrics-file */
bool metrics_enabled(const struct utrace_session *s);
/* Before tracing: bind the server, write the file once; an exit code. */
int metrics_open(struct utrace_session *s);
/* Count a row read from the ring buffer. */
void metrics_row(struct utrace_session *s, const struct event_hdr *e,
		 size_t size);
/* The server's fd for the event loop (-1: none), and its work. */
int metrics_fd(const struct utrace_session *s);
void metrics_serve(struct utrace_session *s);
/* --metrics-file: how often (0: never), and write it now (0 or -errno). */
uint64_t metrics_file_interval(const struct utrace_session *s);
int metrics_write_file(struct utrace_session *s);
void metrics_close(struct utrace_session *s);

/* histogram.c: the core's part of the tool's histograms */
/* Before load: per-cgroup histograms too (-C with metrics). 0 or -errno. */
int hist_configure_core(struct utrace_session *s);

/* privilege.c: 0, or -EPERM with @missing naming what is lacking. */
int privilege_check(char *missing, size_t len);

/* targets.c */
/* Check -p PIDs before anything loads; returns an exit code. */
int targets_check(struct utrace_session *s);
/* With -p: true once every process named has exited. */
bool targets_gone(const struct utrace_session *s);
/* After the tool's attach(): -p processes, or host copies and every process. */
int targets_attach(struct utrace_session *s);
/* Look at process @pid again (new program, new libraries); errors ignored. */
void targets_look_again(struct utrace_session *s, pid_t pid);
/* A file appeared in a watched directory: trace it if it is a target. */
void targets_new_file(struct utrace_session *s, const char *path);
/* Look at every process not seen before (no exec hook: every second). */
void targets_rescan(struct utrace_session *s);

/* discover.c: processes and files that appear while tracing */
int discover_start(struct utrace_session *s);
/* Queue @pid to be looked at once the current batch of events is done. */
void discover_queue(struct utrace_session *s, pid_t pid);
/* ... or in a little while (its loader was probed too late to report). */
void discover_queue_later(struct utrace_session *s, pid_t pid);
/* Look at what was queued, new files and (without the exec hook) /proc. */
void discover_run(struct utrace_session *s, bool periodic);
/* Watch the directory of @path for replacements of the file. */
void discover_watch_dir(struct utrace_session *s, const char *path);
int discover_inotify_fd(const struct utrace_session *s);
void discover_stop(struct utrace_session *s);

/* Lines of @text to stderr, each escaped as messages are (message.c). */
void utrace_stderr_lines(const char *text);

#endif
