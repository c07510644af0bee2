#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""What utrace readline costs at start (issue 14): libbpf never loads the
kernel's whole BTF (a CO-RE relocation in bpf/readline.bpf.c would make it
do so at every start: 15-20 ms and 11 MB here); the kernel fields the
programs read are found without it; and where the kernel's BTF cannot be
read at all, lines are still traced, said once. Each case is argv[1]."""
import os
import struct
import subprocess
import sys
import tempfile

# the shared helpers are one level up, in test/e2e/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import UTRACE, Tracer, check, fail, json_lines, require_bpf  # noqa: E402
from shell import Shell  # noqa: E402


def case_no_core(tmp):
    """-v shows libbpf's own log: it never loads the kernel's BTF nor
    relocates for CO-RE, with -S or without, -p or system-wide; nothing
    is missing from what the programs read of the kernel."""
    sh = Shell()
    try:
        sh.wait_prompt(1)
        for args in ([], ["-S"], ["-p", str(sh.pid)], ["-S", "-p", str(sh.pid)]):
            p = subprocess.run([UTRACE, "readline", "-v", "-d", "0.3"] + args,
                               capture_output=True, timeout=60)
            err = p.stderr.decode(errors="replace")
            what = "readline -v %s" % " ".join(args)
            check(p.returncode == 0, "%s: exit %d: %s" % (what, p.returncode, err[-500:]))
            # the log is there: a quieter libbpf would make the checks below vacuous
            check("libbpf: " in err and "Tracing" in err, "%s: no libbpf log: %r" % (what, err[-500:]))
            for bad in ("loading kernel BTF", "CO-RE relocating", "vmlinux"):
                lines = [l for l in err.splitlines() if bad in l]
                check(not lines, "%s: %r in the log: %r" % (what, bad, lines[:3]))
            check("warning" not in err, "%s: %r" % (what, [l for l in err.splitlines()
                                                            if "warning" in l]))
    finally:
        sh.close()


def small_btf(path):
    """A BTF file whose task_struct has a pid and nothing else."""
    strs = b"\0int\0task_struct\0pid\0"
    types = struct.pack("<III", 1, 1 << 24, 4) + struct.pack("<I", 32)  # 1: int
    types += struct.pack("<III", 5, 4 << 24 | 1, 4)                     # 2: task_struct
    types += struct.pack("<III", 17, 1, 0)                              # .pid: int at 0
    hdr = struct.pack("<HBBIIIII", 0xeB9F, 1, 0, 24, 0, len(types), len(types), len(strs))
    with open(path, "wb") as f:
        f.write(hdr + types + strs)


def traced_without(tmp, sh, btf, want_warnings):
    """readline -S -p with /sys/kernel/btf replaced (a private mount
    namespace) by an empty directory or one holding @btf as vmlinux."""
    setup = "mount -t tmpfs none /sys/kernel/btf"
    if btf:
        setup += " && cp %s /sys/kernel/btf/vmlinux" % btf
    t = Tracer(["readline", "-S", "-j", "-p", str(sh.pid)], os.path.join(tmp, "out"),
               exe=["unshare", "-m", "--propagation", "private", "sh", "-c",
                    setup + ' && exec "$0" "$@"', UTRACE])
    try:
        sh.type_line(b"(exit 3)")
        sh.type_line(b"echo still-traced")
        rc, out = t.stop()
    finally:
        t.kill()
    err = t.stderr_text()
    check(rc == 0, "exit %d: %s" % (rc, err))
    warnings = [l for l in err.splitlines() if "warning" in l]
    check(len(warnings) == len(want_warnings) and
          all(w in l for w, l in zip(want_warnings, warnings)),
          "want warnings naming %r: %r" % (want_warnings, err))
    got = [(r["command"], r["status"], r["end"]) for r in json_lines(out)
           if r["pid"] == sh.pid]
    check(got == [("(exit 3)", None, "unknown"), ("echo still-traced", None, "unknown")],
          "rows %r" % got)


def case_no_btf(tmp):
    """The kernel's BTF hidden, or one without the fields read: lines are
    still traced, their status unknown, with one warning per thing not
    known (with CO-RE nothing would load at all)."""
    sh = Shell()
    try:
        sh.wait_prompt(1)
        traced_without(tmp, sh, None, ["type information"])
        btf = os.path.join(tmp, "small.btf")
        small_btf(btf)
        traced_without(tmp, sh, btf, ["no task_struct.mm of 8 bytes",
                                      "no task_struct.exit_code of 4 bytes"])
    finally:
        sh.close()


CASES = {n[5:].replace("_", "-"): f for n, f in globals().items() if n.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        fail("usage: %s %s" % (sys.argv[0], "|".join(CASES)))
    require_bpf()
    tmp = tempfile.mkdtemp(prefix="utrace-rlstart-")
    CASES[sys.argv[1]](tmp)
    print("ok: " + sys.argv[1])


main()
