# SPDX-License-Identifier: GPL-2.0-only
"""Cgroups named as container runtimes name theirs, for the fleet tests.

Everything is made below one private directory of the cgroup v2 hierarchy
(found in /proc/self/mountinfo: /sys/fs/cgroup on unified hosts,
/sys/fs/cgroup/unified on hybrid ones), so nothing of the host's is ever
touched and close() removes it all. A program is started inside a cgroup
the way a runtime starts a container's: the process moves itself in, then
execs the program (same PID throughout), so it is there from its first
instruction.
"""
import os
import secrets
import time

# `sh -c ENTER sh DIR PROG ARGS...`: join DIR, become PROG
ENTER = 'echo $$ > "$1/cgroup.procs" || exit 98; shift; exec "$@"'


def unmangle(field):
    """Decode mountinfo's octal escapes (\\040 for a space...)."""
    out, i = "", 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out += chr(int(field[i + 1:i + 4], 8))
            i += 4
        else:
            out += field[i]
            i += 1
    return out


def mounts():
    """[(mount point, fstype, super options)] from /proc/self/mountinfo."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields, rest = left.split(), right.split()
            if len(fields) >= 5 and len(rest) >= 3:
                found.append((unmangle(fields[4]), rest[0], rest[2].split(",")))
    return found


def cgroup2_mount():
    for point, fstype, _ in mounts():
        if fstype == "cgroup2":
            return point
    return None


def cgroup1_mount(controller):
    """The mount point of the v1 hierarchy of @controller, or None."""
    for point, fstype, opts in mounts():
        if fstype == "cgroup" and controller in opts:
            return point
    return None


def new_id():
    """A container id as runtimes make them: 64 lowercase hex digits."""
    return secrets.token_hex(32)


def pod_uid():
    return "%s_%s_%s_%s_%s" % (secrets.token_hex(4), secrets.token_hex(2),
                                secrets.token_hex(2), secrets.token_hex(2),
                                secrets.token_hex(6))


# Where each runtime puts a container's cgroup (below the private root).
def runtime_paths(cid):
    pod = pod_uid()
    return {
        "docker-systemd": "system.slice/docker-%s.scope" % cid,
        "docker-cgroupfs": "docker/%s" % cid,
        "containerd": ("kubepods.slice/kubepods-besteffort.slice/"
                       "kubepods-besteffort-pod%s.slice/cri-containerd-%s.scope" % (pod, cid)),
        "crio": ("kubepods.slice/kubepods-burstable.slice/"
                 "kubepods-burstable-pod%s.slice/crio-%s.scope" % (pod, cid)),
        "podman": "machine.slice/libpod-%s.scope" % cid,
    }


class Cgroups:
    """Cgroups below a private directory of one hierarchy; close() removes
    every one (after the test has ended the processes in them)."""

    def __init__(self, mount, tag="utrace-test"):
        self.mount = mount
        self.root = os.path.join(mount, "%s-%d-%s" % (tag, os.getpid(),
                                                      secrets.token_hex(3)))
        os.mkdir(self.root)
        self.made = [self.root]

    def make(self, rel):
        """mkdir -p ROOT/@rel; returns (its directory, its path as
        /proc/PID/cgroup shows it)."""
        d = self.root
        for part in rel.split("/"):
            d = os.path.join(d, part)
            if not os.path.isdir(d):
                os.mkdir(d)
                self.made.append(d)
        return d, "/" + os.path.relpath(d, self.mount)

    def remove(self, d):
        """rmdir @d (and what was made below it); waits for the kernel to
        let go of exited processes."""
        for sub in sorted([m for m in self.made if m == d or m.startswith(d + "/")],
                          key=len, reverse=True):
            deadline = time.time() + 10
            while True:
                try:
                    os.rmdir(sub)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    if time.time() > deadline - 8:
                        self._evict(sub)
                    time.sleep(0.05)
            self.made.remove(sub)

    def _evict(self, d):
        """Move what is still in @d (the test's own processes: nobody else
        knows of these cgroups) back to the hierarchy's root."""
        try:
            with open(os.path.join(d, "cgroup.procs")) as f:
                pids = f.read().split()
            for pid in pids:
                with open(os.path.join(self.mount, "cgroup.procs"), "w") as f:
                    f.write(pid)
        except OSError:
            pass

    def close(self):
        if self.made:
            self.remove(self.root)


def enter(directory, argv):
    """The command line that runs @argv inside cgroup @directory."""
    return ["sh", "-c", ENTER, "sh", directory] + list(argv)
