// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/prom.c: exact text for small cases (families, labels, escaping,
 * numbers, histograms), refusals that write nothing, then a page of
 * everything checked by `promtool check metrics` when argv[1] names
 * promtool (meson passes it when it is installed; Debian: prometheus).
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "obuf.h"
#include "prom.h"
#include "check.h"


static void dump(FILE *f, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n')
			fputs("\\n\n    ", f);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
	fputc('\n', f);
}

static void expect_text(const char *what, const struct obuf *o,
			const char *want, int line)
{
	size_t n = strlen(want);

	checks++;
	if (o->len == n && (!n || memcmp(o->data, want, n) == 0))
		return;
	failures++;
	fprintf(stderr, "FAIL line %d: %s\n  expected: ", line, what);
	dump(stderr, want, n);
	fprintf(stderr, "  actual:   ");
	dump(stderr, o->data ? o->data : "", o->len);
}

#define TEXT_IS(what, o, want) expect_text(what, o, want, __LINE__)


#define L(n, v) { (n), (v) }
#define NL(a) (sizeof(a) / sizeof((a)[0]))

static void counters_and_gauges(void)
{
	struct obuf o = { 0 };
	struct prom p;
	const struct prom_label rl[] = { L("tool", "dnslat"), L("func", "getaddrinfo") };
	const struct prom_label r2[] = { L("tool", "dnslat"), L("func", "gethostbyname") };

	prom_init(&p, &o);
	CHECK(!prom_counter(&p, "utrace_events_total", "Events seen.", rl, NL(rl), 42),
	      "counter");
	CHECK(!prom_counter(&p, "utrace_events_total", "Events seen.", r2, NL(r2), 0),
	      "counter, second series");
	CHECK(!prom_gauge(&p, "utrace_traced_processes", "Processes traced.", NULL, 0, 3),
	      "gauge");
	CHECK(!prom_counter(&p, "utrace_lost_events_total", NULL, NULL, 0,
			    18446744073709551615ULL), "no help, largest u64");
	TEXT_IS("counters and a gauge", &o,
		"# HELP utrace_events_total Events seen.\n"
		"# TYPE utrace_events_total counter\n"
		"utrace_events_total{tool=\"dnslat\",func=\"getaddrinfo\"} 42\n"
		"utrace_events_total{tool=\"dnslat\",func=\"gethostbyname\"} 0\n"
		"# HELP utrace_traced_processes Processes traced.\n"
		"# TYPE utrace_traced_processes gauge\n"
		"utrace_traced_processes 3\n"
		"# HELP utrace_lost_events_total \n"
		"# TYPE utrace_lost_events_total counter\n"
		"utrace_lost_events_total 18446744073709551615\n");

	/* refusals write nothing */
	obuf_reset(&o);
	CHECK(prom_counter(&p, "utrace_events_total", "x", NULL, 0, 1) == -EINVAL,
	      "a family split in two");
	CHECK(prom_gauge(&p, "utrace_lost_events_total", "x", NULL, 0, 1) == -EINVAL,
	      "a family with another type");
	CHECK(prom_counter(&p, "utrace_events", "x", NULL, 0, 1) == -EINVAL,
	      "a counter without _total");
	CHECK(prom_gauge(&p, "2bad", "x", NULL, 0, 1) == -EINVAL, "a name with a digit first");
	CHECK(prom_gauge(&p, "bad-name", "x", NULL, 0, 1) == -EINVAL, "a name with '-'");
	CHECK(prom_gauge(&p, "", "x", NULL, 0, 1) == -EINVAL, "an empty name");
	{
		const struct prom_label bad[][2] = {
			{ L("9x", "v"), L("a", "b") },
			{ L("a-b", "v"), L("a", "b") },
			{ L("__name__", "v"), L("a", "b") },
			{ L("", "v"), L("a", "b") },
			{ L("a", "v"), L("a", "w") },		/* twice */
			{ L("a", NULL), L("b", "c") },
			{ L("a:b", "v"), L("c", "d") },		/* ':' is for metrics */
		};

		for (size_t i = 0; i < NL(bad); i++)
			CHECK(prom_gauge(&p, "g", "x", bad[i], 2, 1) == -EINVAL,
			      "bad label set %zu accepted", i);
	}
	TEXT_IS("refusals", &o, "");
	/* the family that is open takes more samples, even after refusals */
	CHECK(!prom_counter(&p, "utrace_lost_events_total", "x", NULL, 0, 7), "after");
	TEXT_IS("same family again", &o, "utrace_lost_events_total 7\n");

	/* a new page starts over */
	obuf_reset(&o);
	prom_reset(&p);
	CHECK(!prom_counter(&p, "utrace_events_total", "E.", NULL, 0, 1), "reset");
	TEXT_IS("after reset", &o,
		"# HELP utrace_events_total E.\n"
		"# TYPE utrace_events_total counter\n"
		"utrace_events_total 1\n");
	CHECK(!prom_gauge(&p, "ns:colons_ok", "x", NULL, 0, 1), "colons in a name");
	CHECK(!prom_gauge(&p, "_x", "x", NULL, 0, 1), "underscore first");
	CHECK(prom_metric_name_ok("a_b:c9") && !prom_metric_name_ok("a b") &&
	      !prom_metric_name_ok(NULL), "prom_metric_name_ok");
	CHECK(prom_label_name_ok("_a") && !prom_label_name_ok("__a") &&
	      !prom_label_name_ok("a.b"), "prom_label_name_ok");
	prom_free(&p);
	obuf_free(&o);
}

static void escaping(void)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a\"b", "a\\\"b" },
		{ "back\\slash", "back\\\\slash" },
		{ "two\nlines", "two\\nlines" },
		{ "\\n", "\\\\n" },			/* not a newline */
		/* no other escape exists: controls become U+FFFD */
		{ "tab\there", "tab\xef\xbf\xbdhere" },
		{ "esc\x1b[31m", "esc\xef\xbf\xbd[31m" },
		{ "cr\r", "cr\xef\xbf\xbd" },
		{ "del\x7f", "del\xef\xbf\xbd" },
		/* valid UTF-8 passes */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7" },
		{ "\xef\xbf\xbd", "\xef\xbf\xbd" },
		/* not UTF-8: one U+FFFD per byte */
		{ "\xff", "\xef\xbf\xbd" },
		{ "a\xc3", "a\xef\xbf\xbd" },			/* cut short */
		{ "\xc3\x28", "\xef\xbf\xbd(" },		/* bad continuation */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong '/' */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xe2\x82\"", "\xef\xbf\xbd\xef\xbf\xbd\\\"" },	/* the quote survives */
		/* C1 and bidi controls: one U+FFFD per code point */
		{ "\xc2\x9b" "1m", "\xef\xbf\xbd" "1m" },
		{ "abc\xe2\x80\xae" "fed", "abc\xef\xbf\xbd" "fed" },	/* U+202E */
		{ "\xe2\x81\xa6x", "\xef\xbf\xbdx" },			/* U+2066 */
		{ "\xe2\x80\x8f", "\xef\xbf\xbd" },			/* U+200F */
		{ "\xd8\x9c", "\xef\xbf\xbd" },				/* U+061C */
		{ "\xe2\x80\x8d", "\xe2\x80\x8d" },		/* U+200D ZWJ: emoji */
	};
	struct obuf o = { 0 }, want = { 0 };
	struct prom p;

	for (size_t i = 0; i < NL(cases); i++) {
		const struct prom_label l[] = { L("v", cases[i].value) };

		obuf_reset(&o);
		obuf_reset(&want);
		prom_init(&p, &o);
		CHECK(!prom_gauge(&p, "g", "h", l, 1, 1), "case %zu", i);
		obuf_printf(&want, "# HELP g h\n# TYPE g gauge\ng{v=\"%s\"} 1\n",
			    cases[i].want);
		TEXT_IS(cases[i].value, &o, want.data);
		prom_free(&p);
	}

	/* HELP: backslash and newline escaped, quotes not */
	obuf_reset(&o);
	prom_init(&p, &o);
	CHECK(!prom_gauge(&p, "g", "a \"q\" b\\c\nd\te", NULL, 0, 0), "help");
	TEXT_IS("help escaping", &o,
		"# HELP g a \"q\" b\\\\c\\nd\xef\xbf\xbd" "e\n# TYPE g gauge\ng 0\n");
	prom_free(&p);
	obuf_free(&o);
	obuf_free(&want);
}

static void number(const char *what, void (*put)(struct obuf *, double),
		   double v, const char *want, int line)
{
	struct obuf o = { 0 };

	put(&o, v);
	expect_text(what, &o, want, line);
	obuf_free(&o);
}

static void put_sec(struct obuf *o, double v)
{
	prom_put_seconds(o, (uint64_t)v);
}

#define SEC(ns, want) number("seconds " #ns, put_sec, ns, want, __LINE__)
#define DBL(v, want) number("double " #v, prom_put_double, v, want, __LINE__)

static void numbers(void)
{
	SEC(0, "0");
	SEC(1, "0.000000001");
	SEC(10, "0.00000001");
	SEC(999999999, "0.999999999");
	SEC(1000000000, "1");
	SEC(1500000000, "1.5");
	SEC(86400000000000, "86400");
	SEC(123456789012, "123.456789012");
	{
		struct obuf o = { 0 };

		/* more than a double holds: every digit still there */
		prom_put_seconds(&o, 18446744073709551615ULL);
		TEXT_IS("largest u64 ns", &o, "18446744073.709551615");
		obuf_free(&o);
	}
	DBL(0, "0");
	DBL(-0.0, "-0");
	DBL(1, "1");
	DBL(3, "3");
	DBL(-2.5, "-2.5");
	DBL(0.1, "0.1");
	DBL(1.0 / 3, "0.3333333333333333");
	DBL(123456789, "123456789");
	DBL(9007199254740993.0, "9007199254740992");
	DBL(1e300, "1e+300");
	DBL(5e-324, "5e-324");
	DBL(NAN, "NaN");
	DBL(INFINITY, "+Inf");
	DBL(-INFINITY, "-Inf");
	/*
	 * Under a locale with a decimal comma: still a point. (Debian has
	 * none installed by default; LOCPATH can point at one made with
	 * `localedef -i de_DE -f UTF-8 DIR/de_DE.UTF-8`.)
	 */
	if ((setlocale(LC_NUMERIC, "de_DE.UTF-8") ||
	     setlocale(LC_NUMERIC, "fr_FR.UTF-8")) &&
	    !strcmp(localeconv()->decimal_point, ",")) {
		DBL(0.5, "0.5");
		DBL(-1234.25, "-1234.25");
	} else {
		printf("no decimal-comma locale: that case skipped\n");
	}
	setlocale(LC_NUMERIC, "C");
}

static void histograms(void)
{
	const uint64_t b[4] = { 1, 0, 2, 3 };
	const struct prom_label l[] = { L("func", "getaddrinfo") };
	const struct prom_label le[] = { L("le", "1") };
	struct obuf o = { 0 };
	struct prom p;

	prom_init(&p, &o);
	/* 1 under 2 us, 2 in [4, 8) us, 3 of 8 us and more; sum 50.5 us */
	CHECK(!prom_histogram_log2_us(&p, "utrace_dnslat_latency_seconds",
				      "Lookup latency.", l, 1, b, 4, 50500), "h");
	CHECK(!prom_histogram_log2_us(&p, "utrace_dnslat_latency_seconds",
				      "Lookup latency.", NULL, 0, b, 2, 0), "h2");
	TEXT_IS("histogram", &o,
		"# HELP utrace_dnslat_latency_seconds Lookup latency.\n"
		"# TYPE utrace_dnslat_latency_seconds histogram\n"
		"utrace_dnslat_latency_seconds_bucket{func=\"getaddrinfo\",le=\"0.000001999\"} 1\n"
		"utrace_dnslat_latency_seconds_bucket{func=\"getaddrinfo\",le=\"0.000003999\"} 1\n"
		"utrace_dnslat_latency_seconds_bucket{func=\"getaddrinfo\",le=\"0.000007999\"} 3\n"
		"utrace_dnslat_latency_seconds_bucket{func=\"getaddrinfo\",le=\"+Inf\"} 6\n"
		"utrace_dnslat_latency_seconds_sum{func=\"getaddrinfo\"} 0.0000505\n"
		"utrace_dnslat_latency_seconds_count{func=\"getaddrinfo\"} 6\n"
		"utrace_dnslat_latency_seconds_bucket{le=\"0.000001999\"} 1\n"
		"utrace_dnslat_latency_seconds_bucket{le=\"+Inf\"} 1\n"
		"utrace_dnslat_latency_seconds_sum 0\n"
		"utrace_dnslat_latency_seconds_count 1\n");

	/* the bounds of dnslat's 32 buckets: 2^(i+1) us less 1 ns */
	{
		uint64_t z[32] = { 0 };
		const char *s;

		obuf_reset(&o);
		prom_reset(&p);
		CHECK(!prom_histogram_log2_us(&p, "h_seconds", "h", NULL, 0, z, 32, 0),
		      "32 buckets");
		CHECK(strstr(o.data, "le=\"0.001023999\"} 0\n") &&
		      strstr(o.data, "le=\"1.048575999\"} 0\n") &&
		      (s = strstr(o.data, "le=\"2147.483647999\"} 0\n")) &&
		      !strncmp(strchr(s, '\n') + 1, "h_seconds_bucket{le=\"+Inf\"} 0\n", 30),
		      "32 buckets: bounds");
		/* 31 finite bounds and +Inf */
		{
			int n = 0;

			for (s = o.data; (s = strstr(s, "_bucket{")); s++)
				n++;
			CHECK(n == 32, "%d bucket lines, not 32", n);
		}
	}
	/* the largest number of buckets, and one too many */
	{
		uint64_t z[PROM_LOG2_MAX_BUCKETS + 1] = { 0 };

		obuf_reset(&o);
		prom_reset(&p);
		CHECK(!prom_histogram_log2_us(&p, "h", "h", NULL, 0, z,
					      PROM_LOG2_MAX_BUCKETS, 0), "max");
		CHECK(strstr(o.data, "le=\"18014398509.481983999\"}") != NULL,
		      "the last finite bound");
		obuf_reset(&o);
		prom_reset(&p);
		CHECK(prom_histogram_log2_us(&p, "h", "h", NULL, 0, z,
					     PROM_LOG2_MAX_BUCKETS + 1, 0) == -EINVAL,
		      "too many buckets");
		CHECK(prom_histogram_log2_us(&p, "h", "h", NULL, 0, z, 0, 0) == -EINVAL,
		      "no buckets");
		CHECK(prom_histogram_log2_us(&p, "h", "h", le, 1, z, 4, 0) == -EINVAL,
		      "a label named le");
		TEXT_IS("refused histograms", &o, "");
	}
	/* other units: nanoseconds and milliseconds, and bounds that overflow */
	{
		uint64_t z[64] = { 0 };

		obuf_reset(&o);
		prom_reset(&p);
		CHECK(!prom_histogram_log2(&p, "ns_seconds", "h", NULL, 0, z, 3, 1, 0),
		      "ns buckets");
		TEXT_IS("ns buckets", &o,
			"# HELP ns_seconds h\n# TYPE ns_seconds histogram\n"
			"ns_seconds_bucket{le=\"0.000000001\"} 0\n"
			"ns_seconds_bucket{le=\"0.000000003\"} 0\n"
			"ns_seconds_bucket{le=\"+Inf\"} 0\n"
			"ns_seconds_sum 0\nns_seconds_count 0\n");
		obuf_reset(&o);
		prom_reset(&p);
		CHECK(!prom_histogram_log2(&p, "ms_seconds", "h", NULL, 0, z, 3, 1000000, 0),
		      "ms buckets");
		CHECK(strstr(o.data, "le=\"0.001999999\"} 0\n") &&
		      strstr(o.data, "le=\"0.003999999\"} 0\n"), "ms bounds: %s", o.data);
		/* 64 ns buckets: bucket 62 ends at 2^63 - 1 ns; 65 would not fit */
		obuf_reset(&o);
		prom_reset(&p);
		CHECK(!prom_histogram_log2(&p, "h", "h", NULL, 0, z, 64, 1, 0), "64 ns buckets");
		CHECK(strstr(o.data, "le=\"9223372036.854775807\"}") != NULL,
		      "the largest bound");
		CHECK(prom_histogram_log2(&p, "h2", "h", NULL, 0, z, 65, 1, 0) == -EINVAL,
		      "ns bounds past 64 bits");
		CHECK(!prom_histogram_log2(&p, "h3", "h", NULL, 0, z, 45, 1000000, 0),
		      "45 ms buckets fit");
		CHECK(prom_histogram_log2(&p, "h4", "h", NULL, 0, z, 46, 1000000, 0) == -EINVAL,
		      "ms bounds past 64 bits");
		CHECK(prom_histogram_log2(&p, "h2", "h", NULL, 0, z, 4, 0, 0) == -EINVAL,
		      "no unit");
	}
	prom_free(&p);
	obuf_free(&o);
}

/* --- promtool ------------------------------------------------------------- */

/* Everything the writers can produce, on one page. */
static void full_page(struct obuf *o)
{
	const struct prom_label ugly[] = {
		L("comm", "a\"b\\c\nd\te\x1b\xff\xe2\x80\xae"),
		L("container", "/system.slice/x y.scope"),
	};
	const struct prom_label f1[] = { L("func", "getaddrinfo") };
	const struct prom_label f2[] = { L("func", "gethostbyname") };
	uint64_t b[32];
	struct prom p;

	for (int i = 0; i < 32; i++)
		b[i] = (uint64_t)(i * 7 % 5);
	prom_init(&p, o);
	prom_counter(&p, "utrace_events_total", "Events \"seen\"\\\n by BPF.",
		     ugly, NL(ugly), 12);
	prom_counter(&p, "utrace_events_total", "", f1, 1, 0);
	prom_counter(&p, "utrace_lost_events_total", "Lost.", NULL, 0, 1);
	prom_gauge(&p, "utrace_up", "1 while tracing.", NULL, 0, 1);
	prom_gauge(&p, "utrace_nan", "NaN.", NULL, 0, NAN);
	prom_gauge(&p, "utrace_inf", "Inf.", f1, 1, INFINITY);
	prom_gauge(&p, "utrace_inf", "Inf.", f2, 1, -INFINITY);
	prom_gauge(&p, "utrace_small", "Small.", NULL, 0, 5e-324);
	prom_histogram_log2_us(&p, "utrace_dnslat_latency_seconds", "Latency.",
			       f1, 1, b, 32, 123456789012ULL);
	prom_histogram_log2_us(&p, "utrace_dnslat_latency_seconds", "Latency.",
			       f2, 1, b, 32, 0);
	prom_histogram_log2_us(&p, "utrace_other_seconds", "Other.", NULL, 0,
			       b, 1, 1);
	prom_free(&p);
}

/* Run promtool check metrics on @text; its exit status, its output in @out. */
static int promtool(const char *tool, const char *text, struct obuf *out)
{
	int in[2], res[2], status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (pipe(in) || pipe(res))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		dup2(res[1], 2);
		close(in[0]);
		close(in[1]);
		close(res[0]);
		close(res[1]);
		execl(tool, tool, "check", "metrics", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	/* a page is far smaller than a pipe: no need to interleave */
	if (write(in[1], text, strlen(text)) != (ssize_t)strlen(text))
		fprintf(stderr, "short write to promtool\n");
	close(in[1]);
	while ((n = read(res[0], buf, sizeof(buf))) > 0)
		obuf_put(out, buf, (size_t)n);
	close(res[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void check_with_promtool(const char *tool)
{
	struct obuf page = { 0 }, out = { 0 };
	int rc;

	/* first, that promtool here does fail a bad page */
	rc = promtool(tool, "# TYPE x gauge\nx{a=\"\\t\"} 1\n", &out);
	CHECK(rc != 0, "promtool accepted an invalid escape: is it promtool?");
	obuf_reset(&out);

	full_page(&page);
	rc = promtool(tool, page.data, &out);
	CHECK(rc == 0 && out.len == 0, "promtool check metrics: exit %d:\n%s", rc,
	      out.data ? out.data : "");
	if (rc || out.len)
		fprintf(stderr, "the page was:\n%s", page.data);
	obuf_free(&page);
	obuf_free(&out);
}

int main(int argc, char **argv)
{
	counters_and_gauges();
	escaping();
	numbers();
	histograms();
	if (argc > 1 && access(argv[1], X_OK) == 0)
		check_with_promtool(argv[1]);
	else
		printf("promtool not found: the promtool check skipped\n");
	return check_summary();
}
