#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""utrace readline against real interactive shells driven through a pty.

One shell is already waiting at its prompt when tracing starts (the peers
lose its next line), one starts after. The lines typed: a failing command,
UTF-8, a 2000-byte line, a line holding a raw ESC, an empty line. stdout
goes to a file; the tracer is stopped by SIGINT or SIGTERM (argv[1]).
"""
import os
import re
import signal
import sys
import tempfile
import time

# the shared helpers are one level up, in test/e2e/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import Tracer, check, fail, require_bpf  # noqa: E402
from shell import Shell  # noqa: E402

ROW = re.compile(rb"^(\d\d):(\d\d):(\d\d)  (\d+) +(.*)$")


def seconds_of_day(t):
    lt = time.localtime(t)
    return lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec + (t % 1)


def parse(out):
    lines = out.split(b"\n")
    check(lines[0] == b"TIME      PID     COMMAND",
          "header is %r" % lines[0])
    check(lines[-1] == b"", "output does not end with a newline")
    rows = []
    for line in lines[1:-1]:
        m = ROW.match(line)
        check(m, "malformed row %r" % line)
        check(line[18:19] != b" " and line[8:10] == b"  ",
              "columns misaligned in %r" % line)
        h, mi, s, pid, cmd = m.groups()
        rows.append((int(h) * 3600 + int(mi) * 60 + int(s), int(pid), cmd))
    return rows


def main():
    require_bpf()
    sig = signal.SIGTERM if sys.argv[1:] == ["SIGTERM"] else signal.SIGINT
    tmp = tempfile.mkdtemp(prefix="utrace-readline-")
    shells = []
    tracer = None
    try:
        early = Shell()
        shells.append(early)
        early.wait_prompt(1)            # waiting in readline() already

        tracer = Tracer(["readline"], os.path.join(tmp, "out"))

        expect = []                     # (pid, typed bytes, shown bytes, when)

        def typed(sh, line, shown=None):
            when = sh.type_line(line)
            expect.append((sh.pid, line, shown if shown is not None else line, when))

        typed(early, b"echo first-line-of-a-waiting-shell")
        late = Shell()
        shells.append(late)
        late.wait_prompt(1)
        typed(late, b"foo this command failed")
        late.type_line(b"")             # empty: must not be shown
        typed(late, "echo h\u00e9llo w\u00f6rld \u2713 \U0001f600".encode())
        long_line = b"echo " + b"0123456789" * 199 + b"abcde"
        check(len(long_line) == 2000, "test bug: long line is %d bytes" % len(long_line))
        typed(late, long_line)
        # Ctrl-V ESC inserts a literal ESC into the line (quoted-insert)
        typed(early, b"echo \x16\x1b]0;pwned\x16\x07\x16\x1b[31mred",
              b"echo \\x1b]0;pwned\\x07\\x1b[31mred")
        typed(early, b"echo last \\ backslash", b"echo last \\\\ backslash")

        rc, out = tracer.stop(sig)
        check(rc == 0, "exit code %d after %s; stderr: %s" %
              (rc, sig.name, tracer.stderr_text()))
        check(b"\x1b" not in out and b"\x07" not in out,
              "raw control bytes reached the output")
        ours = {sh.pid for sh in shells}
        # other shells on the machine may type too: judge ours only
        rows = [r for r in parse(out) if r[1] in ours]
        got = [(pid, cmd) for _, pid, cmd in rows]
        want = [(pid, shown) for pid, _, shown, _ in expect]
        if got != want:
            fail("rows differ:\n got  %r\n want %r" % (
                [(p, c[:80]) for p, c in got], [(p, c[:80]) for p, c in want]))
        for (tod, _, _), (_, _, _, when) in zip(rows, expect):
            delta = (tod - int(seconds_of_day(when))) % 86400
            check(delta <= 2 or delta >= 86400 - 1,
                  "TIME %d is %ds from the keypress" % (tod, delta))
    finally:
        if tracer:
            tracer.kill()
        for sh in shells:
            sh.close()
    print("ok: %d lines, stopped by %s" % (len(expect), sig.name))


if __name__ == "__main__":
    main()
