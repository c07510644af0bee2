#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""utrace funclat against funclat_prog, whose calls of libfunclat_test.so
take known times (funclat_lib.c).

    test_funclat.py CASE

    CASE: buckets units rows glob pid late copy nested many ifunc interval
          errors cxx musl

Latencies are checked by log2 bucket: each function sleeps just above a
power of two of nanoseconds, so a loaded machine that wakes it up to
(almost) that much late still puts it in its bucket; two buckets above
are allowed too (SLACK), for a machine even slower than that, which
still tells 1.2 ms from 17 ms. Counts are exact.

Environment: UTRACE (the binary), FUNCLAT_PROG, FUNCLAT_LIB (built by
meson), FUNCLAT_GO (a Go program, where Go is installed).
"""
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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from utrace_test import UTRACE, Tracer, check, fail, json_lines, require_bpf  # noqa: E402
from utrace_test import session_uprobes  # noqa: E402

BUILD = os.environ.get("UTRACE_BUILD") or os.path.join(os.path.dirname(__file__), "..", "..",
                                                       "..", "build")
HERE_BUILD = os.path.join(BUILD, "test", "e2e", "funclat")
PROG = os.environ.get("FUNCLAT_PROG") or os.path.join(HERE_BUILD, "funclat_prog")
LIB = os.environ.get("FUNCLAT_LIB") or os.path.join(HERE_BUILD, "libfunclat_test.so")
GO = os.environ.get("FUNCLAT_GO")
CXX = os.environ.get("FUNCLAT_CXX")

SHORT_BUCKET = 20       # fl_short: 1.2 ms in [2^20, 2^21) ns
LONG_BUCKET = 24        # fl_long: 17 ms in [2^24, 2^25) ns
OUTER_BUCKET = 21       # fl_outer: 2 x 1.2 ms in [2^21, 2^22) ns
TMP = tempfile.mkdtemp(prefix="utrace-funclat-")
PROCS = []


class Prog:
    """funclat_prog ARGS, stopped at "wait" until go()."""

    def __init__(self, args, binary=PROG, env=None):
        self.proc = subprocess.Popen([binary, "wait"] + [str(a) for a in args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        PROCS.append(self.proc)
        self.pid = self.proc.pid
        line = self._line(10)
        check(line == b"ready\n", "funclat_prog %d: %r" % (self.pid, line))

    def _line(self, timeout):
        fd = self.proc.stdout.fileno()
        got = b""
        deadline = time.time() + timeout
        while not got.endswith(b"\n") and time.time() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                c = os.read(fd, 1)
                if not c:
                    break
                got += c
        return got

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def finish(self, timeout=60):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("funclat_prog %d did not finish" % self.pid)
        check(self.proc.returncode == 0 and out.startswith(b"done"),
              "funclat_prog %d: exit %d, %r %r" % (self.pid, self.proc.returncode, out, err))

    def run(self, timeout=60):
        self.go()
        self.finish(timeout)
        return self


TRACERS = []


def tracer(args, name="out", env=None):
    """utrace funclat ARGS, attached; killed at the end if a check failed."""
    tr = Tracer(["funclat"] + [str(a) for a in args],
                os.path.join(TMP, "%s-%d" % (name, time.monotonic_ns())), env=env)
    TRACERS.append(tr)
    return tr


def stop(tr, what):
    """SIGINT; it must exit 0 with nothing on stderr but "Tracing". stdout."""
    rc, out = tr.stop(signal.SIGINT)
    errs = [x for x in tr.stderr_text().splitlines() if not x.startswith("Tracing")]
    check(rc == 0 and not errs, "%s: exit %d, stderr %r" % (what, rc, errs))
    return out


def hists(out, what):
    """{function: JSON histogram object} of a -j run; each function once."""
    got = {}
    for h in json_lines(out):
        check(h["function"] not in got, "%s: %s printed twice: %r" % (what, h["function"], out))
        got[h["function"]] = h
    return got


def counts(h, unit="ns"):
    """[count of bucket i] of a JSON histogram, its bounds checked."""
    key = "le_" + unit
    for i, b in enumerate(h["buckets"]):
        check(set(b) == {key, "count"} and b[key] == (2 << i) - 1, "bucket %d: %r" % (i, b))
    return [b["count"] for b in h["buckets"]]


# Buckets above the sleep's own that a loaded machine may reach: a 1.2 ms
# sleep woken up to 7 ms late is still told from a 17 ms one.
SLACK = 2


def in_bucket(h, bucket, n, what, unit="ns"):
    """@n calls, all in @bucket (or up to SLACK above, for a slow machine),
    and the count, total and average consistent with the buckets."""
    c = counts(h, unit)
    check(sum(c) == n, "%s: %d calls counted, want %d: %r" % (what, sum(c), n, c))
    inside = sum(c[bucket:bucket + SLACK + 1])
    check(inside == n, "%s: %d of %d calls in buckets %d-%d: %r" % (
        what, inside, n, bucket, bucket + SLACK, c))
    check(h["count"] == n, "%s: count %r" % (what, h["count"]))
    scale = {"ns": 1, "us": 1000, "ms": 1000000}[unit]
    low, high = (1 << bucket) * scale * n, (1 << (bucket + SLACK + 1)) * scale * n
    check(low <= h["total_ns"] < high, "%s: total_ns %d not in [%d, %d)" % (
        what, h["total_ns"], low, high))
    check(h["average_ns"] == h["total_ns"] // n, "%s: average_ns %r" % (what, h["average_ns"]))


def table_hists(out):
    """{function: (bucket counts, summary line, nested line)} of a table."""
    got, cur = {}, None
    for line in out.decode().splitlines():
        m = re.match(r"^function = (\S+)( \(.*\))?$", line)
        if m:
            cur = got.setdefault(m.group(1), [[], None, None])
            continue
        m = re.match(r"^ *(\d+) -> (\d+) +: (\d+) +\|[* ]{40}\|$", line)
        if m and cur:
            check(int(m.group(1)) == (1 << len(cur[0]) if cur[0] else 0) and
                  int(m.group(2)) == (2 << len(cur[0])) - 1, "bucket line %r" % line)
            cur[0].append(int(m.group(3)))
        elif line.startswith("avg = ") and cur:
            cur[1] = line
        elif line.startswith("nested in traced calls") and cur:
            cur[2] = line
    return got


def rows_of(out, pid=None):
    rows = json_lines(out)
    return [r for r in rows if pid is None or r["pid"] == pid]


def expect_error(args, rc_want, words, env=None, timeout=30):
    """utrace funclat ARGS: exit @rc_want, one message line naming @words,
    nothing on stdout."""
    p = subprocess.run([UTRACE, "funclat"] + list(args), capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=env)
    lines = p.stderr.decode(errors="replace").rstrip("\n").split("\n")
    what = "funclat %s" % " ".join(args)
    check(p.returncode == rc_want, "%s: exit %d, want %d: %r" % (what, p.returncode, rc_want,
                                                                  p.stderr))
    if rc_want == 64 and len(lines) == 2:
        check(lines[1].startswith("Try `utrace funclat --help'"), "%s: %r" % (what, lines))
    else:
        check(len(lines) == 1, "%s: want one line on stderr, got %r" % (what, lines))
    check(lines[0].startswith("utrace funclat: "), "%s: no prefix: %r" % (what, lines[0]))
    for w in words:
        check(w in lines[0], "%s: message lacks %r: %r" % (what, w, lines[0]))
    check(p.stdout == b"", "%s: printed %r" % (what, p.stdout[:200]))
    return lines[0]


def spec(func, lib=LIB):
    return "%s:%s" % (lib, func)


# ---- cases ---------------------------------------------------------------------------


def case_buckets():
    """Table and JSON side by side on one process: counts in the buckets
    of the sleeps, count/average/total, only the functions called."""
    p = Prog(["short", 5, "long", 3])
    table = tracer(["-p", p.pid, spec("fl_*")], "table")
    js = tracer(["-j", "-p", p.pid, spec("fl_*")], "json")
    p.run()
    t, j = stop(table, "table"), stop(js, "json")
    h = hists(j, "json")
    check(sorted(h) == ["fl_long", "fl_short"], "json functions %r" % sorted(h))
    in_bucket(h["fl_short"], SHORT_BUCKET, 5, "fl_short")
    in_bucket(h["fl_long"], LONG_BUCKET, 3, "fl_long")
    for f in h.values():
        check(f["spec"] == spec("fl_*") and f["nested"] == 0, "json %r" % f)
    th = table_hists(t)
    check(sorted(th) == ["fl_long", "fl_short"], "table functions %r: %r" % (sorted(th), t))
    for name, n, b in (("fl_short", 5, SHORT_BUCKET), ("fl_long", 3, LONG_BUCKET)):
        c, summary, nested = th[name]
        check(sum(c) == n and sum(c[b:b + SLACK + 1]) == n, "table %s buckets %r" % (name, c))
        m = re.match(r"^avg = (\d+) nsecs, total: (\d+) nsecs, count: (\d+)$", summary or "")
        check(m and int(m.group(3)) == n and int(m.group(1)) == int(m.group(2)) // n and
              (1 << b) <= int(m.group(1)) < (1 << (b + SLACK + 1)),
              "table %s: %r" % (name, summary))
        check(nested is None, "table %s: %r" % (name, nested))


def case_units():
    """-u and --milliseconds: the same calls in other buckets."""
    p = Prog(["short", 4, "long", 2])
    us = tracer(["-j", "-u", "-p", p.pid, spec("fl_short"), spec("fl_long")], "us")
    ms = tracer(["-j", "--milliseconds", "-p", p.pid, spec("fl_short"), spec("fl_long")], "ms")
    p.run()
    hu, hm = hists(stop(us, "-u"), "-u"), hists(stop(ms, "--ms"), "--ms")
    # 1.2 ms = 1200 us in [2^10, 2^11); 17 ms = 17000 us in [2^14, 2^15)
    in_bucket(hu["fl_short"], 10, 4, "fl_short -u", "us")
    in_bucket(hu["fl_long"], 14, 2, "fl_long -u", "us")
    # 1.2 ms in [1, 2) ms (bucket 0 is [0, 1]: 1 ms and less); 17 ms in [16, 32)
    c = counts(hm["fl_short"], "ms")
    check(sum(c) == 4 and sum(c[0:SLACK + 2]) == 4, "fl_short --milliseconds %r" % c)
    in_bucket(hm["fl_long"], 4, 2, "fl_long --milliseconds", "ms")
    # two SPECs of one file: one link (a session uprobe) or one per direction holds both
    p = Prog(["short", 1])
    tr = tracer(["-v", "-p", p.pid, spec("fl_short"), spec("fl_long")], "links")
    p.run()
    stop_out = tr.stop(signal.SIGINT)
    links = [x for x in tr.stderr_text().splitlines() if func_link(x) and LIB in x]
    check(len(links) == pair_links() and all("at 2 offsets" in x for x in links),
          "two SPECs of one file: links %r" % links)
    check(stop_out[0] == 0, "-v run: exit %d" % stop_out[0])


def case_rows():
    """-m: a row per call that took at least MS; -m 0 every call; -c."""
    p = Prog(["short", 3, "long", 2, "short", 1])
    slow = tracer(["-m", "10", "-p", p.pid, spec("fl_*")], "slow")
    slow_j = tracer(["-j", "-m", "10", "-p", p.pid, spec("fl_*")], "slowj")
    every = tracer(["-j", "-m", "0", "-p", p.pid, spec("fl_*")], "every")
    two = tracer(["-c", "2", "-j", "-m", "0", "-p", p.pid, spec("fl_*")], "two")
    t0 = time.time()
    p.run()
    t1 = time.time()
    out = stop(slow, "-m 10").decode()
    lines = out.splitlines()
    check(lines[0].split() == ["TIME", "PID", "COMM", "LATms", "FUNC"], "header %r" % lines[0])
    rows = [x.split() for x in lines[1:]]
    check(len(rows) == 2, "-m 10: rows %r" % rows)
    for r in rows:
        check(len(r) == 5 and r[1] == str(p.pid) and r[2] == "funclat_prog" and r[4] == "fl_long"
              and 17.0 <= float(r[3]) < 135.0 and re.match(r"^\d\d:\d\d:\d\d$", r[0]),
              "-m 10 row %r" % r)
    j = rows_of(stop(slow_j, "-m 10 -j"))
    check([r["function"] for r in j] == ["fl_long", "fl_long"], "-m 10 -j: %r" % j)
    for r in j:
        check(r["pid"] == p.pid and r["tid"] == p.pid and r["comm"] == "funclat_prog" and
              r["spec"] == spec("fl_*") and 17.0 <= r["latency_ms"] < 135.0 and
              t0 - 1 <= datetime_ts(r["time"]) <= t1 + 1, "-m 10 -j row %r" % r)
    e = rows_of(stop(every, "-m 0"))
    check([r["function"] for r in e] == ["fl_short"] * 3 + ["fl_long"] * 2 + ["fl_short"],
          "-m 0: calls in order %r" % [r["function"] for r in e])
    check(all(r["latency_ms"] >= (17 if r["function"] == "fl_long" else 1.2) for r in e),
          "-m 0: latencies %r" % [r["latency_ms"] for r in e])
    rc, out = two.wait(10)
    check(rc == 0 and len(rows_of(out)) == 2, "-c 2: exit %d, %r" % (rc, out))


def datetime_ts(rfc3339):
    import datetime
    return datetime.datetime.fromisoformat(rfc3339).timestamp()


def case_glob():
    """A glob over several functions: each called one counted apart, those
    not called not printed; a class and a '?' too."""
    p = Prog(["short", 2, "long", 1, "outer", 1])
    tr = tracer(["-j", "-p", p.pid, spec("fl_[lo]*"), spec("fl_sh?rt")], "glob")
    p.run()
    h = hists(stop(tr, "glob"), "glob")
    check(sorted(h) == ["fl_inner", "fl_long", "fl_outer", "fl_short"] or
          sorted(h) == ["fl_long", "fl_outer", "fl_short"], "glob functions %r" % sorted(h))
    in_bucket(h["fl_short"], SHORT_BUCKET, 2, "fl_short")
    in_bucket(h["fl_long"], LONG_BUCKET, 1, "fl_long")
    in_bucket(h["fl_outer"], OUTER_BUCKET, 1, "fl_outer")
    check(h["fl_short"]["spec"] == spec("fl_sh?rt") and h["fl_long"]["spec"] == spec("fl_[lo]*"),
          "specs %r" % {k: v["spec"] for k, v in h.items()})


def case_pid():
    """-p: only that process, though another calls the same functions."""
    a = Prog(["short", 2, "long", 1])
    b = Prog(["short", 3, "long", 2])
    tr = tracer(["-j", "-m", "0", "-p", a.pid, "funclat_test:fl_*"], "pid")
    a.go()
    b.go()
    a.finish()
    b.finish()
    rows = rows_of(stop(tr, "-p"))
    check([r["pid"] for r in rows] == [a.pid] * 3, "-p %d: rows of %r" % (a.pid, rows))
    check(sorted(r["function"] for r in rows) == ["fl_long", "fl_short", "fl_short"],
          "-p: %r" % rows)
    # the executable of the -p process: ":FUNC", and "PROG:FUNC" by name
    c = Prog(["prog", 2])
    tr = tracer(["-j", "-p", c.pid, ":prog_work", "funclat_prog:prog_w*"], "self")
    c.run()
    h = json_lines(stop(tr, ":FUNC"))
    check(len(h) == 1 and h[0]["function"] == "prog_work" and h[0]["count"] == 2 and
          h[0]["spec"] == ":prog_work", ":prog_work: %r" % h)


def case_exec():
    """A call left by exec(): funclat_prog calls prog_exec(), which exec()s
    the program again, whose prog_work() calls are then timed as calls of
    their own, not taken as nested in the call the exec() ended (the
    thread is the same, its call in progress is not). Eight processes:
    the old call's stack slot is unmapped in the new image about every
    other time, when a frame kept past exec() would pass for alive."""
    progs = [Prog(["exec", "prog", 2]) for _ in range(8)]
    tr = tracer(["-j", "-m", "0", "funclat_prog:prog_work", "funclat_prog:prog_exec"], "exec")
    for p in progs:
        p.run()
    rows = rows_of(stop(tr, "exec"))
    ours = {p.pid for p in progs}
    got = sorted((r["pid"], r["function"]) for r in rows if r["pid"] in ours)
    want = sorted((p.pid, "prog_work") for p in progs for _ in range(2))
    check(got == want, "rows after exec():\n got  %r\n want %r" % (got, want))


def copy_build(d):
    """funclat_prog and its library copied into @d: other inodes."""
    os.makedirs(d, exist_ok=True)
    prog, lib = os.path.join(d, "funclat_prog"), os.path.join(d, os.path.basename(LIB))
    shutil.copy(PROG, prog)
    shutil.copy(LIB, lib)
    return prog, lib


def case_late():
    """System-wide: a library and a program by name, found again in a
    process started after the tracer, from other copies of both files."""
    a = Prog(["short", 1, "prog", 1])
    tr = tracer(["-j", "-m", "0", "funclat_test:fl_short", "funclat_prog:prog_work"], "late")
    prog, _ = copy_build(os.path.join(TMP, "late"))
    # its own copy of the library: $ORIGIN is the copy's directory
    b = Prog(["short", 2, "prog", 1], binary=prog)
    with open("/proc/%d/maps" % b.pid) as f:
        check(os.path.join(TMP, "late") in f.read(), "the late process maps no copy")
    time.sleep(0.3)     # discovery is asynchronous: the look may still run
    a.run()
    b.run()
    rows = rows_of(stop(tr, "late"))
    mine = lambda pid: sorted(r["function"] for r in rows if r["pid"] == pid)  # noqa: E731
    # prog_work calls fl_short: nested, not a row of its own
    check(mine(a.pid) == ["fl_short", "prog_work"], "first process: %r" % mine(a.pid))
    check(mine(b.pid) == ["fl_short", "fl_short", "prog_work"],
          "process started after the tracer: %r" % mine(b.pid))


def case_copy():
    """A copy of the library under LD_LIBRARY_PATH: found by name in the
    process's maps, with -p and system-wide; not by the original's path."""
    d = os.path.join(TMP, "ldpath")
    _, lib = copy_build(d)
    env = dict(os.environ, LD_LIBRARY_PATH=d)
    a = Prog(["short", 2, "long", 1], env=env)
    with open("/proc/%d/maps" % a.pid) as f:
        maps = f.read()
    check(lib in maps and LIB not in maps, "LD_LIBRARY_PATH copy not used: %s" % maps)
    by_pid = tracer(["-j", "-p", a.pid, "funclat_test:fl_*"], "copy-p")
    wide = tracer(["-j", "libfunclat_test.so:fl_*"], "copy-wide")
    a.run()
    for tr, what in ((by_pid, "-p"), (wide, "system-wide")):
        h = hists(stop(tr, what), what)
        in_bucket(h["fl_short"], SHORT_BUCKET, 2, "copy %s fl_short" % what)
        in_bucket(h["fl_long"], LONG_BUCKET, 1, "copy %s fl_long" % what)
    b = Prog(["short", 1], env=env)
    expect_error(["-p", str(b.pid), spec("fl_short")], 1, ["no -p process maps", LIB])
    b.run()


def case_nested():
    """Recursive and nested calls: the outermost is timed, once per call;
    the inner ones are counted as nested."""
    p = Prog(["recurse", 4, 3, "outer", 3])
    tr = tracer(["-j", "-p", p.pid, spec("fl_*")], "nested")
    table = tracer(["-p", p.pid, spec("fl_*")], "nested-table")
    p.run()
    h = hists(stop(tr, "nested"), "nested")
    check(sorted(h) == ["fl_inner", "fl_long", "fl_outer", "fl_recurse"], "functions %r" % h)
    in_bucket(h["fl_recurse"], LONG_BUCKET, 3, "fl_recurse")
    check(h["fl_recurse"]["nested"] == 9, "fl_recurse nested %r" % h["fl_recurse"])
    # fl_long only ever ran inside fl_recurse
    check(h["fl_long"]["count"] == 0 and h["fl_long"]["nested"] == 3 and
          h["fl_long"]["buckets"] == [], "fl_long %r" % h["fl_long"])
    in_bucket(h["fl_outer"], OUTER_BUCKET, 3, "fl_outer")
    check(h["fl_outer"]["nested"] == 0 and h["fl_inner"]["count"] == 0 and
          h["fl_inner"]["nested"] == 6, "outer/inner %r %r" % (h["fl_outer"], h["fl_inner"]))
    t = table_hists(stop(table, "nested table"))
    check(t["fl_inner"] == [[], None, "nested in traced calls, not timed: 6"],
          "table fl_inner %r" % t["fl_inner"])
    check(t["fl_recurse"][2] == "nested in traced calls, not timed: 9", "table %r" % t)


def case_many():
    """A thousand functions of one file, each called once: each counted."""
    p = Prog(["many"])
    tr = tracer(["-j", "-v", "-p", p.pid, spec("fl_many_*")], "many")
    p.run()
    h = hists(stop_verbose(tr), "many")
    want = ["fl_many_%03d" % i for i in range(1000)]
    check(sorted(h) == want, "%d functions counted, %d missing" % (
        len(h), len(set(want) - set(h))))
    check(all(f["count"] == 1 and f["nested"] == 0 for f in h.values()),
          "not once each: %r" % [f for f in h.values() if f["count"] != 1][:3])
    links = [x for x in tr.stderr_text().splitlines() if func_link(x)]
    check(len(links) == pair_links() and all("at 1000 offsets" in x for x in links),
          "links %r" % links)


def func_link(line):
    """A -v line of a link of the "func" pair (an entry, a return, both)."""
    return re.search(r"attached func(?:_enter|_return| \(entry and return\)) at ", line)


def pair_links():
    """How many links an entry and return pair takes here."""
    return 1 if session_uprobes() else 2


def stop_verbose(tr):
    rc, out = tr.stop(signal.SIGINT)
    check(rc == 0, "exit %d: %s" % (rc, tr.stderr_text()[-500:]))
    return out


def case_ifunc():
    """glibc's memcpy (an IFUNC): its implementation for this CPU is
    timed, every call; an IFUNC of a file utrace has not loaded is refused
    with the candidates from .symtab; one of those can be named."""
    p = Prog(["memcpy", 200, "ifunc", 5])
    tr = tracer(["-j", "-p", p.pid, "c:memcpy", spec("fl_ifunc_plain")], "ifunc")
    p.run()
    h = hists(stop(tr, "c:memcpy"), "c:memcpy")
    check(h.get("memcpy", {}).get("count", 0) >= 200, "memcpy counted %r" % h.get("memcpy"))
    check(h.get("fl_ifunc_plain", {}).get("count") == 5, "fl_ifunc_plain %r" % h)
    q = Prog(["ifunc", 1])
    msg = expect_error(["-p", str(q.pid), spec("fl_ifunc")], 1,
                       ["IFUNC", "fl_ifunc_plain", "fl_ifunc_fancy", LIB])
    check("fl_ifunc_resolve" not in msg, "the resolver named as a candidate: %r" % msg)
    expect_error([spec("fl_ifunc")], 1, ["IFUNC", "fl_ifunc_plain"])
    q.run()


def case_interval():
    """-i: per interval, each call in exactly one of them, each time-stamped."""
    p = Prog(["long", 40])
    tr = tracer(["-j", "-i", "0.25", "-p", p.pid, spec("fl_long")], "interval")
    table = tracer(["-i", "0.25", "-p", p.pid, spec("fl_long")], "interval-table")
    p.run()
    time.sleep(0.3)
    objs = json_lines(stop(tr, "-i -j"))
    check(len(objs) >= 2, "-i 0.25 over %d calls of 17 ms: %d histograms" % (40, len(objs)))
    check(sum(o["count"] for o in objs) == 40, "-i: %d calls in all" % sum(o["count"] for o in objs))
    check(all(o["function"] == "fl_long" and o["count"] > 0 for o in objs), "-i: %r" % objs)
    times = [datetime_ts(o["time"]) for o in objs]
    check(times == sorted(times) and len(set(times)) == len(times), "-i times %r" % times)
    text = stop(table, "-i table").decode()
    stamps = re.findall(r"^\d\d:\d\d:\d\d\.\d\d\d$", text, re.M)
    check(len(stamps) >= 2, "-i table: %d stamps: %r" % (len(stamps), text[:300]))
    total = sum(int(m) for m in re.findall(r"count: (\d+)$", text, re.M))
    check(total == 40, "-i table: %d calls" % total)


def case_errors():
    """Bad SPECs: one clear line each, exit 64 (usage) or 1, no output."""
    d = os.path.join(TMP, "errors")
    os.makedirs(d, exist_ok=True)
    text = os.path.join(d, "libtext.so")
    with open(text, "w") as f:
        f.write("not an ELF file\n")
    for args, rc, words in (
            (["nosuchlib_xyz:foo"], 1, ["nosuchlib_xyz:foo", "no such library or program",
                                        "libnosuchlib_xyz.so"]),
            (["libnosuch_xyz.so.3:foo"], 1, ["no such library", "libnosuch_xyz.so.3"]),
            (["c:no_such_function_xyz"], 1, ["c:no_such_function_xyz",
                                             "no function matching 'no_such_function_xyz'",
                                             "libc.so"]),
            ([spec("fl_nope*")], 1, ["no function matching 'fl_nope*'", LIB]),
            (["c:foo["], 64, ["c:foo[", "unmatched '['"]),
            (["c:[[:alpha:]"], 64, ["unmatched '['"]),
            (["c:foo\\"], 64, ["backslash"]),
            (["c:"], 64, ["no function"]),
            (["malloc"], 64, ["'malloc'", "no ':'"]),
            ([d + ":foo"], 1, [d, "is a directory"]),
            ([d + "/none:foo"], 1, [d + "/none", "no such file"]),
            ([text + ":foo"], 1, [text, "not an ELF file"]),
            (["c:setjmp"], 1, ["setjmp", "returns twice"]),
            ([spec("fl_locked")], 1, ["fl_locked", "cannot probe the first instruction"]),
            ([spec("fl_ifunc")], 1, ["IFUNC", "fl_ifunc_plain"]),
            ([":main"], 64, ["-p"]),
            ([], 64, ["no SPEC"]),
            (["-m", "1", "-i", "1", "c:malloc"], 64, ["-i"]),
            (["-c", "3", "c:malloc"], 64, ["-c", "-m"]),
            (["-u", "--milliseconds", "c:malloc"], 64, ["one unit"]),
            (["-m", "1", "-u", "c:malloc"], 64, ["units"])):
        expect_error(args, rc, words)
    if GO:
        expect_error([GO + ":main.work"], 1, [GO, "Go program", "goroutine"])
        g = subprocess.Popen([GO] + ["x"] * 2000, stdout=subprocess.DEVNULL)
        PROCS.append(g)
        time.sleep(0.2)
        expect_error(["-p", str(g.pid), ":main.work"], 1, [str(g.pid), "Go program"])
        check(g.poll() is None or g.returncode == 0, "the Go program died: %r" % g.returncode)
        g.kill()
        g.wait()
    elif os.environ.get("UTRACE_REQUIRE_BPF") == "1":
        fail("no Go program to refuse (FUNCLAT_GO: install golang-go)")
    # -p: what the process lacks
    p = Prog(["short", 1])
    for args, words in (
            (["ssl_nowhere_xyz:f"], ["process %d runs %s, not ssl_nowhere_xyz" % (p.pid, PROG),
                                     "maps no library named libssl_nowhere_xyz.so"]),
            (["libssl_nowhere_xyz:f"], ["no -p process maps a library named",
                                        "libssl_nowhere_xyz.so"]),
            (["c:no_such_function_xyz"], ["no function matching", "(process %d)" % p.pid]),
            (["bash:readline"], ["process %d runs" % p.pid, "not bash"]),
            (["/bin/sh:main"], ["no -p process maps /bin/sh"])):
        expect_error(["-p", str(p.pid)] + args, 1, words)
    # a glob skips what it cannot trace; the rest is traced
    tr = tracer(["-j", "-p", p.pid, spec("fl_[ls]*")], "skips")
    p.run()
    h = hists(stop(tr, "glob with fl_locked in it"), "skips")
    check(sorted(h) == ["fl_short"], "a glob over fl_locked: %r" % sorted(h))


MUSL_PROG = r"""
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	char line[8];

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int i = 0; i < 4; i++)
		usleep(1200);
	return 0;
}
"""


def case_musl():
    """c:FUNC is musl's libc too: with -p and system-wide."""
    cc = shutil.which("musl-gcc")
    if not cc:
        if os.environ.get("UTRACE_REQUIRE_BPF") == "1":
            fail("musl-gcc not installed (Debian: musl-tools)")
        print("SKIP: musl-gcc not installed (Debian: musl-tools)")
        sys.exit(77)
    src, binary = os.path.join(TMP, "musl.c"), os.path.join(TMP, "musl_sleep")
    with open(src, "w") as f:
        f.write(MUSL_PROG)
    r = subprocess.run([cc, "-O2", "-o", binary, src], capture_output=True, timeout=60)
    check(r.returncode == 0, "musl-gcc failed: %r" % r.stderr)
    for mode in (["-p"], []):
        p = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        PROCS.append(p)
        check(p.stdout.readline() == b"ready\n", "the musl program did not start")
        with open("/proc/%d/maps" % p.pid) as f:
            check("musl" in f.read(), "the musl program maps no musl libc")
        tr = tracer(["-j", "-m", "0"] + (mode + [p.pid] if mode else []) + ["c:usleep"],
                    "musl")
        p.communicate(b"go\n", timeout=20)
        rows = rows_of(stop(tr, "musl %s" % mode), p.pid)
        check([r["function"] for r in rows] == ["usleep"] * 4 and
              all(r["latency_ms"] >= 1.2 for r in rows), "musl %s: rows %r" % (mode, rows))


def case_cxx():
    """A C++ program with exceptions thrown through a traced function: it
    runs as untraced (a return probe's trampoline would have ended it),
    the calls that return are timed, those left by the exception not."""
    if not CXX:
        if os.environ.get("UTRACE_REQUIRE_BPF") == "1":
            fail("no C++ test program (FUNCLAT_CXX: install g++)")
        print("SKIP: no C++ compiler")
        sys.exit(77)
    for mode in ([], ["-m", "0"]):
        p = subprocess.Popen([CXX, "5"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        PROCS.append(p)
        check(p.stdout.readline() == b"ready\n", "funclat_cxx did not start")
        tr = tracer(["-j", "-v"] + mode + ["-p", p.pid, ":cx_middle", ":cx_thrower"], "cxx")
        out, err = p.communicate(b"go\n", timeout=30)
        check(p.returncode == 0 and out == b"caught 5\n",
              "the C++ program traced (%s): exit %d, %r %r" % (mode, p.returncode, out, err))
        rc, data = tr.stop(signal.SIGINT)
        check(rc == 0, "funclat: exit %d: %s" % (rc, tr.stderr_text()[-300:]))
        check("calls are timed at their RET instructions" in tr.stderr_text(),
              "not timed at RETs: %s" % tr.stderr_text()[-500:])
        if mode:
            rows = rows_of(data)
            check([r["function"] for r in rows] == ["cx_middle"] * 5 and
                  all(1.2 <= r["latency_ms"] < 9 for r in rows), "-m 0: %r" % rows)
            continue
        h = hists(data, "cxx")
        in_bucket(h["cx_middle"], SHORT_BUCKET, 5, "cx_middle")
        # every cx_thrower call ran inside a cx_middle call
        check(h["cx_middle"]["nested"] == 0 and h["cx_thrower"]["count"] == 0 and
              h["cx_thrower"]["nested"] == 10, "cxx: %r" % h)


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_funclat.py %s" % "|".join(CASES), file=sys.stderr)
        sys.exit(2)
    require_bpf()
    check(os.access(PROG, os.X_OK) and os.path.exists(LIB), "no %s or %s" % (PROG, LIB))
    try:
        CASES[sys.argv[1]]()
    finally:
        for tr in TRACERS:
            tr.kill()
        for p in PROCS:
            if p.poll() is None:
                p.kill()
            p.wait()
        shutil.rmtree(TMP, ignore_errors=True)
    print("ok: %s" % sys.argv[1])


if __name__ == "__main__":
    main()
