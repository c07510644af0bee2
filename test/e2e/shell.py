# SPDX-License-Identifier: GPL-2.0-only
"""Line-reading programs (an interactive bash above all) driven through a
pseudo-terminal, as a person would."""
import os
import pty
import signal
import subprocess
import threading
import time

PROMPT = b"utrace-test$ "


class PtyProgram:
    """@argv on a fresh pty, its screen collected by a reader thread."""

    LINE_TIMEOUT = 10           # seconds type_line() waits for the next prompt

    def __init__(self, argv, prompt, env=None, quit=b"\x04"):
        self.prompt = prompt
        self.quit = quit
        self.master, slave = pty.openpty()
        base = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "dumb",
                "HOME": "/tmp", "LANG": "C.UTF-8"}
        base.update(env or {})
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave,
                                     stderr=slave, env=base,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.pid = self.proc.pid
        self.buf = bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        # Keep the pty empty so a long echo never blocks the program.
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.buf += data

    def screen(self):
        with self.lock:
            return bytes(self.buf)

    def prompts(self):
        with self.lock:
            return self.buf.count(self.prompt)

    def wait_prompt(self, count, timeout=10):
        """Wait until the prompt has been shown @count times in all."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.prompts() >= count:
                # readline is entered right after the prompt is drawn
                time.sleep(0.05)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise TimeoutError("no prompt #%d from %d; screen ends %r" %
                           (count, self.pid, self.screen()[-300:]))

    def type_line(self, data, timeout=None):
        """Type @data then Enter; wait for the next prompt. Returns the time
        Enter was pressed."""
        before = self.prompts()
        for i in range(0, len(data), 256):
            os.write(self.master, data[i:i + 256])
            time.sleep(0.005)
        pressed = time.time()
        os.write(self.master, b"\r")
        self.wait_prompt(before + 1, timeout or self.LINE_TIMEOUT)
        return pressed

    def close(self):
        if self.proc.poll() is None:
            try:
                os.write(self.master, self.quit)
                self.proc.wait(3)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()
        # The reader ends on EIO once the program is gone; closing the fd
        # under it would let it read the next pty opened with that number.
        self.reader.join(5)
        if self.reader.is_alive():
            raise RuntimeError("pty reader of %d did not end" % self.pid)
        os.close(self.master)


class Shell(PtyProgram):
    """An interactive bash with no rc files, a known prompt and no history."""

    LINE_TIMEOUT = 20

    def __init__(self, bash="/bin/bash", env_extra=None, quit=b"exit\r"):
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "PS1": PROMPT.decode(),
            "HISTFILE": "/dev/null",
        }
        env.update(env_extra or {})
        super().__init__([bash, "--norc", "--noprofile", "-i"], PROMPT, env,
                         quit=quit)


ZSH_PROMPT = b"utrace-test% "


class Zsh(PtyProgram):
    """An interactive zsh with no rc files (-f), a known prompt (also at
    PS2, so type_line() waits for continuation lines too) and no history."""

    LINE_TIMEOUT = 20

    def __init__(self, zsh="/bin/zsh", env_extra=None, quit=b"exit\r"):
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "PS1": "utrace-test%% ", "PS2": "utrace-test%% ",
            "HISTFILE": "/dev/null",
        }
        env.update(env_extra or {})
        super().__init__([zsh, "-f", "-i"], ZSH_PROMPT, env, quit=quit)
