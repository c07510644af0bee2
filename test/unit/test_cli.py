#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The command line is an API: dispatch, help, usage errors, busybox names.

Needs no privilege: nothing here loads BPF.
"""
import os
import subprocess
import sys
import tempfile

UTRACE = os.environ["UTRACE"]
sys.path.insert(0, os.path.join(os.environ["UTRACE_SRC"], "test", "e2e"))
from utrace_test import tool_table  # noqa: E402

failures = []


def run(args, argv0=None):
    exe = argv0 or UTRACE
    p = subprocess.run([exe] + args, capture_output=True, text=True, timeout=10)
    return p.returncode, p.stdout, p.stderr


def check(cond, msg):
    if not cond:
        failures.append(msg)


def tools():
    rc, out, err = run(["list"])
    check(rc == 0 and not err, "utrace list: rc %d, stderr %r" % (rc, err))
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    check(len(names) >= 2 and len(set(names)) == len(names),
          "utrace list: %r" % out)
    for line in out.splitlines():
        check(len(line.split(None, 1)) == 2, "no summary in %r" % line)
    return names


def main():
    names = tools()
    check(sorted(names) == sorted(tool_table()), "tools: %r" % names)

    for t in names:
        rc, out, err = run([t, "--help"])
        check(rc == 0, "%s --help: rc %d" % (t, rc))
        check(out.startswith("Usage: utrace %s " % t), "%s --help usage line: %r" % (t, out[:60]))
        check("EXAMPLES" in out, "%s --help has no EXAMPLES" % t)
        for opt in ("--pid", "--json", "--duration", "--count", "--no-header",
                    "--print-uid", "--verbose", "--container", "--in-container",
                    "--metrics", "--metrics-file"):
            check(opt in out, "%s --help lacks %s" % (t, opt))
        rc, out2, err = run([t, "-h"])
        check(rc == 0 and out2 == out, "%s -h differs from --help" % t)
        rc, out, err = run(["help", t])
        check(rc == 0 and ("utrace %s" % t) in out, "utrace help %s: rc %d" % (t, rc))
        # bad values are usage errors naming the culprit, never a crash
        for bad, word in ((["-p", "abc"], "abc"), (["-p", "-1"], "-1"),
                          (["-p", "0"], "0"), (["-d", "0"], "0"),
                          (["-c", "-5"], "-5"), (["-c", "0"], "0"),
                          (["-d", "1e400"], "1e400"),
                          (["-d", "0.0005"], "0.001"),    # says the minimum
                          (["-p", "99999999999999999999"], "99999999999999999999"),
                          (["--buffer", "3X"], "3X"), (["--bogus"], "bogus"),
                          (["--in-container", "xyz"], "xyz"),
                          (["--in-container", "a" * 65], "a" * 65),
                          (["--metrics", "host.example:9100"], "host.example"),
                          (["--metrics", "127.0.0.1:70000"], "70000"),
                          (["--metrics", "9100x"], "9100x"),
                          (["--metrics-file", ""], "--metrics-file"),
                          (["extra-argument"], "extra-argument")):
            rc, out, err = run([t] + bad)
            check(rc == 64, "%s %s: rc %d, want 64" % (t, bad, rc))
            check(word in err and err.startswith("utrace %s: " % t),
                  "%s %s: message %r" % (t, bad, err))
            check(out == "", "%s %s printed data: %r" % (t, bad, out))

    rc, out, err = run(["no-such-tool"])
    check(rc == 64, "unknown tool: rc %d" % rc)
    check("no-such-tool" in err and all(n in err for n in names),
          "unknown tool message %r" % err)
    rc, out, err = run([])
    check(rc == 64 and "Usage" in err, "no arguments: rc %d" % rc)
    rc, out, err = run(["--help"])
    check(rc == 0 and all(n in out for n in names), "--help: %d %r" % (rc, out))
    rc, out, err = run(["--version"])
    check(rc == 0 and out.startswith("utrace "), "--version: %r" % out)

    # busybox names: a link named after an alias runs its tool, and says
    # so under its own name, in help and in errors; -h is help, as there
    with tempfile.TemporaryDirectory() as d:
        for alias, tool in [(a, t) for t, al in tool_table().items() for a in al]:
            link = os.path.join(d, alias)
            os.symlink(os.path.abspath(UTRACE), link)
            _, tool_help, _ = run([tool, "--help"])
            for flag in ("--help", "-h"):
                rc, out, err = run([flag], argv0=link)
                check(rc == 0 and out.startswith("Usage: %s " % alias) and
                      out.split("\n", 1)[1] == tool_help.split("\n", 1)[1],
                      "%s %s: rc %d, %r" % (alias, flag, rc, out[:60]))
            rc, out, err = run(["-p", "abc"], argv0=link)
            check(rc == 64 and err.startswith("%s: " % alias) and "abc" in err,
                  "%s -p abc: rc %d, %r" % (alias, rc, err))

    if failures:
        for f in failures:
            print("FAIL: " + f, file=sys.stderr)
        sys.exit(1)
    print("ok")


main()
