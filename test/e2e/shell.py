# SPDX-License-Identifier: GPL-2.0-only
"""An interactive bash driven through a pseudo-terminal, as a person would."""
import os
import pty
import signal
import subprocess
import threading
import time

PROMPT = b"utrace-test$ "


class Shell:
    def __init__(self, bash="/bin/bash", env_extra=None):
        self.master, slave = pty.openpty()
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "TERM": "dumb",
            "HOME": "/tmp",
            "PS1": PROMPT.decode(),
            "HISTFILE": "/dev/null",
            "LANG": "C.UTF-8",
        }
        env.update(env_extra or {})
        self.proc = subprocess.Popen(
            [bash, "--norc", "--noprofile", "-i"], stdin=slave, stdout=slave,
            stderr=slave, env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.pid = self.proc.pid
        self.buf = bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        # Keep the pty empty so a long echo never blocks the shell.
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.buf += data

    def prompts(self):
        with self.lock:
            return self.buf.count(PROMPT)

    def wait_prompt(self, count, timeout=10):
        """Wait until the prompt has been shown @count times in all."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.prompts() >= count:
                # readline is entered right after the prompt is drawn
                time.sleep(0.05)
                return
            time.sleep(0.01)
        with self.lock:
            tail = bytes(self.buf[-300:])
        raise TimeoutError("no prompt #%d from bash %d; screen ends %r" %
                           (count, self.pid, tail))

    def type_line(self, data, timeout=20):
        """Type @data then Enter; wait for the next prompt. Returns the time
        Enter was pressed."""
        before = self.prompts()
        for i in range(0, len(data), 256):
            os.write(self.master, data[i:i + 256])
            time.sleep(0.005)
        pressed = time.time()
        os.write(self.master, b"\r")
        self.wait_prompt(before + 1, timeout)
        return pressed

    def close(self):
        if self.proc.poll() is None:
            try:
                os.write(self.master, b"exit\r")
                self.proc.wait(3)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()
        # The reader ends on EIO once the shell is gone; closing the fd
        # under it would let it read the next pty opened with that number.
        self.reader.join(5)
        if self.reader.is_alive():
            raise RuntimeError("pty reader of bash %d did not end" % self.pid)
        os.close(self.master)
