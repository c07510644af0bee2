#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Lost events are counted, reported and change the exit code (utrace(8)):
with a ring buffer too small for a burst of lookups, every lookup is either
printed or counted lost, never silently dropped; exit 2 when any was lost,
0 when none was. Then the same burst with the default buffer: none lost."""
import os
import re
import subprocess
import sys
import tempfile

# the shared helpers are one level up, in test/e2e/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import Tracer, check, json_lines, require_bpf  # noqa: E402

LOOKUP = os.environ["DNSLAT_LOOKUP"]
CALLS = 30000


def burst(tmp, args):
    """Run CALLS getaddrinfo("localhost") under `utrace dnslat -p`; return
    (exit code, rows for the loop, lost count, stderr)."""
    loop = subprocess.Popen([LOOKUP, "-w", "getaddrinfo", "localhost", str(CALLS)],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    t = None
    try:
        t = Tracer(["dnslat", "-j", "-p", str(loop.pid)] + args,
                   os.path.join(tmp, "out%d" % len(os.listdir(tmp))))
        loop.stdin.write(b"go\n")
        loop.stdin.close()
        check(loop.wait(120) == 0, "lookup loop failed: %r" % loop.stderr.read())
        rc, out = t.stop()
        err = t.stderr_text()
    finally:
        if loop.poll() is None:
            loop.kill()
            loop.wait()
        if t:
            t.kill()
    rows = [r for r in json_lines(out) if r["pid"] == loop.pid]
    m = re.search(r"utrace dnslat: (\d+) events? lost", err)
    return rc, len(rows), int(m.group(1)) if m else 0, err


def main():
    require_bpf()
    with tempfile.TemporaryDirectory(prefix="utrace-lost-") as tmp:
        rc, rows, lost, err = burst(tmp, ["--buffer", "4K"])
        print("4K buffer: %d rows, %d lost, exit %d" % (rows, lost, rc))
        check(rows + lost == CALLS,
              "%d rows + %d lost != %d calls; stderr %r" % (rows, lost, CALLS, err))
        check(rc == (2 if lost else 0), "exit %d with %d lost" % (rc, lost))
        check(lost > 0, "a 4K ring buffer kept up with %d back-to-back lookups: "
              "the loss path went untested" % CALLS)

        rc, rows, lost, err = burst(tmp, [])
        print("default buffer: %d rows, %d lost, exit %d" % (rows, lost, rc))
        check(rc == 0 and lost == 0 and rows == CALLS,
              "default buffer: %d rows, %d lost, exit %d: %r" % (rows, lost, rc, err))
    print("ok")


main()
