#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""utrace dnslat against Go programs that resolve names themselves.

    test_dnslat_go.py CASE

    CASE: go-builds go-cgo go-grow go-pid go-discover go-options go-errors
          go-version

The programs are lookup_go/ built every way a Go program may be (meson
builds them when the tests run: cgo or not, PIE or not, stripped or not;
DNSLAT_GO lists them). Like test_dnslat.py, every lookup runs in a private
mount namespace whose resolv.conf names the test's own DNS responder on
127.0.0.1 (dnsns.py): never the machine's resolver.

Each lookup_go prints, per lookup, what utrace dnslat must report for it
(the result, the DNSError's fields); each case checks that every lookup
has exactly its row (PID, COMM, FUNC, HOST, LATms within tolerance of the
responder's delay, RESULT, error, server), that nothing else of the
process has one (no duplicate, no IP literal the resolver dials), and
that the traced program behaves exactly as untraced.
"""
import collections
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import utrace_test  # noqa: E402
from utrace_test import Tracer, check, fail, json_lines, run_case  # noqa: E402
import hardening_util as hu  # noqa: E402
import dnsns  # noqa: E402
import test_dnslat as td  # noqa: E402
from test_dnslat import (DNS_MAX_MS, DNS_MIN_MS, FAST_MAX_MS, Lab,  # noqa: E402
                         rows_of, stop_json, unix_time)

GO_BINS = {os.path.basename(p): p for p in os.environ.get("DNSLAT_GO", "").split(":") if p}

# what each OP of lookup_go calls, as FUNC shows it
FUNC = {"ipaddr": "go:lookupIPAddr", "dial": "go:lookupIPAddr", "host": "go:lookupHost",
        "addr": "go:lookupAddr", "clibc": "getaddrinfo"}
DNSERROR_KINDS = ("NOT_FOUND", "TIMEOUT", "TEMPORARY", "DNS_ERROR")


def go_bins(*names):
    """Paths of the Go test programs (all, or those named); skip without Go."""
    if not GO_BINS:
        print("SKIP: no Go test programs (Debian: golang-go)")
        sys.exit(utrace_test.SKIP)
    for n in names:
        check(n in GO_BINS, "no Go test program %s in DNSLAT_GO" % n)
    return [GO_BINS[n] for n in names] if names else [GO_BINS[n] for n in sorted(GO_BINS)]


def is_literal(name):
    for fam in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(fam, name.split("%")[0] if fam == socket.AF_INET6 else name)
            return True
        except OSError:
            pass
    return False


class GoRun:
    """One lookup_go process in the DNS namespace of @etc."""

    def __init__(self, lab, binary, pairs, wait=False, env=None, opts=(), etc=None,
                 hold=False):
        self.binary, self.pairs = binary, list(pairs)
        self.comm = os.path.basename(binary)[:15]
        args = [binary] + (["-w"] if wait else []) + (["-hold"] if hold else [])
        args += list(opts) + [x for pair in pairs for x in pair]
        self.t0 = time.time()
        self.proc = subprocess.Popen(dnsns.argv(etc or lab.etc, args),
                                     stdin=subprocess.PIPE if wait or hold else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.pid = self.proc.pid
        lab.procs.append(self.proc)
        self.results, self.out, self.err = [], b"", b""
        if wait:
            check(self._line() == b"ready\n", "%s %d not ready: %r" %
                  (self.comm, self.pid, self._stderr_if_dead()))

    def _stderr_if_dead(self):
        return self.proc.stderr.read() if self.proc.poll() is not None else b""

    def _line(self, timeout=30):
        fd = self.proc.stdout.fileno()
        got = b""
        deadline = time.time() + timeout
        while not got.endswith(b"\n") and time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                c = os.read(fd, 1)
                if not c:
                    break
                got += c
        return got

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def wait_done(self, timeout=60):
        """With hold: the results, printed before "done"."""
        lines = []
        while True:
            line = self._line(timeout)
            check(line, "%s %d: no \"done\": %r" % (self.comm, self.pid, self._stderr_if_dead()))
            if line == b"done\n":
                break
            lines.append(line)
        self.out = b"".join(lines)
        self.results = [json.loads(x) for x in lines]

    def finish(self, timeout=90):
        try:
            out, err = self.proc.communicate(b"end\n" if self.proc.stdin else None, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("%s %d did not finish within %ds" % (self.comm, self.pid, timeout))
        self.t1 = time.time()
        self.err = err
        check(self.proc.returncode == 0, "%s exited %d (untraced it does not): %r" %
              (self.comm, self.proc.returncode, err[-500:]))
        if not self.results:
            self.out = out
            self.results = [json.loads(x) for x in out.splitlines()]
        return self


def untraced(lab, binary, pairs, opts=(), env=None):
    """The output of the same run with no tracer anywhere near it."""
    r = subprocess.run(dnsns.argv(lab.etc, [binary] + list(opts) +
                                  [x for p in pairs for x in p]),
                       capture_output=True, timeout=120, env=env)
    check(r.returncode == 0, "%s untraced exited %d: %r" % (binary, r.returncode, r.stderr))
    return r.stdout


def latency_kind(res):
    """True: the responder's delay; False: fast (/etc/hosts); None: unknown."""
    if res["name"] == "localhost":
        return False
    if res["op"] == "addr" or res["name"].endswith(".utrace.test"):
        return True
    return None


def want_rows(run, cgo):
    """(function, host, result, error, server) of each row @run must have."""
    want = []
    for res in run.results:
        if res["op"] in ("ipaddr", "host", "dial") and is_literal(res["name"]):
            continue            # answered without a lookup: no row
        if res["op"] == "clibc" and not cgo:
            continue            # built without cgo: no C, no libc call
        dns = res["result"] in DNSERROR_KINDS
        if res["op"] == "clibc":
            result = "ok" if res["result"] == "ok" else None
            want.append(("getaddrinfo", res["name"], result, None, None, latency_kind(res)))
            continue
        want.append((FUNC[res["op"]], res["name"], res["result"],
                     res["err"] if dns and res["err"] else None,
                     res["server"] if dns and res["server"] else None, latency_kind(res)))
    return want


def check_rows(rows, run, cgo, what):
    """Exactly the rows @run's lookups call for, each as it should be."""
    mine = rows_of(rows, run.pid)
    want = want_rows(run, cgo)
    got = collections.Counter((r["function"], r["host"], r["result"], r["error"], r["server"])
                              for r in mine)
    exp = collections.Counter(w[:2] + (w[2] if w[2] else None,) + w[3:5] for w in want)
    # a failing clibc lookup: any EAI_ name
    for key in list(exp):
        if key[0] == "getaddrinfo" and key[2] is None:
            match = [k for k in got if k[:2] == key[:2] and k[2].startswith("EAI_")]
            if match:
                exp[match[0]] += exp.pop(key)
    check(got == exp, "%s: %s (pid %d) rows differ from its lookups:\n  missing %r\n  extra %r" %
          (what, run.comm, run.pid, dict(exp - got), dict(got - exp)))
    kinds = {}
    for w in want:
        kinds.setdefault((w[0], w[1]), w[5])
    for r in mine:
        desc = "%s: %s %r" % (what, run.comm, r)
        check(r["comm"] == run.comm and r["uid"] == os.geteuid(), "comm/uid: " + desc)
        lat, kind = r["latency_ms"], kinds[(r["function"], r["host"])]
        if kind:
            check(DNS_MIN_MS <= lat < DNS_MAX_MS,
                  "latency not %d..%d ms: %s" % (DNS_MIN_MS, DNS_MAX_MS, desc))
        elif kind is False:
            check(0 <= lat < FAST_MAX_MS, "latency not under %d ms: %s" % (FAST_MAX_MS, desc))
        t = unix_time(r["time"])
        check(run.t0 - 0.5 <= t and t + lat / 1000 <= run.t1 + 0.5,
              "time outside the process's life: " + desc)
    return len(mine)


class Listener:
    """A TCP server on 127.0.0.1 for the dial lookups: accepts, closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


# the lookups of go-builds: every OP, good, failing, literal, hosts file
BUILD_PAIRS = [
    ("host", "b1.utrace.test"), ("ipaddr", "b2.utrace.test"), ("host", "localhost"),
    ("host", "b3.nx.utrace.test"), ("ipaddr", "b4.nx.utrace.test"),
    ("dial", "b5.utrace.test"), ("addr", "127.0.0.9"), ("addr", "192.0.2.9"),
    ("ipaddr", "127.0.0.1"), ("ipaddr", "::1"), ("dial", "127.0.0.1"),
    ("clibc", "b6.utrace.test"),
]


def is_cgo(binary):
    return "-cgo" in os.path.basename(binary)


def case_builds(lab):
    """Every build of lookup_go, waiting when the tracer starts (found at
    start, system-wide): every OP, ok and failing, /etc/hosts, a Dial, a
    reverse lookup; IP literals have no row; output as untraced."""
    binaries = go_bins()
    check(len(binaries) == 8, "want 8 Go builds, have %r" % sorted(GO_BINS))
    lab.start_dns()
    srv = Listener()
    try:
        opts = ["-port", str(srv.port)]
        plain = {b: untraced(lab, b, BUILD_PAIRS, opts) for b in binaries}
        runs = [GoRun(lab, b, BUILD_PAIRS, wait=True, opts=opts) for b in binaries]
        tracer = lab.tracer(["-j"])
        for r in runs:
            r.go()
        for r in runs:
            r.finish()
        time.sleep(0.3)
        rows = stop_json(tracer)
    finally:
        srv.close()
    for r in runs:
        check(r.out == plain[r.binary], "%s: traced output differs from untraced:\n%s\n%s" %
              (r.comm, r.out.decode(), plain[r.binary].decode()))
        res = {(x["op"], x["name"]): x["result"] for x in r.results}
        check(res[("host", "b1.utrace.test")] == "ok" and
              res[("host", "b3.nx.utrace.test")] == "NOT_FOUND" and
              res[("addr", "127.0.0.9")] == "ok" and res[("dial", "b5.utrace.test")] == "ok",
              "%s itself says %r" % (r.comm, res))
        n = check_rows(rows, r, is_cgo(r.binary), "found at start")
        print("ok: %s: %d rows" % (r.comm, n))


def case_cgo(lab):
    """cgo builds resolving through libc (GODEBUG=netdns=cgo), several -p:
    each Go lookup one row, never a second for the libc call inside it; a
    libc call of the program's own C code is still a row."""
    binaries = [b for b in go_bins() if is_cgo(b)]
    lab.start_dns()
    env = dict(os.environ, GODEBUG="netdns=cgo+2")
    pairs = [("host", "c1.utrace.test"), ("ipaddr", "c2.utrace.test"),
             ("host", "c3.nx.utrace.test"), ("addr", "127.0.0.8"),
             ("clibc", "c4.utrace.test")]
    runs = [GoRun(lab, b, pairs, wait=True, env=env) for b in binaries]
    args = ["-j"]
    for r in runs:
        args += ["-p", str(r.pid)]
    tracer = lab.tracer(args)
    for r in runs:
        r.go()
    for r in runs:
        r.finish()
    time.sleep(0.3)
    rows = stop_json(tracer)
    check({x["pid"] for x in rows} <= {r.pid for r in runs}, "-p: rows of others %r" % rows)
    for r in runs:
        # the program did go through libc for its Go lookups
        check(b"hostLookupOrder(c1.utrace.test) = cgo" in r.err,
              "%s did not use the cgo resolver: %r" % (r.comm, r.err[-300:]))
        n = check_rows(rows, r, True, "netdns=cgo")
        libc = [x for x in rows_of(rows, r.pid) if not x["function"].startswith("go:")]
        check(len(libc) == 1 and libc[0]["host"] == "c4.utrace.test",
              "%s: libc rows %r: want only its own C call's" % (r.comm, libc))
        print("ok: %s netdns=cgo: %d rows" % (r.comm, n))


def go_calls_entries(tracer_pid):
    """Records of Go calls in flight the tracer's BPF map holds."""
    for kind, i in sorted(hu.fd_bpf_ids(tracer_pid)):
        if kind == "map" and hu.bpftool("map", "show", "id", str(i)).get("name") == "go_calls":
            return len(hu.bpftool("map", "dump", "id", str(i)))
    fail("tracer %d holds no map named go_calls" % tracer_pid)


def case_grow(lab):
    """100 goroutines at once, looking up from every depth of a small
    stack: stacks grow under the probes (some right at a lookup's entry,
    which then fires twice), goroutines change threads. One row per
    lookup, none left in flight, the program's output as untraced."""
    lab.start_dns()
    pairs = [("ipaddr", "g1.utrace.test"), ("host", "g2.utrace.test"), ("addr", "127.0.0.6")]
    opts = ["-g", "100", "-grow", "100"]
    for binary in go_bins("lgo-nocgo", "lgo-cgo-pie-s"):
        plain = untraced(lab, binary, pairs, opts)
        run = GoRun(lab, binary, pairs, wait=True, opts=opts, hold=True)
        tracer = lab.tracer(["-j", "-p", str(run.pid)], os.path.basename(binary))
        run.go()
        run.wait_done()
        time.sleep(0.3)
        # every call's RET was seen: nothing stale (a double entry kept once)
        left = go_calls_entries(tracer.proc.pid)
        tids = len(os.listdir("/proc/%d/task" % run.pid))
        run.finish()
        rows = stop_json(tracer)
        check(run.out == plain, "%s: traced output differs from untraced" % run.comm)
        check(left == 0, "%s: %d Go calls still in flight after all returned" % (run.comm, left))
        n = check_rows(rows, run, is_cgo(binary), "100 goroutines")
        check(n == 300, "%s: %d rows of 300 lookups" % (run.comm, n))
        threads = {r["tid"] for r in rows}
        check(len(threads) > 1, "%s: all rows from one thread of %d" % (run.comm, tids))
        print("ok: %s: 100 goroutines, %d rows from %d threads" % (run.comm, n, len(threads)))


# dnslat's Go programs (cmd/dnslat_go.c, dnslat_go_programs): lazy
GO_PROGS = {"go_lookup_enter", "go_lookup_ret", "go_calls_exit"}


def loaded_progs(pid):
    """Names of the BPF programs process @pid holds (the kernel's 15 bytes).
    One listing of them all: a program can go while it is looked at (the
    warm-up's, uprobe_warm.c), and one asked for by id would then fail."""
    ids = {ident for kind, ident in hu.fd_bpf_ids(pid) if kind == "prog"}
    return {p.get("name", "") for p in hu.bpftool("prog", "show") if p.get("id") in ids}


def case_lazy(lab):
    """The Go programs are loaded once a Go target is found, not before:
    -p of a libc program has none of them and its lookups all the same."""
    lab.start_dns()
    c = lab.lookup("getaddrinfo", "z1.utrace.test", wait=True)
    tracer = lab.tracer(["-j", "-p", str(c.pid)])
    progs = loaded_progs(tracer.proc.pid)
    libc = {"lookup"} if utrace_test.session_uprobes() else {"lookup_enter", "lookup_return"}
    check(libc <= progs, "-p of a libc program: not its libc programs %r: %r" %
          (sorted(libc), sorted(progs)))
    check(not progs & GO_PROGS,
          "-p of a libc program: Go programs loaded: %r" % sorted(progs & GO_PROGS))
    c.go()
    c.finish()
    time.sleep(0.3)
    rows = stop_json(tracer)
    check([r["host"] for r in rows] == ["z1.utrace.test"],
          "-p of a libc program: rows %r" % rows)
    print("ok: -p of a libc program: no Go program loaded, its lookup shown")


def case_pid(lab):
    """-p of a Go process: only its lookups, of all its goroutines and
    threads; not another process of the same binary, nor a libc program."""
    lab.start_dns()
    binary = go_bins("lgo-nocgo-pie")[0]
    pairs = [("host", "p1.utrace.test"), ("ipaddr", "p2.utrace.test"), ("addr", "127.0.0.4")]
    opts = ["-g", "4", "-repeat", "2"]
    a = GoRun(lab, binary, pairs, wait=True, opts=opts)
    b = GoRun(lab, binary, pairs, wait=True, opts=opts)
    c = lab.lookup("getaddrinfo", "p1.utrace.test", wait=True)
    tracer = lab.tracer(["-j", "-p", str(a.pid)])
    progs = loaded_progs(tracer.proc.pid)
    check(GO_PROGS <= progs, "-p of a Go process: Go programs missing: %r"
          % sorted(GO_PROGS - progs))
    a.go()
    b.go()
    c.go()
    a.finish()
    b.finish()
    c.finish()
    time.sleep(0.3)
    rows = stop_json(tracer)
    check(rows and all(r["pid"] == a.pid for r in rows),
          "-p %d showed rows of others: %r" % (a.pid, [r for r in rows if r["pid"] != a.pid]))
    n = check_rows(rows, a, False, "-p")
    check(n == 24, "-p: %d rows, want 24" % n)
    print("ok: -p %d: %d rows, none of the others" % (a.pid, n))


def case_discover(lab):
    """Go programs started after the tracer, stripped, PIE, through exec:
    found within a second (they wait 1.5 s before looking up)."""
    lab.start_dns()
    tracer = lab.tracer(["-j"])
    pairs = [("host", "d1.utrace.test"), ("addr", "127.0.0.3")]
    runs = [GoRun(lab, b, pairs, opts=["-sleep", "1.5"])
            for b in go_bins("lgo-nocgo-pie-s", "lgo-cgo-s")]
    for r in runs:
        r.finish()
    time.sleep(0.3)
    rows = stop_json(tracer)
    for r in runs:
        n = check_rows(rows, r, is_cgo(r.binary), "started later")
        print("ok: %s found later: %d rows" % (r.comm, n))


def case_options(lab):
    """-F -R name the Go function and its outcome in the table; -m drops
    fast Go lookups in BPF; -H counts them per Go function."""
    lab.start_dns()
    binary = go_bins("lgo-nocgo-s")[0]
    pairs = [("host", "o1.utrace.test"), ("host", "o2.nx.utrace.test"),
             ("ipaddr", "o3.utrace.test"), ("host", "localhost")]
    run = GoRun(lab, binary, pairs, wait=True)
    p = ["-p", str(run.pid)]
    table = lab.tracer(["-F", "-R"] + p, "table")
    slow = lab.tracer(["-j", "-m", "50"] + p, "min")
    hist = lab.tracer(["-H"] + p, "hist")
    run.go()
    run.finish()
    time.sleep(0.3)
    rc, out = table.stop()
    check(rc == 0, "-F -R exited %d" % rc)
    want = {b"o1.utrace.test": (b"go:lookupHost", b"ok"),
            b"o2.nx.utrace.test": (b"go:lookupHost", b"NOT_FOUND"),
            b"o3.utrace.test": (b"go:lookupIPAddr", b"ok"),
            b"localhost": (b"go:lookupHost", b"ok")}
    lines = out.split(b"\n")
    check(lines[0] == td.HEADER_FR, "-F -R header %r" % lines[0])
    seen = {}
    for line in lines[1:-1]:
        # FUNC at 34 (16 wide), LATms at 51, RESULT at 62 (14 wide), HOST at 77
        if int(line.split()[1]) != run.pid:
            continue
        check(line[17:34].rstrip() == run.comm.encode() and
              re.match(rb"^\d+\.\d{3} *$", line[51:62]), "-F -R row %r" % line)
        seen[line[77:]] = (line[34:51].rstrip(), line[62:77].rstrip())
    check(seen == want, "-F -R rows %r, want %r" % (seen, want))
    rows = stop_json(slow)
    check(sorted(r["host"] for r in rows) == ["o1.utrace.test", "o2.nx.utrace.test",
                                              "o3.utrace.test"] and
          all(r["latency_ms"] >= 50 for r in rows), "-m 50: %r" % rows)
    rc, out = hist.stop()
    check(rc == 0, "-H exited %d" % rc)
    hists, _ = td.parse_histograms(out)
    counts = {f: sum(b.values()) for f, b in hists.items()}
    check(counts == {"go:lookupHost": 3, "go:lookupIPAddr": 1}, "-H counted %r" % counts)
    print("ok: -F -R, -m, -H with Go lookups")


def case_errors(lab):
    """What a *net.DNSError says, as Go says it: NOT_FOUND (NXDOMAIN),
    TIMEOUT (a server that never answers), and the REFUSED answer's kind;
    JSON error and server are its Err and Server."""
    lab.start_dns()
    hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hole.bind(("127.0.0.3", 53))        # never answers
    etc_hole = dnsns.make_etc(os.path.join(lab.tmp, "etc-hole"), timeout_s=1,
                              nameserver="127.0.0.3")
    try:
        binary = go_bins("lgo-nocgo")[0]
        a = GoRun(lab, binary, [("host", "e1.nx.utrace.test"), ("ipaddr", "refused.example"),
                                ("addr", "192.0.2.7")], wait=True)
        b = GoRun(lab, binary, [("host", "e2.utrace.test")], wait=True, etc=etc_hole)
        tracer = lab.tracer(["-j", "-p", str(a.pid), "-p", str(b.pid)])
        a.go()
        b.go()
        a.finish()
        b.finish()
        time.sleep(0.3)
        rows = stop_json(tracer)
    finally:
        hole.close()
    kinds = {x["name"]: x["result"] for x in a.results + b.results}
    check(kinds["e1.nx.utrace.test"] == "NOT_FOUND" and kinds["e2.utrace.test"] == "TIMEOUT" and
          kinds["refused.example"] in DNSERROR_KINDS, "lookup_go itself says %r" % kinds)
    check_rows(rows, a, False, "errors")
    mine = rows_of(rows, b.pid)
    check(len(mine) == 1 and mine[0]["result"] == "TIMEOUT" and
          mine[0]["error"] == b.results[0]["err"] and
          mine[0]["server"] == "127.0.0.3:53" and mine[0]["latency_ms"] >= 900,
          "a timeout: %r, Go said %r" % (mine, b.results))
    for r in rows:
        check(r["error"], "a DNSError row without its Err: %r" % r)
    print("ok: %s" % ", ".join("%s %s" % (r["host"], r["result"]) for r in rows))


def elf_section(data, name):
    """(offset, size) of section @name of the 64-bit ELF @data."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    def sh(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
    stroff = sh(shstrndx)[4]
    for i in range(shnum):
        s = sh(i)
        end = data.index(b"\0", stroff + s[0])
        if data[stroff + s[0]:end] == name:
            return s[4], s[5]
    fail("no section %s" % name)


def with_go_version(src, dst, minor):
    """A copy of @src whose build info claims Go 1.@minor (two digits)."""
    with open(src, "rb") as f:
        data = bytearray(f.read())
    off, size = elf_section(data, b".go.buildinfo")
    m = re.search(rb"go1\.(\d\d)", bytes(data[off:off + size]))
    check(m, "no go1.NN in %s's build info" % src)
    data[off + m.start(1):off + m.end(1)] = b"%02d" % minor
    with open(dst, "wb") as f:
        f.write(data)
    os.chmod(dst, 0o755)
    return dst


def case_version(lab):
    """A Go release whose layouts dnslat does not know is not traced, never
    read with a guess: one -v line per binary; -p of such a process is an
    error saying so; the program runs on unharmed, a known release beside
    it is traced."""
    lab.start_dns()
    src = go_bins("lgo-nocgo")[0]
    new = with_go_version(src, os.path.join(lab.tmp, "lgo-go199"), 99)
    old = with_go_version(src, os.path.join(lab.tmp, "lgo-go112"), 12)
    pairs = [("host", "v1.utrace.test")]
    runs = [GoRun(lab, b, pairs, wait=True) for b in (new, new, old, src)]
    tracer = lab.tracer(["-j", "-v"])
    # -p of it: nothing else to trace there, so an error saying why
    r = subprocess.run([utrace_test.UTRACE, "dnslat", "-p", str(runs[0].pid), "-d", "1"],
                       capture_output=True, timeout=30)
    warn = r.stderr.decode(errors="replace")
    check(r.returncode == 1 and not r.stdout and "process %d" % runs[0].pid in warn and
          "go1.99" in warn and "not traced" in warn,
          "-p of go1.99: exit %d, %r %r" % (r.returncode, r.stdout, warn))
    for r in runs:
        r.go()
    for r in runs:
        r.finish()
    time.sleep(0.3)
    rows = stop_json(tracer)
    err = tracer.stderr_text()
    for path, version in ((new, "go1.99"), (old, "go1.12")):
        said = [x for x in err.splitlines() if path in x and "not traced" in x]
        check(len(said) == 1 and version in said[0],
              "-v on %s (%s): %r" % (path, version, said))
    for r in runs[:3]:
        check(not rows_of(rows, r.pid), "%s was traced: %r" % (r.binary, rows_of(rows, r.pid)))
    check_rows(rows, runs[3], False, "known release")
    print("ok: go1.99 and go1.12 not traced, said once each")


CASES = {
    "go-builds": case_builds,
    "go-cgo": case_cgo,
    "go-grow": case_grow,
    "go-pid": case_pid,
    "go-lazy": case_lazy,
    "go-discover": case_discover,
    "go-options": case_options,
    "go-errors": case_errors,
    "go-version": case_version,
}


if __name__ == "__main__":
    run_case(CASES, Lab)
