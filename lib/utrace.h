/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between a tool (cmd/X.c) and the shared core (lib/).
 *
 * A tool describes itself with a struct utrace_tool: its options, its
 * embedded BPF object, what it traces (targets: which files, which probes
 * on them), and its columns. The core does the rest: common options,
 * finding and opening the files in every process (or the -p ones),
 * discovery of new processes and libraries, load, attach, ring-buffer
 * polling, signals, timestamps, table/JSON output, lost events, teardown.
 * The core never names a tool.
 */
#ifndef UTRACE_H
#define UTRACE_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "errors.h"
#include "event.h"
#include "obuf.h"

/* Exit codes: part of the operator contract, documented in utrace(8). */
#define UTRACE_EXIT_OK		0
#define UTRACE_EXIT_ERROR	1	/* runtime error: nothing (more) traced */
#define UTRACE_EXIT_LOST	2	/* ran to the end, but events were lost */
#define UTRACE_EXIT_USAGE	64	/* bad command line (EX_USAGE) */

#define UTRACE_MAX_PIDS 64
#define UTRACE_MAX_TARGETS 64

struct bpf_object;
struct utrace_session;
struct utrace_core;
struct tfile;
struct elf_sym;
struct elf_symbols;

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
	bool container;			/* -C: CONTAINER column, cgroup keys, label */
	const char *in_container;	/* --in-container: a container id (prefix) */
	const char *metrics_addr;	/* --metrics: ADDR:PORT to serve /metrics on */
	const char *metrics_file;	/* --metrics-file: PATH to write them to */
};

/* ---- what a tool traces ------------------------------------------------ */

/* struct utrace_match.kind */
#define UTRACE_EXE	0x1	/* a process's executable */
#define UTRACE_LIB	0x2	/* a file a process maps (shared libraries) */

/* Which files count: all of the given criteria must hold. */
struct utrace_match {
	unsigned int kind;
	bool go;			/* only Go binaries */
	const char *const *names;	/* base-name globs; NULL: any name */
	const char *const *all;		/* symbols it must define, every one */
	const char *const *any;		/* ... and at least one of these */
};

/* struct utrace_probe.flags */
#define UTRACE_RETURN	0x1	/* a return probe (refused on Go binaries) */
#define UTRACE_OPTIONAL	0x2	/* the file may lack the function */
/*
 * Plain probes on every RET instruction of the function instead of a
 * return probe: a uretprobe rewrites the return address on a goroutine
 * stack that Go moves, and the program crashes (bcc #1320, bpftrace
 * #1098). The program sees the function's registers as they are at its
 * return; the stack pointer is the one before `ret`.
 */
#define UTRACE_AT_RETS	0x4

/* One function a program goes on. Lists end with .func == NULL. */
struct utrace_probe {
	const char *func;	/* the symbol */
	const char *alt;	/* used where @func is missing; may be NULL */
	/*
	 * The BPF program, or an entry and return pair's name
	 * (UTRACE_ENTRY_RETURN in bpf/common.bpf.h, without UTRACE_RETURN):
	 * the core attaches it as one session uprobe where the kernel has
	 * them (6.13+), else as NAME_return and NAME_enter (lib/pairs.c).
	 */
	const char *prog;
	unsigned int flags;
	uint64_t cookie;	/* bpf_get_attach_cookie() in the program */
	/*
	 * Instead of @cookie: the address of this global variable minus the
	 * probed address, so an entry program reads the traced program's
	 * variable at PT_REGS_IP(ctx) + (s64)cookie, ASLR or not. A file
	 * without it gets @cookie (require it in the match if it must be).
	 */
	const char *var;
};

/* struct utrace_target.flags */
#define UTRACE_PER_PROCESS 0x1	/* probes only for the process it was found in */
/*
 * Its files may come later, with dlopen() (python imports _ssl when a
 * script first wants TLS): -p PID of a process that maps none of them yet
 * is no error when its dynamic loader can be watched; they are traced when
 * it loads them. (Every process's loader is watched system-wide; with -p,
 * see UTRACE_WATCH_LOADER.)
 */
#define UTRACE_DLOPEN	0x2
/*
 * The dynamic loader of a -p process is watched only while no library of
 * the tool's is found in it (it is starting, or exec()ed a program whose
 * libraries are still to come), since each probe link costs the tracer's
 * exit a grace period of the kernel's. A target whose files a program may
 * dlopen() long after it starts (python's readline module loads
 * libreadline at its first prompt; zsh its line editor) keeps it watched
 * in every -p process, for a program the process exec()s later. Implied
 * by UTRACE_DLOPEN.
 */
#define UTRACE_WATCH_LOADER 0x4

struct utrace_target {
	const char *what;		/* "libc", "bash": for messages */
	struct utrace_match match;
	/* UTRACE_LIB: counts only in processes whose executable matches */
	const struct utrace_match *exe;
	unsigned int flags;
	/* Host copies, probed for every process at start (system-wide). */
	const char *const *host;
	/* Probes put on every matching file; NULL when @attach does it. */
	const struct utrace_probe *probes;
	/*
	 * Optional: put probes on @f (utrace_probe()), for @pid (-1: every
	 * process). Returns 0, or a layered error (see errors.h).
	 */
	int (*attach)(struct utrace_session *s, const struct utrace_target *t,
		      struct tfile *f, pid_t pid);
	void *data;			/* the tool's, for @attach */
};

/* ---- columns -------------------------------------------------------- */

/* A value a column shows, typed so table and JSON each render it right. */
enum utrace_value_type {
	UTRACE_V_NONE,		/* unknown: "-" in the table, null in JSON */
	UTRACE_V_STR,		/* trusted text (names, numbers as text) */
	UTRACE_V_TEXT,		/* untrusted bytes: escaped, KEY_base64 in JSON */
	UTRACE_V_U64,
	UTRACE_V_S64,
	UTRACE_V_MS,		/* nanoseconds shown as milliseconds */
	UTRACE_V_BOOL,
	/*
	 * Untrusted binary bytes (payloads): escaped like TEXT in the table,
	 * or a hex dump on the lines after the row (@hexdump); in JSON the
	 * readable form under KEY and the exact bytes under KEY_base64,
	 * always.
	 */
	UTRACE_V_BYTES,
};

struct utrace_value {
	enum utrace_value_type type;
	bool truncated;		/* TEXT, BYTES: cut; " [...truncated]", "truncated":true */
	bool hexdump;		/* BYTES: a hex dump in the table */
	union {
		const char *str;
		uint64_t u64;
		int64_t s64;
		bool b;
	};
	size_t len;		/* TEXT, STR, BYTES: bytes */
	uint64_t offset;	/* BYTES: the hex dump's first offset */
};

struct utrace_column {
	const char *header;	/* "LATms"; NULL ends the list */
	int width;		/* table width; 0: the last, free-width column */
	const char *key;	/* JSON key */
	/* the value of this column for event @e of @size bytes */
	void (*get)(struct utrace_session *s, const struct event_hdr *e,
		    size_t size, struct utrace_value *v);
	/* shown in the table (@json false) or JSON only when this returns
	 * true; NULL: always. A column without @key is table-only. Asked
	 * once, at the first row: the answer may depend on the options only. */
	bool (*shown)(const struct utrace_session *s, bool json);
	bool json_only;		/* a JSON key with no table column */
};

/*
 * The process name of the row (the record's event_hdr.comm), as a table
 * column: JSON has it already, from the header (output.c). Tools list
 * UTRACE_COLUMN_COMM among their columns.
 */
void utrace_get_comm(struct utrace_session *s, const struct event_hdr *e,
		     size_t size, struct utrace_value *v);
#define UTRACE_COLUMN_COMM { "COMM", 16, NULL, utrace_get_comm, NULL, false }

/* ---- metrics -------------------------------------------------------- */

/* A Prometheus label: bounded values only (see utrace(8), METRICS). */
struct utrace_label {
	const char *name;
	const char *value;
};

#define UTRACE_MAX_LABELS 8

/*
 * What the tool's data is called as Prometheus metrics (--metrics,
 * --metrics-file). Without it, rows are still counted, in
 * utrace_events_total{tool}.
 */
struct utrace_metrics {
	/*
	 * Rows: the columns (by JSON key) whose values are few, such as
	 * function names and outcomes, as labels of utrace_events_total.
	 * Never a column of PIDs, host names or typed text. NULL-terminated.
	 */
	const char *const *row_labels;
	/* Histograms (lib/histogram.h): the Prometheus histogram, in seconds */
	const char *hist;	/* "utrace_dns_lookup_duration_seconds" */
	const char *hist_help;
	/*
	 * The labels of histogram key @key into @l (at most
	 * UTRACE_MAX_LABELS); returns how many, or < 0 for a key to leave out.
	 */
	int (*hist_labels)(const struct utrace_session *s, unsigned int key,
			   struct utrace_label *l);
};

/* ---- the tool ----------------------------------------------------------- */

/*
 * The core's ring buffer size: 2 MiB. The reader is woken at half full
 * (session.c): 1 MiB of room while it wakes (the 1 MiB buffer woken at a
 * quarter had 768 KiB), and at 65,000 lookups a second the poll timeout
 * comes first. It costs 1 MiB of kernel memory more, and the reader's
 * mapping of it up to 2 MiB more of RSS.
 */
#define UTRACE_BUFFER_DEFAULT (2ULL << 20)

struct utrace_tool {
	const char *name;		/* "readline": `utrace readline` */
	const char *summary;		/* one line for `utrace list` */
	const struct argp *argp;	/* tool options, usage and EXAMPLES */
	const char *tracing;		/* "bash command lines" in "Tracing ..." */
	size_t priv_size;		/* tool state, zeroed; argp's input */

	/*
	 * The ring buffer's default size, 0 for the core's
	 * (UTRACE_BUFFER_DEFAULT): a tool whose records are large (whole TLS
	 * records) wants room for a burst.
	 */
	uint64_t buffer_default;

	/* The embedded BPF object: the skeleton's NAME__elf_bytes(). */
	const void *(*bpf_elf)(size_t *size);
	/*
	 * The largest record its programs send, in bytes: a --buffer too
	 * small to hold one is refused, not left to fail at the first long
	 * event. 0: records are small (the 4K minimum holds them).
	 */
	size_t max_record;

	/*
	 * Programs loaded only when a probe first names one, all together
	 * (NULL-terminated, at most 64; their tracepoint programs attached
	 * then): a part most runs never need is not verified at every start.
	 * They come from a second object of the same ELF sharing every map:
	 * of what configure() set on them only autoload (off: never loaded)
	 * is kept, and they are to be used through utrace_probe*() only, not
	 * through s->obj. An entry and return pair (UTRACE_ENTRY_RETURN) cannot
	 * be one. Optional.
	 */
	const char *const *lazy_progs;

	/* Targets; tools with targets made from arguments add them instead. */
	const struct utrace_target *targets;	/* NULL-terminated by .what */
	/* -p PID with no target in it: "has no libc mapped: statically linked?" */
	const char *absent;

	/* After the options are parsed: check them. Optional. */
	int (*prepare)(struct utrace_session *s);
	/* After open, before load: set read-only data. Optional. */
	int (*configure)(struct utrace_session *s);
	/*
	 * After load, before the core's own attaching: explicit files (-s,
	 * -l) with utrace_trace_path(). Optional.
	 */
	int (*attach)(struct utrace_session *s);
	/*
	 * After the probes of the start are in place (the -p processes, or
	 * host copies and every running process), before tracing: check that
	 * what the operator asked for was found, and say what was not (also
	 * a -p process in which nothing was found: the core leaves that to
	 * a tool with this hook). Returns an exit code. Optional.
	 */
	int (*started)(struct utrace_session *s);

	/*
	 * Optional, for tools whose events come in several records (a call
	 * split into numbered parts): does record @e end an event? -c counts
	 * only those. NULL: every record is an event.
	 */
	bool (*event_end)(const struct event_hdr *e, size_t size);

	/* Output: TIME, PID and (-U) UID are printed by the core. */
	int time_width;			/* width of the TIME column */
	const struct utrace_column *columns;
	/*
	 * Optional: for tools whose rows are not the events as they come (a
	 * command line whose row waits for its command's outcome, sent in a
	 * later event). Each event goes here instead of being printed; the
	 * tool prints rows with utrace_emit(), then or later (in finish()).
	 */
	void (*event)(struct utrace_session *s, const struct event_hdr *e,
		      size_t size);
	/* Optional periodic output; the core calls it every s->interval_ns. */
	void (*interval)(struct utrace_session *s);
	/* Optional: after the last event, before detach (summaries). */
	void (*finish)(struct utrace_session *s);
	/* Optional: free what prepare/attach allocated in priv. */
	void (*cleanup)(struct utrace_session *s);

	/* Optional: names and labels of its metrics. */
	const struct utrace_metrics *metrics;
};

struct utrace_session {
	const struct utrace_tool *tool;
	const char *prog;		/* "utrace dnslat" or "gethostlatency": in messages */
	void *priv;			/* tool->priv_size bytes */
	struct utrace_common opt;
	struct bpf_object *obj;
	struct obuf out;		/* stdout; flushed after each batch */
	uint64_t interval_ns;		/* for tool->interval; 0: none */
	bool table_header_done;
	bool explicit_files;		/* set by utrace_trace_path(): no discovery */
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

/* Add a target made from the command line (prepare()). 0 or -E2BIG. */
int utrace_target_add(struct utrace_session *s, const struct utrace_target *t);

/*
 * Trace the file at @path with target @t: for the -p processes, or every
 * process. Turns off discovery. Returns 0 or a layered error, printing
 * nothing (the caller knows what the file was meant to be).
 */
int utrace_trace_path(struct utrace_session *s, const struct utrace_target *t,
		      const char *path);

/*
 * For a target's attach(): probe @prog at @offset of file @f for @pid
 * (-1: every process that maps it), with @cookie. The core puts every
 * offset of one (file, program, direction, pid) into one link. @flags:
 * UTRACE_RETURN for a return probe; UTRACE_AT_RETS for a plain probe on
 * a RET (attached with the return probes, before any entry's). @prog may
 * name an entry and return pair (see struct utrace_probe).
 */
int utrace_probe(struct utrace_session *s, struct tfile *f, pid_t pid,
		 const char *prog, unsigned int flags, uint64_t offset,
		 uint64_t cookie);

/*
 * Probe @prog at every RET instruction of function @sym of @f, found with
 * an instruction decoder (UTRACE_AT_RETS). 0, or a layered error.
 */
int utrace_probe_rets(struct utrace_session *s, struct tfile *f, pid_t pid,
		      const char *prog, const struct elf_sym *sym,
		      uint64_t cookie);

/* The file's name for messages, its symbols (read once), Go or not. */
const char *utrace_file_name(const struct tfile *f);
/*
 * Its inode number: what a BPF program finds as the executable of the
 * current task (mm->exe_file->f_inode->i_ino), where probes carry no
 * cookie to say which file they are on.
 */
uint64_t utrace_file_ino(const struct tfile *f);
/* Its identity: the file a path or a mapping names is this one if equal. */
void utrace_file_id(const struct tfile *f, dev_t *dev, ino_t *ino);
/* Does it need (DT_NEEDED) a library whose soname matches glob @soname? */
bool utrace_file_needs(struct tfile *f, const char *soname);
const struct elf_symbols *utrace_file_symbols(struct tfile *f, int *err);
bool utrace_file_is_go(const struct tfile *f);
/*
 * The Go version @f was built with ("go1.19.8"), from its .go.buildinfo,
 * into @out. 0, or a layered error: ELF/ESRCH no build info, ELF/ENOTSUP
 * the pre-1.18 format (pointers, not inline strings), ELF/EINVAL garbled.
 * A tool needs it where Go's layouts differ between releases.
 */
int utrace_file_go_version(struct tfile *f, char *out, size_t len);

/* Number of probes attached so far. */
size_t utrace_attached(const struct utrace_session *s);

/*
 * Print one row: event @e of @size bytes (or a record of the tool's own
 * that starts with a struct event_hdr), through the columns. Counts
 * towards -c; once -c is reached, further rows are not printed.
 */
void utrace_emit(struct utrace_session *s, const struct event_hdr *e,
		 size_t size);

/* Set a `const volatile` global of the BPF object before load. */
int utrace_set_rodata(struct utrace_session *s, const char *name,
		      const void *value, size_t size);

/* Append a table-safe / JSON-safe rendering of untrusted bytes to s->out. */
void utrace_put_text(struct utrace_session *s, const char *p, size_t n);
void utrace_put_json_field(struct utrace_session *s, const char *key,
			   const char *p, size_t n);

/* Monotonic boot-time clock now, in the BPF timestamps' time base. */
uint64_t utrace_now_ns(void);

/* The error's words (errors.h), in a static buffer. */
const char *utrace_why(int err);

#endif
