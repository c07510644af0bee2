# SPDX-License-Identifier: GPL-2.0-only
"""The readline cases of test_hardening.py (issue 6): what readline adds to
each group beyond the core's cases, which run for every tool.

cases(harness) maps group -> functions. The functions use the harness's
helpers (spawn, scratch, note, traced_rows, bad_files, ...) by name: its
globals are handed over when cases() is called.
"""


def cases(harness):
    """group -> readline's cases, for test_hardening.TOOL_CASES."""
    globals().update({k: v for k, v in vars(harness).items() if not k.startswith("__")})
    return {
        "badinput": [readline_pid_errors, readline_file_errors],
        "shells": [readline_stripped, readline_libreadline],
        "privilege": [readline_no_link_create],
        "pipe": [readline_pipe],
        "kill9": [readline_kill9],
        "churn": [readline_churn],
        "identical": [readline_identical],
        "hostile": [readline_hostile],
    }


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

    # no section headers at all (sstrip): the symbols are read the way the
    # loader reads them (PT_DYNAMIC, DT_SYMTAB, DT_GNU_HASH), and traced
    bare = scratch("bash-no-section-headers")
    shutil.copy("/bin/bash", bare)
    with open(bare, "r+b") as f:
        f.seek(0x28)
        f.write(struct.pack("<Q", 0))
        f.seek(0x3c)
        f.write(struct.pack("<HH", 0, 0))
    sections = subprocess.run(["readelf", "-S", "-W", bare], capture_output=True,
                              timeout=30).stdout
    check(b"There are no sections" in sections, "test bug: %s has section headers" % bare)
    sh = hu.bash_pty(bare)
    try:
        sh.wait_prompt(1)

        def drive():
            sh.type_line(b"echo sstripped-bash-works")
        rows = traced_rows(["readline", "-j", "-s", bare], drive)
    finally:
        sh.close()
    got = [(r["pid"], r["command"]) for r in rows]
    check(got == [(sh.pid, "echo sstripped-bash-works")], "bash without section headers: rows %r" % got)
    check_no_leftovers("readline -s <no section headers>")
    note("readline -s <bash without section headers>: found through PT_DYNAMIC, line traced")


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


def readline_no_link_create():
    """bpf(BPF_LINK_CREATE) denied: probes go on through the perf event
    ioctl instead (no attach cookies there), and lines are still traced:
    bash's, with -S bash's and zsh's with their status."""
    helper = hu.build_c(os.path.join(HERE, "hardening_seccomp.c"), scratch("hardening_seccomp"))
    if not helper:
        return require_bpf_or_fail_build("the seccomp helper")
    no_link_create(helper, hu.bash_pty(), [], [b"echo traced-without-link-create"],
                   [("echo traced-without-link-create", None)])
    no_link_create(helper, hu.bash_pty(), ["-S"], [b"(exit 5)"], [("(exit 5)", 5)])
    zsh = PtyProgram(["/bin/zsh", "-f", "-i"], b"utrace-test% ",
                     {"PS1": "utrace-test%% ", "HISTFILE": "/dev/null"}, quit=b"exit\r")
    no_link_create(helper, zsh, ["-S"], [b"(exit 6)"], [("(exit 6)", 6)])
    note("readline with bpf(BPF_LINK_CREATE) denied: attached another way; bash and zsh "
         "lines traced, with -S their status")


def no_link_create(helper, sh, args, typed, want):
    what = "bpf_link_create denied (%s%s)" % (os.path.basename(sh.proc.args[0]),
                                              " " + " ".join(args) if args else "")
    try:
        sh.wait_prompt(1)
        out, errpath = scratch("no-link-create.out"), scratch("no-link-create.err")
        with open(out, "wb") as o, open(errpath, "wb") as e:
            tr = spawn([helper, "bpf_link_create", "13", UTRACE, "readline", "-j",
                        "-p", str(sh.pid), "-d", "10"] + args, stdout=o, stderr=e)
        deadline = time.time() + 20
        while b"Tracing" not in open(errpath, "rb").read():
            check(time.time() < deadline and tr.poll() is None,
                  "%s: utrace did not attach: %r" % (what, open(errpath, "rb").read()))
            time.sleep(0.02)
        for line in typed:
            sh.type_line(line)
        time.sleep(0.3)
        tr.send_signal(signal.SIGINT)
        try:
            tr.wait(10)
        except subprocess.TimeoutExpired:
            fail("%s: utrace hung after SIGINT" % what)
    finally:
        sh.close()
    check_not_crashed(tr.returncode, what)
    rows = json_lines(open(out, "rb").read())
    err = open(errpath, "rb").read()
    check(tr.returncode == 0 and [(r["command"], r.get("status")) for r in rows] == want,
          "%s: exit %d, rows %r, stderr %r" % (what, tr.returncode, rows, err))
    check_no_leftovers("readline with bpf_link_create denied")


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


def readline_churn():
    d = scratch("churn")
    os.mkdir(d)
    # names of their own, so rows can be told from anyone else's bash, also
    # from those of this same test run at the same time on the machine
    names = ("hwc%d" % os.getpid(), "hwt%d" % os.getpid())
    short = os.path.join(d, names[0])
    typed = os.path.join(d, names[1])
    os.symlink("/bin/bash", short)
    os.symlink("/bin/bash", typed)
    tr = Tracer(["readline", "-j"], scratch("churn.out"))
    STARTED.append(tr.proc)
    pid = tr.proc.pid
    time.sleep(1.2)             # one discovery pass done
    rss0, fds0 = hu.rss_kb(pid), hu.fd_count(pid)
    links0 = sum(k == "link" for k, _ in hu.fd_bpf_ids(pid))
    rss_max = rss0
    want = []                   # (pid, line): PIDs wrap (pid_max 32768) on a busy host
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
                        want.append((sh.pid, line))
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
    mine = [(r["pid"], r["command"]) for r in rows if r["comm"] in names]
    check(sorted(mine) == sorted(want),
          "rows differ from the %d typed lines: %d rows (each once?), missing %r, extra %r" % (
              len(want), len(mine), sorted(set(want) - set(mine))[:5],
              sorted(set(mine) - set(want))[:5]))
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
