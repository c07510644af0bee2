# SPDX-License-Identifier: GPL-2.0-only
"""Shared helpers for utrace's end-to-end tests.

Every e2e test runs the real utrace binary against real processes. Where
BPF is not permitted the test exits 77 (meson's skip), unless
UTRACE_REQUIRE_BPF=1 (set by .ci/run), where a skip is a failure.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

SKIP = 77
UTRACE = os.environ.get("UTRACE") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "cmd", "utrace")


def tool_table():
    """{tool: [busybox aliases]} from meson's list of tools (UTRACE_TOOLS:
    "name:alias,alias name: ..."), else the tools `utrace list` shows."""
    spec = os.environ.get("UTRACE_TOOLS")
    if spec is None:
        out = subprocess.run([UTRACE, "list"], capture_output=True, text=True,
                             timeout=10).stdout
        return {line.split()[0]: [] for line in out.splitlines() if line.strip()}
    table = {}
    for entry in spec.split():
        name, _, aliases = entry.partition(":")
        table[name] = [a for a in aliases.split(",") if a]
    return table


def tools():
    return list(tool_table())


def require_bpf():
    """Exit 77 (or fail under UTRACE_REQUIRE_BPF=1) where BPF cannot run."""
    why = None
    if os.geteuid() != 0:
        why = "not root"
    elif not os.path.exists("/sys/kernel/btf/vmlinux") and not os.path.exists(
            "/sys/bus/event_source/devices/uprobe"):
        why = "kernel lacks uprobe PMU"
    if why is None:
        return
    if os.environ.get("UTRACE_REQUIRE_BPF") == "1":
        fail("BPF required (UTRACE_REQUIRE_BPF=1) but unavailable: " + why)
    print("SKIP: " + why)
    sys.exit(SKIP)


def session_uprobes():
    """Does utrace attach entry and return pairs as session uprobes here
    (Linux 6.13+, unless UTRACE_NO_UPROBE_SESSION is set)? By the kernel's
    release, not by asking utrace, so a test can tell it is wrong."""
    if os.environ.get("UTRACE_NO_UPROBE_SESSION"):
        return False
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return bool(m) and (int(m.group(1)), int(m.group(2))) >= (6, 13)


PAIR_ATTACHED = r"attached %s(?:_enter| \(entry and return\)) at \d+ offsets? of "


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run_case(cases, setup):
    """A test file's main(): argv[1] names one of @cases (name -> function
    of one argument); with BPF, its argument is made by @setup(name), passed
    to it, and closed whatever happens."""
    name = sys.argv[1] if len(sys.argv) == 2 else None
    if name not in cases:
        fail("usage: %s {%s}" % (os.path.basename(sys.argv[0]), ",".join(cases)))
    require_bpf()
    arg = setup(name)
    try:
        cases[name](arg)
    finally:
        arg.close()
    print("ok: " + name)


def check(cond, msg):
    if not cond:
        fail(msg)


class Tracer:
    """utrace TOOL ARGS with stdout to a file; waits for "Tracing ..."."""

    def __init__(self, args, out_path, env=None, attach_timeout=20, stdout=None,
                 preexec=None, exe=None):
        """@stdout: another fd than the file; @preexec: run in the child
        before exec; @exe: the command that runs utrace (a wrapper + it)."""
        self.out_path = out_path
        self.err_path = out_path + ".err"
        self.out = open(out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(list(exe or [UTRACE]) + list(args),
                                     stdout=self.out if stdout is None else stdout,
                                     stderr=self.err, stdin=subprocess.DEVNULL,
                                     env=env, preexec_fn=preexec)
        deadline = time.time() + attach_timeout
        while time.time() < deadline:
            if b"Tracing" in self.stderr_bytes():
                return
            if self.proc.poll() is not None:
                fail("utrace exited %d before attaching: %s" %
                     (self.proc.returncode, self.stderr_text()))
            time.sleep(0.02)
        self.kill()
        fail("utrace did not attach within %ds" % attach_timeout)

    def stderr_bytes(self):
        with open(self.err_path, "rb") as f:
            return f.read()

    def stderr_text(self):
        return self.stderr_bytes().decode(errors="replace")

    def stop(self, sig=signal.SIGINT, timeout=10):
        """Signal the tracer, wait, return (exit code, stdout bytes)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            where = self.where()
            self.kill()
            fail("utrace did not exit within %ds of signal %d; its threads: %s; stderr: %r" %
                 (timeout, sig, where, self.stderr_text()[-300:]))
        return self.proc.returncode, self.output()

    def where(self):
        """What each thread of the tracer is doing: its syscall and kernel stack."""
        out = []
        task_dir = "/proc/%d/task" % self.proc.pid
        for tid in sorted(os.listdir(task_dir)) if os.path.isdir(task_dir) else []:
            parts = []
            for name in ("syscall", "stack"):
                try:
                    with open(os.path.join(task_dir, tid, name)) as f:
                        parts.append(" | ".join(f.read().split("\n")[:8]))
                except OSError as e:
                    parts.append(str(e))
            out.append("%s: %s" % (tid, " ; ".join(parts)))
        return "\n".join(out)

    def wait(self, timeout=30):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("utrace did not exit within %ds" % timeout)
        return self.proc.returncode, self.output()

    def output(self):
        self.out.flush()
        with open(self.out_path, "rb") as f:
            return f.read()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def json_lines(data):
    """Parse every line strictly (no NaN/Infinity; the whole line). Lines
    end at "\n" only: str.splitlines() would also cut at U+2028, U+2029
    and other characters a JSON string may hold raw."""
    def no_constants(name):
        raise ValueError("non-standard JSON constant " + name)
    lines = data.decode("utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()             # after the last "\n"
    return [json.loads(line, parse_constant=no_constants) for line in lines]


def probes_left():
    """uprobe events still registered by anyone (tracefs listing)."""
    for base in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        p = os.path.join(base, "uprobe_events")
        if os.path.exists(p):
            with open(p) as f:
                return f.read().strip()
    return ""
