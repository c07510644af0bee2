// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/metrics.c without BPF: rows counted per set of the tool's label
 * values, the bound on how many sets there are (beyond it, rows go to
 * the set without labels), the tool label always, and a page that
 * `promtool check metrics` accepts (argv[1], when given).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core.h"
#include "check.h"



/* The fake tool's row label: the event's flags as a number, or its name. */
static void get_fn(struct utrace_session *s, const struct event_hdr *e,
		   size_t size, struct utrace_value *v)
{
	(void)s;
	(void)size;
	v->type = UTRACE_V_U64;
	v->u64 = e->flags;
}

static void get_odd(struct utrace_session *s, const struct event_hdr *e,
		    size_t size, struct utrace_value *v)
{
	(void)s;
	(void)size;
	if (e->flags % 2) {
		v->type = UTRACE_V_STR;
		v->str = "odd \"one\"\n";
	}	/* else NONE: the label is left out */
}

static const struct utrace_column columns[] = {
	{ "FN", 8, "fn", get_fn, NULL, false },
	{ "ODD", 8, "odd", get_odd, NULL, false },
	{ "PID", 0, "pid_like", get_fn, NULL, false },	/* not a label */
	{ 0 },
};

static const char *const labels[] = { "fn", "odd", NULL };
static const struct utrace_metrics metrics = { .row_labels = labels };

static const struct utrace_tool tool = {
	.name = "faketool",
	.columns = columns,
	.metrics = &metrics,
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	if (!f || !buf)
		return buf;
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void promtool(const char *tool_path, const char *file)
{
	char cmd[4096];
	int rc;

	snprintf(cmd, sizeof(cmd), "'%s' check metrics < '%s'", tool_path, file);
	rc = system(cmd);
	CHECK(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
	      "promtool check metrics: %d", rc);
}

int main(int argc, char **argv)
{
	struct utrace_core core = { 0 };
	struct utrace_session s = { .tool = &tool, .core = &core };
	char dir[] = "/tmp/utrace-test-metrics-XXXXXX", path[64];
	struct event_hdr e = { 0 };
	char *page;
	int err;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/t.prom", dir);
	s.opt.metrics_file = path;
	CHECK(metrics_open(&s) == UTRACE_EXIT_OK, "metrics_open");

	/* 1100 sets of values, each twice or once: the first 1024 are kept */
	for (unsigned int i = 0; i < 1100; i++) {
		e.flags = i;
		metrics_row(&s, &e, sizeof(e));
		if (i < 10 || i >= 1090)
			metrics_row(&s, &e, sizeof(e));
	}
	err = metrics_write_file(&s);
	CHECK(!err, "write: %s", strerror(-err));
	page = slurp(path);
	CHECK(page && count(page, "\nutrace_events_total{") == 1025,
	      "%d series", page ? count(page, "\nutrace_events_total{") : -1);
	CHECK(strstr(page, "\nutrace_events_total{tool=\"faketool\",fn=\"4\"} 2\n") != NULL,
	      "an even row's series");
	CHECK(strstr(page, "\nutrace_events_total{tool=\"faketool\",fn=\"5\",odd=\"odd \\\"one\\\"\\n\"} 2\n") != NULL,
	      "an odd row's series, escaped");
	/* beyond the bound: 76 sets, 10 of them twice, with no label but tool */
	CHECK(strstr(page, "\nutrace_events_total{tool=\"faketool\"} 86\n") != NULL,
	      "the rows beyond the bound");
	CHECK(!strstr(page, "pid_like"), "a column that is no label became one");
	CHECK(strstr(page, "\nutrace_events_lost_total{tool=\"faketool\"} 0\n") &&
	      strstr(page, "\nutrace_probes{tool=\"faketool\"} 0\n"), "lost and probes");
	if (argc > 1)
		promtool(argv[1], path);
	free(page);

	/* a label the tool names that is no column: refused at open */
	metrics_close(&s);
	{
		static const char *const bad[] = { "nosuch", NULL };
		static const struct utrace_metrics bm = { .row_labels = bad };
		struct utrace_tool t2 = tool;

		t2.metrics = &bm;
		s.tool = &t2;
		fprintf(stderr, "(a message about 'nosuch' is expected:)\n");
		CHECK(metrics_open(&s) == UTRACE_EXIT_ERROR, "a label with no column");
		metrics_close(&s);
	}
	unlink(path);
	rmdir(dir);
	return check_summary();
}
