#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""utrace sslsniff against real TLS programs on 127.0.0.1.

    test_sslsniff.py CASE

    CASE: openssl curl python-import python-pid gnutls big binary pid exit
          no-data handshake hex max-bytes count lib embedded nss dlopen

The peers are Debian's: openssl s_server/s_client, curl, /usr/bin/python3
with ssl (tls_peer.py), gnutls-serv/gnutls-cli (run in a private network
namespace: gnutls-serv binds every address), and small C clients built
by meson: one with OpenSSL linked in statically and exported (like node),
one on NSS, one that dlopen()s libssl and writes at once. The key and
certificate are made at test time.

Environment: UTRACE (the binary), UTRACE_BUILD (for the C clients).
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import sslsniff_lab as L  # noqa: E402
from sslsniff_lab import Lab, calls, data, need, of, read_line, stop, stop_json  # noqa: E402
from utrace_test import PAIR_ATTACHED, UTRACE, check, fail, json_lines, run_case  # noqa: E402

PIPE = subprocess.PIPE
HEADER = (b"TIME     PID     COMM             FUNC             EVENT     LEN     "
          b"PART  LATms     DATA")
ROW_KEYS = {"time", "pid", "tid", "uid", "comm", "function", "event", "len", "part",
            "parts", "offset", "call", "latency_ms", "result", "calls", "data",
            "data_base64"}


def response(body):
    """What tls_peer.py http sends for @body."""
    return (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % len(body) + body)


def request(path):
    """What tls_peer.py get sends."""
    return b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path.encode()


def only(items, what):
    check(len(items) == 1, "want one %s, got %d: %r" % (what, len(items), items))
    return items[0]


def check_keys(rows):
    for r in rows:
        keys = set(r) - {"truncated"}
        want = ROW_KEYS if r["event"] != "handshake" else ROW_KEYS - {"data_base64"}
        check(keys == want, "keys %r, want %r: %r" % (sorted(keys), sorted(want), r))


HEADER_NO_DATA = (b"TIME     PID     COMM             FUNC             EVENT     LEN     "
                  b"LATms     DATA")


def table_rows(out, pid, header=HEADER):
    """The table's rows of @pid, split into their columns (DATA whole)."""
    lines = out.split(b"\n")
    check(lines[0] == header, "table header %r" % lines[0])
    ncols = len(header.split())
    rows = []
    for line in lines[1:]:
        f = line.split(None, ncols - 1)
        if len(f) >= 8 and f[1] == str(pid).encode():
            rows.append(f)
    return rows


def wait_output(p, needle, timeout=20, what=""):
    """Read @p's stdout until @needle shows up; returns what was read."""
    got = b""
    deadline = time.time() + timeout
    fd = p.stdout.fileno()
    os.set_blocking(fd, False)
    while needle not in got:
        check(time.time() < deadline, "%s: %r not seen in %r" % (what, needle, got[-300:]))
        try:
            c = os.read(fd, 65536)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        check(c, "%s: output closed (exit %r) before %r: %r" % (what, p.poll(), needle, got))
        got += c
    return got


# =============================================================================


def openssl_pair(lab, client_msg, server_msg):
    """openssl s_server and s_client, one message each way: (srv, cli)."""
    need("openssl")
    port = L.free_port()
    srv = lab.spawn(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-cert",
                     lab.cert, "-key", lab.key, "-naccept", "1"], stdin=PIPE)
    wait_output(srv, b"ACCEPT", what="s_server")
    # not -quiet: that implies -ign_eof, and closing stdin must end it
    cli = lab.spawn(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port],
                    stdin=PIPE)
    srv.stdin.write(server_msg)
    srv.stdin.flush()
    cli.stdin.write(client_msg)
    cli.stdin.flush()
    wait_output(srv, client_msg, what="s_server")
    wait_output(cli, server_msg, what="s_client")
    cli.stdin.close()
    lab.finish(cli, "s_client", rc=None)
    srv.stdin.close()
    lab.finish(srv, "s_server", rc=None)
    time.sleep(0.3)
    return srv, cli


def case_openssl(lab):
    """s_server and s_client: a known message each way, in both outputs."""
    cmsg = "hello from s_client \u2713\n".encode()
    smsg = b"hello from s_server\n"
    tj = lab.tracer(["-j"], "json")
    tt = lab.tracer([], "table")
    srv, cli = openssl_pair(lab, cmsg, smsg)
    rows = stop_json(tj)
    table = stop(tt)
    check_keys(of(rows, srv.pid) + of(rows, cli.pid))
    for pid, event, want, comm in ((cli.pid, "write", cmsg, "openssl"),
                                   (srv.pid, "read", cmsg, "openssl"),
                                   (srv.pid, "write", smsg, "openssl"),
                                   (cli.pid, "read", smsg, "openssl")):
        func = "SSL_write" if event == "write" else "SSL_read"
        got = [(r["function"], d) for r, d in calls(of(rows, pid, event))]
        check(got == [(func, want)], "pid %d %s: %r, want [(%r, %r)]" %
              (pid, event, got, func, want))
        r = only(of(rows, pid, event), "%s row of %d" % (event, pid))
        check(r["comm"] == comm and r["len"] == len(want) and r["part"] == 1 and
              r["parts"] == 1 and r["offset"] == 0 and r["latency_ms"] >= 0 and
              r["data"] == want.decode() and r["result"] is None, "row %r" % r)
    # the table: one row each, the message escaped on it
    shown = "hello from s_client \u2713\\n".encode()
    for pid, func, msg in ((cli.pid, b"SSL_write", shown), (srv.pid, b"SSL_read", shown),
                           (srv.pid, b"SSL_write", b"hello from s_server\\n"),
                           (cli.pid, b"SSL_read", b"hello from s_server\\n")):
        mine = [f for f in table_rows(table, pid) if f[3] == func]
        f = only(mine, "%s table row of %d" % (func, pid))
        check(f[2] == b"openssl" and f[4] in (b"read", b"write") and
              f[5] == str(len(msg) - 1).encode() and f[6] == b"-" and f[8] == msg,
              "table row %r" % f)
    print("ok: s_client -> s_server %r and back %r, JSON exact, table escaped" % (cmsg, smsg))


def case_curl(lab):
    """curl -k https://127.0.0.1:PORT/: the request line and the response body."""
    need("curl")
    body = b"hello, curl: the body\n"
    srv, port = lab.server("http", lab.write("body", body), 1)
    tr = lab.tracer(["-j", "--handshake"])
    cli = lab.spawn(["curl", "-sk", "https://127.0.0.1:%d/" % port])
    out = lab.finish(cli, "curl")
    check(out == body, "curl printed %r" % out)
    lab.finish(srv, "server")
    time.sleep(0.3)
    rows = stop_json(tr)
    mine = of(rows, cli.pid)
    check_keys(mine)
    writes = calls(of(rows, cli.pid, "write"))
    check(writes and writes[0][1].startswith(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port),
          "curl's first write: %r" % writes[:1])
    check(all(r["function"] == "SSL_write" for r, _ in writes), "writes %r" % writes)
    got = L.stream(rows, cli.pid, "read")
    check(got == response(body), "curl read %r, want %r" % (got, response(body)))
    # the server read exactly what curl wrote
    check(L.stream(rows, srv.pid, "read") == L.stream(rows, cli.pid, "write"),
          "server read %r, curl wrote %r" % (L.stream(rows, srv.pid, "read"),
                                           L.stream(rows, cli.pid, "write")))
    hs = only(of(rows, cli.pid, "handshake"), "handshake of curl")
    check(hs["function"] == "SSL_do_handshake" and hs["result"] == "ok" and
          hs["calls"] >= 1 and hs["latency_ms"] > 0 and hs["data"] is None and
          hs["len"] is None, "curl's handshake: %r" % hs)
    print("ok: curl wrote %r..., read the response whole; handshake %.3f ms" %
          (writes[0][1][:16], hs["latency_ms"]))


def python_import(lab, by_pid):
    """A python that imports ssl only after the tracer started."""
    body = b"python body " * 100
    srv, port = lab.server("http", lab.write("body", body), 1)
    cli = lab.client("get", port, "/py", "--wait", stdin=PIPE)
    check(read_line(cli) == b"ready\n", "client did not start")
    check(not L.maps(cli.pid, "libssl"), "python mapped libssl before import ssl: %r" %
          L.maps(cli.pid, "libssl"))
    tr = lab.tracer(["-j"] + (["-p", str(cli.pid)] if by_pid else []))
    cli.stdin.write(b"g")
    cli.stdin.flush()
    out = lab.finish(cli, "python client")
    check(out == response(body), "client got %r" % out[:200])
    lab.finish(srv, "server")
    if by_pid:
        rc, _ = tr.wait(10)         # -p: done when the process is gone
        check(rc == 0, "utrace -p exited %d: %s" % (rc, tr.stderr_text()))
    time.sleep(0.2)
    rows = stop_json(tr)
    if by_pid:
        check(rows and all(r["pid"] == cli.pid for r in rows),
              "-p %d: rows of %r" % (cli.pid, sorted({r["pid"] for r in rows})))
    mine = of(rows, cli.pid)
    check({r["function"] for r in mine} == {"SSL_write_ex", "SSL_read_ex"},
          "python's functions: %r" % sorted({r["function"] for r in mine}))
    check(L.stream(rows, cli.pid, "write") == request("/py"), "python wrote %r" %
          L.stream(rows, cli.pid, "write"))
    check(L.stream(rows, cli.pid, "read") == out, "python read %r" %
          L.stream(rows, cli.pid, "read")[:200])
    print("ok: python imported ssl after the tracer started (%s): SSL_write_ex and "
          "SSL_read_ex, %d bytes each way exact" %
          ("-p" if by_pid else "system-wide", len(out)))


def case_python_import(lab):
    python_import(lab, False)


def case_python_pid(lab):
    python_import(lab, True)


def case_gnutls(lab):
    """gnutls-serv --echo and gnutls-cli, in a private network namespace
    (gnutls-serv has no option to bind 127.0.0.1 only)."""
    need("gnutls-serv", "gnutls-cli", "unshare", "nsenter", "ip")
    msg = b"gnutls says hello\n"
    port = L.free_port()
    tr = lab.tracer(["-j", "--handshake"])
    # it says it listens on stderr
    srv = lab.spawn(["unshare", "--net", "sh", "-c",
                     'ip link set lo up && exec gnutls-serv --echo -p "$0" '
                     '--x509certfile "$1" --x509keyfile "$2" 2>&1', str(port), lab.cert, lab.key])
    wait_output(srv, b"port %d...done" % port, what="gnutls-serv")
    cli = lab.spawn(["nsenter", "--net=/proc/%d/ns/net" % srv.pid, "gnutls-cli", "--insecure",
                     "-p", str(port), "127.0.0.1"], stdin=PIPE)
    wait_output(cli, b"Simple Client Mode", what="gnutls-cli")
    cli.stdin.write(msg)
    cli.stdin.flush()
    wait_output(cli, msg, what="gnutls-cli")
    cli.stdin.close()
    lab.finish(cli, "gnutls-cli", rc=None)
    srv.send_signal(signal.SIGTERM)
    lab.finish(srv, "gnutls-serv", rc=None)
    time.sleep(0.3)
    rows = stop_json(tr)
    for pid, event, func in ((cli.pid, "write", "gnutls_record_send"),
                             (srv.pid, "read", "gnutls_record_recv"),
                             (srv.pid, "write", "gnutls_record_send"),
                             (cli.pid, "read", "gnutls_record_recv")):
        got = [(r["function"], d) for r, d in calls(of(rows, pid, event))]
        check(got == [(func, msg)], "pid %d %s: %r, want [(%r, %r)]" % (pid, event, got, func, msg))
    for pid in (cli.pid, srv.pid):
        hs = only(of(rows, pid, "handshake"), "handshake of %d" % pid)
        check(hs["function"] == "gnutls_handshake" and hs["result"] == "ok" and
              hs["calls"] == 1, "handshake %r" % hs)
    print("ok: gnutls-cli -> gnutls-serv --echo: %r each way (gnutls_record_send once, "
          "not also gnutls_record_send2), both handshakes" % msg)


def big_exchange(lab, args, size=100 * 1024):
    """A server answers with @size random bytes in one sendall(), traced
    with @args: (server, client, response, tracer)."""
    body = os.urandom(size)
    srv, port = lab.server("http", lab.write("body", body), 1)
    tr = lab.tracer(args, "out-" + "-".join(a.strip("-") for a in args))
    cli = lab.client("get", port, "/big")
    out = lab.finish(cli, "client")
    check(out == response(body), "client got %d bytes, want %d" % (len(out), len(response(body))))
    lab.finish(srv, "server")
    time.sleep(0.3)
    return srv, cli, out, tr


def case_big(lab):
    """A 100 KiB body in one SSL_write_ex: 7 numbered parts that join back exactly."""
    body = os.urandom(100 * 1024)
    srv, port = lab.server("http", lab.write("body", body), 1)
    tj = lab.tracer(["-j"], "json")
    tt = lab.tracer([], "table")
    cli = lab.client("get", port, "/big")
    out = lab.finish(cli, "client")
    lab.finish(srv, "server")
    time.sleep(0.3)
    rows = stop_json(tj)
    table = stop(tt)
    want = response(body)
    check(out == want, "client got %d bytes" % len(out))
    w = only(calls(of(rows, srv.pid, "write")), "write call of the server")
    check(w[0]["function"] == "SSL_write_ex" and w[0]["parts"] == 7 and w[0]["len"] == len(want),
          "the write: %r" % {k: v for k, v in w[0].items() if not k.startswith("data")})
    check(w[1] == want, "joined parts differ from the response (%d bytes, want %d)" %
          (len(w[1]), len(want)))
    check(L.stream(rows, cli.pid, "read") == want, "client's reads differ")
    parts = [f for f in table_rows(table, srv.pid) if f[3] == b"SSL_write_ex"]
    check([f[6] for f in parts] == [b"%d/7" % i for i in range(1, 8)] and
          all(f[5] == str(len(want)).encode() for f in parts), "table PART/LEN: %r" %
          [(f[5], f[6]) for f in parts])
    print("ok: %d bytes in one SSL_write_ex: parts 1/7..7/7, joined exactly; the "
          "reader's %d reads too" % (len(want), len(calls(of(rows, cli.pid, "read")))))


FORBIDDEN_BIDI = [0x061c, 0x200e, 0x200f] + list(range(0x202a, 0x202f)) + \
    list(range(0x2066, 0x206a))


def forbidden(text):
    for ch in text:
        c = ord(ch)
        if (c < 0x20 and ch != "\n") or c == 0x7f or 0x80 <= c <= 0x9f or c in FORBIDDEN_BIDI:
            return "U+%04X" % c
    return None


def case_binary(lab):
    """Every byte value, ESC sequences, C1 and bidi controls, invalid UTF-8:
    escaped in the table, exact in JSON."""
    # U+2028 and U+2029 are valid raw in JSON: only "\\n" ends a JSON line
    payload = (bytes(range(256)) + b" \x1b]0;pwned\x07 \x1b[2J\x1b[31mred " +
               "\u202eevil \u0085 \u2028 \u2029 end".encode() + b" \x9b31m \xff\xfe looks \\x1b")
    srv, port = lab.server("echo", 1)
    tj = lab.tracer(["-j"], "json")
    tt = lab.tracer([], "table")
    cli = lab.client("send", port, lab.write("payload", payload))
    out = lab.finish(cli, "client")
    check(out == b"echoed %d\n" % len(payload), "client: %r" % out)
    lab.finish(srv, "server")
    time.sleep(0.3)
    rows = stop_json(tj)
    table = stop(tt)
    for pid, event in ((cli.pid, "write"), (srv.pid, "read"), (srv.pid, "write"),
                       (cli.pid, "read")):
        check(L.stream(rows, pid, event) == payload, "pid %d %s: %r" %
              (pid, event, L.stream(rows, pid, event)))
    w = only(of(rows, cli.pid, "write"), "client write")
    check("\ufffd" in w["data"] and "\x1b]0;pwned\x07" in w["data"],
          "readable form %r" % w["data"][-80:])
    try:
        text = table.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("table is not UTF-8: %s" % e)
    bad = forbidden(text)
    check(bad is None, "table has a raw %s" % bad)
    line = only([x for x in text.split("\n") if " SSL_write_ex " in x and
                 x.split()[1] == str(cli.pid)], "client write row")
    for shown in ("\\x00\\x01\\x02", "\\t\\n\\x0b\\x0c\\r", "\\x1b]0;pwned\\x07",
                  "\\x1b[2J\\x1b[31mred", "\\u{202e}evil", "\\u{0085}", "\\x9b31m",
                  "\\xff\\xfe", "looks \\\\x1b", "\\x7f\\x80\\x81"):
        check(shown in line, "table row lacks %r: %r" % (shown, line[-300:]))
    print("ok: %d hostile bytes each way: JSON exact (data_base64), table escaped, "
          "no raw control" % len(payload))


def case_pid(lab):
    """-p A: only A's calls, while B does the same."""
    srv, port = lab.server("echo", 2)
    a = lab.client("send", port, lab.write("a", b"from process A\n"), "--wait", stdin=PIPE)
    b = lab.client("send", port, lab.write("b", b"from process B\n"), "--wait", stdin=PIPE)
    for p in (a, b):
        check(read_line(p) == b"ready\n", "client did not start")
    tr = lab.tracer(["-j", "-p", str(a.pid)])
    for p in (a, b):
        p.stdin.write(b"g")
        p.stdin.flush()
    for p in (a, b):
        lab.finish(p, "client")
    lab.finish(srv, "server")
    rc, _ = tr.wait(10)
    check(rc == 0, "utrace -p exited %d after its process: %s" % (rc, tr.stderr_text()))
    rows = stop_json(tr)
    check(rows and all(r["pid"] == a.pid for r in rows),
          "-p %d: rows of %r" % (a.pid, sorted({r["pid"] for r in rows})))
    check(L.stream(rows, a.pid, "write") == b"from process A\n" and
          L.stream(rows, a.pid, "read") == b"from process A\n", "A's rows: %r" % rows)
    print("ok: -p A: A's write and read only, none of B's or the server's; ended with A")


def case_exit(lab):
    """A writer killed in the middle of a call that blocks: the calls it
    finished are all there, exact, the one it was in is not; the tracer
    goes on, and -p ends with the process."""
    n, size = 20, 1000
    srv, port = lab.server("sink", n * size)
    cli = lab.client("stream", port, n, size, "--wait", stdin=PIPE)
    check(read_line(cli) == b"ready\n", "client did not start")
    tp = lab.tracer(["-j", "-p", str(cli.pid)], "pid")
    tw = lab.tracer(["-j"], "wide")
    cli.stdin.write(b"g")
    cli.stdin.flush()
    check(read_line(cli) == b"sent %d\n" % n, "client did not send")
    check(read_line(srv) == b"sunk %d\n" % (n * size), "server did not read")
    time.sleep(0.5)                 # in SSL_write_ex of 64 MiB, blocked
    check(cli.poll() is None, "the 64 MiB write did not block")
    cli.kill()
    cli.wait()
    t0 = time.time()
    rc, _ = tp.wait(10)
    took = time.time() - t0
    check(rc == 0, "utrace -p exited %d: %s" % (rc, tp.stderr_text()))
    rows = stop_json(tp)
    # system-wide: a later call on the same machine is still traced
    srv2, port2 = lab.server("echo", 1)
    cli2 = lab.client("send", port2, lab.write("after", b"after the kill\n"))
    lab.finish(cli2, "second client")
    time.sleep(0.3)
    wide = stop_json(tw)
    want = [(b"msg %06d " % i).ljust(size, b".") for i in range(n)]
    got = [d for r, d in calls(of(rows, cli.pid, "write"))]
    check(got == want, "-p: %d writes, want %d exact: %r" % (len(got), n, got[:2]))
    got = [d for r, d in calls(of(wide, cli.pid, "write"))]
    check(got == want, "system-wide: %d writes, want %d exact" % (len(got), n))
    check(of(wide, cli2.pid, "write"), "no row of the client started after the kill")
    print("ok: writer killed inside a blocked 64 MiB SSL_write_ex: its %d finished calls "
          "exact, no row for the one cut off; -p ended %.1fs after it" % (n, took))


def case_no_data(lab):
    """--no-data: function, length and latency; one row per call, no data."""
    srv, cli, out, tt = big_exchange(lab, ["--no-data"])
    table = stop(tt)
    lines = table.split(b"\n")
    check(lines[0] == b"TIME     PID     COMM             FUNC             EVENT     LEN     "
          b"LATms     ", "header %r" % lines[0])
    srv2, cli2, out2, tj = big_exchange(lab, ["--no-data", "-j"])
    rows = stop_json(tj)
    for r in of(rows, srv2.pid) + of(rows, cli2.pid):
        check(set(r) == {"time", "pid", "tid", "uid", "comm", "function", "event", "len",
                         "call", "latency_ms", "result", "calls"}, "keys %r" % sorted(r))
    w = only(of(rows, srv2.pid, "write"), "server write row")
    check(w["len"] == len(out2) and w["function"] == "SSL_write_ex", "row %r" % w)
    reads = of(rows, cli2.pid, "read")
    check(sum(r["len"] for r in reads) == len(out2), "reads add up to %d, want %d" %
          (sum(r["len"] for r in reads), len(out2)))
    mine = [x.split() for x in lines[1:] if x.split()[1:2] == [str(srv.pid).encode()]]
    check([f[3:6] for f in mine] == [[b"SSL_read_ex", b"read", b"%d" % len(request("/big"))],
                                     [b"SSL_write_ex", b"write", b"%d" % len(out)]],
          "server's table rows %r" % mine)
    print("ok: --no-data: one row per call (the 100 KiB write too), no data, no parts")


def case_handshake(lab):
    """--handshake: blocking, non-blocking (several calls, one row), failed
    (certificate not verified: SSL_get_error says SSL_ERROR_SSL). The
    server starts each handshake 0.3 s late, so that a non-blocking client's
    first call finds no answer and must be called again."""
    delay = 0.3
    srv, port = lab.server("echo", 3, delay)
    tj = lab.tracer(["-j", "--handshake"], "json")
    tt = lab.tracer(["--handshake", "--no-data"], "table")
    msg = lab.write("m", b"after the handshake\n")
    blocking = lab.client("send", port, msg)
    lab.finish(blocking, "blocking client")
    nonblock = lab.client("send", port, msg, "--nonblock")
    lab.finish(nonblock, "non-blocking client")
    failing = lab.client("send", port, msg, "--verify")
    out = lab.finish(failing, "verifying client", rc=4)
    check(b"CERTIFICATE_VERIFY_FAILED" in out, "verifying client: %r" % out)
    srv.kill()
    time.sleep(0.3)
    rows = stop_json(tj)
    table = stop(tt)
    hb = only(of(rows, blocking.pid, "handshake"), "handshake of the blocking client")
    check(hb["result"] == "ok" and hb["calls"] == 1 and hb["function"] == "SSL_do_handshake",
          "blocking: %r" % hb)
    hs = [r for r in of(rows, srv.pid, "handshake")]
    check(len(hs) == 3 and [r["result"] for r in hs].count("ok") == 2,
          "the server's handshakes: %r" % hs)
    check(hb["latency_ms"] >= delay * 1000, "blocking: %r" % hb)
    hn = only(of(rows, nonblock.pid, "handshake"), "handshake of the non-blocking client")
    # timed from the first call: the server's delay is in it
    check(hn["result"] == "ok" and hn["calls"] >= 2 and hn["latency_ms"] >= delay * 1000,
          "non-blocking: %r" % hn)
    hf = only(of(rows, failing.pid, "handshake"), "handshake of the failing client")
    check(hf["result"] == "SSL_ERROR_SSL" and hf["calls"] == 1, "failing: %r" % hf)
    check(not of(rows, failing.pid, "write"), "the failing client wrote: %r" %
          of(rows, failing.pid))
    for p in (blocking, nonblock):
        check(L.stream(rows, p.pid, "write") == b"after the handshake\n",
              "data after the handshake of %d" % p.pid)
    got = [f for f in table_rows(table, nonblock.pid, HEADER_NO_DATA) if f[4] == b"handshake"]
    check(len(got) == 1 and got[0][3] == b"SSL_do_handshake" and
          got[0][-1] == b"[handshake ok, %d calls]" % hn["calls"], "table %r" % got)
    got = [f for f in table_rows(table, failing.pid, HEADER_NO_DATA) if f[4] == b"handshake"]
    check(len(got) == 1 and got[0][-1] == b"[handshake SSL_ERROR_SSL, 1 call]", "table %r" % got)
    print("ok: handshakes: blocking ok in 1 call (%.3f ms), non-blocking ok in %d calls "
          "(%.3f ms, one row), failed verification SSL_ERROR_SSL" %
          (hb["latency_ms"], hn["calls"], hn["latency_ms"]))


def hexdump(data, base=0, indent=4):
    """The dump utrace -x prints, written independently."""
    out = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        hexes = " ".join("%02x" % b for b in chunk[:8])
        if len(chunk) > 8:
            hexes += "  " + " ".join("%02x" % b for b in chunk[8:])
        text = "".join(chr(b) if 0x20 <= b < 0x7f else "." for b in chunk)
        out.append(" " * indent + "%08x  %-49s |%s|" % (base + at, hexes, text))
    return "\n".join(out).encode()


def case_hex(lab):
    """-x: a hex dump under each row; usage errors with -j and --no-data."""
    msg = b"GET /hex\r\n\x1b[31m\x00\xff and then some more bytes"
    srv, port = lab.server("echo", 1)
    tt = lab.tracer(["-x"], "table")
    cli = lab.client("send", port, lab.write("m", msg))
    lab.finish(cli, "client")
    lab.finish(srv, "server")
    time.sleep(0.3)
    table = stop(tt)
    want = hexdump(msg)
    lines = table.split(b"\n")
    at = [i for i, x in enumerate(lines) if x.split()[1:2] == [str(cli.pid).encode()] and
          b" SSL_write_ex " in x]
    check(len(at) == 1, "client write rows %r" % at)
    got = b"\n".join(lines[at[0] + 1:at[0] + 1 + len(want.split(b"\n"))])
    check(got == want, "hex dump\n%s\nwant\n%s" % (got.decode(errors="replace"), want.decode()))
    for args, word in ((["-x", "-j"], "-j"), (["-x", "--no-data"], "--no-data"),
                       (["--max-bytes", "10", "--no-data"], "--no-data"),
                       (["--max-bytes", "0"], "'0'"), (["--buffer", "16K"], "16K"),
                       (["-l", ""], "empty")):
        p = subprocess.run([UTRACE, "sslsniff"] + args, capture_output=True, timeout=10)
        err = p.stderr.decode()
        check(p.returncode == 64 and err.startswith("utrace sslsniff: ") and word in err and
              not p.stdout, "%r: exit %d, %r" % (args, p.returncode, err))
    print("ok: -x dumps the bytes (offsets, hex, printable ASCII only); -x -j, -x "
          "--no-data, --max-bytes 0, --buffer 32K refused (64)")


def case_max_bytes(lab):
    """--max-bytes: the first bytes of each call, marked truncated."""
    srv, cli, out, tj = big_exchange(lab, ["-j", "--max-bytes", "100"])
    rows = stop_json(tj)
    w = only(of(rows, srv.pid, "write"), "server write row")
    check(w["len"] == len(out) and w["parts"] == 1 and data(w) == out[:100] and
          w.get("truncated") is True, "row %r" % {k: v for k, v in w.items()
                                                  if not k.startswith("data")})
    r = only(of(rows, srv.pid, "read"), "server read row")
    check("truncated" not in r and data(r) == request("/big"), "short call: %r" % r)
    srv, cli, out, tj = big_exchange(lab, ["-j", "--max-bytes", "20000"])
    rows = stop_json(tj)
    (first, joined), = calls(of(rows, srv.pid, "write"))
    ws = of(rows, srv.pid, "write")
    check(first["parts"] == 2 and joined == out[:20000] and "truncated" not in ws[0] and
          ws[1].get("truncated") is True, "20000: %r" % [(r["part"], r.get("truncated"))
                                                        for r in ws])
    srv, cli, out, tt = big_exchange(lab, ["--max-bytes", "100"])
    table = stop(tt)
    f = only([f for f in table_rows(table, srv.pid) if f[3] == b"SSL_write_ex"], "table row")
    check(f[8].endswith(b" [...truncated]") and f[5] == str(len(out)).encode(),
          "table row %r" % f)
    print("ok: --max-bytes 100: one record of 100 bytes, truncated; 20000: 2 parts, the "
          "last truncated; the table says [...truncated]")


def case_count(lab):
    """-c 2 -p SERVER: the request, then all 7 parts of the response."""
    body = os.urandom(100 * 1024)
    srv, port = lab.server("http", lab.write("body", body), 1)
    tr = lab.tracer(["-j", "-c", "2", "-p", str(srv.pid)])
    cli = lab.client("get", port, "/count")
    lab.finish(cli, "client")
    rc, out = tr.wait(10)
    check(rc == 0, "utrace -c 2 exited %d: %s" % (rc, tr.stderr_text()))
    rows = json_lines(out)
    check([(r["event"], r["part"], r["parts"]) for r in rows] ==
          [("read", 1, 1)] + [("write", i, 7) for i in range(1, 8)],
          "-c 2: %r" % [(r["event"], r["part"], r["parts"]) for r in rows])
    lab.finish(srv, "server")
    print("ok: -c 2 counts calls: 1 + 7 parts printed, then exit 0")


def case_lib(lab):
    """-l LIB: that file only; a file with no TLS functions is refused."""
    gnutls = "/usr/lib/x86_64-linux-gnu/libgnutls.so.30"
    check(os.path.exists(gnutls), "no %s (Debian: libgnutls30)" % gnutls)
    srv, port = lab.server("echo", 1)
    tr = lab.tracer(["-j", "-l", gnutls])
    cli = lab.client("send", port, lab.write("m", b"openssl, not gnutls\n"))
    lab.finish(cli, "client")
    lab.finish(srv, "server")
    time.sleep(0.3)
    rows = stop_json(tr)
    check(not of(rows, cli.pid) and not of(rows, srv.pid),
          "-l libgnutls: rows of OpenSSL programs: %r" % of(rows, cli.pid))
    for path, word in (("/bin/true", "no TLS functions"), (lab.path("missing"), "no such file"),
                       (lab.cert, "not an ELF")):
        p = subprocess.run([UTRACE, "sslsniff", "-l", path], capture_output=True, timeout=10)
        err = p.stderr.decode()
        check(p.returncode == 1 and err.startswith("utrace sslsniff: %s: " % path) and
              word in err and err.count("\n") == 1 and not p.stdout,
              "-l %s: exit %d, %r" % (path, p.returncode, err))
    print("ok: -l libgnutls.so.30 leaves OpenSSL alone; -l of a non-TLS, missing, "
          "non-ELF file: one line, exit 1")


def helper(name):
    path = os.path.join(L.HELPERS, name)
    check(os.access(path, os.X_OK), "%s not built (meson builds it with libssl-dev / "
          "libnss3-dev)" % path)
    return path


def embedded_run(lab, exe, started_before):
    """embed_client, started before the tracer or after it: (rows, its
    pid, stderr of the tracer)."""
    srv, port = lab.server("http", lab.write("body", b"embedded body\n"), 1)
    cli = None
    if started_before:
        cli = lab.spawn([exe, str(port), request("/embedded").decode(), "wait"], stdin=PIPE)
        check(read_line(cli) == b"ready\n", "embed_client did not start")
    tr = lab.tracer(["-j", "-v"], "out-%s" % started_before)
    if not started_before:
        cli = lab.spawn([exe, str(port), request("/embedded").decode(), "wait"], stdin=PIPE)
        check(read_line(cli) == b"ready\n", "embed_client did not start")
        # its exec was reported; the look that probes it runs right after:
        # the first calls of a new executable may come before it ends
        deadline = time.time() + 10
        while not re.search((PAIR_ATTACHED % "tls") + "%s" % re.escape(exe),
                            tr.stderr_text()):
            check(time.time() < deadline, "the new embed_client was not probed: %r" %
                  tr.stderr_text()[-500:])
            time.sleep(0.02)
    check(not L.maps(cli.pid, "libssl"), "embed_client maps libssl: %r" % L.maps(cli.pid, "libssl"))
    cli.stdin.write(b"g")
    cli.stdin.flush()
    out = lab.finish(cli, "embed_client")
    check(out == response(b"embedded body\n"), "embed_client got %r" % out)
    lab.finish(srv, "server")
    time.sleep(0.3)
    got, raw = tr.stop()
    check(got == 0, "utrace exited %d" % got)
    rows = json_lines(raw)
    check([(r["function"], d) for r, d in calls(of(rows, cli.pid, "write"))] ==
          [("SSL_write", request("/embedded"))], "embed_client's writes: %r" % of(rows, cli.pid))
    check(L.stream(rows, cli.pid, "read") == out, "embed_client's reads")
    check(re.search((PAIR_ATTACHED % "tls") + "%s" % re.escape(exe),
                    tr.stderr_text()), "-v does not name the executable: %r" %
          tr.stderr_text()[-500:])


def case_embedded(lab):
    """An executable with OpenSSL linked in and exported: no libssl.so."""
    exe = helper("embed_client")
    embedded_run(lab, exe, True)
    embedded_run(lab, exe, False)
    print("ok: an executable embedding OpenSSL (no libssl.so mapped), running before the "
          "tracer and started after it: traced through its own SSL_write/SSL_read")


def case_nss(lab):
    """NSS: PR_Write/PR_Read on the SSL descriptor; the client's PR_Read
    of a plain file first is not shown."""
    exe = helper("nss_client")
    secret = lab.write("plain", b"a plain file read with PR_Read\n")
    srv, port = lab.server("http", lab.write("body", b"nss body\n"), 1)
    tr = lab.tracer(["-j"])
    cli = lab.spawn([exe, str(port), secret, request("/nss").decode()])
    out = lab.finish(cli, "nss_client")
    check(out == response(b"nss body\n"), "nss_client got %r" % out)
    lab.finish(srv, "server")
    time.sleep(0.3)
    rows = stop_json(tr)
    mine = of(rows, cli.pid)
    check([(r["function"], d) for r, d in calls(of(rows, cli.pid, "write"))] ==
          [("PR_Write", request("/nss"))], "nss_client's writes: %r" % mine)
    check(L.stream(rows, cli.pid, "read") == out, "nss_client's reads: %r" % mine)
    check(not [r for r in mine if b"plain file" in data(r)], "the plain file was shown")
    print("ok: NSS: PR_Write and PR_Read of the SSL descriptor exact, the plain file's "
          "PR_Read not shown")


def case_dlopen(lab):
    """A program that dlopen()s the host's libssl and writes at once: its
    very first write is traced, with -p too (the host's copy is probed for
    the process before it maps it; the look its loader's report starts
    would come too late)."""
    exe = helper("dlopen_client")
    for how in ("-p", "system-wide", "-p", "-p", "-p"):
        cli = lab.spawn([exe, lab.cert, lab.key], stdin=PIPE)
        check(read_line(cli) == b"ready\n", "dlopen_client did not start")
        check(not L.maps(cli.pid, "libssl"), "dlopen_client maps libssl already")
        tr = lab.tracer(["-j"] + (["-p", str(cli.pid)] if how == "-p" else []),
                        "out-%d" % cli.pid)
        cli.stdin.write(b"g")
        cli.stdin.flush()
        out = lab.finish(cli, "dlopen_client")
        check(out == b"written\n", "dlopen_client: %r" % out)
        time.sleep(0.2)
        rows = stop_json(tr)
        got = [d for r, d in calls(of(rows, cli.pid, "write"))]
        check(got == [b"first write"], "%s: the write right after dlopen(): %r" % (how, got))
    print("ok: dlopen() of the host's libssl, then a write at once: traced, -p (4 runs) "
          "and system-wide")


CASES = {
    "openssl": case_openssl,
    "curl": case_curl,
    "python-import": case_python_import,
    "python-pid": case_python_pid,
    "gnutls": case_gnutls,
    "big": case_big,
    "binary": case_binary,
    "pid": case_pid,
    "exit": case_exit,
    "no-data": case_no_data,
    "handshake": case_handshake,
    "hex": case_hex,
    "max-bytes": case_max_bytes,
    "count": case_count,
    "lib": case_lib,
    "embedded": case_embedded,
    "nss": case_nss,
    "dlopen": case_dlopen,
}


if __name__ == "__main__":
    run_case(CASES, Lab)
