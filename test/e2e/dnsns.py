# SPDX-License-Identifier: GPL-2.0-only
"""Name lookups that can only reach the test's own DNS responder.

A program run through argv() lives in a private mount namespace whose
/etc/resolv.conf names the responder on 127.0.0.1, whose nsswitch.conf
says `hosts: files dns` (no other NSS source: mdns, myhostname, a
directory service), and whose /etc/hosts has only the loopback names. The
machine's own resolver is never asked, on any distribution.

The program keeps its PID: unshare and sh exec into it, they do not fork.
"""
import os
import shutil

# Bind our three files over the real ones, then become the program.
NS_SCRIPT = ('d=$1; shift; for f in resolv.conf nsswitch.conf hosts; do '
             'mount --bind "$d/$f" "/etc/$f" || exit 97; done; exec "$@"')

NSSWITCH = """passwd: files
group: files
shadow: files
hosts: files dns
networks: files
protocols: files
services: files
ethers: files
rpc: files
"""

HOSTS = """127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
"""


def make_etc(directory, timeout_s=2, nameserver="127.0.0.1"):
    """Write the three files into @directory (created); returns it."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "resolv.conf"), "w") as f:
        f.write("nameserver %s\noptions attempts:1 timeout:%d\n" % (nameserver, timeout_s))
    with open(os.path.join(directory, "nsswitch.conf"), "w") as f:
        f.write(NSSWITCH)
    with open(os.path.join(directory, "hosts"), "w") as f:
        f.write(HOSTS)
    return directory


def missing_tools():
    """The util-linux programs this needs that are not installed."""
    return [t for t in ("unshare", "mount") if not shutil.which(t)]


def argv(etc_dir, args):
    """The command line that runs @args in the namespace of @etc_dir."""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", NS_SCRIPT,
            "sh", etc_dir] + list(args)
