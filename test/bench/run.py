#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""
utrace benchmarks: what tracing costs the traced program, against the peers.

    python3 test/bench/run.py --build build [--json results.json]

Root only (BPF). Takes about 3 minutes. Nothing but "localhost" is ever looked
up (answered from /etc/hosts). Every process it starts is stopped by PID
before it returns, whatever happens.

Method. A loop program (lookup_loop.c: getaddrinfo("localhost"), or
readline_loop.c: GNU readline() fed from memory) is started first and
warmed up; it runs one timed round of N calls per byte it reads. Each
sample uses a fresh loop process and times three rounds in it: untraced,
with a tracer attached to that PID only (-p), untraced again; "added ns
per call" is the traced round less the mean of the other two, a paired
difference free of the variation between processes and of a steady drift
of the machine during the sample. The configurations
are interleaved within each repetition (order reversed every other
repetition) and the table gives medians over the repetitions. A round is
measured in CPU time of the loop (its probes run in its context, in the
kernel) and its children, and in wall-clock time: on a machine shared with
other work, the time the loop waits for a CPU stretches the wall-clock
figure by whatever else runs, the CPU time not. A round is made in 200
batches, each timed in CPU time; its figure is their mean with the 10
slowest and the 10 fastest left out (rounds.h), so a burst of other work
that slows a few batches does not move it. Ratios use that figure; the
whole rounds' CPU and wall-clock times are in the tables too.

"Attached" is the "Tracing" line on utrace's stderr; for the peers (whose
header sits in a stdio buffer when stdout is not a terminal) it is the
moment all their perf events exist: one per probe plus one per CPU for the
perf buffer. Peak RSS is VmHWM, read from /proc/PID/status every
millisecond until the process is gone (wait4()'s ru_maxrss would not do: a
child forked from this Python counts Python's RSS until it execs).
SIGINT->exit is from kill() to the reaped exit, polled every millisecond.

Uprobes of other tracers on the machine (another `utrace dnslat` without
-p, a test suite) make every lookup slower and the figures meaningless: each
sample waits for them to go (up to --quiet-wait seconds), is taken again if
one appeared meanwhile, and is marked "disturbed" if it still could not be
taken on a quiet machine.

Stable figures. With two or more CPUs the loop runs pinned to the last CPU
and every tracer (and this script) to the others (--no-pin: wherever the
scheduler puts them), so a tracer's work and the loop never share a CPU and
the scheduler cannot move them around between samples. Ratios are taken per
repetition (the configurations of one repetition run back to back on the
same machine) and quoted as the median with its spread over the
repetitions. `--compare A.json B.json C.json` says whether runs agree.

Parts (--only): dnslat, readline (added cost per call, -p), funclat
(against libbpf-tools funclatency, where a utrace with funclat is given or
built), throughput (concurrent loops under one tracer), startstop
(system-wide launch->attached and SIGINT->exit, also with 40 distinct libc
copies in use), discovery (what a system-wide tracer costs each new
process on a machine that starts many), rowcost (user space's part of a row,
without BPF: test/bench/rowcost.c; instructions per row with valgrind).
"""
import argparse
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))

STARTED = []                # every Popen we made, stopped in cleanup()
TWIN_LIBS = None            # copies of the loops' libraries for their twins (rounds.h)
PIN = {}                    # role ("loop", "tracer") -> set of CPUs; empty: no pinning


# --------------------------------------------------------------------------
# processes

def cleanup():
    """Stop whatever we started and is still running: by PID, SIGINT first."""
    for p in STARTED:
        if p.returncode is not None:
            continue
        try:
            if p.poll() is not None:
                continue
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        except (ProcessLookupError, ChildProcessError):
            pass


def spawn(argv, role=None, **kw):
    """Start @argv; @role ("loop", "tracer") pins it to that role's CPUs."""
    cpus = PIN.get(role)
    if cpus:
        kw["preexec_fn"] = lambda: os.sched_setaffinity(0, cpus)
    p = subprocess.Popen(argv, **kw)
    STARTED.append(p)
    return p


def set_pinning(ncpu, enabled):
    """The loop on the last CPU, tracers and this script on the others."""
    PIN.clear()
    if not enabled or ncpu < 2:
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    PIN["loop"] = {cpus[-1]}
    PIN["tracer"] = set(cpus[:-1])
    os.sched_setaffinity(0, PIN["tracer"])
    return {k: sorted(v) for k, v in PIN.items()}


def vmhwm(pid):
    """Peak RSS of @pid so far (VmHWM), KiB; None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def reap(p, timeout, hwm=None):
    """Wait for @p with wait4(), watching VmHWM; returns (seconds waited or
    None on timeout, peak VmHWM KiB seen, ru_maxrss KiB)."""
    t0 = time.monotonic()
    while True:
        h = vmhwm(p.pid)
        if h is not None and (hwm is None or h > hwm):
            hwm = h
        try:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        except ChildProcessError:
            p.returncode = p.returncode if p.returncode is not None else -1
            return time.monotonic() - t0, hwm, None
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return time.monotonic() - t0, hwm, ru.ru_maxrss
        if time.monotonic() - t0 > timeout:
            p.kill()
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            return None, hwm, ru.ru_maxrss
        time.sleep(0.001)


def fd_kinds(pid):
    """{"perf_event": n, "bpf_link": n}: what @pid holds. A uprobe is a perf
    event (perf-event links) or lives in a bpf_link (uprobe_multi); perf
    buffers add one perf event per CPU."""
    kinds = {"perf_event": 0, "bpf_link": 0}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link == "anon_inode:[perf_event]":
            kinds["perf_event"] += 1
        elif link == "anon_inode:bpf_link":
            kinds["bpf_link"] += 1
    return kinds


def perf_fds(pid):
    k = fd_kinds(pid)
    return -1 if k is None else k["perf_event"]


def cpu_ns(pid):
    """Time @pid's threads have spent on a CPU (schedstat), in ns."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total


def online_cpus():
    try:
        text = open("/sys/devices/system/cpu/online").read().strip()
    except OSError:
        return os.cpu_count() or 1
    n = 0
    for part in text.split(","):
        a, _, b = part.partition("-")
        n += int(b or a) - int(a) + 1
    return n


class Loop:
    """A loop program waiting for "go" bytes; see lookup_loop.c."""

    def __init__(self, path, n, env=None, role="loop", twin=True):
        env = dict(env or os.environ)
        if not twin:
            env["BENCH_NO_TWIN"] = "1"
        elif TWIN_LIBS:
            env["BENCH_TWIN_LIBS"] = TWIN_LIBS
        self.p = spawn([path, str(n)], role=role, stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        line = self._line(30)
        m = re.match(r"ready (\d+) (\d+)", line)
        if not m:
            raise RuntimeError(f"{path}: no 'ready' line: {line!r} "
                               f"{self.p.stderr.read().decode(errors='replace')}")
        self.pid = int(m.group(1))
        self.twin = int(m.group(2))     # never traced with -p (rounds.h)

    def _line(self, timeout):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            raise RuntimeError("loop program timed out")
        return self.p.stdout.readline().decode()

    def go(self):
        self.p.stdin.write(b"g")
        self.p.stdin.flush()

    def result(self, timeout=300):
        line = self._line(timeout)
        f = line.split()
        if len(f) != 10 or f[0] != "round":
            raise RuntimeError(f"loop program said {line!r}")
        return {"ns_per_call": float(f[1]), "total_ns": int(f[2]),
                "calls": int(f[3]), "failed": int(f[4]),
                # its own CPU time and its children's: what the probes cost it
                "cpu_per_call": (int(f[5]) + int(f[6])) / int(f[3]),
                # the same, its batches' extremes left out (rounds.h)
                "trimmed_per_call": float(f[7]),
                # the twin's, and batch by batch this one's less the twin's
                "twin_per_call": float(f[8]), "paired_per_call": float(f[9])}

    def round(self):
        self.go()
        return self.result()

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        if reap(self.p, 10)[0] is None:
            raise RuntimeError("loop program did not exit")


class Tracer:
    """A tracer started against loop PIDs; returns once it is attached and idle."""

    def __init__(self, cfg, pids, tmp, tag):
        self.cfg = cfg
        self.out_path = os.path.join(tmp, f"{tag}.out") \
            if cfg["stdout"] == "file" else os.devnull
        self.err_path = os.path.join(tmp, f"{tag}.err")
        out = open(self.out_path, "wb")
        err = open(self.err_path, "wb")
        t0 = time.monotonic()
        self.p = spawn(cfg["argv"](pids), role="tracer", stdin=subprocess.DEVNULL,
                       stdout=out, stderr=err)
        out.close()
        err.close()
        self.attach_s = self._wait_ready(t0)
        self.fds = fd_kinds(self.p.pid)
        self.settle()
        self.cpu0 = cpu_ns(self.p.pid)
        self.cpu_used = None

    def settle(self, quiet_ns=1_000_000, window=0.05, limit=3.0):
        """Wait until the tracer is idle (under 1 ms on a CPU per 50 ms):
        bpftrace, for one, keeps working well after its probes exist, and
        would compete with the loop for the CPUs."""
        t0 = time.monotonic()
        last = cpu_ns(self.p.pid)
        while time.monotonic() - t0 < limit:
            time.sleep(window)
            now = cpu_ns(self.p.pid)
            if now is None or last is None or now - last < quiet_ns:
                break
            last = now

    def stderr(self):
        try:
            return open(self.err_path, errors="replace").read()
        except OSError:
            return ""

    def _wait_ready(self, t0):
        kind, want = self.cfg["ready"]
        last, stable_since = -1, t0
        while True:
            now = time.monotonic()
            if self.p.poll() is not None:
                raise RuntimeError(f"{self.cfg['name']} exited {self.p.returncode}"
                                   f" before attaching: {self.stderr().strip()}")
            if kind == "stderr":
                if want in self.stderr():
                    return now - t0
            else:
                n = perf_fds(self.p.pid)
                if n >= want:
                    return now - t0
                if n != last:
                    last, stable_since = n, now
                elif n > 0 and now - stable_since > 3:
                    # fewer than expected (a libc without gethostbyname2?)
                    return stable_since - t0
            if now - t0 > 30:
                raise RuntimeError(f"{self.cfg['name']}: not attached after 30 s")
            time.sleep(0.001)

    def stop(self):
        """SIGINT; returns (seconds to exit, peak VmHWM KiB, ru_maxrss KiB)."""
        hwm = vmhwm(self.p.pid)
        cpu = cpu_ns(self.p.pid)
        if cpu is not None and self.cpu0 is not None:
            self.cpu_used = cpu - self.cpu0     # its work while traced
        self.p.send_signal(signal.SIGINT)
        return reap(self.p, 20, hwm)


JSON_PID = re.compile(r'"pid":(\d+)')


def count_rows(path, pids):
    """Rows of @pids in a tracer's output: table rows (TIME PID ...) or
    JSON lines ("pid":N)."""
    want = {str(p) for p in pids}
    n = 0
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("{"):
                m = JSON_PID.search(line)
                n += bool(m and m.group(1) in want)
                continue
            fields = line.split(None, 2)
            if len(fields) >= 2 and fields[1] in want:
                n += 1
    return n


HIST_ROW = re.compile(r"^\s*\d+ -> \d+\s*:\s*(\d+)\s")


def count_hist(path):
    n = 0
    with open(path, errors="replace") as f:
        for line in f:
            m = HIST_ROW.match(line)
            if m:
                n += int(m.group(1))
    return n


LOST = [re.compile(r"(\d+) events? lost"),          # utrace
        re.compile(r"[Ll]ost (\d+) events?")]       # libbpf-tools


def count_lost(text):
    return sum(int(m.group(1)) for r in LOST for m in r.finditer(text))


# --------------------------------------------------------------------------
# the machine

def foreign_probes(mine):
    """Uprobes held by processes other than ours: {"PID (comm)": [files]}.
    uprobe_multi links are found in /proc/*/fdinfo (with the PID they are
    limited to, if any); perf-event uprobes through `bpftool perf show`."""
    found = {}

    def add(pid, what):
        try:
            comm = open(f"/proc/{pid}/comm").read().strip()
        except OSError:
            comm = "?"
        found.setdefault(f"{pid} ({comm})", set()).add(what)

    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in mine:
            continue
        try:
            fds = os.listdir(f"/proc/{d}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{d}/fd/{fd}") != "anon_inode:bpf_link":
                    continue
                info = open(f"/proc/{d}/fdinfo/{fd}").read()
            except OSError:
                continue
            kv = dict(l.split(":", 1) for l in info.splitlines()[:12] if ":" in l)
            if "uprobe" not in kv.get("link_type", ""):
                continue
            path = os.path.basename(kv.get("path", "?").strip())
            pid = kv.get("pid", "0").strip()
            add(int(d), path + ("" if pid == "0" else f" (pid {pid})"))
    bpftool = shutil.which("bpftool")
    if bpftool:
        try:
            out = subprocess.run([bpftool, "-j", "perf", "show"],
                                 capture_output=True, timeout=10).stdout
            items = json.loads(out or b"[]")
        except (subprocess.SubprocessError, ValueError):
            items = []
        for it in items:
            if "uprobe" in it.get("fd_type", "") and it.get("pid") not in mine:
                add(it.get("pid"), os.path.basename(it.get("filename", "?")))
    return {k: sorted(v) for k, v in found.items()}


def disturbing(foreign):
    """Foreign uprobes a loop could hit: in libc or libreadline, not limited
    to a PID (we never hand ours out)."""
    return {k: v for k, v in foreign.items()
            if any(f.startswith(("libc", "libreadline")) and "(pid" not in f
                   for f in v)}


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def cmd(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    libbpf = cmd(["dpkg-query", "-W", "-f", "${Version}", "libbpf1"]) or \
        cmd(["pkg-config", "--modversion", "libbpf"]) or "?"
    return {
        "cpu": model,
        "vcpus": online_cpus(),
        "kernel": platform.release(),
        "libbpf": libbpf,
        "glibc": platform.libc_ver()[1],
        "libbpf_tools": cmd(["dpkg-query", "-W", "-f", "${Version}", "libbpf-tools"]) or "?",
        "bpftrace": cmd(["bpftrace", "--version"]) or "?",
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }


def copy_libs(pid, into):
    """Copies of the shared libraries @pid maps (but the loader) in @into,
    under every name they have in their directory (the loader looks for
    the soname: libreadline.so.8, a link to libreadline.so.8.2)."""
    for line in open(f"/proc/{pid}/maps"):
        f = line.split(None, 5)
        if len(f) != 6 or ".so" not in f[5] or "ld-linux" in f[5]:
            continue
        path = os.path.realpath(f[5].strip())
        d, base = os.path.split(path)
        stem = base.split(".so")[0] + ".so"
        if not os.path.isfile(path):
            continue
        for name in os.listdir(d):
            if name.startswith(stem) and os.path.realpath(os.path.join(d, name)) == path \
                    and not os.path.exists(os.path.join(into, name)):
                shutil.copy(path, os.path.join(into, name))


def mapped(pid, needle):
    """Path of the first file mapped by @pid whose name starts with @needle."""
    for line in open(f"/proc/{pid}/maps"):
        f = line.split(None, 5)
        if len(f) == 6:
            path = f[5].strip()
            if os.path.basename(path).startswith(needle):
                return os.path.realpath(path)
    raise RuntimeError(f"process {pid} maps no {needle}")


# --------------------------------------------------------------------------
# the configurations

def pid_args(pids):
    return [a for p in pids for a in ("-p", str(p))]


def candidate_configs(cand, tool, extra_h):
    """--candidate: the same rows for another utrace binary (an A/B of a
    change, interleaved with everything else)."""
    if not cand:
        return []
    c = [dict(name="cand-file", label=f"candidate {tool} > file", stdout="file",
              argv=lambda p: [cand, tool] + pid_args(p),
              ready=("stderr", "Tracing"), check="rows", tool=f"candidate {tool}")]
    if extra_h:
        c.append(dict(name="cand-H", label=f"candidate {tool} -H", stdout="file",
                      argv=lambda p: [cand, tool, "-H"] + pid_args(p),
                      ready=("stderr", "Tracing"), check="hist",
                      tool=f"candidate {tool} -H"))
    return c


def dnslat_configs(utrace, libc, ncpu, peers, cand=None):
    c = candidate_configs(cand, "dnslat", True) + [
        dict(name="utrace-file", label="utrace dnslat > file", stdout="file",
             argv=lambda p: [utrace, "dnslat"] + pid_args(p),
             ready=("stderr", "Tracing"), check="rows", tool="utrace dnslat"),
        dict(name="utrace-null", label="utrace dnslat > /dev/null", stdout="null",
             argv=lambda p: [utrace, "dnslat"] + pid_args(p),
             ready=("stderr", "Tracing"), check=None, tool="utrace dnslat"),
        dict(name="utrace-H", label="utrace dnslat -H", stdout="file",
             argv=lambda p: [utrace, "dnslat", "-H"] + pid_args(p),
             ready=("stderr", "Tracing"), check="hist", tool="utrace dnslat -H"),
        dict(name="utrace-json", label="utrace dnslat -j > file", stdout="file",
             argv=lambda p: [utrace, "dnslat", "-j"] + pid_args(p),
             ready=("stderr", "Tracing"), check="rows", tool="utrace dnslat -j"),
    ]
    if peers.get("gethostlatency"):
        gh = peers["gethostlatency"]
        # getaddrinfo, gethostbyname, gethostbyname2: entry and return
        c += [
            dict(name="peer-file", label="gethostlatency > file", stdout="file",
                 argv=lambda p: [gh, "-p", str(p[0])],
                 ready=("perf_fds", 6 + ncpu), check="rows", tool="gethostlatency"),
            dict(name="peer-null", label="gethostlatency > /dev/null", stdout="null",
                 argv=lambda p: [gh, "-p", str(p[0])],
                 ready=("perf_fds", 6 + ncpu), check=None, tool="gethostlatency"),
        ]
    if peers.get("bpftrace"):
        c.append(floor_pair(peers, libc, "getaddrinfo", ncpu))
    return c


def readline_configs(utrace, libreadline, ncpu, peers, cand=None):
    c = candidate_configs(cand, "readline", False) + [
        dict(name="utrace-file", label="utrace readline > file", stdout="file",
             argv=lambda p: [utrace, "readline"] + pid_args(p),
             ready=("stderr", "Tracing"), check="rows", tool="utrace readline"),
        dict(name="utrace-json", label="utrace readline -j > file", stdout="file",
             argv=lambda p: [utrace, "readline", "-j"] + pid_args(p),
             ready=("stderr", "Tracing"), check="rows", tool="utrace readline -j"),
    ]
    if peers.get("bashreadline"):
        # no -p: it probes every process, and reports those named "bash"
        c.append(dict(name="peer-file", label="bashreadline -s LIB > file",
                      stdout="file",
                      argv=lambda p: [peers["bashreadline"], "-s", libreadline],
                      ready=("perf_fds", 1 + ncpu), check="rows",
                      tool="bashreadline"))
    if peers.get("bpftrace"):
        prog = f"uretprobe:{libreadline}:readline_internal_teardown {{}}"
        c.append(dict(name="floor", label="empty uretprobe (bpftrace)",
                      stdout="null",
                      argv=lambda p: [peers["bpftrace"], "-p", str(p[0]), "-e", prog],
                      ready=("perf_fds", 1 + ncpu), check=None,
                      tool="bpftrace (empty uretprobe)"))
    return c


def floor_pair(peers, libc, func, ncpu):
    """bpftrace with empty programs on @func's entry and return: the floor."""
    prog = f"uprobe:{libc}:{func} {{}} uretprobe:{libc}:{func} {{}}"
    return dict(name="floor", label="empty uprobe+uretprobe (bpftrace)",
                stdout="null",
                argv=lambda p: [peers["bpftrace"], "-p", str(p[0]), "-e", prog],
                ready=("perf_fds", 2 + ncpu), check=None,
                tool="bpftrace (empty pair)")


def funclat_configs(funclat, libc, ncpu, peers):
    """utrace funclat against libbpf-tools funclatency, timing the same
    function (getaddrinfo) of the same loop, both histograms only."""
    c = [dict(name="utrace-funclat", label="utrace funclat c:getaddrinfo",
              stdout="file",
              argv=lambda p: [funclat, "funclat"] + pid_args(p) + ["c:getaddrinfo"],
              ready=("stderr", "Tracing"), check="hist", tool="utrace funclat")]
    if peers.get("funclatency"):
        # LIBRARY:FUNCTION is looked up in the maps of -p PID
        c.append(dict(name="peer-funclatency", label="funclatency -p PID c:getaddrinfo",
                      stdout="file",
                      argv=lambda p: [peers["funclatency"], "-p", str(p[0]),
                                      "c:getaddrinfo"],
                      ready=("perf_fds", 2), check="hist", tool="funclatency"))
    if peers.get("bpftrace"):
        c.append(floor_pair(peers, libc, "getaddrinfo", ncpu))
    return c


def discovery_configs(utrace):
    """System-wide tracers: each new process is looked at (exec
    tracepoint, the loader's _dl_debug_state); the loop starts /bin/true."""
    return [
        dict(name="utrace-dnslat-all", label="utrace dnslat (every process)",
             stdout="file", argv=lambda p: [utrace, "dnslat"],
             ready=("stderr", "Tracing"), check=None, tool="utrace dnslat (system-wide)",
             twin=False, paired=False),
        dict(name="utrace-readline-all", label="utrace readline (every process)",
             stdout="file", argv=lambda p: [utrace, "readline"],
             ready=("stderr", "Tracing"), check=None,
             tool="utrace readline (system-wide)", twin=False, paired=False),
    ]


# --------------------------------------------------------------------------
# measurements

class Quiet:
    """Waits for other tracers' uprobes on libc/libreadline to go, within a
    budget for the whole run."""

    def __init__(self, per_wait, total, mine, log):
        self.per_wait, self.left, self.mine, self.log = per_wait, total, mine, log

    def now(self):
        return disturbing(foreign_probes(self.mine))

    def wait(self):
        t0 = time.monotonic()
        found = self.now()
        told = False
        while found and self.left > 0 and time.monotonic() - t0 < self.per_wait:
            if not told:
                self.log(f"  waiting for other tracers' uprobes to go: {found}")
                told = True
            time.sleep(1)
            found = self.now()
        self.left -= time.monotonic() - t0
        return found


def sample_once(loop_bin, n, cfg, tmp, tag, quiet):
    mine = quiet.mine
    loop = Loop(loop_bin, n, twin=cfg.get("twin", True))
    mine.update((loop.p.pid, loop.twin))
    tr = None
    foreign = {}
    try:
        # untraced, traced, untraced: the traced round against the mean of
        # the rounds either side of it, so a drift of the machine during
        # the sample cancels out
        foreign.update(quiet.now())
        before = loop.round()
        foreign.update(quiet.now())
        tr = Tracer(cfg, [loop.pid], tmp, tag)
        mine.add(tr.p.pid)
        traced = loop.round()
        foreign.update(quiet.now())
        exit_s, hwm, maxrss = tr.stop()
        after = loop.round()
        foreign.update(quiet.now())
        base = {k: (before[k] + after[k]) / 2 for k in before}
    finally:
        if tr and tr.p.returncode is None:
            tr.stop()
        loop.close()
    err = tr.stderr()
    s = {
        "config": cfg["name"],
        "untraced_wall_ns": base["ns_per_call"], "traced_wall_ns": traced["ns_per_call"],
        "added_wall_ns": traced["ns_per_call"] - base["ns_per_call"],
        "untraced_cpu_ns": base["cpu_per_call"], "traced_cpu_ns": traced["cpu_per_call"],
        "added_cpu_ns": traced["cpu_per_call"] - base["cpu_per_call"],
        "untraced_trimmed_ns": base["trimmed_per_call"],
        "added_trimmed_ns": traced["trimmed_per_call"] - base["trimmed_per_call"],
        # the twin's figures stand for "untraced": what the paired figure adds
        "untraced_ns": base["trimmed_per_call"],
        "traced_ns": base["trimmed_per_call"] + traced["paired_per_call"]
        - base["paired_per_call"],
        "added_ns": traced["paired_per_call"] - base["paired_per_call"]
        if cfg.get("paired", True) else
        traced["trimmed_per_call"] - base["trimmed_per_call"],
        "paired": cfg.get("paired", True),
        "traced_s": traced["total_ns"] / 1e9, "calls": n,
        "attach_s": tr.attach_s, "exit_s": exit_s, "ru_maxrss_kib": maxrss,
        "vmhwm_kib": hwm, "rc": tr.p.returncode, "fds": tr.fds,
        "tracer_cpu_ns": tr.cpu_used,
        "lost": count_lost(err), "foreign_probes": foreign,
        "loadavg1": float(open("/proc/loadavg").read().split()[0]),
    }
    if cfg["check"] == "rows":
        s["seen"] = count_rows(tr.out_path, [loop.pid])
    elif cfg["check"] == "hist":
        s["seen"] = count_hist(tr.out_path)
    if tr.out_path != os.devnull:
        os.unlink(tr.out_path)
    return s


def sample(loop_bin, n, cfg, tmp, tag, quiet, tries=3):
    """A sample taken with no other tracer's uprobe in the loop's way, if
    that can be had in @tries attempts."""
    for attempt in range(tries):
        quiet.wait()
        s = sample_once(loop_bin, n, cfg, tmp, tag, quiet)
        if not s["foreign_probes"]:
            break
        quiet.log(f"  {cfg['name']}: other tracers' uprobes appeared "
                  f"({s['foreign_probes']}): sample taken again")
    return s


CONFIGS = None     # --configs: the names of the rows to measure


def cost_suite(title, loop_bin, n, configs, reps, tmp, quiet, log):
    if CONFIGS:
        configs = [c for c in configs if c["name"] in CONFIGS]
    samples = []
    for r in range(reps):
        order = configs if r % 2 == 0 else configs[::-1]
        for cfg in order:
            s = sample(loop_bin, n, cfg, tmp,
                       f"{cfg['name']}-{r}", quiet)
            s["rep"] = r
            samples.append(s)
            log(f"  {title} rep {r + 1}/{reps} {cfg['name']:<12} "
                f"untraced {s['untraced_ns']:8.0f} traced {s['traced_ns']:8.0f} "
                f"added {s['added_ns']:+7.0f} (CPU {s['added_cpu_ns']:+7.0f}, "
                f"wall {s['added_wall_ns']:+7.0f}) ns "
                f"attach {s['attach_s'] * 1e3:4.0f} ms "
                f"exit {fmt_ms(s['exit_s'])} ms rc {s['rc']}"
                + (f" seen {s['seen']}/{n}" if "seen" in s else "")
                + (f" lost {s['lost']}" if s["lost"] else "")
                + (" [DISTURBED]" if s["foreign_probes"] else ""))
    return summarize(configs, samples)


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def summarize(configs, samples):
    out = {}
    for cfg in configs:
        ss = [s for s in samples if s["config"] == cfg["name"]]
        added = [s["added_ns"] for s in ss]
        out[cfg["name"]] = {
            "label": cfg["label"], "tool": cfg["tool"],
            "untraced_ns": med(s["untraced_ns"] for s in ss),
            "traced_ns": med(s["traced_ns"] for s in ss),
            "added_ns": med(added),
            "added_min": min(added), "added_max": max(added),
            "added_wall_ns": med(s["added_wall_ns"] for s in ss),
            "added_cpu_ns": med(s["added_cpu_ns"] for s in ss),
            "untraced_wall_ns": med(s["untraced_wall_ns"] for s in ss),
            "attach_ms": med(s["attach_s"] * 1e3 for s in ss),
            "exit_ms": med(s["exit_s"] * 1e3 if s["exit_s"] is not None else None
                           for s in ss),
            "exit_max_ms": max((s["exit_s"] or 1e9) * 1e3 for s in ss),
            "vmhwm_kib": max(s["vmhwm_kib"] or 0 for s in ss),
            "fds": ss[0]["fds"],
            "rcs": sorted({s["rc"] for s in ss}),
            "lost": sum(s["lost"] for s in ss),
            "seen": [s.get("seen") for s in ss],
            "calls": ss[0]["calls"],
            "samples": len(ss),
            "disturbed": sum(1 for s in ss if s["foreign_probes"]),
            "rate_eps": med(s["calls"] / s["traced_s"] for s in ss),
            "tracer_cpu_ns": med(s["tracer_cpu_ns"] / s["calls"]
                                 if s.get("tracer_cpu_ns") is not None else None
                                 for s in ss),
            # per printed row: the tracer's CPU time over the rows it wrote
            "cpu_per_row_ns": med(s["tracer_cpu_ns"] / s["seen"]
                                  if s.get("tracer_cpu_ns") is not None and
                                  cfg.get("check") == "rows" and s.get("seen")
                                  else None for s in ss),
            "attach_max_ms": max(s["attach_s"] * 1e3 for s in ss),
            "by_rep": {s["rep"]: s["added_ns"] for s in ss},
        }
    return {"summary": out, "samples": samples}


def throughput(lookup_bin, utrace, n, nloops, buffer, tmp, quiet, tag):
    """@nloops loops at once under one utrace dnslat: events/s, rows, lost."""
    mine = quiet.mine
    loops = []
    tr = None
    foreign = quiet.wait()
    try:
        for _ in range(nloops):
            loops.append(Loop(lookup_bin, n, twin=False))
            mine.add(loops[-1].p.pid)
        extra = ["--buffer", buffer] if buffer else []
        cfg = dict(name=tag, stdout="file", ready=("stderr", "Tracing"),
                   argv=lambda p: [utrace, "dnslat"] + extra + pid_args(p))
        tr = Tracer(cfg, [lp.pid for lp in loops], tmp, tag)
        mine.add(tr.p.pid)
        t0 = time.monotonic()
        for lp in loops:
            lp.go()
        res = [lp.result() for lp in loops]
        wall = time.monotonic() - t0
        foreign.update(quiet.now())
        exit_s, hwm, _ = tr.stop()
    finally:
        if tr and tr.p.returncode is None:
            tr.stop()
        for lp in loops:
            lp.close()
    err = tr.stderr()
    seen = count_rows(tr.out_path, [lp.pid for lp in loops])
    os.unlink(tr.out_path)
    calls = n * nloops
    return {
        "loops": nloops, "buffer": buffer or "default", "calls": calls,
        "wall_s": wall, "rate_eps": calls / wall,
        "ns_per_call": statistics.mean(r["ns_per_call"] for r in res),
        "rows": seen, "lost_reported": count_lost(err), "rc": tr.p.returncode,
        "accounted": seen + count_lost(err) == calls, "exit_ms": exit_s * 1e3,
        "vmhwm_kib": hwm,
        "message": " ".join(l for l in err.splitlines() if "lost" in l),
        "foreign_probes": foreign,
    }


def startstop(utrace, tool, reps, tmp, quiet, tag, log):
    """System-wide `utrace TOOL` (every process, host copies, discovery):
    launch->attached and SIGINT->exit, @reps times."""
    out = []
    cfg = dict(name=tag, stdout="null", ready=("stderr", "Tracing"),
               argv=lambda p: [utrace, tool])
    for r in range(reps):
        quiet.wait()
        tr = Tracer(cfg, [], tmp, f"{tag}-{r}")
        quiet.mine.add(tr.p.pid)
        fds = tr.fds
        exit_s, hwm, _ = tr.stop()
        out.append({"attach_ms": tr.attach_s * 1e3,
                    "exit_ms": None if exit_s is None else exit_s * 1e3,
                    "rc": tr.p.returncode, "fds": fds, "vmhwm_kib": hwm})
        log(f"  {tag} {r + 1}/{reps}: attach {out[-1]['attach_ms']:.0f} ms, exit "
            f"{fmt(out[-1]['exit_ms'])} ms, {fds.get('bpf_link') if fds else '?'} links, "
            f"rc {tr.p.returncode}")
    return {"tool": tool, "samples": out,
            "attach_ms": med(x["attach_ms"] for x in out),
            "attach_max_ms": max(x["attach_ms"] for x in out),
            "exit_ms": med(x["exit_ms"] for x in out),
            "exit_max_ms": max(x["exit_ms"] or 1e9 for x in out),
            "links": med((x["fds"] or {}).get("bpf_link") for x in out),
            "rcs": sorted({x["rc"] for x in out})}


LIBC_COPIES = 40


def with_copies(lookup_bin, libc, utrace, reps, tmp, quiet, log):
    """SIGINT->exit and launch->attached of a system-wide `utrace dnslat`
    while 40 processes each use a libc copy of their own (LD_LIBRARY_PATH),
    as on a host running many container images: 40 more files, 80 more
    links to make and to close."""
    loops = []
    try:
        for i in range(LIBC_COPIES):
            d = os.path.join(tmp, f"libc{i:02d}")
            os.makedirs(d, exist_ok=True)
            shutil.copy(libc, os.path.join(d, os.path.basename(libc)))
            env = dict(os.environ, LD_LIBRARY_PATH=d)
            loops.append(Loop(lookup_bin, 1000, env=env, role="loop", twin=False))
            quiet.mine.add(loops[-1].p.pid)
        copies = {os.path.dirname(mapped(lp.pid, "libc.so")) for lp in loops}
        if len(copies) != LIBC_COPIES:
            raise RuntimeError(f"libc copies: only {len(copies)} distinct in use")
        res = startstop(utrace, "dnslat", reps, tmp, quiet, "libc-copies", log)
        res["copies"] = len(copies)
        return res
    finally:
        for lp in loops:
            lp.close()


def rowcost(binary, tmp, log, callgrind):
    """test/bench/rowcost.c: CPU ns (and with valgrind, instructions) per
    row rendered in user space, for each tool and form."""
    res = []
    vg = shutil.which("valgrind") if callgrind else None
    vgl = None
    if vg:
        # Valgrind runs the code it reads: another tracer's uprobe (an int3
        # in the page of ld.so or libc, as every system-wide utrace puts on
        # _dl_debug_state) would stop it with SIGTRAP. Unprobed copies of
        # the loader and the libraries, under names no tracer looks for.
        vgl = os.path.join(tmp, "vgl")
        os.makedirs(vgl, exist_ok=True)
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
        for line in ldd.splitlines():
            f = line.split()
            if "=>" in f and len(f) > 2 and f[2].startswith("/"):
                shutil.copy(f[2], vgl)
            elif f and f[0].startswith("/") and "ld-linux" in f[0]:
                shutil.copy(f[0], os.path.join(vgl, "rtld"))
        if not os.path.exists(os.path.join(vgl, "rtld")):
            vg = None

    def instructions(tool, rows, extra):
        r = subprocess.run([vg, "--tool=callgrind", "--callgrind-out-file=/dev/null",
                            os.path.join(vgl, "rtld"), "--library-path", vgl,
                            binary, tool, str(rows)] + extra,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        m = re.search(r"refs:\s+([\d,]+)", r.stderr)
        return int(m.group(1).replace(",", "")) if m else None

    for tool in ("dnslat", "readline"):
        for form, extra in (("table", []), ("JSON", ["-j"])):
            ns = []
            for _ in range(5):
                p = spawn([binary, tool, "200000"] + extra, role="tracer",
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                _, err = p.communicate()
                m = re.search(rb"rowcost \S+ ([\d.]+) ([\d.]+)", err)
                if m:
                    ns.append(float(m.group(1)))
                    size = float(m.group(2))
            ipr = None
            if vg:
                a, b = instructions(tool, 5000, extra), instructions(tool, 10000, extra)
                ipr = None if None in (a, b) else (b - a) / 5000
            res.append({"tool": tool, "form": form, "ns_per_row": min(ns) if ns else None,
                        "bytes_per_row": size if ns else None,
                        "instructions_per_row": ipr})
            log(f"  rowcost {tool} {form}: {fmt(res[-1]['ns_per_row'])} ns/row"
                + (f", {ipr:.0f} instructions/row" if ipr else ""))
    return res


# --------------------------------------------------------------------------
# report

def fmt_ms(s):
    return "   -" if s is None else f"{s * 1e3:4.0f}"


def fmt(v, spec="{:.0f}"):
    return "-" if v is None else spec.format(v)


def ratio(a, b):
    return a / b if a is not None and b else None


def above(a, b, floor):
    """What a costs beyond the floor, over what b does."""
    if None in (a, b, floor) or b <= floor:
        return None
    return (a - floor) / (b - floor)


def table(rows, head):
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda r: "| " + " | ".join(str(x).ljust(w[i]) for i, x in enumerate(r)) + " |"
    return "\n".join([line(head), "|" + "|".join("-" * (x + 2) for x in w) + "|"]
                     + [line(r) for r in rows])


def cost_table(res, n):
    rows = []
    for k, s in res["summary"].items():
        seen = [x for x in s["seen"] if x is not None]
        check = "-" if not seen else ("all" if all(x == n for x in seen)
                                      else f"{min(seen)}..{max(seen)} of {n}")
        label = s["label"] + (f" ({s['disturbed']} of {s['samples']} disturbed)"
                              if s["disturbed"] else "")
        rows.append([label, fmt(s["untraced_ns"]), fmt(s["traced_ns"]),
                     fmt(s["added_ns"], "{:+.0f}"),
                     f"{s['added_min']:+.0f}..{s['added_max']:+.0f}",
                     fmt(s["added_cpu_ns"], "{:+.0f}"), fmt(s["added_wall_ns"], "{:+.0f}"),
                     fmt(s["rate_eps"] / 1e3, "{:.0f}k"),
                     fmt(s.get("tracer_cpu_ns")), fmt(s.get("cpu_per_row_ns")),
                     check, str(s["lost"])])
    return table(rows, ["tracer", "untraced ns/call", "traced ns/call",
                        "added ns/call (median)", "added min..max",
                        "whole rounds: added CPU ns/call", "added wall ns/call",
                        "traced calls/s", "tracer CPU ns/call", "tracer CPU ns/row",
                        "events seen", "lost"])


def startup_table(suites):
    rows, seen = [], set()
    for res in suites:
        for k, s in res["summary"].items():
            if s["tool"] in seen or k.endswith("-null"):
                continue
            seen.add(s["tool"])
            fds = s["fds"] or {}
            rows.append([s["tool"], f"{fds.get('perf_event')} / {fds.get('bpf_link')}",
                         fmt(s["attach_ms"]), fmt(s["attach_max_ms"]),
                         f"{s['vmhwm_kib'] / 1024:.1f}", fmt(s["exit_ms"]),
                         fmt(s["exit_max_ms"]), ",".join(map(str, s["rcs"]))])
    return table(rows, ["tracer", "perf events / bpf links",
                        "launch->attached ms (median)", "(max)", "peak RSS MiB (VmHWM)",
                        "SIGINT->exit ms (median)",
                        "SIGINT->exit ms (max)", "exit codes"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(SRC, "build"),
                    help="meson build directory (default: build)")
    ap.add_argument("--utrace", help="the utrace binary (default: BUILD/cmd/utrace)")
    ap.add_argument("--rowcost", help="test/bench/rowcost.c built (default: BUILD/test/rowcost)")
    ap.add_argument("--funclat", metavar="UTRACE",
                    help="a utrace binary that has funclat (default: --utrace, if it has)")
    ap.add_argument("--calls", type=int, default=40000,
                    help="calls per timed round (default 40000)")
    ap.add_argument("--reps", type=int, default=16,
                    help="paired samples per configuration (default 16)")
    ap.add_argument("--json", metavar="FILE", help="also write every sample here")
    ap.add_argument("--candidate", metavar="UTRACE",
                    help="also measure this other utrace binary (A/B of a change)")
    ap.add_argument("--only", action="append", choices=PARTS,
                    help="run only this part (repeatable; default all)")
    ap.add_argument("--configs", metavar="NAME,...",
                    help="only these rows of the cost parts (utrace-file, cand-file, floor...)")
    ap.add_argument("--no-pin", action="store_true",
                    help="do not pin the loop and the tracers to CPUs of their own")
    ap.add_argument("--no-callgrind", action="store_true",
                    help="rowcost without valgrind's instruction counts")
    ap.add_argument("--quiet-wait", type=float, default=30,
                    help="seconds to wait for other tracers' uprobes to go (default 30)")
    ap.add_argument("--compare", nargs="+", metavar="JSON",
                    help="no measuring: compare the ratios of runs saved with --json")
    args = ap.parse_args()

    global CONFIGS
    CONFIGS = set(args.configs.split(",")) if args.configs else None
    if args.compare:
        print(compare([json.load(open(f)) for f in args.compare], args.compare))
        return 0
    if os.geteuid() != 0:
        sys.exit("run.py: needs root (BPF)")
    if args.reps < 1 or args.calls < 1000:
        sys.exit("run.py: --reps >= 1, --calls >= 1000")
    utrace = os.path.abspath(args.utrace or os.path.join(args.build, "cmd", "utrace"))
    if not os.access(utrace, os.X_OK):
        sys.exit(f"run.py: no utrace binary at {utrace} (ninja -C {args.build})")
    rowcost_bin = os.path.abspath(args.rowcost or os.path.join(
        os.path.dirname(os.path.dirname(utrace)), "test", "rowcost"))
    cand = os.path.abspath(args.candidate) if args.candidate else None
    if cand and not os.access(cand, os.X_OK):
        sys.exit(f"run.py: no candidate binary at {cand}")
    funclat = os.path.abspath(args.funclat) if args.funclat else utrace
    if not has_tool(funclat, "funclat"):
        funclat = None
    cc = shutil.which(os.environ.get("CC", "cc"))
    if not cc:
        sys.exit("run.py: no C compiler (cc)")
    peers = {name: (shutil.which(name) or (f"/usr/sbin/{name}"
                    if os.access(f"/usr/sbin/{name}", os.X_OK) else None))
             for name in ("gethostlatency", "bashreadline", "bpftrace", "funclatency")}
    log = lambda m: print(m, file=sys.stderr, flush=True)
    ncpu = online_cpus()
    pinned = set_pinning(ncpu, not args.no_pin)
    t_start = time.monotonic()
    only = set(args.only or PARTS)

    # Our processes die with us: SIGTERM/SIGHUP become the same exit as ^C,
    # and ^C works even where it was ignored (a shell's background job):
    # the children then start with SIGINT at its default, not ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    tmp = tempfile.mkdtemp(prefix="utrace-bench.")
    mine = {os.getpid()}
    report = {"calls": args.calls, "reps": args.reps, "utrace": utrace,
              "candidate": cand, "funclat_utrace": funclat, "pinned": pinned}
    try:
        bins = {}
        for name, extra in (("lookup_loop", []), ("readline_loop", ["-lreadline"]),
                            ("exec_loop", [])):
            out = os.path.join(tmp, name)
            r = subprocess.run([cc, "-O2", "-o", out, os.path.join(HERE, name + ".c")]
                               + extra, capture_output=True, text=True)
            if r.returncode == 0:
                bins[name] = out
            else:
                log(f"{name} not built: {r.stderr.strip()}")
        if "lookup_loop" not in bins:
            sys.exit("run.py: lookup_loop.c does not build")

        quiet = Quiet(args.quiet_wait, 4 * args.quiet_wait, mine, log)
        foreign = quiet.wait()
        if foreign:
            log(f"WARNING: other tracers hold uprobes: {foreign}; results disturbed")
        mach = machine()
        mach["foreign_probes_at_start"] = foreign
        report["machine"] = mach

        # where the loops' libc and libreadline are; copies of their
        # libraries for the twins, which a tracer of the originals' paths
        # then leaves alone (rounds.h)
        global TWIN_LIBS
        twin_libs = os.path.join(tmp, "twin-libs")
        os.makedirs(twin_libs)
        probe = Loop(bins["lookup_loop"], 1000, twin=False)
        mine.add(probe.p.pid)
        libc = mapped(probe.pid, "libc.so")
        copy_libs(probe.pid, twin_libs)
        probe.close()
        libreadline = None
        if "readline_loop" in bins:
            probe = Loop(bins["readline_loop"], 1000, twin=False)
            mine.add(probe.p.pid)
            libreadline = mapped(probe.pid, "libreadline.so")
            copy_libs(probe.pid, twin_libs)
            probe.close()
        TWIN_LIBS = twin_libs
        for name, lib in (("lookup_loop", "libc.so"), ("readline_loop", "libreadline.so")):
            if name not in bins or (lib == "libreadline.so" and not libreadline):
                continue
            probe = Loop(bins[name], 1000)
            mine.update((probe.p.pid, probe.twin))
            probe.round()       # the twin has run: its libraries are in
            if not mapped(probe.twin, lib).startswith(twin_libs + "/"):
                sys.exit(f"run.py: the twin of {name} does not use its own {lib}")
            probe.close()

        n = args.calls
        if "rowcost" in only and os.access(rowcost_bin, os.X_OK):
            log("rowcost: rows rendered in user space, without BPF")
            report["rowcost"] = rowcost(rowcost_bin, tmp, log, not args.no_callgrind)
        if "dnslat" in only:
            log(f"dnslat: {n} getaddrinfo(\"localhost\") per round, {args.reps} reps")
            report["dnslat"] = cost_suite(
                "dnslat", bins["lookup_loop"], n,
                dnslat_configs(utrace, libc, ncpu, peers, cand), args.reps, tmp, quiet, log)
        if "readline" in only and libreadline:
            log(f"readline: {n} readline() per round, {args.reps} reps")
            report["readline"] = cost_suite(
                "readline", bins["readline_loop"], n,
                readline_configs(utrace, libreadline, ncpu, peers, cand),
                args.reps, tmp, quiet, log)
        if "funclat" in only and funclat:
            log(f"funclat: {n} getaddrinfo(\"localhost\") per round, {args.reps} reps")
            report["funclat"] = cost_suite(
                "funclat", bins["lookup_loop"], n,
                funclat_configs(funclat, libc, ncpu, peers), args.reps, tmp, quiet, log)
        elif "funclat" in only:
            log("funclat: no utrace with funclat (--funclat UTRACE): skipped")
        if "throughput" in only:
            log("throughput: concurrent loops under one utrace dnslat")
            report["throughput"] = []
            for nloops, buf in ((1, None), (ncpu, None), (2 * ncpu, None), (ncpu, "4K")):
                t = throughput(bins["lookup_loop"], utrace, n, nloops, buf, tmp, quiet,
                               f"tp-{nloops}-{buf}")
                log(f"  {nloops} loop(s), buffer {t['buffer']}: {t['rate_eps']:.0f} "
                    f"events/s, rows {t['rows']}, lost {t['lost_reported']}, rc {t['rc']}")
                report["throughput"].append(t)
        if "startstop" in only:
            log("startstop: system-wide launch->attached and SIGINT->exit")
            reps = max(3, args.reps // 2)
            report["startstop"] = [startstop(utrace, t, reps, tmp, quiet, f"all-{t}", log)
                                   for t in ("dnslat", "readline")]
            report["copies"] = with_copies(bins["lookup_loop"], libc, utrace, reps, tmp,
                                           quiet, log)
        if "discovery" in only and "exec_loop" in bins:
            dn_ = max(200, n // 40)
            log(f"discovery: {dn_} starts of /bin/true per round, {max(3, args.reps // 2)} reps")
            report["discovery"] = cost_suite(
                "discovery", bins["exec_loop"], dn_, discovery_configs(utrace),
                max(3, args.reps // 2), tmp, quiet, log)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    report["elapsed_s"] = time.monotonic() - t_start
    mach["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    report["ratios"] = compute_ratios(report)
    print(render(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=list)
    return 0


PARTS = ("rowcost", "dnslat", "readline", "funclat", "throughput", "startstop",
         "discovery")


def has_tool(utrace, tool):
    try:
        out = subprocess.run([utrace, "list"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(line.split()[:1] == [tool] for line in out.splitlines())


def per_rep(suite, a, b, floor=None):
    """a / b within each repetition (with @floor: (a - floor) / (b - floor))."""
    if not suite:
        return []
    sm = suite["summary"]
    if a not in sm or b not in sm or (floor and floor not in sm):
        return []
    ra, rb = sm[a]["by_rep"], sm[b]["by_rep"]
    rf = sm[floor]["by_rep"] if floor else {}
    vals = []
    for r in ra:
        if r not in rb or (floor and r not in rf):
            continue
        x, y = ra[r], rb[r]
        if floor:
            x, y = x - rf[r], y - rf[r]
        if y > 0:
            vals.append(x / y)
    return vals


def compute_ratios(rep):
    """Every ratio of added ns per call, per repetition: median and spread."""
    dn, rl, fl = rep.get("dnslat"), rep.get("readline"), rep.get("funclat")
    specs = [
        (dn, "utrace dnslat > file / empty pair", "utrace-file", "floor", None, 1.5),
        (dn, "utrace dnslat -j > file / empty pair", "utrace-json", "floor", None, None),
        (dn, "utrace dnslat -H / empty pair", "utrace-H", "floor", None, 1.2),
        (dn, "gethostlatency > file / empty pair", "peer-file", "floor", None, None),
        (dn, "utrace dnslat > file / gethostlatency > file", "utrace-file", "peer-file",
         None, None),
        (dn, "above the pair: (utrace dnslat - pair) / (gethostlatency - pair)",
         "utrace-file", "peer-file", "floor", None),
        (dn, "candidate dnslat > file / utrace dnslat > file", "cand-file", "utrace-file",
         None, None),
        (dn, "candidate dnslat -H / utrace dnslat -H", "cand-H", "utrace-H", None, None),
        (dn, "candidate dnslat > file / empty pair", "cand-file", "floor", None, None),
        (rl, "utrace readline > file / empty uretprobe", "utrace-file", "floor", None, 1.1),
        (rl, "utrace readline -j > file / empty uretprobe", "utrace-json", "floor",
         None, None),
        (rl, "bashreadline > file / empty uretprobe", "peer-file", "floor", None, None),
        (rl, "utrace readline / bashreadline (both > file)", "utrace-file", "peer-file",
         None, None),
        (rl, "candidate readline / utrace readline", "cand-file", "utrace-file", None, None),
        (fl, "utrace funclat / empty pair", "utrace-funclat", "floor", None, None),
        (fl, "funclatency / empty pair", "peer-funclatency", "floor", None, None),
        (fl, "utrace funclat / funclatency", "utrace-funclat", "peer-funclatency", None, 1.0),
    ]
    out = []
    for suite, label, a, b, floor, target in specs:
        v = per_rep(suite, a, b, floor)
        if not v:
            continue
        v.sort()
        out.append({"label": label, "value": statistics.median(v), "min": v[0],
                    "max": v[-1], "q1": v[len(v) // 4], "q3": v[(3 * len(v)) // 4],
                    "n": len(v), "target": target})
    return out


def compare(reports, names):
    """Do runs agree? Each ratio's median per run, and how far each is from
    the mean of the runs."""
    labels = []
    for r in reports:
        for x in r.get("ratios", []):
            if x["label"] not in labels:
                labels.append(x["label"])
    rows, ok_all = [], True
    for label in labels:
        vals = [next((x["value"] for x in r.get("ratios", []) if x["label"] == label),
                     None) for r in reports]
        have = [v for v in vals if v is not None]
        mean = statistics.mean(have) if have else None
        dev = max(abs(v - mean) / mean for v in have) if mean else None
        ok = dev is not None and dev <= 0.15 and len(have) == len(reports)
        ok_all &= ok
        rows.append([label] + [fmt(v, "{:.2f}") for v in vals] +
                    [fmt(mean, "{:.2f}"), fmt(None if dev is None else dev * 100, "{:.1f}%"),
                     "yes" if ok else "NO"])
    head = ["ratio"] + [os.path.basename(n) for n in names] + \
        ["mean", "largest deviation from the mean", "within ±15%"]
    loads = ", ".join(f"{os.path.basename(n)}: "
                      f"{' '.join(r['machine']['loadavg'])} -> "
                      f"{' '.join(r['machine']['loadavg_end'])}"
                      for n, r in zip(names, reports))
    return "\n".join([table(rows, head), "",
                      f"all ratios within ±15% of their mean: {'yes' if ok_all else 'NO'}",
                      f"load averages (start -> end): {loads}"])


def loads(rep):
    """What the machine was doing: the 1-minute load average over the samples."""
    v = []
    for part in ("dnslat", "readline", "funclat", "discovery"):
        if rep.get(part):
            v += [s["loadavg1"] for s in rep[part]["samples"] if "loadavg1" in s]
    if not v:
        return ""
    return (f"1-minute load average over the samples: median {statistics.median(v):.2f}, "
            f"{min(v):.2f}..{max(v):.2f}")


def render(rep):
    m, n = rep["machine"], rep["calls"]
    out = []
    out.append(f"Machine: {m['cpu']}, {m['vcpus']} vCPUs, Linux {m['kernel']}, "
               f"glibc {m['glibc']}, libbpf {m['libbpf']}, libbpf-tools "
               f"{m['libbpf_tools']}, {m['bpftrace']}; load average at start "
               f"{' '.join(m['loadavg'])}, at end {' '.join(m['loadavg_end'])}")
    if loads(rep):
        out.append(loads(rep))
    if m["foreign_probes_at_start"]:
        out.append(f"WARNING: other tracers' uprobes were present: "
                   f"{m['foreign_probes_at_start']}")
    pin = rep.get("pinned")
    out.append(f"{rep['reps']} paired samples per row, {n} calls per round; "
               f"added = traced - untraced in the same process, median; a round's "
               f"ns/call: CPU time of the loop (and its children), the mean of its 200 "
               f"batches less the 10 slowest and 10 fastest; " +
               (f"loop pinned to CPU {pin['loop']}, tracers to CPU {pin['tracer']}"
                if pin else "not pinned"))
    for part, title in (("dnslat", f"getaddrinfo(\"localhost\"), {n} calls per round"),
                        ("readline", f"readline() fed from memory, {n} lines per round"),
                        ("funclat", f"getaddrinfo(\"localhost\") timed by funclat and "
                                    f"funclatency, {n} calls per round")):
        if rep.get(part):
            out.append(f"\n{title}")
            out.append(cost_table(rep[part], n))
    if rep.get("discovery"):
        d = rep["discovery"]
        dn_ = next(iter(d["summary"].values()))["calls"]
        out.append(f"\nA machine that starts many processes: /bin/true started and "
                   f"waited for, {dn_} per round, under system-wide tracers")
        out.append(cost_table(d, dn_))

    if rep.get("ratios"):
        out.append("\nRatios of added ns per call, per repetition: median, "
                   "quartiles and range over the repetitions")
        out.append(table([[x["label"], f"{x['value']:.2f}",
                           f"{x['q1']:.2f}..{x['q3']:.2f}",
                           f"{x['min']:.2f}..{x['max']:.2f}", str(x["n"]),
                           "" if x["target"] is None else f"<= {x['target']}",
                           "" if x["target"] is None else
                           ("met" if x["value"] <= x["target"] else "NOT met")]
                          for x in rep["ratios"]],
                         ["ratio", "median", "quartiles", "range", "reps", "target", ""]))

    if rep.get("rowcost"):
        out.append("\nUser space alone: one row rendered (test/bench/rowcost.c, no BPF, "
                   "best of 5 runs of 200000 rows; instructions from callgrind)")
        out.append(table([[f"utrace {x['tool']}", x["form"], fmt(x["ns_per_row"]),
                           fmt(x["instructions_per_row"]), fmt(x["bytes_per_row"])]
                          for x in rep["rowcost"]],
                         ["tool", "form", "CPU ns/row", "instructions/row", "bytes/row"]))

    tp = rep.get("throughput") or []
    if tp:
        out.append("\nEvents per second (utrace dnslat > file, -p every loop)")
        out.append(table([[str(t["loops"]), t["buffer"], f"{t['rate_eps']:.0f}",
                           f"{t['ns_per_call']:.0f}", f"{t['rows']}/{t['calls']}",
                           str(t["lost_reported"]), str(t["rc"]),
                           "yes" if t["accounted"] else "NO",
                           fmt((t.get("vmhwm_kib") or 0) / 1024, "{:.1f}")] for t in tp],
                         ["loops", "buffer", "events/s", "ns/call", "rows",
                          "reported lost", "exit code", "rows + lost = calls",
                          "peak RSS MiB"]))

    suites = [rep[p] for p in ("dnslat", "readline", "funclat") if rep.get(p)]
    if suites:
        out.append("\nStart, memory, stop with -p (medians over the samples above)")
        out.append(startup_table(suites))
    ss = list(rep.get("startstop") or []) + ([rep["copies"]] if rep.get("copies") else [])
    if ss:
        out.append("\nSystem-wide (every process, discovery on): start and stop")
        out.append(table([[f"utrace {x['tool']}" + (f", {x['copies']} libc copies in use"
                                                    if x.get("copies") else ""),
                           fmt(x["links"]), fmt(x["attach_ms"]), fmt(x["attach_max_ms"]),
                           fmt(x["exit_ms"]), fmt(x["exit_max_ms"]),
                           ",".join(map(str, x["rcs"]))] for x in ss],
                         ["tracer", "bpf links", "launch->attached ms (median)",
                          "(max)", "SIGINT->exit ms (median)", "(max)", "exit codes"]))

    out.append("\nTargets (issue 14)")
    out.append(table([[t, "met" if ok else "NOT met", d] for t, ok, d in targets(rep)],
                     ["target", "", "measured"]))
    out.append("\nStability: three runs saved with --json, then "
               "`run.py --compare A.json B.json C.json`")
    out.append(f"\n({rep['elapsed_s']:.0f} s)")
    return "\n".join(out)


def targets(rep):
    g = lambda part, k: (rep.get(part) or {}).get("summary", {}).get(k)
    r = {x["label"]: x for x in rep.get("ratios", [])}
    tg = []
    for label, t in (("utrace dnslat > file / empty pair", 1.5),
                     ("utrace dnslat -H / empty pair", 1.2),
                     ("utrace readline > file / empty uretprobe", 1.1),
                     ("utrace funclat / funclatency", 1.0)):
        if label in r:
            x = r[label]
            tg.append((f"{label} <= {t}", x["value"] <= t,
                       f"{x['value']:.2f} ({x['min']:.2f}..{x['max']:.2f})"))
    rows = [(p, k) for p in ("dnslat", "readline")
            for k in ("utrace-file", "utrace-json") if g(p, k)]
    if rows:
        v = {f"{g(p, k)['tool']}": g(p, k)["cpu_per_row_ns"] for p, k in rows}
        tg.append(("tracer CPU per printed row <= 200 ns",
                   all(x is not None and x <= 200 for x in v.values()),
                   ", ".join(f"{t}: {fmt(x)} ns" for t, x in v.items())))
    tp = rep.get("throughput") or []
    full = [t for t in tp if "default" in t["buffer"]]
    if full:
        most = max(full, key=lambda t: t["loops"])
        tg.append((f"nothing lost at {most['loops']} concurrent loops, default buffer",
                   most["lost_reported"] == 0 and most["rows"] == most["calls"],
                   f"{most['rows']}/{most['calls']} rows at {most['rate_eps']:.0f} events/s"))
    small = [t for t in tp if "default" not in t["buffer"]]
    if tp:
        tg.append(("every loss counted and reported (exit 2)",
                   all(t["accounted"] and (t["rc"] == 2) == (t["lost_reported"] > 0)
                       for t in tp),
                   ", ".join(f"--buffer {t['buffer']}: {t['rows']} rows + "
                             f"{t['lost_reported']} reported lost = {t['calls']} calls, "
                             f"exit {t['rc']}" for t in small)))
    exits = {}
    attach = {}
    for part in ("dnslat", "readline"):
        for k, s in ((rep.get(part) or {}).get("summary") or {}).items():
            if k.startswith("utrace"):
                exits[s["label"] + " -p"] = (s["exit_ms"], s["exit_max_ms"])
                attach[s["label"] + " -p"] = s["attach_ms"]
    for x in rep.get("startstop") or []:
        exits[f"utrace {x['tool']} (system-wide)"] = (x["exit_ms"], x["exit_max_ms"])
    if exits:
        tg.append(("SIGINT->exit <= 50 ms, median and max",
                   all(a is not None and a <= 50 and b <= 50 for a, b in exits.values()),
                   ", ".join(f"{t}: {fmt(a)}/{fmt(b)} ms" for t, (a, b) in exits.items())))
    c = rep.get("copies")
    if c:
        tg.append((f"SIGINT->exit <= 100 ms with {c['copies']} libc copies traced",
                   c["exit_ms"] is not None and c["exit_max_ms"] <= 100,
                   f"median {fmt(c['exit_ms'])}, max {fmt(c['exit_max_ms'])} ms, "
                   f"{fmt(c['links'])} links"))
    if attach:
        tg.append(("launch->attached <= 10 ms median with -p",
                   all(a <= 10 for a in attach.values()),
                   ", ".join(f"{t}: {fmt(a)} ms" for t, a in attach.items())))
    ss = rep.get("startstop") or []
    if ss:
        tg.append(("launch->attached <= 50 ms median system-wide",
                   all(x["attach_ms"] <= 50 for x in ss),
                   ", ".join(f"utrace {x['tool']}: {fmt(x['attach_ms'])} ms" for x in ss)))
    return tg


if __name__ == "__main__":
    sys.exit(main())
