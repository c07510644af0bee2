#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""
What utrace sslsniff costs, against bpftrace's sslsnoop.bt.

    python3 test/bench/sslsniff_bench.py --build build [--samples 5]

Root only (BPF); about two minutes. Needs cc, libssl-dev and bpftrace.

Per call. tls_loop.c writes SIZE bytes with SSL_write() N times per round
to a child that reads them with SSL_read() over a socketpair (rounds.h
protocol). A sample is one fresh loop process timed twice, untraced and
traced (order alternating between samples): the added ns per SSL_write()
is the paired difference. Tracers: utrace sslsniff -p LOOP (with the data,
and --no-data), sslsnoop.bt (the peer: SSL_read/SSL_write/SSL_do_handshake
latency, no data, no PID filter), and bpftrace with empty programs on
SSL_write's entry and return (the kernel's floor). Output goes to a file.
Every configuration is run once per repetition (the order reversed every
other one); the table gives medians over the repetitions.

Executables. The target for executables that embed a TLS library has no
name to go by, so the symbols of each distinct executable are read once,
when first seen. The tracer's CPU time  is read
(/proc/PID/schedstat) before and after exec()ing COPIES fresh copies of a small and of a large
executable, and again for the same copies run a second time.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
STARTED = []


def spawn(argv, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(argv, **kw)
    STARTED.append(p)
    return p


def stop(p, sig=signal.SIGINT):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def cleanup():
    for p in STARTED:
        if p.poll() is None:
            p.kill()
            p.wait()


def wait_for(path, needle, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(path, "rb") as f:
            if needle in f.read():
                return
        if proc.poll() is not None:
            sys.exit("tracer exited %d: %s" % (proc.returncode, open(path, "rb").read()[-300:]))
        time.sleep(0.02)
    sys.exit("tracer did not attach within %ds" % timeout)


class Loop:
    def __init__(self, exe, cert, key, n, size):
        # rounds.h's twin re-runs the loop with only N: this bench pairs
        # untraced and traced rounds of one process, without a twin
        self.p = spawn([exe, cert, key, str(n), str(size)], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, env=dict(os.environ, BENCH_NO_TWIN="1"))
        line = self.p.stdout.readline().split()
        if not line or line[0] != b"ready":
            sys.exit("tls_loop did not start: %r" % line)
        self.pid = int(line[1])

    def round(self):
        self.p.stdin.write(b"g")
        self.p.stdin.flush()
        f = self.p.stdout.readline().split()
        if not f or f[0] != b"round" or f[4] != b"0":
            sys.exit("tls_loop round: %r" % f)
        return float(f[1])

    def close(self):
        self.p.stdin.close()
        self.p.wait(30)


def tracer(kind, utrace, pid, tmp):
    """Start a tracer; returns it once attached."""
    out = os.path.join(tmp, "trace.out")
    err = os.path.join(tmp, "trace.err")
    if kind == "sslsniff":
        argv, needle, where = [utrace, "sslsniff", "-p", str(pid)], b"Tracing", err
    elif kind == "sslsniff-all":
        argv, needle, where = [utrace, "sslsniff"], b"Tracing", err
    elif kind == "sslsniff-nodata":
        argv, needle, where = [utrace, "sslsniff", "--no-data", "-p", str(pid)], b"Tracing", err
    elif kind == "sslsnoop":
        argv, needle, where = ["bpftrace", "-B", "line", "/usr/sbin/sslsnoop.bt"], b"Tracing", out
    else:
        prog = ('BEGIN { printf("go\\n"); } '
                'uprobe:/usr/lib/x86_64-linux-gnu/libssl.so.3:SSL_write { } '
                'uretprobe:/usr/lib/x86_64-linux-gnu/libssl.so.3:SSL_write { }')
        argv, needle, where = ["bpftrace", "-B", "line", "-e", prog], b"go", out
    with open(out, "wb") as o, open(err, "wb") as e:
        p = spawn(argv, stdout=o, stderr=e)
    wait_for(where, needle, p)
    return p, out


def per_call(args, utrace, loop_exe, cert, key, tmp):
    configs = [("utrace sslsniff -p > file", "sslsniff"),
               ("utrace sslsniff > file (every process, as the peer)", "sslsniff-all"),
               ("utrace sslsniff --no-data -p > file", "sslsniff-nodata"),
               ("sslsnoop.bt > file (peer)", "sslsnoop"),
               ("empty SSL_write uprobe+uretprobe (bpftrace): the floor", "floor")]
    for size, n in ((1024, 20000), (65536, 2000)):
        base = {kind: [] for _, kind in configs}
        added = {kind: [] for _, kind in configs}
        # every configuration once per repetition, the order reversed every
        # other one, so that all see the same machine
        for i in range(args.samples):
            order = configs if i % 2 == 0 else configs[::-1]
            for name, kind in order:
                loop = Loop(loop_exe, cert, key, n, size)
                loop.round()                    # warm up
                if i % 2 == 0:
                    u = loop.round()
                    tr, _ = tracer(kind, utrace, loop.pid, tmp)
                    t = loop.round()
                else:
                    tr, _ = tracer(kind, utrace, loop.pid, tmp)
                    t = loop.round()
                    stop(tr)
                    u = loop.round()
                stop(tr)
                loop.close()
                base[kind].append(u)
                added[kind].append(t - u)
        print("\n| SSL_write() of %d bytes, median of %d | untraced ns | added ns |" %
              (size, args.samples))
        print("| --- | --- | --- |")
        for name, kind in configs:
            print("| `%s` | %.0f | **+%.0f** |" % (name, statistics.median(base[kind]),
                                                 statistics.median(added[kind])), flush=True)


def cpu_ns(pid):
    """Time on CPU, in ns (the scheduler's count, not clock ticks)."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


def executables(args, utrace, tmp):
    print("\n| executables exec()ed while `utrace sslsniff` traces | tracer CPU per exec |")
    print("| --- | --- |")
    out = os.path.join(tmp, "exe.out")
    err = os.path.join(tmp, "exe.err")
    with open(out, "wb") as o, open(err, "wb") as e:
        tr = spawn([utrace, "sslsniff"], stdout=o, stderr=e)
    wait_for(err, b"Tracing", tr)
    time.sleep(1)
    for src, argv in (("/usr/bin/true", []), ("/usr/bin/python3.11", ["-S", "-c", "pass"])):
        d = os.path.join(tmp, os.path.basename(src))
        os.mkdir(d)
        copies = []
        for i in range(args.copies):
            c = os.path.join(d, "copy%d" % i)
            shutil.copy(src, c)
            copies.append(c)
        size = os.path.getsize(src)
        for label in ("first seen", "seen before"):
            c0 = cpu_ns(tr.pid)
            for c in copies:
                subprocess.run([c] + argv, check=True, timeout=30)
            time.sleep(1.5)         # the tracer's looks are done
            c1 = cpu_ns(tr.pid)
            print("| %d distinct copies of %s (%.1f MB), %s | %.1f ms |" %
                  (len(copies), src, size / 1e6, label, (c1 - c0) / len(copies) / 1e6),
                  flush=True)
    stop(tr)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--copies", type=int, default=20)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("root only (BPF)")
    utrace = os.path.join(args.build, "cmd", "utrace")
    tmp = tempfile.mkdtemp(prefix="utrace-sslsniff-bench-")
    try:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=bench"],
                       check=True, capture_output=True, timeout=60)
        loop_exe = os.path.join(tmp, "tls_loop")
        subprocess.run(["cc", "-O2", "-I", HERE, "-o", loop_exe,
                        os.path.join(HERE, "tls_loop.c"), "-lssl", "-lcrypto"],
                       check=True, timeout=120)
        per_call(args, utrace, loop_exe, cert, key, tmp)
        executables(args, utrace, tmp)
    finally:
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
