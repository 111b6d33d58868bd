# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the dev_null and net_counters modules: the runbook's
"/dev/null was deleted" (mknod /dev/null c 1 3, mode 666) and "RX/TX packets
stuck at 2147483647" answers.
"""

from __future__ import annotations

import stat

NULL_MAJOR, NULL_MINOR, NULL_MODE = 1, 3, 0o666

# The counters the runbook watched, and the values a counter of 31, 32 or 64
# bits stops at when a driver does not let it wrap.
COUNTERS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped")
TRAFFIC = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes")
WRAP_VALUES = (2 ** 31 - 1, 2 ** 32 - 1, 2 ** 64 - 1)


def describe_node(info):
    """A file as ls would sum it up; ``info`` has mode, major, minor, uid, gid, size (or is None)."""
    if info is None:
        return "missing"
    mode = info["mode"]
    owner = "%d:%d" % (info["uid"], info["gid"])
    permissions = "%04o" % stat.S_IMODE(mode)
    if stat.S_ISCHR(mode):
        return "character device %d,%d, mode %s, owner %s" % (info["major"], info["minor"], permissions, owner)
    if stat.S_ISREG(mode):
        return "regular file of %d bytes, mode %s, owner %s" % (info["size"], permissions, owner)
    kinds = ((stat.S_ISDIR, "directory"), (stat.S_ISLNK, "symbolic link"), (stat.S_ISBLK, "block device"),
             (stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"))
    for test, name in kinds:
        if test(mode):
            return "%s, mode %s, owner %s" % (name, permissions, owner)
    return "unknown file type %o" % mode


def null_problems(info):
    """What is wrong with a /dev/null, as a list (empty when it is the character device 1,3, 0666, root)."""
    if info is None:
        return ["it does not exist"]
    mode = info["mode"]
    if not stat.S_ISCHR(mode):
        return ["it is not a character device but a %s" % describe_node(info).split(",")[0].split(" of ")[0]]
    problems = []
    if (info["major"], info["minor"]) != (NULL_MAJOR, NULL_MINOR):
        problems.append("it is device %d,%d, not 1,3" % (info["major"], info["minor"]))
    if stat.S_IMODE(mode) != NULL_MODE:
        problems.append("its mode is %04o, not 0666" % stat.S_IMODE(mode))
    if (info["uid"], info["gid"]) != (0, 0):
        problems.append("it belongs to %d:%d, not root" % (info["uid"], info["gid"]))
    return problems


def judge_counters(first, second):
    """Compare two samples of interface counters taken some seconds apart.

    Each sample is ``{interface: {counter: value, "operstate": "up"}}``.
    Returns per interface the values, the change of each counter, whether
    traffic moved, and ``stuck``: counters sitting at a value where a counter
    stops (2^31-1, 2^32-1, 2^64-1) and not moving - the runbook's
    ``RX packets:2147483647``.
    """
    judged = {}
    for name in sorted(set(first) & set(second)):
        before, after = first[name], second[name]
        deltas = {}
        for counter in COUNTERS:
            if isinstance(before.get(counter), int) and isinstance(after.get(counter), int):
                deltas[counter] = after[counter] - before[counter]
        stuck = [counter for counter in TRAFFIC
                 if after.get(counter) in WRAP_VALUES and deltas.get(counter) == 0]
        judged[name] = {
            "operstate": after.get("operstate", "unknown"),
            "counters": dict((c, after[c]) for c in COUNTERS if c in after),
            "deltas": deltas,
            "moving": any(deltas.get(c) for c in TRAFFIC),
            "stuck": stuck,
            # A counter that went down was reset (driver reload) or wrapped.
            "went_back": [c for c, d in deltas.items() if d < 0],
        }
    return judged
