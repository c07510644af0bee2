// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lifecycle every tool shares:
 * options -> targets -> open -> configure -> load -> attach -> poll -> drain
 * -> report -> detach. Each phase is one function below.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core.h"
#include "ringbuf.h"
#include "sigstop.h"
#include "xol.h"

/* Without a wakeup, events wait at most this long to be shown. */
#define POLL_MS 100
/*
 * A batch is written out once it is this big, even while the ring buffer
 * still has more: a producer as fast as the reader would otherwise keep
 * one batch growing, in memory and in delay.
 */
#define BATCH_BYTES (256 * 1024)
/* Without the exec tracepoint, /proc is looked at this often. */
#define RESCAN_NS 1000000000ULL

enum { EV_SIGNAL = 1, EV_RING, EV_STDOUT, EV_INOTIFY, EV_METRICS };

static bool verbose_libbpf;

/*
 * libbpf's messages only with -v: errors are reported by us, in one line
 * that says what to do, not as libbpf's internals.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char text[4096];

	(void)level;
	if (!verbose_libbpf)
		return 0;
	/* its messages quote paths of traced files: escaped, as ours are */
	vsnprintf(text, sizeof(text), fmt, ap);
	utrace_stderr_lines(text);
	return 0;
}

static uint64_t ringbuf_size(uint64_t want)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t sz = (uint64_t)page;

	/* the kernel wants a power-of-two number of pages */
	while (sz < want)
		sz <<= 1;
	return sz;
}

/* The core's own settings of the BPF object: wakeups, -p, itself. */
static int configure_core(struct utrace_session *s)
{
	struct bpf_map *events = bpf_object__find_map_by_name(s->obj, "events");
	uint64_t rb, wake, ns_dev = 0, ns_ino = 0;
	bool filter = s->opt.npids > 0;
	uint32_t self = (uint32_t)getpid();
	struct stat ns;

	if (!events) {
		utrace_error(s, "BPF object has no events ring buffer");
		return UTRACE_EXIT_ERROR;
	}
	rb = ringbuf_size(s->opt.buffer_bytes);
	bpf_map__set_max_entries(events, (uint32_t)rb);
	/*
	 * Wake the reader once half the buffer is full: the other half still
	 * takes a burst while it wakes, and a steady stream is collected by
	 * the poll timeout, not one wakeup per event. Each sleep and wakeup of
	 * the reader costs it tens of microseconds (measured on a 2-vCPU guest:
	 * a 20 ms epoll_wait() sleep is ~60 us of its CPU time), so with 1
	 * lookup loop a quarter-full wakeup was 36 of them a second and 40 ns
	 * a row; half of the 2 MiB default wakes it no oftener than the
	 * timeout does.
	 */
	wake = rb / 2;
	if (utrace_set_rodata(s, "utrace_wakeup_bytes", &wake, sizeof(wake)) ||
	    utrace_set_rodata(s, "utrace_filter_pids", &filter, sizeof(filter)) ||
	    utrace_set_rodata(s, "utrace_self", &self, sizeof(self)) ||
	    container_configure(s)) {
		utrace_error(s, "BPF object lacks the core's settings (common.bpf.h)");
		return UTRACE_EXIT_ERROR;
	}
	/* the initial PID namespace's inode is fixed (PROC_PID_INIT_INO) */
	if (!stat("/proc/self/ns/pid", &ns) && ns.st_ino != 0xEFFFFFFCU) {
		ns_dev = ns.st_dev;
		ns_ino = ns.st_ino;
	}
	if (utrace_set_rodata(s, "utrace_pidns_dev", &ns_dev, sizeof(ns_dev)) ||
	    utrace_set_rodata(s, "utrace_pidns_ino", &ns_ino, sizeof(ns_ino))) {
		utrace_error(s, "BPF object lacks the core's settings (common.bpf.h)");
		return UTRACE_EXIT_ERROR;
	}
	if (hist_configure_core(s)) {
		utrace_error(s, "BPF object lacks the per-cgroup histograms (hist.bpf.h)");
		return UTRACE_EXIT_ERROR;
	}
	return UTRACE_EXIT_OK;
}

static int open_object(struct utrace_session *s)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = s->tool->name);
	size_t size;
	const void *elf = s->tool->bpf_elf(&size);
	int err;

	s->obj = bpf_object__open_mem(elf, size, &opts);
	if (!s->obj) {
		utrace_error(s, "cannot open the embedded BPF object: %s",
			     strerror(errno));
		return UTRACE_EXIT_ERROR;
	}
	if ((err = configure_core(s)))
		return err;
	if (s->tool->configure && (err = s->tool->configure(s)))
		return err;
	probes_prepare(s);
	return UTRACE_EXIT_OK;
}

static int load_object(struct utrace_session *s)
{
	int err = bpf_object__load(s->obj);

	if (!err)
		return UTRACE_EXIT_OK;
	/* first: a denied bpf() makes libbpf's ring buffer probe say "absent" */
	if (err == -EPERM || err == -EACCES)
		utrace_error(s, "the kernel refused to load BPF programs (%s): are BPF syscalls restricted (kernel.unprivileged_bpf_disabled, seccomp, lockdown)?",
			     strerror(-err));
	else if (err == -ENOSYS)
		utrace_error(s, "no bpf() system call: the kernel lacks CONFIG_BPF_SYSCALL, or a seccomp policy hides it");
	else if (!libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL))
		utrace_error(s, "this kernel has no BPF ring buffer (Linux 5.8 or later is needed)");
	else
		utrace_error(s, "cannot load BPF programs: %s (run with -v for the verifier's log)",
			     strerror(-err));
	return UTRACE_EXIT_ERROR;
}

/* -p: the thread groups BPF lets through (common.bpf.h). */
static int fill_pid_filter(struct utrace_session *s)
{
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "utrace_pids");
	uint8_t one = 1;

	for (int i = 0; i < s->opt.npids; i++) {
		uint32_t pid = (uint32_t)s->opt.pids[i];

		if (!m || bpf_map_update_elem(bpf_map__fd(m), &pid, &one, BPF_ANY)) {
			utrace_error(s, "cannot set the -p filter: %s", strerror(errno));
			return UTRACE_EXIT_ERROR;
		}
	}
	return UTRACE_EXIT_OK;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct utrace_session *s = ctx;
	struct utrace_core *c = s->core;

	if (size < sizeof(struct event_hdr) || c->stop)
		return 0;
	if (s->tool->event)
		s->tool->event(s, data, size);
	else
		utrace_emit(s, data, size);
	/* -c reached, or the reader left: leave the rest in the buffer */
	return c->stop ? -ECANCELED : 0;
}

void utrace_emit(struct utrace_session *s, const struct event_hdr *e,
		 size_t size)
{
	struct utrace_core *c = s->core;

	if (c->stop)
		return;
	output_event(s, e, size);
	metrics_row(s, e, size);
	if (s->opt.count && (!s->tool->event_end || s->tool->event_end(e, size)) &&
	    ++c->printed >= s->opt.count)
		c->stop = true;
	if (s->out.len >= BATCH_BYTES && !output_flush(s))
		c->stop = true;
}

uint64_t session_lost_events(struct utrace_session *s)
{
	struct bpf_map *m = s->obj ?
		bpf_object__find_map_by_name(s->obj, "lost_events") : NULL;
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0, *v;
	uint32_t key = 0;

	if (!m || ncpu <= 0)
		return 0;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (v && !bpf_map_lookup_elem(bpf_map__fd(m), &key, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

static void watch(int ep, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	if (fd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * The ring buffers' epoll set, the stop signals' signalfd, stdout, the
 * directory watch and the metrics server share one epoll: a signal ends
 * any wait at once, also a wait for a stalled reader (see output_flush()).
 */
static int make_waiter(struct utrace_session *s)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -1;
	watch(ep, sigstop_fd(), EPOLLIN, EV_SIGNAL);
	/*
	 * Edge-triggered: once a wakeup had queued the ring buffers' epoll, a
	 * level-triggered wait found it ready again after nearly every batch
	 * (a record or two came in while it was written), and the reader ran
	 * in small batches, a write(2) each. Now it returns for a new wakeup
	 * only: the probes' (half full), the utrace_procs ring's, the timeout.
	 */
	watch(ep, ringbufs_epoll_fd(s->core->rb), EPOLLIN | EPOLLET, EV_RING);
	/*
	 * stdout for EPOLLERR/EPOLLHUP only (reported without asking): when
	 * the reader of a pipe leaves (`utrace readline | head -1`), end now,
	 * not at the next event. Files and /dev/null refuse (EPERM): fine.
	 */
	watch(ep, STDOUT_FILENO, 0, EV_STDOUT);
	watch(ep, discover_inotify_fd(s), EPOLLIN, EV_INOTIFY);
	watch(ep, metrics_fd(s), EPOLLIN, EV_METRICS);
	return ep;
}

static bool consume(struct utrace_session *s)
{
	long n = ringbufs_consume(s->core->rb);
	if (n < 0 && n != -ECANCELED && n != -EINTR) {
		utrace_error(s, "reading the ring buffer: %s", strerror((int)-n));
		s->core->write_error = (int)-n;
		return false;
	}
	return output_flush(s) && !s->core->stop;
}

/* Wait no longer than until @when (0: no such deadline). */
static void until(int64_t *ms, uint64_t now, uint64_t when)
{
	if (when && when > now && (int64_t)((when - now + 999999) / 1000000) < *ms)
		*ms = (int64_t)((when - now + 999999) / 1000000);
}

/* How long to wait for events: the poll interval, or less at the end. */
static int wait_ms(const struct utrace_session *s, uint64_t start, uint64_t now,
		   uint64_t next_interval, uint64_t next_file)
{
	int64_t ms = POLL_MS;

	if (s->opt.duration_ns)
		until(&ms, now, start + s->opt.duration_ns);
	if (s->interval_ns)
		until(&ms, now, next_interval);
	until(&ms, now, next_file);
	return (int)ms;
}

static void poll_loop(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	uint64_t start = utrace_now_ns();
	uint64_t next_scan = start + RESCAN_NS;
	/* intervals on a fixed grid: start + k * interval, never drifting */
	uint64_t next_interval = start + s->interval_ns;
	uint64_t file_every = metrics_file_interval(s);
	uint64_t next_file = file_every ? start + file_every : 0;
	struct epoll_event evs[8];
	int ep = make_waiter(s);

	if (ep < 0) {
		utrace_error(s, "epoll: %s", strerror(errno));
		c->write_error = errno;
		return;
	}
	for (;;) {
		uint64_t now = utrace_now_ns();
		bool signalled = false;
		int n;

		if (s->opt.duration_ns && now >= start + s->opt.duration_ns)
			break;
		n = epoll_wait(ep, evs, 8, wait_ms(s, start, now, next_interval, next_file));
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == EV_SIGNAL)
				signalled = true;
			else if (evs[i].data.u32 == EV_STDOUT)
				c->epipe = true;	/* as if a write got EPIPE */
		}
		if (!consume(s) || signalled || sigstop_pending())
			break;
		/* after consume(): a scrape counts every row read so far */
		metrics_serve(s);
		now = utrace_now_ns();
		if (next_file && now >= next_file) {
			metrics_write_file(s);
			while (next_file <= now)
				next_file += file_every;
		}
		discover_run(s, now >= next_scan);
		if (now >= next_scan) {
			wallclock_sync(&c->clock);
			next_scan = now + RESCAN_NS;
			/* like strace -p: nothing left to trace, so done */
			if (targets_gone(s) || container_gone(s))
				break;
		}
		if (s->interval_ns && now >= next_interval && s->tool->interval) {
			s->tool->interval(s);
			if (!output_flush(s))
				break;
			while (next_interval <= now)
				next_interval += s->interval_ns;
		}
	}
	close(ep);
}

/* Each process may have files to keep open: one per traced file. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int check_privilege(struct utrace_session *s)
{
	char missing[64];

	if (!privilege_check(missing, sizeof(missing)))
		return UTRACE_EXIT_OK;
	if (geteuid() == 0)
		utrace_error(s, "permission denied: root, but without %s (capabilities dropped?)",
			     missing);
	else
		utrace_error(s, "permission denied: need root, or %s", missing);
	return UTRACE_EXIT_ERROR;
}

static int setup(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	int err;

	if ((err = targets_check(s)) || (err = check_privilege(s)) ||
	    (err = container_setup(s)) || (err = metrics_open(s)))
		return err;
	verbose_libbpf = s->opt.verbose;
	libbpf_set_print(libbpf_print);
	if ((err = open_object(s)))
		return err;
	/* the kernel's wait before the first uprobe goes in, while verifying */
	uprobe_warm_start(&c->warm, c->multi);
	if ((err = load_object(s)) || (err = fill_pid_filter(s)))
		return err;
	probes_note_xol(s, xol_expected());
	c->rb = ringbufs_new();
	if (!c->rb || (err = ringbufs_add(c->rb,
			bpf_map__fd(bpf_object__find_map_by_name(s->obj, "events")),
			on_event, s))) {
		utrace_error(s, "cannot set up the ring buffer: %s",
			     strerror(c->rb ? -err : errno));
		return UTRACE_EXIT_ERROR;
	}
	if (s->tool->attach && (err = s->tool->attach(s)))
		return err;
	/* before the first look: no exec in between goes unreported */
	probes_attach_tracepoints(s);
	if ((err = discover_start(s))) {
		utrace_error(s, "cannot set up discovery: %s", strerror(-err));
		return UTRACE_EXIT_ERROR;
	}
	if ((err = targets_attach(s)))
		return err;
	if (s->tool->started && (err = s->tool->started(s)))
		return err;
	/*
	 * A container may have nothing to trace yet: discovery probes what
	 * its next programs (`docker exec ... bash`) bring.
	 */
	if (!utrace_attached(s) &&
	    !(container_filtering(s) && probes_tracepoint_attached(s, "utrace_exec"))) {
		utrace_error(s, "nothing to trace: no probe could be attached");
		return UTRACE_EXIT_ERROR;
	}
	return UTRACE_EXIT_OK;
}

static int finish(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	uint64_t lost;
	int rc = UTRACE_EXIT_OK;

	/* drain what the probes wrote before the stop */
	if (!c->stop && !c->epipe && !c->write_error)
		consume(s);
	if (s->tool->finish && !c->epipe)
		s->tool->finish(s);
	output_flush(s);
	/* the last page: what the end of the trace saw */
	metrics_write_file(s);
	if (c->write_error)
		return UTRACE_EXIT_ERROR;
	lost = session_lost_events(s);
	if (lost) {
		utrace_error(s, "%llu event%s lost (ring buffer full; try --buffer)",
			     (unsigned long long)lost, lost == 1 ? "" : "s");
		rc = UTRACE_EXIT_LOST;
	}
	if (output_unwritten(s)) {
		utrace_error(s, "%llu row%s not written: the reader of the output stopped reading",
			     (unsigned long long)output_unwritten(s),
			     output_unwritten(s) == 1 ? "" : "s");
		rc = UTRACE_EXIT_LOST;
	}
	return rc;
}

static void *stop_discovery(void *arg)
{
	discover_stop(arg);
	return NULL;
}

static void teardown(struct utrace_session *s)
{
	pthread_t t;
	bool started;

	/* first: the page reads the tool's histograms, freed by cleanup */
	metrics_close(s);
	container_close(s);
	ringbufs_free(s->core->rb);
	/*
	 * Removing the directory watches waits for an SRCU grace period, as
	 * removing the links waits for theirs: side by side, not in turn.
	 */
	started = !pthread_create(&t, NULL, stop_discovery, s);
	probes_detach_all(s);
	uprobe_warm_end(&s->core->warm);
	if (started)
		pthread_join(t, NULL);
	else
		discover_stop(s);
	lazy_close(s);
	bpf_object__close(s->obj);
	if (s->tool->cleanup)
		s->tool->cleanup(s);
	tfiles_free(&s->core->files);
	procscan_free(&s->core->scan);
	output_close(s);
	free(s->priv);
}

/*
 * A closed fd 0, 1 or 2 would be reused by the first file or BPF object we
 * open, and rows or messages written into it. Put /dev/null there instead.
 * Returns false if stdout was closed.
 */
static bool std_fds_open(void)
{
	bool out_open = true;

	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (fd == STDOUT_FILENO)
			out_open = false;
		n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
	return out_open;
}

static ino_t own_mntns(void)
{
	struct stat st;

	return stat("/proc/self/ns/mnt", &st) ? 0 : st.st_ino;
}

int utrace_run(const struct utrace_tool *tool, int argc, char **argv)
{
	struct utrace_core core = { .inotify_fd = -1 };
	struct utrace_session s = { .tool = tool, .core = &core,
				    .prog = argc > 0 ? argv[0] : tool->name };
	bool out_open = std_fds_open();
	int rc;

	wallclock_sync(&core.clock);
	core.mntns = own_mntns();
	s.priv = calloc(1, tool->priv_size ? tool->priv_size : 1);
	if (!s.priv) {
		fputs("utrace: out of memory\n", stderr);
		return UTRACE_EXIT_ERROR;
	}
	for (const struct utrace_target *t = tool->targets; t && t->what; t++)
		utrace_target_add(&s, t);
	if (options_parse(&s, argc, argv)) {
		free(s.priv);
		return UTRACE_EXIT_USAGE;
	}
	if (!out_open) {
		/*
		 * `utrace readline >&-`: as when the reader of a pipe has
		 * left, there is no one to print for: end quietly, before
		 * anything is attached.
		 */
		free(s.priv);
		return UTRACE_EXIT_OK;
	}
	raise_fd_limit();
	if (tool->prepare && (rc = tool->prepare(&s)))
		goto out;
	if (sigstop_block()) {
		utrace_error(&s, "signals: %s", strerror(errno));
		rc = UTRACE_EXIT_ERROR;
		goto out;
	}
	output_open(&s);
	if ((rc = setup(&s)))
		goto out;
	/* a file that cannot be written is said now, not at the first interval */
	if (metrics_write_file(&s)) {
		rc = UTRACE_EXIT_ERROR;
		goto out;
	}
	fprintf(stderr, "Tracing %s... Hit Ctrl-C to end.\n", tool->tracing);
	output_header(&s);
	if (output_flush(&s))
		poll_loop(&s);
	rc = finish(&s);
out:
	teardown(&s);
	return rc;
}

uint64_t utrace_now_ns(void)
{
	return clock_boot_ns();
}
