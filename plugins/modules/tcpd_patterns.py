#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tcpd_patterns
short_description: Check lists of addresses and networks and turn them into TCP wrappers patterns
version_added: 0.1.0
description:
  - Checks that every entry of each named list is an IPv4 or IPv6 address or a network in CIDR
    form without host bits set (or one of O(keywords)), and fails with one message per bad entry,
    each naming the list and the index (C(inetd_pop3_denied_networks[1])).
  - Returns each list as C(hosts.allow)/C(hosts.deny) client patterns (hosts_access(5)) -
    C(198.51.100.7), C(198.51.100.0/255.255.255.0), C([2001:db8::7]), C([2001:db8::]/32).
  - Reports every entry of one list that lies within an entry of another, so a caller can refuse,
    for example, a denied network that an allowed one already covers (C(hosts.allow) is read first).
  - Changes nothing.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  lists:
    description:
      - Lists of entries by name; use the name of the variable each list comes from, so that
        messages name it.
    type: dict
    required: true
  keywords:
    description: Words accepted as they are, such as C(ALL).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: The module only computes, so check mode runs it unchanged.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
seealso:
  - name: hosts_access(5)
    description: The TCP wrappers access control language.
    link: https://manpages.debian.org/bookworm/libwrap0-dev/hosts_access.5.en.html
"""

EXAMPLES = r"""
- name: Check the POP3 client lists
  sysfix.hardening.tcpd_patterns:
    lists:
      allowed: ["198.51.100.0/24", "2001:db8::/32"]
      denied: ["203.0.113.9", "ALL"]
    keywords: [ALL]
  register: pop3_clients

- name: Show the hosts.allow patterns
  ansible.builtin.debug:
    msg: "popa3d: {{ pop3_clients.patterns.allowed | join(', ') }}"
"""

RETURN = r"""
patterns:
  description: The hosts_access(5) patterns of each list, in order.
  returned: success
  type: dict
  sample: {"allowed": ["198.51.100.0/255.255.255.0", "[2001:db8::]/32"], "denied": ["203.0.113.9", "ALL"]}
contained:
  description: Entries that lie within an entry of another list.
  returned: success
  type: list
  elements: dict
  sample: [{"inner": "denied[0]", "inner_value": "198.51.100.7", "inner_list": "denied",
            "outer": "allowed[0]", "outer_value": "198.51.100.0/24", "outer_list": "allowed"}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.tcpd import analyse


def main():
    module = AnsibleModule(
        argument_spec=dict(
            lists=dict(type="dict", required=True),
            keywords=dict(type="list", elements="str", default=[], no_log=False),
        ),
        supports_check_mode=True,
    )
    patterns, contained, errors = analyse(module.params["lists"], tuple(module.params["keywords"]))
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    module.exit_json(changed=False, patterns=patterns, contained=contained)


if __name__ == "__main__":
    main()
