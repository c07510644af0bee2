#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""utrace readline's options on real shells: -p, -j, -c, -d, --no-header,
-U, and lines longer than 4096 bytes, cut between characters. Each case
is argv[1]."""
import os
import sys
import time

# the shared helpers are one level up, in test/e2e/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import check, json_lines  # noqa: E402
from rl_case import ReadlineCase, run_cases  # noqa: E402
from shell import Shell  # noqa: E402

HEADER = b"TIME      PID     COMMAND"


def rows_of(out, header=True):
    lines = out.split(b"\n")
    check(lines[-1] == b"", "no final newline")
    if header:
        check(lines[0] == HEADER, "header %r" % lines[0])
        lines = lines[1:]
    return [(int(l[10:17]), l[18:]) for l in lines[:-1]]


class Case(ReadlineCase):
    PREFIX = "utrace-rlopt-"

    def shell(self):
        return self.keep(Shell())



def case_pid(c):
    """-p shows that shell only, including the line it was already waiting for."""
    a, b = c.shell(), c.shell()
    t = c.tracer(["-p", str(a.pid)])
    a.type_line(b"echo from-a-1")
    b.type_line(b"echo from-b")
    a.type_line(b"echo from-a-2")
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    got = rows_of(out)
    check(got == [(a.pid, b"echo from-a-1"), (a.pid, b"echo from-a-2")],
          "-p %d rows: %r" % (a.pid, got))


def case_json(c):
    """-j: every line parses strictly and its fields are what was typed."""
    sh = c.shell()
    t = c.tracer(["-j"])
    lines = [b"echo json-1", "echo caf\u00e9 \u2713".encode(),
             b"echo tab\x16\there", b"printf '%s' \"quote\\\\\""]
    whens = [sh.type_line(l) for l in lines]
    rc, out = t.stop()
    check(rc == 0, "rc %d" % rc)
    check(not out.startswith(b"TIME"), "a header in JSON mode")
    rows = [r for r in json_lines(out) if r["pid"] == sh.pid]
    check(len(rows) == len(lines), "%d JSON rows for %d lines" % (len(rows), len(lines)))
    uid = os.getuid()
    for r, typed, when in zip(rows, lines, whens):
        want = typed.replace(b"\x16", b"").decode()
        check(r["command"] == want, "command %r != %r" % (r["command"], want))
        check(r["pid"] == sh.pid and r["tid"] == sh.pid, "pid/tid %r" % r)
        check(r["uid"] == uid and r["comm"] == "bash", "uid/comm %r" % r)
        check("truncated" not in r, "truncated on a short line")
        # RFC 3339 with microseconds and an offset
        ts = r["time"]
        check(len(ts) == 32 and ts[10] == "T" and ts[19] == "." and ts[26] in "+-",
              "time %r" % ts)
        t_event = time.mktime(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")) + \
            float("0" + ts[19:26])
        check(abs(t_event - when) < 2, "time %s is %.3fs from the keypress" %
              (ts, t_event - when))


def case_count(c):
    """-c 3: exactly three rows, then exit 0 by itself (-p: other shells on
    the machine must not count)."""
    sh = c.shell()
    t = c.tracer(["-c", "3", "-p", str(sh.pid)])
    for i in range(5):
        sh.type_line(b"echo count-%d" % i)
        if t.proc.poll() is not None:
            break
    rc, out = t.wait(10)
    check(rc == 0, "-c 3: rc %d" % rc)
    got = rows_of(out)
    check([cmd for _, cmd in got] == [b"echo count-0", b"echo count-1", b"echo count-2"],
          "-c 3 rows: %r" % got)


def case_duration(c):
    """-d 2: exits 0 in 2 s +- 0.5, with its rows kept; --no-header."""
    sh = c.shell()
    start = time.time()
    t = c.tracer(["-d", "2", "--no-header"])
    attached = time.time()
    sh.type_line(b"echo during-duration")
    rc, out = t.wait(10)
    took = time.time() - attached
    check(rc == 0, "-d 2: rc %d" % rc)
    check(1.5 <= took <= 2.5, "-d 2 took %.2fs after attaching (%.2fs in all)" %
          (took, time.time() - start))
    # other shells on the machine may type too: judge ours only
    got = [r for r in rows_of(out, header=False) if r[0] == sh.pid]
    check(got == [(sh.pid, b"echo during-duration")], "rows %r" % got)


def case_uid(c):
    """-U adds a UID column after PID, wide enough for the subordinate
    uids of containers (1000000 and more)."""
    sh = c.shell()
    t = c.tracer(["-U"])
    sh.type_line(b"echo with-uid")
    rc, out = t.stop()
    lines = out.split(b"\n")
    check(lines[0] == b"TIME      PID     UID        COMMAND", "header %r" % lines[0])
    row = [l for l in lines[1:] if l.endswith(b"echo with-uid")]
    check(len(row) == 1, "rows %r" % lines)
    check(row[0][18:29] == b"%-10d " % os.getuid(), "UID column in %r" % row[0])


def case_long(c):
    """240/241 bytes whole; 4096 bytes whole; 5000 bytes cut at 4096 and marked."""
    sh = c.shell()
    t = c.tracer(["-j"])
    # 240 and 241 bytes: either side of the short record (bpf/readline.h)
    edges = [b"echo " + b"s" * 235, b"echo " + b"t" * 236]
    for line in edges:
        sh.type_line(line)
    exact = b"echo " + b"y" * 4091
    longer = b"echo " + b"z" * 4995
    sh.type_line(exact, timeout=60)
    sh.type_line(longer, timeout=60)
    rc, out = t.stop()
    rows = [r for r in json_lines(out) if r["pid"] == sh.pid]
    check(len(rows) == 4, "%d rows" % len(rows))
    for r, line in zip(rows, edges):
        check(r["command"] == line.decode() and "truncated" not in r,
              "%d-byte line came out as %d bytes" % (len(line), len(r["command"])))
    rows = rows[2:]
    check(rows[0]["command"] == exact.decode() and "truncated" not in rows[0],
          "4096-byte line not whole: %d bytes" % len(rows[0]["command"]))
    check(rows[1]["command"] == longer[:4096].decode() and rows[1].get("truncated") is True,
          "5000-byte line: %d bytes, truncated=%r" % (len(rows[1]["command"]),
                                                      rows[1].get("truncated")))


def case_cut(c):
    """A line cut at 4096 bytes is cut between UTF-8 characters: a 2-byte
    character at bytes 4095-4096 is left out whole, never split."""
    sh = c.shell()
    t = c.tracer(["-j", "-p", str(sh.pid)])
    line = b"echo " + b"x" * 4090 + "\u00e9\u2713 tail".encode()
    check(line[4095:4097] == "\u00e9".encode(), "test bug: the cut is not in the character")
    sh.type_line(line, timeout=60)
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = json_lines(out)
    check(len(rows) == 1 and rows[0]["command"].encode() == line[:4095] and
          rows[0].get("truncated") is True and "command_base64" not in rows[0],
          "cut line: %r" % [(len(r["command"]), r["command"][-4:], r.get("truncated"),
                             "command_base64" in r) for r in rows])


def case_exit(c):
    """-p: when the shell exits, the tracer prints what is left and exits 0."""
    sh = c.shell()
    t = c.tracer(["-p", str(sh.pid)])
    sh.type_line(b"echo last-words")
    os.write(sh.master, b"exit\r")
    start = time.time()
    rc, out = t.wait(10)
    took = time.time() - start
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    check(took < 3, "exited %.1fs after its only shell" % took)
    check(rows_of(out) == [(sh.pid, b"echo last-words"), (sh.pid, b"exit")],
          "rows %r" % rows_of(out))


run_cases(globals(), Case)
