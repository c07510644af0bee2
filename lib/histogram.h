/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The histogram reporter: the log2 histograms BPF keeps (bpf/hist.bpf.h)
 * printed as tables (the layout of libbpf-tools' print_log2_hist, which
 * eyes and scripts know) or JSON objects, per interval or at the end.
 *
 * The BPF map only ever grows; what was shown is subtracted, so the
 * probes never see a reset and an interval's counts are exact.
 *
 * hist_open() also hands the histograms to the core, which serves them
 * as the Prometheus histogram the tool names (struct utrace_metrics.hist)
 * with --metrics and --metrics-file: a tool does nothing more for them.
 */
#ifndef UTRACE_HIST_REPORT_H
#define UTRACE_HIST_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"	/* bpf/: the slot BPF fills */
#include "obuf.h"

struct utrace_session;

struct utrace_hist {
	int fd;				/* the utrace_hist map */
	unsigned int nkeys;
	uint64_t unit_ns;		/* bucket unit: 1000 = microseconds */
	struct utrace_hist_slot *shown;	/* what was printed so far */
	struct utrace_hist_slot *delta;	/* the counts of the last take */
};

/* The unit's name in the table header ("usecs") and JSON keys ("us"). */
const char *hist_unit_name(uint64_t unit_ns);
const char *hist_unit_short(uint64_t unit_ns);

/* Set the BPF side's unit before load: utrace_hist_unit_ns. */
int hist_configure(struct utrace_session *s, uint64_t unit_ns);

/* After load: find the map. 0 or -errno. */
int hist_open(struct utrace_session *s, struct utrace_hist *h, unsigned int nkeys);
void hist_close(struct utrace_hist *h);

/* Counts since the last take, into h->delta[key]. 0 or -errno. */
int hist_take(struct utrace_hist *h);

/* @out = the sum of the @n slots from @v (a key's parts, such as outcomes). */
void hist_sum(struct utrace_hist_slot *out, const struct utrace_hist_slot *v, size_t n);

/* Counts in the slot; its last non-empty bucket (-1: none). */
uint64_t hist_count(const struct utrace_hist_slot *v);
int hist_last(const struct utrace_hist_slot *v);

/* Bucket @b holds [low, high] units. */
uint64_t hist_bucket_low(int b);
uint64_t hist_bucket_high(int b);

/*
 * One histogram as a table under "@label_key = @label" (e.g.
 * "function = getaddrinfo"), or as one JSON line with "time", @label_key
 * and "buckets" [{"le_<unit>": high, "count": n}, ...]; @extra_json is
 * appended inside the object when not NULL (",\"count\":3"). Labels may
 * be untrusted (a traced file's function names): they are escaped, for
 * the terminal or as JSON strings (with @label_key_base64 where they are
 * not UTF-8).
 */
void hist_print_table(struct obuf *o, uint64_t unit_ns, const char *label_key,
		      const char *label, const struct utrace_hist_slot *v);
void hist_print_json(struct obuf *o, uint64_t unit_ns, const char *when,
		     const char *label_key, const char *label,
		     const struct utrace_hist_slot *v, const char *extra_json);

/*
 * The parts of a table, for a tool with a heading of its own: the
 * "usecs : count distribution" block, and the line libbpf-tools'
 * funclatency prints under it, "avg = 10081 usecs, total: 50407 usecs,
 * count: 5" (whole units, rounded down).
 */
void hist_print_buckets(struct obuf *o, uint64_t unit_ns,
			const struct utrace_hist_slot *v);
void hist_print_summary(struct obuf *o, uint64_t unit_ns,
			const struct utrace_hist_slot *v);

/*
 * The stamp of an interval: HH:MM:SS, with milliseconds where intervals
 * are shorter than a second (else consecutive stamps look the same), or
 * RFC 3339 for JSON.
 */
void hist_stamp(char buf[64], bool json, uint64_t interval_ns);

#endif
