/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus text exposition format 0.0.4, for --metrics (served over
 * HTTP) and --metrics-file (node-exporter's textfile collector).
 *
 * A struct prom writes families into an obuf: the first sample of a family
 * brings its "# HELP" and "# TYPE" lines, later samples of the same family
 * follow it. A family's samples must be contiguous in the exposition, so a
 * sample for a family that is not the last one written is refused, as are
 * invalid metric or label names: the caller has a bug, and a scraper
 * would reject the whole page. Nothing is written by a refused call.
 *
 * Label values may be any bytes (a command name, a cgroup path): they are
 * escaped as the format wants (backslash, double quote, newline), and what
 * the format cannot carry, or must not reach the terminal of an operator
 * reading the page with curl, is replaced by U+FFFD: bytes that are not
 * UTF-8, other control characters, and Unicode bidi controls.
 *
 * Numbers are written exactly: integers as integers, nanoseconds as
 * decimal seconds digit by digit, other values in the fewest digits that
 * read back as the same double, and never with a locale's decimal comma.
 */
#ifndef UTRACE_PROM_H
#define UTRACE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obuf.h"

/* The most log2 buckets whose bounds fit in 64-bit nanoseconds. */
#define PROM_LOG2_MAX_BUCKETS	55

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_HISTOGRAM,
};

struct prom_label {
	const char *name;	/* [a-zA-Z_][a-zA-Z0-9_]*, not beginning "__" */
	const char *value;	/* any bytes */
};

struct prom_family;

struct prom {
	struct obuf *o;
	struct prom_family *fam;	/* the families written, in order */
	size_t nfam, capfam;
};

void prom_init(struct prom *p, struct obuf *o);
/* Forget the families written (the obuf is the caller's), for a new page. */
void prom_reset(struct prom *p);
void prom_free(struct prom *p);

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
bool prom_metric_name_ok(const char *name);
/* [a-zA-Z_][a-zA-Z0-9_]*, and not beginning with "__" (Prometheus's own) */
bool prom_label_name_ok(const char *name);

/*
 * One sample of counter @name, which must end in "_total". @help is the
 * family's (any text; written with the family's first sample). Returns 0,
 * or -EINVAL (nothing written) for a bad name, label, or a family written
 * before with another type or not just before.
 */
int prom_counter(struct prom *p, const char *name, const char *help,
		 const struct prom_label *labels, size_t nlabels,
		 uint64_t value);

/* One sample of gauge @name; NaN and infinities are allowed. */
int prom_gauge(struct prom *p, const char *name, const char *help,
	       const struct prom_label *labels, size_t nlabels, double value);

/*
 * One histogram of @name (in seconds, so it should end in "_seconds") from
 * log2 buckets of microseconds: bucket i counts latencies in [2^i, 2^(i+1))
 * us, bucket 0 also those under 1 us, and the last bucket also everything
 * longer, so it has no bound of its own and goes only into le="+Inf".
 * @sum_ns is the sum of the latencies in nanoseconds. Writes @name_bucket
 * for each bucket but the last (cumulative) and for +Inf, @name_sum and
 * @name_count. @labels may not hold "le". Returns 0 or -EINVAL (also when
 * nbuckets is 0 or more than PROM_LOG2_MAX_BUCKETS).
 */
int prom_histogram_log2_us(struct prom *p, const char *name, const char *help,
			   const struct prom_label *labels, size_t nlabels,
			   const uint64_t *buckets, size_t nbuckets,
			   uint64_t sum_ns);

/*
 * The same for buckets of @unit_ns nanoseconds (1: ns, 1000: us, ...):
 * bucket i counts [2^i, 2^(i+1)) units. -EINVAL also when the bounds of
 * @nbuckets such buckets do not fit in 64-bit nanoseconds.
 */
int prom_histogram_log2(struct prom *p, const char *name, const char *help,
			const struct prom_label *labels, size_t nlabels,
			const uint64_t *buckets, size_t nbuckets,
			uint64_t unit_ns, uint64_t sum_ns);

/*
 * The number formats, for tests and for callers that write a sample by
 * hand: @ns nanoseconds as decimal seconds ("1.5", "0.000000001", "0"),
 * and a double ("0.1", "1e+300", "NaN", "+Inf", "-Inf").
 */
void prom_put_seconds(struct obuf *o, uint64_t ns);
void prom_put_double(struct obuf *o, double v);

#endif
