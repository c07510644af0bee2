// SPDX-License-Identifier: GPL-2.0-only
/*
 * Metrics, for every tool: --metrics serves them over HTTP for Prometheus
 * to scrape, --metrics-file writes them for node-exporter's textfile
 * collector. The page (Prometheus text format 0.0.4) holds
 *
 *   utrace_events_total{tool, the tool's row labels, container}
 *	every row read, counted per set of label values: the columns a tool
 *	names as few-valued (struct utrace_metrics.row_labels), and with -C
 *	the container's short id. Beyond MAX_SERIES sets, rows are counted
 *	in the set whose values are all empty ({tool} alone).
 *   the tool's histograms (lib/histogram.h) as a Prometheus histogram,
 *	read from BPF at each page, per key with the tool's labels; with -C,
 *	per container too.
 *   utrace_events_lost_total{tool}, utrace_probes{tool}
 *
 * Nothing here is unbounded by default: no PID, host name or typed text
 * is ever a label.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "atomicfile.h"
#include "cgroup.h"
#include "core.h"
#include "histogram.h"
#include "httpd.h"
#include "prom.h"
#include "grow.h"

#define MAX_SERIES	1024
#define INDEX_SLOTS	2048		/* a power of two, > 1 + MAX_SERIES */
#define FILE_INTERVAL_NS 10000000000ULL	/* --metrics-file without -i */
#define FILE_MODE	0644		/* the collector runs as its own user */

#define EVENTS_HELP "Events traced (rows), by tool and the tool's few-valued columns"

/* Rows with one set of label values. */
struct series {
	char *key;	/* the values: each a 2-byte length and its bytes */
	size_t keylen;
	uint64_t rows;
};

struct metrics {
	struct httpd *httpd;
	struct obuf page;		/* --metrics-file's */
	int file_errno;			/* last error reported for the file */

	/* the row labels: names, and the columns that give their values */
	const char *names[UTRACE_MAX_LABELS + 1];
	const struct utrace_column *cols[UTRACE_MAX_LABELS];
	int nlabels;			/* names: the columns', then "container" */
	int ncols;

	struct series *series;		/* in the order they appeared */
	size_t nseries, capseries;
	int32_t index[INDEX_SLOTS];	/* hash of key -> series, -1: free */
	struct obuf key;		/* scratch */
};

bool metrics_enabled(const struct utrace_session *s)
{
	return s->opt.metrics_addr || s->opt.metrics_file;
}

/* ---- rows ---- */

static const struct utrace_column *column(const struct utrace_tool *t,
					  const char *key)
{
	for (const struct utrace_column *c = t->columns; c && c->header; c++)
		if (c->key && !strcmp(c->key, key))
			return c;
	return NULL;
}

static int find_labels(struct utrace_session *s, struct metrics *m)
{
	const struct utrace_metrics *tm = s->tool->metrics;

	for (const char *const *k = tm ? tm->row_labels : NULL; k && *k; k++) {
		const struct utrace_column *c = column(s->tool, *k);

		/* the tool's mistake: say so, not a page a scraper refuses */
		if (!c || m->ncols == UTRACE_MAX_LABELS - 1) {
			utrace_error(s, "metrics: no column '%s' for a label", *k);
			return -EINVAL;
		}
		m->cols[m->ncols++] = c;
		m->names[m->nlabels++] = c->key;
	}
	if (s->opt.container)
		m->names[m->nlabels++] = "container";
	return 0;
}

static void key_add(struct obuf *k, const char *v, size_t n)
{
	unsigned char len[2];

	if (n > 0xffff)
		n = 0xffff;
	len[0] = (unsigned char)(n >> 8);
	len[1] = (unsigned char)n;
	obuf_put(k, len, 2);
	obuf_put(k, v, n);
}

/* A value as label text: only the types a few-valued column has. */
static void key_add_value(struct obuf *k, const struct utrace_value *v)
{
	char num[24];

	switch (v->type) {
	case UTRACE_V_STR:
	case UTRACE_V_TEXT:
		key_add(k, v->str, v->len ? v->len : strlen(v->str));
		return;
	case UTRACE_V_U64:
		key_add(k, num, (size_t)snprintf(num, sizeof(num), "%llu",
						 (unsigned long long)v->u64));
		return;
	case UTRACE_V_S64:
		key_add(k, num, (size_t)snprintf(num, sizeof(num), "%lld",
						 (long long)v->s64));
		return;
	case UTRACE_V_BOOL:
		key_add(k, v->b ? "true" : "false", v->b ? 4 : 5);
		return;
	default:
		key_add(k, "", 0);	/* unknown: the label is left out */
	}
}

static uint32_t hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

/* The series of key @k, made if new and there is room; NULL if not. */
static struct series *series_of(struct metrics *m, const struct obuf *k,
				bool beyond_bound)
{
	uint32_t i = hash(k->data, k->len) & (INDEX_SLOTS - 1);
	struct series *v;

	for (; m->index[i] >= 0; i = (i + 1) & (INDEX_SLOTS - 1)) {
		struct series *x = &m->series[m->index[i]];

		if (x->keylen == k->len && !memcmp(x->key, k->data, k->len))
			return x;
	}
	if (m->nseries >= MAX_SERIES + (size_t)beyond_bound)
		return NULL;
	v = grow_array(m->series, &m->capseries, m->nseries + 1, sizeof(*v), 16);
	if (!v)
		return NULL;
	m->series = v;
	v = &m->series[m->nseries];
	v->key = malloc(k->len ? k->len : 1);
	if (!v->key)
		return NULL;
	memcpy(v->key, k->data, k->len);
	v->keylen = k->len;
	v->rows = 0;
	m->index[i] = (int32_t)m->nseries++;
	return v;
}

void metrics_row(struct utrace_session *s, const struct event_hdr *e,
		 size_t size)
{
	struct metrics *m = s->core->metrics;
	struct series *x;

	if (!m)
		return;
	obuf_reset(&m->key);
	for (int i = 0; i < m->ncols; i++) {
		struct utrace_value v = { .type = UTRACE_V_NONE };

		m->cols[i]->get(s, e, size, &v);
		key_add_value(&m->key, &v);
	}
	if (s->opt.container) {
		struct container_ref r;

		container_of(s, e, &r);
		key_add(&m->key, r.short_id ? r.short_id : "",
			r.short_id ? strlen(r.short_id) : 0);
	}
	x = series_of(m, &m->key, false);
	if (!x) {
		/* too many: counted with every label value empty */
		obuf_reset(&m->key);
		for (int i = 0; i < m->nlabels; i++)
			key_add(&m->key, "", 0);
		x = series_of(m, &m->key, true);
	}
	if (x)
		x->rows++;
}

/* ---- the page ---- */

struct page {
	struct utrace_session *s;
	struct prom prom;
	struct utrace_label tool;
	char *buf;			/* label values of one series */
};

/* prom_label and utrace_label are the same pair; non-empty ones only. */
static size_t to_prom(struct prom_label *out, const struct utrace_label *l,
		      size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (l[i].value && l[i].value[0])
			out[k++] = (struct prom_label){ l[i].name, l[i].value };
	return k;
}

static void page_rows(struct page *pg, struct metrics *m)
{
	struct utrace_label l[UTRACE_MAX_LABELS + 1];
	struct prom_label pl[UTRACE_MAX_LABELS + 1];

	for (size_t i = 0; i < m->nseries; i++) {
		const struct series *x = &m->series[i];
		char *p = pg->buf;
		size_t off = 0;
		int n = 0;

		l[n++] = pg->tool;
		/* decode the key: each value NUL-terminated in buf */
		for (int j = 0; j < m->nlabels && off + 2 <= x->keylen; j++) {
			size_t len = ((unsigned char)x->key[off] << 8) |
				     (unsigned char)x->key[off + 1];

			memcpy(p, x->key + off + 2, len);
			p[len] = '\0';
			l[n++] = (struct utrace_label){ m->names[j], p };
			p += len + 1;
			off += 2 + len;
		}
		prom_counter(&pg->prom, "utrace_events_total", EVENTS_HELP,
			     pl, to_prom(pl, l, (size_t)n), x->rows);
	}
}

/* One histogram of the page: a key, a container label, the counts. */
struct hist_entry {
	uint32_t key;
	char container[CGROUP_SHORT_CID_LEN + 1];
	struct utrace_hist_slot v;
};

static int by_key_container(const void *a, const void *b)
{
	const struct hist_entry *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->container, y->container);
}

static void add_slot(struct utrace_hist_slot *to, const struct utrace_hist_slot *v)
{
	for (int b = 0; b < UTRACE_HIST_BUCKETS; b++)
		to->count[b] += v->count[b];
	to->total_ns += v->total_ns;
}

/* Entries into @e (room for @cap), merged by key and container. */
static size_t read_hists(struct utrace_session *s, struct hist_entry *e,
			 size_t cap)
{
	struct bpf_map *cg = bpf_object__find_map_by_name(s->obj, "utrace_hist_cg");
	const struct utrace_hist *h = s->core->hist;
	struct utrace_hist_cgkey k, next, *prev = NULL;
	struct utrace_hist_slot v;
	size_t n = 0;

	if (!s->core->hist_by_cgroup || !cg) {
		for (uint32_t key = 0; key < h->nkeys && n < cap; key++) {
			if (bpf_map_lookup_elem(h->fd, &key, &v))
				continue;
			e[n] = (struct hist_entry){ .key = key, .v = v };
			n++;
		}
		return n;
	}
	while (!bpf_map_get_next_key(bpf_map__fd(cg), prev, &next)) {
		const char *label;
		size_t i;

		k = next;
		prev = &k;
		if (k.key >= h->nkeys || bpf_map_lookup_elem(bpf_map__fd(cg), &k, &v))
			continue;
		label = k.cgroup ? container_metric_label(s, k.cgroup) : "";
		for (i = 0; i < n; i++)
			if (e[i].key == k.key && !strcmp(e[i].container, label))
				break;
		if (i == n) {
			if (n == cap)
				continue;
			memset(&e[n], 0, sizeof(e[n]));
			e[n].key = k.key;
			snprintf(e[n].container, sizeof(e[n].container), "%s", label);
			n++;
		}
		add_slot(&e[i].v, &v);
	}
	qsort(e, n, sizeof(*e), by_key_container);
	return n;
}

static void page_hists(struct page *pg)
{
	struct utrace_session *s = pg->s;
	const struct utrace_metrics *tm = s->tool->metrics;
	struct utrace_label l[UTRACE_MAX_LABELS + 1];
	struct prom_label pl[UTRACE_MAX_LABELS + 1];
	struct bpf_map *cg;
	struct hist_entry *e;
	size_t cap, n;

	if (!s->core->hist || !tm || !tm->hist)
		return;
	cg = bpf_object__find_map_by_name(s->obj, "utrace_hist_cg");
	cap = s->core->hist->nkeys + (s->core->hist_by_cgroup && cg ?
				      bpf_map__max_entries(cg) : 0);
	e = calloc(cap, sizeof(*e));
	if (!e)
		return;
	n = read_hists(s, e, cap);
	for (size_t i = 0; i < n; i++) {
		int nl = tm->hist_labels ? tm->hist_labels(s, e[i].key, l) : 0;

		/* a histogram appears with its first observation */
		if (nl < 0 || nl > UTRACE_MAX_LABELS || !hist_count(&e[i].v))
			continue;
		if (s->core->hist_by_cgroup)
			l[nl++] = (struct utrace_label){ "container", e[i].container };
		prom_histogram_log2(&pg->prom, tm->hist, tm->hist_help, pl,
				    to_prom(pl, l, (size_t)nl),
				    (const uint64_t *)e[i].v.count,
				    UTRACE_HIST_BUCKETS, s->core->hist_unit_ns,
				    e[i].v.total_ns);
	}
	free(e);
}

static void render(struct obuf *body, void *arg)
{
	struct utrace_session *s = arg;
	struct metrics *m = s->core->metrics;
	struct page pg = { .s = s, .tool = { "tool", s->tool->name } };
	struct prom_label tool = { "tool", s->tool->name };
	size_t most = 0;

	for (size_t i = 0; i < m->nseries; i++)
		if (m->series[i].keylen > most)
			most = m->series[i].keylen;
	pg.buf = malloc(most + (size_t)m->nlabels + 1);
	if (!pg.buf)
		return;
	prom_init(&pg.prom, body);
	page_rows(&pg, m);
	/* rows with no labels but the tool's: one series, there from the start */
	if (!m->nseries && !m->nlabels && !s->core->hist)
		prom_counter(&pg.prom, "utrace_events_total", EVENTS_HELP, &tool, 1, 0);
	page_hists(&pg);
	prom_counter(&pg.prom, "utrace_events_lost_total",
		     "Events the probes could not send: the ring buffer was full",
		     &tool, 1, session_lost_events(s));
	prom_gauge(&pg.prom, "utrace_probes", "Probes attached", &tool, 1,
		   (double)utrace_attached(s));
	prom_free(&pg.prom);
	free(pg.buf);
}

/* ---- serving and writing ---- */

int metrics_open(struct utrace_session *s)
{
	struct metrics *m;
	char err[256];

	if (!metrics_enabled(s))
		return UTRACE_EXIT_OK;
	m = calloc(1, sizeof(*m));
	if (!m) {
		utrace_error(s, "out of memory");
		return UTRACE_EXIT_ERROR;
	}
	s->core->metrics = m;
	memset(m->index, -1, sizeof(m->index));
	if (find_labels(s, m))
		return UTRACE_EXIT_ERROR;
	if (s->opt.metrics_addr) {
		m->httpd = httpd_open(s->opt.metrics_addr, NULL, err, sizeof(err));
		if (!m->httpd) {
			utrace_error(s, "--metrics %s: %s", s->opt.metrics_addr, err);
			return UTRACE_EXIT_ERROR;
		}
		utrace_verbose(s, "serving metrics on http://%s/metrics", httpd_addr(m->httpd));
	}
	return UTRACE_EXIT_OK;
}

int metrics_fd(const struct utrace_session *s)
{
	const struct metrics *m = s->core->metrics;

	return m && m->httpd ? httpd_fd(m->httpd) : -1;
}

void metrics_serve(struct utrace_session *s)
{
	struct metrics *m = s->core->metrics;
	int err;

	if (!m || !m->httpd)
		return;
	err = httpd_process(m->httpd, clock_boot_ns(), render, s);
	if (err) {
		/* the server's own epoll failed: stop serving, go on tracing */
		utrace_error(s, "--metrics: %s: no longer serving", strerror(-err));
		httpd_close(m->httpd);
		m->httpd = NULL;
	}
}

uint64_t metrics_file_interval(const struct utrace_session *s)
{
	if (!s->opt.metrics_file)
		return 0;
	return s->interval_ns ? s->interval_ns : FILE_INTERVAL_NS;
}

int metrics_write_file(struct utrace_session *s)
{
	struct metrics *m = s->core->metrics;
	int err;

	if (!m || !s->opt.metrics_file)
		return 0;
	obuf_reset(&m->page);
	render(&m->page, s);
	err = atomic_write_file(s->opt.metrics_file, m->page.data, m->page.len,
				FILE_MODE);
	/* said once per cause: a full disk must not fill the log too */
	if (err && -err != m->file_errno)
		utrace_error(s, "--metrics-file %s: %s", s->opt.metrics_file,
			     strerror(-err));
	m->file_errno = err ? -err : 0;
	return err;
}

void metrics_close(struct utrace_session *s)
{
	struct metrics *m = s->core->metrics;

	if (!m)
		return;
	if (m->httpd)
		httpd_close(m->httpd);
	for (size_t i = 0; i < m->nseries; i++)
		free(m->series[i].key);
	free(m->series);
	obuf_free(&m->page);
	obuf_free(&m->key);
	free(m);
	s->core->metrics = NULL;
}
