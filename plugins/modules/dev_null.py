#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dev_null
short_description: Make sure /dev/null is the null device again
version_added: 0.1.0
description:
  - The runbook's "/dev/null was deleted" answer, C(mknod -m 666 /dev/null c 1 3) - checks that
    C(/dev/null) is the character device 1,3 with mode 0666 owned by root, and puts it right when it
    is not.
  - A regular file found in its place (what the first program that wrote to a deleted
    C(/dev/null) created) is kept - copied to O(backup_dir) before the device replaces it, in one
    C(rename), so that C(/dev/null) is never missing while programs write to it.
  - A device of the right kind with the wrong mode or owner is only changed with C(chmod) and C(chown).
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  backup_dir:
    description: Where a regular file found in place of C(/dev/null) is copied to, as C(dev-null.TIME).
    type: path
    default: /var/backups
attributes:
  check_mode:
    support: full
    description: Reports what is wrong and what a real run would do, changing nothing.
  diff_mode:
    support: full
    description: Shows C(/dev/null) as C(ls) would sum it up, before and after.
notes:
  - Needs root and the right to create device nodes (C(CAP_MKNOD), which Docker containers have).
"""

EXAMPLES = r"""
- name: Put /dev/null right
  sysfix.hardening.dev_null:
  register: null_device
"""

RETURN = r"""
before:
  description: What C(/dev/null) was.
  returned: always
  type: str
  sample: regular file of 12 bytes, mode 0644, owner 0:0
after:
  description: What it is after the run (in check mode, what it would be).
  returned: always
  type: str
  sample: character device 1,3, mode 0666, owner 0:0
problems:
  description: What was wrong; empty when nothing was.
  returned: always
  type: list
  elements: str
  sample: ["it is not a character device but a regular file"]
backup:
  description: Where the regular file found in place of C(/dev/null) was copied, empty when none was.
  returned: always
  type: str
  sample: /var/backups/dev-null.20261128T010203Z
"""

import os
import shutil
import stat
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.system_sanity import (
    NULL_MAJOR,
    NULL_MINOR,
    NULL_MODE,
    describe_node,
    null_problems,
)

PATH = "/dev/null"


def node_info(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return {"mode": st.st_mode, "major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev),
            "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size}


def main():
    module = AnsibleModule(
        argument_spec=dict(backup_dir=dict(type="path", default="/var/backups")),
        supports_check_mode=True,
    )
    info = node_info(PATH)
    problems = null_problems(info)
    right = {"mode": stat.S_IFCHR | NULL_MODE, "major": NULL_MAJOR, "minor": NULL_MINOR, "uid": 0, "gid": 0,
             "size": 0}
    result = dict(changed=bool(problems), before=describe_node(info), after=describe_node(info),
                  problems=problems, backup="")
    if problems:
        result["after"] = describe_node(right)
        result["diff"] = {"before_header": PATH, "after_header": PATH,
                          "before": result["before"] + "\n", "after": result["after"] + "\n"}
    if not problems or module.check_mode:
        module.exit_json(**result)

    if info is not None and stat.S_ISDIR(info["mode"]):
        module.fail_json(msg="%s is a directory: move it away by hand, nothing was changed" % PATH, **result)
    try:
        if info is not None and stat.S_ISCHR(info["mode"]) and (info["major"], info["minor"]) == (NULL_MAJOR, NULL_MINOR):
            os.chmod(PATH, NULL_MODE)
            os.lchown(PATH, 0, 0)
        else:
            if info is not None and stat.S_ISREG(info["mode"]):
                if not os.path.isdir(module.params["backup_dir"]):
                    os.makedirs(module.params["backup_dir"], 0o755)
                backup = os.path.join(module.params["backup_dir"],
                                      "dev-null." + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
                shutil.copy2(PATH, backup)
                result["backup"] = backup
            # The new node is made beside the old one and renamed over it, so
            # /dev/null is never missing.
            temporary = "%s.sysfix-%d" % (PATH, os.getpid())
            os.mknod(temporary, stat.S_IFCHR | NULL_MODE, os.makedev(NULL_MAJOR, NULL_MINOR))
            os.chmod(temporary, NULL_MODE)
            os.lchown(temporary, 0, 0)
            os.rename(temporary, PATH)
    except OSError as exc:
        module.fail_json(msg="Cannot repair %s: %s" % (PATH, exc), **result)
    now = node_info(PATH)
    result["after"] = describe_node(now)
    if null_problems(now):
        module.fail_json(msg="%s is still wrong after the repair: %s" % (PATH, "; ".join(null_problems(now))), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
