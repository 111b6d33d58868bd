#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sysctl_boot_info
short_description: Tell which value each kernel parameter will have after the next boot
version_added: 0.1.0
description:
  - Reads the configuration C(systemd-sysctl) applies at boot (C(systemd-sysctl --cat-config)),
    in its order, and returns the value each asked-for parameter will get and the file that sets it.
  - With O(file) and O(settings) it judges a drop-in as it will be once written, so check mode
    can tell whether a drop-in about to be created would be overridden by a file read after it.
  - Changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  keys:
    description:
      - Parameters to report. Defaults to the keys of O(settings).
    type: list
    elements: str
  settings:
    description:
      - The values the drop-in O(file) sets. Parameters that end up with another value
        from another file are returned in RV(conflicts).
    type: dict
    default: {}
  file:
    description:
      - Path of the drop-in holding O(settings), read as if it already held them.
    type: path
notes:
  - Glob keys (C(net.ipv4.conf.*.rp_filter)) are applied to every key they match, in file order.
  - Without systemd-sysctl (a host not booted by systemd) RV(available) is false and nothing is judged.
seealso:
  - module: sysfix.hardening.sysctl_live
"""

EXAMPLES = r"""
- name: Check that the SYN cookie drop-in wins at boot
  sysfix.hardening.sysctl_boot_info:
    file: /etc/sysctl.d/60-sysfix-syncookies.conf
    settings:
      net.ipv4.tcp_syncookies: 1
  register: boot

- name: Show who overrides it
  ansible.builtin.debug:
    var: boot.conflicts
"""

RETURN = r"""
available:
  description: Whether systemd-sysctl was found; without it nothing else is filled in.
  returned: always
  type: bool
files:
  description: The configuration files systemd-sysctl reads, in the order it applies them.
  returned: always
  type: list
  elements: str
  sample: ["/usr/lib/sysctl.d/50-pid-max.conf", "/etc/sysctl.d/99-sysctl.conf"]
values:
  description: For each parameter, its value after boot and the file that sets it (null when no file does).
  returned: always
  type: dict
  sample: {"net.ipv4.tcp_syncookies": {"value": "1", "file": "/etc/sysctl.d/60-sysfix-syncookies.conf"}}
conflicts:
  description: Parameters of O(settings) that another file sets last, to another value.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "net.ipv4.tcp_syncookies", "wanted": "1", "value": "0", "file": "/etc/sysctl.d/99-sysctl.conf"}]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.sysctl import (
    boot_conflicts,
    boot_values,
    split_cat_config,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            keys=dict(type="list", elements="str", no_log=False),
            settings=dict(type="dict", default={}),
            file=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    settings = module.params["settings"]
    keys = module.params["keys"] or list(settings)
    dropin = module.params["file"]
    result = dict(changed=False, available=False, files=[], values={}, conflicts=[])

    binary = module.get_bin_path(
        "systemd-sysctl", opt_dirs=["/usr/lib/systemd", "/lib/systemd"]
    )
    if binary is None:
        module.exit_json(**result)

    rc, out, err = module.run_command(
        [binary, "--cat-config"], environ_update={"LC_ALL": "C", "SYSTEMD_PAGER": ""}
    )
    if rc != 0:
        module.fail_json(msg="systemd-sysctl --cat-config failed: %s" % err.strip(), rc=rc)

    files = split_cat_config(out, os.path.isfile)
    values = boot_values(files, keys, dropin, settings if dropin else None)
    result.update(
        available=True,
        files=[path for path, _text in files],
        values=values,
        conflicts=boot_conflicts(values, settings, dropin) if dropin else [],
    )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
