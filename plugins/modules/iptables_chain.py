#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: iptables_chain
short_description: A firewall chain of the collection's own, its jumps, and its persistence
version_added: 0.1.0
description:
  - Keeps one user-defined iptables or ip6tables chain holding exactly the given rules, in
    order, and the jumps into it from built-in chains. The admin's own rules are never
    touched or reordered; the jumps are inserted first in their parent chains.
  - Each rule carries a comment C(sysfix:HASH) made from its text, so the chain is compared
    by what was asked, not by iptables' rewriting of the rule.
  - The whole chain is replaced at once with C(iptables-restore --noflush), after
    C(iptables-restore --test) accepted it (also in check mode).
  - With O(persist), the chain and its jumps are also written to
    C(/etc/iptables/sysfix/NAME.v4) (or C(.v6)), and a systemd unit
    C(sysfix-iptables.service) restores every such file at boot, after
    netfilter-persistent. Nothing else of the firewall is saved, so the admin's
    runtime rules do not become persistent by accident.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  name:
    description: The chain, letters, digits, C(_) and C(-), at most 28 characters.
    type: str
    required: true
  ip_version:
    description: Which firewall, C(iptables) or C(ip6tables).
    type: str
    choices: [ipv4, ipv6]
    default: ipv4
  table:
    description: The table of the chain.
    type: str
    choices: [filter, mangle, raw]
    default: filter
  rules:
    description:
      - Rules of the chain in iptables syntax without C(-A CHAIN), in order, for example
        C(-p tcp --dport 80 -m string --algo bm --string "/default.ida?" -j REJECT --reject-with tcp-reset).
    type: list
    elements: str
    default: []
  jumps:
    description: Where packets enter the chain.
    type: list
    elements: dict
    default: []
    suboptions:
      chain:
        description: The parent chain, for example C(INPUT).
        type: str
        required: true
      rule:
        description: Matches for the jump, for example C(-p tcp -m multiport --dports 80,443);
          letters, digits, spaces and C(,:./!_-) only.
        type: str
        default: ""
  state:
    description: C(absent) removes the chain, its jumps and its persisted file.
    type: str
    choices: [present, absent]
    default: present
  persist:
    description: Also keep the chain across reboots (see above).
    type: bool
    default: false
  persist_dir:
    description: Where the persisted chains are kept.
    type: path
    default: /etc/iptables/sysfix
attributes:
  check_mode:
    support: full
    description: Compares the live chain, its jumps and the persisted file with what is asked,
      and tests the rules with C(iptables-restore --test), changing nothing.
  diff_mode:
    support: full
    description: Shows the chain's rules and the persisted file before and after.
notes:
  - Needs the C(comment) match (C(xt_comment)), present in every Debian kernel.
seealso:
  - module: ansible.builtin.iptables
"""

EXAMPLES = r"""
- name: Reset CodeRed requests on the HTTP ports, persisted
  sysfix.hardening.iptables_chain:
    name: SYSFIX-WORMS
    rules:
      - -p tcp -m string --algo bm --string "/default.ida?" -j REJECT --reject-with tcp-reset
    jumps:
      - chain: INPUT
        rule: -p tcp -m multiport --dports 80,443
    persist: true

- name: Remove it again
  sysfix.hardening.iptables_chain:
    name: SYSFIX-WORMS
    state: absent
    persist: true
"""

RETURN = r"""
rules_changed:
  description: Whether the chain's rules were (or in check mode would be) replaced.
  returned: always
  type: bool
jumps_added:
  description: Jumps inserted, as C(PARENT rule).
  returned: always
  type: list
  elements: str
jumps_removed:
  description: Jumps deleted, as C(iptables -S) lines.
  returned: always
  type: list
  elements: str
persist_file:
  description: The file the chain is kept in for the next boot, when O(persist) is on.
  returned: always
  type: str
  sample: /etc/iptables/sysfix/SYSFIX-WORMS.v4
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.firewall_chain import (
    BUILTIN_CHAINS,
    Firewall,
    sync_chain,
)
from ansible_collections.sysfix.hardening.plugins.module_utils.iptables import CHAIN_NAME

JUMP_RULE = re.compile(r"^[A-Za-z0-9 ,:./!_-]*$")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            ip_version=dict(type="str", choices=["ipv4", "ipv6"], default="ipv4"),
            table=dict(type="str", choices=["filter", "mangle", "raw"], default="filter"),
            rules=dict(type="list", elements="str", default=[]),
            jumps=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(chain=dict(type="str", required=True), rule=dict(type="str", default="")),
            ),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            persist=dict(type="bool", default=False),
            persist_dir=dict(type="path", default="/etc/iptables/sysfix"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    chain = params["name"]
    if not CHAIN_NAME.match(chain) or chain in BUILTIN_CHAINS:
        module.fail_json(msg="name %r must be a new chain: letters, digits, _ and -, at most 28 characters" % chain)
    for rule in params["rules"]:
        if "\n" in rule or "\r" in rule:
            module.fail_json(msg="rule %r spans several lines: each item of rules must be one iptables rule" % rule)
    for jump in params["jumps"]:
        if not JUMP_RULE.match(jump["rule"]):
            module.fail_json(msg="jump rule %r may only hold letters, digits, spaces and ,:./!_-" % jump["rule"])

    firewall = Firewall(module, params["ip_version"], params["table"])
    present = params["state"] == "present"
    jumps = [(j["chain"], j["rule"]) for j in params["jumps"]]
    result = dict(changed=False, rules_changed=False, jumps_added=[], jumps_removed=[], persist_file="", diff=[])
    sync_chain(module, firewall, chain, params["rules"], jumps, present, params["persist"],
               params["persist_dir"], params["ip_version"], result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
