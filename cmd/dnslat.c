// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace dnslat: name lookups made through libc, with their latency, and
 * those of Go's own resolver (dnslat_go.c).
 *
 * Probes go on getaddrinfo() and its older relatives in every libc in use:
 * the host's, and each one found mapped by a process (a container's, a
 * copy loaded through LD_LIBRARY_PATH, musl). The core finds them from the
 * targets below; this file is about name lookups only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dnslat.h"
#include "dnslat_go.h"
#include "dnslat.skel.h"
#include "histogram.h"
#include "numparse.h"
#include "utrace.h"

/* Table column widths; FUNC fits the longest names, gethostbyname2_r and
 * go:lookupIPAddr. */
#define FUNC_WIDTH	16
#define LAT_WIDTH	10
#define RESULT_WIDTH	14

/* How a function tells failure, and so how its RESULT is named. */
enum outcome {
	OUTCOME_EAI,		/* int: 0 or EAI_* */
	OUTCOME_POINTER,	/* struct hostent *: NULL and h_errno */
	OUTCOME_REENTRANT,	/* int errno, *result NULL and *h_errnop */
	OUTCOME_GO,		/* Go's error: nil, a *net.DNSError, another */
};

static const struct {
	const char *name;
	enum outcome outcome;
} funcs[DNSLAT_NFUNCS] = {
	[DNSLAT_GETADDRINFO] = { "getaddrinfo", OUTCOME_EAI },
	[DNSLAT_GETHOSTBYNAME] = { "gethostbyname", OUTCOME_POINTER },
	[DNSLAT_GETHOSTBYNAME2] = { "gethostbyname2", OUTCOME_POINTER },
	[DNSLAT_GETHOSTBYNAME_R] = { "gethostbyname_r", OUTCOME_REENTRANT },
	[DNSLAT_GETHOSTBYNAME2_R] = { "gethostbyname2_r", OUTCOME_REENTRANT },
	[DNSLAT_GETNAMEINFO] = { "getnameinfo", OUTCOME_EAI },
	[DNSLAT_GETHOSTBYADDR] = { "gethostbyaddr", OUTCOME_POINTER },
	[DNSLAT_GETHOSTBYADDR_R] = { "gethostbyaddr_r", OUTCOME_REENTRANT },
	[DNSLAT_GO_LOOKUPIPADDR] = { "go:lookupIPAddr", OUTCOME_GO },
	[DNSLAT_GO_LOOKUPHOST] = { "go:lookupHost", OUTCOME_GO },
	[DNSLAT_GO_LOOKUPADDR] = { "go:lookupAddr", OUTCOME_GO },
};

/* ---- what is traced ---- */

/* Base names a libc has in /proc/PID/maps: glibc, older glibc, musl. */
static const char *const libc_names[] = {
	"libc.so.6", "libc-[0-9]*.so", "libc.so", "ld-musl-*.so.1",
	"libc.musl-*.so.1", NULL,
};

static const char *const libc_defines[] = { "getaddrinfo", NULL };

/* its entry and return: the pair "lookup" (bpf/common.bpf.h) */
#define LOOKUP(fn, id, opt) { .func = fn, .prog = "lookup", .flags = (opt), .cookie = (id) }

/* getaddrinfo is what makes a libc; the others are old calls it may lack. */
static const struct utrace_probe libc_probes[] = {
	LOOKUP("getaddrinfo", DNSLAT_GETADDRINFO, 0),
	LOOKUP("gethostbyname", DNSLAT_GETHOSTBYNAME, UTRACE_OPTIONAL),
	LOOKUP("gethostbyname2", DNSLAT_GETHOSTBYNAME2, UTRACE_OPTIONAL),
	LOOKUP("gethostbyname_r", DNSLAT_GETHOSTBYNAME_R, UTRACE_OPTIONAL),
	LOOKUP("gethostbyname2_r", DNSLAT_GETHOSTBYNAME2_R, UTRACE_OPTIONAL),
	LOOKUP("getnameinfo", DNSLAT_GETNAMEINFO, UTRACE_OPTIONAL),
	LOOKUP("gethostbyaddr", DNSLAT_GETHOSTBYADDR, UTRACE_OPTIONAL),
	LOOKUP("gethostbyaddr_r", DNSLAT_GETHOSTBYADDR_R, UTRACE_OPTIONAL),
	{ 0 },
};

static const struct utrace_target targets[] = {
	{
		.what = "libc",
		.match = { .kind = UTRACE_LIB, .names = libc_names, .all = libc_defines },
		.probes = libc_probes,
	},
	DNSLAT_GO_TARGET,
	{ 0 },
};

/* ---- options ---- */

struct dnslat {
	bool show_func;
	bool show_result;
	bool hist;
	uint64_t interval_ns;
	uint64_t min_ns;
	const char *libc;
	struct utrace_hist h;
};

static const struct argp_option options[] = {
	{ "show-function", 'F', NULL, 0,
	  "Add a FUNC column: the libc function called, or Go's (go:lookupIPAddr, ...)", 0 },
	{ "show-result", 'R', NULL, 0,
	  "Add a RESULT column: ok, or why the lookup failed (EAI_NONAME, HOST_NOT_FOUND, "
	  "Go's NOT_FOUND, TIMEOUT, ...)", 0 },
	{ "histogram", 'H', NULL, 0,
	  "No rows: print a latency histogram per function at the end", 0 },
	{ "interval", 'i', "SECONDS", 0,
	  "With -H: print the histograms of each SECONDS-long interval", 0 },
	{ "min-ms", 'm', "MS", 0,
	  "Only lookups that took at least MS milliseconds (fractions allowed)", 0 },
	{ "libc", 'l', "PATH", 0,
	  "Trace this libc file instead of every libc in use (and no Go program)", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct utrace_session *s = state->input;
	struct dnslat *cfg = s->priv;
	double v;

	switch (key) {
	case 'F':
		cfg->show_func = true;
		return 0;
	case 'R':
		cfg->show_result = true;
		return 0;
	case 'H':
		cfg->hist = true;
		return 0;
	case 'i':
		if (parse_seconds(arg, 0.1, 86400, &v))
			argp_error(state, "invalid interval '%s' (seconds, 0.1 to 86400)", arg);
		cfg->interval_ns = (uint64_t)llround(v * 1e9);
		return 0;
	case 'm':
		/* an hour is longer than any resolver waits */
		if (parse_seconds(arg, 0, 3600e3, &v))
			argp_error(state, "invalid minimum latency '%s' (milliseconds, 0 to 3600000)", arg);
		cfg->min_ns = (uint64_t)llround(v * 1e6);
		return 0;
	case 'l':
		if (cfg->libc)
			argp_error(state, "-l can be given once");
		if (!*arg)
			argp_error(state, "empty path for -l");
		cfg->libc = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	case ARGP_KEY_END:
		if (cfg->interval_ns && !cfg->hist)
			argp_error(state, "-i is for histograms: add -H");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Print name lookups made through libc (getaddrinfo, gethostbyname and\n"
	       "relatives, getnameinfo, gethostbyaddr) or Go's own resolver, with how\n"
	       "long each took.\v"
	       "Every libc in use is traced, including those of containers and\n"
	       "processes started later, and every Go program (Go 1.18 to 1.26,\n"
	       "stripped or not). HOST is the name asked about, or for getnameinfo\n"
	       "and gethostbyaddr the address.\n\n"
	       "EXAMPLES:\n"
	       "  utrace dnslat                # every lookup on the machine\n"
	       "  utrace dnslat -p 1234        # only process 1234 (its libc, or Go's resolver)\n"
	       "  utrace dnslat -FR -m 100     # slow lookups: which call, what result\n"
	       "  utrace dnslat -H -i 10       # latency histograms every 10 seconds\n"
	       "  utrace dnslat -l /opt/app/lib/libc.so.6   # one libc file only\n"
	       "  utrace dnslat -j -d 60 > lookups.json     # a minute of JSON lines\n",
};

static int dl_prepare(struct utrace_session *s)
{
	struct dnslat *cfg = s->priv;

	if (cfg->hist && s->opt.count) {
		utrace_error(s, "-c counts rows and -H prints none: bound a histogram with -d");
		return UTRACE_EXIT_USAGE;
	}
	/* options about rows have nothing to act on with -H: say so */
	if (cfg->hist && (cfg->show_func || cfg->show_result || s->opt.print_uid ||
			  s->opt.no_header)) {
		utrace_error(s, "%s is about rows, and -H prints none (histograms are per function)",
			     cfg->show_func ? "-F" : cfg->show_result ? "-R" :
			     s->opt.print_uid ? "-U" : "--no-header");
		return UTRACE_EXIT_USAGE;
	}
	s->interval_ns = cfg->interval_ns;
	/* histograms have headings of their own, not the rows' header */
	if (cfg->hist)
		s->table_header_done = true;
	return UTRACE_EXIT_OK;
}

static int dl_configure(struct utrace_session *s)
{
	struct dnslat *cfg = s->priv;
	bool hist = cfg->hist;

	if (utrace_set_rodata(s, "min_ns", &cfg->min_ns, sizeof(cfg->min_ns)) ||
	    utrace_set_rodata(s, "hist_mode", &hist, sizeof(hist)) ||
	    hist_configure(s, 1000)) {
		utrace_error(s, "BPF object lacks its settings");
		return UTRACE_EXIT_ERROR;
	}
	return UTRACE_EXIT_OK;
}

static int dl_attach(struct utrace_session *s)
{
	struct dnslat *cfg = s->priv;
	int err;

	if (cfg->hist && hist_open(s, &cfg->h, DNSLAT_NFUNCS * DNSLAT_NRESULTS)) {
		utrace_error(s, "BPF object lacks its histograms");
		return UTRACE_EXIT_ERROR;
	}
	if (!cfg->libc)
		return UTRACE_EXIT_OK;
	err = utrace_trace_path(s, &targets[0], cfg->libc);
	if (utrace_err_layer(err) == UTRACE_L_ELF && utrace_err_errno(err) == ESRCH)
		utrace_error(s, "%s: no getaddrinfo in it: not a libc?", cfg->libc);
	else if (err)
		utrace_error(s, "%s: %s", cfg->libc, utrace_why(err));
	return err ? UTRACE_EXIT_ERROR : UTRACE_EXIT_OK;
}

/* ---- rows ---- */

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

static const char *code_name(const struct name_code *t, int code)
{
	for (; t->name; t++)
		if (t->code == code)
			return t->name;
	return NULL;
}

/*
 * The event, if it is one: a record from the ring buffer is checked once.
 * It ends where its host[] bytes do (DNSLAT_HOST_SHORT of room, or all of
 * them): e->len within the record makes every later use of host[] safe.
 */
static const struct dnslat_event *event(const struct event_hdr *h, size_t size)
{
	const struct dnslat_event *e = (const void *)h;
	size_t head = offsetof(struct dnslat_event, host);

	return size >= head && e->func < DNSLAT_NFUNCS && e->len <= size - head ? e : NULL;
}

/* "ok", or the most precise reason for the failure the event carries. */
static const char *result_name(const struct dnslat_event *e, size_t size,
			       char *buf, size_t len)
{
	bool null = e->hdr.flags & DNSLAT_NULL;
	const struct dnslat_go_event *g;
	const char *name = NULL;

	switch (funcs[e->func].outcome) {
	case OUTCOME_GO:
		g = dnslat_go_event(&e->hdr, size);
		return g ? dnslat_go_result(g) : "error";
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
	uint32_t scope = 0;
	size_t need = 0, n;

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
			if (have >= need)
				memcpy(&scope, e->host + offsetof(struct sockaddr_in6, sin6_scope_id),
				       sizeof(scope));
		}
	} else {
		need = family == AF_INET ? sizeof(struct in_addr) :
		       family == AF_INET6 ? sizeof(struct in6_addr) : 0;
	}
	if (need && have >= need && inet_ntop(family, addr, buf, (socklen_t)len)) {
		/* a link-local address means nothing without its interface */
		n = strlen(buf);
		if (scope && n + 12 < len)
			snprintf(buf + n, len - n, "%%%u", scope);
		return buf;
	}
	snprintf(buf, len, "(family %d, %zu bytes)", family, have);
	return buf;
}

static bool is_address_lookup(const struct dnslat_event *e)
{
	return e->func == DNSLAT_GETNAMEINFO || e->func == DNSLAT_GETHOSTBYADDR ||
	       e->func == DNSLAT_GETHOSTBYADDR_R;
}

/* Formatted text lives until the next row: one row at a time. */
static char row_buf[INET6_ADDRSTRLEN + 32];

static void get_func(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct dnslat_event *e = event(h, size);

	(void)s;
	if (!e)
		return;
	v->type = UTRACE_V_STR;
	v->str = funcs[e->func].name;
}

static void get_latency(struct utrace_session *s, const struct event_hdr *h,
			size_t size, struct utrace_value *v)
{
	const struct dnslat_event *e = event(h, size);

	(void)s;
	if (!e)
		return;
	v->type = UTRACE_V_MS;
	v->u64 = e->latency_ns;
}

static void get_result(struct utrace_session *s, const struct event_hdr *h,
		       size_t size, struct utrace_value *v)
{
	const struct dnslat_event *e = event(h, size);

	(void)s;
	if (!e)
		return;
	v->type = UTRACE_V_STR;
	v->str = result_name(e, size, row_buf, sizeof(row_buf));
}

/*
 * The length of @p[0..n) without the last character when a cut split it:
 * a name cut at DNSLAT_HOST_MAX bytes ends with its last whole one.
 */
static size_t utf8_whole(const char *p, size_t n)
{
	size_t i = n, follow = 0, need;
	unsigned char lead;

	while (i > 0 && follow < 3 && ((unsigned char)p[i - 1] & 0xc0) == 0x80) {
		i--;
		follow++;
	}
	if (!i)
		return n;
	lead = (unsigned char)p[i - 1];
	if (lead < 0xc2 || lead > 0xf4)
		return n;	/* ASCII, or not UTF-8 anyway: kept as it is */
	need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
	return follow < need ? i - 1 : n;
}

static void get_host(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct dnslat_event *e = event(h, size);

	(void)s;
	if (!e || (h->flags & DNSLAT_NO_NAME))
		return;		/* getaddrinfo(NULL, service): no name at all */
	if (is_address_lookup(e)) {
		v->type = UTRACE_V_STR;
		v->str = format_address(e, row_buf, sizeof(row_buf));
		return;
	}
	v->type = UTRACE_V_TEXT;
	v->str = e->host;
	v->len = e->len < DNSLAT_HOST_MAX ? e->len : DNSLAT_HOST_MAX;
	v->truncated = h->flags & DNSLAT_TRUNCATED;
	if (v->truncated)
		v->len = utf8_whole(e->host, v->len);
}

static bool func_shown(const struct utrace_session *s, bool json)
{
	return json || ((const struct dnslat *)s->priv)->show_func;
}

static bool result_shown(const struct utrace_session *s, bool json)
{
	return json || ((const struct dnslat *)s->priv)->show_result;
}

static const struct utrace_column columns[] = {
	UTRACE_COLUMN_COMM,
	{ "FUNC", FUNC_WIDTH, "function", get_func, func_shown, false },
	{ "LATms", LAT_WIDTH, "latency_ms", get_latency, NULL, false },
	{ "RESULT", RESULT_WIDTH, "result", get_result, result_shown, false },
	{ "HOST", 0, "host", get_host, NULL, false },
	/* what a Go *net.DNSError said; null for every other row */
	{ "ERROR", 0, "error", dnslat_go_get_error, NULL, true },
	{ "SERVER", 0, "server", dnslat_go_get_server, NULL, true },
	{ 0 },
};

/* ---- histograms ---- */

/* The histograms of every function that saw a lookup since the last call. */
static void print_histograms(struct utrace_session *s, bool stamp)
{
	struct dnslat *cfg = s->priv;
	char when[64];
	int err, shown = 0;

	if ((err = hist_take(&cfg->h))) {
		utrace_error(s, "reading the histogram: %s", strerror(-err));
		return;
	}
	hist_stamp(when, s->opt.json, cfg->interval_ns);
	if (stamp && !s->opt.json)
		obuf_printf(&s->out, "%s\n", when);
	for (int f = 0; f < DNSLAT_NFUNCS; f++) {
		struct utrace_hist_slot sum;

		/* one histogram per function: its outcomes summed */
		hist_sum(&sum, &cfg->h.delta[f * DNSLAT_NRESULTS], DNSLAT_NRESULTS);
		if (hist_last(&sum) < 0)
			continue;
		shown++;
		if (s->opt.json)
			hist_print_json(&s->out, 1000, when, "function", funcs[f].name,
					&sum, NULL);
		else
			hist_print_table(&s->out, 1000, "function", funcs[f].name, &sum);
	}
	/*
	 * No lookup in this interval: a line saying so, so that a script
	 * tells "none" from a tracer that stalled (the table has its stamp).
	 */
	if (!shown && s->opt.json)
		obuf_printf(&s->out, "{\"time\":\"%s\",\"function\":null,\"buckets\":[]}\n", when);
}

static void dl_interval(struct utrace_session *s)
{
	print_histograms(s, true);
}

static void dl_finish(struct utrace_session *s)
{
	struct dnslat *cfg = s->priv;

	/* with -i, what is left is one last (shorter) interval */
	if (cfg->hist)
		print_histograms(s, cfg->interval_ns != 0);
}

static void dl_cleanup(struct utrace_session *s)
{
	hist_close(&((struct dnslat *)s->priv)->h);
}

/* ---- metrics (--metrics, --metrics-file) ---- */

static const char *const row_labels[] = { "function", "result", NULL };

/* The RESULT of an outcome of -H's keys (bpf/dnslat.h), as rows name it. */
static const char *outcome_name(unsigned int func, unsigned int res)
{
	const char *name = NULL;

	if (res == DNSLAT_RES_OK)
		return "ok";
	if (res == DNSLAT_RES_GO_ERROR)
		return "error";
	if (res == DNSLAT_RES_ERANGE)
		return "ERANGE";
	if (res >= 1 && res <= DNSLAT_RES_EAI_MAX && funcs[func].outcome == OUTCOME_EAI)
		name = code_name(eai_names, -(int)res);
	else if (res > DNSLAT_RES_HERRNO && res <= DNSLAT_RES_HERRNO + 4)
		name = code_name(herrno_names, (int)(res - DNSLAT_RES_HERRNO));
	return name ? name : "failed";
}

static int hist_labels(const struct utrace_session *s, unsigned int key,
		       struct utrace_label *l)
{
	unsigned int func = key / DNSLAT_NRESULTS, res = key % DNSLAT_NRESULTS;

	(void)s;
	if (func >= DNSLAT_NFUNCS)
		return -1;
	l[0] = (struct utrace_label){ "function", funcs[func].name };
	l[1] = (struct utrace_label){ "result", outcome_name(func, res) };
	return 2;
}

static const struct utrace_metrics metrics = {
	.row_labels = row_labels,
	.hist = "utrace_dns_lookup_duration_seconds",
	.hist_help = "Name lookups through libc, by how long they took (-H)",
	.hist_labels = hist_labels,
};

const struct utrace_tool utrace_tool_dnslat = {
	.name = "dnslat",
	.summary = "Print name lookups made through libc or Go's resolver, with their latency",
	.argp = &argp,
	.tracing = "name lookups",
	.priv_size = sizeof(struct dnslat),
	.bpf_elf = dnslat_bpf__elf_bytes,
	.lazy_progs = dnslat_go_programs,
	.targets = targets,
	.absent = "has no libc mapped and no Go resolver: statically linked?",
	.prepare = dl_prepare,
	.configure = dl_configure,
	.attach = dl_attach,
	.time_width = 8,
	.columns = columns,
	.interval = dl_interval,
	.finish = dl_finish,
	.cleanup = dl_cleanup,
	.metrics = &metrics,
};
