#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Hardening (issue 6): bad input, odd targets, privilege, faults, load and
hostile input. Every case ends in a one-line "utrace TOOL: ..." error naming
the culprit with exit 1 (runtime) or 64 (usage), or in correct behaviour;
never a crash, never a hang (every subprocess has a time limit), never a BPF
program, link or uprobe left behind (asked of the kernel: bpftool and
uprobe_events).

    test_hardening.py GROUP...     GROUP: badinput shells privilege pipe
                                          kill9 churn identical hostile
                                          deleted soak
                                   (none: all of them)

Cases the core answers for every tool run for each tool of meson's list
(UTRACE_TOOLS; UTRACE_HARDENING_TOOLS=readline overrides); a tool's own
cases are in test/e2e/TOOL/hardening_TOOL.py (UTRACE_SOAK_SECONDS: the
length of dnslat's soak, 60).
"""
import base64
import importlib
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True      # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import utrace_test  # noqa: E402
from utrace_test import UTRACE, Tracer, check, fail, json_lines, require_bpf  # noqa: E402
from shell import PROMPT, PtyProgram  # noqa: E402
import hardening_util as hu  # noqa: E402
from hardening_util import (check_no_leftovers, check_not_crashed,  # noqa: E402
                            expect_error)

# Every tool of meson's list (utrace_test.tools()), or those named.
TOOLS = [t for t in os.environ.get("UTRACE_HARDENING_TOOLS",
                                   ",".join(utrace_test.tools())).split(",") if t]
HERE = os.path.dirname(os.path.abspath(__file__))
TMP = None                      # one scratch directory per run
STARTED = []                    # processes to kill (by PID) if a check fails


def note(msg):
    print("  " + msg, flush=True)


def spawn(argv, **kw):
    """Popen that is remembered, so cleanup() kills it whatever happens."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(argv, **kw)
    STARTED.append(p)
    return p


def cleanup():
    for p in STARTED:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass


def scratch(name):
    return os.path.join(TMP, name)


def require_bpf_or_fail_build(what):
    """A helper that cannot be built is a skip of that case, unless the run
    demands everything (UTRACE_REQUIRE_BPF=1, as CI sets)."""
    msg = "%s cannot be built here: %s" % (what, hu.build_c.why.strip()[-300:])
    if os.environ.get("UTRACE_REQUIRE_BPF") == "1":
        fail(msg)
    note("skip: " + msg)


# =============================================================================
# badinput: option values, PIDs, -s files
# =============================================================================

# Usage errors test/unit/test_cli.py does not cover: (args, culprit named).
USAGE_CASES = [
    (["-p", ""], "''"), (["-p", " 5"], "' 5'"), (["-p", "+5"], "+5"),
    (["-p", "0x10"], "0x10"), (["-p", "5x"], "5x"), (["-p", "4194305"], "4194305"),
    (["-p", "1e3"], "1e3"), (["--pid=abc"], "abc"),
    (["-p", "1"] * 65, "64"),
    (["-d", "-1"], "-1"), (["-d", "nan"], "nan"), (["-d", "inf"], "inf"),
    (["-d", "infinity"], "infinity"), (["-d", "0x10"], "0x10"), (["-d", "1s"], "1s"),
    (["-d", ""], "''"), (["-d", "."], "'.'"), (["-d", "0.0001"], "0.0001"),
    (["-d", "1e9"], "1e9"), (["-d", "1e-400"], "1e-400"),
    (["-c", "1000000000000001"], "1000000000000001"), (["-c", "1e3"], "1e3"),
    (["-c", "18446744073709551616"], "18446744073709551616"), (["-c", " 1"], "' 1'"),
    (["--buffer", "0"], "'0'"), (["--buffer", "4095"], "4095"), (["--buffer", "2G"], "2G"),
    (["--buffer", "17179869184G"], "17179869184G"), (["--buffer", "-4K"], "-4K"),
    (["--buffer", "1T"], "1T"), (["--buffer", "K"], "'K'"),
    (["-z"], "'z'"), (["-p"], "'p'"), (["--pid"], "--pid"), (["--json=yes"], "--json"),
]


def usage_errors(tool):
    for args, culprit in USAGE_CASES:
        expect_error(tool, args, 64, culprit)
    note("%s: %d usage errors -> 64, one message each" % (tool, len(USAGE_CASES)))


def kernel_thread():
    if hu.is_kernel_thread(2):
        return 2
    for d in sorted(os.listdir("/proc")):
        if d.isdigit() and hu.is_kernel_thread(int(d)):
            return int(d)
    return None


def pid_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        return s[s.rindex(")") + 2]
    except (OSError, ValueError):
        return None


def core_pid_errors(tool):
    """-p answers given by the core, the same for every tool."""
    pid = hu.free_pid()
    expect_error(tool, ["-p", str(pid)], 1, pid, ["no such process"])
    check_no_leftovers("-p %d (no such process)" % pid)

    kt = kernel_thread()
    check(kt is not None, "no kernel thread found to test -p with")
    try:
        os.readlink("/proc/%d/exe" % kt)
        fail("test bug: /proc/%d/exe of a kernel thread is readable" % kt)
    except OSError:
        pass
    expect_error(tool, ["-p", str(kt)], 1, kt, ["kernel thread"])
    check_no_leftovers("-p %d (kernel thread)" % kt)

    # a zombie: /proc/PID/stat is there, its memory and exe are not
    z = spawn(["true"])
    deadline = time.time() + 5
    while pid_state(z.pid) != "Z" and time.time() < deadline:
        time.sleep(0.01)
    check(pid_state(z.pid) == "Z", "test bug: %d did not become a zombie" % z.pid)
    expect_error(tool, ["-p", str(z.pid)], 1, z.pid)
    z.wait()
    check_no_leftovers("-p %d (zombie)" % z.pid)

    # a good PID with a bad one after it: nothing may stay attached
    sh = hu.bash_pty()
    try:
        sh.wait_prompt(1)
        expect_error(tool, ["-p", str(sh.pid), "-p", str(pid)], 1, pid, ["no such process"])
    finally:
        sh.close()
    check_no_leftovers("-p SHELL -p %d" % pid)
    note("%s: -p free PID, kernel thread %d, zombie, good+bad -> 1" % (tool, kt))


def elf32(path):
    """A minimal i386 ELF32 executable header, one PT_LOAD, no sections."""
    hdr = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    hdr += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x8048054, 52, 0, 0, 52, 32, 1, 40, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, 0, 0x8048000, 0x8048000, 84, 84, 5, 0x1000)
    with open(path, "wb") as f:
        f.write(hdr + ph)


def bad_files(d, like, elf):
    """In a new folder @d, every kind of file a path option must refuse
    with a clear message: the names pretend to be @like, the truncated ELF
    is the head of @elf. Returns {kind: path}."""
    os.mkdir(d)
    f = {"dir": d}
    for kind, name in (("missing", "no-such-" + like), ("text", like + ".sh"),
                       ("empty", like + ".empty"), ("elf32", like + ".elf32"),
                       ("truncated", like + ".truncated"), ("fifo", "fifo"),
                       ("loop", "loop"), ("dangling", "dangling")):
        f[kind] = os.path.join(d, name)
    with open(f["text"], "w") as out:
        out.write("#!/bin/sh\necho not an ELF\n")
    open(f["empty"], "w").close()
    elf32(f["elf32"])
    with open(elf, "rb") as src, open(f["truncated"], "wb") as out:
        out.write(src.read(64))
    os.mkfifo(f["fifo"])
    os.symlink(f["loop"], f["loop"])
    os.symlink(os.path.join(d, "nowhere"), f["dangling"])
    return f


def group_badinput():
    for tool in TOOLS:
        usage_errors(tool)
        for fn in TOOL_CASES.get(tool, {}).get("usage", []):
            fn()
    require_bpf()
    for tool in TOOLS:
        core_pid_errors(tool)
        for fn in TOOL_CASES.get(tool, {}).get("badinput", []):
            fn()


# =============================================================================
# shells: a stripped bash, a program using libreadline.so
# =============================================================================


def traced_rows(tracer_args, drive, sig=signal.SIGINT):
    """Run utrace -j ARGS while drive() types; returns the JSON rows."""
    out = scratch("out-%d" % time.monotonic_ns())
    tr = Tracer(tracer_args, out)
    STARTED.append(tr.proc)
    try:
        drive()
        rc, data = tr.stop(sig)
        check(rc == 0, "utrace %s: exit %d: %s" % (" ".join(tracer_args), rc, tr.stderr_text()))
        errs = [x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")]
        check(not errs, "utrace %s: stderr %r" % (" ".join(tracer_args), errs))
    finally:
        tr.kill()
    return json_lines(data)


def command_bytes(row, key="command"):
    if key + "_base64" in row:
        return base64.b64decode(row[key + "_base64"])
    return row[key].encode("utf-8")


def group_shells():
    require_bpf()
    for tool in TOOLS:
        for fn in TOOL_CASES.get(tool, {}).get("shells", []):
            fn()


# =============================================================================
# privilege: an unprivileged user, dropped capabilities, bpf() denied
# =============================================================================


def privileged_copy():
    """utrace where user nobody can run it (the build tree may be private)."""
    d = scratch("bin")
    os.makedirs(d, exist_ok=True)
    os.chmod(TMP, 0o755)
    os.chmod(d, 0o755)
    exe = os.path.join(d, "utrace")
    if not os.path.exists(exe):
        shutil.copy(UTRACE, exe)
        os.chmod(exe, 0o755)
    return exe


def expect_prefixed_error(prefix, tool, args, rc_want, culprit, words=(), absent=(), env=None):
    """expect_error for utrace run under a wrapper (setpriv, seccomp)."""
    what = " ".join(prefix) + " utrace %s %s" % (tool, " ".join(args))
    p = subprocess.Popen(list(prefix) + hu.argv(tool) + list(args), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        fail("%s: hung" % what)
    rc = p.returncode
    check_not_crashed(rc, what)
    lines = hu.stderr_lines(err)
    check(rc == rc_want, "%s: exit %d, want %d: %r" % (what, rc, rc_want, err))
    check(len(lines) == 1, "%s: want one line on stderr, got %r" % (what, lines))
    msg = lines[0]
    check(msg.startswith("utrace %s: " % tool), "%s: no prefix: %r" % (what, msg))
    check(culprit in msg, "%s: message lacks %r: %r" % (what, culprit, msg))
    for w in words:
        check(w in msg, "%s: message lacks %r: %r" % (what, w, msg))
    for w in absent:
        check(w not in msg, "%s: message names %r wrongly: %r" % (what, w, msg))
    check(b"libbpf" not in err, "%s: libbpf noise: %r" % (what, err))
    check(out == b"", "%s: printed %r" % (what, out[:200]))
    return msg


def privilege_cases(tool):
    exe = privileged_copy()
    setpriv = shutil.which("setpriv")
    check(setpriv, "setpriv (util-linux) is needed")
    nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", exe]
    for extra in ([], ["-p", str(os.getpid())]):
        msg = expect_prefixed_error(nobody, tool, extra + ["-d", "1"], 1, "permission denied",
                                    ["CAP_BPF", "CAP_PERFMON"])
    note("%s as nobody: %s" % (tool, msg))
    check_no_leftovers("%s as nobody" % tool)

    def dropped(caps):
        return [setpriv, "--inh-caps=-all", "--bounding-set=" + caps, exe]
    for caps, words, absent in (("-bpf,-perfmon,-sys_admin", ["CAP_BPF", "CAP_PERFMON"], []),
                                ("-bpf,-sys_admin", ["CAP_BPF"], ["CAP_PERFMON"]),
                                ("-perfmon,-sys_admin", ["CAP_PERFMON"], ["CAP_BPF"])):
        msg = expect_prefixed_error(dropped(caps), tool, ["-d", "1"], 1, "permission denied",
                                    words, absent)
        note("%s as root without %s: %s" % (tool, caps.replace("-", ""), msg))
        check_no_leftovers("%s without %s" % (tool, caps))

    # root without CAP_SYS_ADMIN and CAP_CHECKPOINT_RESTORE: what utrace(8)
    # documents as enough with uprobe_multi links (test_core.py's caps case
    # checks that events come, as an unprivileged user with exactly
    # CAP_BPF + CAP_PERFMON)
    caps = "-sys_admin,-checkpoint_restore"
    cmd = dropped(caps) + hu.argv(tool) + ["-d", "0.5"]
    p = subprocess.run(cmd, capture_output=True, timeout=15, stdin=subprocess.DEVNULL)
    check_not_crashed(p.returncode, " ".join(cmd))
    check(p.returncode == 0 and b"Tracing" in p.stderr,
          "%s without CAP_SYS_ADMIN and CAP_CHECKPOINT_RESTORE: exit %d, %r" %
          (tool, p.returncode, p.stderr))
    check_no_leftovers("%s without CAP_SYS_ADMIN" % tool)
    # perf-event uprobes (kernels before 6.6): this kernel's uprobe PMU
    # wants CAP_SYS_ADMIN, and the one line must say so (utrace(8))
    msg = expect_prefixed_error(dropped(caps), tool, ["-d", "0.5"], 1, "permission denied",
                                ["CAP_SYS_ADMIN", "perf-event"], env=NO_MULTI)
    note("%s as root without CAP_SYS_ADMIN: links trace; perf events: %s" % (tool, msg))
    check_no_leftovers("%s without CAP_SYS_ADMIN (perf events)" % tool)


# The core attaches with uprobe_multi links where the kernel has them, else
# through perf events; this makes it take the perf event path.
NO_MULTI = dict(os.environ, UTRACE_NO_UPROBE_MULTI="1")


def seccomp_cases(tool):
    """bpf() or perf_event_open() denied: a sentence, not libbpf noise."""
    helper = hu.build_c(os.path.join(HERE, "hardening_seccomp.c"), scratch("hardening_seccomp"))
    if not helper:
        return require_bpf_or_fail_build("the seccomp helper")
    for call, errno_, words, env in (
            ("bpf", 1, ["refused"], None), ("bpf", 13, ["refused"], None),
            ("bpf", 38, ["bpf() system call"], None),
            ("bpf", 22, ["ring buffer"], None),
            ("perf_event_open", 13, ["permission denied"], NO_MULTI)):
        msg = expect_prefixed_error([helper, call, str(errno_), UTRACE], tool, ["-d", "1"], 1,
                                    "utrace %s: " % tool, words, env=env)
        note("%s with %s() -> errno %d%s: %s" % (tool, call, errno_,
                                                 " (perf events)" if env else "", msg))
        check_no_leftovers("%s with %s denied" % (tool, call))


def group_privilege():
    require_bpf()
    for tool in TOOLS:
        privilege_cases(tool)
        seccomp_cases(tool)
        for fn in TOOL_CASES.get(tool, {}).get("privilege", []):
            fn()


# =============================================================================
# pipe: stdout closed, unwritable, or its reader gone
# =============================================================================


def pipe_cases(tool):
    # stdout closed: like a reader that left, a quiet exit 0 at once,
    # with nothing attached (issue 6)
    start = time.time()
    p = subprocess.run([UTRACE] + hu.argv(tool) + ["-d", "5"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1),
                       timeout=20)
    check_not_crashed(p.returncode, "%s >&-" % tool)
    check(p.returncode == 0 and p.stderr == b"",
          "%s >&-: exit %d, stderr %r" % (tool, p.returncode, p.stderr))
    check(time.time() - start < 2, "%s >&-: traced instead of ending" % tool)
    check_no_leftovers("%s >&-" % tool)

    # stderr closed: still works, nothing written into a reused fd
    out = scratch("stderr-closed.out")
    with open(out, "wb") as f:
        p = spawn([UTRACE] + hu.argv(tool) + ["-d", "0.5"], stdout=f, stderr=subprocess.DEVNULL,
                  preexec_fn=lambda: os.close(2))
        try:
            rc = p.wait(10)
        except subprocess.TimeoutExpired:
            fail("%s 2>&-: hung" % tool)
    check_not_crashed(rc, "%s 2>&-" % tool)
    check(rc == 0, "%s 2>&-: exit %d" % (tool, rc))

    # stdout full or read-only: the write fails, exit 1 with its reason
    for path, mode, reason in (("/dev/full", os.O_WRONLY, "No space left on device"),
                               ("/dev/null", os.O_RDONLY, "Bad file descriptor")):
        fd = os.open(path, mode)
        try:
            rc, _, err = hu.run(hu.argv(tool) + ["-d", "3"], stdout=fd, timeout=10)
        finally:
            os.close(fd)
        check_not_crashed(rc, "%s > %s" % (tool, path))
        lines = [x for x in hu.stderr_lines(err) if not x.startswith("Tracing")]
        check(rc == 1 and lines == ["utrace %s: writing output: %s" % (tool, reason)],
              "%s with stdout %s (mode %d): exit %d, %r" % (tool, path, mode, rc, err))
        check_no_leftovers("%s > %s" % (tool, path))

    # `utrace TOOL | head -1`: head takes the header and leaves; utrace
    # must see that at once and exit 0 quietly, with no event to write.
    # -p of an idle shell: no event of anyone else's may end it instead.
    idle = hu.bash_pty()
    try:
        idle.wait_prompt(1)
        r, w = os.pipe()
        tr = spawn([UTRACE] + hu.argv(tool) + ["-p", str(idle.pid)], stdout=w,
                   stderr=subprocess.PIPE)
        head = spawn(["head", "-1"], stdin=r, stdout=subprocess.PIPE)
        os.close(r)
        os.close(w)
        try:
            first = head.communicate(timeout=20)[0]
            t0 = time.time()
            rc = tr.wait(5)
            took = time.time() - t0
        except subprocess.TimeoutExpired:
            fail("%s | head -1: utrace still running 5 s after head left" % tool)
        err = tr.stderr.read()
    finally:
        idle.close()
    check_not_crashed(rc, "%s | head -1" % tool)
    check(rc == 0, "%s | head -1: exit %d, %r" % (tool, rc, err))
    check([x for x in hu.stderr_lines(err) if not x.startswith("Tracing")] == [],
          "%s | head -1: stderr %r" % (tool, err))
    check(first.startswith(b"TIME"), "%s | head -1 read %r" % (tool, first))
    check_no_leftovers("%s | head -1" % tool)
    note("%s: >&- exit 0; 2>&- ok; /dev/full, read-only stdout exit 1; | head -1 exit 0 "
         "%.2fs after head" % (tool, took))


def group_pipe():
    require_bpf()
    for tool in TOOLS:
        pipe_cases(tool)
        for fn in TOOL_CASES.get(tool, {}).get("pipe", []):
            fn()


# =============================================================================
# kill9: the kernel drops everything of a SIGKILLed tracer
# =============================================================================


def kill9(tool, args, env=None):
    how = "perf events" if env else "default links"
    tr = Tracer(hu.argv(tool) + args, scratch("kill9-%s.out" % tool), env=env)
    STARTED.append(tr.proc)
    pid = tr.proc.pid
    ids = hu.fd_bpf_ids(pid)
    kinds = {k for k, _ in ids}
    check({"prog", "link", "map"} <= kinds,
          "%s %s (%s): tracer %d holds %r: nothing to watch" % (tool, args, how, pid, sorted(ids)))
    perf = [e for e in hu.bpftool("perf", "show") if e.get("pid") == pid]
    check(perf or not env, "%s: no perf event (uprobe) of tracer %d listed" % (tool, pid))
    os.kill(pid, signal.SIGKILL)
    tr.proc.wait(10)
    check(tr.proc.returncode == -signal.SIGKILL, "tracer was not killed")
    check_no_leftovers("%s %s (%s) after kill -9" % (tool, " ".join(args), how),
                       gone_pids={pid}, gone_ids=ids)
    note("%s %s (%s): kill -9 dropped %d BPF objects (%d links, %d perf events)" %
         (tool, " ".join(args), how, len(ids), sum(k == "link" for k, _ in ids), len(perf)))


def group_kill9():
    require_bpf()
    for tool in TOOLS:
        kill9(tool, [])
        kill9(tool, [], env=NO_MULTI)
        for fn in TOOL_CASES.get(tool, {}).get("kill9", []):
            fn()


# =============================================================================
# churn: processes come and go fast while tracing system-wide
# =============================================================================

CHURN_SHORT = int(os.environ.get("UTRACE_CHURN_SHORT", "2000"))
CHURN_SHELLS = int(os.environ.get("UTRACE_CHURN_SHELLS", "200"))
RSS_SLACK_KB = 2048


def group_churn():
    require_bpf()
    for tool in TOOLS:
        for fn in TOOL_CASES.get(tool, {}).get("churn", []):
            fn()


# =============================================================================
# identical: a traced shell prints what an untraced one prints
# =============================================================================

SESSION = [
    b"echo hello world",
    b"printf '%s|' a 'b c' $'d\\te'; echo",
    b"x=41; echo $((x+1))",
    b"false; echo \"rc=$?\"",
    b"for i in 1 2 3; do echo -n \"$i \"; done; echo",
    b"echo {a,b}{1,2}",
    b"cat <<< 'here string'",
    b"echo \"$(echo nested) `echo old`\"",
    b"printf 'x%.0s' {1..3000}; echo",
    b"",
    "echo 'utf8: h\u00e9llo \u2713'".encode(),
    b"echo hi",
    b"!!",
    b"history | tail -4",
    b"trap 'echo trapped' USR1; kill -USR1 $$",
]


def run_session():
    sh = hu.bash_pty()
    try:
        sh.wait_prompt(1)
        for line in SESSION:
            sh.type_line(line)
        os.write(sh.master, b"exit 7\r")
        rc = sh.proc.wait(10)
        time.sleep(0.1)         # the reader thread takes the last bytes
        screen = sh.screen()
    finally:
        sh.close()
    return sh.pid, rc, screen


def group_identical():
    require_bpf()
    for tool in TOOLS:
        for fn in TOOL_CASES.get(tool, {}).get("identical", []):
            fn()


# =============================================================================
# hostile: typed lines and command names must not reach the terminal raw
# =============================================================================

# C0 bytes that reach readline through Ctrl-V (quoted-insert). Left out:
# NUL (ends a C string), ^C ^Z ^\ (the tty sends a signal), ^Q ^S (flow
# control) - they never get into a line.
C0 = [b for b in range(1, 0x20) if b not in (0x03, 0x11, 0x13, 0x1a, 0x1c)]
BIDI = [0x061c, 0x200e, 0x200f] + list(range(0x202a, 0x202f)) + list(range(0x2066, 0x206a))


def hostile_lines():
    """(typed bytes, bytes readline returns). Every line is a comment."""
    lines = []
    c0 = b"".join(b"\x16" + bytes([b]) for b in C0)
    lines.append((b"# c0 " + c0 + b" \x16\x7f del", b"# c0 " + bytes(C0) + b" \x7f del"))
    esc = b"# \x16\x1b]0;pwned\x16\x07 \x16\x1b[2J\x16\x1b[31mred \x16\x1bP+q\x16\x1b\\"
    lines.append((esc, esc.replace(b"\x16", b"")))
    c1 = b"# c1 " + b"".join(bytes([0xc2, b]) for b in range(0x80, 0xa0))
    lines.append((c1, c1))
    bidi = b"# bidi " + b"".join(chr(c).encode() + b"x" for c in BIDI) + " \u202eevil".encode()
    lines.append((bidi, bidi))
    bad = b"# invalid \x9b31m \xff \xfe \x80 \xbf end"
    lines.append((bad, bad))
    # truncated, overlong, surrogate, > U+10FFFF: readline reorders these
    # bytes as it waits for the rest of a character, so only the escaping
    # is checked, not what came back
    lines.append((b"# \xc2 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x80", None))
    lines.append((b"# looks escaped \\x1b \\u{202e}", b"# looks escaped \\x1b \\u{202e}"))
    return lines


def forbidden(text):
    """Characters that must never be printed raw."""
    for ch in text:
        c = ord(ch)
        if (c < 0x20 and ch != "\n") or c == 0x7f or 0x80 <= c <= 0x9f or c in BIDI:
            return "U+%04X" % c
    return None


def group_hostile():
    require_bpf()
    for tool in TOOLS:
        for fn in TOOL_CASES.get(tool, {}).get("hostile", []):
            fn()


# =============================================================================
# deleted: a library or program deleted after being mapped (dnslat: its libc)
# soak: a minute at full rate, RSS flat and every event accounted for
# =============================================================================


def group_deleted():
    require_bpf()
    for tool in TOOLS:
        for fn in TOOL_CASES.get(tool, {}).get("deleted", []):
            fn()


def group_soak():
    require_bpf()
    for tool in TOOLS:
        for fn in TOOL_CASES.get(tool, {}).get("soak", []):
            fn()


# =============================================================================

# Cases a tool adds to a group, from test/e2e/TOOL/hardening_TOOL.py
# (cases(harness) -> {group: [functions]}, ARGS: what it always needs); the
# core's cases run for every tool anyway.
TOOL_CASES = {}
for _tool in TOOLS:
    sys.path.insert(0, os.path.join(HERE, _tool))
    try:
        _mod = importlib.import_module("hardening_" + _tool)
    except ModuleNotFoundError:
        continue
    hu.TOOL_ARGS[_tool] = getattr(_mod, "ARGS", [])
    TOOL_CASES[_tool] = _mod.cases(sys.modules[__name__])

GROUPS = {
    "badinput": group_badinput,
    "shells": group_shells,
    "privilege": group_privilege,
    "pipe": group_pipe,
    "kill9": group_kill9,
    "churn": group_churn,
    "identical": group_identical,
    "hostile": group_hostile,
    "deleted": group_deleted,
    "soak": group_soak,
}


def main():
    global TMP
    names = sys.argv[1:] or list(GROUPS)
    for n in names:
        if n not in GROUPS:
            print("unknown group %r; groups: %s" % (n, " ".join(GROUPS)), file=sys.stderr)
            sys.exit(2)
    TMP = tempfile.mkdtemp(prefix="utrace-hardening-")
    try:
        for n in names:
            t = time.time()
            print("%s:" % n, flush=True)
            GROUPS[n]()
            print("ok: %s (%.1fs)" % (n, time.time() - t), flush=True)
    finally:
        cleanup()
        if os.environ.get("UTRACE_HARDENING_KEEP") == "1":
            print("kept " + TMP)
        else:
            shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
