// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace: the dispatcher. `utrace TOOL [OPTIONS]`, or a busybox-style link
 * named after a tool or one of its aliases (bashreadline -> readline).
 */
#include <argp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utrace.h"

/*
 * UTRACE_TOOL_LIST comes from meson.build's list of tools:
 * TOOL(name, "alias", ...) for each, so no name is written twice.
 */
#define TOOL(name, ...) extern const struct utrace_tool utrace_tool_##name;
UTRACE_TOOL_LIST
#undef TOOL

struct entry {
	const struct utrace_tool *tool;
	const char *const *aliases;	/* busybox names, NULL-terminated */
};

static const struct entry tools[] = {
#define TOOL(name, ...) { &utrace_tool_##name, (const char *const[]){ __VA_ARGS__, NULL } },
	UTRACE_TOOL_LIST
#undef TOOL
};

#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

const char *argp_program_version = "utrace " UTRACE_VERSION;
const char *argp_program_bug_address = NULL;

static const struct utrace_tool *find_tool(const char *name)
{
	for (size_t i = 0; i < NTOOLS; i++) {
		if (!strcmp(tools[i].tool->name, name))
			return tools[i].tool;
		for (const char *const *a = tools[i].aliases; *a; a++)
			if (!strcmp(*a, name))
				return tools[i].tool;
	}
	return NULL;
}

static void list_tools(FILE *f)
{
	for (size_t i = 0; i < NTOOLS; i++)
		fprintf(f, "  %-10s %s\n", tools[i].tool->name, tools[i].tool->summary);
}

static void usage(FILE *f)
{
	fputs("Usage: utrace TOOL [OPTION...]\n"
	      "       utrace list | --help | --version\n"
	      "User-level dynamic tracing with eBPF uprobes.\n\n"
	      "Tools:\n", f);
	list_tools(f);
	fputs("\n`utrace TOOL --help` shows a tool's options; utrace(8) the\n"
	      "common options, output formats and exit codes.\n", f);
}

/*
 * argp and every message name the program after argv[0]: "utrace TOOL",
 * or the busybox name it was run as ("bashreadline: ...").
 */
static int run(const struct utrace_tool *t, int argc, char **argv,
	       const char *alias)
{
	char name[64];

	if (alias)
		snprintf(name, sizeof(name), "%s", alias);
	else
		snprintf(name, sizeof(name), "utrace %s", t->name);
	argv[0] = name;
	return utrace_run(t, argc, argv);
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? basename(argv[0]) : "utrace";
	const struct utrace_tool *t;

	argp_err_exit_status = UTRACE_EXIT_USAGE;
	if (strcmp(self, "utrace") && (t = find_tool(self)))
		return run(t, argc, argv, self);
	if (argc < 2) {
		usage(stderr);
		return UTRACE_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "list")) {
		for (size_t i = 0; i < NTOOLS; i++)
			printf("%-10s %s\n", tools[i].tool->name, tools[i].tool->summary);
		return UTRACE_EXIT_OK;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && !strcmp(argv[1], "help") && (t = find_tool(argv[2]))) {
			char *hargv[] = { argv[2], "--help", NULL };

			return run(t, 2, hargv, NULL);
		}
		usage(stdout);
		return UTRACE_EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("%s\n", argp_program_version);
		return UTRACE_EXIT_OK;
	}
	t = find_tool(argv[1]);
	if (!t) {
		fprintf(stderr, "utrace: unknown tool '%s'; the tools are:\n", argv[1]);
		list_tools(stderr);
		return UTRACE_EXIT_USAGE;
	}
	return run(t, argc - 1, argv + 1, NULL);
}
