# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the filesystem_usage module: mounts, usage as df counts
it, and whether the root file system is read-only.

The runbook's sendmail stops when the partition holding /var/spool/mail is
full; its fsck answer starts from a root mounted read-only.
"""

from __future__ import annotations

import re

# Kernel and virtual file systems that hold no data anyone fills up.
PSEUDO_TYPES = frozenset([
    "proc", "sysfs", "devpts", "cgroup", "cgroup2", "mqueue", "debugfs", "tracefs", "securityfs", "pstore",
    "bpf", "configfs", "fusectl", "hugetlbfs", "autofs", "binfmt_misc", "nsfs", "rpc_pipefs", "efivarfs",
    "selinuxfs", "ramfs", "devtmpfs", "overlay_metacopy",
])


def _unescape(field):
    """/proc/mounts writes a space as \\040, a tab as \\011, a backslash as \\134."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text):
    """The entries of /proc/mounts (or /proc/self/mounts), in order."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        mounts.append({
            "source": _unescape(fields[0]),
            "mount": _unescape(fields[1]),
            "fstype": fields[2],
            "options": fields[3].split(","),
        })
    return mounts


def mount_of(path, mounts):
    """The mount a path lies on: the longest mount point that holds it; the last one mounted wins."""
    best = None
    for entry in mounts:
        point = entry["mount"]
        if path == point or path.startswith(point.rstrip("/") + "/") or point == "/":
            if best is None or len(point) >= len(best["mount"]):
                best = entry
    return best


def read_only(entry):
    return entry is not None and "ro" in entry["options"]


def root_entry(mounts):
    """The mount of / that is in force (the last one)."""
    roots = [entry for entry in mounts if entry["mount"] == "/"]
    return roots[-1] if roots else None


def usage(stats):
    """Usage from statvfs values (``f_frsize``, ``f_blocks``, ``f_bfree``, ``f_bavail``, ``f_files``,
    ``f_ffree``), counted as df does: used / (used + available to users), rounded up."""
    size = stats["f_frsize"] * stats["f_blocks"]
    used = stats["f_frsize"] * (stats["f_blocks"] - stats["f_bfree"])
    avail = stats["f_frsize"] * stats["f_bavail"]
    inodes_used = stats["f_files"] - stats["f_ffree"]
    return {
        "size_bytes": size,
        "used_bytes": used,
        "avail_bytes": avail,
        "used_percent": _percent(used, used + avail),
        "inodes_total": stats["f_files"],
        "inodes_used_percent": _percent(inodes_used, stats["f_files"]) if stats["f_files"] else 0,
        "free_blocks": stats["f_bavail"],
        "block_size": stats["f_frsize"],
    }


def _percent(part, whole):
    if not whole:
        return 0
    # df rounds up: a file system 99.1% used shows 100%, never less than it is.
    return -(-100 * part // whole)


def real_filesystems(mounts, is_dir):
    """Mounts that hold data: no kernel file system, and no bind mount of a single file (such as
    the /etc/hosts a container gets), which only repeats the file system it comes from.
    ``is_dir`` tells whether a mount point is a directory."""
    return [entry for entry in mounts if entry["fstype"] not in PSEUDO_TYPES and is_dir(entry["mount"])]
