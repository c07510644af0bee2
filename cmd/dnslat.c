// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace dnslat: name lookups made through libc, with their latency.
 *
 * Probes go on getaddrinfo() and its older relatives in every libc in use:
 * the host's, and each one found mapped by a process (a container's, a
 * copy loaded through LD_LIBRARY_PATH, musl). A process's libc is opened
 * as /proc/PID/map_files/RANGE, so the kernel hands over the very file the
 * process mapped; no path inside a container is ever followed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "dnslat.h"
#include "dnslat.skel.h"
#include "elfread.h"
#include "ldpath.h"
#include "numparse.h"
#include "utrace.h"

/* Table column widths; FUNC fits the longest name, gethostbyname2_r. */
#define COMM_WIDTH	16
#define FUNC_WIDTH	16
#define LAT_WIDTH	10
#define RESULT_WIDTH	14
#define HIST_STARS	40

/* How a function tells failure, and so how its RESULT is named. */
enum outcome {
	OUTCOME_EAI,		/* int: 0 or EAI_* */
	OUTCOME_POINTER,	/* struct hostent *: NULL and h_errno */
	OUTCOME_REENTRANT,	/* int errno, *result NULL and *h_errnop */
};

static const struct {
	const char *name;
	const char *prog;	/* its entry program in dnslat.bpf.c */
	enum outcome outcome;
} funcs[DNSLAT_NFUNCS] = {
	[DNSLAT_GETADDRINFO] = { "getaddrinfo", "enter_getaddrinfo", OUTCOME_EAI },
	[DNSLAT_GETHOSTBYNAME] = { "gethostbyname", "enter_gethostbyname", OUTCOME_POINTER },
	[DNSLAT_GETHOSTBYNAME2] = { "gethostbyname2", "enter_gethostbyname2", OUTCOME_POINTER },
	[DNSLAT_GETHOSTBYNAME_R] = { "gethostbyname_r", "enter_gethostbyname_r", OUTCOME_REENTRANT },
	[DNSLAT_GETHOSTBYNAME2_R] = { "gethostbyname2_r", "enter_gethostbyname2_r", OUTCOME_REENTRANT },
	[DNSLAT_GETNAMEINFO] = { "getnameinfo", "enter_getnameinfo", OUTCOME_EAI },
	[DNSLAT_GETHOSTBYADDR] = { "gethostbyaddr", "enter_gethostbyaddr", OUTCOME_POINTER },
};

/* Base names a libc has in /proc/PID/maps: glibc, older glibc, musl. */
static const char *const libc_names[] = {
	"libc.so.6", "libc-[0-9]*.so", "libc.so", "ld-musl-*.so.1",
	"libc.musl-*.so.1",
};

struct name_code {
	int code;
	const char *name;
};

static const struct name_code eai_names[] = {
	{ EAI_BADFLAGS, "EAI_BADFLAGS" }, { EAI_NONAME, "EAI_NONAME" },
	{ EAI_AGAIN, "EAI_AGAIN" }, { EAI_FAIL, "EAI_FAIL" },
	{ EAI_NODATA, "EAI_NODATA" }, { EAI_FAMILY, "EAI_FAMILY" },
	{ EAI_SOCKTYPE, "EAI_SOCKTYPE" }, { EAI_SERVICE, "EAI_SERVICE" },
	{ EAI_ADDRFAMILY, "EAI_ADDRFAMILY" }, { EAI_MEMORY, "EAI_MEMORY" },
	{ EAI_SYSTEM, "EAI_SYSTEM" }, { EAI_OVERFLOW, "EAI_OVERFLOW" },
	{ EAI_INPROGRESS, "EAI_INPROGRESS" }, { EAI_CANCELED, "EAI_CANCELED" },
	{ EAI_NOTCANCELED, "EAI_NOTCANCELED" }, { EAI_ALLDONE, "EAI_ALLDONE" },
	{ EAI_INTR, "EAI_INTR" }, { EAI_IDN_ENCODE, "EAI_IDN_ENCODE" },
	{ 0, NULL },
};

static const struct name_code herrno_names[] = {
	{ HOST_NOT_FOUND, "HOST_NOT_FOUND" }, { TRY_AGAIN, "TRY_AGAIN" },
	{ NO_RECOVERY, "NO_RECOVERY" }, { NO_DATA, "NO_DATA" },
	{ 0, NULL },
};

static struct {
	bool show_func;
	bool show_result;
	bool hist;
	uint64_t interval_ns;
	uint64_t min_ns;
	const char *libc;
} cfg;

/* The header after TIME and PID, built for the chosen columns. */
static char columns[96];

/* Libc files already probed system-wide, so each is parsed only once. */
struct file_id {
	dev_t dev;
	ino_t ino;
};
static struct file_id *probed;
static size_t nprobed, capprobed;

/* -H: the counts already printed; the BPF map only ever grows. */
static uint64_t hist_shown[DNSLAT_NFUNCS][DNSLAT_NBUCKETS];

static const struct argp_option options[] = {
	{ "show-function", 'F', NULL, 0,
	  "Add a FUNC column: the libc function called", 0 },
	{ "show-result", 'R', NULL, 0,
	  "Add a RESULT column: ok, or why the lookup failed (EAI_NONAME, HOST_NOT_FOUND, ...)", 0 },
	{ "histogram", 'H', NULL, 0,
	  "No rows: print a latency histogram per function at the end", 0 },
	{ "interval", 'i', "SECONDS", 0,
	  "With -H: print the histograms of each SECONDS-long interval", 0 },
	{ "min-ms", 'm', "MS", 0,
	  "Only lookups that took at least MS milliseconds (fractions allowed)", 0 },
	{ "libc", 'l', "PATH", 0,
	  "Trace this libc file instead of every libc in use", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	double v;

	switch (key) {
	case 'F':
		cfg.show_func = true;
		return 0;
	case 'R':
		cfg.show_result = true;
		return 0;
	case 'H':
		cfg.hist = true;
		return 0;
	case 'i':
		if (parse_seconds(arg, 0.1, 86400, &v))
			argp_error(state, "invalid interval '%s' (seconds, 0.1 to 86400)", arg);
		cfg.interval_ns = (uint64_t)llround(v * 1e9);
		return 0;
	case 'm':
		/* an hour is longer than any resolver waits */
		if (parse_seconds(arg, 0, 3600e3, &v))
			argp_error(state, "invalid minimum latency '%s' (milliseconds, 0 to 3600000)", arg);
		cfg.min_ns = (uint64_t)llround(v * 1e6);
		return 0;
	case 'l':
		if (cfg.libc)
			argp_error(state, "-l can be given once");
		if (!*arg)
			argp_error(state, "empty path for -l");
		cfg.libc = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	case ARGP_KEY_END:
		if (cfg.interval_ns && !cfg.hist)
			argp_error(state, "-i is for histograms: add -H");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Print name lookups made through libc (getaddrinfo, gethostbyname and\n"
	       "relatives, getnameinfo, gethostbyaddr), with how long each took.\v"
	       "Every libc in use is traced, including those of containers and\n"
	       "processes started later. HOST is the name asked about, or for\n"
	       "getnameinfo and gethostbyaddr the address.\n\n"
	       "EXAMPLES:\n"
	       "  utrace dnslat                # every lookup on the machine\n"
	       "  utrace dnslat -p 1234        # only process 1234, in its own libc\n"
	       "  utrace dnslat -FR -m 100     # slow lookups: which call, what result\n"
	       "  utrace dnslat -H -i 10       # latency histograms every 10 seconds\n"
	       "  utrace dnslat -l /opt/app/lib/libc.so.6   # one libc file only\n"
	       "  utrace dnslat -j -d 60 > lookups.json     # a minute of JSON lines\n",
};

static void build_columns(void)
{
	size_t n = 0;

	n += snprintf(columns + n, sizeof(columns) - n, "%-*s ", COMM_WIDTH, "COMM");
	if (cfg.show_func)
		n += snprintf(columns + n, sizeof(columns) - n, "%-*s ", FUNC_WIDTH, "FUNC");
	n += snprintf(columns + n, sizeof(columns) - n, "%-*s ", LAT_WIDTH, "LATms");
	if (cfg.show_result)
		n += snprintf(columns + n, sizeof(columns) - n, "%-*s ", RESULT_WIDTH, "RESULT");
	snprintf(columns + n, sizeof(columns) - n, "HOST");
}

static int dl_prepare(struct utrace_session *s)
{
	if (cfg.hist && s->opt.count) {
		utrace_error(s, "-c counts rows and -H prints none: bound a histogram with -d");
		return UTRACE_EXIT_USAGE;
	}
	build_columns();
	s->interval_ns = cfg.interval_ns;
	/* histograms have headings of their own, not the rows' header */
	if (cfg.hist)
		s->table_header_done = true;
	return UTRACE_EXIT_OK;
}

static int dl_configure(struct utrace_session *s)
{
	bool hist = cfg.hist;

	if (utrace_set_rodata(s, "min_ns", &cfg.min_ns, sizeof(cfg.min_ns)) ||
	    utrace_set_rodata(s, "hist_mode", &hist, sizeof(hist))) {
		utrace_error(s, "BPF object lacks its settings");
		return UTRACE_EXIT_ERROR;
	}
	return UTRACE_EXIT_OK;
}

/*
 * Entry and return probes on @func. The return probe goes on first, so
 * every call whose entry is recorded is also seen to return.
 */
static int attach_func(struct utrace_session *s, const char *path,
		       const char *func, const char *prog, pid_t pid)
{
	int err = utrace_attach(s, "lookup_return", path, func, pid, true);

	return err ? err : utrace_attach(s, prog, path, func, pid, false);
}

/*
 * Outcomes of attaching that are no errno. -ESRCH is not used for them:
 * our ELF reader says "no such symbol" with it, and the kernel "no such
 * process" (a PID that is gone, or a thread id, for uprobe_multi).
 */
#define DL_NOT_LIBC	1	/* the file has no getaddrinfo */
#define DL_NO_LIBC	2	/* the process has no libc mapped */

/*
 * Probes on each traced function @path has. getaddrinfo is required: a
 * file without it is no libc (DL_NOT_LIBC); the others are old calls a
 * libc may lack. Else 0 or -errno.
 */
static int attach_libc(struct utrace_session *s, const char *path, pid_t pid)
{
	uint64_t off;
	int err = elf_symbol_offset(path, "getaddrinfo", &off);

	if (err)
		return err == -ESRCH ? DL_NOT_LIBC : err;
	for (int f = 0; f < DNSLAT_NFUNCS; f++) {
		err = attach_func(s, path, funcs[f].name, funcs[f].prog, pid);
		if (err && (err != -ESRCH || f == DNSLAT_GETADDRINFO))
			return err;
	}
	/* not reported, only watched for gethostbyaddr()'s h_errno */
	err = attach_func(s, path, "gethostbyaddr_r", "enter_gethostbyaddr_r", pid);
	return err == -ESRCH ? 0 : err;
}

/* True the first time a file is seen, which it records. */
static bool first_sight(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return true;	/* let the attach say what is wrong */
	for (size_t i = 0; i < nprobed; i++)
		if (probed[i].dev == st.st_dev && probed[i].ino == st.st_ino)
			return false;
	if (nprobed == capprobed) {
		size_t cap = capprobed ? 2 * capprobed : 16;
		struct file_id *v = realloc(probed, cap * sizeof(*v));

		if (!v)
			return true;
		probed = v;
		capprobed = cap;
	}
	probed[nprobed++] = (struct file_id){ st.st_dev, st.st_ino };
	return true;
}

static bool is_libc(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(libc_names) / sizeof(libc_names[0]); i++)
		if (!fnmatch(libc_names[i], base, 0))
			return true;
	return false;
}

/*
 * The mapped file's path in a /proc/PID/maps @line, or NULL; @range gets
 * the START-END of the mapping. A libc replaced by an upgrade shows as
 * "PATH (deleted)" and is still traced: map_files reaches the old inode.
 */
static const char *maps_path(char *line, char range[64])
{
	static const char deleted[] = " (deleted)";
	size_t n, dn = sizeof(deleted) - 1;
	unsigned long ino;
	int at = 0;

	if (sscanf(line, "%63[0-9a-f-] %*s %*s %*s %lu %n", range, &ino, &at) < 2 ||
	    !at || !ino || line[at] != '/')
		return NULL;
	n = strcspn(line + at, "\n");
	line[at + n] = '\0';
	if (n > dn && !strcmp(line + at + n - dn, deleted))
		line[at + n - dn] = '\0';
	return line + at;
}

/*
 * Probe each libc @pid has mapped, through the map_files link of its first
 * mapping; @filter is the process to trace (-1: every user of the file).
 * Returns 0, DL_NO_LIBC when @pid maps no libc, or the first error, with
 * the path of the libc it concerns in @culprit.
 */
static int attach_process(struct utrace_session *s, pid_t pid, pid_t filter,
			  char culprit[PATH_MAX])
{
	char path[64], line[PATH_MAX + 128], last[PATH_MAX] = "";
	int err = DL_NO_LIBC;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		snprintf(culprit, PATH_MAX, "%s", path);
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		char range[64], link[128];
		const char *file = maps_path(line, range);

		if (!file || !is_libc(file) || !strcmp(file, last))
			continue;
		snprintf(last, sizeof(last), "%s", file);
		snprintf(link, sizeof(link), "/proc/%d/map_files/%s", pid, range);
		if (filter < 0 && !first_sight(link)) {
			err = 0;
			continue;
		}
		err = attach_libc(s, link, filter);
		utrace_verbose(s, "process %d: %s (%s): %s", pid, file, link,
			       err == DL_NOT_LIBC ? "no getaddrinfo" :
			       err ? elf_strerror(err) : "traced");
		if (err) {
			snprintf(culprit, PATH_MAX, "%s", file);
			break;
		}
	}
	fclose(f);
	return err;
}

/* The thread group @pid belongs to, 0 if it is gone or exiting. */
static pid_t proc_tgid(pid_t pid)
{
	char path[64], line[128], state = 0;
	pid_t tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "State:", 6))
			sscanf(line + 6, " %c", &state);
		else if (!strncmp(line, "Tgid:", 5))
			tgid = (pid_t)strtol(line + 5, NULL, 10);
	}
	fclose(f);
	/* a zombie (Z) or a task on its way out (X) has no code left to trace */
	return state == 'Z' || state == 'X' ? 0 : tgid;
}

/*
 * Why -p @pid (@culprit: its libc), or -l's file, cannot be traced:
 * exit 1. A process that went away since it was named is said to have
 * exited, whatever step noticed it.
 */
static int attach_failed(struct utrace_session *s, int err, pid_t pid,
			 const char *culprit)
{
	const char *why = err == DL_NOT_LIBC ? "no getaddrinfo in it" : elf_strerror(err);

	if (pid > 0 && !proc_tgid(pid))
		utrace_error(s, "process %d exited", pid);
	else if (err == DL_NO_LIBC)
		utrace_error(s, "process %d has no libc mapped: statically linked?", pid);
	else if (err == DL_NOT_LIBC && cfg.libc)
		utrace_error(s, "%s: no getaddrinfo in it: not a libc?", cfg.libc);
	else if (cfg.libc)
		utrace_error(s, "%s: %s", cfg.libc, why);
	else if (pid > 0)
		utrace_error(s, "process %d: %s: %s", pid, culprit, why);
	else
		utrace_error(s, "the host's libc %s: %s", culprit, why);
	return UTRACE_EXIT_ERROR;
}

/*
 * A thread that dies inside a lookup never reaches the return probe: its
 * call is dropped when it exits (thread_exit in dnslat.bpf.c), so the map
 * of calls holds only calls in progress, and a later thread given the same
 * id does not inherit a dead one's frame. Without it (attach refused), the
 * map's LRU still pushes such leftovers out when it fills.
 */
static struct bpf_link *exit_link;

static void attach_exit_cleanup(struct utrace_session *s)
{
	struct bpf_program *p = bpf_object__find_program_by_name(s->obj, "thread_exit");

	exit_link = p ? bpf_program__attach_raw_tracepoint(p, "sched_process_exit") : NULL;
	if (!exit_link)
		utrace_verbose(s, "no clean-up at thread exit: %s",
			       p ? strerror(errno) : "no program");
}

static int dl_attach(struct utrace_session *s)
{
	char culprit[PATH_MAX] = "";
	int err;

	for (int i = 0; i < s->opt.npids; i++) {
		pid_t pid = s->opt.pids[i], tgid = proc_tgid(pid);

		/*
		 * A thread id is no process: uprobe_multi refuses it, a perf
		 * event would watch that one thread. Say so either way.
		 */
		if (tgid && tgid != pid) {
			utrace_error(s, "%d is a thread of process %d: trace -p %d", pid,
				     tgid, tgid);
			return UTRACE_EXIT_ERROR;
		}
		err = cfg.libc ? attach_libc(s, cfg.libc, pid)
			       : attach_process(s, pid, pid, culprit);
		if (err)
			return attach_failed(s, err, pid, culprit);
	}
	if (!s->opt.npids && cfg.libc) {
		err = attach_libc(s, cfg.libc, -1);
		if (err)
			return attach_failed(s, err, -1, cfg.libc);
	} else if (!s->opt.npids) {
		/*
		 * Our own libc is the host's: probed now, so lookups are seen
		 * even before the first scan of the processes (which skips us)
		 * ends. Failing here (permission denied...) would fail for the
		 * others too: say why now, not "nothing to trace" later. No
		 * libc at all (a static utrace) leaves it to the scans.
		 */
		err = attach_process(s, getpid(), -1, culprit);
		if (err == DL_NO_LIBC)
			utrace_verbose(s, "no libc mapped here: the scans find them");
		else if (err)
			return attach_failed(s, err, -1, culprit);
	}
	attach_exit_cleanup(s);
	return UTRACE_EXIT_OK;
}

static void dl_discover(struct utrace_session *s, pid_t pid)
{
	char culprit[PATH_MAX];

	/* -l names the one file to trace */
	if (!cfg.libc)
		attach_process(s, pid, -1, culprit);
}

static const char *code_name(const struct name_code *t, int code)
{
	for (; t->name; t++)
		if (t->code == code)
			return t->name;
	return NULL;
}

/* "ok", or the most precise reason for the failure the event carries. */
static const char *result_name(const struct dnslat_event *e, char *buf,
			       size_t len)
{
	bool null = e->hdr.flags & DNSLAT_NULL;
	const char *name = NULL;

	switch (funcs[e->func].outcome) {
	case OUTCOME_EAI:
		if (!e->ret)
			return "ok";
		if ((name = code_name(eai_names, e->ret)))
			return name;
		snprintf(buf, len, "EAI_%d", e->ret);
		return buf;
	case OUTCOME_POINTER:
		if (!null)
			return "ok";
		break;
	case OUTCOME_REENTRANT:
		if (!e->ret && !null)
			return "ok";
		/* the caller's buffer was too small; h_errno is not set */
		if (e->ret == ERANGE)
			return "ERANGE";
		break;
	}
	if (e->hdr.flags & DNSLAT_HERRNO)
		name = code_name(herrno_names, e->herrno);
	if (!name && e->ret > 0)
		name = strerrorname_np(e->ret);
	return name ? name : "failed";
}

/* The address getnameinfo or gethostbyaddr was asked about, as text. */
static const char *format_address(const struct dnslat_event *e, char *buf,
				  size_t len)
{
	size_t have = e->len < DNSLAT_SOCKADDR_MAX ? e->len : DNSLAT_SOCKADDR_MAX;
	const char *addr = e->host;
	int family = e->family;
	size_t need = 0;

	if (e->func == DNSLAT_GETNAMEINFO) {
		sa_family_t sa_family = AF_UNSPEC;

		if (have >= sizeof(sa_family))
			memcpy(&sa_family, e->host, sizeof(sa_family));
		family = sa_family;
		if (family == AF_INET) {
			addr += offsetof(struct sockaddr_in, sin_addr);
			need = sizeof(struct sockaddr_in);
		} else if (family == AF_INET6) {
			addr += offsetof(struct sockaddr_in6, sin6_addr);
			need = sizeof(struct sockaddr_in6);
		}
	} else {
		need = family == AF_INET ? sizeof(struct in_addr) :
		       family == AF_INET6 ? sizeof(struct in6_addr) : 0;
	}
	if (need && have >= need && inet_ntop(family, addr, buf, (socklen_t)len))
		return buf;
	snprintf(buf, len, "(family %d, %zu bytes)", family, have);
	return buf;
}

static bool is_address_lookup(const struct dnslat_event *e)
{
	return e->func == DNSLAT_GETNAMEINFO || e->func == DNSLAT_GETHOSTBYADDR;
}

static size_t name_len(const struct dnslat_event *e)
{
	return e->len < DNSLAT_HOST_MAX ? e->len : DNSLAT_HOST_MAX;
}

static void dl_row(struct utrace_session *s, const struct event_hdr *h,
		   size_t size)
{
	const struct dnslat_event *e = (const void *)h;
	char buf[INET6_ADDRSTRLEN + 32];
	size_t start = s->out.len;

	if (size < sizeof(*e) || e->func >= DNSLAT_NFUNCS)
		return;
	utrace_put_text(s, h->comm, strnlen(h->comm, sizeof(h->comm)));
	obuf_pad(&s->out, start, COMM_WIDTH);
	obuf_putc(&s->out, ' ');
	if (cfg.show_func)
		obuf_printf(&s->out, "%-*s ", FUNC_WIDTH, funcs[e->func].name);
	obuf_printf(&s->out, "%-*.3f ", LAT_WIDTH, e->latency_ns / 1e6);
	if (cfg.show_result)
		obuf_printf(&s->out, "%-*s ", RESULT_WIDTH,
			    result_name(e, buf, sizeof(buf)));
	if (is_address_lookup(e))
		obuf_puts(&s->out, format_address(e, buf, sizeof(buf)));
	else
		utrace_put_text(s, e->host, name_len(e));
	if (h->flags & DNSLAT_TRUNCATED)
		obuf_puts(&s->out, " [...truncated]");
}

static void dl_json(struct utrace_session *s, const struct event_hdr *h,
		    size_t size)
{
	const struct dnslat_event *e = (const void *)h;
	char buf[INET6_ADDRSTRLEN + 32];
	const char *addr;

	if (size < sizeof(*e) || e->func >= DNSLAT_NFUNCS)
		return;
	/* function and result names are plain identifiers: no escaping */
	obuf_printf(&s->out, ",\"function\":\"%s\",\"latency_ms\":%.6f,\"result\":\"%s\"",
		    funcs[e->func].name, e->latency_ns / 1e6,
		    result_name(e, buf, sizeof(buf)));
	if (is_address_lookup(e)) {
		addr = format_address(e, buf, sizeof(buf));
		utrace_put_json_field(s, "host", addr, strlen(addr));
	} else {
		utrace_put_json_field(s, "host", e->host, name_len(e));
	}
	if (h->flags & DNSLAT_TRUNCATED)
		obuf_puts(&s->out, ",\"truncated\":true");
}

/* -H: counts since the last print, into @delta. */
static int hist_take(struct utrace_session *s,
		     uint64_t delta[DNSLAT_NFUNCS][DNSLAT_NBUCKETS])
{
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "hist");
	int fd = m ? bpf_map__fd(m) : -1;

	for (uint32_t f = 0; f < DNSLAT_NFUNCS; f++) {
		for (uint32_t b = 0; b < DNSLAT_NBUCKETS; b++) {
			uint32_t key = f * DNSLAT_NBUCKETS + b;
			uint64_t v;

			if (bpf_map_lookup_elem(fd, &key, &v))
				return -errno;
			delta[f][b] = v - hist_shown[f][b];
			hist_shown[f][b] = v;
		}
	}
	return 0;
}

/* Index of the last non-empty bucket, -1 when all are empty. */
static int hist_last(const uint64_t *v)
{
	int last = -1;

	for (int b = 0; b < DNSLAT_NBUCKETS; b++)
		if (v[b])
			last = b;
	return last;
}

/* Bucket @b holds latencies of [low, high] microseconds. */
static uint64_t bucket_low(int b)
{
	return b ? 1ULL << b : 0;
}

static uint64_t bucket_high(int b)
{
	return (2ULL << b) - 1;
}

/* The layout of libbpf-tools' histograms, so eyes and scripts know it. */
static void hist_table(struct obuf *o, const char *func, const uint64_t *v)
{
	int last = hist_last(v);
	uint64_t max = 0;

	for (int b = 0; b <= last; b++)
		if (v[b] > max)
			max = v[b];
	obuf_printf(o, "function = %s\n", func);
	obuf_printf(o, "%5s%-19s : count    distribution\n", "", "usecs");
	for (int b = 0; b <= last; b++) {
		uint64_t stars = v[b] * HIST_STARS / max;

		obuf_printf(o, "%10llu -> %-10llu : %-8llu |",
			    (unsigned long long)bucket_low(b),
			    (unsigned long long)bucket_high(b),
			    (unsigned long long)v[b]);
		for (uint64_t i = 0; i < HIST_STARS; i++)
			obuf_putc(o, i < stars ? '*' : ' ');
		obuf_puts(o, "|\n");
	}
	obuf_putc(o, '\n');
}

static void hist_json(struct obuf *o, const char *when, const char *func,
		      const uint64_t *v)
{
	int last = hist_last(v);

	obuf_printf(o, "{\"time\":\"%s\",\"function\":\"%s\",\"buckets\":[",
		    when, func);
	for (int b = 0; b <= last; b++)
		obuf_printf(o, "%s{\"le_us\":%llu,\"count\":%llu}", b ? "," : "",
			    (unsigned long long)bucket_high(b),
			    (unsigned long long)v[b]);
	obuf_puts(o, "]}\n");
}

/* The histograms of every function that saw a lookup since the last call. */
static void print_histograms(struct utrace_session *s, bool stamp)
{
	uint64_t delta[DNSLAT_NFUNCS][DNSLAT_NBUCKETS];
	struct timespec now;
	char when[64];
	int err;

	if ((err = hist_take(s, delta))) {
		utrace_error(s, "reading the histogram: %s", strerror(-err));
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (s->opt.json)
		clock_format_rfc3339(when, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	else
		clock_format_hms(when, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	if (stamp && !s->opt.json)
		obuf_printf(&s->out, "%s\n", when);
	for (int f = 0; f < DNSLAT_NFUNCS; f++) {
		if (hist_last(delta[f]) < 0)
			continue;
		if (s->opt.json)
			hist_json(&s->out, when, funcs[f].name, delta[f]);
		else
			hist_table(&s->out, funcs[f].name, delta[f]);
	}
}

static void dl_interval(struct utrace_session *s)
{
	print_histograms(s, true);
}

static void dl_finish(struct utrace_session *s)
{
	/* with -i, what is left is one last (shorter) interval */
	if (cfg.hist)
		print_histograms(s, cfg.interval_ns != 0);
}

static void dl_cleanup(struct utrace_session *s)
{
	(void)s;
	bpf_link__destroy(exit_link);
	exit_link = NULL;
	free(probed);
	probed = NULL;
	nprobed = capprobed = 0;
}

static const char *const aliases[] = { "gethostlatency", NULL };

const struct utrace_tool utrace_tool_dnslat = {
	.name = "dnslat",
	.summary = "Print name lookups made through libc, with their latency",
	.aliases = aliases,
	.argp = &argp,
	.tracing = "name lookups",
	.bpf_elf = dnslat_bpf__elf_bytes,
	.prepare = dl_prepare,
	.configure = dl_configure,
	.attach = dl_attach,
	.discover = dl_discover,
	.time_width = 8,
	.columns = columns,
	.print_row = dl_row,
	.print_json = dl_json,
	.interval = dl_interval,
	.finish = dl_finish,
	.cleanup = dl_cleanup,
};
