#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ip_block
short_description: Block addresses with a firewall DROP and an unreachable route, persisted, logged and expiring
version_added: 0.1.0
description:
  - The runbook's answer to an attacker, C(iptables -A INPUT -s X -j DROP) and
    C(route add -host X reject), kept on the host as a list of blocks in O(state_file) with
    address, reason, who, when and until when.
  - The DROP rules live in a chain of the collection's own (O(chain), one for iptables and one for
    ip6tables), entered by a jump inserted first in each of O(parent_chains); the admin's rules are
    never touched or reordered. The chain is kept the way M(sysfix.hardening.iptables_chain) keeps
    its chains, and persisted the same way (C(/etc/iptables/sysfix/CHAIN.v4) and C(.v6),
    restored at boot by C(sysfix-iptables.service)).
  - With O(route), an unreachable route (C(ip route add unreachable X)) is added too; routes are put
    back at boot by C(sysfix-ip-block.service). An unreachable route that was already there is
    used and left in place on unblock.
  - With O(ttl), the block ends by itself on the host, with no controller -
    C(sysfix-ip-block-expire.timer) runs C(/usr/local/sbin/sysfix-ip-block expire) every
    O(expiry_interval) seconds.
  - Every block, unblock and expiry is appended to O(log_file) with the time, the address, who
    and why.
  - Refuses before any change, naming every address and the reason at once - an invalid address, a network
    written with host bits, C(0.0.0.0/0) or C(::/0), a prefix shorter than O(min_prefix_ipv4) or
    O(min_prefix_ipv6), loopback, an IPv4-mapped IPv6 address, the address the controller connects
    from, the host's own addresses and default gateways, anything in O(allowlist), and a network that
    has a route of another kind (which an unreachable route would hide).
author:
  - sysfix.hardening maintainers (@sysfix)
options:
  addresses:
    description:
      - IPv4 or IPv6 addresses or networks (CIDR), for example V(203.0.113.9), V(198.51.100.0/24),
        V(2001:db8::/48).
      - With O(state=absent), V(all) removes every block.
    type: list
    elements: str
    required: true
  state:
    description: V(present) blocks, V(absent) removes exactly what a block added.
    type: str
    choices: [present, absent]
    default: present
  reason:
    description: Why, for the log and the list of blocks.
    type: str
    default: ""
  who:
    description: Who asked, for the log. Empty - the user that ran the module (C(SUDO_USER) first).
    type: str
    default: ""
  ttl:
    description:
      - How long the block lasts, as seconds or a number with C(s), C(m), C(h), C(d) or C(w)
        (V(90), V(15m), V(1h), V(2d)). Empty or V(0) - until unblocked.
      - An address already blocked keeps its expiry unless O(renew) is set.
    type: str
    default: ""
  renew:
    description: For addresses already blocked, replace reason, who and expiry with this run's.
    type: bool
    default: false
  route:
    description: Also add an unreachable route for each address (for addresses already blocked, add it if missing).
    type: bool
    default: false
  allowlist:
    description: Addresses or networks never to block; a block that overlaps one is refused.
    type: list
    elements: str
    default: []
  controller_address:
    description:
      - The address the controller connects from, which is never blocked.
      - V(auto) reads it from C(SSH_CONNECTION) in the module's environment or in that of the
        nearest process above it that has it (the SSH session C(sudo) was started from).
        Connections that are not SSH (C(local), C(docker)) have none.
      - An empty value protects no controller address.
    type: str
    default: auto
  on_refusal:
    description:
      - V(fail) - any refused address stops the run before any change.
      - V(skip) - refused addresses are left out and listed in RV(refused); the others are blocked.
        Invalid addresses always fail.
    type: str
    choices: [fail, skip]
    default: fail
  min_prefix_ipv4:
    description: The shortest IPv4 prefix that may be blocked.
    type: int
    default: 8
  min_prefix_ipv6:
    description: The shortest IPv6 prefix that may be blocked.
    type: int
    default: 16
  chain:
    description: The chain of the DROP rules (the same name for iptables and ip6tables).
    type: str
    default: SYSFIX-BLOCK
  parent_chains:
    description: Built-in chains whose packets go through O(chain) first.
    type: list
    elements: str
    default: [INPUT]
  state_file:
    description: The list of blocks on the host (JSON).
    type: path
    default: /var/lib/sysfix/ip_block.json
  log_file:
    description: The log of blocks, unblocks and expiries on the host.
    type: path
    default: /var/log/sysfix/ip_block.log
  persist_dir:
    description: Where the chains are kept for the next boot (shared with M(sysfix.hardening.iptables_chain)).
    type: path
    default: /etc/iptables/sysfix
  expiry_interval:
    description:
      - Seconds between two runs of the expiry timer; a block ends at most this long after its time.
      - Written into the timer by every run with O(state=present), so give the same value to every block.
    type: int
    default: 60
attributes:
  check_mode:
    support: full
    description: Runs every check and refusal, tests the rules with C(iptables-restore --test), and reports
      exactly what would be blocked, unblocked, ended or installed, changing nothing (no log line either).
  diff_mode:
    support: full
    description: Shows the list of blocks, the chains, the routes and the installed files before and after.
notes:
  - A block of an address only drops new packets from it; connections it already has are dropped too,
    since every packet from it is.
  - The runbook's C(route add -host X reject) also stops replies to X, which matters for a host that
    forwards; on an ordinary server the DROP rule alone is enough, which is why O(route) is off by
    default.
seealso:
  - module: sysfix.hardening.iptables_chain
  - module: sysfix.hardening.connection_stats
"""

EXAMPLES = r"""
- name: Block an attacker for an hour, firewall and route, as the runbook does
  sysfix.hardening.ip_block:
    addresses: [203.0.113.9]
    reason: 400 connections to Apache
    ttl: 1h
    route: true
    allowlist: [198.51.100.0/24]

- name: Unblock it
  sysfix.hardening.ip_block:
    addresses: [203.0.113.9]
    state: absent
    reason: false alarm

- name: Block the heavy peers that connection_stats found, skipping those that must not be blocked
  sysfix.hardening.ip_block:
    addresses: "{{ web.peers_over_threshold | map(attribute='address') | list }}"
    reason: dos_triage
    on_refusal: skip
"""

RETURN = r"""
blocked:
  description: Blocks added (in check mode, that would be added).
  returned: always
  type: list
  elements: dict
  sample: [{"address": "203.0.113.9/32", "family": "ipv4", "reason": "dos", "who": "alice",
            "added_at": "2026-11-28T01:02:03Z", "expires_at": "2026-11-28T02:02:03Z", "route": "added",
            "ttl": 3600, "rule": "-s 203.0.113.9/32 -j DROP", "tag": "sysfix:0a1b2c3d4e5f"}]
unblocked:
  description: Blocks removed.
  returned: always
  type: list
  elements: dict
renewed:
  description: Blocks whose reason, who or expiry this run replaced (O(renew)), or whose missing route it added.
  returned: always
  type: list
  elements: dict
already_blocked:
  description: Addresses asked for that were blocked already and are left as they are.
  returned: always
  type: list
  elements: dict
not_blocked:
  description: Addresses asked to unblock that are not blocked, with the blocks that cover them.
  returned: always
  type: list
  elements: dict
  sample: [{"address": "203.0.113.9/32", "covered_by": ["203.0.113.0/24"]}]
expired:
  description: Blocks whose time was up, ended by this run (the timer had not got to them yet).
  returned: always
  type: list
  elements: dict
refused:
  description: Addresses refused, with the reason (only with O(on_refusal=skip); otherwise the module fails).
  returned: always
  type: list
  elements: dict
  sample: [{"address": "192.0.2.1/32", "reason": "it is 192.0.2.1, a default gateway of this host"}]
routes_added:
  description: Unreachable routes added.
  returned: always
  type: list
  elements: str
routes_removed:
  description: Unreachable routes removed.
  returned: always
  type: list
  elements: str
entries:
  description: Every block on the host after the run.
  returned: always
  type: list
  elements: dict
controller_address:
  description: The controller's address that was protected, empty when unknown.
  returned: always
  type: str
  sample: 198.51.100.20
protected:
  description: Every address and network that may not be blocked on this host, with the reason.
  returned: always
  type: list
  elements: dict
state_file:
  description: The list of blocks on the host.
  returned: always
  type: str
log_file:
  description: The log on the host.
  returned: always
  type: str
log_lines:
  description: Lines appended to the log (in check mode, that would be).
  returned: always
  type: list
  elements: str
"""

import fcntl
import ipaddress
import os
import pwd
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sysfix.hardening.plugins.module_utils.firewall_chain import (
    BUILTIN_CHAINS,
    Firewall,
    ensure_file,
    read_text,
    sync_chain,
    write_text,
)
from ansible_collections.sysfix.hardening.plugins.module_utils.ip_block import (
    BOOT_UNIT,
    EXPIRY_SCRIPT,
    EXPIRY_SERVICE,
    EXPIRY_TIMER,
    default_gateways,
    listing,
    load_state,
    log_line,
    new_entry,
    own_addresses,
    parent_pid,
    parse_networks,
    parse_target,
    parse_ttl,
    refusal,
    routes_by_destination,
    sort_entries,
    split_expired,
    ssh_client_address,
    state_text,
)
from ansible_collections.sysfix.hardening.plugins.module_utils.iptables import CHAIN_NAME, restore_text

SCRIPT = "/usr/local/sbin/sysfix-ip-block"
BOOT_UNIT_NAME = "sysfix-ip-block.service"
EXPIRY_SERVICE_NAME = "sysfix-ip-block-expire.service"
EXPIRY_TIMER_NAME = "sysfix-ip-block-expire.timer"
UNIT_DIR = "/etc/systemd/system"
# How far up the process tree the controller's SSH session is looked for
# (python <- sh <- sudo <- sh <- sshd is five).
MAX_ANCESTORS = 32


def detect_controller(environ=None, proc="/proc"):
    """The SSH client address in our environment or the nearest ancestor's, or None."""
    found = ssh_client_address(dict(os.environ) if environ is None else environ)
    if found:
        return found
    pid = os.getppid()
    for _step in range(MAX_ANCESTORS):
        if pid <= 1:
            break
        try:
            with open("%s/%d/environ" % (proc, pid), "rb") as handle:
                found = ssh_client_address(handle.read())
            if found:
                return found
            with open("%s/%d/stat" % (proc, pid)) as handle:
                pid = parent_pid(handle.read())
        except (IOError, OSError, ValueError, IndexError):
            break
    return None


def default_who():
    for name in ("SUDO_USER", "USER", "LOGNAME"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


class Host:
    """What the module reads from and runs on the host, apart from the firewall."""

    def __init__(self, module):
        self.module = module
        self.ip = module.get_bin_path("ip", required=True)

    def ip_json(self, args):
        rc, out, err = self.module.run_command([self.ip, "-j"] + args, environ_update={"LC_ALL": "C"})
        if rc != 0:
            self.module.fail_json(msg="ip -j %s failed: %s" % (" ".join(args), err.strip()))
        return out

    def route(self, action, entry):
        version = "-6" if entry["family"] == "ipv6" else "-4"
        rc, _out, err = self.module.run_command(
            [self.ip, version, "route", action, "unreachable", entry["address"]], environ_update={"LC_ALL": "C"})
        return rc, err.strip()


def protected_networks(module, host, params):
    """``(network, why)`` pairs no block may overlap, and the controller's address.

    The order is the order of the reasons given: what would cut the host off
    first, the allow-list last.
    """
    protected = []
    try:
        allowlist = parse_networks(params["allowlist"], "allowlist")
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    controller = params["controller_address"]
    if controller == "auto":
        controller = detect_controller() or ""
    if controller:
        try:
            protected.append((ipaddress.ip_network(controller.strip()), "the address the controller connects from"))
        except ValueError:
            module.fail_json(msg="controller_address %r is not an address" % controller)
    for network, interface in own_addresses(host.ip_json(["addr", "show"])):
        protected.append((network, "an address of this host (%s)" % interface))
    for version in ("-4", "-6"):
        for gateway in default_gateways(host.ip_json([version, "route", "show", "default"])):
            protected.append((ipaddress.ip_network(gateway), "a default gateway of this host"))
    protected.extend((network, "in the allow-list") for network in allowlist)
    return protected, controller


def main():
    module = AnsibleModule(
        argument_spec=dict(
            addresses=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            reason=dict(type="str", default=""),
            who=dict(type="str", default=""),
            ttl=dict(type="str", default=""),
            renew=dict(type="bool", default=False),
            route=dict(type="bool", default=False),
            allowlist=dict(type="list", elements="str", default=[]),
            controller_address=dict(type="str", default="auto"),
            on_refusal=dict(type="str", choices=["fail", "skip"], default="fail"),
            min_prefix_ipv4=dict(type="int", default=8),
            min_prefix_ipv6=dict(type="int", default=16),
            chain=dict(type="str", default="SYSFIX-BLOCK"),
            parent_chains=dict(type="list", elements="str", default=["INPUT"]),
            state_file=dict(type="path", default="/var/lib/sysfix/ip_block.json"),
            log_file=dict(type="path", default="/var/log/sysfix/ip_block.log"),
            persist_dir=dict(type="path", default="/etc/iptables/sysfix"),
            expiry_interval=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    params = module.params
    present = params["state"] == "present"
    now = int(time.time())
    who = params["who"] or default_who()
    reason = params["reason"] or ("blocked" if present else "unblocked")

    # Everything that can refuse the run is checked before anything changes.
    chain = params["chain"]
    if not CHAIN_NAME.match(chain) or chain in BUILTIN_CHAINS:
        module.fail_json(msg="chain %r must be a new chain: letters, digits, _ and -, at most 28 characters" % chain)
    bad_parents = [p for p in params["parent_chains"] if p not in ("INPUT", "FORWARD", "OUTPUT")]
    if bad_parents or not params["parent_chains"]:
        module.fail_json(msg="parent_chains must be INPUT, FORWARD or OUTPUT of the filter table, not %s"
                         % (", ".join(bad_parents) or "nothing"))
    if not 0 <= params["min_prefix_ipv4"] <= 32 or not 0 <= params["min_prefix_ipv6"] <= 128:
        module.fail_json(msg="min_prefix_ipv4 must be 0-32 and min_prefix_ipv6 0-128")
    if params["expiry_interval"] < 1:
        module.fail_json(msg="expiry_interval must be 1 second or more, not %d" % params["expiry_interval"])
    try:
        ttl = parse_ttl(params["ttl"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if not params["addresses"]:
        module.fail_json(msg="addresses is empty: name at least one address or network")
    unblock_all = not present and [a.strip().lower() for a in params["addresses"]] == ["all"]
    targets, invalid = [], []
    if not unblock_all:
        for text in params["addresses"]:
            try:
                network = parse_target(text)
            except ValueError as exc:
                invalid.append(str(exc))
                continue
            if network not in targets:
                targets.append(network)
    if invalid and not present:
        module.fail_json(msg="Nothing was changed. Not an address to unblock: %s" % "; ".join(invalid))

    host = Host(module)
    result = dict(changed=False, blocked=[], unblocked=[], renewed=[], already_blocked=[], not_blocked=[],
                  expired=[], refused=[], routes_added=[], routes_removed=[], entries=[],
                  controller_address="", protected=[], state_file=params["state_file"],
                  log_file=params["log_file"], log_lines=[], diff=[])

    routes = {}
    if present:
        protected, controller = protected_networks(module, host, params)
        result["controller_address"] = controller
        result["protected"] = [{"network": str(n), "why": why} for n, why in protected]
        min_prefix = {"ipv4": params["min_prefix_ipv4"], "ipv6": params["min_prefix_ipv6"]}
        for version in ("-4", "-6"):
            routes.update(routes_by_destination(host.ip_json([version, "route", "show", "table", "main"])))
        accepted = []
        for network in targets:
            why = refusal(network, protected, min_prefix)
            if why is None and params["route"] and routes.get(network, "unreachable") != "unreachable":
                why = ("a %s route to it exists; an unreachable route would replace it (block it without route)"
                       % routes[network])
            if why is None:
                accepted.append(network)
            else:
                result["refused"].append({"address": str(network), "reason": why})
        # Every mistake is named at once, so that one correction is enough.
        if invalid or (result["refused"] and params["on_refusal"] == "fail"):
            problems = []
            if invalid:
                problems.append("Not an address to block: %s." % "; ".join(invalid))
            if result["refused"]:
                problems.append("Refused: %s." % "; ".join(
                    "%s (%s)" % (r["address"], r["reason"]) for r in result["refused"]))
            module.fail_json(msg="Nothing was changed. " + " ".join(problems), invalid=invalid,
                             refused=result["refused"], controller_address=controller, protected=result["protected"])
        targets = accepted

    # The list of blocks, read and rewritten under a lock the expiry script takes too.
    lock = None
    if not module.check_mode:
        directory = os.path.dirname(params["state_file"])
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        lock = open(params["state_file"] + ".lock", "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
    before_text = read_text(params["state_file"])
    try:
        stored = load_state(before_text)
    except ValueError as exc:
        module.fail_json(msg="%s cannot be read as a list of blocks (%s): fix or remove it" % (params["state_file"], exc))
    entries, result["expired"] = split_expired(stored, now)
    by_address = dict((e["address"], e) for e in entries)
    log = [log_line(now, "expire", e, "ip_block module", "time to live ended (%s)" % e.get("expires_at"))
           for e in result["expired"]]

    if present:
        for network in targets:
            address = str(network)
            current = by_address.get(address)
            if current is None:
                route = "none"
                if params["route"]:
                    route = "existing" if routes.get(network) == "unreachable" else "added"
                entry = new_entry(network, reason, who, now, ttl, route)
                by_address[address] = entry
                result["blocked"].append(entry)
                log.append(log_line(now, "block", entry, who, reason))
                continue
            updated = dict(current)
            if params["renew"]:
                renewed = new_entry(network, reason, who, now, ttl, current["route"])
                updated.update((k, renewed[k]) for k in ("reason", "who", "added", "added_at", "ttl",
                                                         "expires", "expires_at"))
            if params["route"] and current["route"] == "none":
                updated["route"] = "existing" if routes.get(network) == "unreachable" else "added"
            if updated != current:
                by_address[address] = updated
                result["renewed"].append(updated)
                log.append(log_line(now, "block", updated, who, reason + " (renewed)"))
            else:
                result["already_blocked"].append(current)
    else:
        chosen = list(by_address) if unblock_all else [str(n) for n in targets]
        for address in chosen:
            entry = by_address.pop(address, None)
            if entry is None:
                network = ipaddress.ip_network(address)
                covering = [a for a in by_address
                            if ipaddress.ip_network(a).version == network.version
                            and network.subnet_of(ipaddress.ip_network(a))]
                result["not_blocked"].append({"address": address, "covered_by": covering})
                continue
            result["unblocked"].append(entry)
            log.append(log_line(now, "unblock", entry, who, reason))

    entries = sort_entries(by_address.values())
    result["entries"] = entries

    # Firewall: one chain per family, present while the family has blocks.
    jumps = [(parent, "") for parent in params["parent_chains"]]
    firewalls = {}
    for family in ("ipv4", "ipv6"):
        rules = [e["rule"] for e in entries if e["family"] == family]
        firewalls[family] = Firewall(module, family, "filter")
        if rules:
            firewalls[family].restore_chain(restore_text("filter", chain, rules), test=True)
    for family in ("ipv4", "ipv6"):
        rules = [e["rule"] for e in entries if e["family"] == family]
        part = dict(changed=False, rules_changed=False, jumps_added=[], jumps_removed=[], persist_file="", diff=[])
        sync_chain(module, firewalls[family], chain, rules, jumps, bool(rules), True,
                   params["persist_dir"], family, part)
        result["changed"] = result["changed"] or part["changed"]
        result["diff"].extend(part["diff"])

    # Routes: every block that owns its route has it; removed blocks lose theirs.
    live = {}
    for version in ("-4", "-6"):
        live.update(routes_by_destination(host.ip_json([version, "route", "show", "table", "main"])))
    route_errors = []
    gone = result["unblocked"] + result["expired"]
    for entry in gone:
        if entry["route"] == "added" and live.get(ipaddress.ip_network(entry["address"])) == "unreachable":
            result["routes_removed"].append(entry["address"])
            if not module.check_mode:
                rc, err = host.route("del", entry)
                if rc != 0:
                    route_errors.append("ip route del unreachable %s: %s" % (entry["address"], err))
    for entry in entries:
        if entry["route"] == "added" and live.get(ipaddress.ip_network(entry["address"])) != "unreachable":
            result["routes_added"].append(entry["address"])
            if not module.check_mode:
                rc, err = host.route("add", entry)
                if rc != 0:
                    route_errors.append("ip route add unreachable %s: %s" % (entry["address"], err))
    if result["routes_added"] or result["routes_removed"]:
        result["diff"].append({
            "before_header": "unreachable routes", "after_header": "unreachable routes",
            "before": "".join("unreachable %s\n" % a for a in result["routes_removed"]),
            "after": "".join("unreachable %s\n" % a for a in result["routes_added"]),
        })

    # The list and the log.
    after_text = state_text(entries)
    if stored != entries:
        result["changed"] = True
        result["diff"].insert(0, {
            "before_header": "%s (blocks)" % params["state_file"],
            "after_header": "%s (blocks)" % params["state_file"],
            "before": listing(stored, now), "after": listing(entries, now),
        })
        if not module.check_mode:
            write_text(params["state_file"], after_text, 0o644)
    result["log_lines"] = [line.rstrip("\n") for line in log]
    if log and not module.check_mode:
        log_dir = os.path.dirname(params["log_file"])
        if not os.path.isdir(log_dir):
            os.makedirs(log_dir, 0o755)
        with open(params["log_file"], "a") as handle:
            handle.write("".join(log))

    # The host-side expiry and boot-time routes, needed from the first block
    # on. An unblock leaves them as the last block left them.
    if present and entries:
        install_units(module, params, result)
    result["changed"] = bool(result["changed"] or result["routes_added"] or result["routes_removed"] or log)
    if lock is not None:
        lock.close()
    if route_errors:
        module.fail_json(msg="Blocks recorded, but routes failed: %s" % "; ".join(route_errors), **result)
    module.exit_json(**result)


def install_units(module, params, result):
    """The expiry script, its timer and the boot-time unit, installed and enabled."""
    values = {"script": SCRIPT, "state": params["state_file"], "log": params["log_file"],
              "persist_dir": params["persist_dir"], "chain": params["chain"],
              "interval": params["expiry_interval"]}
    files = [
        (SCRIPT, EXPIRY_SCRIPT % values, 0o755),
        (os.path.join(UNIT_DIR, BOOT_UNIT_NAME), BOOT_UNIT % values, 0o644),
        (os.path.join(UNIT_DIR, EXPIRY_SERVICE_NAME), EXPIRY_SERVICE % values, 0o644),
        (os.path.join(UNIT_DIR, EXPIRY_TIMER_NAME), EXPIRY_TIMER % values, 0o644),
    ]
    written = len(result["diff"])
    for path, text, mode in files:
        ensure_file(module, path, text, mode, result)
    units_changed = len(result["diff"]) > written
    systemctl = module.get_bin_path("systemctl")
    if systemctl is None:
        module.warn("systemd is not running this host: blocks will neither expire nor get their routes back at boot")
        return
    if units_changed and not module.check_mode:
        module.run_command([systemctl, "daemon-reload"], check_rc=True)
    for unit, start in ((BOOT_UNIT_NAME, False), (EXPIRY_TIMER_NAME, True)):
        _rc, enabled, _err = module.run_command([systemctl, "is-enabled", unit])
        rc_active, _out, _err = module.run_command([systemctl, "is-active", "--quiet", unit])
        needs_enable = enabled.strip() != "enabled"
        needs_start = start and (rc_active != 0 or units_changed)
        if needs_enable or needs_start:
            result["changed"] = True
            if not module.check_mode:
                if needs_enable:
                    module.run_command([systemctl, "enable", unit], check_rc=True)
                if needs_start:
                    module.run_command([systemctl, "restart", unit], check_rc=True)


if __name__ == "__main__":
    main()
