// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prometheus text exposition format 0.0.4: families, samples, escaping and
 * numbers. The format is line-based; a scraper rejects a whole page for
 * one bad line, so everything is checked before anything is written.
 */
#include "prom.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "grow.h"

struct prom_family {
	char *name;
	enum prom_type type;
};

static const char *const type_names[] = {
	[PROM_COUNTER] = "counter",
	[PROM_GAUGE] = "gauge",
	[PROM_HISTOGRAM] = "histogram",
};

void prom_init(struct prom *p, struct obuf *o)
{
	memset(p, 0, sizeof(*p));
	p->o = o;
}

void prom_reset(struct prom *p)
{
	for (size_t i = 0; i < p->nfam; i++)
		free(p->fam[i].name);
	p->nfam = 0;
}

void prom_free(struct prom *p)
{
	prom_reset(p);
	free(p->fam);
	p->fam = NULL;
	p->capfam = 0;
}

/* --- names ---------------------------------------------------------------- */

static bool name_ok(const char *s, const char *first_extra)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     c == '_' || strchr(first_extra, c);

		if (!alpha && !(i && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

bool prom_metric_name_ok(const char *name)
{
	return name_ok(name, ":");
}

bool prom_label_name_ok(const char *name)
{
	return name_ok(name, "") && strncmp(name, "__", 2) != 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), sn = strlen(suffix);

	return n >= sn && strcmp(s + n - sn, suffix) == 0;
}

static bool labels_ok(const struct prom_label *l, size_t n, bool histogram)
{
	for (size_t i = 0; i < n; i++) {
		if (!prom_label_name_ok(l[i].name) || !l[i].value)
			return false;
		/* "le" is the bucket's own label */
		if (histogram && strcmp(l[i].name, "le") == 0)
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(l[i].name, l[j].name) == 0)
				return false;
	}
	return true;
}

/* --- text ----------------------------------------------------------------- */

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* Length of the valid UTF-8 sequence at @s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

	if (s[0] < 0xc2 || s[0] > 0xf4 || len > n)
		return 0;
	return utf8_valid((const char *)s, len) ? len : 0;
}

static uint32_t utf8_cp(const unsigned char *s, size_t len)
{
	uint32_t cp = s[0] & (0x7f >> len);

	for (size_t i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

/* C1 controls, and the bidi controls that reorder what a terminal shows */
static bool unsafe_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x061c;
}

/*
 * Append @s escaped as the format wants: "\\" and "\n" always, '"' too in
 * label values (@quote); see prom.h for what becomes U+FFFD.
 */
static void put_text(struct obuf *o, const char *str, bool quote)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len;

		if (c == '\\' || (quote && c == '"')) {
			obuf_putc(o, '\\');
			obuf_putc(o, (char)c);
			i++;
		} else if (c == '\n') {
			obuf_puts(o, "\\n");
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			obuf_puts(o, replacement);
			i++;
		} else if (c < 0x80) {
			obuf_putc(o, (char)c);
			i++;
		} else if ((len = utf8_len(s + i, n - i)) &&
			   !unsafe_cp(utf8_cp(s + i, len))) {
			obuf_put(o, s + i, len);
			i += len;
		} else {
			/* one per bad byte; an unsafe code point as a whole */
			obuf_puts(o, replacement);
			i += len ? len : 1;
		}
	}
}

static void put_labels(struct obuf *o, const struct prom_label *l, size_t n,
		       const char *le)
{
	if (!n && !le)
		return;
	obuf_putc(o, '{');
	for (size_t i = 0; i < n; i++) {
		obuf_printf(o, "%s%s=\"", i ? "," : "", l[i].name);
		put_text(o, l[i].value, true);
		obuf_putc(o, '"');
	}
	if (le)
		obuf_printf(o, "%sle=\"%s\"", n ? "," : "", le);
	obuf_putc(o, '}');
}

/* --- numbers -------------------------------------------------------------- */

void prom_put_seconds(struct obuf *o, uint64_t ns)
{
	char frac[16];
	int n;

	if (ns % 1000000000 == 0) {
		obuf_printf(o, "%" PRIu64, ns / 1000000000);
		return;
	}
	n = snprintf(frac, sizeof(frac), "%09" PRIu64, ns % 1000000000);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	obuf_printf(o, "%" PRIu64 ".%s", ns / 1000000000, frac);
}

void prom_put_double(struct obuf *o, double v)
{
	const char *dp = localeconv()->decimal_point;
	char buf[64], *at;
	int prec;

	if (isnan(v)) {
		obuf_puts(o, "NaN");
		return;
	}
	if (isinf(v)) {
		obuf_puts(o, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* the shortest that reads back as @v; 17 digits always do */
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, v);
	/* printf and strtod both follow LC_NUMERIC; the format wants '.' */
	if (strcmp(dp, ".") != 0 && *dp && (at = strstr(buf, dp))) {
		*at = '.';
		memmove(at + 1, at + strlen(dp), strlen(at + strlen(dp)) + 1);
	}
	obuf_puts(o, buf);
}

/* --- families ------------------------------------------------------------- */

/*
 * Make @name of @type the family being written: its HELP and TYPE lines
 * if it is new. -EINVAL if it was written before, unless just before with
 * the same type.
 */
static int family(struct prom *p, const char *name, enum prom_type type,
		  const char *help)
{
	struct prom_family *f;

	if (p->nfam && strcmp(p->fam[p->nfam - 1].name, name) == 0)
		return p->fam[p->nfam - 1].type == type ? 0 : -EINVAL;
	for (size_t i = 0; i + 1 < p->nfam; i++)
		if (strcmp(p->fam[i].name, name) == 0)
			return -EINVAL;
	f = grow_array(p->fam, &p->capfam, p->nfam + 1, sizeof(*f), 16);
	if (!f)
		return -ENOMEM;
	p->fam = f;
	f = &p->fam[p->nfam];
	f->name = strdup(name);
	if (!f->name)
		return -ENOMEM;
	f->type = type;
	p->nfam++;
	obuf_printf(p->o, "# HELP %s ", name);
	put_text(p->o, help ? help : "", false);
	obuf_printf(p->o, "\n# TYPE %s %s\n", name, type_names[type]);
	return 0;
}

int prom_counter(struct prom *p, const char *name, const char *help,
		 const struct prom_label *labels, size_t nlabels,
		 uint64_t value)
{
	int err;

	if (!prom_metric_name_ok(name) || !has_suffix(name, "_total") ||
	    !labels_ok(labels, nlabels, false))
		return -EINVAL;
	err = family(p, name, PROM_COUNTER, help);
	if (err)
		return err;
	obuf_puts(p->o, name);
	put_labels(p->o, labels, nlabels, NULL);
	obuf_printf(p->o, " %" PRIu64 "\n", value);
	return 0;
}

int prom_gauge(struct prom *p, const char *name, const char *help,
	       const struct prom_label *labels, size_t nlabels, double value)
{
	int err;

	if (!prom_metric_name_ok(name) || !labels_ok(labels, nlabels, false))
		return -EINVAL;
	err = family(p, name, PROM_GAUGE, help);
	if (err)
		return err;
	obuf_puts(p->o, name);
	put_labels(p->o, labels, nlabels, NULL);
	obuf_putc(p->o, ' ');
	prom_put_double(p->o, value);
	obuf_putc(p->o, '\n');
	return 0;
}

/*
 * The le of log2 bucket @i of @unit_ns units, in nanoseconds. Bucket i
 * holds latencies under 2^(i+1) units, and a Prometheus bucket counts the
 * observations <= le. With le = 2^(i+1) units exactly, an observation of
 * exactly 2^(i+1) units, which BPF puts in bucket i+1, would be claimed by
 * bucket i and not counted there. Latencies are whole nanoseconds, so the
 * largest one bucket i (and so the cumulative count up to it) can hold is
 * 2^(i+1) units - 1 ns: that le makes every count exactly what it says
 * (in microseconds "0.000001999" for bucket 0, then "0.000003999", ...,
 * "0.001023999"). It costs round-looking bounds, not accuracy:
 * histogram_quantile() interpolates within a bucket and is off by at most
 * that nanosecond.
 */
static uint64_t bucket_le_ns(size_t i, uint64_t unit_ns)
{
	return ((2 * unit_ns) << i) - 1;
}

static void put_sample_name(struct obuf *o, const char *name,
			    const char *suffix)
{
	obuf_puts(o, name);
	obuf_puts(o, suffix);
}

/* Do the bounds of @nbuckets buckets of @unit_ns fit in 64-bit ns? */
static bool bounds_fit(size_t nbuckets, uint64_t unit_ns)
{
	/* the largest bound written is bucket nbuckets - 2's */
	return unit_ns && unit_ns <= UINT64_MAX / 2 &&
	       (nbuckets < 2 || (2 * unit_ns) <= UINT64_MAX >> (nbuckets - 2));
}

int prom_histogram_log2(struct prom *p, const char *name, const char *help,
			const struct prom_label *labels, size_t nlabels,
			const uint64_t *buckets, size_t nbuckets,
			uint64_t unit_ns, uint64_t sum_ns)
{
	struct obuf le = { 0 };
	uint64_t count = 0;
	int err;

	if (!prom_metric_name_ok(name) || !labels_ok(labels, nlabels, true) ||
	    !nbuckets || !bounds_fit(nbuckets, unit_ns))
		return -EINVAL;
	err = family(p, name, PROM_HISTOGRAM, help);
	if (err)
		return err;
	for (size_t i = 0; i + 1 < nbuckets; i++) {
		count += buckets[i];
		obuf_reset(&le);
		prom_put_seconds(&le, bucket_le_ns(i, unit_ns));
		put_sample_name(p->o, name, "_bucket");
		put_labels(p->o, labels, nlabels, le.data);
		obuf_printf(p->o, " %" PRIu64 "\n", count);
	}
	count += buckets[nbuckets - 1];
	put_sample_name(p->o, name, "_bucket");
	put_labels(p->o, labels, nlabels, "+Inf");
	obuf_printf(p->o, " %" PRIu64 "\n", count);
	put_sample_name(p->o, name, "_sum");
	put_labels(p->o, labels, nlabels, NULL);
	obuf_putc(p->o, ' ');
	prom_put_seconds(p->o, sum_ns);
	obuf_putc(p->o, '\n');
	put_sample_name(p->o, name, "_count");
	put_labels(p->o, labels, nlabels, NULL);
	obuf_printf(p->o, " %" PRIu64 "\n", count);
	obuf_free(&le);
	return 0;
}

int prom_histogram_log2_us(struct prom *p, const char *name, const char *help,
			   const struct prom_label *labels, size_t nlabels,
			   const uint64_t *buckets, size_t nbuckets,
			   uint64_t sum_ns)
{
	if (nbuckets > PROM_LOG2_MAX_BUCKETS)
		return -EINVAL;
	return prom_histogram_log2(p, name, help, labels, nlabels, buckets,
				   nbuckets, 1000, sum_ns);
}
