# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers for an owner-matched OUTPUT rule in iptables and ip6tables.

The rule refuses new outgoing TCP connections to one port from every local
user except the exempt ones:

    -p tcp --syn --dport PORT -m owner ! --uid-owner U1 -m owner ! --uid-owner U2
    -m owner ! --gid-owner G1 -m comment --comment TAG -j REJECT --reject-with tcp-reset

Several owner matches in one rule must all hold, so one rule expresses "none
of these users and groups". The comment tags the rule so it can be found and
replaced; nothing here runs a command.
"""

from __future__ import annotations

import re
import shlex

# Characters a tag may hold: iptables -S prints it back without escapes, so
# it can be found again by plain comparison.
TAG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,250}$")

_COUNTERS = re.compile(r"\[\d+:\d+\]")


def rule_args(port, exempt_users, exempt_groups, target, tag):
    """The iptables arguments of the rule, without the chain."""
    args = ["-p", "tcp", "--syn", "--dport", str(port)]
    for user in exempt_users:
        args += ["-m", "owner", "!", "--uid-owner", str(user)]
    for group in exempt_groups:
        args += ["-m", "owner", "!", "--gid-owner", str(group)]
    args += ["-m", "comment", "--comment", tag, "-j", target]
    if target == "REJECT":
        # A reset tells the program at once that the connection is refused;
        # the runbook's DROP leaves it waiting for a timeout.
        args += ["--reject-with", "tcp-reset"]
    return args


def tagged_rules(listing, chain, tag):
    """The rules of ``chain`` in ``iptables -S`` output that carry ``tag``.

    Each is returned as its argument list without ``-A CHAIN``, which is what
    ``iptables -D CHAIN ...`` takes to delete it.
    """
    rules = []
    for line in listing.splitlines():
        if not line.startswith("-A %s " % chain):
            continue
        args = shlex.split(line)[2:]
        for index, arg in enumerate(args[:-1]):
            if arg == "--comment" and args[index + 1] == tag:
                rules.append(args)
                break
    return rules


def rule_text(chain, args):
    """One rule as ``iptables -S`` would print it, for messages and diffs."""
    return " ".join(["-A", chain] + [shlex.quote(arg) if arg != "!" else arg for arg in args])


def normalize_save(text):
    """iptables-save output without comments and packet counters.

    Two dumps of the same rules differ only in their time-stamped comment
    lines and counters; netfilter-persistent's saved files are such dumps.
    """
    lines = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lines.append(_COUNTERS.sub("[0:0]", line.rstrip()))
    return "\n".join(lines)
