# SPDX-License-Identifier: GPL-2.0-only
"""What the sslsniff tests share: a scratch directory with a throwaway key
and self-signed certificate (made by `openssl req` at test time), TLS peers
on 127.0.0.1 (tls_peer.py under Debian's /usr/bin/python3, openssl
s_server/s_client, gnutls-serv/gnutls-cli, curl), tracers, and the rows
they print: a call's parts joined back by its call number and offsets.

Other programs on the machine may use TLS while a test traces every
process: rows are always picked by the PIDs the test started.
"""
import base64
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import Tracer, check, fail, json_lines  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "tls_peer.py")
# Debian's python, not whatever python3 is first on PATH: its _ssl module
# is the one that uses libssl.so.3's SSL_read_ex/SSL_write_ex.
PY = "/usr/bin/python3"
BUILD = os.environ.get("UTRACE_BUILD") or os.path.join(HERE, "..", "..", "..", "build")
HELPERS = os.path.join(BUILD, "test", "e2e", "sslsniff")
PART = 16384
TOOLS = {"openssl": "openssl", "curl": "curl", "gnutls-serv": "gnutls-bin",
         "gnutls-cli": "gnutls-bin"}


def need(*progs):
    for p in progs:
        check(shutil.which(p), "%s is needed (Debian: apt-get install %s)" %
              (p, TOOLS.get(p, p)))
    check(os.access(PY, os.X_OK), "%s is needed (Debian: python3)" % PY)


def read_line(p, timeout=20, stream=None):
    """A line from @p's stdout (or @stream), with a time limit."""
    f = stream or p.stdout
    fd = f.fileno()
    line = b""
    deadline = time.time() + timeout
    while not line.endswith(b"\n"):
        left = deadline - time.time()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            fail("no line from pid %d within %ds (got %r)" % (p.pid, timeout, line))
        c = os.read(fd, 1)
        if not c:
            fail("pid %d closed its output (exit %r) after %r" % (p.pid, p.poll(), line))
        line += c
    return line


class Lab:
    """A scratch directory, its key and certificate, and every process the
    test starts; close() ends them all (by their own PIDs)."""

    def __init__(self, case):
        self.tmp = tempfile.mkdtemp(prefix="utrace-sslsniff-%s-" % case)
        self.procs = []
        self.tracers = []
        self.cert = self.path("cert.pem")
        self.key = self.path("key.pem")
        need("openssl")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", self.key, "-out", self.cert, "-days", "1",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                           capture_output=True, timeout=60)
        check(p.returncode == 0, "openssl req failed: %r" % p.stderr[-300:])

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def spawn(self, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def tracer(self, args, name="out", env=None):
        t = Tracer(["sslsniff"] + list(args), self.path(name), env=env)
        self.tracers.append(t)
        return t

    # --- peers ---

    def server(self, mode, *args):
        """tls_peer.py server: (process, port)."""
        p = self.spawn([PY, PEER, mode, self.cert, self.key] + [str(a) for a in args])
        line = read_line(p)
        check(line.startswith(b"ready "), "tls_peer %s printed %r" % (mode, line))
        return p, int(line.split()[1])

    def client(self, *args, stdin=subprocess.DEVNULL):
        return self.spawn([PY, PEER] + [str(a) for a in args], stdin=stdin)

    def finish(self, p, what, timeout=30, rc=0):
        if p.stdin and p.stdin.closed:
            p.stdin = None
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            fail("%s (pid %d) did not finish within %ds" % (what, p.pid, timeout))
        if rc is not None:
            check(p.returncode == rc, "%s (pid %d): exit %d, want %d; stderr %r" %
                  (what, p.pid, p.returncode, rc, err[-500:]))
        return out

    def close(self):
        for t in self.tracers:
            t.kill()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if os.environ.get("UTRACE_TEST_KEEP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, timeout=20):
    """Until something accepts on 127.0.0.1:port (a plain TCP connect)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    fail("nothing listens on 127.0.0.1:%d after %ds" % (port, timeout))


def stop(tracer, rc=0, sig=signal.SIGINT):
    """Stop @tracer; check its exit code and that stderr has nothing else
    than the Tracing line. Returns its stdout."""
    got, out = tracer.stop(sig)
    err = [x for x in tracer.stderr_text().splitlines() if not x.startswith("Tracing")]
    check(got == rc, "utrace exited %d, want %d: %r" % (got, rc, err))
    if rc == 0:
        check(not err, "utrace said %r" % err)
    return out


def stop_json(tracer, rc=0):
    return json_lines(stop(tracer, rc))


def data(row):
    """The exact bytes of a row."""
    check("data_base64" in row, "row without data_base64: %r" % row)
    raw = base64.b64decode(row["data_base64"], validate=True)
    return raw


def of(rows, pid, event=None):
    return [r for r in rows if r["pid"] == pid and (event is None or r["event"] == event)]


def calls(rows):
    """The calls in @rows, in order: [(first row, joined bytes)]. The parts
    of a call must be all there, numbered 1..n, each at the offset where the
    one before it ended, and add up to its length (unless truncated)."""
    order, parts = [], {}
    for r in rows:
        if r["event"] == "handshake":
            continue
        key = r["call"]
        if key not in parts:
            order.append(key)
            parts[key] = []
        parts[key].append(r)
    out = []
    for key in order:
        ps = sorted(parts[key], key=lambda r: r["part"])
        first = ps[0]
        n = first["parts"]
        check([r["part"] for r in ps] == list(range(1, n + 1)),
              "call %d: parts %r of %d" % (key, [r["part"] for r in ps], n))
        joined = b""
        for r in ps:
            check(r["parts"] == n and r["len"] == first["len"] and
                  r["function"] == first["function"] and r["pid"] == first["pid"] and
                  r["tid"] == first["tid"] and r["time"] == first["time"],
                  "call %d: parts disagree: %r / %r" % (key, first, r))
            check(r["offset"] == len(joined), "call %d part %d: offset %d after %d bytes" %
                  (key, r["part"], r["offset"], len(joined)))
            d = data(r)
            check(len(d) == PART or r["part"] == n,
                  "call %d: part %d of %d has %d bytes" % (key, r["part"], n, len(d)))
            joined += d
        if not ps[-1].get("truncated"):
            check(len(joined) == first["len"], "call %d: %d bytes joined, len %d" %
                  (key, len(joined), first["len"]))
        out.append((first, joined))
    return out


def stream(rows, pid, event):
    """Everything @pid read (or wrote), joined in order."""
    return b"".join(d for r, d in calls(of(rows, pid, event)))


def maps(pid, word):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return [x for x in f.read().splitlines() if word in x]
    except OSError:
        return []
