# SPDX-License-Identifier: GPL-2.0-only
"""Helpers for test_hardening.py: running utrace with a time limit and
checking its answer, asking the kernel what BPF state is left behind, a
bash on a pty, and building C helpers at test time.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import time

from shell import Shell
from utrace_test import UTRACE, check, fail

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))

# Program names of every tool, when bpf/*.bpf.[ch] cannot be read.
KNOWN_PROGS = {
    "line_returned", "lookup_enter", "lookup_return", "utrace_exec",
    "utrace_dlopen", "frames_exec",
}

# What a tool needs on every command line (funclat: a SPEC), from its
# hardening_TOOL.py ARGS; the core's cases put it first.
TOOL_ARGS = {}


def argv(tool):
    """The tool's name and the arguments it always needs."""
    return [tool] + list(TOOL_ARGS.get(tool, []))

# --- running utrace ---------------------------------------------------------


def run(args, timeout=15, **kw):
    """utrace ARGS with a time limit; returns (rc, stdout, stderr) as bytes.
    A hang is a failure, never a stuck test."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen([UTRACE] + list(args), stdout=kw.pop("stdout", subprocess.PIPE),
                         stderr=subprocess.PIPE, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        fail("utrace %s hung (no exit within %ds)" % (" ".join(args), timeout))
    return p.returncode, out or b"", err


def check_not_crashed(rc, what):
    """A negative code is death by a signal; >= 128 a shell's view of one."""
    check(rc is not None and 0 <= rc < 128,
          "%s: died (exit status %r): a crash" % (what, rc))


def stderr_lines(err):
    return err.decode("utf-8", "replace").rstrip("\n").split("\n") if err.strip() else []


ARGP_HINT = re.compile(r"^Try `utrace \S+ --help' or `utrace \S+ --usage' for more information\.$")


def expect_error(tool, args, rc_want, culprit, words=(), **kw):
    """utrace TOOL ARGS must exit @rc_want with one line on stderr,
    "utrace TOOL: ...", naming @culprit (and each of @words), and print
    nothing on stdout. For usage errors argp's "Try ... --help" hint may
    follow. Returns the message line."""
    what = "utrace %s %s" % (" ".join(argv(tool)), " ".join(args))
    rc, out, err = run(argv(tool) + list(args), **kw)
    check_not_crashed(rc, what)
    lines = stderr_lines(err)
    check(rc == rc_want, "%s: exit %d, want %d; stderr %r" % (what, rc, rc_want, err))
    check(lines, "%s: exit %d with no message" % (what, rc))
    msg = lines[0]
    rest = " ".join(x.strip() for x in lines[1:])
    if rc_want == 64 and rest:
        check(ARGP_HINT.match(rest), "%s: more than one message line: %r" % (what, lines))
    else:
        check(not rest, "%s: more than one line on stderr: %r" % (what, lines))
    check(msg.startswith("utrace %s: " % tool), "%s: message lacks the prefix: %r" % (what, msg))
    check(str(culprit) in msg[len("utrace %s: " % tool):],
          "%s: message does not name %r: %r" % (what, culprit, msg))
    for w in words:
        check(w in msg, "%s: message lacks %r: %r" % (what, w, msg))
    check(b"libbpf" not in err, "%s: libbpf noise on stderr: %r" % (what, err))
    check(out == b"", "%s: printed on stdout: %r" % (what, out[:200]))
    return msg


# --- what the kernel still holds ---------------------------------------------


def bpftool(*args):
    exe = shutil.which("bpftool") or "/usr/sbin/bpftool"
    if not os.path.exists(exe):
        fail("bpftool is needed to list the kernel's BPF programs and links")
    # a listing fails when a program or link goes away while it is read
    # (another tracer on the machine exiting): that is no answer, ask again
    for attempt in range(5):
        p = subprocess.run([exe, "-j"] + list(args), capture_output=True, timeout=20)
        if p.returncode == 0:
            break
        time.sleep(0.1)
    if p.returncode != 0:
        fail("bpftool %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr[:300]))
    text = p.stdout.decode().strip()
    return json.loads(text) if text else []


def our_prog_names():
    """BPF program names of every tool, from the sources: a new tool's
    programs are covered without editing this file."""
    names = set(KNOWN_PROGS)
    for path in glob.glob(os.path.join(SRC, "bpf", "*.bpf.[ch]")):
        with open(path, errors="replace") as f:
            text = f.read()
        names.update(re.findall(r"BPF_K(?:RET)?PROBE\(\s*(\w+)", text))
        names.update(re.findall(r"SEC\(\"[^\"]+\"\)\s*int\s+(\w+)", text))
        # an entry and return pair: its session program and its two others
        for pair in re.findall(r"^UTRACE_ENTRY_RETURN\(\s*(\w+)", text, re.M):
            names.update((pair, pair + "_enter", pair + "_return"))
    # the kernel keeps the first 15 bytes of a program name
    return {n[:15] for n in names}


def fd_bpf_ids(pid):
    """('prog'|'link'|'map', id) for each BPF fd process @pid holds."""
    ids = set()
    fddir = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(fddir)
    except OSError:
        return ids
    for fd in fds:
        try:
            target = os.readlink(os.path.join(fddir, fd))
            if not target.startswith("anon_inode:bpf"):
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = f.read()
        except OSError:
            continue
        kind = {"anon_inode:bpf-prog": "prog", "anon_inode:bpf_link": "link",
                "anon_inode:bpf-map": "map"}.get(target)
        if not kind:
            continue
        m = re.search(r"^%s_id:\s*(\d+)" % kind, info, re.M)
        if m:
            ids.add((kind, int(m.group(1))))
        m = re.search(r"^prog_id:\s*(\d+)", info, re.M)
        if m:
            ids.add(("prog", int(m.group(1))))
    return ids


def owned_bpf_ids():
    """Every BPF prog/link/map some live process holds an fd to (or has
    attached through a perf event)."""
    owned = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            owned |= fd_bpf_ids(int(d))
    for e in bpftool("perf", "show"):
        if os.path.exists("/proc/%d" % e.get("pid", 0)):
            owned.add(("prog", e.get("prog_id")))
    return owned


_tracefs = None


def uprobe_events():
    """The kernel's uprobe_events listing. tracefs is read where it is
    mounted, else through a private mount (nothing changes outside)."""
    global _tracefs
    for base in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        p = os.path.join(base, "uprobe_events")
        if os.path.exists(p):
            with open(p) as f:
                return f.read()
    if _tracefs is False:
        return ""
    p = subprocess.run(
        ["unshare", "-m", "sh", "-c",
         "mount -t tracefs nodev /sys/kernel/tracing && cat /sys/kernel/tracing/uprobe_events"],
        capture_output=True, timeout=10)
    if p.returncode != 0:
        _tracefs = False        # no tracefs at all: the other listings stand
        return ""
    _tracefs = True
    return p.stdout.decode(errors="replace")


def leftovers(gone_pids=(), gone_ids=(), words=()):
    """What the kernel still holds that a finished utrace should have let go:
    programs of ours no live process owns, links to them, perf events of a
    dead tracer (@gone_pids), any id a dead tracer held (@gone_ids), and
    uprobe_events lines naming bash, readline, libbpf or @words."""
    names = our_prog_names()
    progs = bpftool("prog", "show")
    links = bpftool("link", "show")
    maps = bpftool("map", "show")
    perf = bpftool("perf", "show")
    owned = owned_bpf_ids()
    found = []
    ours = set()
    for p in progs:
        if p.get("name") in names:
            ours.add(p["id"])
            if ("prog", p["id"]) not in owned:
                found.append("BPF program %s (id %d) held by no process" % (p["name"], p["id"]))
    for link in links:
        if link.get("prog_id") in ours and ("link", link["id"]) not in owned:
            found.append("BPF link %d (program %d) held by no process" %
                         (link["id"], link["prog_id"]))
    for e in perf:
        if e.get("pid") in gone_pids:
            found.append("perf event of dead tracer %d: %r" % (e["pid"], e))
    live = {("prog", p["id"]) for p in progs} | {("link", x["id"]) for x in links} | \
        {("map", m["id"]) for m in maps}
    for kind, i in set(gone_ids) & live:
        found.append("%s id %d of the dead tracer still exists" % (kind, i))
    pats = ("bash", "readline", "libbpf_") + tuple(words)
    for line in uprobe_events().splitlines():
        if any(w in line for w in pats):
            found.append("uprobe_events: " + line)
    return found


def check_no_leftovers(what, gone_pids=(), gone_ids=(), words=(), timeout=5.0):
    """Wait (the kernel frees asynchronously) until nothing is left."""
    deadline = time.time() + timeout
    while True:
        left = leftovers(gone_pids, gone_ids, words)
        if not left:
            return
        if time.time() > deadline:
            fail("%s: left behind:\n  %s" % (what, "\n  ".join(left)))
        time.sleep(0.2)


# --- processes ---------------------------------------------------------------


def rss_kb(pid):
    """VmRSS of @pid; a process gone (or a zombie, which has none) fails the
    test: a 0 would pass any "RSS stays flat" check."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:        # gone (ENOENT), or going while read (ESRCH)
        pass
    fail("process %d is gone: no RSS to read" % pid)


def fd_count(pid, samples=10):
    """The fds @pid holds for good: the fewest over @samples looks 20 ms
    apart, since a tracer looking at a new process of a busy machine holds
    its /proc files for a moment."""
    n = None
    for i in range(samples):
        k = len(os.listdir("/proc/%d/fd" % pid))
        n = k if n is None else min(n, k)
        if i + 1 < samples:
            time.sleep(0.02)
    return n


def is_kernel_thread(pid):
    """PF_KTHREAD (0x00200000) in the flags field of /proc/PID/stat."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2:].split()
    return bool(int(fields[6]) & 0x00200000)


def free_pid():
    """A PID no process has (and that -p accepts: at most 4194304)."""
    for pid in [4000000] + list(range(4194304, 3000000, -9973)):
        if not os.path.exists("/proc/%d" % pid):
            return pid
    fail("no free PID found")


def build_c(src, out, libs=(), cflags=("-O2",)):
    """Compile a helper; returns None (with the compiler's words in
    build_c.why) when it cannot be built here."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        build_c.why = "no C compiler"
        return None
    p = subprocess.run([cc] + list(cflags) + ["-o", out, src] + list(libs),
                       capture_output=True, timeout=120)
    if p.returncode != 0:
        build_c.why = p.stderr.decode(errors="replace")[-500:]
        return None
    return out


build_c.why = ""


def bash_pty(bash="/bin/bash"):
    """An interactive bash as shell.Shell starts it, without /etc/inputrc,
    ended by Ctrl-D so that quitting types no line the tests would see."""
    return Shell(bash, env_extra={"INPUTRC": "/dev/null"}, quit=b"\x04")
