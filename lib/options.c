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

#include "core.h"
#include "numparse.h"

enum {
	OPT_NO_HEADER = 0x100,
	OPT_BUFFER,
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
	  "Ring buffer size in bytes, K or M suffix (default 1M; see the tool's page)", 0 },
	{ "verbose", 'v', NULL, 0,
	  "Show what is attached where, and libbpf's own messages", 0 },
	{ 0 },
};

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
			argp_error(state, "invalid duration '%s' (seconds, > 0)", arg);
		common->duration_ns = (uint64_t)llround(d * 1e9);
		break;
	case 'c':
		if (parse_u64(arg, 1, (uint64_t)1e15, &v))
			argp_error(state, "invalid count '%s' (a number > 0)", arg);
		common->count = v;
		break;
	case OPT_BUFFER:
		if (parse_size(arg, common->buffer_min, BUFFER_MAX, &v))
			argp_error(state, "invalid buffer size '%s' (%lluK to 1G)", arg,
				   (unsigned long long)common->buffer_min / 1024);
		common->buffer_bytes = v;
		break;
	case 'v':
		common->verbose = true;
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

static error_t parse_top(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	error_t err;

	if (key == ARGP_KEY_INIT)
		state->child_inputs[0] = &ctx->s->opt;
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
	s->opt.buffer_bytes = s->tool->buffer_default ? s->tool->buffer_default : 1 << 20;
	s->opt.buffer_min = s->tool->buffer_min > BUFFER_MIN ? s->tool->buffer_min : BUFFER_MIN;
	return argp_parse(&top, argc, argv, 0, NULL, &ctx);
}
