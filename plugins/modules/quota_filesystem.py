#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: quota_filesystem
short_description: Prepare the file system holding a directory for user quotas, live
version_added: 0.1.0
description:
  - Works on the file system that holds O(path) (found as C(findmnt -T) does). In order, and each
    step only when it is not done yet
  - 1. remounts it with C(usrquota) (C(mount -o remount,usrquota)), so that the option is proven to
    mount on this kernel before anything writes it to C(/etc/fstab);
  - 2. creates the quota file C(aquota.user) with C(quotacheck -c -u -m -F vfsv0), unless the file
    system has ext4's quota feature (hidden quota inodes, no file needed); an existing quota file is
    never recreated, since that would drop every limit in it;
  - 3. turns user quotas on with C(quotaon -u), when O(enable) and the kernel has the quota format.
  - Leaves C(/etc/fstab) alone; RV(fstab_opts) is the entry's options with C(usrquota) added, for
    C(ansible.posix.mount) to write once this module has succeeded.
  - Where quotas cannot be enforced (see M(sysfix.hardening.quota_info)) it fails with one message
    naming every reason, before any change, or with O(unsupported=warn) records what can be
    recorded (steps 1 and 2 where only the kernel's quota format is missing) and warns.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  path:
    description: A directory on the file system to prepare, for example the mail spool C(/var/mail).
    type: path
    required: true
  enable:
    description: Turn user quotas on (C(quotaon)) once the file system is ready.
    type: bool
    default: true
  unsupported:
    description:
      - What to do where quotas cannot be enforced (a kernel without quota support, an overlay or
        tmpfs file system, no fstab entry, ...). V(fail) changes nothing and fails; V(warn) records
        what can be recorded and warns.
      - A kernel whose quota format support cannot be told beforehand (as in a container) is found
        out when quotaon fails; the same choice applies then.
    type: str
    choices: [fail, warn]
    default: fail
  root:
    description: Where C(/proc), C(/etc/fstab), C(/boot) and C(/lib/modules) are read from. Only tests change this.
    type: path
    default: /
attributes:
  check_mode:
    support: full
    description: Reads the state and reports the steps a real run would take, taking none.
  diff_mode:
    support: full
    description: Shows the live mount options, the quota file and whether quotas are on, before and after.
seealso:
  - module: sysfix.hardening.quota_info
  - module: sysfix.hardening.user_quota
  - module: ansible.posix.mount
"""

EXAMPLES = r"""
- name: Remount the spool's file system with usrquota, create its quota file, turn quotas on
  sysfix.hardening.quota_filesystem:
    path: /var/mail
  register: spool_fs

- name: Then make usrquota survive a reboot
  ansible.posix.mount:
    path: "{{ spool_fs.target }}"
    src: "{{ spool_fs.fstab.src }}"
    fstype: "{{ spool_fs.fstab.fstype }}"
    opts: "{{ spool_fs.fstab_opts }}"
    dump: "{{ spool_fs.fstab.dump }}"
    passno: "{{ spool_fs.fstab.passno }}"
    state: present
    backup: true
"""

RETURN = r"""
target:
  description: Where the file system is mounted.
  returned: always
  type: str
  sample: /var/mail
actions:
  description: The steps taken (in check mode, that a real run would take).
  returned: always
  type: list
  elements: str
  sample: ["mount -o remount,usrquota /var/mail", "quotacheck -c -u -m -F vfsv0 /var/mail", "quotaon -u /var/mail"]
fstab:
  description: The file system's C(/etc/fstab) entry as it is (C(src), C(target), C(fstype), C(opts), C(dump), C(passno), C(line)); null without one.
  returned: always
  type: dict
  sample: {"src": "LABEL=mail", "target": "/var/mail", "fstype": "ext4", "opts": "defaults", "dump": "0", "passno": "2", "line": 3}
fstab_opts:
  description: The fstab entry's options with C(usrquota) added (unchanged when user quotas are already there); null without an entry.
  returned: always
  type: str
  sample: defaults,usrquota
recorded:
  description: Whether the file system is (in check mode, would be) mounted with usrquota and has its quota file or feature.
  returned: always
  type: bool
enforced:
  description: Whether user quotas are (in check mode, would be) on, that is enforced by the kernel.
  returned: always
  type: bool
problems:
  description: The reasons quotas cannot be enforced here, as M(sysfix.hardening.quota_info) returns them.
  returned: always
  type: list
  elements: dict
message:
  description: The problems in one message, with what to do; empty without problems.
  returned: always
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.quota import (
    problems_message,
    quota_error_kind,
    with_user_quota,
)
from ansible_collections.sysfix.hardening.plugins.module_utils.quota_host import ENV, gather


def describe(options, quota_file, feature, on):
    return "mount options: %s\nquota file: %s\nuser quotas: %s\n" % (
        ",".join(options), "ext4 quota feature" if feature else (quota_file or "none"), "on" if on else "off")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            enable=dict(type="bool", default=True),
            unsupported=dict(type="str", choices=["fail", "warn"], default="fail"),
            root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    facts = gather(module, params["path"], params["root"])
    result = {
        "changed": False,
        "target": facts["target"],
        "actions": [],
        "fstab": facts["fstab"],
        "fstab_opts": with_user_quota(facts["fstab"]["opts"]) if facts["fstab"] else None,
        "recorded": False,
        "enforced": facts["quota_on"],
        "problems": facts["problems"],
        "message": facts["message"],
    }
    if facts["problems"]:
        if params["unsupported"] == "fail":
            module.fail_json(msg=facts["message"] + " Nothing was changed.", **result)
        if not facts["recordable"]:
            module.warn(facts["message"] + " Nothing was changed.")
            module.exit_json(**result)

    target = facts["target"]
    before = describe(facts["options"], facts["quota_file"], facts["quota_feature"], facts["quota_on"])
    options = list(facts["options"])
    quota_file, on = facts["quota_file"], facts["quota_on"]

    # 1. The live option first: a kernel that refuses usrquota fails here,
    # before fstab (which the caller writes afterwards) could get it.
    if not facts["user_quota_mounted"]:
        command = [module.get_bin_path("mount", required=True), "-o", "remount,usrquota", target]
        result["actions"].append("mount -o remount,usrquota %s" % target)
        if not module.check_mode:
            rc, out, err = module.run_command(command, environ_update=ENV)
            if rc != 0:
                module.fail_json(msg="The kernel refused to remount %s with usrquota: %s. /etc/fstab was not changed."
                                 % (target, (err or out).strip()), **result)
        options.append("usrquota")

    # 2. quotacheck -c starts a new file and would drop every limit: only
    # when there is none (and no ext4 quota feature, which needs no file).
    if not quota_file and not facts["quota_feature"]:
        command = [module.get_bin_path("quotacheck", required=True), "-c", "-u", "-m", "-F", "vfsv0", target]
        result["actions"].append("quotacheck -c -u -m -F vfsv0 %s" % target)
        quota_file = os.path.join(target, "aquota.user")
        if not module.check_mode:
            rc, out, err = module.run_command(command, environ_update=ENV)
            if rc != 0 or not os.path.exists(quota_file):
                module.fail_json(msg="quotacheck could not create %s (rc=%d): %s" % (quota_file, rc, (err or out).strip()),
                                 **result)
    result["recorded"] = True

    # 3. quotaon, unless the kernel is known to lack the format.
    format_missing = facts["kernel"]["format"] is False
    if params["enable"] and not on and not format_missing:
        command = [module.get_bin_path("quotaon", required=True), "-u", target]
        result["actions"].append("quotaon -u %s" % target)
        if module.check_mode:
            on = True
        else:
            rc, out, err = module.run_command(command, environ_update=ENV)
            text = (err or out).strip()
            if rc == 0:
                on = True
            elif quota_error_kind(text) == "format":
                # The kernel's format support could not be told beforehand.
                problem = {"kind": "kernel_format", "recordable": True,
                           "message": "this kernel (%s) cannot enforce disk quotas: quotaon says '%s'"
                                      % (facts["kernel"]["release"], text.splitlines()[-1]),
                           "advice": "boot a kernel with quota support (CONFIG_QUOTA and CONFIG_QFMT_V2; Debian's "
                                     "own linux-image packages have both, the format as module quota_v2)"}
                result["problems"] = facts["problems"] + [problem]
                result["message"] = problems_message(facts["path"], result["problems"])
                result["actions"].pop()
                if params["unsupported"] == "fail":
                    result["changed"] = bool(result["actions"])
                    module.fail_json(msg=result["message"] + " Done so far: %s; /etc/fstab was not changed."
                                     % ("; ".join(result["actions"]) or "nothing"), **result)
            else:
                module.fail_json(msg="quotaon -u %s failed (rc=%d): %s" % (target, rc, text), **result)
    result["enforced"] = on
    if result["problems"]:
        module.warn(result["message"] + " Recorded instead: usrquota on %s and the quota file %s, which a kernel "
                    "with quota support enforces once quotaon runs (quotaon.service does at boot)."
                    % (target, "(ext4 feature)" if facts["quota_feature"] else quota_file))

    result["changed"] = bool(result["actions"])
    result["diff"] = {
        "before_header": "%s (quota state)" % target,
        "after_header": "%s (quota state)" % target,
        "before": before,
        "after": describe(options, quota_file, facts["quota_feature"], on),
    }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
