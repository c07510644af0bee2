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

Cases the core answers for every tool run for each name in TOOLS
(default readline,dnslat; UTRACE_HARDENING_TOOLS=readline overrides);
tool-specific cases are the functions in TOOL_CASES[tool][group]. dnslat's
are in hardening_dnslat.py (UTRACE_SOAK_SECONDS: the soak's length, 60).
"""
import base64
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
from utrace_test import UTRACE, Tracer, check, fail, json_lines, require_bpf  # noqa: E402
from shell import PROMPT, PtyProgram  # noqa: E402
import hardening_util as hu  # noqa: E402
from hardening_util import (check_no_leftovers, check_not_crashed,  # noqa: E402
                            expect_error)
import hardening_dnslat  # noqa: E402

TOOLS = [t for t in os.environ.get("UTRACE_HARDENING_TOOLS", "readline,dnslat").split(",") if t]
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


def readline_pid_errors():
    """-p targets that exist but are not an interactive bash."""
    tool = "readline"
    # PID 1: not a bash (or not readable at all) -> 1, naming it
    rc, out, err = hu.run([tool, "-p", "1", "-d", "1"])
    check_not_crashed(rc, "-p 1")
    exe = ""
    try:
        exe = os.readlink("/proc/1/exe")
    except OSError:
        pass
    if os.path.basename(exe).startswith("bash"):
        check(rc == 0, "-p 1 (a bash): exit %d: %r" % (rc, err))
    else:
        expect_error(tool, ["-p", "1", "-d", "1"], 1, "process 1")
        note("readline -p 1: %s" % hu.stderr_lines(err)[0])
    check_no_leftovers("-p 1")

    # a process that exits right after being named: whichever step sees it
    # go, the answer is one line naming it
    for delay in ("0", "0.01", "0.03", "0.05", "0.1"):
        p = spawn(["sleep", delay])
        msg = expect_error(tool, ["-p", str(p.pid)], 1, p.pid)
        p.wait()
    note("readline -p <exiting sleep>: e.g. %s" % msg)
    check_no_leftovers("-p of an exiting process")

    # a thread id of a multi-threaded process
    py = spawn([sys.executable, "-c",
                "import threading,time,sys\n"
                "t=threading.Thread(target=time.sleep,args=(30,),daemon=True);t.start()\n"
                "print('ready',flush=True);time.sleep(30)"], stdout=subprocess.PIPE)
    check(py.stdout.readline().strip() == b"ready", "threaded helper did not start")
    tids = [int(t) for t in os.listdir("/proc/%d/task" % py.pid) if int(t) != py.pid]
    check(tids, "no second thread in %d" % py.pid)
    expect_error(tool, ["-p", str(tids[0])], 1, tids[0])
    py.kill()
    py.wait()

    # a good shell and a process without readline: the shell's probe must go
    sh = hu.bash_pty()
    sl = spawn(["sleep", "30"])
    try:
        sh.wait_prompt(1)
        expect_error(tool, ["-p", str(sh.pid), "-p", str(sl.pid)], 1, sl.pid, ["no readline"])
        check_no_leftovers("-p SHELL -p SLEEP")
        expect_error(tool, ["-p", str(sh.pid), "-p", str(sl.pid)], 1, sl.pid, ["no readline"],
                     env=NO_MULTI)
    finally:
        sh.close()
        sl.kill()
        sl.wait()
    check_no_leftovers("-p SHELL -p SLEEP")
    note("readline: -p 1, exiting PID x5, thread id, shell+sleep -> 1")


def readline_file_errors():
    tool = "readline"
    f = bad_files(scratch("files"), "bash", "/bin/bash")
    d, missing, dangling, text, empty = f["dir"], f["missing"], f["dangling"], f["text"], f["empty"]
    fifo, e32, trunc, loop = f["fifo"], f["elf32"], f["truncated"], f["loop"]
    true = shutil.which("true") or "/bin/true"

    cases = [
        ([missing], missing, ["no such file"]),
        ([dangling], dangling, ["no such file"]),
        ([d], d, ["directory"]),
        ([text], text, ["not an ELF"]),
        ([empty], empty, ["not an ELF"]),
        (["/dev/zero"], "/dev/zero", ["not an ELF"]),
        ([fifo], fifo, []),                 # must not block opening it
        ([e32], e32, ["64-bit"]),
        ([trunc], trunc, []),
        ([loop], loop, []),
        ([true], true, ["no readline"]),
        (["/bin/bash", true], true, ["no readline"]),   # after a good one
        ([true, "/bin/bash"], true, ["no readline"]),
    ]
    for files, culprit, words in cases:
        args = []
        for path in files:
            args += ["-s", path]
        msg = expect_error(tool, args, 1, culprit, words, timeout=10)
        check_no_leftovers("readline %s" % " ".join(args))
        note("readline -s %s: %s" % (" -s ".join(os.path.basename(x) for x in files), msg))
    # the same partial attach when probes are perf events
    expect_error(tool, ["-s", "/bin/bash", "-s", true], 1, true, ["no readline"], env=NO_MULTI)
    check_no_leftovers("readline -s /bin/bash -s %s (perf events)" % true)
    expect_error(tool, ["-s", ""], 64, "empty")
    expect_error(tool, ["-s", "/bin/bash"] * 17, 64, "16")


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


def readline_stripped():
    strip = shutil.which("strip")
    check(strip, "strip (binutils) is needed")
    copy = scratch("bash-stripped")
    shutil.copy("/bin/bash", copy)
    subprocess.run([strip, "--strip-all", copy], check=True, timeout=60)
    sections = subprocess.run(["readelf", "-S", "-W", copy], capture_output=True,
                              timeout=30).stdout
    check(b".symtab" not in sections and b".dynsym" in sections,
          "strip left .symtab, or removed .dynsym")
    sh = hu.bash_pty(copy)
    try:
        sh.wait_prompt(1)

        def drive():
            sh.type_line(b"echo stripped-bash-works")
        rows = traced_rows(["readline", "-j", "-s", copy], drive)
    finally:
        sh.close()
    got = [(r["pid"], r["command"]) for r in rows]
    check(got == [(sh.pid, "echo stripped-bash-works")], "stripped bash: rows %r" % got)
    check_no_leftovers("readline -s stripped bash")
    note("readline -s <stripped bash copy>: attached through .dynsym, line traced")

    # no section headers at all (sstrip): bash runs; utrace either traces it
    # or says plainly that it found no readline
    bare = scratch("bash-no-section-headers")
    shutil.copy("/bin/bash", bare)
    with open(bare, "r+b") as f:
        f.seek(0x28)
        f.write(struct.pack("<Q", 0))
        f.seek(0x3c)
        f.write(struct.pack("<HH", 0, 0))
    rc, out, err = hu.run(["readline", "-s", bare, "-d", "0.5"])
    check_not_crashed(rc, "readline -s <no section headers>")
    if rc == 1:
        expect_error("readline", ["-s", bare, "-d", "0.5"], 1, bare, ["no readline"])
        note("readline -s <bash without section headers>: exit 1, %s" %
             hu.stderr_lines(err)[0])
    else:
        check(rc == 0, "readline -s <no section headers>: exit %d %r" % (rc, err))
        note("readline -s <bash without section headers>: attached")
    check_no_leftovers("readline -s <no section headers>")


def readline_libreadline():
    prog = hu.build_c(os.path.join(HERE, "hardening_rlprog.c"), scratch("hardening_rlprog"),
                      ["-lreadline"])
    if not prog:
        return require_bpf_or_fail_build("a program linked with -lreadline (libreadline-dev)")
    # -s PROGRAM: found through DT_NEEDED in libreadline.so
    p = PtyProgram([prog], b"rlprog> ", env={"INPUTRC": "/dev/null"})
    try:
        p.wait_prompt(1)

        def drive():
            p.type_line(b"hello from rlprog")
        rows = traced_rows(["readline", "-j", "-s", prog], drive)
        check(b"got: hello from rlprog" in p.screen(), "rlprog did not echo its line")
    finally:
        p.close()
    # libreadline.so is probed for every program using it: look at ours
    mine = [r for r in rows if r["pid"] == p.pid]
    got = [(r["pid"], r["command"], r["comm"]) for r in mine]
    check(got == [(p.pid, "hello from rlprog", "hardening_rlpro")], "-s rlprog: rows %r" % rows)

    # -p PID: found in its maps; it was already waiting at its prompt
    p = PtyProgram([prog], b"rlprog> ", env={"INPUTRC": "/dev/null"})
    try:
        p.wait_prompt(1)

        def drive():
            p.type_line(b"first line, prompt was already up")
            p.type_line(b"second line")
        rows = traced_rows(["readline", "-j", "-p", str(p.pid)], drive)
    finally:
        p.close()
    got = [(r["pid"], r["command"]) for r in rows]
    check(got == [(p.pid, "first line, prompt was already up"), (p.pid, "second line")],
          "-p rlprog: rows %r" % got)
    check_no_leftovers("readline -s/-p rlprog")
    note("readline -s/-p <program using libreadline.so>: lines traced")


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
    p = subprocess.Popen(list(prefix) + [tool] + list(args), stdin=subprocess.DEVNULL,
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

    # CAP_BPF + CAP_PERFMON, no CAP_SYS_ADMIN: enough on some kernels, for
    # some ways of attaching; else one line saying permission was denied
    for env, how in ((None, "default links"), (NO_MULTI, "perf events")):
        cmd = dropped("-sys_admin") + [tool, "-d", "0.5"]
        p = subprocess.run(cmd, capture_output=True, timeout=15, stdin=subprocess.DEVNULL,
                           env=env)
        check_not_crashed(p.returncode, " ".join(cmd))
        if p.returncode == 0:
            check(b"Tracing" in p.stderr, "%s without CAP_SYS_ADMIN: %r" % (tool, p.stderr))
            note("%s with CAP_BPF+CAP_PERFMON only (%s): traces" % (tool, how))
        else:
            msg = expect_prefixed_error(dropped("-sys_admin"), tool, ["-d", "0.5"], 1,
                                        "permission denied", env=env)
            note("%s with CAP_BPF+CAP_PERFMON only (%s): exit 1, %s" % (tool, how, msg))
        check_no_leftovers("%s without CAP_SYS_ADMIN (%s)" % (tool, how))


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


def readline_no_link_create():
    """bpf(BPF_LINK_CREATE) denied: probes go on through the perf event
    ioctl instead, and lines are still traced."""
    helper = hu.build_c(os.path.join(HERE, "hardening_seccomp.c"), scratch("hardening_seccomp"))
    if not helper:
        return require_bpf_or_fail_build("the seccomp helper")
    sh = hu.bash_pty()
    try:
        sh.wait_prompt(1)
        out, errpath = scratch("no-link-create.out"), scratch("no-link-create.err")
        with open(out, "wb") as o, open(errpath, "wb") as e:
            tr = spawn([helper, "bpf_link_create", "13", UTRACE, "readline", "-j",
                        "-p", str(sh.pid), "-d", "10"], stdout=o, stderr=e)
        deadline = time.time() + 20
        while b"Tracing" not in open(errpath, "rb").read():
            check(time.time() < deadline and tr.poll() is None,
                  "bpf_link_create denied: utrace did not attach: %r" % open(errpath, "rb").read())
            time.sleep(0.02)
        sh.type_line(b"echo traced-without-link-create")
        time.sleep(0.3)
        tr.send_signal(signal.SIGINT)
        try:
            tr.wait(10)
        except subprocess.TimeoutExpired:
            fail("bpf_link_create denied: utrace hung after SIGINT")
    finally:
        sh.close()
    check_not_crashed(tr.returncode, "bpf_link_create denied")
    rows = json_lines(open(out, "rb").read())
    err = open(errpath, "rb").read()
    check(tr.returncode == 0 and [r["command"] for r in rows] == ["echo traced-without-link-create"],
          "bpf_link_create denied: exit %d, rows %r, stderr %r" % (tr.returncode, rows, err))
    check_no_leftovers("readline with bpf_link_create denied")
    note("readline with bpf(BPF_LINK_CREATE) denied: attached another way, line traced")


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
    p = subprocess.run([UTRACE, tool, "-d", "5"], stdout=subprocess.DEVNULL,
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
        p = spawn([UTRACE, tool, "-d", "0.5"], stdout=f, stderr=subprocess.DEVNULL,
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
            rc, _, err = hu.run([tool, "-d", "3"], stdout=fd, timeout=10)
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
        tr = spawn([UTRACE, tool, "-p", str(idle.pid)], stdout=w, stderr=subprocess.PIPE)
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


def readline_pipe():
    """-j | head -1 while a shell types two lines: head gets the first."""
    sh = hu.bash_pty()
    try:
        sh.wait_prompt(1)
        r, w = os.pipe()
        errpath = scratch("pipe-json.err")
        with open(errpath, "wb") as ef:
            tr = spawn([UTRACE, "readline", "-j", "-p", str(sh.pid)], stdout=w, stderr=ef)
        head = spawn(["head", "-1"], stdin=r, stdout=subprocess.PIPE)
        os.close(r)
        os.close(w)
        deadline = time.time() + 20
        while b"Tracing" not in open(errpath, "rb").read():
            check(time.time() < deadline and tr.poll() is None, "tracer did not attach")
            time.sleep(0.02)
        sh.type_line(b"echo first-for-head")
        sh.type_line(b"echo second-after-head")
        try:
            first = head.communicate(timeout=10)[0]
            rc = tr.wait(5)
        except subprocess.TimeoutExpired:
            fail("readline -j | head -1: no exit 5 s after head left")
        err = open(errpath, "rb").read()
    finally:
        sh.close()
    check_not_crashed(rc, "readline -j | head -1")
    check(rc == 0, "readline -j | head -1: exit %d, %r" % (rc, err))
    check([x for x in hu.stderr_lines(err) if not x.startswith("Tracing")] == [],
          "readline -j | head -1: stderr %r" % err)
    rows = json_lines(first)
    check(len(rows) == 1 and rows[0]["command"] == "echo first-for-head",
          "head -1 got %r" % first)
    check_no_leftovers("readline -j | head -1")
    note("readline -j | head -1 with two lines typed: first line, exit 0")


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
    tr = Tracer([tool] + args, scratch("kill9-%s.out" % tool), env=env)
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


def readline_kill9():
    """kill -9 of a -p tracer; the traced shell goes on unharmed."""
    sh = hu.bash_pty()
    try:
        sh.wait_prompt(1)
        tr = Tracer(["readline", "-p", str(sh.pid)], scratch("kill9-p.out"))
        STARTED.append(tr.proc)
        sh.type_line(b"echo before-kill")
        deadline = time.time() + 5
        while b"before-kill" not in tr.output() and time.time() < deadline:
            time.sleep(0.02)
        check(b"before-kill" in tr.output(), "the tracer did not print the line")
        ids = hu.fd_bpf_ids(tr.proc.pid)
        check(any(k == "link" for k, _ in ids), "tracer %d holds no BPF link" % tr.proc.pid)
        tr.proc.kill()
        tr.proc.wait(10)
        check_no_leftovers("readline -p after kill -9", gone_pids={tr.proc.pid}, gone_ids=ids)
        sh.type_line(b"echo after-kill-$((6*7))")
        check(b"after-kill-42\r\n" in sh.screen(), "shell broken after the tracer died")
    finally:
        sh.close()
    note("readline -p: kill -9 mid-session; the shell goes on")


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


def readline_churn():
    d = scratch("churn")
    os.mkdir(d)
    # names of their own, so rows can be told from anyone else's bash
    short = os.path.join(d, "hwchurn")
    typed = os.path.join(d, "hwtyped")
    os.symlink("/bin/bash", short)
    os.symlink("/bin/bash", typed)
    tr = Tracer(["readline", "-j"], scratch("churn.out"))
    STARTED.append(tr.proc)
    pid = tr.proc.pid
    time.sleep(1.2)             # one discovery pass done
    rss0, fds0 = hu.rss_kb(pid), hu.fd_count(pid)
    links0 = sum(k == "link" for k, _ in hu.fd_bpf_ids(pid))
    rss_max = rss0
    want = {}
    errors = []
    lock = threading.Lock()
    start = time.time()

    loop = spawn(["/bin/sh", "-c",
                  'i=0; while [ $i -lt "$1" ]; do "$0" -c true || exit 1; i=$((i+1)); done',
                  short, str(CHURN_SHORT)])

    def shells(k, n):
        try:
            for i in range(n):
                sh = hu.bash_pty(typed)
                try:
                    sh.wait_prompt(1)
                    line = "echo churn-%d-%d" % (k, i)
                    sh.type_line(line.encode())
                    with lock:
                        want[sh.pid] = line
                finally:
                    sh.close()
        except Exception as e:      # reported below, in the main thread
            with lock:
                errors.append(repr(e))
    workers = [threading.Thread(target=shells, args=(k, CHURN_SHELLS // 4 + (k < CHURN_SHELLS % 4)))
               for k in range(4)]
    for t in workers:
        t.start()
    while any(t.is_alive() for t in workers) or loop.poll() is None:
        check(tr.proc.poll() is None, "utrace died under churn: exit %r, %s" %
              (tr.proc.returncode, tr.stderr_text()))
        rss_max = max(rss_max, hu.rss_kb(pid))
        check(time.time() - start < 120, "churn did not finish in 120 s")
        time.sleep(0.2)
    for t in workers:
        t.join()
    check(not errors, "shells failed: %r" % errors[:3])
    check(loop.wait() == 0, "the short-lived bash loop failed")
    time.sleep(1.2)             # let discovery see the last ones go
    rss1, fds1 = hu.rss_kb(pid), hu.fd_count(pid)
    links1 = sum(k == "link" for k, _ in hu.fd_bpf_ids(pid))
    rc, out = tr.stop(signal.SIGINT)
    check(rc == 0, "utrace after churn: exit %d, %s" % (rc, tr.stderr_text()))
    check([x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")] == [],
          "utrace after churn: stderr %r" % tr.stderr_text())
    rows = json_lines(out)
    mine = [(r["pid"], r["command"]) for r in rows if r["comm"] in ("hwtyped", "hwchurn")]
    check(sorted(mine) == sorted(want.items()),
          "rows differ from the %d typed lines: %d rows (each once?), missing %r, extra %r" % (
              len(want), len(mine), sorted(set(want.items()) - set(mine))[:5],
              sorted(set(mine) - set(want.items()))[:5]))
    check(len(want) == CHURN_SHELLS, "only %d shells typed" % len(want))
    others = len(rows) - len(mine)
    check(rss1 - rss0 <= RSS_SLACK_KB and rss_max - rss0 <= 2 * RSS_SLACK_KB,
          "RSS grew from %d kB to %d kB (peak %d)" % (rss0, rss1, rss_max))
    check(fds1 <= fds0 and links1 == links0,
          "state grew: fds %d -> %d, uprobes %d -> %d" % (fds0, fds1, links0, links1))
    check_no_leftovers("readline after churn", gone_pids={pid})
    note("churn: %d bash -c true + %d typed shells in %.1fs; %d lines exact%s; "
         "RSS %d -> %d kB (peak %d), fds %d -> %d, uprobes %d" % (
             CHURN_SHORT, CHURN_SHELLS, time.time() - start, len(mine),
             " (+%d rows of other shells)" % others if others else "",
             rss0, rss1, rss_max, fds0, fds1, links1))


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


def readline_identical():
    _, rc0, plain = run_session()
    rows = []

    def drive():
        rows.append(run_session())
    json_rows = traced_rows(["readline", "-j"], drive)
    pid, rc1, traced = rows[0]
    check(rc0 == 7 and rc1 == 7, "exit status untraced %r, traced %r" % (rc0, rc1))
    if plain != traced:
        i = next(k for k in range(min(len(plain), len(traced))) if plain[k] != traced[k])
        fail("the traced shell printed something else, from byte %d:\n untraced %r\n traced   %r"
             % (i, plain[i:i + 120], traced[i:i + 120]))
    seen = [r["command"].encode() for r in json_rows if r["pid"] == pid]
    typed = [x for x in SESSION if x] + [b"exit 7"]
    # `!!` reaches readline as typed; bash expands it afterwards
    check(seen == typed, "the tracer saw %r, typed %r" % (seen, typed))
    check(PROMPT in plain and b"x" * 3000 in plain and b"trapped" in plain,
          "test bug: the session did not run")
    note("identical: %d-byte screen, exit 7, same traced and untraced; %d lines seen" %
         (len(plain), len(seen)))


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


def readline_hostile():
    d = scratch("hostile")
    os.mkdir(d)
    comm = b"hw\x1b[31m\x9bbash"      # the command name is untrusted too
    link = os.path.join(d.encode(), comm)
    os.symlink(b"/bin/bash", link)
    sh = hu.bash_pty(link)
    tracers = {}
    lines = hostile_lines()
    try:
        sh.wait_prompt(1)
        for mode, args in (("table", []), ("json", ["-j"]), ("uid", ["-U"]),
                           ("json-uid", ["-j", "-U"])):
            tracers[mode] = Tracer(["readline", "-p", str(sh.pid)] + args,
                                   scratch("hostile-%s.out" % mode))
            STARTED.append(tracers[mode].proc)
        for typed, _ in lines:
            sh.type_line(typed)
        outs = {}
        for mode, tr in tracers.items():
            rc, outs[mode] = tr.stop()
            check(rc == 0, "hostile %s: exit %d %s" % (mode, rc, tr.stderr_text()))
    finally:
        for tr in tracers.values():
            tr.kill()
        sh.close()
    for mode, out in outs.items():
        try:
            text = out.decode("utf-8")
        except UnicodeDecodeError as e:
            fail("hostile %s: output is not valid UTF-8 (%s): raw bytes passed" % (mode, e))
        bad = forbidden(text)
        check(bad is None, "hostile %s: raw %s in the output" % (mode, bad))
        nrows = len(text.splitlines()) - (0 if mode.startswith("json") else 1)
        check(nrows == len(lines), "hostile %s: %d rows for %d lines" % (mode, nrows, len(lines)))
    # JSON is lossless: what readline returned comes back byte for byte
    for mode in ("json", "json-uid"):
        rows = json_lines(outs[mode])
        for row, (typed, want) in zip(rows, lines):
            got = command_bytes(row)
            check(want is None or got == want, "hostile json: line came back as %r, want %r" % (got, want))
            check(command_bytes(row, "comm") == comm,
                  "hostile json: comm %r" % command_bytes(row, "comm"))
    table = outs["table"].decode()
    for shown in ("\\x1b]0;pwned\\x07", "\\x1b[31mred", "\\u{202e}evil", "\\x9b31m",
                  "\\xff", "\\\\x1b", "\\x7f", "\\u{0085}"):
        check(shown in table, "hostile table: %r not shown as %r" % (shown, shown))
    note("hostile: %d lines (C0, DEL, ESC sequences, C1, bidi, invalid UTF-8) and a hostile "
         "command name; table, -U, -j, -j -U all clean; JSON lossless" % len(lines))


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

# Cases a tool adds to a group; the core's cases run for every tool anyway.
TOOL_CASES = {
    "readline": {
        "badinput": [readline_pid_errors, readline_file_errors],
        "shells": [readline_stripped, readline_libreadline],
        "privilege": [readline_no_link_create],
        "pipe": [readline_pipe],
        "kill9": [readline_kill9],
        "churn": [readline_churn],
        "identical": [readline_identical],
        "hostile": [readline_hostile],
    },
    "dnslat": hardening_dnslat.cases(sys.modules[__name__]),
}

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
