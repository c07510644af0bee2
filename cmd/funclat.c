// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace funclat: how long calls of any user-space function take.
 *
 * Each SPEC (LIB:FUNC, PROG:FUNC, /path:FUNC, :FUNC; lib/funcspec.h)
 * becomes a target the core looks for in every process (or the -p ones):
 * a library by its base names (every copy in use: the host's, a
 * container's, an LD_LIBRARY_PATH copy, musl), a program by its name, a
 * file by its identity. The target's attach() globs FUNC over the file's
 * functions and probes each match, entry and return, with the function's
 * number as cookie: one link per file and direction holds them all. What
 * could not be found, and why, is said once the start's probes are in.
 * That is funclat/specs.c; this file is the options and the output.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "escape.h"
#include "funclat.h"
#include "funclat.skel.h"
#include "funclat_specs.h"
#include "numparse.h"
#include "utrace.h"

#define LAT_WIDTH 10

/* ---- options ---- */

enum { OPT_MSECS = 0x100, OPT_NSECS };

static const struct argp_option options[] = {
	{ "min-ms", 'm', "MS", 0,
	  "No histograms: a row for each call that took at least MS milliseconds (fractions allowed; 0: every call)", 0 },
	{ "interval", 'i', "SECONDS", 0,
	  "Print the histograms of each SECONDS-long interval", 0 },
	{ "microseconds", 'u', NULL, 0, "Histogram buckets in microseconds", 0 },
	{ "milliseconds", OPT_MSECS, NULL, 0, "Histogram buckets in milliseconds", 0 },
	{ "nanoseconds", OPT_NSECS, NULL, 0, "Histogram buckets in nanoseconds (the default)", 0 },
	{ 0 },
};

static void set_unit(struct argp_state *state, struct funclat *cfg, uint64_t unit)
{
	if (cfg->unit_given && cfg->unit_ns != unit)
		argp_error(state, "one unit only: -u, --milliseconds or --nanoseconds");
	cfg->unit_given = true;
	cfg->unit_ns = unit;
}

static void add_spec(struct argp_state *state, struct funclat *cfg, char *arg)
{
	struct spec *sp;
	const char *why;

	if (cfg->nspecs == MAX_SPECS)
		argp_error(state, "at most %d SPECs", MAX_SPECS);
	sp = &cfg->specs[cfg->nspecs];
	sp->index = cfg->nspecs++;
	sp->arg = arg;
	if (funcspec_parse(arg, &sp->fs, &why))
		argp_error(state, "bad SPEC '%s': %s", arg, why);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct utrace_session *s = state->input;
	struct funclat *cfg = s->priv;
	double v;

	switch (key) {
	case 'm':
		/* an hour is longer than anyone waits for a row */
		if (parse_seconds(arg, 0, 3600e3, &v))
			argp_error(state, "invalid minimum latency '%s' (milliseconds, 0 to 3600000)", arg);
		cfg->min_ns = (uint64_t)llround(v * 1e6);
		cfg->rows = true;
		return 0;
	case 'i':
		if (parse_seconds(arg, 0.1, 86400, &v))
			argp_error(state, "invalid interval '%s' (seconds, 0.1 to 86400)", arg);
		cfg->interval_ns = (uint64_t)llround(v * 1e9);
		return 0;
	case 'u':
		set_unit(state, cfg, 1000);
		return 0;
	case OPT_MSECS:
		set_unit(state, cfg, 1000000);
		return 0;
	case OPT_NSECS:
		set_unit(state, cfg, 1);
		return 0;
	case ARGP_KEY_ARG:
		add_spec(state, cfg, arg);
		return 0;
	case ARGP_KEY_END:
		if (!cfg->nspecs)
			argp_error(state, "no SPEC: name the functions to time (LIB:FUNC, PROG:FUNC or :FUNC)");
		if (cfg->rows && cfg->interval_ns)
			argp_error(state, "-i is for histograms, -m prints rows: one or the other");
		if (cfg->rows && cfg->unit_given)
			argp_error(state, "units are for histograms; -m rows are in milliseconds");
		for (int i = 0; i < cfg->nspecs; i++)
			if (cfg->specs[i].fs.kind == FUNCSPEC_SELF && !s->opt.npids)
				argp_error(state, "'%s': ':FUNC' means the executable of the -p process: add -p PID",
					   cfg->specs[i].arg);
		if (!cfg->unit_given)
			cfg->unit_ns = 1;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "SPEC...",
	.doc = "Time calls of user-space functions: a latency histogram per function\n"
	       "(count, average and total too), or with -m a row per slow call.\v"
	       "SPEC is LIB:FUNC (a library by name, like c, pthread, ssl or\n"
	       "libcrypto.so.3: every copy in use, containers and later processes\n"
	       "included), PROG:FUNC (a program by name), /PATH:FUNC (that file), or\n"
	       ":FUNC (the executable of the -p process). FUNC may be a glob.\n"
	       "A traced call made while another traced call runs on the same\n"
	       "thread (recursion, nesting) is part of the outer one's time.\n\n"
	       "EXAMPLES:\n"
	       "  utrace funclat c:malloc c:free         # every process, every libc\n"
	       "  utrace funclat -u 'c:pthread_mutex_*'  # a glob, in microseconds\n"
	       "  utrace funclat -p 1234 ssl:SSL_read    # one process's OpenSSL\n"
	       "  utrace funclat -p 1234 ':handle_*'     # its own executable's functions\n"
	       "  utrace funclat -m 10 bash:readline     # a row per call of 10 ms or more\n"
	       "  utrace funclat -i 5 /opt/app/lib/libx.so:x_query   # every 5 seconds\n"
	       "  utrace funclat -j -d 60 c:getaddrinfo > lat.json   # a minute, JSON\n",
};

static int fl_prepare(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;
	int err;

	if (!cfg->rows && s->opt.count) {
		utrace_error(s, "-c counts rows, and histograms have none: add -m, or bound the histograms with -d");
		return UTRACE_EXIT_USAGE;
	}
	if (functable_init(&cfg->funcs, FUNCLAT_MAX_FUNCS)) {
		utrace_error(s, "out of memory");
		return UTRACE_EXIT_ERROR;
	}
	if ((err = specs_make_targets(s)))
		return err;
	s->interval_ns = cfg->interval_ns;
	/* histograms have headings of their own, not the rows' header */
	if (!cfg->rows)
		s->table_header_done = true;
	return UTRACE_EXIT_OK;
}

static int fl_configure(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;
	struct bpf_map *hist = bpf_object__find_map_by_name(s->obj, "utrace_hist");
	struct bpf_map *nested = bpf_object__find_map_by_name(s->obj, "nested");

	if (!hist || !nested ||
	    utrace_set_rodata(s, "min_ns", &cfg->min_ns, sizeof(cfg->min_ns)) ||
	    utrace_set_rodata(s, "rows", &cfg->rows, sizeof(cfg->rows)) ||
	    hist_configure(s, cfg->unit_ns)) {
		utrace_error(s, "BPF object lacks its settings");
		return UTRACE_EXIT_ERROR;
	}
	/* rows need no histograms: 1.3 MiB of kernel memory less */
	if (cfg->rows) {
		bpf_map__set_max_entries(hist, 1);
		bpf_map__set_max_entries(nested, 1);
	}
	return UTRACE_EXIT_OK;
}

static int fl_attach(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "nested");

	cfg->nested_fd = -1;
	if (cfg->rows)
		return UTRACE_EXIT_OK;
	cfg->nested_shown = calloc(FUNCLAT_MAX_FUNCS, sizeof(uint64_t));
	cfg->nested_delta = calloc(FUNCLAT_MAX_FUNCS, sizeof(uint64_t));
	if (!m || !cfg->nested_shown || !cfg->nested_delta ||
	    hist_open(s, &cfg->h, FUNCLAT_MAX_FUNCS)) {
		utrace_error(s, "BPF object lacks its histograms");
		return UTRACE_EXIT_ERROR;
	}
	cfg->nested_fd = bpf_map__fd(m);
	return UTRACE_EXIT_OK;
}

/* ---- rows ---- */

static const struct functable_entry *row_func(struct utrace_session *s,
					      const struct event_hdr *h, size_t size)
{
	const struct funclat_event *e = (const void *)h;
	struct funclat *cfg = s->priv;

	return size >= sizeof(*e) ? functable_get(&cfg->funcs, e->func) : NULL;
}

static void get_latency(struct utrace_session *s, const struct event_hdr *h,
			size_t size, struct utrace_value *v)
{
	const struct funclat_event *e = (const void *)h;

	(void)s;
	if (size < sizeof(*e))
		return;
	v->type = UTRACE_V_MS;
	v->u64 = e->latency_ns;
}

/* Names come from traced files: untrusted, escaped like typed text. */
static void get_func(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct functable_entry *f = row_func(s, h, size);

	if (!f)
		return;
	v->type = UTRACE_V_TEXT;
	v->str = f->name;
	v->len = strlen(f->name);
}

static void get_spec(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct functable_entry *f = row_func(s, h, size);
	struct funclat *cfg = s->priv;

	if (!f)
		return;
	v->type = UTRACE_V_TEXT;
	v->str = cfg->specs[f->group].arg;
	v->len = strlen(v->str);
}

static const struct utrace_column columns[] = {
	UTRACE_COLUMN_COMM,
	{ "LATms", LAT_WIDTH, "latency_ms", get_latency, NULL, false },
	{ "FUNC", 0, "function", get_func, NULL, false },
	{ "SPEC", 0, "spec", get_spec, NULL, true },
	{ 0 },
};

/* ---- histograms ---- */

static int take_nested(struct funclat *cfg)
{
	for (uint32_t k = 0; k < cfg->funcs.n; k++) {
		uint64_t now;

		if (bpf_map_lookup_elem(cfg->nested_fd, &k, &now))
			return -errno;
		cfg->nested_delta[k] = now - cfg->nested_shown[k];
		cfg->nested_shown[k] = now;
	}
	return 0;
}

static int cmp_ids(const void *a, const void *b, void *arg)
{
	const struct functable *t = arg;
	const struct functable_entry *x = functable_get(t, *(const uint32_t *)a);
	const struct functable_entry *y = functable_get(t, *(const uint32_t *)b);

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void print_one_table(struct utrace_session *s, uint32_t k, uint64_t nested)
{
	struct funclat *cfg = s->priv;
	const struct functable_entry *f = functable_get(&cfg->funcs, k);
	const struct utrace_hist_slot *v = &cfg->h.delta[k];
	struct obuf *o = &s->out;

	obuf_puts(o, "function = ");
	escape_text(o, f->name, strlen(f->name));
	if (cfg->nspecs > 1) {
		obuf_puts(o, " (");
		escape_text(o, cfg->specs[f->group].arg, strlen(cfg->specs[f->group].arg));
		obuf_putc(o, ')');
	}
	obuf_putc(o, '\n');
	if (hist_last(v) >= 0) {
		hist_print_buckets(o, cfg->unit_ns, v);
		hist_print_summary(o, cfg->unit_ns, v);
	}
	if (nested)
		obuf_printf(o, "nested in traced calls, not timed: %llu\n",
			    (unsigned long long)nested);
	obuf_putc(o, '\n');
}

static void print_one_json(struct utrace_session *s, uint32_t k, uint64_t nested,
			   const char *when)
{
	struct funclat *cfg = s->priv;
	const struct functable_entry *f = functable_get(&cfg->funcs, k);
	const struct utrace_hist_slot *v = &cfg->h.delta[k];
	const char *spec = cfg->specs[f->group].arg;
	uint64_t n = hist_count(v);
	struct obuf extra = { 0 };

	json_string_field(&extra, "spec", spec, strlen(spec));
	obuf_printf(&extra, ",\"count\":%llu,\"total_ns\":%llu,\"average_ns\":%llu,\"nested\":%llu",
		    (unsigned long long)n, (unsigned long long)v->total_ns,
		    (unsigned long long)(n ? v->total_ns / n : 0), (unsigned long long)nested);
	hist_print_json(&s->out, cfg->unit_ns, when, "function", f->name, v, extra.data);
	obuf_free(&extra);
}

/* The histograms of every function called since the last time. */
static void print_histograms(struct utrace_session *s, bool stamp)
{
	struct funclat *cfg = s->priv;
	uint32_t *order;
	char when[64];
	size_t n = 0;
	int err;

	cfg->h.nkeys = (unsigned int)cfg->funcs.n;	/* the numbers given so far */
	if ((err = hist_take(&cfg->h)) || (err = take_nested(cfg))) {
		utrace_error(s, "reading the histograms: %s", strerror(-err));
		return;
	}
	hist_stamp(when, s->opt.json, cfg->interval_ns);
	if (stamp && !s->opt.json)
		obuf_printf(&s->out, "%s\n", when);
	order = malloc((cfg->funcs.n ? cfg->funcs.n : 1) * sizeof(*order));
	if (!order)
		return;
	for (uint32_t k = 0; k < cfg->funcs.n; k++)
		if (hist_last(&cfg->h.delta[k]) >= 0 || cfg->nested_delta[k])
			order[n++] = k;
	qsort_r(order, n, sizeof(*order), cmp_ids, &cfg->funcs);
	for (size_t i = 0; i < n; i++) {
		if (s->opt.json)
			print_one_json(s, order[i], cfg->nested_delta[order[i]], when);
		else
			print_one_table(s, order[i], cfg->nested_delta[order[i]]);
	}
	free(order);
}

static void fl_interval(struct utrace_session *s)
{
	print_histograms(s, true);
}

static void fl_finish(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;

	/* with -i, what is left is one last (shorter) interval */
	if (!cfg->rows && cfg->h.shown)
		print_histograms(s, cfg->interval_ns != 0);
}

static void fl_cleanup(struct utrace_session *s)
{
	struct funclat *cfg = s->priv;

	hist_close(&cfg->h);
	free(cfg->nested_shown);
	free(cfg->nested_delta);
	functable_free(&cfg->funcs);
}

/* ---- metrics (--metrics, --metrics-file) ---- */

/* the functions traced: as many as were asked for, no more (at most 4096) */
static const char *const row_labels[] = { "function", NULL };

static int hist_labels(const struct utrace_session *s, unsigned int key,
		       struct utrace_label *l)
{
	const struct funclat *cfg = s->priv;
	const struct functable_entry *f = functable_get(&cfg->funcs, key);

	if (!f)
		return -1;
	l[0] = (struct utrace_label){ "function", f->name };
	return 1;
}

static const struct utrace_metrics metrics = {
	.row_labels = row_labels,
	.hist = "utrace_function_duration_seconds",
	.hist_help = "Calls of the traced functions, by how long they took",
	.hist_labels = hist_labels,
};

const struct utrace_tool utrace_tool_funclat = {
	.name = "funclat",
	.summary = "Time calls of any user-space function: latency histograms, or slow calls",
	.argp = &argp,
	.tracing = "function calls",
	.priv_size = sizeof(struct funclat),
	.bpf_elf = funclat_bpf__elf_bytes,
	.prepare = fl_prepare,
	.configure = fl_configure,
	.attach = fl_attach,
	.started = specs_check_found,
	.time_width = 8,
	.columns = columns,
	.interval = fl_interval,
	.finish = fl_finish,
	.cleanup = fl_cleanup,
	.metrics = &metrics,
};
