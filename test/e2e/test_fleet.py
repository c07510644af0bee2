#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Fleet use, for every tool: -C (the container of each row), --in-container
(one container only), --metrics and --metrics-file (Prometheus).

    test_fleet.py CASE

Containers are cgroups named as Docker, containerd, CRI-O and Podman name
theirs (cgroups.py), made below a private directory of the cgroup v2
hierarchy and removed at the end; the test's processes join one before
they exec, as a container's do. Lookups run in dnsns.py's private mount
namespace and ask only for "localhost" (its /etc/hosts): no resolver is
ever asked. Servers (utrace's, Prometheus) bind 127.0.0.1 only.

Environment: UTRACE, DNSLAT_LOOKUP (test/e2e/dnslat/lookup.c built),
PROMTOOL and PROMETHEUS (default: found on PATH; Debian: prometheus).
"""
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from utrace_test import (UTRACE, Tracer, check, fail, json_lines,  # noqa: E402
                         run_case)
import cgroups  # noqa: E402
import dnsns  # noqa: E402
from shell import PROMPT, PtyProgram  # noqa: E402

LOOKUP = os.environ.get("DNSLAT_LOOKUP") or os.path.join(
    os.environ.get("UTRACE_BUILD", "build"), "test", "e2e", "dnslat", "lookup")
PROMTOOL = os.environ.get("PROMTOOL") or shutil.which("promtool")
PROMETHEUS = os.environ.get("PROMETHEUS") or shutil.which("prometheus")

HIST = "utrace_dns_lookup_duration_seconds"
# ESC, a bidi override and a byte that is no UTF-8, in a cgroup's name
HOSTILE = "utrace-test.slice/evil\x1b[31m\u202e\udcff.scope"


# ---- processes in cgroups ----------------------------------------------------

class CgShell(PtyProgram):
    """An interactive bash (as shell.Shell) that starts inside a cgroup."""

    LINE_TIMEOUT = 20

    def __init__(self, cgdir, bash="/bin/bash"):
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "PS1": PROMPT.decode(), "HISTFILE": "/dev/null"}
        argv = [bash, "--norc", "--noprofile", "-i"]
        if cgdir:
            argv = cgroups.enter(cgdir, argv)
        super().__init__(argv, PROMPT, env, quit=b"exit\r")
        self.wait_prompt(1)


class Lookup:
    """`lookup getaddrinfo localhost N` in the DNS namespace, in a cgroup."""

    def __init__(self, lab, cgdir, repeat=1, wait=False, func="getaddrinfo", name="localhost"):
        argv = [LOOKUP] + (["-w"] if wait else []) + [func, name, str(repeat)]
        self.name = name
        argv = dnsns.argv(lab.etc, argv)
        if cgdir:
            argv = cgroups.enter(cgdir, argv)
        self.repeat = repeat
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE if wait else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pid = self.proc.pid
        lab.procs.append(self.proc)
        if wait:
            line = self.proc.stdout.readline()
            check(line == b"ready\n", "lookup %d not ready: %r %r" %
                  (self.pid, line, self.proc.stderr.read() if self.proc.poll() is not None else b""))

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def finish(self):
        try:
            out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("lookup %d did not finish" % self.pid)
        check(self.proc.returncode == 0, "lookup %d exited %d: %r" %
              (self.pid, self.proc.returncode, err))
        self.results = [line.rsplit(b" ", 1)[1].decode() for line in out.splitlines()]
        check(len(self.results) == self.repeat and
              (self.name != "localhost" or set(self.results) == {"ok"}),
              "lookup %d printed %r" % (self.pid, out))
        return self


class Lab:
    """Cgroups, tracers, shells, lookups and servers; close() ends them all,
    by their own PIDs, then removes every cgroup."""

    def __init__(self, case):
        self.tmp = tempfile.mkdtemp(prefix="utrace-fleet-%s-" % case)
        self.etc = dnsns.make_etc(os.path.join(self.tmp, "etc"))
        mount = cgroups.cgroup2_mount()
        check(mount is not None, "no cgroup v2 hierarchy in /proc/self/mountinfo")
        self.cg = cgroups.Cgroups(mount)
        self.v1 = []
        self.procs, self.tracers, self.shells = [], [], []
        check(os.access(LOOKUP, os.X_OK), "no lookup helper at %s (DNSLAT_LOOKUP)" % LOOKUP)

    def tracer(self, args, name=None):
        name = name or "out%d" % len(self.tracers)
        t = Tracer(args, os.path.join(self.tmp, name))
        self.tracers.append(t)
        return t

    def shell(self, cgdir, bash="/bin/bash"):
        sh = CgShell(cgdir, bash)
        self.shells.append(sh)
        return sh

    def lookup(self, cgdir, *args, **kw):
        return Lookup(self, cgdir, *args, **kw)

    def close(self):
        for t in self.tracers:
            t.kill()
        for sh in self.shells:
            try:
                sh.close()
            except Exception as e:      # noqa: BLE001 - cleanup goes on
                print("cleanup: %s" % e, file=sys.stderr)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        for c in [self.cg] + self.v1:
            c.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def stop(tracer):
    rc, out = tracer.stop()
    check(rc == 0, "utrace exited %d: %s" % (rc, tracer.stderr_text()))
    return out


def wait_stderr(tracer, pattern, timeout=20):
    """Wait for @pattern (a regex) in the tracer's stderr (-v messages)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if re.search(pattern, tracer.stderr_text(), re.M):
            return
        if tracer.proc.poll() is not None:
            break
        time.sleep(0.05)
    fail("no %r from utrace within %ds: %s" % (pattern, timeout, tracer.stderr_text()[-2000:]))


LIBC_PROBED = r"attached lookup(?:_enter| \(entry and return\)) at \d+ offsets of \S*libc\.so\.6"


# ---- the runtimes' containers ------------------------------------------------

def containers(lab):
    """{name: (dir, cgroup path, full id or None, what -C shows)}: a
    container of each runtime, Podman's "container" sub-cgroup, a monitor
    and a slice that are no container, and the root."""
    made = {}
    for name, rel in cgroups.runtime_paths(cgroups.new_id()).items():
        cid = re.search(r"[0-9a-f]{64}", rel).group(0)
        d, path = lab.cg.make(rel)
        made[name] = (d, path, cid, cid[:12])
    cid = made["podman"][2]
    d, path = lab.cg.make(os.path.relpath(made["podman"][0], lab.cg.root) + "/container")
    made["podman-inner"] = (d, path, cid, cid[:12])
    for name, rel in (("conmon", "machine.slice/libpod-conmon-%s.scope" % cid),
                      ("slice", "utrace-test.slice/session-1.scope")):
        d, path = lab.cg.make(rel)
        made[name] = (d, path, None, path)
    made["root"] = (None, "/", None, "-")
    return made


def cgroup_id(d):
    return os.stat(d).st_ino if d else 1


def check_json_container(r, where, what):
    d, path, cid, _ = where
    check(r.get("cgroup") == path, "%s: cgroup %r, want %r" % (what, r.get("cgroup"), path))
    check(r.get("container") == cid, "%s: container %r, want %r" % (what, r.get("container"), cid))
    check(r.get("cgroup_id") == cgroup_id(d), "%s: cgroup_id %r, want %d" %
          (what, r.get("cgroup_id"), cgroup_id(d)))


def table_rows(out, header):
    lines = out.decode().split("\n")
    check(lines[-1] == "", "no final newline")
    check(lines[0] == header, "header %r, want %r" % (lines[0], header))
    return [l.split(None, 3) for l in lines[1:-1]]


def case_container_readline(lab):
    """-C: each shell's row names its container (short id), its cgroup
    path when it is in none, "-" in the root; in JSON, the path, the full
    id and the cgroup id."""
    where = containers(lab)
    shells = {name: lab.shell(w[0]) for name, w in where.items()}
    table = lab.tracer(["readline", "-C"])
    js = lab.tracer(["readline", "-C", "-j"])
    plain = lab.tracer(["readline", "-j"])
    for name, sh in shells.items():
        sh.type_line(b"echo in-" + name.encode())
    out_t, out_j, out_p = stop(table), stop(js), stop(plain)

    rows = table_rows(out_t, "TIME      PID     CONTAINER    COMMAND")
    for name, sh in shells.items():
        mine = [r for r in rows if r[1] == str(sh.pid)]
        check(len(mine) == 1, "%s: table rows %r" % (name, mine))
        check(mine[0][2] == where[name][3], "%s: CONTAINER %r, want %r" %
              (name, mine[0][2], where[name][3]))
        check(mine[0][3] == "echo in-" + name, "%s: COMMAND %r" % (name, mine[0][3]))
    rows = json_lines(out_j)
    for name, sh in shells.items():
        mine = [r for r in rows if r["pid"] == sh.pid]
        check(len(mine) == 1, "%s: JSON rows %r" % (name, mine))
        check_json_container(mine[0], where[name], name)
    # a cgroup named to attack the operator's terminal: escaped, and exact
    # in JSON's cgroup_base64
    d, path = lab.cg.make(HOSTILE)
    raw = path.encode("utf-8", "surrogateescape")
    sh = lab.shell(d)
    table = lab.tracer(["readline", "-C"])
    js = lab.tracer(["readline", "-C", "-j"])
    sh.type_line(b"echo hostile")
    out_t, out_j = stop(table), stop(js)
    check(b"\x1b" not in out_t and b"\xe2\x80\xae" not in out_t, "raw bytes in %r" % out_t)
    mine = [r for r in table_rows(out_t, "TIME      PID     CONTAINER    COMMAND")
            if r[1] == str(sh.pid)]
    want = path.replace("\x1b", "\\x1b").replace("\u202e", "\\u{202e}")
    want = want.replace("\udcff", "\\xff")
    check(len(mine) == 1 and mine[0][2] == want, "hostile CONTAINER %r, want %r" %
          (mine, want))
    mine = [r for r in json_lines(out_j) if r["pid"] == sh.pid]
    check(len(mine) == 1 and mine[0]["container"] is None and
          base64.b64decode(mine[0]["cgroup_base64"]) == raw,
          "hostile JSON row %r" % mine)
    # without -C, none of it
    for r in json_lines(out_p):
        check(not {"cgroup", "container", "cgroup_id"} & set(r), "keys without -C: %r" % r)


def case_container_dnslat(lab):
    """-C for dnslat rows, in cgroups made after utrace started (the cache
    walks the hierarchy again for an id it has not seen)."""
    table = lab.tracer(["dnslat", "-C"])
    js = lab.tracer(["dnslat", "-C", "-j"])
    where = containers(lab)
    lookups = {name: lab.lookup(w[0]).finish() for name, w in where.items()}
    out_t, out_j = stop(table), stop(js)

    rows = table_rows(out_t, "TIME     PID     CONTAINER    COMM             LATms      HOST")
    for name, lk in lookups.items():
        mine = [r for r in rows if r[1] == str(lk.pid)]
        check(len(mine) == 1, "%s: table rows %r" % (name, mine))
        check(mine[0][2] == where[name][3], "%s: CONTAINER %r, want %r" %
              (name, mine[0][2], where[name][3]))
        check(mine[0][3].split()[0] == "lookup", "%s: row %r" % (name, mine[0]))
    rows = json_lines(out_j)
    for name, lk in lookups.items():
        mine = [r for r in rows if r["pid"] == lk.pid]
        check(len(mine) == 1, "%s: JSON rows %r" % (name, mine))
        check_json_container(mine[0], where[name], name)
        check(mine[0]["host"] == "localhost" and mine[0]["result"] == "ok", "row %r" % mine[0])


def case_container_gone(lab):
    """A row read after its process exited and its container's cgroup was
    removed still names the container: the id was taken in BPF, and the
    cache kept the path."""
    cid = cgroups.new_id()
    d, path = lab.cg.make("system.slice/docker-%s.scope" % cid)
    inode = os.stat(d).st_ino
    t = lab.tracer(["dnslat", "-C", "-j"])
    os.kill(t.proc.pid, signal.SIGSTOP)     # reads nothing meanwhile
    try:
        lk = lab.lookup(d).finish()
        lab.cg.remove(d)
        check(not os.path.exists(d), "cgroup still there")
    finally:
        os.kill(t.proc.pid, signal.SIGCONT)
    rows = [r for r in json_lines(stop(t)) if r["pid"] == lk.pid]
    check(len(rows) == 1, "rows %r" % rows)
    check(rows[0]["container"] == cid and rows[0]["cgroup"] == path and
          rows[0]["cgroup_id"] == inode, "gone container's row: %r" % rows[0])


def case_container_v1(lab):
    """A process whose cgroup v2 is the root but whose v1 cgroup is a
    container's (a hybrid host whose runtime uses v1): -C names it from
    /proc/PID/cgroup."""
    mount = cgroups.cgroup1_mount("pids")
    if not mount:
        print("SKIP: no cgroup v1 pids hierarchy here (not a hybrid host)")
        sys.exit(77)
    v1 = cgroups.Cgroups(mount)
    lab.v1.append(v1)
    cid = cgroups.new_id()
    d, path = v1.make("docker/%s" % cid)
    sh = lab.shell(d)
    with open("/proc/%d/cgroup" % sh.pid) as f:
        check("0::/\n" in f.read(), "the shell's v2 cgroup is not the root")
    t = lab.tracer(["readline", "-C", "-j"])
    sh.type_line(b"echo from-v1")
    rows = [r for r in json_lines(stop(t)) if r["pid"] == sh.pid]
    check(len(rows) == 1, "rows %r" % rows)
    check(rows[0]["container"] == cid and rows[0]["cgroup"] == path,
          "v1 container's row: %r" % rows[0])


# ---- --in-container --------------------------------------------------------------

def case_in_container_dnslat(lab):
    """--in-container: lookups of that container (its own cgroup and one
    below it) only, filtered in BPF, in rows and in histograms."""
    cid, other = cgroups.new_id(), cgroups.new_id()
    inside, _ = lab.cg.make("system.slice/docker-%s.scope" % cid)
    below, _ = lab.cg.make("system.slice/docker-%s.scope/init" % cid)
    elsewhere, _ = lab.cg.make("system.slice/docker-%s.scope" % other)
    # processes that are waiting already, and were looked at by nobody yet
    waiting = [lab.lookup(d, 2, wait=True) for d in (inside, below, elsewhere, None)]
    rows = lab.tracer(["dnslat", "-j", "-v", "--in-container", cid[:10]])
    hist = lab.tracer(["dnslat", "-H", "-j", "--in-container", cid.upper()])
    wait_stderr(rows, LIBC_PROBED)
    for lk in waiting:
        lk.go()
    for lk in waiting:
        lk.finish()
    # and new ones
    later = [lab.lookup(d, 3, wait=True) for d in (inside, below, elsewhere, None)]
    for lk in later:
        lk.go()
        lk.finish()
    got = json_lines(stop(rows))
    want = [lk.pid for lk in waiting[:2] + later[:2]]
    for pid in want:
        n = len([r for r in got if r["pid"] == pid])
        check(n == (2 if pid in (waiting[0].pid, waiting[1].pid) else 3),
              "%d rows of %d, in the container: %r" % (n, pid, got))
    check(all(r["pid"] in want for r in got), "rows from outside: %r" %
          [r for r in got if r["pid"] not in want])
    h = [r for r in json_lines(stop(hist)) if r["function"] == "getaddrinfo"]
    check(len(h) == 1 and sum(b["count"] for b in h[0]["buckets"]) == 10,
          "histogram of the container's 10 lookups: %r" % h)


def case_in_container_readline(lab):
    """--in-container and discovery: only the container's processes are
    looked at (a bash copy used outside it is never probed, one used inside
    is, also by a shell that starts later); a shell outside using the same
    file is filtered in BPF; the tracer ends once the container is gone."""
    cid, other = cgroups.new_id(), cgroups.new_id()
    inside, _ = lab.cg.make("machine.slice/libpod-%s.scope" % cid)
    inner, _ = lab.cg.make("machine.slice/libpod-%s.scope/container" % cid)
    elsewhere, _ = lab.cg.make("machine.slice/libpod-%s.scope" % other)
    bash = {}
    for name in ("in", "late", "out"):
        bash[name] = os.path.join(lab.tmp, "bash-" + name)
        shutil.copy2("/bin/bash", bash[name])
    sh_in = lab.shell(inside, bash["in"])
    sh_out = lab.shell(elsewhere, bash["out"])
    sh_same = lab.shell(elsewhere, bash["in"])  # outside, on a probed file
    t = lab.tracer(["readline", "-j", "-v", "-C", "--in-container", cid[:12]])
    control = lab.tracer(["readline", "-j", "-v"])
    wait_stderr(t, "of %s$" % re.escape(bash["in"]))
    wait_stderr(control, "of %s$" % re.escape(bash["out"]))
    sh_late = lab.shell(inner, bash["late"])
    wait_stderr(t, "of %s$" % re.escape(bash["late"]))
    for sh, line in ((sh_in, b"echo in"), (sh_out, b"echo out"),
                     (sh_same, b"echo same-file-outside"), (sh_late, b"echo late")):
        sh.type_line(line)
    check(not re.search("of %s$" % re.escape(bash["out"]), t.stderr_text(), re.M),
          "a bash used outside the container was probed: %s" % t.stderr_text())
    # the container goes away: the tracer ends by itself, exit 0
    for sh in (sh_in, sh_late):
        sh.close()
        lab.shells.remove(sh)
    lab.cg.remove(inside)
    rc, out = t.wait(10)
    check(rc == 0, "rc %d once the container was gone: %s" % (rc, t.stderr_text()))
    got = [(r["pid"], r["command"], r["container"]) for r in json_lines(out)]
    # close() typed "exit" in each
    check(got == [(sh_in.pid, "echo in", cid), (sh_late.pid, "echo late", cid),
                  (sh_in.pid, "exit", cid), (sh_late.pid, "exit", cid)],
          "rows %r" % got)
    stop(control)


def case_in_container_errors(lab):
    """No such container, or a prefix of several: exit 1, saying so; -p of
    a process outside it: exit 1."""
    a = "abcd" + cgroups.new_id()[4:]
    b = "abcd" + cgroups.new_id()[4:]
    d, _ = lab.cg.make("docker/%s" % a)
    lab.cg.make("docker/%s" % b)
    sh = lab.shell(None)
    for args, rc_want, words in (
            (["--in-container", "abcd"], 1, "several"),
            (["--in-container", cgroups.new_id()], 1, "no running container"),
            (["--in-container", a[:8], "-p", str(sh.pid)], 1, "not in container"),
            (["--in-container", "xyz"], 64, "xyz")):
        p = subprocess.run([UTRACE, "readline"] + args, capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        check(p.returncode == rc_want and words in p.stderr and
              p.stderr.startswith("utrace readline: ") and not p.stdout,
              "%s: rc %d, %r" % (args, p.returncode, p.stderr))


# ---- metrics -----------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def promtool(page, what):
    """promtool check metrics accepts @page: no error, no lint."""
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=page,
                       capture_output=True, timeout=30)
    check(p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
          "promtool check metrics on %s: rc %d %r %r\n%s" %
          (what, p.returncode, p.stdout, p.stderr, page.decode()[:3000]))


def scrape(port, path="/metrics"):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        check(r.status == 200, "status %d" % r.status)
        ctype = r.headers.get("Content-Type", "")
        check(ctype.startswith("text/plain") and "version=0.0.4" in ctype,
              "Content-Type %r" % ctype)
        page = r.read()
    promtool(page, "the scrape of :%d%s" % (port, path))
    return page


LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(page):
    """{(name, frozenset of (label, value)): value} of a text-format page."""
    out = {}
    for line in page.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        check(m is not None, "sample line %r" % line)
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        key = (m.group(1), labels)
        check(key not in out, "sample twice: %r" % line)
        out[key] = float(m.group(4))
    return out


def value(smp, name, **labels):
    return smp.get((name, frozenset(labels.items())))


def case_metrics(lab):
    """--metrics: utrace_events_total per function, result and (-C)
    container for rows; the histogram per function and container for -H;
    lost events; every scrape passes promtool; GET /metrics only."""
    c1, c2 = cgroups.new_id(), cgroups.new_id()
    d1, _ = lab.cg.make("system.slice/docker-%s.scope" % c1)
    d1b, _ = lab.cg.make("system.slice/docker-%s.scope/sub" % c1)
    d2, _ = lab.cg.make("kubepods.slice/cri-containerd-%s.scope" % c2)
    ports = free_port(), free_port(), free_port()
    rows = lab.tracer(["dnslat", "-C", "--metrics", "127.0.0.1:%d" % ports[0]])
    hist = lab.tracer(["dnslat", "-H", "-C", "--metrics", ":%d" % ports[1]])
    plain = lab.tracer(["readline", "--metrics", str(ports[2])])
    # before anything happened: valid pages, no lost events
    for p in ports:
        smp = samples(scrape(p))
        check(any(k[0] == "utrace_events_lost_total" and v == 0 for k, v in smp.items()),
              "no utrace_events_lost_total 0 on :%d" % p)
    sh = lab.shell(None)
    for d, n in ((d1, 4), (d1b, 2), (d2, 3)):
        lab.lookup(d, n).finish()
    lab.lookup(d1, 1, func="gethostbyname").finish()
    # a failure (no DNS server listens in the lookup's namespace): its own
    # result label, the one the lookup itself saw
    failed = lab.lookup(d2, 1, name="nx.utrace.test").finish().results[0]
    check(failed != "ok", "test bug: the lookup of nx.utrace.test succeeded")
    sh.type_line(b"echo metric")

    smp = samples(scrape(ports[0]))
    for cont, n in ((c1[:12], 6), (c2[:12], 3)):
        got = value(smp, "utrace_events_total", tool="dnslat", function="getaddrinfo",
                    result="ok", container=cont)
        check(got == n, "rows of %s: %r, want %d" % (cont, got, n))
    check(value(smp, "utrace_events_total", tool="dnslat", function="gethostbyname",
                result="ok", container=c1[:12]) == 1, "gethostbyname row")
    smp = samples(scrape(ports[1]))
    for cont, n in ((c1[:12], 6), (c2[:12], 3)):
        got = value(smp, HIST + "_count", function="getaddrinfo", result="ok", container=cont)
        check(got == n, "-H count of %s: %r, want %d" % (cont, got, n))
        check(value(smp, HIST + "_bucket", function="getaddrinfo", result="ok", container=cont,
                    le="+Inf") == n, "+Inf bucket of %s" % cont)
        check(value(smp, HIST + "_sum", function="getaddrinfo", result="ok", container=cont) > 0,
              "sum of %s" % cont)
    check(value(smp, HIST + "_count", function="gethostbyname", result="ok", container=c1[:12]) == 1,
          "gethostbyname histogram")
    check(value(smp, HIST + "_count", function="getaddrinfo", result=failed,
                container=c2[:12]) == 1, "-H histogram of the failed lookup (%s)" % failed)
    # no PID, host name or typed text anywhere in a label
    for p in ports:
        for (name, labels), _ in samples(scrape(p)).items():
            for k, v in labels:
                check(k in ("tool", "function", "result", "container", "le"),
                      "label %s=%r of %s" % (k, v, name))
    smp = samples(scrape(ports[2]))
    check(value(smp, "utrace_events_total", tool="readline") >= 1, "readline rows")
    check(value(smp, "utrace_probes", tool="readline") >= 1, "readline probes")
    # GET /metrics only
    for path, method, status in (("/other", "GET", 404), ("/metrics", "POST", 405)):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (ports[0], path),
                                     method=method, data=b"" if method == "POST" else None)
        try:
            urllib.request.urlopen(req, timeout=10)
            fail("%s %s answered 200" % (method, path))
        except urllib.error.HTTPError as e:
            check(e.code == status, "%s %s: %d, want %d" % (method, path, e.code, status))
    for t in (rows, hist, plain):
        stop(t)


def prom_query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=10) as r:
        doc = json.load(r)
    check(doc.get("status") == "success", "query %r: %r" % (q, doc))
    return doc["data"]["result"]


def wait_query(port, q, want, timeout=60):
    """Poll Prometheus until @q has one series of value @want."""
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        got = prom_query(port, q)
        if len(got) == 1 and float(got[0]["value"][1]) == want:
            return
        time.sleep(0.5)
    fail("Prometheus: %s = %r, want %r" % (q, got, want))


def wait_ready(prom, port, log, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        check(prom.poll() is None, "prometheus exited %r: %s" %
              (prom.returncode, open(log, errors="replace").read()[-2000:]))
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    fail("prometheus not ready within %ds" % timeout)


def case_prometheus(lab):
    """A real Prometheus scrapes two utrace processes (rows with -C, -H
    with -C) and has the counts of the lookups made in each container."""
    check(PROMETHEUS, "no prometheus (Debian package prometheus)")
    cid = cgroups.new_id()
    d, _ = lab.cg.make("system.slice/docker-%s.scope" % cid)
    rows_port, hist_port, prom_port = free_port(), free_port(), free_port()
    rows = lab.tracer(["dnslat", "-C", "--metrics", "127.0.0.1:%d" % rows_port])
    hist = lab.tracer(["dnslat", "-H", "-C", "--metrics", "127.0.0.1:%d" % hist_port])
    cfg = os.path.join(lab.tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n"
                "  - job_name: rows\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n"
                "  - job_name: hist\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % (rows_port, hist_port))
    log = open(os.path.join(lab.tmp, "prometheus.log"), "wb")
    prom = subprocess.Popen(
        [PROMETHEUS, "--config.file=" + cfg,
         "--storage.tsdb.path=" + os.path.join(lab.tmp, "tsdb"),
         "--web.listen-address=127.0.0.1:%d" % prom_port, "--log.level=warn"],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=lab.tmp)
    lab.procs.append(prom)
    wait_ready(prom, prom_port, os.path.join(lab.tmp, "prometheus.log"))
    wait_query(prom_port, 'up{job="rows"}', 1)
    wait_query(prom_port, 'up{job="hist"}', 1)
    n = 7
    lab.lookup(d, n).finish()
    wait_query(prom_port, 'utrace_events_total{job="rows",tool="dnslat",function="getaddrinfo",'
               'result="ok",container="%s"}' % cid[:12], n)
    wait_query(prom_port, '%s_count{job="hist",function="getaddrinfo",result="ok",container="%s"}' %
               (HIST, cid[:12]), n)
    wait_query(prom_port, 'sum(utrace_events_lost_total)', 0)
    prom.send_signal(signal.SIGTERM)
    prom.wait(30)
    for t in (rows, hist):
        stop(t)


def case_textfile(lab):
    """--metrics-file: replaced whole every -i interval and at the end; a
    reader never sees half a page, and no temporary file stays behind."""
    cid = cgroups.new_id()
    d, _ = lab.cg.make("docker/%s" % cid)
    outdir = os.path.join(lab.tmp, "textfile")
    os.mkdir(outdir)
    path = os.path.join(outdir, "utrace_dnslat.prom")
    t = lab.tracer(["dnslat", "-H", "-C", "-i", "0.1", "--metrics-file", path])
    check(os.path.exists(path), "no file once tracing")
    pages, stop_reading = set(), threading.Event()

    def reader():
        while not stop_reading.is_set():
            with open(path, "rb") as f:
                pages.add(f.read())

    th = threading.Thread(target=reader)
    th.start()
    try:
        for _ in range(6):
            lab.lookup(d, 3).finish()
            time.sleep(0.15)
    finally:
        stop_reading.set()
        th.join()
    counts = set()
    for page in pages:
        check(page.endswith(b"\n") and b'utrace_probes{tool="dnslat"}' in page,
              "a partial page: %r" % page[-200:])
        smp = samples(page)
        counts.add(value(smp, HIST + "_count", function="getaddrinfo", result="ok", container=cid[:12]))
    check(len(counts) >= 3, "the file changed %d times while lookups ran: %r" %
          (len(counts), counts))
    for page in sorted(pages)[:40]:
        promtool(page, "a --metrics-file page")
    stop(t)
    with open(path, "rb") as f:
        final = f.read()
    promtool(final, "the last page")
    check(value(samples(final), HIST + "_count", function="getaddrinfo", result="ok",
                container=cid[:12]) == 18, "last page's count")
    check(os.listdir(outdir) == ["utrace_dnslat.prom"], "left in the directory: %r" %
          os.listdir(outdir))
    check(os.stat(path).st_mode & 0o777 == 0o644, "mode %o" % os.stat(path).st_mode)


def case_metrics_errors(lab):
    """A bad address is a usage error (64); a port in use, or a file that
    cannot be written, a runtime error (1): each said in one line."""
    for bad in ("nonsense", "localhost:9100", "1.2.3:80", "127.0.0.1:65536",
                "[::1", "::1:9100", "127.0.0.1:", ""):
        p = subprocess.run([UTRACE, "dnslat", "--metrics", bad], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        check(p.returncode == 64 and p.stderr.startswith("utrace dnslat: invalid --metrics"),
              "--metrics %r: rc %d %r" % (bad, p.returncode, p.stderr))
    port = free_port()
    first = lab.tracer(["readline", "--metrics", "127.0.0.1:%d" % port])
    for tool in ("readline", "dnslat"):
        p = subprocess.run([UTRACE, tool, "--metrics", "127.0.0.1:%d" % port],
                           capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        check(p.returncode == 1 and "already in use" in p.stderr and
              p.stderr.count("\n") == 1, "second utrace on :%d: rc %d %r" %
              (port, p.returncode, p.stderr))
    scrape(port)        # the first one still serves
    stop(first)
    p = subprocess.run([UTRACE, "readline", "--metrics-file",
                        os.path.join(lab.tmp, "no", "such", "dir", "x.prom")],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    check(p.returncode == 1 and "--metrics-file" in p.stderr and "No such file" in p.stderr,
          "unwritable --metrics-file: rc %d %r" % (p.returncode, p.stderr))


def case_metrics_funclat(lab):
    """funclat's histograms as utrace_function_duration_seconds{function},
    and with -C the container, for a known number of calls."""
    c1 = cgroups.new_id()
    d1, _ = lab.cg.make("system.slice/docker-%s.scope" % c1)
    port = free_port()
    lab.tracer(["funclat", "-C", "--metrics", str(port), "c:getppid", "c:getpgrp"])
    n = 9
    p = subprocess.run(cgroups.enter(d1, [sys.executable, "-c",
                                          "import os\nfor i in range(%d): os.getppid()\n"
                                          "os.getpgrp()\n" % n]),
                       capture_output=True, timeout=30)
    check(p.returncode == 0, "the calling python failed: %r" % p.stderr)
    time.sleep(0.3)
    smp = samples(scrape(port))
    name = "utrace_function_duration_seconds"
    for func, want in (("getppid", n), ("getpgrp", 1)):
        got = value(smp, name + "_count", function=func, container=c1[:12])
        check(got == want, "%s_count{function=%s}: %r, want %d" % (name, func, got, want))
        check(value(smp, name + "_bucket", function=func, container=c1[:12], le="+Inf") == want,
              "+Inf bucket of %s" % func)
    print("ok: funclat metrics: %s per function and container" % name)


CASES = {n[5:].replace("_", "-"): f for n, f in globals().items() if n.startswith("case_")}


def setup(name):
    if name in ("metrics", "prometheus", "textfile", "metrics-errors"):
        check(PROMTOOL, "no promtool (Debian package prometheus)")
    return Lab(name)


run_case(CASES, setup)
