# SPDX-License-Identifier: GPL-2.0-only
"""A tiny DNS server on 127.0.0.1:53/udp for test_dnslat.py.

It answers only for the test's own names, after a fixed delay, so that a
lookup's latency is known:

  NAME.utrace.test      A 127.0.0.1, AAAA ::1
  nx.utrace.test        NXDOMAIN (and every name below it)
  *.127.in-addr.arpa    PTR reverse.utrace.test
  ::1 (ip6.arpa)        PTR reverse.utrace.test
  other in-addr.arpa    NXDOMAIN
  anything else         REFUSED, at once: nothing is forwarded anywhere

Port 53, because resolv.conf cannot name another; the lookups that use it
run in a private mount namespace whose /etc/resolv.conf names 127.0.0.1.

Used in-process (Responder(...).start() ... .stop()), so it cannot outlive
the test; `python3 dns_responder.py [DELAY_MS]` runs it by hand.
"""
import heapq
import select
import socket
import struct
import sys
import threading
import time

TYPE_A, TYPE_PTR, TYPE_AAAA = 1, 12, 28
CLASS_IN = 1
RCODE_OK, RCODE_NXDOMAIN, RCODE_REFUSED = 0, 3, 5
ZONE = b"utrace.test"
NX = b"nx.utrace.test"
PTR_TARGET = b"reverse.utrace.test"
IP6_LOOPBACK_PTR = b".".join([b"1"] + [b"0"] * 31) + b".ip6.arpa"


def under(name, zone):
    return name == zone or name.endswith(b"." + zone)


def encode_name(name):
    out = b""
    for label in name.split(b"."):
        out += bytes([len(label)]) + label
    return out + b"\0"


def parse_query(msg):
    """(id, flags, lower-cased name, qtype, qclass, question bytes) or None."""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack(">HHH", msg[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    labels, i = [], 12
    while True:
        if i >= len(msg):
            return None
        n = msg[i]
        i += 1
        if n == 0:
            break
        if n & 0xC0 or i + n > len(msg):
            return None
        labels.append(msg[i:i + n])
        i += n
    if i + 4 > len(msg):
        return None
    qtype, qclass = struct.unpack(">HH", msg[i:i + 4])
    return qid, flags, b".".join(labels).lower(), qtype, qclass, msg[12:i + 4]


def answer_records(name, qtype):
    """(rcode, [(type, rdata)]) for a question, per the table above."""
    if under(name, NX):
        return RCODE_NXDOMAIN, []
    if under(name, ZONE):
        if qtype == TYPE_A:
            return RCODE_OK, [(TYPE_A, socket.inet_pton(socket.AF_INET, "127.0.0.1"))]
        if qtype == TYPE_AAAA:
            return RCODE_OK, [(TYPE_AAAA, socket.inet_pton(socket.AF_INET6, "::1"))]
        return RCODE_OK, []
    if name.endswith(b".127.in-addr.arpa") or name == IP6_LOOPBACK_PTR:
        if qtype == TYPE_PTR:
            return RCODE_OK, [(TYPE_PTR, encode_name(PTR_TARGET))]
        return RCODE_OK, []
    if under(name, b"in-addr.arpa") or under(name, b"ip6.arpa"):
        return RCODE_NXDOMAIN, []
    return RCODE_REFUSED, []


def build_reply(query):
    qid, flags, name, qtype, qclass, question = query
    rcode, records = answer_records(name, qtype) if qclass == CLASS_IN \
        else (RCODE_REFUSED, [])
    # QR, the query's opcode and RD, AA, RA
    out_flags = 0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | rcode
    msg = struct.pack(">HHHHHH", qid, out_flags, 1, len(records), 0, 0)
    msg += question
    for rtype, rdata in records:
        msg += b"\xc0\x0c" + struct.pack(">HHIH", rtype, CLASS_IN, 0, len(rdata))
        msg += rdata
    return msg, rcode


class Responder:
    """Answers after delay_ms, each query on its own clock (A and AAAA
    queries sent together are answered together)."""

    def __init__(self, delay_ms=150, address="127.0.0.1", port=53):
        self.delay = delay_ms / 1000.0
        self.address = (address, port)
        self.queries = []       # (name, qtype), in arrival order
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = None
        self._thread = None

    def start(self):
        """Bind and serve; raises OSError naming the port if it is taken."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind(self.address)
        except OSError as e:
            sock.close()
            raise OSError(e.errno, "cannot bind %s:%d/udp for the test DNS "
                          "server (%s): is a DNS server running here?" %
                          (self.address[0], self.address[1], e.strerror))
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        if self._sock:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def seen(self):
        with self._lock:
            return list(self.queries)

    def _serve(self):
        pending = []    # heap of (due, seq, reply, peer)
        seq = 0
        while not self._stop.is_set():
            now = time.monotonic()
            while pending and pending[0][0] <= now:
                _, _, reply, peer = heapq.heappop(pending)
                try:
                    self._sock.sendto(reply, peer)
                except OSError:
                    pass
            timeout = 0.05
            if pending:
                timeout = max(0.0, min(timeout, pending[0][0] - now))
            ready, _, _ = select.select([self._sock], [], [], timeout)
            if not ready:
                continue
            try:
                msg, peer = self._sock.recvfrom(4096)
            except OSError:
                continue
            query = parse_query(msg)
            if not query:
                continue
            with self._lock:
                self.queries.append((query[2], query[3]))
            reply, rcode = build_reply(query)
            due = time.monotonic() + (0 if rcode == RCODE_REFUSED else self.delay)
            seq += 1
            heapq.heappush(pending, (due, seq, reply, peer))


def main():
    delay = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    try:
        r = Responder(delay).start()
    except OSError as e:
        print("dns_responder: %s" % e, file=sys.stderr)
        return 1
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        r.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
