# SPDX-License-Identifier: GPL-2.0-only
"""The funclat cases of test_hardening.py (issue 6).

test_hardening.py runs its core cases for funclat like for every tool,
with ARGS first on every command line: rows (-m 0, so that there is a
header to read and output to fail to write) of getpid() in every libc.
What funclat adds to the groups:

  badinput   every kind of file a path SPEC must refuse; SPECs that do not
             parse; each a clear line, nothing left behind
  kill9      histograms of 200-odd libc functions in a busy shell, and
             the perf-event path: the tracer killed, the shell unharmed
  churn      short-lived processes system-wide: a row for every call of
             every one, RSS and fds flat
  identical  an interactive bash traced in a few hundred libc functions
             prints byte for byte what an untraced one prints
  hostile    function names with an escape sequence and a byte not UTF-8,
             from a library built here: escaped in the table, exact in JSON

Environment: FUNCLAT_PROG, FUNCLAT_LIB (built by meson; else looked for in
$UTRACE_BUILD/test/e2e/funclat), UTRACE_FUNCLAT_CHURN (processes in churn,
default 300).
"""
import base64
import os
import shutil
import signal
import subprocess
import time

from utrace_test import Tracer, check, fail, json_lines
import hardening_util as hu
from hardening_util import check_no_leftovers, check_not_crashed, expect_error

TOOL = "funclat"
ARGS = ["-m", "0", "c:getpid"]
hu.KNOWN_PROGS.update({"func", "func_enter", "func_return", "func_rets_enter"})

BUILD = os.path.join(os.environ.get("UTRACE_BUILD", ""), "test", "e2e", "funclat")
PROG = os.environ.get("FUNCLAT_PROG") or os.path.join(BUILD, "funclat_prog")
LIB = os.environ.get("FUNCLAT_LIB") or os.path.join(BUILD, "libfunclat_test.so")
CHURN = int(os.environ.get("UTRACE_FUNCLAT_CHURN", "300"))
RSS_SLACK_KB = 2048
HERE = os.path.dirname(os.path.abspath(__file__))

H = None                        # the test_hardening module


def note(msg):
    H.note(msg)


def tracer(args, name, env=None):
    tr = Tracer([TOOL] + [str(a) for a in args],
                H.scratch("%s-%d.out" % (name, time.monotonic_ns())), env=env)
    H.STARTED.append(tr.proc)
    return tr


def stop_clean(tr, what, sig=signal.SIGINT):
    rc, out = tr.stop(sig)
    errs = [x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")]
    check_not_crashed(rc, what)
    check(rc == 0 and not errs, "%s: exit %d, stderr %r" % (what, rc, errs))
    return out


def have_test_build():
    if os.access(PROG, os.X_OK) and os.path.exists(LIB):
        return True
    H.require_bpf_or_fail_build("funclat_prog and libfunclat_test.so (meson builds them)")
    return False


# =============================================================================
# badinput
# =============================================================================


def funclat_file_errors():
    """A path SPEC at everything that is not a traceable ELF file: exit 1,
    one line naming it, nothing attached, nothing left."""
    f = H.bad_files(H.scratch("funclat-files"), "libx.so", "/bin/true")
    cases = [
        (f["missing"], ["no such file"]), (f["dangling"], ["no such file"]),
        (f["dir"], ["directory"]), (f["text"], ["not an ELF"]), (f["empty"], ["not an ELF"]),
        ("/dev/zero", ["not an ELF"]),
        (f["fifo"], ["not an ELF"]),        # and it must not block opening it
        (f["elf32"], ["64-bit"]), (f["truncated"], ["not an ELF"]),
        (f["loop"], ["symbolic links"]),
    ]
    me = str(os.getpid())
    for path, words in cases:
        for extra in ([], ["-p", me]):
            # the SPEC as given names the culprit
            msg = expect_error(TOOL, extra + [path + ":f"], 1, path, words, timeout=10)
            check_no_leftovers("funclat %s:f %s" % (path, " ".join(extra)))
        note("funclat %s:f: %s" % (os.path.basename(path) or path, msg))
    true = "/bin/true"
    expect_error(TOOL, [true + ":no_such_function"], 1, "no function matching")
    expect_error(TOOL, ["-p", me, true + ":main"], 1, "no -p process maps")
    expect_error(TOOL, ["-p", me, true + ":main"], 1, true, env=H.NO_MULTI)
    check_no_leftovers("funclat with refused SPECs")
    note("funclat: path SPECs at %d kinds of bad files -> 1, system-wide and with -p" %
         len(cases))


def funclat_usage_errors():
    """SPECs and options that do not parse: exit 64 naming the culprit."""
    for args, culprit in (
            (["getpid"], "'getpid'"), (["c:"], "'c:'"), ([":"], "':'"),
            (["c:get[pid"], "get[pid"), (["c:a\\"], "backslash"),
            (["c:get pid"], "get pid"), (["c:\x1b[2J"], "control"),
            ([":main"], "-p"), ([], "no SPEC"),
            (["c:f"] * 31, "30"),
            (["-m", "-1", "c:f"], "-1"), (["-m", "x", "c:f"], "'x'"),
            (["-i", "0", "c:f"], "'0'"), (["-i", "0.1", "-m", "1", "c:f"], "-i"),
            (["-c", "1", "c:f"], "-c"), (["-u", "--milliseconds", "c:f"], "one unit")):
        # without ARGS: their SPEC would hide the missing one
        rc, out, err = hu.run([TOOL] + args, timeout=10)
        lines = hu.stderr_lines(err)
        check_not_crashed(rc, "funclat %r" % args)
        check(rc == 64 and lines and lines[0].startswith("utrace funclat: ") and
              culprit in lines[0] and out == b"" and len(lines) <= 2,
              "funclat %r: exit %d, %r" % (args, rc, err))
    note("funclat: 16 bad SPECs and option mixes -> 64")


# =============================================================================
# kill9
# =============================================================================


# The perf-event path (kernels < 6.6) frees each probe after an RCU grace
# period of its own: a few functions there, or exit takes seconds.
FEW_SPECS = ["c:malloc", "c:free", "c:strlen"]


def funclat_kill9():
    """Histograms of a few hundred libc functions in a shell that keeps
    calling them; the tracer is killed mid-call (uretprobes in flight):
    the shell goes on unharmed, nothing is left."""
    for how, env, specs in (("default links", None, ["c:str*", "c:mem*", "c:malloc", "c:free"]),
                            ("perf events", H.NO_MULTI, FEW_SPECS)):
        sh = hu.bash_pty()
        try:
            sh.wait_prompt(1)
            tr = tracer(["-p", sh.pid] + specs, "kill9", env=env)
            ids = hu.fd_bpf_ids(tr.proc.pid)
            check({"prog", "link", "map"} <= {k for k, _ in ids}, "tracer holds %r" % ids)
            os.write(sh.master, b"for i in $(seq 1 3000); do x=${x}a; y=${x//a/b}; done; echo loop-$((6*7))\r")
            time.sleep(0.3)
            tr.proc.kill()
            tr.proc.wait(30)
            check(tr.proc.returncode == -signal.SIGKILL, "tracer was not killed")
            check_no_leftovers("funclat (%s) after kill -9" % how, gone_pids={tr.proc.pid},
                               gone_ids=ids)
            sh.wait_prompt(2, timeout=60)
            check(b"loop-42" in sh.screen(), "the shell's loop broke: %r" % sh.screen()[-200:])
            sh.type_line(b"echo after-$((6*7))")
            check(b"after-42\r\n" in sh.screen(), "shell broken after the tracer died")
        finally:
            sh.close()
        note("funclat -p SHELL (%s): kill -9 while it runs through strings; the shell goes on" %
             how)


# =============================================================================
# churn
# =============================================================================


def funclat_churn():
    """CHURN short-lived processes, 4 at a time, calling fl_short twice
    each while funclat traces system-wide by library name: every call is
    a row, and the tracer's RSS and fds stay flat."""
    if not have_test_build():
        return
    first = subprocess.Popen([PROG, "wait"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    H.STARTED.append(first)
    check(first.stdout.readline() == b"ready\n", "funclat_prog did not start")
    tr = tracer(["-j", "-m", "0", "funclat_test:fl_short"], "churn")
    first.communicate(b"go\n", timeout=10)
    pid = tr.proc.pid
    time.sleep(0.5)
    rss0, fds0 = hu.rss_kb(pid), hu.fd_count(pid)
    rss_max = rss0
    start = time.time()
    pids = []
    running = []
    while len(pids) < CHURN or running:
        while len(running) < 4 and len(pids) < CHURN:
            p = subprocess.Popen([PROG, "short", "2"], stdout=subprocess.DEVNULL)
            pids.append(p.pid)
            running.append(p)
        for p in list(running):
            if p.poll() is not None:
                check(p.returncode == 0, "funclat_prog %d: exit %d" % (p.pid, p.returncode))
                running.remove(p)
        rss_max = max(rss_max, hu.rss_kb(pid))
        check(tr.proc.poll() is None, "funclat died: %s" % tr.stderr_text())
        check(time.time() - start < 120, "churn did not finish in 120 s")
        time.sleep(0.005)
    time.sleep(1.2)
    rss1, fds1 = hu.rss_kb(pid), hu.fd_count(pid)
    rows = json_lines(stop_clean(tr, "funclat churn"))
    mine = {}
    for r in rows:
        if r["comm"] == "funclat_prog":
            mine[r["pid"]] = mine.get(r["pid"], 0) + 1
    missing = [p for p in pids if mine.get(p) != 2]
    check(not missing, "%d of %d processes without their 2 rows: %r" % (
        len(missing), len(pids), [(p, mine.get(p)) for p in missing[:5]]))
    check(rss1 - rss0 <= RSS_SLACK_KB and rss_max - rss0 <= 2 * RSS_SLACK_KB,
          "RSS %d -> %d kB (peak %d)" % (rss0, rss1, rss_max))
    check(fds1 <= fds0, "fds %d -> %d" % (fds0, fds1))
    check_no_leftovers("funclat after churn", gone_pids={pid})
    note("funclat churn: %d processes in %.1fs, %d rows exact; RSS %d -> %d kB, fds %d -> %d" % (
        len(pids), time.time() - start, 2 * len(pids), rss0, rss1, fds0, fds1))


# =============================================================================
# identical
# =============================================================================

IDENTICAL_SPECS = ["c:str*", "c:mem*", "c:malloc", "c:free", "c:realloc", "c:sig*",
                   "c:write", "c:read", "c:getenv"]


def typed_session(pid_cb=None):
    """The shared SESSION typed into a new bash (pid_cb(pid) first, with
    the shell at its prompt); (exit status, screen)."""
    sh = hu.bash_pty()
    try:
        sh.wait_prompt(1)
        if pid_cb:
            pid_cb(sh.pid)
        for line in H.SESSION:
            sh.type_line(line)
        os.write(sh.master, b"exit 7\r")
        rc = sh.proc.wait(10)
        time.sleep(0.1)
        screen = sh.screen()
    finally:
        sh.close()
    return rc, screen


def funclat_identical():
    """A bash traced in every libc function the specs name (string and
    memory functions, malloc, signals: the session's trap runs a handler
    inside traced calls) prints exactly what an untraced one prints."""
    rc0, plain = typed_session()
    for how, extra, env, specs in (
            ("histograms", [], None, IDENTICAL_SPECS),
            ("rows", ["-j", "-m", "0", "--buffer", "16M"], None, IDENTICAL_SPECS),
            ("perf events", [], H.NO_MULTI, FEW_SPECS)):
        tracers = []

        def attach(pid):
            tracers.append(tracer(extra + ["-p", pid] + specs, "identical", env=env))
        rc1, traced = typed_session(attach)
        out = stop_clean(tracers[0], "funclat identical (%s)" % how)
        check(rc0 == 7 and rc1 == 7, "exit status untraced %r, traced %r" % (rc0, rc1))
        if plain != traced:
            i = next((k for k in range(min(len(plain), len(traced))) if plain[k] != traced[k]),
                     min(len(plain), len(traced)))
            fail("traced (%s), the shell printed something else from byte %d:\n untraced %r\n"
                 " traced   %r" % (how, i, plain[i:i + 120], traced[i:i + 120]))
        if extra:
            rows = json_lines(out)
            check(len(rows) > 100 and {"strlen", "malloc", "free"} <= {r["function"] for r in rows},
                  "rows: %d, functions %r" % (len(rows), sorted({r["function"] for r in rows})[:20]))
        else:
            check(b"function = malloc (c:malloc)" in out and b"function = free (c:free)" in out,
                  "histograms %r" % out[:300])
    note("identical: %d-byte screen, exit 7, the same untraced and traced in %d libc globs "
         "(histograms, rows, perf events)" % (len(plain), len(IDENTICAL_SPECS)))


# =============================================================================
# hostile
# =============================================================================

HOSTILE_NAMES = [b"fl_hostile\x1b[31mred\x1b]0;pwned\x07", b"fl_bad\xff\xfeutf8"]


def hostile_build():
    """A library whose functions have hostile names, and a program that
    calls them (dlsym) once it is told to."""
    lib = H.scratch("libflhostile.so")
    src = H.scratch("flhostile.c")
    defs = b""
    for n in HOSTILE_NAMES:
        q = b'"\\"' + b"".join(b"\\%03o" % c for c in n) + b'\\""'
        defs += (b'".globl " ' + q + b' "\\n.type " ' + q + b' ", @function\\n" ' + q +
                 b' ":\\n\\tret\\n"\n')
    with open(src, "wb") as f:
        f.write(b'__asm__(".text\\n"\n' + defs + b');\n')
    if not hu.build_c(src, lib, cflags=("-shared", "-fPIC")):
        H.require_bpf_or_fail_build("a library with hostile symbol names")
        return None, None
    caller = hu.build_c(os.path.join(HERE, "hardening_funclat_call.c"), H.scratch("flcall"),
                        ["-ldl"])
    if not caller:
        H.require_bpf_or_fail_build("hardening_funclat_call.c")
        return None, None
    return lib, caller


def funclat_hostile():
    lib, caller = hostile_build()
    if not lib:
        return
    p = subprocess.Popen([caller, lib] + [n.hex() for n in HOSTILE_NAMES], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    H.STARTED.append(p)
    check(p.stdout.readline() == b"ready\n", "the hostile caller did not start")
    outs = {}
    trs = {mode: tracer(args + ["-p", p.pid, lib + ":fl_*"], "hostile-" + mode)
           for mode, args in (("table", []), ("json", ["-j"]), ("rows", ["-m", "0"]),
                              ("rows-json", ["-j", "-m", "0"]))}
    p.communicate(b"go\n", timeout=10)
    check(p.returncode == 0, "the hostile caller failed")
    for mode, tr in trs.items():
        outs[mode] = stop_clean(tr, "funclat hostile %s" % mode)
    for mode, out in outs.items():
        try:
            text = out.decode("utf-8")
        except UnicodeDecodeError as e:
            fail("hostile %s: output not UTF-8 (%s): raw bytes passed" % (mode, e))
        bad = H.forbidden(text)
        check(bad is None, "hostile %s: raw %s in %r" % (mode, bad, text[:300]))
    for mode in ("json", "rows-json"):
        names = set()
        for obj in json_lines(outs[mode]):
            names.add(base64.b64decode(obj["function_base64"]) if "function_base64" in obj
                      else obj["function"].encode())
        check(names == set(HOSTILE_NAMES), "hostile %s: names came back as %r" % (mode, names))
    for shown in ("fl_hostile\\x1b[31mred\\x1b]0;pwned\\x07", "fl_bad\\xff\\xfeutf8"):
        check(shown in outs["table"].decode() and shown in outs["rows"].decode(),
              "hostile: %r not shown escaped: %r" % (shown, outs["table"][:300]))
    # a path from the process's maps in an error: escaped on stderr too
    d = H.scratch("dir\x1b[31m\x07")
    os.mkdir(d)
    copy = os.path.join(d, "libflhostile.so")
    shutil.copy(lib, copy)
    q = subprocess.Popen([caller, copy] + [n.hex() for n in HOSTILE_NAMES], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    H.STARTED.append(q)
    check(q.stdout.readline() == b"ready\n", "the hostile caller did not start")
    rc, out, err = hu.run([TOOL, "-p", str(q.pid), "flhostile:no_such_function"], timeout=20)
    q.communicate(b"go\n", timeout=10)
    msg = err.decode("utf-8", "replace")
    check(rc == 1 and "no function matching" in msg and "dir\\x1b[31m\\x07" in msg and
          H.forbidden(msg.rstrip("\n")) is None, "hostile path in an error: exit %d, %r" % (rc, err))
    note("hostile: function names with ESC sequences and bytes not UTF-8: escaped in histograms "
         "and rows, exact in JSON; a hostile path in an error escaped")


def cases(harness):
    """group -> funclat's cases, for test_hardening.TOOL_CASES."""
    global H
    H = harness
    return {
        "usage": [funclat_usage_errors],
        "badinput": [funclat_file_errors],
        "kill9": [funclat_kill9],
        "churn": [funclat_churn],
        "identical": [funclat_identical],
        "hostile": [funclat_hostile],
    }
