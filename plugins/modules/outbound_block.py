#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: outbound_block
short_description: Refuse outgoing connections to a TCP port for every local user but a few
version_added: 0.1.0
description:
  - Keeps one rule at the top of the C(OUTPUT) chain of iptables and ip6tables that refuses new
    outgoing TCP connections (SYN) to O(port) from every local process whose user is not in
    O(exempt_users) and whose group is not in O(exempt_groups) (C(-m owner ! --uid-owner ...)).
  - The rule is found again by its comment O(tag); a tagged rule that differs from the wanted one
    (other exempt users, another target) is replaced, and a second copy is removed.
  - With O(persist) the rules are saved with C(netfilter-persistent save), so that
    C(netfilter-persistent.service) restores them at boot, whenever the saved files do not hold
    the tagged rule as it is live.
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  port:
    description: The destination port, for example 25 for SMTP.
    type: int
    required: true
  exempt_users:
    description:
      - Users (names or uids) whose connections are let through. They must exist.
    type: list
    elements: str
    default: []
  exempt_groups:
    description:
      - Groups (names or gids) whose connections are let through; the owner match looks at the
        process's effective group, so a set-group-id program such as sendmail's mail submission
        program (group C(smmsp)) counts.
    type: list
    elements: str
    default: []
  target:
    description:
      - C(REJECT) answers with a TCP reset, so the program sees "connection refused" at once;
        C(DROP) leaves it waiting for a timeout.
    type: str
    choices: [REJECT, DROP]
    default: REJECT
  tag:
    description:
      - The comment that marks the rule as this module's. Letters, digits, space and C(._:/-).
    type: str
    required: true
  ip_versions:
    description: Which of iptables (C(ipv4)) and ip6tables (C(ipv6)) get the rule.
    type: list
    elements: str
    choices: [ipv4, ipv6]
    default: [ipv4, ipv6]
  state:
    description: C(present) keeps exactly one tagged rule, as wanted; C(absent) removes every tagged rule.
    type: str
    choices: [present, absent]
    default: present
  persist:
    description:
      - Save the live rules with C(netfilter-persistent save) when the saved files do not hold the
        tagged rules as they are live. Like every C(netfilter-persistent save), this saves the whole
        live rule set, other rules included.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reads the live and the saved rules and reports what a real run would add, replace, remove and save.
  diff_mode:
    support: full
    description: Shows the tagged rules of each IP version before and after.
notes:
  - Needs the C(owner) and C(comment) matches (C(xt_owner), C(xt_comment)), present in Debian's kernels.
  - The owner match only sees locally created packets, which is all the OUTPUT chain carries.
seealso:
  - module: ansible.builtin.iptables
  - module: community.general.iptables_state
"""

EXAMPLES = r"""
- name: Only the MTA may connect to port 25 of other hosts
  sysfix.hardening.outbound_block:
    port: 25
    exempt_users: [root, smmta]
    exempt_groups: [smmsp]
    tag: "site: outbound SMTP"

- name: Lift the block
  sysfix.hardening.outbound_block:
    port: 25
    tag: "site: outbound SMTP"
    state: absent
"""

RETURN = r"""
rules:
  description: The tagged rules of each IP version after the run (in check mode, as a real run would leave them).
  returned: always
  type: dict
  sample: {"ipv4": ["-A OUTPUT -p tcp -m tcp --dport 25 --tcp-flags FIN,SYN,RST,ACK SYN -m owner ! --uid-owner 0 ..."]}
changed_versions:
  description: The IP versions whose live rules were (would be) changed.
  returned: always
  type: list
  elements: str
persisted:
  description: Whether the rules were (would be) saved with netfilter-persistent.
  returned: always
  type: bool
"""

import grp
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.outbound_block import (
    TAG_PATTERN,
    rule_args,
    rule_text,
    tagged_rules,
)

CHAIN = "OUTPUT"
TOOLS = {"ipv4": "iptables", "ipv6": "ip6tables"}
SAVED_FILES = {"ipv4": "/etc/iptables/rules.v4", "ipv6": "/etc/iptables/rules.v6"}


def check_exists(module, names, by_id, by_name, kind):
    """Fail before any change when an exempt user or group is unknown: iptables would refuse it."""
    for name in names:
        try:
            by_id(int(name)) if name.isdigit() else by_name(name)
        except KeyError:
            module.fail_json(msg="exempt %s %s does not exist on this host" % (kind, name))


def run(module, command):
    rc, out, err = module.run_command(command)
    if rc != 0:
        module.fail_json(msg="%s failed: %s" % (" ".join(command), (err or out).strip()), rc=rc)
    return out


def saved_rules(path, tag):
    try:
        with open(path) as handle:
            return [rule_text(CHAIN, args) for args in tagged_rules(handle.read(), CHAIN, tag)]
    except FileNotFoundError:
        return []


def main():
    module = AnsibleModule(
        argument_spec=dict(
            port=dict(type="int", required=True),
            exempt_users=dict(type="list", elements="str", default=[]),
            exempt_groups=dict(type="list", elements="str", default=[]),
            target=dict(type="str", choices=["REJECT", "DROP"], default="REJECT"),
            tag=dict(type="str", required=True),
            ip_versions=dict(type="list", elements="str", choices=["ipv4", "ipv6"], default=["ipv4", "ipv6"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            persist=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not 1 <= p["port"] <= 65535:
        module.fail_json(msg="port must be from 1 to 65535, got %d" % p["port"])
    if not TAG_PATTERN.match(p["tag"]):
        module.fail_json(msg="tag may hold letters, digits, space and ._:/- only, got %r" % p["tag"])
    check_exists(module, p["exempt_users"], pwd.getpwuid, pwd.getpwnam, "user")
    check_exists(module, p["exempt_groups"], grp.getgrgid, grp.getgrnam, "group")
    present = p["state"] == "present"
    # Without the tools there can be no rule and no saved file to remove it from.
    persist_tool = None
    if p["persist"]:
        persist_tool = module.get_bin_path("netfilter-persistent", opt_dirs=["/usr/sbin", "/sbin"])
        if persist_tool is None and present:
            module.fail_json(msg="persist is true but netfilter-persistent is not installed (package netfilter-persistent)")

    tools = {}
    for version in p["ip_versions"]:
        binary = module.get_bin_path(TOOLS[version], opt_dirs=["/usr/sbin", "/sbin"])
        if binary is None:
            if present:
                module.fail_json(msg="%s is not installed" % TOOLS[version])
            continue
        tools[version] = binary

    result = dict(changed=False, rules={}, changed_versions=[], persisted=False)
    before_text, after_text = [], []
    needs_save = False
    for version, binary in tools.items():
        wanted = rule_args(p["port"], p["exempt_users"], p["exempt_groups"], p["target"], p["tag"])
        current = tagged_rules(run(module, [binary, "-w", "-S", CHAIN]), CHAIN, p["tag"])
        if present:
            exact = (
                len(current) == 1
                and module.run_command([binary, "-w", "-C", CHAIN] + wanted)[0] == 0
            )
            to_delete = [] if exact else current
            to_insert = None if exact else wanted
        else:
            to_delete, to_insert = current, None

        if to_delete or to_insert:
            result["changed_versions"].append(version)
            if not module.check_mode:
                for args in to_delete:
                    run(module, [binary, "-w", "-D", CHAIN] + args)
                if to_insert:
                    run(module, [binary, "-w", "-I", CHAIN, "1"] + to_insert)

        if module.check_mode:
            after = [rule_text(CHAIN, args) for args in current if args not in to_delete]
            if to_insert:
                after.insert(0, rule_text(CHAIN, to_insert))
        else:
            after = [rule_text(CHAIN, args)
                     for args in tagged_rules(run(module, [binary, "-w", "-S", CHAIN]), CHAIN, p["tag"])]
        result["rules"][version] = after
        before_text += ["%s: %s" % (version, rule_text(CHAIN, args)) for args in current]
        after_text += ["%s: %s" % (version, rule) for rule in after]
        # The saved file must hold the tagged rules exactly as they are live.
        if version in result["changed_versions"] or saved_rules(SAVED_FILES[version], p["tag"]) != after:
            needs_save = True

    if persist_tool is not None and needs_save:
        result["persisted"] = True
        if not module.check_mode:
            run(module, [persist_tool, "save"])
            for version in tools:
                if saved_rules(SAVED_FILES[version], p["tag"]) != result["rules"][version]:
                    module.fail_json(
                        msg="netfilter-persistent save did not write the %s rules to %s"
                        % (version, SAVED_FILES[version]),
                        **result
                    )

    result["changed"] = bool(result["changed_versions"]) or result["persisted"]
    result["diff"] = dict(
        before_header="tagged OUTPUT rules (%s)" % p["tag"],
        after_header="tagged OUTPUT rules (%s)" % p["tag"],
        before="".join(line + "\n" for line in before_text),
        after="".join(line + "\n" for line in after_text),
    )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
