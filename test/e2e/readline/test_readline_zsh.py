#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""utrace readline on real interactive zsh (Debian's zsh 5.9) through a
pty: a zsh already waiting at its prompt and one started later, UTF-8 and
Latin-1 bytes exactly as typed, vared and select answers left out, -S,
-p and -s. Each case is argv[1]."""
import base64
import os
import shutil
import subprocess
import sys
import time

# the shared helpers are one level up, in test/e2e/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import check, json_lines  # noqa: E402
from rl_case import ReadlineCase, run_cases  # noqa: E402
from shell import Zsh  # noqa: E402

ZSH = "/bin/zsh"


class Case(ReadlineCase):
    PREFIX = "utrace-rlzsh-"

    def __init__(self):
        check(os.path.exists(ZSH), "zsh is needed (Debian package zsh)")
        super().__init__()

    def zsh(self, path=ZSH, env=None):
        return self.keep(Zsh(path, env_extra=env))

    def latin1_env(self):
        """A real ISO-8859-1 locale, built here: in a UTF-8 or the C
        locale zle turns bytes that are not characters into '?'."""
        d = os.path.join(self.tmp, "locale")
        os.mkdir(d)
        p = subprocess.run(["localedef", "-i", "fr_FR", "-f", "ISO-8859-1",
                            os.path.join(d, "fr_FR.ISO-8859-1")],
                           capture_output=True, text=True, timeout=60)
        check(os.path.isdir(os.path.join(d, "fr_FR.ISO-8859-1")),
              "localedef (Debian package locales) failed: %s" % p.stderr[-300:])
        return {"LOCPATH": d, "LC_ALL": "fr_FR.ISO-8859-1"}


def command_bytes(r):
    if "command_base64" in r:
        return base64.b64decode(r["command_base64"])
    return r["command"].encode()


def mine(out, *shells):
    pids = {sh.pid for sh in shells}
    return [r for r in json_lines(out) if r["pid"] in pids]


def case_lines(c):
    """A zsh waiting at its prompt and one started later; lines come out
    un-metafied, exactly as typed: UTF-8, and Latin-1 bytes that zsh
    metafies (0x83 is its Meta, 0x9b and 0xa2 tokens)."""
    early = c.zsh()
    t = c.tracer(["-j"])
    late = c.zsh()
    lat = c.zsh(env=c.latin1_env())
    typed = [
        (early, b"echo first-line-of-a-waiting-zsh"),
        (late, "echo h\u00e9llo w\u00f6rld \u2713 \U0001f600".encode()),
        (late, b"echo back\\\\slash 'quote'"),
        (lat, b"echo \xe9t\xe9 \x83 \x9b \xa2 \xff"),
        (early, b"echo last"),
    ]
    for sh, line in typed:
        sh.type_line(line)
    check(b"\xe9t\xe9 \x83 \x9b \xa2 \xff\r\n" in lat.screen(),
          "test bug: the Latin-1 zsh did not echo the bytes typed")
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = mine(out, early, late, lat)
    got = [(r["pid"], command_bytes(r)) for r in rows]
    check(got == [(sh.pid, line) for sh, line in typed], "rows %r" % got)
    check(all(r["shell"] == "zsh" and r["comm"] == "zsh" for r in rows), "rows %r" % rows)
    check("command_base64" in rows[3] and "command_base64" not in rows[1],
          "base64 only for the bytes that are not UTF-8: %r" % rows)


def case_answers(c):
    """vared and select read with zle too: their answers are not command
    lines; a continued line is still shown."""
    sh = c.zsh()
    t = c.tracer(["-j", "-p", str(sh.pid)])
    before = sh.prompts()
    os.write(sh.master, b"vared -c answer\r")
    time.sleep(0.5)
    os.write(sh.master, b"vared-secret\r")
    sh.wait_prompt(before + 1)
    before = sh.prompts()
    os.write(sh.master, b"select x in aa bb; do break; done\r")
    time.sleep(0.5)
    os.write(sh.master, b"2\r")
    sh.wait_prompt(before + 1)
    sh.type_line(b"echo \"$answer $x\"")
    check(b"vared-secret bb\r\n" in sh.screen(), "test bug: vared/select did not answer")
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    got = [r["command"] for r in mine(out, sh)]
    check(got == ["vared -c answer", "select x in aa bb; do break; done",
                  'echo "$answer $x"'], "rows %r" % got)


def case_status(c):
    """-S: zsh's $? (lastval), a multi-line command, and exit 3."""
    sh = c.zsh()
    t = c.tracer(["-S", "-j"])
    typed = [b"false", b"(exit 7)", b"f(){ return 4; }; f", b"sleep 1",
             b"for i in 1 2; do", b"echo $i", b"false; done", b"true"]
    for line in typed:
        sh.type_line(line)
    os.write(sh.master, b"exit 3\r")
    check(sh.proc.wait(10) == 3, "zsh's exit code")
    time.sleep(0.3)
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = mine(out, sh)
    got = [(r["command"], r["status"], r["end"]) for r in rows]
    check(got == [("false", 1, "prompt"), ("(exit 7)", 7, "prompt"),
                  ("f(){ return 4; }; f", 4, "prompt"), ("sleep 1", 0, "prompt"),
                  ("for i in 1 2; do", None, "continued"), ("echo $i", None, "continued"),
                  ("false; done", 1, "prompt"), ("true", 0, "prompt"),
                  ("exit 3", 3, "exit")], "rows %r" % got)
    ms = rows[3]["duration_ms"]
    check(800 <= ms <= 1200, "sleep 1 took %r ms" % ms)


def case_pid(c):
    """-p: that zsh only, its waiting line included."""
    a, b = c.zsh(), c.zsh()
    t = c.tracer(["-p", str(a.pid)])
    a.type_line(b"echo from-a-1")
    b.type_line(b"echo from-b")
    a.type_line(b"echo from-a-2")
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    lines = out.split(b"\n")
    check(lines[0] == b"TIME      PID     COMMAND", "header %r" % lines[0])
    got = [(int(l[10:17]), l[18:]) for l in lines[1:-1]]
    check(got == [(a.pid, b"echo from-a-1"), (a.pid, b"echo from-a-2")], "rows %r" % got)


def case_path(c):
    """-s a copy of zsh under another name: its zle.so is found in the
    module directory compiled into it. zle.so is one file for the copy and
    /bin/zsh: still, only the zsh named is traced."""
    copy = os.path.join(c.tmp, "myshell")
    shutil.copy(ZSH, copy)
    other = c.zsh()
    t = c.tracer(["-S", "-j", "-s", copy])
    sh = c.zsh(copy)
    sh.type_line(b"(exit 9)")
    other.type_line(b"echo not-traced")
    sh.type_line(b"true")
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    got = [(r["pid"], r["command"], r["status"], r["comm"]) for r in mine(out, sh, other)]
    check(got == [(sh.pid, "(exit 9)", 9, "myshell"), (sh.pid, "true", 0, "myshell")],
          "rows %r" % got)


def case_long(c):
    """A zsh line of 4096 bytes whose bytes zsh all metafies (8192 in its
    memory) is shown whole; a longer one is cut at 4096 between UTF-8
    characters and marked."""
    sh = c.zsh()
    t = c.tracer(["-j", "-p", str(sh.pid)])
    # U+10D0 (e1 83 90): zsh metafies both continuation bytes
    whole = b"echo " + "\u10d0".encode() * 1363 + b"zz"
    longer = b"echo " + "\u10d0".encode() * 1500
    check(len(whole) == 4096, "test bug: %d bytes" % len(whole))
    sh.type_line(whole, timeout=60)
    sh.type_line(longer, timeout=60)
    rc, out = t.stop()
    check(rc == 0, "rc %d: %s" % (rc, t.stderr_text()))
    rows = mine(out, sh)
    check(len(rows) == 2, "%d rows" % len(rows))
    check(command_bytes(rows[0]) == whole and "truncated" not in rows[0],
          "4096-byte line: %d bytes" % len(command_bytes(rows[0])))
    # 4096 = 5 + 3 * 1363 + 2: the cut falls inside the 1364th character
    check(command_bytes(rows[1]) == longer[:5 + 3 * 1363] and rows[1].get("truncated") is True,
          "long line: %d bytes, truncated=%r" % (len(command_bytes(rows[1])),
                                                 rows[1].get("truncated")))


run_cases(globals(), Case)
