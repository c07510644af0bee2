# SPDX-License-Identifier: GPL-2.0-only
"""The sslsniff cases of test_hardening.py (issue 6): what sslsniff adds to
each group beyond the core's cases, which run for every tool.

cases(harness) maps group -> functions; they use the harness's helpers
(spawn, scratch, note, bad_files, ...) through H, and the TLS peers of
sslsniff_lab.py. Every server binds 127.0.0.1; rows are picked by the PIDs
started here (other programs on the machine may use TLS too).
"""
import hashlib
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sslsniff_lab as L  # noqa: E402
from sslsniff_lab import Lab, calls, data, of, read_line  # noqa: E402
from utrace_test import Tracer, check, fail, json_lines  # noqa: E402
import hardening_util as hu  # noqa: E402
from hardening_util import check_no_leftovers, check_not_crashed, expect_error  # noqa: E402

TOOL = "sslsniff"
H = None                        # the harness (test_hardening), set by cases()
LIBSSL = "/usr/lib/x86_64-linux-gnu/libssl.so.3"
SOAK_SECONDS = int(os.environ.get("UTRACE_SOAK_SECONDS", "30"))


def lab(name):
    """A Lab (sslsniff_lab.py): it ends the processes it started itself."""
    return Lab(name)


def tracer(lb, args, name, env=None):
    tr = Tracer([TOOL] + list(args), lb.path("%s-%d.out" % (name, time.monotonic_ns())), env=env)
    lb.tracers.append(tr)
    H.STARTED.append(tr.proc)
    return tr


def stop_clean(tr, what, sig=signal.SIGINT):
    rc, out = tr.stop(sig)
    errs = [x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")]
    check_not_crashed(rc, what)
    check(rc == 0 and not errs, "%s: exit %d, stderr %r" % (what, rc, errs))
    return out


def leftovers_gone(what, **kw):
    check_no_leftovers(what, words=("libssl", "libgnutls", "libnspr"), **kw)


# =============================================================================
# usage and badinput
# =============================================================================

USAGE = [
    (["--max-bytes", "0"], "'0'"), (["--max-bytes", "-1"], "-1"), (["--max-bytes", "x"], "'x'"),
    (["--max-bytes", "2T"], "2T"), (["--max-bytes", ""], "''"), (["--max-bytes", "1.5K"], "1.5K"),
    (["--buffer", "16K"], "16K"), (["--buffer", "8K"], "8K"),
    (["-x", "-j"], "-j"), (["-x", "--no-data"], "--no-data"),
    (["--no-data", "--max-bytes", "10"], "--no-data"),
    (["-l", ""], "empty"), (["-l", "/x"] * 17, "16"), (["extra"], "extra"),
]


def sslsniff_usage():
    for args, culprit in USAGE:
        expect_error(TOOL, args, 64, culprit)
    H.note("sslsniff: %d usage errors -> 64, one message each" % len(USAGE))


def sslsniff_file_errors():
    f = H.bad_files(H.scratch("sslsniff-files"), "libssl.so.3", LIBSSL)
    true = "/bin/true"
    cases = [
        (f["missing"], ["no such file"]), (f["dangling"], ["no such file"]),
        (f["dir"], ["directory"]), (f["text"], ["not an ELF"]), (f["empty"], ["not an ELF"]),
        ("/dev/zero", ["not an ELF"]), (f["fifo"], []), (f["elf32"], ["64-bit"]),
        (f["truncated"], []), (f["loop"], []), (true, ["no TLS functions"]),
    ]
    for path, words in cases:
        msg = expect_error(TOOL, ["-l", path], 1, path, words, timeout=10)
        check_no_leftovers("sslsniff -l %s" % path)
    # a good library, then a bad file: nothing may stay attached
    expect_error(TOOL, ["-l", LIBSSL, "-l", true], 1, true, ["no TLS functions"])
    check_no_leftovers("sslsniff -l libssl -l true")
    expect_error(TOOL, ["-l", LIBSSL, "-l", true], 1, true, ["no TLS functions"], env=H.NO_MULTI)
    check_no_leftovers("sslsniff -l libssl -l true (perf events)")
    H.note("sslsniff -l: %d bad files, and a good one before a bad one: one line, exit 1 "
           "(e.g. %s)" % (len(cases), msg))


def sslsniff_pid_errors():
    # a static program: no TLS library, no dynamic loader to load one
    src = H.scratch("static.c")
    with open(src, "w") as f:
        f.write("#include <unistd.h>\nint main(void) { pause(); return 0; }\n")
    exe = hu.build_c(src, H.scratch("static-pause"), cflags=("-O2", "-static"))
    if not exe:
        return H.require_bpf_or_fail_build("a static program (libc6-dev's libc.a)")
    p = H.spawn([exe])
    try:
        time.sleep(0.1)
        msg = expect_error(TOOL, ["-p", str(p.pid)], 1, p.pid, ["no dynamic loader"])
    finally:
        p.kill()
        p.wait()
    check_no_leftovers("sslsniff -p <static>")
    # a python that has not imported ssl: traced, quietly, until it does
    lb = lab("pid-errors")
    try:
        cli = lb.client("get", 1, "/", "--wait", stdin=subprocess.PIPE)
        check(read_line(cli) == b"ready\n", "client did not start")
        rc, out, err = hu.run([TOOL, "-p", str(cli.pid), "-d", "1"])
        check_not_crashed(rc, "-p <python before import ssl>")
        lines = [x for x in hu.stderr_lines(err) if not x.startswith("Tracing")]
        check(rc == 0 and not lines and out.startswith(b"TIME"),
              "-p <python before import ssl>: exit %d, %r" % (rc, err))
    finally:
        lb.close()
    check_no_leftovers("sslsniff -p <python before import ssl>")
    H.note("sslsniff -p <static program>: %s; -p <python before import ssl>: traced" % msg)


# =============================================================================
# pipe: a reader that stops reading during a large transfer
# =============================================================================


def sslsniff_pipe():
    lb = lab("pipe")
    try:
        body = os.urandom(1 << 20)
        srv, port = lb.server("http", lb.write("body", body), 1)
        r, w = os.pipe()
        errpath = lb.path("pipe.err")
        with open(errpath, "wb") as e:
            tr = H.spawn([hu.UTRACE, TOOL, "-p", str(srv.pid)], stdout=w, stderr=e)
        os.close(w)
        deadline = time.time() + 20
        while b"Tracing" not in open(errpath, "rb").read():
            check(time.time() < deadline and tr.poll() is None, "utrace did not attach")
            time.sleep(0.05)
        cli = lb.client("get", port, "/pipe")
        out = lb.finish(cli, "client")
        check(out.endswith(body), "the client's transfer was hurt by a stalled tracer")
        time.sleep(0.5)             # the tracer waits for room in the pipe
        t0 = time.time()
        tr.send_signal(signal.SIGTERM)
        try:
            rc = tr.wait(5)
        except subprocess.TimeoutExpired:
            fail("sslsniff with a stalled reader: no exit 5 s after SIGTERM")
        took = time.time() - t0
        err = open(errpath, "rb").read().decode()
        os.close(r)
        check_not_crashed(rc, "stalled reader")
        check(rc == 2 and "not written" in err, "stalled reader: exit %d, %r" % (rc, err))
    finally:
        lb.close()
    leftovers_gone("sslsniff with a stalled reader")
    H.note("sslsniff: reader stalled during a 1 MiB response: the transfer unharmed, "
           "SIGTERM -> exit 2 in %.2fs, unwritten rows counted" % took)


# =============================================================================
# kill9: the tracer killed in the middle of transfers
# =============================================================================


def sslsniff_kill9():
    lb = lab("kill9")
    try:
        body = os.urandom(256 * 1024)
        n = 20
        srv, port = lb.server("http", lb.write("body", body), n)
        for env in (None, H.NO_MULTI):
            tr = tracer(lb, ["-j"], "kill9", env=env)
            ids = hu.fd_bpf_ids(tr.proc.pid)
            got = []
            for i in range(n // 2):
                cli = lb.client("get", port, "/k%d" % i)
                if i == 3:
                    os.kill(tr.proc.pid, signal.SIGKILL)
                got.append(lb.finish(cli, "client %d" % i))
            tr.proc.wait(10)
            check(all(g == L_response(body) for g in got),
                  "a transfer was hurt by the tracer's death")
            leftovers_gone("sslsniff kill -9 mid-transfer", gone_pids={tr.proc.pid}, gone_ids=ids)
    finally:
        lb.close()
    H.note("sslsniff: kill -9 while 256 KiB responses flow (links and perf events): "
           "every transfer exact, nothing left behind")


def L_response(body):
    return (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % len(body) + body)


# =============================================================================
# churn: many short TLS clients while tracing every process
# =============================================================================


def sslsniff_churn():
    lb = lab("churn")
    try:
        n = int(os.environ.get("UTRACE_CHURN_TLS", "60"))
        srv, port = lb.server("echo", n)
        tr = tracer(lb, ["-j"], "churn")
        rss0 = hu.rss_kb(tr.proc.pid)
        fds0 = hu.fd_count(tr.proc.pid)
        pids = {}
        t0 = time.time()
        for i in range(n):
            msg = b"churn %04d\n" % i
            cli = lb.client("send", port, lb.write("m%d" % i, msg))
            pids[cli.pid] = msg
            lb.finish(cli, "client %d" % i)
            if i % 2:               # and a process that dies right after its handshake
                k = lb.client("stream", port, 1, 10, "--wait", stdin=subprocess.PIPE)
                read_line(k)
                k.kill()
                k.wait()
        took = time.time() - t0
        time.sleep(0.5)
        rss1 = hu.rss_kb(tr.proc.pid)
        fds1 = hu.fd_count(tr.proc.pid)
        rows = json_lines(stop_clean(tr, "sslsniff churn"))
    finally:
        lb.close()
    for pid, msg in pids.items():
        w = [d for r, d in calls(of(rows, pid, "write"))]
        rd = [d for r, d in calls(of(rows, pid, "read"))]
        check(w == [msg] and b"".join(rd) == msg, "churn: pid %d wrote %r read %r" % (pid, w, rd))
    check(rss1 - rss0 <= H.RSS_SLACK_KB and fds1 <= fds0,
          "churn: RSS %d -> %d kB, fds %d -> %d" % (rss0, rss1, fds0, fds1))
    leftovers_gone("sslsniff after churn")
    H.note("sslsniff churn: %d TLS clients (and %d killed after connecting) in %.1fs: "
           "every write and read exact; RSS %d -> %d kB, fds %d -> %d" %
           (n, n // 2, took, rss0, rss1, fds0, fds1))


# =============================================================================
# identical: a traced transfer is the untraced one
# =============================================================================


def sslsniff_identical():
    lb = lab("identical")
    try:
        body = os.urandom(1 << 20)
        digest = hashlib.sha256(L_response(body)).hexdigest()
        srv, port = lb.server("http", lb.write("body", body), 8)
        modes = (("untraced", None), ("system-wide", []), ("-p", "pid"),
                 ("--no-data", ["--no-data"]), ("-x --max-bytes 64", ["-x", "--max-bytes", "64"]),
                 ("perf events", "perf"))
        for how, args in modes:
            cli = lb.client("get", port, "/id", "--wait", stdin=subprocess.PIPE)
            check(read_line(cli) == b"ready\n", "client did not start")
            tr = None
            if args == "pid":
                tr = tracer(lb, ["-j", "-p", str(cli.pid)], "identical")
            elif args == "perf":
                tr = tracer(lb, ["-j"], "identical", env=H.NO_MULTI)
            elif args is not None:
                tr = tracer(lb, args, "identical")
            cli.stdin.write(b"g")
            cli.stdin.flush()
            out = lb.finish(cli, "client (%s)" % how)
            check(hashlib.sha256(out).hexdigest() == digest,
                  "%s: the client received other bytes than untraced" % how)
            if tr:
                time.sleep(0.3)
                raw = stop_clean(tr, "sslsniff %s" % how)
                if args in ("pid", "perf"):
                    got = L.stream(json_lines(raw), cli.pid, "read")
                    check(got == out, "%s: the rows are not what the client read" % how)
        curl = lb.spawn(["curl", "-sk", "https://127.0.0.1:%d/c" % port])
        plain = lb.finish(curl, "curl")
        tr = tracer(lb, [], "identical-curl")
        curl = lb.spawn(["curl", "-sk", "https://127.0.0.1:%d/c" % port])
        traced = lb.finish(curl, "curl (traced)")
        stop_clean(tr, "sslsniff (curl)")
        check(plain == traced == body, "curl received other bytes traced")
    finally:
        lb.close()
    H.note("sslsniff identical: a 1 MiB response reads the same untraced and traced "
           "(system-wide, -p, --no-data, -x --max-bytes, perf events; curl too); the rows "
           "are the bytes read")


# =============================================================================
# hostile: payload and command name must not reach the terminal raw
# =============================================================================


def sslsniff_hostile():
    payload = (bytes(range(256)) + b"\x1b]0;pwned\x07 \x1b[2J\x1b[31mred \x1bP+q\x1b\\ " +
               b"".join(bytes([0xc2, b]) for b in range(0x80, 0xa0)) +
               b"".join(chr(c).encode() + b"x" for c in H.BIDI) + b" \xff\xfe\xc0\xaf end")
    lb = lab("hostile")
    try:
        d = lb.path("bin")
        os.mkdir(d)
        comm = b"ss\x1b[31m\x9b\xffx"
        link = os.path.join(d.encode(), comm)
        os.symlink(L.PY.encode(), link)
        srv, port = lb.server("echo", 1)
        modes = (("table", []), ("hex", ["-x"]), ("uid", ["-U"]), ("json", ["-j"]),
                 ("no-data", ["--no-data", "--handshake"]), ("max", ["--max-bytes", "100"]))
        tracers = {m: tracer(lb, a, "hostile-" + m) for m, a in modes}
        cli = lb.spawn([link, L.PEER, "send", str(port), lb.write("p", payload)])
        out = lb.finish(cli, "hostile client")
        check(out == b"echoed %d\n" % len(payload), "client: %r" % out)
        lb.finish(srv, "server")
        time.sleep(0.3)
        outs = {m: stop_clean(tr, "sslsniff hostile %s" % m) for m, tr in tracers.items()}
    finally:
        lb.close()
    for m, raw in outs.items():
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            fail("sslsniff hostile %s: output is not UTF-8 (%s)" % (m, e))
        bad = H.forbidden(text)
        check(bad is None, "sslsniff hostile %s: raw %s in the output" % (m, bad))
        lines = [x for x in text.split("\n") if str(cli.pid) in x]
        check(lines, "sslsniff hostile %s: no row of the client" % m)
    rows = of(json_lines(outs["json"]), cli.pid)
    check(b"".join(d for r, d in calls([r for r in rows if r["event"] == "write"])) == payload,
          "JSON: the payload came back as something else")
    check(all(H.command_bytes(r, "comm") == comm[:15] for r in rows), "JSON comm: %r" % rows[:1])
    table = outs["table"]
    for shown in (b"\\x1b]0;pwned\\x07", b"\\x1b[2J\\x1b[31mred", b"\\u{0085}", b"\\u{202e}x",
                  b"\\xff\\xfe\\xc0\\xaf", b"ss\\x1b[31m\\x9b\\xffx"):
        check(shown in table, "table: %r not shown" % shown)
    H.note("sslsniff hostile: every byte value, ESC/OSC/DCS sequences, C1, bidi, invalid "
           "UTF-8, a hostile COMM: table, -x, -U, --no-data, --max-bytes clean; JSON exact")


# =============================================================================
# deleted: a libssl copy deleted after it was mapped
# =============================================================================


def sslsniff_deleted():
    lb = lab("deleted")
    try:
        libdir = lb.path("lib")
        os.mkdir(libdir)
        copy = os.path.join(libdir, "libssl.so.3")
        env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        srv, port = lb.server("echo", 2)
        for how in ("-p", "system-wide"):
            with open(LIBSSL, "rb") as src, open(copy, "wb") as dst:
                dst.write(src.read())
            cli = lb.spawn([L.PY, L.PEER, "send", str(port), lb.write("m", b"deleted lib\n"),
                            "--import-first", "--wait"], stdin=subprocess.PIPE, env=env)
            check(read_line(cli) == b"ready\n", "client did not start")
            os.unlink(copy)
            # a path-follower would find this instead: an ELF with no TLS in it
            with open("/bin/true", "rb") as src, open(copy, "wb") as dst:
                dst.write(src.read())
            mapped = L.maps(cli.pid, "libssl.so.3")
            check(mapped and all(x.endswith(copy + " (deleted)") for x in mapped),
                  "the client does not map the deleted copy: %r" % mapped)
            tr = tracer(lb, ["-j"] + (["-p", str(cli.pid)] if how == "-p" else []), "deleted")
            cli.stdin.write(b"g")
            cli.stdin.flush()
            out = lb.finish(cli, "client")
            check(out == b"echoed 12\n", "client: %r" % out)
            time.sleep(0.3)
            rows = json_lines(stop_clean(tr, "sslsniff %s, deleted libssl" % how))
            check(L.stream(rows, cli.pid, "write") == b"deleted lib\n" and
                  L.stream(rows, cli.pid, "read") == b"deleted lib\n",
                  "%s: rows of the deleted copy's calls: %r" % (how, of(rows, cli.pid)))
            os.unlink(copy)
    finally:
        lb.close()
    leftovers_gone("sslsniff, deleted libssl")
    H.note("sslsniff: a libssl copy deleted after mapping (another ELF at its path): "
           "-p and system-wide traced through /proc/PID/map_files")


# =============================================================================
# soak: a stream of writes at full rate, every byte exact or counted lost
# =============================================================================


def sslsniff_soak():
    lb = lab("soak")
    try:
        srv, port = lb.server("echo", 1)
        size = 3000
        script = (
            "import socket, ssl, sys, time\n"
            "print('ready', flush=True); sys.stdin.buffer.read(1)\n"
            "c = ssl.create_default_context(); c.check_hostname = False\n"
            "c.verify_mode = ssl.CERT_NONE\n"
            "t = c.wrap_socket(socket.create_connection(('127.0.0.1', %d)))\n"
            "end = time.time() + %d; i = 0\n"
            "while time.time() < end:\n"
            "    m = (b'soak %%09d ' %% i).ljust(%d, b'.'); t.sendall(m)\n"
            "    got = 0\n"
            "    while got < len(m): got += len(t.recv(65536))\n"
            "    i += 1\n"
            "print(i, flush=True)\n" % (port, SOAK_SECONDS, size))
        cli = lb.spawn([L.PY, "-c", script], stdin=subprocess.PIPE)
        check(read_line(cli) == b"ready\n", "the soak client did not start")
        tr = tracer(lb, ["-j", "-p", str(cli.pid)], "soak")
        cli.stdin.write(b"g")
        cli.stdin.flush()
        tpid = tr.proc.pid
        rss0 = hu.rss_kb(tpid)
        samples = [rss0]
        deadline = time.time() + SOAK_SECONDS + 60
        while cli.poll() is None:
            check(time.time() < deadline, "the soak client did not end")
            samples.append(hu.rss_kb(tpid))
            time.sleep(1)
        n = int(read_line(cli).split()[0])
        rc, _ = tr.wait(20)         # -p: ends with its process
        err = [x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")]
        rows = json_lines(tr.output())
    finally:
        lb.close()
    check_not_crashed(rc, "soak")
    lost = 0
    if rc == 2:
        check(len(err) == 1 and "lost" in err[0], "soak: exit 2 without a count: %r" % err)
        lost = int(err[0].split(":")[1].split()[0])
    else:
        check(rc == 0 and not err, "soak: exit %d, %r" % (rc, err))
    # every record is one of the writes or reads, exactly as it was made
    seen = {"write": set(), "read": 0}
    for r in rows:
        d = data(r)
        if r["event"] == "write":
            i = int(d.split()[1])
            check(d == (b"soak %09d " % i).ljust(size, b"."), "soak: a write came back wrong: "
                  "%r" % d[:40])
            seen["write"].add(i)
        else:
            seen["read"] += len(d)
    check(len(seen["write"]) + lost >= n and len(seen["write"]) <= n,
          "soak: %d writes shown + %d lost, %d made" % (len(seen["write"]), lost, n))
    check(max(samples) - rss0 <= 2 * H.RSS_SLACK_KB, "soak: RSS %d -> peak %d kB" %
          (rss0, max(samples)))
    H.note("sslsniff soak %ds: %d writes of %d bytes echoed (%.0f calls/s both ways), %d "
           "records exact, %d lost (exit %d); tracer RSS %d -> peak %d kB" %
           (SOAK_SECONDS, n, size, 2 * n / SOAK_SECONDS, len(rows), lost, rc, rss0,
            max(samples)))


def cases(harness):
    """group -> sslsniff's cases, for test_hardening.TOOL_CASES."""
    global H
    H = harness
    return {
        "usage": [sslsniff_usage],
        "badinput": [sslsniff_file_errors, sslsniff_pid_errors],
        "pipe": [sslsniff_pipe],
        "kill9": [sslsniff_kill9],
        "churn": [sslsniff_churn],
        "identical": [sslsniff_identical],
        "hostile": [sslsniff_hostile],
        "deleted": [sslsniff_deleted],
        "soak": [sslsniff_soak],
    }
