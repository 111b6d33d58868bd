#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: user_quota
short_description: Give every login user the same disk quota limits, with overrides and exceptions
version_added: 0.1.0
description:
  - "The runbook's C(edquota -p user) for every UID over 499 done today: every account from
    C(getent passwd) whose UID is from O(uid_min) to O(uid_max) (by default C(UID_MIN) and C(UID_MAX)
    of C(/etc/login.defs), 1000 and 60000 on Debian, so C(nobody) is left out) gets O(limits) on the
    file system mounted at O(filesystem)."
  - A user named in O(overrides) gets the limits given there instead (the keys not given keep
    O(limits)), whatever the UID; a user named in O(exclude) gets no limits at all (all 0). Root
    never gets limits.
  - Reads the current limits with C(repquota) and runs C(setquota) only for the users whose limits
    differ, one user per call (a failed batch leaves a quota file damaged while quotas are off),
    then reads them back and fails if the kernel or the quota file kept other values.
  - Users outside the range and not named are left as they are.
  - Works with quotas on (the kernel keeps the limits) and off (the quota file holds them, as
    quotaon will load them), but needs the file system mounted with usrquota and its quota file
    or ext4 quota feature (M(sysfix.hardening.quota_filesystem)). In check mode on a file system
    not ready yet, every user is judged against no limits, which is what a new quota file holds;
    where a quota file exists but the mount lacks usrquota, the limits cannot be read, and check
    mode says so in a warning instead of guessing.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  filesystem:
    description: The mount point of the file system, for example C(/var/mail).
    type: path
    required: true
  limits:
    description: The limits of every user in the UID range. 0 is no limit.
    type: dict
    required: true
    suboptions:
      block_soft:
        description:
          - Soft limit in KiB (1024-byte blocks, as C(edquota) and C(setquota) count).
          - Over it for longer than the grace time, writes fail.
        type: int
        required: true
      block_hard:
        description: Hard limit in KiB; no write goes past it.
        type: int
        required: true
      inode_soft:
        description: Soft limit on the number of files.
        type: int
        required: true
      inode_hard:
        description: Hard limit on the number of files.
        type: int
        required: true
  overrides:
    description:
      - 'Per user name, limits that replace O(limits) for that user, for example
        C({"postmaster": {"block_soft": 512000, "block_hard": 614400}}).'
      - Keys are those of O(limits); a key not given keeps the default.
    type: dict
    default: {}
  exclude:
    description: User names that get no limits (all 0).
    type: list
    elements: str
    default: []
  uid_min:
    description: The lowest UID limited by default. Default C(UID_MIN) from O(login_defs).
    type: int
  uid_max:
    description: The highest UID limited by default. Default C(UID_MAX) from O(login_defs).
    type: int
  login_defs:
    description: Where C(UID_MIN) and C(UID_MAX) are read from.
    type: path
    default: /etc/login.defs
attributes:
  check_mode:
    support: full
    description: Reads every user's limits and reports exactly the users a real run would change, changing none.
  diff_mode:
    support: full
    description: Shows each changed user's limits before and after, one line per user.
notes:
  - A name given in O(overrides) or O(exclude) that this host does not have is skipped with a warning.
seealso:
  - module: sysfix.hardening.quota_filesystem
  - module: sysfix.hardening.quota_info
"""

EXAMPLES = r"""
- name: 100 MiB (soft) and 120 MiB (hard) of mail for every login user, more for postmaster
  sysfix.hardening.user_quota:
    filesystem: /var/mail
    limits: {block_soft: 102400, block_hard: 122880, inode_soft: 0, inode_hard: 0}
    overrides:
      postmaster: {block_soft: 512000, block_hard: 614400}
    exclude: [archive]

- name: The runbook's numbers, 30 MB for everyone from UID 500 up
  sysfix.hardening.user_quota:
    filesystem: /
    limits: {block_soft: 29980, block_hard: 29980, inode_soft: 0, inode_hard: 0}
    uid_min: 500
"""

RETURN = r"""
changes:
  description:
    - The users whose limits changed (in check mode, would change).
    - Each with C(user), C(uid), C(why) (default, override or exception), C(before) and C(after).
  returned: always
  type: list
  elements: dict
  sample: [{"user": "alice", "uid": 1001, "why": "default",
            "before": {"block_soft": 0, "block_hard": 0, "inode_soft": 0, "inode_hard": 0},
            "after": {"block_soft": 102400, "block_hard": 122880, "inode_soft": 0, "inode_hard": 0}}]
users:
  description: Every user the module manages, by name, with C(uid), C(limits) and C(why).
  returned: always
  type: dict
  sample: {"alice": {"uid": 1001, "why": "default",
                     "limits": {"block_soft": 102400, "block_hard": 122880, "inode_soft": 0, "inode_hard": 0}}}
uid_min:
  description: The UID range's lower end used.
  returned: always
  type: int
  sample: 1000
uid_max:
  description: The UID range's upper end used.
  returned: always
  type: int
  sample: 60000
unknown_users:
  description: Names in O(overrides) or O(exclude) that this host does not have.
  returned: always
  type: list
  elements: str
  sample: []
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.quota import (
    LIMIT_KEYS,
    current_limits,
    format_limits,
    parse_login_defs,
    plan_changes,
    select_users,
)
from ansible_collections.sysfix.hardening.plugins.module_utils.quota_host import ENV, read_passwd, read_repquota

LIMIT_OPTIONS = dict((key, dict(type="int", required=True)) for key in LIMIT_KEYS)


def read_uid_range(module):
    try:
        with open(module.params["login_defs"]) as handle:
            defs = parse_login_defs(handle.read())
    except (IOError, OSError):
        defs = parse_login_defs("")
    uid_min = module.params["uid_min"] if module.params["uid_min"] is not None else defs["UID_MIN"]
    uid_max = module.params["uid_max"] if module.params["uid_max"] is not None else defs["UID_MAX"]
    return uid_min, uid_max


def check_overrides(module):
    for name, values in module.params["overrides"].items():
        if not isinstance(values, dict) or set(values) - set(LIMIT_KEYS):
            module.fail_json(msg="overrides.%s must be a dict with keys from %s, got %r" % (name, ", ".join(LIMIT_KEYS), values))
        for key, value in values.items():
            try:
                if int(value) < 0:
                    raise ValueError
            except (TypeError, ValueError):
                module.fail_json(msg="overrides.%s.%s must be a number of at least 0, got %r" % (name, key, value))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            filesystem=dict(type="path", required=True),
            limits=dict(type="dict", required=True, options=LIMIT_OPTIONS),
            overrides=dict(type="dict", default={}),
            exclude=dict(type="list", elements="str", default=[]),
            uid_min=dict(type="int"),
            uid_max=dict(type="int"),
            login_defs=dict(type="path", default="/etc/login.defs"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    target = params["filesystem"]
    for key in LIMIT_KEYS:
        if params["limits"][key] < 0:
            module.fail_json(msg="limits.%s must be at least 0, got %d" % (key, params["limits"][key]))
    check_overrides(module)
    uid_min, uid_max = read_uid_range(module)

    wanted, unknown = select_users(read_passwd(module), uid_min, uid_max, params["limits"],
                                   params["overrides"], params["exclude"])
    if unknown:
        module.warn("No such user on this host, skipped: %s" % ", ".join(unknown))

    rows, kind, text = read_repquota(module, target)
    if rows is None:
        quota_file = os.path.exists(os.path.join(target, "aquota.user"))
        if module.check_mode and kind == "no_quota_option" and quota_file:
            # The limits are in the quota file, but the quota tools read it only
            # once usrquota is back on the mount (a real run puts it back first).
            module.warn("The limits on %s were not compared: it is not mounted with usrquota, so its quota "
                        "file cannot be read" % target)
            module.exit_json(changed=False, changes=[], users={}, uid_min=uid_min, uid_max=uid_max,
                             unknown_users=unknown)
        if module.check_mode and kind in ("no_quota_option", "no_quota_file"):
            # Not prepared yet: a new quota file starts with no limits.
            rows = {}
        else:
            advice = {
                "no_quota_option": "it is not mounted with usrquota",
                "no_quota_file": "it has no quota file",
                "corrupt": "its quota file is damaged: run quotacheck -um %s" % target,
            }.get(kind, "repquota failed")
            module.fail_json(msg="Cannot read the quotas of %s: %s (%s)" % (target, advice, text))

    changes = plan_changes(rows, wanted)
    result = {
        "changed": bool(changes),
        "changes": changes,
        "users": wanted,
        "uid_min": uid_min,
        "uid_max": uid_max,
        "unknown_users": unknown,
        "diff": {
            "before_header": "%s (user quota limits)" % target,
            "after_header": "%s (user quota limits)" % target,
            "before": "".join(format_limits(c["user"], c["uid"], c["before"]) for c in changes),
            "after": "".join(format_limits(c["user"], c["uid"], c["after"]) for c in changes),
        },
    }
    if module.check_mode or not changes:
        module.exit_json(**result)

    setquota = module.get_bin_path("setquota", required=True)
    done = []
    for change in changes:
        limits = change["after"]
        command = [setquota, "-u", change["user"]] + [str(limits[key]) for key in LIMIT_KEYS] + [target]
        rc, out, err = module.run_command(command, environ_update=ENV)
        if rc != 0:
            module.fail_json(msg="setquota for %s failed (rc=%d): %s" % (change["user"], rc, (err or out).strip()),
                             done=done, **result)
        done.append(change["user"])

    rows, kind, text = read_repquota(module, target)
    if rows is None:
        module.fail_json(msg="Cannot read back the quotas of %s: %s" % (target, text), **result)
    kept = [c["user"] for c in changes if current_limits(rows, c["uid"], c["user"]) != c["after"]]
    if kept:
        module.fail_json(msg="These users' limits did not change although setquota succeeded: %s" % ", ".join(kept),
                         **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
