# SPDX-License-Identifier: GPL-2.0-only
"""TLS peers for the sslsniff tests, run by Debian's /usr/bin/python3, whose
_ssl module calls libssl.so.3's SSL_read_ex and SSL_write_ex. Everything
binds or connects to 127.0.0.1 only.

  tls_peer.py http CERT KEY BODY N      serve N requests; each response is
                                        one sendall() of header and BODY
  tls_peer.py echo CERT KEY N [DELAY]   echo each connection back, N of them;
                                        the handshake starts DELAY s after
                                        the connection is accepted
  tls_peer.py sink CERT KEY LIMIT       read LIMIT bytes, then stop reading
                                        (a writer blocks) for a minute
  tls_peer.py get PORT PATH [opts]      one GET; the response goes to stdout
  tls_peer.py send PORT FILE [opts]     send FILE in one sendall(), read the
                                        echo back, print "echoed N"
  tls_peer.py stream PORT N SIZE [opts] N messages of SIZE bytes, one
                                        sendall() each, then one of 64 MiB

Servers print "ready PORT" once listening (on a port the kernel chose).
Client options: --wait (print "ready", wait for a byte on stdin, and only
then import ssl), --import-first (import ssl before that wait), --nonblock
(handshake on a non-blocking socket), --verify (verify the server's
certificate against the system's CAs: the tests' self-signed one fails).
"""
import os
import socket
import sys
import time


def listen():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    print("ready %d" % s.getsockname()[1], flush=True)
    return s


def server_context(cert, key):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def serve(mode, cert, key, arg, count, delay=0.0):
    import ssl
    ctx = server_context(cert, key)
    s = listen()
    for _ in range(count):
        c, _ = s.accept()
        time.sleep(delay)
        try:
            t = ctx.wrap_socket(c, server_side=True)
        except (ssl.SSLError, OSError):
            c.close()
            continue
        try:
            if mode == "http":
                req = b""
                while b"\r\n\r\n" not in req:
                    d = t.recv(65536)
                    if not d:
                        break
                    req += d
                body = open(arg, "rb").read()
                t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                          % len(body) + body)
            elif mode == "echo":
                while True:
                    d = t.recv(65536)
                    if not d:
                        break
                    t.sendall(d)
            elif mode == "sink":
                got = 0
                while got < int(arg):
                    d = t.recv(65536)
                    if not d:
                        break
                    got += len(d)
                print("sunk %d" % got, flush=True)
                time.sleep(60)      # a writer blocks; the test ends us
        except (ssl.SSLError, OSError):
            pass
        finally:
            t.close()


def client(argv):
    opts = [a for a in argv if a.startswith("--")]
    args = [a for a in argv if not a.startswith("--")]
    if "--import-first" in opts:
        import ssl  # noqa: F401 (mapped now, used after the wait)
    if "--wait" in opts:
        print("ready", flush=True)
        if not sys.stdin.buffer.read(1):
            sys.exit(3)
    import ssl
    ctx = ssl.create_default_context()
    if "--verify" not in opts:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    mode, port = args[0], int(args[1])
    # no timeout: Python's socket timeouts make the socket non-blocking,
    # and then its handshake takes several calls
    raw = socket.create_connection(("127.0.0.1", port))
    if "--nonblock" in opts:
        raw.setblocking(False)
        t = ctx.wrap_socket(raw, do_handshake_on_connect=False)
        import select
        while True:
            try:
                t.do_handshake()
                break
            except ssl.SSLWantReadError:
                select.select([t], [], [], 30)
            except ssl.SSLWantWriteError:
                select.select([], [t], [], 30)
        t.setblocking(True)
        t.settimeout(30)
    else:
        try:
            t = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        except ssl.SSLError as e:
            print("handshake failed: %s" % e.reason, flush=True)
            sys.exit(4)
    if mode == "get":
        t.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % args[2].encode())
        got = b""
        while True:
            d = t.recv(1 << 20)
            if not d:
                break
            got += d
        sys.stdout.buffer.write(got)
    elif mode == "send":
        data = open(args[2], "rb").read()
        t.sendall(data)
        got = 0
        while got < len(data):
            d = t.recv(1 << 20)
            if not d:
                break
            got += len(d)
        print("echoed %d" % got, flush=True)
    elif mode == "stream":
        n, size = int(args[2]), int(args[3])
        for i in range(n):
            t.sendall((b"msg %06d " % i).ljust(size, b"."))
        print("sent %d" % n, flush=True)
        t.sendall(b"x" * (64 << 20))    # blocks: the sink stopped reading
        print("sent all", flush=True)
    t.close()


def main():
    mode = sys.argv[1]
    if mode in ("http", "echo", "sink"):
        cert, key = sys.argv[2], sys.argv[3]
        if mode == "echo":
            serve(mode, cert, key, None, int(sys.argv[4]),
                  float(sys.argv[5]) if len(sys.argv) > 5 else 0.0)
        elif mode == "sink":
            serve(mode, cert, key, sys.argv[4], 1)
        else:
            serve(mode, cert, key, sys.argv[4], int(sys.argv[5]))
    else:
        client(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
