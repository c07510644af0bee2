#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A tool cannot be added without its papers: for every tool that
`utrace list` shows there must be --help with EXAMPLES, a man page with the
sections operators look for, a bash completion that offers it and its
options, and a row in the README."""
import os
import re
import subprocess
import sys

UTRACE = os.environ["UTRACE"]
SRC = os.environ["UTRACE_SRC"]
sys.path.insert(0, os.path.join(SRC, "test", "e2e"))
from utrace_test import tool_table  # noqa: E402

TOOL_TABLE = tool_table()
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def complete(words):
    """Run the installed-to-be completion function as bash would."""
    script = os.path.join(os.environ["UTRACE_BUILD"], "cmd", "utrace.bash")
    cmd = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
           '_utrace; printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "-c", cmd, "complete", script] + words,
                       capture_output=True, text=True, timeout=20)
    check(p.returncode == 0, "completion of %r failed: %s" % (words, p.stderr))
    return p.stdout.split()


def installed(tools):
    """meson install puts the binary, the busybox links, every man page and
    the completion (also under each busybox name) in place."""
    import tempfile
    with tempfile.TemporaryDirectory() as dest:
        p = subprocess.run(["meson", "install", "-C", os.environ["UTRACE_BUILD"],
                            "--no-rebuild", "--destdir", dest],
                           capture_output=True, text=True, timeout=120)
        check(p.returncode == 0, "meson install failed: %s" % p.stderr[-500:])
        files = set()
        for root, dirs, names in os.walk(dest):
            for n in names + dirs:
                files.add(os.path.relpath(os.path.join(root, n), dest))

        def has(suffix):
            return any(f.endswith(suffix) for f in files)
        check(has("sbin/utrace"), "utrace not installed: %r" % sorted(files))
        check(has("man8/utrace.8"), "utrace.8 not installed")
        check(has("completions/utrace"), "completion not installed")
        for t in tools:
            check(has("man8/utrace-%s.8" % t), "utrace-%s.8 not installed" % t)
        for alias in [a for t in tools for a in TOOL_TABLE.get(t, [])]:
            check(has("sbin/" + alias), "%s link not installed" % alias)
            check(has("completions/" + alias), "%s completion not installed" % alias)


def main():
    out = subprocess.run([UTRACE, "list"], capture_output=True, text=True,
                         timeout=10).stdout
    tools = [l.split()[0] for l in out.splitlines() if l.strip()]
    check(tools, "utrace list printed no tools")
    check(sorted(tools) == sorted(TOOL_TABLE),
          "utrace list %r is not meson.build's list %r" % (tools, sorted(TOOL_TABLE)))
    readme = open(os.path.join(SRC, "README.md")).read()
    top = open(os.path.join(SRC, "man", "utrace.8")).read()
    offered = complete([UTRACE, ""])
    for t in tools:
        page = os.path.join(SRC, "man", "utrace-%s.8" % t)
        if not os.path.exists(page):
            check(False, "no man page man/utrace-%s.8" % t)
        else:
            text = open(page).read()
            for sec in ("NAME", "SYNOPSIS", "OPTIONS", "EXAMPLES", "OVERHEAD", "SEE ALSO"):
                check(re.search(r"^\.SH %s\b" % sec, text, re.M),
                      "man/utrace-%s.8 has no %s section" % (t, sec))
            check("utrace %s" % t in text, "man/utrace-%s.8 never names 'utrace %s'" % (t, t))
        check(re.search(r"utrace-%s \(8\)|utrace-%s\(8\)" % (t, t), top.replace("\\-", "-")) or
              ".BR utrace-%s (8)" % t in top, "utrace(8) does not refer to utrace-%s(8)" % t)
        check(re.search(r"^\| `%s` \|" % re.escape(t), readme, re.M),
              "README.md has no row for %s" % t)
        check(t in offered, "completion does not offer %s (offers %r)" % (t, offered))
        help_out = subprocess.run([UTRACE, t, "--help"], capture_output=True,
                                  text=True, timeout=10).stdout
        check("EXAMPLES" in help_out, "%s --help has no EXAMPLES" % t)
        opts = set(re.findall(r"(--[a-z][-a-z]*)", help_out))
        got = set(complete([UTRACE, t, "--"]))
        check(opts and opts <= got, "completion for %s misses %r" % (t, sorted(opts - got)))
    installed(tools)
    if failures:
        for f in failures:
            print("FAIL: " + f, file=sys.stderr)
        sys.exit(1)
    print("ok: %d tools" % len(tools))


main()
