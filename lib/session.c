// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lifecycle every tool shares:
 * options -> targets -> open -> configure -> load -> attach -> poll -> drain
 * -> report -> detach. Each phase is one function below.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core.h"

/* Without a wakeup, events wait at most this long to be shown. */
#define POLL_MS 100
/* New processes (and their libraries) are looked for this often. */
#define RESCAN_NS 1000000000ULL

static bool verbose_libbpf;

/*
 * libbpf's messages only with -v: errors are reported by us, in one line
 * that says what to do, not as libbpf's internals.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	if (!verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, ap);
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

static int open_object(struct utrace_session *s)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = s->tool->name);
	struct bpf_map *events;
	size_t size;
	const void *elf = s->tool->bpf_elf(&size);
	uint64_t rb, wake;
	int err;

	s->obj = bpf_object__open_mem(elf, size, &opts);
	if (!s->obj) {
		utrace_error(s, "cannot open the embedded BPF object: %s",
			     strerror(errno));
		return UTRACE_EXIT_ERROR;
	}
	events = bpf_object__find_map_by_name(s->obj, "events");
	if (!events) {
		utrace_error(s, "BPF object has no events ring buffer");
		return UTRACE_EXIT_ERROR;
	}
	rb = ringbuf_size(s->opt.buffer_bytes);
	bpf_map__set_max_entries(events, (uint32_t)rb);
	/*
	 * Wake the reader once a quarter of the buffer is full: a burst is
	 * drained long before it could overflow, while a steady trickle is
	 * collected by the poll timeout without one wakeup per event.
	 */
	wake = rb / 4;
	err = utrace_set_rodata(s, "utrace_wakeup_bytes", &wake, sizeof(wake));
	if (err) {
		utrace_error(s, "BPF object lacks utrace_wakeup_bytes");
		return UTRACE_EXIT_ERROR;
	}
	if (s->tool->configure && (err = s->tool->configure(s)))
		return err;
	attach_prepare(s);
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

static int on_event(void *ctx, void *data, size_t size)
{
	struct utrace_session *s = ctx;
	struct utrace_core *c = s->core;

	if (size < sizeof(struct event_hdr) || c->stop)
		return 0;
	output_event(s, data, size);
	if (s->opt.count && ++c->printed >= s->opt.count) {
		c->stop = true;
		return -ECANCELED;	/* leave the rest in the buffer */
	}
	return 0;
}

static uint64_t lost_events(struct utrace_session *s)
{
	struct bpf_map *m = bpf_object__find_map_by_name(s->obj, "lost_events");
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

static void discover_one(pid_t pid, void *arg)
{
	struct utrace_session *s = arg;

	if (pid != getpid())
		s->tool->discover(s, pid);
}

static void discover(struct utrace_session *s)
{
	if (s->tool->discover && !s->opt.npids)
		procscan_new(&s->core->scan, discover_one, s);
}

/*
 * The ring buffer's epoll set and a signalfd share one epoll, so SIGINT and
 * SIGTERM end the wait at once, with no race against a handler's flag.
 */
static int make_waiter(struct utrace_session *s, int *sfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;
	int ep;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (*sfd < 0 || ep < 0)
		return -1;
	ev.data.u32 = 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, *sfd, &ev);
	ev.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(s->core->rb), &ev);
	/*
	 * stdout for EPOLLERR/EPOLLHUP only (reported without asking): when
	 * the reader of a pipe leaves (`utrace readline | head -1`), end now,
	 * not at the next event. Files and /dev/null refuse (EPERM): fine.
	 */
	ev.events = 0;
	ev.data.u32 = 3;
	epoll_ctl(ep, EPOLL_CTL_ADD, STDOUT_FILENO, &ev);
	return ep;
}

static bool consume(struct utrace_session *s)
{
	int n = ring_buffer__consume(s->core->rb);

	if (n < 0 && n != -ECANCELED && n != -EINTR) {
		utrace_error(s, "reading the ring buffer: %s", strerror(-n));
		s->core->write_error = -n;
		return false;
	}
	return output_flush(s) && !s->core->stop;
}

static void poll_loop(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	uint64_t start = utrace_now_ns();
	uint64_t next_scan = start + RESCAN_NS;
	uint64_t next_interval = start + s->interval_ns;
	struct epoll_event evs[3];
	int sfd, ep = make_waiter(s, &sfd);

	if (ep < 0) {
		utrace_error(s, "epoll/signalfd: %s", strerror(errno));
		c->write_error = errno;
		return;
	}
	for (;;) {
		uint64_t now = utrace_now_ns();
		int64_t wait_ms = POLL_MS;
		bool signalled = false;
		int n;

		if (s->opt.duration_ns) {
			uint64_t end = start + s->opt.duration_ns;

			if (now >= end)
				break;
			if ((int64_t)((end - now) / 1000000) < wait_ms)
				wait_ms = (int64_t)((end - now + 999999) / 1000000);
		}
		n = epoll_wait(ep, evs, 3, (int)wait_ms);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == 1)
				signalled = true;
			else if (evs[i].data.u32 == 3)
				c->epipe = true;	/* as if a write got EPIPE */
		}
		if (!consume(s) || signalled)
			break;
		now = utrace_now_ns();
		if (now >= next_scan) {
			wallclock_sync(&c->clock);
			discover(s);
			next_scan = now + RESCAN_NS;
			/* like strace -p: nothing left to trace, so done */
			if (targets_gone(s))
				break;
		}
		if (s->interval_ns && now >= next_interval && s->tool->interval) {
			s->tool->interval(s);
			if (!output_flush(s))
				break;
			next_interval = now + s->interval_ns;
		}
	}
	close(ep);
	close(sfd);
}

static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* a closed pipe is an EPIPE from write(), handled as a quiet exit */
	signal(SIGPIPE, SIG_IGN);
}

static int setup(struct utrace_session *s)
{
	char missing[64];
	int err;

	if ((err = targets_check(s)))
		return err;
	if (privilege_check(missing, sizeof(missing))) {
		if (geteuid() == 0)
			utrace_error(s, "permission denied: root, but without %s (capabilities dropped?)",
				     missing);
		else
			utrace_error(s, "permission denied: need root, or %s", missing);
		return UTRACE_EXIT_ERROR;
	}
	verbose_libbpf = s->opt.verbose;
	libbpf_set_print(libbpf_print);
	if ((err = open_object(s)) || (err = load_object(s)))
		return err;
	if ((err = s->tool->attach(s)))
		return err;
	discover(s);
	if (!utrace_attached(s)) {
		utrace_error(s, "nothing to trace: no probe could be attached");
		return UTRACE_EXIT_ERROR;
	}
	s->core->rb = ring_buffer__new(
		bpf_map__fd(bpf_object__find_map_by_name(s->obj, "events")),
		on_event, s, NULL);
	if (!s->core->rb) {
		utrace_error(s, "cannot set up the ring buffer: %s", strerror(errno));
		return UTRACE_EXIT_ERROR;
	}
	return UTRACE_EXIT_OK;
}

static int finish(struct utrace_session *s)
{
	struct utrace_core *c = s->core;
	uint64_t lost;

	/* drain what the probes wrote before the stop */
	if (!c->stop && !c->epipe && !c->write_error)
		consume(s);
	if (s->tool->finish && !c->epipe)
		s->tool->finish(s);
	output_flush(s);
	if (c->write_error)
		return UTRACE_EXIT_ERROR;
	lost = lost_events(s);
	if (lost) {
		utrace_error(s, "%llu event%s lost (ring buffer full; try --buffer)",
			     (unsigned long long)lost, lost == 1 ? "" : "s");
		return UTRACE_EXIT_LOST;
	}
	return UTRACE_EXIT_OK;
}

static void teardown(struct utrace_session *s)
{
	ring_buffer__free(s->core->rb);
	attach_detach_all(s);
	bpf_object__close(s->obj);
	if (s->tool->cleanup)
		s->tool->cleanup(s);
	procscan_free(&s->core->scan);
	obuf_free(&s->out);
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

int utrace_run(const struct utrace_tool *tool, int argc, char **argv)
{
	struct utrace_core core = { 0 };
	struct utrace_session s = { .tool = tool, .core = &core };
	bool out_open = std_fds_open();
	int rc;

	wallclock_sync(&core.clock);
	if (options_parse(&s, argc, argv))
		return UTRACE_EXIT_USAGE;
	if (!out_open) {
		/*
		 * `utrace readline >&-`: as when the reader of a pipe has
		 * left, there is no one to print for: end quietly, before
		 * anything is attached.
		 */
		return UTRACE_EXIT_OK;
	}
	if (tool->prepare && (rc = tool->prepare(&s)))
		goto out;
	block_signals();
	if ((rc = setup(&s)))
		goto out;
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
