// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/histogram.c: what is printed from a fixed map image, byte for byte:
 * the table (libbpf-tools' layout), the JSON line, the summary line, and
 * labels from a traced file (a function's name may hold any byte but NUL)
 * escaped in both.
 */
#include <stdio.h>
#include <string.h>

#include "histogram.h"
#include "obuf.h"

static int failures;

static void expect(const char *what, const struct obuf *o, const char *want)
{
	if (o->len == strlen(want) && !memcmp(o->data, want, o->len))
		return;
	fprintf(stderr, "FAIL %s:\n--- want\n%s--- got\n%.*s---\n", what, want,
		(int)o->len, o->data ? o->data : "");
	failures++;
}

/* Latencies of 0, 1, 5 and 5 units and one of 2^39 and more. */
static void image(struct utrace_hist_slot *v, uint64_t unit)
{
	memset(v, 0, sizeof(*v));
	v->count[0] = 2;	/* 0 and 1 */
	v->count[2] = 2;	/* [4, 7] */
	v->total_ns = (0 + 1 + 5 + 5) * unit;
}

static void starts(const char *what, const struct obuf *o, const char *want)
{
	if (o->len >= strlen(want) && !memcmp(o->data, want, strlen(want)))
		return;
	fprintf(stderr, "FAIL %s:\n--- want a start of\n%s\n--- got\n%.*s---\n", what,
		want, (int)o->len, o->data ? o->data : "");
	failures++;
}

static void table(void)
{
	struct utrace_hist_slot v;
	struct obuf o = { 0 };

	image(&v, 1000);
	hist_print_table(&o, 1000, "function", "getaddrinfo", &v);
	expect("table", &o,
	       "function = getaddrinfo\n"
	       "     usecs               : count    distribution\n"
	       "         0 -> 1          : 2        |****************************************|\n"
	       "         2 -> 3          : 0        |                                        |\n"
	       "         4 -> 7          : 2        |****************************************|\n"
	       "\n");
	obuf_reset(&o);
	hist_print_summary(&o, 1000, &v);
	expect("summary", &o, "avg = 2 usecs, total: 11 usecs, count: 4\n");
	obuf_reset(&o);
	memset(&v, 0, sizeof(v));
	hist_print_summary(&o, 1, &v);
	expect("summary of nothing", &o, "avg = 0 nsecs, total: 0 nsecs, count: 0\n");
	obuf_reset(&o);
	v.count[UTRACE_HIST_BUCKETS - 1] = 1;
	v.count[UTRACE_HIST_BUCKETS - 2] = 3;
	hist_print_buckets(&o, 1000000, &v);
	if (!strstr(o.data, "     msecs               : count    distribution\n")) {
		fprintf(stderr, "FAIL msecs heading: %s", o.data);
		failures++;
	}
	if (!strstr(o.data, "549755813888 -> 1099511627775 : 1        |*************                           |\n")) {
		fprintf(stderr, "FAIL last bucket: %s", o.data);
		failures++;
	}
	obuf_free(&o);
}

static void json(void)
{
	struct utrace_hist_slot v;
	struct obuf o = { 0 };

	image(&v, 1);
	hist_print_json(&o, 1, "2026-11-25T06:10:30.000000+00:00", "function", "f",
			&v, ",\"count\":4");
	expect("json", &o,
	       "{\"time\":\"2026-11-25T06:10:30.000000+00:00\",\"function\":\"f\",\"count\":4,"
	       "\"buckets\":[{\"le_ns\":1,\"count\":2},{\"le_ns\":3,\"count\":0},"
	       "{\"le_ns\":7,\"count\":2}]}\n");
	obuf_free(&o);
}

/* A hostile function name: quotes, an ESC sequence, a byte not UTF-8. */
static void hostile_label(void)
{
	const char *name = "f\"}\x1b[2J\xff";
	struct utrace_hist_slot v;
	struct obuf o = { 0 };

	image(&v, 1);
	hist_print_table(&o, 1, "function", name, &v);
	starts("table label", &o, "function = f\"}\\x1b[2J\\xff\n     nsecs");
	obuf_reset(&o);
	hist_print_json(&o, 1, "T", "function", name, &v, NULL);
	starts("json label", &o, "{\"time\":\"T\",\"function\":\"f\\\"}\\u001b[2J\xef\xbf\xbd\","
				 "\"function_base64\":\"ZiJ9G1sySv8=\",\"buckets\":[");
	obuf_free(&o);
}

int main(void)
{
	table();
	json();
	hostile_label();
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
