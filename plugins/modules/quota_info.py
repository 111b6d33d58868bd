#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: quota_info
short_description: Tell whether user disk quotas can work for a directory, and who is over a limit
version_added: 0.1.0
description:
  - Finds the file system that holds O(path) (as C(findmnt -T) does, from C(/proc/self/mountinfo)),
    its C(/etc/fstab) entry, whether it is mounted with user quotas, whether its quota file (or
    ext4's quota feature) exists and whether quotas are on (C(quotaon -p)).
  - Tells whether the running kernel can enforce quotas. The usrquota mount option needs
    C(CONFIG_QUOTA) (C(/proc/sys/fs/quota) exists); quotaon needs the quota format, module
    C(quota_v2), judged from the loaded modules, the kernel configuration (C(/proc/config.gz),
    C(/boot/config-RELEASE)) and C(/lib/modules/RELEASE). Where none of these can be read, as in a
    container, the answer is unknown until quotaon is tried.
  - Lists every reason quotas cannot be set here in RV(problems), with RV(message) saying all of
    them in one sentence, and whether the configuration can still be recorded for a kernel that
    enforces it later (RV(recordable)).
  - Reports the users at or over a soft or hard limit (RV(users_over_soft)), read with
    C(repquota). With quotas off the usage is what the last C(quotacheck) counted.
  - Only reads; changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  path:
    description:
      - A directory on the file system to judge, for example the mail spool C(/var/mail).
      - Symbolic links are followed (Debian's C(/var/spool/mail) points to C(/var/mail)).
    type: path
    required: true
  root:
    description:
      - Where the files C(/proc), C(/etc/fstab), C(/boot) and C(/lib/modules) are read from. Only tests
        change this.
    type: path
    default: /
notes:
  - Supported file systems are ext2, ext3 and ext4, with quota files made by C(quotacheck) or ext4's
    quota feature. XFS (quotas only at mount time), btrfs (qgroups), tmpfs and overlay are reported
    as problems.
seealso:
  - module: sysfix.hardening.quota_filesystem
  - module: sysfix.hardening.user_quota
"""

EXAMPLES = r"""
- name: Can the mail spool have user quotas here?
  sysfix.hardening.quota_info:
    path: /var/mail
  register: spool

- name: Stop with every reason when it cannot
  ansible.builtin.fail:
    msg: "{{ spool.message }}"
  when: not spool.supported

- name: Who is at or over a limit?
  ansible.builtin.debug:
    msg: "{{ spool.users_over_soft | map(attribute='user') | list }}"
"""

RETURN = r"""
path:
  description: O(path) with symbolic links resolved.
  returned: always
  type: str
  sample: /var/mail
target:
  description: Where the file system holding O(path) is mounted.
  returned: always
  type: str
  sample: /var/mail
source:
  description: The mounted device (from C(/proc/self/mountinfo)).
  returned: always
  type: str
  sample: /dev/sda3
fstype:
  description: The file system type.
  returned: always
  type: str
  sample: ext4
options:
  description: The file system's live options (per mount and per file system, as C(findmnt) shows them).
  returned: always
  type: list
  elements: str
  sample: ["rw", "relatime", "quota", "usrquota"]
user_quota_mounted:
  description: Whether the file system is mounted with user quotas (C(usrquota), C(quota) or C(usrjquota=)).
  returned: always
  type: bool
fstab:
  description: Its C(/etc/fstab) entry (C(src), C(target), C(fstype), C(opts), C(dump), C(passno), C(line)), or null.
  returned: always
  type: dict
  sample: {"src": "UUID=0a1b2c3d-0000-4000-8000-000000000001", "target": "/var/mail", "fstype": "ext4",
           "opts": "defaults,usrquota", "dump": "0", "passno": "2", "line": 9}
fstab_user_quota:
  description: Whether the fstab entry turns on user quotas at boot.
  returned: always
  type: bool
kernel:
  description:
    - C(release); C(quota), whether the kernel has quota support (and accepts usrquota); C(format),
      whether it has the quota format quotaon needs (null when it cannot be told here); C(evidence),
      how that was decided.
  returned: always
  type: dict
  sample: {"release": "6.1.0-28-amd64", "quota": true, "format": true,
           "evidence": "CONFIG_QFMT_V2=m in /boot/config-6.1.0-28-amd64 and quota_v2 is in /lib/modules/6.1.0-28-amd64"}
quota_file:
  description: The quota file C(aquota.user) at the root of the file system, or null when there is none.
  returned: always
  type: str
  sample: /var/mail/aquota.user
quota_feature:
  description: Whether the file system has ext4's quota feature (hidden quota inodes); null when C(dumpe2fs) cannot read it.
  returned: always
  type: bool
quota_on:
  description: Whether user quotas are on (enforced) for the file system.
  returned: always
  type: bool
problems:
  description: Every reason user quotas cannot be enforced here; C(kind), C(message), C(advice) and C(recordable) each.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "kernel_format", "recordable": true,
            "message": "this kernel (6.18.44) cannot enforce disk quotas: the kernel has no quota format:
                        CONFIG_QFMT_V2 is not set (/proc/config.gz)",
            "advice": "boot a kernel with quota support"}]
supported:
  description: Whether there is no problem (quotaon may still fail where the kernel's format support is unknown).
  returned: always
  type: bool
recordable:
  description:
    - Whether usrquota can be written to fstab and the limits to the quota file here although
      quotas are not enforced (only the missing quota format allows that).
  returned: always
  type: bool
message:
  description: All problems in one sentence, with what to do; empty when there is none.
  returned: always
  type: str
users_over_soft:
  description:
    - Users at or over a soft or hard limit, by name; each with C(user), C(uid), C(exceeded)
      (C(block_soft), C(block_hard), C(inode_soft), C(inode_hard)), the used and limit numbers
      (KiB blocks, inodes) and grace ends (epoch seconds, 0 when none runs).
  returned: always
  type: list
  elements: dict
  sample: [{"user": "alice", "uid": 1001, "exceeded": ["block_soft"], "block_used": 102500,
            "block_soft": 102400, "block_hard": 122880, "block_grace": 1795913100,
            "inode_used": 1, "inode_soft": 0, "inode_hard": 0, "inode_grace": 0}]
usage_source:
  description: Where the usage in RV(users_over_soft) comes from.
  returned: always
  type: str
  sample: kernel
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.quota_host import gather, read_users_over_soft


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    facts = gather(module, module.params["path"], module.params["root"])
    facts["users_over_soft"] = []
    facts["usage_source"] = "none"
    if facts["user_quota_mounted"] and (facts["quota_file"] or facts["quota_feature"]):
        facts["users_over_soft"] = read_users_over_soft(module, facts["target"])
        facts["usage_source"] = "kernel" if facts["quota_on"] else "quota file, as of the last quotacheck"
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
