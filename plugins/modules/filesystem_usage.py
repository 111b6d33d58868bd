#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: filesystem_usage
short_description: Use of the file systems holding given paths (or of every file system), and a read-only root
version_added: 0.1.0
description:
  - For each of O(paths) (sendmail's spool and queue, for example), the file system it is on, its use
    in percent as C(df) counts it (rounded up), its inode use, its free blocks, and whether it is
    mounted read-only. Without O(paths), every file system that holds data (no C(proc), C(sysfs),
    C(cgroup)..., no bind mount of a single file).
  - Marks those at or over O(threshold) percent (blocks or inodes), and tells whether the root file
    system is mounted read-only (what the kernel does after errors, and the runbook's fsck case).
  - Only reads.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  paths:
    description: Paths whose file systems are wanted; a path that does not exist is reported as missing.
    type: list
    elements: path
    default: []
  threshold:
    description: Use, in percent, at which a file system counts as full.
    type: int
    default: 90
  mounts_file:
    description: Where the mounts are read from. Only tests change this.
    type: path
    default: /proc/self/mounts
seealso:
  - module: sysfix.hardening.sendmail_status
"""

EXAMPLES = r"""
- name: Is the mail spool's file system full?
  sysfix.hardening.filesystem_usage:
    paths: [/var/mail, /var/spool/mqueue]
    threshold: 90
  register: spool
"""

RETURN = r"""
filesystems:
  description: One per path asked for (or per file system), with its mount and use.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/var/mail", "exists": true, "mount": "/var/mail", "fstype": "tmpfs", "read_only": false,
            "size_bytes": 1048576, "used_bytes": 1048576, "avail_bytes": 0, "used_percent": 100,
            "inodes_total": 2000, "inodes_used_percent": 1, "free_blocks": 0, "block_size": 4096,
            "over_threshold": true}]
over_threshold:
  description: The paths (or mount points) whose file system is at or over O(threshold), blocks or inodes.
  returned: always
  type: list
  elements: str
root_read_only:
  description: Whether C(/) is mounted read-only.
  returned: always
  type: bool
root:
  description: The mount of C(/) in force.
  returned: always
  type: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.filesystems import (
    mount_of,
    parse_mounts,
    read_only,
    real_filesystems,
    root_entry,
    usage,
)


def statvfs(path):
    stats = os.statvfs(path)
    return dict((name, getattr(stats, name)) for name in
                ("f_frsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree"))


def describe(path, entry, threshold):
    found = {"path": path, "exists": True, "mount": entry["mount"] if entry else None,
             "fstype": entry["fstype"] if entry else None, "source": entry["source"] if entry else None,
             "read_only": read_only(entry)}
    found.update(usage(statvfs(path)))
    found["over_threshold"] = found["used_percent"] >= threshold or found["inodes_used_percent"] >= threshold
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", default=[]),
            threshold=dict(type="int", default=90),
            mounts_file=dict(type="path", default="/proc/self/mounts"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not 1 <= params["threshold"] <= 100:
        module.fail_json(msg="threshold must be a percentage from 1 to 100, not %d" % params["threshold"])
    try:
        with open(params["mounts_file"]) as handle:
            mounts = parse_mounts(handle.read())
    except (IOError, OSError) as exc:
        module.fail_json(msg="Cannot read %s: %s" % (params["mounts_file"], exc))

    found = []
    if params["paths"]:
        for path in params["paths"]:
            if not os.path.exists(path):
                found.append({"path": path, "exists": False, "over_threshold": False})
                continue
            real = os.path.realpath(path)
            found.append(describe(path, mount_of(real, mounts), params["threshold"]))
    else:
        seen = set()
        for entry in real_filesystems(mounts, os.path.isdir):
            try:
                device = os.stat(entry["mount"]).st_dev
            except OSError:
                continue
            # A file system mounted twice (bind mounts) is reported once, at its last mount.
            if device in seen:
                found = [f for f in found if f["device"] != device]
            seen.add(device)
            item = describe(entry["mount"], entry, params["threshold"])
            item["device"] = device
            found.append(item)
        for item in found:
            item.pop("device", None)
    root = root_entry(mounts) or {}
    module.exit_json(
        changed=False,
        filesystems=found,
        over_threshold=[f["path"] for f in found if f["over_threshold"]],
        root_read_only=read_only(root) if root else False,
        root=root,
    )


if __name__ == "__main__":
    main()
