#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""utrace readline finds shells by what they are: a bash or zsh copied
under another name, started before or after the tracer; a program that
merely uses libreadline (a python3 REPL) is no shell, even while a bash
maps the same libreadline.so; --buffer's minimum holds the largest line.
Each case is argv[1]."""
import os
import shutil
import subprocess
import sys
import time

# the shared helpers are one level up, in test/e2e/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import check, json_lines, UTRACE  # noqa: E402
from rl_case import ReadlineCase, run_cases  # noqa: E402
from shell import PtyProgram, Shell, Zsh  # noqa: E402

LIBREADLINE = "/lib/x86_64-linux-gnu/libreadline.so.8"


class Case(ReadlineCase):
    PREFIX = "utrace-rlany-"

    def start(self, prog):
        return self.keep(prog)

    def copy(self, src, name):
        dst = os.path.join(self.tmp, name)
        shutil.copy(src, dst)
        return dst



def maps(pid, path):
    real = os.path.realpath(path)
    with open("/proc/%d/maps" % pid) as f:
        return any(l.split()[-1] in (path, real) for l in f if len(l.split()) >= 6)


def case_renamed(c):
    """A bash copied to another name (another inode: the probes on
    /bin/bash do not cover it), one started before the tracer and one
    after, and a zsh copy: all traced, with -S status."""
    bash = c.copy("/bin/bash", "hwshell")
    zsh = c.copy("/bin/zsh", "hwzshell")
    before = c.start(Shell(bash))
    t = c.tracer(["-S", "-j"])
    after = c.start(Shell(bash))
    z = c.start(Zsh(zsh))
    typed = [(before, b"(exit 3)", 3), (after, b"echo renamed-after", 0),
             (z, b"(exit 4)", 4), (before, b"true", 0)]
    for sh, line, _ in typed:
        sh.type_line(line)
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    pids = {before.pid, after.pid, z.pid}
    rows = [r for r in json_lines(out) if r["pid"] in pids]
    got = [(r["pid"], r["command"], r["status"], r["shell"], r["comm"]) for r in rows]
    want = [(sh.pid, line.decode(), st, "zsh" if sh is z else "bash",
             "hwzshell" if sh is z else "hwshell") for sh, line, st in typed]
    check(got == want, "rows\n got  %r\n want %r" % (got, want))


def case_python(c):
    """A python3 REPL uses the libreadline.so that a bash (LD_PRELOAD) maps
    too: the bash's probe on it is the bash's only. Neither the REPL's
    statements nor its input() answers are shown; the shell's line is."""
    check(os.path.exists(LIBREADLINE), "test bug: no %s (libreadline8)" % LIBREADLINE)
    sh = c.start(Shell(env_extra={"LD_PRELOAD": LIBREADLINE}))
    check(maps(sh.pid, LIBREADLINE), "test bug: the bash does not map libreadline.so")
    t = c.tracer(["-j"])
    py = c.start(PtyProgram(["python3", "-q", "-i"], b">>> ", env={"PYTHONSTARTUP": ""}))
    check(maps(py.pid, LIBREADLINE), "test bug: python3 does not use libreadline.so")
    py.type_line(b'password = "hunter2"')
    before = py.prompts()
    os.write(py.master, b"answer = input('pw? ')\r")
    deadline = time.time() + 10
    while b"pw? " not in py.screen() and time.time() < deadline:
        time.sleep(0.02)
    os.write(py.master, b"hunter3\r")
    py.wait_prompt(before + 1)
    py.type_line(b"print(password + answer)")
    check(b"hunter2hunter3" in py.screen(), "test bug: the REPL did not run the lines")
    sh.type_line(b"echo from-the-shell")
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = json_lines(out)
    leaked = [r for r in rows if r["pid"] == py.pid or "hunter" in r["command"]]
    check(not leaked, "python REPL lines shown as command lines: %r" % leaked)
    check([r["command"] for r in rows if r["pid"] == sh.pid] == ["echo from-the-shell"],
          "the shell's line: %r" % rows)


def case_exec(c):
    """-p of a bash that exec()s a python3 REPL (a program using readline,
    no shell) in the same process, with -S and without: the bash's lines
    are bash's, the REPL's after the exec() no shell's (and without
    status). What the programs keep per thread of the process (which shell
    it is) goes at the exec(): kept past it, the REPL's lines would come
    as a bash's (the REPL's libreadline.so is no shell binary: nothing
    else voids it)."""
    for opts in (["-S"], []):
        sh = c.start(Shell(env_extra={"PYTHONSTARTUP": ""}))
        t = c.tracer(opts + ["-j", "-p", str(sh.pid)])
        sh.type_line(b"(exit 3)")
        sh.prompt = b">>> "
        sh.type_line(b"exec python3 -q -i")
        check(maps(sh.pid, LIBREADLINE), "test bug: python3 does not use libreadline.so")
        sh.type_line(b"x = 40 + 2")
        sh.type_line(b"print(x)")
        check(b"\n42" in sh.screen(), "test bug: the REPL did not run the lines")
        rc, out = t.stop()
        check(rc == 0, "%s: rc %d: %s" % (opts, rc, t.stderr_text()))
        got = [(r["command"], r.get("shell"), r.get("status")) for r in json_lines(out)
               if r["pid"] == sh.pid and r["command"] != "exec python3 -q -i"]
        want = [("(exit 3)", "bash", 3 if opts else None), ("x = 40 + 2", None, None),
                ("print(x)", None, None)]
        check(got == want, "%s: rows\n got  %r\n want %r" % (opts, got, want))


def case_buffer(c):
    """--buffer below what the largest record needs is refused (64),
    naming the minimum; at the minimum, a 4096-byte bash line and a zsh
    line that is twice as long metafied come through whole."""
    p = subprocess.run([UTRACE, "readline", "--buffer", "4K", "-d", "1"],
                       capture_output=True, text=True, timeout=20)
    check(p.returncode == 64 and "at least 16K" in p.stderr and p.stdout == "",
          "--buffer 4K: exit %d, %r" % (p.returncode, p.stderr))
    sh = c.start(Shell())
    z = c.start(Zsh())
    t = c.tracer(["-j", "--buffer", "16K"])
    bash_line = b"echo " + b"b" * 4091
    # U+10D0 (e1 83 90): zsh metafies both continuation bytes: 5 bytes each
    zsh_line = b"echo " + "\u10d0".encode() * 1363 + b"zz"
    check(len(zsh_line) == 4096, "test bug: %d bytes" % len(zsh_line))
    sh.type_line(bash_line, timeout=60)
    z.type_line(zsh_line, timeout=60)
    rc, out = t.stop()
    check(rc == 0, "--buffer 16K: rc %d (2: lost): %s" % (rc, t.stderr_text()))
    rows = {r["pid"]: r for r in json_lines(out) if r["pid"] in (sh.pid, z.pid)}
    for prog, line in ((sh, bash_line), (z, zsh_line)):
        r = rows.get(prog.pid)
        check(r and r["command"].encode() == line and "truncated" not in r,
              "%d-byte line of %d: %r" % (len(line), prog.pid,
                                         r and (len(r["command"]), r.get("truncated"))))


run_cases(globals(), Case)
