#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""What the core does for every tool, seen through readline and dnslat
(issue 10: signals and output, what is traced and when, privileges, PID
namespaces).

    test_core.py CASE

Lookups use only "localhost" (the machine's /etc/hosts): no name ever
reaches a resolver. The looking-up programs are python3 and getent.
"""
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from utrace_test import UTRACE, Tracer, check, fail, json_lines, require_bpf  # noqa: E402
from shell import Shell  # noqa: E402

MAINEXIT = os.environ.get("CORE_MAINEXIT", "")
LIBC = None
TMP = None
STARTED = []

# A python3 that says "ready", waits for a line on stdin, then makes N
# getaddrinfo("localhost") calls PAUSE seconds apart and waits to be ended.
LOOKER = r"""
import socket, sys, time
n, pause = int(sys.argv[1]), float(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
for i in range(n):
    socket.getaddrinfo("localhost", None)
    if pause:
        time.sleep(pause)
print("done", flush=True)
sys.stdin.readline()
"""


def spawn(argv, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(argv, **kw)
    STARTED.append(p)
    return p


def looker(n, pause=0.0, env=None, prefix=()):
    """A started LOOKER; .go() makes it look names up."""
    p = spawn(list(prefix) + [sys.executable, "-c", LOOKER, str(n), str(pause)],
              stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    check(p.stdout.readline().strip() == b"ready", "the looking-up python did not start")

    def go():
        p.stdin.write(b"go\n")
        p.stdin.flush()
    p.go = go
    return p


def tracer(args, name, **kw):
    t = Tracer(args, os.path.join(TMP, name), **kw)
    STARTED.append(t.proc)
    return t


def host_libc():
    """The libc this python maps, as a path."""
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and os.path.basename(parts[5]).startswith("libc.so"):
                return parts[5]
    fail("no libc in our own maps")


def libc_copy(name):
    """A directory holding a copy of the host's libc.so.6 (a new inode)."""
    d = os.path.join(TMP, "libc-" + name)
    os.makedirs(d, exist_ok=True)
    shutil.copy(LIBC, os.path.join(d, "libc.so.6"))
    return d


def rows_of(rows, pid):
    return [r for r in rows if r["pid"] == pid]


def wait_gone(p, what, timeout=10):
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        fail("%s still running %d s later" % (what, timeout))


# ---- signals and output ---------------------------------------------------


def case_nohup():
    """A stop signal ignored when utrace started stays ignored (nohup,
    trap '' HUP, a background job's SIGINT); the others still stop it."""
    for sig in (signal.SIGHUP, signal.SIGINT):
        lk = looker(40, 0.05)
        t = tracer(["dnslat", "-j", "-p", str(lk.pid)], "nohup-%d" % sig,
                   preexec=lambda s=sig: signal.signal(s, signal.SIG_IGN))
        lk.go()
        time.sleep(0.5)
        t.proc.send_signal(sig)
        time.sleep(1.0)
        check(t.proc.poll() is None, "utrace ended on %s, which was ignored at its start" %
              signal.Signals(sig).name)
        rc, out = t.stop(signal.SIGTERM)
        rows = rows_of(json_lines(out), lk.pid)
        check(rc == 0 and len(rows) >= 20, "after %s ignored: exit %d, %d rows" %
              (signal.Signals(sig).name, rc, len(rows)))
        lk.kill()
    print("ok: SIGHUP and SIGINT ignored at start stay ignored; SIGTERM stops")


def case_stall():
    """A reader that stops reading: a stop signal still ends the trace at
    once, and the rows it never took are counted (exit 2)."""
    lk = looker(200000)
    r, w = os.pipe()
    t = tracer(["dnslat", "-j", "-p", str(lk.pid)], "stall", stdout=w)
    os.close(w)
    lk.go()
    time.sleep(1.5)                     # the 64 KiB pipe is long full
    t0 = time.time()
    t.proc.send_signal(signal.SIGTERM)
    rc = wait_gone(t.proc, "utrace with a stalled reader, after SIGTERM", 5)
    took = time.time() - t0
    os.close(r)
    err = t.stderr_text()
    check(rc == 2 and "not written" in err, "stalled reader: exit %d, stderr %r" % (rc, err))
    check(took < 2, "SIGTERM took %.1f s to end a tracer with a stalled reader" % took)
    lk.kill()
    print("ok: stalled reader: SIGTERM -> exit 2 in %.2f s: %s" % (took, err.strip().splitlines()[-1]))


def case_quit():
    """SIGQUIT (Ctrl-\\), SIGUSR1 and SIGALRM drain like SIGINT: the rows
    of lookups already made are printed."""
    def defaults():
        # a signal ignored at start stays ignored (case_nohup), and a test
        # runner started in the background ignores SIGQUIT: not utrace's
        for sig in (signal.SIGQUIT, signal.SIGUSR1, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
    for sig in (signal.SIGQUIT, signal.SIGUSR1, signal.SIGALRM):
        lk = looker(2)
        t = tracer(["dnslat", "-j", "-p", str(lk.pid)], "quit-%d" % sig, preexec=defaults)
        lk.go()
        check(lk.stdout.readline().strip() == b"done", "the looker did not finish")
        time.sleep(0.3)
        rc, out = t.stop(sig)
        rows = rows_of(json_lines(out), lk.pid)
        check(rc == 0 and len(rows) == 2, "%s: exit %d, %d of 2 rows" %
              (signal.Signals(sig).name, rc, len(rows)))
        lk.kill()
    print("ok: SIGQUIT, SIGUSR1, SIGALRM: drained, exit 0")


# ---- what is traced, and when ---------------------------------------------


def script(name, text):
    """A python3 script file in the scratch directory."""
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def case_exec_follow():
    """-p follows its process across exec(), into another libc."""
    copy = libc_copy("exec-follow")
    after = script("after-exec.py", "import socket, time\ntime.sleep(1)\n"
                   "for i in range(3):\n    socket.getaddrinfo('localhost', None)\n"
                   "print('done', flush=True)\ntime.sleep(30)\n")
    sh = spawn(["sh", "-c", 'read x; exec env LD_LIBRARY_PATH="$0" "$1" "$2"',
                copy, sys.executable, after], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    time.sleep(0.3)
    t = tracer(["dnslat", "-j", "-p", str(sh.pid)], "exec-follow")
    sh.stdin.write(b"x\n")
    sh.stdin.flush()
    check(sh.stdout.readline().strip() == b"done", "the exec'd looker did not finish")
    time.sleep(0.3)
    rc, out = t.stop()
    rows = rows_of(json_lines(out), sh.pid)
    with open("/proc/%d/maps" % sh.pid) as f:
        check(copy in f.read(), "test bug: the looker does not map the libc copy")
    check(rc == 0 and len(rows) == 3, "-p across exec into a libc copy: exit %d, %d of 3 rows" %
          (rc, len(rows)))
    sh.kill()
    print("ok: -p followed exec into %s/libc.so.6" % copy)


def case_reexec():
    """System-wide: a process seen before tracing began that re-executes
    its own program with another libc is looked at again."""
    copy = libc_copy("reexec")
    path = script("reexec.py", "import os, socket, sys, time\n"
                  "if len(sys.argv) < 2:\n"
                  "    print('ready', flush=True)\n"
                  "    sys.stdin.readline()\n"
                  "    os.execve(sys.executable, [sys.executable, __file__, 'again'],\n"
                  "              dict(os.environ, LD_LIBRARY_PATH=%r))\n"
                  "time.sleep(1)\n"
                  "for i in range(3):\n    socket.getaddrinfo('localhost', None)\n"
                  "print('done', flush=True)\ntime.sleep(30)\n" % copy)
    p = spawn([sys.executable, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    check(p.stdout.readline().strip() == b"ready", "the python did not start")
    t = tracer(["dnslat", "-j"], "reexec")
    time.sleep(1.5)                     # seen, with the host's libc, by then
    p.stdin.write(b"x\n")
    p.stdin.flush()
    check(p.stdout.readline().strip() == b"done", "the re-exec'd python did not finish")
    time.sleep(0.3)
    rc, out = t.stop()
    rows = rows_of(json_lines(out), p.pid)
    check(rc == 0 and len(rows) == 3, "re-exec with a libc copy: exit %d, %d of 3 rows" %
          (rc, len(rows)))
    p.kill()
    print("ok: a process re-executing itself with another libc is traced")


def case_upgrade():
    """A traced library replaced in its directory the way dpkg does it
    (new file renamed over the old) is probed before its first user: every
    short-lived program started afterwards is seen, the first one too."""
    getent = shutil.which("getent")
    check(getent, "getent (libc-bin) is needed")
    d = libc_copy("upgrade")
    old_user = spawn(["sleep", "60"], env=dict(os.environ, LD_LIBRARY_PATH=d))
    time.sleep(0.3)
    t = tracer(["dnslat", "-j", "-v"], "upgrade")
    new = os.path.join(d, "libc.so.6.dpkg-new")
    shutil.copy(LIBC, new)
    os.rename(new, os.path.join(d, "libc.so.6"))
    time.sleep(0.5)
    pids = []
    for i in range(5):
        p = spawn([getent, "hosts", "localhost"], stdout=subprocess.DEVNULL,
                  env=dict(os.environ, LD_LIBRARY_PATH=d))
        check(p.wait(10) == 0, "getent failed")
        pids.append(p.pid)
    time.sleep(0.3)
    rc, out = t.stop()
    rows = json_lines(out)
    seen = [pid for pid in pids if rows_of(rows, pid)]
    check(rc == 0 and seen == pids, "after the upgrade: %d of 5 short-lived getent seen; stderr %s" %
          (len(seen), t.stderr_text()[-600:]))
    old_user.kill()
    print("ok: replaced libc probed before its first user: 5 of 5 getent runs seen")


def case_new_loader():
    """A program run by a dynamic loader utrace has never seen (a
    container's own ld.so): the loader is probed when the program starts,
    maybe after its one report of the libraries it loaded, so the process
    is looked at again shortly after, and its libc is found."""
    d = libc_copy("new-loader")
    loader = None
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and os.path.basename(parts[5]).startswith("ld-linux"):
                loader = parts[5]
    check(loader, "no dynamic loader in our own maps")
    shutil.copy(loader, os.path.join(d, "ld-linux-x86-64.so.2"))
    after = script("new-loader.py", "import socket, time\ntime.sleep(0.5)\n"
                   "for i in range(3):\n    socket.getaddrinfo('localhost', None)\n"
                   "print('done', flush=True)\ntime.sleep(30)\n")
    t = tracer(["dnslat", "-j"], "new-loader")
    for i in range(3):
        p = spawn([os.path.join(d, "ld-linux-x86-64.so.2"), "--library-path", d, sys.executable, after],
                  stdout=subprocess.PIPE)
        check(p.stdout.readline().strip() == b"done", "the python under a new loader did not finish")
        with open("/proc/%d/maps" % p.pid) as f:
            check(os.path.join(d, "libc.so.6") in f.read(), "test bug: the libc copy is not used")
        p.kill()
        p.wait()
        time.sleep(0.3)                 # rows are printed within 100 ms
        rows = [r for r in json_lines(t.output()) if r["pid"] == p.pid]
        check(len(rows) == 3, "run %d under a new loader: %d of 3 rows" % (i, len(rows)))
        # the next run: a new copy of the loader, new to utrace again
        os.rename(os.path.join(d, "ld-linux-x86-64.so.2"), os.path.join(d, "ld-old%d" % i))
        shutil.copy(loader, os.path.join(d, "ld-linux-x86-64.so.2"))
    rc, out = t.stop()
    check(rc == 0, "exit %d" % rc)
    print("ok: programs started by 3 loaders new to utrace: their lookups traced")


def case_mainexit():
    """-p of a process whose main thread called pthread_exit(): accepted,
    its worker's lookups traced, and the tracer ends only with it."""
    check(os.access(MAINEXIT, os.X_OK), "no core_mainexit helper (CORE_MAINEXIT)")
    p = spawn([MAINEXIT, "30", "localhost"], stdout=subprocess.PIPE)
    check(p.stdout.readline().strip() == b"ready", "core_mainexit did not start")
    time.sleep(0.15)                    # the main thread is gone now
    with open("/proc/%d/status" % p.pid) as f:
        check("State:\tZ" in f.read(), "test bug: the leader of %d is not a zombie" % p.pid)
    t = tracer(["dnslat", "-j", "-p", str(p.pid)], "mainexit")
    rc = wait_gone(p, "core_mainexit", 20)
    rc, out = t.wait(10)
    rows = rows_of(json_lines(out), p.pid)
    check(rc == 0 and len(rows) >= 20 and all(r["tid"] != p.pid for r in rows),
          "pthread_exit()ed leader: exit %d, %d rows (want >= 20 from the worker), stderr %r" %
          (rc, len(rows), t.stderr_text()))
    print("ok: leader gone by pthread_exit(): %d worker lookups, tracer ended with the process" %
          len(rows))


def case_unmapped():
    """-l naming a file the -p process does not map: traced, with a warning."""
    copy = libc_copy("unmapped")
    lk = looker(1)
    t = tracer(["dnslat", "-j", "-p", str(lk.pid), "-l", os.path.join(copy, "libc.so.6")],
               "unmapped")
    rc, out = t.stop()
    err = t.stderr_text()
    check(rc == 0 and "process %d does not map" % lk.pid in err and copy in err,
          "-l of an unmapped file: exit %d, stderr %r" % (rc, err))
    lk.kill()
    print("ok: -l of a file -p does not map: warned")


def case_shell_pid():
    """readline -s PATH -p PID: that shell binary, only for that process."""
    a, b = Shell(), Shell()
    try:
        a.wait_prompt(1)
        b.wait_prompt(1)
        t = tracer(["readline", "-j", "-s", "/bin/bash", "-p", str(a.pid)], "shell-pid")
        a.type_line(b"echo only-a")
        b.type_line(b"echo not-b")
        time.sleep(0.3)
        rc, out = t.stop()
    finally:
        a.close()
        b.close()
    got = [(r["pid"], r["command"]) for r in json_lines(out)]
    check(rc == 0 and got == [(a.pid, "echo only-a")], "-s with -p: exit %d, rows %r" % (rc, got))
    # -s is not ignored beside -p: a file that is not there is an error
    r = subprocess.run([UTRACE, "readline", "-s", "/nonexistent/bash", "-p", str(os.getpid()),
                        "-d", "1"], capture_output=True, timeout=20)
    err = r.stderr.decode(errors="replace")
    check(r.returncode == 1 and "/nonexistent/bash" in err and "no such file" in err,
          "-s /nonexistent/bash -p: exit %d, %r" % (r.returncode, err))
    print("ok: -s /bin/bash -p PID traces that shell only; -s /nonexistent -p is an error")


# ---- privileges -----------------------------------------------------------


def exe_for_nobody():
    d = os.path.join(TMP, "bin")
    os.makedirs(d, exist_ok=True)
    for p in (TMP, d):
        os.chmod(p, 0o755)
    exe = os.path.join(d, "utrace")
    shutil.copy(UTRACE, exe)
    os.chmod(exe, 0o755)
    return exe


def case_caps():
    """Exactly CAP_BPF + CAP_PERFMON, as an unprivileged user, as utrace(8)
    says: the processes of that user and of others (CAP_PERFMON lets it
    read their maps) are traced, system-wide and with -p; where another
    user's executable itself must be seen (readline -p), the missing
    capability is named."""
    setpriv = shutil.which("setpriv")
    check(setpriv, "setpriv (util-linux) is needed")
    nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    capped = nobody + ["--inh-caps=+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon"]
    exe = exe_for_nobody()
    for owner, prefix in (("nobody's", nobody), ("root's", [])):
        for how in (["-p"], []):
            lk = looker(3, 0.05, prefix=prefix)
            args = ["dnslat", "-j"] + (["-p", str(lk.pid)] if how else [])
            t = Tracer(args, os.path.join(TMP, "caps-%d-%d" % (len(how), len(prefix))),
                       exe=capped + [exe])
            STARTED.append(t.proc)
            lk.go()
            check(lk.stdout.readline().strip() == b"done", "the looker did not finish")
            time.sleep(0.3)
            rc, out = t.stop()
            rows = rows_of(json_lines(out), lk.pid)
            check(rc == 0 and len(rows) == 3,
                  "CAP_BPF+CAP_PERFMON as nobody, %s looker, %s: exit %d, %d of 3 rows, %r" %
                  (owner, "-p" if how else "system-wide", rc, len(rows), t.stderr_text()))
            lk.kill()
    sh = Shell()
    try:
        sh.wait_prompt(1)
        t = Tracer(["readline", "-j"], os.path.join(TMP, "caps-readline"), exe=capped + [exe])
        STARTED.append(t.proc)
        sh.type_line(b"echo typed-as-root")
        time.sleep(0.3)
        rc, out = t.stop()
        rows = [(r["pid"], r["command"]) for r in json_lines(out) if r["pid"] == sh.pid]
        check(rc == 0 and rows == [(sh.pid, "echo typed-as-root")],
              "readline as capped nobody, root's bash: exit %d, rows %r, %r" %
              (rc, rows, t.stderr_text()))
        r = subprocess.run(capped + [exe, "readline", "-p", str(sh.pid), "-d", "1"],
                           capture_output=True, timeout=20)
    finally:
        sh.close()
    err = r.stderr.decode(errors="replace")
    check(r.returncode == 1 and "CAP_SYS_PTRACE" in err and str(sh.pid) in err,
          "readline -p of root's bash as capped nobody: exit %d, %r" % (r.returncode, err))
    print("ok: CAP_BPF+CAP_PERFMON: lookups of nobody's and root's processes traced; "
          "root's bash: %s" % err.strip())


# ---- PID namespaces -------------------------------------------------------


def case_pidns():
    """A tracer in a PID namespace takes -p and prints PIDs as that
    namespace numbers them."""
    r = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable,
                        os.path.abspath(__file__), "pidns-inside"],
                       capture_output=True, timeout=60,
                       env=dict(os.environ, CORE_TMP=TMP))
    out = r.stdout.decode(errors="replace")
    check(r.returncode == 0, "inside a PID namespace: exit %d\n%s%s" %
          (r.returncode, out, r.stderr.decode(errors="replace")))
    print(out.strip())


def case_pidns_inside():
    check(os.getpid() == 1, "test bug: not the first process of a new PID namespace")
    lk = looker(3, 0.05)
    t = tracer(["dnslat", "-j", "-p", str(lk.pid)], "pidns")
    lk.go()
    check(lk.stdout.readline().strip() == b"done", "the looker did not finish")
    time.sleep(0.3)
    rc, out = t.stop()
    rows = json_lines(out)
    check(rc == 0 and [(r["pid"], r["tid"]) for r in rows] == [(lk.pid, lk.pid)] * 3,
          "in the namespace, -p %d: exit %d, rows %r" % (lk.pid, rc, rows))
    print("ok: PID namespace: -p %d, rows say pid %d" % (lk.pid, lk.pid))


def case_no_kernel_btf():
    """No tool's start makes libbpf load the kernel's whole BTF (CO-RE
    relocations do: 15 ms and 11 MB at every start here); kernel fields a
    tool needs come from lib/kbtf.c, which reads only what it needs."""
    import importlib
    import utrace_test
    here = os.path.dirname(os.path.abspath(__file__))
    for tool in utrace_test.tools():
        sys.path.insert(0, os.path.join(here, tool))
        try:
            args = list(getattr(importlib.import_module("hardening_" + tool), "ARGS", []))
        except ModuleNotFoundError:
            args = []
        r = subprocess.run([UTRACE, tool] + args + ["-v", "-d", "0.2"], capture_output=True,
                           timeout=30, stdin=subprocess.DEVNULL)
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 0, "utrace %s -v -d 0.2: exit %d: %s" % (tool, r.returncode, err[-400:]))
        for bad in ("loading kernel BTF", "CO-RE relocating"):
            check(bad not in err, "utrace %s loads the kernel's BTF: %r" % (tool, bad))
    print("ok: no tool loads the kernel's BTF: %s" % " ".join(utrace_test.tools()))


def case_hostile_names():
    """File names from the command line and from /proc/PID/maps reach
    stderr as the table shows text: a newline or an escape sequence in a
    name forges no line and drives no terminal."""
    bad = "x\ny\x1b[31m"
    r = subprocess.run([UTRACE, "readline", "-s", os.path.join(TMP, bad)],
                       capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    err = r.stderr
    check(r.returncode != 0 and err.count(b"\n") == 1 and b"\x1b" not in err and
          b"x\\ny\\x1b[31m" in err,
          "readline -s of a name with a newline and ESC: exit %d, stderr %r" % (r.returncode, err))
    # a libc copy in a directory whose name has ESC and BEL (maps shows a
    # newline as \012 itself; ':' and ';' would split LD_LIBRARY_PATH),
    # used by the looker: -v names it as it attaches
    d = os.path.join(TMP, "libc-\x1b[31mred\x07")
    os.makedirs(d, exist_ok=True)
    shutil.copy(LIBC, os.path.join(d, "libc.so.6"))
    lk = looker(1, env=dict(os.environ, LD_LIBRARY_PATH=d))
    t = tracer(["dnslat", "-v", "-p", str(lk.pid)], "hostile")
    lk.go()
    check(lk.stdout.readline().strip() == b"done", "the looker did not finish")
    rc, out = t.stop()
    err = t.stderr_bytes()
    lines = [x for x in err.decode(errors="replace").splitlines()
             if not x.startswith("libbpf: ")]
    check(rc == 0 and b"\x1b" not in err and b"\x07" not in err and
          any("libc-\\x1b[31mred\\x07/libc.so.6" in x for x in lines) and
          all(x.startswith(("utrace dnslat: ", "Tracing ")) for x in lines),
          "-v with a libc under a hostile name: exit %d, stderr %r" % (rc, err[-600:]))
    lk.kill()
    print("ok: hostile file names are escaped on stderr")


# ---- links ------------------------------------------------------------------


def uprobe_links_and_progs(pid):
    """The uprobe_multi links process @pid holds, and its programs' names."""
    import hardening_util as hu
    ids = hu.fd_bpf_ids(pid)
    links = [l for l in hu.bpftool("link", "show")
             if ("link", l.get("id")) in ids and l.get("type") in (12, "uprobe_multi")]
    progs = {p.get("name", "") for p in hu.bpftool("prog", "show")
             if ("prog", p.get("id")) in ids}
    return links, progs


def case_pairs():
    """-p of a process that has its libc: one uprobe link for the lookups'
    entries and returns where the kernel has session uprobes (6.13+), two
    (a uprobe, a uretprobe) where it has not or UTRACE_NO_UPROBE_SESSION is
    set; none for the dynamic loader; only the programs of the form
    attached are loaded; each form sees every call."""
    import utrace_test
    for split in (False, True):
        os.environ.pop("UTRACE_NO_UPROBE_SESSION", None)
        if split:
            os.environ["UTRACE_NO_UPROBE_SESSION"] = "1"
        session = utrace_test.session_uprobes()
        p = looker(4)
        t = tracer(["dnslat", "-j", "-v", "-p", str(p.pid)], "pairs-%d" % split)
        links, progs = uprobe_links_and_progs(t.proc.pid)
        want = {"lookup"} if session else {"lookup_enter", "lookup_return"}
        other = {"lookup_enter", "lookup_return"} if session else {"lookup"}
        form = "session" if session else "uprobe and uretprobe"
        check(len(links) == (1 if session else 2),
              "%s: %d uprobe links, not %d: %r" % (form, len(links), 1 if session else 2, links))
        check(want <= progs and not progs & other,
              "%s: programs %r (want %r, not %r)" % (form, sorted(progs), sorted(want), sorted(other)))
        check("attached utrace_dlopen" not in t.stderr_text(),
              "-p of a process with its libc probes its loader: %r" % t.stderr_text()[-600:])
        p.go()
        check(p.stdout.readline().strip() == b"done", "the looker did not finish")
        time.sleep(0.3)
        rc, out = t.stop()
        rows = rows_of(json_lines(out), p.pid)
        check(rc == 0 and len(rows) == 4 and
              all(r["host"] == "localhost" and r["function"] == "getaddrinfo" and
                  r["result"] == "ok" and 0 < r["latency_ms"] < 1000 for r in rows),
              "%s: exit %d, rows %r" % (form, rc, rows))
        p.kill()
        print("ok: %s: %d link(s), programs %s, 4 of 4 lookups" %
              (form, len(links), " ".join(sorted(want))))
    os.environ.pop("UTRACE_NO_UPROBE_SESSION", None)


def case_loader():
    """-p: a process's dynamic loader is probed where a target's files may
    come by dlopen() later (readline: python's readline module loads
    libreadline at its first prompt; funclat: libraries other than libc),
    and not for libc alone (dnslat: case_pairs; funclat c:)."""
    # each process maps the library traced: only the target's flag asks for the loader
    rl = "import readline, sys\nprint('ready', flush=True)\nsys.stdin.readline()\n"
    want = [(["readline"], True), (["funclat", "m:cos"], True),
            (["funclat", "c:getaddrinfo"], False)]
    for args, probed in want:
        if args[0] == "readline":
            p = spawn([sys.executable, "-c", rl], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            check(p.stdout.readline().strip() == b"ready", "the python did not start")
        else:
            p = looker(1)
        t = tracer([args[0], "-v", "-p", str(p.pid)] + args[1:], "loader-%s" % "-".join(args))
        rc, _ = t.stop()
        err = t.stderr_text()
        got = "attached utrace_dlopen" in err
        check(rc == 0 and got == probed, "utrace %s -p: exit %d, loader %sprobed: %r" %
              (" ".join(args), rc, "" if got else "not ", err[-600:]))
        p.kill()
        print("ok: %s -p: loader %s" % (" ".join(args), "probed" if probed else "not probed"))


def lookup_stream(seconds, pause):
    """A python3 that says "ready", waits for a line, looks "localhost" up
    for @seconds (@pause between lookups), prints "done N" and waits."""
    code = ("import socket, sys, time\nprint('ready', flush=True)\nsys.stdin.readline()\n"
            "n, end = 0, time.monotonic() + %r\nwhile time.monotonic() < end:\n"
            "    socket.getaddrinfo('localhost', None)\n    n += 1\n"
            "    if %r:\n        time.sleep(%r)\n"
            "print('done', n, flush=True)\nsys.stdin.readline()\n" % (seconds, pause, pause))
    p = spawn([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    check(p.stdout.readline().strip() == b"ready", "the looking-up python did not start")
    return p


def stream_done(p):
    """The number of lookups a lookup_stream() made, once it says so."""
    line = p.stdout.readline().split()
    check(len(line) == 2 and line[0] == b"done", "the looker did not finish: %r" % line)
    return int(line[1])


def case_prompt_rows():
    """Rows of a steady stream are written within the poll interval
    (100 ms) of their lookup: 2,000 lookups a second fill half the 2 MiB
    buffer, where the probes wake the reader, only after seconds, so it is
    the poll timeout that must collect them (the wait is edge-triggered).
    Arrival is when a row is in the output file, looked at every 5 ms; each
    row's time is its lookup's, taken in BPF. Every lookup has its row."""
    import datetime
    p = lookup_stream(2, 0.0005)
    t = tracer(["dnslat", "-j", "-p", str(p.pid)], "prompt-rows")
    p.stdin.write(b"go\n")
    p.stdin.flush()
    seen, lag, calls, done = b"", [], None, time.monotonic() + 20
    while time.monotonic() < done:
        with open(t.out_path, "rb") as f:
            f.seek(len(seen))
            more = f.read()
        now = time.time()
        whole = more[:more.rfind(b"\n") + 1]
        for line in whole.splitlines():
            r = json.loads(line)
            lag.append(now - datetime.datetime.fromisoformat(r["time"]).timestamp())
        seen += whole
        if calls is None and select.select([p.stdout], [], [], 0)[0]:
            calls = stream_done(p)
            done = time.monotonic() + 0.5       # the last rows: one poll interval
        time.sleep(0.005)
    rc, _ = t.stop()
    p.kill()
    check(rc == 0 and calls is not None and len(lag) == calls,
          "exit %d, %d rows of %r lookups" % (rc, len(lag), calls))
    lag.sort()
    check(lag[-1] < 0.5 and lag[len(lag) // 2] < 0.15,
          "rows came up to %.0f ms after their lookup (median %.0f ms)" %
          (lag[-1] * 1e3, lag[len(lag) // 2] * 1e3))
    print("ok: %d rows of a 2,000/s stream, each within %.0f ms of its lookup (median %.0f ms)" %
          (len(lag), lag[-1] * 1e3, lag[len(lag) // 2] * 1e3))


def case_wakeups():
    """With a 64 KiB buffer, lookups back to back fill it many times a
    poll interval: only the probes' wakeups at half full, each taken by the
    edge-triggered wait, keep up (with the timeout alone at most one buffer,
    ~450 rows, would be read per 100 ms, and most lookups lost). Losses are
    allowed here, counted: rows + lost = lookups, exit 2 iff any."""
    p = lookup_stream(2, 0)
    t = tracer(["dnslat", "--buffer", "64K", "-p", str(p.pid)], "wakeups")
    p.stdin.write(b"go\n")
    p.stdin.flush()
    calls = stream_done(p)
    time.sleep(0.3)
    rc, out = t.stop()
    p.kill()
    rows = sum(1 for line in out.splitlines()[1:] if line.split()[1:2] == [b"%d" % p.pid])
    m = re.search(r"utrace dnslat: (\d+) events? lost", t.stderr_text())
    lost = int(m.group(1)) if m else 0
    check(rows + lost == calls and rc == (2 if lost else 0),
          "%d rows + %d lost, %d lookups, exit %d" % (rows, lost, calls, rc))
    check(calls > 20000 and lost * 4 < calls,
          "%d of %d lookups lost with a 64K buffer: the reader is not woken" % (lost, calls))
    print("ok: %d lookups in 2 s through a 64K buffer: %d rows, %d lost" % (calls, rows, lost))

CASES = {
    "nohup": case_nohup,
    "stall": case_stall,
    "quit": case_quit,
    "exec-follow": case_exec_follow,
    "reexec": case_reexec,
    "upgrade": case_upgrade,
    "new-loader": case_new_loader,
    "mainexit": case_mainexit,
    "unmapped": case_unmapped,
    "shell-pid": case_shell_pid,
    "caps": case_caps,
    "pidns": case_pidns,
    "pidns-inside": case_pidns_inside,
    "no-kernel-btf": case_no_kernel_btf,
    "hostile-names": case_hostile_names,
    "prompt-rows": case_prompt_rows,
    "wakeups": case_wakeups,
    "pairs": case_pairs,
    "loader": case_loader,
}


def main():
    global LIBC, TMP
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        fail("usage: test_core.py {%s}" % ",".join(CASES))
    require_bpf()
    LIBC = host_libc()
    TMP = os.environ.get("CORE_TMP") or tempfile.mkdtemp(prefix="utrace-core-")
    try:
        CASES[sys.argv[1]]()
    finally:
        for p in STARTED:
            if p.poll() is None:
                p.kill()
                p.wait()
        if not os.environ.get("CORE_TMP"):
            shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
