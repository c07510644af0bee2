#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""utrace readline -S on real interactive bash shells: each command's
status and duration, a shell that exits, execs or is killed, commands
typed on several lines, commands still running at the end, read -e.
Each case is argv[1]."""
import os
import signal
import subprocess
import sys
import time

# the shared helpers are one level up, in test/e2e/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import check, json_lines  # noqa: E402
from rl_case import ReadlineCase, run_cases  # noqa: E402
from shell import PROMPT, Shell  # noqa: E402

HEADER = b"TIME      PID     STATUS  DURms      COMMAND"


class Case(ReadlineCase):
    PREFIX = "utrace-rlstatus-"

    def __init__(self):
        super().__init__()
        self.pids = []          # other processes to end

    def shell(self, env=None):
        # PS2 is the prompt too: type_line() waits for continuation lines
        e = {"PS2": PROMPT.decode()}
        e.update(env or {})
        return self.keep(Shell(env_extra=e))

    def close(self):
        super().close()
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def rows_of(out, pid):
    return [r for r in json_lines(out) if r["pid"] == pid]


def outcome(r):
    return (r["command"], r["status"], r["end"])


def case_statuses(c):
    """The shell's own $? for each line, measured cases of the issue; DURms
    of `sleep 1` is 1000 +- 200."""
    sh = c.shell()
    t = c.tracer(["-S", "-j"])
    want = [(b"false", 1), (b"(exit 7)", 7), (b"ls /nonexistent", 2),
            (b"echo hi | grep -q zz", 1), (b"f(){ return 4; }; f", 4),
            (b"true", 0), (b"sleep 1", 0)]
    whens = [sh.type_line(line) for line, _ in want]
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = rows_of(out, sh.pid)
    got = [outcome(r) for r in rows]
    check(got == [(l.decode(), st, "prompt") for l, st in want], "rows %r" % got)
    for r, when, (line, _) in zip(rows, whens, want):
        check(r["shell"] == "bash" and r["signal"] is None, "row %r" % r)
        ts = r["time"]
        t_event = time.mktime(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")) + \
            float("0" + ts[19:26])
        check(abs(t_event - when) < 2, "TIME of %r is %.3fs from Enter" % (line, t_event - when))
        ms = r["duration_ms"]
        if line == b"sleep 1":
            check(800 <= ms <= 1200, "sleep 1 took %r ms" % ms)
        else:
            check(0 <= ms < 800, "%r took %r ms" % (line, ms))


def case_prompt(c):
    """PROMPT_COMMAND and a PS1 running commands of their own before the
    next prompt do not change the status shown: it is $? of the line."""
    sh = c.shell({"PROMPT_COMMAND": "(exit 9)", "PS1": "$(exit 5)" + PROMPT.decode()})
    t = c.tracer(["-S", "-j", "-p", str(sh.pid)])
    for line in (b"(exit 3)", b"true", b"false"):
        sh.type_line(line)
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    got = [outcome(r) for r in rows_of(out, sh.pid)]
    check(got == [("(exit 3)", 3, "prompt"), ("true", 0, "prompt"), ("false", 1, "prompt")],
          "rows %r" % got)


def case_table(c):
    """-S in the table: STATUS and DURms before COMMAND, aligned; without
    -S the header stays TIME PID COMMAND (test_readline.py)."""
    sh = c.shell()
    t = c.tracer(["-S", "-p", str(sh.pid)])
    sh.type_line(b"(exit 42)")
    sh.type_line(b"sleep 0.3")
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    lines = out.split(b"\n")
    check(lines[0] == HEADER, "header %r" % lines[0])
    check(lines[-1] == b"" and len(lines) == 4, "rows %r" % lines)
    for line, status, cmd in zip(lines[1:3], (b"42", b"0"), (b"(exit 42)", b"sleep 0.3")):
        check(line[10:17] == b"%-7d" % sh.pid, "PID column in %r" % line)
        check(line[18:26] == status.ljust(7) + b" ", "STATUS column in %r" % line)
        check(line[37:] == cmd, "COMMAND column in %r" % line)
        check(line[36:37] == b" " and line[26:27] != b" ", "DURms column in %r" % line)
    ms = float(lines[2][26:36])
    check(250 <= ms <= 700, "sleep 0.3: DURms %r" % lines[2][26:36])


def case_exit(c):
    """`exit 3`: no prompt comes; the row has the exit code; -p ends."""
    sh = c.shell()
    t = c.tracer(["-S", "-j", "-p", str(sh.pid)])
    sh.type_line(b"true")
    os.write(sh.master, b"exit 3\r")
    check(sh.proc.wait(10) == 3, "the shell's exit code")
    rc, out = t.wait(10)
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    got = [outcome(r) for r in rows_of(out, sh.pid)]
    check(got == [("true", 0, "prompt"), ("exit 3", 3, "exit")], "rows %r" % got)


def case_exec(c):
    """`exec sleep 1`: the shell becomes another program: "exec", and the
    duration up to the exec, not the sleep."""
    sh = c.shell()
    t = c.tracer(["-S", "-p", str(sh.pid)])
    os.write(sh.master, b"exec sleep 1\r")
    check(sh.proc.wait(10) == 0, "sleep's exit code")
    rc, out = t.wait(10)
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    lines = out.split(b"\n")
    check(len(lines) == 3 and lines[1][18:26] == b"exec    " and
          lines[1].endswith(b"exec sleep 1"), "rows %r" % lines)
    check(float(lines[1][26:36]) < 800, "exec took %r ms" % lines[1][26:36])


def case_kill9(c):
    """A shell killed mid-command: its line says which signal."""
    sh = c.shell()
    t = c.tracer(["-S", "-j"])
    marker = "31.0%d" % os.getpid()
    os.write(sh.master, b"sleep " + marker.encode() + b"\r")
    deadline = time.time() + 10
    child = None
    while child is None and time.time() < deadline:
        out = subprocess.run(["pgrep", "-P", str(sh.pid), "sleep"],
                             capture_output=True, text=True).stdout.split()
        child = int(out[0]) if out else None
        time.sleep(0.05)
    check(child, "no sleep started by the shell")
    c.pids.append(child)
    os.kill(sh.pid, signal.SIGKILL)
    sh.proc.wait(10)
    time.sleep(0.3)
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = rows_of(out, sh.pid)
    got = [(r["command"], r["status"], r["end"], r["signal"]) for r in rows]
    check(got == [("sleep " + marker, None, "signal", "SIGKILL")], "rows %r" % got)
    check(rows[0]["duration_ms"] > 0, "duration %r" % rows[0])


def case_multiline(c):
    """A `for` loop and a here-document typed on several lines: every line
    is a row as typed; the last line of the command carries its status and
    duration, the lines before it say "continued" (STATUS >)."""
    sh = c.shell()
    t = c.tracer(["-S", "-j", "-p", str(sh.pid)])
    typed = [b"for i in 1 2; do", b"echo $i", b"false; done",
             b"cat <<EOF && (exit 5)", b"doc", b"EOF",
             b"true"]
    for line in typed:
        sh.type_line(line)
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = rows_of(out, sh.pid)
    got = [outcome(r) for r in rows]
    check(got == [("for i in 1 2; do", None, "continued"), ("echo $i", None, "continued"),
                  ("false; done", 1, "prompt"),
                  ("cat <<EOF && (exit 5)", None, "continued"), ("doc", None, "continued"),
                  ("EOF", 5, "prompt"), ("true", 0, "prompt")], "rows %r" % got)
    check([r["duration_ms"] is None for r in rows] ==
          [True, True, False, True, True, False, False], "durations %r" % rows)
    # the table shows ">" for the lines that go on
    t = c.tracer(["-S", "-p", str(sh.pid)])
    sh.type_line(b"if true; then")
    sh.type_line(b"(exit 4); fi")
    rc, out = t.stop()
    lines = out.split(b"\n")
    check([l[18:26] for l in lines[1:3]] == [b">       ", b"4       "], "table %r" % lines)


def case_running(c):
    """-c 2 -d 3: the second line's command still runs when -d ends the
    trace: printed with its status unknown, not dropped."""
    sh = c.shell()
    t = c.tracer(["-S", "-j", "-c", "2", "-d", "3", "-p", str(sh.pid)])
    sh.type_line(b"true")
    os.write(sh.master, b"sleep 30\r")
    rc, out = t.wait(15)
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = rows_of(out, sh.pid)
    got = [(r["command"], r["status"], r["end"], r["duration_ms"]) for r in rows]
    check(got[:1] == [("true", 0, "prompt", got[0][3])] and
          got[1:] == [("sleep 30", None, "running", None)], "rows %r" % got)
    os.write(sh.master, b"\x03")        # Ctrl-C the sleep for close()
    sh.wait_prompt(sh.prompts() + 1)


def case_count(c):
    """-c N takes the first N lines typed; the trace ends once they are
    printed. A command whose last lines are past N is shown continued."""
    sh = c.shell()
    t = c.tracer(["-S", "-j", "-c", "2", "-p", str(sh.pid)])
    sh.type_line(b"(exit 2)")
    sh.type_line(b"for i in 1; do")
    sh.type_line(b"echo $i")
    sh.type_line(b"done")
    rc, out = t.wait(10)
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    got = [outcome(r) for r in rows_of(out, sh.pid)]
    check(got == [("(exit 2)", 2, "prompt"), ("for i in 1; do", None, "continued")],
          "rows %r" % got)


def case_read_e(c):
    """`read -e` reads its answer with readline: it is no command line and
    is not shown, with -S or without; the status is read's."""
    sh = c.shell()
    plain = c.tracer(["-j", "-p", str(sh.pid)])
    status = c.tracer(["-S", "-j", "-p", str(sh.pid)])
    before = sh.prompts()
    os.write(sh.master, b"read -e -p 'answer? ' x\r")
    deadline = time.time() + 10
    while b"answer? " not in sh.screen() and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.05)
    os.write(sh.master, b"secret-answer\r")
    sh.wait_prompt(before + 1)
    sh.type_line(b"echo \"$x\"")
    check(sh.screen().count(b"secret-answer") >= 2, "test bug: read did not get the answer")
    for t, with_status in ((plain, False), (status, True)):
        rc, out = t.stop()
        check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
        rows = rows_of(out, sh.pid)
        got = [r["command"] for r in rows]
        check(got == ["read -e -p 'answer? ' x", 'echo "$x"'], "rows %r" % got)
        if with_status:
            check([r["status"] for r in rows] == [0, 0], "statuses %r" % rows)


run_cases(globals(), Case)
