// SPDX-License-Identifier: GPL-2.0-only
/*
 * Options common to every tool, parsed once here as an argp child of the
 * tool's own parser so `utrace TOOL --help` shows both.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "httpd.h"
#include "numparse.h"

enum {
	OPT_NO_HEADER = 0x100,
	OPT_BUFFER,
	OPT_IN_CONTAINER,
	OPT_METRICS,
	OPT_METRICS_FILE,
};

#define BUFFER_MIN (4096ULL)
#define BUFFER_MAX (1ULL << 30)

static const struct argp_option common_options[] = {
	{ "pid", 'p', "PID", 0,
	  "Trace only this process (repeatable); others never hit a probe", 0 },
	{ "json", 'j', NULL, 0,
	  "One JSON object per line instead of the table (schema: utrace(8))", 0 },
	{ "print-uid", 'U', NULL, 0, "Add a UID column to the table", 0 },
	{ "no-header", OPT_NO_HEADER, NULL, 0, "Print no table header", 0 },
	{ "duration", 'd', "SECONDS", 0,
	  "Trace this long, then print what is left and exit 0", 0 },
	{ "count", 'c', "N", 0, "Exit 0 after printing N events", 0 },
	{ "buffer", OPT_BUFFER, "SIZE", 0,
	  "Ring buffer size in bytes, K or M suffix (default 2M; see the tool's page)", 0 },
	{ "verbose", 'v', NULL, 0,
	  "Show what is attached where, and libbpf's own messages", 0 },
	{ "container", 'C', NULL, 0,
	  "Add a CONTAINER column (cgroup and container keys in JSON, a container label in metrics)", 0 },
	{ "in-container", OPT_IN_CONTAINER, "ID", 0,
	  "Trace only the processes of this container (its id, or the first digits of it)", 0 },
	{ "metrics", OPT_METRICS, "[ADDR:]PORT", 0,
	  "Serve Prometheus metrics on http://ADDR:PORT/metrics (ADDR: 127.0.0.1 unless given)", 0 },
	{ "metrics-file", OPT_METRICS_FILE, "PATH", 0,
	  "Write Prometheus metrics to PATH, replaced whole every interval and at the end", 0 },
	/* what the peers (and habit) use for --help */
	{ NULL, 'h', NULL, OPTION_HIDDEN, NULL, 0 },
	{ 0 },
};

/* A container id or the first digits of one: 1 to 64 hex digits. */
static bool container_id_ok(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	return n && !s[n] && n <= 64;
}

/* --metrics: "ADDR:PORT", ":PORT" or "PORT", checked now (httpd.h). */
static const char *metrics_addr(struct argp_state *state, char *arg)
{
	struct sockaddr_storage ss;
	char err[256], *with_colon;
	socklen_t len;

	if (arg[0] && strspn(arg, "0123456789") == strlen(arg)) {
		if (asprintf(&with_colon, ":%s", arg) < 0)
			argp_failure(state, UTRACE_EXIT_ERROR, ENOMEM, "--metrics");
		arg = with_colon;	/* lives as long as the options */
	}
	if (httpd_parse_addr(arg, &ss, &len, err, sizeof(err)))
		argp_error(state, "invalid --metrics %s", err);
	return arg;
}

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	struct utrace_common *common = state->input;
	uint64_t v;
	double d;

	switch (key) {
	case 'p':
		if (parse_u64(arg, 1, 4194304, &v))
			argp_error(state, "invalid PID '%s'", arg);
		if (common->npids == UTRACE_MAX_PIDS)
			argp_error(state, "at most %d -p options", UTRACE_MAX_PIDS);
		common->pids[common->npids++] = (pid_t)v;
		break;
	case 'j':
		common->json = true;
		break;
	case 'U':
		common->print_uid = true;
		break;
	case OPT_NO_HEADER:
		common->no_header = true;
		break;
	case 'd':
		/* a year is more than any trace session; it keeps ns in range */
		if (parse_seconds(arg, 0.001, 366.0 * 86400, &d))
			argp_error(state, "invalid duration '%s' (seconds, 0.001 to 31622400)", arg);
		common->duration_ns = (uint64_t)llround(d * 1e9);
		break;
	case 'c':
		if (parse_u64(arg, 1, (uint64_t)1e15, &v))
			argp_error(state, "invalid count '%s' (a number > 0)", arg);
		common->count = v;
		break;
	case OPT_BUFFER:
		if (parse_size(arg, BUFFER_MIN, BUFFER_MAX, &v))
			argp_error(state, "invalid buffer size '%s' (4K to 1G)", arg);
		common->buffer_bytes = v;
		break;
	case 'v':
		common->verbose = true;
		break;
	case 'h':
		argp_state_help(state, state->out_stream, ARGP_HELP_STD_HELP);
		break;
	case 'C':
		common->container = true;
		break;
	case OPT_IN_CONTAINER:
		if (!container_id_ok(arg))
			argp_error(state, "invalid container id '%s' (1 to 64 hex digits)", arg);
		common->in_container = arg;
		break;
	case OPT_METRICS:
		common->metrics_addr = metrics_addr(state, arg);
		break;
	case OPT_METRICS_FILE:
		if (!*arg)
			argp_error(state, "empty path for --metrics-file");
		common->metrics_file = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp utrace_common_argp = {
	.options = common_options,
	.parser = parse_common,
};

/*
 * The tool's parser gets its private state as argp's input; the common
 * child gets the common options, handed over at ARGP_KEY_INIT.
 */
struct parse_ctx {
	const struct argp *tool;
	struct utrace_session *s;
};

/*
 * The ring buffer --buffer makes (a power of two pages, see session.c)
 * must hold the tool's largest record with the kernel's 8-byte header.
 */
static void check_buffer(struct argp_state *state, const struct utrace_session *s)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), need, rb = page, min = page;

	if (!s->tool->max_record)
		return;
	need = (s->tool->max_record + 8 + 7) & ~7ULL;
	while (rb < s->opt.buffer_bytes)
		rb <<= 1;
	while (min < need)
		min <<= 1;
	if (rb < need)
		argp_error(state, "--buffer: a %lluK ring buffer cannot hold this tool's largest record (%zu bytes): at least %lluK",
			   (unsigned long long)(rb / 1024), s->tool->max_record,
			   (unsigned long long)(min / 1024));
}

static error_t parse_top(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	error_t err;

	if (key == ARGP_KEY_INIT)
		state->child_inputs[0] = &ctx->s->opt;
	if (key == ARGP_KEY_END)
		check_buffer(state, ctx->s);
	if (!ctx->tool->parser)
		return key == ARGP_KEY_ARG ? (argp_error(state, "unexpected argument '%s'", arg), 0)
					   : ARGP_ERR_UNKNOWN;
	/* the tool sees its own state, and the session through its input */
	state->input = ctx->s;
	err = ctx->tool->parser(key, arg, state);
	state->input = ctx;
	return err;
}

int options_parse(struct utrace_session *s, int argc, char **argv)
{
	struct argp_child children[] = {
		{ &utrace_common_argp, 0, "Common options:", 1 },
		{ 0 },
	};
	struct argp top = *s->tool->argp;
	struct parse_ctx ctx = { s->tool->argp, s };

	top.children = children;
	top.parser = parse_top;
	s->opt.buffer_bytes = s->tool->buffer_default ? s->tool->buffer_default :
			      UTRACE_BUFFER_DEFAULT;
	return argp_parse(&top, argc, argv, 0, NULL, &ctx);
}
