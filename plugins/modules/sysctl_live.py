#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sysctl_live
short_description: Set kernel parameters in the running kernel, and only there
version_added: 0.1.0
description:
  - Compares the values under C(/proc/sys) with the wanted ones and writes those that differ,
    then reads them back.
  - Touches no configuration file. Persistence belongs in a C(sysctl.d) drop-in written by a
    template, so that C(--diff) and backups work as for any file.
  - A parameter this host cannot change live (a container whose C(/proc/sys) is read-only,
    or a knob the network namespace does not own) is skipped with a warning, or makes the
    module fail, as O(unsettable) says.
  - A parameter the kernel does not know always fails, since that is a typo and not a
    container limit.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  settings:
    description:
      - 'Parameters and their values, for example C({"net.ipv4.tcp_syncookies": 1}).'
      - Keys use dots; a C(/) inside a key stands for a literal dot in one component,
        as in sysctl(8).
      - Values with several fields (C(4096 87380 6291456)) compare with white space collapsed.
    type: dict
    required: true
  unsettable:
    description:
      - What to do with a parameter that exists but cannot be written here.
    type: str
    choices: [warn, fail]
    default: warn
  proc_root:
    description:
      - Where C(/proc/sys) is. Only tests change this.
    type: path
    default: /proc/sys
attributes:
  check_mode:
    support: full
    description: Reads every value and reports exactly the parameters a real run would write, writing none.
  diff_mode:
    support: full
    description: Shows each changed parameter as C(key = value), before and after.
seealso:
  - module: ansible.posix.sysctl
  - module: sysfix.hardening.sysctl_boot_info
"""

EXAMPLES = r"""
- name: Turn on SYN cookies now
  sysfix.hardening.sysctl_live:
    settings:
      net.ipv4.tcp_syncookies: 1
      net.ipv4.tcp_synack_retries: 2

- name: Refuse to run where a value cannot be set live
  sysfix.hardening.sysctl_live:
    settings:
      net.ipv4.tcp_max_syn_backlog: 4096
    unsettable: fail
"""

RETURN = r"""
before:
  description: Live values before the run, for every parameter asked for that could be read.
  returned: always
  type: dict
  sample: {"net.ipv4.tcp_synack_retries": "5"}
after:
  description: Live values after the run (in check mode, the values a real run would leave).
  returned: always
  type: dict
  sample: {"net.ipv4.tcp_synack_retries": "2"}
changed_keys:
  description: Parameters written (in check mode, that would be written).
  returned: always
  type: list
  elements: str
  sample: ["net.ipv4.tcp_synack_retries"]
unsettable:
  description: Parameters that differ but cannot be written on this host, with the reason.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "net.ipv4.tcp_syncookies", "reason": "read-only file system"}]
sysfix_not_applicable:
  description: When parameters could not be set, why, for the compliance report (the control
    does not apply to this host as it is).
  returned: when RV(unsettable) is not empty
  type: str
  sample: "cannot be set live on this host: net.ipv4.tcp_syncookies"
"""

import errno
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.sysctl import (
    key_to_path,
    normalize_key,
    normalize_value,
)


def read_value(path):
    with open(path) as handle:
        return normalize_value(handle.read())


def write_value(path, value):
    with open(path, "w") as handle:
        handle.write(value)


def describe_os_error(exc):
    return os.strerror(exc.errno) if exc.errno else str(exc)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            settings=dict(type="dict", required=True),
            unsettable=dict(type="str", choices=["warn", "fail"], default="warn"),
            proc_root=dict(type="path", default="/proc/sys"),
        ),
        supports_check_mode=True,
    )
    proc_root = module.params["proc_root"]
    wanted = dict(
        (normalize_key(k), normalize_value(v)) for k, v in module.params["settings"].items()
    )

    before, after, changed_keys, unsettable = {}, {}, [], []
    for key in sorted(wanted):
        path = key_to_path(key, proc_root)
        if not os.path.exists(path):
            module.fail_json(
                msg="Unknown kernel parameter %s: %s does not exist on this kernel" % (key, path)
            )
        try:
            current = read_value(path)
        except (IOError, OSError) as exc:
            module.fail_json(msg="Cannot read %s from %s: %s" % (key, path, describe_os_error(exc)))
        before[key] = current
        after[key] = current
        if current == wanted[key]:
            continue
        # os.access() sees a read-only mount (EROFS) as well as file modes.
        if not os.access(path, os.W_OK):
            unsettable.append({"key": key, "reason": "not writable here (%s is read-only)" % path})
            continue
        if module.check_mode:
            changed_keys.append(key)
            after[key] = wanted[key]
            continue
        try:
            write_value(path, wanted[key])
        except (IOError, OSError) as exc:
            if exc.errno in (errno.EROFS, errno.EPERM, errno.EACCES):
                unsettable.append({"key": key, "reason": describe_os_error(exc)})
                continue
            module.fail_json(
                msg="The kernel refused %s = %s: %s" % (key, wanted[key], describe_os_error(exc)),
                before=before,
            )
        after[key] = read_value(path)
        if after[key] != wanted[key]:
            module.fail_json(
                msg="The kernel kept %s = %s after writing %s (out of its range?)"
                % (key, after[key], wanted[key]),
                before=before,
                after=after,
            )
        changed_keys.append(key)

    extra = {}
    if unsettable:
        text = "; ".join("%s: %s" % (item["key"], item["reason"]) for item in unsettable)
        if module.params["unsettable"] == "fail":
            module.fail_json(msg="Cannot set live: %s" % text, before=before, unsettable=unsettable)
        module.warn("Skipped, cannot be set live on this host: %s" % text)
        # For the compliance report: the live values differ and this host
        # cannot fix them, which is neither compliant nor drift.
        extra["sysfix_not_applicable"] = "cannot be set live on this host: %s" % ", ".join(
            item["key"] for item in unsettable
        )

    diff = {
        "before_header": "live kernel parameters",
        "after_header": "live kernel parameters",
        "before": "".join("%s = %s\n" % (k, before[k]) for k in changed_keys),
        "after": "".join("%s = %s\n" % (k, after[k]) for k in changed_keys),
    }
    module.exit_json(
        changed=bool(changed_keys),
        before=before,
        after=after,
        changed_keys=changed_keys,
        unsettable=unsettable,
        diff=diff,
        **extra
    )


if __name__ == "__main__":
    main()
