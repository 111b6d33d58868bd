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

import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.iptables import (
    CHAIN_NAME,
    chain_tags,
    delete_args,
    jump_lines,
    jump_tag,
    restore_text,
    rule_tag,
    tagged,
)

RESTORE_SCRIPT = "/usr/local/sbin/sysfix-iptables-restore"
UNIT_FILE = "/etc/systemd/system/sysfix-iptables.service"
BUILTIN_CHAINS = {"INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"}
JUMP_RULE = re.compile(r"^[A-Za-z0-9 ,:./!_-]*$")

RESTORE_SCRIPT_TEXT = """#!/bin/sh
# Installed by sysfix.hardening (module iptables_chain). Restores the firewall
# chains the collection manages, from %(dir)s/*.v4 and *.v6, after
# netfilter-persistent. A jump that is already there (saved by
# netfilter-persistent) is deleted first, so it is never doubled.
set -u
status=0
for file in %(dir)s/*.v4 %(dir)s/*.v6; do
    [ -e "$file" ] || continue
    case "$file" in *.v6) command=ip6tables ;; *) command=iptables ;; esac
    grep '^-I ' "$file" | while read -r _insert parent _position spec; do
        # The spec is a list of plain words (the module allows no quotes in jumps).
        while $command -w -D "$parent" $spec 2>/dev/null; do :; done
    done
    if ! $command-restore -w --noflush <"$file"; then
        echo "sysfix-iptables-restore: $command-restore refused $file" >&2
        status=1
    fi
done
exit $status
"""

UNIT_TEXT = """# Installed by sysfix.hardening (module iptables_chain).
[Unit]
Description=Firewall chains managed by sysfix.hardening
After=netfilter-persistent.service
Before=network-pre.target
Wants=network-pre.target
DefaultDependencies=no

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=%s

[Install]
WantedBy=multi-user.target
""" % RESTORE_SCRIPT


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def write_text(path, text, mode):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".sysfix-")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.chmod(temp, mode)
    os.rename(temp, path)


class Firewall:
    def __init__(self, module):
        self.module = module
        params = module.params
        command = "iptables" if params["ip_version"] == "ipv4" else "ip6tables"
        self.binary = module.get_bin_path(command)
        self.restore = module.get_bin_path(command + "-restore")
        if not self.binary or not self.restore:
            module.fail_json(msg="%s is not installed: install Debian's iptables package" % command)
        self.table = params["table"]

    def run(self, args, data=None, check=True):
        rc, out, err = self.module.run_command(
            [self.binary, "-w", "-t", self.table] + args, data=data, environ_update={"LC_ALL": "C"}
        )
        if check and rc != 0:
            self.module.fail_json(msg="%s %s failed: %s" % (self.binary, " ".join(args), err.strip()), rc=rc)
        return rc, out

    def listing(self, chain):
        rc, out = self.run(["-S", chain], check=False)
        return out if rc == 0 else None

    def restore_chain(self, text, test):
        args = [self.restore, "-w", "--noflush"] + (["--test"] if test else [])
        rc, _out, err = self.module.run_command(args, data=text, binary_data=True, environ_update={"LC_ALL": "C"})
        if rc != 0:
            self.module.fail_json(
                msg="iptables-restore %s the rules: %s" % ("refuses" if test else "failed to load", err.strip()),
                rules=text,
            )


def ensure_file(module, path, text, mode, result):
    before = read_text(path)
    if before == text:
        return
    result["changed"] = True
    result["diff"].append({"before_header": path, "after_header": path, "before": before or "", "after": text})
    if not module.check_mode:
        write_text(path, text, mode)


def ensure_restore_unit(module, result):
    """The boot-time restore: script, unit, and the unit enabled."""
    ensure_file(module, RESTORE_SCRIPT, RESTORE_SCRIPT_TEXT % {"dir": module.params["persist_dir"]}, 0o755, result)
    ensure_file(module, UNIT_FILE, UNIT_TEXT, 0o644, result)
    systemctl = module.get_bin_path("systemctl")
    if systemctl is None:
        module.warn("systemd is not running this host: %s will not run at boot" % UNIT_FILE)
        return
    rc, out, _err = module.run_command([systemctl, "is-enabled", "sysfix-iptables.service"])
    if out.strip() != "enabled":
        result["changed"] = True
        if not module.check_mode:
            if result["diff"] and result["diff"][-1].get("after_header") == UNIT_FILE:
                module.run_command([systemctl, "daemon-reload"], check_rc=True)
            module.run_command([systemctl, "enable", "sysfix-iptables.service"], check_rc=True)


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
    for jump in params["jumps"]:
        if not JUMP_RULE.match(jump["rule"]):
            module.fail_json(msg="jump rule %r may only hold letters, digits, spaces and ,:./!_-" % jump["rule"])

    firewall = Firewall(module)
    present = params["state"] == "present"
    rules = params["rules"] if present else []
    jumps = [(j["chain"], j["rule"]) for j in params["jumps"]] if present else []
    result = dict(changed=False, rules_changed=False, jumps_added=[], jumps_removed=[], persist_file="", diff=[])

    current = firewall.listing(chain)
    wanted_text = restore_text(firewall.table, chain, rules)
    if present:
        # iptables-restore --test parses and checks every rule, also in check mode.
        firewall.restore_chain(wanted_text, test=True)
        if current is None or chain_tags(current, chain) != [rule_tag(r) for r in rules]:
            result["rules_changed"] = True
            result["diff"].append({
                "before_header": "%s -S %s" % (firewall.binary, chain),
                "after_header": "%s -S %s" % (firewall.binary, chain),
                "before": current or "",
                "after": "".join(line + "\n" for line in wanted_text.splitlines()[2:-1]),
            })
            if not module.check_mode:
                firewall.restore_chain(wanted_text, test=False)

    # Jumps: delete ours that are no longer wanted (all of them for absent,
    # and for absent also any other jump, or the chain cannot be deleted),
    # then insert the missing ones first in their parent chains.
    parents = sorted(set([parent for parent, _rule in jumps]) | BUILTIN_CHAINS)
    wanted_tags = dict((jump_tag(chain, rule), (parent, rule)) for parent, rule in jumps)
    for parent in parents:
        listing = firewall.listing(parent)
        if listing is None:
            continue
        for tag, line in jump_lines(listing, parent, chain):
            if (tag is not None or not present) and tag not in wanted_tags:
                result["jumps_removed"].append(line)
                if not module.check_mode:
                    firewall.run(delete_args(line))
            elif tag in wanted_tags and wanted_tags[tag][0] == parent:
                wanted_tags.pop(tag)
    for tag, (parent, rule) in reversed(list(wanted_tags.items())):
        result["jumps_added"].append(("%s %s" % (parent, rule)).strip())
        if not module.check_mode:
            firewall.run(["-I", parent, "1"] + tagged(rule, tag).split() + ["-j", chain])

    if not present and current is not None:
        result["rules_changed"] = True
        if not module.check_mode:
            firewall.run(["-F", chain])
            firewall.run(["-X", chain])

    if params["persist"]:
        suffix = ".v4" if params["ip_version"] == "ipv4" else ".v6"
        path = os.path.join(params["persist_dir"], chain + suffix)
        result["persist_file"] = path
        if present:
            ensure_file(module, path, restore_text(firewall.table, chain, rules, jumps), 0o644, result)
            ensure_restore_unit(module, result)
        elif os.path.exists(path):
            result["changed"] = True
            result["diff"].append({"before_header": path, "after_header": path, "before": read_text(path), "after": ""})
            if not module.check_mode:
                os.unlink(path)

    result["changed"] = bool(
        result["changed"] or result["rules_changed"] or result["jumps_added"] or result["jumps_removed"]
    )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
