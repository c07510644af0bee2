# SPDX-License-Identifier: GPL-2.0-only
"""The dnslat cases of test_hardening.py (issue 6).

test_hardening.py runs its core cases for dnslat like for every tool; the
functions here are what dnslat adds to each group (cases(harness) maps
group -> functions), plus the groups only dnslat has so far: deleted (a
libc deleted after being mapped) and soak (a minute at full lookup rate).

No name is ever resolved through the machine's resolver: every looking-up
process runs in a private mount namespace whose /etc/resolv.conf names
127.0.0.1 (dnsns.py: resolv.conf, nsswitch.conf and hosts of its own),
where the test's own responder answers for *.utrace.test or nothing
listens; "localhost" comes from that private /etc/hosts.
The looking-up program is hardening_dnslat_load.c ("dnsload"), built here.

Environment: UTRACE_SOAK_SECONDS (default 60), UTRACE_SOAK_ARGS (more
tracer options for the soak, e.g. "--buffer 16K"), UTRACE_DNSLAT_CHURN
(short-lived lookup processes in churn, default 2000), DNSLAT_STATIC (a
program with no libc; else $UTRACE_BUILD/test/dnslat_static, else built).
"""
import collections
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import time

from utrace_test import Tracer, check, fail, json_lines
import hardening_util as hu
from hardening_util import check_no_leftovers, check_not_crashed, expect_error
from dns_responder import Responder
from test_dnslat import host_libc  # noqa: E402
import dnsns  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = "dnslat"
# dnslat's exit-time cleanup program: a leftover of it is a leftover of ours
hu.KNOWN_PROGS.add("thread_exit")

SOAK_SECONDS = float(os.environ.get("UTRACE_SOAK_SECONDS", "60"))
CHURN_LOOKUPS = int(os.environ.get("UTRACE_DNSLAT_CHURN", "2000"))
RSS_SLACK_KB = 2048
WARM_SLACK_KB = 512             # soak: growth allowed once warmed up
# soak: more options for the tracer, e.g. "--buffer 16K" to go through
# the lost-events path (exit 2, lost + rows == calls)
SOAK_ARGS = os.environ.get("UTRACE_SOAK_ARGS", "").split()

H = None                        # the test_hardening module: scratch, spawn, note


def note(msg):
    H.note(msg)


def leftovers_gone(what, **kw):
    # uprobe_events lines naming a libc would be ours too
    check_no_leftovers(what, words=("libc",), **kw)


# --- helpers -------------------------------------------------------------------

_built = {}


def dnsload():
    """The lookup helper, built once per run; None (and a skip, or a failure
    under UTRACE_REQUIRE_BPF=1) where it cannot be built."""
    if "dnsload" not in _built:
        _built["dnsload"] = hu.build_c(os.path.join(HERE, "hardening_dnslat_load.c"),
                                       H.scratch("dnsload"), ["-lpthread"])
        if not _built["dnsload"]:
            H.require_bpf_or_fail_build("the lookup helper hardening_dnslat_load.c")
    return _built["dnsload"]


def static_binary():
    """A program with no libc mapped."""
    if "static" in _built:
        return _built["static"]
    path = os.environ.get("DNSLAT_STATIC")
    if not path and os.environ.get("UTRACE_BUILD"):
        path = os.path.join(os.environ["UTRACE_BUILD"], "test", "dnslat_static")
    if not path or not os.access(path, os.X_OK):
        path = hu.build_c(os.path.join(HERE, "dnslat_static.c"), H.scratch("dnslat_static"),
                          ["-static"])
    if not path:
        path = hu.build_c(os.path.join(HERE, "dnslat_static.c"), H.scratch("dnslat_static"),
                          [], ("-O2", "-DNO_LIBC", "-fno-stack-protector", "-nostdlib", "-static"))
    _built["static"] = path
    if not path:
        H.require_bpf_or_fail_build("a static program (test/e2e/dnslat_static.c)")
    return path


class Dns:
    """A resolv.conf naming 127.0.0.1, and (delay_ms given) the responder
    there. Every process started through it runs in its own mount
    namespace with that resolv.conf; close() stops the responder."""

    def __init__(self, delay_ms=None, timeout_s=2):
        self.etc = dnsns.make_etc(H.scratch("etc-%d" % time.monotonic_ns()), timeout_s)
        check(not dnsns.missing_tools(), "%s (util-linux) needed" % dnsns.missing_tools())
        self.responder = None
        if delay_ms is None:
            return
        deadline = time.time() + 10     # another test may be letting go of :53
        while True:
            try:
                self.responder = Responder(delay_ms).start()
                return
            except OSError as e:
                if time.time() > deadline:
                    fail(str(e))
                time.sleep(0.2)

    def argv(self, args):
        return dnsns.argv(self.etc, args)

    def spawn(self, args, **kw):
        return H.spawn(self.argv(args), **kw)

    def run(self, args, timeout=60, env=None):
        p = self.spawn(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            fail("%s: no exit within %d s" % (" ".join(map(str, args)), timeout))
        check(p.returncode == 0, "%s: exit %d, %r" % (" ".join(map(str, args)), p.returncode, err))
        return out

    def seen(self):
        return self.responder.seen() if self.responder else []

    def close(self):
        if self.responder:
            self.responder.stop()
            self.responder = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_line(p, timeout=10):
    """One line of @p's stdout, with a time limit."""
    fd = p.stdout.fileno()
    buf = b""
    deadline = time.time() + timeout
    while not buf.endswith(b"\n"):
        left = deadline - time.time()
        ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            fail("process %d: no line within %d s (got %r)" % (p.pid, timeout, buf))
        c = os.read(fd, 1)
        if not c:
            fail("process %d: EOF before a line (got %r), exit %r" % (p.pid, buf, p.poll()))
        buf += c
    return buf


def read_hang(p, nthreads):
    """What `dnsload hang` prints before it waits: (main TID, lookups that
    succeeded, {TIDs of the threads now in getaddrinfo})."""
    line = read_line(p, 20).split()
    check(line[0] == b"main", "dnsload hang printed %r" % line)
    main, ok = int(line[1]), int(line[2])
    tids, hanging = set(), False
    while len(tids) < nthreads or not hanging:
        line = read_line(p, 20).split()
        if line == [b"hanging"]:
            hanging = True
        else:
            check(line[0] == b"thread", "dnsload hang printed %r" % line)
            tids.add(int(line[1]))
    return main, ok, tids


def wait_exit(p, what, timeout=30):
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        fail("%s: no exit within %d s" % (what, timeout))


def tracer(args, name, env=None):
    tr = Tracer([TOOL] + list(args), H.scratch("%s-%d.out" % (name, time.monotonic_ns())), env=env)
    H.STARTED.append(tr.proc)
    return tr


def stop_clean(tr, what, sig=signal.SIGINT):
    """Stop @tr; it must exit 0 with nothing on stderr but "Tracing".
    Returns its stdout."""
    rc, out = tr.stop(sig)
    errs = [x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")]
    check_not_crashed(rc, what)
    check(rc == 0 and not errs, "%s: exit %d, stderr %r" % (what, rc, errs))
    return out


EAI = {getattr(socket, n): n for n in dir(socket) if n.startswith("EAI_")}


def listed_lookups(out):
    """(host, dnslat RESULT) of each getaddrinfo call `dnsload list` made,
    in order, from what it printed."""
    calls = []
    for line in out.decode().splitlines():
        m = re.match(r"^(\S+) [\w-]+: (-?\d+) ", line)
        if m:
            code = int(m.group(2))
            calls.append((m.group(1), "ok" if code == 0 else EAI.get(code, "EAI_%d" % code)))
    return calls


def check_list_rows(rows, pid, out, what):
    """The tracer's rows of process @pid are the calls `dnsload list` says
    it made: same hosts, same results, same order, nothing else."""
    want = listed_lookups(out)
    mine = [r for r in rows if r["pid"] == pid]
    got = [(r["host"], r["result"]) for r in mine]
    check(want and got == want, "%s: rows %r, want %r" % (what, got, want))
    check(all(r["function"] == "getaddrinfo" and r["tid"] == pid and r["comm"] == "dnsload"
              for r in mine), "%s: rows %r" % (what, mine))
    return len(mine)


def mapped_paths(pid, base):
    """The path column of each line of /proc/PID/maps naming a file @base."""
    paths = []
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.rstrip("\n").split(None, 5)
            if len(parts) == 6 and (parts[5].endswith("/" + base) or
                                    parts[5].endswith("/" + base + " (deleted)")):
                paths.append(parts[5])
    return paths


def calls_map(tracer_pid):
    """bpftool's description of the map of calls in progress ("frames",
    bpf/frame.bpf.h) the tracer @tracer_pid holds."""
    for kind, i in sorted(hu.fd_bpf_ids(tracer_pid)):
        if kind != "map":
            continue
        info = hu.bpftool("map", "show", "id", str(i))
        if info.get("name") == "frames":
            return info
    fail("tracer %d holds no map named frames" % tracer_pid)


# =============================================================================
# badinput
# =============================================================================


def dnslat_file_errors():
    """-l at everything that is not a libc: exit 1 naming it, nothing left."""
    f = H.bad_files(H.scratch("dnslat-files"), "libc.so.6", host_libc())
    d, missing, dangling, text, empty = f["dir"], f["missing"], f["dangling"], f["text"], f["empty"]
    fifo, e32, trunc, loop = f["fifo"], f["elf32"], f["truncated"], f["loop"]
    true = shutil.which("true") or "/bin/true"
    libm = host_libc().replace("libc.so.6", "libm.so.6")

    cases = [
        (missing, ["no such file"]), (dangling, ["no such file"]), (d, ["directory"]),
        (text, ["not an ELF"]), (empty, ["not an ELF"]), ("/dev/zero", ["not an ELF"]),
        (fifo, []),                     # must not block opening it
        (e32, ["64-bit"]), (trunc, []), (loop, []),
        (true, ["no getaddrinfo"]),
    ]
    if os.path.exists(libm):
        cases.append((libm, ["no getaddrinfo"]))
    me = str(os.getpid())
    for path, words in cases:
        # system-wide, and for one process (the path is checked either way)
        for extra in ([], ["-p", me]):
            msg = expect_error(TOOL, ["-l", path] + extra, 1, path, words, timeout=10)
            leftovers_gone("dnslat -l %s %s" % (path, " ".join(extra)))
        note("dnslat -l %s: %s" % (os.path.basename(path) or path, msg))
    # the error after a partial attach, probes made as perf events
    expect_error(TOOL, ["-l", true, "-p", me], 1, true, ["no getaddrinfo"], env=H.NO_MULTI)
    leftovers_gone("dnslat -l %s (perf events)" % true)
    expect_error(TOOL, ["-l", host_libc(), "-l", host_libc()], 64, "-l")
    expect_error(TOOL, ["-l", ""], 64, "empty")
    note("dnslat: -l at %d kinds of non-libc files -> 1, system-wide and with -p" % len(cases))


def pid_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        return s[s.rindex(")") + 2]
    except (OSError, ValueError):
        return None


def dnslat_pid_errors():
    """-p of a static program, of a thread, of a process that exits right
    after being named; a good PID with a bad one after it."""
    static = static_binary()
    if not static:
        return
    st = H.spawn([static, "30"])
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            if os.readlink("/proc/%d/exe" % st.pid) == os.path.realpath(static):
                break
        except OSError:
            pass
        time.sleep(0.01)
    with open("/proc/%d/maps" % st.pid) as f:
        check("libc" not in f.read(), "test bug: the static helper maps a libc")
    me = str(os.getpid())
    for env, how in ((None, "links"), (H.NO_MULTI, "perf events")):
        msg = expect_error(TOOL, ["-p", str(st.pid)], 1, st.pid, ["no libc"], env=env)
        leftovers_gone("dnslat -p STATIC (%s)" % how)
        # the first PID's probes are attached, then the second fails
        expect_error(TOOL, ["-p", me, "-p", str(st.pid)], 1, st.pid, ["no libc"], env=env)
        leftovers_gone("dnslat -p GOOD -p STATIC (%s)" % how)
    note("dnslat -p <static>: %s" % msg)
    st.kill()
    st.wait()

    # a thread id: not a process; the answer must say so, whichever way
    # the probes are made (uprobe_multi refuses a TID, perf events take it)
    load = dnsload()
    if load:
        with Dns(8000, timeout_s=10) as dns:   # the thread waits for this answer
            p = dns.spawn([load, "hang", "1", "0", "localhost", "tid.utrace.test"],
                          stdout=subprocess.PIPE)
            _, _, tids = read_hang(p, 1)
            tid = tids.pop()
            check(tid != p.pid, "test bug: thread %d is the process" % tid)
            for env, how in ((None, "links"), (H.NO_MULTI, "perf events")):
                msg = expect_error(TOOL, ["-p", str(tid), "-d", "1"], 1, tid, ["thread"], env=env)
                leftovers_gone("dnslat -p TID (%s)" % how)
            p.kill()
            p.wait()
        note("dnslat -p <thread id>: %s" % msg)

    # exits right after being named: an error naming it, or (still there
    # when the probes went on) traced until -d; never a wrong diagnosis
    outcomes = collections.Counter()
    for delay in ("0", "0.001", "0.003", "0.005", "0.01", "0.02", "0.03", "0.05"):
        p = H.spawn(["sleep", delay])
        rc, out, err = hu.run([TOOL, "-p", str(p.pid), "-d", "0.5"], timeout=15)
        check_not_crashed(rc, "dnslat -p <sleep %s>" % delay)
        lines = [x for x in hu.stderr_lines(err) if not x.startswith("Tracing")]
        if rc == 0:
            outcomes["traced"] += 1
            check(not lines, "dnslat -p <sleep %s>: exit 0, stderr %r" % (delay, lines))
        else:
            outcomes["error"] += 1
            check(rc == 1 and len(lines) == 1 and str(p.pid) in lines[0] and
                  lines[0].startswith("utrace dnslat: "),
                  "dnslat -p <sleep %s>: exit %d, %r" % (delay, rc, lines))
            # sleep has a libc: "statically linked?" or "no such file" is wrong
            check("static" not in lines[0] and "no such file" not in lines[0],
                  "dnslat -p <exiting sleep %s>: wrong reason: %r" % (delay, lines[0]))
            msg = lines[0]
        wait_exit(p, "sleep")
        leftovers_gone("dnslat -p <exiting sleep %s>" % delay)
    note("dnslat -p <exiting sleep> x8: %s; e.g. %s" % (dict(outcomes), msg if outcomes["error"] else "-"))


# =============================================================================
# pipe
# =============================================================================


def dnslat_pipe():
    """-j | head -1 while the process makes its lookups: head gets the
    first row, utrace exits 0 at once."""
    load = dnsload()
    if not load:
        return
    with Dns(20) as dns:
        p = dns.spawn([load, "list", "-w", "localhost", "pipe.utrace.test"],
                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        check(read_line(p) == b"ready\n", "dnsload list -w did not start")
        r, w = os.pipe()
        errpath = H.scratch("dnslat-pipe.err")
        with open(errpath, "wb") as ef:
            tr = H.spawn([hu.UTRACE, TOOL, "-j", "-p", str(p.pid)], stdout=w, stderr=ef)
        head = H.spawn(["head", "-1"], stdin=r, stdout=subprocess.PIPE)
        os.close(r)
        os.close(w)
        deadline = time.time() + 20
        while b"Tracing" not in open(errpath, "rb").read():
            check(time.time() < deadline and tr.poll() is None, "dnslat -j | head: not attached")
            time.sleep(0.02)
        p.stdin.write(b"g")
        p.stdin.flush()
        try:
            first = head.communicate(timeout=20)[0]
            rc = tr.wait(5)
        except subprocess.TimeoutExpired:
            fail("dnslat -j | head -1: no exit 5 s after head left")
        out = p.communicate(timeout=30)[0]
    err = open(errpath, "rb").read()
    check_not_crashed(rc, "dnslat -j | head -1")
    check(rc == 0 and [x for x in hu.stderr_lines(err) if not x.startswith("Tracing")] == [],
          "dnslat -j | head -1: exit %d, %r" % (rc, err))
    rows = json_lines(first)
    want = listed_lookups(out)[:1]
    check([(r["pid"], r["host"], r["result"]) for r in rows] == [(p.pid,) + want[0]],
          "head -1 got %r, want %r" % (first, want))
    leftovers_gone("dnslat -j | head -1")
    note("dnslat -j | head -1 during 10 lookups: first row, exit 0")


# =============================================================================
# kill9: the tracer dies while a lookup is in flight
# =============================================================================


def dnslat_kill_mid_lookup():
    """The tracer is killed (or stopped) while the traced process is inside
    getaddrinfo, its return address hijacked by the uretprobe: the lookup
    must still return, with the same answer as untraced, and nothing of
    the tracer may be left."""
    load = dnsload()
    if not load:
        return
    with Dns(200) as dns:
        name = "k9.utrace.test"
        ref = dns.run([load, "list", name])
        check(listed_lookups(ref), "dnsload list printed %r" % ref)
        for how, args, sig in (("-p, kill -9", ["-p"], signal.SIGKILL),
                               ("system-wide, kill -9", [], signal.SIGKILL),
                               ("-p, SIGINT", ["-p"], signal.SIGINT),
                               ("-p, perf events, kill -9", ["-p"], signal.SIGKILL)):
            p = dns.spawn([load, "list", "-w", name], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            check(read_line(p) == b"ready\n", "dnsload list -w did not start")
            targs = args + [str(p.pid)] if args else []
            tr = tracer(targs, "kill-mid", env=H.NO_MULTI if "perf" in how else None)
            ids = hu.fd_bpf_ids(tr.proc.pid)
            n0 = len(dns.seen())
            p.stdin.write(b"g")
            p.stdin.flush()
            deadline = time.time() + 10
            while len(dns.seen()) == n0:
                check(time.time() < deadline, "the lookup never reached the responder")
                time.sleep(0.005)
            tr.proc.send_signal(sig)
            tr.proc.wait(10)
            check(tr.proc.returncode == (-sig if sig == signal.SIGKILL else 0),
                  "%s: tracer exit %r, %s" % (how, tr.proc.returncode, tr.stderr_text()))
            out, err = p.communicate(timeout=30)
            check(p.returncode == 0 and out == ref,
                  "%s: the traced process (exit %d) printed\n%s\nnot\n%s%r" %
                  (how, p.returncode, out.decode(), ref.decode(), err))
            leftovers_gone("dnslat %s mid-lookup" % how, gone_pids={tr.proc.pid},
                           gone_ids=ids)
    note("dnslat: tracer killed/stopped mid-getaddrinfo x4 (-p, system-wide, SIGINT, perf "
         "events): lookups return the untraced answers, nothing left")


# =============================================================================
# churn: thousands of short-lived lookups, threads killed mid-lookup
# =============================================================================


def dnslat_churn():
    load = dnsload()
    if not load:
        return
    with Dns(3000, timeout_s=10) as dns:
        tr = tracer(["-j"], "dnslat-churn")
        pid = tr.proc.pid
        time.sleep(1.2)             # one discovery pass done
        rss0, fds0 = hu.rss_kb(pid), hu.fd_count(pid)
        links0 = sum(k == "link" for k, _ in hu.fd_bpf_ids(pid))
        rss_max = rss0
        start = time.time()
        outs = []
        drivers = []
        half = CHURN_LOOKUPS // 2
        for mode, n in (("fork", half), ("exec", CHURN_LOOKUPS - half)):
            path = H.scratch("churn-%s.txt" % mode)
            with open(path, "wb") as f:
                drivers.append(dns.spawn([load, "churn", str(n), "4", "localhost", mode],
                                         stdout=f))
            outs.append(path)
        # multi-threaded, completing: 8 threads x 50 lookups, twice
        threaded = [dns.spawn([load, "threads", "8", "50", "localhost"], stdout=subprocess.PIPE)
                    for _ in range(2)]
        # multi-threaded, killed: the main thread makes 3 lookups, then 4
        # threads wait on the slow responder and the process is SIGKILLed
        killed_tids, hang_main = set(), {}
        hang_rounds = 5
        for _ in range(hang_rounds):
            h = dns.spawn([load, "hang", "4", "3", "localhost", "slow.utrace.test"],
                          stdout=subprocess.PIPE)
            main, ok, tids = read_hang(h, 4)
            check(ok == 3, "hang %d: %d of 3 lookups of localhost succeeded" % (h.pid, ok))
            hang_main[h.pid] = main
            want = {("t%d-%d.slow.utrace.test" % (i, h.pid)).encode() for i in range(4)}
            deadline = time.time() + 10
            while not want <= {n for n, _ in dns.seen()}:
                check(time.time() < deadline, "hang %d: lookups never reached the responder" % h.pid)
                time.sleep(0.01)
            time.sleep(0.05)        # inside getaddrinfo, waiting for the answer
            h.kill()
            h.wait()
            killed_tids |= tids
            rss_max = max(rss_max, hu.rss_kb(pid))
        while any(x.poll() is None for x in drivers + threaded):
            check(tr.proc.poll() is None, "utrace died under churn: exit %r, %s" %
                  (tr.proc.returncode, tr.stderr_text()))
            rss_max = max(rss_max, hu.rss_kb(pid))
            check(time.time() - start < 60, "churn did not finish in 60 s")
            time.sleep(0.2)
        took = time.time() - start
        for x in drivers:
            check(x.returncode == 0, "churn driver exited %d" % x.returncode)
        per_tid = collections.Counter()     # (pid, tid) -> lookups it made
        for x in threaded:
            out = x.stdout.read()
            check(x.returncode == 0, "dnsload threads exited %d" % x.returncode)
            lines = out.decode().split("\n")[:-1]
            check(len(lines) == 8, "dnsload threads printed %r" % out)
            for line in lines:
                tid, ok = map(int, line.split())
                check(ok == 50, "thread %d: %d of 50 lookups succeeded" % (tid, ok))
                per_tid[(x.pid, tid)] += 50
        for hp, mt in hang_main.items():
            check(mt == hp, "hang %d: main thread %d" % (hp, mt))
            per_tid[(hp, hp)] += 3
        children = 0
        for path in outs:
            with open(path) as f:
                lines = f.read().split("\n")[:-1]
            check(lines and lines[-1].startswith("done "), "churn driver printed %r" % lines[-3:])
            for line in lines[:-1]:
                cpid, status = map(int, line.split())
                check(status == 0, "churn child %d: exit %d" % (cpid, status))
                per_tid[(cpid, cpid)] += 1
                children += 1
        check(children == CHURN_LOOKUPS, "%d churn children, want %d" % (children, CHURN_LOOKUPS))
        check(not [n for n, _ in dns.seen() if n == b"localhost"],
              "test bug: localhost was asked of DNS")

        time.sleep(1.5)             # the last ones seen to go; ring drained
        rss1, fds1 = hu.rss_kb(pid), hu.fd_count(pid)
        links1 = sum(k == "link" for k, _ in hu.fd_bpf_ids(pid))
        info = calls_map(pid)
        rc, out = tr.stop(signal.SIGINT)
    check(rc == 0, "utrace after churn: exit %d, %s" % (rc, tr.stderr_text()))
    errs = [x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")]
    check(not errs, "utrace after churn: stderr %r" % errs)

    ours = {p for p, _ in per_tid} | {h for h in hang_main}
    rows = [r for r in json_lines(out) if r["pid"] in ours]
    got = collections.Counter((r["pid"], r["tid"]) for r in rows)
    bad = [r for r in rows if (r["function"], r["host"], r["result"], r["comm"]) !=
           ("getaddrinfo", "localhost", "ok", "dnsload")]
    check(not bad, "churn: rows not of getaddrinfo(localhost) -> ok by dnsload: %r" % bad[:3])
    if got != per_tid:
        missing = per_tid - got
        extra = got - per_tid
        fail("churn: rows per (pid, tid) differ: %d rows for %d lookups; missing %r, extra %r" %
             (sum(got.values()), sum(per_tid.values()), list(missing.items())[:5],
              list(extra.items())[:5]))
    # Each thread's call in progress is in its own task-local storage: the
    # kernel frees it with the thread, so a thread killed mid-lookup leaves
    # nothing for a later thread with the same TID to be taken as nested in
    # (the exact rows per (pid, tid) above), and there is no table to fill.
    check(info.get("type") == "task_storage", "calls map is %r" % info)
    check(rss1 - rss0 <= RSS_SLACK_KB and rss_max - rss0 <= 2 * RSS_SLACK_KB,
          "RSS grew from %d kB to %d kB (peak %d)" % (rss0, rss1, rss_max))
    check(fds1 <= fds0 and links1 == links0,
          "state grew: fds %d -> %d, uprobe links %d -> %d" % (fds0, fds1, links0, links1))
    leftovers_gone("dnslat after churn", gone_pids={pid})
    note("dnslat churn: %d processes x 1 getaddrinfo (half fork, half exec), 2 x 8 threads "
         "x 50, %d processes with %d threads SIGKILLed mid-lookup, in %.1fs; %d rows exact "
         "per (pid, tid); calls in progress in %s; "
         "RSS %d -> %d kB (peak %d), fds %d -> %d, links %d" % (
             children, hang_rounds, len(killed_tids), took, len(rows), info.get("type"),
             rss0, rss1, rss_max, fds0, fds1, links1))


# =============================================================================
# identical: getaddrinfo answers the same, traced or not
# =============================================================================


def dnslat_identical():
    load = dnsload()
    if not load:
        return
    names = ["localhost", "id.utrace.test", "id.nx.utrace.test"]
    with Dns(20) as dns:
        plain = dns.run([load, "list"] + names)
        check(len(listed_lookups(plain)) == 5 * len(names), "dnsload list printed %r" % plain)
        check(b"127.0.0.1" in plain and b"::1" in plain, "test bug: no addresses in %r" % plain)
        modes = (("system-wide", []), ("-p", ["-p"]), ("-p -H", ["-H", "-p"]),
                 ("-p, perf events", ["-p"]), ("-p -m 1000", ["-m", "1000", "-p"]))
        for how, args in modes:
            p = dns.spawn([load, "list", "-w"] + names, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            check(read_line(p) == b"ready\n", "dnsload list -w did not start")
            tr = tracer(["-j"] + (args + [str(p.pid)] if args else []), "identical",
                        env=H.NO_MULTI if "perf" in how else None)
            p.stdin.write(b"g")
            p.stdin.flush()
            out, err = p.communicate(timeout=60)
            check(p.returncode == 0, "dnsload list (%s): exit %d %r" % (how, p.returncode, err))
            time.sleep(0.2)
            rows = json_lines(stop_clean(tr, "dnslat %s" % how))
            if out != plain:
                fail("traced (%s), getaddrinfo answered\n%s\nuntraced\n%s" %
                     (how, out.decode(), plain.decode()))
            if "-H" in args:
                check(len(rows) == 1 and rows[0]["function"] == "getaddrinfo" and
                      sum(b["count"] for b in rows[0]["buckets"]) == 15,
                      "-H: %r" % rows)
            elif "-m" in args:
                check(not rows, "-m 1000: rows %r" % rows)
            else:
                check_list_rows(rows, p.pid, out, "identical %s" % how)
    note("dnslat identical: %d getaddrinfo calls (%s; 5 kinds of hints) answer the same "
         "untraced and traced %s" % (len(listed_lookups(plain)), ", ".join(names),
                                     ", ".join(h for h, _ in modes)))


# =============================================================================
# hostile: names and command names must not reach the terminal raw
# =============================================================================


def dnslat_hostile():
    load = dnsload()
    if not load:
        return
    names = [
        b"c0 " + bytes(b for b in range(1, 0x20)) + b" \x7f del",
        b"\x1b]0;pwned\x07 \x1b[2J\x1b[31mred \x1bP+q\x1b\\",
        b"c1 " + b"".join(bytes([0xc2, b]) for b in range(0x80, 0xa0)),
        b"bidi " + b"".join(chr(c).encode() + b"x" for c in H.BIDI) + " \u202eevil".encode(),
        b"invalid \x9b31m \xff \xfe \x80 \xbf \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 end",
        b"looks escaped \\x1b \\u{202e}",
        b"a" * 252 + b"\x1b[31m" + b"b" * 40,            # cut at 255, mid-escape
    ]
    d = H.scratch("dnslat-hostile")
    os.mkdir(d)
    comm = b"dl\x1b[31m\x9b\xffx"                        # the COMM is untrusted too
    link = os.path.join(d.encode(), comm)
    os.symlink(load.encode(), link)
    modes = (("table", []), ("fr", ["-F", "-R"]), ("json", ["-j"]), ("uid", ["-U"]),
             ("json-uid", ["-j", "-U"]))
    outs = {}
    with Dns() as dns:              # nothing listens: every name fails at once
        tracers = {m: tracer(a, "hostile-" + m) for m, a in modes}
        pids = {}
        for name in names:
            p = dns.spawn([link, "one", name], stdout=subprocess.DEVNULL)
            wait_exit(p, "dnsload one")
            pids[p.pid] = name
        time.sleep(0.3)
        for m, tr in tracers.items():
            outs[m] = stop_clean(tr, "dnslat hostile %s" % m)
    for m, out in outs.items():
        try:
            text = out.decode("utf-8")
        except UnicodeDecodeError as e:
            fail("dnslat hostile %s: output is not UTF-8 (%s): raw bytes passed" % (m, e))
        bad = H.forbidden(text)
        check(bad is None, "dnslat hostile %s: raw %s in the output" % (m, bad))
        if m.startswith("json"):
            rows = [r for r in json_lines(out) if r["pid"] in pids]
            check(len(rows) == len(names), "hostile %s: %d rows for %d names" % (m, len(rows), len(names)))
            for r in rows:
                want = pids[r["pid"]]
                got = H.command_bytes(r, "host")
                check(got == want[:255] and r.get("truncated", False) == (len(want) > 255),
                      "hostile %s: host came back as %r, want %r" % (m, got, want[:255]))
                check(H.command_bytes(r, "comm") == comm[:15], "hostile %s: comm %r" % (m, r))
        else:
            lines = [x for x in text.split("\n")[1:-1] if int(x.split()[1]) in pids]
            check(len(lines) == len(names), "hostile %s: %d rows for %d names" % (m, len(lines), len(names)))
    table = outs["table"].decode()
    for shown in ("\\x1b]0;pwned\\x07", "\\x1b[31mred", "\\u{202e}evil", "\\x9b31m", "\\xff",
                  "\\\\x1b", "\\x7f", "\\u{0085}", "dl\\x1b[31m\\x9b\\xffx", "[...truncated]"):
        check(shown in table, "dnslat hostile table: %r not shown as %r" % (shown, shown))
    note("dnslat hostile: %d names (C0, DEL, ESC sequences, C1, bidi, invalid UTF-8, cut "
         "mid-escape) and a hostile COMM; table, -F -R, -U, -j, -j -U clean; JSON lossless" %
         len(names))


# =============================================================================
# deleted: a libc deleted after being mapped
# =============================================================================


def dnslat_deleted_libc():
    """A process runs on a copy of libc that is then deleted, and a file
    that is no libc put at its path: -p and system-wide still trace it,
    through /proc/PID/map_files, never through the path."""
    load = dnsload()
    if not load:
        return
    libdir = H.scratch("deleted-lib")
    os.mkdir(libdir)
    copy = os.path.join(libdir, "libc.so.6")
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    libm = host_libc().replace("libc.so.6", "libm.so.6")
    names = ["localhost", "deleted.utrace.test"]
    with Dns(20) as dns:
        for how in ("-p", "system-wide"):
            shutil.copy(host_libc(), copy)
            p = dns.spawn([load, "list", "-w"] + names, env=env, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            check(read_line(p) == b"ready\n", "dnsload list -w did not start")
            os.unlink(copy)
            # a path-follower would find this instead: an ELF with no getaddrinfo
            if os.path.exists(libm):
                shutil.copy(libm, copy)
            paths = mapped_paths(p.pid, "libc.so.6")
            check(paths and all(x == copy + " (deleted)" for x in paths),
                  "pid %d does not map the deleted copy: %r" % (p.pid, paths))
            tr = tracer(["-j", "-p", str(p.pid)] if how == "-p" else ["-j"], "deleted")
            p.stdin.write(b"g")
            p.stdin.flush()
            out, err = p.communicate(timeout=60)
            check(p.returncode == 0, "dnsload list: exit %d %r" % (p.returncode, err))
            time.sleep(0.2)
            rows = json_lines(stop_clean(tr, "dnslat %s, deleted libc" % how))
            n = check_list_rows(rows, p.pid, out, "deleted libc, %s" % how)
            if how == "-p":
                check(len(rows) == n, "-p: rows of others: %r" % rows)
            if os.path.exists(copy):
                os.unlink(copy)
            leftovers_gone("dnslat %s, deleted libc" % how)
    note("dnslat: libc copy deleted after mapping (maps: '(deleted)', a libm at its path): "
         "-p and system-wide: every call traced (%d each)" % n)


# =============================================================================
# soak: a minute at full lookup rate
# =============================================================================


def dnslat_soak():
    load = dnsload()
    if not load:
        return
    secs = SOAK_SECONDS
    with Dns() as dns:
        # the rate untraced, for the report
        base = dns.spawn([load, "loop", "2", "localhost"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
        check(read_line(base) == b"ready\n", "dnsload loop did not start")
        base.stdin.write(b"g")
        base.stdin.flush()
        untraced = int(read_line(base, 30).split()[1]) / 2.0
        wait_exit(base, "dnsload loop")

        p = dns.spawn([load, "loop", str(secs), "localhost"], stdin=subprocess.PIPE,
                      stdout=subprocess.PIPE)
        check(read_line(p) == b"ready\n", "dnsload loop did not start")
        outpath = H.scratch("soak.json")
        tr = tracer(["-j", "-p", str(p.pid)] + SOAK_ARGS, "soak")
        tpid = tr.proc.pid
        rss0 = hu.rss_kb(tpid)
        samples = [rss0]
        t0 = time.time()
        p.stdin.write(b"g")
        p.stdin.flush()
        line = b""
        fd = p.stdout.fileno()
        while not line.endswith(b"\n"):
            check(time.time() - t0 < secs + 60, "the lookup loop did not end")
            check(tr.proc.poll() is None, "utrace died in the soak: exit %r, %s" %
                  (tr.proc.returncode, tr.stderr_text()))
            if select.select([fd], [], [], 1.0)[0]:
                c = os.read(fd, 64)
                check(c, "the lookup loop died: exit %r" % p.poll())
                line += c
            samples.append(hu.rss_kb(tpid))
        took = time.time() - t0
        # now: once the loop is gone, the tracer may end by itself (its -p
        # process is), which it does within a second
        rss1 = hu.rss_kb(tpid)
        wait_exit(p, "dnsload loop")
        m = re.match(rb"^calls (\d+) ok (\d+)\n$", line)
        check(m, "dnsload loop printed %r" % line)
        calls, ok = int(m.group(1)), int(m.group(2))
        check(ok == calls, "only %d of %d lookups of localhost succeeded" % (ok, calls))
        time.sleep(0.5)             # the last events drained
        tr.proc.send_signal(signal.SIGINT)
        rc = wait_exit(tr.proc, "utrace dnslat (soak) after SIGINT", 20)
        os.replace(tr.out_path, outpath)
    err = [x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")]
    check_not_crashed(rc, "soak")
    # every row is one of the loop's calls, exactly as it was made
    row = re.compile(rb'^\{"time":"[^"]+","pid":%d,"tid":%d,"uid":0,"comm":"dnsload",'
                     rb'"function":"getaddrinfo","latency_ms":\d+\.\d{6},"result":"ok",'
                     rb'"host":"localhost","error":null,"server":null\}$' % (p.pid, p.pid))
    rows = 0
    with open(outpath, "rb") as f:
        for ln in f:
            if not row.match(ln.rstrip(b"\n")):
                fail("soak: row %d is not one of the loop's lookups: %r" % (rows + 1, ln[:300]))
            rows += 1
    size = os.path.getsize(outpath)
    os.unlink(outpath)
    lost = 0
    if rc == 2:
        m = re.match(r"^utrace dnslat: (\d+) events? lost", err[0]) if len(err) == 1 else None
        check(m, "soak: exit 2 without one line counting the lost events: %r" % err)
        lost = int(m.group(1))
    else:
        check(rc == 0 and not err, "soak: exit %d, stderr %r" % (rc, err))
    check(rows + lost == calls, "soak: %d rows + %d lost != %d calls made" % (rows, lost, calls))
    peak = max(samples)
    # the first seconds touch the ring buffer's and the output's pages;
    # after them, nothing may grow with the number of events
    warm = samples[min(len(samples) - 1, max(2, len(samples) // 10))]
    if os.environ.get("UTRACE_SOAK_SAMPLES"):
        note("RSS samples (kB, 1 s apart): %s" % " ".join(map(str, samples)))
    check(rss1 - rss0 <= RSS_SLACK_KB and peak - rss0 <= 2 * RSS_SLACK_KB and
          rss1 - warm <= WARM_SLACK_KB,
          "soak: tracer RSS %d kB -> %d kB (%d kB after the first %d s, peak %d)" %
          (rss0, rss1, warm, max(2, len(samples) // 10), peak))
    leftovers_gone("dnslat soak", gone_pids={tpid})
    note("dnslat soak %.0fs%s: %d calls (%.0f/s traced, %.0f/s untraced), %d rows + %d lost "
         "(exit %d), %.0f MB of JSON; tracer RSS %d -> %d kB (%d kB after warm-up, peak %d)" % (
             took, " " + " ".join(SOAK_ARGS) if SOAK_ARGS else "", calls, calls / took,
             untraced, rows, lost, rc, size / 1e6, rss0, rss1, warm, peak))


# =============================================================================


def cases(harness):
    """group -> dnslat's cases, for test_hardening.TOOL_CASES."""
    global H
    H = harness
    return {
        "badinput": [dnslat_file_errors, dnslat_pid_errors],
        "pipe": [dnslat_pipe],
        "kill9": [dnslat_kill_mid_lookup],
        "churn": [dnslat_churn],
        "identical": [dnslat_identical],
        "hostile": [dnslat_hostile],
        "deleted": [dnslat_deleted_libc],
        "soak": [dnslat_soak],
    }
