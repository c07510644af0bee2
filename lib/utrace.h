/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between a tool (cmd/X.c) and the shared core (lib/).
 *
 * A tool describes itself with a struct utrace_tool: its options, its
 * embedded BPF object, where its probes go, and how one event is printed.
 * The core does the rest: common options, target checks, load, attach,
 * ring-buffer polling, signals, timestamps, table/JSON output, lost events.
 */
#ifndef UTRACE_H
#define UTRACE_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "obuf.h"

/* Exit codes: part of the operator contract, documented in utrace(8). */
#define UTRACE_EXIT_OK		0
#define UTRACE_EXIT_ERROR	1	/* runtime error: nothing (more) traced */
#define UTRACE_EXIT_LOST	2	/* ran to the end, but events were lost */
#define UTRACE_EXIT_USAGE	64	/* bad command line (EX_USAGE) */

#define UTRACE_MAX_PIDS 64

struct bpf_object;
struct utrace_session;
struct utrace_core;

/* Options every tool has (see options.c and utrace(8)). */
struct utrace_common {
	pid_t pids[UTRACE_MAX_PIDS];	/* -p, repeatable; empty: every process */
	int npids;
	bool verbose;			/* -v: libbpf's messages and attach details */
	bool json;			/* -j: JSON lines instead of the table */
	bool print_uid;			/* -U */
	bool no_header;			/* --no-header */
	uint64_t duration_ns;		/* -d: stop after this long; 0: never */
	uint64_t count;			/* -c: stop after this many rows; 0: never */
	uint64_t buffer_bytes;		/* --buffer: ring buffer size */
};

struct utrace_tool {
	const char *name;		/* "readline": `utrace readline` */
	const char *summary;		/* one line for `utrace list` */
	const char *const *aliases;	/* busybox names, NULL-terminated */
	const struct argp *argp;	/* tool options, usage and EXAMPLES */
	const char *tracing;		/* "bash command lines" in "Tracing ..." */

	/* The embedded BPF object: the skeleton's NAME__elf_bytes(). */
	const void *(*bpf_elf)(size_t *size);

	/* After the tool's options are parsed: check them. Optional. */
	int (*prepare)(struct utrace_session *s);
	/* After open, before load: set read-only data. Optional. */
	int (*configure)(struct utrace_session *s);
	/* After load: attach probes with utrace_attach(). Required. */
	int (*attach)(struct utrace_session *s);
	/*
	 * Optional: called for every process seen for the first time while
	 * tracing system-wide (at start, then every second), so targets that
	 * appear later (a container with its own libc) are covered.
	 * Errors are expected (the process may be gone) and are ignored.
	 */
	void (*discover)(struct utrace_session *s, pid_t pid);

	/* Output: TIME, PID and (-U) UID are printed by the core. */
	int time_width;			/* width of the TIME column */
	const char *columns;		/* table header after those */
	void (*print_row)(struct utrace_session *s, const struct event_hdr *e,
			  size_t size);
	void (*print_json)(struct utrace_session *s, const struct event_hdr *e,
			   size_t size);
	/* Optional periodic output; the core calls it every s->interval_ns. */
	void (*interval)(struct utrace_session *s);
	/* Optional: after the last event, before detach (summaries). */
	void (*finish)(struct utrace_session *s);
	/* Optional: free what prepare/attach allocated. */
	void (*cleanup)(struct utrace_session *s);
};

struct utrace_session {
	const struct utrace_tool *tool;
	struct utrace_common opt;
	struct bpf_object *obj;
	struct obuf out;		/* stdout; flushed after each batch */
	uint64_t interval_ns;		/* for tool->interval; 0: none */
	bool table_header_done;
	struct utrace_core *core;	/* private to lib/ */
};

/* The dispatcher's entry: run @tool with argv (argv[0] is the tool name). */
int utrace_run(const struct utrace_tool *tool, int argc, char **argv);

/* The common options, as an argp child; exported for the help test. */
extern const struct argp utrace_common_argp;

/* Messages on stderr, prefixed "utrace TOOL: ". */
void utrace_error(const struct utrace_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void utrace_verbose(const struct utrace_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Attach BPF program @prog at function @symbol of the ELF file @path, for
 * process @pid only (-1: every process that maps the file). @path may be a
 * /proc/PID/... link. The same file+symbol+pid+prog twice is a no-op.
 * Returns 0, or -errno without printing (the caller knows the context).
 */
int utrace_attach(struct utrace_session *s, const char *prog,
		  const char *path, const char *symbol, pid_t pid, bool retprobe);

/* Number of probes attached so far. */
size_t utrace_attached(const struct utrace_session *s);

/* Set a `const volatile` global of the BPF object before load. */
int utrace_set_rodata(struct utrace_session *s, const char *name,
		      const void *value, size_t size);

/* Append a table-safe / JSON-safe rendering of untrusted bytes to s->out. */
void utrace_put_text(struct utrace_session *s, const char *p, size_t n);
void utrace_put_json_field(struct utrace_session *s, const char *key,
			   const char *p, size_t n);

/* Monotonic boot-time clock now, in the BPF timestamps' time base. */
uint64_t utrace_now_ns(void);

#endif
