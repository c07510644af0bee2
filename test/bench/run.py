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
sample uses a fresh loop process and times two rounds in it: one untraced
and one with a tracer attached to that PID only (-p), the order
alternating between samples, so "added ns per call" is a paired
difference, free of the variation between processes. The configurations
are interleaved within each repetition (order reversed every other
repetition) and the table gives medians over the repetitions.

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


def spawn(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    STARTED.append(p)
    return p


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

    def __init__(self, path, n):
        self.p = spawn([path, str(n)], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self._line(30)
        m = re.match(r"ready (\d+)", line)
        if not m:
            raise RuntimeError(f"{path}: no 'ready' line: {line!r} "
                               f"{self.p.stderr.read().decode(errors='replace')}")
        self.pid = int(m.group(1))

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
        if len(f) != 5 or f[0] != "round":
            raise RuntimeError(f"loop program said {line!r}")
        return {"ns_per_call": float(f[1]), "total_ns": int(f[2]),
                "calls": int(f[3]), "failed": int(f[4])}

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
        self.p = spawn(cfg["argv"](pids), stdin=subprocess.DEVNULL,
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


def count_rows(path, pids):
    """Table rows (TIME PID ...) of @pids in a tracer's output."""
    want = {str(p) for p in pids}
    n = 0
    with open(path, errors="replace") as f:
        for line in f:
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
        prog = (f"uprobe:{libc}:getaddrinfo {{}} "
                f"uretprobe:{libc}:getaddrinfo {{}}")
        c.append(dict(name="floor", label="empty uprobe+uretprobe (bpftrace)",
                      stdout="null",
                      argv=lambda p: [peers["bpftrace"], "-p", str(p[0]), "-e", prog],
                      ready=("perf_fds", 2 + ncpu), check=None,
                      tool="bpftrace (empty pair)"))
    return c


def readline_configs(utrace, libreadline, ncpu, peers, cand=None):
    c = candidate_configs(cand, "readline", False) + [dict(name="utrace-file", label="utrace readline > file", stdout="file",
              argv=lambda p: [utrace, "readline"] + pid_args(p),
              ready=("stderr", "Tracing"), check="rows", tool="utrace readline")]
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


def sample_once(loop_bin, n, cfg, traced_first, tmp, tag, quiet):
    mine = quiet.mine
    loop = Loop(loop_bin, n)
    mine.add(loop.p.pid)
    tr = None
    foreign = {}
    try:
        foreign.update(quiet.now())
        if not traced_first:
            base = loop.round()
            foreign.update(quiet.now())
        tr = Tracer(cfg, [loop.pid], tmp, tag)
        mine.add(tr.p.pid)
        traced = loop.round()
        foreign.update(quiet.now())
        exit_s, hwm, maxrss = tr.stop()
        if traced_first:
            base = loop.round()
            foreign.update(quiet.now())
    finally:
        if tr and tr.p.returncode is None:
            tr.stop()
        loop.close()
    err = tr.stderr()
    s = {
        "config": cfg["name"], "traced_first": traced_first,
        "untraced_ns": base["ns_per_call"], "traced_ns": traced["ns_per_call"],
        "added_ns": traced["ns_per_call"] - base["ns_per_call"],
        "traced_s": traced["total_ns"] / 1e9, "calls": n,
        "attach_s": tr.attach_s, "exit_s": exit_s, "ru_maxrss_kib": maxrss,
        "vmhwm_kib": hwm, "rc": tr.p.returncode, "fds": tr.fds,
        "tracer_cpu_ns": tr.cpu_used,
        "lost": count_lost(err), "foreign_probes": foreign,
    }
    if cfg["check"] == "rows":
        s["seen"] = count_rows(tr.out_path, [loop.pid])
    elif cfg["check"] == "hist":
        s["seen"] = count_hist(tr.out_path)
    if tr.out_path != os.devnull:
        os.unlink(tr.out_path)
    return s


def sample(loop_bin, n, cfg, traced_first, tmp, tag, quiet, tries=3):
    """A sample taken with no other tracer's uprobe in the loop's way, if
    that can be had in @tries attempts."""
    for attempt in range(tries):
        quiet.wait()
        s = sample_once(loop_bin, n, cfg, traced_first, tmp, tag, quiet)
        if not s["foreign_probes"]:
            break
        quiet.log(f"  {cfg['name']}: other tracers' uprobes appeared "
                  f"({s['foreign_probes']}): sample taken again")
    return s


def cost_suite(title, loop_bin, n, configs, reps, tmp, quiet, log):
    samples = []
    for r in range(reps):
        order = configs if r % 2 == 0 else configs[::-1]
        for i, cfg in enumerate(order):
            traced_first = (r + i) % 2 == 1
            s = sample(loop_bin, n, cfg, traced_first, tmp,
                       f"{cfg['name']}-{r}", quiet)
            s["rep"] = r
            samples.append(s)
            log(f"  {title} rep {r + 1}/{reps} {cfg['name']:<12} "
                f"untraced {s['untraced_ns']:8.0f} traced {s['traced_ns']:8.0f} "
                f"added {s['added_ns']:+8.0f} ns  attach {s['attach_s'] * 1e3:4.0f} ms "
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
            loops.append(Loop(lookup_bin, n))
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
        "loops": nloops, "buffer": buffer or "1M (default)", "calls": calls,
        "wall_s": wall, "rate_eps": calls / wall,
        "ns_per_call": statistics.mean(r["ns_per_call"] for r in res),
        "rows": seen, "lost_reported": count_lost(err), "rc": tr.p.returncode,
        "accounted": seen + count_lost(err) == calls, "exit_ms": exit_s * 1e3,
        "vmhwm_kib": hwm,
        "message": " ".join(l for l in err.splitlines() if "lost" in l),
        "foreign_probes": foreign,
    }


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
                     fmt(s["rate_eps"] / 1e3, "{:.0f}k"),
                     fmt(s.get("tracer_cpu_ns")), check, str(s["lost"])])
    return table(rows, ["tracer (-p PID)", "untraced ns/call", "traced ns/call",
                        "added ns/call (median)", "added min..max",
                        "traced calls/s", "tracer CPU ns/call", "events seen",
                        "lost"])


def startup_table(suites):
    rows, seen = [], set()
    for res in suites:
        for k, s in res["summary"].items():
            if s["tool"] in seen or k.endswith("-null"):
                continue
            seen.add(s["tool"])
            fds = s["fds"] or {}
            rows.append([s["tool"], f"{fds.get('perf_event')} / {fds.get('bpf_link')}",
                         fmt(s["attach_ms"]),
                         f"{s['vmhwm_kib'] / 1024:.1f}", fmt(s["exit_ms"]),
                         fmt(s["exit_max_ms"]), ",".join(map(str, s["rcs"]))])
    return table(rows, ["tracer", "perf events / bpf links",
                        "launch->attached ms (median)", "peak RSS MiB (VmHWM)", "SIGINT->exit ms (median)",
                        "SIGINT->exit ms (max)", "exit codes"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(SRC, "build"),
                    help="meson build directory (default: build)")
    ap.add_argument("--utrace", help="the utrace binary (default: BUILD/cmd/utrace)")
    ap.add_argument("--calls", type=int, default=40000,
                    help="calls per timed round (default 40000)")
    ap.add_argument("--reps", type=int, default=8,
                    help="paired samples per configuration (default 8)")
    ap.add_argument("--json", metavar="FILE", help="also write every sample here")
    ap.add_argument("--candidate", metavar="UTRACE",
                    help="also measure this other utrace binary (A/B of a change)")
    ap.add_argument("--only", action="append",
                    choices=("dnslat", "readline", "throughput"),
                    help="run only this part (repeatable; default all)")
    ap.add_argument("--quiet-wait", type=float, default=30,
                    help="seconds to wait for other tracers' uprobes to go (default 30)")
    args = ap.parse_args()

    if os.geteuid() != 0:
        sys.exit("run.py: needs root (BPF)")
    if args.reps < 1 or args.calls < 1000:
        sys.exit("run.py: --reps >= 1, --calls >= 1000")
    utrace = os.path.abspath(args.utrace or os.path.join(args.build, "cmd", "utrace"))
    if not os.access(utrace, os.X_OK):
        sys.exit(f"run.py: no utrace binary at {utrace} (ninja -C {args.build})")
    cand = os.path.abspath(args.candidate) if args.candidate else None
    if cand and not os.access(cand, os.X_OK):
        sys.exit(f"run.py: no candidate binary at {cand}")
    cc = shutil.which(os.environ.get("CC", "cc"))
    if not cc:
        sys.exit("run.py: no C compiler (cc)")
    peers = {name: (shutil.which(name) or (f"/usr/sbin/{name}"
                    if os.access(f"/usr/sbin/{name}", os.X_OK) else None))
             for name in ("gethostlatency", "bashreadline", "bpftrace")}
    log = lambda m: print(m, file=sys.stderr, flush=True)
    ncpu = online_cpus()
    t_start = time.monotonic()

    # Our processes die with us: SIGTERM/SIGHUP become the same exit as ^C,
    # and ^C works even where it was ignored (a shell's background job):
    # the children then start with SIGINT at its default, not ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    tmp = tempfile.mkdtemp(prefix="utrace-bench.")
    mine = {os.getpid()}
    try:
        lookup_bin = os.path.join(tmp, "lookup_loop")
        subprocess.run([cc, "-O2", "-o", lookup_bin,
                        os.path.join(HERE, "lookup_loop.c")], check=True)
        readline_bin = None
        only = set(args.only or ("dnslat", "readline", "throughput"))
        if "readline" in only:
            rb = os.path.join(tmp, "readline_loop")
            r = subprocess.run([cc, "-O2", "-o", rb,
                                os.path.join(HERE, "readline_loop.c"), "-lreadline"],
                               capture_output=True, text=True)
            if r.returncode == 0:
                readline_bin = rb
            else:
                log("readline loop not built (libreadline-dev missing?): skipped")

        quiet = Quiet(args.quiet_wait, 4 * args.quiet_wait, mine, log)
        foreign = quiet.wait()
        if foreign:
            log(f"WARNING: other tracers hold uprobes: {foreign}; results disturbed")
        mach = machine()
        mach["foreign_probes_at_start"] = foreign

        # where the loops' libc and libreadline are
        probe = Loop(lookup_bin, 1000)
        mine.add(probe.p.pid)
        libc = mapped(probe.pid, "libc.so")
        probe.close()
        libreadline = None
        if readline_bin:
            probe = Loop(readline_bin, 1000)
            mine.add(probe.p.pid)
            libreadline = mapped(probe.pid, "libreadline.so")
            probe.close()

        n = args.calls
        dn = None
        if "dnslat" in only:
            log(f"dnslat: {n} getaddrinfo(\"localhost\") per round, {args.reps} reps")
            dn = cost_suite("dnslat", lookup_bin, n,
                            dnslat_configs(utrace, libc, ncpu, peers, cand),
                            args.reps,
                            tmp, quiet, log)
        rl = None
        if readline_bin:
            log(f"readline: {n} readline() per round, {args.reps} reps")
            rl = cost_suite("readline", readline_bin, n,
                            readline_configs(utrace, libreadline, ncpu, peers,
                                             cand),
                            args.reps, tmp, quiet, log)
        if "throughput" in only:
            log("throughput: concurrent loops under one utrace dnslat")
        tp = []
        for nloops, buf in ((1, None), (ncpu, None), (2 * ncpu, None), (ncpu, "4K")) \
                if "throughput" in only else ():
            t = throughput(lookup_bin, utrace, n, nloops, buf, tmp, quiet,
                           f"tp-{nloops}-{buf}")
            log(f"  {nloops} loop(s), buffer {t['buffer']}: {t['rate_eps']:.0f} events/s, "
                f"rows {t['rows']}, lost {t['lost_reported']}, rc {t['rc']}")
            tp.append(t)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    elapsed = time.monotonic() - t_start
    mach["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    report = {"machine": mach, "calls": n, "reps": args.reps, "utrace": utrace,
              "dnslat": dn, "readline": rl, "throughput": tp,
              "elapsed_s": elapsed}
    print(render(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=list)
    return 0


def render(rep):
    m, n = rep["machine"], rep["calls"]
    dn = rep["dnslat"]["summary"] if rep["dnslat"] else {}
    rl = rep["readline"]["summary"] if rep["readline"] else {}
    tp = rep["throughput"]
    out = []
    out.append(f"Machine: {m['cpu']}, {m['vcpus']} vCPUs, Linux {m['kernel']}, "
               f"glibc {m['glibc']}, libbpf {m['libbpf']}, libbpf-tools "
               f"{m['libbpf_tools']}, {m['bpftrace']}; load average at start "
               f"{' '.join(m['loadavg'])}, at end {' '.join(m['loadavg_end'])}")
    if m["foreign_probes_at_start"]:
        out.append(f"WARNING: other tracers' uprobes were present: "
                   f"{m['foreign_probes_at_start']}")
    out.append(f"{rep['reps']} paired samples per row, {n} calls per round; "
               f"added = traced - untraced in the same process, median.")
    if dn:
        out.append(f"\ngetaddrinfo(\"localhost\"), {n} calls per round")
        out.append(cost_table(rep["dnslat"], n))
    if rl:
        out.append(f"\nreadline() fed from memory, {n} lines per round")
        out.append(cost_table(rep["readline"], n))

    g = lambda d, k, f="added_ns": d.get(k, {}).get(f)
    ratios = []
    if dn:
        ratios += [
            ("utrace dnslat / gethostlatency, stdout to a file",
             ratio(g(dn, "utrace-file"), g(dn, "peer-file")), 0.3),
            ("utrace dnslat / gethostlatency, stdout to /dev/null",
             ratio(g(dn, "utrace-null"), g(dn, "peer-null")), 0.3),
            ("utrace dnslat -H / empty uprobe+uretprobe pair",
             ratio(g(dn, "utrace-H"), g(dn, "floor")), 1.5),
            ("utrace dnslat (file) / empty pair",
             ratio(g(dn, "utrace-file"), g(dn, "floor")), None),
            ("gethostlatency (file) / empty pair",
             ratio(g(dn, "peer-file"), g(dn, "floor")), None),
            ("empty pair / gethostlatency (file): the best any uprobe+uretprobe "
             "tracer can score", ratio(g(dn, "floor"), g(dn, "peer-file")), None),
            ("above the pair: (utrace - pair) / (gethostlatency - pair), file",
             above(g(dn, "utrace-file"), g(dn, "peer-file"), g(dn, "floor")), None),
        ]
    if dn.get("cand-file"):
        ratios += [
            ("candidate dnslat / utrace dnslat (file)",
             ratio(g(dn, "cand-file"), g(dn, "utrace-file")), None),
            ("candidate dnslat / gethostlatency (file)",
             ratio(g(dn, "cand-file"), g(dn, "peer-file")), 0.3),
            ("candidate dnslat -H / empty pair",
             ratio(g(dn, "cand-H"), g(dn, "floor")), 1.5),
        ]
    if rl.get("cand-file"):
        ratios += [
            ("candidate readline / utrace readline",
             ratio(g(rl, "cand-file"), g(rl, "utrace-file")), None),
        ]
    if rl:
        ratios += [
            ("utrace readline / bashreadline (both to a file)",
             ratio(g(rl, "utrace-file"), g(rl, "peer-file")), None),
            ("utrace readline / empty uretprobe",
             ratio(g(rl, "utrace-file"), g(rl, "floor")), None),
            ("above the uretprobe: (utrace - empty) / (bashreadline - empty)",
             above(g(rl, "utrace-file"), g(rl, "peer-file"), g(rl, "floor")), None),
        ]
    if ratios:
        out.append("\nRatios of added ns per call")
        out.append(table([[name, fmt(v, "{:.2f}"), "" if t is None else f"<= {t}",
                           "" if t is None or v is None else
                           ("met" if v <= t else "NOT met")]
                          for name, v, t in ratios],
                         ["ratio", "value", "target", ""]))
    if tp:
        out.append("\nEvents per second (utrace dnslat > file, -p every loop)")
        out.append(table([[str(t["loops"]), t["buffer"], f"{t['rate_eps']:.0f}",
                           f"{t['ns_per_call']:.0f}", f"{t['rows']}/{t['calls']}",
                           str(t["lost_reported"]), str(t["rc"]),
                           "yes" if t["accounted"] else "NO"] for t in tp],
                         ["loops", "buffer", "events/s", "ns/call", "rows",
                          "reported lost", "exit code", "rows + lost = calls"]))

    suites = [x for x in (rep["dnslat"], rep["readline"]) if x]
    if suites:
        out.append("\nStart, memory, stop (medians over the samples above)")
        out.append(startup_table(suites))

    # the targets of issue 5
    tg = []
    uf, pf = dn.get("utrace-file"), dn.get("peer-file")
    if dn:
        r = ratio(g(dn, "utrace-file"), g(dn, "peer-file"))
        tg.append(("added cost, table mode <= 0.3x peer", r is not None and r <= 0.3,
                   f"{fmt(r, '{:.2f}')}x ({fmt(g(dn, 'utrace-file'))} vs "
                   f"{fmt(g(dn, 'peer-file'))} ns)"))
        r = ratio(g(dn, "utrace-H"), g(dn, "floor"))
        tg.append(("-H <= 1.5x empty pair", r is not None and r <= 1.5,
                   f"{fmt(r, '{:.2f}')}x ({fmt(g(dn, 'utrace-H'))} vs "
                   f"{fmt(g(dn, 'floor'))} ns)"))
    full = [t for t in tp if t["buffer"].startswith("1M")]
    seen = [x for x in (uf or {}).get("seen", []) if x is not None]
    if full or seen:
        ok = all(t["lost_reported"] == 0 and t["rows"] == t["calls"] for t in full) \
            and all(x == n for x in seen)
        detail = [f"{len(seen)} single-loop samples: all {n} rows"
                  if seen and all(x == n for x in seen) else
                  f"single-loop samples: {seen}"] if seen else []
        detail += [f"{t['loops']} loop(s) at {t['rate_eps']:.0f}/s: "
                   f"{t['rows']}/{t['calls']} rows" for t in full]
        tg.append(("dnslat: no event lost at the loop's full rate", ok,
                   ", ".join(detail)))
    ur = rl.get("utrace-file")
    if ur:
        seen = [x for x in ur["seen"] if x is not None]
        tg.append(("readline: no event lost at the loop's full rate",
                   ur["lost"] == 0 and all(x == n for x in seen),
                   f"{sum(1 for x in seen if x == n)} of {len(seen)} samples whole "
                   f"at {ur['rate_eps']:.0f} lines/s; {ur['lost']} reported lost"))
    small = [t for t in tp if not t["buffer"].startswith("1M")]
    if tp:
        tg.append(("every loss counted and reported",
                   all(t["accounted"] and (t["rc"] == 2) == (t["lost_reported"] > 0)
                       for t in tp),
                   ", ".join(f"--buffer {t['buffer']}: {t['rows']} rows + "
                             f"{t['lost_reported']} reported lost = {t['calls']} calls, "
                             f"exit {t['rc']}" for t in small)))
    for tool, d in (("utrace dnslat", dn), ("utrace readline", rl)):
        u = d.get("utrace-file")
        p = d.get("peer-file")
        if u and p:
            tg.append((f"{tool}: launch->attached no worse than peer",
                       u["attach_ms"] <= p["attach_ms"],
                       f"{u['attach_ms']:.0f} vs {p['attach_ms']:.0f} ms"))
            tg.append((f"{tool}: peak RSS no worse than peer",
                       u["vmhwm_kib"] <= p["vmhwm_kib"],
                       f"{u['vmhwm_kib'] / 1024:.1f} vs {p['vmhwm_kib'] / 1024:.1f} MiB"))
    exits = {}
    for s in list(dn.values()) + list(rl.values()):
        if s["tool"].startswith("utrace") and s["exit_ms"] is not None:
            exits[s["tool"]] = max(exits.get(s["tool"], 0), s["exit_ms"])
    if exits:
        tg.append(("SIGINT->exit < 100 ms",
                   all(e is not None and e < 100 for e in exits.values()),
                   ", ".join(f"{t}: {fmt(e)} ms" for t, e in exits.items())))
    out.append("\nTargets (issue 5)")
    out.append(table([[t, "met" if ok else "NOT met", d] for t, ok, d in tg],
                     ["target", "", "measured"]))
    out.append(f"\n({rep['elapsed_s']:.0f} s)")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
