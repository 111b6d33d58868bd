#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: net_counters
short_description: Network interface counters that stopped moving or sit at a value where a counter stops
version_added: 0.1.0
description:
  - The runbook's "RX packets:2147483647 and the network is dead" - reads each interface's counters
    from C(/sys/class/net/IF/statistics) twice, O(interval) seconds apart, and reports the counters
    that sit at 2^31-1, 2^32-1 or 2^64-1 without moving (RV(stuck)), the interfaces whose traffic
    moved and those whose traffic did not.
  - Linux counters are 64 bits today, so a stuck counter means a driver that does not wrap it.
    An idle interface does not move either, which alone is no fault.
  - Only reads.
author:
  - sysfix.hardening maintainers (@sysfix)
extends_documentation_fragment:
  - sysfix.hardening.read_only
options:
  interfaces:
    description: Interfaces to read. Empty - every interface.
    type: list
    elements: str
    default: []
  interval:
    description: Seconds between the two readings, 1 to 60.
    type: int
    default: 2
  sysfs_net:
    description: Where the interfaces are. Only tests change this.
    type: path
    default: /sys/class/net
"""

EXAMPLES = r"""
- name: Counters stuck like the runbook's 2147483647
  sysfix.hardening.net_counters:
    interval: 5
  register: counters
"""

RETURN = r"""
interfaces:
  description: Per interface, the counters after the interval, their change, whether traffic moved, and
    the counters stuck at a stopping value or gone back.
  returned: always
  type: dict
  sample: {"eth0": {"operstate": "up", "counters": {"rx_packets": 2147483647, "tx_packets": 9013},
           "deltas": {"rx_packets": 0, "tx_packets": 4}, "moving": true, "stuck": ["rx_packets"], "went_back": []}}
stuck:
  description: C(INTERFACE:counter) for every stuck counter.
  returned: always
  type: list
  elements: str
  sample: ["eth0:rx_packets"]
idle:
  description: Interfaces whose traffic counters did not move during the interval.
  returned: always
  type: list
  elements: str
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.system_sanity import COUNTERS, judge_counters


def sample(root, names):
    found = {}
    for name in names:
        values = {}
        for counter in COUNTERS:
            try:
                with open(os.path.join(root, name, "statistics", counter)) as handle:
                    values[counter] = int(handle.read().strip())
            except (IOError, OSError, ValueError):
                continue
        try:
            with open(os.path.join(root, name, "operstate")) as handle:
                values["operstate"] = handle.read().strip()
        except (IOError, OSError):
            values["operstate"] = "unknown"
        found[name] = values
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interfaces=dict(type="list", elements="str", default=[]),
            interval=dict(type="int", default=2),
            sysfs_net=dict(type="path", default="/sys/class/net"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not 1 <= params["interval"] <= 60:
        module.fail_json(msg="interval must be 1 to 60 seconds, not %d" % params["interval"])
    root = params["sysfs_net"]
    try:
        present = sorted(os.listdir(root))
    except OSError as exc:
        module.fail_json(msg="Cannot list %s: %s" % (root, exc))
    names = params["interfaces"] or present
    missing = [name for name in names if name not in present]
    if missing:
        module.fail_json(msg="No such interface: %s (there are %s)" % (", ".join(missing), ", ".join(present)))
    first = sample(root, names)
    time.sleep(params["interval"])
    judged = judge_counters(first, sample(root, names))
    module.exit_json(
        changed=False,
        interfaces=judged,
        stuck=["%s:%s" % (name, c) for name, item in sorted(judged.items()) for c in item["stuck"]],
        idle=[name for name, item in sorted(judged.items()) if not item["moving"]],
    )


if __name__ == "__main__":
    main()
