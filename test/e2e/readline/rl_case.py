# SPDX-License-Identifier: GPL-2.0-only
"""What the readline end-to-end test files share: a case's scratch
directory, the shells (or other pty programs) and tracers it started, all
ended by close(); and the dispatch of `test_readline_X.py CASE` to its
case_CASE(c) function."""
import os
import tempfile

from utrace_test import Tracer, run_case


class ReadlineCase:
    PREFIX = "utrace-rl-"

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix=self.PREFIX)
        self.progs = []
        self.tracers = []

    def keep(self, prog):
        """@prog (a Shell, Zsh or PtyProgram) waited for at its first
        prompt, and closed with the case."""
        self.progs.append(prog)
        prog.wait_prompt(1)
        return prog

    def tracer(self, args):
        t = Tracer(["readline"] + args,
                   os.path.join(self.tmp, "out%d" % len(self.tracers)))
        self.tracers.append(t)
        return t

    def close(self):
        for t in self.tracers:
            t.kill()
        for p in self.progs:
            p.close()


def run_cases(namespace, case_class):
    """main(): the case named by argv[1] among @namespace's case_*
    functions, run with a fresh @case_class (run_case())."""
    run_case({n[5:]: f for n, f in namespace.items() if n.startswith("case_")},
             lambda name: case_class())
