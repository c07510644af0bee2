// SPDX-License-Identifier: GPL-2.0-only
#include "histogram.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "core.h"
#include "escape.h"

#define HIST_STARS 40
/* -C with metrics: cgroups with histograms of their own, per key */
#define HIST_CGROUPS 256

const char *hist_unit_name(uint64_t unit_ns)
{
	return unit_ns >= 1000000 ? "msecs" : unit_ns >= 1000 ? "usecs" : "nsecs";
}

const char *hist_unit_short(uint64_t unit_ns)
{
	return unit_ns >= 1000000 ? "ms" : unit_ns >= 1000 ? "us" : "ns";
}

int hist_configure(struct utrace_session *s, uint64_t unit_ns)
{
	s->core->hist_unit_ns = unit_ns;
	return utrace_set_rodata(s, "utrace_hist_unit_ns", &unit_ns, sizeof(unit_ns));
}

int hist_configure_core(struct utrace_session *s)
{
	struct bpf_map *arr = bpf_object__find_map_by_name(s->obj, "utrace_hist");
	struct bpf_map *cg = bpf_object__find_map_by_name(s->obj, "utrace_hist_cg");
	bool on = true;
	int err;

	s->core->hist_unit_ns = 1000;	/* hist.bpf.h's default */
	if (!arr || !cg || !s->opt.container || !metrics_enabled(s))
		return 0;
	/* one slot per key for each cgroup, and for cgroup 0: the rest */
	err = bpf_map__set_max_entries(cg, bpf_map__max_entries(arr) * (HIST_CGROUPS + 1));
	if (!err)
		err = utrace_set_rodata(s, "utrace_hist_by_cgroup", &on, sizeof(on));
	if (!err)
		s->core->hist_by_cgroup = true;
	return err;
}

/* The cgroup 0 slots the per-cgroup histograms overflow into. */
static int hist_open_cgroups(struct utrace_session *s, unsigned int nkeys)
{
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "utrace_hist_cg");
	struct utrace_hist_slot zero = { 0 };

	for (unsigned int k = 0; m && k < nkeys; k++) {
		struct utrace_hist_cgkey key = { .cgroup = 0, .key = k };

		if (bpf_map_update_elem(bpf_map__fd(m), &key, &zero, BPF_NOEXIST))
			return -errno;
	}
	return m ? 0 : -ENOENT;
}

int hist_open(struct utrace_session *s, struct utrace_hist *h, unsigned int nkeys)
{
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "utrace_hist");

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	if (!m || bpf_map__max_entries(m) < nkeys)
		return -ENOENT;
	h->fd = bpf_map__fd(m);
	h->nkeys = nkeys;
	h->shown = calloc(nkeys, sizeof(*h->shown));
	h->delta = calloc(nkeys, sizeof(*h->delta));
	if (!h->shown || !h->delta) {
		hist_close(h);
		return -ENOMEM;
	}
	if (s->core->hist_by_cgroup) {
		int err = hist_open_cgroups(s, nkeys);

		if (err) {
			hist_close(h);
			return err;
		}
	}
	/* the core's metrics read them too */
	s->core->hist = h;
	return 0;
}

void hist_close(struct utrace_hist *h)
{
	free(h->shown);
	free(h->delta);
	h->shown = h->delta = NULL;
}

int hist_take(struct utrace_hist *h)
{
	for (uint32_t k = 0; k < h->nkeys; k++) {
		struct utrace_hist_slot now, *shown = &h->shown[k], *d = &h->delta[k];

		if (bpf_map_lookup_elem(h->fd, &k, &now))
			return -errno;
		for (int b = 0; b < UTRACE_HIST_BUCKETS; b++)
			d->count[b] = now.count[b] - shown->count[b];
		d->total_ns = now.total_ns - shown->total_ns;
		*shown = now;
	}
	return 0;
}

void hist_sum(struct utrace_hist_slot *out, const struct utrace_hist_slot *v, size_t n)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		for (int b = 0; b < UTRACE_HIST_BUCKETS; b++)
			out->count[b] += v[i].count[b];
		out->total_ns += v[i].total_ns;
	}
}

uint64_t hist_count(const struct utrace_hist_slot *v)
{
	uint64_t n = 0;

	for (int b = 0; b < UTRACE_HIST_BUCKETS; b++)
		n += v->count[b];
	return n;
}

int hist_last(const struct utrace_hist_slot *v)
{
	int last = -1;

	for (int b = 0; b < UTRACE_HIST_BUCKETS; b++)
		if (v->count[b])
			last = b;
	return last;
}

uint64_t hist_bucket_low(int b)
{
	return b ? 1ULL << b : 0;
}

uint64_t hist_bucket_high(int b)
{
	return (2ULL << b) - 1;
}

void hist_print_buckets(struct obuf *o, uint64_t unit_ns,
			const struct utrace_hist_slot *v)
{
	int last = hist_last(v);
	uint64_t max = 0;

	for (int b = 0; b <= last; b++)
		if (v->count[b] > max)
			max = v->count[b];
	obuf_printf(o, "%5s%-19s : count    distribution\n", "", hist_unit_name(unit_ns));
	for (int b = 0; b <= last; b++) {
		uint64_t stars = v->count[b] * HIST_STARS / max;

		obuf_printf(o, "%10llu -> %-10llu : %-8llu |",
			    (unsigned long long)hist_bucket_low(b),
			    (unsigned long long)hist_bucket_high(b),
			    (unsigned long long)v->count[b]);
		for (uint64_t i = 0; i < HIST_STARS; i++)
			obuf_putc(o, i < stars ? '*' : ' ');
		obuf_puts(o, "|\n");
	}
}

void hist_print_summary(struct obuf *o, uint64_t unit_ns,
			const struct utrace_hist_slot *v)
{
	uint64_t n = hist_count(v), unit = unit_ns ? unit_ns : 1;
	const char *name = hist_unit_name(unit_ns);

	obuf_printf(o, "avg = %llu %s, total: %llu %s, count: %llu\n",
		    (unsigned long long)(n ? v->total_ns / n / unit : 0), name,
		    (unsigned long long)(v->total_ns / unit), name,
		    (unsigned long long)n);
}

void hist_print_table(struct obuf *o, uint64_t unit_ns, const char *label_key,
		      const char *label, const struct utrace_hist_slot *v)
{
	/* labels may come from a traced file (a function's name): escaped */
	escape_text(o, label_key, strlen(label_key));
	obuf_puts(o, " = ");
	escape_text(o, label, strlen(label));
	obuf_putc(o, '\n');
	hist_print_buckets(o, unit_ns, v);
	obuf_putc(o, '\n');
}

void hist_print_json(struct obuf *o, uint64_t unit_ns, const char *when,
		     const char *label_key, const char *label,
		     const struct utrace_hist_slot *v, const char *extra_json)
{
	int last = hist_last(v);

	obuf_printf(o, "{\"time\":\"%s\"", when);
	json_string_field(o, label_key, label, strlen(label));
	obuf_printf(o, "%s,\"buckets\":[", extra_json ? extra_json : "");
	for (int b = 0; b <= last; b++)
		obuf_printf(o, "%s{\"le_%s\":%llu,\"count\":%llu}", b ? "," : "",
			    hist_unit_short(unit_ns),
			    (unsigned long long)hist_bucket_high(b),
			    (unsigned long long)v->count[b]);
	obuf_puts(o, "]}\n");
}

void hist_stamp(char buf[64], bool json, uint64_t interval_ns)
{
	struct timespec now;
	int64_t ns;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	if (json) {
		clock_format_rfc3339(buf, ns);
		return;
	}
	clock_format_hms(buf, ns);
	n = strlen(buf);
	if (interval_ns && interval_ns < 1000000000ULL)
		snprintf(buf + n, 64 - n, ".%03ld", now.tv_nsec / 1000000);
}
