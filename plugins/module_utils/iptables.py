# -*- coding: utf-8 -*-
# Copyright: sysfix.hardening contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers for the firewall chains this collection owns.

Every rule the collection adds carries a comment ``sysfix:<tag>`` made from
the rule's own text, so a chain can be compared with what is wanted without
re-implementing iptables' normalisation of rule text: the same rules in the
same order give the same tags.
"""

from __future__ import annotations

import hashlib
import re
import shlex

CHAIN_NAME = re.compile(r"^[A-Za-z0-9_-]{1,28}$")
_TAG = re.compile(r'--comment "?(sysfix:[A-Za-z0-9:_-]+)"?')


def rule_tag(rule):
    """The comment that identifies a rule: 12 hex digits of its SHA-1."""
    return "sysfix:" + hashlib.sha1(" ".join(shlex.split(rule)).encode("utf-8")).hexdigest()[:12]


def jump_tag(chain, rule):
    return "sysfix:jump:%s:%s" % (chain, rule_tag(rule)[len("sysfix:"):])


def tagged(rule, tag):
    """The rule with its comment match first (before any target option)."""
    return "-m comment --comment %s %s" % (tag, rule)


def chain_tags(rules_text, chain):
    """Tags of the rules in ``iptables -S CHAIN`` output, in order; None for an untagged rule."""
    tags = []
    prefix = "-A %s " % chain
    for line in rules_text.splitlines():
        if line.startswith(prefix):
            match = _TAG.search(line)
            tags.append(match.group(1) if match else None)
    return tags


def jump_lines(rules_text, parent, target):
    """``iptables -S PARENT`` lines that jump to ``target``, as ``(tag or None, line)``."""
    found = []
    prefix = "-A %s " % parent
    for line in rules_text.splitlines():
        if line.startswith(prefix) and re.search(r"(^| )-j %s( |$)" % re.escape(target), line):
            match = _TAG.search(line)
            found.append((match.group(1) if match else None, line))
    return found


def restore_text(table, chain, rules, jumps=()):
    """iptables-restore input that (re)creates ``chain`` holding ``rules``.

    With ``--noflush`` only this chain is replaced, atomically. ``jumps`` are
    ``(parent, rule)`` pairs written as ``-I PARENT 1 ...`` lines: used for the
    boot-time file, where they are added after the chain exists.
    """
    lines = ["*%s" % table, ":%s - [0:0]" % chain]
    for rule in rules:
        lines.append("-A %s %s" % (chain, tagged(rule, rule_tag(rule))))
    for parent, rule in jumps:
        lines.append("-I %s 1 %s -j %s" % (parent, tagged(rule, jump_tag(chain, rule)), chain))
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def delete_args(line):
    """``iptables -S`` line ``-A PARENT spec...`` as arguments for ``iptables -D``."""
    words = shlex.split(line)
    return ["-D"] + words[1:]
