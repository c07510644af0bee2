// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark helper: what rendering one row costs in user space, without
 * BPF, the ring buffer or a traced program.
 *
 *   rowcost TOOL ROWS [TOOL OPTIONS...]     rows to stdout
 *
 * Renders ROWS copies of a typical record of TOOL (dnslat: a getaddrinfo
 * of "localhost" by lookup_loop; readline: "echo benchmark line 12345")
 * through the path on_event() takes (the tool's reader, utrace_emit()), written in batches
 * of 256 rows as the poll loop does), and prints on stderr
 *
 *   rowcost TOOL NS_PER_ROW BYTES_PER_ROW
 *
 * (CPU time of this thread). Run by run.py; under valgrind --tool=callgrind
 * the instruction counts per row are exact and do not depend on the load of
 * the machine.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "dnslat.h"
#include "readline.h"

#define TOOL(name, ...) extern const struct utrace_tool utrace_tool_##name;
UTRACE_TOOL_LIST
#undef TOOL

static const struct utrace_tool *const tools[] = {
#define TOOL(name, ...) &utrace_tool_##name,
	UTRACE_TOOL_LIST
#undef TOOL
};

#define BATCH 256

static union {
	struct dnslat_event dns;
	struct readline_line rl;
	char bytes[sizeof(struct readline_line) + 64];
} rec;

static void fill_hdr(struct event_hdr *h, uint64_t ts)
{
	h->ts_ns = ts;
	h->pid = 123456;
	h->tid = 123456;
	h->uid = 0;
	strcpy(h->comm, "lookup_loop");
}

/* A record as the tool's BPF program sends it; its size, 0 if unknown. */
static size_t sample(const char *tool, uint64_t ts)
{
	if (!strcmp(tool, "dnslat")) {
		fill_hdr(&rec.dns.hdr, ts);
		rec.dns.latency_ns = 18234;
		rec.dns.func = DNSLAT_GETADDRINFO;
		rec.dns.len = 9;
		memcpy(rec.dns.host, "localhost", 10);
		/* a short name's record, as sent (bpf/dnslat.h) */
		return offsetof(struct dnslat_event, host) + DNSLAT_HOST_SHORT;
	}
	if (!strcmp(tool, "readline")) {
		fill_hdr(&rec.rl.hdr, ts);
		strcpy(rec.rl.hdr.comm, "bash");
		rec.rl.shell = READLINE_BASH;
		rec.rl.len = (uint32_t)strlen(strcpy(rec.rl.line, "echo benchmark line 12345"));
		/* sent as long as it is (bpf/readline.h) */
		return sizeof(rec.rl) + rec.rl.len;
	}
	return 0;
}

static double cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	struct utrace_core core = { .inotify_fd = -1 };
	struct utrace_session s = { .core = &core };
	unsigned long rows;
	uint64_t bytes = 0, ts;
	size_t size;
	double t0;

	if (argc < 3 || (rows = strtoul(argv[2], NULL, 10)) == 0) {
		fputs("usage: rowcost TOOL ROWS [OPTIONS...]\n", stderr);
		return 64;
	}
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (!strcmp(tools[i]->name, argv[1]))
			s.tool = tools[i];
	if (!s.tool || !sample(argv[1], 0)) {
		fprintf(stderr, "rowcost: no sample record for '%s'\n", argv[1]);
		return 64;
	}
	s.prog = s.tool->name;
	s.priv = calloc(1, s.tool->priv_size ? s.tool->priv_size : 1);
	wallclock_sync(&core.clock);
	/* argv[2] (ROWS) stands where the tool's name is for options_parse() */
	if (!s.priv || options_parse(&s, argc - 2, argv + 2))
		return 64;
	output_open(&s);
	output_header(&s);
	ts = utrace_now_ns();
	t0 = cpu_ns();
	size = sample(argv[1], ts);
	for (unsigned long i = 0; i < rows; i++) {
		/* a new time every 20 us, as a busy loop's lookups come */
		rec.dns.hdr.ts_ns = ts + i * 20000;
		/* as on_event() hands it on: through the tool's own reader if any */
		if (s.tool->event)
			s.tool->event(&s, &rec.dns.hdr, size);
		else
			utrace_emit(&s, &rec.dns.hdr, size);
		if (i % BATCH == BATCH - 1 || i == rows - 1) {
			bytes += s.out.len;
			if (!output_flush(&s))
				return 1;
		}
	}
	fprintf(stderr, "rowcost %s %.1f %.1f\n", argv[1], (cpu_ns() - t0) / rows,
		(double)bytes / rows);
	output_close(&s);
	free(s.priv);
	return 0;
}
