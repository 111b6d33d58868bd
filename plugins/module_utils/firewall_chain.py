# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keeping a firewall chain of the collection's own, on the host.

The machinery of the iptables_chain module, shared with ip_block so that
both keep their chains, jumps and boot-time files the same way: the chain is
replaced at once with ``iptables-restore --noflush`` (after ``--test``), the
jumps carry ``sysfix:jump:...`` comments, and the persisted file
``PERSIST_DIR/CHAIN.v4`` (or ``.v6``) is restored at boot by
``sysfix-iptables.service``. The pure text helpers are in ``iptables.py``.
"""

from __future__ import annotations

import os
import tempfile

from ansible_collections.sysfix.hardening.plugins.module_utils.iptables import (
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
UNIT_NAME = "sysfix-iptables.service"
BUILTIN_CHAINS = {"INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"}

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
    """Replace ``path`` at once (a temporary file renamed over it)."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".sysfix-")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.chmod(temp, mode)
    os.rename(temp, path)


class Firewall:
    """One table of iptables or ip6tables, run with ``-w`` and ``LC_ALL=C``."""

    def __init__(self, module, ip_version, table):
        self.module = module
        command = "iptables" if ip_version == "ipv4" else "ip6tables"
        self.binary = module.get_bin_path(command)
        self.restore = module.get_bin_path(command + "-restore")
        if not self.binary or not self.restore:
            module.fail_json(msg="%s is not installed: install Debian's iptables package" % command)
        self.table = table

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
    """Write ``text`` to ``path`` unless it is there already; record the change and its diff."""
    before = read_text(path)
    if before == text:
        return
    result["changed"] = True
    result["diff"].append({"before_header": path, "after_header": path, "before": before or "", "after": text})
    if not module.check_mode:
        write_text(path, text, mode)


def ensure_restore_unit(module, persist_dir, result):
    """The boot-time restore: script, unit, and the unit enabled."""
    ensure_file(module, RESTORE_SCRIPT, RESTORE_SCRIPT_TEXT % {"dir": persist_dir}, 0o755, result)
    ensure_file(module, UNIT_FILE, UNIT_TEXT, 0o644, result)
    systemctl = module.get_bin_path("systemctl")
    if systemctl is None:
        module.warn("systemd is not running this host: %s will not run at boot" % UNIT_FILE)
        return
    rc, out, _err = module.run_command([systemctl, "is-enabled", UNIT_NAME])
    if out.strip() != "enabled":
        result["changed"] = True
        if not module.check_mode:
            if result["diff"] and result["diff"][-1].get("after_header") == UNIT_FILE:
                module.run_command([systemctl, "daemon-reload"], check_rc=True)
            module.run_command([systemctl, "enable", UNIT_NAME], check_rc=True)


def persist_path(persist_dir, chain, ip_version):
    return os.path.join(persist_dir, chain + (".v4" if ip_version == "ipv4" else ".v6"))


def sync_chain(module, firewall, chain, rules, jumps, present, persist, persist_dir, ip_version, result):
    """Make ``chain`` hold exactly ``rules``, entered by exactly ``jumps``.

    ``jumps`` are ``(parent, rule)`` pairs. With ``present`` false the chain,
    every jump into it and its persisted file go. ``result`` collects
    ``changed``, ``rules_changed``, ``jumps_added``, ``jumps_removed``,
    ``persist_file`` and ``diff`` (a list); in check mode nothing is run but
    ``iptables-restore --test``.
    """
    rules = rules if present else []
    jumps = jumps if present else []
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
        result["diff"].append({
            "before_header": "%s -S %s" % (firewall.binary, chain),
            "after_header": "%s -S %s" % (firewall.binary, chain),
            "before": current,
            "after": "",
        })
        if not module.check_mode:
            firewall.run(["-F", chain])
            firewall.run(["-X", chain])

    if persist:
        path = persist_path(persist_dir, chain, ip_version)
        result["persist_file"] = path
        if present:
            ensure_file(module, path, restore_text(firewall.table, chain, rules, jumps), 0o644, result)
            ensure_restore_unit(module, persist_dir, result)
        elif os.path.exists(path):
            result["changed"] = True
            result["diff"].append({"before_header": path, "after_header": path, "before": read_text(path), "after": ""})
            if not module.check_mode:
                os.unlink(path)

    result["changed"] = bool(
        result["changed"] or result["rules_changed"] or result["jumps_added"] or result["jumps_removed"]
    )
    return result
